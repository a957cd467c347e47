#!/usr/bin/env python3
"""Checks `cluster-atlas analyze` against independent references on data it has never seen.

References: shapely/GEOS (membership), geodesic distances through an azimuthal equidistant
projection centred on each firm (pyproj; exact geodesic distance from the centre), scikit-learn
DBSCAN on UTM 50N metres (adjusted Rand index), pointpats (Clark–Evans from mean NN distance and
window area), and a standard GCJ-02 implementation (eviltransform formulas, written out below).

Usage: python3 scripts/oracle_check.py path/to/cluster-atlas [n_firms | --n N] [--max-geodesic M]
Needs: shapely pyproj scikit-learn pointpats pandas numpy (pinned in scripts/oracle_requirements.txt;
scripts/oracle_ci.sh makes the virtual environment and runs a small set, as CI does).
Exits 1 when any comparison is outside its tolerance (listed at the end), 0 otherwise.
"""
import argparse
import csv
import json
import math
import os
import random
import subprocess
import sys
import tempfile
import warnings

warnings.filterwarnings("ignore", category=DeprecationWarning)  # shapely.ops.transform

import numpy as np
import pyproj
from shapely.geometry import Point, Polygon, MultiPolygon, shape
from sklearn.cluster import DBSCAN
from sklearn.metrics import adjusted_rand_score

ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
ap.add_argument("bin", help="the cluster-atlas binary")
ap.add_argument("n_pos", nargs="?", type=int, help=argparse.SUPPRESS)
ap.add_argument("--n", type=int, default=None, help="firms to generate (default 3000)")
ap.add_argument("--max-geodesic", type=int, default=3000,
                help="firms checked against the slow geodesic oracle (an even sample beyond)")
args = ap.parse_args()
BIN = args.bin
N = args.n or args.n_pos or 3000
rng = random.Random(99)
failures = []


def check(ok, what):
    """Records a comparison outside its tolerance."""
    if not ok:
        failures.append(what)


def circle(lon, lat, r_deg, n=40):
    return [(lon + r_deg * math.cos(2 * math.pi * k / n), lat + 0.9 * r_deg * math.sin(2 * math.pi * k / n)) for k in range(n)]


# Zones: a polygon with a hole, a MultiPolygon, a C-shape, two overlapping squares, a point.
ring_hole = Polygon(circle(113.95, 22.55, 0.03), [circle(113.95, 22.55, 0.012)[::-1]])
multi = MultiPolygon([Polygon(circle(114.06, 22.54, 0.01)), Polygon(circle(114.10, 22.57, 0.008))])
c_shape = Polygon([(113.85, 22.60), (113.90, 22.60), (113.90, 22.61), (113.86, 22.61), (113.86, 22.65),
                   (113.90, 22.65), (113.90, 22.66), (113.85, 22.66)])
sq1 = Polygon([(114.0, 22.62), (114.04, 22.62), (114.04, 22.66), (114.0, 22.66)])
sq2 = Polygon([(114.02, 22.64), (114.06, 22.64), (114.06, 22.68), (114.02, 22.68)])
zones = [("A", ring_hole), ("B", multi), ("C", c_shape), ("D", sq2), ("E", sq1), ("F", Point(114.2, 22.7))]

ZONE_YEAR = {"A": 2017, "B": 2018, "C": 2017, "D": 2018, "E": 2018, "F": 2017}
tmp = tempfile.mkdtemp()
fc = {"type": "FeatureCollection", "features": [
    {"type": "Feature", "properties": {"id": zid, "name": f"测试区{zid}", "year": ZONE_YEAR[zid]},
     "geometry": json.loads(json.dumps(g.__geo_interface__))}
    for zid, g in zones]}
zpath = os.path.join(tmp, "zones.geojson")
json.dump(fc, open(zpath, "w"), ensure_ascii=False)

