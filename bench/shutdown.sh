#!/usr/bin/env bash
# SIGTERM during a claim load, on SQLite and on PostgreSQL, with the server's
# default settings: the server must answer every request it took, commit every
# claim it acknowledged, and exit 0. Prints one JSON document per database.
#
#   bench/shutdown.sh
#   DATABASES=sqlite bench/shutdown.sh
set -euo pipefail
cd "$(dirname "$0")/.."

DATABASES="${DATABASES:-sqlite postgres}"
USERS="${USERS:-5000}"
PORT="${PORT:-18484}"
PG="${BENCH_PG:-postgres://postgres@127.0.0.1:5432}"
BASE="http://127.0.0.1:$PORT"

# YUHUI_BIN=path runs an already built binary (say, last release, to compare).
if [ -z "${YUHUI_BIN:-}" ]; then cargo build --release --quiet; fi
BIN="${YUHUI_BIN:-target/release/yuhui}"
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

login() {
  curl -sf -XPOST "$BASE/api/v1/auth/dev/login" -H 'content-type: application/json' \
    -d "{\"openid\":\"$1\"}" | python3 -c 'import sys,json; print(json.load(sys.stdin)["token"])'
}

for db in $DATABASES; do
  case $db in
    sqlite) rm -f "$work"/bench.db*; url="sqlite://$work/bench.db?mode=rwc"
            sql() { sqlite3 "$work/bench.db"; }
            # sqlx keeps UUIDs in SQLite as 16-byte blobs.
            as_text() { echo "lower(hex($1))"; }; strip='s/-//g' ;;
    postgres)
      psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS yuhui_bench_shutdown WITH (FORCE)" -c "CREATE DATABASE yuhui_bench_shutdown" >/dev/null
      url="$PG/yuhui_bench_shutdown?sslmode=disable"
      sql() { psql "$url" -qtA; }
      as_text() { echo "$1::text"; }; strip='' ;;
  esac
  DATABASE_URL="$url" YUHUI_BIND="127.0.0.1:$PORT" YUHUI_LOG_FORMAT=json RUST_LOG=warn \
    YUHUI_LOGIN_RATE_LIMIT=100000000 "$BIN" >"$work/server.log" 2>&1 &
  server=$!
  until curl -sf "$BASE/ready" >/dev/null; do
    kill -0 $server 2>/dev/null || { cat "$work/server.log"; exit 1; }
    sleep 0.1
  done
  python3 - "$BASE" "$USERS" >"$work/tokens" <<'PY'
import json, sys, urllib.request
from concurrent.futures import ThreadPoolExecutor
base, n = sys.argv[1], int(sys.argv[2])
def login(i):
    req = urllib.request.Request(base + "/api/v1/auth/dev/login",
        data=json.dumps({"openid": f"shutdown-resident-{i}"}).encode(),
        headers={"content-type": "application/json"})
    with urllib.request.urlopen(req) as r:
        return json.load(r)["token"]
with ThreadPoolExecutor(16) as pool:
    for token in pool.map(login, range(n)):
        print(token)
PY
  admin=$(login demo-admin)
  campaign=$(python3 - <<'PY' | curl -sf -XPOST "$BASE/api/v1/admin/voucher-campaigns" -H "Authorization: Bearer $admin" -H 'content-type: application/json' -d @- | python3 -c 'import sys,json; print(json.load(sys.stdin)["id"])'
import json, datetime
now = datetime.datetime.now(datetime.timezone.utc)
iso = lambda t: t.isoformat(timespec="seconds")
print(json.dumps({
    "name": "停机测试券", "categories": ["restaurant"], "district_codes": ["500103"],
    "face_value_fen": 1000, "threshold_fen": 5000, "total_quantity": 1000000,
    "per_user_limit": 10, "valid_days": 7,
    "starts_at": iso(now - datetime.timedelta(minutes=1)), "ends_at": iso(now + datetime.timedelta(days=7)),
    "rounds": [{"opens_at": iso(now - datetime.timedelta(minutes=1)), "quantity": 1000000}],
}))
PY
)
  load=$(python3 bench/shutdown.py "$PORT" "$server" "$work/tokens" "$campaign" "$work/ids")
  set +e; wait $server; exit_code=$?; set -e
  acknowledged=$(grep -c . "$work/ids" || true)
  if [ "$acknowledged" -gt 0 ]; then
    # Thousands of ids: the query goes in on standard input, not the command line.
    found=$( (echo "SELECT count(*) FROM vouchers WHERE $(as_text id) IN ("; sed "$strip; s/.*/'&'/" "$work/ids" | paste -sd,; echo ");") | sql)
  else
    found=0
  fi
  stored=$(echo "SELECT count(*) FROM vouchers WHERE $(as_text campaign_id) = '$(echo "$campaign" | sed "$strip")';" | sql)
  python3 - "$db" "$load" "$exit_code" "$acknowledged" "$found" "$stored" <<'PY'
import json, sys
db, load = sys.argv[1], json.loads(sys.argv[2])
exit_code, acknowledged, found, stored = map(int, sys.argv[3:])
print(json.dumps({"database": db, "load": load, "server_exit_code": exit_code,
    "acknowledged_claims": acknowledged, "acknowledged_found_in_database": found,
    "vouchers_in_database": stored,
    "ok": exit_code == 0 and found == acknowledged and load["unanswered"] == 0}))
PY
done
