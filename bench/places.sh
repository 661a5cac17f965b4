#!/usr/bin/env bash
# Places benchmark: seeds N synthetic shops into PostgreSQL, starts the real
# release server, measures the time until /ready, drives nearby, filtered
# nearby and circle-report load with wrk from random points of the core, and
# prints one JSON document with throughput, latencies and server RSS.
#
#   bench/places.sh                   # 1,000,000 shops, 20 s per scenario
#   SHOPS=100000 DURATION=5s bench/places.sh
#   SKIP_SEED=1 bench/places.sh       # reuse the database from the last run
set -euo pipefail
cd "$(dirname "$0")/.."

SHOPS="${SHOPS:-1000000}"
DURATION="${DURATION:-20s}"
CONNECTIONS="${CONNECTIONS:-64}"
THREADS="${THREADS:-1}"
PORT="${PORT:-18181}"
PG="${BENCH_PG:-postgres://postgres@127.0.0.1:5432}"
# TLS to a database on loopback only costs time; use your own URL elsewhere.
DB_URL="$PG/yuhui_bench?sslmode=disable"

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
# YUHUI_BIN=path runs an already built binary (say, last release, to compare).
if [ -z "${YUHUI_BIN:-}" ]; then cargo build --release --quiet; fi
BIN="${YUHUI_BIN:-target/release/yuhui}"

if [ -z "${SKIP_SEED:-}" ]; then
  psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS yuhui_bench WITH (FORCE)" -c "CREATE DATABASE yuhui_bench" >/dev/null
  seed_start=$(date +%s.%N)
  DATABASE_URL="$DB_URL" RUST_LOG=warn "$BIN" seed synthetic --shops "$SHOPS" >/dev/null
  seed_seconds=$(echo "$(date +%s.%N) - $seed_start" | bc)
else
  seed_seconds=null
fi

# The wrk script needs the synthetic square's extent for this many shops.
read -r half_lat half_lng < <(python3 -c "
import math; n=$SHOPS; half_m=math.sqrt(n/1500)*1000/2
print(half_m/111195, half_m/(111195*math.cos(math.radians(29.5546))))")

start=$(date +%s.%N)
DATABASE_URL="$DB_URL" YUHUI_BIND="127.0.0.1:$PORT" YUHUI_LOG_FORMAT=json "$BIN" >/tmp/yuhui-bench-server.log 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
until curl -sf "http://127.0.0.1:$PORT/ready" >/dev/null; do
  kill -0 $server 2>/dev/null || { cat /tmp/yuhui-bench-server.log; exit 1; }
  sleep 0.05
done
ready_seconds=$(echo "$(date +%s.%N) - $start" | bc)
rss_after_start_kb=$(awk '/VmRSS/ {print $2}' /proc/$server/status)

results=()
for scenario in nearby filtered circle; do
  # Warm up, then measure.
  wrk -t"$THREADS" -c"$CONNECTIONS" -d2s -s bench/places.lua "http://127.0.0.1:$PORT" -- "$scenario" "$half_lat" "$half_lng" >/dev/null
  line=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" -s bench/places.lua "http://127.0.0.1:$PORT" -- "$scenario" "$half_lat" "$half_lng" | tail -n 1)
  results+=("\"$scenario\": $line")
done
rss_peak_kb=$(awk '/VmHWM/ {print $2}' /proc/$server/status)
rss_kb=$(awk '/VmRSS/ {print $2}' /proc/$server/status)

joined=$(IFS=,; echo "${results[*]}")
cat <<JSON
{"shops": $SHOPS, "database": "postgresql", "duration": "$DURATION", "connections": $CONNECTIONS, "wrk_threads": $THREADS,
 "cores": $(nproc), "seed_seconds": $seed_seconds, "ready_seconds": $ready_seconds,
 "rss_mb_after_start": $((rss_after_start_kb / 1024)), "rss_mb_after_load": $((rss_kb / 1024)), "rss_mb_peak": $((rss_peak_kb / 1024)),
 $joined}
JSON
