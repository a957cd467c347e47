//! Rank stability: how often each zone stays first / in the top 3 when the weights are
//! perturbed around the user's choice.

use serde::Serialize;

use super::{Criterion, Shares, ZoneScore};
use crate::model::Rng;

/// Share of weight draws in which a zone ranks first and in the top three.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Stability {
    pub zone_id: String,
    pub first: f64,
    pub top3: f64,
}

/// Seeded weight draws around `weights`: each weight is multiplied by exp(σ·N(0,1)) and the
/// set renormalised to sum to 1. Zero weights stay zero (a criterion the user turned off
/// stays off). Same seed, same draws.
pub fn weight_draws(weights: Shares, n: usize, seed: u64, sigma: f64) -> Vec<Shares> {
    let mut rng = Rng::new(seed);
    (0..n)
        .map(|_| weights.scaled(|_| (sigma * rng.normal()).exp()))
        .collect()
}

/// For each scored zone (in the order given), the share of `draws` in which it ranks first
/// and in the top three. Ties go to the lower zone id, as in the main ranking.
///
/// ```
/// use cluster_atlas::analysis::relocate::{Shares, stability::weight_draws, stability};
/// let draws = weight_draws(Shares::equal(), 100, 1, 0.35);
/// assert_eq!(draws.len(), 100);
/// assert!(draws.iter().all(|w| (w.sum() - 1.0).abs() < 1e-12));
/// assert!(stability(&[], &draws).is_empty());
/// ```
pub fn stability(scores: &[ZoneScore], draws: &[Shares]) -> Vec<Stability> {
    let m = scores.len();
    let mut first = vec![0usize; m];
    let mut top3 = vec![0usize; m];
    // Each zone's place in zone-id order (stable for repeated ids): ties compare numbers.
    let mut by_id: Vec<usize> = (0..m).collect();
    by_id.sort_by(|&a, &b| scores[a].zone_id.cmp(&scores[b].zone_id));
    let mut id_rank = vec![0usize; m];
    for (r, &k) in by_id.iter().enumerate() {
        id_rank[k] = r;
    }
    // The zones' normalised parts side by side, in criterion order (each draw reads them all).
    let parts: Vec<[f64; 5]> = scores
        .iter()
        .map(|s| Criterion::ALL.map(|c| s.part(c).normalised))
        .collect();
    let mut totals = vec![0.0; m];
    for w in draws {
        let shares = Criterion::ALL.map(|c| w.get(c));
        for ((t, s), p) in totals.iter_mut().zip(scores).zip(&parts) {
            // Summed as `Shares::weighted_sum` sums, so the totals are the same to the bit.
            *t = shares.iter().zip(p).map(|(w, v)| w * v).sum::<f64>() - s.distance_cost;
        }
        // Whether zone a ranks before zone b: the higher total, then the lower id.
        let ahead = |a: usize, b: usize| {
            totals[b]
                .total_cmp(&totals[a])
                .then(id_rank[a].cmp(&id_rank[b]))
                .is_lt()
        };
        let (top, len) = best_three(m, ahead);
        let top = top.get(..len).unwrap_or_default();
        if let Some(&f) = top.first() {
            first[f] += 1;
        }
        for &k in top {
            top3[k] += 1;
        }
    }
    let n = draws.len().max(1) as f64;
    scores
        .iter()
        .enumerate()
        .map(|(k, s)| Stability {
            zone_id: s.zone_id.clone(),
            first: first[k] as f64 / n,
            top3: top3[k] as f64 / n,
        })
        .collect()
}

/// The first three of `0..m` (fewer when m is) in the order `ahead` gives (a strict total
/// order), best first: the top of a sort without sorting the rest or allocating (it runs
/// 1,000 times a site).
fn best_three(m: usize, ahead: impl Fn(usize, usize) -> bool) -> ([usize; 3], usize) {
    let (mut top, mut len) = ([0usize; 3], 0);
    for k in 0..m {
        let at = (0..len).find(|&j| ahead(k, top[j])).unwrap_or(len);
        if at < 3 {
            // Move the ones after `at` down one place (the third falls off).
            for j in (at + 1..3.min(len + 1)).rev() {
                top[j] = top[j - 1];
            }
            top[at] = k;
            len = 3.min(len + 1);
        }
    }
    (top, len)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::relocate::Part;

    /// The stability as it was counted before: every draw's zones sorted in full (the oracle).
    fn sorted_stability(scores: &[ZoneScore], draws: &[Shares]) -> Vec<(usize, usize)> {
        let m = scores.len();
        let mut counts = vec![(0, 0); m];
        let mut order: Vec<usize> = (0..m).collect();
        for w in draws {
            let totals: Vec<f64> = scores
                .iter()
                .map(|s| w.weighted_sum(|c| s.part(c).normalised) - s.distance_cost)
                .collect();
            order.sort_by(|&a, &b| {
                totals[b]
                    .total_cmp(&totals[a])
                    .then_with(|| scores[a].zone_id.cmp(&scores[b].zone_id))
            });
            if let Some(&f) = order.first() {
                counts[f].0 += 1;
            }
            for &k in order.iter().take(3) {
                counts[k].1 += 1;
            }
        }
        counts
    }

    fn score(id: String, parts: [f64; 5], cost: f64) -> ZoneScore {
        ZoneScore {
            zone: 0,
            zone_id: id,
            total: 0.0,
            parts: std::array::from_fn(|k| Part {
                criterion: Criterion::ALL[k],
                raw: 0.0,
                normalised: parts[k],
                weight: 0.0,
                contribution: 0.0,
            }),
            distance_cost: cost,
            distance_m: 0.0,
            inside: false,
            same_segment_near: 0,
            all_near: 0,
            cluster_overlap: false,
            matched_focus: Vec::new(),
            area_km2: None,
            quality: crate::model::GeometryQuality::default(),
            approximate: false,
        }
    }

    /// Random zones (0 to 16) with tied totals, repeated ids, NaN and infinite parts: the
    /// counts equal full sorts'.
    #[test]
    fn the_first_three_are_those_of_a_full_sort() {
        let mut rng = Rng::new(41);
        let draws = weight_draws(Shares::equal(), 300, 7, 0.35);
        for round in 0..200 {
            let m = round % 17;
            let scores: Vec<ZoneScore> = (0..m)
                .map(|_| {
                    // Few distinct values, so totals and ids tie often.
                    let mut v = || match (rng.uniform() * 12.0) as u32 {
                        0 => f64::NAN,
                        1 => f64::INFINITY,
                        k => f64::from(k % 3) / 2.0,
                    };
                    let parts = [v(), v(), v(), v(), v()];
                    let id = format!("Z{}", (rng.uniform() * 5.0) as u32);
                    score(id, parts, f64::from((rng.uniform() * 2.0) as u32) / 4.0)
                })
                .collect();
            let n = draws.len() as f64;
            let got: Vec<(usize, usize)> = stability(&scores, &draws)
                .iter()
                .map(|s| {
                    (
                        (s.first * n).round() as usize,
                        (s.top3 * n).round() as usize,
                    )
                })
                .collect();
            assert_eq!(got, sorted_stability(&scores, &draws), "round {round}");
        }
    }
}
