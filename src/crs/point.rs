//! A point typed or pasted by a user ("114.05,22.54" from Amap, Baidu or a GPS) read in its
//! coordinate system and converted to WGS-84: one rule for `suggest --at` and the window.

use super::convert;
use crate::model::{LonLat, SourceCrs};

/// Why a typed point cannot be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PointError {
    #[error("a point needs LON,LAT (e.g. 114.05,22.54), got '{0}'")]
    Shape(String),
    #[error("'{0}' is not a number")]
    NotNumber(String),
    #[error("({0}, {1}) is not a longitude/latitude pair (is it LAT,LON?)")]
    NotLonLat(f64, f64),
}

/// Reads "LON,LAT" (comma, space or both between) in `crs` and returns it in WGS-84.
///
/// ```
/// use cluster_atlas::crs::parse_point;
/// use cluster_atlas::model::SourceCrs;
/// let p = parse_point(" 114.05, 22.54 ", SourceCrs::Wgs84).unwrap();
/// assert_eq!((p.lon, p.lat), (114.05, 22.54));
/// assert!(parse_point("22.54", SourceCrs::Wgs84).is_err());
/// assert!(parse_point("22.54,114.05", SourceCrs::Wgs84).is_err()); // LAT,LON: 114 is no latitude
/// assert!(parse_point("200,22", SourceCrs::Wgs84).is_err());
/// ```
pub fn parse_point(text: &str, crs: SourceCrs) -> Result<LonLat, PointError> {
    let parts: Vec<&str> = text
        .split([',', ' ', '，', '\t'])
        .filter(|p| !p.is_empty())
        .collect();
    let [lon, lat] = parts.as_slice() else {
        return Err(PointError::Shape(text.trim().chars().take(60).collect()));
    };
    let number = |s: &str| {
        s.trim()
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .ok_or_else(|| PointError::NotNumber(s.chars().take(30).collect()))
    };
    let (lon, lat) = (number(lon)?, number(lat)?);
    if !(lon.abs() <= 180.0 && lat.abs() <= 90.0) {
        return Err(PointError::NotLonLat(lon, lat));
    }
    Ok(convert(LonLat::new(lon, lat), crs, SourceCrs::Wgs84))
}
