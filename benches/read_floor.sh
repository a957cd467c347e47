#!/usr/bin/env bash
# The physical floor of a CSV load: how long getting FILE's bytes into new memory takes on two
# threads (page cache warm), against which the loader's read phase is reported in BENCHMARKS.md.
#
#   benches/read_floor.sh FILE [RUNS]      # default 3 runs of each mode
set -euo pipefail
cd "$(dirname "$0")/.."
file="$1"
runs="${2:-3}"
bin=target/read_floor
cc -O2 -pthread benches/read_floor.c -o "$bin"
cat "$file" > /dev/null # into the page cache
for _ in $(seq "$runs"); do
  for mode in 0 1 2; do "$bin" "$mode" "$file"; done
done
