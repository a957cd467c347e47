//! The IO edge: reads zones and firms from user files (and the bundled data), converts them
//! to WGS-84, and reports every row or feature it had to skip.

pub mod bundled;
mod convert;
pub mod dates;
mod error;
mod firms_csv;
mod firms_geojson;
pub mod formats;
mod geometry;
mod report;
pub mod slots;
mod strays;
mod tables;
mod text;
mod zones_geojson;

pub use convert::convert_csv;
pub use error::LoadError;
pub use firms_csv::{FirmColumns, load_firms_csv_bytes};
pub use firms_geojson::load_firms_geojson_str;
pub use geometry::MAX_ZONE_VERTICES;
pub use report::{LoadReport, MAX_DETAILED_SKIPS, SkippedItem};
pub use strays::{STRAY_KM, screen_strays};
pub use tables::{fit_table_from_str, load_fit_table, policy_from_str};
pub use text::{Decoded, decode_text};
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

/// The delimiter the loader would pick for this text (for previews).
pub fn sniff_delimiter_for_preview(text: &str) -> u8 {
    firms_csv::sniff_delimiter(text)
}

/// A file's bytes: read into memory, or memory-mapped when large (no copy of hundreds of
/// megabytes before parsing).
pub struct FileBytes(FileBytesInner);

enum FileBytesInner {
    Owned(Vec<u8>),
    Mapped(memmap2::Mmap),
}

impl std::ops::Deref for FileBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match &self.0 {
            FileBytesInner::Owned(v) => v,
            FileBytesInner::Mapped(m) => m,
        }
    }
}

impl FileBytes {
    /// Lets the OS drop the pages of `part` (a slice of these bytes) from memory: they are
    /// read again from the file if touched. Does nothing for bytes held in memory.
    pub fn release(&self, part: &[u8]) {
        #[cfg(unix)]
        if let FileBytesInner::Mapped(m) = &self.0 {
            let base = m.as_ptr() as usize;
            let start = part.as_ptr() as usize;
            if start >= base && start + part.len() <= base + m.len() && !part.is_empty() {
                // SAFETY: a read-only shared file mapping; dropped pages are re-read from the
                // unchanged file, so every reference sees the same bytes.
                let _ = unsafe {
                    m.unchecked_advise_range(
                        memmap2::UncheckedAdvice::DontNeed,
                        start - base,
                        part.len(),
                    )
                };
            }
        }
        #[cfg(not(unix))]
        let _ = part;
    }

    /// The input stamp ([`crate::model::short_hash`]), releasing pages as it goes.
    pub fn hash_releasing(&self) -> String {
        let mut h = crate::model::ShortHasher::new();
        h.part_releasing(self, &|b| self.release(b));
        h.finish()
    }
}

/// Reads an input file once: `-` is standard input; a large regular file is memory-mapped;
/// anything else (a named pipe, a device) is read from the one open handle, so a pipe is
/// never opened twice.
pub fn read_input(path: &Path) -> Result<FileBytes, LoadError> {
    use std::io::Read;
    let io = |cause| LoadError::Io {
        path: path.display().to_string(),
        cause,
    };
    let too_big = || {
        io(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!(
                "more than {} GB from a pipe, device or standard input; save the data to a \
                 file first",
                MAX_STREAM_BYTES >> 30
            ),
        ))
    };
    if path.as_os_str() == "-" {
        let mut buf = Vec::new();
        std::io::stdin()
            .lock()
            .take(MAX_STREAM_BYTES + 1)
            .read_to_end(&mut buf)
            .map_err(io)?;
        if buf.len() as u64 > MAX_STREAM_BYTES {
            return Err(too_big());
        }
        return Ok(FileBytes(FileBytesInner::Owned(buf)));
    }
    let mut file = std::fs::File::open(path).map_err(io)?;
    let meta = file.metadata().map_err(io)?;
    if meta.is_dir() {
        return Err(io(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "this is a folder; give a file",
        )));
    }
    if meta.is_file() && meta.len() >= 64 << 20 {
        // SAFETY: the map is read-only and lives only while this load runs; if another
        // program truncates the file meanwhile the OS may fault, as with any mapped reader
        // (ripgrep and others accept the same trade-off for large files). The pages are
        // faulted in by the parallel readers: mapping them all up front (populate) is one
        // sequential call that took 20–50 ms of a 4-million-firm load while both cores waited.
        if let Ok(m) = unsafe { memmap2::MmapOptions::new().map(&file) } {
            #[cfg(unix)]
            let _ = m.advise(memmap2::Advice::Sequential);
            return Ok(FileBytes(FileBytesInner::Mapped(m)));
        }
    }
    let mut buf = Vec::with_capacity(if meta.is_file() {
        meta.len() as usize
    } else {
        0
    });
    // A device such as /dev/zero never ends: streams are read up to a limit.
    let limit = if meta.is_file() {
        u64::MAX
    } else {
        MAX_STREAM_BYTES + 1
    };
    (&mut file).take(limit).read_to_end(&mut buf).map_err(io)?;
    if !meta.is_file() && buf.len() as u64 > MAX_STREAM_BYTES {
        return Err(too_big());
    }
    Ok(FileBytes(FileBytesInner::Owned(buf)))
}

