//! Tests of how ids and segment values are read: repeats counted by their text as shown,
//! spreadsheet guards and padding dropped (`model::cell_text`).

use super::ids::repeated_ids;
use super::tests::load;

#[test]
fn repeated_ids_are_counted_like_a_sort_of_the_strings() {
    // Many rows, ids drawn from a small pool (long and short, Chinese, empty), so most repeat;
    // some written as spreadsheets guard them (`="…"`, raw or quoted, a tab or spaces around),
    // which repeat the plain id they show. Each: (as written, as shown).
    let pool = [
        ("", ""),
        ("A1", "A1"),
        ("=\"A1\"", "A1"),
        ("\"=\"\"A1\"\"\"", "A1"),
        (" A1 ", "A1"),
        ("企业-7", "企业-7"),
        ("\t企业-7", "企业-7"),
        ("S000000000000017", "S000000000000017"),
        ("=\"S000000000000017\"", "S000000000000017"),
        ("S000000000000018", "S000000000000018"),
        ("x", "x"),
        ("=\"\"", ""),
        ("A=\"1\"", "A=\"1\""),
    ];
    let mut text = String::from("id,lon,lat\n");
    let mut ids = Vec::new();
    for k in 0..3_000usize {
        let (written, shown) = if k % 7 == 0 {
            (format!("U{k}"), format!("U{k}"))
        } else {
            let (w, s) = pool[(k * 31) % pool.len()];
            (w.to_string(), s.to_string())
        };
        text.push_str(&format!("{written},114.0{k:04},22.5\n"));
        ids.push(shown);
    }
    let f = load(&text).unwrap();
    assert_eq!(f.firms.len(), 3_000);
    // Blank ids are no ids (numbered by their place, never repeats): the oracle counts the
    // others' repeats as a sort of the strings would, and the blanks apart.
    let named: Vec<&String> = ids.iter().filter(|s| !s.is_empty()).collect();
    let distinct: std::collections::BTreeSet<&String> = named.iter().copied().collect();
    let (expected, blank) = (named.len() - distinct.len(), ids.len() - named.len());
    assert!(expected > 2_000 && blank > 100);
    assert_eq!(
        repeated_ids(&f.firms, 0, None),
        (expected, blank),
        "read from the table"
    );
    for (i, shown) in ids.iter().enumerate() {
        let want = if shown.is_empty() {
            format!("#{}", i + 1)
        } else {
            shown.clone()
        };
        assert_eq!(f.firms.id(i), want.as_str(), "row {i}");
        let row = f.firms.attrs.row_view(i);
        assert_eq!(
            f.firms.id_in(&row, i),
            want.as_str(),
            "row {i}, as firms.csv reads it"
        );
    }
    let warning = format!("{expected} firm ids are repeated");
    assert!(
        f.report.warnings.iter().any(|w| w.starts_with(&warning)),
        "{:?}",
        f.report.warnings
    );
    let note = format!("{blank} firms have no id");
    assert!(
        f.report.notes.iter().any(|n| n.starts_with(&note)),
        "{:?}",
        f.report.notes
    );
}

#[test]
fn segment_values_are_read_as_a_spreadsheet_shows_them() {
    // Alone, and after twenty other values (past 16 names the loader interns through a map).
    for fillers in [0, 20] {
        segment_spellings_after(fillers);
    }
    // The other loaders' interning (GeoJSON, workbooks, layers), with no merge after it.
    let mut names = vec!["6510".to_owned()];
    assert_eq!(
        crate::model::Firms::intern_segment(&mut names, "=\"6510\""),
        0
    );
    assert_eq!(
        crate::model::Firms::intern_segment(&mut names, " 6510\t"),
        0
    );
    assert_eq!(names, ["6510"]);
}

