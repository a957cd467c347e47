//! Firms from delimited text: comma, semicolon or tab; UTF-8 (BOM or not), UTF-16 or GBK;
//! longitude/latitude columns found from common English and Chinese headers.

use super::geometry::read_pair;
use super::text::decode_text;
use super::{FirmLoadOptions, LoadError, LoadReport, LoadedFirms};
use crate::crs::in_china_box;
use crate::model::{AttrTable, Firms, SegmentId};

mod columns;

pub(crate) use columns::crs_hint;
pub use columns::{FirmColumns, detect_columns};

/// The delimiter with the most occurrences outside quotes in the header line.
pub(crate) fn sniff_delimiter(text: &str) -> u8 {
    let header = text.lines().next().unwrap_or("");
    let mut counts = [0usize; 3];
    let mut in_quotes = false;
    for c in header.chars() {
        match c {
            '"' => in_quotes = !in_quotes,
            ',' if !in_quotes => counts[0] += 1,
            ';' if !in_quotes => counts[1] += 1,
            '\t' if !in_quotes => counts[2] += 1,
            _ => {}
        }
    }
    let best = (0..3).max_by_key(|i| (counts[*i], 3 - i)).unwrap_or(0);
    if counts[best] == 0 {
        b','
    } else {
        [b',', b';', b'\t'][best]
    }
}

pub(crate) fn parse_number(s: &str, comma_decimal: bool) -> Option<f64> {
    let t = s.trim().trim_end_matches('°');
    if comma_decimal && t.contains(',') && !t.contains('.') {
        t.replace(',', ".").parse().ok()
    } else {
        t.parse().ok()
    }
}

/// Loads firms from the bytes of a delimited text file.
///
/// ```
/// use cluster_atlas::data::{load_firms_csv_bytes, FirmLoadOptions};
/// let csv = "编号,企业名称,经度,纬度\n1,\"示例, 公司\",114.05,22.54\n2,坏行,abc,22.5\n";
/// let f = load_firms_csv_bytes(csv.as_bytes(), "f.csv", &FirmLoadOptions::default()).unwrap();
/// assert_eq!(f.firms.len(), 1);
/// assert_eq!(f.firms.name(0), "示例, 公司");
/// assert_eq!(f.report.skipped[0].line, Some(3));
/// ```
pub fn load_firms_csv_bytes(
    bytes: &[u8],
    path: &str,
    opts: &FirmLoadOptions,
) -> Result<LoadedFirms, LoadError> {
    load_firms_csv_releasing(bytes, path, opts, &|_| {})
}

/// [`load_firms_csv_bytes`] that calls `release` on each part of `bytes` once it has been
/// read, so a memory-mapped file's pages can be dropped as the parse goes (a 3 GB file then
/// needs about its attribute columns in memory, not the file and a copy).
pub fn load_firms_csv_releasing(
    bytes: &[u8],
    path: &str,
    opts: &FirmLoadOptions,
    release: &(dyn Fn(&[u8]) + Sync),
) -> Result<LoadedFirms, LoadError> {
    // Chunks of at most 64 MB, so few pages are held at once on large files.
    let n = (rayon::current_num_threads() * 4).max(bytes.len() / (64 << 20));
    load_csv_chunked(bytes, path, opts, n, release)
}

