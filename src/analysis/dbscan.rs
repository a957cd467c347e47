//! DBSCAN with eps in metres, exact, in near-linear time on a grid.
//!
//! Semantics follow scikit-learn: `min_pts` counts the point itself, a point at exactly `eps`
//! is a neighbour, clusters are numbered in the order of their lowest-index core point, and
//! a border point joins the lowest-numbered cluster that reaches it. Noise is −1.
//!
//! The grid has cells of side eps/√2, so all points of one cell are mutual neighbours: a cell
//! holding `min_pts` points is all core, and core points of one cell share a cluster.
//! Neighbouring core cells are merged when their closest core pair is within eps.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::AnalysisError;
use super::grid::Grid;
use crate::model::Xy;

/// DBSCAN parameters, validated on construction.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct DbscanParams {
    pub eps_m: f64,
    pub min_pts: usize,
}

impl Default for DbscanParams {
    fn default() -> Self {
        Self {
            eps_m: 500.0,
            min_pts: 5,
        }
    }
}

impl DbscanParams {
    pub fn new(eps_m: f64, min_pts: usize) -> Result<Self, AnalysisError> {
        if !(eps_m.is_finite() && eps_m > 0.0) {
            return Err(AnalysisError::InvalidParameter(format!(
                "eps must be a positive number of metres, got {eps_m}"
            )));
        }
        if min_pts == 0 {
            return Err(AnalysisError::InvalidParameter(
                "min_pts must be at least 1 (it counts the point itself)".into(),
            ));
        }
        Ok(Self { eps_m, min_pts })
    }
}

/// A cell with this many core points or more lets one firm stand for each spot, when a
/// sample shows stacks (4 million firms stacked thousands to a building took 0.44 s to
/// merge cells without it).
const SPOTS_FROM: usize = 512;

struct UnionFind(Vec<u32>);

impl UnionFind {
    fn find(&mut self, mut a: u32) -> u32 {
        while self.0[a as usize] != a {
            let up = self.0[self.0[a as usize] as usize];
            self.0[a as usize] = up;
            a = up;
        }
        a
    }
    fn union(&mut self, a: u32, b: u32) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            let (lo, hi) = (ra.min(rb), ra.max(rb));
            self.0[hi as usize] = lo;
        }
    }
}

/// Cluster labels (0, 1, … or −1 for noise) for plane points.
///
/// ```
/// use cluster_atlas::analysis::dbscan::{dbscan, DbscanParams};
/// use cluster_atlas::model::Xy;
/// let pts = [Xy::new(0.0, 0.0), Xy::new(100.0, 0.0), Xy::new(200.0, 0.0), Xy::new(5000.0, 0.0)];
/// let labels = dbscan(&pts, DbscanParams::new(150.0, 2).unwrap());
/// assert_eq!(labels, vec![0, 0, 0, -1]);
/// ```
///
/// Complexity: O(n log n) to build the grid plus work proportional to the points in
/// neighbouring cells; memory O(n).
pub fn dbscan(points: &[Xy], params: DbscanParams) -> Vec<i32> {
    let n = points.len();
    if n == 0 {
        return Vec::new();
    }
    let eps = params.eps_m;
    let grid = Grid::build(points, eps / std::f64::consts::SQRT_2);
    // Cells reachable within eps: rows and columns within 2 (the cell side is eps/√2).
    let neighbours: Vec<Vec<u32>> = (0..grid.n_cells())
        .into_par_iter()
        .map(|c| {
            let (i, j) = grid.cell_ij(c);
            grid.block(i, j, 2).map(|x| x as u32).collect()
        })
        .collect();
    let g = Cells {
        grid: &grid,
        neighbours,
        eps2: eps * eps,
    };
    // 1. Core points, in sorted (cell) order.
    let core = g.core_points(params.min_pts);
    let (cell_core, bbox) = g.core_cells(&core);
    // 2. Merge neighbouring core cells whose closest core pair is within eps.
    let uf = g.merge(&cell_core, &bbox);
    // 3. Number clusters by their lowest original core index.
    let cell_label = g.number(&cell_core, uf);
    // 4. Labels in original order; border points take the lowest reachable cluster.
    let sorted_labels = g.border_labels(&core, (&cell_core, &bbox), &cell_label);
    let mut labels = vec![-1i32; n];
    for (pos, l) in sorted_labels.into_iter().enumerate() {
        labels[grid.order[pos] as usize] = l;
    }
    labels
}

