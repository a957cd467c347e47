//! Clustered firms bucketed by square cell and, within a cell, by cluster: a site's nearest
//! member of each cluster within the radius is found by measuring only the groups that could
//! still hold a nearer member. On an evenly spread register a site has thousands of firms
//! within 3 km, nearly all of one or two clusters, and their cells are skipped once a nearer
//! member is known.

use std::collections::BTreeMap;

use crate::index::SpatialIndex;
use crate::model::Xy;

/// Plane lengths exceed ground ones by at most this factor at city scale (as the index's
/// radius search assumes).
const PLANE_OVER_GROUND: f64 = 1.001;

/// Cells at most across and down.
const MAX_SIDE: f64 = 2048.0;

/// One cluster's members in one cell: `members[start..end]`.
#[derive(Clone, Copy, Debug)]
struct Group {
    label: i32,
    start: u32,
    end: u32,
}

/// The grid (built once per prepared context, on one thread: it may be asked for inside a
/// parallel loop, where a parallel build could wait on itself).
#[derive(Debug)]
pub(super) struct ClusterGrid {
    origin: Xy,
    cell: f64,
    nx: usize,
    ny: usize,
    /// Each cell's groups: `groups[starts[c]..starts[c + 1]]`.
    starts: Vec<u32>,
    groups: Vec<Group>,
    members: Vec<u32>,
}

impl ClusterGrid {
    /// The clustered firms (label ≥ 0, finite position) in cells of about a quarter of
    /// `radius_m`; None when there are none.
    pub(super) fn build(labels: &[i32], xy: &[Xy], radius_m: f64) -> Option<Self> {
        let clustered = || {
            labels
                .iter()
                .zip(xy)
                .enumerate()
                .filter(|(_, (l, p))| **l >= 0 && p.x.is_finite() && p.y.is_finite())
        };
        let bounds = crate::model::Bounds::of(clustered().map(|(_, (_, p))| p))?;
        let extent = (bounds.hi.x - bounds.lo.x).max(bounds.hi.y - bounds.lo.y);
        let cell = (radius_m / 4.0).max(extent / MAX_SIDE).max(1.0);
        let nx = ((bounds.hi.x - bounds.lo.x) / cell) as usize + 1;
        let ny = ((bounds.hi.y - bounds.lo.y) / cell) as usize + 1;
        let at = |p: &Xy| {
            let i = (((p.x - bounds.lo.x) / cell) as usize).min(nx - 1);
            let j = (((p.y - bounds.lo.y) / cell) as usize).min(ny - 1);
            j * nx + i
        };
        let mut keyed: Vec<(usize, i32, u32)> = clustered()
            .map(|(i, (l, p))| (at(p), *l, i as u32))
            .collect();
        keyed.sort_unstable();
        let mut starts = vec![0u32; nx * ny + 1];
        let mut groups: Vec<Group> = Vec::new();
        let mut members = Vec::with_capacity(keyed.len());
        for (k, &(c, l, i)) in keyed.iter().enumerate() {
            let new_group = k == 0 || keyed.get(k - 1).is_none_or(|p| (p.0, p.1) != (c, l));
            if new_group {
                groups.push(Group {
                    label: l,
                    start: members.len() as u32,
                    end: members.len() as u32,
                });
                if let Some(s) = starts.get_mut(c + 1) {
                    *s += 1;
                }
            }
            members.push(i);
            if let Some(g) = groups.last_mut() {
                g.end = members.len() as u32;
            }
        }
        for c in 0..nx * ny {
            starts[c + 1] += starts[c];
        }
        Some(Self {
            origin: bounds.lo,
            cell,
            nx,
            ny,
            starts,
            groups,
            members,
        })
    }

    /// Each cluster's nearest member within `radius_m` (ground metres) of `p`, but the firm
    /// `skip`: what measuring every firm within the radius gives, with cells taken nearest
    /// first and a cluster's group skipped when its cell is no nearer than the best found.
    pub(super) fn nearest_members(
        &self,
        index: &SpatialIndex,
        p: Xy,
        radius_m: f64,
        skip: Option<usize>,
    ) -> BTreeMap<i32, f64> {
        let mut best: BTreeMap<i32, f64> = BTreeMap::new();
        let reach = radius_m * PLANE_OVER_GROUND;
        let span = |v: f64, o: f64, n: usize| {
            let lo = ((v - reach - o) / self.cell).floor().max(0.0) as usize;
            let hi = ((v + reach - o) / self.cell).floor();
            (
                lo,
                if hi < 0.0 {
                    0
                } else {
                    (hi as usize).min(n - 1) + 1
                },
            )
        };
        let ((i0, i1), (j0, j1)) = (
            span(p.x, self.origin.x, self.nx),
            span(p.y, self.origin.y, self.ny),
        );
        if !(p.x.is_finite() && p.y.is_finite()) || i0 >= i1 || j0 >= j1 {
            return best;
        }
        // The cells the radius reaches, nearest first (by their plane distance from `p`).
        let mut cells: Vec<(f64, usize)> = Vec::new();
        for j in j0..j1 {
            for i in i0..i1 {
                let lo = Xy::new(
                    self.origin.x + i as f64 * self.cell,
                    self.origin.y + j as f64 * self.cell,
                );
                let dx = (lo.x - p.x).max(p.x - lo.x - self.cell).max(0.0);
                let dy = (lo.y - p.y).max(p.y - lo.y - self.cell).max(0.0);
                let d = dx.hypot(dy);
                if d <= reach {
                    cells.push((d, j * self.nx + i));
                }
            }
        }
        cells.sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let bounds = index.ground_bounds(p, radius_m);
        for (d, c) in cells {
            // No member of the cell is nearer on the ground than this.
            let least = d / PLANE_OVER_GROUND - 1e-6;
            let (Some(&s), Some(&e)) = (self.starts.get(c), self.starts.get(c + 1)) else {
                continue;
            };
            for g in self.groups.get(s as usize..e as usize).unwrap_or_default() {
                if best.get(&g.label).is_some_and(|b| *b <= least) {
                    continue;
                }
                let members = self.members.get(g.start as usize..g.end as usize);
                for &i in members.unwrap_or_default() {
                    let Some(&q) = index.firm_xy.get(i as usize) else {
                        continue;
                    };
                    if Some(i as usize) == skip || !index.within(p, q, radius_m, bounds) {
                        continue;
                    }
                    let d = index.projection.ground_distance(p, q);
                    let e = best.entry(g.label).or_insert(f64::INFINITY);
                    *e = e.min(d);
                }
            }
        }
        best
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Firms, LonLat, Rng};