/// The loader with an explicit number of chunks parsed in parallel (1 = sequential).
fn load_csv_chunked(
    bytes: &[u8],
    path: &str,
    opts: &FirmLoadOptions,
    n_chunks: usize,
    release: &(dyn Fn(&[u8]) + Sync),
) -> Result<LoadedFirms, LoadError> {
    let decoded = decode_text(bytes, opts.encoding.as_deref(), path)?;
    let text: &str = &decoded.text;
    if text.trim().is_empty() {
        return Err(LoadError::Empty {
            path: path.to_string(),
        });
    }
    let delimiter = match opts.delimiter {
        Some(c) if c.is_ascii() => c as u8,
        Some(c) => {
            return Err(LoadError::Format {
                path: path.to_string(),
                message: format!("delimiter '{c}' is not a single-byte character"),
            });
        }
        None => sniff_delimiter(text),
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .has_headers(true)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| LoadError::Format {
            path: path.to_string(),
            message: format!("cannot read the header line ({e})"),
        })?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let (headers, header_note) = trim_header(headers);
    let cols = detect_columns(&headers, opts, path)?;

    let mut report = LoadReport::new(path, opts.crs);
    if let Some(n) = header_note {
        report.warn(n);
    }
    report.encoding = Some(decoded.encoding.to_string());
    report.delimiter = Some(
        match delimiter {
            b'\t' => "tab",
            b';' => "semicolon",
            b',' => "comma",
            _ => "other",
        }
        .to_string(),
    );
    if let Some(w) = crs_hint(&headers[cols.lon], &headers[cols.lat], opts.crs) {
        report.warn(w);
    }
    for (role, c) in [
        ("lon", Some(cols.lon)),
        ("lat", Some(cols.lat)),
        ("id", cols.id),
        ("name", cols.name),
        ("segment", cols.segment),
    ] {
        if let Some(c) = c {
            report.columns.insert(role.to_string(), headers[c].clone());
        }
    }

    let comma_decimal = delimiter != b',';
    // Data starts after the header record; the header takes this many lines.
    let body_start = (reader.position().byte() as usize).min(text.len());
    let header_lines = reader.position().line().saturating_sub(1);
    let body = &text[body_start..];
    let chunks = split_chunks(body, n_chunks);
    release(body.as_bytes());
    let reader = super::reader_for(None, opts.crs, path)?;
    report.crs_used = Some(reader.label());
    let ctx = ChunkCtx {
        cols: &cols,
        reader: &reader,
        delimiter,
        comma_decimal,
        headers: &headers,
    };
    let parts: Vec<(usize, usize, ChunkOut)> = {
        use rayon::prelude::*;
        chunks
            .par_iter()
            .map(|(start, end, first_line)| {
                let part = parse_chunk(&body[*start..*end], header_lines + first_line, &ctx);
                release(&body.as_bytes()[*start..*end]);
                (*start, *end, part)
            })
            .collect()
    };
    let rows_hint: usize = parts.iter().map(|p| p.2.lonlat.len()).sum();
    let mut firms = Firms {
        id_col: cols.id,
        name_col: cols.name,
        segment_col: cols.segment,
        ..Default::default()
    };
    firms.lonlat.reserve(rows_hint);
    firms.segment.reserve(rows_hint);
    let mut attrs = AttrTable::new(headers.clone());
    let mut queue: std::collections::VecDeque<(usize, usize, ChunkOut)> = parts.into();
    while let Some((start, end, part)) = queue.pop_front() {
        if let Some((off, line)) = part.resume {
            // Only the last chunk can end inside quotes; read what follows the bad row.
            let from = start + off;
            if let Some(rest) = body.get(from..end) {
                queue.push_front((from, end, parse_chunk(rest, line, &ctx)));
            }
        }
        // Chunk-local segment ids → global ids.
        let remap: Vec<SegmentId> = part
            .segments
            .iter()
            .map(|name| Firms::intern_segment(&mut firms.segments, name))
            .collect();
        firms.segment.extend(
            part.segment
                .iter()
                .map(|s| remap.get(*s as usize).copied().unwrap_or(0)),
        );
        firms.lonlat.extend_from_slice(&part.lonlat);
        attrs.append(part.attrs);
        let stop = part.stopped;
        report.absorb(part.report);
        if stop {
            break;
        }
    }
    firms.attrs = attrs;
    if !opts.keep_distant {
        super::screen_strays(&mut firms, &mut report);
    }
    report.loaded = firms.len();
    finish_report(&mut report, &firms);
    if firms.is_empty() {
        return Err(no_rows_error(&report, path));
    }
    Ok(LoadedFirms { firms, report })
}

