#!/usr/bin/env python3
"""Writes a SYNTHETIC firm table the way a Python generator would: numpy coordinates written
by pandas' `to_csv` at full precision (17 significant digits, `114.09536778980761`), pandas'
unnamed index as the first column, English headers, integer years and head counts. 70 % of
the firms lie in 40 Gaussian hot spots, the rest spread evenly over Shenzhen's box, in random
order. For timing the loader and `analyze` on a third writer's file (BENCHMARKS.md, issue
16); none of these firms is real ("Synthetic Firm N").

Usage: pandas_csv.py N OUT.csv     (needs numpy and pandas: target/bench-venv/bin/python)
"""
import sys

import numpy as np
import pandas as pd


def hot_spot_points(n, rng):
    """Longitudes and latitudes of n SYNTHETIC firms, in random order: 70 % in 40 Gaussian
    hot spots, the rest spread evenly over Shenzhen's box (also benches/geopandas_csv.py's)."""
    k = int(n * 0.7)
    cx, cy = rng.uniform(113.8, 114.3, 40), rng.uniform(22.5, 22.75, 40)
    c = rng.integers(0, 40, k)
    lon = np.concatenate([cx[c] + rng.normal(0, 0.01, k), rng.uniform(113.75, 114.35, n - k)])
    lat = np.concatenate([cy[c] + rng.normal(0, 0.008, k), rng.uniform(22.45, 22.85, n - k)])
    order = rng.permutation(n)
    return lon[order], lat[order]


if __name__ == "__main__":
    n, out = int(sys.argv[1]), sys.argv[2]
    rng = np.random.default_rng(7)
    lon, lat = hot_spot_points(n, rng)
    pd.DataFrame({
        "firm_id": np.arange(n),
        "name": [f"Synthetic Firm {i}" for i in range(n)],
        "lon": lon,
        "lat": lat,
        "segment": rng.choice(["hardware", "software", "content", "optics"], n),
        "founded": rng.integers(1995, 2025, n),
        "employees": rng.integers(1, 500, n),
    }).to_csv(out)
