#!/usr/bin/env bash
# The national benchmark, end to end: for each size, a synthetic election
# with two witness sheets per table posted over HTTP on loopback to a node
# (`nationalbench`), then the restart, `tally`, `audit plan` and `verify` on
# the resulting log (`benches/replay.sh`), so growth from 10,000 to
# 1,000,000 tables is read off one run.
#
#   benches/national.sh [TABLES...]      (default: 10000 100000 1000000)
#
# Needs about 3 GB of memory and 2 GB of disk per million tables under /tmp.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q -p testigo --example nationalbench
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(10000 100000 1000000)
for n in "${sizes[@]}"; do
  out="/tmp/testigo-national-$n"
  rm -rf "$out"
  echo "==> $n tables ($(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg))"
  /usr/bin/time -f "intake process: %e s, peak RSS %M KB (client and server together)" \
    target/release/examples/nationalbench "$n" "$out"
  benches/replay.sh "$out/data" 1 | grep -v '^==>'
done
