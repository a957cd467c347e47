//! The zone locator: a grid listing, per cell, the only zones that can contain or be nearest
//! to a point in it, and for each the only boundary segments that can be closest.
//!
//! With h half a cell's diagonal (plus a margin for ground-versus-plane lengths) and d(c)
//! distances from the cell's centre: a zone is a candidate when d(c) − h ≤ min d(c) + h, and a
//! segment when its distance is within 2h of the nearest segment's. Exact.
//!
//! Cells are built in blocks of 8 × 8: a block tests every zone and segment, then each
//! quarter of a square tests only its parent's candidates. A child's centre is within
//! h/2 of its parent's and its h is half the parent's, so everything the child can keep
//! (within 2 × h/2 + 2 × h/2 = 2h of the parent's best) is among the parent's candidates.

use rayon::prelude::*;

use super::boundary::{Boundary, Part, Step};
use super::steps::{as_ranges, near_first};
use super::zone_shape::ZoneShape;
use crate::crs::Projection;
use crate::model::Xy;

/// Whether a whole locator cell is inside, outside or across a zone's boundary.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum CellState {
    Inside,
    Outside,
    Mixed,
}

/// One zone that can be nearest to points of a locator cell, with the boundary segments that
/// can be closest to them (`segs` is a range of [`ZoneLocator::segs`]): segment numbers, or
/// numbers of runs of segments when `runs` (a detailed boundary far from the cell).
#[derive(Clone, Copy, Debug)]
pub(super) struct CellCandidate {
    pub shape: u16,
    pub state: CellState,
    pub runs: bool,
    pub segs: (u32, u32),
    /// The steps of `segs` by distance from the cell's centre (a range of
    /// [`ZoneLocator::steps`]).
    pub steps: (u32, u32),
}

/// Halvings from a block to a cell: blocks of 8 × 8 cells.
const LEVELS: u32 = 3;
const SIDE: usize = 1 << LEVELS;

/// The grid of cells, stored block by block and in Z order inside a block.
pub(super) struct ZoneLocator {
    origin: Xy,
    pub(super) cell: f64,
    /// Blocks across and down.
    bx: usize,
    by: usize,
    starts: Vec<u32>,
    entries: Vec<CellCandidate>,
    /// Each candidate's segments, nearer and nearer to the cell's centre by steps.
    pub(super) segs: Vec<u32>,
    /// Each candidate's steps (at most [`BUCKETS`]): a few bytes a candidate, not a bound
    /// per segment (a 99,000-vertex outline keeps a hundred million segment entries at 4M
    /// firms).
    pub(super) steps: Vec<Step>,
}

/// One candidate while building: its zone distance `f` (0 inside) decides whether it is kept.
#[derive(Clone, Copy)]
struct Cand {
    shape: u16,
    state: CellState,
    f: f64,
    /// Its place among the parent's candidates (u32::MAX at a block).
    from: u32,
    segs: (u32, u32),
    /// `segs` lists runs of segments, not segments.
    runs: bool,
}

/// The candidates of one square being built, and the segments (or runs) they keep.
#[derive(Default)]
struct Node {
    cands: Vec<Cand>,
    segs: Vec<u32>,
    /// The distance of each of `segs` from the square's centre (a run's: its box's).
    dist: Vec<f64>,
}

/// What one block contributes: its cells' candidates in Z order.
#[derive(Default)]
struct BlockOut {
    /// Number of candidates of each cell, in Z order.
    counts: Vec<u32>,
    entries: Vec<CellCandidate>,
    segs: Vec<u32>,
    steps: Vec<Step>,
}

/// Half a square's diagonal plus a margin for ground-versus-plane lengths.
fn reach(side: f64) -> f64 {
    side * std::f64::consts::FRAC_1_SQRT_2 * 1.001 + 1.0
}

