//! Every text a corpus of awkward and broken files gives (errors, warnings, notes, skipped
//! rows' reasons), loaded as firms and as zones, reads in Chinese in the 中文 window.

use super::reasons::to_chinese;
use crate::data::{FirmLoadOptions, load_firms, load_zones};

/// Files as planners receive them when something is off, one problem each or a few.
const CORPUS: &[(&str, &str)] = &[
    (
        "stray.csv",
        "id,name,lon,lat\n1,\"a,114.0,22.5\n2,b,114.1,22.6\n",
    ),
    ("dupcols.csv", "id,lon,lat,lon\n1,114,22.5,114\n"),
    ("noheader.csv", "114.05,22.54\n114.06,22.55\n"),
    ("gcj.csv", "id,gcj_lng,gcj_lat\n1,114.05,22.54\n"),
    ("far.csv", "id,lon,lat\n1,114.05,22.54\n2,116.4,39.9\n"),
    ("proj.csv", "id,x,y\n1,500000,2500000\n2,500100,2500100\n"),
    ("mixed.csv", "id,lon,lat\n1,114.05,22.54\n2,22.54,114.05\n"),
    (
        "dates.csv",
        "id,lon,lat,成立日期\n1,114.05,22.54,2018-13-45\n2,114.06,22.55,x\n",
    ),
    ("allbad.csv", "id,lon,lat\n1,abc,def\n2,x,y\n"),
    (
        "titles.csv",
        "Report\nGenerated 2024\nid,lon,lat\n1,114.05,22.54\n",
    ),
    ("empty.csv", ""),
    (
        "blankids.csv",
        "id,lon,lat\n,114.05,22.54\nA,114.06,22.55\nA,114.07,22.56\n",
    ),
    (
        "rtable.txt",
        "\"name\" \"lon\" \"lat\"\n\"1\" \"a b\" 114.05 22.54\n\"2\" \"c\" 114.06 22.55\n",
    ),
    (
        "guarded.csv",
        "id,lon,lat\n=\"1\",=\"114.05\",=\"22.54\"\n=\"2\",=\"\",=\"22.5\"\n",
    ),
    ("onlyheader.csv", "id,lon,lat\n"),
    (
        "bad.kml",
        "<kml xmlns=\"http://www.opengis.net/kml/2.2\"><Document>\
         <Placemark><name>a</name><Point><coordinates>abc</coordinates></Point></Placemark>\
         <Placemark><name>b</name><LineString><coordinates>114,22 115,23</coordinates>\
         </LineString></Placemark><Placemark><name>c</name><Point><coordinates>114.05,22.54\
         </coordinates></Point></Placemark></Document></kml>",
    ),
    ("notxml.kml", "<kml><Document><Placemark>"),
    (
        "broken.geojson",
        r#"{"type":"FeatureCollection","features":[{"type":"Feature" "x"}]}"#,
    ),
    ("notfc.geojson", r#"{"type":"Topology","objects":{}}"#),
    ("arr.geojson", "[1,2]"),
    (
        "amap.json",
        r#"{"status":"1","pois":[{"name":"a","location":"114.05,22.54"},{"name":"b","location":"x"}]}"#,
    ),
    ("rows.json", r#"[{"name":"a","lng":114.05,"lat":22.54}]"#),
    (
        "seq.geojsons",
        "\u{1e}{\"type\":\"Feature\",\"properties\":{},\"geometry\":{\"type\":\"Point\",\"coordinates\":[114,22.5]}}\n",
    ),
    (
        "postgis.csv",
        "id,geom\n1,SRID=4547;POINT(500000 2500000)\n2,0101000000\n\
         3,0101000000000000000000F87F000000000000F87F\n",
    ),
    ("nofeat.geojson", r#"{"type":"FeatureCollection"}"#),
    (
        "badcrs.geojson",
        r#"{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::9999"}},"features":[]}"#,
    ),
    (
        "lines.geojson",
        r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"LineString","coordinates":[[114,22],[115,23]]}}]}"#,
    ),
    (
        "projected.geojson",
        r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[500000,2500000],[501000,2500000],[501000,2501000],[500000,2500000]]]}}]}"#,
    ),
];

