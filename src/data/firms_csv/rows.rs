//! Parsing one chunk of CSV rows: the quote-free fast path and the csv crate, each row's
//! coordinates checked and converted, bad rows recorded with their line numbers.

use super::sink::{Col, Windows};
use super::{FirmColumns, parse_number};

use crate::data::LoadReport;
use crate::data::dates::DateColumns;
use crate::data::geometry::read_pair;
use crate::model::quotes::QuoteShape;
use crate::model::{AttrTable, LineRows, SegmentId};
use runs::{MIN_RUN, read_mixed};
pub(super) use segment_ids::RawTable;
use segment_ids::SegmentIds;
use std::sync::Arc;
use unclosed::{looks_unclosed, open_to_the_end, skip_unclosed};

mod csv_path;
mod runs;
mod segment_ids;
mod unclosed;

/// What a chunk parser needs to know about the file.
pub(super) struct ChunkCtx<'a> {
    pub(super) cols: &'a FirmColumns,
    pub(super) reader: &'a crate::crs::Reader,
    pub(super) delimiter: u8,
    pub(super) comma_decimal: bool,
    pub(super) headers: &'a [String],
    /// Date columns read into years as rows are split (None: the table has none).
    pub(super) dates: Option<&'a DateColumns>,
    /// The whole body has no quote and no carriage return (already checked).
    pub(super) plain: bool,
    /// The text the body lies in, when rows may point into it, and where the body starts
    /// there (None: each chunk copies the text of its rows).
    pub(super) shared: Option<(&'a Arc<String>, usize)>,
    /// Pieces a re-read of the body's rest is cut into ([`super::chunks::Chunks::reread`]).
    pub(super) reread: usize,
    /// The body ends the file's text. False for a streamed window before the last: a record
    /// whose quote runs to the body's end is left open there (`open_at_end`), not skipped,
    /// since the file may close it later.
    pub(super) ends_file: bool,
    /// The segment names earlier windows of the file gave, by their global ids, and a table
    /// of them: a piece's rows take them without interning, and the merge maps them back.
    pub(super) seed: Option<(&'a RawTable, &'a [String])>,
}

/// Firms parsed from one chunk of the file, with chunk-local segment ids. The columns go
/// into the chunk's windows of the final columns ([`Col`]).
pub(super) struct ChunkOut<'w> {
    pub(super) lonlat: Col<'w, crate::model::LonLat>,
    pub(super) segment: Col<'w, SegmentId>,
    pub(super) segments: Vec<String>,
    pub(super) attrs: AttrTable,
    /// Per kept row, read while the row was split: the id's hash (with an id column) and
    /// the founding and closing years (with date columns).
    pub(super) id_hash: Col<'w, u64>,
    pub(super) founded: Col<'w, i16>,
    pub(super) closed: Col<'w, i16>,
    pub(super) report: LoadReport,
    /// A quote opened and never closed swallowed the rest of the chunk: that row was skipped
    /// and parsing resumes at this byte offset (within the chunk) and line.
    pub(super) resume: Option<(usize, u64)>,
    /// The chunk's text ended inside a quoted field opened by the record at this byte offset
    /// (within the chunk) and line. In a chunk before the body's end the chunk was cut
    /// inside that field: the record is left for the body to be read again from it.
    pub(super) open_at_end: Option<(usize, u64)>,
    /// The chunk hit an error the reader cannot recover from; later chunks are not used.
    pub(super) stopped: bool,
}

impl<'w> ChunkOut<'w> {
    fn new(windows: Windows<'w>, headers: &[String]) -> Self {
        Self {
            lonlat: Col::new(windows.lonlat),
            segment: Col::new(windows.segment),
            segments: Vec::new(),
            attrs: AttrTable::new(headers.to_vec()),
            id_hash: Col::new(windows.id_hash),
            founded: Col::new(windows.founded),
            closed: Col::new(windows.closed),
            report: LoadReport::default(),
            resume: None,
            open_at_end: None,
            stopped: false,
        }
    }

