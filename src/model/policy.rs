//! Policy facts from the seed letter and the segment ↔ zone-focus table the advisor uses.

use serde::{Deserialize, Serialize};

/// Where a policy fact comes from: document, line and a verbatim quote.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PolicySource {
    pub document: String,
    pub line: usize,
    pub quote: String,
}

/// What a policy item is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PolicyKind {
    Programme,
    ZoneFact,
    Renovation,
    ProcedureStep,
    Reference,
}

/// One fact, in Chinese and English, with its source.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PolicyItem {
    pub id: String,
    pub kind: PolicyKind,
    pub zh: String,
    pub en: String,
    pub source: PolicySource,
    /// Zone ids the fact is about (empty = all zones).
    #[serde(default)]
    pub zones: Vec<String>,
    /// Position in the renovation procedure (1–9) for procedure steps.
    #[serde(default)]
    pub step: Option<u8>,
}

impl PolicyItem {
    /// The fact in the chosen language (Chinese for both).
    pub fn text(&self, lang: super::Lang) -> &str {
        lang.one(&self.zh, &self.en)
    }
}

/// All policy items plus the template for naming a district's renewal office.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Policy {
    #[serde(default)]
    pub about: String,
    pub district_office_zh: String,
    pub district_office_en: String,
    pub items: Vec<PolicyItem>,
}

impl Policy {
    /// Items that apply to a target zone: every programme, the zone facts about it (or about
    /// all zones), the renovation notes and references, and the procedure steps in order.
    pub fn for_zone(&self, zone_id: &str) -> Vec<&PolicyItem> {
        let mut v: Vec<&PolicyItem> = self
            .items
            .iter()
            .filter(|i| i.zones.is_empty() || i.zones.iter().any(|z| z == zone_id))
            .collect();
        v.sort_by_key(|i| {
            let k = match i.kind {
                PolicyKind::ZoneFact => 0,
                PolicyKind::Programme => 1,
                PolicyKind::Renovation => 2,
                PolicyKind::ProcedureStep => 3,
                PolicyKind::Reference => 4,
            };
            (k, i.step.unwrap_or(0))
        });
        v
    }

    /// The nine renovation steps in order.
    pub fn procedure(&self) -> Vec<&PolicyItem> {
        let mut v: Vec<&PolicyItem> = self
            .items
            .iter()
            .filter(|i| i.kind == PolicyKind::ProcedureStep)
            .collect();
        v.sort_by_key(|i| i.step.unwrap_or(0));
        v
    }

    /// The renewal office of a district, e.g. 南山区城市更新和土地整备局.
    pub fn district_office(&self, district_zh: Option<&str>, lang: super::Lang) -> String {
        let d = district_zh.unwrap_or(lang.one("所在区", "the district's"));
        lang.one(&self.district_office_zh, &self.district_office_en)
            .replace("{district}", d)
    }
}

/// A focus term and how well it fits a segment (0..1).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FitTerm {
    pub zh: String,
    #[serde(default)]
    pub en: String,
    pub weight: f64,
}

/// One segment's labels, aliases and fitting focus terms.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SegmentFit {
    pub key: String,
    pub label_zh: String,
    pub label_en: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    pub fits: Vec<FitTerm>,
}

/// The editable segment ↔ zone-focus table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FitTable {
    #[serde(default)]
    pub about: String,
    pub segments: Vec<SegmentFit>,
}

impl FitTable {
    /// The table entry for a segment name, matched on key, labels or aliases (case-insensitive).
    pub fn segment(&self, name: &str) -> Option<&SegmentFit> {
        let n = name.trim().to_lowercase();
        if n.is_empty() {
            return None;
        }
        self.segments.iter().find(|s| {
            s.key.to_lowercase() == n
                || s.label_zh == name.trim()
                || s.label_en.to_lowercase() == n
                || s.aliases.iter().any(|a| a.to_lowercase() == n)
        })
    }

    /// The names among `names` the table does not know, in their order (blank ones left
    /// out): grey on the map and a neutral industry fit in the advice.
    pub fn unknown<'a>(&self, names: &'a [String]) -> Vec<&'a str> {
        names
            .iter()
            .map(String::as_str)
            .filter(|n| !n.trim().is_empty() && self.segment(n).is_none())
            .collect()
    }

    /// A segment name's labels (Chinese, English) as lists and legends show it: the table's
    /// labels when it knows the name, "（空白）" / "(blank)" for a blank one, else the name.
    pub fn labels_of(&self, name: &str) -> (String, String) {
        match (self.segment(name), name.trim().is_empty()) {
            (Some(s), _) => (s.label_zh.clone(), s.label_en.clone()),
            (None, true) => ("（空白）".to_string(), "(blank)".to_string()),
            (None, false) => (name.to_string(), name.to_string()),
        }
    }

    /// Display label of a segment name in the chosen language (the name itself if unknown).
    pub fn label<'a>(&'a self, name: &'a str, lang: super::Lang) -> &'a str {
        match self.segment(name) {
            Some(s) => lang.one(&s.label_zh, &s.label_en),
            None => name,
        }
    }

    /// Best fit (0..1) of a segment with a zone's focus lists, and the focus entries that
    /// matched it (as written in the zone's focus list).
    pub fn fit(
        &self,
        segment: &SegmentFit,
        focus_zh: &[String],
        focus_en: &[String],
    ) -> (f64, Vec<String>) {
        let mut best = 0.0f64;
        let mut matched = Vec::new();
        for term in &segment.fits {
            let zh_hit = focus_zh
                .iter()
                .find(|f| !term.zh.is_empty() && f.contains(&term.zh));
            let en_hit = focus_en.iter().find(|f| {
                !term.en.is_empty() && f.to_lowercase().contains(&term.en.to_lowercase())
            });
            if zh_hit.is_some() || en_hit.is_some() {
                if term.weight > best {
                    best = term.weight;
                    matched.insert(0, term.zh.clone());
                } else {
                    matched.push(term.zh.clone());
                }
            }
        }
        (best.clamp(0.0, 1.0), matched)
    }
}
