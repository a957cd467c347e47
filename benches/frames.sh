#!/usr/bin/env bash
# Frame times of the window along `--bench-frames`' fixed path (240 frames of panning and
# zooming the whole city, after the data is loaded and analysed), under Xvfb with Mesa's
# software OpenGL at 1600×1000, in three cases, RUNS runs each:
#   pan       the default layers;
#   shown     hot spots on and the year view set (the time slider shown);
#   stepping  the year view stepping one year every frame while the map moves.
#
#   benches/frames.sh FIRMS.csv [RUNS]      # default 3 runs per case
#
# Needs xvfb-run (scripts/deps.sh installs it) and the window build (`cargo build --release`).
set -euo pipefail
cd "$(dirname "$0")/.."
firms="$1"
runs="${2:-3}"
bin=target/release/cluster-atlas
[ -x "$bin" ] || cargo build --release --locked --quiet
home=$(mktemp -d)
mkdir -p "$home/xdg" && chmod 700 "$home/xdg"
run() {
    env "$@" HOME="$home" XDG_RUNTIME_DIR="$home/xdg" timeout 300 \
        xvfb-run -a -s "-screen 0 1600x1000x24" "$bin" --firms "$firms" --bench-frames 2>/dev/null |
        grep -E "^frames|^first frame" | tr '\n' ' '
    echo
}
for case in pan shown stepping; do
    for _ in $(seq "$runs"); do
        case $case in
            pan) out=$(run CA_BENCH=1) ;;
            shown) out=$(run CA_BENCH_SHOW=hotspots,year) ;;
            stepping) out=$(run CA_BENCH_YEARS=1) ;;
        esac
        echo "$case: $(echo "$out" | sed -E 's/.*(median [0-9.]+ ms p95 [0-9.]+ ms max [0-9.]+ ms).*/\1/') | $(echo "$out" | sed -E 's/.*(the analysed map[^;]*);.*/\1/')"
    done
done
rm -rf "$home"
