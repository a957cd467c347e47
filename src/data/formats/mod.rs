//! The file formats planners receive, each turned into what the core loaders already validate:
//! zones and point layers into a WGS-84 GeoJSON FeatureCollection, tables into CSV text. So
//! every format gets the same row checks, reports and column detection.
//!
//! - Shapefile (`.shp` + `.dbf` + `.shx` + `.prj` + `.cpg`, or a `.zip` holding one): `shp`
//! - GeoPackage (`.gpkg`, layers): `gpkg`
//! - KML / KMZ (Google Earth, 奥维互动地图): `kml`
//! - Excel `.xlsx` / `.xls` and OpenDocument `.ods` (sheets, title rows): `sheet`

mod geom;
pub mod gpkg;
pub mod kml;
pub mod sheet;
pub mod shp;

use std::path::Path;

use serde_json::{Map, Value};

pub use geom::geometry_value;

use super::LoadError;
use crate::crs::Reader;

/// A file's format, from its extension (and, for `.zip`, its contents).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    GeoJson,
    Csv,
    Shapefile,
    /// A `.zip` with a Shapefile inside.
    ShapefileZip,
    GeoPackage,
    Kml,
    Kmz,
    /// Excel (`.xlsx`, `.xlsm`, `.xls`) or OpenDocument (`.ods`).
    Sheet,
}

impl Format {
    /// The format a path's extension names; None for unknown extensions (the loaders then
    /// look at the bytes).
    pub fn of_path(path: &Path) -> Option<Self> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        Some(match ext.as_str() {
            "geojson" | "json" | "geojsons" | "geojsonl" | "jsonl" | "ndjson" => Format::GeoJson,
            "csv" | "tsv" | "txt" => Format::Csv,
            "shp" | "dbf" | "shx" => Format::Shapefile,
            "zip" => Format::ShapefileZip,
            "gpkg" => Format::GeoPackage,
            "kml" => Format::Kml,
            "kmz" => Format::Kmz,
            "xlsx" | "xlsm" | "xlsb" | "xls" | "ods" => Format::Sheet,
            _ => return None,
        })
    }

    /// A name for messages.
    pub fn name(self) -> &'static str {
        match self {
            Format::GeoJson => "GeoJSON",
            Format::Csv => "CSV",
            Format::Shapefile | Format::ShapefileZip => "Shapefile",
            Format::GeoPackage => "GeoPackage",
            Format::Kml | Format::Kmz => "KML",
            Format::Sheet => "spreadsheet",
        }
    }
}

/// Features read from a vector file, in WGS-84, with the system they were converted from.
#[derive(Debug)]
pub struct Vector {
    /// `{"type": "FeatureCollection", "features": [...]}` with WGS-84 coordinates.
    pub collection: Value,
    /// The system the file's coordinates were in (for the load report).
    pub crs_label: String,
    /// True when the coordinates were converted to WGS-84 here (an EPSG system); false when
    /// they are still in the user's system (WGS-84, GCJ-02 or BD-09) for the loader to convert.
    pub converted: bool,
    /// Notes for the load report (layer chosen, encoding, features without geometry …).
    pub notes: Vec<String>,
    /// Warnings for the load report (text that was not UTF-8 …).
    pub warnings: Vec<String>,
}

thread_local! {
    /// True while a third-party reader runs under [`guarded`] on this thread.
    static GUARDED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs a third-party file reader (calamine, shapefile/dbase, wkb, proj4rs, roxmltree) so that
/// a bug it has on a damaged file becomes a load error naming the file, not a crash: the
/// reader's panic is caught, and the default panic message is not printed for it.
pub fn guarded<T>(
    path: &str,
    what: &str,
    f: impl FnOnce() -> Result<T, LoadError>,
) -> Result<T, LoadError> {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !GUARDED.with(|g| g.get()) {
                previous(info);
            }
        }));
    });
    let was = GUARDED.with(|g| g.replace(true));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    GUARDED.with(|g| g.set(was));
    result.unwrap_or_else(|p| {
        let why = p
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| p.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        Err(format_error(
            path,
            format!(
                "the {what} reader could not make sense of this file ({}); it is probably \
                 damaged: open and save it again in the program that made it",
                crate::model::escape_controls(&why)
            ),
        ))
    })
}

/// The member names of a zip archive (unreadable names left out).
pub(crate) fn zip_names<R: std::io::Read + std::io::Seek>(a: &zip::ZipArchive<R>) -> Vec<String> {
    a.file_names()
        .filter_map(Result::ok)
        .map(|n| n.into_owned())
        .collect()
}

/// One GeoJSON feature value.
pub(crate) fn feature(properties: Map<String, Value>, geometry: Value) -> Value {
    let mut f = Map::new();
    f.insert("type".into(), Value::String("Feature".into()));
    f.insert("properties".into(), Value::Object(properties));
    f.insert("geometry".into(), geometry);
    Value::Object(f)
}

pub(crate) fn collection(features: Vec<Value>) -> Value {
    let mut c = Map::new();
    c.insert("type".into(), Value::String("FeatureCollection".into()));
    c.insert("features".into(), Value::Array(features));
    Value::Object(c)
}

