//! R's `write.table` files: fields split by a space (its default) or a tab, strings quoted,
//! each row led by its row name, which the header does not name. The oracle: the same
//! register written as a plain CSV.
use super::header::has_row_names;
use super::stream_tests::assert_same;
use super::tests::load;
use super::*;
use crate::data::LoadedFirms;

/// `n` firms (names with spaces) as a plain CSV, and as `write.table` writes them with
/// `sep`, with row names or without.
fn register(n: usize, sep: &str, row_names: bool) -> (String, String) {
    let names = ["id", "name", "lon", "lat", "segment", "founded"];
    let mut csv = names.join(",") + "\n";
    let mut table = names.map(|h| format!("\"{h}\"")).join(sep) + "\n";
    for k in 0..n {
        let (lon, lat) = (
            format!("114.{:06}", k * 397 % 1_000_000),
            format!("22.{:06}", k * 7_919 % 1_000_000),
        );
        let (name, seg, year) = (
            format!("示例 企业 {k}"),
            ["hardware", "content_software"][k % 2],
            1990 + k % 30,
        );
        csv.push_str(&format!("F{k},{name},{lon},{lat},{seg},{year}\n"));
        let mut cells = Vec::new();
        if row_names {
            cells.push(format!("\"{}\"", k + 1));
        }
        let quoted = [format!("\"F{k}\""), format!("\"{name}\"")];
        cells.extend(quoted);
        cells.extend([lon, lat, format!("\"{seg}\""), year.to_string()]);
        table.push_str(&(cells.join(sep) + "\n"));
    }
    (csv, table)
}

/// `table` converted from WGS-84 to GCJ-02, with the report.
fn to_gcj02(table: &str) -> (Vec<u8>, crate::data::LoadReport) {
    crate::data::convert_csv(
        table.as_bytes(),
        "r.txt",
        crate::model::SourceCrs::Wgs84,
        crate::model::SourceCrs::Gcj02,
        &FirmLoadOptions::default(),
    )
    .unwrap()
}

/// The load report says the rows' first field was read as their row names.
fn warned_row_names(f: &LoadedFirms) -> bool {
    f.report.warnings.iter().any(|w| w.contains("row names"))
}

fn same_firms(got: &LoadedFirms, want: &LoadedFirms) {
    assert_eq!(
        got.firms.len(),
        want.firms.len(),
        "{:?}",
        got.report.skipped
    );
    assert_eq!(got.firms.lonlat, want.firms.lonlat);
    let founded = |f: &LoadedFirms| f.times.as_ref().map(|t| t.founded.clone());
    assert_eq!(founded(got), founded(want));
    for i in 0..want.firms.len() {
        assert_eq!(got.firms.id(i), want.firms.id(i));
        assert_eq!(got.firms.name(i), want.firms.name(i));
        assert_eq!(got.firms.segment_name(i), want.firms.segment_name(i));
    }
}

#[test]
fn write_table_files_load_as_the_same_register_in_csv() {
    for (sep, said) in [(" ", "space"), ("\t", "tab")] {
        for row_names in [true, false] {
            let (csv, table) = register(3_000, sep, row_names);
            let (want, got) = (load(&csv).unwrap(), load(&table).unwrap());
            assert_eq!(want.firms.len(), 3_000);
            same_firms(&got, &want);
            assert_eq!(got.report.delimiter.as_deref(), Some(said));
            assert_eq!(
                warned_row_names(&got),
                row_names,
                "{sep:?}: {:?}",
                got.report.warnings
            );
            // Streamed window by window as `analyze` reads a large file: the same.
            assert_same(&table, 7, 500);
        }
    }
}

#[test]
fn a_delimiter_ending_each_row_is_not_row_names() {
    let want = load("id,lon,lat\nF1,114.05,22.54\nF2,114.06,22.55\n").unwrap();
    let got = load("id,lon,lat\nF1,114.05,22.54,\nF2,114.06,22.55,\n").unwrap();
    same_firms(&got, &want);
    assert!(!warned_row_names(&got));
    // A header of one name is never shifted (nothing to read as coordinates either way).
    assert!(!has_row_names(1, &["a".into(), "b".into()]));
    assert!(has_row_names(2, &["1".into(), "a".into(), "b".into()]));
    assert!(!has_row_names(2, &["1".into(), "a".into(), " ".into()]));
}

#[test]
fn a_space_is_the_delimiter_only_when_both_lines_split_alike() {
    assert_eq!(
        sniff_delimiter("\"id\" \"lon\" \"lat\"\n\"1\" \"A\" 114 22\n"),
        b' '
    );
    assert_eq!(sniff_delimiter("id lon lat\nA 114 22\n"), b' ');
    assert_eq!(sniff_delimiter("企业 名称,lon,lat\nA B,114,22\n"), b',');
    // A one-name header with a space, over rows split otherwise: not space-separated.
    assert_eq!(sniff_delimiter("企业 名称\n甲 乙 丙 丁\n"), b',');
    assert_eq!(sniff_delimiter("lon lat\n"), b',');
    // Spaces inside quotes do not count.
    assert_eq!(sniff_delimiter("\"a b\" \"c d\"\n\"e f\" \"g h\"\n"), b' ');
}

