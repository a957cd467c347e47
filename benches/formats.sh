#!/usr/bin/env bash
# Times loading the same firms from every format a planner receives (CSV, GeoJSON,
# GeoPackage, Shapefile, KML, Excel) against the Python peers that read each one, in one run,
# and prints a table of medians and ratios (peer time / our time).
#
#   benches/formats.sh              # 100,000 firms, 3 repetitions
#   REPEAT=5 benches/formats.sh 20000
#
# The files are written by GeoPandas/pandas from `cluster-atlas sample` (SYNTHETIC firms).
# Ours: `cluster-atlas bench --repeat R`, its `csv_load` (the loader picks the format from the
# file). Peers: `geopandas.read_file` (pyogrio, GDAL) for the vector formats, `pandas.read_csv`
# and `pandas.read_excel` (openpyxl, and python-calamine, the Rust reader ours also uses).
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-100000}"
repeat="${REPEAT:-3}"
. benches/peer_env.sh
py=$(peer_python pandas geopandas pyogrio openpyxl python-calamine)
dir=target/bench-data/formats_$n
mkdir -p "$dir"
csv="$dir/firms.csv"
[ -f "$csv" ] || "$bin" sample --n "$n" --seed 1 --out "$csv" 2>/dev/null
"$py" - "$csv" "$dir" <<'PY'
import os, sys
import pandas as pd, geopandas as gpd
csv, d = sys.argv[1], sys.argv[2]
df = pd.read_csv(csv)
g = gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df.lon, df.lat), crs="EPSG:4326")
for name, driver in [("firms.geojson", "GeoJSON"), ("firms.gpkg", "GPKG"),
                     ("firms.shp", "ESRI Shapefile"), ("firms.kml", "KML")]:
    path = os.path.join(d, name)
    if not os.path.exists(path):
        g.to_file(path, driver=driver, engine="pyogrio")
xlsx = os.path.join(d, "firms.xlsx")
if not os.path.exists(xlsx):
    df.to_excel(xlsx, index=False)
PY
ours() {
  # Captured before it is parsed, so no Python starts beside the load (one core of two).
  local out
  out=$("$bin" bench --firms "$1" --repeat "$repeat" --load-only 2>/dev/null) || { echo ""; return; }
  python3 -c 'import json,sys; print(json.loads(sys.argv[1])["csv_load"])' "$out" || echo ""
}
peer() {
  "$py" - "$1" "$2" "$repeat" <<'PY' 2>/dev/null || echo ""
import statistics, sys, time
kind, path, repeat = sys.argv[1], sys.argv[2], int(sys.argv[3])
import pandas as pd
if kind == "csv":
    f = lambda: pd.read_csv(path)
elif kind == "openpyxl":
    f = lambda: pd.read_excel(path, engine="openpyxl")
elif kind == "calamine":
    f = lambda: pd.read_excel(path, engine="calamine")
else:
    import geopandas as gpd
    f = lambda: gpd.read_file(path, engine="pyogrio")
ts = []
for _ in range(repeat):
    t = time.perf_counter(); f(); ts.append(time.perf_counter() - t)
print(statistics.median(ts))
PY
}
row() {
  awk -v f="$1" -v o="$2" -v p="$3" -v pt="$4" 'BEGIN {
    ours = (o == "") ? "–" : sprintf("%.3f s", o)
    peer = (pt == "") ? "–" : sprintf("%.3f s", pt)
    ratio = (o == "" || pt == "" || o <= 0) ? "–" : sprintf("%.1f×", pt / o)
    printf "| %s | %s | %s | %s | %s |\n", f, ours, p, peer, ratio }'
}
echo "machine: $(nproc) cores; $n SYNTHETIC firms; medians of $repeat; date: $(date -u +%F)"
echo
echo "| format | cluster-atlas | peer | peer time | ratio |"
echo "|---|---|---|---|---|"
row "CSV ($(du -h "$csv" | cut -f1))" "$(ours "$csv")" "pandas read_csv" "$(peer csv "$csv")"
for f in geojson gpkg shp kml; do
  file="$dir/firms.$f"
  row "$f ($(du -h "$file" | cut -f1))" "$(ours "$file")" "geopandas read_file (pyogrio)" "$(peer vector "$file")"
done
xlsx="$dir/firms.xlsx"
o=$(ours "$xlsx")
row "xlsx ($(du -h "$xlsx" | cut -f1))" "$o" "pandas read_excel (openpyxl)" "$(peer openpyxl "$xlsx")"
row "xlsx" "$o" "pandas read_excel (calamine)" "$(peer calamine "$xlsx")"
