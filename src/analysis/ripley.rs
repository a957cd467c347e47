//! Ripley's K and L over a study area, with a Monte-Carlo envelope of complete spatial
//! randomness in the same area (seeded).
//!
//! Estimator: K(d) = A · Σ_{i≠j} 1(d_ij ≤ d) / (n (n − 1)), ordered pairs, no edge
//! correction; L(d) = sqrt(K(d)/π). The envelope uses the same estimator on uniform points in
//! the same area, so the border's effect is in the envelope too. Above [`MAX_POINTS`] points a
//! seeded random subset is used (K is normalised by intensity, so a subset estimates the same
//! function).

use rayon::prelude::*;
use serde::Serialize;

use crate::model::{Rng, Xy};

/// Most points used (observed and simulated).
pub const MAX_POINTS: usize = 20_000;
/// Horizontal strips the study area is cut into for uniform sampling.
const STRIPS: usize = 2_048;

/// Distances and simulations.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RipleyParams {
    /// Largest distance (`None`: the smaller of 3 km and a quarter of √A).
    pub max_m: Option<f64>,
    pub steps: usize,
    pub simulations: usize,
    pub seed: u64,
}

impl Default for RipleyParams {
    fn default() -> Self {
        Self {
            max_m: None,
            steps: 20,
            simulations: 99,
            seed: 2019,
        }
    }
}

/// The result, as `summary.json`'s `ripley` holds it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Ripley {
    pub d: Vec<f64>,
    pub k: Vec<f64>,
    pub l: Vec<f64>,
    /// Pointwise envelope of L over the simulations (minimum and maximum).
    pub lo: Vec<f64>,
    pub hi: Vec<f64>,
    pub area_km2: f64,
    pub study_area: String,
    pub n_points: usize,
    pub points_used: usize,
    pub simulations: usize,
    pub seed: u64,
    pub estimator: String,
}

pub const ESTIMATOR: &str = "K(d) = A * sum_{i != j} 1(d_ij <= d) / (n (n - 1)) over ordered \
    pairs, plane distances in metres, no edge correction; L(d) = sqrt(K(d) / pi); envelope = \
    pointwise min and max of L over the simulations of complete spatial randomness (n uniform \
    points in the same study area)";

/// Uniform points in a study area given as rings on the plane (even-odd), by horizontal
/// strips: a strip is chosen by the length of the area it crosses, then a point on it.
pub struct AreaSampler {
    y0: f64,
    strip_h: f64,
    /// Per strip: the x intervals inside the area at the strip's middle.
    intervals: Vec<Vec<(f64, f64)>>,
    /// Cumulative inside length over the strips.
    cumulative: Vec<f64>,
}

impl AreaSampler {
    pub fn new(rings: &[Vec<Xy>]) -> Option<Self> {
        let (mut y0, mut y1) = (f64::MAX, f64::MIN);
        for p in rings.iter().flatten() {
            y0 = y0.min(p.y);
            y1 = y1.max(p.y);
        }
        if y1 <= y0 {
            return None;
        }
        let strip_h = (y1 - y0) / STRIPS as f64;
        let intervals: Vec<Vec<(f64, f64)>> = (0..STRIPS)
            .into_par_iter()
            .map(|s| {
                let y = y0 + (s as f64 + 0.5) * strip_h;
                let mut xs: Vec<f64> = Vec::new();
                for r in rings {
                    for k in 0..r.len() {
                        let (a, b) = (r[k], r[(k + 1) % r.len()]);
                        if (a.y > y) != (b.y > y) {
                            xs.push(a.x + (y - a.y) * (b.x - a.x) / (b.y - a.y));
                        }
                    }
                }
                xs.sort_by(f64::total_cmp);
                xs.chunks_exact(2).map(|c| (c[0], c[1])).collect()
            })
            .collect();
        let mut cumulative = Vec::with_capacity(STRIPS);
        let mut total = 0.0;
        for iv in &intervals {
            total += iv.iter().map(|(a, b)| b - a).sum::<f64>();
            cumulative.push(total);
        }
        (total > 0.0).then_some(Self {
            y0,
            strip_h,
            intervals,
            cumulative,
        })
    }

    /// The area on the plane (strip lengths × strip height).
    pub fn area_m2(&self) -> f64 {
        self.cumulative.last().copied().unwrap_or(0.0) * self.strip_h
    }

