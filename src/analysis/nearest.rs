//! Nearest-neighbour and k-th-neighbour distances on the plane, by growing square rings of a
//! grid around each point (exact; no tree queries per point).

use rayon::prelude::*;

use super::grid::Grid;
use crate::model::Xy;

/// Distance from each point to its nearest other point (0 for duplicates), in input order.
///
/// ```
/// use cluster_atlas::analysis::nearest::nearest_neighbour_distances;
/// use cluster_atlas::model::Xy;
/// let d = nearest_neighbour_distances(&[Xy::new(0.0, 0.0), Xy::new(3.0, 4.0), Xy::new(10.0, 4.0)]);
/// assert_eq!(d, vec![5.0, 5.0, 7.0]);
/// ```
pub fn nearest_neighbour_distances(points: &[Xy]) -> Vec<f64> {
    kth_neighbour_distances(points, 1)
}

/// Distance from each point to its k-th nearest other point (k ≥ 1), in input order;
/// infinite when there are not k other points.
pub fn kth_neighbour_distances(points: &[Xy], k: usize) -> Vec<f64> {
    let n = points.len();
    if n == 0 {
        return Vec::new();
    }
    let k = k.max(1);
    if n <= k {
        return vec![f64::INFINITY; n];
    }
    let area = super::clark_evans::bbox_area_m2(points).max(1.0);
    // About 2k points per cell on average.
    let cell = (area * 2.0 * k as f64 / n as f64).sqrt().max(1e-6);
    let grid = Grid::build(points, cell);
    let sorted: Vec<f64> = (0..grid.xs.len())
        .into_par_iter()
        .map_init(Vec::new, |best: &mut Vec<f64>, pos| {
            kth_for(&grid, pos, k, best)
        })
        .collect();
    let mut out = vec![0.0; n];
    for (pos, d) in sorted.into_iter().enumerate() {
        out[grid.order[pos] as usize] = d;
    }
    out
}

/// k-th neighbour distance of the point at sorted position `pos`; `best` is scratch space
/// holding the k smallest squared distances seen so far (sorted ascending).
fn kth_for(grid: &Grid, pos: usize, k: usize, best: &mut Vec<f64>) -> f64 {
    best.clear();
    let (x, y) = (grid.xs[pos], grid.ys[pos]);
    let (i, j) = grid.ij_of(Xy::new(x, y));
    let (max_i, max_j) = grid.dims();
    let last_ring = i.max(max_i - i).max(j).max(max_j - j);
    let mut r = 0i64;
    loop {
        for c in grid.ring(i, j, r) {
            for q in grid.points_of(c) {
                if q == pos {
                    continue;
                }
                let (dx, dy) = (grid.xs[q] - x, grid.ys[q] - y);
                let d2 = dx * dx + dy * dy;
                if best.len() < k {
                    let at = best.partition_point(|b| *b < d2);
                    best.insert(at, d2);
                } else if d2 < best[k - 1] {
                    best.pop();
                    let at = best.partition_point(|b| *b < d2);
                    best.insert(at, d2);
                }
            }
        }
        // Every point in ring r + 1 or beyond is at least r cells away.
        let reach = r as f64 * grid.cell;
        if best.len() == k && best[k - 1] <= reach * reach {
            break;
        }
        if r >= last_ring {
            break;
        }
        r += 1;
    }
    best.get(k - 1).map(|d2| d2.sqrt()).unwrap_or(f64::INFINITY)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn brute_kth(points: &[Xy], k: usize) -> Vec<f64> {
        points
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let mut d: Vec<f64> = points
                    .iter()
                    .enumerate()
                    .filter(|(j, _)| *j != i)
                    .map(|(_, q)| p.plane_distance(*q))
                    .collect();
                d.sort_by(f64::total_cmp);
                d.get(k - 1).copied().unwrap_or(f64::INFINITY)
            })
            .collect()
    }

    #[test]
    fn matches_brute_force_on_clustered_data_with_outliers_and_duplicates() {
        let mut s = 42u64;
        let mut r = move || {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (s >> 11) as f64 / (1u64 << 53) as f64
        };
        let mut pts: Vec<Xy> = (0..600)
            .map(|k| {
                let c = [(0.0, 0.0), (5000.0, 800.0), (-3000.0, 4000.0)][k % 3];
                Xy::new(c.0 + (r() - 0.5) * 400.0, c.1 + (r() - 0.5) * 400.0)
            })
            .collect();
        pts.push(Xy::new(60_000.0, -40_000.0));
        pts.push(pts[5]);
        for k in [1, 4, 9] {
            let fast = kth_neighbour_distances(&pts, k);
            let slow = brute_kth(&pts, k);
            for (a, b) in fast.iter().zip(&slow) {
                assert!((a - b).abs() < 1e-9, "k={k}: {a} vs {b}");
            }
        }
    }

    #[test]
    fn too_few_points() {
        assert_eq!(
            kth_neighbour_distances(&[Xy::new(0.0, 0.0)], 1),
            vec![f64::INFINITY]
        );
        assert!(kth_neighbour_distances(&[], 1).is_empty());
    }
}
