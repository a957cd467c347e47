#!/usr/bin/env python3
"""Makes tests/fixtures/formats/: one independent zone set and 300 firms in the formats and
coordinate systems planners receive, written by GDAL (ogr2ogr), openpyxl and pyproj, plus the
reference answer (each firm's zone and nearest-zone distance) computed independently with
shapely and pyproj. The Rust test `tests/formats.rs` loads every file and compares.

Needs: gdal-bin (ogr2ogr), python3 with shapely, pyproj, openpyxl.
Run from the project root:  python3 scripts/make_format_fixtures.py
The zones and firms are SYNTHETIC test geometry, not real zones or companies.
"""
import csv
import json
import math
import os
import random
import re
import shutil
import subprocess
import zipfile

import openpyxl
import pyproj
from shapely.geometry import Point, shape
from shapely.ops import transform

OUT = "tests/fixtures/formats"
random.seed(20261130)

# Three test zones around Shenzhen (WGS-84): a square with a hole, a two-part zone, an L shape.
ZONES = {
    "type": "FeatureCollection",
    "features": [
        {"type": "Feature", "properties": {"code": "T1", "名称": "测试甲区", "year": 2017},
         "geometry": {"type": "Polygon", "coordinates": [
             [[113.93, 22.53], [113.97, 22.53], [113.97, 22.57], [113.93, 22.57], [113.93, 22.53]],
             [[113.945, 22.545], [113.955, 22.545], [113.955, 22.555], [113.945, 22.555], [113.945, 22.545]]]}},
        {"type": "Feature", "properties": {"code": "T2", "名称": "测试乙区", "year": 2018},
         "geometry": {"type": "MultiPolygon", "coordinates": [
             [[[114.05, 22.60], [114.08, 22.60], [114.08, 22.62], [114.05, 22.62], [114.05, 22.60]]],
             [[[114.10, 22.63], [114.12, 22.63], [114.12, 22.65], [114.10, 22.65], [114.10, 22.63]]]]}},
        {"type": "Feature", "properties": {"code": "T3", "名称": "测试丙区", "year": 2018},
         "geometry": {"type": "Polygon", "coordinates": [
             [[114.20, 22.68], [114.26, 22.68], [114.26, 22.70], [114.22, 22.70], [114.22, 22.74],
              [114.20, 22.74], [114.20, 22.68]]]}},
    ],
}


def ogr(*args):
    subprocess.run(["ogr2ogr", *args], check=True, capture_output=True)


def wgs_to(epsg):
    return pyproj.Transformer.from_crs(4326, epsg, always_xy=True).transform