/// The grid with each cell's neighbour cells and eps², shared by the steps of [`dbscan`].
struct Cells<'a> {
    grid: &'a Grid,
    neighbours: Vec<Vec<u32>>,
    eps2: f64,
}

impl Cells<'_> {
    /// Whether each point (in sorted order) has `min_pts` points within eps, itself included.
    fn core_points(&self, min_pts: usize) -> Vec<bool> {
        let (grid, eps2) = (self.grid, self.eps2);
        let (xs, ys) = (&grid.xs, &grid.ys);
        let neighbours = &self.neighbours;
        (0..grid.n_cells())
            .into_par_iter()
            .flat_map_iter(|c| {
                let range = grid.points_of(c);
                let dense = range.len() >= min_pts;
                let nb = &neighbours[c];
                range.map(move |p| {
                    if dense {
                        return true;
                    }
                    let mut count = 0usize;
                    for &c2 in nb {
                        for q in grid.points_of(c2 as usize) {
                            let (dx, dy) = (xs[p] - xs[q], ys[p] - ys[q]);
                            if dx * dx + dy * dy <= eps2 {
                                count += 1;
                                if count >= min_pts {
                                    return true;
                                }
                            }
                        }
                    }
                    false
                })
            })
            .collect()
    }

    /// Each cell's core points, one per spot in cells of [`SPOTS_FROM`] or more, and their
    /// bounding box.
    #[allow(clippy::type_complexity)]
    fn core_cells(&self, core: &[bool]) -> (Vec<Vec<u32>>, Vec<[f64; 4]>) {
        let grid = self.grid;
        let (xs, ys) = (&grid.xs, &grid.ys);
        let cell_core: Vec<Vec<u32>> = (0..grid.n_cells())
            .into_par_iter()
            .map(|c| {
                let mut ps: Vec<u32> = grid
                    .points_of(c)
                    .filter(|&p| core[p])
                    .map(|p| p as u32)
                    .collect();
                // Firms on one geocode share every answer: one stands for them all (the
                // first, lowest in index), so the merge's pair tests do not repeat per firm.
                // Small cells skip the sort (their pair tests are cheap anyway), and so do
                // cells where 64 of the points are all on different spots.
                let at = |p: u32| (xs[p as usize], ys[p as usize]);
                if ps.len() >= SPOTS_FROM && sample_has_stacks(&ps, at) {
                    ps.sort_unstable_by(|&a, &b| {
                        let ((ax, ay), (bx, by)) = (at(a), at(b));
                        ax.total_cmp(&bx).then(ay.total_cmp(&by)).then(a.cmp(&b))
                    });
                    // By bits, as the sort tells spots apart (−0.0 before 0.0): each kept
                    // firm is the first of its run, its spot's lowest index.
                    let bits = |p: u32| (at(p).0.to_bits(), at(p).1.to_bits());
                    ps.dedup_by(|a, b| bits(*a) == bits(*b));
                }
                ps
            })
            .collect();
        let bbox: Vec<[f64; 4]> = cell_core
            .par_iter()
            .map(|ps| box_of(grid, ps.iter().map(|&p| p as usize)))
            .collect();
        (cell_core, bbox)
    }

    /// Unites neighbouring core cells whose closest core pair is within eps.
    fn merge(&self, cell_core: &[Vec<u32>], bbox: &[[f64; 4]]) -> UnionFind {
        let (grid, eps2) = (self.grid, self.eps2);
        let (xs, ys) = (&grid.xs, &grid.ys);
        let n_cells = grid.n_cells();
        let neighbours = &self.neighbours;
        let edges: Vec<(u32, u32)> = (0..n_cells)
            .into_par_iter()
            .filter(|&c| !cell_core[c].is_empty())
            .flat_map_iter(|c| {
                let nb = &neighbours[c];
                nb.iter()
                    .copied()
                    .filter(move |&c2| c2 as usize > c && !cell_core[c2 as usize].is_empty())
                    .filter(move |&c2| {
                        let b2 = &bbox[c2 as usize];
                        let b1 = &bbox[c];
                        let dx = (b1[0] - b2[2]).max(0.0).max(b2[0] - b1[2]);
                        let dy = (b1[1] - b2[3]).max(0.0).max(b2[1] - b1[3]);
                        if dx * dx + dy * dy > eps2 {
                            return false;
                        }
                        cell_core[c].iter().any(|&p| {
                            let p = p as usize;
                            if box_d2(b2, xs[p], ys[p]) > eps2 {
                                return false;
                            }
                            cell_core[c2 as usize].iter().any(|&q| {
                                let q = q as usize;
                                let (dx, dy) = (xs[p] - xs[q], ys[p] - ys[q]);
                                dx * dx + dy * dy <= eps2
                            })
                        })
                    })
                    .map(move |c2| (c as u32, c2))
            })
            .collect();
        let mut uf = UnionFind((0..n_cells as u32).collect());
        for (a, b) in edges {
            uf.union(a, b);
        }
        uf
    }

    /// Cluster number per cell (−1 without core points), clusters numbered by their lowest
    /// original core index.
    fn number(&self, cell_core: &[Vec<u32>], mut uf: UnionFind) -> Vec<i32> {
        let grid = self.grid;
        let n_cells = grid.n_cells();
        let mut first_core = vec![u32::MAX; n_cells];
        for (c, cores) in cell_core.iter().enumerate() {
            if let Some(m) = cores.iter().map(|&p| grid.order[p as usize]).min() {
                let r = uf.find(c as u32) as usize;
                first_core[r] = first_core[r].min(m);
            }
        }
        let mut roots: Vec<(u32, usize)> = (0..n_cells)
            .filter(|&c| first_core[c] != u32::MAX && uf.find(c as u32) as usize == c)
            .map(|c| (first_core[c], c))
            .collect();
        roots.sort_unstable();
        let mut root_label = vec![-1i32; n_cells];
        for (k, (_, c)) in roots.iter().enumerate() {
            root_label[*c] = k as i32;
        }
        (0..n_cells)
            .map(|c| {
                if cell_core[c].is_empty() {
                    -1
                } else {
                    root_label[uf.find(c as u32) as usize]
                }
            })
            .collect()
    }

    /// Labels in sorted order: core points their cell's, border points the lowest cluster
    /// with a core point within eps, the rest noise.
    fn border_labels(
        &self,
        core: &[bool],
        (cell_core, bbox): (&[Vec<u32>], &[[f64; 4]]),
        cell_label: &[i32],
    ) -> Vec<i32> {
        let (grid, eps2) = (self.grid, self.eps2);
        let (xs, ys) = (&grid.xs, &grid.ys);
        let neighbours = &self.neighbours;
        (0..grid.n_cells())
            .into_par_iter()
            .flat_map_iter(|c| {
                let nb = &neighbours[c];
                grid.points_of(c).map(move |p| {
                    if core[p] {
                        return cell_label[c];
                    }
                    let mut best = i32::MAX;
                    for &c2 in nb {
                        let l = cell_label[c2 as usize];
                        // A cell whose core points' box lies beyond eps holds none in reach.
                        if l < 0 || l >= best || box_d2(&bbox[c2 as usize], xs[p], ys[p]) > eps2 {
                            continue;
                        }
                        let hit = cell_core[c2 as usize].iter().any(|&q| {
                            let q = q as usize;
                            let (dx, dy) = (xs[p] - xs[q], ys[p] - ys[q]);
                            dx * dx + dy * dy <= eps2
                        });
                        if hit {
                            best = l;
                        }
                    }
                    if best == i32::MAX { -1 } else { best }
                })
            })
            .collect()
    }
}

