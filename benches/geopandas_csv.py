#!/usr/bin/env python3
"""Writes a SYNTHETIC firm table the way geopandas writes one: `GeoDataFrame.to_csv`, the points
in a last `geometry` column as WKT `POINT (114.02581155557948 22.60571578202938)` (17-digit
numbers), no coordinate columns. The firms are placed as benches/pandas_csv.py places them
(70 % in 40 Gaussian hot spots, the rest spread evenly over Shenzhen's box). For timing the
loader and `analyze` on another writer's file (BENCHMARKS.md, issue 16); none of these firms is
real ("Synthetic Firm N").

Usage: geopandas_csv.py N OUT.csv     (needs numpy, pandas, geopandas: target/bench-venv/bin/python)
"""
import sys

import geopandas as gpd
import numpy as np
import pandas as pd

n, out = int(sys.argv[1]), sys.argv[2]
rng = np.random.default_rng(7)
k = int(n * 0.7)
cx, cy = rng.uniform(113.8, 114.3, 40), rng.uniform(22.5, 22.75, 40)
c = rng.integers(0, 40, k)
lon = np.concatenate([cx[c] + rng.normal(0, 0.01, k), rng.uniform(113.75, 114.35, n - k)])
lat = np.concatenate([cy[c] + rng.normal(0, 0.008, k), rng.uniform(22.45, 22.85, n - k)])
order = rng.permutation(n)
frame = pd.DataFrame({
    "firm_id": np.arange(n),
    "name": [f"Synthetic Firm {i}" for i in range(n)],
    "segment": rng.choice(["hardware", "software", "content", "optics"], n),
    "founded": rng.integers(1995, 2025, n),
})
points = gpd.points_from_xy(lon[order], lat[order])
gpd.GeoDataFrame(frame, geometry=points, crs=4326).to_csv(out, index=False)
