#!/usr/bin/env python3
"""Writes a SYNTHETIC register-shaped firm table, unlike `cluster-atlas sample`'s: Chinese
headers, 18-character credit codes, addresses quoted because they hold commas, one name in a
hundred holding quotes (written doubled, as pandas and spreadsheets do), founding and closing
dates as 2015-03-02, registered capital, status. For timing the CSV loader on the
kind of export a planner receives (benches/register.sh); none of these firms is real.

Usage: register_csv.py N OUT.csv [--guard | --guard-csv]

--guard writes every cell without a quote inside as Excel's text guard, as some registries'
exports do: `="114.123741"`, and the guard inside the CSV quotes (its quotes doubled) where
the cell holds a comma. --guard-csv guards them as a Python generator passing `="…"` to
csv.writer does: every guarded cell quoted, its quotes doubled.
"""
import random
import sys

n, out = int(sys.argv[1]), sys.argv[2]
guarded = "--guard" in sys.argv[3:]
guarded_csv = "--guard-csv" in sys.argv[3:]


def guard(cell):
    """Excel's text guard around one CSV cell (a quoted cell keeps its CSV quotes outside)."""
    if cell.startswith('"'):
        inner = cell[1:-1]
        return cell if '"' in inner else f'"=""{inner}"""'
    return f'="{cell}"'


def guard_csv(cell):
    """Excel's text guard around one cell's value, as csv.writer quotes it (a value holding a
    quote is left as it is)."""
    value = cell[1:-1].replace('""', '"') if cell.startswith('"') else cell
    if '"' in value:
        return cell
    return '"' + f'="{value}"'.replace('"', '""') + '"'

random.seed(5)
segments = ["硬件制造", "内容软件", "平台服务", "光学器件", "系统集成"]
districts = ["南山区", "福田区", "宝安区", "龙岗区", "龙华区", "光明区"]
states = ["存续", "在业", "注销", "吊销"]
with open(out, "w", encoding="utf-8", newline="") as f:
    f.write("统一社会信用代码,企业名称,注册地址,经度,纬度,行业,成立日期,注册资本(万元),登记状态,注销日期\n")
    rows = []
    for i in range(n):
        lon = 113.75 + random.random() * 0.6
        lat = 22.45 + random.random() * 0.4
        y = random.randint(1995, 2024)
        founded = f"{y}-{random.randint(1, 12):02d}-{random.randint(1, 28):02d}"
        state = random.choice(states)
        closed = f"{random.randint(y, 2025)}-06-30" if state in ("注销", "吊销") else ""
        address = (f"\"广东省深圳市{random.choice(districts)}示例路{random.randint(1, 999)}号, "
                   f"{random.randint(1, 30)}楼\"")
        name = f"示例科技有限公司{i}（合成）"
        if i % 100 == 0:
            name = f"\"示例\"\"星光\"\"科技有限公司{i}（合成）\""
        cells = [f"91440300{i:010d}", name, address, f"{lon:.6f}", f"{lat:.6f}",
                 random.choice(segments), founded, f"{random.random() * 5000:.2f}", state, closed]
        if guarded:
            cells = [guard(c) for c in cells]
        elif guarded_csv:
            cells = [guard_csv(c) for c in cells]
        rows.append(",".join(cells) + "\n")
        if len(rows) >= 100_000:
            f.writelines(rows)
            rows = []
    f.writelines(rows)
