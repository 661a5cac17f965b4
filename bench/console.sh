#!/usr/bin/env bash
# Console performance in Debian's Chromium against the release binary on a
# fresh SQLite database: first-load JavaScript (brotli and gzip), a queue of
# 200 cases rendered (median of RUNS loads), and Lighthouse 12 performance
# and accessibility (desktop preset) on the sign-in, queue and case pages.
# Prints one JSON document (bench/console/run.mjs says what each figure is).
#
#   bash bench/console.sh
#   YUHUI_BIN=path/to/yuhui RUNS=15 bash bench/console.sh
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x /usr/bin/chromium ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-zenhei >/dev/null
fi
if [ -z "${YUHUI_BIN:-}" ]; then
  cargo build --release --quiet
  export YUHUI_BIN="$PWD/target/release/yuhui"
fi
cd bench/console
# Lighthouse 13 wants Node 22; 12.2.3 is the newest that runs on Node 20.
npm ci --no-audit --no-fund --loglevel=error
CHROMIUM=/usr/bin/chromium node run.mjs
