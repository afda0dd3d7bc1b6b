#!/usr/bin/env bash
# The request paths of the website benchmark (BENCHMARKS.md, "The public
# website"), read from a running `testigo serve` on the demo:
#   benches/wrk/paths.sh http://127.0.0.1:8282 OUTDIR
# writes OUTDIR/table-paths.txt (5,000 table pages), all-table-paths.txt
# (every table page in es, pt and en) and search-paths.txt (2,000 searches).
set -euo pipefail
base="$1"; out="$2"
mkdir -p "$out"
curl -sf "$base/downloads/tables.csv" | awk -F, 'NR>1{print $2}' | sort -u > "$out/tables.txt"
shuf -n 5000 --random-source=<(yes) "$out/tables.txt" | awk '{print "/es/t/" $1 ".html"}' > "$out/table-paths.txt"
awk '{print "/es/t/" $1 ".html"; print "/pt/t/" $1 ".html"; print "/en/t/" $1 ".html"}' "$out/tables.txt" > "$out/all-table-paths.txt"
curl -sf "$base/downloads/units.csv" > "$out/units.csv"
python3 - "$out" <<'PY'
import csv, random, sys, urllib.parse
out = sys.argv[1]
random.seed(1)
names = [r["name"] for r in csv.DictReader(open(f"{out}/units.csv", encoding="utf-8")) if r["name"]]
qs = set()
for n in names:
    qs.add(n.split()[-1][:5].lower())                               # a word start
    qs.add(" ".join(w[:4] for w in n.split()[-2:]).lower())         # two word starts
qs = sorted(qs)
random.shuffle(qs)
with open(f"{out}/search-paths.txt", "w") as f:
    f.writelines(f"/es/search.html?q={urllib.parse.quote(q)}\n" for q in qs[:2000])
PY
wc -l "$out"/*-paths.txt
