#!/usr/bin/env bash
# Times loading the same firms from every format a planner receives (CSV, GeoJSON,
# GeoPackage, Shapefile, KML, Excel) against the Python peers that read each one, in one run,
# and prints a table of medians and ratios (peer time / our time).
#
#   benches/formats.sh              # 100,000 firms, 3 repetitions
#   REPEAT=5 benches/formats.sh 20000
#   ONLY="xlsx" benches/formats.sh 1000000   # some formats only (csv geojson gpkg shp kml xlsx)
#
# Two workbooks: pandas' (openpyxl: inline strings) and an Excel-style one (XlsxWriter, as
# Excel writes: shared strings, founding dates as date cells).
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
only="${ONLY:-csv geojson gpkg shp kml xlsx}"
wants() { [[ " $only " == *" $1 "* ]]; }
py=$(peer_python pandas geopandas pyogrio openpyxl python-calamine xlsxwriter)
dir=target/bench-data/formats_$n
mkdir -p "$dir"
csv="$dir/firms.csv"
[ -f "$csv" ] || "$bin" sample --n "$n" --seed 1 --out "$csv" 2>/dev/null
"$py" - "$csv" "$dir" "$only" <<'PY'
import os, sys
import pandas as pd
csv, d, only = sys.argv[1], sys.argv[2], sys.argv[3].split()
df = pd.read_csv(csv)
vector = [("firms.geojson", "GeoJSON", "geojson"), ("firms.gpkg", "GPKG", "gpkg"),
          ("firms.shp", "ESRI Shapefile", "shp"), ("firms.kml", "KML", "kml")]
if any(not os.path.exists(os.path.join(d, n)) and k in only for n, _, k in vector):
    import geopandas as gpd
    g = gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df.lon, df.lat), crs="EPSG:4326")
    for name, driver, kind in vector:
        path = os.path.join(d, name)
        if kind in only and not os.path.exists(path):
            g.to_file(path, driver=driver, engine="pyogrio")
if "xlsx" in only:
    xlsx = os.path.join(d, "firms.xlsx")
    if not os.path.exists(xlsx):
        df.to_excel(xlsx, index=False)
    excel = os.path.join(d, "firms_xlsxwriter.xlsx")
    if not os.path.exists(excel):
        df["founded"] = pd.to_datetime(df["founded"].astype(str) + "-06-30")
        df.to_excel(excel, index=False, engine="xlsxwriter")
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
if wants csv; then
  row "CSV ($(du -h "$csv" | cut -f1))" "$(ours "$csv")" "pandas read_csv" "$(peer csv "$csv")"
fi
for f in geojson gpkg shp kml; do
  wants $f || continue
  file="$dir/firms.$f"
  row "$f ($(du -h "$file" | cut -f1))" "$(ours "$file")" "geopandas read_file (pyogrio)" "$(peer vector "$file")"
done
if wants xlsx; then
  for name in firms firms_xlsxwriter; do
    xlsx="$dir/$name.xlsx"
    o=$(ours "$xlsx")
    row "$name.xlsx ($(du -h "$xlsx" | cut -f1))" "$o" "pandas read_excel (openpyxl)" "$(peer openpyxl "$xlsx")"
    row "$name.xlsx" "$o" "pandas read_excel (calamine)" "$(peer calamine "$xlsx")"
  done
fi
