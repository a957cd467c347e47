//! Parsing one chunk of CSV rows: the quote-free fast path and the csv crate, each row's
//! coordinates checked and converted, bad rows recorded with their line numbers.

use super::chunks::LineCounter;
use super::{FirmColumns, parse_number};

use crate::data::LoadReport;
use crate::data::geometry::read_pair;
use crate::model::{AttrTable, Firms, SegmentId};

/// What a chunk parser needs to know about the file.
pub(super) struct ChunkCtx<'a> {
    pub(super) cols: &'a FirmColumns,
    pub(super) reader: &'a crate::crs::Reader,
    pub(super) delimiter: u8,
    pub(super) comma_decimal: bool,
    pub(super) headers: &'a [String],
}

/// Firms parsed from one chunk of the file, with chunk-local segment ids.
pub(super) struct ChunkOut {
    pub(super) lonlat: Vec<crate::model::LonLat>,
    pub(super) segment: Vec<SegmentId>,
    pub(super) segments: Vec<String>,
    pub(super) attrs: AttrTable,
    pub(super) report: LoadReport,
    /// A quote opened and never closed swallowed the rest of the chunk: that row was skipped
    /// and parsing resumes at this byte offset (within the chunk) and line.
    pub(super) resume: Option<(usize, u64)>,
    /// The chunk hit an error the reader cannot recover from; later chunks are not used.
    pub(super) stopped: bool,
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

impl Fields for Vec<&str> {
    fn field(&self, i: usize) -> Option<&str> {
        self.get(i).copied()
    }
    fn all_fields(&self) -> impl Iterator<Item = &str> {
        self.iter().copied()
    }
}

/// Checks one row's coordinates and keeps it, or records why it was skipped.
fn take_row<R: Fields>(
    out: &mut ChunkOut,
    row: &R,
    line: u64,
    ctx: &ChunkCtx,
    interned: &mut std::collections::HashMap<String, SegmentId>,
) {
    let cols = ctx.cols;
    if row.all_fields().all(|f| f.trim().is_empty()) {
        return; // blank line
    }
    let report = &mut out.report;
    report.read += 1;
    let (lon_s, lat_s) = (
        row.field(cols.lon).unwrap_or(""),
        row.field(cols.lat).unwrap_or(""),
    );
    if lon_s.trim().is_empty() || lat_s.trim().is_empty() {
        report.skip_line(line, "missing", "longitude or latitude is empty".into());
        return;
    }
    let (Some(lon), Some(lat)) = (
        parse_number(lon_s, ctx.comma_decimal),
        parse_number(lat_s, ctx.comma_decimal),
    ) else {
        report.skip_line(
            line,
            "unparsable",
            format!(
                "longitude/latitude '{}', '{}' is not a number",
                lon_s.trim(),
                lat_s.trim()
            ),
        );
        return;
    };
    let ll = match read_pair(lon, lat, ctx.reader) {
        Ok(ll) => ll,
        Err(p) => {
            report.skip_line(line, p.kind, p.message);
            return;
        }
    };
    out.lonlat.push(ll);
    let seg = cols.segment.and_then(|c| row.field(c)).unwrap_or("");
    // Few segments: a linear search is fastest; many distinct values: a map.
    let id = if out.segments.len() < 16 {
        Firms::intern_segment(&mut out.segments, seg)
    } else if let Some(id) = interned.get(seg.trim()) {
        *id
    } else {
        let id = Firms::intern_segment(&mut out.segments, seg);
        interned.insert(seg.trim().to_string(), id);
        id
    };
    out.segment.push(id);
    out.attrs.push_row(row.all_fields());
}

/// Parses the records of one chunk (no header), numbering lines from `first_line`. Chunks
/// without quotes or stray carriage returns take a fast path that splits lines directly;
/// the rest go through the csv crate.
pub(super) fn parse_chunk(chunk: &str, first_line: u64, ctx: &ChunkCtx) -> ChunkOut {
    parse_chunk_with(chunk, first_line, ctx, true)
}

pub(super) fn parse_chunk_with(
    chunk: &str,
    first_line: u64,
    ctx: &ChunkCtx,
    allow_fast: bool,
) -> ChunkOut {
    let rows_hint = chunk.len() / 60;
    let mut out = ChunkOut {
        lonlat: Vec::with_capacity(rows_hint),
        segment: Vec::with_capacity(rows_hint),
        segments: Vec::new(),
        attrs: AttrTable::with_capacity(ctx.headers.to_vec(), rows_hint, chunk.len()),
        report: LoadReport::default(),
        resume: None,
        stopped: false,
    };
    let mut interned = std::collections::HashMap::new();
    let bytes = chunk.as_bytes();
    let n_cr = bytes.iter().filter(|b| **b == b'\r').count();
    let simple = allow_fast
        && !bytes.contains(&b'"')
        && (n_cr == 0 || n_cr == chunk.matches("\r\n").count());
    if simple {
        let delim = ctx.delimiter as char;
        let mut fields: Vec<&str> = Vec::with_capacity(ctx.headers.len());
        for (k, raw) in chunk.split_terminator('\n').enumerate() {
            let line = raw.strip_suffix('\r').unwrap_or(raw);
            fields.clear();
            fields.extend(line.split(delim));
            take_row(&mut out, &fields, first_line + k as u64, ctx, &mut interned);
        }
        return out;
    }
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(ctx.delimiter)
        .flexible(true)
        .has_headers(false)
        .from_reader(chunk.as_bytes());
    let odd_quotes = bytes.iter().filter(|b| **b == b'"').count() % 2 == 1;
    let mut lines = LineCounter::new(bytes, first_line);
    let mut line_at = |byte: Option<u64>| lines.line_at(byte);
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                let line = line_at(e.position().map(|p| p.byte()));
                out.report.read += 1;
                out.report
                    .skip_line(line, "unreadable", format!("cannot read the row ({e})"));
                // csv cannot resynchronise after an I/O-level error; UTF-8 errors are per row.
                if !matches!(e.kind(), csv::ErrorKind::Utf8 { .. }) {
                    out.stopped = true;
                    break;
                }
                continue;
            }
        }
        let start = record.position().map(|p| p.byte());
        let line = line_at(start);
        if record.iter().any(|f| f.contains('\n'))
            && let Some(eol) = unbalanced_quote_line(
                bytes,
                start.unwrap_or(0) as usize,
                ctx,
                odd_quotes && reader.position().byte() as usize >= bytes.len(),
            )
        {
            // An unbalanced quote: the csv reader joined later lines into this field.
            let swallowed = {
                let end = reader.position().byte() as usize;
                bytes.get(eol..end.max(eol)).map_or(0, |b| {
                    b.split(|c| *c == b'\n').filter(|l| !l.is_empty()).count()
                })
            };
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
            break;
        }
        take_row(&mut out, &record, line, ctx, &mut interned);
    }
    out
}

/// For a record that spans lines: the end of its first line (where reading should resume)
/// when the quote that joined the lines looks unbalanced rather than a real multi-line field:
/// the first line alone already holds a whole row's worth of fields, or the quote runs to the
/// end of the text.
fn unbalanced_quote_line(
    bytes: &[u8],
    start: usize,
    ctx: &ChunkCtx,
    runs_to_end: bool,
) -> Option<usize> {
    let rest = bytes.get(start..)?;
    let eol = rest
        .iter()
        .position(|c| *c == b'\n')
        .map(|off| start + off + 1)?;
    let first = bytes.get(start..eol)?;
    let fields = first.iter().filter(|c| **c == ctx.delimiter).count() + 1;
    (runs_to_end || fields >= ctx.headers.len().max(2)).then_some(eol)
}
