//! Tests of the parent module.
use super::*;
use crate::model::LonLat;
use crate::model::SourceCrs;

fn load(text: &str) -> Result<LoadedFirms, LoadError> {
    load_firms_csv_bytes(text.as_bytes(), "firms.csv", &FirmLoadOptions::default())
}

#[test]
fn detects_english_and_chinese_headers() {
    for (h, lon, lat) in [
        ("id,name,lng,lat", 2, 3),
        ("企业名称,经度,纬度", 1, 2),
        ("Name,Longitude,Latitude", 1, 2),
        ("名称,经度(GCJ02),纬度(GCJ02)", 1, 2),
        ("x,y,name", 0, 1),
    ] {
        let headers: Vec<String> = h.split(',').map(String::from).collect();
        let c = detect_columns(&headers, &FirmLoadOptions::default(), "f").unwrap();
        assert_eq!((c.lon, c.lat), (lon, lat), "{h}");
    }
}

#[test]
fn semicolon_and_tab_with_comma_decimals() {
    let f = load("id;lon;lat\n1;114,05;22,5\n").unwrap();
    assert_eq!(f.firms.lonlat[0], LonLat::new(114.05, 22.5));
    assert_eq!(f.report.delimiter.as_deref(), Some("semicolon"));
    let f = load("id\tlon\tlat\n1\t114.05\t22.5\n").unwrap();
    assert_eq!(f.firms.len(), 1);
}

#[test]
fn gbk_file_loads() {
    let (b, _, _) = encoding_rs::GBK.encode("编号,企业名称,经度,纬度\n1,深圳示例,114.05,22.54\n");
    let f = load_firms_csv_bytes(&b, "g.csv", &FirmLoadOptions::default()).unwrap();
    assert_eq!(f.firms.name(0), "深圳示例");
    assert_eq!(f.report.encoding.as_deref(), Some("gbk"));
}

#[test]
fn bad_rows_are_reported_with_line_numbers() {
    let text = "id,lon,lat\n1,114.0,22.5\n2,abc,22.5\n3,22.5,114.0\n4,NaN,22\n5,,22\n\n6,114.1,22.6\n7,500000,2500000\n";
    let f = load(text).unwrap();
    assert_eq!(f.firms.len(), 2);
    let lines: Vec<(u64, &str)> = f
        .report
        .skipped
        .iter()
        .map(|s| (s.line.unwrap(), s.kind.as_str()))
        .collect();
    assert_eq!(
        lines,
        vec![
            (3, "unparsable"),
            (4, "swapped"),
            (5, "not_finite"),
            (6, "missing"),
            (9, "projected")
        ]
    );
}

#[test]
fn an_unclosed_quote_costs_one_row_not_the_rest_of_the_file() {
    let text = "id,name,lon,lat\n1,\"ok, fine\",114.0,22.5\n2,\"broken,114.1,22.5\n\
                3,c,114.2,22.5\n4,d,abc,22.5\n5,e,114.3,22.6\n";
    let f = load(text).unwrap();
    let ids: Vec<String> = (0..f.firms.len()).map(|i| f.firms.id(i).into()).collect();
    assert_eq!(ids, ["1", "3", "5"]);
    let lines: Vec<(u64, &str)> = f
        .report
        .skipped
        .iter()
        .map(|s| (s.line.unwrap(), s.kind.as_str()))
        .collect();
    assert_eq!(lines, vec![(3, "unclosed_quote"), (5, "unparsable")]);
    assert_eq!(f.report.read, 5);
    // The same in a file big enough (over 4 MB) to be read in parallel chunks, where the
    // stray quote pairs with the next row's opening quote instead of running to the end.
    let mut big = String::from("id,name,lon,lat\n");
    for k in 0..160_000 {
        if k == 70_000 {
            big.push_str("X,\"broken,114.1,22.5\n");
        } else {
            big.push_str(&format!("{k},\"n {k}\",114.{:04},22.5\n", k % 10_000));
        }
    }
    let f = load(&big).unwrap();
    assert_eq!(f.firms.len(), 159_999);
    assert_eq!(f.report.skipped.len(), 1);
    assert_eq!(f.report.skipped[0].line, Some(70_002));
}

