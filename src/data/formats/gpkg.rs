//! OGC GeoPackage (`.gpkg`, an SQLite database): feature layers with their SRS, geometry blobs
//! (GeoPackage header + WKB, read with the `wkb` crate) and attribute columns.

use std::path::Path;

use geo_traits::to_geo::ToGeoGeometry;
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};
use serde_json::{Map, Value};

use super::{PointTable, Vector, collection, feature, format_error};
use crate::crs::Reader;
use crate::data::LoadError;
use crate::model::SourceCrs;

/// One feature layer: its table, geometry column and SRS id.
#[derive(Clone, Debug, PartialEq)]
pub struct Layer {
    pub table: String,
    pub geometry_column: String,
    pub geometry_type: String,
    pub srs_id: i64,
}

fn open(path: &Path) -> Result<Connection, LoadError> {
    let name = path.display().to_string();
    if !path.is_file() {
        return Err(LoadError::Io {
            path: name,
            cause: std::io::Error::new(std::io::ErrorKind::NotFound, "no such GeoPackage file"),
        });
    }
    Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| format_error(&name, format!("cannot open the GeoPackage ({e})")))
}

fn sql_err(path: &str, what: &str) -> impl Fn(rusqlite::Error) -> LoadError {
    let (path, what) = (path.to_string(), what.to_string());
    move |e| {
        format_error(
            &path,
            format!("{what} ({e}); is this a GeoPackage written by QGIS, GDAL or ArcGIS?"),
        )
    }
}

/// The feature layers of a GeoPackage.
pub fn layers(path: &Path) -> Result<Vec<Layer>, LoadError> {
    let name = path.display().to_string();
    let db = open(path)?;
    let mut st = db
        .prepare(
            "SELECT c.table_name, g.column_name, g.geometry_type_name, g.srs_id \
             FROM gpkg_contents c JOIN gpkg_geometry_columns g ON g.table_name = c.table_name \
             WHERE c.data_type = 'features' ORDER BY c.table_name",
        )
        .map_err(sql_err(
            &name,
            "not a GeoPackage: it has no feature layer list",
        ))?;
    let rows = st
        .query_map([], |r| {
            Ok(Layer {
                table: r.get(0)?,
                geometry_column: r.get(1)?,
                geometry_type: r.get(2)?,
                srs_id: r.get(3)?,
            })
        })
        .map_err(sql_err(&name, "cannot list the layers"))?;
    let list: Vec<Layer> = rows.filter_map(Result::ok).collect();
    Ok(list)
}

