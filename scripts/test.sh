#!/usr/bin/env bash
# Installs what the tests need on a fresh Debian/Ubuntu machine (Mesa's software renderer for
# the window tests) and runs the whole test suite: unit, integration and doc tests.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/deps.sh
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp/xdg-$(id -u)}"
cargo test --release --locked "$@"