    /// Keeps what was read from a kept row's other fields: its id's hash, its years.
    fn push_extras<R: Fields>(&mut self, row: &R, ctx: &ChunkCtx) {
        let field = |c: usize| row.field(c).unwrap_or("");
        if let Some(c) = ctx.cols.id {
            self.id_hash.push(super::ids::id_hash(
                crate::model::cell_text(field(c)).as_bytes(),
            ));
        }
        if let Some(d) = ctx.dates {
            let (f, c) = d.years(field);
            self.founded.push(f);
            self.closed.push(c);
        }
    }
}

/// Values read from every kept row while it was split, so later checks need not find the
/// fields again.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct RowExtras {
    pub(crate) id_hash: Vec<u64>,
    pub(crate) founded: Vec<i16>,
    pub(crate) closed: Vec<i16>,
}

impl RowExtras {
    pub(crate) fn retain(&mut self, keep: &[bool]) {
        for v in [&mut self.founded, &mut self.closed] {
            let mut k = keep.iter();
            v.retain(|_| *k.next().unwrap_or(&true));
        }
        let mut k = keep.iter();
        self.id_hash.retain(|_| *k.next().unwrap_or(&true));
    }
}

/// Field access shared by the csv crate's records and the quote-free fast path.
trait Fields {
    fn field(&self, i: usize) -> Option<&str>;
    fn all_fields(&self) -> impl Iterator<Item = &str>;
}

impl Fields for csv::StringRecord {
    fn field(&self, i: usize) -> Option<&str> {
        self.get(i)
    }
    fn all_fields(&self) -> impl Iterator<Item = &str> {
        self.iter()
    }
}

/// A line's fields with their quotes undone.
impl Fields for crate::model::quotes::UndoneRow {
    fn field(&self, i: usize) -> Option<&str> {
        self.field(i)
    }
    fn all_fields(&self) -> impl Iterator<Item = &str> {
        self.fields()
    }
}

impl Fields for Vec<&str> {
    fn field(&self, i: usize) -> Option<&str> {
        self.get(i).copied()
    }
    fn all_fields(&self) -> impl Iterator<Item = &str> {
        self.iter().copied()
    }
}

/// A field without the quotes around it (the fast path admits quotes only around a whole
/// field, with no quote inside).
fn unquote(f: &str) -> &str {
    crate::model::unquote_field(f)
}

/// A line of the chunk `text` (quotes only around whole fields): the ends of the fields the
/// loader reads (at most `need`), and the whole line for the rare full look (a blank-row
/// check, a field past those).
struct SplitLine<'a> {
    text: &'a str,
    /// The line is `text[start..end]` (without its `\r\n` or `\n`).
    start: usize,
    end: usize,
    delimiter: u8,
    /// Where each field but the last ends (its delimiter), for the first fields of the line.
    ends: &'a [usize],
    /// `ends` stopped at the fields the loader needs; later fields are found by splitting.
    full: bool,
    /// The chunk has quotes: delimiters inside them do not split.
    quoted: bool,
}

impl SplitLine<'_> {
    fn line(&self) -> &str {
        self.text.get(self.start..self.end).unwrap_or("")
    }

    /// A field past the ones the loader split: the line split again (rare).
    #[inline(never)]
    fn field_past(&self, i: usize) -> Option<&str> {
        self.all_fields().nth(i)
    }
}

impl Fields for SplitLine<'_> {
    #[inline]
    fn field(&self, i: usize) -> Option<&str> {
        let from = match i.checked_sub(1) {
            Some(p) => *self.ends.get(p)? + 1,
            None => self.start,
        };
        let to = match self.ends.get(i) {
            Some(e) => *e,
            None if self.full => return self.field_past(i),
            None if i == self.ends.len() => self.end,
            None => return None,
        };
        self.text.get(from..to).map(unquote)
    }
    fn all_fields(&self) -> impl Iterator<Item = &str> {
        crate::model::quotes::split_fields(self.line(), self.delimiter, self.quoted).map(unquote)
    }
}