/// Most columns read from a file (the rest are left out with a warning): a register has
/// dozens, and every column is carried into the outputs.
pub const MAX_COLUMNS: usize = 10_000;

/// Drops unnamed trailing header columns (Excel exports often end in `,,,,`) and columns past
/// [`MAX_COLUMNS`], with a note saying so.
fn trim_header(mut headers: Vec<String>) -> (Vec<String>, Option<String>) {
    let before = headers.len();
    while headers.len() > 1 && headers.last().is_some_and(|h| h.is_empty()) {
        headers.pop();
    }
    let unnamed = before - headers.len();
    let extra = headers.len().saturating_sub(MAX_COLUMNS);
    headers.truncate(MAX_COLUMNS);
    let note = match (unnamed, extra) {
        (0, 0) => None,
        (u, 0) => Some(format!(
            "{u} unnamed columns at the end of the header were ignored"
        )),
        (_, e) => Some(format!(
            "the header has {} columns; only the first {MAX_COLUMNS} are read ({e} left out)",
            before - unnamed
        )),
    };
    (headers, note)
}

/// What a chunk parser needs to know about the file.
struct ChunkCtx<'a> {
    cols: &'a FirmColumns,
    reader: &'a crate::crs::Reader,
    delimiter: u8,
    comma_decimal: bool,
    headers: &'a [String],
}

/// Firms parsed from one chunk of the file, with chunk-local segment ids.
struct ChunkOut {
    lonlat: Vec<crate::model::LonLat>,
    segment: Vec<SegmentId>,
    segments: Vec<String>,
    attrs: AttrTable,
    report: LoadReport,
    /// A quote opened and never closed swallowed the rest of the chunk: that row was skipped
    /// and parsing resumes at this byte offset (within the chunk) and line.
    resume: Option<(usize, u64)>,
    /// The chunk hit an error the reader cannot recover from; later chunks are not used.
    stopped: bool,
}

/// Splits the body into about `n` pieces at line ends that are not inside quotes; returns
/// (start, end, first line number within the body, 1-based).
fn split_chunks(body: &str, n: usize) -> Vec<(usize, usize, u64)> {
    let bytes = body.as_bytes();
    if n <= 1 || bytes.len() < 4 << 20 {
        return vec![(0, bytes.len(), 1)];
    }
    let target = bytes.len() / n;
    let mut cuts = vec![0usize];
    if !bytes.contains(&b'"') {
        // No quotes: any newline is a record boundary.
        let mut pos = target;
        while pos < bytes.len() {
            match bytes[pos..].iter().position(|b| *b == b'\n') {
                Some(off) => {
                    let cut = pos + off + 1;
                    if cut < bytes.len() {
                        cuts.push(cut);
                    }
                    pos = cut + target;
                }
                None => break,
            }
        }
    } else {
        // Track quote parity so a newline inside a quoted field is never a cut.
        let mut in_quotes = false;
        let mut next = target;
        for (i, b) in bytes.iter().enumerate() {
            match b {
                b'"' => in_quotes = !in_quotes,
                b'\n' if !in_quotes && i >= next && i + 1 < bytes.len() => {
                    cuts.push(i + 1);
                    next = i + 1 + target;
                }
                _ => {}
            }
        }
    }
    cuts.push(bytes.len());
    cuts.dedup();
    // First line number of each chunk = 1 + newlines before it.
    let mut out = Vec::with_capacity(cuts.len());
    let mut line = 1u64;
    for w in cuts.windows(2) {
        out.push((w[0], w[1], line));
        line += bytes[w[0]..w[1]].iter().filter(|b| **b == b'\n').count() as u64;
    }
    out
}