    /// Each cluster's nearest member within the radius, by visiting every firm within it
    /// through the index's R-tree (the advisor's earlier way): the oracle.
    fn by_tree(
        index: &SpatialIndex,
        labels: &[i32],
        p: Xy,
        r: f64,
        skip: Option<usize>,
    ) -> BTreeMap<i32, u64> {
        let mut best: BTreeMap<i32, f64> = BTreeMap::new();
        index.visit_within(p, r, |i| {
            let l = labels[i as usize];
            if l >= 0 && Some(i as usize) != skip {
                let d = index
                    .projection
                    .ground_distance(p, index.firm_xy[i as usize]);
                let e = best.entry(l).or_insert(f64::INFINITY);
                *e = e.min(d);
            }
        });
        best.into_iter().map(|(l, d)| (l, d.to_bits())).collect()
    }

    /// Clustered and scattered firms (some stacked on one spot, some unclustered), sites at
    /// firms (skipping themselves), between them, beyond the firms' extent and NaN, at four
    /// radii: the same clusters at the same distances, bit for bit, as visiting every firm.
    #[test]
    fn nearest_members_answer_as_visiting_every_firm_within_the_radius() {
        let mut rng = Rng::new(5);
        let centres: Vec<(f64, f64)> = (0..25)
            .map(|_| (113.8 + 0.5 * rng.uniform(), 22.5 + 0.25 * rng.uniform()))
            .collect();
        let mut lonlat = Vec::new();
        let mut labels = Vec::new();
        for k in 0..20_000 {
            let c = k % 30;
            let (ll, l) = match centres.get(c) {
                Some(&(x, y)) => {
                    let s = 0.002 + 0.01 * (c as f64 / 25.0);
                    let ll = LonLat::new(x + s * rng.normal(), y + s * rng.normal());
                    (ll, if k % 17 == 0 { -1 } else { c as i32 })
                }
                None => (
                    LonLat::new(113.8 + 0.5 * rng.uniform(), 22.5 + 0.25 * rng.uniform()),
                    -1,
                ),
            };
            lonlat.push(ll);
            labels.push(l);
        }
        // Fifty firms of one cluster stacked on one spot.
        for _ in 0..50 {
            lonlat.push(LonLat::new(114.0, 22.6));
            labels.push(3);
        }
        let firms = Firms {
            segment: vec![0; lonlat.len()],
            segments: vec![String::new()],
            lonlat,
            ..Default::default()
        };
        let index = SpatialIndex::build(&firms, &[]);
        let xy = index.firm_xy.clone();
        let mut sites: Vec<(Xy, Option<usize>)> = (0..xy.len())
            .step_by(37)
            .map(|i| (xy[i], Some(i)))
            .collect();
        let (lo, hi) = (
            crate::model::Bounds::of(xy.iter()).unwrap().lo,
            crate::model::Bounds::of(xy.iter()).unwrap().hi,
        );
        sites.extend((0..300).map(|_| {
            let (u, v) = (rng.uniform() * 1.2 - 0.1, rng.uniform() * 1.2 - 0.1);
            (
                Xy::new(lo.x + u * (hi.x - lo.x), lo.y + v * (hi.y - lo.y)),
                None,
            )
        }));
        sites.push((Xy::new(lo.x - 50_000.0, lo.y), None));
        sites.push((Xy::new(f64::NAN, lo.y), None));
        let stacked = xy.len() - 1;
        sites.push((xy[stacked], Some(stacked)));
        for r in [150.0, 1000.0, 3000.0, 12_000.0] {
            let grid = ClusterGrid::build(&labels, &xy, r).expect("clustered firms");
            let mut found = 0;
            for &(p, skip) in &sites {
                let got: BTreeMap<i32, u64> = grid
                    .nearest_members(&index, p, r, skip)
                    .into_iter()
                    .map(|(l, d)| (l, d.to_bits()))
                    .collect();
                let want = by_tree(&index, &labels, p, r, skip);
                assert_eq!(got, want, "site {p:?} radius {r}");
                found += got.len();
            }
            assert!(
                found > sites.len() / 2,
                "radius {r}: {found} clusters found"
            );
            // Clusters spread over many cells, as groups.
            assert!(grid.groups.len() > 4 * 25, "{}", grid.groups.len());
        }
        // No clustered firm: no grid.
        assert!(ClusterGrid::build(&[-1, -1], &xy[..2], 100.0).is_none());
    }
}
