#!/usr/bin/env bash
# CSV load of a register-shaped table (benches/register_csv.py: Chinese headers, credit codes,
# quoted addresses with commas, dates; SYNTHETIC firms) against pandas and pyarrow
# `read_csv` on the same file, interleaved run by run, and the medians' ratios.
#
#   benches/register.sh                  # 4,000,000 firms, 5 runs
#   benches/register.sh 1000000 3
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-4000000}"
runs="${2:-5}"
. benches/peer_env.sh
py=$(peer_python pandas pyarrow)
mkdir -p target/bench-data
csv=target/bench-data/register_$n.csv
[ -f "$csv" ] || python3 benches/register_csv.py "$n" "$csv"
peer() {
  "$py" - "$1" "$csv" <<'PY' 2>/dev/null || echo ""
import sys, time
kind, path = sys.argv[1], sys.argv[2]
if kind == "pandas":
    import pandas as pd
    f = lambda: pd.read_csv(path)
else:
    import pyarrow.csv as pacsv
    f = lambda: pacsv.read_csv(path)
t = time.perf_counter(); f(); print(time.perf_counter() - t)
PY
}
ours=(); pandas=(); arrow=()
for _ in $(seq "$runs"); do
  ours+=("$("$bin" bench --firms "$csv" --repeat 1 2>/dev/null |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["csv_load"])')")
  pandas+=("$(peer pandas)")
  arrow+=("$(peer pyarrow)")
done
median() { printf '%s\n' "$@" | grep . | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
o=$(median "${ours[@]}"); p=$(median "${pandas[@]}"); a=$(median "${arrow[@]}")
echo "machine: $(nproc) cores; $n SYNTHETIC register rows ($(du -h "$csv" | cut -f1)); medians of $runs interleaved runs; $(date -u +%F)"
echo "cluster-atlas: ${ours[*]}"
echo "pandas:        ${pandas[*]}"
echo "pyarrow:       ${arrow[*]}"
awk -v o="$o" -v p="$p" -v a="$a" 'BEGIN {
  printf "| CSV load | cluster-atlas %.3f s | pandas %.3f s (%.1f×) | pyarrow %.3f s (%.1f×) |\n", o, p, p / o, a, a / o }'
