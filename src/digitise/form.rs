//! What a drawn zone says about itself: name, batch, district, focus industries, planned area
//! and — required — the document, page and date it was drawn from.

use serde_json::{Value, json};

use crate::model::{Batch, GeometryQuality, Zone, ZoneGeometry, ZoneStatus};

/// Where a digitised boundary comes from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DigitisedSource {
    /// The plan or letter, e.g. "龙华区九龙山未来产业集聚区规划（2018）".
    pub document: String,
    /// Page or map sheet.
    pub page: String,
    /// Date of the document (YYYY-MM-DD, YYYY-MM or YYYY).
    pub date: String,
}

impl DigitisedSource {
    /// The one-line credit written into the zone's sources.
    pub fn credit(&self) -> String {
        format!(
            "digitised in cluster-atlas from {}, p. {} ({})",
            self.document.trim(),
            self.page.trim(),
            self.date.trim()
        )
    }

    /// The source as the zone's `digitised_from` property.
    pub fn to_json(&self) -> Value {
        json!({"document": self.document.trim(), "page": self.page.trim(), "date": self.date.trim()})
    }

    /// Reads a zone's `digitised_from` property.
    pub fn of_zone(z: &Zone) -> Option<Self> {
        let v = z.properties.get("digitised_from")?;
        let s = |k: &str| {
            v.get(k)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        Some(Self {
            document: s("document"),
            page: s("page"),
            date: s("date"),
        })
    }
}

/// The form of *Draw zone…*.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ZoneForm {
    pub name_zh: String,
    pub name_en: String,
    pub batch: Option<Batch>,
    pub district_zh: String,
    /// Focus industries, separated by commas or 、.
    pub focus: String,
    /// Planned area as the source states it, km² (empty: not stated).
    pub planned_km2: String,
    pub source: DigitisedSource,
}

/// A date as sources write it: YYYY, YYYY-MM or YYYY-MM-DD (also with / or .).
fn plausible_date(s: &str) -> bool {
    let parts: Vec<&str> = s.trim().split(['-', '/', '.']).collect();
    let num = |p: &str, lo: u32, hi: u32| p.parse::<u32>().is_ok_and(|v| (lo..=hi).contains(&v));
    match parts.as_slice() {
        [y] => y.len() == 4 && num(y, 1980, 2100),
        [y, m] => y.len() == 4 && num(y, 1980, 2100) && num(m, 1, 12),
        [y, m, d] => y.len() == 4 && num(y, 1980, 2100) && num(m, 1, 12) && num(d, 1, 31),
        _ => false,
    }
}

impl ZoneForm {
    /// The form of an existing zone (its stated facts and any recorded source).
    pub fn of_zone(z: &Zone) -> Self {
        Self {
            name_zh: z.name_zh.clone().unwrap_or_default(),
            name_en: z.name_en.clone().unwrap_or_default(),
            batch: z.batch,
            district_zh: z.district_zh.clone().unwrap_or_default(),
            focus: z.focus_zh.join("、"),
            planned_km2: z.area_km2.map(|a| a.to_string()).unwrap_or_default(),
            source: DigitisedSource::of_zone(z).unwrap_or_default(),
        }
    }

    /// The planned area, when given and a positive number.
    pub fn planned_area(&self) -> Option<f64> {
        self.planned_km2
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|a| a.is_finite() && *a > 0.0)
    }

    /// What is missing before the zone can be saved (empty: ready), in the user's language.
    pub fn missing(&self, lang: crate::model::Lang) -> Vec<String> {
        let mut out = Vec::new();
        if self.name_zh.trim().is_empty() && self.name_en.trim().is_empty() {
            out.push(lang.pick("名称", "a name"));
        }
        if self.source.document.trim().is_empty() {
            out.push(lang.pick("来源文件", "the source document"));
        }
        if self.source.page.trim().is_empty() {
            out.push(lang.pick("页码", "the page"));
        }
        if !plausible_date(&self.source.date) {
            out.push(lang.pick(
                "来源日期（如 2018-06-01）",
                "the source's date (e.g. 2018-06-01)",
            ));
        }
        if !self.planned_km2.trim().is_empty() && self.planned_area().is_none() {
            out.push(lang.pick("规划面积须为正数", "the planned area as a positive number"));
        }
        out
    }

    /// The zone this form describes with the drawn polygon: an existing slot's id (its other
    /// properties kept) or a new one.
    pub fn to_zone(&self, base: Option<&Zone>, id: &str, polygon: geo::MultiPolygon<f64>) -> Zone {
        let mut z = base.cloned().unwrap_or_default();
        let text = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        z.id = id.to_string();
        z.name_zh = text(&self.name_zh);
        z.name_en = text(&self.name_en);
        z.batch = self.batch;
        z.year = self.batch.map(|b| match b {
            Batch::Future2017 => 2017,
            Batch::Emerging2018 => 2018,
        });
        z.district_zh = text(&self.district_zh);
        z.focus_zh = self
            .focus
            .split([',', '，', '、', ';', '；'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect();
        z.area_km2 = self.planned_area();
        z.status = Some(if z.batch.is_some() {
            ZoneStatus::Identified
        } else {
            ZoneStatus::IdentifiedBatchUnknown
        });
        z.geometry = ZoneGeometry::Area(polygon);
        z.quality = GeometryQuality::Digitised;
        let credit = self.source.credit();
        z.sources
            .retain(|s| !s.starts_with("digitised in cluster-atlas from"));
        z.sources.push(credit.clone());
        z.properties
            .insert("digitised_from".into(), self.source.to_json());
        z.properties.insert(
            "geometry_note".into(),
            Value::String(format!("boundary {credit}")),
        );
        z
    }
}