/// Physical line numbers (as an editor shows them) for csv records, from byte offsets: the
/// csv crate's own line count lags after blank lines and with CRLF endings.
pub(crate) struct LineCounter<'a> {
    bytes: &'a [u8],
    counted_to: usize,
    line: u64,
}

impl<'a> LineCounter<'a> {
    /// `first_line` is the line number of `bytes[0]`.
    pub(crate) fn new(bytes: &'a [u8], first_line: u64) -> Self {
        Self {
            bytes,
            counted_to: 0,
            line: first_line,
        }
    }

    /// The line of the record the csv crate places at `byte` (where the previous record
    /// ended; blank lines in between are skipped). Offsets must not go backwards.
    pub(crate) fn line_at(&mut self, byte: Option<u64>) -> u64 {
        let mut b = byte
            .map(|b| (b as usize).min(self.bytes.len()))
            .unwrap_or(self.counted_to);
        while b < self.bytes.len() && (self.bytes[b] == b'\n' || self.bytes[b] == b'\r') {
            b += 1;
        }
        if b >= self.counted_to {
            self.line += self.bytes[self.counted_to..b]
                .iter()
                .filter(|c| **c == b'\n')
                .count() as u64;
            self.counted_to = b;
        }
        self.line
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
fn parse_chunk(chunk: &str, first_line: u64, ctx: &ChunkCtx) -> ChunkOut {
    parse_chunk_with(chunk, first_line, ctx, true)
}

fn parse_chunk_with(chunk: &str, first_line: u64, ctx: &ChunkCtx, allow_fast: bool) -> ChunkOut {
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

/// The error for a file where nothing loaded, choosing the most helpful message.
pub(super) fn no_rows_error(report: &LoadReport, path: &str) -> LoadError {
    if report.read == 0 {
        return LoadError::NoUsableRows {
            path: path.to_string(),
            reasons: "the file has a header but no data rows".into(),
        };
    }
    if report.skipped_by_kind.get("projected") == Some(&report.skipped_count)
        && let Some(first) = report.skipped.first()
    {
        return LoadError::projected(path, first.reason.clone());
    }
    LoadError::NoUsableRows {
        path: path.to_string(),
        reasons: format!("{}; first: {}", report.summary(), report.first_reasons(3)),
    }
}

/// File-level hints: swapped columns, points outside China or Shenzhen, duplicate ids.
pub(super) fn finish_report(report: &mut LoadReport, firms: &Firms) {
    // Counted on what was kept (after stray screening), so the warnings match the data.
    let outside_china = firms.lonlat.iter().filter(|p| !in_china_box(**p)).count();
    let swapped = report.skipped_by_kind.get("swapped").copied().unwrap_or(0);
    if swapped > 0 && swapped * 2 >= report.read {
        report.warn(format!(
            "{swapped} of {} rows look like latitude,longitude instead of longitude,latitude: \
             the columns may be exchanged; name them explicitly (--lon-col/--lat-col)",
            report.read
        ));
    }
    if outside_china > 0 {
        report.warn(format!(
            "{outside_china} firms lie outside China: check the coordinate columns and system"
        ));
    }
    let outside_sz = firms
        .lonlat
        .iter()
        .filter(|p| !(113.6..=114.8).contains(&p.lon) || !(22.3..=22.95).contains(&p.lat))
        .count();
    if outside_sz > 0 && outside_sz > outside_china {
        report.warn(format!(
            "{outside_sz} firms lie outside the Shenzhen area (they are kept)"
        ));
    }
    if let Some(c) = firms.id_col {
        use rayon::prelude::*;
        let mut ids: Vec<&str> = (0..firms.len())
            .into_par_iter()
            .map(|i| firms.attrs.get(i, c))
            .collect();
        ids.par_sort_unstable();
        let dups = ids.windows(2).filter(|w| w[0] == w[1]).count();
        if dups > 0 {
            report.warn(format!(
                "{dups} firm ids are repeated; outputs keep every row"
            ));
        }
    }
}

#[cfg(test)]
mod tests;
