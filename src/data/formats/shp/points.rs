//! A Shapefile's points straight to a table for the firm loader, without a GeoJSON value per
//! feature. A clean file's .dbf records (fixed length) are read in runs on all threads, each
//! run by its own `dbase` reader over the header and the run's records; a file with deleted
//! or missing records, or shapes that end early, is read in one pass as before.

use std::io::Cursor;
use std::path::Path;

use rayon::prelude::*;
use shapefile::Shape;

use super::{Opened, Row, field_json, open};
use crate::crs::Reader;
use crate::data::LoadError;
use crate::data::formats::{PointTable, cell};
use crate::model::SourceCrs;

/// Records a run reads.
const RUN: usize = 32_768;

/// A Shapefile's point features as a table: the same cells as [`super::read`] then
/// [`super::Vector::into_points`] give, with the columns in the file's field order.
pub fn read_points(
    path: &Path,
    bytes_if_zip: Option<&[u8]>,
    layer: Option<&str>,
    user_crs: SourceCrs,
) -> Result<PointTable, LoadError> {
    read_points_in_runs(path, bytes_if_zip, layer, user_crs, RUN)
}

fn read_points_in_runs(
    path: &Path,
    bytes_if_zip: Option<&[u8]>,
    layer: Option<&str>,
    user_crs: SourceCrs,
    run: usize,
) -> Result<PointTable, LoadError> {
    let mut opened = open(path, bytes_if_zip, layer, user_crs)?;
    let reader = opened.reader.clone();
    let headers = opened.field_names()?;
    let mut table = match in_runs(&opened, &headers, run) {
        Some(t) => t,
        None => one_pass(&mut opened, headers)?,
    };
    table.crs_label = reader.label();
    table.converted = matches!(reader, Reader::Epsg(_));
    table.notes = opened.notes;
    Ok(table)
}

/// The point of a shape; None when it is not a point.
fn point_of(shape: &Shape) -> Option<geo::Coord<f64>> {
    match shape {
        Shape::Point(p) => Some(super::coord!(p)),
        Shape::PointM(p) => Some(super::coord!(p)),
        Shape::PointZ(p) => Some(super::coord!(p)),
        _ => None,
    }
}

/// Every record read in order by one reader.
fn one_pass(opened: &mut Opened, headers: Vec<String>) -> Result<PointTable, LoadError> {
    let reader = opened.reader.clone();
    let mut table = PointTable::new(headers);
    let mut cells: Vec<String> = Vec::new();
    opened.each_shape(&mut |shape, values| {
        cells.clear();
        let values = values.unwrap_or_default().iter();
        cells.extend(values.map(|v| cell(&field_json(v))));
        table.push(&cells, point_of(shape), &reader);
    })?;
    Ok(table)
}

/// The table read in runs of `run` records on all threads; None when the file is not clean
/// (its header or records damaged, a record deleted, shapes that do not all read, none at
/// all), which [`one_pass`] reads and notes as it always has.
fn in_runs(opened: &Opened, headers: &[String], run: usize) -> Option<PointTable> {
    let dbf = &opened.parts.dbf[..];
    let word = |at: usize, len: usize| -> Option<usize> {
        let b = dbf.get(at..at + len)?;
        Some(
            b.iter()
                .rev()
                .fold(0usize, |n, &x| (n << 8) | usize::from(x)),
        )
    };
    let (n, head, len) = (word(4, 4)?, word(8, 2)?, word(10, 2)?);
    let body = dbf.get(head..head.checked_add(n.checked_mul(len)?)?)?;
    if len == 0 || head < 33 || body.chunks_exact(len).any(|r| r.first() != Some(&b' ')) {
        return None;
    }
    let mut shapes = opened.shapes().ok()?;
    // At most one shape per 8 bytes of file: guards against a looping damaged index.
    let cap = opened.parts.shp.len() / 8 + 1;
    let points = (shapes.iter_shapes().take(cap))
        .map(|s| s.ok().map(|s| point_of(&s)))
        .collect::<Option<Vec<_>>>()?;
    if points.is_empty() {
        return None;
    }
    let runs = points
        .par_chunks(run.max(1))
        .enumerate()
        .map(|(c, points)| {
            let first = c * run.max(1);
            let records = n.saturating_sub(first).min(points.len());
            let mut bytes = dbf.get(..head)?.to_vec();
            bytes.splice(4..8, u32::try_from(records).ok()?.to_le_bytes());
            bytes.extend_from_slice(body.get(first * len..(first + records) * len)?);
            let mut dbf = opened.dbf_of(Cursor::new(&bytes[..])).ok()?;
            let mut rows = dbf.iter_records_as::<Row>();
            let mut part = PointTable::rows_for(headers);
            let mut cells: Vec<String> = Vec::new();
            for p in points {
                cells.clear();
                if let Some(row) = rows.next() {
                    cells.extend(row.ok()?.0.iter().map(|v| cell(&field_json(v))));
                }
                part.push(&cells, *p, &opened.reader);
            }
            Some(part)
        })
        .collect::<Option<Vec<_>>>()?;
    let mut table = PointTable::new(headers.to_vec());
    runs.into_iter().for_each(|r| table.append(r));
    Some(table)
}

