#!/usr/bin/env bash
# Our whole `analyze` process (start, load, every step, the outputs written and synced)
# against the Python stack's five steps on the same file (pandas read_csv, geopandas sjoin,
# shapely STRtree nearest, scikit-learn DBSCAN, pointpats Clark–Evans; `benches/peers.py`),
# alternating run by run, one line per round with the ratio (stack / ours).
#
#   benches/whole_vs_stack.sh FILE [ROUNDS] [BINARY]
#   benches/whole_vs_stack.sh target/bench-data/register_100000.csv 8
#
# Needs the peers' virtual environment (target/bench-venv; `benches/compare.sh` makes it).
set -euo pipefail
cd "$(dirname "$0")/.."
file=$1
rounds=${2:-5}
bin=${3:-target/release/cluster-atlas}
py=target/bench-venv/bin/python
[ -x "$py" ] || { echo "no $py: run benches/compare.sh once to make it" >&2; exit 1; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for _ in $(seq "$rounds"); do
  rm -rf "$out/r"
  s=$(date +%s%N)
  "$bin" analyze --firms "$file" --out "$out/r" >/dev/null 2>&1
  e=$(date +%s%N)
  stack=$("$py" benches/peers.py "$file" data/zones.geojson 1 2>/dev/null | "$py" -c '
import json, sys
d = json.load(sys.stdin)
print(sum(d[k] for k in ["pandas_read_csv", "geopandas_sjoin", "shapely_strtree_nearest",
                         "sklearn_dbscan", "pointpats_clark_evans"]))')
  awk -v o="$(( e - s ))" -v p="$stack" \
    'BEGIN { printf "ours %.3f s  stack %.3f s  ratio %.1f\n", o / 1e9, p, p / (o / 1e9) }'
done
