//! Plain domain types: no IO, no UI.
//!
//! Coordinates come in two named spaces: [`LonLat`] (WGS-84 degrees, what files hold after
//! conversion) and [`Xy`] (metres in the dataset's transverse Mercator, where all metric work
//! happens). Keeping them as separate types stops degrees leaking into distance code.

mod attrs;
mod bounds;
mod firms;
mod lang;
pub mod limits;
pub mod line_map;
pub mod memory;
mod policy;
pub mod quotes;
pub mod scan;
mod search;
mod util;
mod year_counts;
mod zone;

pub use attrs::{AttrTable, FileRows, LineRows, RowView, RowsIn, read_exact_at};
pub use bounds::Bounds;
pub use firms::{FirmTimes, Firms, SegmentId, SegmentInterner, cell_text, cell_text_cow};
pub use lang::Lang;
pub use policy::{FitTable, FitTerm, Policy, PolicyItem, PolicyKind, PolicySource, SegmentFit};
pub use quotes::unquote_field;
pub use search::LowercaseSearch;
pub use util::{
    BlockHasher, HASH_BLOCK, Rng, SEGMENTS, ShortHasher, block_hash, is_missing_value,
    once_made_outside, short_hash,
};
pub use year_counts::YearCounts;
pub use zone::{Batch, GeometryQuality, Zone, ZoneGeometry, ZoneStatus};

use serde::{Deserialize, Serialize};

/// Text from a user's file made safe to print on a terminal: control characters (escape
/// sequences, carriage returns, bells; C0 and C1, but not newline or tab) are shown as
/// `\u{1b}` instead of being sent raw.
pub fn escape_controls(s: &str) -> std::borrow::Cow<'_, str> {
    let bad = |c: char| c.is_control() && c != '\n' && c != '\t';
    if !s.chars().any(bad) {
        return s.into();
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if bad(c) {
            out.push_str(&c.escape_unicode().to_string());
        } else {
            out.push(c);
        }
    }
    out.into()
}

/// A WGS-84 longitude/latitude pair in degrees.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, Default)]
pub struct LonLat {
    pub lon: f64,
    pub lat: f64,
}

impl LonLat {
    pub const fn new(lon: f64, lat: f64) -> Self {
        Self { lon, lat }
    }
}

/// A point in metres on the dataset's projected plane (see [`crate::crs::Projection`]).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, Default)]
pub struct Xy {
    pub x: f64,
    pub y: f64,
}

impl Xy {
    pub const fn new(x: f64, y: f64) -> Self {
        Self { x, y }
    }

    /// Straight-line distance on the projected plane (not yet corrected to the ground).
    pub fn plane_distance(self, other: Xy) -> f64 {
        let (dx, dy) = (self.x - other.x, self.y - other.y);
        (dx * dx + dy * dy).sqrt()
    }
}

/// The coordinate system a user's file is written in. Everything is converted to WGS-84 on
/// load (see `crs::Reader`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum SourceCrs {
    /// GPS / OpenStreetMap / most GIS files.
    #[default]
    Wgs84,
    /// China's "Mars" datum used by Amap (高德), Tencent and Google China.
    Gcj02,
    /// Baidu's datum, an extra offset on top of GCJ-02.
    Bd09,
    /// An EPSG system: CGCS2000 (4490), its Gauss–Krüger zones (4491–4554), UTM (326xx),
    /// Web Mercator (3857) …
    Epsg(u32),
}

impl SourceCrs {
    /// The systems a picker offers first (any EPSG code can be typed).
    pub const ALL: [SourceCrs; 3] = [SourceCrs::Wgs84, SourceCrs::Gcj02, SourceCrs::Bd09];

    /// The name as the command line spells it (`wgs84`, `epsg:4547`).
    pub fn as_str(self) -> String {
        self.to_string()
    }

    /// True for systems whose coordinates are metres (any EPSG system but the geographic
    /// CGCS2000 / WGS-84 ones).
    pub fn may_be_projected(self) -> bool {
        matches!(self, SourceCrs::Epsg(c) if c != 4326 && c != 4490)
    }
}

impl std::fmt::Display for SourceCrs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SourceCrs::Wgs84 => f.write_str("wgs84"),
            SourceCrs::Gcj02 => f.write_str("gcj02"),
            SourceCrs::Bd09 => f.write_str("bd09"),
            SourceCrs::Epsg(4490) => f.write_str("cgcs2000"),
            SourceCrs::Epsg(c) => write!(f, "epsg:{c}"),
        }
    }
}

impl std::str::FromStr for SourceCrs {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s
            .trim()
            .to_ascii_lowercase()
            .replace(['-', '_', ' '], "")
            .as_str()
        {
            "wgs84" | "epsg4326" | "epsg:4326" | "4326" | "gps" | "crs84" => Ok(SourceCrs::Wgs84),
            "gcj02" | "gcj" | "amap" | "mars" => Ok(SourceCrs::Gcj02),
            "bd09" | "bd" | "baidu" | "bd09ll" => Ok(SourceCrs::Bd09),
            "cgcs2000" | "cgcs" | "china2000" => Ok(SourceCrs::Epsg(4490)),
            other => {
                let digits = other
                    .strip_prefix("epsg:")
                    .or(other.strip_prefix("epsg"))
                    .unwrap_or(other);
                match digits.parse::<u32>() {
                    Ok(code) if code > 0 => Ok(SourceCrs::Epsg(code)),
                    _ => Err(format!(
                        "unknown coordinate system '{}': use wgs84, gcj02 (Amap/Tencent), bd09 \
                         (Baidu), cgcs2000 or epsg:N (e.g. epsg:4547 for CGCS2000 3° \
                         Gauss-Krüger CM 114E)",
                        escape_controls(other)
                    )),
                }
            }
        }
    }
}
