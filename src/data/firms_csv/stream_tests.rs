//! A file loaded window by window equals the same file loaded whole (the oracle): positions,
//! segments, founding years, the load report with its line numbers, and every row read back.

use super::stream::{Source, stream};
use super::test_rows::rows_of;
use super::{FirmLoadOptions, load_firms_csv_bytes};
use crate::model::FileRows;
use std::sync::Arc;

/// The file's bytes handed over `step` at a time.
struct MemSource<'a> {
    bytes: &'a [u8],
    at: usize,
    step: usize,
    /// The most text held at once (a window and the rows carried into the next).
    held: usize,
}

impl<'a> MemSource<'a> {
    fn new(bytes: &'a [u8], step: usize) -> Self {
        Self {
            bytes,
            at: 0,
            step,
            held: 0,
        }
    }
}

impl Source for MemSource<'_> {
    fn append(&mut self, buf: &mut Vec<u8>) -> std::io::Result<usize> {
        let end = (self.at + self.step).min(self.bytes.len());
        buf.extend_from_slice(&self.bytes[self.at..end]);
        let n = end - self.at;
        self.at = end;
        self.held = self.held.max(buf.len());
        Ok(n)
    }

    fn len(&self) -> usize {
        self.bytes.len()
    }
}

/// Every row shape the loader reads: quoted commas, doubled quotes, line breaks inside
/// quotes, CRLF, blank lines, bad coordinates, empty ids, short rows, dates that are and are
/// not dates, repeated ids, segments, multi-byte text; then an unclosed quote and rows after
/// it, and no line end at the very end.
pub(super) fn awkward(n: usize, bom: bool, seed: u64) -> String {
    let mut r = crate::model::Rng::new(seed);
    let mut s = String::from(if bom { "\u{feff}" } else { "" });
    // Odd seeds: no date column (its column stays empty while others grow).
    s.push_str(if seed.is_multiple_of(2) {
        "编号,企业名称,经度,纬度,成立日期,segment\n"
    } else {
        "编号,企业名称,经度,纬度,备注,segment\n"
    });
    for k in 0..n {
        let lon = 113.9 + 0.3 * r.uniform();
        let lat = 22.5 + 0.2 * r.uniform();
        let end = if k % 7 == 0 { "\r\n" } else { "\n" };
        let seg = ["VR", "AR", "光学", ""][k % 4];
        let row = match k % 13 {
            0 => format!("F{k},\"甲, 乙公司\",{lon:.6},{lat:.6},2018-03-01,{seg}{end}"),
            1 => format!("F{k},\"名为\"\"星\"\"的公司\",{lon:.6},{lat:.6},,{seg}{end}"),
            2 => format!("F{k},\"第一行\n第二行 {k}\",{lon:.6},{lat:.6},2019年5月,{seg}{end}"),
            3 => format!("F{k},坏行,abc,{lat:.6},2017,{seg}{end}"),
            4 => format!(",无编号,{lon:.6},{lat:.6},不详,{seg}{end}"),
            5 => format!("F{k},短行,{lon:.6},{lat:.6}{end}"),
            6 => format!("F1,重复编号,{lon:.6},{lat:.6},2020-01-01,{seg}{end}"),
            7 => "\n".to_string(),
            _ => format!(
                "F{k},企业{k}号,{lon:.6},{lat:.6},2016/07/0{},{seg}{end}",
                k % 9
            ),
        };
        s.push_str(&row);
    }
    s.push_str("G1,\"未闭合,114.0,22.6,2018,VR\nG2,后一行,114.01,22.61,2018,AR\n");
    s.push_str("G3,最后一行,114.02,22.62,2019,VR");
    s
}

pub(super) fn assert_same(text: &str, step: usize, window: usize) {
    assert_same_with(text, step, window, &FirmLoadOptions::default());
}