/// Empty or only white space (Unicode's, as `str::trim`), without trimming the common case:
/// a field that starts with a visible ASCII character.
fn blank(s: &str) -> bool {
    match s.as_bytes().first() {
        Some(c) if c.is_ascii_graphic() => false,
        _ => s.trim().is_empty(),
    }
}

/// Why a row has no coordinates: when it has fewer fields than the header, how many, and
/// when one of them holds the delimiter, that a quote may have joined fields (a stray quote
/// in a name that closes at a later field's quote moves the coordinates into the name).
fn short_row_reason<R: Fields>(row: &R, ctx: &ChunkCtx) -> String {
    let (n, want) = (row.all_fields().count(), ctx.headers.len());
    if n >= want {
        return "longitude or latitude is empty".into();
    }
    let joined = row
        .all_fields()
        .any(|f| f.as_bytes().contains(&ctx.delimiter));
    if joined {
        format!(
            "longitude or latitude is empty: the row has {n} of the header's {want} fields, and \
             a field holds the delimiter, so a quote may have joined fields; check this line's \
             quotes"
        )
    } else {
        format!("longitude or latitude is empty: the row has {n} of the header's {want} fields")
    }
}

/// Checks one row's coordinates and keeps its position and segment, or records why it was
/// skipped. True when kept: the caller then stores the row's attributes.
fn take_row<R: Fields>(
    out: &mut ChunkOut<'_>,
    row: &R,
    line: u64,
    ctx: &ChunkCtx,
    interned: &mut SegmentIds<'_>,
) -> bool {
    let cols = ctx.cols;
    // A combined column's hex WKB point (PostGIS) holds its numbers as bytes.
    let wkb = cols
        .combined
        .then(|| super::wkb::hex_point(row.field(cols.lon)?.trim()))
        .flatten();
    let (lon_s, lat_s) = match wkb {
        Some(_) => ("", ""),
        None => cols.coord_text(|c| row.field(c), ctx.comma_decimal),
    };
    let missing = match wkb {
        // PostGIS writes an empty point's numbers as NaN.
        Some((a, b)) => !(a.is_finite() && b.is_finite()),
        None => blank(lon_s) || blank(lat_s),
    };
    // Only a row missing a coordinate can be blank.
    if missing && row.all_fields().all(|f| f.trim().is_empty()) {
        return false; // blank line
    }
    let report = &mut out.report;
    report.read += 1;
    if missing {
        let why = if cols.combined {
            let value = row.field(cols.lon).unwrap_or("").trim();
            match wkb {
                Some(_) => format!("'{value}' is an empty point (POINT EMPTY)"),
                None => format!("'{value}' does not hold both longitude and latitude"),
            }
        } else {
            short_row_reason(row, ctx)
        };
        report.skip_line(line, "missing", why);
        return false;
    }
    let parsed = match (
        parse_number(lon_s, ctx.comma_decimal),
        parse_number(lat_s, ctx.comma_decimal),
    ) {
        _ if wkb.is_some() => wkb,
        (Some(a), Some(b)) if a.is_finite() && b.is_finite() => Some((a, b)),
        // Not read, or not finite (pandas' `NaN`): a missing-value marker says why.
        other => {
            if let Some(why) = super::missing_reason(lon_s, lat_s) {
                report.skip_line(line, "missing", why);
                return false;
            }
            other.0.zip(other.1)
        }
    };
    let Some((a, b)) = parsed else {
        report.skip_line(
            line,
            "unparsable",
            format!(
                "longitude/latitude '{}', '{}' is not a number",
                lon_s.trim(),
                lat_s.trim()
            ),
        );
        return false;
    };
    let (lon, lat, _) = match cols.in_order((a, b), (lon_s, lat_s)) {
        Ok(ordered) => ordered,
        Err(why) => {
            report.skip_line(line, "swapped", why);
            return false;
        }
    };
    let ll = match read_pair(lon, lat, ctx.reader) {
        Ok(ll) => ll,
        Err(p) => {
            report.skip_line(line, p.kind, p.message);
            return false;
        }
    };
    out.lonlat.push(ll);
    let seg = cols.segment.and_then(|c| row.field(c)).unwrap_or("");
    let id = interned.id(&mut out.segments, seg);
    out.segment.push(id);
    true
}