#[test]
fn write_table_converts_with_its_row_names_column() {
    let (_, table) = register(20, " ", true);
    let (out, report) = to_gcj02(&table);
    assert_eq!(report.loaded, 20);
    assert_eq!(report.columns.get("lon").map(String::as_str), Some("lon"));
    let out = String::from_utf8(out).unwrap();
    let back = load(&out).unwrap();
    assert_eq!(back.firms.len(), 20);
    assert!(!warned_row_names(&back));
    assert_eq!(back.firms.id(3), "F3");
}

/// Rows one field longer than the header are R's row names only where that reading finds the
/// coordinates: an unnamed last column (ids 1, 2 … and all) keeps the header's places; row
/// names of R's own choosing (not 1, 2 …) are found by where the numbers are.
#[test]
fn row_names_are_taken_where_they_put_the_coordinates() {
    let want = load("id,lon,lat\n1,114.05,22.54\n2,114.06,22.55\n").unwrap();
    let got = load("id,lon,lat\n1,114.05,22.54,备注甲\n2,114.06,22.55,备注乙\n").unwrap();
    same_firms(&got, &want);
    assert!(!warned_row_names(&got));
    let named = load("name lon lat\nr7 \"甲 乙\" 114.05 22.54\nr9 \"丙\" 114.06 22.55\n").unwrap();
    assert_eq!(named.firms.len(), 2, "{:?}", named.report.skipped);
    assert_eq!(named.firms.lonlat, want.firms.lonlat);
    assert_eq!(named.firms.name(0), "甲 乙");
    assert!(warned_row_names(&named));
    // Neither reading finds numbers in a first row missing its coordinates: R's default row
    // names decide.
    let na = load("\"lon\" \"lat\"\n\"1\" NA NA\n\"2\" 114.06 22.55\n").unwrap();
    assert_eq!(na.firms.lonlat.get(..), want.firms.lonlat.get(1..));
    assert_eq!(
        na.report.skipped.first().map(|s| s.kind.as_str()),
        Some("missing")
    );
}

