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
    if points.len() <= k.max(1) {
        return vec![f64::INFINITY; points.len()];
    }
    kth_neighbour_distances_in(&NeighbourSearch::new(points, k), k)
}

/// [`kth_neighbour_distances`] with grids already built (shared by Clark–Evans and the
/// k-distance curve: the answers are exact whatever the grids' cell sizes).
pub fn kth_neighbour_distances_in(search: &NeighbourSearch, k: usize) -> Vec<f64> {
    let points = search.points;
    let n = points.len();
    let k = k.max(1);
    if n <= k {
        return vec![f64::INFINITY; n];
    }
    let grid = search.level(0);
    // Cell by cell: gather the 3×3 block once, answer every point of the cell from it when the
    // answer is provably inside the block, else fall back to the ring search.
    let per_cell: Vec<Vec<(u32, f64)>> = (0..grid.n_cells())
        .into_par_iter()
        .map_init(
            || (Vec::new(), Vec::new()),
            |(cand, best): &mut (Vec<(f64, f64, u32)>, Vec<f64>), c| {
                let (ci, cj) = grid.cell_ij(c);
                cand.clear();
                for row in ci - 1..=ci + 1 {
                    for cell in grid.row_cells(row, cj - 1, cj + 1) {
                        for q in grid.points_of(cell) {
                            cand.push((grid.xs[q], grid.ys[q], grid.order[q]));
                        }
                    }
                }
                grid.points_of(c)
                    .map(|pos| {
                        let i = grid.order[pos];
                        let p = Xy::new(grid.xs[pos], grid.ys[pos]);
                        best.clear();
                        for &(x, y, j) in cand.iter() {
                            // k neighbours at distance 0 cannot be beaten (firms sharing one
                            // geocode must not make this quadratic).
                            if best.len() == k && best[k - 1] == 0.0 {
                                break;
                            }
                            if j == i {
                                continue;
                            }
                            let d2 = (x - p.x) * (x - p.x) + (y - p.y) * (y - p.y);
                            if best.len() < k {
                                let at = best.partition_point(|b| *b < d2);
                                best.insert(at, d2);
                            } else if d2 < best[k - 1] {
                                best.pop();
                                let at = best.partition_point(|b| *b < d2);
                                best.insert(at, d2);
                            }
                        }
                        let reach = grid.block_margin(p, ci, cj, 1);
                        let d = if best.len() == k && best[k - 1] <= reach * reach {
                            best[k - 1].sqrt()
                        } else {
                            search.kth(points, i as usize, k, best)
                        };
                        (i, d)
                    })
                    .collect()
            },
        )
        .collect();
    let mut out = vec![f64::INFINITY; n];
    for (i, d) in per_cell.into_iter().flatten() {
        out[i as usize] = d;
    }
    out
}

/// k-th-neighbour distances for the points `which` (indices into `points`), searching among
/// all `points`.
pub fn kth_neighbour_distances_of(points: &[Xy], which: &[u32], k: usize) -> Vec<f64> {
    if points.len() <= k.max(1) || which.is_empty() {
        return vec![f64::INFINITY; which.len()];
    }
    kth_neighbour_distances_of_in(&NeighbourSearch::new(points, k), which, k)
}

/// [`kth_neighbour_distances_of`] with grids already built.
pub fn kth_neighbour_distances_of_in(
    search: &NeighbourSearch,
    which: &[u32],
    k: usize,
) -> Vec<f64> {
    let points = search.points;
    let n = points.len();
    if n == 0 || which.is_empty() {
        return vec![f64::INFINITY; which.len()];
    }
    let k = k.max(1);
    if n <= k {
        return vec![f64::INFINITY; which.len()];
    }
    // Visit the queries in the finest grid's cell order, so neighbouring queries touch the
    // same memory; then put the answers back in the caller's order.
    let mut order: Vec<(u64, u32)> = which
        .iter()
        .enumerate()
        .map(|(slot, &i)| (search.level(0).sort_key(points[i as usize]), slot as u32))
        .collect();
    order.par_sort_unstable();
    let found: Vec<f64> = order
        .par_iter()
        .map_init(Vec::new, |best: &mut Vec<f64>, &(_, slot)| {
            search.kth(points, which[slot as usize] as usize, k, best)
        })
        .collect();
    let mut out = vec![f64::INFINITY; which.len()];
    for ((_, slot), d) in order.iter().zip(found) {
        out[*slot as usize] = d;
    }
    out
}

