//! The csv crate's path for chunks the fast path cannot take (stray quotes, carriage returns
//! inside fields): records read one by one, rows with an unclosed quote skipped and the
//! reading resumed after them.

use super::unclosed::{open_record, skip_across, skip_unclosed, unbalanced_quote_line};
use super::{ChunkCtx, ChunkOut, take_row};
use crate::data::firms_csv::chunks::LineCounter;

/// The csv crate's reading of `bytes` (a chunk `at` bytes into `body`) from offset `from.0`
/// (line `from.1`) into `out`, to the end, to a row skipped for an unclosed quote, or to
/// the first record that ends at or past `stop_at`: then where to read on.
pub(super) fn read_records(
    (bytes, body, at): (&[u8], &[u8], usize),
    (from, first_line): (usize, u64),
    (last, stop_at): (bool, usize),
    ctx: &ChunkCtx,
    out: &mut ChunkOut<'_>,
    interned: &mut super::SegmentIds<'_>,
) -> Option<(usize, u64)> {
    let bytes = bytes.get(from..)?;
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(ctx.delimiter)
        .flexible(true)
        .has_headers(false)
        .from_reader(bytes);
    let mut lines = LineCounter::new(bytes, first_line);
    let mut line_at = |byte: Option<u64>| lines.line_at(byte);
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => return None,
            Err(e) => {
                let line = line_at(e.position().map(|p| p.byte()));
                out.report.read += 1;
                out.report
                    .skip_line(line, "unreadable", format!("cannot read the row ({e})"));
                // csv cannot resynchronise after an I/O-level error; UTF-8 errors are per row.
                if !matches!(e.kind(), csv::ErrorKind::Utf8 { .. }) {
                    out.stopped = true;
                    return None;
                }
                continue;
            }
        }
        let start = record.position().map(|p| p.byte());
        let line = line_at(start);
        // A quoted field opened in this record runs to the end of the text: in a chunk
        // before the body's end, the chunk was cut inside it (the body is read again from
        // this record); at the body's end, the quote is never closed.
        let open = (reader.position().byte() as usize >= bytes.len())
            .then(|| open_record(bytes, start, ctx.delimiter))
            .flatten();
        if let Some(open_at) = open {
            out.open_at_end = Some((from + open_at, line));
            if !last {
                // The chunk was cut inside this record's quote, often a quote the loader
                // skips that the chunks' cuts did not (they follow the csv crate): decided
                // here from the text after the chunk when it can be, else read again.
                let rest = body.get(at + from + open_at..).unwrap_or_default();
                let in_chunk = bytes.len().saturating_sub(open_at);
                let (eol, next_line) = skip_across((rest, in_chunk), ctx, out, line)?;
                out.open_at_end = None;
                return Some((from + open_at + eol, next_line));
            }
        }
        let end = reader.position().byte() as usize;
        let record_at = start.unwrap_or(0) as usize..end;
        if record.iter().any(|f| f.contains('\n'))
            && let Some(eol) = unbalanced_quote_line(bytes, record_at, ctx, open.is_some())
        {
            // An unbalanced quote: the csv reader joined later lines into this field.
            let (eol, next_line) = skip_unclosed(out, bytes, eol..end, line)?;
            if open.is_some() {
                // It ran to the text's end, where the body (or a streamed window) may have
                // been cut inside it: the rest is read again as the loader decides.
                out.resume = Some((from + eol, next_line));
                return None;
            }
            return Some((from + eol, next_line));
        }
        if take_row(out, &record, line, ctx, interned) {
            out.push_extras(&record, ctx);
            out.attrs.push_row(record.iter());
        }
        if from + end >= stop_at {
            let newlines = memchr::memchr_iter(b'\n', bytes.get(..end)?).count() as u64;
            return Some((from + end, first_line + newlines));
        }
    }
}
