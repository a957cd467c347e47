//! Counting the firms within a radius of many sites at city scale: a grid of cells (a
//! sixteenth of the radius) with row prefix sums of all firms, clustered firms and the largest
//! segments, so the cells wholly inside a circle are added row by row in one step and only the
//! firms in the circle's edge cells are measured. The other segments (a register's hundreds of
//! 行业 values) keep their firms sorted by cell, found row by row with a binary search.
//! Exactly the firms [`SpatialIndex::firms_within`] returns are counted.

use super::SpatialIndex;
use crate::model::{SegmentId, Xy};

/// Most cells a grid may have (memory: a few u32 per cell and segment).
const MAX_CELLS: f64 = 4_000_000.0;
/// Most segments with prefix sums (the largest); the others are kept as firm lists by cell.
const MAX_PREFIXED: usize = 64;
/// Most prefix sums the segments may take together (128 MB of u32): fewer segments get them
/// when the grid has many cells.
const MAX_PREFIXED_SUMS: usize = 32_000_000;
/// Marks a segment kept as a firm list rather than prefix sums.
const LISTED: u32 = u32::MAX;

/// Firms within a radius: all of them, those of the asked segments, and the clustered ones.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub all: usize,
    pub same: usize,
    pub clustered: usize,
}

/// The counting grid of one dataset (see the module doc).
pub struct NeighbourGrid {
    ox: f64,
    oy: f64,
    cell: f64,
    nx: usize,
    ny: usize,
    /// Firms sorted by cell, and where each cell's firms start.
    start: Vec<u32>,
    order: Vec<u32>,
    /// Row prefix sums: row j, cells [0, i) at `j * (nx + 1) + i`.
    pre_all: Vec<u32>,
    pre_clustered: Vec<u32>,
    segments: SegmentCells,
}

/// The segments' firms by cell: row prefix sums (as the grid's) for the largest segments,
/// firm lists sorted by cell for the others.
struct SegmentCells {
    pre: Vec<Vec<u32>>,
    /// Each segment id's place in `pre`, or [`LISTED`].
    slot: Vec<u32>,
    /// Firms of the listed segments, by segment then cell: segment s's are at
    /// `listed_start[s]..listed_start[s + 1]`, with their cells and firm numbers.
    listed_start: Vec<u32>,
    listed_cell: Vec<u32>,
    listed_firm: Vec<u32>,
}

impl NeighbourGrid {
    /// The grid for counting within `radius_m`; None when there are no firms or the radius
    /// is not positive (then visit the firms instead).
    pub fn build(
        index: &SpatialIndex,
        segment: &[SegmentId],
        n_segments: usize,
        clustered: &(dyn Fn(usize) -> bool + Sync),
        radius_m: f64,
    ) -> Option<Self> {
        let xy = &index.firm_xy;
        if xy.is_empty() || radius_m.is_nan() || radius_m <= 0.0 {
            return None;
        }
        let b = crate::model::Bounds::of(xy.iter())?;
        let (w, h) = (b.hi.x - b.lo.x, b.hi.y - b.lo.y);
        let mut cell = radius_m / 16.0;
        if (w / cell + 1.0) * (h / cell + 1.0) > MAX_CELLS {
            cell = ((w + cell) * (h + cell) / MAX_CELLS).sqrt().max(cell);
        }
        let nx = (w / cell).floor() as usize + 1;
        let ny = (h / cell).floor() as usize + 1;
        let cell_of = |p: &Xy| {
            let i = (((p.x - b.lo.x) / cell).floor() as usize).min(nx - 1);
            let j = (((p.y - b.lo.y) / cell).floor() as usize).min(ny - 1);
            j * nx + i
        };
        let mut start = vec![0u32; nx * ny + 1];
        for p in xy.iter() {
            start[cell_of(p) + 1] += 1;
        }
        for k in 1..start.len() {
            start[k] += start[k - 1];
        }
        let mut fill = start.clone();
        let mut order = vec![0u32; xy.len()];
        for (f, p) in xy.iter().enumerate() {
            let c = cell_of(p);
            order[fill[c] as usize] = f as u32;
            fill[c] += 1;
        }
        let prefix = |weight: &dyn Fn(usize) -> u32| {
            let mut pre = vec![0u32; ny * (nx + 1)];
            for j in 0..ny {
                for i in 0..nx {
                    let c = j * nx + i;
                    let n: u32 = order[start[c] as usize..start[c + 1] as usize]
                        .iter()
                        .map(|f| weight(*f as usize))
                        .sum();
                    pre[j * (nx + 1) + i + 1] = pre[j * (nx + 1) + i] + n;
                }
            }
            pre
        };
        let pre_all = prefix(&|_| 1);
        let pre_clustered = prefix(&|f| u32::from(clustered(f)));
        let segments = SegmentCells::build(&order, &start, (nx, ny), segment, n_segments);
        Some(Self {
            ox: b.lo.x,
            oy: b.lo.y,
            cell,
            nx,
            ny,
            start,
            order,
            pre_all,
            pre_clustered,
            segments,
        })
    }

