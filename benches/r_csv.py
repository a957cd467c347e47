#!/usr/bin/env python3
"""Writes N SYNTHETIC firms as R writes a data frame:
- write.csv (default): UTF-8 with a BOM, CRLF line ends, every string quoted, NA for missing
  values, an unnamed row-name column first, 15-digit coordinates;
- write.table (--table): the same firms split by single spaces, LF line ends, no BOM, a row
  name leading each row that the header does not name.
--quotes: every tenth name holds quotes (合成"星光"企业), escaped as each writes them by default:
doubled by write.csv, a backslash before each (\") by write.table.
Usage: r_csv.py N OUT [--table] [--quotes]
"""
import random
import sys

n = int(sys.argv[1])
out = sys.argv[2]
table = "--table" in sys.argv[3:]
quotes = "--quotes" in sys.argv[3:]
r = random.Random(7)
names = ["name", "lng", "lat", "sector", "founded", "capital"]
sep, end = (" ", "\n") if table else (",", "\r\n")
header = [f'"{h}"' for h in names] if table else ['""'] + [f'"{h}"' for h in names]
with open(out, "w", encoding="utf-8" if table else "utf-8-sig", newline="") as f:
    f.write(sep.join(header) + end)
    for i in range(n):
        lon = 113.76 + r.random() * 0.6
        lat = 22.45 + r.random() * 0.4
        sec = r.choice(["VR", "AR", "硬件", "软件"])
        cap = "NA" if r.random() < 0.1 else f"{r.random() * 1e4:.2f}"
        fd = "NA" if r.random() < 0.05 else f"{r.randint(1990, 2024)}-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}"
        # (This writer's write.csv quotes a missing date, "NA"; write.table leaves NA bare.)
        fd = fd if table and fd == "NA" else f'"{fd}"'
        name = f"合成企业 {i} (SYNTHETIC)" if table else f"合成企业{i} (SYNTHETIC)"
        if quotes and i % 10 == 0:
            name = name.replace("合成", '合成"星光"')
            name = name.replace('"', '\\"' if table else '""')
        cells = [f'"{i + 1}"', f'"{name}"', f"{lon:.15g}", f"{lat:.15g}", f'"{sec}"', fd, cap]
        f.write(sep.join(cells) + end)
