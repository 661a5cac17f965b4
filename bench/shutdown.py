"""Claims under load while the server is sent SIGTERM.

Each of THREADS workers claims in a loop on a fresh connection per request
(`Connection: close`, so an answer can never be confused with a keep-alive
connection the server was closing). After SIGNAL_AFTER seconds the server
gets SIGTERM; the workers go on until the port refuses them. Every attempt
ends in one of:

  answered      an HTTP status came back (201 with the voucher's id, 409, 503 ...)
  refused       the connection was refused: the server no longer accepted
  unanswered    the request was sent and the connection ended without an answer

Prints one JSON line: the counts and the voucher ids of the 201 answers go to
IDS_FILE so the caller can check each against the database.
"""
import http.client, json, os, signal, sys, threading, time, uuid

base_port, pid, tokens_file, campaign, ids_file = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
threads_n = int(os.environ.get("THREADS", "64"))
signal_after = float(os.environ.get("SIGNAL_AFTER", "3"))
tokens = [t.strip() for t in open(tokens_file) if t.strip()]

lock = threading.Lock()
counts = {"answered": 0, "created": 0, "refused": 0, "unanswered": 0}
statuses = {}
ids = []
stop = threading.Event()
signalled_at = [None]


def worker(n):
    i = 0
    refused_since = None
    while not stop.is_set():
        i += 1
        token = tokens[(n * 7919 + i) % len(tokens)]
        conn = http.client.HTTPConnection("127.0.0.1", base_port, timeout=30)
        try:
            conn.connect()
        except (ConnectionRefusedError, OSError):
            with lock:
                counts["refused"] += 1
            refused_since = refused_since or time.monotonic()
            if signalled_at[0] and time.monotonic() - refused_since > 1:
                return
            time.sleep(0.01)
            continue
        refused_since = None
        try:
            conn.request("POST", f"/api/v1/voucher-campaigns/{campaign}/claims", headers={
                "Authorization": "Bearer " + token,
                "Idempotency-Key": f"shutdown-{uuid.uuid4()}",
                "Connection": "close",
            })
            resp = conn.getresponse()
            body = resp.read()
        except Exception as e:  # sent, but no answer
            with lock:
                counts["unanswered"] += 1
                statuses[type(e).__name__] = statuses.get(type(e).__name__, 0) + 1
            continue
        finally:
            conn.close()
        with lock:
            counts["answered"] += 1
            statuses[resp.status] = statuses.get(resp.status, 0) + 1
            if resp.status == 201:
                counts["created"] += 1
                ids.append(json.loads(body)["voucher"]["id"])


workers = [threading.Thread(target=worker, args=(n,)) for n in range(threads_n)]
for w in workers:
    w.start()
time.sleep(signal_after)
with lock:
    before = dict(counts)
os.kill(pid, signal.SIGTERM)
signalled_at[0] = time.monotonic()
for w in workers:
    w.join(timeout=30)
stop.set()
with open(ids_file, "w") as f:
    f.write("\n".join(ids))
print(json.dumps({"threads": threads_n, "before_signal": before, **counts,
                  "statuses": {str(k): v for k, v in statuses.items()}}))
