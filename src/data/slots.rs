//! Official zone files fill the 15 slots: each feature of a user's zone file is matched to a
//! slot by its Chinese name (tolerant of 深圳市/区/集聚区/未来产业/新兴产业 and brackets), the
//! user confirms or corrects the matches, and each matched slot takes the file's geometry
//! (`geometry_quality = from_file`, the file named as its source).

use serde::{Deserialize, Serialize};

use crate::model::{GeometryQuality, Zone, ZoneStatus};

/// Which file feature fills which slot (slot index → feature index), with how sure the match
/// is. Kept with the project so a reopened project fills the same slots.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SlotMatches {
    /// One entry per slot, in slot order.
    pub slots: Vec<SlotMatch>,
}

/// One slot's match.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SlotMatch {
    pub slot_id: String,
    /// Index of the file's zone, None when no feature fills this slot.
    pub feature: Option<usize>,
    /// 0–1: 1 for the same name after normalising, less for partial likeness; 1 for a match
    /// the user set.
    pub score: f64,
    /// Set or confirmed by the user (not only proposed).
    pub confirmed: bool,
}

/// Words that vary between sources and carry no identity.
const NOISE: &[&str] = &[
    "深圳市",
    "深圳",
    "未来产业集聚区",
    "新兴产业集聚区",
    "产业集聚区",
    "集聚区",
    "未来产业",
    "新兴产业",
    "产业园区",
    "产业园",
    "园区",
    "片区",
    "区",
];

/// A name reduced to what identifies it: brackets' contents dropped (former names), noise
/// words and spaces removed.
pub fn normalise_name(s: &str) -> String {
    let mut out = String::new();
    let mut depth = 0usize;
    for c in s.chars() {
        match c {
            '(' | '（' | '[' | '【' => depth += 1,
            ')' | '）' | ']' | '】' => depth = depth.saturating_sub(1),
            _ if depth == 0 && !c.is_whitespace() && c != '·' && c != '-' => out.push(c),
            _ => {}
        }
    }
    for n in NOISE {
        out = out.replace(n, "");
    }
    out.to_lowercase()
}

/// Likeness of two names, 0–1: 1 when equal after normalising, 0.9 when one contains the
/// other, else the Dice coefficient of their character pairs.
pub fn name_likeness(a: &str, b: &str) -> f64 {
    let (a, b) = (normalise_name(a), normalise_name(b));
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    if a == b {
        return 1.0;
    }
    if a.contains(&b) || b.contains(&a) {
        return 0.9;
    }
    let pairs = |s: &str| {
        let c: Vec<char> = s.chars().collect();
        c.windows(2).map(|w| (w[0], w[1])).collect::<Vec<_>>()
    };
    let (pa, pb) = (pairs(&a), pairs(&b));
    if pa.is_empty() || pb.is_empty() {
        return 0.0;
    }
    let common = pa.iter().filter(|p| pb.contains(p)).count();
    2.0 * common as f64 / (pa.len() + pb.len()) as f64
}

/// Every name a zone goes by (Chinese, English, the research file's `aka_zh`).
fn names(z: &Zone) -> Vec<String> {
    let mut v: Vec<String> = [z.name_zh.clone(), z.name_en.clone()]
        .into_iter()
        .flatten()
        .collect();
    if let Some(aka) = z.properties.get("aka_zh").and_then(|a| a.as_str()) {
        v.push(aka.split(['(', '（']).next().unwrap_or(aka).to_string());
    }
    v
}

/// Matches below this likeness are not proposed.
pub const MIN_LIKENESS: f64 = 0.5;

/// Proposes one feature per slot, best pairs first, each feature used once. Unidentified slots
/// (no name) are left for the user to fill by hand.
pub fn propose(slots: &[Zone], file: &[Zone]) -> SlotMatches {
    let mut pairs: Vec<(f64, usize, usize)> = Vec::new();
    for (si, s) in slots.iter().enumerate() {
        for (fi, f) in file.iter().enumerate() {
            let best = names(s)
                .iter()
                .flat_map(|a| names(f).into_iter().map(move |b| name_likeness(a, &b)))
                .fold(0.0, f64::max);
            if best >= MIN_LIKENESS {
                pairs.push((best, si, fi));
            }
        }
    }
    pairs.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    let mut out = SlotMatches {
        slots: slots
            .iter()
            .map(|s| SlotMatch {
                slot_id: s.id.clone(),
                ..Default::default()
            })
            .collect(),
    };
    let mut used = vec![false; file.len()];
    for (score, si, fi) in pairs {
        if out.slots[si].feature.is_none() && !used[fi] {
            out.slots[si].feature = Some(fi);
            out.slots[si].score = score;
            used[fi] = true;
        }
    }
    out
}

