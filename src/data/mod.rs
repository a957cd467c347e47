//! The IO edge: reads zones and firms from user files (and the bundled data), converts them
//! to WGS-84, and reports every row or feature it had to skip.

mod blocks;
pub mod bundled;
mod cells;
mod convert;
pub mod dates;
mod error;
mod firms_csv;
mod firms_geojson;
pub mod formats;
mod geometry;
mod gzip;
mod header_words;
mod input;
mod json_table;
mod report;
pub mod slots;
mod strays;
mod tables;
mod text;
mod typed_path;
mod zones_geojson;

pub use convert::convert_csv;
pub use error::LoadError;
pub use firms_csv::{
    FirmColumns, WINDOW, detect_columns, load_firms_csv_bytes, load_firms_csv_streamed,
    stream_window,
};
pub use firms_geojson::load_firms_geojson_str;
pub use geometry::MAX_ZONE_VERTICES;
pub use gzip::read_head;
pub(crate) use input::got_shorter;
pub use input::{FileBytes, MAX_STREAM_BYTES, read_input, read_small_text};
pub use report::{LoadReport, MAX_DETAILED_SKIPS, SkippedItem};
pub use strays::{STRAY_KM, screen_strays};
pub use tables::{fit_table_from_str, load_fit_table, policy_from_str};
pub use text::{Decoded, decode_text};
pub use typed_path::typed_path;
pub use zones_geojson::{ZoneFields, load_zones_str};

use std::path::Path;

use crate::model::{Firms, SourceCrs, Zone};

/// Options for reading a firms file. Every field is optional: columns are detected from common
/// English and Chinese headers, the encoding from the bytes.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct FirmLoadOptions {
    pub crs: SourceCrs,
    pub lon_col: Option<String>,
    pub lat_col: Option<String>,
    pub id_col: Option<String>,
    pub name_col: Option<String>,
    pub segment_col: Option<String>,
    /// The founding date's column (name or 1-based number); found by its header when absent
    /// ([`dates::DateColumns::find`]).
    pub founded_col: Option<String>,
    /// `utf-8` or `gbk`; detected when absent.
    pub encoding: Option<String>,
    /// Field delimiter; detected from the header line when absent.
    pub delimiter: Option<char>,
    /// Keep firms more than [`STRAY_KM`] from the others (left out and listed by default).
    pub keep_distant: bool,
    /// Workbook sheet (name or 1-based number) for Excel/ODS files.
    pub sheet: Option<String>,
    /// Layer of a GeoPackage (or Shapefile in a `.zip`) holding firm points.
    pub layer: Option<String>,
}

/// Options for reading a zones file.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct ZoneLoadOptions {
    pub crs: SourceCrs,
    pub fields: ZoneFields,
    /// Layer of a GeoPackage (or Shapefile in a `.zip`).
    pub layer: Option<String>,
}

/// Zones and the report of what was skipped.
#[derive(Clone, Debug, Default)]
pub struct LoadedZones {
    pub zones: Vec<Zone>,
    pub report: LoadReport,
}

/// Firms and the report of what was skipped.
#[derive(Clone, Debug, Default)]
pub struct LoadedFirms {
    pub firms: Firms,
    pub report: LoadReport,
    /// Founding and closing years, when the firms have date columns (read by the loader).
    pub times: Option<std::sync::Arc<crate::model::FirmTimes>>,
}

/// The reader for a file: the system the user named, else the one the file names (GeoJSON
/// `crs`, `.prj`, GeoPackage SRS), else WGS-84.
pub(crate) fn reader_for(
    file_code: Option<u32>,
    user: SourceCrs,
    path: &str,
) -> Result<crate::crs::Reader, LoadError> {
    let crs = match (user, file_code) {
        (SourceCrs::Wgs84, Some(code)) => SourceCrs::Epsg(code),
        (u, _) => u,
    };
    crate::crs::Reader::new(crs).map_err(|e| LoadError::Format {
        path: path.to_string(),
        message: e.to_string(),
    })
}

/// How the firm loader reads a delimited text's header, for the import dialog's preview.
pub struct PreviewHeader {
    /// Where the header starts (after any title lines).
    pub start: usize,
    pub delimiter: u8,
    /// The names the loader reads the columns by (made up for a file without a header, an
    /// unnamed first one for R's row names); None when it finds no header, and the preview
    /// names the columns by the first line's fields.
    pub names: Option<Vec<String>>,
    /// The first line is data (the file has no header).
    pub headerless: bool,
}

