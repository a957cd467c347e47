//! ESRI Shapefiles (`.shp` + `.dbf`, with `.shx`, `.prj` and `.cpg` when present), also inside
//! a `.zip`. Geometry through the `shapefile` crate, attributes through `dbase` with the text
//! encoding from `.cpg`, else the DBF language byte, else detected (UTF-8 or GBK); the system
//! from `.prj`.

use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};

use geo::{Coord, Geometry, LineString, MultiLineString, MultiPoint, MultiPolygon, Polygon};
use serde_json::{Map, Value};
use shapefile::dbase::{self, FieldValue};
use shapefile::{PolygonRing, Shape};

use super::{Vector, collection, feature, format_error};

mod points;

use crate::crs::Reader;
use crate::data::LoadError;
use crate::model::SourceCrs;
pub use points::read_points;

/// Largest member read from a `.zip` (a guard against zip bombs).
const MAX_ZIP_MEMBER: u64 = 2 << 30;

/// The component files of one Shapefile, in memory.
struct Parts {
    shp: Vec<u8>,
    dbf: Vec<u8>,
    prj: Option<String>,
    cpg: Option<String>,
    /// What to call it in messages.
    name: String,
}

/// The sibling with this extension (any letter case), if it exists.
fn sibling(shp: &Path, ext: &str) -> Option<PathBuf> {
    let stem = shp.file_stem()?.to_str()?;
    let dir = shp
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    for cand in [ext.to_string(), ext.to_ascii_uppercase()] {
        let p = dir.join(format!("{stem}.{cand}"));
        if p.is_file() {
            return Some(p);
        }
    }
    std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .find(|p| {
            p.file_stem().and_then(|s| s.to_str()) == Some(stem)
                && p.extension()
                    .and_then(|e| e.to_str())
                    .map(str::to_ascii_lowercase)
                    .as_deref()
                    == Some(ext)
        })
}

fn parts_from_folder(path: &Path) -> Result<Parts, LoadError> {
    let name = path.display().to_string();
    let shp_path = sibling(path, "shp").ok_or_else(|| {
        format_error(&name, "the .shp file of this Shapefile is missing; copy all its files (.shp, .dbf, .shx, .prj, .cpg) together")
    })?;
    let dbf_path = sibling(&shp_path, "dbf").ok_or_else(|| {
        format_error(
            &name,
            "the .dbf file (the attribute table) is missing beside the .shp; copy all the \
             Shapefile's files (.shp, .dbf, .shx, .prj, .cpg) together",
        )
    })?;
    // Read in parallel blocks: a million firms' .dbf is over 300 MB.
    let read = |p: &Path| crate::data::read_input(p).map(crate::data::FileBytes::into_vec);
    let text = |p: Option<PathBuf>| {
        p.and_then(|p| std::fs::read(p).ok())
            .map(|b| decode_small(&b))
    };
    Ok(Parts {
        shp: read(&shp_path)?,
        dbf: read(&dbf_path)?,
        prj: text(sibling(&shp_path, "prj")),
        cpg: text(sibling(&shp_path, "cpg")),
        name,
    })
}

fn decode_small(b: &[u8]) -> String {
    String::from_utf8_lossy(b)
        .trim()
        .trim_start_matches('\u{feff}')
        .to_string()
}

/// The Shapefiles inside a `.zip` (paths of their `.shp` members).
pub fn shapefiles_in_zip(bytes: &[u8], path: &str) -> Result<Vec<String>, LoadError> {
    let archive = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| format_error(path, format!("not a readable .zip ({e})")))?;
    Ok(super::zip_names(&archive)
        .into_iter()
        .filter(|n| n.to_ascii_lowercase().ends_with(".shp") && !n.starts_with("__MACOSX"))
        .collect())
}

