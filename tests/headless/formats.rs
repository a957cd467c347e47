//! The files planners receive, made by GDAL, openpyxl and pyproj (`scripts/make_format_fixtures.py`):
//! Shapefiles in CGCS2000 Gauss–Krüger with a GBK table, a zipped Shapefile, a CGCS2000
//! geographic Shapefile, a GeoPackage in EPSG:4526, KML, GeoJSON in EPSG:3857; firms as
//! WGS-84 CSV, X/Y in EPSG:4547, an Excel register in GCJ-02 with a title row, GeoPackage
//! points. Every combination must give the reference answer computed by shapely: the same
//! zone for every firm (except within 0.2 m of an edge) and nearest-zone metres within 1 m.

use crate::common;

use std::collections::HashMap;
use std::path::Path;

use common::{run, temp_dir};

const DIR: &str = "tests/fixtures/formats";

struct Ref {
    zone: Option<String>,
    nearest: String,
    nearest_m: f64,
    edge_m: f64,
}

fn reference() -> HashMap<String, Ref> {
    let text = std::fs::read_to_string(format!("{DIR}/reference.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v.as_object()
        .unwrap()
        .iter()
        .map(|(id, r)| {
            (
                id.clone(),
                Ref {
                    zone: r["zone"].as_str().map(String::from),
                    nearest: r["nearest"].as_str().unwrap().to_string(),
                    nearest_m: r["nearest_m"].as_f64().unwrap(),
                    edge_m: r["edge_m"].as_f64().unwrap(),
                },
            )
        })
        .collect()
}

/// Runs analyze and checks every firm against the reference.
fn check(name: &str, args: &[&str]) {
    let out = temp_dir(&format!("formats-{name}"));
    let o_dir = out.join("o");
    let mut all = vec!["analyze"];
    all.extend_from_slice(args);
    all.extend(["--out", o_dir.to_str().unwrap()]);
    let o = run(&all);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{name}: {err}");
    let reference = reference();
    let mut rd = csv::Reader::from_path(o_dir.join("firms.csv")).unwrap();
    let mut seen = 0;
    for rec in rd.records() {
        let rec = rec.unwrap();
        let (id, zone, nearest, metres) = (&rec[0], &rec[1], &rec[2], &rec[3]);
        let r = reference
            .get(id)
            .unwrap_or_else(|| panic!("{name}: unknown firm {id}"));
        seen += 1;
        if r.edge_m < 0.2 {
            continue;
        }
        assert_eq!(
            (!zone.is_empty()).then(|| zone.to_string()),
            r.zone,
            "{name}: firm {id} zone (edge {} m)",
            r.edge_m
        );
        assert_eq!(nearest, r.nearest, "{name}: firm {id} nearest zone");
        let m: f64 = metres.parse().unwrap();
        assert!(
            (m - r.nearest_m).abs() <= 1.0,
            "{name}: firm {id} nearest {m} m, reference {} m",
            r.nearest_m
        );
    }
    assert_eq!(seen, 300, "{name}: every firm loaded");
}

fn f(name: &str) -> String {
    format!("{DIR}/{name}")
}

#[test]
fn every_zone_format_gives_the_reference_answer() {
    let firms = f("firms_wgs84.csv");
    for (name, zones, extra) in [
        ("geojson", f("zones_wgs84.geojson"), vec![]),
        ("shp_gk114_gbk", f("zones_gk114.shp"), vec![]),
        ("shp_cgcs2000", f("zones_cgcs2000.shp"), vec![]),
        ("shp_zip", f("zones_gk114.zip"), vec![]),
        ("gpkg_4526", f("zones_4526.gpkg"), vec![]),
        (
            "kml",
            f("zones.kml"),
            vec!["--zone-id-field", "description"],
        ),
        ("geojson_3857", f("zones_3857.geojson"), vec![]),
    ] {
        let mut args = vec!["--zones", zones.as_str(), "--firms", firms.as_str()];
        args.extend(extra);
        check(name, &args);
    }
}

#[test]
fn every_firm_format_gives_the_reference_answer() {
    let zones = f("zones_wgs84.geojson");
    let (x, xlsx, gpkg) = (
        f("firms_4547.csv"),
        f("firms_gcj02.xlsx"),
        f("firms_4490.gpkg"),
    );
    for (name, args) in [
        (
            "csv_4547",
            vec![
                "--firms",
                x.as_str(),
                "--firms-crs",
                "epsg:4547",
                "--lon-col",
                "X",
                "--lat-col",
                "Y",
            ],
        ),
        (
            "csv_4547_detected_columns",
            vec!["--firms", x.as_str(), "--firms-crs", "epsg:4547"],
        ),
        (
            "xlsx_gcj02",
            vec!["--firms", xlsx.as_str(), "--firms-crs", "gcj02"],
        ),
        (
            "xlsx_by_sheet_name",
            vec![
                "--firms",
                xlsx.as_str(),
                "--firms-crs",
                "gcj02",
                "--sheet",
                "企业名录",
            ],
        ),
        ("gpkg_points", vec!["--firms", gpkg.as_str()]),
    ] {
        let mut all = vec!["--zones", zones.as_str()];
        all.extend(args);
        check(name, &all);
    }
}

#[test]
fn the_load_report_says_how_each_file_was_read() {
    let out = temp_dir("formats-report");
    let o = run(&[
        "analyze",
        "--zones",
        &f("zones_gk114.shp"),
        "--firms",
        &f("firms_gcj02.xlsx"),
        "--firms-crs",
        "gcj02",
        "--out",
        out.join("o").to_str().unwrap(),
    ]);
    assert!(o.status.success());
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("o/summary.json")).unwrap())
            .unwrap();
    let zones = &s["load_report"]["zones"];
    assert!(
        zones["crs_used"].as_str().unwrap().contains("EPSG:4547"),
        "{zones}"
    );
    assert!(zones["notes"].to_string().contains("GBK"), "{zones}");
    let names: Vec<&str> = s["zones"]
        .as_array()
        .unwrap()
        .iter()
        .map(|z| z["name_zh"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        names,
        vec!["测试甲区", "测试乙区", "测试丙区"],
        "GBK names decoded"
    );
    let firms = &s["load_report"]["firms"];
    assert!(
        firms["notes"].to_string().contains("header on row 3"),
        "{firms}"
    );
    assert!(
        firms["notes"].to_string().contains("深圳市 VR/AR 企业名录"),
        "{firms}"
    );
}

#[test]
fn bad_files_get_a_clear_message() {
    let out = temp_dir("formats-bad");
    let o_dir = out.join("o");
    let cases: Vec<(Vec<String>, &str)> = vec![
        (vec!["--zones".into(), f("bad/no_dbf.shp")], ".dbf"),
        (
            vec!["--zones".into(), f("bad/beijing54.shp")],
            "Beijing 1954",
        ),
        (vec!["--zones".into(), f("bad/no_prj.shp")], "epsg:4547"),
        (vec!["--firms".into(), f("bad/empty.xlsx")], "empty"),
        (
            vec!["--firms".into(), f("bad/not_a_workbook.xlsx")],
            "cannot open the workbook",
        ),
        (vec!["--firms".into(), f("firms_4547.csv")], "EPSG:4547"),
        (
            vec![
                "--firms".into(),
                f("firms_gcj02.xlsx"),
                "--sheet".into(),
                "nope".into(),
            ],
            "企业名录",
        ),
        (
            vec![
                "--zones".into(),
                f("zones_gk114.shp"),
                "--zones-crs".into(),
                "epsg:999999".into(),
            ],
            "epsg",
        ),
        (
            vec![
                "--firms".into(),
                f("firms_wgs84.csv"),
                "--firms-crs".into(),
                "epsg:2383".into(),
            ],
            "Xi'an 1980",
        ),
    ];
    for (args, expect) in cases {
        let mut all: Vec<&str> = vec!["analyze"];
        all.extend(args.iter().map(String::as_str));
        all.extend(["--out", o_dir.to_str().unwrap()]);
        let o = run(&all);
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!o.status.success(), "{args:?} should fail: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        let last = err.lines().last().unwrap_or("");
        assert!(last.starts_with("error: "), "{args:?}: {err}");
        assert!(
            last.contains(expect),
            "{args:?}: expected '{expect}' in: {last}"
        );
    }
    // A truncated .shp loads what it can and says the rest is missing.
    let o = run(&[
        "analyze",
        "--zones",
        &f("bad/truncated.shp"),
        "--out",
        o_dir.to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!err.contains("panicked"), "{err}");
    if o.status.success() {
        let s = std::fs::read_to_string(o_dir.join("summary.json")).unwrap();
        assert!(s.contains("ends early"), "{s}");
    } else {
        assert!(err.contains("truncated.shp"), "{err}");
    }
    assert!(Path::new(&f("bad/truncated.shp")).exists());
}

#[test]
fn an_official_zone_file_fills_the_matching_slots() {
    let dir = temp_dir("formats-slots");
    let official = dir.join("official.geojson");
    std::fs::write(
        &official,
        r#"{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"编号":"A1","名称":"深圳市龙华高新区"},"geometry":{"type":"Polygon","coordinates":[[[114.05,22.67],[114.09,22.67],[114.09,22.70],[114.05,22.70],[114.05,22.67]]]}},
{"type":"Feature","properties":{"编号":"A2","名称":"留仙洞片区"},"geometry":{"type":"Polygon","coordinates":[[[113.93,22.57],[113.95,22.57],[113.95,22.59],[113.93,22.59],[113.93,22.57]]]}},
{"type":"Feature","properties":{"编号":"A3","名称":"坪山聚龙山"},"geometry":{"type":"Polygon","coordinates":[[[114.33,22.69],[114.36,22.69],[114.36,22.71],[114.33,22.71],[114.33,22.69]]]}}]}"#,
    )
    .unwrap();
    let out = dir.join("completed.geojson");
    let o = run(&[
        "zones",
        "--zones",
        official.to_str().unwrap(),
        "--set",
        "Z09=A3",
        "--unset",
        "Z02",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let table = String::from_utf8_lossy(&o.stdout);
    assert!(table.contains("A1 深圳市龙华高新区 (100 %)"), "{table}");
    let fc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let feats = fc["features"].as_array().unwrap();
    assert_eq!(feats.len(), 15);
    let by_id = |id: &str| feats.iter().find(|f| f["properties"]["id"] == id).unwrap();
    assert_eq!(by_id("Z03")["properties"]["geometry_quality"], "from_file");
    assert_eq!(by_id("Z03")["geometry"]["coordinates"][0][0][0], 114.05);
    assert!(
        by_id("Z03")["properties"]["sources"][0]
            .as_str()
            .unwrap()
            .contains("official.geojson")
    );
    assert_eq!(by_id("Z09")["properties"]["geometry_quality"], "from_file");
    // Z02 was unset: it keeps its approximate point.
    assert_eq!(
        by_id("Z02")["properties"]["geometry_quality"],
        "approximate_point"
    );
    assert_eq!(
        by_id("Z01")["properties"]["geometry_quality"],
        "approximate_point"
    );
    // The completed file loads back and analyses with the filled slots.
    let o = run(&[
        "analyze",
        "--zones",
        out.to_str().unwrap(),
        "--out",
        dir.join("o").to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // The input is never the output.
    let o = run(&[
        "zones",
        "--zones",
        official.to_str().unwrap(),
        "--out",
        official.to_str().unwrap(),
    ]);
    assert!(!o.status.success());
}

/// Found by a fuzzer on the format readers: each aborted, panicked, overflowed the stack or
/// hung before.
#[test]
fn damaged_workbooks_and_kml_give_messages_not_crashes() {
    let out = temp_dir("formats-fuzz");
    let o_dir = out.join("o");
    for (args, expect) in [
        (
            vec!["--firms".to_string(), f("bad/far_cell.xlsx")],
            "rows ×",
        ),
        (
            vec!["--firms".to_string(), f("bad/huge_sst.xlsx")],
            "damaged",
        ),
        (vec!["--zones".to_string(), f("bad/deep.kml")], "deep"),
    ] {
        let mut all: Vec<&str> = vec!["analyze"];
        all.extend(args.iter().map(String::as_str));
        all.extend(["--out", o_dir.to_str().unwrap()]);
        let o = run(&all);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        let last = err.lines().last().unwrap_or("");
        assert!(
            last.starts_with("error: ") && last.contains(expect),
            "{args:?}: {last}"
        );
    }
    // A zone of 150,000 vertices is skipped with the reason; the others load.
    let ring: Vec<String> = (0..150_000)
        .map(|i| {
            let a = i as f64 / 150_000.0 * std::f64::consts::TAU;
            format!(
                "[{:.7},{:.7}]",
                114.0 + 0.01 * a.cos(),
                22.6 + 0.01 * a.sin()
            )
        })
        .collect();
    let zones = out.join("big.geojson");
    std::fs::write(
        &zones,
        format!(
            r#"{{"type":"FeatureCollection","features":[{{"type":"Feature","properties":{{"id":"BIG"}},"geometry":{{"type":"Polygon","coordinates":[[{},{}]]}}}},{{"type":"Feature","properties":{{"id":"OK"}},"geometry":{{"type":"Point","coordinates":[114.1,22.6]}}}}]}}"#,
            ring.join(","),
            ring[0]
        ),
    )
    .unwrap();
    let o = run(&[
        "analyze",
        "--zones",
        zones.to_str().unwrap(),
        "--out",
        o_dir.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let s = std::fs::read_to_string(o_dir.join("summary.json")).unwrap();
    assert!(s.contains("too_complex"), "the big zone is reported");
}

/// A KML whose text holds bytes that are not UTF-8 loads, and the load report warns of them
/// (a warning, as for a CSV or GeoJSON file: names may be garbled; it was a note), for firms
/// and for zones.
#[test]
fn kml_with_bytes_that_are_not_utf8_warns() {
    let dir = temp_dir("kml-malformed");
    let placemark = |name: &[u8], geometry: &str| {
        let mut p = b"<Placemark><name>".to_vec();
        p.extend_from_slice(name);
        p.extend_from_slice(format!("</name>{geometry}</Placemark>\n").as_bytes());
        p
    };
    let file = |placemarks: Vec<Vec<u8>>| {
        let mut k = b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<kml xmlns=\"http://www.opengis.net/kml/2.2\"><Document>\n".to_vec();
        placemarks.iter().for_each(|p| k.extend_from_slice(p));
        k.extend_from_slice(b"</Document></kml>\n");
        k
    };
    let point = "<Point><coordinates>114.05,22.55</coordinates></Point>";
    let square = "<Polygon><outerBoundaryIs><LinearRing><coordinates>114.0,22.5 114.1,22.5 114.1,22.6 114.0,22.6 114.0,22.5</coordinates></LinearRing></outerBoundaryIs></Polygon>";
    // Line 3 holds the bad byte; 200 Chinese names keep the file UTF-8.
    let good = "合成示例企业名称".as_bytes();
    let firms = dir.join("firms.kml");
    let mut marks = vec![placemark(b"a\xFFb", point)];
    marks.extend((0..200).map(|_| placemark(good, point)));
    std::fs::write(&firms, file(marks)).unwrap();
    let zones = dir.join("zones.kml");
    let mut marks = vec![placemark(b"z\xFE", square)];
    marks.extend((0..200).map(|_| placemark(good, square)));
    std::fs::write(&zones, file(marks)).unwrap();
    let warns = |report: &cluster_atlas::data::LoadReport| {
        let bad = "not valid UTF-8 on line 3";
        let (w, n) = (&report.warnings, &report.notes);
        let warned = w.iter().any(|w| w.contains(bad)) && !n.iter().any(|n| n.contains(bad));
        assert!(warned, "{report:?}");
    };
    let f = cluster_atlas::data::load_firms(&firms, &Default::default()).unwrap();
    assert_eq!(f.firms.len(), 201);
    warns(&f.report);
    let z = cluster_atlas::data::load_zones(&zones, &Default::default()).unwrap();
    assert_eq!(z.zones.len(), 201);
    warns(&z.report);
}
