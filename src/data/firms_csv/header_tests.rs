//! Title lines above a header, pair columns and missing-value markers: streamed as loaded
//! whole (the oracle), line numbers the file's own.
use super::stream_tests::{assert_same, assert_same_with, awkward, streamed};
use super::*;

#[test]
fn a_title_above_the_header_is_skipped_and_lines_keep_their_numbers() {
    let body = awkward(200, false, 3);
    let text = format!("深圳市企业名录（合成示例）,,,\n\n注：坐标为 WGS-84\n{body}");
    for (step, window) in [(7, 300), (64, 1000)] {
        assert_same(&text, step, window);
    }
    // A first window too short to hold the header is left to the whole loader.
    assert!(
        streamed(&text, 1, 1, &FirmLoadOptions::default())
            .got
            .is_none()
    );
    let titled = load_firms_csv_bytes(text.as_bytes(), "f.csv", &Default::default()).unwrap();
    let plain = load_firms_csv_bytes(body.as_bytes(), "f.csv", &Default::default()).unwrap();
    assert!(
        titled.report.notes.iter().any(|n| n
            .starts_with("header on line 4: the 3 line(s) above it skipped")
            && n.contains("'深圳市企业名录（合成示例）'")),
        "{:?}",
        titled.report.notes
    );
    // The oracle: the same rows without the three lines above, numbered three lines earlier.
    let lines = |f: &crate::data::LoadedFirms| -> Vec<u64> {
        f.report.skipped.iter().filter_map(|s| s.line).collect()
    };
    assert!(!lines(&plain).is_empty());
    let shifted: Vec<u64> = lines(&plain).iter().map(|l| l + 3).collect();
    assert_eq!(lines(&titled), shifted);
    assert_eq!(titled.firms.lonlat, plain.firms.lonlat);
    // No line below names the columns: the first line's error stands.
    let err = load_firms_csv_bytes(
        "名录\nid,name\n1,a\n".as_bytes(),
        "f.csv",
        &Default::default(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("[名录]"), "{err}");
}

#[test]
fn titles_notes_pair_columns_and_missing_markers_stream_as_they_load_whole() {
    // A blank line between the title and a tab-separated header, and a note naming the
    // coordinates above it: neither is taken for the header.
    let mut tsv = String::from(
        "深圳市企业名录（合成示例）\n\n注：经度、纬度为 WGS-84\n编号\t企业名称\t经度\t纬度\n",
    );
    let mut pairs = String::from("Longitude, latitude in WGS-84\nid,name,location,founded\n");
    for k in 0..300 {
        let (lon, lat) = (
            113.8 + (k % 97) as f64 * 0.005,
            22.5 + (k % 89) as f64 * 0.003,
        );
        tsv.push_str(&format!("{k}\t企业{k}\t{lon:.5}\t{lat:.5}\n"));
        let loc = match k % 6 {
            0 => format!("\"{lon:.5},{lat:.5}\""),
            1 => format!("POINT ({lon:.5} {lat:.5})"),
            2 => format!("\"{lat:.5}, {lon:.5}\""),
            3 => "NA".to_string(),
            4 => "#N/A".to_string(),
            _ => format!("{lon:.5} {lat:.5}"),
        };
        let founded = ["2015", "NA", "不详", "soon"][k % 4];
        pairs.push_str(&format!("{k},企业{k},{loc},{founded}\n"));
    }
    let whole = load_firms_csv_bytes(tsv.as_bytes(), "f.csv", &Default::default()).unwrap();
    assert_eq!(whole.firms.len(), 300);
    assert_eq!(whole.report.delimiter.as_deref(), Some("tab"));
    let whole = load_firms_csv_bytes(pairs.as_bytes(), "f.csv", &Default::default()).unwrap();
    assert_eq!(whole.firms.len(), 200);
    assert_eq!(whole.report.skipped_count, 100);
    for (step, window) in [(5, 200), (1, 150), (333, 4096)] {
        assert_same(&tsv, step, window);
        assert_same(&pairs, step, window);
        let bom = format!("\u{feff}{tsv}");
        assert_same(&bom, step, window);
        let (gbk, _, _) = encoding_rs::GBK.encode(&tsv);
        assert_same_with(&*gbk, step, window, &FirmLoadOptions::default());
    }
}

/// Another program's headers: the id, name, segment and founding and closing columns are
/// found by their words, and read as they would be under the exact names (the oracle: the
/// same file with the exact headers).
#[test]
fn other_programs_headers_are_found_by_their_words() {
    let rows = "A1,甲,114.05,22.54,hardware,2015-03-01,\nA2,乙,114.06,22.55,content,2018-07-09,2021-01-02\n";
    let load = |header: &str| {
        let text = format!("{header}\n{rows}");
        let f = load_firms_csv_bytes(text.as_bytes(), "f.csv", &Default::default()).unwrap();
        let times =
            crate::data::dates::detect_times(&f.firms, None, &mut f.report.clone()).unwrap();
        (f, times)
    };
    let (exact, exact_times) = load("id,name,lon,lat,segment,成立日期,注销日期");
    for header in [
        "FirmID,FirmName,Longitude,Latitude,industry_segment,date founded,date_closed",
        "企业编号,机构名称,经度,纬度,产业环节,设立时间,停业日期",
        "ent_id,ent_name,lng,lat,sub-sector,reg_date,dissolution_year",
    ] {
        let (f, times) = load(header);
        let roles: Vec<&str> = f.report.columns.keys().map(String::as_str).collect();
        assert_eq!(roles, ["id", "lat", "lon", "name", "segment"], "{header}");
        assert_eq!(f.firms.id(1), exact.firms.id(1), "{header}");
        assert_eq!(f.firms.name(1), exact.firms.name(1), "{header}");
        assert_eq!(
            f.firms.segment_name(1),
            exact.firms.segment_name(1),
            "{header}"
        );
        assert_eq!(times.founded, exact_times.founded, "{header}");
        assert_eq!(times.closed, exact_times.closed, "{header}");
    }
    assert_eq!(exact_times.founded, [2015, 2018]);
    assert_eq!(exact_times.closed, [0, 2021]);
}

fn load_plain(text: &str) -> Result<LoadedFirms, LoadError> {
    load_firms_csv_bytes(text.as_bytes(), "f.csv", &FirmLoadOptions::default())
}

#[test]
fn a_repeated_header_reads_the_first_and_says_so() {
    let f = load_plain("id,lon,lat,lon,lat\n1,114.05,22.54,0,0\n").unwrap();
    assert_eq!(f.firms.lonlat[0], crate::model::LonLat::new(114.05, 22.54));
    let notes: Vec<&String> = f
        .report
        .notes
        .iter()
        .filter(|n| n.contains("more than once"))
        .collect();
    assert_eq!(notes.len(), 2, "{:?}", f.report.notes);
    assert!(
        notes[0].contains("'lon'") && notes[0].contains("--lon-col 4"),
        "{}",
        notes[0]
    );
    // Given by its number, the second pair is read and the note names it.
    let opts = FirmLoadOptions {
        lon_col: Some("4".into()),
        lat_col: Some("5".into()),
        ..Default::default()
    };
    let text = "id,lon,lat,lon,lat\n1,0,0,114.06,22.55\n";
    let f = load_firms_csv_bytes(text.as_bytes(), "f.csv", &opts).unwrap();
    assert_eq!(f.firms.lonlat[0], crate::model::LonLat::new(114.06, 22.55));
    assert!(
        f.report
            .notes
            .iter()
            .any(|n| n.contains("column 4 is read")),
        "{:?}",
        f.report.notes
    );
    // Distinct headers give no such note.
    assert!(
        load_plain("id,lon,lat\n1,114.05,22.54\n")
            .unwrap()
            .report
            .notes
            .iter()
            .all(|n| !n.contains("more than once"))
    );
}

/// A founding column the user names (by name or number) is read instead of the one found by
/// its header, in CSV and GeoJSON alike; a name not in the header is an error naming it.
#[test]
fn a_named_founding_column_is_read() {
    let text = "id,lon,lat,成立日期,变更日期\n1,114.05,22.54,2015-01-01,2019-06-30\n";
    let years = |opts: &FirmLoadOptions| {
        let f = load_firms_csv_bytes(text.as_bytes(), "f.csv", opts).unwrap();
        f.times.map(|t| (t.founded_col.clone(), t.founded.clone()))
    };
    assert_eq!(
        years(&FirmLoadOptions::default()),
        Some(("成立日期".to_string(), vec![2015]))
    );
    for given in ["变更日期", "5"] {
        let opts = FirmLoadOptions {
            founded_col: Some(given.into()),
            ..Default::default()
        };
        assert_eq!(
            years(&opts),
            Some(("变更日期".to_string(), vec![2019])),
            "{given}"
        );
    }
    let opts = FirmLoadOptions {
        founded_col: Some("开业日期".into()),
        ..Default::default()
    };
    let err = load_firms_csv_bytes(text.as_bytes(), "f.csv", &opts).unwrap_err();
    assert!(err.to_string().contains("'开业日期'"), "{err}");
    // GeoJSON points: the properties are the columns.
    let geo = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"1","成立日期":"2015-01-01","变更日期":"2019-06-30"},"geometry":{"type":"Point","coordinates":[114.05,22.54]}}]}"#;
    let opts = FirmLoadOptions {
        founded_col: Some("变更日期".into()),
        ..Default::default()
    };
    let f = crate::data::load_firms_geojson_str(geo, "f.geojson", &opts).unwrap();
    assert_eq!(f.times.map(|t| t.founded.clone()), Some(vec![2019]));
}

