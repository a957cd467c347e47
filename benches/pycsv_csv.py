#!/usr/bin/env python3
"""Writes a SYNTHETIC register as Python's csv module does with QUOTE_NONNUMERIC (every text
cell quoted, numbers bare), unlike the other bench writers: a BOM, CRLF line ends, Chinese
headers in an unusual order (the coordinates latitude first, in the middle), repr floats
(16–17 digits), Excel's Chinese-locale dates (`2015/3/2`), 3 % of rows with empty
coordinates and 1 % geocoded to another city (Beijing: the loader's strays).
Usage: pycsv_csv.py N OUT.csv"""
import csv
import random
import sys

n, out = int(sys.argv[1]), sys.argv[2]
rng = random.Random(11)
cols = ["统一社会信用代码", "企业名称", "经度", "纬度", "成立日期", "所属行业", "注册资本(万元)", "登记状态"]
order = [5, 1, 0, 6, 3, 2, 4, 7]
with open(out, "w", encoding="utf-8-sig", newline="") as f:
    w = csv.writer(f, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\r\n")
    w.writerow([cols[i] for i in order])
    for k in range(n):
        lon, lat = 113.75 + rng.random() * 0.75, 22.45 + rng.random() * 0.4
        r = rng.random()
        if r < 0.03:
            lon, lat = "", ""
        elif r < 0.04:
            lon, lat = 116.4 + rng.random(), 39.9 + rng.random()
        row = [f"91440300MA5{k:07d}X", f"合成科技{k}有限公司", lon, lat,
               f"{2005 + k % 20}/{1 + k % 12}/{1 + k % 28}",
               rng.choice(["虚拟现实", "增强现实", "光学显示", "内容制作"]),
               float(rng.randint(10, 9000)), "存续（在营、开业、在册）"]
        w.writerow([row[i] for i in order])
