//! Rewrites the coordinates of a delimited file from one system to another, keeping every
//! other column (and every row: rows with unusable coordinates pass through unchanged and are
//! reported).

use super::firms_csv::{
    FirmColumns, HeaderOf, as_the_loader_reads, backslash_quotes_note, hex_point, missing_reason,
    parse_number, split_pair, with_point,
};
use super::geometry::check_lonlat;
use super::text::decode_text;
use super::{FirmLoadOptions, LoadError, LoadReport};
use crate::crs::convert;
use crate::model::{LonLat, SourceCrs};

/// Converts the lon/lat columns of a CSV from `from` to `to`; returns UTF-8 output in the same
/// delimiter, and a report of rows left unchanged.
///
/// ```
/// use cluster_atlas::data::{convert_csv, FirmLoadOptions};
/// use cluster_atlas::model::SourceCrs;
/// let (out, report) = convert_csv(b"name,lng,lat\nA,114.05,22.54\n", "in.csv", SourceCrs::Gcj02, SourceCrs::Wgs84, &FirmLoadOptions::default()).unwrap();
/// let text = String::from_utf8(out).unwrap();
/// assert!(text.starts_with("name,lng,lat\nA,114.04"));
/// assert_eq!(report.loaded, 1);
/// ```
pub fn convert_csv(
    bytes: &[u8],
    path: &str,
    from: SourceCrs,
    to: SourceCrs,
    opts: &FirmLoadOptions,
) -> Result<(Vec<u8>, LoadReport), LoadError> {
    let decoded = decode_text(bytes, opts.encoding.as_deref(), path)?;
    if decoded.text.trim().is_empty() {
        return Err(LoadError::Empty {
            path: path.to_string(),
        });
    }
    // From the header the loader finds (title lines above it are copied through), with R's
    // backslash-escaped quotes read as the loader reads them.
    let (text, found, escaped) = as_the_loader_reads(&decoded.text, opts, path)?;
    let HeaderOf {
        start,
        headerless,
        delimiter,
        cols,
        names,
        ..
    } = found;
    let (above, table) = text.split_at(start.min(text.len()));
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .has_headers(!headerless)
        .from_reader(table.as_bytes());
    let fmt_err = |e: csv::Error| LoadError::Format {
        path: path.to_string(),
        message: format!("cannot read the CSV ({e})"),
    };
    let mut headers = reader.headers().map_err(fmt_err)?.clone();
    // R's row names: the header written back with the unnamed column the loader added.
    if names.len() == headers.len() + 1 {
        headers = csv::StringRecord::from(names.clone());
    }
    let mut report = LoadReport::new(path, from);
    report.notes.extend(escaped.map(backslash_quotes_note));
    report.encoding = Some(decoded.encoding.to_string());
    report
        .warnings
        .extend(decoded.malformed.map(|m| m.warning()));
    let name = |c: usize| names.get(c).cloned().unwrap_or_default();
    report.columns.insert("lon".into(), name(cols.lon));
    report.columns.insert("lat".into(), name(cols.lat));
    let mut writer = csv::WriterBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .from_writer(above.as_bytes().to_vec());
    if !headerless {
        writer.write_record(&headers).map_err(fmt_err)?;
    }
    let comma_decimal = delimiter != b',';
    // Lines counted from the top of the file.
    let header_line = 1 + memchr::memchr_iter(b'\n', above.as_bytes()).count() as u64;
    let mut lines = super::firms_csv::LineCounter::new(table.as_bytes(), header_line);
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                let line = lines.line_at(e.position().map(|p| p.byte()));
                report.skip_line(
                    line,
                    "unreadable",
                    format!("cannot read the row ({e}); conversion stopped here"),
                );
                break;
            }
        }
        report.read += 1;
        let line = lines.line_at(record.position().map(|p| p.byte()));
        let (parsed, lat_first) = read_coords(&record, &cols, comma_decimal);
        match parsed {
            Ok(ll) => {
                let q: LonLat = convert(ll, from, to);
                let fields = rewritten(&record, &cols, q, lat_first, comma_decimal);
                writer.write_record(&fields).map_err(fmt_err)?;
                report.loaded += 1;
            }
            Err((kind, msg)) => {
                writer.write_record(&record).map_err(fmt_err)?;
                report.skip_line(line, kind, format!("{msg}; row copied unchanged"));
            }
        }
    }
    let out = writer.into_inner().map_err(|e| LoadError::Format {
        path: path.to_string(),
        message: e.to_string(),
    })?;
    Ok((out, report))
}

type Coords = Result<LonLat, (&'static str, String)>;

/// The row's position as read (or why not), and whether a combined column had it latitude
/// first.
fn read_coords(
    record: &csv::StringRecord,
    cols: &FirmColumns,
    comma_decimal: bool,
) -> (Coords, bool) {
    let (lon_s, lat_s) = cols.coord_text(|c| record.get(c), comma_decimal);
    // A hex WKB point's numbers are bytes (and its digits no hemisphere marks).
    let wkb = cols
        .combined
        .then(|| hex_point(record.get(cols.lon)?.trim()))
        .flatten();
    let texts = if wkb.is_some() {
        ("", "")
    } else {
        (lon_s, lat_s)
    };
    let numbers = match wkb {
        Some((a, b)) => (Some(a), Some(b)),
        None => (
            parse_number(lon_s, comma_decimal),
            parse_number(lat_s, comma_decimal),
        ),
    };
    match numbers {
        (Some(a), Some(b)) => match cols.in_order((a, b), texts) {
            Ok((lon, lat, lat_first)) => (
                check_lonlat(lon, lat).map_err(|p| (p.kind, p.message)),
                lat_first,
            ),
            Err(why) => (Err(("swapped", why)), false),
        },
        _ => match missing_reason(lon_s, lat_s) {
            Some(why) => (Err(("missing", why)), false),
            None => (
                Err((
                    "unparsable",
                    "longitude/latitude is missing or not a number".to_string(),
                )),
                false,
            ),
        },
    }
}

/// The row's fields with its position `q` written in; a combined column keeps its own
/// shape: only its two numbers are replaced, in their order (WKT stays WKT, a `Z` stays).
fn rewritten(
    record: &csv::StringRecord,
    cols: &FirmColumns,
    q: LonLat,
    lat_first: bool,
    comma_decimal: bool,
) -> Vec<String> {
    record
        .iter()
        .enumerate()
        .map(|(c, f)| {
            if cols.combined && c == cols.lon {
                let (a, b) = if lat_first {
                    (q.lat, q.lon)
                } else {
                    (q.lon, q.lat)
                };
                if let Some(moved) = with_point(f.trim(), (a, b)) {
                    return moved;
                }
                let (x, y) = split_pair(f, comma_decimal);
                // Where the two numbers lie in the value (they are slices of it).
                let at = |part: &str| (part.as_ptr() as usize).checked_sub(f.as_ptr() as usize);
                let pieces = at(x).zip(at(y)).and_then(|(xs, ys)| {
                    Some((
                        f.get(..xs)?,
                        f.get(xs + x.len()..ys)?,
                        f.get(ys + y.len()..)?,
                    ))
                });
                match pieces {
                    Some((head, mid, tail)) => format!("{head}{a:.8}{mid}{b:.8}{tail}"),
                    None => format!("{a:.8},{b:.8}"),
                }
            } else if c == cols.lon {
                format!("{:.8}", q.lon)
            } else if c == cols.lat {
                format!("{:.8}", q.lat)
            } else {
                f.to_string()
            }
        })
        .collect()
}
