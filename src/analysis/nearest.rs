//! Nearest-neighbour and k-th-neighbour distances on the plane, by growing square rings of a
//! grid around each point (exact; no tree queries per point).

use std::sync::atomic::{AtomicU64, Ordering};

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
    let n = search.points.len();
    if n <= k.max(1) {
        return vec![f64::INFINITY; n];
    }
    // Each answer is written at its point's input position: relaxed atomic stores, so the
    // scattered writes need no lock and no second array in grid order (32 MB less at 4
    // million points).
    let out: Vec<AtomicU64> = (0..n)
        .map(|_| AtomicU64::new(f64::INFINITY.to_bits()))
        .collect();
    for_each_kth(
        search,
        k,
        || (),
        |_, i, d, _| {
            out[i as usize].store(d.to_bits(), Ordering::Relaxed);
        },
    );
    // Same size and alignment: the buffer is reused, not copied.
    out.into_iter()
        .map(|d| f64::from_bits(d.into_inner()))
        .collect()
}

/// The sum of every point's nearest-neighbour distance (what Clark–Evans needs), without
/// storing the distances: no scattered writes. Summed piece by piece in a fixed order, so
/// the result does not depend on the number of threads. Infinite below two points.
pub fn nearest_neighbour_sum_in(search: &NeighbourSearch) -> f64 {
    if search.points.len() < 2 {
        return f64::INFINITY;
    }
    for_each_kth(search, 1, || 0.0, |sum: &mut f64, _, d, _| *sum += d)
        .into_iter()
        .sum()
}

/// [`nearest_neighbour_sum_in`] and [`kth_neighbour_distances_in`] from one pass (the k
/// nearest found for each point include its nearest): the same sum, bit for bit, and the
/// same distances.
pub fn nearest_sum_and_kth_in(search: &NeighbourSearch, k: usize) -> (f64, Vec<f64>) {
    let n = search.points.len();
    if n < 2 || n <= k.max(1) {
        return (
            nearest_neighbour_sum_in(search),
            kth_neighbour_distances_in(search, k),
        );
    }
    let out: Vec<AtomicU64> = (0..n)
        .map(|_| AtomicU64::new(f64::INFINITY.to_bits()))
        .collect();
    let sum = for_each_kth(
        search,
        k,
        || 0.0,
        |sum: &mut f64, i, d, nearest| {
            out[i as usize].store(d.to_bits(), Ordering::Relaxed);
            *sum += nearest;
        },
    )
    .into_iter()
    .sum();
    let kth = out
        .into_iter()
        .map(|d| f64::from_bits(d.into_inner()))
        .collect();
    (sum, kth)
}

/// Finds every point's k-th-neighbour distance and hands it to `emit(state, point, d,
/// nearest)` with its nearest-neighbour distance (exact too: the k smallest found include
/// it); returns one state per piece of the finest grid, in grid order.
fn for_each_kth<S: Send>(
    search: &NeighbourSearch,
    k: usize,
    start: impl Fn() -> S + Sync,
    emit: impl Fn(&mut S, u32, f64, f64) + Sync,
) -> Vec<S> {
    let points = search.points;
    let k = k.max(1);
    let grid = search.level(0);
    // Threads take pieces of whole cells (about 4,096 points each).
    let mut pieces: Vec<std::ops::Range<usize>> = Vec::new();
    let n_cells = grid.n_cells();
    let mut c0 = 0;
    while c0 < n_cells {
        let first = grid.points_of(c0).start;
        let mut c1 = c0 + 1;
        while c1 < n_cells && grid.points_of(c1).end - first <= 4096 {
            c1 += 1;
        }
        pieces.push(c0..c1);
        c0 = c1;
    }
    pieces
        .into_par_iter()
        .map_init(
            || (Block::default(), Vec::new()),
            |(block, best): &mut (Block, Vec<f64>), cells| {
                let mut state = start();
                // Cells come in row-major order: the three neighbouring rows are walked with
                // cursors that only move forward, found by binary search once per row.
                let mut row_of_cursors = i64::MIN;
                let mut cursor = [0..0, 0..0, 0..0];
                for c in cells {
                    let (ci, cj) = grid.cell_ij(c);
                    if ci != row_of_cursors {
                        row_of_cursors = ci;
                        for (t, row) in (ci - 1..=ci + 1).enumerate() {
                            cursor[t] = grid.row_cells(row, cj - 1, i64::from(u32::MAX));
                        }
                    }
                    // The 3×3 block's points: three runs of sorted positions, one per row.
                    let mut runs = [0..0, 0..0, 0..0];
                    for (cur, run) in cursor.iter_mut().zip(runs.iter_mut()) {
                        while cur.start < cur.end && grid.cell_ij(cur.start).1 < cj - 1 {
                            cur.start += 1;
                        }
                        let mut end = cur.start;
                        while end < cur.end && grid.cell_ij(end).1 <= cj + 1 {
                            end += 1;
                        }
                        if cur.start < end {
                            *run = grid.points_of(cur.start).start..grid.points_of(end - 1).end;
                        }
                    }
                    // Gathered once, when a point first needs it (not when every point of the
                    // cell has twins); every point of the cell is answered from it when the
                    // answer is provably inside the block, else searched further.
                    let mut gathered = false;
                    let cell = grid.points_of(c);
                    for pos in cell.clone() {
                        let i = grid.order[pos];
                        let p = Xy::new(grid.xs[pos], grid.ys[pos]);
                        let twins = has_k_twins(grid, cell.clone(), pos, k);
                        if !twins && !gathered {
                            block.gather(grid, &runs, cell.clone());
                            gathered = true;
                        }
                        let found = if twins {
                            best.clear();
                            best.resize(k, 0.0);
                            Some(0.0)
                        } else if k == 1 {
                            block.nearest(p, i)
                        } else {
                            block.kth(p, k, best)
                        };
                        let reach = grid.block_margin(p, ci, cj, 1);
                        let d = match found {
                            Some(d2) if d2 <= reach * reach => d2.sqrt(),
                            // The block's k-th distance bounds the answer: search the square
                            // of that half-width on a grid whose cells suit it.
                            Some(d2) => search.kth_within(i as usize, p, k, d2.sqrt(), best),
                            // Nothing else in the 3×3 block: the finest grid's rings
                            // would be empty too, so start one grid coarser.
                            None => search.kth(points, i as usize, k, best, 1),
                        };
                        // Every route leaves the k smallest squared distances in `best`.
                        let nearest = match k {
                            1 => d,
                            _ => best.first().map_or(f64::INFINITY, |d2| d2.sqrt()),
                        };
                        emit(&mut state, i, d, nearest);
                    }
                }
                state
            },
        )
        .collect()
}