/// Grids at several cell sizes: the finest fits where most points are (about 2k per cell at
/// the median point's local density), each next one 8 times coarser, so points in sparse
/// areas are resolved in a few rings of a coarse grid instead of many empty fine rings.
pub struct NeighbourSearch<'a> {
    points: &'a [Xy],
    /// Cell sizes, finest first; each grid is built on first use (most searches never need
    /// the coarse ones).
    cells: Vec<f64>,
    levels: Vec<std::sync::OnceLock<Grid>>,
}

impl<'a> NeighbourSearch<'a> {
    /// Grids sized for k-th-neighbour queries on `points`.
    pub fn new(points: &'a [Xy], k: usize) -> Self {
        let n = points.len();
        let area = crate::model::Bounds::of(points)
            .map_or(0.0, |b| b.area())
            .max(1.0);
        let target = 2.0 * k as f64;
        let coarse_cell = (area * target / n as f64).sqrt().max(1e-3);
        // Median number of points in the coarse cell a point falls in, from a sample of cells.
        let coarse = Grid::build(points, coarse_cell);
        let mut occ: Vec<u32> = (0..coarse.n_cells())
            .flat_map(|c| {
                let m = coarse.points_of(c).len() as u32;
                std::iter::repeat_n(m, m as usize)
            })
            .collect();
        let mid = occ.len() / 2;
        let median = if occ.is_empty() {
            0
        } else {
            *occ.select_nth_unstable(mid).1
        } as f64;
        let fine_cell = if median > target {
            coarse_cell * (target / median).sqrt()
        } else {
            coarse_cell
        };
        let mut cells = Vec::new();
        let mut cell = fine_cell;
        while cell < coarse_cell * 0.999 {
            cells.push(cell);
            cell *= 8.0;
        }
        cells.push(coarse_cell);
        let (mi, mj) = coarse.dims();
        if mi.max(mj) > 64 {
            cells.push(coarse_cell * 16.0);
        }
        let levels: Vec<std::sync::OnceLock<Grid>> =
            cells.iter().map(|_| std::sync::OnceLock::new()).collect();
        let coarse_at = cells.iter().position(|c| *c == coarse_cell).unwrap_or(0);
        let _ = levels[coarse_at].set(coarse);
        Self {
            points,
            cells,
            levels,
        }
    }

    fn level(&self, l: usize) -> &Grid {
        self.levels[l].get_or_init(|| Grid::build(self.points, self.cells[l]))
    }

    /// k-th neighbour distance of point `i`; `best` is scratch space.
    fn kth(&self, points: &[Xy], i: usize, k: usize, best: &mut Vec<f64>) -> f64 {
        let p = points[i];
        let last_level = self.levels.len() - 1;
        for lvl in 0..self.levels.len() {
            let grid = self.level(lvl);
            best.clear();
            let (ci, cj) = grid.ij_of(p);
            let (max_i, max_j) = grid.dims();
            let last_ring = ci.max(max_i - ci).max(cj).max(max_j - cj);
            let budget = if lvl == last_level { i64::MAX } else { 3 };
            let mut r = 0i64;
            loop {
                let mut visit = |cells: std::ops::Range<usize>| {
                    for c in cells {
                        for q in grid.points_of(c) {
                            // k neighbours at distance 0 cannot be beaten: many firms on one
                            // geocode must not make the search quadratic.
                            if best.len() == k && best[k - 1] == 0.0 {
                                return;
                            }
                            if grid.order[q] as usize == i {
                                continue;
                            }
                            let (dx, dy) = (grid.xs[q] - p.x, grid.ys[q] - p.y);
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
                };
                if r == 0 {
                    visit(grid.row_cells(ci, cj, cj));
                } else {
                    visit(grid.row_cells(ci - r, cj - r, cj + r));
                    visit(grid.row_cells(ci + r, cj - r, cj + r));
                    for row in ci - r + 1..ci + r {
                        visit(grid.row_cells(row, cj - r, cj - r));
                        visit(grid.row_cells(row, cj + r, cj + r));
                    }
                }
                // Every point outside the (2r+1)² block is at least this far away.
                let reach = grid.block_margin(p, ci, cj, r);
                if best.len() == k && best[k - 1] <= reach * reach {
                    return best[k - 1].sqrt();
                }
                if r >= last_ring {
                    return best.get(k - 1).map(|d2| d2.sqrt()).unwrap_or(f64::INFINITY);
                }
                if r >= budget {
                    break;
                }
                r += 1;
            }
        }
        f64::INFINITY
    }
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