    pub fn sample(&self, rng: &mut Rng) -> Xy {
        let total = self.cumulative.last().copied().unwrap_or(0.0);
        let t = rng.uniform() * total;
        let s = self.cumulative.partition_point(|c| *c < t).min(STRIPS - 1);
        let before = if s == 0 { 0.0 } else { self.cumulative[s - 1] };
        let mut u = t - before;
        let y = self.y0 + (s as f64 + rng.uniform()) * self.strip_h;
        for (a, b) in &self.intervals[s] {
            if u <= b - a {
                return Xy::new(a + u, y);
            }
            u -= b - a;
        }
        let (a, b) = self.intervals[s].last().copied().unwrap_or((0.0, 0.0));
        Xy::new((a + b) / 2.0, y)
    }
}

/// Ordered pairs closer than each of `d` (ascending), by a grid of cells `d_max` wide.
pub fn pair_counts(points: &[Xy], d: &[f64]) -> Vec<u64> {
    let Some(&d_max) = d.last() else {
        return Vec::new();
    };
    let Some(b) = crate::model::Bounds::of(points) else {
        return vec![0; d.len()];
    };
    let cell = d_max.max(1e-9);
    let cols = (((b.hi.x - b.lo.x) / cell).floor() as usize + 1).min(1 << 15);
    let rows = (((b.hi.y - b.lo.y) / cell).floor() as usize + 1).min(1 << 15);
    let cell_of = |p: &Xy| {
        let c = (((p.x - b.lo.x) / cell) as usize).min(cols - 1);
        let r = (((p.y - b.lo.y) / cell) as usize).min(rows - 1);
        (c, r)
    };
    // Points sorted by cell (counting sort).
    let mut start = vec![0usize; cols * rows + 1];
    for p in points {
        let (c, r) = cell_of(p);
        start[r * cols + c + 1] += 1;
    }
    for k in 1..start.len() {
        start[k] += start[k - 1];
    }
    let mut fill = start.clone();
    let mut sorted = vec![Xy::new(0.0, 0.0); points.len()];
    for p in points {
        let (c, r) = cell_of(p);
        sorted[fill[r * cols + c]] = *p;
        fill[r * cols + c] += 1;
    }
    let d2: Vec<f64> = d.iter().map(|v| v * v).collect();
    // Equally spaced distances (as `ripley` asks for) find their bin by division.
    let step = d[0];
    let even = d
        .iter()
        .enumerate()
        .all(|(k, v)| (v - step * (k + 1) as f64).abs() <= 1e-9 * v.abs().max(1.0));
    let bin_of = |dd: f64| -> usize {
        if even {
            let b = ((dd.sqrt() / step).ceil() as usize).saturating_sub(1);
            // guard the rounding at bin edges with the exact test
            if b < d2.len() && dd > d2[b] {
                b + 1
            } else if b > 0 && dd <= d2[b - 1] {
                b - 1
            } else {
                b
            }
        } else {
            d2.partition_point(|t| *t < dd)
        }
    };
    let max2 = d2[d2.len() - 1];
    let hist = sorted
        .par_iter()
        .fold(
            || vec![0u64; d.len()],
            |mut h, p| {
                let (c, r) = cell_of(p);
                for rr in r.saturating_sub(1)..=(r + 1).min(rows - 1) {
                    for cc in c.saturating_sub(1)..=(c + 1).min(cols - 1) {
                        let k = rr * cols + cc;
                        for q in &sorted[start[k]..start[k + 1]] {
                            let dd = (p.x - q.x).powi(2) + (p.y - q.y).powi(2);
                            if dd <= max2 {
                                h[bin_of(dd).min(d2.len() - 1)] += 1;
                            }
                        }
                    }
                }
                h
            },
        )
        .reduce(
            || vec![0u64; d.len()],
            |a, b| a.iter().zip(&b).map(|(x, y)| x + y).collect(),
        );
    // Cumulative, less each point paired with itself (distance 0, first bin).
    let mut out = Vec::with_capacity(d.len());
    let mut run = 0u64;
    for h in hist {
        run += h;
        out.push(run);
    }
    for v in &mut out {
        *v = v.saturating_sub(points.len() as u64);
    }
    out
}

/// K at each distance.
pub fn k_function(points: &[Xy], area_m2: f64, d: &[f64]) -> Vec<f64> {
    let n = points.len() as f64;
    if n < 2.0 {
        return vec![f64::NAN; d.len()];
    }
    pair_counts(points, d)
        .into_iter()
        .map(|c| area_m2 * c as f64 / (n * (n - 1.0)))
        .collect()
}

