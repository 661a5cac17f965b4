#!/usr/bin/env bash
# Complaints benchmark, on SQLite and on PostgreSQL:
#  1. filings per second over HTTP, each a durable transaction (number,
#     case, event, idempotency key), from 200 residents; then a check that
#     the database holds as many new cases as requests succeeded (plus at
#     most one per connection: requests still in flight when wrk stops
#     complete after it has counted);
#  2. filing latency at a steady rate (RATE, 1,000/s): an open-loop load
#     (examples/fixed_rate.rs) sends each filing when it is due whatever
#     the answers before it, and times it from then; 5 s of warm-up, then
#     DURATION measured;
#  3. the handler queue's latency with 100,000 complaints in the database.
# Prints one JSON document per database.
#
#   bench/complaints.sh                     # both databases, 20 s per run
#   DATABASES=sqlite DURATION=5s bench/complaints.sh
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION="${DURATION:-20s}"
RATE="${RATE:-1000}"
CONNECTIONS="${CONNECTIONS:-32}"
DATABASES="${DATABASES:-sqlite postgres}"
COMPLAINTS="${COMPLAINTS:-100000}"
PORT="${PORT:-18282}"
PG="${BENCH_PG:-postgres://postgres@127.0.0.1:5432}"
BASE="http://127.0.0.1:$PORT"

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
# YUHUI_BIN=path runs an already built binary (say, last release, to compare).
if [ -z "${YUHUI_BIN:-}" ]; then cargo build --release --quiet; fi
cargo build --release --quiet --example fixed_rate
BIN="${YUHUI_BIN:-target/release/yuhui}"
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

start_server() {
  DATABASE_URL="$1" YUHUI_BIND="127.0.0.1:$PORT" YUHUI_LOG_FORMAT=json \
    YUHUI_LOGIN_RATE_LIMIT=1000000 YUHUI_COMPLAINT_RATE_PER_HOUR=1000000 \
    YUHUI_UPLOAD_DIR="$work/uploads" "$BIN" >"$work/server.log" 2>&1 &
  server=$!
  until curl -sf "$BASE/ready" >/dev/null; do
    kill -0 $server 2>/dev/null || { cat "$work/server.log"; exit 1; }
    sleep 0.1
  done
}

login() {
  curl -sf -XPOST "$BASE/api/v1/auth/dev/login" -H 'content-type: application/json' \
    -d "{\"openid\":\"$1\"}" | python3 -c 'import sys,json; print(json.load(sys.stdin)["token"])'
}

queue_total() {
  curl -sf "$BASE/api/v1/handler/complaints?limit=1" -H "Authorization: Bearer $1" |
    python3 -c 'import sys,json; print(sum(json.load(sys.stdin)["counts"].values()))'
}

for db in $DATABASES; do
  case $db in
    sqlite) url="sqlite://$work/bench.db?mode=rwc" ;;
    postgres)
      psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS yuhui_bench_complaints WITH (FORCE)" -c "CREATE DATABASE yuhui_bench_complaints" >/dev/null
      url="$PG/yuhui_bench_complaints?sslmode=disable" ;;
  esac

  start_server "$url"
  : >"$work/tokens"
  for i in $(seq 1 200); do login "bench-user-$i" >>"$work/tokens"; done
  handler=$(login demo-handler)
  before=$(queue_total "$handler")
  filing=$(wrk -t1 -c"$CONNECTIONS" -d"$DURATION" -s bench/complaints.lua "$BASE" -- file "$work/tokens" | tail -n 1)
  after=$(queue_total "$handler")
  kill $server; wait $server 2>/dev/null || true

  start_server "$url"
  target/release/examples/fixed_rate "$BASE" "$work/tokens" "$RATE" 5 >/dev/null
  steady=$(target/release/examples/fixed_rate "$BASE" "$work/tokens" "$RATE" "${DURATION%s}")
  kill $server; wait $server 2>/dev/null || true

  DATABASE_URL="$url" RUST_LOG=warn "$BIN" seed synthetic --complaints "$COMPLAINTS" >/dev/null
  start_server "$url"
  handler=$(login demo-handler)
  total=$(queue_total "$handler")
  wrk -t1 -c16 -d2s -s bench/complaints.lua "$BASE" -- queue "$handler" >/dev/null
  queue=$(wrk -t1 -c16 -d"$DURATION" -s bench/complaints.lua "$BASE" -- queue "$handler" | tail -n 1)
  kill $server; wait $server 2>/dev/null || true

  ok=$(python3 -c "import json; r=json.loads('$filing'); print(r['requests'] - r['non_2xx'])")
  cat <<JSON
{"database": "$db", "duration": "$DURATION", "connections": $CONNECTIONS,
 "filing": $filing,
 "filing_at_steady_rate": $steady,
 "filing_check": {"successful_responses": $ok, "new_cases_in_database": $((after - before)), "consistent": $([ "$ok" -le $((after - before)) ] && [ $((after - before)) -le $((ok + CONNECTIONS)) ] && echo true || echo false)},
 "queue": $queue, "complaints_in_queue_districts": $total}
JSON
done
