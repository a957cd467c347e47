#!/usr/bin/env python3
"""Writes the bundled zones with every polygon edge cut into K equal pieces (default 10): the
same shapes, with as many vertices as a surveyed outline from a planner's Shapefile (about
1,600-2,600 a zone). For timing zone queries on detailed boundaries; the geometry is not new
data, only denser.

    python3 benches/detailed_zones.py [K] [OUT]   # default 10, target/bench-data/zones_x10.geojson

With --ring N it writes instead one SYNTHETIC zone: a wavy ring about 18 km across with N
vertices (segments under a metre at N = 99,000; the loader reads at most 100,000 a zone), the
extreme of a surveyed outline exported from CAD.

    python3 benches/detailed_zones.py --ring 99000 [OUT]   # target/bench-data/ring_99000.geojson
"""
import json
import math
import sys

if len(sys.argv) > 2 and sys.argv[1] == "--ring":
    n = int(sys.argv[2])
    out = sys.argv[3] if len(sys.argv) > 3 else f"target/bench-data/ring_{n}.geojson"
    ring = []
    for j in range(n + 1):
        a = (j % n) / n * 2 * math.pi
        r = 1 + 0.05 * math.sin(12 * a) + 0.01 * math.sin(97 * a)
        ring.append([round(114.05 + 0.08 * r * math.cos(a), 8), round(22.60 + 0.066 * r * math.sin(a), 8)])
    props = {"id": "RING", "name": "SYNTHETIC wavy ring (benchmark only, not a real zone)"}
    feature = {"type": "Feature", "properties": props, "geometry": {"type": "Polygon", "coordinates": [ring]}}
    json.dump({"type": "FeatureCollection", "features": [feature]}, open(out, "w", encoding="utf-8"))
    print(out)
    sys.exit(0)

k = int(sys.argv[1]) if len(sys.argv) > 1 else 10
out = sys.argv[2] if len(sys.argv) > 2 else f"target/bench-data/zones_x{k}.geojson"


def cut(ring):
    pts = []
    for a, b in zip(ring, ring[1:]):
        for j in range(k):
            t = j / k
            pts.append([a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t])
    pts.append(ring[-1])
    return pts


doc = json.load(open("data/zones.geojson", encoding="utf-8"))
for f in doc["features"]:
    g = f.get("geometry")
    if g and g["type"] == "Polygon":
        g["coordinates"] = [cut(r) for r in g["coordinates"]]
    elif g and g["type"] == "MultiPolygon":
        g["coordinates"] = [[cut(r) for r in p] for p in g["coordinates"]]
json.dump(doc, open(out, "w", encoding="utf-8"), ensure_ascii=False)
print(out)
