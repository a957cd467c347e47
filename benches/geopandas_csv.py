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
from pandas_csv import hot_spot_points

n, out = int(sys.argv[1]), sys.argv[2]
rng = np.random.default_rng(7)
lon, lat = hot_spot_points(n, rng)
frame = pd.DataFrame({
    "firm_id": np.arange(n),
    "name": [f"Synthetic Firm {i}" for i in range(n)],
    "segment": rng.choice(["hardware", "software", "content", "optics"], n),
    "founded": rng.integers(1995, 2025, n),
})
points = gpd.points_from_xy(lon, lat)
gpd.GeoDataFrame(frame, geometry=points, crs=4326).to_csv(out, index=False)