/// The box [min x, min y, max x, max y] of the grid's points at sorted positions `ps`
/// (inverted, so every distance test fails, when there are none).
fn box_of(grid: &Grid, ps: impl Iterator<Item = usize>) -> [f64; 4] {
    let mut b = [
        f64::INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NEG_INFINITY,
    ];
    for p in ps {
        let (x, y) = (grid.xs[p], grid.ys[p]);
        b = [b[0].min(x), b[1].min(y), b[2].max(x), b[3].max(y)];
    }
    b
}

/// Squared distance from (x, y) to the nearest point of box `b`: no point in it is closer
/// (coordinate differences round monotonically, so this holds in floating point too).
fn box_d2(b: &[f64; 4], x: f64, y: f64) -> f64 {
    let dx = (b[0] - x).max(0.0).max(x - b[2]);
    let dy = (b[1] - y).max(0.0).max(y - b[3]);
    dx * dx + dy * dy
}

/// Whether two of 64 points spread through `ps` lie on one spot (`at` gives a point's spot).
fn sample_has_stacks(ps: &[u32], at: impl Fn(u32) -> (f64, f64)) -> bool {
    let step = (ps.len() / 64).max(1);
    let mut spots: Vec<(f64, f64)> = ps.iter().step_by(step).map(|&p| at(p)).collect();
    spots.sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
    spots.windows(2).any(|w| w[0] == w[1])
}

