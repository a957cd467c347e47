#!/usr/bin/env python3
"""Rewrites a register CSV's longitude/latitude (经度/纬度 or lon/lat) as CGCS2000 3-degree
Gauss-Kruger CM 114E metres (EPSG:4547, columns X and Y, millimetres), as a surveyor's or a
planning bureau's GIS exports it; all rows SYNTHETIC as their source is. Needs pandas and
pyproj (the bench venv). Usage: cgcs_csv.py REGISTER.csv OUT.csv
"""
import sys

import pandas as pd
from pyproj import Transformer

df = pd.read_csv(sys.argv[1], dtype=str, keep_default_na=False)
lon = next(c for c in df.columns if c in ("经度", "lon", "longitude"))
lat = next(c for c in df.columns if c in ("纬度", "lat", "latitude"))
x, y = Transformer.from_crs(4326, 4547, always_xy=True).transform(
    pd.to_numeric(df[lon]).values, pd.to_numeric(df[lat]).values
)
df[lon] = [f"{v:.3f}" for v in x]
df[lat] = [f"{v:.3f}" for v in y]
df.rename(columns={lon: "X", lat: "Y"}).to_csv(sys.argv[2], index=False)