fn parts_from_zip(bytes: &[u8], path: &str, layer: Option<&str>) -> Result<Parts, LoadError> {
    let mut shps = shapefiles_in_zip(bytes, path)?;
    shps.sort();
    let chosen = match (layer, shps.as_slice()) {
        (_, []) => return Err(format_error(path, "the .zip holds no Shapefile (.shp)")),
        (None, [one]) => one.clone(),
        (Some(l), _) => shps
            .iter()
            .find(|s| stem_of(s).eq_ignore_ascii_case(l) || s.as_str() == l)
            .cloned()
            .ok_or_else(|| {
                format_error(
                    path,
                    format!("no layer '{l}' in the .zip; it holds {}", names(&shps)),
                )
            })?,
        (None, _) => {
            return Err(format_error(
                path,
                format!(
                    "the .zip holds several Shapefiles ({}); choose one with --zones-layer",
                    names(&shps)
                ),
            ));
        }
    };
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| format_error(path, format!("not a readable .zip ({e})")))?;
    let base = chosen[..chosen.len() - 4].to_string();
    let mut member = |ext: &str| -> Result<Option<Vec<u8>>, LoadError> {
        let want = format!("{base}.{ext}").to_ascii_lowercase();
        let Some(name) = super::zip_names(&archive)
            .into_iter()
            .find(|n| n.to_ascii_lowercase() == want)
        else {
            return Ok(None);
        };
        let f = archive
            .by_name(&name)
            .map_err(|e| format_error(path, format!("cannot open {name} in the .zip ({e})")))?;
        if f.size() > MAX_ZIP_MEMBER {
            return Err(format_error(
                path,
                format!("{name} in the .zip is larger than 2 GB"),
            ));
        }
        let mut buf = Vec::new();
        f.take(MAX_ZIP_MEMBER)
            .read_to_end(&mut buf)
            .map_err(|e| format_error(path, format!("cannot unpack {name} ({e})")))?;
        Ok(Some(buf))
    };
    let shp = member("shp")?.unwrap_or_default();
    let dbf = member("dbf")?.ok_or_else(|| {
        format_error(
            path,
            format!("{base}.dbf (the attribute table) is missing from the .zip"),
        )
    })?;
    let prj = member("prj")?.map(|b| decode_small(&b));
    let cpg = member("cpg")?.map(|b| decode_small(&b));
    Ok(Parts {
        shp,
        dbf,
        prj,
        cpg,
        name: format!("{path} ({chosen})"),
    })
}

fn stem_of(member: &str) -> &str {
    let file = member.rsplit('/').next().unwrap_or(member);
    file.strip_suffix(".shp")
        .or(file.strip_suffix(".SHP"))
        .unwrap_or(file)
}

