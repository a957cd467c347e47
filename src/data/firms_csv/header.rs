//! The header of a delimited firm file: its first record, or, when that names no coordinate
//! columns, the first of the next few lines that does (registers and government lists often
//! carry a title and notes above the header, as their spreadsheets do).

use super::columns::{FirmColumns, detect_columns, trim_header};
use super::sniff_delimiter;
use crate::data::{FirmLoadOptions, LoadError};

/// Lines searched for a header below the first.
const MAX_LINES_ABOVE: usize = 10;
/// Bytes searched for a header.
pub(super) const MAX_BYTES_ABOVE: usize = 64 << 10;

/// The header record: its names (trimmed, unnamed trailing columns dropped), where the data
/// starts in the text and how many lines of the file come before the data.
pub(super) struct Header {
    pub names: Vec<String>,
    /// A warning about unnamed trailing columns ([`trim_header`]).
    pub note: Option<String>,
    pub body_start: usize,
    pub lines: u64,
}

/// A header found, with the delimiter and columns it gives.
pub(super) struct Found {
    /// Where the header's line starts in the text.
    pub start: usize,
    pub delimiter: u8,
    pub header: Header,
    pub cols: FirmColumns,
    /// The load report's note on lines skipped above the header.
    pub above: Option<String>,
}

/// Finds the header of `text`: the first record when its columns are found (or when no
/// line below it does better, so its error is the one reported), else the first of the
/// next [`MAX_LINES_ABOVE`] lines whose record names the coordinate columns. `delimiter`:
/// the user's, else sniffed from the header's line.
pub(super) fn find_header(
    text: &str,
    delimiter: Option<u8>,
    opts: &FirmLoadOptions,
    path: &str,
) -> Result<Found, LoadError> {
    let first = header_at(text, 0, delimiter, opts, path);
    let first_error = match first {
        // A first line with as many fields as the line after it is the header; one with
        // fewer (`Longitude, latitude in WGS-84` above a wider table) only when no line
        // below is a header that fits its data.
        Ok(f) if fits_its_data(text, &f) => return Ok(f),
        Ok(f) => {
            return Ok(
                titled(text, delimiter, opts, path, |c| fits_its_data(text, c)).unwrap_or(f),
            );
        }
        Err(e) => e,
    };
    if !matches!(
        first_error,
        LoadError::NoCoordinateColumns { .. } | LoadError::MissingColumn { .. }
    ) {
        return Err(first_error);
    }
    if matches!(first_error, LoadError::NoCoordinateColumns { .. })
        && let Some(found) = headerless(text, delimiter, opts, path)
    {
        return Ok(found);
    }
    titled(text, delimiter, opts, path, |_| true)
        .ok_or_else(|| LoadError::not_text(path, text).unwrap_or(first_error))
}

/// A file with no header (pandas' `to_csv(header=False)`, a GPS logger's export): its first
/// two records have as many fields, and at the same place two neighbouring decimals (with a
/// point) that read as degrees, the one over 90 the longitude (else longitude first). Its
/// columns are named `column 1`, `column 2` …, the data starts on line 1, and the note says
/// which columns were taken.
fn headerless(
    text: &str,
    delimiter: Option<u8>,
    opts: &FirmLoadOptions,
    path: &str,
) -> Option<Found> {
    let delimiter = delimiter.unwrap_or_else(|| sniff_delimiter(text));
    let mut records = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .has_headers(false)
        .from_reader(text.as_bytes())
        .into_records()
        .take(2);
    let (a, b) = (records.next()?.ok()?, records.next()?.ok()?);
    if a.len() != b.len() || a.len() < 2 {
        return None;
    }
    let degrees = |r: &csv::StringRecord, i: usize| {
        let f = r.get(i)?.trim();
        let v = super::parse_number(f, false).filter(|v| v.abs() <= 180.0)?;
        f.contains('.').then_some(v)
    };
    let (lon, lat) = (0..a.len() - 1).find_map(|i| {
        let (x, y) = (degrees(&a, i)?, degrees(&a, i + 1)?);
        degrees(&b, i).zip(degrees(&b, i + 1))?;
        match (x.abs() > 90.0, y.abs() > 90.0) {
            (false, true) => Some((i + 1, i)),
            (true, true) => None,
            _ => Some((i, i + 1)),
        }
    })?;
    let names: Vec<String> = (1..=a.len()).map(|k| format!("column {k}")).collect();
    let chosen = FirmLoadOptions {
        lon_col: Some((lon + 1).to_string()),
        lat_col: Some((lat + 1).to_string()),
        ..opts.clone()
    };
    let cols = detect_columns(&names, &chosen, path).ok()?;
    Some(Found {
        start: 0,
        delimiter,
        header: Header {
            names,
            note: None,
            body_start: 0,
            lines: 0,
        },
        cols,
        above: Some(format!(
            "the file has no header (its first line is data): its {} columns are named \
             column 1 … column {}, longitude read from column {} and latitude from column {}",
            a.len(),
            a.len(),
            lon + 1,
            lat + 1
        )),
    })
}

