//! Firms from delimited text: comma, semicolon, tab or pipe; UTF-8 (BOM or not), UTF-16 or GBK;
//! longitude/latitude columns found from common English and Chinese headers.

use super::dates::DateColumns;
use super::text::{Malformed, decode_text, decode_text_known};
use super::{FirmLoadOptions, LoadError, LoadReport, LoadedFirms};
use crate::model::{AttrTable, Firms};
pub(in crate::data) use finish::finish_firms;
#[cfg(test)]
use rows::parse_chunk_with;
use rows::{ChunkCtx, RowExtras, parse_chunk};
use std::sync::Arc;

mod chunks;
pub(crate) use chunks::LineCounter;
mod columns;
mod coord_names;
mod escapes;
mod finish;
mod header;
mod ids;
mod merge;
mod numbers;
mod rows;
mod sink;
mod stream;
mod wkb;
pub use stream::{WINDOW, load_firms_csv_streamed, stream_window};

use merge::merge_parts;
use sink::Columns;

#[cfg(test)]
use ids::{BUCKET_BITS, bucket_by_top_bits};
pub(crate) use numbers::{missing_reason, parse_number};

pub use columns::{FirmColumns, detect_columns};
pub(crate) use columns::{crs_hint, split_pair};
pub(crate) use escapes::{as_the_loader_reads, backslash_quotes_note};
pub(crate) use header::{HeaderOf, header_of, header_start};
pub(crate) use wkb::{hex_point, with_point};

/// The delimiter with the most occurrences outside quotes in the header line; when it has
/// none of those, a space if the header and the line after it are split by single spaces
/// alike (R's `write.table`, whose second line has one field more: the row names); else a
/// comma.
pub(crate) fn sniff_delimiter(text: &str) -> u8 {
    const DELIMITERS: [u8; 5] = [b',', b';', b'\t', b'|', b' '];
    let mut lines = text.lines();
    let counts = outside_quotes(lines.next().unwrap_or(""), &DELIMITERS);
    // The most frequent; on a tie the earlier (comma, semicolon, tab, then pipe).
    let best = (0..4).max_by_key(|i| (counts[*i], 4 - i)).unwrap_or(0);
    if counts[best] > 0 {
        return DELIMITERS[best];
    }
    let spaces = counts[4];
    let next = outside_quotes(lines.next().unwrap_or(""), &DELIMITERS)[4];
    if spaces > 0 && (next == spaces || next == spaces + 1) {
        b' '
    } else {
        b','
    }
}

/// How often each of `bytes` occurs outside double quotes in `line`.
fn outside_quotes<const N: usize>(line: &str, bytes: &[u8; N]) -> [usize; N] {
    let mut counts = [0usize; N];
    let mut in_quotes = false;
    for b in line.bytes() {
        if b == b'"' {
            in_quotes = !in_quotes;
        } else if let Some(k) = bytes.iter().position(|d| *d == b).filter(|_| !in_quotes) {
            counts[k] += 1;
        }
    }
    counts
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
    load_csv_chunked(
        Source::Borrowed(bytes),
        path,
        opts,
        default_chunks(bytes.len()),
    )
}

/// [`load_firms_csv_bytes`] on bytes the loader may keep (a file as read): rows without
/// quotes then point into the file's text instead of a copy of it.
pub fn load_firms_csv_owned(
    bytes: Vec<u8>,
    path: &str,
    opts: &FirmLoadOptions,
) -> Result<LoadedFirms, LoadError> {
    load_firms_csv_read(bytes, false, path, opts)
}

/// [`load_firms_csv_owned`] on a file's bytes as read: `utf8` when the reader already found
/// them valid UTF-8 ([`crate::data::FileBytes::known_utf8`]), so they are not checked again.
pub(crate) fn load_firms_csv_read(
    bytes: Vec<u8>,
    utf8: bool,
    path: &str,
    opts: &FirmLoadOptions,
) -> Result<LoadedFirms, LoadError> {
    let n = default_chunks(bytes.len());
    load_csv_chunked(Source::Owned(bytes, utf8), path, opts, n)
}

/// Chunks of at most 32 MB, so a worker's rows stay few, and eight per thread, so the threads
/// finish together (4M firms: 0.585 → 0.556 s against four per thread).
fn default_chunks(len: usize) -> usize {
    (rayon::current_num_threads() * 8).max(len / (32 << 20))
}

/// The bytes to load: borrowed (each chunk copies the text its rows keep) or owned (kept
/// whole; rows point into it), and then perhaps known to be valid UTF-8.
enum Source<'a> {
    Borrowed(&'a [u8]),
    Owned(Vec<u8>, bool),
}