/// A file with no header, latitude before longitude, one bad row: read from its first line
/// as the same rows under a header are (the oracle), the bad row reported on its own line,
/// streamed alike; converted without a header line added.
#[test]
fn a_file_without_a_header_is_read_from_its_first_line() {
    let mut body = String::new();
    for k in 0..500u32 {
        let (lat, lon) = (
            22.5 + f64::from(k % 37) * 0.003,
            114.0 + f64::from(k) * 0.001,
        );
        if k == 6 {
            body.push_str("S6,坏行,abc,114.1,VR\n");
        } else {
            body.push_str(&format!("S{k},示例{k},{lat:.4},{lon:.4},VR\n"));
        }
    }
    let headed = format!("id,name,lat,lon,segment\n{body}");
    let opts = FirmLoadOptions::default();
    let want = load_firms_csv_bytes(headed.as_bytes(), "f.csv", &opts).unwrap();
    let got = load_firms_csv_bytes(body.as_bytes(), "f.csv", &opts).unwrap();
    assert_eq!(want.firms.len(), 499);
    assert_eq!(got.firms.lonlat, want.firms.lonlat);
    // Every field is kept under its made-up name (`column 2` holds the names).
    assert_eq!(got.firms.attrs.get(0, 1), "示例0");
    let lines = |f: &crate::data::LoadedFirms| -> Vec<u64> {
        f.report.skipped.iter().filter_map(|s| s.line).collect()
    };
    assert_eq!(lines(&got), [7]);
    assert_eq!(lines(&want), [8]);
    assert!(
        got.report.notes.iter().any(|n| n.contains("no header")
            && n.contains("longitude read from column 4 and latitude from column 3")),
        "{:?}",
        got.report.notes
    );
    assert_same(&body, 7, 300);
    let (out, report) = crate::data::convert_csv(
        body.as_bytes(),
        "f.csv",
        crate::model::SourceCrs::Wgs84,
        crate::model::SourceCrs::Gcj02,
        &opts,
    )
    .unwrap();
    assert_eq!(report.loaded, 499);
    let out = String::from_utf8(out).unwrap();
    assert_eq!(out.lines().count(), 500);
    assert!(out.starts_with("S0,示例0,22.") && !out.starts_with("S0,示例0,22.5000,"));
}

/// A header the loader does not understand, or first lines without decimals, are not taken
/// for data: the columns must still be named.
#[test]
fn a_header_or_whole_numbers_are_not_taken_for_data() {
    for text in [
        "a,b,c\n1,114.05,22.54\n2,114.06,22.55\n",
        "1,114,22\n2,114,23\n",
        "114.05,22.54\n114.06\n",
        "114.05,22.54\n",
        "500000.5,2500000.5\n500001.5,2500001.5\n",
    ] {
        let e = load_firms_csv_bytes(text.as_bytes(), "f.csv", &FirmLoadOptions::default());
        assert!(
            matches!(e, Err(LoadError::NoCoordinateColumns { .. })),
            "{text:?}: {:?}",
            e.map(|f| f.report.notes)
        );
    }
}
