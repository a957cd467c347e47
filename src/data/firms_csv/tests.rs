//! Tests of the parent module.
use super::*;
use crate::model::LonLat;
use crate::model::SourceCrs;

/// Runs `f` with the parse context of a comma-separated file with this header (WGS-84,
/// dates found by their headers).
pub(super) fn with_ctx<T>(header: &str, f: impl FnOnce(&ChunkCtx) -> T) -> T {
    let headers: Vec<String> = header.split(',').map(String::from).collect();
    let cols = detect_columns(&headers, &FirmLoadOptions::default(), "t").unwrap();
    let reader = crate::crs::Reader::new(SourceCrs::Wgs84).unwrap();
    let dates = DateColumns::find(&headers, None);
    f(&ChunkCtx {
        cols: &cols,
        reader: &reader,
        delimiter: b',',
        comma_decimal: false,
        headers: &headers,
        dates: dates.as_ref(),
        plain: false,
        shared: None,
        reread: 1,
        ends_file: true,
        seed: None,
    })
}

pub(super) fn load(text: &str) -> Result<LoadedFirms, LoadError> {
    load_firms_csv_bytes(text.as_bytes(), "firms.csv", &FirmLoadOptions::default())
}

/// The loaded firms' ids, in order.
fn ids(f: &LoadedFirms) -> Vec<String> {
    (0..f.firms.len()).map(|i| f.firms.id(i).into()).collect()
}