fn names(shps: &[String]) -> String {
    shps.iter()
        .map(|s| stem_of(s))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The attribute table's text encoding and how it was decided.
fn dbf_encoding(parts: &Parts) -> (&'static encoding_rs::Encoding, String) {
    if let Some(label) = parts.cpg.as_deref().filter(|l| !l.is_empty()) {
        let l = label.trim().to_ascii_lowercase();
        let by_number = match l.as_str() {
            "936" | "cp936" | "ansi 936" => Some(encoding_rs::GBK),
            "65001" | "utf8" => Some(encoding_rs::UTF_8),
            "54936" => Some(encoding_rs::GB18030),
            _ => None,
        };
        if let Some(e) = by_number.or_else(|| encoding_rs::Encoding::for_label(l.as_bytes())) {
            return (e, format!("{} (from .cpg)", e.name()));
        }
    }
    match parts.dbf.get(29) {
        Some(0x4D) | Some(0x7A) => {
            return (encoding_rs::GBK, "GBK (from the DBF language byte)".into());
        }
        Some(0xF0) => {
            return (
                encoding_rs::UTF_8,
                "UTF-8 (from the DBF language byte)".into(),
            );
        }
        _ => {}
    }
    let header_len = parts
        .dbf
        .get(8..10)
        .map(|b| u16::from_le_bytes([b[0], b[1]]) as usize)
        .unwrap_or(0)
        .min(parts.dbf.len());
    let records = parts.dbf.get(header_len..).unwrap_or_default();
    if simdutf8::basic::from_utf8(records).is_ok()
        || crate::data::text::cells_mostly_utf8(text_cells(&parts.dbf))
    {
        (encoding_rs::UTF_8, "UTF-8 (detected)".into())
    } else {
        (encoding_rs::GBK, "GBK (detected)".into())
    }
}

/// The cells of a `.dbf`'s character fields, record by record, padding included (none when
/// its header cannot be read).
fn text_cells(dbf: &[u8]) -> impl Iterator<Item = &[u8]> {
    let u16_at = |at: usize| {
        dbf.get(at..at + 2)
            .map_or(0, |b| usize::from(u16::from_le_bytes([b[0], b[1]])))
    };
    let (header_len, record_len) = (u16_at(8), u16_at(10));
    // Field descriptors: 32 bytes each from byte 32 to the 0x0D mark; a record starts with
    // its deletion flag.
    let mut fields = Vec::new();
    let mut at = 1;
    for d in dbf.get(32..header_len).unwrap_or_default().chunks_exact(32) {
        let (Some(&kind), Some(&width)) = (d.get(11), d.get(16)) else {
            break;
        };
        if d.first() == Some(&0x0D) {
            break;
        }
        if kind == b'C' {
            fields.push(at..at + usize::from(width));
        }
        at += usize::from(width);
    }
    let records = dbf.get(header_len..).unwrap_or_default();
    let n_fields = fields.len();
    // Cell k is field k % n of record k / n (no copy of the fields per record).
    (0..records.len() / record_len.max(1) * n_fields).filter_map(move |k| {
        let record = records.get(k / n_fields * record_len..)?;
        record.get(fields.get(k % n_fields)?.clone())
    })
}

fn field_json(v: &FieldValue) -> Value {
    let num = |x: f64| {
        if x.fract() == 0.0 && x.abs() < 9e15 {
            Value::from(x as i64)
        } else {
            serde_json::Number::from_f64(x)
                .map(Value::Number)
                .unwrap_or(Value::Null)
        }
    };
    match v {
        FieldValue::Character(Some(s)) | FieldValue::Memo(s) => Value::String(s.trim().to_string()),
        FieldValue::Numeric(Some(x)) | FieldValue::Double(x) | FieldValue::Currency(x) => num(*x),
        FieldValue::Float(Some(x)) => num(*x as f64),
        FieldValue::Integer(i) => Value::from(*i),
        FieldValue::Logical(Some(b)) => Value::Bool(*b),
        FieldValue::Date(Some(d)) => {
            Value::String(format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day()))
        }
        FieldValue::DateTime(dt) => {
            let d = dt.date();
            Value::String(format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day()))
        }
        _ => Value::Null,
    }
}

macro_rules! coord {
    ($p:expr) => {
        geo::Coord { x: $p.x, y: $p.y }
    };
}
use coord;

/// Outer rings start polygons; each hole joins the outer ring that contains it (else the last).
fn polygon_of<P>(rings: &[PolygonRing<P>], xy: impl Fn(&P) -> Coord<f64>) -> MultiPolygon<f64> {
    use geo::Contains;
    let mut polys: Vec<Polygon<f64>> = Vec::new();
    let mut holes: Vec<LineString<f64>> = Vec::new();
    for r in rings {
        match r {
            PolygonRing::Outer(pts) => polys.push(Polygon::new(
                LineString::new(pts.iter().map(&xy).collect()),
                vec![],
            )),
            PolygonRing::Inner(pts) => holes.push(LineString::new(pts.iter().map(&xy).collect())),
        }
    }
    for h in holes {
        let finite = |l: &LineString<f64>| l.0.iter().all(|c| c.x.is_finite() && c.y.is_finite());
        let at = h.0.first().filter(|_| finite(&h)).and_then(|c| {
            polys.iter().position(|p| {
                finite(p.exterior())
                    && p.exterior().is_closed()
                    && Polygon::new(p.exterior().clone(), vec![]).contains(c)
            })
        });
        match at.or(polys.len().checked_sub(1)) {
            Some(i) => polys[i].interiors_push(h),
            None => polys.push(Polygon::new(h, vec![])),
        }
    }
    MultiPolygon::new(polys)
}