    /// The firms within ground distance `radius_m` of `p` (the radius the grid was built
    /// for or any other): all, those whose segment is marked in `same`, and the clustered.
    pub fn count(
        &self,
        index: &SpatialIndex,
        p: Xy,
        radius_m: f64,
        same: &[bool],
        segment: &[SegmentId],
        clustered: &dyn Fn(usize) -> bool,
    ) -> Counts {
        let (sure_in, sure_out) = index.ground_bounds(p, radius_m);
        let mut out = Counts::default();
        let c = self.cell;
        let clamp = |v: f64, n: usize| v.floor().clamp(0.0, (n - 1) as f64) as usize;
        let (row_lo, row_hi) = (
            ((p.y - sure_out - self.oy) / c).floor(),
            ((p.y + sure_out - self.oy) / c).floor(),
        );
        if row_hi < 0.0 || row_lo > (self.ny - 1) as f64 {
            return out;
        }
        let is_same = |s: usize| same.get(s).copied().unwrap_or(false);
        let same_ids = (0..self.segments.slot.len()).filter(|s| is_same(*s));
        let (listed_same, prefixed_same): (Vec<usize>, Vec<usize>) =
            same_ids.partition(|s| self.segments.slot[*s] == LISTED);
        let prefixed_same: Vec<usize> = prefixed_same
            .iter()
            .map(|s| self.segments.slot[*s] as usize)
            .collect();
        // Same-segment firms of edge cells are counted here only for prefixed segments.
        let edge_same =
            |s: usize| is_same(s) && self.segments.slot.get(s).is_some_and(|x| *x != LISTED);
        for j in clamp(row_lo, self.ny)..=clamp(row_hi, self.ny) {
            let y0 = self.oy + j as f64 * c;
            let y1 = y0 + c;
            let dy_near = if p.y < y0 {
                y0 - p.y
            } else if p.y > y1 {
                p.y - y1
            } else {
                0.0
            };
            if dy_near > sure_out {
                continue;
            }
            let w_out = (sure_out * sure_out - dy_near * dy_near).sqrt();
            let (xa, xb) = (
                ((p.x - w_out - self.ox) / c).floor(),
                ((p.x + w_out - self.ox) / c).floor(),
            );
            if xb < 0.0 || xa > (self.nx - 1) as f64 {
                continue;
            }
            let (ia, ib) = (clamp(xa, self.nx), clamp(xb, self.nx));
            // Cells whose four corners are all surely inside.
            let dy_far = (y0 - p.y).abs().max((y1 - p.y).abs());
            let full = (dy_far <= sure_in).then(|| {
                let w_in = (sure_in * sure_in - dy_far * dy_far).sqrt();
                let lo = ((p.x - w_in - self.ox) / c).ceil();
                let hi = ((p.x + w_in - self.ox) / c).floor() - 1.0;
                (lo.max(ia as f64), hi.min(ib as f64))
            });
            let (flo, fhi) = match full {
                Some((lo, hi)) if lo <= hi => (lo as usize, hi as usize),
                _ => (usize::MAX, 0),
            };
            if flo <= fhi {
                let row = j * (self.nx + 1);
                let sum = |pre: &[u32]| (pre[row + fhi + 1] - pre[row + flo]) as usize;
                out.all += sum(&self.pre_all);
                out.clustered += sum(&self.pre_clustered);
                out.same += prefixed_same
                    .iter()
                    .map(|s| sum(&self.segments.pre[*s]))
                    .sum::<usize>();
            }
            for i in ia..=ib {
                if flo <= fhi && (flo..=fhi).contains(&i) {
                    continue;
                }
                let cell = j * self.nx + i;
                for &f in &self.order[self.start[cell] as usize..self.start[cell + 1] as usize] {
                    let f = f as usize;
                    if index.within(p, index.firm_xy[f], radius_m, (sure_in, sure_out)) {
                        out.all += 1;
                        out.clustered += usize::from(clustered(f));
                        let s = segment.get(f).map(|x| *x as usize);
                        out.same += usize::from(s.is_some_and(edge_same));
                    }
                }
            }
            let row = (j * self.nx) as u32;
            let full = if flo <= fhi {
                row + flo as u32..row + fhi as u32 + 1
            } else {
                0..0
            };
            let cells = row + ia as u32..=row + ib as u32;
            for &s in &listed_same {
                let circle = (p, radius_m, (sure_in, sure_out));
                out.same += self.segments.listed_within(index, circle, s, &cells, &full);
            }
        }
        out
    }
}

