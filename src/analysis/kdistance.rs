//! The k-distance curve used to choose DBSCAN's eps, and a suggested eps at its knee.

use serde::{Deserialize, Serialize};

use crate::model::Xy;

/// Sorted k-th-neighbour distances (largest first) and the knee of the curve.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct KDistance {
    /// k = min_pts − 1 other points, i.e. min_pts counting the point itself.
    pub k: usize,
    /// Distances in metres, largest first, thinned to at most [`MAX_CURVE_POINTS`] values.
    pub distances_m: Vec<f64>,
    /// How many points the curve was computed from.
    pub n: usize,
    /// Distance at the knee (largest distance from the chord of the curve; of its positive
    /// part when it has one, so firms stacked on shared geocodes do not make it 0 m).
    pub suggested_eps_m: f64,
}

pub const MAX_CURVE_POINTS: usize = 2000;

/// At most this many points are measured for the curve.
pub const MAX_SAMPLE: usize = 200_000;

/// The k-distance curve for DBSCAN with `min_pts` (counting the point itself).
///
/// ```
/// use cluster_atlas::analysis::kdistance::k_distance;
/// use cluster_atlas::model::Xy;
/// let mut pts: Vec<Xy> = (0..100).map(|i| Xy::new((i % 10) as f64 * 10.0, (i / 10) as f64 * 10.0)).collect();
/// pts.extend((0..10).map(|i| Xy::new(5000.0 + i as f64 * 900.0, 0.0)));
/// let kd = k_distance(&pts, 2);
/// assert_eq!(kd.k, 1);
/// assert!(kd.distances_m[0] >= kd.distances_m[kd.distances_m.len() - 1]);
/// // The knee sits at the dense grid's spacing, not at the sparse line's 900 m.
/// assert!(kd.suggested_eps_m >= 10.0 && kd.suggested_eps_m < 20.0, "{}", kd.suggested_eps_m);
/// ```
pub fn k_distance(points: &[Xy], min_pts: usize) -> KDistance {
    let k = min_pts.saturating_sub(1).max(1);
    k_distance_in(
        &super::nearest::NeighbourSearch::new(points, k),
        points.len(),
        min_pts,
    )
}

/// [`k_distance`] with the neighbour grids of the `n` points already built.
pub fn k_distance_in(
    search: &super::nearest::NeighbourSearch,
    n: usize,
    min_pts: usize,
) -> KDistance {
    let k = min_pts.saturating_sub(1).max(1);
    // A sample spread over the file is enough for the curve's shape (and its knee).
    let step = n.div_ceil(MAX_SAMPLE).max(1);
    // Every point: the pass over the finest grid's cells (as Clark–Evans's), which answers
    // most points from their 3×3 block; a sample: one search per sampled point.
    let all = if step == 1 {
        super::nearest::kth_neighbour_distances_in(search, k)
    } else {
        super::nearest::kth_neighbour_distances_of_in(search, &sample(n, step), k)
    };
    curve_of(all, k)
}

