#!/usr/bin/env bash
# CSV load of awkward real-world shapes (benches/awkward_csv.py, SYNTHETIC): a multi-line
# notes column and rows with a quote never closed, against pandas `read_csv` on the same
# file (pandas refuses the stray quotes: "EOF inside string"). Both once per run, in fresh
# processes, with the rows each kept.
#
#   benches/awkward.sh                 # 1,000,000 rows, 3 runs
#   benches/awkward.sh 4000000 1
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-1000000}"
runs="${2:-3}"
. benches/peer_env.sh
py=$(peer_python pandas)
mkdir -p target/bench-data
for kind in multiline stray; do
  csv=target/bench-data/awkward_${kind}_$n.csv
  [ -f "$csv" ] || python3 benches/awkward_csv.py "$kind" "$n" "$csv"
  cat "$csv" > /dev/null
  for r in $(seq "$runs"); do
    ours=$("$bin" bench --firms "$csv" --repeat 1 --load-only)
    peer=$("$py" -c "
import sys, time, pandas as pd
t = time.perf_counter()
try:
    d = pd.read_csv(sys.argv[1]); print(f'{time.perf_counter() - t:.3f} s, {len(d)} rows')
except Exception as e:
    print('fails:', str(e).splitlines()[-1][:60])" "$csv" 2>/dev/null || echo "not run")
    echo "$kind run $r: ours $ours; pandas $peer"
  done
done