#[test]
fn all_projected_is_a_file_error() {
    let e = load("x,y\n500000,2500000\n510000,2510000\n").unwrap_err();
    assert!(matches!(e, LoadError::Projected { .. }), "{e}");
}

#[test]
fn mostly_swapped_gives_a_file_hint() {
    let f = load("lon,lat\n22.5,114.0\n22.6,114.1\n114.0,22.5\n").unwrap();
    assert!(f.report.warnings.iter().any(|w| w.contains("exchanged")));
}

#[test]
fn explicit_columns_and_missing_column() {
    let opts = FirmLoadOptions {
        lon_col: Some("E".into()),
        lat_col: Some("N".into()),
        ..Default::default()
    };
    let f = load_firms_csv_bytes(b"E,N\n114,22.5\n", "f", &opts).unwrap();
    assert_eq!(f.firms.len(), 1);
    let opts = FirmLoadOptions {
        lon_col: Some("nope".into()),
        ..Default::default()
    };
    let e = load_firms_csv_bytes(b"E,N\n114,22.5\n", "f", &opts).unwrap_err();
    assert!(e.to_string().contains("nope"));
}

#[test]
fn parallel_chunks_give_the_same_firms_and_line_numbers() {
    // Over 4 MB with quoted multi-line names, bad rows and blank lines scattered through.
    let mut text = String::from("id,name,lon,lat,segment\n");
    let mut expected_bad = Vec::new();
    let mut line = 2u64;
    for k in 0..160_000u32 {
        match k % 997 {
            0 => {
                text.push_str(&format!(
                    "{k},\"多行\n名称 {k}, 有逗号\",114.{k:05},22.5,hardware\n"
                ));
                line += 2;
            }
            1 => {
                text.push_str(&format!("{k},坏{k},abc,22.5,components\n"));
                expected_bad.push(line);
                line += 1;
            }
            2 => {
                text.push('\n');
                line += 1;
            }
            _ => {
                text.push_str(&format!(
                    "{k},企业{k},{:.5},22.{:05},seg{}\n",
                    113.8 + (k % 1000) as f64 * 0.0005,
                    k % 99_999,
                    k % 7
                ));
                line += 1;
            }
        }
    }
    assert!(text.len() > 4 << 20);
    let a = load_csv_chunked(
        text.as_bytes(),
        "big.csv",
        &FirmLoadOptions::default(),
        1,
        &|_| {},
    )
    .unwrap();
    let b = load_csv_chunked(
        text.as_bytes(),
        "big.csv",
        &FirmLoadOptions::default(),
        16,
        &|_| {},
    )
    .unwrap();
    assert_eq!(a.firms.len(), b.firms.len());
    assert_eq!(a.firms.lonlat, b.firms.lonlat);
    for i in (0..a.firms.len()).step_by(977) {
        assert_eq!(
            a.firms.attrs.row(i).collect::<Vec<_>>(),
            b.firms.attrs.row(i).collect::<Vec<_>>()
        );
        assert_eq!(a.firms.segment_name(i), b.firms.segment_name(i));
    }
    let lines = |r: &LoadReport| {
        r.skipped
            .iter()
            .map(|s| s.line.unwrap())
            .collect::<Vec<_>>()
    };
    assert_eq!(lines(&a.report), expected_bad);
    assert_eq!(lines(&b.report), expected_bad);
    assert_eq!(a.report.read, b.report.read);
}