impl ZoneLocator {
    /// The locator over `lo..hi` for `shapes`, its cells sized for `n_points` lookups.
    pub(super) fn build(
        shapes: &[ZoneShape],
        proj: &Projection,
        (lo, hi): (Xy, Xy),
        n_points: usize,
    ) -> Option<Self> {
        if shapes.is_empty()
            || shapes.len() > u16::MAX as usize
            || !(lo.x.is_finite() && hi.x.is_finite() && lo.y.is_finite() && hi.y.is_finite())
        {
            return None;
        }
        // A lookup costs about the segments its cell keeps, which grow with the square root
        // of the cell's side (farther from a zone, more of its boundary lies within 2h of the
        // nearest point); a cell costs a few of its parent's candidates to build. One cell per
        // 128 lookups kept the sum least at 4 million firms (one per 8, 32 or 48 was slower).
        let area = (hi.x - lo.x).max(1.0) * (hi.y - lo.y).max(1.0);
        let target = (n_points / 128).clamp(4096, 1 << 20) as f64;
        let extent = (hi.x - lo.x).max(hi.y - lo.y).max(1.0);
        let cell = (area / target).sqrt().max(extent / 8192.0).max(10.0);
        let block = cell * SIDE as f64;
        let bx = ((hi.x - lo.x) / block).floor() as usize + 1;
        let by = ((hi.y - lo.y) / block).floor() as usize + 1;
        if bx.saturating_mul(by).saturating_mul(SIDE * SIDE) > 4_000_000 {
            return None;
        }
        let blocks: Vec<BlockOut> = (0..bx * by)
            .into_par_iter()
            .map_init(
                || {
                    vec![
                        Node::default(),
                        Node::default(),
                        Node::default(),
                        Node::default(),
                    ]
                },
                |nodes, b| {
                    let corner = Xy::new(
                        lo.x + (b % bx) as f64 * block,
                        lo.y + (b / bx) as f64 * block,
                    );
                    let mut out = BlockOut::default();
                    build_square(shapes, proj, corner, block, 0, nodes, &mut out);
                    out
                },
            )
            .collect();
        let mut starts = Vec::with_capacity(bx * by * SIDE * SIDE + 1);
        let mut entries = Vec::new();
        let mut segs: Vec<u32> = Vec::new();
        let mut steps: Vec<Step> = Vec::new();
        starts.push(0);
        for b in blocks {
            let (base, step_base) = (segs.len() as u32, steps.len() as u32);
            entries.extend(b.entries.iter().map(|e| CellCandidate {
                segs: (e.segs.0 + base, e.segs.1 + base),
                steps: (e.steps.0 + step_base, e.steps.1 + step_base),
                ..*e
            }));
            segs.extend(b.segs);
            steps.extend(b.steps);
            let mut at = *starts.last().unwrap_or(&0);
            for c in b.counts {
                at += c;
                starts.push(at);
            }
        }
        Some(Self {
            origin: lo,
            cell,
            bx,
            by,
            starts,
            entries,
            segs,
            steps,
        })
    }

    /// The candidates of the cell holding a plane point, or None outside the grid.
    #[cfg(test)]
    pub(super) fn candidates(&self, p: Xy) -> Option<&[CellCandidate]> {
        self.cell_at(p).map(|(c, _)| c)
    }

    /// The candidates of the cell holding a plane point and the cell's centre, or None
    /// outside the grid.
    pub(super) fn cell_at(&self, p: Xy) -> Option<(&[CellCandidate], Xy)> {
        let i = ((p.x - self.origin.x) / self.cell).floor();
        let j = ((p.y - self.origin.y) / self.cell).floor();
        if !(i >= 0.0 && j >= 0.0) || i >= (self.bx * SIDE) as f64 || j >= (self.by * SIDE) as f64 {
            return None;
        }
        let (i, j) = (i as usize, j as usize);
        let b = (j / SIDE) * self.bx + i / SIDE;
        let k = b * SIDE * SIDE + z_order(i % SIDE, j % SIDE);
        let (s, e) = (*self.starts.get(k)?, *self.starts.get(k + 1)?);
        let centre = Xy::new(
            self.origin.x + (i as f64 + 0.5) * self.cell,
            self.origin.y + (j as f64 + 0.5) * self.cell,
        );
        Some((self.entries.get(s as usize..e as usize)?, centre))
    }

