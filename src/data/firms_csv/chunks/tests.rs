//! The cuts against the csv crate's own record positions, and the csv rules' walk against
//! stepping byte by byte.

use super::*;

/// Rows whose quoted notes span many lines, so rough cuts fall inside quotes: every cut
/// moves to a line end outside quotes (by an independent count of the quotes before it),
/// some cuts did move, every piece passes the quote check as multi-line, and the pieces'
/// line counts add up to the text's.
#[test]
fn cuts_inside_quoted_line_ends_move_past_them() {
    let mut text = String::new();
    for k in 0..30_000 {
        let note: String = (0..k % 40).map(|j| format!("第{j}行, 说明\n")).collect();
        text.push_str(&format!("F{k},\"{note}\",114.{k:05},22.5\n"));
    }
    assert!(text.len() > 4 << 20);
    let bytes = text.as_bytes();
    let chunks = split_chunks(&text, 16, b',');
    let rough = crate::model::scan::newline_cuts(bytes, bytes.len() / 16);
    let starts: Vec<usize> = chunks.pieces.iter().map(|p| p.start).collect();
    assert!(starts.iter().any(|s| !rough.contains(s)), "no cut moved");
    for p in &chunks.pieces {
        let before = bytes[..p.start].iter().filter(|b| **b == b'"').count();
        assert!(before % 2 == 0, "cut at {} inside quotes", p.start);
        assert!(p.start == 0 || bytes[p.start - 1] == b'\n');
        let shape = p.quotes.expect("quotes wrap whole fields");
        assert!(shape.multiline || p.end - p.start < 2_000);
    }
    let lines: u64 = chunks.pieces.iter().map(|p| p.lines).sum();
    assert_eq!(lines, bytecount(bytes, b'\n'));
    assert!(chunks.pieces.len() > 8);
}

/// Register rows with quoted addresses and notes, where one name holds a quote in the
/// middle of an unquoted field (text to the csv crate; it flips the quotes' parity of the
/// rest): the body is still cut into many pieces, and every cut is where the csv crate
/// starts a record (the oracle: its records' positions).
#[test]
fn a_stray_quote_inside_a_field_leaves_the_cuts_where_records_start() {
    let mut text = String::new();
    for k in 0..60_000 {
        let name = if k == 7 {
            format!("示例\"星光科技{k}")
        } else {
            format!("示例科技{k}")
        };
        let note = if k % 1000 == 999 {
            "第一行, 第二行"
        } else {
            "无"
        };
        text.push_str(&format!(
            "{k},{name},\"深圳市南山区示例路 {k} 号, 3楼\",114.{k:05},22.5,\"{note}\"\n"
        ));
    }
    assert!(text.len() > 4 << 20);
    let chunks = split_chunks(&text, 16, b',');
    assert!(chunks.pieces.len() > 8, "{} pieces", chunks.pieces.len());
    let starts = record_starts(&text);
    assert_eq!(starts.len(), 60_000);
    assert_cuts_start_records(&chunks, &starts);
    let lines: u64 = chunks.pieces.iter().map(|p| p.lines).sum();
    assert_eq!(lines, bytecount(text.as_bytes(), b'\n'));
}

/// One stray quote: the parity's cuts take their bearings again after it (all at record
/// starts); a stray quote every 40,000 rows (3 MB, so the parity's search past each runs
/// beyond [`FAR`]): more than
/// [`BEARINGS`], and the text is cut by the csv crate's rules instead, again at record
/// starts.
#[test]
fn stray_quotes_are_read_past_by_taking_bearings_or_by_the_csv_rules() {
    for (every, by_parity) in [(usize::MAX, true), (40_000, false)] {
        let mut text = String::new();
        for k in 0..300_000 {
            let q = if k % every == 7 { "\"" } else { "" };
            text.push_str(&format!(
                "{k},示例{q}科技{k},\"深圳市南山区示例路 {k} 号, 3楼\",114.{k:05},22.5\n"
            ));
        }
        let bytes = text.as_bytes();
        let rough = crate::model::scan::newline_cuts(bytes, bytes.len() / 16);
        let cuts = parity_cuts(bytes, &rough, b',');
        assert_eq!(cuts.is_some(), by_parity, "every {every}");
        let starts = record_starts(&text);
        for cut in cuts.iter().flatten() {
            assert!(
                *cut == bytes.len() || starts.contains(&(*cut as u64)),
                "{cut}"
            );
        }
        let chunks = split_chunks(&text, 16, b',');
        assert!(chunks.pieces.len() > 8, "{} pieces", chunks.pieces.len());
        assert_cuts_start_records(&chunks, &starts);
    }
}

/// A stray quote among quoted addresses that hold line ends every 800 rows: the parity,
/// thrown off, would take line ends inside those addresses for cuts; the pieces that then
/// fail the quote check send the text to the csv crate's rules, and every cut is where
/// it starts a record.
#[test]
fn a_stray_quote_among_multiline_fields_leaves_the_cuts_where_records_start() {
    let mut text = String::new();
    for k in 0..90_000 {
        let name = if k == 3 {
            "示例\"星光".to_string()
        } else {
            format!("示例{k}")
        };
        let addr = if k % 800 == 7 {
            format!("南山区示例路 {k} 号\n3楼")
        } else {
            format!("南山区示例路 {k} 号, 3楼")
        };
        text.push_str(&format!("F{k},{name},\"{addr}\",113.9,22.5\n"));
    }
    let chunks = split_chunks(&text, 16, b',');
    assert!(chunks.pieces.len() > 8, "{} pieces", chunks.pieces.len());
    assert_cuts_start_records(&chunks, &record_starts(&text));
}

