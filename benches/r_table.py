#!/usr/bin/env python3
"""Writes N SYNTHETIC firms as R's write.table(df, file) would with its defaults: fields split
by single spaces, strings quoted, a row name leading each row that the header does not name,
15-digit coordinates, NA for missing values. Usage: r_table.py N OUT.txt
"""
import random
import sys

n = int(sys.argv[1])
out = sys.argv[2]
r = random.Random(7)
with open(out, "w", encoding="utf-8", newline="") as f:
    f.write('"name" "lng" "lat" "sector" "founded" "capital"\n')
    for i in range(n):
        lon = 113.76 + r.random() * 0.6
        lat = 22.45 + r.random() * 0.4
        sec = r.choice(["VR", "AR", "硬件", "软件"])
        cap = "NA" if r.random() < 0.1 else f"{r.random() * 1e4:.2f}"
        fd = "NA" if r.random() < 0.05 else f'"{r.randint(1990, 2024)}-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}"'
        f.write(f'"{i + 1}" "合成企业 {i} (SYNTHETIC)" {lon:.15g} {lat:.15g} "{sec}" {fd} {cap}\n')
