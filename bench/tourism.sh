#!/usr/bin/env bash
# Tourism benchmark: the read-heavy lists served from the per-instance
# catalogue cache. Starts the release server on a fresh SQLite database with
# the seed data (14 routes, 22 events, 302 shops), drives route search, route
# detail (with the shops open near each stop) and the events calendar with
# wrk, and prints one JSON document with throughput, latencies and RSS.
#
#   bench/tourism.sh                  # 20 s per scenario
#   DURATION=5s bench/tourism.sh
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION="${DURATION:-20s}"
CONNECTIONS="${CONNECTIONS:-64}"
THREADS="${THREADS:-1}"
PORT="${PORT:-18183}"
WORKERS="${WORKERS:-2}"
DIR=$(mktemp -d)

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
# YUHUI_BIN=path runs an already built binary (say, last release, to compare).
if [ -z "${YUHUI_BIN:-}" ]; then cargo build --release --quiet; fi
BIN="${YUHUI_BIN:-target/release/yuhui}"

DATABASE_URL="sqlite://$DIR/yuhui.db?mode=rwc" YUHUI_BIND="127.0.0.1:$PORT" YUHUI_WORKERS="$WORKERS" \
  YUHUI_LOG_FORMAT=json RUST_LOG=warn "$BIN" >"$DIR/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$DIR"' EXIT
until curl -sf "http://127.0.0.1:$PORT/ready" >/dev/null; do
  kill -0 $server 2>/dev/null || { cat "$DIR/server.log"; exit 1; }
  sleep 0.05
done

results=()
for scenario in routes detail events; do
  wrk -t"$THREADS" -c"$CONNECTIONS" -d2s -s bench/tourism.lua "http://127.0.0.1:$PORT" -- "$scenario" >/dev/null
  line=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" -s bench/tourism.lua "http://127.0.0.1:$PORT" -- "$scenario" | tail -n 1)
  results+=("\"$scenario\": $line")
done
rss_peak_kb=$(awk '/VmHWM/ {print $2}' /proc/$server/status)

joined=$(IFS=,; echo "${results[*]}")
cat <<JSON
{"database": "sqlite", "routes": 14, "events": 22, "duration": "$DURATION", "connections": $CONNECTIONS,
 "wrk_threads": $THREADS, "http_workers": $WORKERS, "cores": $(nproc), "rss_mb_peak": $((rss_peak_kb / 1024)),
 $joined}
JSON
