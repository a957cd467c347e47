#!/usr/bin/env bash
# Times the first CSV load in a fresh process, ours against pandas and pyarrow, runs
# interleaved, and prints each run and the medians. `compare.sh` reports medians of repeats
# inside one process; there a peer whose allocator keeps freed memory (pyarrow's pool) reuses
# pages it has already touched, while a user's one load per run (the CLI, the window's first
# file) always pays for fresh memory. This measures that first load, for every side.
#
#   benches/cold_load.sh FILE.csv [RUNS]      # default 5 runs each
#
# Ours: `cluster-atlas bench --repeat 1` (its csv_load: file read, parsed, checked, stamped).
# Peers: `pd.read_csv` / `pyarrow.csv.read_csv`, timed after the import, in the venv that
# compare.sh makes (target/bench-venv).
set -euo pipefail
cd "$(dirname "$0")/.."
csv="$1"
runs="${2:-5}"
bin=target/release/cluster-atlas
py=target/bench-venv/bin/python
[ -x "$bin" ] || cargo build --release --no-default-features --quiet
[ -x "$py" ] || { echo "no $py: run benches/compare.sh once to make it" >&2; exit 1; }
ours=(); pandas=(); pyarrow=()
for _ in $(seq "$runs"); do
  # Captured before it is parsed: a Python started in the same pipeline would take one of
  # the two cores while our load runs (that once cost 0.05 s of a 0.12 s load).
  out="$("$bin" bench --firms "$csv" --repeat 1 --load-only)"
  ours+=("$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["csv_load"])' "$out")")
  pandas+=("$("$py" -c 'import sys,time,pandas as pd; t=time.perf_counter(); pd.read_csv(sys.argv[1]); print(time.perf_counter()-t)' "$csv")")
  pyarrow+=("$("$py" -c 'import sys,time,pyarrow.csv as c; t=time.perf_counter(); c.read_csv(sys.argv[1]); print(time.perf_counter()-t)' "$csv")")
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
show() { printf '%-13s median %.3f s  runs:' "$1" "$(median "${@:2}")"; printf ' %.3f' "${@:2}"; echo; }
echo "first load in a fresh process, $(basename "$csv"), $runs runs each"
show cluster-atlas "${ours[@]}"
show pandas "${pandas[@]}"
show pyarrow "${pyarrow[@]}"
