//! Plain-language explanations of a zone's score, in Chinese or English, built only from the
//! score's parts so that they can never disagree with the numbers.

use super::{Criterion, ZoneScore};
use crate::model::{GeometryQuality, Lang, Zone};

fn km(m: f64) -> String {
    if m < 1000.0 {
        format!("{:.0} m", m)
    } else {
        format!("{:.1} km", m / 1000.0)
    }
}

fn km_zh(m: f64) -> String {
    if m < 1000.0 {
        format!("{:.0} 米", m)
    } else {
        format!("{:.1} 公里", m / 1000.0)
    }
}

fn ordinal(rank: usize) -> String {
    match rank {
        1 => "first".into(),
        2 => "second".into(),
        3 => "third".into(),
        n => format!("{n}th"),
    }
}

/// The English focus entry matching a Chinese one (same position in the zone's lists).
fn focus_en<'a>(zone: &'a Zone, zh_term: &'a str) -> &'a str {
    zone.focus_zh
        .iter()
        .position(|f| f.contains(zh_term))
        .and_then(|i| zone.focus_en.get(i))
        .map(String::as_str)
        .unwrap_or(zh_term)
}

/// One sentence: the rank, then the criteria in order of their contribution, then the data
/// caveat. `segment_known` says whether the firm's segment is in the fit table.
///
/// e.g. "Z03 ranks first: 38 firms within 3 km (12 in your segment), its focus includes
/// next-gen IT, 6.2 km from your site; boundary approximate".
pub fn explain(
    score: &ZoneScore,
    rank: usize,
    zone: &Zone,
    radius_m: f64,
    segment_known: bool,
    lang: Lang,
) -> String {
    let chinese = lang.chinese();
    let mut parts: Vec<(f64, Criterion)> = score
        .parts
        .iter()
        .map(|p| (p.contribution, p.criterion))
        .collect();
    parts.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let r = radius_m / 1000.0;
    let mut clauses: Vec<String> = Vec::new();
    for (contribution, c) in parts {
        if contribution <= 0.0 && c != Criterion::IndustryFit {
            continue;
        }
        let clause = match (c, chinese) {
            (Criterion::Proximity, false) if score.inside => "your site is inside it".to_string(),
            (Criterion::Proximity, true) if score.inside => "您已在区内".to_string(),
            (Criterion::Proximity, false) => format!("{} from your site", km(score.distance_m)),
            (Criterion::Proximity, true) => format!("距您 {}", km_zh(score.distance_m)),
            (Criterion::Agglomeration, false) => {
                let mut s = format!("{} firms within {r:.0} km", score.all_near);
                if segment_known {
                    s.push_str(&format!(" ({} in your segment)", score.same_segment_near));
                }
                if score.cluster_overlap {
                    s.push_str(", a DBSCAN cluster overlaps it");
                }
                s
            }
            (Criterion::Agglomeration, true) => {
                let mut s = format!("{r:.0} 公里内有 {} 家企业", score.all_near);
                if segment_known {
                    s.push_str(&format!("（同领域 {} 家）", score.same_segment_near));
                }
                if score.cluster_overlap {
                    s.push_str("，与一个企业集群重叠");
                }
                s
            }
            (Criterion::IndustryFit, false) => match (segment_known, score.matched_focus.first()) {
                (false, _) => {
                    "industry fit unknown: your segment is not in the fit table, so it counts as neutral (0.5) here and for staying".into()
                }
                (true, Some(t)) => format!("its focus includes {}", focus_en(zone, t)),
                (true, None) => "its focus does not match your segment".into(),
            },
            (Criterion::IndustryFit, true) => match (segment_known, score.matched_focus.first()) {
                (false, _) => "产业匹配未知：企业领域不在匹配表中，此处与原址均按中性值 0.5 计".into(),
                (true, Some(t)) => format!("主导产业包括{t}"),
                (true, None) => "主导产业与您的领域不匹配".into(),
            },
            (Criterion::Room, false) => match score.area_km2 {
                Some(a) => format!("planned area {a:.2} km²"),
                None => continue,
            },
            (Criterion::Room, true) => match score.area_km2 {
                Some(a) => format!("规划面积 {a:.2} 平方公里"),
                None => continue,
            },
            (Criterion::Confidence, _) => continue,
        };
        clauses.push(clause);
    }
    let caveat = match (score.quality, chinese) {
        (GeometryQuality::ApproximateFootprint, false) => Some("boundary approximate"),
        (GeometryQuality::ApproximateFootprint, true) => Some("边界为近似"),
        (GeometryQuality::ApproximatePoint, false) => {
            Some("location approximate (centre point only)")
        }
        (GeometryQuality::ApproximatePoint, true) => Some("位置为近似点位"),
        _ => None,
    };
    let name = zone.display_name(lang);
    let head = if chinese {
        const DIGITS: [&str; 10] = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"];
        let r = match rank {
            1..=10 => DIGITS[rank - 1].to_string(),
            n => n.to_string(),
        };
        format!("{}（{}）排名第{}：", score.zone_id, name, r)
    } else {
        format!("{} ({}) ranks {}: ", score.zone_id, name, ordinal(rank))
    };
    let sep = if chinese { "，" } else { ", " };
    let mut s = head + &clauses.join(sep);
    if let Some(c) = caveat {
        s.push_str(if chinese { "；" } else { "; " });
        s.push_str(c);
    }
    s
}
