//! geo-types geometries (as the format crates give them) to GeoJSON geometry values, converting
//! EPSG coordinates to WGS-84 on the way.

use geo::{Coord, Geometry, LineString, Polygon};
use serde_json::{Value, json};

use crate::crs::Reader;
use crate::model::SourceCrs;

/// The reader to use: the system the user named, else the file's own, else WGS-84.
pub fn choose_reader(
    user: SourceCrs,
    file: Option<Reader>,
) -> Result<Reader, crate::crs::CrsError> {
    match (user, file) {
        (SourceCrs::Wgs84, Some(f)) => Ok(f),
        (u, _) => Reader::new(u),
    }
}

/// A coordinate as a GeoJSON position: converted when the reader is an EPSG system (kept as
/// it is when that fails, so the loader reports it), else left for the loader to convert.
fn position(c: Coord<f64>, reader: &Reader) -> Value {
    let (x, y) = to_output(c, reader);
    json!([num(x), num(y)])
}

/// A coordinate as the readers hand it on: WGS-84 when the reader is an EPSG system (kept as
/// it is when that fails, so the loader reports it), else as in the file.
pub(super) fn to_output(c: Coord<f64>, reader: &Reader) -> (f64, f64) {
    match reader {
        Reader::Epsg(_) => match reader.to_wgs84(c.x, c.y) {
            Some(ll) => (ll.lon, ll.lat),
            None => (c.x, c.y),
        },
        Reader::Offset(_) => (c.x, c.y),
    }
}

pub(super) fn num(v: f64) -> Value {
    serde_json::Number::from_f64(v)
        .map(Value::Number)
        .unwrap_or(Value::Null)
}

fn ring(l: &LineString<f64>, reader: &Reader) -> Value {
    Value::Array(l.0.iter().map(|c| position(*c, reader)).collect())
}

fn polygon(p: &Polygon<f64>, reader: &Reader) -> Value {
    let mut rings = vec![ring(p.exterior(), reader)];
    rings.extend(p.interiors().iter().map(|r| ring(r, reader)));
    Value::Array(rings)
}

/// A geometry as a GeoJSON geometry object (WGS-84 when `reader` is an EPSG system).
pub fn geometry_value(g: &Geometry<f64>, reader: &Reader) -> Value {
    match g {
        Geometry::Point(p) => json!({"type": "Point", "coordinates": position(p.0, reader)}),
        Geometry::MultiPoint(mp) => json!({
            "type": "MultiPoint",
            "coordinates": mp.0.iter().map(|p| position(p.0, reader)).collect::<Vec<_>>(),
        }),
        Geometry::LineString(l) => json!({"type": "LineString", "coordinates": ring(l, reader)}),
        Geometry::MultiLineString(ml) => json!({
            "type": "MultiLineString",
            "coordinates": ml.0.iter().map(|l| ring(l, reader)).collect::<Vec<_>>(),
        }),
        Geometry::Polygon(p) => json!({"type": "Polygon", "coordinates": polygon(p, reader)}),
        Geometry::MultiPolygon(mp) => json!({
            "type": "MultiPolygon",
            "coordinates": mp.0.iter().map(|p| polygon(p, reader)).collect::<Vec<_>>(),
        }),
        Geometry::Rect(r) => geometry_value(&Geometry::Polygon(r.to_polygon()), reader),
        Geometry::Triangle(t) => geometry_value(&Geometry::Polygon(t.to_polygon()), reader),
        Geometry::Line(l) => geometry_value(
            &Geometry::LineString(LineString::new(vec![l.start, l.end])),
            reader,
        ),
        Geometry::GeometryCollection(gc) => json!({
            "type": "GeometryCollection",
            "geometries": gc.0.iter().map(|g| geometry_value(g, reader)).collect::<Vec<_>>(),
        }),
    }
}