# Firms: clustered around the zones plus background, some duplicates, quoted names with commas.
firms = []
centres = [(113.95, 22.55), (114.06, 22.54), (113.875, 22.63), (114.03, 22.65), (114.2, 22.7)]
for i in range(N):
    if i % 5 == 0:
        lon, lat = 113.8 + rng.random() * 0.5, 22.45 + rng.random() * 0.3
    else:
        c = centres[i % len(centres)]
        lon, lat = c[0] + rng.gauss(0, 0.02), c[1] + rng.gauss(0, 0.02)
    founded = rng.randint(2005, 2024)
    closed = founded + rng.randint(1, 8) if rng.random() < 0.15 else 0
    firms.append((f"F{i}", f"公司, 第{i}号 \"测试\"", lon, lat, founded, closed))
for k in range(30):
    firms.append((f"DUP{k}",) + firms[k * 7][1:])


def date_text(y, k):
    """A founding date written the ways registers do (the year is what matters)."""
    form = k % 5
    if form == 0:
        return f"{y}-03-{1 + k % 28:02d}"
    if form == 1:
        return f"{y}年{1 + k % 12}月{1 + k % 28}日"
    if form == 2:
        return f"{y}/{1 + k % 12}/{1 + k % 28}"
    if form == 3:  # Excel serial day of 1 July (days since 1899-12-30)
        import datetime
        return str((datetime.date(y, 7, 1) - datetime.date(1899, 12, 30)).days)
    return str(y)
fpath = os.path.join(tmp, "firms.csv")
with open(fpath, "w", newline="", encoding="utf-8") as fh:
    w = csv.writer(fh)
    w.writerow(["id", "name", "lng", "lat", "成立日期", "注销日期"])
    for k, f in enumerate(firms):
        w.writerow([f[0], f[1], f"{f[2]:.7f}", f"{f[3]:.7f}", date_text(f[4], k),
                    f"{f[5]}-06-30" if f[5] else ""])

out = os.path.join(tmp, "out")
subprocess.run([BIN, "analyze", "--zones", zpath, "--firms", fpath, "--eps-m", "500", "--min-pts", "5",
                "--hotspots", "--ripley", "--out", out], check=True)
rows = list(csv.DictReader(open(os.path.join(out, "firms.csv"), encoding="utf-8")))
summary = json.load(open(os.path.join(out, "summary.json"), encoding="utf-8"))
assert len(rows) == len(firms)

