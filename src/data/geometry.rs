//! GeoJSON geometry → validated WGS-84 geometry, with a reason for anything unusable.

use geo::{Coord, LineString, MultiPolygon, Polygon};
use geojson::{GeometryValue, Position};

use crate::crs::Reader;
use crate::model::LonLat;

/// Why a geometry (or coordinate) was rejected.
#[derive(Clone, Debug, PartialEq)]
pub struct GeomProblem {
    pub kind: &'static str,
    pub message: String,
}

impl GeomProblem {
    fn new(kind: &'static str, message: String) -> Self {
        Self { kind, message }
    }
}

/// Checks one longitude/latitude pair; says whether it looks projected or swapped.
pub fn check_lonlat(lon: f64, lat: f64) -> Result<LonLat, GeomProblem> {
    if !lon.is_finite() || !lat.is_finite() {
        return Err(GeomProblem::new(
            "not_finite",
            format!("coordinate ({lon}, {lat}) is not a finite number"),
        ));
    }
    if lon == 0.0 && lat == 0.0 {
        return Err(GeomProblem::new(
            "null_island",
            "coordinate (0, 0) is the usual placeholder for a missing geocode; \
             fill in the firm's real position"
                .to_string(),
        ));
    }
    if lon.abs() <= 180.0 && lat.abs() <= 90.0 {
        return Ok(LonLat::new(lon, lat));
    }
    if lat.abs() <= 180.0 && lon.abs() <= 90.0 {
        return Err(GeomProblem::new(
            "swapped",
            format!(
                "longitude/latitude look swapped ({lon}, {lat}): latitude must be within ±90; \
                 swap the columns or name them explicitly"
            ),
        ));
    }
    let (lon_s, lat_s) = (short_number(lon), short_number(lat));
    if lon.abs() > 1e8 || lat.abs() > 1e8 {
        // Millionths of a degree (as GPS loggers and some APIs store them) land in China.
        let (x, y) = (lon / 1e6, lat / 1e6);
        let message = if (73.0..=136.0).contains(&x) && (3.0..=54.0).contains(&y) {
            format!(
                "({lon_s}, {lat_s}) looks like degrees × 1,000,000 ({x}, {y}); divide the \
                 columns by 1,000,000"
            )
        } else {
            format!("({lon_s}, {lat_s}) is not a coordinate (degrees or metres); check the column")
        };
        return Err(GeomProblem::new("out_of_range", message));
    }
    if lon.abs() > 1000.0 || lat.abs() > 1000.0 {
        return Err(GeomProblem::new(
            "projected",
            format!(
                "coordinate ({lon_s}, {lat_s}) looks projected (metres), not degrees; \
                 give its system (e.g. epsg:4547) or reproject to WGS-84 lon/lat"
            ),
        ));
    }
    Err(GeomProblem::new(
        "out_of_range",
        format!("coordinate ({lon_s}, {lat_s}) is outside longitude ±180 / latitude ±90"),
    ))
}

/// A sentence naming the systems that fit the numbers in a "looks projected" message (its
/// first pair in parentheses), for file-level errors.
pub fn projected_guess(message: &str) -> Option<String> {
    let inner = message.split_once('(')?.1.split_once(')')?.0;
    let (a, b) = inner.split_once(", ")?;
    Some(crate::crs::describe_guess(
        a.trim().parse().ok()?,
        b.trim().parse().ok()?,
    ))
}

/// A number for a message: as typed when short, in scientific notation when huge.
fn short_number(v: f64) -> String {
    if v.abs() >= 1e9 {
        format!("{v:.3e}")
    } else {
        format!("{v}")
    }
}

/// One coordinate pair as read from a file, checked and converted to WGS-84: degrees are
/// checked for swaps, placeholders and projected-looking numbers; metres of a projected system
/// are unprojected (and must land on the globe).
#[inline]
pub fn read_pair(a: f64, b: f64, reader: &Reader) -> Result<LonLat, GeomProblem> {
    // Every good row of a file in degrees: in range, not the (0, 0) placeholder.
    if !reader.is_projected()
        && a.abs() <= 180.0
        && b.abs() <= 90.0
        && (a != 0.0 || b != 0.0)
        && let Some(ll) = reader.to_wgs84(a, b)
    {
        return Ok(ll);
    }
    read_pair_checked(a, b, reader)
}

/// [`read_pair`] for the rest: a pair out of range, a placeholder, metres of a projected
/// system; the problem said when there is one.
#[inline(never)]
fn read_pair_checked(a: f64, b: f64, reader: &Reader) -> Result<LonLat, GeomProblem> {
    if !reader.is_projected() {
        let ll = check_lonlat(a, b)?;
        return reader.to_wgs84(ll.lon, ll.lat).ok_or_else(|| {
            GeomProblem::new(
                "out_of_range",
                format!("coordinate ({a}, {b}) is outside {}", reader.label()),
            )
        });
    }
    if !a.is_finite() || !b.is_finite() {
        return Err(GeomProblem::new(
            "not_finite",
            format!("coordinate ({a}, {b}) is not a finite number"),
        ));
    }
    match reader.to_wgs84(a, b) {
        Some(ll) => Ok(ll),
        None => Err(GeomProblem::new(
            "out_of_range",
            format!(
                "({}, {}) is not a coordinate of {}; check the columns and the system",
                short_number(a),
                short_number(b),
                reader.label()
            ),
        )),
    }
}

fn position(p: &Position, crs: &Reader) -> Result<LonLat, GeomProblem> {
    let v: &[f64] = p.as_slice();
    if v.len() < 2 {
        return Err(GeomProblem::new(
            "bad_geometry",
            format!("a position has {} number(s); it needs two", v.len()),
        ));
    }
    read_pair(v[0], v[1], crs)
}

