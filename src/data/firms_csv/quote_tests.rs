//! Tests of quoted fields on the fast path: delimiters, doubled quotes and line ends inside
//! quotes, against the csv crate.
use super::rows::parse_chunk_with;
use super::tests::with_ctx;
use super::*;

/// Random rows of `pieces` (40 a body, 200 bodies, LF and CRLF, with and without a final
/// newline): the fast path keeps the same rows, fields, segments, years and report as the csv
/// crate. Counts the bodies whose quotes took the fast path.
pub(super) fn random_rows_agree(pieces: &[&str], ctx: &ChunkCtx) {
    let mut rng = crate::model::Rng::new(16);
    let (mut quoted_fast, mut delimiter_in_quotes, mut escaped_fast) = (0, 0, 0);
    let mut multiline_fast = 0;
    for round in 0..200 {
        let crlf = round % 3 == 0;
        let mut body = String::new();
        for _ in 0..40 {
            let n = (rng.next_u64() % 8) as usize;
            let fields: Vec<&str> = (0..n)
                .map(|k| match k {
                    2 if rng.uniform() < 0.7 => "114.05",
                    3 if rng.uniform() < 0.7 => "22.54",
                    _ => pieces[(rng.next_u64() % pieces.len() as u64) as usize],
                })
                .collect();
            body.push_str(&fields.join(","));
            body.push_str(if crlf { "\r\n" } else { "\n" });
        }
        if round % 2 == 1 {
            body.pop(); // no final newline (and, with CRLF, a final '\r' the slow path reads)
            if crlf {
                body.pop();
            }
        }
        let fast = parse_chunk_with(&body, 2, ctx, true);
        let slow = parse_chunk_with(&body, 2, ctx, false);
        if body.contains('"')
            && let Some(shape) = crate::model::quotes::quote_shape(body.as_bytes(), b',')
        {
            quoted_fast += 1;
            delimiter_in_quotes += usize::from(body.contains(", 3 楼\""));
            escaped_fast += usize::from(shape.escaped);
            // Rows kept as their lines: the fast path read them.
            let as_lines =
                (0..fast.attrs.n_rows()).any(|r| fast.attrs.row_view(r).line().is_some());
            multiline_fast += usize::from(shape.multiline && as_lines);
        }
        assert_eq!(fast.lonlat.to_vec(), slow.lonlat.to_vec(), "{body:?}");
        assert_eq!(fast.segment.to_vec(), slow.segment.to_vec());
        assert_eq!(fast.segments, slow.segments);
        assert_eq!(fast.id_hash.to_vec(), slow.id_hash.to_vec(), "{body:?}");
        assert_eq!(fast.founded.to_vec(), slow.founded.to_vec(), "{body:?}");
        assert_eq!(fast.closed.to_vec(), slow.closed.to_vec(), "{body:?}");
        assert_eq!(fast.id_hash.len(), fast.lonlat.len());
        assert!(fast.founded.len() == fast.lonlat.len());
        assert_eq!(fast.report, slow.report, "{body:?}");
        assert_eq!(fast.attrs.n_rows(), slow.attrs.n_rows());
        for r in 0..fast.attrs.n_rows() {
            assert_eq!(
                fast.attrs.row(r).collect::<Vec<_>>(),
                slow.attrs.row(r).collect::<Vec<_>>(),
                "{body:?}"
            );
        }
    }
    // Whole-field quotes took the fast path in many rounds (when the pieces have quotes).
    if pieces.iter().any(|p| p.contains('"')) {
        assert!(quoted_fast > 50, "{quoted_fast}");
    }
    if pieces.iter().any(|p| p.contains(", 3 楼")) {
        assert!(delimiter_in_quotes > 10, "{delimiter_in_quotes}");
    }
    if pieces.iter().any(|p| p.len() > 2 && p.contains("\"\"")) {
        assert!(escaped_fast > 10, "{escaped_fast}");
    }
    if pieces
        .iter()
        .any(|p| p.starts_with('"') && p.contains('\n'))
    {
        assert!(multiline_fast > 10, "{multiline_fast}");
    }
}

/// Line ends inside quoted fields (LF and CRLF, at a field's start or end, beside doubled
/// quotes and delimiters, in coordinates, ids and dates): the fast path keeps the rows, their
/// fields and the skipped rows' line numbers as the csv crate does.
#[test]
fn line_ends_inside_quotes_agree_with_the_csv_crate_on_random_rows() {
    let pieces = [
        "\"深圳市\n南山区\"",
        "\"a\r\nb\"",
        "\"\n\"",
        "\"x, \"\"y\"\"\n\"",
        "\"hard\nware\"",
        "\"2015-03-02\n\"",
        "\"114.0\n5\"",
        "\"F\n1\"",
        "\"深圳市南山区, 3 楼\"",
        "bad",
    ];
    agree_mixed_with_plain_fields(&pieces);
}