def gcj_from_wgs(lon, lat):
    """GCJ-02 forward formula (the published one; the project checks its own against it)."""
    a, ee = 6378245.0, 0.00669342162296594323

    def tlat(x, y):
        r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
        r += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
        r += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
        r += (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
        return r

    def tlon(x, y):
        r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
        r += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
        r += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
        r += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
        return r

    dlat = tlat(lon - 105.0, lat - 35.0)
    dlon = tlon(lon - 105.0, lat - 35.0)
    radlat = lat / 180.0 * math.pi
    magic = 1 - ee * math.sin(radlat) ** 2
    sq = math.sqrt(magic)
    dlat = (dlat * 180.0) / ((a * (1 - ee)) / (magic * sq) * math.pi)
    dlon = (dlon * 180.0) / (a / sq * math.cos(radlat) * math.pi)
    return lon + dlon, lat + dlat


def main():
    shutil.rmtree(OUT, ignore_errors=True)
    os.makedirs(OUT)
    src = f"{OUT}/zones_wgs84.geojson"
    with open(src, "w", encoding="utf-8") as f:
        json.dump(ZONES, f, ensure_ascii=False)

    # Zones in the formats of issue 10.
    ogr("-f", "ESRI Shapefile", "-t_srs", "EPSG:4547", "-lco", "ENCODING=GBK",
        f"{OUT}/zones_gk114.shp", src)
    ogr("-f", "ESRI Shapefile", "-t_srs", "EPSG:4490", "-lco", "ENCODING=UTF-8",
        f"{OUT}/zones_cgcs2000.shp", src)
    with zipfile.ZipFile(f"{OUT}/zones_gk114.zip", "w") as z:
        for ext in ["shp", "shx", "dbf", "prj", "cpg"]:
            p = f"{OUT}/zones_gk114.{ext}"
            if os.path.exists(p):
                z.write(p, f"boundaries/zones_gk114.{ext}")
    ogr("-f", "GPKG", "-t_srs", "EPSG:4526", "-nln", "zones", f"{OUT}/zones_4526.gpkg", src)
    ogr("-f", "KML", f"{OUT}/zones.kml", src, "-dsco", "NameField=名称", "-dsco", "DescriptionField=code")
    ogr("-f", "GeoJSON", "-t_srs", "EPSG:3857", "-lco", "RFC7946=NO",
        f"{OUT}/zones_3857.geojson", src)

    # Firms: 300 points around the zones, some inside each, a few in the hole.
    zones = [(f["properties"]["code"], shape(f["geometry"])) for f in ZONES["features"]]
    firms = []
    for i in range(300):
        if i % 3 == 0:
            code, z = zones[(i // 3) % 3]
            minx, miny, maxx, maxy = z.bounds
            lon, lat = random.uniform(minx, maxx), random.uniform(miny, maxy)
        else:
            lon, lat = random.uniform(113.88, 114.30), random.uniform(22.50, 22.78)
        firms.append({"id": f"F{i:03d}", "name": f"测试企业{i:03d}", "lon": round(lon, 7),
                      "lat": round(lat, 7), "founded": 2010 + i % 14})

    # Reference: zone by containment, nearest distance in a local azimuthal-equidistant plane.
    aeqd = pyproj.CRS.from_proj4("+proj=aeqd +lat_0=22.62 +lon_0=114.08 +datum=WGS84 +units=m")
    to_m = pyproj.Transformer.from_crs(4326, aeqd, always_xy=True).transform
    zones_m = [(c, transform(to_m, z)) for c, z in zones]
    ref = {}
    for f in firms:
        p = Point(f["lon"], f["lat"])
        inside = sorted(c for c, z in zones if z.contains(p))
        pm = Point(*to_m(f["lon"], f["lat"]))
        dists = sorted((zm.distance(pm), c) for c, zm in zones_m)
        edge = min(zm.boundary.distance(pm) for _, zm in zones_m)
        ref[f["id"]] = {"zone": inside[0] if inside else None, "nearest": dists[0][1],
                        "nearest_m": round(dists[0][0], 3), "edge_m": round(edge, 3)}
    with open(f"{OUT}/reference.json", "w", encoding="utf-8") as fh:
        json.dump(ref, fh, ensure_ascii=False, indent=0, sort_keys=True)

    with open(f"{OUT}/firms_wgs84.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "name", "lon", "lat", "founded"])
        for f in firms:
            w.writerow([f["id"], f["name"], f["lon"], f["lat"], f["founded"]])

    # CSV with projected X/Y in CGCS2000 3° GK CM 114E.
    gk = wgs_to(4547)
    with open(f"{OUT}/firms_4547.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "企业名称", "X", "Y"])
        for f in firms:
            x, y = gk(f["lon"], f["lat"])
            w.writerow([f["id"], f["name"], f"{x:.3f}", f"{y:.3f}"])

    # Excel register: a title and a note above the header, Chinese headers, GCJ-02, real dates.
    import datetime
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "企业名录"
    ws.append(["深圳市 VR/AR 企业名录（测试数据，非真实企业）"])
    ws.append(["说明：坐标为高德地图（GCJ-02）"])
    ws.append(["统一社会信用代码", "企业名称", "经度", "纬度", "成立日期", "注册资本（万元）"])
    for f in firms:
        glon, glat = gcj_from_wgs(f["lon"], f["lat"])
        ws.append([f["id"], f["name"], round(glon, 7), round(glat, 7),
                   datetime.date(f["founded"], 3, 15), 100 + int(f["id"][1:])])
    ws2 = wb.create_sheet("说明")
    ws2.append(["本表为测试数据"])
    wb.save(f"{OUT}/firms_gcj02.xlsx")

    # GeoPackage points (EPSG:4490), via GeoJSON.
    pts = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"id": f["id"], "name": f["name"]},
         "geometry": {"type": "Point", "coordinates": [f["lon"], f["lat"]]}} for f in firms]}
    with open(f"{OUT}/_pts.geojson", "w", encoding="utf-8") as fh:
        json.dump(pts, fh, ensure_ascii=False)
    ogr("-f", "GPKG", "-t_srs", "EPSG:4490", "-nln", "firms", f"{OUT}/firms_4490.gpkg",
        f"{OUT}/_pts.geojson")
    os.remove(f"{OUT}/_pts.geojson")

    # Bad files: a Shapefile without its .dbf, a truncated .shp, an unknown .prj, an empty
    # workbook, a workbook that is not one.
    os.makedirs(f"{OUT}/bad", exist_ok=True)
    for ext in ["shp", "shx", "prj"]:
        shutil.copy(f"{OUT}/zones_gk114.{ext}", f"{OUT}/bad/no_dbf.{ext}")
    for ext in ["shx", "dbf", "prj", "cpg"]:
        shutil.copy(f"{OUT}/zones_gk114.{ext}", f"{OUT}/bad/truncated.{ext}")
    with open(f"{OUT}/zones_gk114.shp", "rb") as fh:
        data = fh.read()
    with open(f"{OUT}/bad/truncated.shp", "wb") as fh:
        fh.write(data[: len(data) // 2])
    for ext in ["shp", "shx", "dbf"]:
        shutil.copy(f"{OUT}/zones_gk114.{ext}", f"{OUT}/bad/beijing54.{ext}")
    with open(f"{OUT}/bad/beijing54.prj", "w") as fh:
        fh.write(pyproj.CRS.from_epsg(2435).to_wkt("WKT1_ESRI"))
    for ext in ["shp", "shx", "dbf"]:
        shutil.copy(f"{OUT}/zones_gk114.{ext}", f"{OUT}/bad/no_prj.{ext}")
    wb = openpyxl.Workbook()
    wb.save(f"{OUT}/bad/empty.xlsx")
    with open(f"{OUT}/bad/not_a_workbook.xlsx", "wb") as fh:
        fh.write(b"PK\x03\x04 this is not really a workbook")
    # A stray cell far away (the reader would lay out 17 billion cells) and a shared-string
    # count far beyond the file (the reader would reserve 100 GB).
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["id", "lon", "lat"])
    ws.append(["A", 114.0, 22.5])
    ws["XFD1048576"] = "stray"
    wb.save(f"{OUT}/bad/far_cell.xlsx")
    with zipfile.ZipFile(f"{OUT}/firms_gcj02.xlsx") as src, \
            zipfile.ZipFile(f"{OUT}/bad/huge_sst.xlsx", "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/sharedStrings.xml":
                data = re.sub(rb'uniqueCount="\d+"', b'uniqueCount="4294967295"', data)
                data = re.sub(rb' count="\d+"', b' count="4294967295"', data)
            dst.writestr(item, data)
        if "xl/sharedStrings.xml" not in src.namelist():
            dst.writestr("xl/sharedStrings.xml",
                         '<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.'
                         'openxmlformats.org/spreadsheetml/2006/main" count="4294967295" '
                         'uniqueCount="4294967295"><si><t>x</t></si></sst>')
    # KML nested 5,000 folders deep.
    with open(f"{OUT}/bad/deep.kml", "w") as fh:
        fh.write('<kml xmlns="http://www.opengis.net/kml/2.2">' + "<Folder>" * 5000
                 + "</Folder>" * 5000 + "</kml>")


if __name__ == "__main__":
    main()
