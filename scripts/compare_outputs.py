#!/usr/bin/env python3
"""Compares two output folders of cluster-atlas (e.g. the Linux and the Windows binary's):
every file present in both sides, same names. CSV, JSON and GeoJSON must be equal field by
field, numbers within a relative 1e-9 (the maths libraries differ in the last digits), text
identical (path separators aside). SVG must be equal apart from numbers, which may differ by
one unit in the last printed digit. PNG pictures must have the same size and differ in at
most 0.1 % of their pixels (anti-aliasing may flip where a coordinate's last digit moved).
Prints each difference; exits 1 if any."""

import csv
import json
import math
import re
import subprocess
import sys
from pathlib import Path

REL = 1e-9
NUM = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")


def close(a: float, b: float) -> bool:
    if math.isnan(a) and math.isnan(b):
        return True
    return a == b or abs(a - b) <= REL * max(abs(a), abs(b)) or abs(a - b) <= 1e-12


def as_number(s):
    try:
        return float(s)
    except (TypeError, ValueError):
        return None


def same_text(a: str, b: str) -> bool:
    return a == b or a.replace("\\", "/") == b.replace("\\", "/")


def cmp_value(a, b, where, out):
    if isinstance(a, bool) or isinstance(b, bool):
        if a != b:
            out.append(f"{where}: {a!r} != {b!r}")
    elif isinstance(a, (int, float)) and isinstance(b, (int, float)):
        if not close(float(a), float(b)):
            out.append(f"{where}: {a!r} != {b!r}")
    elif isinstance(a, dict) and isinstance(b, dict):
        if list(a) != list(b):
            out.append(f"{where}: keys {list(a)} != {list(b)}")
        for k in a:
            if k in b:
                cmp_value(a[k], b[k], f"{where}.{k}", out)
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            out.append(f"{where}: {len(a)} items != {len(b)}")
        for i, (x, y) in enumerate(zip(a, b)):
            cmp_value(x, y, f"{where}[{i}]", out)
    elif isinstance(a, str) and isinstance(b, str):
        if not same_text(a, b):
            out.append(f"{where}: {a!r} != {b!r}")
    elif a != b:
        out.append(f"{where}: {a!r} != {b!r}")


def cmp_csv(pa: Path, pb: Path, out):
    with pa.open(encoding="utf-8-sig", newline="") as fa, pb.open(encoding="utf-8-sig", newline="") as fb:
        ra, rb = list(csv.reader(fa)), list(csv.reader(fb))
    if len(ra) != len(rb):
        out.append(f"{pa.name}: {len(ra)} rows != {len(rb)}")
    for i, (x, y) in enumerate(zip(ra, rb)):
        if len(x) != len(y):
            out.append(f"{pa.name} row {i + 1}: {len(x)} fields != {len(y)}")
            continue
        for j, (u, v) in enumerate(zip(x, y)):
            nu, nv = as_number(u), as_number(v)
            ok = close(nu, nv) if nu is not None and nv is not None else same_text(u, v)
            if not ok:
                out.append(f"{pa.name} row {i + 1} field {j + 1}: {u!r} != {v!r}")


def cmp_svg(pa: Path, pb: Path, out):
    a, b = pa.read_text(encoding="utf-8"), pb.read_text(encoding="utf-8")
    if NUM.sub("#", a) != NUM.sub("#", b):
        out.append(f"{pa.name}: the text differs apart from numbers")
        return
    for x, y in zip(NUM.findall(a), NUM.findall(b)):
        if x == y:
            continue
        digits = len(x.split(".")[1].split("e")[0].split("E")[0]) if "." in x else 0
        if abs(float(x) - float(y)) > 1.01 * 10.0 ** -digits and not close(float(x), float(y)):
            out.append(f"{pa.name}: number {x} != {y}")


def cmp_png(pa: Path, pb: Path, out):
    size = lambda p: subprocess.run(["identify", "-format", "%w %h", str(p)], capture_output=True, text=True).stdout
    if size(pa) != size(pb):
        out.append(f"{pa.name}: size {size(pa)} != {size(pb)}")
        return
    r = subprocess.run(["compare", "-metric", "AE", str(pa), str(pb), "null:"], capture_output=True, text=True)
    differing = float((r.stderr or "0").split()[0])
    w, h = map(int, size(pa).split())
    if differing > 0.001 * w * h:
        out.append(f"{pa.name}: {differing:.0f} of {w * h} pixels differ")


def main():
    a, b = Path(sys.argv[1]), Path(sys.argv[2])
    out, checked = [], 0
    names_a = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    names_b = sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    if names_a != names_b:
        out.append(f"files differ: {[str(n) for n in names_a]} != {[str(n) for n in names_b]}")
    for name in names_a:
        pa, pb = a / name, b / name
        if not pb.exists():
            continue
        ext = pa.suffix.lower()
        if ext == ".csv":
            cmp_csv(pa, pb, out)
        elif ext in (".json", ".geojson"):
            cmp_value(json.loads(pa.read_text(encoding="utf-8")), json.loads(pb.read_text(encoding="utf-8")), str(name), out)
        elif ext == ".svg":
            cmp_svg(pa, pb, out)
        elif ext == ".png":
            cmp_png(pa, pb, out)
        elif pa.read_bytes() != pb.read_bytes():
            out.append(f"{name}: bytes differ")
        checked += 1
    for line in out[:40]:
        print("  " + line)
    print(f"{a} vs {b}: {checked} files, {len(out)} differences")
    sys.exit(1 if out else 0)


if __name__ == "__main__":
    main()
