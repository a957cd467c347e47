//! Rows whose quote is never closed: how the csv crate would read them, told apart from
//! fields that really hold line ends, and skipped with a report.

use super::{ChunkCtx, ChunkOut};

/// Skips the row on `line` whose quote, never closed, joined the lines up to `swallowed.end`
/// into one field; the reading resumes at `swallowed.start`, after its first line, on the
/// line returned (None: the row ends the text).
pub(super) fn skip_unclosed(
    out: &mut ChunkOut<'_>,
    bytes: &[u8],
    swallowed: std::ops::Range<usize>,
    line: u64,
) -> Option<(usize, u64)> {
    let (eol, end) = (swallowed.start, swallowed.end.max(swallowed.start));
    let swallowed = bytes.get(eol..end).map_or(0, non_empty_lines);
    out.report.read += 1;
    out.report.skip_line(
        line,
        "unclosed_quote",
        format!(
            "a quote opened on this line is not closed on it, so {swallowed} later \
             line(s) would have been read into one field; this row is skipped and the \
             following lines are read normally; close or remove the quote"
        ),
    );
    (eol < bytes.len()).then_some((eol, line + 1))
}

/// A record at the start of `rest` (the body from it on) that a chunk's end cut inside a
/// quote: read whole from the body, and when the loader skips it as an unclosed quote
/// (spanning lines, [`unbalanced_quote_line`]), skipped with the lines it swallows, as a
/// reading of the whole body reports it; where to read on (after its first line) is
/// returned. None when it is not skipped, runs to the body's end (which may not be the
/// file's: a streamed window) or its first line does not end in the chunk (`in_chunk` bytes
/// of `rest`): the body is then read again from it.
pub(super) fn skip_across(
    (rest, in_chunk): (&[u8], usize),
    ctx: &ChunkCtx,
    out: &mut ChunkOut<'_>,
    line: u64,
) -> Option<(usize, u64)> {
    // Where the csv crate ends the record (None: it runs on past the body), and whether
    // it spans lines: it ends after a later line end than its first.
    let start = past_line_ends(rest, 0)?;
    let record = rest.get(start..)?;
    let end = start + super::super::chunks::RecordEnd::default().find(record, ctx.delimiter)?;
    let first_eol = start + memchr::memchr(b'\n', record)? + 1;
    if end >= rest.len() || end <= first_eol {
        return None;
    }
    let eol = unbalanced_quote_line(rest, start..end, ctx, false).filter(|e| *e <= in_chunk)?;
    skip_unclosed(out, rest, eol..end, line)
}

/// The row starting at `bytes[from]` (a line's start, on line `line`) when its line leaves
/// a quote open and the loader skips it as never closed ([`unbalanced_quote_line`]): the
/// record's extent is found by the csv crate's rules without reading the lines its quote
/// swallows into one field. Where to read on (after its first line); None when the line
/// is not such a row, its record runs on past `bytes`, or it ends the text.
pub(super) fn skip_open_line(
    bytes: &[u8],
    (from, line): (usize, u64),
    ctx: &ChunkCtx,
    out: &mut ChunkOut<'_>,
) -> Option<(usize, u64)> {
    let rest = bytes.get(from..)?;
    if matches!(rest.first(), None | Some(b'\n' | b'\r')) {
        return None;
    }
    let first_eol = memchr::memchr(b'\n', rest)? + 1;
    let quotes = memchr::memchr_iter(b'"', rest.get(..first_eol)?).count();
    if quotes.is_multiple_of(2) {
        return None;
    }
    let end = super::super::chunks::RecordEnd::default().find(rest, ctx.delimiter)?;
    if end <= first_eol {
        return None;
    }
    let eol = unbalanced_quote_line(rest, 0..end, ctx, false).filter(|e| *e < end)?;
    let (eol, next) = skip_unclosed(out, rest, eol..end, line)?;
    Some((from + eol, next))
}

