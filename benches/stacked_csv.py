#!/usr/bin/env python3
"""Writes a SYNTHETIC firm table whose geocodes fall as a city register's do: 80 % of the
firms on 20,000 building spots around 30 centres, spot sizes Zipf-distributed (the largest
spot holds about 8 % of all firms, as incubators and registration addresses do), 20 % spread
evenly over Shenzhen's box. For timing DBSCAN and Clark–Evans on many firms per geocode
(BENCHMARKS.md); none of these firms is real.

Usage: stacked_csv.py N OUT.csv
"""
import random
import sys

n, out = int(sys.argv[1]), sys.argv[2]
random.seed(7)
centres = [(113.93 + random.gauss(0, 0.08), 22.55 + random.gauss(0, 0.05)) for _ in range(30)]
spots = []
for _ in range(20000):
    cx, cy = random.choice(centres)
    spots.append((cx + random.gauss(0, 0.02), cy + random.gauss(0, 0.015)))
weights = [1.0 / (k + 1) for k in range(len(spots))]
with open(out, "w", encoding="utf-8") as f:
    f.write("企业名称,经度,纬度,成立日期\n")
    picks = random.choices(range(len(spots)), weights=weights, k=int(n * 0.8))
    rows = []
    for i in range(n):
        if i < len(picks):
            lon, lat = spots[picks[i]]
        else:
            lon, lat = 113.75 + random.random() * 0.6, 22.45 + random.random() * 0.4
        rows.append(f"合成企业{i},{lon:.6f},{lat:.6f},{random.randint(1995, 2024)}-01-01\n")
        if len(rows) >= 100_000:
            f.writelines(rows)
            rows = []
    f.writelines(rows)
