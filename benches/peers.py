#!/usr/bin/env python3
"""Times the Python GIS stack on the same work as `cluster-atlas bench` and prints JSON.

Usage: peers.py FIRMS.csv ZONES.geojson REPEAT
       peers.py --read FIRMS.csv     (one pandas read_csv, seconds printed)
The environment variable PEERS_ENCODING names the file's encoding when it is not UTF-8;
PEERS_LON and PEERS_LAT name the coordinate columns (compare.sh passes the ones
cluster-atlas took), else they are found by their usual names. The delimiter is the one of
`,` `;` tab `|` most frequent in the first line, as cluster-atlas finds it, and pandas is
told it (its fast C reader).
Each peer is skipped cleanly (reported as null with a reason) when its package is missing or
the work is known not to fit (scikit-learn's DBSCAN above 200,000 points needs more than
20 GB here and is killed).
"""
import json
import warnings
import math
import os
import statistics
import sys
import time

warnings.filterwarnings("ignore")
encoding = os.environ.get("PEERS_ENCODING") or None


def sniff_sep(path):
    """The delimiter among , ; tab | most frequent outside quotes in the first line; else a
    space when the first two lines split alike by spaces (R's write.table, whose rows have
    one field more: pandas then takes the first as the index), as our loader sniffs."""
    with open(path, "rb") as f:
        line = f.readline().decode(encoding or "utf-8", errors="replace")
        second = f.readline().decode(encoding or "utf-8", errors="replace")

    def count(text):
        counts, quoted = {",": 0, ";": 0, "\t": 0, "|": 0, " ": 0}, False
        for c in text:
            if c == '"':
                quoted = not quoted
            elif c in counts and not quoted:
                counts[c] += 1
        return counts

    counts = count(line)
    best = max(list(counts)[:4], key=lambda c: (counts[c], -list(counts).index(c)))
    if counts[best]:
        return best
    spaces, next_spaces = counts[" "], count(second)[" "]
    return " " if spaces and next_spaces in (spaces, spaces + 1) else ","


if sys.argv[1] == "--read":
    import pandas as pd

    t = time.perf_counter()
    pd.read_csv(sys.argv[2], encoding=encoding, sep=sniff_sep(sys.argv[2]))
    print(time.perf_counter() - t)
    sys.exit(0)

firms_path, zones_path, repeat = sys.argv[1], sys.argv[2], int(sys.argv[3])
sep = sniff_sep(firms_path)
out = {"skipped": {}}


def timed(name, fn, reps=repeat):
    try:
        times = []
        result = None
        for _ in range(max(1, reps)):
            t = time.perf_counter()
            result = fn()
            times.append(time.perf_counter() - t)
        out[name] = statistics.median(times)
        return result
    except Exception as e:  # a missing package or an error: record and go on
        out["skipped"][name] = f"{type(e).__name__}: {e}"[:200]
        return None


try:
    import pandas as pd
except ImportError as e:
    pd = None
    out["skipped"]["pandas"] = str(e)

df = (
    timed("pandas_read_csv", lambda: pd.read_csv(firms_path, encoding=encoding, sep=sep))
    if pd
    else None
)
try:
    import pyarrow.csv as pacsv
    read_options = pacsv.ReadOptions(encoding=encoding) if encoding else None
    parse_options = pacsv.ParseOptions(delimiter=sep)
    timed(
        "pyarrow_read_csv",
        lambda: pacsv.read_csv(
            firms_path, read_options=read_options, parse_options=parse_options
        ),
    )
except ImportError as e:
    out["skipped"]["pyarrow_read_csv"] = str(e)

if df is None:
    print(json.dumps(out))
    sys.exit(0)

n = len(df)


def floats(series):
    """A column's numbers; cells in Excel's text guard (`="114.05"`, which pandas leaves as
    text) are unguarded first, as a pandas user must, and that time is added to the load's
    (`pandas_read_csv_unguarded`)."""
    try:
        return series.to_numpy(dtype=float)
    except (ValueError, TypeError):
        pass

    def unguard():
        text = series.astype(str).str.removeprefix('="').str.removesuffix('"')
        return pd.to_numeric(text, errors="coerce").to_numpy(dtype=float)

    values = timed("pandas_unguard_column", unguard)
    spent = out["pandas_unguard"] = out.get("pandas_unguard", 0.0) + out["pandas_unguard_column"]
    out["pandas_read_csv_unguarded"] = out["pandas_read_csv"] + spent
    return values


def column(env, names, words):
    """The column named by the environment variable `env` (the one cluster-atlas took), else
    the first whose name (trimmed, lower case) is one of `names`, else the first holding one
    of `words` as a word, so files from other generators and registers are timed too."""
    given = os.environ.get(env)
    if given and given in df.columns:
        return floats(df[given])
    normed = {str(c).strip().lower(): c for c in df.columns}
    for name in names:
        if name in normed:
            return floats(df[normed[name]])
    import re

    def has_word(low, w):
        if not w.isascii():
            return w in low
        return re.search(rf"(^|[^a-z]){w}([^a-z]|$)", low) is not None

    for low, c in normed.items():
        if any(has_word(low, w) for w in words):
            return floats(df[c])
    raise SystemExit(f"peers.py: no column named one of {names} in {firms_path}; set {env}")


