//! Counting the firms within a radius of many sites at city scale: a grid of cells (a
//! sixteenth of the radius) with row prefix sums of all firms, clustered firms and each
//! segment, so the cells wholly inside a circle are added row by row in one step and only the
//! firms in the circle's edge cells are measured. Exactly the firms
//! [`SpatialIndex::firms_within`] returns are counted.

use super::SpatialIndex;
use crate::model::{SegmentId, Xy};

/// Most cells a grid may have (memory: a few u32 per cell and segment).
const MAX_CELLS: f64 = 4_000_000.0;
/// Most segments a grid keeps counts for; beyond it, counting falls back to visiting firms.
const MAX_SEGMENTS: usize = 64;

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
    pre_segment: Vec<Vec<u32>>,
}

impl NeighbourGrid {
    /// The grid for counting within `radius_m`; None when there are no firms or too many
    /// segments (then visit the firms instead).
    pub fn build(
        index: &SpatialIndex,
        segment: &[SegmentId],
        n_segments: usize,
        clustered: &(dyn Fn(usize) -> bool + Sync),
        radius_m: f64,
    ) -> Option<Self> {
        let xy = &index.firm_xy;
        if xy.is_empty() || n_segments > MAX_SEGMENTS || radius_m.is_nan() || radius_m <= 0.0 {
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
        let pre_segment = (0..n_segments)
            .map(|s| prefix(&|f| u32::from(segment.get(f).map(|x| *x as usize) == Some(s))))
            .collect();
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
            pre_segment,
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
        let same_segments: Vec<usize> = (0..self.pre_segment.len())
            .filter(|s| same.get(*s).copied().unwrap_or(false))
            .collect();
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
                out.same += same_segments
                    .iter()
                    .map(|s| sum(&self.pre_segment[*s]))
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
                        out.same += usize::from(s.and_then(|s| same.get(s)).copied() == Some(true));
                    }
                }
            }
        }
        out
    }
}