/// Whether the k points beside sorted position `pos` of its cell `cell` (before and after
/// it) lie on the same spot: its k nearest are then at 0 without scanning the block (many
/// firms on one geocode sit side by side in their cell).
fn has_k_twins(grid: &Grid, cell: std::ops::Range<usize>, pos: usize, k: usize) -> bool {
    let (x, y) = (grid.xs[pos], grid.ys[pos]);
    let same = |q: usize| grid.xs[q] == x && grid.ys[q] == y;
    let after = (pos + 1..cell.end).take(k).take_while(|&q| same(q)).count();
    let before = (cell.start..pos)
        .rev()
        .take(k - after)
        .take_while(|&q| same(q))
        .count();
    after + before == k
}

/// Keeps `best` the k smallest squared distances seen, ascending.
fn keep_k_smallest(best: &mut Vec<f64>, k: usize, d2: f64) {
    if best.len() < k {
        let at = best.partition_point(|b| *b < d2);
        best.insert(at, d2);
    } else if d2 < best[k - 1] {
        best.pop();
        let at = best.partition_point(|b| *b < d2);
        best.insert(at, d2);
    }
}

/// The points of a 3×3 block of cells, as columns (so the k = 1 scan vectorises).
#[derive(Default)]
struct Block {
    xs: Vec<f64>,
    ys: Vec<f64>,
    ids: Vec<u32>,
}

impl Block {
    fn clear(&mut self) {
        self.xs.clear();
        self.ys.clear();
        self.ids.clear();
    }

    /// The points of the three rows' `runs` (sorted positions), those of `centre` (a cell
    /// inside the middle run) first: they bound the k-th distance early, so few of the rest
    /// are kept even for a moment.
    fn gather(
        &mut self,
        grid: &Grid,
        runs: &[std::ops::Range<usize>; 3],
        centre: std::ops::Range<usize>,
    ) {
        self.clear();
        self.extend(grid, centre.clone());
        self.extend(grid, runs[1].start..centre.start.max(runs[1].start));
        self.extend(grid, centre.end.min(runs[1].end)..runs[1].end);
        self.extend(grid, runs[0].clone());
        self.extend(grid, runs[2].clone());
    }

    /// Appends the grid's points at sorted positions `range`.
    fn extend(&mut self, grid: &Grid, range: std::ops::Range<usize>) {
        self.xs.extend_from_slice(&grid.xs[range.clone()]);
        self.ys.extend_from_slice(&grid.ys[range.clone()]);
        self.ids.extend_from_slice(&grid.order[range]);
    }

