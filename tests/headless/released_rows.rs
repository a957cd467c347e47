//! Rows whose text was let go after loading (what `analyze` does with a file larger than a
//! window) read back from the file exactly as the table held them, and refuse a file that
//! changed since.

use crate::common::{Lcg, TEST_ZONES, run, temp_dir};

use cluster_atlas::data::load_firms;
use cluster_atlas::model::Firms;

/// A register-like file with every row shape the loader reads from lines: plain rows,
/// quoted fields with commas, doubled quotes, line breaks inside quotes, CRLF line ends, a
/// byte-order mark, bad rows that are skipped, empty ids and short rows.
fn awkward_csv(n: usize) -> String {
    let mut r = Lcg(17);
    let mut s = String::from("\u{feff}编号,企业名称,经度,纬度,地址\n");
    for k in 0..n {
        let lon = 113.9 + 0.3 * r.next();
        let lat = 22.5 + 0.2 * r.next();
        let end = if k % 7 == 0 { "\r\n" } else { "\n" };
        let row = match k % 11 {
            0 => format!("F{k},\"甲, 乙公司\",{lon:.6},{lat:.6},\"深圳市{k}号\"{end}"),
            1 => format!("F{k},\"名为\"\"星\"\"的公司\",{lon:.6},{lat:.6},路{k}{end}"),
            2 => format!("F{k},\"第一行\n第二行 {k}\",{lon:.6},{lat:.6},丙{end}"),
            3 => format!("F{k},坏行,abc,{lat:.6},x{end}"),
            4 => format!(",无编号,{lon:.6},{lat:.6},y{end}"),
            5 => format!("F{k},短行,{lon:.6},{lat:.6}{end}"),
            _ => format!("F{k},企业{k},{lon:.6},{lat:.6},地址{k}{end}"),
        };
        s.push_str(&row);
    }
    s
}

/// Rows `from..to` as strings, read into (and handed back to) the buffers of `spare`.
fn all_rows(f: &Firms, from: usize, to: usize, spare: &mut Vec<Vec<u8>>) -> Vec<Vec<String>> {
    let rows = f.attrs.rows_in_with(from..to, spare).unwrap();
    let out = (from..to)
        .map(|i| rows.view(i).fields().map(str::to_string).collect())
        .collect();
    rows.recycle(spare);
    out
}