/// [`PreviewHeader`] of `text`, found once as the loader finds it, and the text as the loader
/// reads it (R's backslash-escaped quotes as doubled ones).
pub fn header_for_preview(text: &str) -> (std::borrow::Cow<'_, str>, PreviewHeader) {
    match firms_csv::as_the_loader_reads(text, &FirmLoadOptions::default(), "") {
        Ok((read, h, _)) => (
            read,
            PreviewHeader {
                start: h.start,
                delimiter: h.delimiter,
                names: Some(h.names),
                headerless: h.headerless,
            },
        ),
        Err(_) => {
            let start = firms_csv::header_start(text);
            let header = PreviewHeader {
                start,
                delimiter: firms_csv::sniff_delimiter(text.get(start..).unwrap_or(text)),
                names: None,
                headerless: false,
            };
            (std::borrow::Cow::Borrowed(text), header)
        }
    }
}

/// Reads a vector file of another format (Shapefile, GeoPackage, KML/KMZ) as WGS-84 features.
fn read_vector(
    path: &Path,
    format: formats::Format,
    crs: SourceCrs,
    layer: Option<&str>,
    flag: &str,
) -> Result<Option<(formats::Vector, String)>, LoadError> {
    use formats::Format as F;
    let name = path.display().to_string();
    let g = |what: &str, f: &mut dyn FnMut() -> Result<formats::Vector, LoadError>| {
        formats::guarded(&name, what, f)
    };
    let v = match format {
        F::Shapefile => g("Shapefile", &mut || {
            formats::shp::read(path, None, layer, crs)
        })?,
        F::ShapefileZip => {
            let bytes = read_input(path)?;
            g("Shapefile", &mut || {
                formats::shp::read(path, Some(&bytes), layer, crs)
            })?
        }
        F::GeoPackage => g("GeoPackage", &mut || {
            formats::gpkg::read(path, layer, crs, flag)
        })?,
        F::Kml | F::Kmz => {
            let (text, malformed) = kml_text(path, format)?;
            let mut v = g("KML", &mut || formats::kml::read(&text, &name))?;
            v.warnings.extend(malformed.map(|m| m.warning()));
            v
        }
        _ => return Ok(None),
    };
    Ok(Some((v, vector_stamp(path, format))))
}

/// The KML document of a `.kml`, or inside a `.kmz`, and its malformed UTF-8 if any.
fn kml_text(
    path: &Path,
    format: formats::Format,
) -> Result<(String, Option<text::Malformed>), LoadError> {
    let name = path.display().to_string();
    let bytes = read_input(path)?;
    if format == formats::Format::Kmz {
        formats::kml::kml_from_kmz(&bytes, &name)
    } else {
        bytes.into_text(&name)
    }
}

/// The input stamp of a Shapefile or GeoPackage (its main file, read again by the reader that
/// stamps as it reads); other formats' readers read the bytes once and leave it empty.
fn vector_stamp(path: &Path, format: formats::Format) -> String {
    use formats::Format as F;
    match format {
        F::GeoPackage | F::Shapefile => read_input(path).map(|b| b.stamp()).unwrap_or_default(),
        _ => String::new(),
    }
}

/// The point features of a vector file as a table for the firm loader: a Shapefile's or
/// GeoPackage's straight from its records, KML's through its features.
fn read_points(
    path: &Path,
    format: formats::Format,
    crs: SourceCrs,
    layer: Option<&str>,
    flag: &str,
) -> Result<Option<(formats::PointTable, String)>, LoadError> {
    use formats::Format as F;
    let name = path.display().to_string();
    let shp = |zip: Option<&[u8]>| {
        formats::guarded(&name, "Shapefile", || {
            formats::shp::read_points(path, zip, layer, crs)
        })
    };
    let table = match format {
        F::Shapefile => shp(None)?,
        F::ShapefileZip => shp(Some(&read_input(path)?))?,
        F::GeoPackage => formats::guarded(&name, "GeoPackage", || {
            formats::gpkg::read_points(path, layer, crs, flag)
        })?,
        F::Kml | F::Kmz => {
            let (text, malformed) = kml_text(path, format)?;
            let mut t = formats::guarded(&name, "KML", || formats::kml::read_points(&text, &name))?;
            t.warnings.extend(malformed.map(|m| m.warning()));
            t
        }
        _ => {
            let v = read_vector(path, format, crs, layer, flag)?;
            return Ok(v.map(|(v, hash)| (v.into_points(), hash)));
        }
    };
    Ok(Some((table, vector_stamp(path, format))))
}