/// One feature of each geometry problem, read as zones and as firms.
const FEATURES: &[&str] = &[
    r#"{"type":"Polygon","coordinates":[[[114.0,22.5],[114.1,22.5],[114.1,22.6],[114.0,22.5]]]}"#,
    r#"{"type":"LineString","coordinates":[[114,22],[115,23]]}"#,
    r#"{"type":"Polygon","coordinates":[]}"#,
    r#"{"type":"Polygon","coordinates":[[[114,22.5],[114.1,22.5],[114,22.5]]]}"#,
    r#"{"type":"Polygon","coordinates":[[[114.0,22.5],[114.1,22.5],[114.1,22.6],[114.0,22.5]],[[114.01,22.51],[114.02,22.51],[114.01,22.51]]]}"#,
    r#"{"type":"MultiPolygon","coordinates":[]}"#,
    r#"{"type":"Point","coordinates":[22.5,114.05]}"#,
    r#"{"type":"Point","coordinates":[0,0]}"#,
    r#"{"type":"Point","coordinates":[500000,2500000]}"#,
    r#"{"type":"Point","coordinates":[114050000000,22540000000]}"#,
    r#"{"type":"Point","coordinates":[400,95]}"#,
    r#"{"type":"Point","coordinates":[114.05]}"#,
    r#"{"type":"Point","coordinates":[114050000,22540000]}"#,
    r#"{"type":"Point","coordinates":"x"}"#,
    "null",
];

/// Every text of loading `path` as firms and as zones.
fn texts_of(path: &std::path::Path) -> Vec<String> {
    let mut texts = Vec::new();
    let mut add = |r: &crate::data::LoadReport| {
        texts.extend(r.warnings.iter().chain(&r.notes).cloned());
        texts.extend(r.skipped.iter().map(|s| s.reason.clone()));
    };
    let mut errors = Vec::new();
    match load_firms(path, &FirmLoadOptions::default()) {
        Ok(f) => add(&f.report),
        Err(e) => errors.push(e.to_string()),
    }
    match load_zones(path, &Default::default()) {
        Ok(z) => add(&z.report),
        Err(e) => errors.push(e.to_string()),
    }
    texts.extend(errors);
    texts
}

#[test]
fn every_text_of_a_corpus_of_awkward_files_reads_in_chinese() {
    let dir = std::env::temp_dir().join(format!("ca-corpus-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut paths: Vec<std::path::PathBuf> = CORPUS
        .iter()
        .map(|(name, text)| {
            let p = dir.join(name);
            std::fs::write(&p, text).unwrap();
            p
        })
        .collect();
    let features: Vec<String> = FEATURES
        .iter()
        .enumerate()
        .map(|(i, g)| {
            format!(r#"{{"type":"Feature","properties":{{"id":"Z{i}"}},"geometry":{g}}}"#)
        })
        .collect();
    let collection = format!(
        r#"{{"type":"FeatureCollection","features":[{}]}}"#,
        features.join(",")
    );
    paths.push(dir.join("features.geojson"));
    std::fs::write(dir.join("features.geojson"), collection).unwrap();
    // UTF-8 with one stray byte, and cut short inside a character after another.
    let rows = "名称,lon,lat\n".to_string() + &"深圳示例科技,114.05,22.54\n".repeat(60);
    for (name, junk) in [
        ("onebad.csv", &[0xFFu8][..]),
        ("twobad.csv", &[0xFF, b'\n', 0xE6]),
    ] {
        paths.push(dir.join(name));
        std::fs::write(dir.join(name), [rows.as_bytes(), junk].concat()).unwrap();
    }
    let bad = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/formats/bad");
    for e in std::fs::read_dir(bad).unwrap() {
        paths.push(e.unwrap().path());
    }
    let mut seen = 0;
    for p in &paths {
        for en in texts_of(p) {
            let zh = to_chinese(&en).unwrap_or_else(|| panic!("no Chinese for {en}"));
            for english in [
                "loaded",
                "skipped",
                "first:",
                "zone '",
                "feature 1",
                "line 2:",
            ] {
                assert!(!zh.contains(english), "{english} left in {zh}");
            }
            seen += 1;
        }
    }
    std::fs::remove_dir_all(&dir).ok();
    assert!(seen > 60, "{seen}");
}
