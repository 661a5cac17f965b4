#!/usr/bin/env bash
# Credit benchmark (山城有信 / 一企一码), on a fresh SQLite database (or
# PostgreSQL with DB=postgres):
#  1. recompute: MERCHANTS synthetic merchants (default 100,000) with a year
#     of complaints (three per merchant on average) are all rescored by
#     `yuhui credit recompute`, as the daily pass does;
#  2. verify: wrk POSTs one genuine merchant code to /api/v1/credit/verify
#     against the release server with its default settings.
# Prints one JSON document.
#
#   bench/credit.sh
#   MERCHANTS=10000 DURATION=5s bench/credit.sh
set -euo pipefail
cd "$(dirname "$0")/.."

MERCHANTS="${MERCHANTS:-100000}"
DURATION="${DURATION:-20s}"
CONNECTIONS="${CONNECTIONS:-64}"
THREADS="${THREADS:-1}"
PORT="${PORT:-18186}"
DB="${DB:-sqlite}"
DIR=$(mktemp -d)

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
if [ -z "${YUHUI_BIN:-}" ]; then cargo build --release --quiet; fi
BIN="${YUHUI_BIN:-target/release/yuhui}"

if [ "$DB" = postgres ]; then
  name="yuhui_bench_credit_$$"
  psql -q -h 127.0.0.1 -U postgres -c "CREATE DATABASE $name" >/dev/null
  export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$name"
  cleanup_db() { psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS $name WITH (FORCE)" >/dev/null; }
else
  export DATABASE_URL="sqlite://$DIR/yuhui.db?mode=rwc"
  cleanup_db() { :; }
fi
export YUHUI_CREDIT_KEY_FILE="$DIR/credit-key" RUST_LOG=warn

seed_start=$(date +%s.%N)
"$BIN" seed synthetic --merchants "$MERCHANTS" >/dev/null
seed_seconds=$(echo "$(date +%s.%N) - $seed_start" | bc)
recompute=$("$BIN" credit recompute | tail -n 1)

YUHUI_BIND="127.0.0.1:$PORT" YUHUI_LOG_FORMAT=json "$BIN" >"$DIR/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true; cleanup_db; rm -rf "$DIR"' EXIT
until curl -sf "http://127.0.0.1:$PORT/ready" >/dev/null; do
  kill -0 $server 2>/dev/null || { cat "$DIR/server.log"; exit 1; }
  sleep 0.05
done
payload=$(curl -sf "http://127.0.0.1:$PORT/api/v1/merchants/01936d4a-0000-7000-8000-000000000001/code" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["payload"])')
wrk -t"$THREADS" -c"$CONNECTIONS" -d2s -s bench/credit.lua "http://127.0.0.1:$PORT" -- "$payload" >/dev/null
verify=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" -s bench/credit.lua "http://127.0.0.1:$PORT" -- "$payload" | tail -n 1)
rss_peak_kb=$(awk '/VmHWM/ {print $2}' /proc/$server/status)
# The peak counts the database pages SQLite maps (mmap_size, 1 GiB) while
# the start-up pass reads every merchant; the process's own memory is RssAnon.
rss_anon_kb=$(awk '/RssAnon/ {print $2}' /proc/$server/status)

cat <<JSON
{"database": "$DB", "merchants": $MERCHANTS, "seed_seconds": $seed_seconds, "recompute": $recompute,
 "verify": $verify, "duration": "$DURATION", "connections": $CONNECTIONS, "wrk_threads": $THREADS,
 "cores": $(nproc), "rss_mb_peak": $((rss_peak_kb / 1024)), "rss_anon_mb": $((rss_anon_kb / 1024))}
JSON
