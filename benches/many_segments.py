#!/usr/bin/env python3
"""Rewrites a register from benches/register_csv.py as another generator might write it: its
行业 column drawn from K distinct industry-class names (a real register's 国民经济行业分类
values; default 1,500), and optionally its dates as 2015年3月2日 (cjk) or 2015/3/2 (slash, as
Excel writes them in a Chinese locale). For timing the loader, `suggest` and the window on
such files (BENCHMARKS.md, session 42). SYNTHETIC, as its input; no class name is real.

Usage: many_segments.py IN.csv OUT.csv [K] [iso|cjk|slash] [short|long]

`long` names are as long as the national classes' Chinese names (4–16 characters, 12–48
bytes of UTF-8, e.g. 计算机、通信和其他电子设备制造业); `short` (the default) are like
`C39663 行业类别663` (22 bytes).
"""
import csv
import random
import sys

src, out = sys.argv[1], sys.argv[2]
k = int(sys.argv[3]) if len(sys.argv) > 3 else 1500
dates = sys.argv[4] if len(sys.argv) > 4 else "iso"
random.seed(7)
style = sys.argv[5] if len(sys.argv) > 5 else "short"
if style == "long":
    words = "示例电子设备仪器零件材料软件信息技术服务制造业其他"
    names = [
        "".join(random.choice(words) for _ in range(random.randint(2, 13))) + f"类{i}"
        for i in range(k)
    ]
else:
    names = [f"C{3900 + i // 10}{i % 10} 行业类别{i}" for i in range(k)]


def date(v):
    if not v or dates == "iso":
        return v
    y, m, d = v.split("-")
    return f"{y}年{m}月{d}日" if dates == "cjk" else f"{y}/{int(m)}/{int(d)}"


with open(src, encoding="utf-8", newline="") as f, open(out, "w", encoding="utf-8", newline="") as g:
    r, w = csv.reader(f), csv.writer(g, lineterminator="\n")
    w.writerow(next(r))
    for row in r:
        row[5] = random.choice(names)
        row[6], row[9] = date(row[6]), date(row[9])
        w.writerow(row)
