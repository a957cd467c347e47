//! Spatial index built once per dataset: projected firm positions in an R-tree, and zone
//! shapes prepared for point-in-zone and nearest-zone queries.
//!
//! Point-in-zone is decided on longitude/latitude with straight edges (the GeoJSON and
//! GEOS convention); distances are measured on the dataset's transverse Mercator plane and
//! corrected to the ground.

mod boundary;
mod counts;
mod locator;
mod near;
mod ring_bands;
mod steps;
mod zone_shape;

pub use counts::{Counts, NeighbourGrid};
pub use zone_shape::{ZoneShape, ZoneShapeKind};

use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};

use crate::crs::Projection;
use crate::model::{Firms, LonLat, Xy, Zone};
use locator::{CellState, ZoneLocator};

type FirmEntry = GeomWithData<[f64; 2], u32>;
type ZoneEntry = GeomWithData<Rectangle<[f64; 2]>, usize>;

/// The nearest zone to a point and the ground distance to it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ZoneHit {
    /// Index into the dataset's zone list.
    pub zone: usize,
    /// Ground distance in metres (0 inside a polygon zone).
    pub distance_m: f64,
    /// Closest point of the zone on the plane.
    pub closest: Xy,
}

/// R-trees over firms and zones plus the projection they were built in.
pub struct SpatialIndex {
    pub projection: Projection,
    /// Firm positions on the plane, in firm order.
    pub firm_xy: std::sync::Arc<Vec<Xy>>,
    /// Built on first use: batch analyses scan the arrays instead, and a 4-million-firm tree
    /// costs a second to build. The window builds it in its load job ([`Self::warm`]).
    firm_tree: std::sync::OnceLock<RTree<FirmEntry>>,
    /// The bounding box of the firms (None without firms): each scene needs it, and at
    /// 4 million firms a pass over them costs the window milliseconds per frame.
    pub firm_bounds: Option<(Xy, Xy)>,
    /// Prepared shapes of the zones that have geometry.
    pub zone_shapes: Vec<ZoneShape>,
    zone_tree: RTree<ZoneEntry>,
    locator: Option<ZoneLocator>,
    /// Position in `zone_shapes` of each zone (by dataset index), `u32::MAX` without geometry:
    /// per-zone loops must not search the shapes linearly (20,000 zones made that quadratic).
    shape_at: Vec<u32>,
}

impl SpatialIndex {
    /// Builds the index; the projection is centred on the firms (or the zones when there are
    /// no firms).
    pub fn build(firms: &Firms, zones: &[Zone]) -> Self {
        let projection = if firms.is_empty() {
            let pts: Vec<LonLat> = zones.iter().filter_map(zone_shape::anchor).collect();
            Projection::for_points(&pts)
        } else {
            Projection::for_points(&firms.lonlat)
        };
        Self::build_with(projection, firms, zones)
    }

    /// Builds the index in a given projection.
    pub fn build_with(projection: Projection, firms: &Firms, zones: &[Zone]) -> Self {
        use rayon::prelude::*;
        // Within nanometres of `projection.project`, several times faster.
        let bulk = crate::crs::BulkProjector::for_points(&projection, &firms.lonlat);
        let firm_xy: Vec<Xy> = firms.lonlat.par_iter().map(|p| bulk.project(*p)).collect();
        let zone_shapes: Vec<ZoneShape> = zones
            .iter()
            .enumerate()
            .filter_map(|(i, z)| ZoneShape::new(i, z, &projection))
            .collect();
        let zone_tree = RTree::bulk_load(
            zone_shapes
                .iter()
                .enumerate()
                .map(|(k, s)| {
                    let (lo, hi) = s.plane_bounds();
                    GeomWithData::new(Rectangle::from_corners([lo.x, lo.y], [hi.x, hi.y]), k)
                })
                .collect(),
        );
        // The locator covers the firms and the zones.
        let corners: Vec<Xy> = zone_shapes
            .iter()
            .flat_map(|s| {
                let (a, b) = s.plane_bounds();
                [a, b]
            })
            .collect();
        let (lo, hi) = crate::model::Bounds::of(firm_xy.iter().chain(&corners)).map_or(
            (
                Xy::new(f64::INFINITY, f64::INFINITY),
                Xy::new(f64::NEG_INFINITY, f64::NEG_INFINITY),
            ),
            |b| b.pair(),
        );
        let locator = ZoneLocator::build(&zone_shapes, &projection, (lo, hi), firm_xy.len());
        let mut shape_at = vec![u32::MAX; zones.len()];
        for (k, s) in zone_shapes.iter().enumerate() {
            if let Some(slot) = shape_at.get_mut(s.zone) {
                *slot = k as u32;
            }
        }
        Self {
            shape_at,
            locator,
            projection,
            firm_bounds: crate::model::Bounds::of(firm_xy.iter()).map(|b| b.pair()),
            firm_xy: std::sync::Arc::new(firm_xy),
            firm_tree: std::sync::OnceLock::new(),
            zone_shapes,
            zone_tree,
        }
    }

