//! The header of a delimited firm file: its first record, or, when that names no coordinate
//! columns, the first of the next few lines that does (registers and government lists often
//! carry a title and notes above the header, as their spreadsheets do).

use super::columns::{FirmColumns, detect_columns, trim_header};
use super::sniff_delimiter;
use crate::data::{FirmLoadOptions, LoadError};

/// Lines searched for a header below the first.
const MAX_LINES_ABOVE: usize = 10;
/// Bytes searched for a header.
const MAX_BYTES_ABOVE: usize = 64 << 10;

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
    let Err(first_error) = first else {
        return first;
    };
    if !matches!(
        first_error,
        LoadError::NoCoordinateColumns { .. } | LoadError::MissingColumn { .. }
    ) {
        return Err(first_error);
    }
    let starts = text
        .char_indices()
        .take_while(|(i, _)| *i < MAX_BYTES_ABOVE)
        .filter(|(_, c)| *c == '\n')
        .map(|(i, _)| i + 1)
        .take(MAX_LINES_ABOVE);
    for start in starts {
        let Ok(mut found) = header_at(text, start, delimiter, opts, path) else {
            continue;
        };
        // Lines above the header, in the file's own line count.
        let above: Vec<String> = text
            .get(..start)
            .unwrap_or("")
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
            "header on line {}: {} line(s) above it skipped (title or notes){}",
            found.header.lines,
            above.len(),
            if above.is_empty() {
                String::new()
            } else {
                format!(": {}", above.join(", "))
            }
        ));
        return Ok(found);
    }
    Err(first_error)
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
    let delimiter = delimiter.unwrap_or_else(|| sniff_delimiter(rest));
    let header = read_header(rest, delimiter, path)?;
    let (names, note) = trim_header(header.names);
    let cols = detect_columns(&names, opts, path)?;
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

/// Where the header found by [`find_header`] (with default options) starts in `text`: 0
/// unless title lines come before it. For previews, which show what the loader will read.
pub(crate) fn header_start(text: &str) -> usize {
    find_header(text, None, &FirmLoadOptions::default(), "").map_or(0, |f| f.start)
}