pub(super) fn assert_same_with(
    text: &(impl AsRef<[u8]> + ?Sized),
    step: usize,
    window: usize,
    opts: &FirmLoadOptions,
) {
    let text = text.as_ref();
    let s = streamed(text, step, window, opts);
    let got = s.got.as_ref().expect("streamable");
    // The rows' text was let go: they read as empty unless read back (a window holding the
    // unclosed quote is read by the csv crate into rows that keep their own text).
    if window < text.len() / 2 {
        assert_eq!(
            got.firms.attrs.get(0, 1),
            "",
            "step {step}, window {window}"
        );
    }
    assert_same_as_whole(text, step, window, opts, got);
}

/// A streamed load of a file written to a folder of its own (removed when dropped).
pub(super) struct Streamed {
    /// None: left to the whole loader.
    pub got: Option<crate::data::LoadedFirms>,
    /// The most text held at once (a window and the rows carried into the next).
    held: usize,
    dir: std::path::PathBuf,
}

impl Drop for Streamed {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// `text` streamed in windows of at least `window` bytes read `step` at a time.
pub(super) fn streamed(
    text: &(impl AsRef<[u8]> + ?Sized),
    step: usize,
    window: usize,
    opts: &FirmLoadOptions,
) -> Streamed {
    let text = text.as_ref();
    let mut source = MemSource::new(text, step);
    // One folder per call: tests run side by side.
    static CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let call = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("ca-stream-{}-{call}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("f.csv");
    std::fs::write(&path, text).unwrap();
    let file = Arc::new(FileRows::open(&path).unwrap().unwrap());
    let got = stream(&mut source, window, "f.csv", opts, file).expect("streamed");
    Streamed {
        got,
        held: source.held,
        dir,
    }
}

/// A streamed load equals the whole loader's: positions, segments, report, times, rows, ids.
fn assert_same_as_whole(
    text: &(impl AsRef<[u8]> + ?Sized),
    step: usize,
    window: usize,
    opts: &FirmLoadOptions,
    got: &crate::data::LoadedFirms,
) {
    let whole = load_firms_csv_bytes(text.as_ref(), "f.csv", opts).expect("whole");
    assert!(got.firms.attrs.is_released());
    let case = format!("step {step}, window {window}");
    let (a, b) = (&whole.firms, &got.firms);
    assert_eq!(a.len(), b.len(), "{case}");
    assert!(
        a.lonlat.iter().zip(&b.lonlat).all(|(p, q)| p == q),
        "{case}"
    );
    assert_eq!(a.segments, b.segments, "{case}");
    assert_eq!(a.segment, b.segment, "{case}");
    assert_eq!(whole.report, got.report, "{case}");
    assert_eq!(whole.times, got.times, "{case}");
    assert_eq!(rows_of(a), rows_of(b), "{case}");
    for i in (0..a.len()).step_by(5) {
        assert_eq!(a.id(i), b.id(i), "{case}: id of row {i}");
    }
}

/// `text` streamed in each (step, window): equal to the whole loader's load, holding at most
/// `held(step, window)` bytes at once.
fn assert_streams_within(
    text: &str,
    cases: &[(usize, usize)],
    held: impl Fn(usize, usize) -> usize,
) {
    let opts = FirmLoadOptions::default();
    for &(step, window) in cases {
        let s = streamed(text, step, window, &opts);
        let got = s.got.as_ref().expect("streamed");
        assert_same_as_whole(text, step, window, &opts, got);
        let most = held(step, window);
        assert!(
            s.held < most,
            "step {step}, window {window}: {} held",
            s.held
        );
    }
}

#[test]
fn windows_of_any_size_load_as_the_whole_file() {
    let text = awkward(400, false, 4);
    // Windows cut everywhere: inside quoted line breaks, CRLFs and multi-byte characters.
    for (step, window) in [
        (1, 1),
        (7, 50),
        (64, 333),
        (1000, 1),
        (13, 4096),
        (1 << 20, 1 << 20),
    ] {
        assert_same(&text, step, window);
    }
    assert_same(&awkward(300, false, 5), 11, 200);
    let whole = load_firms_csv_bytes(text.as_bytes(), "f.csv", &Default::default()).unwrap();
    // The oracle saw the awkward rows: skipped lines, dates not dates, repeated ids.
    assert!(
        whole.report.skipped_count > 30,
        "{:?}",
        whole.report.skipped_count
    );
    assert!(
        whole
            .report
            .warnings
            .iter()
            .any(|w| w.contains("not dates"))
    );
    assert!(whole.report.warnings.iter().any(|w| w.contains("repeated")));
}

#[test]
fn a_byte_order_mark_and_random_files_load_as_whole() {
    assert_same(&awkward(120, true, 9), 5, 97);
    // UTF-8 named by the user: the report names the encoding as the whole loader does.
    let utf8 = FirmLoadOptions {
        encoding: Some("UTF-8".into()),
        ..Default::default()
    };
    assert_same_with(&awkward(90, true, 2), 17, 300, &utf8);
    for seed in 0..6u64 {
        let text = awkward(60 + seed as usize * 37, seed.is_multiple_of(2), seed);
        let step = 1 + (seed as usize * 29) % 200;
        assert_same(&text, step, 1 + (seed as usize * 71) % 900);
    }
}

#[test]
fn text_that_is_not_utf8_throughout_or_not_a_table_is_left_to_the_whole_loader() {
    let opts = FirmLoadOptions::default();
    let dir = std::env::temp_dir().join(format!("ca-stream-no-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("any.csv"), "x").unwrap();
    let any = || Arc::new(FileRows::open(&dir.join("any.csv")).unwrap().unwrap());
    let mut bytes = awkward(50, false, 1).into_bytes();
    // A GBK byte pair late in the file.
    let at = bytes.len() - 10;
    bytes.splice(at..at, [0xC4, 0xE3]);
    let mut source = MemSource::new(&bytes, 100);
    assert!(
        stream(&mut source, 200, "f.csv", &opts, any())
            .unwrap()
            .is_none()
    );
    // UTF-8 but for a stray byte in the first window: not taken for GBK, left whole too.
    let mut stray = awkward(50, false, 1).into_bytes();
    stray.splice(30..30, [0xFF]);
    let mut source = MemSource::new(&stray, 100);
    assert!(
        stream(&mut source, 4000, "f.csv", &opts, any())
            .unwrap()
            .is_none()
    );
    let json = b"{\"type\": \"FeatureCollection\", \"features\": []}";
    let mut source = MemSource::new(json, 10);
    assert!(
        stream(&mut source, 10, "f.csv", &opts, any())
            .unwrap()
            .is_none()
    );
    // GBK named for a file with a byte-order mark, UTF-16, an encoding not known.
    let gbk = FirmLoadOptions {
        encoding: Some("GBK".into()),
        ..Default::default()
    };
    let text = awkward(5, true, 1);
    let (utf16, _, _) = encoding_rs::UTF_16LE.encode(&text);
    let mut utf16 = utf16.into_owned();
    utf16.splice(0..0, [0xFF, 0xFE]);
    let latin = FirmLoadOptions {
        encoding: Some("latin-1".into()),
        ..Default::default()
    };
    for (bytes, opts) in [
        (text.as_bytes(), &gbk),
        (&utf16, &opts),
        (text.as_bytes(), &latin),
    ] {
        let mut source = MemSource::new(bytes, 10);
        assert!(
            stream(&mut source, 10, "f.csv", opts, any())
                .unwrap()
                .is_none()
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `awkward` rows saved as GBK, with GB18030's four-byte characters and malformed sequences
/// (a lead byte alone before a comma, a quote, a line feed) among them.
fn awkward_gbk(n: usize, seed: u64) -> Vec<u8> {
    let text = awkward(n, false, seed).replace("企业1", "企业😀1");
    let (bytes, _, _) = encoding_rs::GB18030.encode(&text);
    let mut bytes = bytes.into_owned();
    let mut r = crate::model::Rng::new(seed + 100);
    for _ in 0..n / 10 {
        let at = (r.next_u64() as usize) % bytes.len();
        if at > 0 && matches!(bytes.get(at), Some(b',' | b'"' | b'\n')) && bytes[at - 1] < 0x80 {
            bytes.insert(at, 0x81 + (r.next_u64() % 0x7E) as u8);
        }
    }
    bytes
}

#[test]
fn gbk_files_stream_as_they_load_whole() {
    let gb18030 = FirmLoadOptions {
        encoding: Some("GB18030".into()),
        ..Default::default()
    };
    for seed in 0..6u64 {
        let bytes = awkward_gbk(150 + seed as usize * 40, seed);
        assert!(std::str::from_utf8(&bytes).is_err());
        let step = 1 + (seed as usize * 37) % 300;
        let window = 1 + (seed as usize * 97) % 1500;
        assert_same_with(&bytes, step, window, &FirmLoadOptions::default());
        assert_same_with(&bytes, step + 3, window / 2 + 1, &gb18030);
        let s = streamed(&bytes, step, window, &FirmLoadOptions::default());
        let got = s.got.as_ref().expect("streamable");
        assert_eq!(got.report.encoding.as_deref(), Some("gbk"));
        assert!(s.held < bytes.len() / 2, "{} of {}", s.held, bytes.len());
    }
    // UTF-8 text named GBK is read as GBK (its headers name no coordinates then), as the
    // whole loader reads it.
    let text = awkward(80, false, 3);
    let whole = load_firms_csv_bytes(text.as_bytes(), "f.csv", &gb18030).map(|_| ());
    let mut source = MemSource::new(text.as_bytes(), 11);
    let file = streamed(&text, 11, 300, &FirmLoadOptions::default());
    let path = file.dir.join("f.csv");
    let rows = Arc::new(FileRows::open(&path).unwrap().unwrap());
    let got = stream(&mut source, 300, "f.csv", &gb18030, rows);
    assert!(whole.is_err());
    match got {
        // A short first window whose header names no coordinates (they may lie below
        // title lines past it): the whole loader decides, with the error above.
        Ok(None) => {}
        other => assert_eq!(format!("{:?}", other.map(|_| ())), format!("{whole:?}")),
    }
}

#[test]
fn the_last_row_end_outside_quotes_is_found() {
    use super::stream::last_row_end;
    assert_eq!(last_row_end(b"a,b\nc,d\ne", false), Some(8));
    assert_eq!(last_row_end(b"a,b\nc,\"d\ne", false), Some(4));
    assert_eq!(last_row_end(b"a,\"b\nc\"\n", false), Some(8));
    assert_eq!(last_row_end(b"a,\"\"\"b\nc\"\nd", false), Some(10));
    assert_eq!(last_row_end(b"\"a\nb\nc", false), None);
    assert_eq!(last_row_end(b"abc", false), None);
    // R's escaped quotes do not count (as plain CSV, the odd quote hides both line ends).
    let r = b"\"a\\\"b\" 1\n\"c\" 2\nd";
    assert_eq!(last_row_end(r, true), Some(15));
    assert_eq!(last_row_end(r, false), None);
}

/// A file of several read blocks, its multi-byte characters crossing the blocks' and pieces'
/// edges, streams from disk as it loads whole (both read it in blocks checked as UTF-8 while
/// they land); with one byte that is not UTF-8 in its second block, the whole loader reads it
/// (as UTF-8, saying where the byte is).
#[test]
fn a_file_of_several_blocks_streams_as_it_loads_whole() {
    use crate::model::HASH_BLOCK;
    let dir = std::env::temp_dir().join(format!("ca-stream-blocks-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("f.csv");
    // awkward's rows without its unclosed quote at the end, repeated past two blocks.
    let whole_rows = |t: String| {
        t.get(..t.find("G1,").unwrap_or(t.len()))
            .unwrap()
            .to_string()
    };
    let mut text = whole_rows(awkward(20, false, 6));
    let rows = whole_rows(awkward(600, false, 8));
    let rows = rows.get(rows.find('\n').unwrap() + 1..).unwrap();
    while text.len() < 2 * HASH_BLOCK + 3_000_000 {
        text.push_str(rows);
    }
    std::fs::write(&path, &text).unwrap();
    let opts = FirmLoadOptions::default();
    let whole = crate::data::load_firms(&path, &opts).unwrap();
    let streamed = super::load_firms_csv_streamed(&path, &opts, HASH_BLOCK + 12_345)
        .unwrap()
        .expect("streamable");
    assert_eq!(whole.firms.len(), streamed.firms.len());
    assert!(whole.firms.len() > 200_000, "{}", whole.firms.len());
    assert_eq!(whole.report, streamed.report);
    assert_eq!(whole.firms.lonlat, streamed.firms.lonlat);
    assert!(crate::data::read_input(&path).unwrap().known_utf8());

    // A lone continuation byte just after the first block's end: the file is read as UTF-8
    // with the byte as U+FFFD and a warning naming its line; the first window holds it, so
    // the streamed load leaves the file to the whole loader.
    let n = whole.firms.len();
    let mut bytes = text.into_bytes();
    bytes.insert(HASH_BLOCK + 1, 0x80);
    std::fs::write(&path, &bytes).unwrap();
    assert!(!crate::data::read_input(&path).unwrap().known_utf8());
    let whole = crate::data::load_firms(&path, &opts).unwrap();
    assert!(whole.firms.len() + 1 >= n, "{} of {n}", whole.firms.len());
    let line = memchr::memchr_iter(b'\n', &bytes[..HASH_BLOCK + 1]).count() + 1;
    let warned = format!("not valid UTF-8 on line {line} read as");
    assert!(whole.report.warnings.iter().any(|w| w.contains(&warned)));
    let streamed = super::load_firms_csv_streamed(&path, &opts, HASH_BLOCK + 12_345);
    assert!(streamed.unwrap().is_none());
    // In the last window, after UTF-8 ones: left to the whole loader.
    bytes.remove(HASH_BLOCK + 1);
    let at = bytes.len() - 1000;
    bytes.insert(at, 0x80);
    std::fs::write(&path, &bytes).unwrap();
    assert!(
        super::load_firms_csv_streamed(&path, &opts, HASH_BLOCK + 12_345)
            .unwrap()
            .is_none()
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// awkward's text with its unclosed quote (`G1,"未闭合,…`) and last row without a line end
/// moved to the middle: `reps` copies of 300 of its rows follow.
fn unclosed_mid_file(reps: usize) -> String {
    let body = awkward(600, false, 8);
    let rows: Vec<&str> = body.split_inclusive('\n').skip(1).take(300).collect();
    let mut text = awkward(20, false, 6);
    text.push('\n');
    for _ in 0..reps {
        text.extend(rows.iter().copied());
    }
    text
}

/// A row with an unclosed quote in the middle of the file: the whole loader reads the same
/// rows and report however the body is cut into chunks (the later chunks were cut counting
/// the bad quote; they are read again after it), and reads on after the bad row.
#[test]
fn an_unclosed_quote_mid_file_reads_the_same_in_any_number_of_chunks() {
    use super::{Source, load_csv_chunked};
    // Bodies under 4 MB are read in one piece: these are 5 and 10 MB.
    for reps in [500, 1000] {
        let text = unclosed_mid_file(reps);
        assert!(text.len() > 5 << 20, "{}", text.len());
        let load = |n| {
            let source = Source::Owned(text.as_bytes().to_vec(), false);
            load_csv_chunked(source, "f.csv", &FirmLoadOptions::default(), n).unwrap()
        };
        let one = load(1);
        assert!(
            one.report
                .skipped
                .iter()
                .any(|s| s.kind == "unclosed_quote")
        );
        assert!(one.firms.len() > 200 * reps, "{}", one.firms.len());
        for n in [2, 3, 8, 40] {
            let many = load(n);
            // (Compared without printing: the reports hold thousands of skipped rows.)
            assert!(one.report == many.report, "{reps} copies in {n} chunks");
            assert!(one.firms.lonlat == many.firms.lonlat, "{reps} in {n}");
            assert_eq!(rows_of(&one.firms), rows_of(&many.firms), "{reps} in {n}");
        }
    }
}

/// 90,000 rows (6 MB) with a quote in the middle of row 3's unquoted name; every
/// `multiline`-th quoted address holds a line end.
fn stray_quote_text(multiline: Option<usize>) -> String {
    let mut text = String::from("编号,企业名称,地址,经度,纬度\n");
    for k in 0..90_000 {
        let name = if k == 3 {
            "示例\"星光".to_string()
        } else {
            format!("示例{k}")
        };
        let addr = if multiline.is_some_and(|m| k % m == 7) {
            format!("南山区示例路 {k} 号\n3楼")
        } else {
            format!("南山区示例路 {k} 号, 3楼")
        };
        let lon = 113.9 + (k % 1000) as f64 * 1e-4;
        text.push_str(&format!("F{k},{name},\"{addr}\",{lon:.4},22.5\n"));
    }
    text
}

/// A quote in the middle of an unquoted field early in a 6 MB body (text to the csv crate)
/// gives the same rows and report in any number of chunks as in one.
#[test]
fn a_stray_quote_inside_a_field_reads_the_same_in_any_number_of_chunks() {
    use super::{Source, load_csv_chunked};
    let text = stray_quote_text(None);
    assert!(text.len() > 5 << 20, "{}", text.len());
    let load = |n| {
        let source = Source::Owned(text.as_bytes().to_vec(), false);
        load_csv_chunked(source, "f.csv", &FirmLoadOptions::default(), n).unwrap()
    };
    let one = load(1);
    assert_eq!(one.firms.len(), 90_000);
    assert_eq!(one.firms.name(3), "示例\"星光");
    for n in [2, 16] {
        let many = load(n);
        assert!(one.report == many.report, "{n} chunks");
        assert!(one.firms.lonlat == many.firms.lonlat, "{n} chunks");
        assert_eq!(rows_of(&one.firms), rows_of(&many.firms), "{n} chunks");
    }
    // Streamed: the windows are cut by the quotes' parity, which the quote throws off for
    // the rest of the file; the window after it is that record alone (found by the csv
    // crate's rules), and no window runs on to the file's end.
    let cases = [(1 << 20, 1 << 20), (4096, 300_000)];
    assert_streams_within(&text, &cases, |step, window| window + step + 100_000);
}

/// Random rows (stray quotes, quoted line ends, doubled quotes, quotes never closed, bad
/// coordinates, repeated ids) streamed in random windows: each load equals the whole
/// loader's, or is left to it (a record carried on over more than two windows); nearly all
/// stream (before records left open were carried, about a quarter did).
#[test]
fn random_rows_stream_as_they_load_whole_or_are_left_to_the_whole_loader() {
    let mut rng = crate::model::Rng::new(83);
    let opts = FirmLoadOptions::default();
    let (mut streamed_n, mut with_stray) = (0, 0);
    for round in 0..200 {
        let mut text = String::from("编号,企业名称,地址,经度,纬度\n");
        for k in 0..(30 + round % 60) {
            text.push_str(&super::test_rows::random_row(&mut rng, k));
        }
        let step = 1 + (rng.next_u64() % 300) as usize;
        let window = 1 + (rng.next_u64() % 1500) as usize;
        let s = streamed(&text, step, window, &opts);
        if let Some(got) = &s.got {
            assert_same_as_whole(&text, step, window, &opts, got);
            streamed_n += 1;
            with_stray += usize::from(text.contains("示例\"星光"));
        }
    }
    assert!(
        streamed_n > 190 && with_stray > 90,
        "{streamed_n}, {with_stray}"
    );
}

/// The same file streamed: a window whose last record's quote runs on past it (by the csv
/// crate's rules, or a quote the loader skips as never closed once it sees where it pairs)
/// reads the rows before that record, and the record with the next window: the load equals
/// the whole loader's in windows of any size, holding little more than a window.
#[test]
fn an_unclosed_quote_mid_file_streams_as_it_loads_whole() {
    let text = unclosed_mid_file(5);
    let cases = [
        (4096, 100),
        (4096, 1000),
        (4096, 5000),
        (1, 1),
        (333, 20_000),
    ];
    assert_streams_within(&text, &cases, |step, window| 2 * window + step + 1000);
    assert_same(&text, 4096, text.len() + 1);
}

/// A quote never closed on every 50th row, each pairing with the next one's (pandas reads
/// the lines between into one field): every such row is skipped and the lines after it
/// read, in windows of any size, as the whole loader does.
#[test]
fn quotes_never_closed_throughout_stream_as_they_load_whole() {
    let mut text = String::from("编号,企业名称,经度,纬度\n");
    for k in 0..3000 {
        let name = if k % 50 == 7 {
            format!("\"示例{k}")
        } else {
            format!("示例{k}")
        };
        let lon = 113.9 + (k % 1000) as f64 * 1e-4;
        text.push_str(&format!("F{k},{name},{lon:.4},22.5\n"));
    }
    let opts = FirmLoadOptions::default();
    let whole = load_firms_csv_bytes(text.as_bytes(), "f.csv", &opts).unwrap();
    assert_eq!(
        whole.firms.len(),
        3000 - 60,
        "{:?}",
        whole.report.skipped.first()
    );
    // (A record runs on over about 1,250 bytes: windows of a third of that would carry it
    // over more than two windows, and leave the file to the whole loader.)
    let cases = [(4096, 800), (100, 3000), (7, 10_000), (1 << 20, 1 << 20)];
    assert_streams_within(&text, &cases, |step, window| 2 * window + step + 5000);
}

/// A stray quote early in a 6 MB body whose quoted addresses hold line ends every 50 KB: the
/// quotes' parity is thrown off, yet a field never seems to run on past a megabyte, so the
/// parity alone would cut inside quoted fields. The rows and report are those of one piece.
#[test]
fn a_stray_quote_among_multiline_fields_reads_the_same_in_any_number_of_chunks() {
    use super::{Source, load_csv_chunked};
    let text = stray_quote_text(Some(800));
    assert!(text.len() > 5 << 20, "{}", text.len());
    let load = |n| {
        let source = Source::Owned(text.as_bytes().to_vec(), false);
        load_csv_chunked(source, "f.csv", &FirmLoadOptions::default(), n).unwrap()
    };
    let one = load(1);
    assert_eq!(one.firms.len(), 90_000, "{:?}", one.report.skipped.first());
    for n in [2, 3, 16] {
        let many = load(n);
        assert_eq!(
            one.report.skipped.len(),
            many.report.skipped.len(),
            "{n} chunks"
        );
        assert!(one.report == many.report, "{n} chunks");
        assert!(one.firms.lonlat == many.firms.lonlat, "{n} chunks");
        assert_eq!(rows_of(&one.firms), rows_of(&many.firms), "{n} chunks");
    }
    // Streamed, the windows are cut by the parity too, and end inside quoted fields: each
    // such record is read with the next window.
    let cases = [(1 << 20, 9 << 19), (4096, 300_000)];
    assert_streams_within(&text, &cases, |step, window| 2 * window + step + 100_000);
}