pub(crate) fn format_error(path: &str, message: impl Into<String>) -> LoadError {
    LoadError::Format {
        path: path.to_string(),
        message: message.into(),
    }
}

/// A point layer as CSV text for the firm loader: the layer's columns, then `wgs84_lon` and
/// `wgs84_lat`. Features that are not points keep their row with empty coordinates (the
/// loader reports them) and are counted.
pub struct PointTable {
    w: csv::Writer<Vec<u8>>,
    /// Which of the layer's columns are written (one named like a coordinate column is not).
    keep: Vec<bool>,
    pub not_points: usize,
    /// The system the file's coordinates were in, and whether they were converted here.
    pub crs_label: String,
    pub converted: bool,
    pub notes: Vec<String>,
    pub warnings: Vec<String>,
}

impl PointTable {
    pub fn new(headers: Vec<String>) -> Self {
        Self::with_header(&headers, true)
    }

    /// A table of rows only, for [`Self::append`]ing to one with the same `headers`.
    pub fn rows_for(headers: &[String]) -> Self {
        Self::with_header(headers, false)
    }

    /// Adds the rows of a table made by [`Self::rows_for`] with the same headers.
    pub fn append(&mut self, rows: PointTable) {
        let bytes = rows.w.into_inner().unwrap_or_default();
        let w = std::mem::replace(&mut self.w, csv::Writer::from_writer(Vec::new()));
        let mut all = w.into_inner().unwrap_or_default();
        all.extend_from_slice(&bytes);
        self.w = csv::WriterBuilder::new().from_writer(all);
        self.not_points += rows.not_points;
    }

    fn with_header(headers: &[String], header: bool) -> Self {
        let coords = ["wgs84_lon", "wgs84_lat"];
        let keep: Vec<bool> = headers
            .iter()
            .map(|h| !coords.contains(&h.as_str()))
            .collect();
        let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
        let head = headers
            .iter()
            .zip(&keep)
            .filter(|(_, k)| **k)
            .map(|(h, _)| h.as_str())
            .chain(coords);
        if header {
            let _ = w.write_record(head);
        }
        Self {
            w,
            keep,
            not_points: 0,
            crs_label: String::new(),
            converted: false,
            notes: Vec::new(),
            warnings: Vec::new(),
        }
    }

    /// One feature: its cells in the columns' order (missing ones empty) and its position as
    /// text, None when it is not a point.
    fn push_cells<S: AsRef<str>>(&mut self, cells: &[S], lonlat: Option<(String, String)>) {
        let (lon, lat) = lonlat.unwrap_or_else(|| {
            self.not_points += 1;
            Default::default()
        });
        let row = self
            .keep
            .iter()
            .enumerate()
            .filter(|(_, k)| **k)
            .map(|(i, _)| cells.get(i).map_or("", AsRef::as_ref))
            .chain([lon.as_str(), lat.as_str()]);
        let _ = self.w.write_record(row);
    }

    /// One feature whose point is in the reader's system (converted here for EPSG systems).
    pub fn push(&mut self, cells: &[String], point: Option<geo::Coord<f64>>, reader: &Reader) {
        let text = point.map(|c| {
            let (x, y) = geom::to_output(c, reader);
            (cell(&geom::num(x)), cell(&geom::num(y)))
        });
        self.push_cells(cells, text);
    }

    pub fn into_csv(self) -> String {
        String::from_utf8(self.w.into_inner().unwrap_or_default()).unwrap_or_default()
    }
}

impl Vector {
    /// The point features as a table for the firm loader: their properties (the columns in
    /// order of first appearance), then `wgs84_lon`, `wgs84_lat`.
    pub fn into_points(self) -> PointTable {
        // Borrowed, not cloned: a deep copy of every feature was a third of a 100k-point load.
        let features: &[Value] = self
            .collection
            .get("features")
            .and_then(Value::as_array)
            .map_or(&[], Vec::as_slice);
        let mut headers: Vec<String> = Vec::new();
        let mut seen: std::collections::HashSet<&str> = Default::default();
        for f in features {
            if let Some(Value::Object(p)) = f.get("properties") {
                for k in p.keys() {
                    if seen.insert(k.as_str()) {
                        headers.push(k.clone());
                    }
                }
            }
        }
        let mut table = PointTable::new(headers.clone());
        let mut cells: Vec<String> = Vec::new();
        for f in features {
            let coords = f
                .get("geometry")
                .filter(|g| g.get("type").and_then(Value::as_str) == Some("Point"))
                .and_then(|g| g.get("coordinates"))
                .and_then(Value::as_array);
            let lonlat = match coords.map(|c| (c.first(), c.get(1))) {
                Some((Some(a), Some(b))) => Some((cell(a), cell(b))),
                _ => None,
            };
            let props = f.get("properties").and_then(Value::as_object);
            cells.clear();
            cells.extend(
                headers
                    .iter()
                    .map(|h| props.and_then(|p| p.get(h)).map(cell).unwrap_or_default()),
            );
            table.push_cells(&cells, lonlat);
        }
        table.crs_label = self.crs_label;
        table.converted = self.converted;
        table.notes = self.notes;
        table.warnings = self.warnings;
        table
    }
}

/// A JSON value as a table cell.
pub(crate) fn cell(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        other => other.to_string(),
    }
}
