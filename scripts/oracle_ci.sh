#!/usr/bin/env bash
# Runs scripts/oracle_check.py on a small fresh data set against the release binary: zone
# membership (shapely), nearest-zone metres (pyproj geodesics), DBSCAN (scikit-learn),
# Clark–Evans (pointpats) and GCJ-02. Exits non-zero on any mismatch.
#
# The Python packages (scripts/oracle_requirements.txt, pinned wheels) go into a virtual
# environment kept in ORACLE_VENV (default ~/.cache/cluster-atlas/oracle-venv) and are
# reinstalled only when the requirements file changes. ORACLE_N sets the number of firms
# (default 5000). Needs python3 with venv and PyPI (or a pip mirror) on the first run.
set -euo pipefail
cd "$(dirname "$0")/.."
n="${ORACLE_N:-5000}"
venv="${ORACLE_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/cluster-atlas/oracle-venv}"
req=scripts/oracle_requirements.txt
if ! cmp -s "$req" "$venv/requirements.txt" 2>/dev/null; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$req"
  cp "$req" "$venv/requirements.txt"
fi
cargo build --release --locked --quiet
bin="${CARGO_TARGET_DIR:-target}/release/cluster-atlas"
"$venv/bin/python" scripts/oracle_check.py "$bin" --n "$n"