/// A quote that opens a field and is never closed, a third of the way into rows without
/// quotes: the csv crate reads the rest as one field, so every cut lies before it (the
/// oracle: its records' positions), and the cuts before it are kept.
#[test]
fn after_a_quote_never_closed_no_cut_is_made() {
    let mut text = String::new();
    for k in 0..120_000 {
        let q = if k == 40_000 { "\"" } else { "" };
        text.push_str(&format!("{k},{q}示例科技{k},114.{k:05},22.5,无\n"));
    }
    assert!(text.len() > 4 << 20);
    let chunks = split_chunks(&text, 16, b',');
    let starts = record_starts(&text);
    assert_eq!(starts.len(), 40_001);
    assert!(chunks.pieces.len() >= 4, "{} pieces", chunks.pieces.len());
    assert_cuts_start_records(&chunks, &starts);
}

/// [`RecordEnd`], fed random rows (stray quotes, quoted line ends, doubled quotes, quotes
/// never closed) from each record start on in random steps, finds where the csv crate,
/// reading the text whole, starts the next record (the oracle).
#[test]
fn record_ends_are_where_the_csv_crate_starts_records() {
    let mut rng = crate::model::Rng::new(71);
    let mut checked = 0;
    for round in 0..300 {
        let mut text = String::new();
        for k in 0..(5 + round % 40) {
            text.push_str(&super::super::test_rows::random_row(&mut rng, k));
        }
        // A last row without a line end: its start is a record start when outside quotes.
        text.push_str("Z,z");
        // The csv crate places a record after blank lines at the blank lines' start: a line
        // end among them also ends a record.
        let bytes = text.as_bytes();
        let mut sorted: Vec<usize> = Vec::new();
        for s in record_starts(&text) {
            let mut at = s as usize;
            sorted.push(at);
            while matches!(bytes.get(at), Some(b'\n' | b'\r')) {
                at += 1;
                if bytes[at - 1] == b'\n' {
                    sorted.push(at);
                }
            }
        }
        sorted.sort_unstable();
        sorted.dedup();
        for pair in sorted.windows(2) {
            let (from, want) = (pair[0], pair[1]);
            let rest = &text.as_bytes()[from..];
            let mut end = RecordEnd::default();
            let mut len = 0;
            let got = loop {
                len = (len + 1 + (rng.next_u64() % 50) as usize).min(rest.len());
                if let Some(e) = end.find(&rest[..len], b',') {
                    break Some(from + e);
                }
                if len == rest.len() {
                    break None;
                }
            };
            assert_eq!(got, Some(want), "round {round}, from {from} in {text:?}");
            checked += 1;
        }
        // The last record runs to the end: no end is found.
        let last = sorted.last().copied().unwrap_or(0);
        let tail = &text.as_bytes()[last..];
        assert_eq!(RecordEnd::default().find(tail, b','), None, "round {round}");
    }
    assert!(checked > 3000, "{checked}");
}

/// The skipping walk ends in the state that stepping byte by byte reaches, from every
/// state, on random text of quotes, delimiters, line ends and letters; with `stop`, at the
/// first line end where stepping starts a record.
#[test]
fn the_walk_steps_as_byte_by_byte() {
    let mut rng = crate::model::Rng::new(5);
    for _ in 0..20_000 {
        let len = (rng.next_u64() % 40) as usize;
        let bytes: Vec<u8> = (0..len)
            .map(|_| b"\",;\n\rab"[(rng.next_u64() % 7) as usize])
            .collect();
        let delimiter = if rng.next_u64().is_multiple_of(2) {
            b','
        } else {
            b';'
        };
        for from in [Field::Start, Field::Plain, Field::Quoted, Field::Closing] {
            let by_byte = bytes.iter().fold(from, |s, b| s.step(*b, delimiter));
            assert_eq!(
                from.after(&bytes, delimiter),
                by_byte,
                "{bytes:?} from {from:?}"
            );
            let mut state = from;
            let first_end = bytes.iter().position(|b| {
                state = state.step(*b, delimiter);
                *b == b'\n' && state == Field::Start
            });
            let (at_end, end) = from.walk(&bytes, delimiter, true);
            assert_eq!(end, first_end.map(|e| e + 1), "{bytes:?} from {from:?}");
            if end.is_none() {
                assert_eq!(at_end, by_byte, "{bytes:?} from {from:?}");
            }
        }
    }
}

/// Where the csv crate, reading `text` whole, starts each record (the oracle for cuts).
fn record_starts(text: &str) -> std::collections::HashSet<u64> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes())
        .byte_records()
        .map(|r| r.unwrap().position().unwrap().byte())
        .collect()
}

fn assert_cuts_start_records(chunks: &Chunks, starts: &std::collections::HashSet<u64>) {
    for p in &chunks.pieces {
        assert!(starts.contains(&(p.start as u64)), "cut at {}", p.start);
    }
}

fn bytecount(bytes: &[u8], b: u8) -> u64 {
    bytes.iter().filter(|c| **c == b).count() as u64
}