/// Plain fields mixed into the random rows of the tests below.
const PLAIN: [&str; 6] = ["114.05", "22.54", "hardware", "2016-05-01", "", "示例"];

/// [`random_rows_agree`] on `pieces` and [`PLAIN`] fields, under a header with an id, a
/// name, coordinates, a segment and two date columns.
fn agree_mixed_with_plain_fields(pieces: &[&str]) {
    let all: Vec<&str> = pieces.iter().chain(&PLAIN).copied().collect();
    with_ctx("id,name,lon,lat,segment,founded,closed", |ctx| {
        random_rows_agree(&all, ctx);
    });
}

/// Doubled quotes inside quoted fields (names, segments, ids, dates and coordinates holding
/// them, a field that is only a quote, delimiters beside them), mixed with plain and quoted
/// fields: the fast path undoes them as the csv crate does.
#[test]
fn doubled_quotes_agree_with_the_csv_crate_on_random_rows() {
    let pieces = [
        "\"示例\"\"星光\"\"企业\"",
        "\"\"\"\"",
        "\"\"\"a\"",
        "\"x,\"\"y\"",
        "\"hard\"\"ware\"",
        "\"2015\"\"-03-02\"",
        "\"114.0\"\"5\"",
        "\"深圳市南山区, 3 楼\"",
        "\"\"",
    ];
    agree_mixed_with_plain_fields(&pieces);
}

/// Excel's text guards (`="…"`, bare or inside whole-field quotes) on every kind of field,
/// mixed with plain and quoted fields: the fast path takes them and keeps the rows and
/// fields the csv crate reads.
#[test]
fn guarded_cells_agree_with_the_csv_crate_on_random_rows() {
    let pieces = [
        "=\"114.05\"",
        "=\"22.54\"",
        "=\"hardware\"",
        "=\"2016-05-01\"",
        "=\"\"",
        "=\"示例\"",
        "=\"F1\"",
        "\"=\"\"深圳市南山区, 3 楼\"\"\"",
        "\"深圳市南山区, 3 楼\"",
    ];
    agree_mixed_with_plain_fields(&pieces);
}

/// Rows whose lines hold doubled quotes keep their undone fields when distant firms are
/// screened out around them (the rows after a removed one move up).
#[test]
fn undone_rows_survive_screening_out_distant_firms() {
    let mut text = String::from("id,name,lon,lat,note\n");
    let mut want = Vec::new();
    for k in 0..14 {
        let far = k == 3 || k == 9;
        let (lon, lat) = if far { (116.4, 39.9) } else { (114.05, 22.54) };
        let name = if k % 2 == 0 {
            format!("\"甲\"\"{k}\"\"\"")
        } else {
            format!("\"乙, {k}\"")
        };
        text.push_str(&format!("F{k},{name},{lon},{lat},n{k}\n"));
        if !far {
            let inner = name.strip_prefix('"').and_then(|n| n.strip_suffix('"'));
            let quoted = inner.unwrap_or_default().replace("\"\"", "\"");
            want.push(vec![
                format!("F{k}"),
                quoted,
                lon.to_string(),
                lat.to_string(),
                format!("n{k}"),
            ]);
        }
    }
    let f = load_firms_csv_bytes(text.as_bytes(), "t.csv", &FirmLoadOptions::default()).unwrap();
    assert_eq!(f.firms.len(), 12, "{:?}", f.report.skipped);
    for (i, w) in want.iter().enumerate() {
        let got: Vec<&str> = f.firms.attrs.row(i).collect();
        assert_eq!(got, *w, "row {i}");
        assert_eq!(f.firms.attrs.get(i, 1), w[1], "row {i}");
    }
}

/// An unclosed quote on the row after a CRLF-ended one is reported once, on its own line,
/// with the lines it would have swallowed; the rows after it load (the csv crate places that
/// record at the `\n` of the CRLF, which used to make the row count twice).
#[test]
fn an_unclosed_quote_after_a_crlf_row_is_reported_once() {
    for end in ["\r\n", "\n"] {
        let text = format!(
            "编号,企业名称,经度,纬度\nF1,甲,114.15,22.57{end}G1,\"未闭合,114.0,22.6\n\
             G2,后一行,114.01,22.61\nG3,最后一行,114.02,22.62"
        );
        let f = load_firms_csv_bytes(text.as_bytes(), "f.csv", &Default::default()).unwrap();
        let s = &f.report.skipped;
        assert_eq!(s.len(), 1, "{end:?}: {s:?}");
        assert_eq!((s[0].line, s[0].kind.as_str()), (Some(3), "unclosed_quote"));
        assert!(
            s[0].reason.contains("so 2 later line(s)"),
            "{}",
            s[0].reason
        );
        let ids: Vec<_> = (0..f.firms.len()).map(|i| f.firms.id(i)).collect();
        assert_eq!(ids, ["F1", "G2", "G3"], "{end:?}");
    }
}