/// Each skipped row's line and kind, in order.
fn skipped_kinds(f: &LoadedFirms) -> Vec<(u64, &str)> {
    f.report
        .skipped
        .iter()
        .map(|s| (s.line.unwrap_or(0), s.kind.as_str()))
        .collect()
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
    // Database dumps (psql -A, Hive) separate by `|`; a comma inside a field stays text.
    let f = load("id|name|lon|lat\n1|甲, 乙|114.05|22.5\n2|丙|114,06|22,6\n").unwrap();
    assert_eq!(f.report.delimiter.as_deref(), Some("pipe"));
    assert_eq!(f.firms.name(0), "甲, 乙");
    assert_eq!(f.firms.lonlat[1], LonLat::new(114.06, 22.6));
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
    let text = "id,lon,lat\n1,114.0,22.5\n2,abc,22.5\n3,22.5,114.0\n4,inf,22\n5,,22\n\n6,114.1,22.6\n7,500000,2500000\n";
    let f = load(text).unwrap();
    assert_eq!(f.firms.len(), 2);
    let lines = skipped_kinds(&f);
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
fn hemisphere_marks_are_checked_against_their_columns() {
    // Marked DMS in the right columns load; a latitude mark in the longitude column, or two
    // marks of one axis, skip the row with its line; a combined column follows its marks.
    let text = "id,lon,lat\n1,114°03'E,22°30'N\n2,114.0N,22.5\n3,114E,22.5E\n4,114.1,22.6\n";
    let f = load(text).unwrap();
    assert_eq!(f.firms.lonlat[0], LonLat::new(114.05, 22.5));
    assert_eq!(f.firms.len(), 2);
    assert_eq!(skipped_kinds(&f), vec![(3, "swapped"), (4, "swapped")]);
    let f = load("id,location\n1,\"22°30'N, 114°03'E\"\n").unwrap();
    assert_eq!(f.firms.lonlat[0], LonLat::new(114.05, 22.5));
}

#[test]
fn one_column_holding_both_coordinates_loads() {
    // Amap's `location` (lng,lat), Tencent's order (lat,lng), QGIS's WKT, white space.
    let text = "id,name,location\n1,a,\"113.93,22.54\"\n2,b,POINT (114.06 22.55)\n\
                3,c,\"22.56, 114.07\"\n4,d,114.1 22.6\n5,e,NA\n6,f,114.2\n\
                7,g,POINT Z (114.3 22.7 5)\n";
    let loaded = load(text).unwrap();
    let got: Vec<(f64, f64)> = loaded.firms.lonlat.iter().map(|p| (p.lon, p.lat)).collect();
    let want = [
        (113.93, 22.54),
        (114.06, 22.55),
        (114.07, 22.56),
        (114.1, 22.6),
        (114.3, 22.7),
    ];
    assert_eq!(got, want);
    let lines: Vec<u64> = loaded
        .report
        .skipped
        .iter()
        .filter_map(|s| s.line)
        .collect();
    assert_eq!(lines, [6, 7]);
    assert!(loaded.report.skipped.iter().all(|s| s.kind == "missing"));
    assert!(
        loaded
            .report
            .notes
            .iter()
            .any(|n| n.contains("one column 'location'"))
    );
}

#[test]
fn missing_value_markers_are_missing_not_malformed() {
    // As R's write.csv, Excel and SQL exports leave them.
    let text = "id,lon,lat,founded\n1,NA,22.5,2015\n2,114.0,#N/A,2015\n3,114.0,22.5,NA\n\
                4,114.1,22.5,不详\n5,114.2,22.5,soon\n6,abc,22.5,2015\n7,NaN,22.5,2015\n";
    let f = load(text).unwrap();
    assert_eq!(ids(&f), ["3", "4", "5"]);
    let kinds = skipped_kinds(&f);
    assert_eq!(
        kinds,
        vec![
            (2, "missing"),
            (3, "missing"),
            (7, "unparsable"),
            (8, "missing")
        ]
    );
    assert!(
        f.report.skipped[0]
            .reason
            .contains("'NA', '22.5': a value is missing")
    );
    // Only the value that is there and is not a date is warned about, by the firm's id.
    let dates: Vec<&String> = f
        .report
        .warnings
        .iter()
        .filter(|w| w.contains("not dates"))
        .collect();
    assert_eq!(dates.len(), 1, "{:?}", f.report.warnings);
    assert!(dates[0].starts_with("1 founding dates") && dates[0].contains("id 5 'soon'"));
}

#[test]
fn an_unclosed_quote_costs_one_row_not_the_rest_of_the_file() {
    let text = "id,name,lon,lat\n1,\"ok, fine\",114.0,22.5\n2,\"broken,114.1,22.5\n\
                3,c,114.2,22.5\n4,d,abc,22.5\n5,e,114.3,22.6\n";
    let f = load(text).unwrap();
    assert_eq!(ids(&f), ["1", "3", "5"]);
    let lines = skipped_kinds(&f);
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

/// Over 4 MB of rows with bad rows and blank lines scattered through (and quoted multi-line
/// names when `quoted`), lines ending in `eol`; with the line numbers of the bad rows.
fn big_body(quoted: bool, eol: &str) -> (String, Vec<u64>) {
    let mut text = format!("id,name,lon,lat,segment{eol}");
    let mut expected_bad = Vec::new();
    let mut line = 2u64;
    for k in 0..160_000u32 {
        match k % 997 {
            0 if quoted => {
                text.push_str(&format!(
                    "{k},\"多行\n名称 {k}, 有逗号\",114.{k:05},22.5,hardware{eol}"
                ));
                line += 2;
            }
            1 => {
                text.push_str(&format!("{k},坏{k},abc,22.5,components{eol}"));
                expected_bad.push(line);
                line += 1;
            }
            2 => {
                text.push_str(eol);
                line += 1;
            }
            _ => {
                text.push_str(&format!(
                    "{k},企业{k},{:.5},22.{:05},seg{}{eol}",
                    113.8 + (k % 1000) as f64 * 0.0005,
                    k % 99_999,
                    k % 7
                ));
                line += 1;
            }
        }
    }
    assert!(text.len() > 4 << 20);
    (text, expected_bad)
}

/// Rows ended by a carriage return alone (old Mac files): the csv crate reads more rows than
/// the chunk has line ends, so they overflow the chunk's window and are joined the slow way.
#[test]
fn rows_past_a_chunks_line_count_are_all_kept() {
    let mut text = String::from("id,lon,lat\r");
    for k in 0..500 {
        text.push_str(&format!("{k},114.{k:03},22.5\r"));
    }
    text.push_str("last,114.5,22.6\n");
    let f = load_csv_chunked(
        Source::Owned(text.into_bytes(), false),
        "mac.csv",
        &FirmLoadOptions::default(),
        1,
    )
    .unwrap();
    assert_eq!(f.firms.len(), 501);
    assert_eq!(f.firms.lonlat[7], LonLat::new(114.007, 22.5));
    assert_eq!(f.firms.id(500), "last");
    assert_eq!(f.firms.lonlat[500], LonLat::new(114.5, 22.6));
}

#[test]
fn parallel_chunks_give_the_same_firms_and_line_numbers() {
    // Quoted fields (the csv crate), plain text (the fast path, the splitter's one scan),
    // CRLF line ends, and quotes around whole fields (the fast path, cut at line ends).
    for (quoted, eol, whole_field_quotes) in [
        (true, "\n", false),
        (false, "\n", false),
        (false, "\r\n", false),
        (false, "\n", true),
    ] {
        let (mut text, expected_bad) = big_body(quoted, eol);
        if whole_field_quotes {
            // Every row's name and segment in quotes.
            text = text
                .split('\n')
                .map(|line| {
                    let mut f: Vec<String> = line.split(',').map(String::from).collect();
                    for k in [1, 4] {
                        if let Some(x) = f.get_mut(k) {
                            *x = format!("\"{x}\"");
                        }
                    }
                    f.join(",")
                })
                .collect::<Vec<_>>()
                .join("\n");
            assert!(crate::model::quotes::simple_quotes(text.as_bytes(), b','));
        }
        let load = |n, owned: bool| {
            let source = if owned {
                Source::Owned(text.as_bytes().to_vec(), false)
            } else {
                Source::Borrowed(text.as_bytes())
            };
            load_csv_chunked(source, "big.csv", &FirmLoadOptions::default(), n).unwrap()
        };
        // Owned bytes: the rows point into the text as read instead of copies.
        let (a, b) = (load(1, false), load(16, true));
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
        assert_eq!(lines(&a.report), expected_bad, "quoted {quoted}, {eol:?}");
        assert_eq!(lines(&b.report), expected_bad, "quoted {quoted}, {eol:?}");
        assert_eq!(a.report.read, b.report.read);
        // Rows k = 1 (bad) and 2 (blank) are not firms: the sixth firm is k = 7.
        assert_eq!(b.firms.attrs.get(5, 1), "企业7");
    }
}

#[test]
fn fast_path_agrees_with_the_csv_crate() {
    let body = "1,甲,114.0,22.5,hardware\r\n\r\n2,乙,abc,22.5\r\n3,丙,114.1,22.6,content,extra\r\n4;x,114.2\r\n5,戊,22.5,114.0,hardware\r\n,,,,\r\n6,己,114.3,22.7,\r\n";
    let (fast, slow) = with_ctx("id,name,lon,lat,segment", |ctx| {
        assert_eq!(ctx.dates, None);
        (
            parse_chunk_with(body, 2, ctx, true),
            parse_chunk_with(body, 2, ctx, false),
        )
    });
    assert_eq!(fast.lonlat.to_vec(), slow.lonlat.to_vec());
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

/// Rows made of tricky pieces (blank and whitespace-only fields, full-width spaces, CRLF,
/// short and over-long rows, signs, exponents, degree signs, quoted fields with and without
/// delimiters in them, missing final newline): the one-scan fast path must keep the same rows, fields, segments and report as
/// the csv crate.
#[test]
fn fast_path_agrees_with_the_csv_crate_on_random_rows() {
    let pieces = [
        "\"114.07\"",
        "\"22.51\"",
        "\"示例\"",
        "\"\"",
        "\" hardware \"",
        "\"2016\"",
        "\"深圳市南山区, 3 楼\"",
        "\"114.05,\"",
        "\",\"",
        "\"2015-03-02, 2016\"",
        " ",
        "　",
        "114.05",
        "22.54",
        "+114.1",
        "-0",
        "114.",
        ".5",
        "1e2",
        "22.5°",
        "abc",
        "示例",
        "hardware",
        " content ",
        "113.9999999999999999999",
        "0x10",
        "NaN",
        "2015",
        "2015-03-02",
        "2015年3月",
        "1700",
        "42065",
    ];
    with_ctx("id,name,lon,lat,segment,founded,closed", |ctx| {
        assert_eq!(
            ctx.dates,
            Some(&DateColumns {
                founded: 5,
                closed: vec![6]
            })
        );
        super::quote_tests::random_rows_agree(&pieces, ctx);
    });
}
/// The years the loader reads while splitting rows equal the ones read afterwards from the
/// stored columns (the oracle), with a far-away row screened out in between and quoted rows
/// (the csv crate's path) mixed in.
#[test]
fn years_read_by_the_parse_equal_years_read_from_the_table() {
    let mut text = String::from("id,lon,lat,成立日期,注销日期\n");
    for k in 0..400 {
        let founded = ["2015-03-02", "2019", "", "不详", "42065", "2020年5月"][k % 6];
        let closed = ["", "2022", "2021-01-01"][k % 3];
        let lon = if k == 77 {
            120.5
        } else {
            114.0 + k as f64 * 1e-4
        };
        if k % 50 == 3 {
            text.push_str(&format!("\"Q{k}\",{lon},22.5,{founded},{closed}\n"));
        } else {
            text.push_str(&format!("F{k},{lon},22.5,{founded},{closed}\n"));
        }
    }
    let f = load(&text).unwrap();
    assert_eq!(f.firms.len(), 399, "the stray is screened out");
    let from_parse = f.times.expect("date columns found");
    let mut report = LoadReport::default();
    let oracle = crate::data::dates::detect_times(&f.firms, None, &mut report).unwrap();
    assert_eq!(*from_parse, oracle);
    assert!(from_parse.founded.iter().filter(|y| **y == 0).count() > 100);
    assert!(from_parse.closed.contains(&2021));
}

/// The bucket tables count like a hash map over the whole (the oracle): values drawn from a
/// pool so that many repeat, some twice, some often, with equal low bits across buckets.
#[test]
fn singles_and_shared_count_like_a_map() {
    let mut rng = crate::model::Rng::new(11);
    let pool: Vec<u64> = (0..150_000).map(|_| rng.next_u64()).collect();
    let mut hashes: Vec<u64> = (0..300_000)
        .map(|_| pool[(rng.next_u64() % pool.len() as u64) as usize])
        .collect();
    // Same low bits, different buckets; and one value many times.
    hashes.extend((0..64u64).map(|k| (k << 58) | 5));
    hashes.extend(std::iter::repeat_n(42, 1000));
    let mut counts = std::collections::HashMap::<u64, usize>::new();
    for h in &hashes {
        *counts.entry(*h).or_default() += 1;
    }
    let (singles, mut shared) = ids::singles_and_shared(&hashes);
    assert_eq!(singles, counts.values().filter(|c| **c == 1).count());
    shared.sort_unstable();
    let mut want: Vec<u64> = counts
        .iter()
        .filter(|(_, c)| **c > 1)
        .map(|(h, _)| *h)
        .collect();
    want.sort_unstable();
    assert_eq!(shared, want);
}

#[test]
fn radix_buckets_are_a_stable_partition_by_the_top_bits() {
    // Enough values for several slices per thread; a few repeated.
    let mut rng = crate::model::Rng::new(7);
    let mut hashes: Vec<u64> = (0..100_000).map(|_| rng.next_u64()).collect();
    hashes.extend_from_within(..500);
    let mut out = vec![0u64; hashes.len()];
    let buckets = bucket_by_top_bits(&hashes, &mut out);
    assert_eq!(buckets.len(), 1 << BUCKET_BITS);
    let mut oracle = hashes.clone();
    oracle.sort_by_key(|h| h >> (64 - BUCKET_BITS)); // stable
    let got: Vec<u64> = buckets.iter().flat_map(|b| b.iter().copied()).collect();
    assert_eq!(got, oracle);
    for (b, piece) in buckets.iter().enumerate() {
        assert!(
            piece
                .iter()
                .all(|h| (h >> (64 - BUCKET_BITS)) as usize == b)
        );
    }
}

/// A register of 20,000 firms in CGCS2000 Gauss–Krüger metres (enough for the patches'
/// interpolants, read on every thread): each firm lands where proj4rs puts its own row,
/// within 1e-12° (~0.1 µm), and where it was before projecting, within 1e-9°.
#[test]
fn a_projected_register_loads_as_proj4rs_converts_each_row() {
    let t = crate::crs::EpsgTransform::from_epsg(4547).unwrap();
    let mut text = String::from("id,X,Y\n");
    let mut truth = Vec::new();
    for i in 0..20_000u32 {
        let p = LonLat::new(
            113.8 + 0.8 * f64::from(i % 200) / 200.0,
            22.45 + 0.4 * f64::from(i / 200) / 100.0,
        );
        let (x, y) = t.from_wgs84(p).unwrap();
        text.push_str(&format!("F{i},{x:.4},{y:.4}\n"));
        truth.push((
            p,
            t.to_wgs84((x * 1e4).round() / 1e4, (y * 1e4).round() / 1e4),
        ));
    }
    let opts = FirmLoadOptions {
        crs: SourceCrs::Epsg(4547),
        ..Default::default()
    };
    let f = load_firms_csv_bytes(text.as_bytes(), "gk.csv", &opts).unwrap();
    assert_eq!(f.firms.len(), truth.len());
    for (i, (p, exact)) in truth.iter().enumerate() {
        let (got, exact) = (f.firms.lonlat[i], exact.unwrap());
        assert!(
            (got.lon - exact.lon).abs() <= 1e-12 && (got.lat - exact.lat).abs() <= 1e-12,
            "row {i}: {got:?} against {exact:?}"
        );
        assert!((got.lon - p.lon).abs() < 1e-9 && (got.lat - p.lat).abs() < 1e-9);
    }
}