/// One point from each run of `step` (the last run may be shorter), at a place within the
/// run that varies from run to run: every `step`-th point would see only one kind of row of
/// a file whose rows repeat with that period (e.g. every fifth firm geocoded to a district's
/// centre). Deterministic: the place comes from a hash of the run's number.
fn sample(n: usize, step: usize) -> Vec<u32> {
    (0..n.div_ceil(step))
        .map(|run| {
            let start = run * step;
            let len = step.min(n - start) as u64;
            let mut h = (run as u64).wrapping_add(0x9E37_79B9_7F4A_7C15);
            h = (h ^ (h >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            h = (h ^ (h >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            h ^= h >> 31;
            (start as u64 + h % len) as u32
        })
        .collect()
}

/// The curve from the k-th-neighbour distances of every point (n ≤ [`MAX_SAMPLE`]) or of an
/// even sample, e.g. found beside Clark–Evans's nearest neighbours in one pass.
pub fn curve_of(all: Vec<f64>, k: usize) -> KDistance {
    let mut d: Vec<f64> = all.into_iter().filter(|x| x.is_finite()).collect();
    d.sort_by(|a, b| b.total_cmp(a));
    let n = d.len();
    let curve: Vec<f64> = if n > MAX_CURVE_POINTS {
        (0..MAX_CURVE_POINTS)
            .map(|i| d[i * (n - 1) / (MAX_CURVE_POINTS - 1)])
            .collect()
    } else {
        d
    };
    // Firms stacked on one geocode (a building's, or a district's centre where the address
    // was not found) have k-th neighbours at 0 m: they say nothing of the spacing eps should
    // bridge, and a register with many of them put the knee at 0 m. The knee is taken on
    // the curve's positive part when it has one.
    let positive = curve.partition_point(|d| *d > 0.0);
    let suggested_eps_m = if positive >= 3 {
        knee(&curve[..positive])
    } else {
        knee(&curve)
    };
    KDistance {
        k,
        distances_m: curve,
        n,
        suggested_eps_m,
    }
}

/// The value at the point of a descending curve farthest below the chord from its first to
/// its last point (a Kneedle-style elbow). The first value is skipped so a single far
/// outlier does not flatten the whole curve.
fn knee(curve: &[f64]) -> f64 {
    let m = curve.len();
    if m < 3 {
        return curve.first().copied().unwrap_or(0.0);
    }
    let start = (m / 100).max(1).min(m - 2);
    let (y0, y1) = (curve[start], curve[m - 1]);
    let span = (y0 - y1).max(f64::MIN_POSITIVE);
    let mut best = (start, f64::NEG_INFINITY);
    for (i, &y) in curve.iter().enumerate().skip(start) {
        let x = (i - start) as f64 / (m - 1 - start) as f64;
        let yn = (y - y1) / span;
        // Chord from (0,1) to (1,0): y = 1 − x. Distance below it:
        let below = (1.0 - x) - yn;
        if below > best.1 {
            best = (i, below);
        }
    }
    curve[best.0]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One index from each run, inside it, and every place within a run taken about as often
    /// (the oracle: counting the places).
    #[test]
    fn the_sample_takes_one_point_a_run_at_varying_places() {
        for (n, step) in [(1_000_003, 5), (400_000, 2), (7, 3), (10, 10)] {
            let which = sample(n, step);
            assert_eq!(which.len(), n.div_ceil(step));
            let mut places = vec![0usize; step];
            for (run, &i) in which.iter().enumerate() {
                let i = i as usize;
                assert!(
                    i >= run * step && i < ((run + 1) * step).min(n),
                    "{n} {step} {run}"
                );
                places[i - run * step] += 1;
            }
            if which.len() >= 1000 {
                let even = which.len() / step;
                for (p, c) in places.iter().enumerate() {
                    assert!(c.abs_diff(even) < even / 10, "place {p}: {c} of ~{even}");
                }
            }
        }
    }

    /// A file whose every fifth firm sits on one shared geocode (2 of 5 stacked in all): the
    /// sample must see the spread firms too, so the knee is not 0 m (it was: every fifth
    /// point was sampled, all of them stacked).
    #[test]
    fn rows_repeating_with_the_samples_period_do_not_fool_it() {
        let n = 1_000_000;
        let mut rng = crate::model::Rng::new(3);
        let pts: Vec<Xy> = (0..n)
            .map(|i| match i % 5 {
                0 | 1 => Xy::new(0.0, 0.0),
                _ => Xy::new(40_000.0 * rng.uniform(), 30_000.0 * rng.uniform()),
            })
            .collect();
        let kd = k_distance(&pts, 5);
        assert!(kd.n < n, "sampled");
        let zeros = kd.distances_m.iter().filter(|d| **d == 0.0).count() as f64;
        let share = zeros / kd.distances_m.len() as f64;
        assert!((share - 0.4).abs() < 0.02, "{share} of the sample stacked");
        assert!(kd.suggested_eps_m > 10.0, "knee {} m", kd.suggested_eps_m);
    }
}