fn shape_geometry(s: &Shape) -> Option<Geometry<f64>> {
    Some(match s {
        Shape::NullShape => return None,
        Shape::Point(p) => Geometry::Point(coord!(p).into()),
        Shape::PointM(p) => Geometry::Point(coord!(p).into()),
        Shape::PointZ(p) => Geometry::Point(coord!(p).into()),
        Shape::Multipoint(m) => Geometry::MultiPoint(MultiPoint::new(
            m.points().iter().map(|p| coord!(p).into()).collect(),
        )),
        Shape::MultipointM(m) => Geometry::MultiPoint(MultiPoint::new(
            m.points().iter().map(|p| coord!(p).into()).collect(),
        )),
        Shape::MultipointZ(m) => Geometry::MultiPoint(MultiPoint::new(
            m.points().iter().map(|p| coord!(p).into()).collect(),
        )),
        Shape::Polyline(l) => lines(l.parts(), |p| coord!(p)),
        Shape::PolylineM(l) => lines(l.parts(), |p| coord!(p)),
        Shape::PolylineZ(l) => lines(l.parts(), |p| coord!(p)),
        Shape::Polygon(p) => Geometry::MultiPolygon(polygon_of(p.rings(), |q| coord!(q))),
        Shape::PolygonM(p) => Geometry::MultiPolygon(polygon_of(p.rings(), |q| coord!(q))),
        Shape::PolygonZ(p) => Geometry::MultiPolygon(polygon_of(p.rings(), |q| coord!(q))),
        Shape::Multipatch(_) => return None,
    })
}

fn lines<P>(parts: &[Vec<P>], xy: impl Fn(&P) -> Coord<f64>) -> Geometry<f64> {
    Geometry::MultiLineString(MultiLineString::new(
        parts
            .iter()
            .map(|p| LineString::new(p.iter().map(&xy).collect()))
            .collect(),
    ))
}

/// A Shapefile's parts in memory with the system to read its coordinates in and the notes so
/// far (system, attribute encoding).
struct Opened {
    parts: Parts,
    reader: Reader,
    encoding: &'static encoding_rs::Encoding,
    notes: Vec<String>,
}

impl Opened {
    fn shapes(&self) -> Result<shapefile::ShapeReader<Cursor<&[u8]>>, LoadError> {
        shapefile::ShapeReader::new(Cursor::new(&self.parts.shp[..])).map_err(|e| {
            format_error(
                &self.parts.name,
                format!("the .shp file is damaged or not a Shapefile ({e})"),
            )
        })
    }

    fn dbf(&self) -> Result<dbase::Reader<Cursor<&[u8]>>, LoadError> {
        self.dbf_of(Cursor::new(&self.parts.dbf[..]))
    }

    /// A reader of .dbf bytes (the file's, or a run of its records under its header) in the
    /// attribute encoding.
    fn dbf_of<'b>(
        &self,
        bytes: Cursor<&'b [u8]>,
    ) -> Result<dbase::Reader<Cursor<&'b [u8]>>, LoadError> {
        dbase::ReaderBuilder::new()
            .with_encoding(dbase::encoding::EncodingRs::from(self.encoding))
            .build(bytes)
            .map_err(|e| format_error(&self.parts.name, format!("the .dbf file is damaged ({e})")))
    }

    /// Every record of the .dbf, each read by `read`, up to the first damaged one (noted).
    fn records<R: dbase::ReadableRecord>(&mut self) -> Result<Vec<R>, LoadError> {
        let mut records = Vec::new();
        let mut note = None;
        for (i, r) in self.dbf()?.iter_records_as::<R>().enumerate() {
            match r {
                Ok(r) => records.push(r),
                Err(e) => {
                    note = Some(format!(
                        "the .dbf ends early at record {} ({e}); later features have no attributes",
                        i + 1
                    ));
                    break;
                }
            }
        }
        self.notes.extend(note);
        Ok(records)
    }
}

