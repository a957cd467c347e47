//! Staying put as the baseline: the firm's own site scored on the same criteria as a target
//! (no move, so full proximity and no distance cost; fit and room only where the site lies in a
//! zone), the cost of distance beyond a commuting radius, and the gain of each target over
//! staying that decides whether it is recommended.

use serde::Serialize;

use super::{Advisor, AdvisorParams, Criterion, Part, RankedZone, Site, ZoneScore};
use crate::model::Xy;

/// The current site's score, on the same criteria and weights as the targets.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SiteScore {
    pub total: f64,
    pub parts: [Part; 5],
    /// The zone the site lies in (its industry fit and room count for staying), by id.
    pub zone_id: Option<String>,
    /// Firms of the site's segment and all firms within the advisor radius of the site (the
    /// firm itself left out), and whether a DBSCAN cluster has a member there.
    pub same_segment_near: usize,
    pub all_near: usize,
    pub cluster_near: bool,
}

/// The cost of moving `d` metres on the score's 0–1 scale: nothing within the commuting
/// radius R (proximity already falls with distance there), then `distance_cost × ((d − R)/R)²`,
/// so a move to twice the radius costs `distance_cost` and to three times costs four times as
/// much: staff and suppliers are lost steeply once a move leaves commuting range.
///
/// ```
/// use cluster_atlas::analysis::relocate::{AdvisorParams, baseline::distance_cost};
/// let p = AdvisorParams::default(); // R = 15 km, cost 0.3 at 30 km
/// assert_eq!(distance_cost(10_000.0, &p), 0.0);
/// assert!((distance_cost(30_000.0, &p) - 0.3).abs() < 1e-12);
/// assert!((distance_cost(45_000.0, &p) - 1.2).abs() < 1e-12);
/// ```
pub fn distance_cost(d: f64, p: &AdvisorParams) -> f64 {
    let r = p.commute_radius_m;
    if !(d > r && r > 0.0) {
        return 0.0;
    }
    let x = (d - r) / r;
    p.distance_cost * x * x
}

impl Advisor<'_> {
    /// Scores staying at `site` (at plane point `xy`); `scores` are the site's target scores,
    /// which say which zone (if any) the site lies in.
    pub fn current_site(&self, site: &Site, xy: Xy, scores: &[ZoneScore]) -> SiteScore {
        let p = &self.params;
        let home = scores
            .iter()
            .filter(|s| s.inside)
            .min_by(|a, b| a.zone_id.cmp(&b.zone_id));
        let (same, all, cluster_near) = self.around(site, xy);
        let (s, a) = (same as f64, all as f64);
        let agglo = 0.5 * s / (s + p.same_segment_half)
            + 0.3 * a / (a + p.all_firms_half)
            + 0.2 * f64::from(u8::from(cluster_near));
        let known = site
            .segment
            .as_deref()
            .and_then(|s| self.segment_fit(s))
            .is_some();
        let fit = match home {
            _ if !known => super::UNKNOWN_FIT,
            Some(h) => h.part(Criterion::IndustryFit).normalised,
            None => 0.0,
        };
        let room = home.map_or(0.0, |h| h.part(Criterion::Room).normalised);
        let area = home.and_then(|h| h.area_km2).unwrap_or(0.0);
        let raws = [0.0, fit, agglo, area, 1.0];
        let norms = [1.0, fit, agglo, room, 1.0];
        let (parts, total) = self.weigh(raws, norms);
        SiteScore {
            total,
            parts,
            zone_id: home.map(|h| h.zone_id.clone()),
            same_segment_near: same,
            all_near: all,
            cluster_near,
        }
    }

    /// The least staying can score: proximity and confidence are always 1, and an unknown
    /// segment has a neutral fit; agglomeration, room and a known fit only add to it.
    pub fn staying_floor(&self, site: &Site) -> f64 {
        let known = site
            .segment
            .as_deref()
            .and_then(|s| self.segment_fit(s))
            .is_some();
        let w = |c| self.weights.get(c);
        let fit = if known { 0.0 } else { super::UNKNOWN_FIT };
        w(Criterion::Proximity) + w(Criterion::Confidence) + w(Criterion::IndustryFit) * fit
    }

    /// Firms of the site's segment and all firms within the radius of `xy` (the firm itself
    /// left out), and whether a clustered firm is among them (or the firm is clustered).
    fn around(&self, site: &Site, xy: Xy) -> (usize, usize, bool) {
        // The segment ids of the dataset that mean the site's segment.
        let same_ids = self.same_segment_ids(site.segment.as_deref());
        let clustered = |i: usize| self.labels.get(i).is_some_and(|l| *l >= 0);
        if let Some(grid) = self.neighbour_grid() {
            let c = grid.count(
                self.index,
                xy,
                self.params.radius_m,
                &same_ids,
                &self.firms.segment,
                &clustered,
            );
            // The firm itself is counted (it is at distance 0): leave it out.
            let own_same = site.firm.is_some_and(|i| {
                let s = self.firms.segment.get(i).map(|s| *s as usize);
                s.and_then(|s| same_ids.get(s)).copied().unwrap_or(false)
            });
            let own = usize::from(site.firm.is_some());
            return (
                c.same - usize::from(own_same).min(c.same),
                c.all - own.min(c.all),
                c.clustered > 0,
            );
        }
        let mut cluster_near = site.firm.is_some_and(clustered);
        let (mut same, mut all) = (0, 0);
        self.index.visit_within(xy, self.params.radius_m, |j| {
            let j = j as usize;
            if Some(j) == site.firm {
                return;
            }
            all += 1;
            let sid = self.firms.segment.get(j).map(|s| *s as usize);
            if sid.and_then(|s| same_ids.get(s)).copied().unwrap_or(false) {
                same += 1;
            }
            cluster_near |= clustered(j);
        });
        (same, all, cluster_near)
    }
}

