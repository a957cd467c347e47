#!/usr/bin/env bash
# CSV load of a register-shaped table (benches/register_csv.py: Chinese headers, credit codes,
# quoted addresses with commas, dates; SYNTHETIC firms) against pandas and pyarrow
# `read_csv` on the same file, interleaved run by run, and the medians' ratios. Ours is timed
# twice, each in a fresh process: held whole (as the window loads) and as `analyze` loads it
# (a file over 64 MB streamed, its text let go).
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
ours=(); streamed=(); pandas=(); arrow=()
load() {
  "$bin" bench --firms "$csv" --repeat 1 "$@" 2>/dev/null |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["csv_load"])'
}
for _ in $(seq "$runs"); do
  ours+=("$(load)")
  streamed+=("$(load --as-analyze)")
  pandas+=("$(peer pandas)")
  arrow+=("$(peer pyarrow)")
done
median() { printf '%s\n' "$@" | grep . | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
o=$(median "${ours[@]}"); s=$(median "${streamed[@]}")
p=$(median "${pandas[@]}"); a=$(median "${arrow[@]}")
echo "machine: $(nproc) cores; $n SYNTHETIC register rows ($(du -h "$csv" | cut -f1)); medians of $runs interleaved runs; $(date -u +%F)"
echo "cluster-atlas (held whole, as the window): ${ours[*]}"
echo "cluster-atlas (as analyze loads it):       ${streamed[*]}"
echo "pandas:        ${pandas[*]}"
echo "pyarrow:       ${arrow[*]}"
awk -v o="$o" -v s="$s" -v p="$p" -v a="$a" 'BEGIN {
  printf "| CSV load, held whole | cluster-atlas %.3f s | pandas %.3f s (%.1f×) | pyarrow %.3f s (%.1f×) |\n", o, p, p / o, a, a / o
  printf "| CSV load, as analyze | cluster-atlas %.3f s | pandas %.3f s (%.1f×) | pyarrow %.3f s (%.1f×) |\n", s, p, p / s, a, a / s }'