/// How many lines of `b` hold something (`b.split('\n')`'s non-empty pieces), found with
/// `memchr`: the swallowed text may be the rest of a large file.
fn non_empty_lines(b: &[u8]) -> usize {
    let (mut count, mut start) = (0, 0);
    for nl in memchr::memchr_iter(b'\n', b) {
        count += usize::from(nl > start);
        start = nl + 1;
    }
    count + usize::from(b.len() > start)
}

/// In a text that ends the body, a record whose quote is never closed and whose field
/// therefore swallows later lines: where it starts and where its first line ends.
pub(super) fn open_to_the_end(bytes: &[u8], ctx: &ChunkCtx) -> Option<(usize, usize)> {
    let open = past_line_ends(
        bytes,
        super::super::chunks::open_tail(bytes, ctx.delimiter)?,
    )?;
    Some((open, unbalanced_quote_line(bytes, open..open, ctx, true)?))
}

/// Where the record the csv crate placed at `start` begins (past a line end it may be placed
/// at), when that record runs to the end of `bytes` inside a quoted field.
pub(super) fn open_record(bytes: &[u8], start: Option<u64>, delimiter: u8) -> Option<usize> {
    let from = past_line_ends(bytes, start.map_or(0, |s| s as usize))?;
    super::super::chunks::ends_in_quotes(bytes, from, delimiter).then_some(from)
}

/// Where a record the csv crate placed at `start` begins: it may place a record after a
/// CRLF at its `\n`, and the row starts after it.
pub(super) fn past_line_ends(bytes: &[u8], start: usize) -> Option<usize> {
    let ends = bytes.get(start..)?.iter();
    Some(start + ends.take_while(|c| matches!(c, b'\r' | b'\n')).count())
}

/// Whether a row spanning lines looks like an unclosed quote rather than a field holding
/// line ends: its first line alone holds a whole row's worth of fields (what
/// [`unbalanced_quote_line`] tells the csv crate's path, which then skips the row and reads
/// on from the next line; the fast path leaves such a chunk to it).
pub(super) fn looks_unclosed(bytes: &[u8], ctx: &ChunkCtx) -> bool {
    let mut start = 0;
    let ends = crate::model::scan::Separators::outside_quotes(bytes, b'\n', b'\n');
    for end in ends.chain(std::iter::once(bytes.len())) {
        let row = bytes.get(start..end).unwrap_or(&[]);
        if let Some(first) = memchr::memchr(b'\n', row)
            && holds_a_whole_row(&row[..first], ctx)
            && !multiline_last_field(row, ctx)
        {
            return true;
        }
        start = end + 1;
    }
    false
}

/// Whether a line alone holds a whole row's worth of fields (the header's count, at least
/// two): a quote left open on it is taken for an unclosed one, not a multi-line field.
fn holds_a_whole_row(line: &[u8], ctx: &ChunkCtx) -> bool {
    memchr::memchr_iter(ctx.delimiter, line).count() + 1 >= ctx.headers.len().max(2)
}

/// Whether `row`, one record's text spanning lines, reads as the header's count of fields
/// whose last alone holds the line ends, quoted whole with every quote inside it doubled: a
/// real multi-line last column (notes, 经营范围), not a quote left open. Its first line holds
/// a whole row's worth of delimiters, as an unclosed quote's does; an unclosed quote that
/// swallowed lines up to a later quote leaves a lone quote inside the field, or more fields.
fn multiline_last_field(row: &[u8], ctx: &ChunkCtx) -> bool {
    let row = row.strip_suffix(b"\n").unwrap_or(row);
    let row = row.strip_suffix(b"\r").unwrap_or(row);
    let (mut fields, mut at) = (1, 0);
    // Fields before the last: plain, or quoted whole on the first line.
    while fields < ctx.headers.len() {
        let rest = row.get(at..).unwrap_or_default();
        let end = if rest.first() == Some(&b'"') {
            match quoted_field_end(rest) {
                Some(e) if rest.get(..e).is_some_and(|f| !f.contains(&b'\n')) => e,
                _ => return false,
            }
        } else {
            memchr::memchr2(ctx.delimiter, b'\n', rest).unwrap_or(rest.len())
        };
        if rest.get(end) != Some(&ctx.delimiter) {
            return false;
        }
        at += end + 1;
        fields += 1;
    }
    let last = row.get(at..).unwrap_or_default();
    last.first() == Some(&b'"') && quoted_field_end(last) == Some(last.len())
}