/// At most [`MAX_POINTS`] of `points`, a seeded random subset when there are more.
fn subset(points: &[Xy], rng: &mut Rng) -> Vec<Xy> {
    if points.len() <= MAX_POINTS {
        return points.to_vec();
    }
    let mut idx: Vec<usize> = (0..points.len()).collect();
    for i in 0..MAX_POINTS {
        let last = idx.len() - 1;
        let j = i + (rng.uniform() * (idx.len() - i) as f64) as usize;
        idx.swap(i, j.min(last));
    }
    idx[..MAX_POINTS].iter().map(|&i| points[i]).collect()
}

/// Ripley's K and L of `points` inside the area `rings`, with the CSR envelope.
pub fn ripley(
    points: &[Xy],
    rings: &[Vec<Xy>],
    study_area: &str,
    p: &RipleyParams,
) -> Option<Ripley> {
    ripley_with(points, rings, study_area, p, &|| {})
}

/// [`ripley`], calling `between` before the observed pattern's K and before each simulation:
/// the window's hook waits there while the map moves, so the simulations never compete with
/// panning. The result does not depend on the hook.
pub fn ripley_with(
    points: &[Xy],
    rings: &[Vec<Xy>],
    study_area: &str,
    p: &RipleyParams,
    between: &dyn Fn(),
) -> Option<Ripley> {
    let sampler = AreaSampler::new(rings)?;
    let area = sampler.area_m2();
    if points.len() < 2 || area <= 0.0 {
        return None;
    }
    let d_max = p
        .max_m
        .unwrap_or_else(|| (area.sqrt() / 4.0).min(3_000.0))
        .max(1.0);
    let steps = p.steps.clamp(1, 200);
    let d: Vec<f64> = (1..=steps)
        .map(|k| d_max * k as f64 / steps as f64)
        .collect();
    let mut rng = Rng::new(p.seed);
    let used = subset(points, &mut rng);
    between();
    let k = k_function(&used, area, &d);
    let to_l = |k: &[f64]| -> Vec<f64> {
        k.iter()
            .map(|v| (v / std::f64::consts::PI).sqrt())
            .collect()
    };
    let l = to_l(&k);
    let sims: Vec<Vec<f64>> = (0..p.simulations)
        .map(|s| {
            between();
            let mut r = Rng::new(
                p.seed
                    .wrapping_add(1 + s as u64)
                    .wrapping_mul(0x2545_f491_4f6c_dd1d),
            );
            let pts: Vec<Xy> = (0..used.len()).map(|_| sampler.sample(&mut r)).collect();
            to_l(&k_function(&pts, area, &d))
        })
        .collect();
    let env = |f: fn(f64, f64) -> f64, init: f64| -> Vec<f64> {
        (0..d.len())
            .map(|i| sims.iter().map(|s| s[i]).fold(init, f))
            .collect()
    };
    let (lo, hi) = if sims.is_empty() {
        (l.clone(), l.clone())
    } else {
        (
            env(f64::min, f64::INFINITY),
            env(f64::max, f64::NEG_INFINITY),
        )
    };
    Some(Ripley {
        d,
        k,
        l,
        lo,
        hi,
        area_km2: area / 1e6,
        study_area: study_area.to_string(),
        n_points: points.len(),
        points_used: used.len(),
        simulations: p.simulations,
        seed: p.seed,
        estimator: ESTIMATOR.into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square(side: f64) -> Vec<Vec<Xy>> {
        vec![vec![
            Xy::new(0.0, 0.0),
            Xy::new(side, 0.0),
            Xy::new(side, side),
            Xy::new(0.0, side),
        ]]
    }

    #[test]
    fn pair_counts_on_even_steps_equal_brute_force() {
        let mut rng = Rng::new(11);
        // on a 10 m lattice many pairs sit exactly on the bin edges
        let pts: Vec<Xy> = (0..900)
            .map(|_| {
                Xy::new(
                    (rng.uniform() * 60.0).floor() * 10.0,
                    (rng.uniform() * 60.0).floor() * 10.0,
                )
            })
            .collect();
        let d: Vec<f64> = (1..=10).map(|k| 10.0 * k as f64).collect();
        let fast = pair_counts(&pts, &d);
        for (k, dk) in d.iter().enumerate() {
            let mut n = 0u64;
            for i in 0..pts.len() {
                for j in 0..pts.len() {
                    let dd = (pts[i].x - pts[j].x).powi(2) + (pts[i].y - pts[j].y).powi(2);
                    if i != j && dd <= dk * dk {
                        n += 1;
                    }
                }
            }
            assert_eq!(fast[k], n, "d = {dk}");
        }
    }

    #[test]
    fn pair_counts_equal_brute_force() {
        let mut rng = Rng::new(9);
        let pts: Vec<Xy> = (0..1_500)
            .map(|_| Xy::new(rng.uniform() * 5_000.0, rng.uniform() * 3_000.0))
            .collect();
        let d = [50.0, 120.0, 333.0, 800.0];
        let fast = pair_counts(&pts, &d);
        for (k, dk) in d.iter().enumerate() {
            let mut n = 0u64;
            for i in 0..pts.len() {
                for j in 0..pts.len() {
                    let dd = ((pts[i].x - pts[j].x).powi(2) + (pts[i].y - pts[j].y).powi(2)).sqrt();
                    if i != j && dd <= *dk {
                        n += 1;
                    }
                }
            }
            assert_eq!(fast[k], n, "d = {dk}");
        }
    }

    #[test]
    fn uniform_points_give_l_near_d_and_clustered_ones_above_the_envelope() {
        let rings = square(10_000.0);
        let s = AreaSampler::new(&rings).unwrap();
        assert!((s.area_m2() - 1e8).abs() < 1e-3);
        let mut rng = Rng::new(4);
        let uniform: Vec<Xy> = (0..3_000).map(|_| s.sample(&mut rng)).collect();
        assert!(
            uniform
                .iter()
                .all(|p| p.x >= 0.0 && p.x <= 1e4 && p.y >= 0.0 && p.y <= 1e4)
        );
        let p = RipleyParams {
            max_m: Some(1_000.0),
            steps: 5,
            simulations: 19,
            seed: 1,
        };
        let r = ripley(&uniform, &rings, "square", &p).unwrap();
        // Without edge correction L(d) falls a little below d near the border; within 6 %.
        for (d, l) in r.d.iter().zip(&r.l) {
            assert!((l / d - 1.0).abs() < 0.06, "L({d}) = {l}");
        }
        let mut clustered = Vec::new();
        for _ in 0..60 {
            let c = s.sample(&mut rng);
            for _ in 0..50 {
                clustered.push(Xy::new(
                    c.x + rng.normal() * 150.0,
                    c.y + rng.normal() * 150.0,
                ));
            }
        }
        let r = ripley(&clustered, &rings, "square", &p).unwrap();
        assert!(
            r.l.iter().zip(&r.hi).all(|(l, hi)| l > hi),
            "{:?} vs {:?}",
            r.l,
            r.hi
        );
    }

    #[test]
    fn the_waiting_hook_runs_before_each_pattern_and_changes_nothing() {
        let rings = square(5_000.0);
        let mut rng = Rng::new(3);
        let pts: Vec<Xy> = (0..800)
            .map(|_| Xy::new(rng.uniform() * 5_000.0, rng.uniform() * 5_000.0))
            .collect();
        let p = RipleyParams {
            max_m: Some(500.0),
            steps: 4,
            simulations: 7,
            seed: 5,
        };
        let calls = std::sync::atomic::AtomicUsize::new(0);
        let hooked = ripley_with(&pts, &rings, "square", &p, &|| {
            calls.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        })
        .unwrap();
        // The observed pattern plus each simulation.
        assert_eq!(calls.into_inner(), 1 + 7);
        let plain = ripley(&pts, &rings, "square", &p).unwrap();
        assert_eq!(
            (hooked.l, hooked.lo, hooked.hi),
            (plain.l, plain.lo, plain.hi)
        );
    }

    #[test]
    fn an_l_shaped_area_is_sampled_evenly() {
        // L shape: 2×1 plus 1×1 on top of the left half: area 3.
        let rings = vec![vec![
            Xy::new(0.0, 0.0),
            Xy::new(2.0, 0.0),
            Xy::new(2.0, 1.0),
            Xy::new(1.0, 1.0),
            Xy::new(1.0, 2.0),
            Xy::new(0.0, 2.0),
        ]];
        let s = AreaSampler::new(&rings).unwrap();
        assert!((s.area_m2() - 3.0).abs() < 1e-9);
        let mut rng = Rng::new(2);
        let pts: Vec<Xy> = (0..30_000).map(|_| s.sample(&mut rng)).collect();
        assert!(
            pts.iter().all(|p| !(p.x > 1.0 && p.y > 1.0)),
            "a point in the notch"
        );
        let top = pts.iter().filter(|p| p.y > 1.0).count() as f64 / pts.len() as f64;
        assert!((top - 1.0 / 3.0).abs() < 0.01, "{top}");
    }
}
