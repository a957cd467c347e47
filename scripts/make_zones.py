#!/usr/bin/env python3
"""Builds data/zones.geojson from scripts/zones_research.geojson (a copy of the research file).

For each identified zone whose planned area a source states (`area_km2`), draws an approximate
footprint: a circle around the research centre, clipped to Shenzhen's land (the land-clipped
district layer), with the radius chosen so that the clipped area equals the stated area. Other
identified zones stay points; unidentified slots keep null geometry. Every feature gets
`geometry_quality` and a note saying how its geometry was made. Nothing is invented: the centre,
area and sources are the research file's.

Needs shapely and pyproj (pip install shapely pyproj). Run from the project root:
    python3 scripts/make_zones.py
"""
import json
import math

import pyproj
from shapely.geometry import Point, mapping, shape
from shapely.ops import transform, unary_union

SRC = "scripts/zones_research.geojson"
LAND = "data/districts_land.geojson"
OUT = "data/zones.geojson"


def local_projection(lon, lat):
    aeqd = pyproj.CRS.from_proj4(f"+proj=aeqd +lat_0={lat} +lon_0={lon} +datum=WGS84 +units=m")
    wgs = pyproj.CRS.from_epsg(4326)
    fwd = pyproj.Transformer.from_crs(wgs, aeqd, always_xy=True).transform
    inv = pyproj.Transformer.from_crs(aeqd, wgs, always_xy=True).transform
    return fwd, inv


def footprint(lon, lat, area_km2, land):
    fwd, inv = local_projection(lon, lat)
    land_m = transform(fwd, land)
    target = area_km2 * 1e6
    lo, hi = 10.0, 20000.0
    for _ in range(60):
        r = (lo + hi) / 2
        a = Point(0, 0).buffer(r, 64).intersection(land_m).area
        if a < target:
            lo = r
        else:
            hi = r
    r = (lo + hi) / 2
    poly = Point(0, 0).buffer(r, 64).intersection(land_m)
    # Keep only the part around the centre (clipping can leave islands).
    if poly.geom_type == "MultiPolygon":
        poly = max(poly.geoms, key=lambda g: g.area)
    return transform(inv, poly), r, poly.area / 1e6


def main():
    src = json.load(open(SRC, encoding="utf-8"))
    land = unary_union([shape(f["geometry"]) for f in json.load(open(LAND, encoding="utf-8"))["features"]])
    out = []
    for f in src["features"]:
        p = dict(f["properties"])
        g = f["geometry"]
        if g is None:
            p["geometry_quality"] = "none"
            p["geometry_note"] = "zone not identified: no location; load the official zone file"
        elif p.get("area_km2"):
            lon, lat = g["coordinates"]
            poly, r, area = footprint(lon, lat, p["area_km2"], land)
            p["geometry_quality"] = "approximate_footprint"
            p["centre_lon"], p["centre_lat"] = lon, lat
            p["footprint_radius_m"] = round(r)
            p["geometry_note"] = (
                f"APPROXIMATE: a circle of radius {round(r)} m around the approximate centre "
                f"(±{p.get('centre_confidence_m')} m), clipped to Shenzhen land, with the stated "
                f"planned area {p['area_km2']} km2 (clipped area {area:.2f} km2); not an official boundary"
            )
            g = mapping(poly)
            g = {"type": g["type"], "coordinates": json.loads(json.dumps(g["coordinates"]))}
            g["coordinates"] = round_coords(g["coordinates"])
        else:
            p["geometry_quality"] = "approximate_point"
            p["geometry_note"] = (
                f"APPROXIMATE: centre point only (±{p.get('centre_confidence_m')} m); no planned area stated, "
                "so no footprint is drawn"
            )
        out.append({"type": "Feature", "id": f.get("id"), "properties": p, "geometry": g})
    n_ident = sum(1 for f in out if f["properties"]["status"] != "unidentified")
    fc = {
        "type": "FeatureCollection",
        "name": "shenzhen_industry_cluster_zones_approximate",
        "metadata": {
            "crs": "WGS-84 lon/lat (EPSG:4326)",
            "status": f"DRAFT - {n_ident} of 15 zone slots identified; {15 - n_ident} unidentified slots with null geometry",
            "geometry": "ALL GEOMETRY IS APPROXIMATE: footprints are circles of the stated planned area around hand-placed centres, clipped to land; points are hand-placed centres. No official boundary was available.",
            "batch_definition": src["metadata"].get("batch_definition"),
            "made_by": "scripts/make_zones.py from scripts/zones_research.geojson (research compiled from the sources in each feature)",
        },
        "features": out,
    }
    with open(OUT, "w", encoding="utf-8") as fh:
        json.dump(fc, fh, ensure_ascii=False, indent=1)
        fh.write("\n")


def round_coords(c):
    if isinstance(c, (list, tuple)) and c and isinstance(c[0], (int, float)):
        return [round(c[0], 6), round(c[1], 6)]
    return [round_coords(x) for x in c]


if __name__ == "__main__":
    main()
