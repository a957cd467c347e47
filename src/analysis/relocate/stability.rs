//! Rank stability: how often each zone stays first / in the top 3 when the weights are
//! perturbed around the user's choice.

use serde::Serialize;

use super::{Shares, ZoneScore};
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
    let mut order: Vec<usize> = (0..m).collect();
    let mut totals = vec![0.0; m];
    for w in draws {
        for (t, s) in totals.iter_mut().zip(scores) {
            *t = w.weighted_sum(|c| s.part(c).normalised) - s.distance_cost;
        }
        order.sort_by(|&a, &b| {
            totals[b]
                .total_cmp(&totals[a])
                .then_with(|| scores[a].zone_id.cmp(&scores[b].zone_id))
        });
        if let Some(&f) = order.first() {
            first[f] += 1;
        }
        for &k in order.iter().take(3) {
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