/// Largest input read from a pipe, device or standard input (files have no limit: they are
/// memory-mapped).
pub const MAX_STREAM_BYTES: u64 = 2 << 30;

/// Reads a small text file (weights, fit table): at most `limit` bytes, from one open handle.
pub fn read_small_text(path: &Path, limit: u64) -> Result<String, LoadError> {
    use std::io::Read;
    let io = |cause| LoadError::Io {
        path: path.display().to_string(),
        cause,
    };
    let mut buf = Vec::new();
    if path.as_os_str() == "-" {
        std::io::stdin()
            .lock()
            .take(limit + 1)
            .read_to_end(&mut buf)
            .map_err(io)?;
    } else {
        std::fs::File::open(path)
            .map_err(io)?
            .take(limit + 1)
            .read_to_end(&mut buf)
            .map_err(io)?;
    }
    if buf.len() as u64 > limit {
        return Err(io(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("larger than {} KB; is this the right file?", limit >> 10),
        )));
    }
    let text = decode_text(&buf, None, &path.display().to_string())?;
    Ok(text.text.into_owned())
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
            let bytes = read_input(path)?;
            let text = if format == F::Kmz {
                formats::kml::kml_from_kmz(&bytes, &name)?
            } else {
                decode_text(&bytes, None, &name)?.text.into_owned()
            };
            g("KML", &mut || formats::kml::read(&text, &name))?
        }
        _ => return Ok(None),
    };
    let hash = match format {
        F::GeoPackage | F::Shapefile => std::fs::read(path)
            .map(|b| crate::model::short_hash(&[&b[..]]))
            .unwrap_or_default(),
        _ => String::new(),
    };
    Ok(Some((v, hash)))
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
    let text = decode_text(&bytes, None, &name)?;
    let mut z = load_zones_str(&text.text, &name, opts)?;
    z.report.hash = crate::model::short_hash(&[&bytes[..]]);
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
        && let Some((v, hash)) =
            read_vector(path, f, opts.crs, opts.layer.as_deref(), "--firms-layer")?
    {
        let (csv, not_points) = formats::points_to_csv(&v);
        let inner = FirmLoadOptions {
            crs: if v.converted {
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
        let mut f = load_firms_csv_bytes(csv.as_bytes(), &name, &inner)?;
        f.report.crs = opts.crs;
        f.report.crs_used = Some(v.crs_label);
        f.report.notes.extend(v.notes);
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
    // The stamp (one sequential pass) runs beside the parallel parse; both drop the pages
    // behind them, so a mapped file is never held whole beside its parsed copy.
    let (hash, loaded) = rayon::join(
        || bytes.hash_releasing(),
        || {
            if looks_like_geojson(path, &bytes) {
                let text = decode_text(&bytes, opts.encoding.as_deref(), &name)?;
                load_firms_geojson_str(&text.text, &name, opts)
            } else {
                firms_csv::load_firms_csv_releasing(&bytes, &name, opts, &|part| {
                    bytes.release(part)
                })
            }
        },
    );
    let mut f = loaded?;
    f.report.hash = hash;
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
    f.report.hash = crate::model::short_hash(&[&bytes[..]]);
    Ok(f)
}

fn looks_like_geojson(path: &Path, bytes: &[u8]) -> bool {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match ext.as_deref() {
        Some("geojson" | "json") => true,
        Some("csv" | "tsv" | "txt") => false,
        _ => {
            let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
            body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{')
        }
    }
}