/// Parses the records of `body[range]` (no header), numbering lines from `first_line`. Chunks
/// without quotes or stray carriage returns take a fast path that splits lines directly;
/// the rest go through the csv crate.
/// `quotes`: the chunk's quotes are known to wrap whole fields only, and how (None: not
/// checked).
pub(super) fn parse_chunk<'w>(
    body: &str,
    range: std::ops::Range<usize>,
    first_line: u64,
    ctx: &ChunkCtx,
    windows: Windows<'w>,
    quotes: Option<QuoteShape>,
) -> ChunkOut<'w> {
    let (at, last) = (range.start, range.end >= body.len() && ctx.ends_file);
    let chunk = body.get(range).unwrap_or("");
    let fast = match quotes {
        Some(shape) => Fast::QuotesChecked(shape),
        None => Fast::Check,
    };
    parse_piece(chunk, (body, at, last), first_line, ctx, windows, fast)
}

/// Whether a chunk may take the fast path.
#[derive(Clone, Copy, PartialEq)]
enum Fast {
    /// Never (tests of the csv crate's path).
    #[cfg(test)]
    No,
    /// Not for the chunk, but for runs of lines of at least this many bytes inside it
    /// (tests of [`read_mixed`]).
    #[cfg(test)]
    Runs(usize),
    /// When its quotes and carriage returns allow it.
    Check,
    /// Its quotes are known to allow it, and how; its carriage returns are checked.
    QuotesChecked(QuoteShape),
}

/// [`parse_chunk`] on a chunk of its own (without a shared text), read by the csv crate
/// with runs of at least `min_run` bytes of lines between awkward ones on the fast path.
#[cfg(test)]
pub(super) fn parse_chunk_runs(
    chunk: &str,
    first_line: u64,
    ctx: &ChunkCtx,
    min_run: usize,
) -> ChunkOut<'static> {
    let text = (chunk, 0, true);
    let windows = Windows::default();
    parse_piece(chunk, text, first_line, ctx, windows, Fast::Runs(min_run))
}

/// [`parse_chunk`] on a chunk of its own (without a shared text), the fast path allowed or
/// not.
#[cfg(test)]
pub(super) fn parse_chunk_with(
    chunk: &str,
    first_line: u64,
    ctx: &ChunkCtx,
    allow_fast: bool,
) -> ChunkOut<'static> {
    let fast = if allow_fast { Fast::Check } else { Fast::No };
    parse_piece(
        chunk,
        (chunk, 0, true),
        first_line,
        ctx,
        Windows::default(),
        fast,
    )
}

