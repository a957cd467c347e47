#!/usr/bin/env python3
"""Writes a SYNTHETIC firm table the way PostGIS writes one with `COPY (SELECT …) TO … CSV
HEADER`: the points in a last `geom` column as hex EWKB with SRID 4326
(`0101000020E6100000…`, what `ST_SetSRID(ST_MakePoint(lon, lat), 4326)` prints), no coordinate
columns. The firms are placed as benches/pandas_csv.py places them (70 % in 40 Gaussian hot
spots, the rest spread evenly over Shenzhen's box). For timing the loader and `analyze` on
another writer's file (BENCHMARKS.md, issue 16); none of these firms is real ("Synthetic Firm N").

Usage: postgis_csv.py N OUT.csv     (needs numpy, pandas, shapely: target/bench-venv/bin/python)
"""
import sys

import numpy as np
import pandas as pd
import shapely
from pandas_csv import hot_spot_points

n, out = int(sys.argv[1]), sys.argv[2]
rng = np.random.default_rng(7)
lon, lat = hot_spot_points(n, rng)
points = shapely.set_srid(shapely.points(lon, lat), 4326)
frame = pd.DataFrame({
    "firm_id": np.arange(n),
    "name": [f"Synthetic Firm {i}" for i in range(n)],
    "segment": rng.choice(["hardware", "software", "content", "optics"], n),
    "founded": rng.integers(1995, 2025, n),
    "geom": shapely.to_wkb(points, hex=True, include_srid=True),
})
frame.to_csv(out, index=False)
