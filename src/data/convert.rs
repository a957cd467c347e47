//! Rewrites the coordinates of a delimited file from one system to another, keeping every
//! other column (and every row: rows with unusable coordinates pass through unchanged and are
//! reported).

use super::firms_csv::{FirmColumns, detect_columns, parse_number, sniff_delimiter};
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
    let text: &str = &decoded.text;
    if text.trim().is_empty() {
        return Err(LoadError::Empty {
            path: path.to_string(),
        });
    }
    let delimiter = opts
        .delimiter
        .map(|c| c as u8)
        .unwrap_or_else(|| sniff_delimiter(text));
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .from_reader(text.as_bytes());
    let fmt_err = |e: csv::Error| LoadError::Format {
        path: path.to_string(),
        message: format!("cannot read the CSV ({e})"),
    };
    let headers = reader.headers().map_err(fmt_err)?.clone();
    let header_vec: Vec<String> = headers.iter().map(|h| h.trim().to_string()).collect();
    let cols = detect_columns(&header_vec, opts, path)?;
    let mut report = LoadReport::new(path, from);
    report.encoding = Some(decoded.encoding.to_string());
    report
        .columns
        .insert("lon".into(), header_vec[cols.lon].clone());
    report
        .columns
        .insert("lat".into(), header_vec[cols.lat].clone());
    let mut writer = csv::WriterBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .from_writer(Vec::new());
    writer.write_record(&headers).map_err(fmt_err)?;
    let comma_decimal = delimiter != b',';
    // Lines counted from the top of the file (the header is line 1).
    let mut lines = super::firms_csv::LineCounter::new(text.as_bytes(), 1);
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
                let fields = rewritten(&record, &cols, q, lat_first);
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
    let (lon_s, lat_s) = if cols.combined() {
        super::firms_csv::split_pair(record.get(cols.lon).unwrap_or(""))
    } else {
        (
            record.get(cols.lon).unwrap_or(""),
            record.get(cols.lat).unwrap_or(""),
        )
    };
    let checked = |x, y| check_lonlat(x, y).map_err(|p| (p.kind, p.message));
    match (
        parse_number(lon_s, comma_decimal),
        parse_number(lat_s, comma_decimal),
    ) {
        (Some(x), Some(y)) if cols.combined() && super::firms_csv::latitude_first(x, y) => {
            (checked(y, x), true)
        }
        (Some(x), Some(y)) => (checked(x, y), false),
        _ => (
            Err((
                "unparsable",
                "longitude/latitude is missing or not a number".to_string(),
            )),
            false,
        ),
    }
}

/// The row's fields with its position `q` written in: a combined column in its own shape
/// and order (WKT stays WKT).
fn rewritten(
    record: &csv::StringRecord,
    cols: &FirmColumns,
    q: LonLat,
    lat_first: bool,
) -> Vec<String> {
    record
        .iter()
        .enumerate()
        .map(|(c, f)| {
            if cols.combined() && c == cols.lon {
                let wkt = f
                    .trim_start()
                    .get(..5)
                    .is_some_and(|h| h.eq_ignore_ascii_case("point"));
                let (a, b) = if lat_first {
                    (q.lat, q.lon)
                } else {
                    (q.lon, q.lat)
                };
                if wkt {
                    format!("POINT ({a:.8} {b:.8})")
                } else {
                    format!("{a:.8},{b:.8}")
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
