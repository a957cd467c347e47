//! The rows do not depend on where the body is cut into chunks: cuts at any line ends, also
//! inside quoted fields, against the body read in one piece.
use super::chunks::{Chunks, Piece};
use super::test_rows::{random_row, rows_of};
use super::*;

/// The body cut after the line ends `picked` chooses (any line end, inside quotes or not);
/// a re-read cut into `reread` pieces.
fn cut_at_line_ends(body: &str, reread: usize, mut picked: impl FnMut() -> bool) -> Chunks {
    let bytes = body.as_bytes();
    let mut cuts = vec![0];
    cuts.extend(
        memchr::memchr_iter(b'\n', bytes)
            .map(|nl| nl + 1)
            .filter(|&c| c < bytes.len() && picked()),
    );
    cuts.push(bytes.len());
    let mut line = 1;
    let pieces = cuts
        .windows(2)
        .map(|w| {
            let lines = memchr::memchr_iter(b'\n', &bytes[w[0]..w[1]]).count() as u64;
            let piece = Piece {
                start: w[0],
                end: w[1],
                first_line: line,
                lines,
                quotes: None,
            };
            line += lines;
            piece
        })
        .collect();
    Chunks {
        pieces,
        plain: false,
        reread,
    }
}

/// Random bodies cut at random line ends, inside quoted fields too: the same rows, fields,
/// positions and report as the body read in one piece (the csv crate's record rules; a chunk
/// cut inside a quoted field is read again from the record it cut).
#[test]
fn any_cuts_at_line_ends_read_the_same_as_one_piece() {
    let mut rng = crate::model::Rng::new(61);
    let opts = FirmLoadOptions::default();
    let mut cut_inside = 0;
    for round in 0..300 {
        let mut text = String::from("编号,企业名称,地址,经度,纬度\n");
        for k in 0..(20 + round % 60) {
            text.push_str(&random_row(&mut rng, k));
        }
        if round % 4 == 1 {
            text.pop(); // no final line end
        }
        let load = |chunks: Option<Chunks>| {
            let source = Source::Owned(text.as_bytes().to_vec(), false);
            let result = match chunks {
                None => load_csv_chunked(source, "f.csv", &opts, 1),
                Some(c) => load_csv_cut(source, "f.csv", &opts, |_, _| c),
            };
            result.expect("loads")
        };
        let one = load(None);
        let body = &text[text.find('\n').unwrap() + 1..];
        let p = 0.05 + (round % 5) as f64 * 0.2;
        let reread = 1 + (rng.next_u64() % 6) as usize;
        let chunks = cut_at_line_ends(body, reread, || rng.uniform() < p);
        cut_inside += usize::from(chunks.pieces.iter().any(|c| {
            c.start > 0 && super::chunks::ends_in_quotes(&body.as_bytes()[..c.start], 0, b',')
        }));
        let many = load(Some(chunks));
        assert_eq!(one.report, many.report, "round {round}: {text:?}");
        assert_eq!(one.firms.lonlat, many.firms.lonlat, "round {round}");
        assert_eq!(rows_of(&one.firms), rows_of(&many.firms), "round {round}");
    }
    // Most bodies were cut inside a quoted field somewhere.
    assert!(cut_inside > 150, "{cut_inside}");
}
