//! How a locator cell lists what its lookups measure: boundary segments ordered roughly by
//! distance from the cell's centre, in steps that carry a lower bound (a search from a
//! nearby point stops at the first step that cannot hold anything nearer than what it
//! found); runs of segments as ranges, the nearest first.

use super::boundary::Step;

/// Buckets [`near_first`] spreads a list over.
const BUCKETS: usize = 32;

/// Appends `list`'s segments (at distances `dist`) to `segs` nearest first by bucket: 32
/// equal steps from the nearest distance to the farthest, in list order within a step. Each
/// non-empty step goes to `steps` with its end (counted from the list's start) and its least
/// distance rounded down: never more than its segments', never less than an earlier step's.
/// A counting sort: a lookup needs the order only roughly.
pub(super) fn near_first(list: &[u32], dist: &[f64], segs: &mut Vec<u32>, steps: &mut Vec<Step>) {
    let lo = dist.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = dist.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let step = (hi - lo) / BUCKETS as f64;
    // NaN distances (a NaN segment, never the nearest) and a zero step land in bucket 0.
    let bucket = |d: f64| {
        if step > 0.0 {
            (((d - lo) / step) as usize).min(BUCKETS - 1)
        } else {
            0
        }
    };
    let mut count = [0usize; BUCKETS];
    let mut least = [f64::INFINITY; BUCKETS];
    for &d in dist {
        let b = bucket(d);
        count[b] += 1;
        least[b] = least[b].min(d);
    }
    let start = segs.len();
    let mut at = [0usize; BUCKETS];
    let mut sum = start;
    for b in 0..BUCKETS {
        at[b] = sum;
        sum += count[b];
    }
    segs.resize(sum, 0);
    let mut end = 0u32;
    for b in (0..BUCKETS).filter(|b| count[*b] > 0) {
        end += count[b] as u32;
        steps.push(Step {
            end,
            least: down_to_f32(least[b]),
        });
    }
    for (&s, &d) in list.iter().zip(dist) {
        let b = bucket(d);
        if let Some(slot) = segs.get_mut(at[b]) {
            *slot = s;
        }
        at[b] += 1;
    }
}

/// `d` rounded down to an `f32` (a lower bound stays one).
fn down_to_f32(d: f64) -> f32 {
    let x = d as f32;
    if f64::from(x) > d { x.next_down() } else { x }
}

/// Appends the ascending run numbers `list` (at distances `dist`) to `out` as ranges (from,
/// to), the first being the nearest run alone: what `Boundary::closest_ranged` takes. The
/// runs a cell keeps lie along a few stretches of a boundary: a few ranges, not a number
/// each.
pub(super) fn as_ranges(list: &[u32], dist: &[f64], out: &mut Vec<u32>) {
    let nearest = dist
        .iter()
        .enumerate()
        .fold(
            (f64::INFINITY, 0),
            |(d, at), (k, &e)| if e < d { (e, k) } else { (d, at) },
        )
        .1;
    let Some(&n) = list.get(nearest) else {
        return;
    };
    out.extend([n, n + 1]);
    let mut from = None;
    for (k, &r) in list.iter().enumerate() {
        let start = *from.get_or_insert(r);
        if list.get(k + 1) != Some(&(r + 1)) {
            out.extend([start, r + 1]);
            from = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The steps keep every segment once; each step's least distance is never above its
    /// segments' distances nor below an earlier step's; the first step holds the nearest.
    #[test]
    fn near_first_orders_roughly_with_true_bounds() {
        let mut rng = crate::model::Rng::new(3);
        let mut next = move || rng.uniform();
        for n in [0, 1, 2, 5, 100, 1000] {
            let list: Vec<u32> = (0..n).map(|k| 7 * k as u32).collect();
            let mut dist: Vec<f64> = list.iter().map(|_| 1000.0 + 500.0 * next()).collect();
            if n == 5 {
                dist = vec![3.0; 5];
            }
            let (mut segs, mut steps) = (vec![9], Vec::new());
            near_first(&list, &dist, &mut segs, &mut steps);
            assert_eq!(segs.len(), n + 1);
            assert_eq!(segs[0], 9);
            let mut sorted = segs[1..].to_vec();
            sorted.sort_unstable();
            assert_eq!(sorted, list);
            assert!(steps.len() <= BUCKETS && (n == 0) == steps.is_empty());
            assert_eq!(steps.last().map_or(0, |s| s.end as usize), n);
            let mut at = 0;
            for (k, step) in steps.iter().enumerate() {
                assert!(step.end as usize > at, "an empty step");
                for &s in &segs[1 + at..1 + step.end as usize] {
                    let d = dist[(s / 7) as usize];
                    assert!(f64::from(step.least) <= d, "{} above {d}", step.least);
                }
                assert!(k == 0 || step.least >= steps[k - 1].least);
                at = step.end as usize;
            }
            if n > 0 {
                let least = dist.iter().copied().fold(f64::INFINITY, f64::min);
                assert_eq!(steps[0].least, down_to_f32(least));
            }
        }
    }

    /// Hand-worked: the nearest run alone first, then the stretches of consecutive runs.
    #[test]
    fn runs_become_ranges_with_the_nearest_first() {
        let mut out = vec![7];
        as_ranges(
            &[3, 4, 5, 9, 10, 20],
            &[5.0, 4.0, 6.0, 1.5, 2.0, 3.0],
            &mut out,
        );
        assert_eq!(out, [7, 9, 10, 3, 6, 9, 11, 20, 21]);
        let mut out = Vec::new();
        as_ranges(&[], &[], &mut out);
        assert!(out.is_empty());
        as_ranges(&[0], &[f64::NAN], &mut out);
        assert_eq!(out, [0, 1, 0, 1]);
    }
}
