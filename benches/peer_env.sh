# Sourced by the bench scripts (from the project's root): the release binary, built without
# the window when missing, and the peers' Python in target/bench-venv.
bin=target/release/cluster-atlas
[ -x "$bin" ] || cargo build --release --no-default-features --quiet

# The virtual environment's Python after installing PKG... into it (a package that cannot be
# installed is noted, and its peer is skipped by the caller).
peer_python() {
  local venv=target/bench-venv p
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
  for p in "$@"; do
    "$venv/bin/pip" install -q "$p" >/dev/null 2>&1 || echo "note: could not install $p" >&2
  done
  echo "$venv/bin/python"
}