#[test]
fn released_rows_read_back_as_held_and_a_changed_file_is_refused() {
    let dir = temp_dir("released");
    let path = dir.join("register.csv");
    std::fs::write(&path, awkward_csv(6000)).unwrap();
    let held = load_firms(&path, &Default::default()).unwrap().firms;
    let mut released = load_firms(&path, &Default::default()).unwrap().firms;
    let n = held.len();
    assert!(n > 4000, "{n} rows");
    assert!(released.attrs.release_text(&path).unwrap(), "released");
    assert!(released.attrs.is_released() && !held.attrs.is_released());
    // Released rows read as empty unless read back.
    assert_eq!(released.attrs.get(0, 1), "");
    let want = all_rows(&held, 0, n, &mut Vec::new());
    // Every row, through runs that start and end anywhere (across the loader's chunks).
    let mut r = Lcg(5);
    let mut cuts = vec![0, 1, n - 1, n];
    cuts.extend((0..30).map(|_| (r.next() * n as f64) as usize));
    cuts.sort_unstable();
    // One set of buffers for every run: a buffer read into again holds only its new rows.
    let mut spare = Vec::new();
    let mut got = Vec::new();
    for w in cuts.windows(2) {
        got.extend(all_rows(&released, w[0], w[1], &mut spare));
    }
    assert!(
        !spare.is_empty(),
        "the buffers came back to be read into again"
    );
    assert_eq!(got.len(), n);
    for (i, (a, b)) in want.iter().zip(&got).enumerate() {
        assert_eq!(a, b, "row {i}");
    }
    // The odd rows were there: doubled quotes undone, line breaks kept, empty ids.
    assert!(want.iter().any(|row| row[1] == "名为\"星\"的公司"));
    assert!(want.iter().any(|row| row[1].contains("第一行\n第二行")));
    for i in (0..n).step_by(97) {
        assert_eq!(released.id(i), held.id(i), "id of row {i}");
        assert_eq!(released.attrs.field_owned(i, 4), held.attrs.get(i, 4));
    }
    assert!((0..n).any(|i| held.id(i).starts_with('#')));
    // A rewritten file (one byte more) is refused with a message, not read as other rows.
    let mut text = std::fs::read(&path).unwrap();
    text.push(b'\n');
    std::fs::write(&path, &text).unwrap();
    let err = released.attrs.rows_in(0..10).err().expect("refused");
    assert!(
        err.to_string()
            .contains("changed while it was being analysed"),
        "{err}"
    );
    // Nor is a file released when it is not the text held.
    text.pop();
    let at = text.iter().position(|b| *b == b'F').unwrap();
    text[at] = b'G';
    std::fs::write(&path, &text).unwrap();
    let mut again = load_firms(&path, &Default::default()).unwrap().firms;
    text[at] = b'H';
    std::fs::write(&path, &text).unwrap();
    assert!(!again.attrs.release_text(&path).unwrap());
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `analyze` writes the same firms.csv as a table that holds the text. (A file this small
/// keeps its text; larger ones read their rows back, as tested above and below.)
#[test]
fn analyze_writes_the_rows_it_read_back() {
    let dir = temp_dir("released-cli");
    let firms = dir.join("register.csv");
    let zones = dir.join("zones.geojson");
    std::fs::write(&firms, awkward_csv(3000)).unwrap();
    std::fs::write(&zones, TEST_ZONES).unwrap();
    let out = dir.join("out");
    let o = run(&[
        "analyze",
        "--firms",
        firms.to_str().unwrap(),
        "--zones",
        zones.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let written = std::fs::read_to_string(out.join("firms.csv")).unwrap();
    let held = load_firms(&firms, &Default::default()).unwrap().firms;
    let mut rd = csv::ReaderBuilder::new().from_reader(written.as_bytes());
    let headers = rd.headers().unwrap().clone();
    let own: Vec<usize> = (0..held.attrs.n_cols())
        .filter(|c| Some(*c) != held.id_col)
        .collect();
    let first_own = headers.len() - own.len();
    let mut n = 0;
    for (i, rec) in rd.records().enumerate() {
        let rec = rec.unwrap();
        assert_eq!(&rec[0], held.id(i).as_ref(), "row {i}");
        for (k, c) in own.iter().enumerate() {
            assert_eq!(
                &rec[first_own + k],
                held.attrs.get(i, *c),
                "row {i} column {c}"
            );
        }
        n += 1;
    }
    assert_eq!(n, held.len());
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A file larger than a window, read from disk window by window (`analyze` does this above
/// 64 MB; here with 8 MB windows), equals the file loaded whole: the same stamp, report,
/// positions, segments and rows read back; and a file changed afterwards is refused.
#[test]
fn a_file_streamed_in_windows_loads_as_the_whole_file() {
    use cluster_atlas::data::load_firms_csv_streamed;
    let dir = temp_dir("streamed");
    let path = dir.join("register.csv");
    let text = awkward_csv(380_000);
    assert!(text.len() > 18 << 20, "{} bytes: three windows", text.len());
    std::fs::write(&path, &text).unwrap();
    let whole = load_firms(&path, &Default::default()).unwrap();
    let streamed = load_firms_csv_streamed(&path, &Default::default(), 8 << 20)
        .unwrap()
        .expect("a UTF-8 table streams");
    let (a, b) = (&whole.firms, &streamed.firms);
    assert!(b.attrs.is_released() && !a.attrs.is_released());
    assert_eq!(whole.report, streamed.report);
    assert!(!streamed.report.hash.is_empty());
    assert_eq!(a.len(), b.len());
    assert!(a.lonlat == b.lonlat && a.segment == b.segment && a.segments == b.segments);
    let n = a.len();
    assert_eq!(
        all_rows(a, 0, n, &mut Vec::new()),
        all_rows(b, 0, n, &mut Vec::new())
    );
    // Changed after loading: refused when read back.
    std::fs::write(&path, format!("{text}\n")).unwrap();
    let err = b.attrs.rows_in(0..10).err().expect("refused");
    assert!(err.to_string().contains("changed"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}