/// A Point geometry as a WGS-84 position.
pub fn point(p: &Position, crs: &Reader) -> Result<LonLat, GeomProblem> {
    position(p, crs)
}

fn ring(r: &[Position], crs: &Reader, what: &str) -> Result<LineString<f64>, GeomProblem> {
    let mut coords: Vec<Coord<f64>> = Vec::with_capacity(r.len() + 1);
    for p in r {
        let ll = position(p, crs)?;
        coords.push(Coord {
            x: ll.lon,
            y: ll.lat,
        });
    }
    if let (Some(first), Some(last)) = (coords.first().copied(), coords.last().copied())
        && first != last
    {
        coords.push(first);
    }
    if coords.len() < 4 {
        return Err(GeomProblem::new(
            "bad_geometry",
            format!(
                "{what} has {} distinct position(s); a polygon ring needs at least 3",
                coords.len().saturating_sub(1)
            ),
        ));
    }
    Ok(LineString::new(coords))
}

fn polygon(rings: &[Vec<Position>], crs: &Reader) -> Result<Polygon<f64>, GeomProblem> {
    let Some((outer, holes)) = rings.split_first() else {
        return Err(GeomProblem::new(
            "bad_geometry",
            "polygon has no rings".to_string(),
        ));
    };
    let exterior = ring(outer, crs, "outer ring")?;
    let mut interiors = Vec::with_capacity(holes.len());
    for (i, h) in holes.iter().enumerate() {
        interiors.push(ring(h, crs, &format!("hole {}", i + 1))?);
    }
    Ok(Polygon::new(exterior, interiors))
}

/// Most vertices one zone may have: official boundaries have thousands; millions would make
/// every distance and drawing slow for no gain in precision.
pub const MAX_ZONE_VERTICES: usize = 100_000;

/// What a zone feature's geometry turned into.
pub enum ParsedGeometry {
    Point(LonLat),
    Area(MultiPolygon<f64>),
}

/// Polygon, MultiPolygon or Point; other types are reported by name.
pub fn zone_geometry(g: &GeometryValue, crs: &Reader) -> Result<ParsedGeometry, GeomProblem> {
    let vertices: usize = match g {
        GeometryValue::Polygon { coordinates } => coordinates.iter().map(Vec::len).sum(),
        GeometryValue::MultiPolygon { coordinates } => {
            coordinates.iter().flatten().map(Vec::len).sum()
        }
        _ => 0,
    };
    if vertices > MAX_ZONE_VERTICES {
        return Err(GeomProblem::new(
            "too_complex",
            format!(
                "the boundary has {vertices} vertices; at most {MAX_ZONE_VERTICES} are read \
                 (simplify it, e.g. in QGIS with a 1 m tolerance)"
            ),
        ));
    }
    match g {
        GeometryValue::Point { coordinates } => Ok(ParsedGeometry::Point(point(coordinates, crs)?)),
        GeometryValue::Polygon { coordinates } => Ok(ParsedGeometry::Area(MultiPolygon::new(
            vec![polygon(coordinates, crs)?],
        ))),
        GeometryValue::MultiPolygon { coordinates } => {
            if coordinates.is_empty() {
                return Err(GeomProblem::new(
                    "bad_geometry",
                    "MultiPolygon has no polygons".to_string(),
                ));
            }
            let polys = coordinates
                .iter()
                .map(|p| polygon(p, crs))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(ParsedGeometry::Area(MultiPolygon::new(polys)))
        }
        other => Err(GeomProblem::new(
            "wrong_geometry_type",
            format!(
                "geometry type {} cannot be a zone; use Polygon, MultiPolygon or Point",
                type_name(other)
            ),
        )),
    }
}

pub fn type_name(g: &GeometryValue) -> &'static str {
    match g {
        GeometryValue::Point { .. } => "Point",
        GeometryValue::MultiPoint { .. } => "MultiPoint",
        GeometryValue::LineString { .. } => "LineString",
        GeometryValue::MultiLineString { .. } => "MultiLineString",
        GeometryValue::Polygon { .. } => "Polygon",
        GeometryValue::MultiPolygon { .. } => "MultiPolygon",
        GeometryValue::GeometryCollection { .. } => "GeometryCollection",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_bad_coordinates() {
        assert!(check_lonlat(114.0, 22.5).is_ok());
        assert_eq!(check_lonlat(22.5, 114.0).unwrap_err().kind, "swapped");
        assert_eq!(
            check_lonlat(500000.0, 2_500_000.0).unwrap_err().kind,
            "projected"
        );
        assert_eq!(check_lonlat(f64::NAN, 1.0).unwrap_err().kind, "not_finite");
        assert_eq!(check_lonlat(200.0, 95.0).unwrap_err().kind, "out_of_range");
        assert_eq!(check_lonlat(0.0, 0.0).unwrap_err().kind, "null_island");
        assert!(check_lonlat(0.0, 22.5).is_ok());
        let huge = check_lonlat(1e300, 22.0).unwrap_err();
        assert_eq!(huge.kind, "out_of_range");
        assert!(huge.message.contains("1.000e300"), "{}", huge.message);
        let micro = check_lonlat(113_971_389.0, 22_608_845.0).unwrap_err();
        assert_eq!(micro.kind, "out_of_range");
        assert!(
            micro
                .message
                .contains("looks like degrees × 1,000,000 (113.971389, 22.608845)"),
            "{}",
            micro.message
        );
        let far = check_lonlat(-173_971_389.0, 40_608_845.0).unwrap_err();
        assert!(
            far.message.contains("is not a coordinate"),
            "{}",
            far.message
        );
    }
}