#[test]
fn fast_path_agrees_with_the_csv_crate() {
    let body = "1,甲,114.0,22.5,hardware\r\n\r\n2,乙,abc,22.5\r\n3,丙,114.1,22.6,content,extra\r\n4;x,114.2\r\n5,戊,22.5,114.0,hardware\r\n,,,,\r\n6,己,114.3,22.7,\r\n";
    let headers: Vec<String> = "id,name,lon,lat,segment"
        .split(',')
        .map(String::from)
        .collect();
    let cols = detect_columns(&headers, &FirmLoadOptions::default(), "t").unwrap();
    let reader = crate::crs::Reader::new(SourceCrs::Wgs84).unwrap();
    let ctx = ChunkCtx {
        cols: &cols,
        reader: &reader,
        delimiter: b',',
        comma_decimal: false,
        headers: &headers,
    };
    let fast = parse_chunk_with(body, 2, &ctx, true);
    let slow = parse_chunk_with(body, 2, &ctx, false);
    assert_eq!(fast.lonlat, slow.lonlat);
    assert_eq!(fast.lonlat.len(), 3);
    assert_eq!(fast.segments, slow.segments);
    assert_eq!(fast.report, slow.report);
    for r in 0..fast.attrs.n_rows() {
        assert_eq!(
            fast.attrs.row(r).collect::<Vec<_>>(),
            slow.attrs.row(r).collect::<Vec<_>>()
        );
    }
    let lines: Vec<u64> = fast
        .report
        .skipped
        .iter()
        .map(|s| s.line.unwrap())
        .collect();
    assert_eq!(lines, vec![4, 6, 7]);
}

#[test]
fn column_names_hint_at_the_coordinate_system() {
    let f = load("名称,gcj_lng,gcj_lat\n甲,114.05,22.54\n").unwrap();
    assert!(
        f.report
            .warnings
            .iter()
            .any(|w| w.contains("suggest gcj02")),
        "{:?}",
        f.report.warnings
    );
    let opts = FirmLoadOptions {
        crs: SourceCrs::Gcj02,
        ..Default::default()
    };
    let g = load_firms_csv_bytes(
        "名称,gcj_lng,gcj_lat\n甲,114.05,22.54\n".as_bytes(),
        "f",
        &opts,
    )
    .unwrap();
    assert!(g.report.warnings.iter().all(|w| !w.contains("suggest")));
    assert!(
        crs_hint("百度经度", "百度纬度", SourceCrs::Wgs84)
            .unwrap()
            .contains("bd09")
    );
    assert!(crs_hint("lon", "lat", SourceCrs::Gcj02).is_none());
}

#[test]
fn header_only_and_empty() {
    assert!(matches!(load(""), Err(LoadError::Empty { .. })));
    assert!(matches!(
        load("lon,lat\n"),
        Err(LoadError::NoUsableRows { .. })
    ));
    assert!(matches!(
        load("a,b\n1,2\n"),
        Err(LoadError::NoCoordinateColumns { .. })
    ));
}

#[test]
fn gcj_rows_are_converted() {
    let opts = FirmLoadOptions {
        crs: SourceCrs::Gcj02,
        ..Default::default()
    };
    let f = load_firms_csv_bytes(b"lon,lat\n114.0626,22.5402\n", "f", &opts).unwrap();
    assert!((f.firms.lonlat[0].lon - 114.0626).abs() > 0.003);
}

#[test]
fn repeated_ids_are_counted_like_a_sort_of_the_strings() {
    // Many rows, ids drawn from a small pool (long and short, Chinese, empty), so most repeat.
    let pool = [
        "",
        "A1",
        "企业-7",
        "S000000000000017",
        "S000000000000018",
        "x",
    ];
    let mut text = String::from("id,lon,lat\n");
    let mut ids = Vec::new();
    for k in 0..3_000usize {
        let id = if k % 7 == 0 {
            format!("U{k}")
        } else {
            pool[(k * 31) % pool.len()].to_string()
        };
        text.push_str(&format!("{id},114.0{k:04},22.5\n"));
        ids.push(id);
    }
    let f = load(&text).unwrap();
    assert_eq!(f.firms.len(), 3_000);
    let distinct: std::collections::BTreeSet<&String> = ids.iter().collect();
    let expected = ids.len() - distinct.len();
    assert!(expected > 2_000);
    let warning = format!("{expected} firm ids are repeated");
    assert!(
        f.report.warnings.iter().any(|w| w.starts_with(&warning)),
        "{:?}",
        f.report.warnings
    );
}
