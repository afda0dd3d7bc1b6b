#!/usr/bin/env bash
# Every command that replays a log, timed in the same run on the same data
# directory so their ratios hold on a noisy machine: `verify` (the reference:
# batch signature checks on all cores), `tally --json`, `audit plan`, and a
# `serve` restart (start until it answers /checkpoint), each with its peak RSS.
#
#   benches/replay.sh [DATA_DIR] [RUNS]
#
# DATA_DIR defaults to a fresh Venezuela demo (49,694 entries) in /tmp.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q -p testigo
bin="$PWD/target/release/testigo"
dir="${1:-/tmp/testigo-replay-bench}"
runs="${2:-3}"
if [ ! -f "$dir/log.vkey" ]; then
  echo "==> making the Venezuela demo in $dir"
  "$bin" demo --dir "$dir" --no-serve --quiet
fi
port=18181

timed() { # label, command...
  local label=$1; shift
  /usr/bin/time -f "%e %M" -o /tmp/replay-bench.time "$@" >/dev/null 2>&1
  read -r secs kb </tmp/replay-bench.time
  printf "%-12s %6.2f s %7d KB\n" "$label" "$secs" "$kb"
  echo "$secs" >>"/tmp/replay-bench.$label"
}

restart() {
  local start end
  start=$(date +%s.%N)
  /usr/bin/time -f "%e %M" -o /tmp/replay-bench.serve "$bin" serve --dir "$dir" --addr "127.0.0.1:$port" >/dev/null 2>&1 &
  local pid=$!
  until curl -sf "http://127.0.0.1:$port/checkpoint" >/dev/null; do sleep 0.02; done
  end=$(date +%s.%N)
  pkill -f "^$bin serve --dir $dir" || true
  wait "$pid" 2>/dev/null || true
  local secs kb
  secs=$(echo "$end - $start" | bc)
  read -r _ kb </tmp/replay-bench.serve
  printf "%-12s %6.2f s %7d KB\n" restart "$secs" "$kb"
  echo "$secs" >>/tmp/replay-bench.restart
}

rm -f /tmp/replay-bench.*
echo "$(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); $(sed -n 2p "$dir/log/checkpoint") entries"
for _ in $(seq "$runs"); do
  timed verify "$bin" verify --no-state --quiet --key "$dir/log.vkey" "$dir"
  timed tally "$bin" tally --dir "$dir" --json
  timed audit-plan "$bin" audit plan --dir "$dir"
  restart
done
median() { sort -n "$1" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
v=$(median /tmp/replay-bench.verify)
for label in tally audit-plan restart; do
  m=$(median "/tmp/replay-bench.$label")
  printf "median %-10s %5.2f s = %4.2f × verify (%5.2f s)\n" "$label" "$m" "$(echo "$m / $v" | bc -l)" "$v"
done