/// The end of the quoted field `field` starts with (just past its closing quote), doubled
/// quotes inside it read as one; None when it is never closed.
fn quoted_field_end(field: &[u8]) -> Option<usize> {
    let mut i = 1;
    loop {
        i += memchr::memchr(b'"', field.get(i..)?)? + 1;
        if field.get(i) != Some(&b'"') {
            return Some(i);
        }
        i += 1;
    }
}

/// For a record that spans lines (`record`, its byte range): the end of its first line (where
/// reading should resume) when the quote that joined the lines looks unbalanced rather than
/// a real multi-line field: the first line alone already holds a whole row's worth of fields
/// (unless the line ends are all in a well-quoted last field), or the quote runs to the end
/// of the text.
pub(super) fn unbalanced_quote_line(
    bytes: &[u8],
    record: std::ops::Range<usize>,
    ctx: &ChunkCtx,
    runs_to_end: bool,
) -> Option<usize> {
    let start = past_line_ends(bytes, record.start)?;
    let rest = bytes.get(start..)?;
    let eol = rest
        .iter()
        .position(|c| *c == b'\n')
        .map(|off| start + off + 1)?;
    let first = bytes.get(start..eol)?;
    let whole = || bytes.get(start..record.end.max(start)).unwrap_or_default();
    (runs_to_end || (holds_a_whole_row(first, ctx) && !multiline_last_field(whole(), ctx)))
        .then_some(eol)
}

#[cfg(test)]
mod tests {
    /// Hand-worked records of a five-column header: a well-quoted multi-line last field
    /// passes; a lone quote inside it (an open quote that swallowed lines up to a later
    /// row's quote), an extra or a missing field, a line end in an earlier field, or a
    /// field left open do not.
    #[test]
    fn a_multiline_last_field_is_told_from_an_open_quote() {
        let cases: [(&str, bool); 12] = [
            ("1,n,114,22,\"first\nsecond, with comma\"\n", true),
            ("1,n,114,22,\"said \"\"hi\"\"\r\nthen\"\r\n", true),
            ("1,\"n, quoted\",114,22,\"a\nb\"", true),
            ("1,n,114,22,\"\"\"\n\"", true),
            ("1,n,114,22,\"\"\"\"\n\"", false),
            ("1,n,114,22,\"desc\n2,m,114,22,\"x\"\n", false),
            (
                "1,n,114,22,\"desc\n2,m,114,22,desc\n3,k,114,22,\"x\",y\n",
                false,
            ),
            ("1,n,114,22,5,\"a\nb\"\n", false),
            ("1,n,114,\"a\nb\"\n", false),
            ("1,\"n\nm\",114,22,\"a\nb\"\n", false),
            ("1,n,114,22,\"a\nb", false),
            ("1,n,114,22,x\"a\nb\"\n", false),
        ];
        super::super::super::tests::with_ctx("id,name,lon,lat,notes", |ctx| {
            for (row, want) in cases {
                assert_eq!(
                    super::multiline_last_field(row.as_bytes(), ctx),
                    want,
                    "{row:?}"
                );
            }
        });
    }

    /// The count equals splitting at line ends and dropping the empty pieces, on random text
    /// of line ends and other bytes.
    #[test]
    fn non_empty_lines_count_as_split_does() {
        let mut rng = crate::model::Rng::new(3);
        for _ in 0..5000 {
            let len = (rng.next_u64() % 12) as usize;
            let b: Vec<u8> = (0..len)
                .map(|_| b"\n\ra"[(rng.next_u64() % 3) as usize])
                .collect();
            let want = b.split(|c| *c == b'\n').filter(|l| !l.is_empty()).count();
            assert_eq!(super::non_empty_lines(&b), want, "{b:?}");
        }
    }
}