geod = pyproj.Geod(ellps="WGS84")
wgs = pyproj.CRS.from_epsg(4326)
bad_member = 0
bad_nearest = 0
worst = 0.0
# The geodesic oracle is slow in Python: check every firm up to 3,000, then an even sample.
step = max(1, -(-len(firms) // args.max_geodesic))
for f, r in list(zip(firms, rows))[::step]:
    p = Point(f[2], f[3])
    inside = sorted(zid for zid, g in zones if g.geom_type != "Point" and g.contains(p))
    if (inside[0] if inside else "") != r["zone_id"]:
        bad_member += 1
    # Exact geodesic distances: azimuthal equidistant centred on the firm.
    aeqd = pyproj.Transformer.from_crs(wgs, pyproj.CRS.from_proj4(f"+proj=aeqd +lat_0={f[3]} +lon_0={f[2]} +datum=WGS84"), always_xy=True)
    best = None
    for zid, g in zones:
        if inside and zid == inside[0]:
            d = 0.0
        elif g.geom_type == "Point":
            d = geod.inv(f[2], f[3], g.x, g.y)[2]
        else:
            # Densify edges so the projected polygon follows the straight-in-degrees edges.
            gd = g.segmentize(0.0005)
            from shapely.ops import transform
            gm = transform(aeqd.transform, gd)
            d = 0.0 if g.contains(p) else gm.exterior.distance(Point(0, 0)) if gm.geom_type == "Polygon" and not gm.interiors else gm.boundary.distance(Point(0, 0))
        if best is None or d < best[1] - 1e-9:
            best = (zid, d)
    if best[0] != r["nearest_zone_id"]:
        bad_nearest += 1
    else:
        worst = max(worst, abs(best[1] - float(r["nearest_zone_m"])))
print(f"membership mismatches: {bad_member} of {len(firms[::step])} checked")
print(f"nearest-zone mismatches: {bad_nearest}; worst distance error {worst:.3f} m (output rounded to 0.1 m)")
check(bad_member == 0, f"membership: {bad_member} mismatches")
check(bad_nearest == 0, f"nearest zone: {bad_nearest} mismatches")
check(worst <= 1.0, f"nearest-zone distance: worst error {worst:.3f} m > 1 m")

# DBSCAN vs scikit-learn on UTM 50N.
utm = pyproj.Transformer.from_crs(wgs, pyproj.CRS.from_epsg(32650), always_xy=True)
xy = np.array([utm.transform(f[2], f[3]) for f in firms])
sk = DBSCAN(eps=500, min_samples=5).fit(xy).labels_
ours = np.array([int(r["cluster"]) for r in rows])
ari = adjusted_rand_score(sk, ours)
print(f"DBSCAN ARI vs scikit-learn: {ari:.5f}; clusters ours {ours.max()+1} sklearn {sk.max()+1}")
check(ari >= 0.9999, f"DBSCAN: adjusted Rand index {ari:.5f} < 0.9999")
check(ours.max() == sk.max() and (ours < 0).sum() == (sk < 0).sum(),
      f"DBSCAN: {ours.max()+1} clusters / {(ours < 0).sum()} noise vs scikit-learn {sk.max()+1} / {(sk < 0).sum()}")

# Clark-Evans vs pointpats (bbox window) on a transverse Mercator centred on the data.
from pointpats import PointPattern
# The bbox window's area depends on the plane: use the same transverse Mercator centre as the
# binary (reported in summary.json), or the two windows differ by up to ~1e-4 in area.
c_lon = summary["parameters"]["projection_centre"]["lon"]
c_lat = summary["parameters"]["projection_centre"]["lat"]
tm = pyproj.Transformer.from_crs(wgs, pyproj.CRS.from_proj4(f"+proj=tmerc +lat_0={c_lat} +lon_0={c_lon} +k=1 +datum=WGS84"), always_xy=True)
pts = np.array([tm.transform(f[2], f[3]) for f in firms])
pp = PointPattern(pts)
r_pp = pp.mean_nnd / (0.5 / math.sqrt(pp.lambda_mbb))
r_hull = pp.mean_nnd / (0.5 / math.sqrt(pp.lambda_hull))
ce = summary["clark_evans"]
print(f"Clark-Evans R ours {ce['r']:.5f} pointpats(bbox) {r_pp:.5f} rel.err {abs(ce['r']-r_pp)/r_pp:.2e}; hull R {r_hull:.5f}")
check(abs(ce["r"] - r_pp) / r_pp <= 1e-5, f"Clark-Evans: R {ce['r']:.6f} vs pointpats {r_pp:.6f}")

# GCJ-02 against the standard formulas (eviltransform), via the convert command.
def _tlat(x, y):
    r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    r += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    r += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    r += (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return r
def _tlon(x, y):
    r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    r += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    r += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    r += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return r
def wgs2gcj(lon, lat):
    a, ee = 6378245.0, 0.00669342162296594323
    dlat, dlon = _tlat(lon - 105.0, lat - 35.0), _tlon(lon - 105.0, lat - 35.0)
    radlat = lat / 180.0 * math.pi
    magic = 1 - ee * math.sin(radlat) ** 2
    sm = math.sqrt(magic)
    dlat = (dlat * 180.0) / ((a * (1 - ee)) / (magic * sm) * math.pi)
    dlon = (dlon * 180.0) / (a / sm * math.cos(radlat) * math.pi)
    return lon + dlon, lat + dlat
cin = os.path.join(tmp, "conv.csv"); cout = os.path.join(tmp, "conv_out.csv")
with open(cin, "w") as fh:
    fh.write("lon,lat,keep\n")
    for f in firms[:500]:
        fh.write(f"{f[2]:.8f},{f[3]:.8f},x\n")
subprocess.run([BIN, "convert", "--from", "wgs84", "--to", "gcj02", cin, cout], check=True)
worst_g = 0.0
for f, r in zip(firms[:500], csv.DictReader(open(cout))):
    glon, glat = wgs2gcj(float(f"{f[2]:.8f}"), float(f"{f[3]:.8f}"))
    worst_g = max(worst_g, geod.inv(glon, glat, float(r["lon"]), float(r["lat"]))[2])
print(f"GCJ-02 forward worst difference vs standard formulas: {worst_g*1000:.3f} mm")
check(worst_g <= 0.002, f"GCJ-02: worst difference {worst_g*1000:.3f} mm > 2 mm")

# Hot spots: esda's Gi* (star, binary distance band) on the counts and cell centres we wrote.
import esda
import libpysal
hs = json.load(open(os.path.join(out, "hotspots.geojson"), encoding="utf-8"))
props = [f["properties"] for f in hs["features"]]
counts = np.array([p["count"] for p in props], dtype=float)
centres = np.array([[p["x_m"], p["y_m"]] for p in props])
check(int(counts.sum()) == len(firms), f"hot spots: cell counts add to {int(counts.sum())}, not {len(firms)}")
wband = libpysal.weights.DistanceBand(centres, threshold=hs["band_m"] * (1 + 1e-9), binary=True, silence_warnings=True)
g = esda.G_Local(counts, wband, transform="B", star=True, permutations=0)
ours_z = np.array([p["z"] for p in props])
dz = float(np.max(np.abs(g.Zs - ours_z)))
print(f"Gi* z vs esda.G_Local(star): worst difference {dz:.2e} over {len(props)} cells")
check(dz <= 1e-6, f"Gi*: worst z difference {dz:.2e} > 1e-6")

# Ripley's K by brute force on the same plane points and bbox area.
rip = summary["ripley"]
A = (pts[:, 0].max() - pts[:, 0].min()) * (pts[:, 1].max() - pts[:, 1].min())
n = len(pts)
cnt = np.zeros(len(rip["d"]))
dmax = max(rip["d"])
for i0 in range(0, n, 500):
    block = pts[i0:i0 + 500]
    dd = np.sqrt(((block[:, None, :] - pts[None, :, :]) ** 2).sum(-1))
    for k, d in enumerate(rip["d"]):
        cnt[k] += (dd <= d).sum()
cnt -= n  # each point with itself
k_bf = A * cnt / (n * (n - 1))
dk = float(np.max(np.abs(k_bf - np.array(rip["k"])) / k_bf))
print(f"Ripley K vs brute force: worst relative difference {dk:.2e} ({n} points, area {A/1e6:.1f} km²)")
check(dk <= 1e-4, f"Ripley: K differs from brute force by {dk:.2e}")

# Firms alive per zone by year, against a group-by of shapely containment and the years written.
tz = {z["id"]: z for z in summary["time"]["zones"]}
bad_years = 0
for zid, gm in zones:
    if gm.geom_type == "Point":
        continue
    inside = [f for f in firms if gm.contains(Point(f[2], f[3]))]
    for row in tz[zid]["by_year"]:
        y = row["year"]
        want = sum(1 for f in inside if f[4] <= y and (f[5] == 0 or f[5] > y))
        if row["alive_inside"] != want:
            bad_years += 1
city = {r["year"]: r["alive"] for r in summary["time"]["city"]}
for y, v in city.items():
    if v != sum(1 for f in firms if f[4] <= y and (f[5] == 0 or f[5] > y)):
        bad_years += 1
print(f"firms alive by zone and year vs group-by: {bad_years} mismatches")
check(bad_years == 0, f"time tables: {bad_years} zone-year counts differ from the group-by")

if failures:
    print("ORACLE CHECK FAILED:\n  " + "\n  ".join(failures))
    sys.exit(1)
print(f"oracle check passed ({len(firms)} firms)")