/// R's default escapes the quotes in strings with a backslash. Names holding quotes (one
/// opening a name, one before a space, the delimiter) and backslashes load as the same
/// register written by the csv crate (the oracle), and the report says so. `analyze`'s streaming leaves such a file
/// to the whole loader, whose text (rewritten) is then kept rather than read back.
#[test]
fn backslash_escaped_quotes_load_as_the_register_in_csv() {
    let mut csv = csv::Writer::from_writer(Vec::new());
    csv.write_record(["id", "name", "lon", "lat"]).unwrap();
    let mut table = String::from("\"id\" \"name\" \"lon\" \"lat\"\n");
    for k in 0..2_000 {
        let name = match k % 5 {
            // The first row's (its quote before a space) decides R's row names.
            0 => format!("a \"b {k}"),
            1 => format!("示例\"星光\"{k}"),
            2 => format!("路径 C:\\{k}\\\"x\""),
            3 => format!("\"引\" {k}"),
            // A line end inside quotes, where only R's quotes say the row goes on.
            _ if k % 2 == 0 => format!("多\n行 {k}"),
            _ => format!("plain {k}"),
        };
        let (lon, lat) = (format!("114.{k:04}"), format!("22.{k:04}"));
        csv.write_record([&format!("F{k}"), &name, &lon, &lat])
            .unwrap();
        let r_name = name.replace('"', "\\\"");
        table.push_str(&format!(
            "\"{}\" \"F{k}\" \"{r_name}\" {lon} {lat}\n",
            k + 1
        ));
    }
    let csv = String::from_utf8(csv.into_inner().unwrap()).unwrap();
    let (want, got) = (load(&csv).unwrap(), load(&table).unwrap());
    assert_eq!(want.firms.len(), 2_000);
    same_firms(&got, &want);
    assert!(
        got.report
            .notes
            .iter()
            .any(|n| n.contains("(the first on line 2)")),
        "{:?}",
        got.report.notes
    );
    assert!(!want.report.notes.iter().any(|n| n.contains("backslash")));
    // Streamed window by window (cut where R's quotes say a row ends, each window and each
    // block of rows read back rewritten once) as loaded whole.
    for (step, window) in [(7, 4_000), (4_096, 10_000), (1 << 20, 30_000)] {
        super::stream_tests::assert_same_with(&table, step, window, &FirmLoadOptions::default());
    }
    // Loaded whole from its file, the rewritten text is kept: rows read as loaded. (Its
    // escaped quotes lie only where the check that the text is the file's does not look:
    // past its first 4 KB, before its middle.)
    let dir = std::env::temp_dir().join(format!("r-escapes-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("r.txt");
    let mut middle = String::from("\"id\" \"name\" \"lon\" \"lat\"\n");
    for k in 0..2_000 {
        let name = if (200..300).contains(&k) {
            "甲\\\"乙\\\""
        } else {
            "丙"
        };
        middle.push_str(&format!("\"F{k}\" \"{name}\" 114.{k:04} 22.{k:04}\n"));
    }
    std::fs::write(&path, &middle).unwrap();
    let opts = FirmLoadOptions::default();
    let mut whole = load_firms_csv_owned(middle.clone().into_bytes(), "r.txt", &opts).unwrap();
    assert!(!whole.firms.attrs.release_text(&path).unwrap());
    assert_eq!(whole.firms.name(250), "甲\"乙\"");
    let plain = dir.join("plain.csv");
    std::fs::write(&plain, &csv).unwrap();
    let mut f = load_firms_csv_owned(csv.clone().into_bytes(), "plain.csv", &opts).unwrap();
    assert!(f.firms.attrs.release_text(&plain).unwrap());
    std::fs::remove_dir_all(&dir).unwrap();
    // `convert` reads them as the loader does.
    let (out, report) = to_gcj02(&table);
    assert_eq!(report.loaded, 2_000);
    assert!(
        report
            .notes
            .iter()
            .any(|n| n.contains("the first on line 2"))
    );
    let back = load(&String::from_utf8(out).unwrap()).unwrap();
    for i in 0..2_000 {
        assert_eq!(back.firms.name(i), want.firms.name(i));
    }
}

/// A header naming a column with R's escaped quotes (R writes the names as it writes the
/// values) reads as the same names in the loader and in `convert`, as R reads it back.
#[test]
fn a_header_with_escaped_quotes_reads_the_same_in_the_loader_and_convert() {
    // (The second header, read before its quotes are rewritten, splits into the wrong fields:
    // it is found again from the rewritten text.)
    for header in [
        "\"id\" \"备\\\"注\\\"\" \"lon\" \"lat\"",
        "\"id\" \"name\" \"备\\\"注\\\"\" \"lon\" \"lat\"",
    ] {
        let extra = header.contains("name");
        let row = |k: usize, name: &str| {
            let cells = [
                format!("\"{k}\" \"F{k}\" \"{name}\""),
                format!("{} 114.05 22.54", if extra { "\"x\\\"y\"" } else { "" }),
            ];
            cells.join(" ").replace("  ", " ")
        };
        let table = format!(
            "{header}\n{}\n{}\n",
            row(1, "示例\\\"星光\\\""),
            row(2, "甲 乙")
        );
        let loaded = load(&table).unwrap();
        assert_eq!(loaded.firms.len(), 2, "{header}");
        let mut want = vec!["", "id", "备\"注\"", "lon", "lat"];
        if extra {
            want.insert(2, "name");
        }
        assert_eq!(loaded.firms.attrs.headers, want, "{header}");
        assert!(loaded.report.notes.iter().any(|n| n.contains("backslash")));
        let (out, report) = to_gcj02(&table);
        assert_eq!(report.loaded, 2);
        // Written back in the file's own dialect (fields split by spaces).
        let mut back = csv::ReaderBuilder::new()
            .delimiter(b' ')
            .from_reader(out.as_slice());
        let header: Vec<String> = back.headers().unwrap().iter().map(String::from).collect();
        assert_eq!(header, loaded.firms.attrs.headers);
        let first = back.records().next().unwrap().unwrap();
        assert_eq!(&first[2], "示例\"星光\"");
        assert_eq!(loaded.firms.attrs.get(0, 2), "示例\"星光\"");
        if extra {
            assert_eq!(loaded.firms.attrs.get(0, 3), "x\"y");
            // Not streamed (its first window's header does not read): the whole loader's.
            let streamed =
                super::stream_tests::streamed(&table, 7, 4_000, &FirmLoadOptions::default());
            assert!(streamed.got.is_none());
        }
    }
}

/// In R's text of several megabytes (counted in pieces on all threads), the last row end is
/// the last line end before which the quotes not escaped are even (the oracle: counted over
/// the whole text before each line end, one by one from the last).
#[test]
fn the_last_row_end_of_r_text_is_found_across_pieces() {
    let mut rng = crate::model::Rng::new(16);
    let mut text = Vec::new();
    while text.len() < 3 << 20 {
        let name = match rng.next_u64() % 4 {
            0 => "a\\\"b".to_string(),
            1 => "多\n行".to_string(),
            2 => "C:\\x".to_string(),
            _ => format!("plain {}", text.len()),
        };
        text.extend(format!("\"{}\" \"{name}\" 114.0 22.5\n", text.len()).bytes());
    }
    // Cut inside the last row's quoted field, and after a row.
    for end in [text.len() - 9, text.len()] {
        let bytes = &text[..end];
        let oracle = memchr::memrchr_iter(b'\n', bytes)
            .find(|&e| crate::model::quotes::unescaped_quotes(&bytes[..e]).is_multiple_of(2))
            .map(|e| e + 1);
        assert!(oracle.is_some());
        assert_eq!(super::stream::last_row_end(bytes, true), oracle, "{end}");
    }
}
