#!/usr/bin/env bash
# Intake of N signed synthetic sheets over HTTP (the httpbench example: the
# Venezuelan 2024 geography, pre-signed witness sheets, many requests in
# flight) with the log on local disk and with the log and photos in a bucket
# of a loopback S3 server (Python moto), interleaved in the same run so the
# ratio holds on a noisy machine. BENCHMARKS.md records the results.
#
#   benches/objstore.sh [SHEETS] [IN_FLIGHT] [ROUNDS]     (PROFILE=debug for a dev build)
set -euo pipefail
cd "$(dirname "$0")/.."
SHEETS=${1:-5000}
IN_FLIGHT=${2:-256}
ROUNDS=${3:-2}
PROFILE=${PROFILE:-release}
command -v moto_server >/dev/null 2>&1 || { echo "needs moto_server: python3 -m pip install 'moto[server]'" >&2; exit 1; }
if [ "$PROFILE" = release ]; then
  cargo build --release -q -p testigo --example httpbench
else
  cargo build -q -p testigo --example httpbench
fi
B="target/$PROFILE/examples/httpbench"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
moto_server -H 127.0.0.1 -p "$PORT" >/dev/null 2>&1 &
MOTO=$!
trap 'kill $MOTO 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/moto-api/data.json" >/dev/null && break; sleep 0.1; done
export AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench AWS_REGION=us-east-1
export AWS_ENDPOINT_URL="http://127.0.0.1:$PORT" AWS_ALLOW_HTTP=true
for i in $(seq "$ROUNDS"); do
  curl -sf -X PUT "http://127.0.0.1:$PORT/bench-$i" >/dev/null
  disk=$("$B" "$SHEETS" "$IN_FLIGHT" 2>/dev/null | sed -n 's/.* s: \([0-9]*\)\/s .*/\1/p')
  s3=$(TESTIGO_BENCH_STORAGE="s3://bench-$i/log" "$B" "$SHEETS" "$IN_FLIGHT" 2>/dev/null | sed -n 's/.* s: \([0-9]*\)\/s .*/\1/p')
  echo "round $i: $SHEETS sheets, $IN_FLIGHT in flight: local disk $disk/s, moto on loopback $s3/s, ratio disk/s3 $(echo "scale=2; $disk / $s3" | bc)"
done