/// The system of an SRS id: its EPSG code, or its WKT definition.
fn srs_reader(db: &Connection, srs_id: i64, path: &str) -> Result<Option<Reader>, LoadError> {
    let row: Option<(String, i64, String)> = db
        .query_row(
            "SELECT organization, organization_coordsys_id, definition FROM gpkg_spatial_ref_sys WHERE srs_id = ?1",
            [srs_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .ok();
    let Some((org, code, definition)) = row else {
        return Ok(None);
    };
    let secret = |e: crate::crs::CrsError| format_error(path, e.to_string());
    if org.eq_ignore_ascii_case("epsg") && code > 0 {
        if code == 4326 {
            return Ok(Some(Reader::Offset(SourceCrs::Wgs84)));
        }
        return crate::crs::EpsgTransform::from_epsg(code as u32)
            .map(|t| Some(Reader::Epsg(t)))
            .map_err(secret);
    }
    if definition.trim().is_empty() || definition.eq_ignore_ascii_case("undefined") {
        return Ok(None);
    }
    crate::crs::from_wkt(&definition)
        .map(|t| Some(Reader::Epsg(t)))
        .map_err(secret)
}

/// The WKB inside a GeoPackage geometry blob (after its header and envelope).
fn wkb_of(blob: &[u8]) -> Option<&[u8]> {
    if blob.len() < 8 || &blob[0..2] != b"GP" {
        return None;
    }
    let flags = blob[3];
    if flags & 0x10 != 0 {
        return None; // empty geometry
    }
    let envelope = match (flags >> 1) & 0x07 {
        0 => 0,
        1 => 32,
        2 | 3 => 48,
        4 => 64,
        _ => return None,
    };
    blob.get(8 + envelope..)
}

fn cell(v: ValueRef<'_>) -> Value {
    match v {
        ValueRef::Null | ValueRef::Blob(_) => Value::Null,
        ValueRef::Integer(i) => Value::from(i),
        ValueRef::Real(f) => serde_json::Number::from_f64(f)
            .map(Value::Number)
            .unwrap_or(Value::Null),
        ValueRef::Text(t) => Value::String(String::from_utf8_lossy(t).into_owned()),
    }
}

/// What [`Opened::rows`] calls for each row: the attribute columns' names, the row's
/// attribute values, its geometry blob.
type RowVisitor<'a> =
    dyn FnMut(&[String], &mut dyn Iterator<Item = (&str, ValueRef<'_>)>, Option<&[u8]>) + 'a;

/// One layer chosen and opened, with the reader of its coordinates.
struct Opened {
    db: Connection,
    name: String,
    chosen: Layer,
    reader: Reader,
}

/// Opens one layer (by name; the only one when `layer` is None).
fn open_layer(
    path: &Path,
    layer: Option<&str>,
    user_crs: SourceCrs,
    flag: &str,
) -> Result<Opened, LoadError> {
    let name = path.display().to_string();
    let all = layers(path)?;
    let chosen = match (layer, all.as_slice()) {
        (_, []) => return Err(format_error(&name, "the GeoPackage has no feature layer")),
        (None, [one]) => one.clone(),
        (Some(l), _) => all
            .iter()
            .find(|x| x.table == l || x.table.eq_ignore_ascii_case(l))
            .cloned()
            .ok_or_else(|| {
                format_error(
                    &name,
                    format!("no layer '{l}'; its layers are {}", list(&all)),
                )
            })?,
        (None, _) => {
            return Err(format_error(
                &name,
                format!(
                    "the GeoPackage has several layers ({}); choose one with {flag}",
                    list(&all)
                ),
            ));
        }
    };
    let db = open(path)?;
    let file_reader = srs_reader(&db, chosen.srs_id, &name)?;
    let reader = super::geom::choose_reader(user_crs, file_reader)
        .map_err(|e| format_error(&name, e.to_string()))?;
    Ok(Opened {
        db,
        name,
        chosen,
        reader,
    })
}

impl Opened {
    /// Every row of the layer, in order: `each` gets the attribute columns' names (the
    /// geometry column left out), the row's attribute values and its geometry blob. Returns
    /// the notes for the load report.
    fn rows(&self, each: &mut RowVisitor<'_>) -> Result<Vec<String>, LoadError> {
        layer_rows(&self.db, &self.name, &self.chosen, None, each)?;
        Ok(self.notes())
    }

    fn notes(&self) -> Vec<String> {
        vec![format!(
            "layer '{}' ({})",
            self.chosen.table, self.chosen.geometry_type
        )]
    }

    /// The layer's first and last row id when it has at least `min_rows` rows (None for a
    /// table without row ids, or too few rows to be worth reading in parts).
    fn rowid_span(&self, min_rows: i64) -> Option<(i64, i64)> {
        let sql = format!(
            "SELECT min(rowid), max(rowid), count(*) FROM {}",
            quoted(&self.chosen.table)
        );
        let (lo, hi, n) = self
            .db
            .query_row(&sql, [], |r| {
                Ok((
                    r.get::<_, Option<i64>>(0)?,
                    r.get::<_, Option<i64>>(1)?,
                    r.get::<_, i64>(2)?,
                ))
            })
            .ok()?;
        (n >= min_rows.max(1)).then_some(())?;
        Some((lo?, hi?))
    }

    /// The attribute columns' names (the geometry column left out).
    fn attributes(&self) -> Result<Vec<String>, LoadError> {
        let st = self
            .db
            .prepare(&format!("SELECT * FROM {}", quoted(&self.chosen.table)))
            .map_err(sql_err(&self.name, "cannot read the layer"))?;
        Ok(columns_of(&st, &self.chosen).2)
    }
}

/// A layer query's columns, the geometry column's place among them, and the attribute
/// columns (all but the geometry), in order.
fn columns_of(
    st: &rusqlite::Statement<'_>,
    chosen: &Layer,
) -> (Vec<String>, Option<usize>, Vec<String>) {
    let columns: Vec<String> = st.column_names().iter().map(|s| s.to_string()).collect();
    let geom_at = columns
        .iter()
        .position(|c| c.eq_ignore_ascii_case(&chosen.geometry_column));
    let attributes = columns
        .iter()
        .enumerate()
        .filter(|(i, _)| Some(*i) != geom_at)
        .map(|(_, c)| c.clone())
        .collect();
    (columns, geom_at, attributes)
}

/// A table name quoted for SQL.
fn quoted(table: &str) -> String {
    format!("\"{}\"", table.replace('"', "\"\""))
}

/// The layer's rows in row-id order (those with ids in `range` when given), as
/// [`Opened::rows`] hands them on.
fn layer_rows(
    db: &Connection,
    name: &str,
    chosen: &Layer,
    range: Option<(i64, i64)>,
    each: &mut RowVisitor<'_>,
) -> Result<(), LoadError> {
    let sql = match range {
        None => format!("SELECT * FROM {}", quoted(&chosen.table)),
        Some((a, b)) => format!(
            "SELECT * FROM {} WHERE rowid BETWEEN {a} AND {b} ORDER BY rowid",
            quoted(&chosen.table)
        ),
    };
    let mut st = db
        .prepare(&sql)
        .map_err(sql_err(name, "cannot read the layer"))?;
    let (columns, geom_at, attributes) = columns_of(&st, chosen);
    let mut rows = st
        .query([])
        .map_err(sql_err(name, "cannot read the layer"))?;
    loop {
        let row = match rows.next() {
            Ok(Some(r)) => r,
            Ok(None) => break,
            Err(e) => return Err(format_error(name, format!("the layer is damaged ({e})"))),
        };
        let blob = geom_at.and_then(|g| match row.get_ref(g) {
            Ok(ValueRef::Blob(b)) => Some(b),
            _ => None,
        });
        let mut values = columns
            .iter()
            .enumerate()
            .filter(|(i, _)| Some(*i) != geom_at)
            .map(|(i, c)| (c.as_str(), row.get_ref(i).unwrap_or(ValueRef::Null)));
        each(&attributes, &mut values, blob);
    }
    Ok(())
}

/// A geometry blob's geometry (None when it cannot be read).
fn geometry_of(blob: &[u8]) -> Option<geo::Geometry<f64>> {
    wkb_of(blob)
        .and_then(|w| wkb::reader::read_wkb(w).ok())
        .and_then(|w| w.try_to_geometry())
}

fn unreadable_note(bad: usize) -> Option<String> {
    (bad > 0).then(|| format!("{bad} geometries could not be read and were left empty"))
}

/// Reads one layer (by name; the only one when `layer` is None) as WGS-84 features.
pub fn read(
    path: &Path,
    layer: Option<&str>,
    user_crs: SourceCrs,
    flag: &str,
) -> Result<Vector, LoadError> {
    let opened = open_layer(path, layer, user_crs, flag)?;
    let reader = &opened.reader;
    let mut features = Vec::new();
    let mut bad = 0usize;
    let mut notes = opened.rows(&mut |_, values, blob| {
        let props: Map<String, Value> = values.map(|(c, v)| (c.to_string(), cell(v))).collect();
        let geometry = match blob.map(geometry_of) {
            Some(Some(g)) => super::geometry_value(&g, reader),
            Some(None) => {
                bad += 1;
                Value::Null
            }
            None => Value::Null,
        };
        features.push(feature(props, geometry));
    })?;
    notes.extend(unreadable_note(bad));
    Ok(Vector {
        collection: collection(features),
        crs_label: reader.label(),
        converted: matches!(reader, Reader::Epsg(_)),
        notes,
        warnings: Vec::new(),
    })
}

/// Layers of at least this many rows are read in row-id ranges on every core.
const PARALLEL_ROWS: i64 = 65_536;

/// One layer's point features straight to a table for the firm loader, without a GeoJSON
/// value per feature: the same cells as [`read`] then [`Vector::into_points`] give. A large
/// layer is read in row-id ranges on every core, each through its own connection.
pub fn read_points(
    path: &Path,
    layer: Option<&str>,
    user_crs: SourceCrs,
    flag: &str,
) -> Result<PointTable, LoadError> {
    let parts = rayon::current_num_threads() * 4;
    read_points_in(path, layer, user_crs, flag, (PARALLEL_ROWS, parts))
}

/// [`read_points`], in `parts` row-id ranges when the layer has at least `min_rows` rows.
fn read_points_in(
    path: &Path,
    layer: Option<&str>,
    user_crs: SourceCrs,
    flag: &str,
    (min_rows, parts): (i64, usize),
) -> Result<PointTable, LoadError> {
    use rayon::prelude::*;
    let opened = open_layer(path, layer, user_crs, flag)?;
    let reader = &opened.reader;
    let span = (parts > 1).then(|| opened.rowid_span(min_rows)).flatten();
    let (mut table, bad) = match span {
        None => {
            let mut table = None;
            let mut point = PointRow::default();
            opened.rows(&mut |columns, values, blob| {
                let t = table.get_or_insert_with(|| PointTable::new(columns.to_vec()));
                point.push(t, values, blob, reader);
            })?;
            let table = table.unwrap_or_else(|| PointTable::new(Vec::new()));
            (table, point.bad)
        }
        Some((lo, hi)) => {
            let attributes = opened.attributes()?;
            let width = ((hi - lo) / parts as i64).max(1);
            let ranges: Vec<(i64, i64)> = (0..parts as i64)
                .map(|k| {
                    (
                        lo + k * width,
                        if k + 1 == parts as i64 {
                            hi
                        } else {
                            lo + (k + 1) * width - 1
                        },
                    )
                })
                .filter(|(a, b)| a <= b)
                .collect();
            let (name, chosen) = (&opened.name, &opened.chosen);
            let runs: Vec<(PointTable, usize)> = ranges
                .into_par_iter()
                .map(|range| {
                    let db = open(path)?;
                    let mut t = PointTable::rows_for(&attributes);
                    let mut point = PointRow::default();
                    layer_rows(&db, name, chosen, Some(range), &mut |_, values, blob| {
                        point.push(&mut t, values, blob, reader);
                    })?;
                    Ok((t, point.bad))
                })
                .collect::<Result<_, LoadError>>()?;
            let mut table = PointTable::new(attributes);
            let mut bad = 0;
            for (t, b) in runs {
                table.append(t);
                bad += b;
            }
            (table, bad)
        }
    };
    let mut notes = opened.notes();
    notes.extend(unreadable_note(bad));
    table.crs_label = reader.label();
    table.converted = matches!(reader, Reader::Epsg(_));
    table.notes = notes;
    Ok(table)
}

/// Turns rows into a point table's rows, counting geometries that cannot be read.
#[derive(Default)]
struct PointRow {
    cells: Vec<String>,
    bad: usize,
}

impl PointRow {
    fn push(
        &mut self,
        t: &mut PointTable,
        values: &mut dyn Iterator<Item = (&str, ValueRef<'_>)>,
        blob: Option<&[u8]>,
        reader: &Reader,
    ) {
        self.cells.clear();
        self.cells
            .extend(values.map(|(_, v)| super::cell(&cell(v))));
        let point = match blob.map(geometry_of) {
            Some(Some(geo::Geometry::Point(p))) => Some(p.0),
            Some(None) => {
                self.bad += 1;
                None
            }
            _ => None,
        };
        t.push(&self.cells, point, reader);
    }
}

fn list(all: &[Layer]) -> String {
    all.iter()
        .map(|l| l.table.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The direct point table of a GeoPackage layer in EPSG:4490 equals the one made through
    /// its GeoJSON features (the oracle), cell for cell and column for column.
    #[test]
    fn point_tables_equal_the_ones_made_through_features() {
        let path =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/formats/firms_4490.gpkg");
        let direct = read_points(&path, None, SourceCrs::Wgs84, "--layer").unwrap();
        let oracle = read(&path, None, SourceCrs::Wgs84, "--layer")
            .unwrap()
            .into_points();
        assert_eq!(
            (
                direct.converted,
                &direct.crs_label,
                &direct.notes,
                direct.not_points
            ),
            (
                oracle.converted,
                &oracle.crs_label,
                &oracle.notes,
                oracle.not_points
            )
        );
        let (a, b) = (direct.into_csv(), oracle.into_csv());
        assert_eq!(a, b);
        assert!(a.lines().count() > 5, "{a}");
    }

    /// A layer read in row-id ranges on every core gives the table of one pass, in the
    /// same order, with ranges of every width (one row, a few, more ranges than rows).
    #[test]
    fn row_id_ranges_read_as_one_pass() {
        let path =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/formats/firms_4490.gpkg");
        let seen = |t: PointTable| {
            (
                t.converted,
                t.crs_label.clone(),
                t.notes.clone(),
                t.not_points,
                t.into_csv(),
            )
        };
        let one =
            seen(read_points_in(&path, None, SourceCrs::Wgs84, "--layer", (i64::MAX, 1)).unwrap());
        for parts in [2, 3, 7, 1000] {
            let split =
                read_points_in(&path, None, SourceCrs::Wgs84, "--layer", (1, parts)).unwrap();
            assert_eq!(seen(split), one, "{parts} parts");
        }
    }
}