def wkt_points():
    """x and y of a WKT `POINT (lon lat)` column (geopandas' `to_csv`) or a hex WKB one
    (PostGIS' `COPY … CSV`), when cluster-atlas took one column for both coordinates:
    shapely's `from_wkt` or `from_wkb`, timed as the rest of the load."""
    given = os.environ.get("PEERS_LON")
    if not given or given != os.environ.get("PEERS_LAT") or given not in df.columns:
        return None
    import shapely

    values = df[given].to_numpy()
    first = str(values[0]) if len(values) else ""
    kind = "wkb" if len(first) >= 42 and all(c in "0123456789abcdefABCDEF" for c in first) else "wkt"
    parse = shapely.from_wkb if kind == "wkb" else shapely.from_wkt
    points = timed(f"shapely_from_{kind}", lambda: parse(values))
    if points is None:
        return None
    out[f"pandas_read_csv_{kind}"] = out["pandas_read_csv"] + out[f"shapely_from_{kind}"]
    return shapely.get_x(points), shapely.get_y(points)


combined = wkt_points()
lon = combined[0] if combined else column(
    "PEERS_LON",
    ["lon", "lng", "longitude", "x", "经度", "wgs84_lon", "gcj_lng", "gcj02_lng"],
    ["lon", "lng", "longitude", "经度"],
)
lat = combined[1] if combined else column(
    "PEERS_LAT",
    ["lat", "latitude", "y", "纬度", "wgs84_lat", "gcj_lat", "gcj02_lat"],
    ["lat", "latitude", "纬度"],
)


def kept_rows():
    """The rows cluster-atlas keeps: coordinates present and within 200 km of the median
    position (its strays rule), as a pandas user would filter a register before the spatial
    steps. Timed on its own (`peers_clean`), not added to pandas' read."""
    import numpy as np

    ok = np.isfinite(lon) & np.isfinite(lat)
    if ok.all():
        return ok
    mlon, mlat = np.median(lon[ok]), np.median(lat[ok])
    p1, p2 = np.radians(lat), np.radians(mlat)
    h = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(np.radians(mlon - lon) / 2) ** 2
    with np.errstate(invalid="ignore"):
        return ok & (2 * 6371.0088 * np.arcsin(np.sqrt(np.minimum(h, 1.0))) <= 200.0)


keep = timed("peers_clean", kept_rows, reps=1)
if keep is not None and not keep.all():
    lon, lat = lon[keep], lat[keep]
    n = len(lon)
    out["peers_rows_left_out"] = int((~keep).sum())

try:
    import numpy as np
    import pyproj
    import shapely
    import shapely.ops
    from shapely.geometry import shape

    zones = json.load(open(zones_path, encoding="utf-8"))["features"]
    polys = [shape(f["geometry"]) for f in zones if f["geometry"] and f["geometry"]["type"] != "Point"]
    all_geoms = [shape(f["geometry"]) for f in zones if f["geometry"]]

    def pip():
        inside = np.zeros(n, dtype=bool)
        for p in polys:
            inside |= shapely.contains_xy(p, lon, lat)
        return int(inside.sum())

    out["shapely_firms_inside"] = timed("shapely_point_in_zone", pip)

    c_lon, c_lat = (lon.min() + lon.max()) / 2, (lat.min() + lat.max()) / 2
    tm = pyproj.Transformer.from_crs(
        "EPSG:4326", f"+proj=tmerc +lat_0={c_lat} +lon_0={c_lon} +k=1 +datum=WGS84", always_xy=True
    )
    x, y = tm.transform(lon, lat)
    xy = np.c_[x, y]
    geoms_m = [shapely.ops.transform(tm.transform, g) for g in all_geoms]

    def nearest():
        tree = shapely.STRtree(geoms_m)
        pts = shapely.points(xy)
        idx, dist = tree.query_nearest(pts, return_distance=True, all_matches=False)
        return float(dist.sum())

    timed("shapely_strtree_nearest", nearest, reps=1 if n > 1_000_000 else repeat)
except ImportError as e:
    out["skipped"]["shapely"] = str(e)
    xy = None

try:
    import geopandas as gpd

    gz = gpd.GeoDataFrame(geometry=polys, crs="EPSG:4326")

    def sjoin():
        gp = gpd.GeoDataFrame(geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326")
        return len(gpd.sjoin(gp, gz, predicate="within"))

    timed("geopandas_sjoin", sjoin, reps=1 if n > 1_000_000 else repeat)
except ImportError as e:
    out["skipped"]["geopandas_sjoin"] = str(e)

if xy is not None:
    if n <= 200_000:
        try:
            from sklearn.cluster import DBSCAN

            timed("sklearn_dbscan", lambda: DBSCAN(eps=500, min_samples=5).fit(xy).labels_.max() + 1)
        except ImportError as e:
            out["skipped"]["sklearn_dbscan"] = str(e)
    else:
        out["skipped"]["sklearn_dbscan"] = "not run above 200,000 points: needs more than 20 GB here (killed at 1M)"
    try:
        from pointpats import PointPattern

        def ce():
            pp = PointPattern(xy)
            return pp.mean_nnd / (0.5 / math.sqrt(pp.lambda_mbb))

        out["pointpats_r"] = timed("pointpats_clark_evans", ce, reps=1 if n > 1_000_000 else repeat)
    except ImportError as e:
        out["skipped"]["pointpats_clark_evans"] = str(e)

print(json.dumps(out))
