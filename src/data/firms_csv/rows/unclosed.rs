//! Rows whose quote is never closed: how the csv crate would read them, told apart from
//! fields that really hold line ends, and skipped with a report.

use super::{ChunkCtx, ChunkOut};

/// Skips the row on `line` whose quote, never closed, joined the lines up to `swallowed.end`
/// into one field, and has the reading resume at `swallowed.start`, after its first line.
pub(super) fn skip_unclosed(
    out: &mut ChunkOut<'_>,
    bytes: &[u8],
    swallowed: std::ops::Range<usize>,
    line: u64,
) {
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
    if eol < bytes.len() {
        out.resume = Some((eol, line + 1));
    }
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
    Some((open, unbalanced_quote_line(bytes, open, ctx, true)?))
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

/// For a record that spans lines: the end of its first line (where reading should resume)
/// when the quote that joined the lines looks unbalanced rather than a real multi-line field:
/// the first line alone already holds a whole row's worth of fields, or the quote runs to the
/// end of the text.
pub(super) fn unbalanced_quote_line(
    bytes: &[u8],
    start: usize,
    ctx: &ChunkCtx,
    runs_to_end: bool,
) -> Option<usize> {
    let start = past_line_ends(bytes, start)?;
    let rest = bytes.get(start..)?;
    let eol = rest
        .iter()
        .position(|c| *c == b'\n')
        .map(|off| start + off + 1)?;
    let first = bytes.get(start..eol)?;
    (runs_to_end || holds_a_whole_row(first, ctx)).then_some(eol)
}

#[cfg(test)]
mod tests {
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
