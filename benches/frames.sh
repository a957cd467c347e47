#!/usr/bin/env bash
# Frame times of the window along `--bench-frames`' fixed path (240 frames of panning and
# zooming the whole city, after the data is loaded and analysed), under Xvfb with Mesa's
# software OpenGL at 1600×1000, in three cases, RUNS runs each:
#   pan       the default layers;
#   shown     hot spots on and the year view set (the time slider shown);
#   stepping  the year view stepping one year every frame while the map moves.
# The path's first frame is the one in which the analysis's results arrive; it is printed
# apart as well (it counts in the maximum), and the scene's rebuilds in the app's frame time.
#
#   benches/frames.sh FIRMS.csv [RUNS]      # default 3 runs per case
#   ZONES=data/districts_land.geojson benches/frames.sh FIRMS.csv   # other zones
#   BIN=/tmp/other-build benches/frames.sh FIRMS.csv                 # another window build
#
# Needs xvfb-run (scripts/deps.sh installs it) and the window build (`cargo build --release`).
set -euo pipefail
cd "$(dirname "$0")/.."
firms="$1"
runs="${2:-3}"
zones=()
[ -n "${ZONES:-}" ] && zones=(--zones "$ZONES")
bin=${BIN:-target/release/cluster-atlas}
[ -x "$bin" ] || cargo build --release --locked --quiet
home=$(mktemp -d)
# Each run starts from a fresh home: the window saves its settings on closing, and one case's
# layers must not carry into the next.
run() {
    rm -rf "$home" && mkdir -p "$home/xdg" && chmod 700 "$home/xdg"
    env "$@" HOME="$home" XDG_RUNTIME_DIR="$home/xdg" timeout 300 \
        xvfb-run -a -s "-screen 0 1600x1000x24" "$bin" "${zones[@]}" --firms "$firms" --bench-frames 2>/dev/null |
        grep -E "^frame_ms|^frames|^first frame|^slowest|^app code" | tr '\n' ' '
    echo
}
for case in pan shown stepping; do
    for _ in $(seq "$runs"); do
        case $case in
            pan) out=$(run CA_BENCH=1) ;;
            shown) out=$(run CA_BENCH_SHOW=hotspots,year) ;;
            stepping) out=$(run CA_BENCH_YEARS=1) ;;
        esac
        stats=$(echo "$out" | sed -E 's/.*(median [0-9.]+ ms p95 [0-9.]+ ms max [0-9.]+ ms).*/\1/')
        arrival=$(echo "$out" | sed -E 's/^frame_ms ([0-9.]+) .*/\1/')
        scene=$(echo "$out" | sed -E 's/.*rebuilds: (median [0-9.]+ ms max [0-9.]+ ms).*/\1/')
        echo "$case: $stats | scene rebuilds $scene | results-arrival frame $arrival ms | $(echo "$out" | sed -E 's/.*(the analysed map[^;]*);.*/\1/')"
    done
done
rm -rf "$home"
