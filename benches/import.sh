#!/usr/bin/env bash
# Import time of the 25,073-row V2 through the general layout (testigo-csv)
# against the dedicated Venezuelan importer, in the same run on copies of the
# same data directory (the demo's: election, geography, V1 and V2 logged), so
# the ratio holds on a noisy machine. Prints both times and their ratio;
# BENCHMARKS.md records the results.
#
#   cargo build --release && benches/import.sh [rounds]
set -euo pipefail
cd "$(dirname "$0")/.."
T=${T:-target/release/testigo}
ROUNDS=${1:-3}
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
"$T" demo --dir "$W/base" --no-serve --quiet >/dev/null 2>&1
gunzip -c data/venezuela-2024/RESULTADOS_2024_CSV_V2.csv.gz >"$W/RESULTADOS_2024_CSV_V2.csv"
# V2 in testigo-csv: table id from the padded centre code and table number,
# every candidate, valid and null votes, the acta image URL as source_ref.
python3 - "$W/RESULTADOS_2024_CSV_V2.csv" "$W/v2-testigo.csv" <<'PY'
import csv, sys
src, dst = sys.argv[1:]
cands = ["EG", "NM", "LM", "JABE", "JOBR", "AE", "CF", "DC", "EM", "BERA"]
with open(src, encoding="latin-1", newline="") as f, open(dst, "w", newline="") as o:
    w = csv.writer(o)
    w.writerow(["table"] + cands + ["valid", "null", "source_ref"])
    for r in csv.DictReader(f):
        table = "%09d.%02d" % (int(r["CENTRO"]), int(r["MESA"]))
        w.writerow([table] + [r[c] for c in cands] + [r["VOTOS_VALIDOS"], r["VOTOS_NULOS"], r["URL"]])
PY
for i in $(seq "$ROUNDS"); do
  for kind in dedicated general; do
    d="$W/$kind-$i"
    cp -r "$W/base" "$d"
    "$T" keygen --name "bench-$kind-$i.example" --out "$W/$kind-$i.key" >/dev/null 2>&1
    "$T" enroll --dir "$d" --key "$W/$kind-$i.key.vkey" --role importer --holder bench --organisation "bench $kind" >/dev/null 2>&1
    if [ "$kind" = dedicated ]; then
      args=(--format venezuela-2024 "$W/RESULTADOS_2024_CSV_V2.csv")
    else
      args=(--format testigo-csv "$W/v2-testigo.csv")
    fi
    start=$(date +%s.%N)
    "$T" import --dir "$d" --key "$W/$kind-$i.key" --quiet "${args[@]}" >"$W/$kind-$i.out" 2>&1
    end=$(date +%s.%N)
    secs=$(echo "$end - $start" | bc)
    echo "$kind round $i: $secs s ($(head -1 "$W/$kind-$i.out"))"
    eval "${kind}_$i=$secs"
    rm -rf "$d"
  done
  echo "round $i ratio general/dedicated: $(echo "scale=3; $(eval echo \$general_$i) / $(eval echo \$dedicated_$i)" | bc)"
done