    /// Squared distance from `p` (point `i`) to the nearest other point of the block.
    fn nearest(&self, p: Xy, i: u32) -> Option<f64> {
        let n = self.xs.len().min(self.ys.len()).min(self.ids.len());
        let (xs, ys, ids) = (&self.xs[..n], &self.ys[..n], &self.ids[..n]);
        let mut best = f64::INFINITY;
        // In runs of 256, stopping once a duplicate is found: many firms on one geocode must
        // not make this quadratic.
        for start in (0..n).step_by(256) {
            let end = (start + 256).min(n);
            best = best.min(nearest_in(
                &xs[start..end],
                &ys[start..end],
                &ids[start..end],
                p,
                i,
            ));
            if best == 0.0 {
                break;
            }
        }
        best.is_finite().then_some(best)
    }

    /// Squared distance from `p` (a point of the block's centre cell) to its k-th nearest
    /// other point of the block.
    fn kth(&self, p: Xy, k: usize, best: &mut Vec<f64>) -> Option<f64> {
        const RUN: usize = 64;
        let n = self.xs.len().min(self.ys.len());
        let (xs, ys) = (&self.xs[..n], &self.ys[..n]);
        let mut d2s = [0.0; RUN];
        best.clear();
        // The k + 1 smallest of every point's distance, `p` itself included: it is one of
        // them, at exactly 0, so dropping one 0 leaves the k smallest of the others (twins
        // of `p` are at 0 too: which 0 goes does not matter). Distances are found a run at a
        // time (vector instructions), and only those below the (k + 1)-th so far are kept.
        for start in (0..n).step_by(RUN) {
            let end = (start + RUN).min(n);
            let run = &mut d2s[..end - start];
            squared_distances(&xs[start..end], &ys[start..end], p, run);
            for &d2 in run.iter() {
                let bound = best.get(k).copied().unwrap_or(f64::INFINITY);
                if d2 < bound {
                    keep_k_smallest(best, k + 1, d2);
                }
            }
            // k + 1 points at distance 0 cannot be beaten.
            if best.get(k) == Some(&0.0) {
                break;
            }
        }
        if best.first() != Some(&0.0) {
            // Unreachable (`p` is in the block); the caller's full search would answer.
            best.clear();
            return None;
        }
        best.remove(0);
        (best.len() == k).then(|| best[k - 1])
    }
}

/// Squared distances from `p` to the points of equal-length columns into `out` (without
/// branches, so it compiles to vector instructions).
#[inline]
fn squared_distances(xs: &[f64], ys: &[f64], p: Xy, out: &mut [f64]) {
    let n = out.len().min(xs.len()).min(ys.len());
    let (xs, ys, out) = (&xs[..n], &ys[..n], &mut out[..n]);
    for t in 0..n {
        let (dx, dy) = (xs[t] - p.x, ys[t] - p.y);
        out[t] = dx * dx + dy * dy;
    }
}

/// Smallest squared distance from `p` to the points of equal-length columns, skipping point
/// `i`: four lanes without branches, so it compiles to vector instructions (the minimum is
/// exact, so the lanes' order does not change it).
#[inline]
fn nearest_in(xs: &[f64], ys: &[f64], ids: &[u32], p: Xy, i: u32) -> f64 {
    const LANES: usize = 4;
    let mut lanes = [f64::INFINITY; LANES];
    let (cx, cy, ci) = (
        xs.chunks_exact(LANES),
        ys.chunks_exact(LANES),
        ids.chunks_exact(LANES),
    );
    let tail = (cx.remainder(), cy.remainder(), ci.remainder());
    let lane = |x: f64, y: f64, id: u32, best: f64| {
        let (dx, dy) = (x - p.x, y - p.y);
        let d2 = if id == i {
            f64::INFINITY
        } else {
            dx * dx + dy * dy
        };
        if d2 < best { d2 } else { best }
    };
    for ((x, y), id) in cx.zip(cy).zip(ci) {
        for l in 0..LANES {
            lanes[l] = lane(x[l], y[l], id[l], lanes[l]);
        }
    }
    for ((x, y), id) in tail.0.iter().zip(tail.1).zip(tail.2) {
        lanes[0] = lane(*x, *y, *id, lanes[0]);
    }
    lanes[0].min(lanes[1]).min(lanes[2].min(lanes[3]))
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
            search.kth(points, which[slot as usize] as usize, k, best, 0)
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
    /// Cell sizes, finest first.
    cells: Vec<f64>,
    /// The finest grid, which every search starts from.
    finest: Grid,
    /// The coarser grids (`cells[1..]`), each built on first use (most searches never need
    /// them).
    levels: Vec<LazyGrid>,
}

/// A grid built on first use, from inside the parallel searches. Its build is parallel too,
/// and a pool thread that waits for it may be the one holding a piece of that very build: a
/// thread waiting inside a parallel task takes on other tasks, among them a search that needs
/// the grid. With a plain `OnceLock` such a thread waits for a build that waits for it (it
/// hung `analyze` once, and `suggest` in CI). So nobody waits: the first caller builds it,
/// and every search asking while it is built is told to use another grid (answers are exact
/// on any grid).
#[derive(Default)]
struct LazyGrid {
    grid: std::sync::OnceLock<Grid>,
    /// Set by the caller that builds the grid, before it starts.
    claimed: std::sync::atomic::AtomicBool,
}

