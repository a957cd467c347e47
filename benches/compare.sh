#!/usr/bin/env bash
# Times the release binary and the Python GIS peers on the same freshly generated data, in
# the same run, and prints a table of medians and ratios (peer time / our time).
#
#   benches/compare.sh                    # 100k, 1M and 4M firms, 3 repetitions
#   benches/compare.sh 100000 1000000     # chosen sizes
#   REPEAT=5 benches/compare.sh 100000
#   SHAPE=pandas benches/compare.sh 4000000   # another writer's file (see below)
#   FIRMS=path/to/any.csv benches/compare.sh  # any firms file as it is (a hidden set)
#   ZONES=data/districts_land.geojson benches/compare.sh   # other zones (default: the bundled 15)
#
# SHAPE picks the firms file, target/bench-data/SHAPE_N.csv, made when missing (all SYNTHETIC):
# `firms` (default: `cluster-atlas sample`, hot spots), `register` (benches/register_csv.py:
# Chinese headers, quoted addresses, firms spread evenly), `stacked` (benches/stacked_csv.py:
# firms stacked on building geocodes), `pandas` (benches/pandas_csv.py: pandas' to_csv,
# 17-digit coordinates), `geopandas` (benches/geopandas_csv.py: geopandas' to_csv, a WKT
# point column), `postgis` (benches/postgis_csv.py: PostGIS' COPY … CSV, a hex EWKB point
# column), `r` (benches/r_csv.py: R's write.csv, BOM, CRLF, NA), `rtable` (benches/r_csv.py --table:
# R's write.table, space-separated, row names the header does not name), `scope` (benches/scope_csv.py:
# a register with a long 经营范围 column), `pycsv` (benches/pycsv_csv.py: Python's csv module,
# every text cell quoted, repr floats, 2015/3/2 dates, 4 % of rows empty or strays), `guarded` (benches/register_csv.py --guard: every
# cell in Excel's text guard, ="114.05"), `guardcsv` (--guard-csv: the same through Python's
# csv.writer, "=""114.05""") or `gbk`
# (the register saved as GB18030, as Excel on a Chinese
# Windows saves CSV; the peers are told the encoding). Any other file can be timed by copying
# it to that name.
#
# The peers run in a virtual environment under target/bench-venv (pandas, pyarrow, shapely,
# geopandas, scikit-learn, pointpats); a peer that cannot be installed is skipped and said so.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@")
[ ${#sizes[@]} -eq 0 ] && sizes=(100000 1000000 4000000)
repeat="${REPEAT:-3}"
shape="${SHAPE:-firms}"
# FIRMS: one given file, timed as it is; its rows are counted by our loader.
if [ -n "${FIRMS:-}" ]; then
  [ -f "$FIRMS" ] || { echo "FIRMS=$FIRMS is not a file" >&2; exit 2; }
  shape=$(basename "$FIRMS" | tr -c 'A-Za-z0-9_.\n-' '_')
  sizes=(given)
fi
# The encoding the peers are told (we find it ourselves, as for any file a user opens).
export PEERS_ENCODING=""
[ "$shape" = gbk ] && PEERS_ENCODING=gb18030

cargo build --release --no-default-features --quiet
bin=target/release/cluster-atlas
data=target/bench-data
mkdir -p "$data"
"$bin" info >/dev/null

venv=target/bench-venv
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv" || true
fi
if [ -x "$venv/bin/python" ]; then
  for p in numpy pandas pyarrow shapely pyproj geopandas scikit-learn pointpats; do
    "$venv/bin/pip" install -q "$p" >/dev/null 2>&1 || echo "note: could not install $p; its peer is skipped" >&2
  done
  py="$venv/bin/python"
else
  echo "note: no Python virtual environment; peers are skipped" >&2
  py=""
fi
zones="${ZONES:-data/zones.geojson}"
[ -f "$zones" ] || { echo "ZONES=$zones is not a file" >&2; exit 2; }

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ratio() { awk -v p="$1" -v o="$2" 'BEGIN { if (p == "" || p == "null" || o <= 0) print "–"; else printf "%.1f×", p / o }'; }
fmt() { awk -v v="$1" 'BEGIN { if (v == "" || v == "null") print "–"; else printf "%.3f s", v }'; }
get() { "$py" -c "import json,sys; d=json.load(open(sys.argv[1])); v=d.get(sys.argv[2]); print('' if v is None else v)" "$1" "$2" 2>/dev/null || true; }
jq_ours() { python3 -c "import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])" "$1" "$2"; }

if [ -n "${FIRMS:-}" ]; then echo "firms: $FIRMS"; else echo "firms: $shape (target/bench-data/${shape}_N.csv)"; fi
echo "zones: $zones"
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GB", $2/1048576}' /proc/meminfo), $(uname -sr); date: $(date -u +%F)"
echo
echo "| firms | step | cluster-atlas | peer | peer time | ratio |"
echo "|---|---|---|---|---|---|"
for n in "${sizes[@]}"; do
  csv="$data/${shape}_$n.csv"
  [ -n "${FIRMS:-}" ] && csv="$FIRMS"
  if [ ! -f "$csv" ]; then
    case "$shape" in
      firms) "$bin" sample --n "$n" --seed 1 --out "$csv" 2>/dev/null ;;
      register | stacked | scope | pycsv) python3 "benches/${shape}_csv.py" "$n" "$csv" ;;
      pandas | geopandas | postgis) "$py" "benches/${shape}_csv.py" "$n" "$csv" ;;
      r) python3 benches/r_csv.py "$n" "$csv" ;;
      rtable) python3 benches/r_csv.py "$n" "$csv" --table ;;
      guarded) python3 benches/register_csv.py "$n" "$csv" --guard ;;
      guardcsv) python3 benches/register_csv.py "$n" "$csv" --guard-csv ;;
      gbk) python3 benches/register_csv.py "$n" "$csv.utf8" &&
        iconv -f UTF-8 -t GB18030 "$csv.utf8" > "$csv" && rm "$csv.utf8" ;;
      *) echo "unknown SHAPE $shape: firms, register, stacked, scope, pandas, geopandas, postgis, r, rtable, guarded, guardcsv, pycsv or gbk" >&2; exit 2 ;;
    esac
  fi
  ours=$("$bin" bench --firms "$csv" --zones "$zones" --repeat "$repeat")
  [ -n "${FIRMS:-}" ] && n=$(jq_ours "$ours" n)
  # The first load in a fresh process, as a user meets it (the medians above repeat the load
  # in one process, where pandas reuses memory it has already touched): runs alternate, each
  # output captured before it is read so no other process shares the cores with the load.
  fresh_ours=(); fresh_pandas=()
  for _ in $(seq "$repeat"); do
    o=$("$bin" bench --firms "$csv" --repeat 1 --load-only)
    fresh_ours+=("$(jq_ours "$o" csv_load)")
    if [ -n "$py" ]; then
      fresh_pandas+=("$("$py" benches/peers.py --read "$csv" 2>/dev/null || true)")
    fi
  done
  fresh_o=$(printf '%s\n' "${fresh_ours[@]}" | median)
  fresh_p=""
  [ ${#fresh_pandas[@]} -gt 0 ] && fresh_p=$(printf '%s\n' "${fresh_pandas[@]}" | grep . | median || true)
  # analyze end to end (median of the repetitions), with peak memory from the OS.
  totals=(); peak=0
  for _ in $(seq "$repeat"); do
    out=$( { /usr/bin/time -f "%M" "$bin" analyze --zones "$zones" --firms "$csv" --out "$data/out_${shape}_$n" --timings; } 2>&1 )
    totals+=("$(echo "$out" | sed -n 's/.*total=\([0-9.]*\).*/\1/p')")
    kb=$(echo "$out" | tail -n 1); [ "$kb" -gt "$peak" ] && peak=$kb
  done
  total=$(printf '%s\n' "${totals[@]}" | median)
  # The peers use the coordinate columns our loader took (another generator's headers).
  cols=$(python3 -c 'import json,sys; c=json.load(open(sys.argv[1]))["load_report"]["firms"]["columns"]; print(c.get("lon","")); print(c.get("lat",""))' "$data/out_${shape}_$n/summary.json" 2>/dev/null || true)
  export PEERS_LON PEERS_LAT
  PEERS_LON=$(echo "$cols" | sed -n 1p)
  PEERS_LAT=$(echo "$cols" | sed -n 2p)
  peers="$data/peers_${shape}_$n.json"
  if [ -n "$py" ]; then "$py" benches/peers.py "$csv" "$zones" "$repeat" > "$peers" || echo '{}' > "$peers"; else echo '{}' > "$peers"; fi
  row() { # step, ours seconds, peer name, peer key
    local p; p=$(get "$peers" "$4")
    echo "| $n | $1 | $(fmt "$2") | $3 | $(fmt "$p") | $(ratio "$p" "$2") |"
  }
  row "CSV load" "$(jq_ours "$ours" csv_load)" pandas pandas_read_csv
  row "CSV load" "$(jq_ours "$ours" csv_load)" pyarrow pyarrow_read_csv
  # A WKT point column (geopandas' file): pandas reads text, so shapely's parse is added.
  [ -n "$(get "$peers" pandas_read_csv_wkt)" ] &&
    row "CSV load" "$(jq_ours "$ours" csv_load)" "pandas + shapely from_wkt" pandas_read_csv_wkt
  [ -n "$(get "$peers" pandas_read_csv_unguarded)" ] &&
    row "CSV load" "$(jq_ours "$ours" csv_load)" "pandas + unguarding =\"…\"" pandas_read_csv_unguarded
  [ -n "$(get "$peers" pandas_read_csv_wkb)" ] &&
    row "CSV load" "$(jq_ours "$ours" csv_load)" "pandas + shapely from_wkb" pandas_read_csv_wkb
  echo "| $n | CSV load, first in a fresh process | $(fmt "$fresh_o") | pandas | $(fmt "$fresh_p") | $(ratio "$fresh_p" "$fresh_o") |"
  row "point in zone" "$(jq_ours "$ours" point_in_zone)" "shapely contains_xy" shapely_point_in_zone
  row "point in zone" "$(jq_ours "$ours" point_in_zone)" "geopandas sjoin" geopandas_sjoin
  row "nearest zone + metres" "$(jq_ours "$ours" nearest_zone)" "shapely STRtree" shapely_strtree_nearest
  row "DBSCAN eps 500 m, min 5" "$(jq_ours "$ours" dbscan)" "scikit-learn" sklearn_dbscan
  row "Clark–Evans (bbox)" "$(jq_ours "$ours" clark_evans)" pointpats pointpats_clark_evans
  echo "| $n | analyze end to end | $(fmt "$total") (peak $((peak / 1024)) MB) | | | |"
  skipped=$(get "$peers" skipped)
  [ -n "$skipped" ] && [ "$skipped" != "{}" ] && echo "| $n | skipped peers | $skipped | | | |"
done