/// Opens a Shapefile (by any of its files' paths, or a `.zip` holding one); `layer` picks one
/// Shapefile of a `.zip` with several.
fn open(
    path: &Path,
    bytes_if_zip: Option<&[u8]>,
    layer: Option<&str>,
    user_crs: SourceCrs,
) -> Result<Opened, LoadError> {
    let name = path.display().to_string();
    let parts = match bytes_if_zip {
        Some(b) => parts_from_zip(b, &name, layer)?,
        None => parts_from_folder(path)?,
    };
    let pname = parts.name.clone();
    let mut notes = Vec::new();
    let file_reader = match parts.prj.as_deref().filter(|p| !p.is_empty()) {
        Some(wkt) => match crate::crs::from_wkt(wkt) {
            Ok(t) => Some(Reader::Epsg(t)),
            Err(e @ crate::crs::CrsError::SecretDatum(_)) => {
                return Err(format_error(&pname, e.to_string()));
            }
            Err(e) => {
                notes.push(format!("the .prj was not used: {e}"));
                None
            }
        },
        None => {
            notes.push("no .prj file: the coordinate system is not stated in the file".into());
            None
        }
    };
    let reader = super::geom::choose_reader(user_crs, file_reader)
        .map_err(|e| format_error(&pname, e.to_string()))?;
    let (encoding, how) = dbf_encoding(&parts);
    notes.push(format!("attribute text read as {how}"));
    Ok(Opened {
        parts,
        reader,
        encoding,
        notes,
    })
}

/// One .dbf record's values in the file's field order (no map per record).
struct Row(Vec<FieldValue>);

impl dbase::ReadableRecord for Row {
    fn read_using<S, M>(fields: &mut dbase::FieldIterator<S, M>) -> Result<Self, dbase::FieldError>
    where
        S: Read + std::io::Seek,
        M: Read + std::io::Seek,
    {
        fields
            .map(|f| f.map(|named| named.value))
            .collect::<Result<_, _>>()
            .map(Row)
    }
}

impl Opened {
    /// The .dbf's field names, in order.
    fn field_names(&self) -> Result<Vec<String>, LoadError> {
        Ok((self.dbf()?.fields().iter())
            .map(|f| f.name().to_string())
            .collect())
    }

    /// Hands every shape, with its record's values (None past the .dbf's end), to `each`, and
    /// notes a .shp that ends early; an error when the file has neither shapes nor records.
    fn each_shape(
        &mut self,
        each: &mut dyn FnMut(&Shape, Option<&[FieldValue]>),
    ) -> Result<(), LoadError> {
        let records: Vec<Row> = self.records()?;
        let (mut any, mut note) = (false, None);
        let mut shapes = self.shapes()?;
        // At most one shape per 8 bytes of file: guards against a looping damaged index.
        let cap = self.parts.shp.len() / 8 + 1;
        for (i, s) in shapes.iter_shapes().take(cap).enumerate() {
            match s {
                Ok(shape) => {
                    any = true;
                    each(&shape, records.get(i).map(|r| r.0.as_slice()));
                }
                Err(e) => {
                    note = Some(format!(
                        "the .shp ends early after {i} shapes ({e}); the rest is left out"
                    ));
                    break;
                }
            }
        }
        self.notes.extend(note);
        if !any && !self.parts.shp.is_empty() && records.is_empty() {
            return Err(format_error(
                &self.parts.name,
                "the Shapefile has no features",
            ));
        }
        Ok(())
    }
}