/// The textbook algorithm with brute-force neighbour search, as scikit-learn runs it.
/// O(n²): the test oracle for [`dbscan`], not for real data.
pub fn dbscan_reference(points: &[Xy], params: DbscanParams) -> Vec<i32> {
    let n = points.len();
    let eps2 = params.eps_m * params.eps_m;
    let neighbours: Vec<Vec<usize>> = (0..n)
        .map(|i| {
            (0..n)
                .filter(|&j| {
                    let (dx, dy) = (points[i].x - points[j].x, points[i].y - points[j].y);
                    dx * dx + dy * dy <= eps2
                })
                .collect()
        })
        .collect();
    let core: Vec<bool> = neighbours
        .iter()
        .map(|v| v.len() >= params.min_pts)
        .collect();
    let mut labels = vec![-1i32; n];
    let mut next = 0;
    for i in 0..n {
        if labels[i] != -1 || !core[i] {
            continue;
        }
        let mut stack = vec![i];
        while let Some(k) = stack.pop() {
            if labels[k] == -1 {
                labels[k] = next;
                if core[k] {
                    for &j in &neighbours[k] {
                        if labels[j] == -1 {
                            stack.push(j);
                        }
                    }
                }
            }
        }
        next += 1;
    }
    labels
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lcg(seed: u64) -> impl FnMut() -> f64 {
        let mut s = seed;
        move || {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (s >> 11) as f64 / (1u64 << 53) as f64
        }
    }

    #[test]
    fn dbscan_all_noise() {
        let pts: Vec<Xy> = (0..10).map(|i| Xy::new(i as f64 * 1000.0, 0.0)).collect();
        assert!(
            dbscan(&pts, DbscanParams::new(500.0, 2).unwrap())
                .iter()
                .all(|&l| l == -1)
        );
    }

    #[test]
    fn dbscan_hand_worked_two_clusters_border_and_noise() {
        // Cluster A: a 3-point line at 0,100,200 (eps 150, min 3 → only the middle is core;
        // the ends are border). Cluster B: four points around (1000,0). One far noise point.
        let pts = [
            Xy::new(0.0, 0.0),
            Xy::new(100.0, 0.0),
            Xy::new(200.0, 0.0),
            Xy::new(1000.0, 0.0),
            Xy::new(1050.0, 0.0),
            Xy::new(1000.0, 50.0),
            Xy::new(1050.0, 50.0),
            Xy::new(3000.0, 3000.0),
        ];
        let l = dbscan(&pts, DbscanParams::new(150.0, 3).unwrap());
        assert_eq!(l, vec![0, 0, 0, 1, 1, 1, 1, -1]);
    }

    #[test]
    fn dbscan_point_at_exactly_eps_is_a_neighbour() {
        let pts = [Xy::new(0.0, 0.0), Xy::new(300.0, 400.0)];
        assert_eq!(
            dbscan(&pts, DbscanParams::new(500.0, 2).unwrap()),
            vec![0, 0]
        );
    }

    #[test]
    fn dbscan_duplicates_form_a_cluster() {
        let pts = vec![Xy::new(5.0, 5.0); 6];
        assert_eq!(dbscan(&pts, DbscanParams::new(1.0, 5).unwrap()), vec![0; 6]);
        assert_eq!(
            dbscan(&pts, DbscanParams::new(1.0, 7).unwrap()),
            vec![-1; 6]
        );
    }

    /// The grid DBSCAN equals the textbook one at every (eps, min_pts) of `settings`.
    fn assert_matches_reference(pts: &[Xy], settings: &[(f64, usize)], seed: u64) {
        for &(eps, min_pts) in settings {
            let p = DbscanParams::new(eps, min_pts).unwrap();
            assert_eq!(
                dbscan(pts, p),
                dbscan_reference(pts, p),
                "seed {seed} eps {eps} min {min_pts}"
            );
        }
    }

    #[test]
    fn dbscan_matches_reference_on_seeded_random_data() {
        for seed in 0..12 {
            let mut r = lcg(seed);
            let n = 300 + (seed as usize * 37) % 400;
            let centres: Vec<Xy> = (0..5)
                .map(|_| Xy::new(r() * 20_000.0, r() * 20_000.0))
                .collect();
            let pts: Vec<Xy> = (0..n)
                .map(|k| {
                    if k % 4 == 0 {
                        Xy::new(r() * 20_000.0, r() * 20_000.0)
                    } else {
                        let c = centres[k % 5];
                        Xy::new(c.x + (r() - 0.5) * 3000.0, c.y + (r() - 0.5) * 3000.0)
                    }
                })
                .collect();
            let settings = [(300.0, 4), (500.0, 5), (120.0, 2), (1000.0, 15)];
            assert_matches_reference(&pts, &settings, seed);
        }
    }

    /// Stacks of 612–811 firms on the spots of a 20 m lattice (many sharing x or y), in
    /// shuffled order, with singletons between: every stack's cell has more than
    /// `SPOTS_FROM` core points, so one firm stands for its stack. At eps 25 m only lattice
    /// neighbours reach each other, so a stack dropped or merged wrongly breaks a chain the
    /// reference keeps, and a stand-in other than the first firm renumbers the clusters.
    #[test]
    fn dbscan_matches_reference_on_stacked_geocodes() {
        for seed in 0..2 {
            let mut r = lcg(100 + seed);
            let mut pts = Vec::new();
            for _ in 0..10 {
                let spot = Xy::new((r() * 8.0).floor() * 20.0, (r() * 8.0).floor() * 20.0);
                // Every stack fills a cell past `SPOTS_FROM`, so one firm stands for it.
                let size = SPOTS_FROM + 100 + (r() * 200.0) as usize;
                pts.extend(std::iter::repeat_n(spot, size));
            }
            // Few enough singletons that lattice components stay apart at eps 25 m.
            pts.extend((0..30).map(|_| Xy::new(r() * 160.0, r() * 160.0)));
            for k in (1..pts.len()).rev() {
                pts.swap(k, (r() * (k + 1) as f64) as usize);
            }
            // At 650 a stack is core only with a neighbour stack or enough singletons.
            assert_matches_reference(&pts, &[(25.0, 3), (25.0, 650), (45.0, 20)], seed);
        }
    }

    /// Hand-worked: two stacks of 600 firms 15.5 m apart (eps 10) joined only by one firm on
    /// the first stack's cell, 6 m from it and 9.5 m from the other (the same x): one cluster.
    /// Standing one firm for the first stack must keep the bridge.
    #[test]
    fn a_bridge_beside_a_stack_joins_two_stacks() {
        let mut pts = vec![Xy::new(0.5, 0.5); 600];
        pts.push(Xy::new(0.5, 6.5));
        pts.extend(std::iter::repeat_n(Xy::new(0.5, 16.0), 600));
        let p = DbscanParams::new(10.0, 5).unwrap();
        let labels = dbscan(&pts, p);
        assert_eq!(labels, vec![0; pts.len()]);
        assert_eq!(labels, dbscan_reference(&pts, p));
    }

    /// The lowest-index firm of a stacked cell sits at x = 0.0 and later ones at −0.0 (one
    /// spot by distance, two by bits): the first cluster must still be the one holding firm
    /// 0, as in the reference.
    #[test]
    fn a_stack_at_signed_zeros_keeps_its_first_firm() {
        let mut pts = vec![Xy::new(0.0, 5.0)];
        pts.extend(std::iter::repeat_n(Xy::new(1000.0, 1000.0), 600));
        pts.extend(std::iter::repeat_n(Xy::new(-0.0, 5.0), 600));
        let p = DbscanParams::new(10.0, 5).unwrap();
        let labels = dbscan(&pts, p);
        assert_eq!(labels[0], 0);
        assert_eq!(labels[1], 1);
        assert_eq!(labels, dbscan_reference(&pts, p));
    }

    #[test]
    fn invalid_parameters_are_rejected() {
        assert!(DbscanParams::new(0.0, 5).is_err());
        assert!(DbscanParams::new(f64::NAN, 5).is_err());
        assert!(DbscanParams::new(100.0, 0).is_err());
    }
}