/// A quote never closed, after random awkward rows and before plain ones (LF or CRLF, with or
/// without a final line end): skipping its record without reading the lines it swallows,
/// then reading on from where it says (as the loader's merge does), gives the csv crate's
/// rows, report and open record (the chunk read with the csv crate alone and read on the
/// same way is the oracle). Counts the bodies that took the shortcut.
#[test]
fn a_quote_never_closed_is_skipped_as_the_csv_crate_reads_it() {
    with_ctx("编号,企业名称,地址,经度,纬度", |ctx| {
        let mut rng = crate::model::Rng::new(77);
        let mut shortcut = 0;
        for round in 0..400usize {
            let mut body = String::new();
            for k in 0..(round % 30) {
                body.push_str(&super::test_rows::random_row(&mut rng, k));
            }
            body.push_str("F900,示例,\"未闭合 900,113.95,22.5\n");
            for k in 0..(round % 7) {
                body.push_str(&format!("F{k},示例{k},南山区,113.9{k},22.5\n"));
            }
            if round % 3 == 0 {
                body = body.replace('\n', "\r\n");
            }
            if round % 4 == 1 {
                body.truncate(body.trim_end().len());
            }
            let fast = parse_chunk_with(&body, 2, ctx, true);
            let open = super::chunks::open_tail(body.as_bytes(), b',');
            shortcut += usize::from(open.is_some() && fast.resume.is_some());
            let slow = parse_chunk_with(&body, 2, ctx, false);
            let (fast, slow) = (
                read_on(&body, fast, ctx, true),
                read_on(&body, slow, ctx, false),
            );
            assert!(fast == slow, "{body:?}\n{fast:?}\n{slow:?}");
        }
        assert!(shortcut > 200, "{shortcut}");
    });
}

/// What a chunk's reading gave, read on from where it says to resume (as the loader's merge
/// does): its report, coordinates and rows, and whether it ended inside quotes or stopped.
type ReadOn = (
    LoadReport,
    Vec<crate::model::LonLat>,
    Vec<Vec<String>>,
    bool,
    bool,
);

fn read_on(body: &str, mut out: super::rows::ChunkOut, ctx: &ChunkCtx, fast: bool) -> ReadOn {
    let rows = |o: &super::rows::ChunkOut| -> Vec<Vec<String>> {
        let r = 0..o.attrs.n_rows();
        r.map(|r| o.attrs.row(r).map(String::from).collect())
            .collect()
    };
    let (mut report, mut lonlat, mut got) = (out.report.clone(), out.lonlat.to_vec(), rows(&out));
    let mut at = 0;
    while let Some((off, line)) = out.resume {
        at += off;
        out = parse_chunk_with(&body[at..], line, ctx, fast);
        report.absorb(out.report.clone());
        lonlat.extend(out.lonlat.to_vec());
        got.extend(rows(&out));
    }
    (report, lonlat, got, out.open_at_end.is_some(), out.stopped)
}

/// A multi-line last column (notes, 经营范围 exported from Excel; doubled quotes and CRLF
/// inside) holds line ends; it is not a quote left open. Every row loads with its text as
/// the csv crate reads it (the oracle), in one piece and in many chunks, nothing is skipped
/// and nothing is read twice. Before, each such row was skipped as an unclosed quote and the
/// rest of the file read again after it: hours at a million rows.
#[test]
fn a_multiline_last_column_is_read_whole() {
    let mut text = String::from("id,name,lon,lat,notes\n");
    for k in 0..100_000 {
        let notes = match k % 4 {
            0 => "\"first line\nsecond, with a comma\"".to_string(),
            1 => format!("\"said \"\"hi\"\"\r\nthen {k}\""),
            _ => "plain".into(),
        };
        text.push_str(&format!("{k},n{k},114.{:04},22.5,{notes}\n", k % 10_000));
    }
    assert!(text.len() > 4 << 20, "{}", text.len());
    let want: Vec<Vec<String>> = csv::Reader::from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect();
    assert_eq!(want.len(), 100_000);
    for n in [1, 3, 16] {
        let source = Source::Owned(text.as_bytes().to_vec(), false);
        let f = load_csv_chunked(source, "f.csv", &FirmLoadOptions::default(), n).unwrap();
        assert!(
            f.report.skipped.is_empty(),
            "{n}: {:?}",
            &f.report.skipped[..1]
        );
        assert_eq!(super::test_rows::rows_of(&f.firms), want, "{n} chunks");
    }
}

