#!/usr/bin/env python3
"""Makes data/prd_land.geojson: land of mainland China, Hong Kong and Macau around the Pearl
River estuary, clipped from OpenStreetMap's coastline as packaged by the npm package
@geo-maps/countries-coastline-1m 0.6.0 (ODbL), simplified for drawing.

    npm pack @geo-maps/countries-coastline-1m@0.6.0 && tar xzf geo-maps-*.tgz
    python3 -m venv /tmp/venv && /tmp/venv/bin/pip install shapely
    /tmp/venv/bin/python scripts/make_land.py package/map.geo.json data/prd_land.geojson

The inner box (Shenzhen and its neighbours) keeps vertices every ~150 m; the ring around it,
only there so a zoomed-out map has no edge, every ~600 m.
"""
import json
import sys

from shapely.geometry import box, mapping, shape
from shapely.ops import unary_union

OUTER = (112.5, 21.4, 115.9, 23.9)  # lon/lat box the file covers
INNER = (113.55, 22.05, 114.85, 23.0)  # Shenzhen and its neighbours, finer
KEEP = {"CHN", "HKG", "MAC"}


def rounded(geom):
    def r(c):
        if isinstance(c[0], (int, float)):
            return [round(c[0], 5), round(c[1], 5)]
        return [r(x) for x in c]

    g = mapping(geom)
    return {"type": g["type"], "coordinates": r(g["coordinates"])}


def main(src, dst):
    world = json.load(open(src, encoding="utf-8"))
    outer, inner = box(*OUTER), box(*INNER)
    feats = []
    for f in world["features"]:
        a3 = f["properties"].get("A3")
        if a3 not in KEEP:
            continue
        g = shape(f["geometry"])
        if not g.intersects(outer):
            continue
        clipped = g.intersection(outer)
        fine = clipped.intersection(inner).simplify(0.0015, preserve_topology=True)
        coarse = clipped.difference(inner).simplify(0.006, preserve_topology=True)
        land = unary_union([fine, coarse]).buffer(0)
        # Drop specks smaller than ~0.05 km² that only cost vertices.
        if land.geom_type == "Polygon":
            parts = [land]
        else:
            parts = list(land.geoms)
        parts = [p for p in parts if p.area > 5e-6]
        if not parts:
            continue
        merged = unary_union(parts)
        if merged.geom_type == "Polygon":
            from shapely.geometry import MultiPolygon

            merged = MultiPolygon([merged])
        feats.append({"type": "Feature", "properties": {"A3": a3}, "geometry": rounded(merged)})
    out = {
        "type": "FeatureCollection",
        "coverage": {"west": OUTER[0], "south": OUTER[1], "east": OUTER[2], "north": OUTER[3]},
        "features": sorted(feats, key=lambda f: f["properties"]["A3"]),
    }
    with open(dst, "w", encoding="utf-8") as fh:
        json.dump(out, fh, ensure_ascii=False, separators=(",", ":"))
    print(dst, [f["properties"]["A3"] for f in feats])


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