impl SegmentCells {
    /// From the grid's firms sorted by cell (`order`, `start`) on `nx` × `ny` cells.
    fn build(
        order: &[u32],
        start: &[u32],
        (nx, ny): (usize, usize),
        segment: &[SegmentId],
        n_segments: usize,
    ) -> Self {
        let seg_of = |f: usize| {
            segment
                .get(f)
                .map(|x| *x as usize)
                .filter(|s| *s < n_segments)
        };
        let most = (MAX_PREFIXED_SUMS / (ny * (nx + 1))).min(MAX_PREFIXED);
        let (slot, prefixed) = slots(segment, n_segments, most);
        // Every prefixed segment's row sums, in one pass over the firms.
        let mut pre_segment = vec![vec![0u32; ny * (nx + 1)]; prefixed.len()];
        let mut in_row = vec![0u32; prefixed.len()];
        for j in 0..ny {
            in_row.fill(0);
            for i in 0..nx {
                let c = j * nx + i;
                for &f in &order[start[c] as usize..start[c + 1] as usize] {
                    if let Some(n) =
                        seg_of(f as usize).and_then(|s| in_row.get_mut(slot[s] as usize))
                    {
                        *n += 1;
                    }
                }
                for (pre, n) in pre_segment.iter_mut().zip(&in_row) {
                    pre[j * (nx + 1) + i + 1] = *n;
                }
            }
        }
        // Listed segments' firms by segment, in cell order (a counting sort of `order`).
        let listed_of = |f: usize| seg_of(f).filter(|s| slot[*s] == LISTED);
        let mut listed_start = vec![0u32; n_segments + 1];
        for f in 0..order.len() {
            if let Some(s) = listed_of(f) {
                listed_start[s + 1] += 1;
            }
        }
        for k in 1..listed_start.len() {
            listed_start[k] += listed_start[k - 1];
        }
        let n_listed = listed_start[n_segments] as usize;
        let (mut listed_cell, mut listed_firm) = (vec![0u32; n_listed], vec![0u32; n_listed]);
        let mut fill = listed_start.clone();
        for c in 0..nx * ny {
            for &f in &order[start[c] as usize..start[c + 1] as usize] {
                if let Some(s) = listed_of(f as usize) {
                    let k = fill[s] as usize;
                    (listed_cell[k], listed_firm[k]) = (c as u32, f);
                    fill[s] += 1;
                }
            }
        }
        Self {
            pre: pre_segment,
            slot,
            listed_start,
            listed_cell,
            listed_firm,
        }
    }

    /// Firms of listed segment `s` within the circle (centre, radius, its sure bounds) among
    /// the cells `cells` of one row: those of the `full` cells (wholly inside) without
    /// measuring, the others measured.
    fn listed_within(
        &self,
        index: &SpatialIndex,
        (p, radius_m, bounds): (Xy, f64, (f64, f64)),
        s: usize,
        cells: &std::ops::RangeInclusive<u32>,
        full: &std::ops::Range<u32>,
    ) -> usize {
        let (Some(&a), Some(&b)) = (self.listed_start.get(s), self.listed_start.get(s + 1)) else {
            return 0;
        };
        let (at, firms) = (
            &self.listed_cell[a as usize..b as usize],
            &self.listed_firm[a as usize..b as usize],
        );
        let lo = at.partition_point(|c| c < cells.start());
        let hi = at.partition_point(|c| c <= cells.end());
        (lo..hi)
            .filter(|&k| {
                full.contains(&at[k])
                    || index.within(p, index.firm_xy[firms[k] as usize], radius_m, bounds)
            })
            .count()
    }
}

/// Each segment id's place among the prefixed segments (the `most` with most firms, ties by
/// id) or [`LISTED`], and the prefixed segments' ids in order.
fn slots(segment: &[SegmentId], n_segments: usize, most: usize) -> (Vec<u32>, Vec<usize>) {
    let mut size = vec![0usize; n_segments];
    for s in segment {
        if let Some(n) = size.get_mut(*s as usize) {
            *n += 1;
        }
    }
    let mut by_size: Vec<usize> = (0..n_segments).collect();
    by_size.sort_by(|a, b| size[*b].cmp(&size[*a]).then(a.cmp(b)));
    by_size.truncate(most);
    by_size.sort_unstable();
    let mut slot = vec![LISTED; n_segments];
    for (k, s) in by_size.iter().enumerate() {
        slot[*s] = k as u32;
    }
    (slot, by_size)
}