/// Reads a Shapefile (by any of its files' paths, or a `.zip` holding one) as WGS-84 features.
/// `layer` picks one Shapefile of a `.zip` with several.
pub fn read(
    path: &Path,
    bytes_if_zip: Option<&[u8]>,
    layer: Option<&str>,
    user_crs: SourceCrs,
) -> Result<Vector, LoadError> {
    let mut opened = open(path, bytes_if_zip, layer, user_crs)?;
    let reader = opened.reader.clone();
    let names = opened.field_names()?;
    let mut features = Vec::new();
    opened.each_shape(&mut |shape, values| {
        let geometry = shape_geometry(shape)
            .map(|g| super::geometry_value(&g, &reader))
            .unwrap_or(Value::Null);
        let props: Map<String, Value> = (names.iter().cloned())
            .zip(values.unwrap_or_default().iter().map(field_json))
            .collect();
        features.push(feature(props, geometry));
    })?;
    Ok(Vector {
        collection: collection(features),
        crs_label: reader.label(),
        converted: matches!(reader, Reader::Epsg(_)),
        notes: opened.notes,
        warnings: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A .dbf made by hand: a character field `width` bytes wide holding `cells`, and a
    /// numeric field after it.
    fn dbf(cells: &[Vec<u8>], width: u8) -> Vec<u8> {
        let record_len = 1 + usize::from(width) + 4;
        let header_len = 32 + 2 * 32 + 1;
        let mut b = vec![0x03, 126, 1, 1];
        b.extend((cells.len() as u32).to_le_bytes());
        b.extend((header_len as u16).to_le_bytes());
        b.extend((record_len as u16).to_le_bytes());
        b.resize(32, 0);
        for (name, kind, w) in [(&b"NAME"[..], b'C', width), (b"STAFF", b'N', 4)] {
            let mut d = name.to_vec();
            d.resize(11, 0);
            d.push(kind);
            d.extend([0; 4]);
            d.extend([w, 0]);
            d.resize(32, 0);
            b.extend(d);
        }
        b.push(0x0D);
        for c in cells {
            b.push(b' ');
            let mut cell = c.clone();
            cell.resize(usize::from(width), b' ');
            b.extend(cell);
            b.extend(b"  12");
        }
        b
    }

    fn detected(dbf: Vec<u8>) -> String {
        let parts = Parts {
            shp: Vec::new(),
            dbf,
            prj: None,
            cpg: None,
            name: "t.shp".into(),
        };
        dbf_encoding(&parts).1
    }

    /// UTF-8 names cut to the field's width inside a character (as writers cut them) are
    /// still UTF-8; GBK names, cut or not, are GBK; a stray byte per name is not UTF-8.
    #[test]
    fn utf8_cells_cut_inside_a_character_are_utf8_and_gbk_is_gbk() {
        let names: Vec<String> = (0..60)
            .map(|k| format!("深圳示例科技有限公司{k}"))
            .collect();
        // 10 bytes: three whole characters and a third of the fourth.
        let cut: Vec<Vec<u8>> = names.iter().map(|n| n.as_bytes()[..10].to_vec()).collect();
        assert!(std::str::from_utf8(&cut[0]).is_err());
        // The cells are the names as written (the numeric field left out).
        let d = dbf(&cut, 10);
        assert_eq!(text_cells(&d).collect::<Vec<_>>(), cut);
        assert_eq!(detected(d), "UTF-8 (detected)");
        let whole: Vec<Vec<u8>> = names.iter().map(|n| n.as_bytes().to_vec()).collect();
        assert_eq!(detected(dbf(&whole, 40)), "UTF-8 (detected)");
        for width in [10, 11, 40] {
            let gbk: Vec<Vec<u8>> = names
                .iter()
                .map(|n| {
                    let g = encoding_rs::GBK.encode(n).0.into_owned();
                    g[..g.len().min(usize::from(width))].to_vec()
                })
                .collect();
            assert_eq!(detected(dbf(&gbk, width)), "GBK (detected)", "{width}");
        }
        // A malformed byte inside each name (not at its end): not UTF-8.
        let stray: Vec<Vec<u8>> = names
            .iter()
            .map(|n| [&n.as_bytes()[..3], &[0xFF], &n.as_bytes()[3..12]].concat())
            .collect();
        assert_eq!(detected(dbf(&stray, 20)), "GBK (detected)");
    }
}