    /// The segments (or runs) kept for `e` and their steps by distance from the cell's
    /// centre.
    pub(super) fn segments_of(&self, e: &CellCandidate) -> (Part<'_>, &[Step]) {
        let list = self
            .segs
            .get(e.segs.0 as usize..e.segs.1 as usize)
            .unwrap_or_default();
        (
            if e.runs {
                Part::RunRanges(list)
            } else {
                Part::Segments(list)
            },
            self.steps
                .get(e.steps.0 as usize..e.steps.1 as usize)
                .unwrap_or_default(),
        )
    }

    /// Number of cells (for tests and benchmarks).
    #[cfg(test)]
    pub(super) fn n_cells(&self) -> usize {
        self.starts.len() - 1
    }
}

/// Position of cell (i, j) of a block in Z order: the bits of i and j interleaved.
fn z_order(i: usize, j: usize) -> usize {
    let mut k = 0;
    for bit in 0..LEVELS {
        k |= ((i >> bit) & 1) << (2 * bit);
        k |= ((j >> bit) & 1) << (2 * bit + 1);
    }
    k
}

/// Builds the square of side `side` at `corner` (level `level`, 0 = a block) from the
/// candidates in `nodes[level - 1]` (every zone at level 0), then its quarters in Z order;
/// cells (the last level) are written to `out`.
fn build_square(
    shapes: &[ZoneShape],
    proj: &Projection,
    corner: Xy,
    side: f64,
    level: u32,
    nodes: &mut [Node],
    out: &mut BlockOut,
) {
    let centre = Xy::new(corner.x + side / 2.0, corner.y + side / 2.0);
    let h = reach(side);
    let l = level as usize;
    let (done, rest) = nodes.split_at_mut(l);
    let Some(node) = rest.first_mut() else {
        return;
    };
    candidates_at(shapes, proj, centre, h, done.last(), node);
    if level == LEVELS {
        out.counts.push(node.cands.len() as u32);
        // Each candidate's segments in steps by the distance from the centre, which a
        // lookup's search stops by; its runs as ranges, the nearest first, as
        // `Boundary::closest_ranged` takes them.
        for c in &node.cands {
            let (s0, t0) = (out.segs.len() as u32, out.steps.len() as u32);
            let r = c.segs.0 as usize..c.segs.1 as usize;
            match (node.segs.get(r.clone()), node.dist.get(r)) {
                (Some(runs), Some(dist)) if c.runs => as_ranges(runs, dist, &mut out.segs),
                (Some(segs), Some(dist)) => near_first(segs, dist, &mut out.segs, &mut out.steps),
                _ => {}
            }
            out.entries.push(CellCandidate {
                shape: c.shape,
                state: c.state,
                runs: c.runs,
                segs: (s0, out.segs.len() as u32),
                steps: (t0, out.steps.len() as u32),
            });
        }
        return;
    }
    let half = side / 2.0;
    // Z order: (0,0), (1,0), (0,1), (1,1) in (i, j).
    for q in 0..4 {
        let c = Xy::new(
            corner.x + (q & 1) as f64 * half,
            corner.y + (q >> 1) as f64 * half,
        );
        build_square(shapes, proj, c, half, level + 1, nodes, out);
    }
}