/// Whether the line after the header has as many fields as the header (or there is none).
fn fits_its_data(text: &str, found: &Found) -> bool {
    let body = text.get(found.header.body_start..).unwrap_or("");
    first_record_len(body, found.delimiter).is_none_or(|n| n == found.header.names.len())
}

/// The number of fields of the first record of `text` (None: there is none, or it cannot be
/// read).
fn first_record_len(text: &str, delimiter: u8) -> Option<usize> {
    first_record(text, delimiter).map(|r| r.len())
}

/// The first record of `text`, if it can be read.
fn first_record(text: &str, delimiter: u8) -> Option<csv::StringRecord> {
    csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .has_headers(false)
        .from_reader(text.as_bytes())
        .records()
        .next()
        .and_then(Result::ok)
}

/// Whether a header of `names` names (at least two) over this first row is R's `write.table`
/// with row names (its default): the row has exactly one field more, and its last field holds
/// something (not a delimiter ending the line).
pub(super) fn has_row_names(names: usize, first_row: &[String]) -> bool {
    names >= 2
        && first_row.len() == names + 1
        && first_row.last().is_some_and(|f| !f.trim().is_empty())
}

/// The header's names and columns, with an unnamed first column put before the names when the
/// rows carry R's row names ([`has_row_names`]), as `write.csv` writes and pandas reads them,
/// and the note saying so. A header one name short over rows with an unnamed last column
/// instead (its coordinates read where the names put them, not one field on) is kept.
fn with_row_names(
    names: Vec<String>,
    cols: FirmColumns,
    note: Option<String>,
    body: &str,
    (delimiter, opts, path): (u8, &FirmLoadOptions, &str),
) -> (Vec<String>, FirmColumns, Option<String>) {
    let first: Vec<String> = first_record(body, delimiter)
        .map(|r| r.iter().map(String::from).collect())
        .unwrap_or_default();
    if !has_row_names(names.len(), &first) {
        return (names, cols, note);
    }
    let mut shifted = names.clone();
    shifted.insert(0, String::new());
    let Ok(shifted_cols) = detect_columns(&shifted, opts, path) else {
        return (names, cols, note);
    };
    // Which reading finds numbers where the coordinates are; when both or neither do, R's
    // default row names (1, 2 …) decide.
    let reads = |c: &FirmColumns| {
        let field = |i: usize| first.get(i).map_or("", String::as_str);
        let number = |s: &str| super::parse_number(s, false).is_some();
        if c.combined {
            let (a, b) = super::split_pair(field(c.lon), false);
            number(a) && number(b)
        } else {
            number(field(c.lon)) && number(field(c.lat))
        }
    };
    let shift = match (reads(&cols), reads(&shifted_cols)) {
        (false, true) => true,
        (true, false) => false,
        _ => first.first().is_some_and(|f| f.trim() == "1"),
    };
    if !shift {
        return (names, cols, note);
    }
    let said = "the header has one name fewer than the rows have fields: the rows' first \
                field was read as their row names (as R's write.table writes them)";
    let note = match note {
        Some(n) => format!("{n}; {said}"),
        None => said.to_string(),
    };
    (shifted, shifted_cols, Some(note))
}

/// The first line below the first that is a plausible header and passes `also`, with the
/// note on the lines above it.
fn titled(
    text: &str,
    delimiter: Option<u8>,
    opts: &FirmLoadOptions,
    path: &str,
    also: impl Fn(&Found) -> bool,
) -> Option<Found> {
    for start in line_starts(text).skip(1) {
        let Ok(mut found) = header_at(text, start, delimiter, opts, path) else {
            continue;
        };
        if !plausible_header(&found) || !also(&found) {
            continue;
        }
        let above_text = text.get(..start).unwrap_or("");
        let n_above = memchr::memchr_iter(b'\n', above_text.as_bytes()).count();
        let shown: Vec<String> = above_text
            .lines()
            .map(|l| {
                l.trim()
                    .trim_matches(|c| matches!(c, ',' | ';' | '\t'))
                    .trim()
            })
            .filter(|l| !l.is_empty())
            .map(|l| format!("'{}'", l.chars().take(60).collect::<String>()))
            .collect();
        found.above = Some(format!(
            "header on line {}: the {n_above} line(s) above it skipped (title or notes){}",
            n_above + 1,
            if shown.is_empty() {
                String::new()
            } else {
                format!(": {}", shown.join(", "))
            }
        ));
        return Some(found);
    }
    None
}