/// Decoded text: borrowed or made by the decoder, or the owned bytes themselves shared by the
/// rows (from `.1`, after a BOM).
enum Text<'a> {
    Decoded(std::borrow::Cow<'a, str>),
    Shared(Arc<String>, usize),
}

impl Text<'_> {
    fn as_str(&self) -> &str {
        match self {
            Text::Decoded(t) => t,
            Text::Shared(all, at) => all.get(*at..).unwrap_or(""),
        }
    }

    /// The text to change, and where [`Self::as_str`] starts in it.
    fn make_mut(&mut self) -> (&mut String, usize) {
        match self {
            Text::Decoded(t) => (t.to_mut(), 0),
            Text::Shared(all, at) => (Arc::make_mut(all), *at),
        }
    }
}

/// The text of `source`, the encoding it was read as, and its malformed UTF-8 if any.
fn decode_source<'a>(
    source: Source<'a>,
    opts: &FirmLoadOptions,
    path: &str,
) -> Result<(Text<'a>, &'static str, Option<Malformed>), LoadError> {
    use std::borrow::Cow;
    let (bytes, utf8) = match source {
        Source::Borrowed(b) => {
            let d = decode_text(b, opts.encoding.as_deref(), path)?;
            return Ok((Text::Decoded(d.text), d.encoding, d.malformed));
        }
        Source::Owned(b, utf8) => (b, utf8),
    };
    let decoded = decode_text_known(&bytes, opts.encoding.as_deref(), path, utf8)?;
    let (encoding, malformed) = (decoded.encoding, decoded.malformed);
    // The decoded text when it is not the bytes themselves; else where it starts in them.
    let (made, at) = match decoded.text {
        Cow::Owned(text) => (Some(text), 0),
        Cow::Borrowed(text) => {
            // UTF-8: the text is the bytes themselves, perhaps after a BOM.
            let at = (text.as_ptr() as usize).wrapping_sub(bytes.as_ptr() as usize);
            let whole = at.checked_add(text.len()) == Some(bytes.len())
                && bytes
                    .get(..at)
                    .is_some_and(|p| std::str::from_utf8(p).is_ok());
            if whole {
                (None, at)
            } else {
                (Some(text.to_owned()), 0)
            }
        }
    };
    let text = match made {
        Some(text) => Text::Shared(Arc::new(text), 0),
        // SAFETY: `bytes[at..]` is the text decode_text checked as UTF-8, and `bytes[..at]`
        // was checked above; two valid texts joined are a valid text.
        None => Text::Shared(Arc::new(unsafe { String::from_utf8_unchecked(bytes) }), at),
    };
    Ok((text, encoding, malformed))
}

/// The loader with an explicit number of chunks parsed in parallel (1 = sequential).
fn load_csv_chunked(
    source: Source,
    path: &str,
    opts: &FirmLoadOptions,
    n_chunks: usize,
) -> Result<LoadedFirms, LoadError> {
    load_csv_cut(source, path, opts, |body, delimiter| {
        chunks::split_chunks(body, n_chunks, delimiter)
    })
}

/// The loader with the body cut into chunks by `cut` (given the body and the delimiter).
fn load_csv_cut(
    source: Source,
    path: &str,
    opts: &FirmLoadOptions,
    cut: impl FnOnce(&str, u8) -> chunks::Chunks,
) -> Result<LoadedFirms, LoadError> {
    let (mut decoded, encoding, malformed) = decode_source(source, opts, path)?;
    let mut setup = match Setup::read(decoded.as_str(), encoding, opts, path) {
        Ok(setup) if setup.backslash_quotes.is_some() => {
            let (text, at) = decoded.make_mut();
            setup.unescape(text, at, encoding, opts, path)?
        }
        Ok(setup) => setup,
        // R's escaped quotes may split a header that names a column with one.
        Err(e) => {
            let read = |t: &str| {
                Setup::read(t, encoding, opts, path)
                    .ok()
                    .map(|s| s.delimiter)
            };
            let Some((delimiter, line)) = escapes::r_delimiter(decoded.as_str(), read) else {
                return Err(e);
            };
            let (text, at) = decoded.make_mut();
            escapes::double_backslash_quotes(text, at, delimiter);
            Setup::read(decoded.as_str(), encoding, opts, path)?.read_unescaped(line)
        }
    };
    let escaped = setup.backslash_quotes;
    if let Some(m) = malformed {
        setup.report.warn(m.warning());
    }
    let text = decoded.as_str();
    let shared = match &decoded {
        Text::Shared(all, at) => Some((all, at + setup.body_start)),
        Text::Decoded(_) => None,
    };
    let body = text.get(setup.body_start..).unwrap_or("");
    let mut gathered = Gathered::new(&mut setup);
    let chunks = cut(body, setup.delimiter);
    let lines = (setup.header_lines, true);
    setup.parse_chunks(body, chunks, shared, lines, &mut gathered);
    let (mut firms, extras, report) = gathered.finish();
    if escaped.is_some() {
        firms.attrs.text_is_not_the_files();
    }
    finish_firms(firms, report, opts, path, Some((extras, setup.dates)))
}

