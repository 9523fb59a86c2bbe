#!/usr/bin/env bash
# CPU time the kiln server spends per request, which (unlike requests/s)
# stays comparable on a busy machine: `perf stat -e task-clock` on the
# server during a 3 s wrk run, divided by the requests wrk completed.
# Usage: benches/http/cpu_per_request.sh KILN_BINARY on|off PATH
# Run benches/http/run.py once first (it installs wrk and makes the static
# files). Only 127.0.0.1; every step is bounded in time.
set -euo pipefail
BIN=$1 JIT=$2 URL_PATH=$3 PORT=${PORT:-18095}
HERE=$(cd "$(dirname "$0")" && pwd)
TARGET=${CARGO_TARGET_DIR:-$HERE/../../target}
OUT=$(mktemp -d)
RUST_LOG=warn taskset -c 0 "$BIN" serve "$HERE/kiln_app" --static "$TARGET/http-bench/static" \
    --workers 1 --jit "$JIT" --port "$PORT" 2>/dev/null &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null; rm -rf "$OUT"' EXIT
sleep 1.5
timeout 20 taskset -c 1 wrk -t1 -c16 -d1s "http://127.0.0.1:$PORT$URL_PATH" >/dev/null
timeout 20 perf stat -e task-clock -p "$SERVER" -o "$OUT/stat" -- sleep 3 &
STAT=$!
timeout 20 taskset -c 1 wrk -t1 -c16 -d3s "http://127.0.0.1:$PORT$URL_PATH" >"$OUT/wrk"
wait $STAT
REQUESTS=$(grep -oP '^\s+\K\d+(?= requests in)' "$OUT/wrk")
MSEC=$(awk '/task-clock/ {gsub(",", "", $1); print $1}' "$OUT/stat")
python3 -c "print(f'jit {\"$JIT\"} {\"$URL_PATH\"}: {$REQUESTS} requests, {$MSEC * 1000 / $REQUESTS:.1f} us CPU per request')"