/// Excel's text guard and padding around a code are not another segment; a value that only
/// looks like one (`A="1"`) is kept as written. Many rows, so the chunked loader's hash table
/// of raw values and the interner both meet every spelling.
fn segment_spellings_after(fillers: usize) {
    let spellings = [
        ("硬件制造", "硬件制造"),
        (" 硬件制造 ", "硬件制造"),
        ("=\"6510\"", "6510"),
        ("\"=\"\"6510\"\"\"", "6510"),
        ("6510", "6510"),
        ("\t6510", "6510"),
        ("A=\"1\"", "A=\"1\""),
    ];
    let fillers: Vec<String> = (0..fillers).map(|k| format!("S{k}")).collect();
    let mut text = String::from("id,lon,lat,segment\n");
    let mut want: std::collections::BTreeMap<&str, usize> = Default::default();
    for k in 0..5_000usize {
        let (written, shown) = match fillers.get(k) {
            Some(f) => (f.as_str(), f.as_str()),
            None => spellings[(k * 13) % spellings.len()],
        };
        text.push_str(&format!("F{k},114.0{k:04},22.5,{written}\n"));
        *want.entry(shown).or_default() += 1;
    }
    let f = load(&text).unwrap();
    let mut got: std::collections::BTreeMap<&str, usize> = Default::default();
    for i in 0..f.firms.len() {
        *got.entry(f.firms.segment_name(i)).or_default() += 1;
    }
    assert_eq!(got, want, "after {} other values", fillers.len());
    let mut names = f.firms.segments.clone();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), 3 + fillers.len(), "{:?}", f.firms.segments);
}

/// A register that guards every cell (`="…"`, raw or quoted), as some registries' exports do:
/// every row loads as the same register written plain does (the oracle), coordinates,
/// founding years, names, ids and segments alike; a guarded empty coordinate is missing.
#[test]
fn a_register_guarding_every_cell_reads_as_written_plain() {
    let header = "id,name,lon,lat,segment,founded\n";
    let (mut plain, mut guarded) = (header.to_string(), header.to_string());
    for k in 0..2_000usize {
        let cells = [
            format!("F{k}"),
            format!("示例企业{k}"),
            format!("114.{:06}", k * 397 % 1_000_000),
            format!("22.{:06}", k * 7_919 % 1_000_000),
            ["hardware", "content_software"][k % 2].to_string(),
            [
                format!("{}-03-12", 1990 + k % 30),
                format!("{}", 1990 + k % 30),
            ][k % 2]
                .clone(),
        ];
        plain.push_str(&(cells.join(",") + "\n"));
        let guard = |c: &String| match k % 3 {
            0 => format!("=\"{c}\""),
            1 => format!("\"=\"\"{c}\"\"\""),
            _ => format!(" =\"{c}\" "),
        };
        guarded.push_str(&(cells.iter().map(guard).collect::<Vec<_>>().join(",") + "\n"));
    }
    guarded.push_str("=\"F-blank\",=\"空\",=\"\",=\"22.5\",=\"hardware\",=\"2001\"\n");
    let (want, got) = (load(&plain).unwrap(), load(&guarded).unwrap());
    assert_eq!(want.firms.len(), 2_000);
    assert_eq!(got.firms.len(), 2_000, "{:?}", got.report.skipped);
    assert_eq!(got.firms.lonlat, want.firms.lonlat);
    let founded = |f: &crate::data::LoadedFirms| f.times.as_ref().unwrap().founded.clone();
    assert_eq!(founded(&got), founded(&want));
    assert!(founded(&want).iter().all(|y| *y >= 1990));
    for i in 0..2_000 {
        assert_eq!(got.firms.name(i), want.firms.name(i));
        assert_eq!(got.firms.id(i), want.firms.id(i));
        assert_eq!(got.firms.segment_name(i), want.firms.segment_name(i));
    }
    let skipped: Vec<&str> = got.report.skipped.iter().map(|s| s.kind.as_str()).collect();
    assert_eq!(skipped, ["missing"]);
}
