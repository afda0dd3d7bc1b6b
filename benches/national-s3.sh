#!/usr/bin/env bash
# The national benchmark's intake (two signed sheets per table of a synthetic
# election, posted over HTTP on loopback) with the log on local disk and with
# the log in a bucket of a loopback S3 server (Python moto), alternated in the
# same run so the ratio holds on a noisy machine. BENCHMARKS.md records it.
#
#   benches/national-s3.sh [TABLES] [ROUNDS]      (needs `pip install 'moto[server]'`)
set -euo pipefail
cd "$(dirname "$0")/.."
TABLES=${1:-100000}
ROUNDS=${2:-2}
command -v moto_server >/dev/null 2>&1 || { echo "needs moto_server: python3 -m pip install 'moto[server]'" >&2; exit 1; }
cargo build --release -q -p testigo --example nationalbench
B=target/release/examples/nationalbench
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
moto_server -H 127.0.0.1 -p "$PORT" >/dev/null 2>&1 &
MOTO=$!
WORK=$(mktemp -d)
trap 'kill $MOTO 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/moto-api/data.json" >/dev/null && break; sleep 0.1; done
export AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench AWS_REGION=us-east-1
export AWS_ENDPOINT_URL="http://127.0.0.1:$PORT" AWS_ALLOW_HTTP=true NATIONALBENCH_NO_TALLY=1
rate() { sed -n 's/.*: \([0-9]*\)\/s (.*/\1/p'; }
for i in $(seq "$ROUNDS"); do
  curl -sf -X PUT "http://127.0.0.1:$PORT/national-$i" >/dev/null
  disk=$("$B" "$TABLES" "$WORK/disk-$i" 512 0 2>&1 | rate)
  s3=$(TESTIGO_BENCH_STORAGE="s3://national-$i/log" "$B" "$TABLES" "$WORK/s3-$i" 512 0 2>&1 | rate)
  rm -rf "$WORK/disk-$i" "$WORK/s3-$i"
  curl -sf -X POST "http://127.0.0.1:$PORT/moto-api/reset" >/dev/null || true
  echo "round $i: $TABLES tables, $((2 * TABLES)) sheets: local disk $disk/s, moto on loopback $s3/s, ratio disk/s3 $(echo "scale=2; $disk / $s3" | bc)"
done