/// Firms from which the counting grid pays for its building (fewer: visit the firms).
const GRID_MIN_FIRMS: usize = 20_000;

impl Advisor<'_> {
    /// The counting grid, built on first use when there are many firms.
    pub(super) fn neighbour_grid(&self) -> Option<&crate::index::NeighbourGrid> {
        if self.firms.len() < GRID_MIN_FIRMS {
            return None;
        }
        (self.ctx.memo.grid)
            .get_or_init(|| {
                let labels = self.labels;
                crate::index::NeighbourGrid::build(
                    self.index,
                    &self.firms.segment,
                    self.firms.segments.len(),
                    &|i| labels.get(i).is_some_and(|l| *l >= 0),
                    self.params.radius_m,
                )
            })
            .as_ref()
    }
}

/// A target's gain over staying: its score less the distance cost less the current site's.
pub fn gain(target: &ZoneScore, current: &SiteScore) -> f64 {
    target.total - target.distance_cost - current.total
}

/// One sentence each in Chinese and English: the best advised move and its gain, or why
/// staying is better (what the site already has, and what the best target offers after its
/// distance cost). Scores are shown on a 0–100 scale, as in the window.
pub fn verdict(current: &SiteScore, ranked: &[RankedZone], adv: &Advisor) -> (String, String) {
    let pts = |x: f64| x * 100.0;
    let r_km = adv.params.radius_m / 1000.0;
    if let Some(best) = ranked.iter().find(|r| r.recommended) {
        let id = &best.score.zone_id;
        return (
            format!(
                "建议迁往 {id}：扣除距离成本后比留在原址高 {:.1} 分（原址 {:.1} 分）",
                pts(best.gain_vs_current),
                pts(current.total)
            ),
            format!(
                "Moving to {id} is advised: {:.1} points more than staying after the distance \
                 cost (your site scores {:.1})",
                pts(best.gain_vs_current),
                pts(current.total)
            ),
        );
    }
    let (same, all) = (current.same_segment_near, current.all_near);
    let (mut here_zh, mut here_en) = (
        format!("原址 {r_km:.0} 公里内已有 {all} 家企业（同领域 {same} 家）"),
        format!("your site already has {all} firms within {r_km:.0} km ({same} in your segment)"),
    );
    if current.cluster_near {
        here_zh.push_str("，身处企业集群");
        here_en.push_str(" and sits in a DBSCAN cluster");
    }
    let Some(best) = ranked.first() else {
        return (
            format!("建议留在原址：没有可比较的集聚区；{here_zh}"),
            format!("Staying is better: no zone to compare; {here_en}"),
        );
    };
    let s = &best.score;
    let km = s.distance_m / 1000.0;
    let net = pts(s.total - s.distance_cost);
    (
        format!(
            "建议留在原址（{:.1} 分）：{here_zh}；最好的目标 {} 距此 {km:.1} 公里，扣除距离成本 {:.1} 分后为 {net:.1} 分",
            pts(current.total),
            s.zone_id,
            pts(s.distance_cost)
        ),
        format!(
            "Staying is better ({:.1} points): {here_en}; the best target, {}, {km:.1} km away, \
             scores {net:.1} after a distance cost of {:.1}",
            pts(current.total),
            s.zone_id,
            pts(s.distance_cost)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_distance_cost_is_zero_inside_the_radius_and_grows_monotonically_beyond() {
        let p = AdvisorParams::default();
        let mut last = 0.0;
        for k in 0..=200 {
            let d = k as f64 * 500.0;
            let c = distance_cost(d, &p);
            assert!(c >= last, "{d}: {c} < {last}");
            if d <= p.commute_radius_m {
                assert_eq!(c, 0.0);
            }
            last = c;
        }
        let zero = AdvisorParams {
            distance_cost: 0.0,
            ..p
        };
        assert_eq!(distance_cost(90_000.0, &zero), 0.0);
    }
}