/// What the header fixes for the whole file: the delimiter, the columns, the coordinate
/// reader, where the rows start, and the report begun.
pub(super) struct Setup {
    delimiter: u8,
    headers: Vec<String>,
    cols: FirmColumns,
    dates: Option<DateColumns>,
    reader: crate::crs::Reader,
    /// Where the header's line and the rows start in the text, and the lines before the rows.
    pub(super) header_start: usize,
    pub(super) body_start: usize,
    pub(super) header_lines: u64,
    /// The line of the first quote escaped with a backslash (R's `write.table`): the text is
    /// rewritten with doubled quotes, and its header read again, before the rows are read
    /// ([`escapes`]).
    pub(super) backslash_quotes: Option<u64>,
    pub(super) report: LoadReport,
}

/// What parsing one body of text (the file's, or a window of it) found besides its rows.
pub(super) struct Parsed {
    /// Line ends in the body (to number the lines of the text after it).
    pub(super) newlines: u64,
    /// A row could not be read past (the rest of the file is not read).
    pub(super) stopped: bool,
    /// A body that does not end the file ended inside a quoted field opened by the record
    /// at this byte offset: the rows before it are read, the record and the rest are not
    /// (the quote may close in the file's next bytes).
    pub(super) open_at: Option<usize>,
}

/// The rows parsed so far, in file order: one body's, or a streamed file's windows'.
pub(super) struct Gathered {
    columns: Columns,
    segments: Vec<String>,
    pub(super) attrs: AttrTable,
    pub(super) report: LoadReport,
    id_col: Option<usize>,
    name_col: Option<usize>,
    segment_col: Option<usize>,
    /// The bytes of all the bodies to come, when more than the first (a streamed file): the
    /// first sizes the columns for all of them, so they are not moved as they grow.
    pub(super) bytes_expected: usize,
}

impl Gathered {
    /// No rows yet, of the columns `setup` found; takes over its report.
    pub(super) fn new(setup: &mut Setup) -> Self {
        Self {
            columns: Columns::new(setup.cols.id.is_some(), setup.dates.is_some()),
            segments: Vec::new(),
            attrs: AttrTable::new(setup.headers.clone()),
            report: std::mem::take(&mut setup.report),
            id_col: setup.cols.id,
            name_col: setup.cols.name,
            segment_col: setup.cols.segment,
            bytes_expected: 0,
        }
    }

    /// The firms, what was read from their rows, and the report.
    pub(super) fn finish(self) -> (Firms, RowExtras, LoadReport) {
        let mut c = self.columns;
        sink::shrink_if_sparse(&mut c.lonlat);
        sink::shrink_if_sparse(&mut c.segment);
        sink::shrink_if_sparse(&mut c.id_hash);
        sink::shrink_if_sparse(&mut c.founded);
        sink::shrink_if_sparse(&mut c.closed);
        let firms = Firms {
            lonlat: c.lonlat,
            segment: c.segment,
            segments: self.segments,
            attrs: self.attrs,
            id_col: self.id_col,
            name_col: self.name_col,
            segment_col: self.segment_col,
        };
        let extras = RowExtras {
            id_hash: c.id_hash,
            founded: c.founded,
            closed: c.closed,
        };
        (firms, extras, self.report)
    }
}

