#!/usr/bin/env bash
# Installs the system packages the window and its tests need on Debian/Ubuntu (Mesa's
# software OpenGL and Vulkan, X11 libraries, Xvfb for headless runs). Nothing is needed to
# build; this is only for running. Safe to run twice: it installs only what is missing.
# `deps.sh package` adds mingw-w64 (the Windows cross build, scripts/package.sh); `deps.sh wine`
# adds that, Wine and ImageMagick too (scripts/wine_smoke.sh).
set -euo pipefail
packages=(xvfb xauth libvulkan1 mesa-vulkan-drivers libegl1 libegl-mesa0 libgl1 libgl1-mesa-dri
  libglx-mesa0 libxkbcommon0 libxkbcommon-x11-0 libx11-xcb1 libxcursor1 libxrandr2 libxi6 fontconfig
  python3 python3-venv)  # the last two: scripts/oracle_ci.sh (the Python GIS stack as oracle)
case "${1:-}" in
  package) packages+=(gcc-mingw-w64-x86-64 binutils-mingw-w64-x86-64) ;;
  wine) packages+=(gcc-mingw-w64-x86-64 binutils-mingw-w64-x86-64 wine wine64 imagemagick) ;;
esac
if command -v apt-get >/dev/null 2>&1 && command -v dpkg-query >/dev/null 2>&1; then
  missing=()
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    sudo=""
    [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && sudo="sudo"
    echo "installing: ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
fi
mkdir -p -m 700 "/tmp/xdg-$(id -u)"
