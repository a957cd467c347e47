//! Coordinate reference systems: China's GCJ-02 / BD-09 offsets and the metric projection
//! all distance work uses.

mod offsets;
mod tm;

pub use offsets::{
    bd09_to_gcj02, bd09_to_wgs84, convert, gcj02_to_bd09, gcj02_to_wgs84, in_china_box,
    wgs84_to_bd09, wgs84_to_gcj02,
};
pub use tm::{Projection, great_circle_km, median_lonlat};

/// Mean Earth radius (m), used only for rough sanity checks, never for reported distances.
pub const MEAN_EARTH_RADIUS_M: f64 = 6_371_008.8;
