#!/usr/bin/env python3
"""Writes SYNTHETIC firms files shaped the awkward ways real exports are, for benches/awkward.sh.

Usage: awkward_csv.py KIND N OUT.csv
  multiline  a last column of notes (经营范围-like) where every 4th row holds a line end
             inside quotes and every 4th a doubled quote and a CRLF inside quotes
  stray      every 1,000th row opens a quote in its name and never closes it
All firms are synthetic (合成); coordinates fall in Shenzhen's bounding box.
"""
import random
import sys

kind, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
rng = random.Random(3)
with open(out, "w", encoding="utf-8", newline="") as f:
    f.write("id,name,lon,lat,notes\n" if kind == "multiline" else "id,name,lon,lat,sector\n")
    for k in range(n):
        lon, lat = 113.8 + rng.random() * 0.6, 22.45 + rng.random() * 0.35
        if kind == "multiline":
            notes = ('"第一行说明\n第二行, 含逗号"', f'"称为""示例""\r\n第 {k} 号"', "简介", "简介")[k % 4]
            f.write(f"{k},合成企业{k},{lon:.6f},{lat:.6f},{notes}\n")
        elif k % 1000 == 500:
            f.write(f'{k},"合成企业{k} 未闭合,{lon:.6f},{lat:.6f},VR\n')
        else:
            f.write(f"{k},合成企业{k},{lon:.6f},{lat:.6f},VR\n")
