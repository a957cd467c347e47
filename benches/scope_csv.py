#!/usr/bin/env python3
"""Writes SYNTHETIC register rows with a long 经营范围 (business scope) column, as 企查查/天眼查-style
exports carry: ~150 Chinese characters with `；` inside quotes, eleven columns. Usage: scope_csv.py N OUT.csv"""
import random, sys
n, out = int(sys.argv[1]), sys.argv[2]
rng = random.Random(7)
phrases = ["计算机软硬件的技术开发", "虚拟现实设备的研发与销售", "电子产品的设计", "光学元件的生产",
           "信息技术咨询", "国内贸易", "经营进出口业务", "网络技术服务", "数字内容制作",
           "显示器件的研发", "智能穿戴设备", "技术转让、技术服务", "物业租赁（法律、行政法规禁止的项目除外）"]
with open(out, "w", encoding="utf-8", newline="") as f:
    f.write("统一社会信用代码,企业名称,法定代表人,注册资本,成立日期,经营状态,所属行业,经营范围,注册地址,经度,纬度\n")
    for k in range(n):
        scope = "；".join(rng.choice(phrases) for _ in range(rng.randint(6, 12))) + "。"
        lon, lat = 113.8 + rng.random() * 0.6, 22.45 + rng.random() * 0.35
        f.write(f'9144030{k:011d},深圳市示例{k}科技有限公司（合成）,张{k % 100},{rng.randint(10,5000)}万元人民币,'
                f'{2000 + k % 24}-{1 + k % 12:02d}-{1 + k % 28:02d},存续,软件和信息技术服务业,"{scope}",'
                f'"深圳市南山区示例路{k % 999}号, {k % 30}楼",{lon:.6f},{lat:.6f}\n')