/// Where the first [`MAX_LINES_ABOVE`] + 1 lines that hold something start (within
/// [`MAX_BYTES_ABOVE`]), the first line's start (0) first.
fn line_starts(text: &str) -> impl Iterator<Item = usize> + '_ {
    let head = text.get(..MAX_BYTES_ABOVE.min(text.len())).unwrap_or(text);
    std::iter::once(0)
        .chain(memchr::memchr_iter(b'\n', head.as_bytes()).map(|i| i + 1))
        .filter(|&start| {
            let line = text.get(start..).unwrap_or("").lines().next().unwrap_or("");
            start == 0 || !line.trim().is_empty()
        })
        .take(MAX_LINES_ABOVE + 1)
}

/// Whether a record below the first line can be the header: at least two names, and its
/// coordinate columns named by words, not numbers (a data row's fields would match the
/// columns the user gave by number).
fn plausible_header(found: &Found) -> bool {
    let names = &found.header.names;
    let numeric = |c: usize| {
        names.get(c).is_some_and(|n| {
            let (a, b) = super::split_pair(n, false);
            super::parse_number(n, false).is_some()
                || (super::parse_number(a, false).is_some() && !b.is_empty())
        })
    };
    names.len() >= 2 && !numeric(found.cols.lon) && !numeric(found.cols.lat)
}

/// The header read from `text[start..]` with the columns it gives.
fn header_at(
    text: &str,
    start: usize,
    delimiter: Option<u8>,
    opts: &FirmLoadOptions,
    path: &str,
) -> Result<Found, LoadError> {
    let rest = text.get(start..).unwrap_or("");
    // Sniffed from the header's own line (the csv reader skips blank lines before it).
    let delimiter =
        delimiter.unwrap_or_else(|| sniff_delimiter(rest.trim_start_matches(['\r', '\n'])));
    let header = read_header(rest, delimiter, path)?;
    let (names, note) = trim_header(header.names);
    let cols = detect_columns(&names, opts, path)?;
    let body = rest.get(header.body_start..).unwrap_or("");
    let (names, cols, note) = with_row_names(names, cols, note, body, (delimiter, opts, path));
    let lines_above = text
        .get(..start)
        .map_or(0, |t| memchr::memchr_iter(b'\n', t.as_bytes()).count());
    Ok(Found {
        start,
        delimiter,
        header: Header {
            names,
            note,
            body_start: start + header.body_start,
            lines: lines_above as u64 + header.lines,
        },
        cols,
        above: None,
    })
}

/// The first record of `text`: its names, where the data starts and how many lines it took.
fn read_header(text: &str, delimiter: u8, path: &str) -> Result<Header, LoadError> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .has_headers(true)
        .from_reader(text.as_bytes());
    let names: Vec<String> = reader
        .headers()
        .map_err(|e| LoadError::Format {
            path: path.to_string(),
            message: format!("cannot read the header line ({e})"),
        })?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    Ok(Header {
        names,
        note: None,
        body_start: (reader.position().byte() as usize).min(text.len()),
        lines: reader.position().line().saturating_sub(1),
    })
}

/// Where the header starts in `text`, for previews, which show what the loader will read:
/// the one [`find_header`] finds with default options, else (its columns have names the
/// loader does not know, to be chosen in the preview) the first of the first lines with as
/// many fields, at least two, as the line after it; else 0.
pub(crate) fn header_start(text: &str) -> usize {
    if let Ok(f) = find_header(text, None, &FirmLoadOptions::default(), "") {
        return f.start;
    }
    let fields = |start: usize| {
        let rest = text.get(start..).unwrap_or("");
        let line = rest.lines().next().unwrap_or("");
        first_record_len(line, sniff_delimiter(line)).unwrap_or(0)
    };
    let starts: Vec<usize> = line_starts(text).collect();
    starts
        .windows(2)
        .find(|w| matches!(w, [a, b] if fields(*a) >= 2 && fields(*a) == fields(*b)))
        .and_then(|w| w.first().copied())
        .unwrap_or(0)
}

/// The header as the loader reads it, for other readers of the same files (`convert`, the
/// import dialog's preview).
pub(crate) struct HeaderOf {
    /// Where the header starts in the text.
    pub start: usize,
    /// The file has none: its first line is data (the names are made up).
    pub headerless: bool,
    pub delimiter: u8,
    pub cols: FirmColumns,
    /// The names (an unnamed first one added for R's row names).
    pub names: Vec<String>,
    /// Where the data starts, and the lines of the file before it.
    pub body_start: usize,
    pub lines: u64,
}

/// [`HeaderOf`] `text`.
pub(crate) fn header_of(
    text: &str,
    opts: &FirmLoadOptions,
    path: &str,
) -> Result<HeaderOf, LoadError> {
    let delimiter = opts.delimiter.filter(char::is_ascii).map(|c| c as u8);
    find_header(text, delimiter, opts, path).map(|f| HeaderOf {
        start: f.start,
        headerless: f.header.body_start == f.start,
        delimiter: f.delimiter,
        cols: f.cols,
        names: f.header.names,
        body_start: f.header.body_start,
        lines: f.header.lines,
    })
}
