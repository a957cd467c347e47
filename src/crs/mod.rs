//! Coordinate reference systems: China's GCJ-02 / BD-09 offsets and the metric projection
//! all distance work uses.

mod bulk;
mod cheb;
mod epsg;
mod offsets;
mod patches;
mod point;
mod tm;

pub use bulk::BulkProjector;
pub use epsg::{CrsError, EpsgTransform, code_from_urn, describe_guess, from_wkt, suggest_systems};
pub use offsets::{
    bd09_to_gcj02, bd09_to_wgs84, convert, gcj02_to_bd09, gcj02_to_wgs84, in_china_box,
    wgs84_to_bd09, wgs84_to_gcj02,
};
pub use point::{PointError, parse_point};
pub use tm::{Projection, great_circle_km, median_lonlat};

use crate::model::{LonLat, SourceCrs};

/// Converts coordinate pairs read from a file to WGS-84: China's offsets (GCJ-02, BD-09) or an
/// EPSG system (projected metres or geographic degrees). Built once per file.
#[derive(Clone, Debug)]
pub enum Reader {
    /// WGS-84, GCJ-02 or BD-09 longitude/latitude.
    Offset(SourceCrs),
    /// An EPSG or WKT-defined system.
    Epsg(EpsgTransform),
}

impl Reader {
    /// The reader for a system named by the user (`wgs84`, `gcj02`, `bd09`, `epsg:N`).
    pub fn new(crs: SourceCrs) -> Result<Self, CrsError> {
        match crs {
            SourceCrs::Epsg(4326) => Ok(Reader::Offset(SourceCrs::Wgs84)),
            SourceCrs::Epsg(code) => EpsgTransform::from_epsg(code).map(Reader::Epsg),
            other => Ok(Reader::Offset(other)),
        }
    }

    /// True when the numbers are metres (easting, northing), not degrees.
    pub fn is_projected(&self) -> bool {
        matches!(self, Reader::Epsg(t) if t.projected)
    }

    /// The system as the user would name it (`gcj02`, `EPSG:4547 (CGCS2000 / …)`).
    pub fn label(&self) -> String {
        match self {
            Reader::Offset(c) => c.to_string(),
            Reader::Epsg(t) if t.code == 0 => t.name.clone(),
            Reader::Epsg(t) => format!("EPSG:{} ({})", t.code, t.name),
        }
    }

    /// The pair in WGS-84, or None when it is outside the system's valid numbers. Pairs in
    /// degrees are not range-checked here (the loaders check and explain them).
    pub fn to_wgs84(&self, a: f64, b: f64) -> Option<LonLat> {
        match self {
            // Amap's and Baidu's positions through GCJ-02's patches (Baidu's BD-09 turned into
            // GCJ-02 first by its closed form).
            Reader::Offset(SourceCrs::Gcj02) => Some(patches::ungcj(LonLat::new(a, b))),
            Reader::Offset(SourceCrs::Bd09) => {
                Some(patches::ungcj(bd09_to_gcj02(LonLat::new(a, b))))
            }
            Reader::Offset(c) => Some(convert(LonLat::new(a, b), *c, SourceCrs::Wgs84)),
            Reader::Epsg(t) if t.projected => patches::unproject(t, a, b),
            Reader::Epsg(t) => t.to_wgs84(a, b),
        }
    }
}

/// Mean Earth radius (m), used only for rough sanity checks, never for reported distances.
pub const MEAN_EARTH_RADIUS_M: f64 = 6_371_008.8;
