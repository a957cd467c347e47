//! Chunks the fast path refused (stray quotes, quotes never closed, line ends inside
//! quotes) read by the csv crate, with the runs of plain lines between the awkward ones
//! still split on the fast path.

use super::csv_path::read_records;
use super::unclosed;
use super::{ChunkCtx, ChunkOut, LineRows, QuoteShape, SegmentIds, parse_lines};

/// The csv crate's path over a chunk whose quotes the fast path refused, with the runs of
/// lines between the awkward ones still on the fast path: the csv crate reads from a
/// record's start up to where such a run starts (or on past it, when a quoted field spans
/// it), and a run that starts where the csv crate ended a record, with simple quotes and
/// line ends, is split as lines. After a row skipped for an unclosed quote, the reading goes
/// on from the line after its first, in this chunk: each skip costs the lines its quote
/// swallowed, not the rest of the file read again (quadratic: 8 s for a million rows with a
/// thousand stray quotes).
pub(super) fn read_mixed(
    (chunk, body, at): (&str, &str, usize),
    (first_line, min_run): (u64, usize),
    last: bool,
    ctx: &ChunkCtx,
    out: &mut ChunkOut<'_>,
    interned: &mut SegmentIds<'_>,
) {
    let bytes = chunk.as_bytes();
    let text = (bytes, body.as_bytes(), at);
    let mut from = (0, first_line);
    // The next run found, kept while the reading has not passed its start: the lines
    // between hold no run from any line's start either.
    let mut found: Option<Option<std::ops::Range<usize>>> = None;
    while from.0 < bytes.len() {
        let run = match &found {
            Some(r) if r.as_ref().is_none_or(|r| r.start >= from.0) => r.clone(),
            _ => found.insert(next_even_run(bytes, from.0, min_run)).clone(),
        };
        if let Some(run) = run.clone().filter(|r| r.start == from.0) {
            let lines = run_shape(bytes.get(run.clone()).unwrap_or_default(), ctx.delimiter);
            if let (Some(lines), Some(piece)) = (lines, chunk.get(run.clone())) {
                let text = (piece, at + run.start, lines.0, lines.1);
                from = (run.end, parse_lines(text, from.1, ctx, out, interned));
                continue;
            }
        }
        if let Some(next) = unclosed::skip_open_line(bytes, from, ctx, out) {
            from = next;
            continue;
        }
        // Up to the next run, or over a run the fast path refused.
        let stop_at = match run {
            Some(r) if r.start == from.0 => r.end,
            Some(r) => r.start,
            None => bytes.len(),
        };
        match read_records(text, from, (last, stop_at), ctx, out, interned) {
            Some(next) => from = next,
            None => break,
        }
    }
}

/// The shortest run of lines worth splitting on the fast path inside a chunk the csv crate
/// reads (bytes).
pub(super) const MIN_RUN: usize = 8 << 10;

/// The first run of at least `min` bytes of whole lines from `from` on (a line's start),
/// each holding an even number of quotes: it ends at the start of the next line that holds
/// an odd number (or the text's end).
fn next_even_run(bytes: &[u8], from: usize, min: usize) -> Option<std::ops::Range<usize>> {
    let rest = bytes.get(from..)?;
    let mut quotes = memchr::memchr_iter(b'"', rest).map(|q| q + from).peekable();
    let mut run_start = from;
    while let Some(q) = quotes.next() {
        let line_end = memchr::memchr(b'\n', bytes.get(q..)?).map_or(bytes.len(), |e| q + e + 1);
        let mut n = 1;
        while quotes.next_if(|p| *p < line_end).is_some() {
            n += 1;
        }
        if n % 2 == 1 {
            let before = bytes.get(run_start..q)?;
            let line_start =
                memchr::memrchr(b'\n', before).map_or(run_start, |e| run_start + e + 1);
            if line_start - run_start >= min {
                return Some(run_start..line_start);
            }
            run_start = line_end;
        }
    }
    (bytes.len() - run_start >= min).then_some(run_start..bytes.len())
}

/// How the fast path splits a run of lines: its quotes wrap whole fields without line ends
/// inside them, and each carriage return ends a line; None otherwise.
fn run_shape(run: &[u8], delimiter: u8) -> Option<(LineRows, bool)> {
    let quoted = memchr::memchr(b'"', run).is_some();
    let shape = if quoted {
        crate::model::quotes::quote_shape(run, delimiter)?
    } else {
        QuoteShape::default()
    };
    let crs_ok = memchr::memchr_iter(b'\r', run).all(|r| run.get(r + 1) == Some(&b'\n'));
    let lines = LineRows {
        delimiter,
        quoted,
        multiline: false,
    };
    (!shape.multiline && crs_ok).then_some((lines, shape.escaped))
}