/// Reads a zones file: GeoJSON, Shapefile (or a `.zip` of one), GeoPackage, KML or KMZ.
pub fn load_zones(path: &Path, opts: &ZoneLoadOptions) -> Result<LoadedZones, LoadError> {
    let name = path.display().to_string();
    let format = formats::Format::of_path(path);
    if let Some(f) = format
        && let Some((v, hash)) =
            read_vector(path, f, opts.crs, opts.layer.as_deref(), "--zones-layer")?
    {
        let inner = ZoneLoadOptions {
            crs: if v.converted {
                SourceCrs::Wgs84
            } else {
                opts.crs
            },
            ..opts.clone()
        };
        let mut z = load_zones_str(&v.collection.to_string(), &name, &inner)?;
        z.report.crs = opts.crs;
        z.report.crs_used = Some(v.crs_label);
        z.report.notes.extend(v.notes);
        z.report.warnings.extend(v.warnings);
        z.report.hash = hash;
        return Ok(z);
    }
    if matches!(format, Some(formats::Format::Sheet | formats::Format::Csv)) {
        return Err(LoadError::Format {
            path: name,
            message: "a table cannot hold zone boundaries; open a GeoJSON, Shapefile, \
                      GeoPackage or KML file of polygons"
                .into(),
        });
    }
    let bytes = read_input(path)?;
    let text = bytes.decode(None, &name)?;
    let mut z = load_zones_str(&text.text, &name, opts)?;
    z.report
        .warnings
        .extend(text.malformed.map(|m| m.warning()));
    z.report.hash = bytes.stamp();
    z.report.notes.extend(bytes.note());
    Ok(z)
}

/// Reads a firms file: CSV/TSV/TXT as delimited text, `.geojson`/`.json` as GeoJSON points,
/// Excel/ODS workbooks by sheet, points from a Shapefile, GeoPackage or KML; anything else by
/// looking at its first character.
pub fn load_firms(path: &Path, opts: &FirmLoadOptions) -> Result<LoadedFirms, LoadError> {
    let name = path.display().to_string();
    let format = formats::Format::of_path(path);
    if format == Some(formats::Format::Sheet) {
        return load_firms_sheet(path, opts);
    }
    if let Some(f) = format
        && let Some((mut table, hash)) =
            read_points(path, f, opts.crs, opts.layer.as_deref(), "--firms-layer")?
    {
        let inner = FirmLoadOptions {
            crs: if table.converted {
                SourceCrs::Wgs84
            } else {
                opts.crs
            },
            lon_col: Some("wgs84_lon".into()),
            lat_col: Some("wgs84_lat".into()),
            delimiter: Some(','),
            encoding: Some("utf-8".into()),
            ..opts.clone()
        };
        let (crs_label, notes, not_points) = (
            std::mem::take(&mut table.crs_label),
            std::mem::take(&mut table.notes),
            table.not_points,
        );
        let warnings = std::mem::take(&mut table.warnings);
        let mut f = firms_csv::load_firms_csv_owned(table.into_csv().into_bytes(), &name, &inner)?;
        f.report.crs = opts.crs;
        f.report.crs_used = Some(crs_label);
        f.report.notes.extend(notes);
        f.report.warnings.extend(warnings);
        f.report
            .notes
            .push("rows are numbered as features (line 2 is the first feature)".into());
        if not_points > 0 {
            f.report.warn(format!(
                "{not_points} features are not points and were left out (firms must be points)"
            ));
        }
        f.report.hash = hash;
        return Ok(f);
    }
    let bytes = read_input(path)?;
    let hash = bytes.stamp();
    let note = bytes.note();
    let mut f = if looks_like_geojson(path, &bytes) {
        let text = bytes.decode(opts.encoding.as_deref(), &name)?;
        // An array is no GeoJSON: records, read as a table first.
        let body = text
            .text
            .trim_start_matches(['\u{feff}', ' ', '\t', '\r', '\n']);
        let table_first = body.starts_with('[');
        let mut f = match table_first
            .then(|| load_json_table(&text.text, &name, opts))
            .flatten()
        {
            Some(table) => table?,
            None => match load_firms_geojson_str(&text.text, &name, opts) {
                Ok(f) => f,
                // JSON that is not GeoJSON may be a table of records (an API's answer).
                Err(e) if !table_first => {
                    load_json_table(&text.text, &name, opts).unwrap_or(Err(e))?
                }
                Err(e) => return Err(e),
            },
        };
        f.report
            .warnings
            .extend(text.malformed.map(|m| m.warning()));
        f
    } else {
        let utf8 = bytes.known_utf8();
        firms_csv::load_firms_csv_read(bytes.into_vec(), utf8, &name, opts)?
    };
    f.report.hash = hash;
    f.report.notes.extend(note);
    Ok(f)
}

