//! The IO edge: reads zones and firms from user files (and the bundled data), converts them
//! to WGS-84, and reports every row or feature it had to skip.

pub mod bundled;
mod convert;
mod error;
mod firms_csv;
mod firms_geojson;
mod geometry;
mod report;
mod strays;
mod tables;
mod text;
mod zones_geojson;

pub use convert::convert_csv;
pub use error::LoadError;
pub use firms_csv::{FirmColumns, load_firms_csv_bytes};
pub use firms_geojson::load_firms_geojson_str;
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
}

/// Options for reading a zones file.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct ZoneLoadOptions {
    pub crs: SourceCrs,
    pub fields: ZoneFields,
}

/// Zones and the report of what was skipped.
#[derive(Clone, Debug)]
pub struct LoadedZones {
    pub zones: Vec<Zone>,
    pub report: LoadReport,
}

/// Firms and the report of what was skipped.
#[derive(Clone, Debug)]
pub struct LoadedFirms {
    pub firms: Firms,
    pub report: LoadReport,
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

/// Reads an input file once: `-` is standard input; a large regular file is memory-mapped;
/// anything else (a named pipe, a device) is read from the one open handle, so a pipe is
/// never opened twice.
pub fn read_input(path: &Path) -> Result<FileBytes, LoadError> {
    use std::io::Read;
    let io = |cause| LoadError::Io {
        path: path.display().to_string(),
        cause,
    };
    if path.as_os_str() == "-" {
        let mut buf = Vec::new();
        std::io::stdin().lock().read_to_end(&mut buf).map_err(io)?;
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
        // (ripgrep and others accept the same trade-off for large files).
        if let Ok(m) = unsafe { memmap2::Mmap::map(&file) } {
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
    file.read_to_end(&mut buf).map_err(io)?;
    Ok(FileBytes(FileBytesInner::Owned(buf)))
}

/// Reads a zones GeoJSON file.
pub fn load_zones(path: &Path, opts: &ZoneLoadOptions) -> Result<LoadedZones, LoadError> {
    let bytes = read_input(path)?;
    let name = path.display().to_string();
    let text = decode_text(&bytes, None, &name)?;
    let mut z = load_zones_str(&text.text, &name, opts)?;
    z.report.hash = crate::output::short_hash(&[&bytes[..]]);
    Ok(z)
}

/// Reads a firms file: CSV/TSV/TXT as delimited text, `.geojson`/`.json` as GeoJSON points,
/// anything else by looking at its first character.
pub fn load_firms(path: &Path, opts: &FirmLoadOptions) -> Result<LoadedFirms, LoadError> {
    let bytes = read_input(path)?;
    let name = path.display().to_string();
    let mut f = if looks_like_geojson(path, &bytes) {
        let text = decode_text(&bytes, opts.encoding.as_deref(), &name)?;
        load_firms_geojson_str(&text.text, &name, opts)?
    } else {
        load_firms_csv_bytes(&bytes, &name, opts)?
    };
    f.report.hash = crate::output::short_hash(&[&bytes[..]]);
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