    fn tree(&self) -> &RTree<FirmEntry> {
        self.firm_tree.get_or_init(|| {
            let entries: Vec<FirmEntry> = self
                .firm_xy
                .iter()
                .enumerate()
                .map(|(i, p)| GeomWithData::new([p.x, p.y], i as u32))
                .collect();
            RTree::bulk_load(entries)
        })
    }

    /// Builds the firm R-tree now (call off the UI thread before interactive queries).
    pub fn warm(&self) {
        let _ = self.tree();
    }

    /// True once the firm R-tree is built (queries then answer at once; before, the first
    /// query builds it: about a second at 4 million firms).
    pub fn firm_tree_ready(&self) -> bool {
        self.firm_tree.get().is_some()
    }

    pub fn n_firms(&self) -> usize {
        self.firm_xy.len()
    }

    /// Firms whose ground distance to `p` is at most `radius_m`, in firm order.
    pub fn firms_within(&self, p: Xy, radius_m: f64) -> Vec<u32> {
        let mut out = Vec::new();
        self.visit_within(p, radius_m, |i| out.push(i));
        out.sort_unstable();
        out
    }

    /// Calls `visit` for each firm whose ground distance to `p` is at most `radius_m` (in no
    /// particular order, nothing allocated). Plane lengths are at most a few parts in 10⁵
    /// longer than ground ones here, so a slightly larger plane circle is searched; the plane's
    /// scale over that circle bounds the ground length, so only firms within a hair of the
    /// edge need the exact (slower) ground distance.
    pub fn visit_within(&self, p: Xy, radius_m: f64, mut visit: impl FnMut(u32)) {
        let r_plane = radius_m * 1.001;
        let bounds = self.ground_bounds(p, radius_m);
        for e in self
            .tree()
            .locate_within_distance([p.x, p.y], r_plane * r_plane)
        {
            if self.within(p, self.firm_xy[e.data as usize], radius_m, bounds) {
                visit(e.data);
            }
        }
    }

    /// Plane distances from `p` below the first are surely within `radius_m` on the ground,
    /// above the second surely not: ground = plane × g, with g between 1/k at the farthest and
    /// nearest x a circle around `p` reaches (k: the plane's point scale).
    pub fn ground_bounds(&self, p: Xy, radius_m: f64) -> (f64, f64) {
        let r_plane = radius_m * 1.001;
        let (lo, hi) = (p.x - r_plane, p.x + r_plane);
        let near = if lo <= 0.0 && hi >= 0.0 {
            0.0
        } else {
            lo.abs().min(hi.abs())
        };
        let far = lo.abs().max(hi.abs());
        let g_max = 1.0 / self.projection.scale_factor(Xy::new(near, 0.0));
        let g_min = 1.0 / self.projection.scale_factor(Xy::new(far, 0.0));
        (
            radius_m / (g_max * (1.0 + 1e-12)),
            radius_m / (g_min * (1.0 - 1e-12)),
        )
    }