/// [`load_firms`] for a batch run that needs each row's text only once more, to copy it
/// (`analyze` writing `firms.csv`): a delimited text file larger than
/// [`firms_csv::WINDOW`] is loaded window by window ([`firms_csv::stream_window`] bytes at a
/// time), never held whole, and its rows are read
/// back from the file when copied; any other input is loaded whole, and its text, when
/// larger than a window, let go of when the file can be read again as it was. Same firms,
/// report and stamp as [`load_firms`].
pub fn load_firms_released(path: &Path, opts: &FirmLoadOptions) -> Result<LoadedFirms, LoadError> {
    use formats::Format;
    let text_table = matches!(Format::of_path(path), None | Some(Format::Csv));
    let large =
        std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.len() > firms_csv::WINDOW as u64);
    if text_table
        && large
        && path.as_os_str() != "-"
        && let Some(f) = firms_csv::load_firms_csv_streamed(path, opts, firms_csv::stream_window())?
    {
        return Ok(f);
    }
    let mut f = load_firms(path, opts)?;
    // A file of at most a window's size keeps its text: reading its rows back would cost
    // more (100k register rows: `analyze` 152 -> 140 ms) than the memory saves.
    if large && path.as_os_str() != "-" {
        // Kept when the file cannot be reopened as it was read.
        let _ = f.firms.attrs.release_text(path);
    }
    Ok(f)
}

/// A workbook's sheet through the CSV loader, with rows numbered as in the sheet.
fn load_firms_sheet(path: &Path, opts: &FirmLoadOptions) -> Result<LoadedFirms, LoadError> {
    let name = path.display().to_string();
    let bytes = read_input(path)?;
    let t = formats::guarded(&name, "workbook", || {
        formats::sheet::read(&bytes, &name, opts.sheet.as_deref())
    })?;
    let inner = FirmLoadOptions {
        delimiter: Some(','),
        encoding: Some("utf-8".into()),
        ..opts.clone()
    };
    let offset = t.header_row - 1;
    let shift = |e: LoadError| match e {
        LoadError::NoUsableRows { path, reasons } if offset > 0 => LoadError::NoUsableRows {
            path,
            reasons: format!(
                "{reasons} (line numbers count from the header, on sheet row {})",
                t.header_row
            ),
        },
        other => other,
    };
    let mut f = load_firms_csv_bytes(t.csv.as_bytes(), &name, &inner).map_err(shift)?;
    for s in &mut f.report.skipped {
        if let Some(l) = s.line.as_mut() {
            *l += offset;
        }
    }
    f.report.encoding = None;
    f.report.delimiter = None;
    f.report.notes.push(format!(
        "sheet '{}' of {} ({}); header on row {}; line numbers are sheet rows",
        t.sheet,
        t.sheets.len(),
        t.sheets.join(", "),
        t.header_row
    ));
    if !t.skipped_above.is_empty() {
        f.report.notes.push(format!(
            "{} row(s) above the header skipped (title or notes): {}",
            t.skipped_above.len(),
            t.skipped_above
                .iter()
                .map(|s| format!("'{}'", s.chars().take(60).collect::<String>()))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    f.report.hash = bytes.stamp();
    Ok(f)
}

/// Firms from JSON that is not GeoJSON ([`json_table`]): records read as a table's rows, or
/// GeoJSON features one a line read as a collection. None: the text holds neither.
fn load_json_table(
    text: &str,
    name: &str,
    opts: &FirmLoadOptions,
) -> Option<Result<LoadedFirms, LoadError>> {
    use json_table::JsonTable;
    Some(match json_table::read(text)? {
        JsonTable::Features(collection) => {
            load_firms_geojson_str(&collection, name, opts).map(|mut f| {
                let note =
                    "GeoJSON features one a line (GeoJSON Text Sequence), read as one collection";
                f.report.notes.push(note.into());
                f
            })
        }
        JsonTable::Records { csv, member, rows } => {
            let inner = FirmLoadOptions {
                delimiter: Some(','),
                encoding: Some("utf-8".into()),
                ..opts.clone()
            };
            firms_csv::load_firms_csv_owned(csv.into_bytes(), name, &inner).map(|mut f| {
                f.report.notes.push(if member.is_empty() {
                    format!("a JSON table: {rows} records read as rows (line 2 is the first record)")
                } else {
                    format!(
                        "a JSON table: the {rows} records of '{member}' read as rows (line 2 is the first record)"
                    )
                });
                if member == "pois" && opts.crs == SourceCrs::Wgs84 {
                    f.report.warn(format!(
                        "'{member}' records are how 高德 (Amap) answers a POI search, in GCJ-02; if these are Amap's, choose the coordinate system gcj02 (points are about 500 m off otherwise)"
                    ));
                }
                f
            })
        }
    })
}

fn looks_like_geojson(path: &Path, bytes: &[u8]) -> bool {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match ext.as_deref() {
        Some("geojson" | "json" | "geojsons" | "geojsonl" | "jsonl" | "ndjson") => true,
        Some("csv" | "tsv" | "txt") => false,
        _ => {
            // An object, or a GeoJSON Text Sequence's record separator.
            let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
            let first = body.iter().find(|b| !b.is_ascii_whitespace());
            matches!(first, Some(b'{' | b'\x1e'))
        }
    }
}