impl Setup {
    /// Reads the header at the start of `text` (the whole file's text, or enough of it).
    pub(super) fn read(
        text: &str,
        encoding: &'static str,
        opts: &FirmLoadOptions,
        path: &str,
    ) -> Result<Self, LoadError> {
        if text.trim().is_empty() {
            return Err(LoadError::Empty {
                path: path.to_string(),
            });
        }
        let delimiter = match opts.delimiter {
            Some(c) if c.is_ascii() => Some(c as u8),
            Some(c) => {
                return Err(LoadError::Format {
                    path: path.to_string(),
                    message: format!("delimiter '{c}' is not a single-byte character"),
                });
            }
            None => None,
        };
        let found = header::find_header(text, delimiter, opts, path)?;
        let (delimiter, header, cols) = (found.delimiter, found.header, found.cols);
        let mut report = LoadReport::new(path, opts.crs);
        if let Some(n) = header.note {
            report.warn(n);
        }
        let body = text.get(header.body_start..).unwrap_or("");
        let backslash_quotes = escapes::first_backslash_quote(body, delimiter, header.lines);
        if let Some(n) = found.above {
            report.notes.push(n);
        }
        let headers = header.names;
        report.encoding = Some(encoding.to_string());
        describe_columns(&mut report, &headers, &cols, delimiter, opts);
        // A PostGIS geometry's SRID names the file's system, as a `.prj` does (the user's
        // choice, when not WGS-84, wins).
        let srid = cols
            .combined
            .then(|| {
                let body = text.get(header.body_start..)?;
                wkb::first_srid(body, delimiter, cols.lon)
            })
            .flatten();
        let reader = super::reader_for(srid.filter(|c| ![0, 4326].contains(c)), opts.crs, path)?;
        report.crs_used = Some(reader.label());
        let dates = DateColumns::find(&headers, columns::founded_choice(&headers, opts, path)?);
        Ok(Self {
            delimiter,
            headers,
            cols,
            dates,
            reader,
            header_start: found.start,
            body_start: header.body_start,
            header_lines: header.lines,
            backslash_quotes,
            report,
        })
    }

    /// Rewrites R's backslash-escaped quotes in `text[at..]` (the text this header was read
    /// from) from the header's line on, as R reads its files back, and reads the header again
    /// (R's row names are decided from the first rows, which the escaped quotes split); the
    /// report notes it.
    pub(super) fn unescape(
        self,
        text: &mut String,
        at: usize,
        encoding: &'static str,
        opts: &FirmLoadOptions,
        path: &str,
    ) -> Result<Self, LoadError> {
        let Some(line) = self.backslash_quotes else {
            return Ok(self);
        };
        escapes::double_backslash_quotes(text, at + self.header_start, self.delimiter);
        let setup = Setup::read(text.get(at..).unwrap_or(""), encoding, opts, path)?;
        Ok(setup.read_unescaped(line))
    }

    /// This header, read from a text whose escaped quotes (the first on `line`) were
    /// rewritten: the loader keeps the line, and the report notes it.
    fn read_unescaped(mut self, line: u64) -> Self {
        self.backslash_quotes = Some(line);
        self.report.notes.push(escapes::backslash_quotes_note(line));
        self
    }

    /// Parses `body` in about `n_chunks` pieces in parallel onto the rows `into` holds.
    /// `shared`: the text the body lies in and where it starts there, when rows may point
    /// into it; `lines_before`: the lines of the file before the body; `ends_file`: the body
    /// is the file's last text.
    pub(super) fn parse_body(
        &self,
        body: &str,
        shared: Option<(&Arc<String>, usize)>,
        (lines_before, ends_file): (u64, bool),
        n_chunks: usize,
        into: &mut Gathered,
    ) -> Parsed {
        let chunks = chunks::split_chunks(body, n_chunks, self.delimiter);
        self.parse_chunks(body, chunks, shared, (lines_before, ends_file), into)
    }

