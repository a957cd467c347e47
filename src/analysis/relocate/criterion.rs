//! The advisor's five criteria: their keys, labels and written formulas.

use serde::{Deserialize, Serialize};

use super::AdvisorParams;
use crate::model::Lang;

/// The five criteria, in display order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Criterion {
    Proximity,
    IndustryFit,
    Agglomeration,
    Room,
    Confidence,
}

impl Criterion {
    pub const ALL: [Criterion; 5] = [
        Criterion::Proximity,
        Criterion::IndustryFit,
        Criterion::Agglomeration,
        Criterion::Room,
        Criterion::Confidence,
    ];

    /// Position in [`Criterion::ALL`].
    pub const fn index(self) -> usize {
        self as usize
    }

    pub fn key(self) -> &'static str {
        match self {
            Criterion::Proximity => "proximity",
            Criterion::IndustryFit => "industry_fit",
            Criterion::Agglomeration => "agglomeration",
            Criterion::Room => "room",
            Criterion::Confidence => "confidence",
        }
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang.chinese()) {
            (Criterion::Proximity, true) => "距离",
            (Criterion::Proximity, false) => "Proximity",
            (Criterion::IndustryFit, true) => "产业匹配",
            (Criterion::IndustryFit, false) => "Industry fit",
            (Criterion::Agglomeration, true) => "集聚",
            (Criterion::Agglomeration, false) => "Agglomeration",
            (Criterion::Room, true) => "空间",
            (Criterion::Room, false) => "Room",
            (Criterion::Confidence, true) => "数据可信度",
            (Criterion::Confidence, false) => "Data confidence",
        }
    }

    /// The normalisation formula, as shown in the docs and the app's help.
    pub fn formula(self, p: &AdvisorParams, lang: Lang) -> String {
        let r_km = p.radius_m / 1000.0;
        match (self, lang.chinese()) {
            (Criterion::Proximity, false) => format!(
                "exp(−d / {:.0} km), d = ground distance from the site to the zone (0 inside)",
                p.proximity_scale_m / 1000.0
            ),
            (Criterion::Proximity, true) => format!(
                "exp(−d / {:.0} 公里)，d 为选址到集聚区的地面距离（区内为 0）",
                p.proximity_scale_m / 1000.0
            ),
            (Criterion::IndustryFit, false) => {
                "largest weight in the segment-fit table among the zone's focus industries (0 if none match or the segment is unknown)".into()
            }
            (Criterion::IndustryFit, true) => {
                "集聚区主导产业在产业匹配表中的最高权重（无匹配或领域未知为 0）".into()
            }
            (Criterion::Agglomeration, false) => format!(
                "0.5·s/(s+{s}) + 0.3·a/(a+{a}) + 0.2·c; s = same-segment firms and a = all firms within {r_km:.0} km of the zone (the firm itself excluded), c = 1 if a DBSCAN cluster overlaps the zone",
                s = p.same_segment_half, a = p.all_firms_half
            ),
            (Criterion::Agglomeration, true) => format!(
                "0.5·s/(s+{s}) + 0.3·a/(a+{a}) + 0.2·c；s 为集聚区 {r_km:.0} 公里内同领域企业数，a 为全部企业数（不含本企业），有 DBSCAN 集群与集聚区重叠时 c = 1",
                s = p.same_segment_half, a = p.all_firms_half
            ),
            (Criterion::Room, false) => format!(
                "A/(A+{:.0} km²), A = planned area stated by a source; 0 when no area is stated",
                p.room_half_km2
            ),
            (Criterion::Room, true) => format!(
                "A/(A+{:.0} 平方公里)，A 为资料所载规划面积；未载明为 0",
                p.room_half_km2
            ),
            (Criterion::Confidence, false) => {
                "1 for a boundary from the user's file, 0.6 for an approximate footprint, 0.3 for an approximate point".into()
            }
            (Criterion::Confidence, true) => "用户提供的边界为 1，近似范围为 0.6，近似点位为 0.3".into(),
        }
    }
}
