#!/usr/bin/env bash
# Smoke test of the Windows build under Wine (Debian's Wine 8, Xvfb): builds the packages
# (scripts/package.sh), unpacks the Windows zip, and checks that
#  - analyze, suggest and render give the Linux binary's outputs (scripts/compare_outputs.py:
#    ids, zones, cluster labels identical; numbers within 1e-9 relative) on the bundled data
#    and on files under a path with Chinese characters and spaces;
#  - console text in Chinese arrives intact (the version line, the analyze report);
#  - the GUI executable prints when given a command, and its window starts and draws the map
#    (screenshot: target/wine-smoke/window.png).
# Wine 8 lacks ProcessPrng (bcryptprimitives.dll), which Rust's standard library imports; a
# test-only shim DLL forwarding to RtlGenRandom is built here and placed beside the exe. It is
# not part of the zip: Windows 10 and later have the real one.
set -euo pipefail
cd "$(dirname "$0")/.."
# Preconditions, not results: without the packages or rustup's Windows target (both fetched
# from their registries) there is nothing to test, and the script says so instead of failing.
if ! ./scripts/deps.sh wine; then
  echo "SKIPPED: cannot install mingw-w64, Wine and ImageMagick"; exit 0
fi
if ! rustup target list --installed | grep -qx x86_64-pc-windows-gnu &&
  ! rustup target add x86_64-pc-windows-gnu; then
  echo "SKIPPED: cannot install rustup's x86_64-pc-windows-gnu target"; exit 0
fi
[ "${SKIP_PACKAGE:-0}" = 1 ] || ./scripts/package.sh
linux="$(realpath "${CARGO_TARGET_DIR:-target}")/release/cluster-atlas"
version=$("$linux" --version | awk '{print $2}')
zip="dist/cluster-atlas-$version-windows-x86_64.zip"
work="$PWD/target/wine-smoke"
rm -rf "$work"
mkdir -p "$work"
python3 -c "import zipfile,sys; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])" "$zip" "$work"
app="$work/cluster-atlas-$version-windows-x86_64"
cat > "$work/shim.c" <<'C'
#include <windows.h>
BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);
BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
    while (len > 0) {
        ULONG n = len > 0x10000000 ? 0x10000000 : (ULONG)len;
        if (!SystemFunction036(data, n)) return FALSE;
        data += n;
        len -= n;
    }
    return TRUE;
}
C
x86_64-w64-mingw32-gcc -O2 -shared -o "$app/bcryptprimitives.dll" "$work/shim.c" -ladvapi32

export WINEPREFIX="$work/prefix" WINEDEBUG=-all WINEDLLOVERRIDES="bcryptprimitives=n,b;mscoree,mshtml="
export LANG=C.UTF-8 LC_ALL=C.UTF-8
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp/xdg-$(id -u)}"
echo "preparing the Wine prefix"
timeout 300 wineboot -i >/dev/null 2>&1 || true
cli="$app/cluster-atlas-cli.exe"
gui="$app/cluster-atlas.exe"
fail=0
check() { if "$@"; then echo "ok: ${*: -2}"; else echo "FAILED: $*"; fail=1; fi; }
win() { timeout 600 wine "$cli" "$@"; }

# Each job twice, Linux then Windows, into L/ and W/ of the same folder.
run_both() {  # folder, then the arguments after --out's value is added per side
  local dir=$1; shift
  local job=$1; shift
  (cd "$dir" && "$linux" "$job" "$@" --out "L/$job" >"L-$job.txt" 2>&1)
  (cd "$dir" && win "$job" "$@" --out "W\\$job" >"W-$job.txt" 2>&1)
  check python3 scripts/compare_outputs.py "$dir/L/$job" "$dir/W/$job"
}

bundled="$work/bundled"
mkdir -p "$bundled/L" "$bundled/W"
run_both "$bundled" analyze
run_both "$bundled" suggest --firm S0005
(cd "$bundled" && "$linux" render --out L/map.svg >/dev/null && "$linux" render --out L/map.png --size 1200x800 >/dev/null)
(cd "$bundled" && win render --out 'W\map.svg' >/dev/null && win render --out 'W\map.png' --size 1200x800 >/dev/null)
mkdir -p "$bundled/Lr" "$bundled/Wr"
mv "$bundled"/L/map.* "$bundled/Lr/"
mv "$bundled"/W/map.* "$bundled/Wr/"
check python3 scripts/compare_outputs.py "$bundled/Lr" "$bundled/Wr"

# Files under a Chinese path with spaces, named in Chinese, outputs into Chinese folders.
zh="$work/深圳 数据/集聚区 分析"
mkdir -p "$zh/L" "$zh/W"
cp data/sample_firms.csv "$zh/企业 名单.csv"
cp data/zones.geojson "$zh/集聚区.geojson"
run_both "$zh" analyze --zones 集聚区.geojson --firms "企业 名单.csv"
run_both "$zh" suggest --zones 集聚区.geojson --firms "企业 名单.csv" --at 113.94,22.53 --segment hardware
(cd "$zh" && "$linux" render --zones 集聚区.geojson --firms "企业 名单.csv" --out "L/地图 一.pdf" >/dev/null)
(cd "$zh" && win render --zones 集聚区.geojson --firms "企业 名单.csv" --out "W\\地图 一.pdf" >/dev/null)
check test -s "$zh/W/地图 一.pdf"

# Console text: the report lines in Chinese arrive as the Linux binary prints them.
zh_line() { grep -m1 "$1" "$2" || true; }
check grep -q "深圳产业集聚区地图" <(win info)
check diff <(grep -v "^wrote" "$zh/L-analyze.txt") <(grep -v "^wrote" "$zh/W-analyze.txt" | tr -d '\r')
check grep -q "建议" "$zh/W-suggest.txt"
# The GUI executable prints too when given a command (it attaches to the caller's console).
check grep -q "commit" <(timeout 120 wine "$gui" --version)

# A negative control: the comparison must notice a changed number.
cp -r "$bundled/L/analyze" "$work/perturbed"
sed -i '0,/"r": 0\./s/"r": 0\./"r": 0.0/' "$work/perturbed/summary.json"
if python3 scripts/compare_outputs.py "$bundled/L/analyze" "$work/perturbed" >/dev/null; then
  echo "FAILED: the comparison did not notice a changed number"; fail=1
else
  echo "ok: the comparison notices a changed number"
fi

# The window: start the GUI exe under Xvfb, take a screenshot, check it is not blank.
# (A fresh wineserver: one started without a display by the jobs above cannot show windows.)
shot="$work/window.png"
wineserver -k 2>/dev/null || true
wineserver -w 2>/dev/null || true
timeout 180 xvfb-run -a -s "-screen 0 1366x768x24" bash -c "
  wine '$gui' & pid=\$!
  sleep \${WINE_WINDOW_WAIT:-40}
  import -window root '$shot'
  kill \$pid 2>/dev/null; wineserver -k 2>/dev/null || true" >/dev/null 2>&1 || true
colours=$(identify -format "%k" "$shot" 2>/dev/null || echo 0)
echo "window screenshot: $shot ($colours colours)"
check test "$colours" -gt 200

if [ "$fail" = 0 ]; then echo "wine smoke test passed"; else echo "wine smoke test FAILED"; exit 1; fi