/// One chunk, `at` bytes into the body (`last`: it ends the body).
fn parse_piece<'w>(
    chunk: &str,
    (body, at, last): (&str, usize, bool),
    first_line: u64,
    ctx: &ChunkCtx,
    windows: Windows<'w>,
    fast: Fast,
) -> ChunkOut<'w> {
    let rows_hint = chunk.len() / 60;
    let mut interned = SegmentIds::seeded(ctx.seed);
    let bytes = chunk.as_bytes();
    // Fast when every quote only wraps a whole field and every carriage return ends a line
    // (the splitter already knows when the whole body has neither).
    let quoted = !ctx.plain && memchr::memchr(b'"', bytes).is_some();
    let quote_shape = || match fast {
        Fast::QuotesChecked(shape) => Some(shape),
        _ if !quoted => Some(QuoteShape::default()),
        _ => crate::model::quotes::quote_shape(bytes, ctx.delimiter),
    };
    // Every carriage return ends a line (`\r\n`), in one pass (Windows files have one a line).
    let crs_ok = || memchr::memchr_iter(b'\r', bytes).all(|r| bytes.get(r + 1) == Some(&b'\n'));
    #[cfg(test)]
    let (allowed, min_run) = match fast {
        Fast::No => (false, usize::MAX),
        Fast::Runs(min) => (false, min),
        _ => (true, MIN_RUN),
    };
    #[cfg(not(test))]
    let (allowed, min_run) = (true, MIN_RUN);
    let shape = match (allowed, ctx.plain) {
        (false, _) => None,
        (true, true) => Some(QuoteShape::default()),
        (true, false) => quote_shape()
            .filter(|_| crs_ok())
            .filter(|s| !s.multiline || !looks_unclosed(bytes, ctx)),
    };
    if shape.is_none()
        && allowed
        && last
        && let Some(open) = open_to_the_end(bytes, ctx)
    {
        return parse_before_open(chunk, (body, at, open), first_line, ctx, windows, fast);
    }
    let mut out = ChunkOut::new(windows, ctx.headers);
    if let Some(shape) = shape
        && u32::try_from(chunk.len()).is_ok()
    {
        let lines = LineRows {
            delimiter: ctx.delimiter,
            quoted,
            multiline: shape.multiline,
        };
        let text = (chunk, at, lines, shape.escaped);
        let _ = parse_lines(text, first_line, ctx, &mut out, &mut interned);
        return out;
    }
    out.attrs = AttrTable::with_capacity(ctx.headers.to_vec(), rows_hint / 8, chunk.len() / 8);
    let text = (chunk, body, at);
    read_mixed(
        text,
        (first_line, min_run),
        last,
        ctx,
        &mut out,
        &mut interned,
    );
    out
}

/// A chunk ending the body whose record at `open.0` opens a quote never closed (a row
/// with a stray quote at its start, or the body read again from such a row): the csv crate
/// would read every line after it into that record (0.3 s at a million rows) only to skip
/// it. The same outcome without that: the text before the record parsed as any chunk,
/// the record skipped, and the reading resumed after its first line (`open.1`).
fn parse_before_open<'w>(
    chunk: &str,
    (body, at, open): (&str, usize, (usize, usize)),
    first_line: u64,
    ctx: &ChunkCtx,
    windows: Windows<'w>,
    fast: Fast,
) -> ChunkOut<'w> {
    let ((start, eol), bytes) = (open, chunk.as_bytes());
    let head = chunk.get(..start).unwrap_or("");
    // The text before ends where the csv crate starts a record: not `last`.
    let mut out = parse_piece(head, (body, at, false), first_line, ctx, windows, fast);
    if let Some(open) = out.open_at_end.take() {
        // A row before it was skipped (a quote that swallowed lines by this loader's rule,
        // not the csv crate's), and the reading after it ended inside quotes: the rest is
        // read again from that record, this one with it (it starts after the skipped row,
        // past the chunk's start, so the reading moves on).
        out.resume = Some(open);
    }
    if out.resume.is_some() || out.stopped {
        return out;
    }
    let line = first_line + memchr::memchr_iter(b'\n', head.as_bytes()).count() as u64;
    out.open_at_end = Some((start, line));
    out.resume = skip_unclosed(&mut out, bytes, eol..bytes.len(), line);
    out
}

