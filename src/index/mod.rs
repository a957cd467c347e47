//! Spatial index built once per dataset: projected firm positions in an R-tree, and zone
//! shapes prepared for point-in-zone and nearest-zone queries.
//!
//! Point-in-zone is decided on longitude/latitude with straight edges (the GeoJSON and
//! GEOS convention); distances are measured on the dataset's transverse Mercator plane and
//! corrected to the ground.

mod zone_shape;

pub use zone_shape::{ZoneShape, ZoneShapeKind};

use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};

use crate::crs::Projection;
use crate::model::{Firms, LonLat, Xy, Zone};

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
    firm_tree: RTree<FirmEntry>,
    /// Prepared shapes of the zones that have geometry.
    pub zone_shapes: Vec<ZoneShape>,
    zone_tree: RTree<ZoneEntry>,
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
        let firm_xy: Vec<Xy> = firms
            .lonlat
            .par_iter()
            .map(|p| projection.project(*p))
            .collect();
        let entries: Vec<FirmEntry> = firm_xy
            .iter()
            .enumerate()
            .map(|(i, p)| GeomWithData::new([p.x, p.y], i as u32))
            .collect();
        let firm_tree = RTree::bulk_load(entries);
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
        Self {
            projection,
            firm_xy: std::sync::Arc::new(firm_xy),
            firm_tree,
            zone_shapes,
            zone_tree,
        }
    }

    pub fn n_firms(&self) -> usize {
        self.firm_xy.len()
    }

    /// Firms whose ground distance to `p` is at most `radius_m`, in firm order.
    pub fn firms_within(&self, p: Xy, radius_m: f64) -> Vec<u32> {
        // Plane lengths are at most a few parts in 10⁵ longer than ground ones here; search a
        // slightly larger plane circle, then keep exact ground distances.
        let r_plane = radius_m * 1.001;
        let mut out: Vec<u32> = self
            .firm_tree
            .locate_within_distance([p.x, p.y], r_plane * r_plane)
            .filter(|e| {
                let q = self.firm_xy[e.data as usize];
                self.projection.ground_distance(p, q) <= radius_m
            })
            .map(|e| e.data)
            .collect();
        out.sort_unstable();
        out
    }

    /// Number of firms inside a plane rectangle (for viewport culling and counts).
    pub fn firms_in_rect(&self, lo: Xy, hi: Xy) -> impl Iterator<Item = u32> + '_ {
        self.firm_tree
            .locate_in_envelope(&AABB::from_corners([lo.x, lo.y], [hi.x, hi.y]))
            .map(|e| e.data)
    }

    /// The firm nearest to a plane point, with its ground distance.
    pub fn nearest_firm(&self, p: Xy) -> Option<(u32, f64)> {
        self.firm_tree.nearest_neighbor(&[p.x, p.y]).map(|e| {
            (
                e.data,
                self.projection
                    .ground_distance(p, self.firm_xy[e.data as usize]),
            )
        })
    }

    /// The `k` nearest firms to `p` (excluding none), nearest first.
    pub fn k_nearest_firms(&self, p: Xy, k: usize) -> impl Iterator<Item = (u32, f64)> + '_ {
        self.firm_tree
            .nearest_neighbor_iter_with_distance_2(&[p.x, p.y])
            .take(k)
            .map(|(e, d2)| (e.data, d2.sqrt()))
    }

    /// Zones (dataset indices, ascending) whose polygons contain the WGS-84 point.
    pub fn zones_containing(&self, ll: LonLat, p: Xy) -> Vec<usize> {
        let mut out: Vec<usize> = self
            .zone_tree
            .locate_all_at_point(&[p.x, p.y])
            .filter(|e| self.zone_shapes[e.data].contains(ll))
            .map(|e| self.zone_shapes[e.data].zone)
            .collect();
        out.sort_unstable();
        out
    }

    /// The zone at the smallest ground distance (0 inside a polygon zone); ties go to the
    /// zone listed first.
    pub fn nearest_zone(&self, ll: LonLat, p: Xy) -> Option<ZoneHit> {
        let mut best: Option<ZoneHit> = None;
        for (entry, env_d2) in self
            .zone_tree
            .nearest_neighbor_iter_with_distance_2(&[p.x, p.y])
        {
            if let Some(b) = &best {
                // Envelope distance is a lower bound on the plane distance; the ground
                // distance differs from it by far less than this margin.
                if env_d2.sqrt() > b.distance_m * 1.001 + 1e-6 {
                    break;
                }
            }
            let shape = &self.zone_shapes[entry.data];
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
        let (lo, hi) = shape.plane_bounds();
        // Plane lengths exceed ground ones by far less than 1 % here.
        let pad = radius_m * 1.01;
        let mut v: Vec<u32> = self
            .firms_in_rect(
                Xy::new(lo.x - pad, lo.y - pad),
                Xy::new(hi.x + pad, hi.y + pad),
            )
            .filter(|&i| {
                let i = i as usize;
                lonlat.get(i).is_some_and(|ll| {
                    shape.distance(*ll, self.firm_xy[i], &self.projection).0 <= radius_m
                })
            })
            .collect();
        v.sort_unstable();
        v
    }

    /// The prepared shape of a dataset zone, if it has geometry.
    pub fn shape_of(&self, zone: usize) -> Option<&ZoneShape> {
        self.zone_shapes.iter().find(|s| s.zone == zone)
    }
}