/// The 15 slots with every matched slot's geometry taken from the file (`from_file`, the file
/// named as a source); other slots unchanged.
pub fn fill(slots: &[Zone], file: &[Zone], matches: &SlotMatches, file_name: &str) -> Vec<Zone> {
    slots
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let Some(f) = matches
                .slots
                .get(i)
                .and_then(|m| m.feature)
                .and_then(|fi| file.get(fi))
            else {
                return s.clone();
            };
            let mut z = s.clone();
            z.geometry = f.geometry.clone();
            z.quality = GeometryQuality::FromFile;
            if z.name_zh.is_none() {
                z.name_zh = f.name_zh.clone();
            }
            if z.status == Some(ZoneStatus::Unidentified) || z.status.is_none() {
                z.status = Some(ZoneStatus::Identified);
            }
            z.sources
                .insert(0, format!("geometry from {file_name} (feature {})", f.id));
            // The research file's notes on how the approximate geometry was made no longer
            // apply.
            for k in [
                "geometry_note",
                "footprint_radius_m",
                "centre_lon",
                "centre_lat",
                "centre_method",
                "centre_confidence_m",
            ] {
                z.properties.remove(k);
            }
            z.properties.insert(
                "geometry_note".into(),
                serde_json::Value::String(format!(
                    "boundary from {file_name} (feature {}), matched to this slot by name",
                    f.id
                )),
            );
            z.properties.insert(
                "geometry_source".into(),
                serde_json::Value::String(format!("{file_name}#{}", f.id)),
            );
            z
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zone(id: &str, name: &str) -> Zone {
        Zone {
            id: id.into(),
            name_zh: Some(name.into()),
            ..Default::default()
        }
    }

    #[test]
    fn names_match_across_suffixes_brackets_and_the_city_prefix() {
        assert_eq!(
            name_likeness(
                "龙华高新区未来产业集聚区（原观澜高新园未来产业集聚区）",
                "深圳市龙华高新区"
            ),
            1.0
        );
        assert_eq!(name_likeness("南山区留仙洞未来产业集聚区", "留仙洞"), 0.9);
        assert!(name_likeness("大鹏坝光国际生物谷未来产业集聚区", "坝光生物谷") >= 0.5);
        assert!(name_likeness("龙岗区阿波罗未来产业集聚区", "大鹏坝光") < 0.5);
        assert_eq!(name_likeness("", "x"), 0.0);
    }

    #[test]
    fn proposals_are_one_to_one_and_best_first() {
        let slots = vec![
            zone("Z01", "龙岗区阿波罗未来产业集聚区"),
            zone("Z02", "南山区留仙洞未来产业集聚区"),
            zone("Z03", "龙华高新区未来产业集聚区"),
            Zone {
                id: "Z09".into(),
                status: Some(ZoneStatus::Unidentified),
                ..Default::default()
            },
        ];
        let file = vec![
            zone("a", "留仙洞片区"),
            zone("b", "阿波罗未来产业城"),
            zone("c", "某新区"),
        ];
        let m = propose(&slots, &file);
        assert_eq!(m.slots[0].feature, Some(1));
        assert_eq!(m.slots[1].feature, Some(0));
        assert_eq!(m.slots[2].feature, None);
        assert_eq!(m.slots[3].feature, None);
        let filled = fill(&slots, &file, &m, "official.shp");
        assert_eq!(filled[0].quality, GeometryQuality::FromFile);
        assert!(filled[0].sources[0].contains("official.shp"));
        assert_eq!(filled[2].quality, slots[2].quality);
        assert_eq!(filled.len(), 4);
    }
}