impl LazyGrid {
    /// The grid, built by `build` when missing and nobody builds it yet; None while it is
    /// built (by another thread, or by this one re-entering from inside the build).
    fn get_or_build(&self, build: impl FnOnce() -> Grid) -> Option<&Grid> {
        use std::sync::atomic::Ordering;
        if let Some(g) = self.grid.get() {
            return Some(g);
        }
        if self.claimed.swap(true, Ordering::AcqRel) {
            // Being built, or built between the two checks.
            return self.grid.get();
        }
        let _ = self.grid.set(build());
        self.grid.get()
    }
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
        // Median number of points in the coarse cell a point falls in, estimated on every
        // `step`-th point (the cell sizes only affect speed: answers are exact whatever they are).
        let step = (n / 1_000_000).max(1);
        let sample: Vec<Xy> = points.iter().step_by(step).copied().collect();
        let coarse = Grid::build(&sample, coarse_cell);
        let mut occ: Vec<u32> = (0..coarse.n_cells())
            .flat_map(|c| {
                let m = coarse.points_of(c).len() as u32;
                std::iter::repeat_n(m, m as usize)
            })
            .collect();
        let mid = occ.len() / 2;
        let median = if occ.is_empty() {
            0.0
        } else {
            *occ.select_nth_unstable(mid).1 as f64 * step as f64
        };
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
        // Kept even when barely coarser than the finest (26 and 37 m at 4M evenly spread
        // firms): without it the finest's unsettled points go to a grid 16× coarser, and a
        // dense core with sparse outskirts took 2–6× longer (BENCHMARKS.md, session 18).
        cells.push(coarse_cell);
        let (mi, mj) = coarse.dims();
        if mi.max(mj) > 64 {
            cells.push(coarse_cell * 16.0);
        }
        // The finest grid answers most points and keeps its coordinates in cell order; the
        // coarser ones serve the few isolated points and hold indices only (64 MB less each
        // at 4 million points).
        let finest = Grid::build(points, cells[0]);
        let levels = cells.iter().skip(1).map(|_| LazyGrid::default()).collect();
        Self {
            points,
            cells,
            finest,
            levels,
        }
    }

    /// The grid of level `l` (0 the finest); the finest instead while this thread is
    /// building level `l` itself.
    fn level(&self, l: usize) -> &Grid {
        let Some(lazy) = l.checked_sub(1).and_then(|k| self.levels.get(k)) else {
            return &self.finest;
        };
        lazy.get_or_build(|| Grid::build_compact(self.points, self.cells[l]))
            .unwrap_or(&self.finest)
    }

    /// k-th neighbour distance of point `i` at `p`, known to be at most `bound`: every point
    /// of the square of half-width `bound` around `p` is examined, on the finest grid whose
    /// cells are at least half that wide (so the square spans a few cells).
    fn kth_within(&self, i: usize, p: Xy, k: usize, bound: f64, best: &mut Vec<f64>) -> f64 {
        let l = self
            .cells
            .iter()
            .position(|c| *c >= bound / 2.0)
            .unwrap_or(self.cells.len() - 1);
        let grid = self.level(l);
        let (i0, j0) = grid.ij_of(Xy::new(p.x - bound, p.y - bound));
        let (i1, j1) = grid.ij_of(Xy::new(p.x + bound, p.y + bound));
        best.clear();
        for row in i0..=i1 {
            for c in grid.row_cells(row, j0, j1) {
                for q in grid.points_of(c) {
                    if best.len() == k && best[k - 1] == 0.0 {
                        return 0.0;
                    }
                    if grid.order[q] as usize == i {
                        continue;
                    }
                    let o = grid.point(q, self.points);
                    let (dx, dy) = (o.x - p.x, o.y - p.y);
                    let d2 = dx * dx + dy * dy;
                    keep_k_smallest(best, k, d2);
                }
            }
        }
        best.get(k - 1).map_or(f64::INFINITY, |d2| d2.sqrt())
    }

    /// k-th neighbour distance of point `i`, searching from grid level `first` (coarser
    /// levels follow when a level's few rings do not settle it); `best` is scratch space.
    fn kth(&self, points: &[Xy], i: usize, k: usize, best: &mut Vec<f64>, first: usize) -> f64 {
        let p = points[i];
        let last_level = self.cells.len() - 1;
        for lvl in first.min(last_level)..self.cells.len() {
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
                            let o = grid.point(q, points);
                            let (dx, dy) = (o.x - p.x, o.y - p.y);
                            let d2 = dx * dx + dy * dy;
                            keep_k_smallest(best, k, d2);
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
mod tests;