/// The fast path (no quotes, or quotes around whole fields): one scan for delimiters and
/// line ends outside quotes over the whole chunk (past the fields the loader reads, straight
/// to the line's end); kept rows are remembered by where their line starts, in the shared
/// text (the chunk is `at` bytes into the body) or in a copy of the chunk. With `escaped`
/// (doubled quotes somewhere), a line holding `""` is split and undone on its own, and its
/// fields kept beside the lines. With `lines.multiline`, a quoted field may hold line ends:
/// a row runs to the first line end outside quotes, and line numbers count the ones inside.
/// Returns the line after the chunk's last.
fn parse_lines(
    (chunk, at, lines, escaped): (&str, usize, LineRows, bool),
    first_line: u64,
    ctx: &ChunkCtx,
    out: &mut ChunkOut<'_>,
    interned: &mut SegmentIds<'_>,
) -> u64 {
    let bytes = chunk.as_bytes();
    let cols = ctx.cols;
    // The fields read from a row (ids, coordinates, segment, dates): `need` of them at most.
    let read = [cols.lon, cols.lat]
        .into_iter()
        .chain(cols.segment)
        .chain(cols.id)
        .chain(
            ctx.dates
                .iter()
                .flat_map(|d| d.closed.iter().copied().chain([d.founded])),
        );
    let (need, wanted) = read.fold((1, 0u64), |(n, w), c| {
        (n.max(c + 1), w | 1u64.checked_shl(c as u32).unwrap_or(0))
    });
    let mut starts: Vec<u32> = Vec::with_capacity(bytes.len() / 60);
    // The delimiters of the line's first `need` fields.
    let mut ends: Vec<usize> = Vec::with_capacity(need);
    let mut cuts =
        crate::model::scan::Separators::with_quotes(bytes, ctx.delimiter, b'\n', lines.quoted);
    let doubled = memchr::memmem::Finder::new(b"\"\"");
    // Rows whose lines hold doubled quotes (undone from their lines when read).
    let mut undone = Vec::new();
    let mut undone_row = crate::model::quotes::UndoneRow::default();
    let (mut line_start, mut line_no) = (0, first_line);
    while line_start < bytes.len() {
        ends.clear();
        let newline = loop {
            if ends.len() == need {
                break cuts.next_b();
            }
            match cuts.next_match() {
                Some((at, false)) => ends.push(at),
                Some((at, true)) => break Some(at),
                None => break None,
            }
        };
        let line_end = newline.unwrap_or(bytes.len());
        // A `\r` before the `\n` ends the line's last field, not the row.
        let end = match bytes.get(line_end.wrapping_sub(1)) {
            Some(b'\r') if line_end > line_start => line_end - 1,
            _ => line_end,
        };
        let line = chunk.get(line_start..end).unwrap_or("");
        // (Empty quoted fields, `""`, need no undoing.)
        if escaped
            && doubled.find(line.as_bytes()).is_some()
            && crate::model::quotes::has_escaped_quote(line.as_bytes())
        {
            let row = &mut undone_row;
            row.undo_wanted(line, ctx.delimiter, wanted);
            if take_row(out, row, line_no, ctx, interned) {
                out.push_extras(row, ctx);
                undone.push(starts.len() as u32);
                starts.push(line_start as u32);
            }
        } else {
            let row = SplitLine {
                text: chunk,
                start: line_start,
                end,
                delimiter: ctx.delimiter,
                full: ends.len() == need,
                ends: &ends,
                quoted: lines.quoted,
            };
            if take_row(out, &row, line_no, ctx, interned) {
                out.push_extras(&row, ctx);
                starts.push(line_start as u32);
            }
        }
        if lines.multiline {
            // Line ends inside quotes: the next row starts that many lines further on.
            let row = bytes.get(line_start..line_end).unwrap_or(&[]);
            line_no += memchr::memchr_iter(b'\n', row).count() as u64;
        }
        line_start = line_end + 1;
        line_no += 1;
    }
    let headers = ctx.headers.to_vec();
    let mut table = match ctx.shared {
        Some((text, body_at)) => {
            let from = body_at + at;
            AttrTable::from_shared_lines(
                headers,
                Arc::clone(text),
                from..from + chunk.len(),
                starts,
                lines,
            )
        }
        None => {
            let to = chunk.len();
            AttrTable::from_shared_lines(headers, Arc::new(chunk.to_owned()), 0..to, starts, lines)
        }
    };
    if !undone.is_empty() {
        table.set_undone_rows(undone);
    }
    // (A run of lines inside a chunk the csv crate reads follows its rows.)
    if out.attrs.n_rows() == 0 {
        out.attrs = table;
    } else {
        out.attrs.append(table);
    }
    line_no
}
