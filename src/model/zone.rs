//! Industry-cluster zones as the app understands them.

use serde::{Deserialize, Serialize};

use super::LonLat;

/// How much a zone's geometry can be trusted. Shown on screen and in exports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum GeometryQuality {
    /// A polygon of the stated planned area drawn around an approximate centre.
    ApproximateFootprint,
    /// Only an approximate centre point is known.
    ApproximatePoint,
    /// A polygon taken as given from the user's file (e.g. an official boundary).
    Provided,
    /// A slot whose geometry was taken from a matched feature of an official zone file.
    FromFile,
    /// Drawn by a user in the digitiser from a plan map; its source is in `digitised_from`.
    Digitised,
    /// No location is known (an unidentified zone slot).
    #[default]
    None,
}

impl GeometryQuality {
    pub fn as_str(self) -> &'static str {
        match self {
            GeometryQuality::ApproximateFootprint => "approximate_footprint",
            GeometryQuality::ApproximatePoint => "approximate_point",
            GeometryQuality::Provided => "provided",
            GeometryQuality::FromFile => "from_file",
            GeometryQuality::Digitised => "digitised",
            GeometryQuality::None => "none",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "approximate_footprint" => Some(Self::ApproximateFootprint),
            "approximate_point" => Some(Self::ApproximatePoint),
            "provided" | "official" | "surveyed" => Some(Self::Provided),
            "from_file" => Some(Self::FromFile),
            "digitised" | "digitized" => Some(Self::Digitised),
            "none" => Some(Self::None),
            _ => None,
        }
    }

    /// True where the geometry must be labelled approximate.
    /// A boundary from a file the user trusts (not an approximation made here).
    pub fn is_authoritative(self) -> bool {
        matches!(self, GeometryQuality::Provided | GeometryQuality::FromFile)
    }

    /// A real boundary (from a file, or digitised from a plan map), not an approximation.
    pub fn is_boundary(self) -> bool {
        self.is_authoritative() || self == GeometryQuality::Digitised
    }

    pub fn is_approximate(self) -> bool {
        matches!(
            self,
            GeometryQuality::ApproximateFootprint | GeometryQuality::ApproximatePoint
        )
    }
}

/// The policy batch a zone belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
pub enum Batch {
    /// 2017 first batch: 未来产业集聚区 (future industry zones).
    Future2017,
    /// 2018 second batch: 新兴产业集聚区 (emerging industry zones).
    Emerging2018,
}

impl Batch {
    pub fn from_number(n: i64) -> Option<Self> {
        match n {
            1 => Some(Batch::Future2017),
            2 => Some(Batch::Emerging2018),
            _ => None,
        }
    }

    pub fn number(self) -> u8 {
        match self {
            Batch::Future2017 => 1,
            Batch::Emerging2018 => 2,
        }
    }
}

/// Whether the zone behind a slot is known.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ZoneStatus {
    Identified,
    /// Named in a source, batch not found.
    IdentifiedBatchUnknown,
    /// A slot of the 15 whose zone is not known yet.
    Unidentified,
}

impl ZoneStatus {
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "identified" => Some(Self::Identified),
            "identified_batch_unknown" => Some(Self::IdentifiedBatchUnknown),
            "unidentified" => Some(Self::Unidentified),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ZoneStatus::Identified => "identified",
            ZoneStatus::IdentifiedBatchUnknown => "identified_batch_unknown",
            ZoneStatus::Unidentified => "unidentified",
        }
    }
}

/// A zone's location in WGS-84.
#[derive(Clone, Debug, PartialEq, Default)]
pub enum ZoneGeometry {
    #[default]
    None,
    Point(LonLat),
    /// One or more polygons, holes included (holes are outside the zone).
    Area(geo::MultiPolygon<f64>),
}

impl ZoneGeometry {
    pub fn is_none(&self) -> bool {
        matches!(self, ZoneGeometry::None)
    }
}

/// One industry-cluster zone (or an unidentified slot).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Zone {
    pub id: String,
    pub name_zh: Option<String>,
    pub name_en: Option<String>,
    pub status: Option<ZoneStatus>,
    pub batch: Option<Batch>,
    pub year: Option<i32>,
    pub district_zh: Option<String>,
    pub focus_zh: Vec<String>,
    pub focus_en: Vec<String>,
    /// Planned area stated by a source, km².
    pub area_km2: Option<f64>,
    pub geometry: ZoneGeometry,
    pub quality: GeometryQuality,
    pub sources: Vec<String>,
    /// Every property of the source feature, for the inspector and exports.
    pub properties: serde_json::Map<String, serde_json::Value>,
}

impl Zone {
    /// Best display name in the requested language, falling back to the other, then the id.
    pub fn display_name(&self, lang: super::Lang) -> &str {
        let (first, second) = if lang.chinese() {
            (&self.name_zh, &self.name_en)
        } else {
            (&self.name_en, &self.name_zh)
        };
        first
            .as_deref()
            .or(second.as_deref())
            .filter(|s| !s.is_empty())
            .unwrap_or(&self.id)
    }

    pub fn has_geometry(&self) -> bool {
        !self.geometry.is_none()
    }
}