/// Fills `node` with the candidates of the square centred on `c` with half-diagonal `h`,
/// testing only `parent`'s candidates and segments (every zone and segment without one).
fn candidates_at(
    shapes: &[ZoneShape],
    proj: &Projection,
    c: Xy,
    h: f64,
    parent: Option<&Node>,
    node: &mut Node,
) {
    node.cands.clear();
    node.segs.clear();
    node.dist.clear();
    let ll = proj.unproject(c);
    let each = |k: usize| -> Option<(usize, Option<Inherited>)> {
        match parent {
            None => Some((k, None)),
            Some(p) => {
                let cand = p.cands.get(k)?;
                Some((cand.shape as usize, Some((cand.state, part_of(p, cand)?))))
            }
        }
    };
    let n = parent.map_or(shapes.len(), |p| p.cands.len());
    // The zone distance of each candidate; the state is settled below once kept.
    let mut upper = f64::INFINITY;
    for k in 0..n {
        let Some((z, from)) = each(k) else { continue };
        let Some(shape) = shapes.get(z) else { continue };
        let subset = from.map(|(_, s)| s);
        let (f, state) = match from.map(|(s, _)| s) {
            // The parent lies wholly inside: so does this quarter.
            Some(CellState::Inside) => (0.0, CellState::Inside),
            _ if !shape.is_area() => (shape.boundary_distance(c, None, proj).0, CellState::Outside),
            parent_state => {
                let (b, _) = shape.boundary_distance(c, subset, proj);
                // The parent lies wholly outside: so does this quarter.
                let inside = parent_state != Some(CellState::Outside) && shape.contains(ll);
                let state = if !inside && b > h {
                    CellState::Outside
                } else if inside && b > h {
                    CellState::Inside
                } else {
                    CellState::Mixed
                };
                (if inside { 0.0 } else { b }, state)
            }
        };
        upper = upper.min(f + h);
        node.cands.push(Cand {
            shape: z as u16,
            state,
            f,
            from: if parent.is_some() { k as u32 } else { u32::MAX },
            segs: (0, 0),
            runs: false,
        });
    }
    // Keep the zones that can be nearest, each with the segments that can be closest.
    let mut kept = 0;
    for k in 0..node.cands.len() {
        let Some(mut cand) = node.cands.get(k).copied() else {
            continue;
        };
        if cand.f - h > upper {
            continue;
        }
        let shape = &shapes[cand.shape as usize];
        if cand.state != CellState::Inside && shape.is_area() {
            let start = node.segs.len() as u32;
            let b = shape.boundary();
            cand.runs = match parent.and_then(|p| part_of(p, p.cands.get(cand.from as usize)?)) {
                Some(Part::Segments(subset)) => {
                    keep_segments(b, c, h, subset.iter().copied(), node);
                    false
                }
                Some(Part::Runs(subset)) => keep_runs(b, c, h, subset.iter().copied(), node),
                // Every run at a block (a square being built never lists ranges).
                Some(Part::RunRanges(_)) | None => keep_runs(b, c, h, 0..b.n_runs() as u32, node),
            };
            cand.segs = (start, node.segs.len() as u32);
        }
        node.cands[kept] = cand;
        kept += 1;
    }
    node.cands.truncate(kept);
}

/// A parent's state for a zone and the segments (or runs) it kept.
type Inherited<'a> = (CellState, Part<'a>);

/// The segments (or runs) `cand` of `node` keeps.
fn part_of<'a>(node: &'a Node, cand: &Cand) -> Option<Part<'a>> {
    let list = node.segs.get(cand.segs.0 as usize..cand.segs.1 as usize)?;
    Some(if cand.runs {
        Part::Runs(list)
    } else {
        Part::Segments(list)
    })
}

/// Runs kept at most, below which a candidate keeps their segments instead: a few runs are
/// measured faster segment by segment, and a coarse outline (16 segments a run of several
/// kilometres) keeps only the segments near the cell.
const EXPAND: usize = 4;

/// Appends to `node` the runs among `from` whose box is within 2h of the nearest segment to
/// `c` (every segment that [`keep_segments`] would keep lies in one), and returns true; or,
/// when at most [`EXPAND`] runs are left, the segments of those runs that `keep_segments`
/// keeps, and returns false.
fn keep_runs(
    b: &Boundary,
    c: Xy,
    h: f64,
    from: impl Iterator<Item = u32> + Clone,
    node: &mut Node,
) -> bool {
    let nearest = b.closest_in_runs(c, from.clone()).d2.sqrt();
    let start = node.segs.len();
    for r in from {
        let d = b.run_distance(r as usize, c);
        // NaN for a NaN centre: kept, as a box with a NaN end is (distance 0).
        let beyond = d > nearest + 2.0 * h;
        if !beyond {
            node.segs.push(r);
            node.dist.push(d);
        }
    }
    if node.segs.len() - start > EXPAND {
        return true;
    }
    let mut runs = [0u32; EXPAND];
    let n = node.segs.len() - start;
    runs[..n].copy_from_slice(&node.segs[start..]);
    node.segs.truncate(start);
    node.dist.truncate(start);
    let segs = runs[..n].iter().flat_map(|&r| b.run_segments(r));
    keep_segments(b, c, h, segs, node);
    false
}