/// A row with fewer fields than the header says how many, and when a field holds the
/// delimiter, that a quote may have joined fields: a stray quote in a name that closes at
/// the next field's quote moves the coordinates into the name, and the csv crate (like
/// pandas) splits the row in two. A whole row with an empty coordinate keeps the short
/// reason.
#[test]
fn a_short_row_says_how_many_fields_and_why() {
    let text = "id,name,lon,lat,notes\n1,\"甲,114.0,22.5,\"第一行\n第二行\"\n\
                2,乙\n3,丙,,22.5,x\n4,丁,114.1,22.6,y\n";
    let f = load_firms_csv_bytes(text.as_bytes(), "f.csv", &FirmLoadOptions::default()).unwrap();
    let reasons: Vec<(Option<u64>, &str)> = f
        .report
        .skipped
        .iter()
        .map(|s| (s.line, s.reason.as_str()))
        .collect();
    let joined = "longitude or latitude is empty: the row has 2 of the header's 5 fields, and a \
                  field holds the delimiter, so a quote may have joined fields; check this \
                  line's quotes";
    let short =
        |n| format!("longitude or latitude is empty: the row has {n} of the header's 5 fields");
    assert_eq!(reasons.len(), 4, "{reasons:?}");
    assert_eq!(reasons[0], (Some(2), joined));
    assert_eq!(reasons[1], (Some(3), short(1).as_str()));
    assert_eq!(reasons[2], (Some(4), short(2).as_str()));
    assert_eq!(reasons[3], (Some(5), "longitude or latitude is empty"));
    assert_eq!(f.firms.len(), 1);
}

/// Inside a chunk the csv crate reads, runs of lines between the awkward ones (stray quotes,
/// quotes never closed, line ends inside quotes) are split on the fast path: rows, fields,
/// positions, report and where the reading resumes equal the csv crate's alone (the oracle)
/// for runs of any length, on random rows.
#[test]
fn runs_between_awkward_lines_read_as_the_csv_crate_reads_them() {
    use super::rows::parse_chunk_runs;
    let mut rng = crate::model::Rng::new(29);
    let mut runs_taken = 0;
    super::tests::with_ctx("编号,企业名称,地址,经度,纬度", |ctx| {
        for round in 0..300 {
            let mut body = String::new();
            for k in 0..(20 + round % 80) {
                let row = super::test_rows::random_row(&mut rng, k);
                // Plain rows in between, and some CRLF line ends.
                let plain = (rng.next_u64() % 3) as usize;
                for j in 0..plain {
                    body.push_str(&format!("P{k}_{j},名{j},路 {j} 号,114.0{j},22.5\n"));
                }
                if round % 4 == 1 && k % 5 == 0 {
                    body.push_str(&row.replace('\n', "\r\n"));
                } else {
                    body.push_str(&row);
                }
            }
            let slow = parse_chunk_with(&body, 2, ctx, false);
            for min in [1, 40, 300] {
                let mixed = parse_chunk_runs(&body, 2, ctx, min);
                let case = format!("runs of {min}: {body:?}");
                assert_eq!(mixed.lonlat.to_vec(), slow.lonlat.to_vec(), "{case}");
                assert_eq!(mixed.segment.to_vec(), slow.segment.to_vec(), "{case}");
                assert_eq!(mixed.id_hash.to_vec(), slow.id_hash.to_vec(), "{case}");
                assert_eq!(mixed.report, slow.report, "{case}");
                assert_eq!(mixed.resume, slow.resume, "{case}");
                assert_eq!(mixed.open_at_end, slow.open_at_end, "{case}");
                assert_eq!(mixed.attrs.n_rows(), slow.attrs.n_rows(), "{case}");
                for r in 0..slow.attrs.n_rows() {
                    assert_eq!(
                        mixed.attrs.row(r).collect::<Vec<_>>(),
                        slow.attrs.row(r).collect::<Vec<_>>(),
                        "{case}"
                    );
                }
                let lines =
                    (0..mixed.attrs.n_rows()).filter(|r| mixed.attrs.row_view(*r).line().is_some());
                runs_taken += usize::from(lines.count() > 0);
            }
        }
    });
    assert!(runs_taken > 300, "{runs_taken}");
}