#[cfg(test)]
mod tests {
    use super::*;
    use shapefile::dbase::FieldValue;

    /// The rows of a CSV text as maps from column name to cell (column order aside).
    fn rows(csv: &str) -> Vec<std::collections::BTreeMap<String, String>> {
        let mut r = csv::Reader::from_reader(csv.as_bytes());
        let head = r.headers().unwrap().clone();
        r.records()
            .map(|rec| {
                head.iter()
                    .zip(rec.unwrap().iter())
                    .map(|(h, c)| (h.to_string(), c.to_string()))
                    .collect()
            })
            .collect()
    }

    /// A point Shapefile in EPSG:4547 with text, numbers, an empty cell and a column named like
    /// an output coordinate: the direct table equals the table made through GeoJSON features
    /// (the oracle), and its columns follow the file's field order.
    #[test]
    fn point_tables_equal_the_ones_made_through_features() {
        use super::super::read;
        use shapefile::dbase::{FieldName, Record, TableWriterBuilder};
        let dir = std::env::temp_dir().join(format!("ca-shp-points-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("firms.shp");
        let name = |n: &str| FieldName::try_from(n).unwrap();
        let table = TableWriterBuilder::new()
            .add_character_field(name("name"), 40)
            .add_numeric_field(name("staff"), 10, 0)
            .add_numeric_field(name("ratio"), 10, 3)
            .add_character_field(name("wgs84_lon"), 10);
        let mut w = shapefile::Writer::from_path(&path, table).unwrap();
        for k in 0..50 {
            let mut rec = Record::default();
            let text = if k % 7 == 0 {
                None
            } else {
                Some(format!("企业 {k}"))
            };
            rec.insert("name".into(), FieldValue::Character(text));
            rec.insert("staff".into(), FieldValue::Numeric(Some(f64::from(k * 3))));
            rec.insert(
                "ratio".into(),
                FieldValue::Numeric(Some(f64::from(k) / 8.0)),
            );
            rec.insert("wgs84_lon".into(), FieldValue::Character(Some("x".into())));
            let p =
                shapefile::Point::new(500_000.0 + f64::from(k) * 37.5, 2_490_000.0 + f64::from(k));
            w.write_shape_and_record(&p, &rec).unwrap();
        }
        drop(w);
        // CGCS2000 / 3-degree Gauss-Kruger CM 114E.
        std::fs::write(
            dir.join("firms.prj"),
            r#"PROJCS["CGCS2000_3_Degree_GK_CM_114E",GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",DATUM["D_China_2000",SPHEROID["CGCS2000",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Gauss_Kruger"],PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",114.0],PARAMETER["Scale_Factor",1.0],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]"#,
        )
        .unwrap();
        let dbf_path = path.with_extension("dbf");
        let clean = std::fs::read(&dbf_path).unwrap();
        // Damaged copies, read in one pass: record 21 deleted, and the file cut inside
        // record 31 (the dbase reader notes where it ends).
        let head = usize::from(u16::from_le_bytes([clean[8], clean[9]]));
        let len = usize::from(u16::from_le_bytes([clean[10], clean[11]]));
        let mut deleted = clean.clone();
        deleted[head + 20 * len] = b'*';
        let cut = clean[..head + 30 * len + 5].to_vec();
        for (dbf, is_clean) in [(&clean, true), (&deleted, false), (&cut, false)] {
            std::fs::write(&dbf_path, dbf).unwrap();
            let oracle = read(&path, None, None, SourceCrs::Wgs84)
                .unwrap()
                .into_points();
            let opened = open(&path, None, None, SourceCrs::Wgs84).unwrap();
            let names = opened.field_names().unwrap();
            assert_eq!(in_runs(&opened, &names, 7).is_some(), is_clean);
            let (oracle_notes, oracle) = (oracle.notes.clone(), oracle.into_csv());
            assert!(oracle.contains("企业 13"), "{oracle}");
            for run in [RUN, 7, 1] {
                let direct = read_points_in_runs(&path, None, None, SourceCrs::Wgs84, run).unwrap();
                assert!(direct.converted);
                assert_eq!(direct.notes, oracle_notes);
                assert_eq!(direct.not_points, 0);
                let a = direct.into_csv();
                assert_eq!(rows(&a), rows(&oracle), "run {run}");
                assert_eq!(rows(&a).len(), 50);
                assert!(
                    a.starts_with("name,staff,ratio,wgs84_lon,wgs84_lat\n"),
                    "{a}"
                );
                let first = &rows(&a)[1];
                let lon: f64 = first["wgs84_lon"].parse().unwrap();
                assert!((lon - 114.0004).abs() < 0.001, "{lon}");
            }
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
