#!/usr/bin/env bash
# Opens the map window on the bundled data (arguments go to cluster-atlas, e.g.
# `--firms my.csv --firms-crs gcj02`). Installs Mesa/X11 runtime packages first on
# Debian/Ubuntu if they are missing; with no display it runs inside Xvfb.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/deps.sh
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp/xdg-$(id -u)}"
cargo build --release --locked
# Where cargo put it (a CARGO_TARGET_DIR set in the environment moves it).
bin="${CARGO_TARGET_DIR:-target}/release/cluster-atlas"
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ] && command -v xvfb-run >/dev/null 2>&1; then
  echo "no display: running inside Xvfb (take screenshots with: import -window root shot.png)"
  exec xvfb-run -a -s "-screen 0 1600x1000x24" "$bin" "$@"
fi
exec "$bin" "$@"