/// Appends to `node` the segments among `from` within 2h of the nearest of them to `c`.
fn keep_segments(b: &Boundary, c: Xy, h: f64, from: impl Iterator<Item = u32>, node: &mut Node) {
    // Measured once: appended with their distances, then those beyond 2h cut out in place.
    let start = node.segs.len();
    let mut dmin = f64::INFINITY;
    for s in from {
        let d = b.segment_distance(s as usize, c);
        dmin = dmin.min(d);
        node.segs.push(s);
        node.dist.push(d);
    }
    let mut kept = start;
    for k in start..node.segs.len() {
        if node.dist[k] <= dmin + 2.0 * h {
            node.segs[kept] = node.segs[k];
            node.dist[kept] = node.dist[k];
            kept += 1;
        }
    }
    node.segs.truncate(kept);
    node.dist.truncate(kept);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::SpatialIndex;
    use crate::model::{Firms, LonLat};

    /// Locating through cells of several sizes gives exactly what testing every zone and
    /// every segment gives (same zones inside, same nearest zone, same distance bit for bit),
    /// on the bundled district polygons: neighbours sharing long detailed borders, so ties
    /// and near-ties between zones and segments abound.
    #[test]
    fn cells_of_every_size_answer_as_every_zone_and_segment_do() {
        let zones = super::super::district_zones();
        // Random points over the city and beyond it, plus points on a fine lattice across a
        // stretch of borders.
        let mut rng = crate::model::Rng::new(7);
        let mut pts: Vec<LonLat> = (0..4000)
            .map(|_| LonLat::new(113.7 + 0.7 * rng.uniform(), 22.4 + 0.5 * rng.uniform()))
            .collect();
        for a in 0..60 {
            for b in 0..60 {
                pts.push(LonLat::new(
                    113.95 + a as f64 * 0.001,
                    22.52 + b as f64 * 0.001,
                ));
            }
        }
        let mut sizes = Vec::new();
        for n_points in [1_000, 4_000_000, 128 << 20] {
            let seen = check_cells(&zones, &pts, n_points);
            // Some points fell in cells across a border, where the full test runs; cells
            // listed runs of a border and others its segments.
            assert!(seen.mixed > 50, "{seen:?}");
            assert!(seen.by_runs > 0 && seen.by_segments > 0, "{seen:?}");
            sizes.push((seen.cell, seen.n_cells));
        }
        // The three builds really had different cells, down to a few tens of metres.
        assert!(
            sizes[0].0 > 2.0 * sizes[1].0 && sizes[1].0 > 4.0 * sizes[2].0,
            "{sizes:?}"
        );
        assert!(sizes[2].0 < 100.0, "{sizes:?}");
    }

    /// A surveyed outline of 20,000 vertices (segments of 1–2 m, wavy at every scale): its
    /// cells list runs of segments near and far, and still answer as every segment does.
    #[test]
    fn a_detailed_outline_answers_as_every_segment_does() {
        let mut rng = crate::model::Rng::new(11);
        let n = 20_000;
        let ring: Vec<String> = (0..=n)
            .map(|k| {
                let a = (k % n) as f64 / n as f64 * std::f64::consts::TAU;
                let r = 0.03 * (1.0 + 0.1 * (7.0 * a).sin() + 0.002 * (900.0 * a).sin());
                format!("[{:.7},{:.7}]", 114.05 + r * a.cos(), 22.55 + r * a.sin())
            })
            .collect();
        let text = format!(
            r#"{{"type":"FeatureCollection","features":[{{"type":"Feature","properties":{{"id":"R"}},"geometry":{{"type":"Polygon","coordinates":[[{}]]}}}}]}}"#,
            ring.join(",")
        );
        let zones = crate::data::load_zones_str(&text, "ring", &Default::default())
            .expect("the ring loads")
            .zones;
        let mut pts: Vec<LonLat> = (0..3000)
            .map(|_| LonLat::new(113.9 + 0.3 * rng.uniform(), 22.4 + 0.3 * rng.uniform()))
            .collect();
        // Points within a few metres of the outline, on both sides.
        pts.extend((0..3000).map(|_| {
            let a = rng.uniform() * std::f64::consts::TAU;
            let r = 0.03 * (1.0 + 0.1 * (7.0 * a).sin()) + 0.0001 * (rng.uniform() - 0.5);
            LonLat::new(114.05 + r * a.cos(), 22.55 + r * a.sin())
        }));
        for n_points in [1_000, 4_000_000] {
            let seen = check_cells(&zones, &pts, n_points);
            assert!(seen.mixed > 500, "{seen:?}");
            assert!(seen.by_runs > seen.n_cells / 2, "{seen:?}");
        }
    }

    /// What [`check_cells`] saw.
    #[derive(Debug)]
    struct Seen {
        cell: f64,
        n_cells: usize,
        /// Points in cells across a zone's border.
        mixed: usize,
        /// Cell candidates listing runs, and listing segments.
        by_runs: usize,
        by_segments: usize,
    }

    /// Builds the locator for `n_points` lookups over `pts` and checks, point by point, the
    /// zones inside and the nearest zone against every zone and every segment (and the
    /// R-tree path), and each zone's firms inside against the ring test.
    fn check_cells(zones: &[crate::model::Zone], pts: &[LonLat], n_points: usize) -> Seen {
        let firms = Firms {
            segment: vec![0; pts.len()],
            segments: vec![String::new()],
            lonlat: pts.to_vec(),
            ..Default::default()
        };
        let mut index = SpatialIndex::build(&firms, zones);
        let bounds = crate::model::Bounds::of(index.firm_xy.iter())
            .unwrap()
            .pair();
        index.locator = ZoneLocator::build(&index.zone_shapes, &index.projection, bounds, n_points);
        let loc = index.locator.as_ref().unwrap();
        let mut seen = Seen {
            cell: loc.cell,
            n_cells: loc.n_cells(),
            mixed: 0,
            by_runs: loc.entries.iter().filter(|e| e.runs).count(),
            by_segments: loc
                .entries
                .iter()
                .filter(|e| !e.runs && e.segs.1 > e.segs.0)
                .count(),
        };
        let mut inside = Vec::new();
        for (i, ll) in pts.iter().enumerate() {
            let p = index.firm_xy[i];
            let got = index.locate(*ll, p, &mut inside).expect("on the grid");
            let mut want_in = Vec::new();
            index.zones_containing_by_tree(*ll, p, &mut want_in);
            assert_eq!(index.zones_containing(*ll, p), want_in);
            assert_eq!(inside, want_in, "point {i} {ll:?}, {n_points}");
            let want = index.nearest_zones(*ll, p).first().copied();
            let (g, w) = (got.unwrap(), want.unwrap());
            assert_eq!(
                (g.zone, g.distance_m.to_bits()),
                (w.zone, w.distance_m.to_bits()),
                "point {i} {ll:?}, {n_points}"
            );
            let cands = loc.candidates(p).unwrap();
            seen.mixed += usize::from(cands.iter().any(|c| c.state == CellState::Mixed));
        }
        // Each zone's firms inside, from a list of firms in a scrambled order.
        let order: Vec<u32> = (0..pts.len() as u32)
            .rev()
            .step_by(2)
            .chain((0..pts.len() as u32).step_by(2))
            .collect();
        for (zi, z) in zones.iter().enumerate() {
            let shape = index.shape_of(zi).unwrap();
            let want: Vec<u32> = order
                .iter()
                .copied()
                .filter(|&i| shape.contains(pts[i as usize]))
                .collect();
            assert!(!want.is_empty(), "{}", z.id);
            assert_eq!(index.firms_inside(zi, &order, pts), want, "{}", z.id);
        }
        seen
    }

    #[test]
    fn z_order_numbers_a_block_once_each() {
        let mut seen = [false; SIDE * SIDE];
        for i in 0..SIDE {
            for j in 0..SIDE {
                seen[z_order(i, j)] = true;
            }
        }
        assert!(seen.iter().all(|s| *s));
        assert_eq!(z_order(1, 0), 1);
        assert_eq!(z_order(0, 1), 2);
    }
}
