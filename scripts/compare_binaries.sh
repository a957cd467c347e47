#!/bin/bash
# Compares the result files of two builds on the same commands (a refactor must leave them
# byte-identical): scripts/compare_binaries.sh OLD_BINARY NEW_BINARY. Only stdout/stderr
# (paths, timings) may differ.
set -u
OLD=$1; NEW=$2; W=/tmp/cmpwork; rm -rf $W; mkdir -p $W/old $W/new
run() { # name args...
  local name=$1; shift
  for v in old new; do
    local bin=$OLD; [ $v = new ] && bin=$NEW
    (cd $W/$v && $bin "${@//OUT/$W/$v/$name}" > $W/$v/$name.stdout 2> $W/$v/$name.stderr; echo "rc=$?" >> $W/$v/$name.stdout)
  done
}
run analyze analyze --out OUT
run analyze_eps300 analyze --eps-m 300 --min-pts 4 --study-area land --out OUT
run suggest_all suggest --out OUT --draws 200
run suggest_firm suggest --firm S0005 --out OUT
run suggest_zone suggest --for-zone Z03 --out OUT
run render_svg render --analysis --density --date 2026-01-01 --out OUT.svg
run render_png render --analysis --colour cluster --date 2026-01-01 --preset a4 --dpi 100 --out OUT.png
run render_pdf render --analysis --date 2026-01-01 --lang en --out OUT.pdf
run render_zone render --extent zone:Z03 --lang both --date 2026-01-01 --out OUT.svg
run atlas render --atlas --format svg --date 2026-01-01 --out OUT
for f in ${EXTRA:-}; do run "x_$(basename $f)" analyze --firms $f --out OUT; done
diff -r $W/old $W/new | grep -v "^diff" | head -40
echo "compared: $(find $W/new -type f | wc -l) files"