    /// Whether `q` is within ground distance `radius_m` of `p`, given [`Self::ground_bounds`]:
    /// the exact ground distance only between the bounds.
    pub fn within(&self, p: Xy, q: Xy, radius_m: f64, (sure_in, sure_out): (f64, f64)) -> bool {
        let d = p.plane_distance(q);
        if d <= sure_in {
            true
        } else if d > sure_out {
            false
        } else {
            self.projection.ground_distance(p, q) <= radius_m
        }
    }

    /// Number of firms inside a plane rectangle (for viewport culling and counts).
    pub fn firms_in_rect(&self, lo: Xy, hi: Xy) -> impl Iterator<Item = u32> + '_ {
        self.tree()
            .locate_in_envelope(&AABB::from_corners([lo.x, lo.y], [hi.x, hi.y]))
            .map(|e| e.data)
    }

    /// The firm nearest to a plane point, with its ground distance.
    pub fn nearest_firm(&self, p: Xy) -> Option<(u32, f64)> {
        // rstar's search panics on a NaN query point.
        if !(p.x.is_finite() && p.y.is_finite()) {
            return None;
        }
        self.tree().nearest_neighbor(&[p.x, p.y]).map(|e| {
            (
                e.data,
                self.projection
                    .ground_distance(p, self.firm_xy[e.data as usize]),
            )
        })
    }

    /// The `k` nearest firms to `p` (excluding none), nearest first.
    pub fn k_nearest_firms(&self, p: Xy, k: usize) -> impl Iterator<Item = (u32, f64)> + '_ {
        // rstar's search panics on a NaN query point: such a query finds nothing.
        let ok = p.x.is_finite() && p.y.is_finite();
        ok.then(|| {
            self.tree()
                .nearest_neighbor_iter_with_distance_2(&[p.x, p.y])
        })
        .into_iter()
        .flatten()
        .take(k)
        .map(|(e, d2)| (e.data, d2.sqrt()))
    }

    /// Zones (dataset indices, ascending) whose polygons contain the WGS-84 point.
    pub fn zones_containing(&self, ll: LonLat, p: Xy) -> Vec<usize> {
        let mut out = Vec::new();
        self.zones_containing_into(ll, p, &mut out);
        out
    }

    /// Like [`Self::zones_containing`], reusing `out` (no allocation per query). Through the
    /// locator's cell when the point is on its grid: zones wholly inside or outside the cell
    /// need no test.
    pub fn zones_containing_into(&self, ll: LonLat, p: Xy, out: &mut Vec<usize>) {
        out.clear();
        if let Some((cands, _)) = self.locator.as_ref().and_then(|l| l.cell_at(p)) {
            self.inside_of(cands, ll, out);
            return;
        }
        self.zones_containing_by_tree(ll, p, out);
    }

    /// Fills `out` with the zones (ascending) among a locator cell's candidates that contain
    /// the point: only zones across the cell's edge are tested.
    fn inside_of(&self, cands: &[locator::CellCandidate], ll: LonLat, out: &mut Vec<usize>) {
        out.clear();
        for e in cands {
            let shape = &self.zone_shapes[e.shape as usize];
            if candidate_contains(e, shape, ll) {
                out.push(shape.zone);
            }
        }
        out.sort_unstable();
    }

    /// [`Self::zones_containing_into`] through the zones' R-tree, testing every zone whose box
    /// holds the point (off the locator's grid, and the locator's oracle in tests).
    fn zones_containing_by_tree(&self, ll: LonLat, p: Xy, out: &mut Vec<usize>) {
        out.clear();
        out.extend(
            self.zone_tree
                .locate_all_at_point(&[p.x, p.y])
                .filter(|e| self.zone_shapes[e.data].contains(ll))
                .map(|e| self.zone_shapes[e.data].zone),
        );
        out.sort_unstable();
    }

    /// The zone at the smallest ground distance (0 inside a polygon zone); ties go to the
    /// zone listed first. Zones are tried in order of their bounding-box distance and the
    /// search stops once no box can hold a closer zone.
    pub fn nearest_zone(&self, ll: LonLat, p: Xy) -> Option<ZoneHit> {
        let mut order: Vec<(f64, usize)> = Vec::with_capacity(self.zone_shapes.len());
        self.nearest_zone_with(ll, p, &mut order)
    }

    /// [`Self::nearest_zone`] with a reusable scratch buffer.
    pub fn nearest_zone_with(
        &self,
        ll: LonLat,
        p: Xy,
        order: &mut Vec<(f64, usize)>,
    ) -> Option<ZoneHit> {
        let mut inside = Vec::new();
        if let Some(hit) = self.locate(ll, p, &mut inside) {
            return hit;
        }
        order.clear();
        for (k, s) in self.zone_shapes.iter().enumerate() {
            let (lo, hi) = s.plane_bounds();
            let dx = (lo.x - p.x).max(0.0).max(p.x - hi.x);
            let dy = (lo.y - p.y).max(0.0).max(p.y - hi.y);
            order.push((dx.hypot(dy), k));
        }
        order.sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let mut best: Option<ZoneHit> = None;
        for &(box_d, k) in order.iter() {
            if let Some(b) = &best {
                // The box distance is a lower bound on the plane distance; the ground distance
                // differs from it by far less than this margin.
                if box_d > b.distance_m * 1.001 + 1e-6 {
                    break;
                }
            }
            let shape = &self.zone_shapes[k];
            let (d, closest) = shape.distance(ll, p, &self.projection);
            let better = match &best {
                None => true,
                Some(b) => d < b.distance_m || (d == b.distance_m && shape.zone < b.zone),
            };
            if better {
                best = Some(ZoneHit {
                    zone: shape.zone,
                    distance_m: d,
                    closest,
                });
            }
        }
        best
    }

    /// Containment and nearest zone in one pass through the locator. Fills `inside` with the
    /// zones (dataset indices, ascending) that contain the point and returns the nearest zone
    /// (one of those, at distance 0, when inside); None when the point is off the locator's
    /// grid (then use [`Self::zones_containing_into`] and [`Self::nearest_zone_with`]).
    pub fn locate(&self, ll: LonLat, p: Xy, inside: &mut Vec<usize>) -> Option<Option<ZoneHit>> {
        let loc = self.locator.as_ref()?;
        let (cands, centre) = loc.cell_at(p)?;
        self.inside_of(cands, ll, inside);
        if !inside.is_empty() {
            return Some(Some(ZoneHit {
                zone: inside[0],
                distance_m: 0.0,
                closest: p,
            }));
        }
        let mut best: Option<ZoneHit> = None;
        // A segment is no nearer to `p` than to the cell's centre less `p`'s offset from it
        // (plus a millimetre for the centre computed here and at the build, and rounding).
        let offset = p.plane_distance(centre) + 1e-3;
        for e in cands {
            let shape = &self.zone_shapes[e.shape as usize];
            let (d, closest) = if shape.is_area() {
                shape.boundary_distance_sorted(p, loc.segments_of(e), offset, &self.projection)
            } else {
                shape.boundary_distance(p, None, &self.projection)
            };
            if best
                .as_ref()
                .is_none_or(|b| d < b.distance_m || (d == b.distance_m && shape.zone < b.zone))
            {
                best = Some(ZoneHit {
                    zone: shape.zone,
                    distance_m: d,
                    closest,
                });
            }
        }
        Some(best)
    }

    /// All zones with geometry, nearest first, with ground distances.
    pub fn nearest_zones(&self, ll: LonLat, p: Xy) -> Vec<ZoneHit> {
        let mut hits: Vec<ZoneHit> = self
            .zone_shapes
            .iter()
            .map(|s| {
                let (d, closest) = s.distance(ll, p, &self.projection);
                ZoneHit {
                    zone: s.zone,
                    distance_m: d,
                    closest,
                }
            })
            .collect();
        hits.sort_by(|a, b| {
            a.distance_m
                .total_cmp(&b.distance_m)
                .then(a.zone.cmp(&b.zone))
        });
        hits
    }

    /// Firms (ascending) within `radius_m` ground metres of a zone (inside included).
    /// `lonlat` are the firms' WGS-84 positions, in the order the index was built from.
    pub fn firms_near_zone(&self, shape: &ZoneShape, lonlat: &[LonLat], radius_m: f64) -> Vec<u32> {
        self.firms_near_zones(&[shape], lonlat, radius_m)
            .pop()
            .unwrap_or_default()
    }

    /// [`Self::firms_near_zone`] for several zones in one parallel pass over the firms: a box
    /// test, then a raster of cell verdicts (`index/near.rs`), so only firms near the
    /// radius line are measured. For a handful of zones this beats tree queries.
    pub fn firms_near_zones(
        &self,
        shapes: &[&ZoneShape],
        lonlat: &[LonLat],
        radius_m: f64,
    ) -> Vec<Vec<u32>> {
        use rayon::prelude::*;
        const CHUNK: usize = 1 << 16;
        let tests: Vec<near::NearTest> = shapes
            .iter()
            .map(|s| near::NearTest::new(s, &self.projection, radius_m, self.firm_xy.len()))
            .collect();
        let pieces: Vec<Vec<Vec<u32>>> = self
            .firm_xy
            .par_chunks(CHUNK)
            .enumerate()
            .map(|(c, pts)| {
                let mut out = vec![Vec::new(); tests.len()];
                for (k, p) in pts.iter().enumerate() {
                    let i = c * CHUNK + k;
                    for (t, found) in tests.iter().zip(out.iter_mut()) {
                        if t.near(i, *p, lonlat, &self.projection) {
                            found.push(i as u32);
                        }
                    }
                }
                out
            })
            .collect();
        (0..tests.len())
            .map(|t| {
                let mut all = Vec::with_capacity(pieces.iter().map(|p| p[t].len()).sum());
                for piece in &pieces {
                    all.extend_from_slice(&piece[t]);
                }
                all
            })
            .collect()
    }

    /// The firms among `within` (firm numbers) inside the polygons of dataset zone `zone`, in
    /// the same order: each decided by its locator cell, so only firms in cells across the
    /// zone's boundary are tested against its rings (on all threads).
    pub fn firms_inside(&self, zone: usize, within: &[u32], lonlat: &[LonLat]) -> Vec<u32> {
        use rayon::prelude::*;
        let (Some(shape), Some(&k)) = (self.shape_of(zone), self.shape_at.get(zone)) else {
            return Vec::new();
        };
        let loc = self.locator.as_ref();
        within
            .par_iter()
            .copied()
            .filter(|&i| {
                let (Some(&ll), Some(&p)) = (lonlat.get(i as usize), self.firm_xy.get(i as usize))
                else {
                    return false;
                };
                match loc.and_then(|l| l.cell_at(p)) {
                    // A zone across the cell is always among its candidates.
                    Some((cands, _)) => cands
                        .iter()
                        .find(|e| u32::from(e.shape) == k)
                        .is_some_and(|e| candidate_contains(e, shape, ll)),
                    None => shape.contains(ll),
                }
            })
            .collect()
    }

    /// The prepared shape of a dataset zone, if it has geometry.
    pub fn shape_of(&self, zone: usize) -> Option<&ZoneShape> {
        let k = *self.shape_at.get(zone)?;
        self.zone_shapes.get(k as usize).filter(|s| s.zone == zone)
    }
}

/// Whether a locator cell's candidate zone contains a point of the cell: settled by the cell
/// unless the zone's boundary crosses it.
fn candidate_contains(e: &locator::CellCandidate, shape: &ZoneShape, ll: LonLat) -> bool {
    match e.state {
        CellState::Inside => true,
        CellState::Outside => false,
        CellState::Mixed => shape.contains(ll),
    }
}

/// The bundled district outlines loaded as zones: real, detailed borders shared by long
/// stretches between neighbours, for the index's tests.
#[cfg(test)]
fn district_zones() -> Vec<Zone> {
    let opts = crate::data::ZoneLoadOptions::default();
    crate::data::load_zones_str(
        crate::data::bundled::DISTRICTS_LAND_GEOJSON,
        "districts",
        &opts,
    )
    .expect("the bundled districts load")
    .zones
}
