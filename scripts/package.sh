#!/usr/bin/env bash
# Makes the release artefacts in dist/: a Windows portable zip (cross-built with mingw-w64)
# and a Linux tarball. Usage: ./scripts/package.sh [windows|linux|all]   (default: all)
# Needs Debian/Ubuntu packages (installed if missing) and rustup's Windows target.
set -euo pipefail
cd "$(dirname "$0")/.."
what="${1:-all}"
win_target=x86_64-pc-windows-gnu
./scripts/deps.sh package
if [ "$what" != linux ]; then
  rustup target list --installed | grep -qx "$win_target" || rustup target add "$win_target"
  cargo build --release --locked --target "$win_target"
fi
cargo build --release --locked   # also the source of the version line for both artefacts
out="${CARGO_TARGET_DIR:-target}"
bin="$out/release/cluster-atlas"
read -r _ version _ commit _ date < <("$bin" --version | tr -d '(),')
stage=target/package
mkdir -p "$stage"
args=(--version "$version" --commit "$commit" --date "$date")
if [ "$what" != linux ]; then
  x86_64-w64-mingw32-strip -o "$stage/cluster-atlas.exe" "$out/$win_target/release/cluster-atlas.exe"
  args+=(--windows-exe "$stage/cluster-atlas.exe")
fi
if [ "$what" != windows ]; then
  strip -o "$stage/cluster-atlas" "$bin"
  args+=(--linux-bin "$stage/cluster-atlas")
fi
python3 scripts/package.py "${args[@]}"