    /// [`Self::parse_body`] on the body cut into `chunks`.
    fn parse_chunks(
        &self,
        body: &str,
        chunks: chunks::Chunks,
        shared: Option<(&Arc<String>, usize)>,
        (lines_before, ends_file): (u64, bool),
        into: &mut Gathered,
    ) -> Parsed {
        // A streamed window after the first: the names so far seed the pieces (cloned, as
        // the merge adds to them).
        let seed_names = into.segments.clone();
        let seed_table = (!seed_names.is_empty()).then(|| rows::RawTable::of_names(&seed_names));
        let ctx = ChunkCtx {
            cols: &self.cols,
            reader: &self.reader,
            delimiter: self.delimiter,
            // With ';' or tab between fields, "22,5" is a decimal comma.
            comma_decimal: self.delimiter != b',',
            headers: &self.headers,
            dates: self.dates.as_ref(),
            plain: chunks.plain,
            shared,
            reread: chunks.reread,
            ends_file,
            seed: seed_table.as_ref().map(|t| (t, seed_names.as_slice())),
        };
        // Each chunk writes into its own windows of the final columns, with room for a row per
        // line end it holds (and one more for a last line without one). Skipped rows leave gaps
        // that the join closes.
        let caps: Vec<usize> = chunks
            .pieces
            .iter()
            .map(|p| {
                p.lines as usize
                    + usize::from(body.as_bytes().get(p.end.wrapping_sub(1)) != Some(&b'\n'))
            })
            .collect();
        let newlines = chunks.pieces.iter().map(|p| p.lines).sum();
        let mut columns = std::mem::take(&mut into.columns);
        let rows: usize = caps.iter().sum();
        if columns.lonlat.is_empty() && into.bytes_expected > body.len() {
            // Rows in the same proportion in the rest, 5 % to spare (room not touched costs
            // no memory).
            let all = rows as f64 * into.bytes_expected as f64 / body.len().max(1) as f64;
            columns.reserve((all * 1.05) as usize);
        }
        let base = columns.grow(rows);
        let starts: Vec<usize> = sink::window_starts(&caps)
            .into_iter()
            .map(|s| s + base)
            .collect();
        let (attrs, placed, end) = {
            use rayon::prelude::*;
            let parts: Vec<_> = chunks
                .pieces
                .par_iter()
                .zip(starts.par_iter())
                .zip(columns.windows(base, &caps))
                .map(|((piece, window), windows)| {
                    let lines = lines_before + piece.first_line;
                    let range = piece.start..piece.end;
                    let out = parse_chunk(body, range, lines, &ctx, windows, piece.quotes);
                    (piece.start, Some(*window), out)
                })
                .collect();
            merge_parts(parts, body, &ctx, into)
        };
        into.attrs.append(attrs);
        // The columns are joined side by side: the positions on one thread, the rest on another.
        let c = columns;
        let ((lonlat, segment), (id_hash, (founded, closed))) = rayon::join(
            || {
                let lonlat = sink::join(c.lonlat, base, placed.lonlat);
                (lonlat, sink::join(c.segment, base, placed.segment))
            },
            || {
                let ids = sink::join(c.id_hash, base, placed.id_hash);
                let founded = sink::join(c.founded, base, placed.founded);
                (ids, (founded, sink::join(c.closed, base, placed.closed)))
            },
        );
        into.columns = Columns {
            lonlat,
            segment,
            id_hash,
            founded,
            closed,
            ..c
        };
        Parsed {
            newlines,
            stopped: end.stopped,
            open_at: end.open_at_end.filter(|_| !ends_file).map(|(at, _)| at),
        }
    }
}

/// Records the delimiter and the columns used in the report, with a hint when the
/// coordinate columns' names suggest another coordinate system.
fn describe_columns(
    report: &mut LoadReport,
    headers: &[String],
    cols: &FirmColumns,
    delimiter: u8,
    opts: &FirmLoadOptions,
) {
    report.delimiter = Some(
        match delimiter {
            b'\t' => "tab",
            b';' => "semicolon",
            b',' => "comma",
            b'|' => "pipe",
            b' ' => "space",
            _ => "other",
        }
        .to_string(),
    );
    if let Some(w) = crs_hint(&headers[cols.lon], &headers[cols.lat], opts.crs) {
        report.warn(w);
    }
    if cols.combined {
        report.notes.push(format!(
            "longitude and latitude read from the one column '{}' ('lng,lat', 'lat,lng', WKT 'POINT (lon lat)' or hex WKB)",
            headers[cols.lon]
        ));
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
            // A combined column is named once.
            if !(cols.combined && role == "lat") {
                report.notes.extend(repeated_header(headers, c, role));
            }
        }
    }
}

/// A note when column `c`'s header names another column too (`lon` twice after a join):
/// which one is read, and how to read another (by its number: a name finds the first).
fn repeated_header(headers: &[String], c: usize, role: &str) -> Option<String> {
    let h = headers.get(c)?.trim();
    let mut others = headers
        .iter()
        .enumerate()
        .filter(|(k, x)| *k != c && x.trim() == h && !h.is_empty())
        .map(|(k, _)| k + 1);
    let first = others.next()?;
    let also: Vec<String> = std::iter::once(first)
        .chain(others)
        .map(|k| k.to_string())
        .collect();
    Some(format!(
        "the header names '{h}' more than once (also column {}); column {} is read; to read \
         another, give its number (--{role}-col {first}, or '{h} (column {first})' in the \
         import dialog)",
        also.join(", "),
        c + 1
    ))
}

#[cfg(test)]
mod cell_tests;
#[cfg(test)]
mod cut_tests;
#[cfg(test)]
mod header_tests;
#[cfg(test)]
mod quote_tests;
#[cfg(test)]
mod stream_tests;
#[cfg(test)]
mod test_rows;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod write_table_tests;
