//! A zone's geometry prepared for fast queries: rings in degrees for containment, rings on
//! the plane for distances, and bounds for both.

use geo::{Area, Coord, LineString, MultiPolygon, Polygon};

use super::boundary::{Boundary, Closest, Part, Step};
use super::ring_bands::{RingBands, ring_contains_with};
use crate::crs::Projection;
use crate::model::{Bounds, LonLat, Xy, Zone, ZoneGeometry};

/// Point or polygon.
#[derive(Clone, Debug)]
pub enum ZoneShapeKind {
    Point(Xy),
    Area {
        /// Rings in degrees, per polygon: exterior first, then holes.
        rings_ll: Vec<Vec<Vec<Coord<f64>>>>,
        /// The same rings on the plane (metres).
        rings_xy: Vec<Vec<Vec<Coord<f64>>>>,
        bounds_ll: (LonLat, LonLat),
        area_km2: f64,
    },
}

/// A zone with geometry, ready for queries.
#[derive(Clone, Debug)]
pub struct ZoneShape {
    /// Index into the dataset's zone list.
    pub zone: usize,
    pub kind: ZoneShapeKind,
    bounds_xy: (Xy, Xy),
    /// Every ring's segments on the plane (none for point zones).
    boundary: Boundary,
    /// Band lists of the rings in degrees, as `rings_ll` (None for small rings).
    bands: Vec<Vec<Option<RingBands>>>,
}

/// A representative WGS-84 point of a zone (its point, or first vertex).
pub(super) fn anchor(z: &Zone) -> Option<LonLat> {
    match &z.geometry {
        ZoneGeometry::None => None,
        ZoneGeometry::Point(p) => Some(*p),
        ZoneGeometry::Area(mp) => {
            mp.0.first()
                .and_then(|p| p.exterior().0.first())
                .map(|c| LonLat::new(c.x, c.y))
        }
    }
}

/// Longest edge, in metres, kept straight when projecting. GeoJSON edges are straight in
/// degrees; on the plane they bend slightly (a 6 km edge along a parallel bows by about 0.3 m),
/// so edges are split before projection to keep distances true to the geodesic.
const MAX_EDGE_M: f64 = 200.0;

fn densify(ring: &LineString<f64>) -> LineString<f64> {
    let mut out: Vec<Coord<f64>> = Vec::with_capacity(ring.0.len());
    for w in ring.0.windows(2) {
        let (a, b) = (w[0], w[1]);
        let dx = (b.x - a.x) * 111_320.0 * a.y.to_radians().cos();
        let dy = (b.y - a.y) * 110_574.0;
        let steps = ((dx.hypot(dy) / MAX_EDGE_M).ceil() as usize).clamp(1, 10_000);
        for s in 0..steps {
            let t = s as f64 / steps as f64;
            out.push(Coord {
                x: a.x + t * (b.x - a.x),
                y: a.y + t * (b.y - a.y),
            });
        }
    }
    if let Some(last) = ring.0.last() {
        out.push(*last);
    }
    LineString::new(out)
}

fn project_mp(mp: &MultiPolygon<f64>, proj: &Projection) -> MultiPolygon<f64> {
    use geo::MapCoords;
    let dense = MultiPolygon::new(
        mp.0.iter()
            .map(|p| {
                Polygon::new(
                    densify(p.exterior()),
                    p.interiors().iter().map(densify).collect(),
                )
            })
            .collect(),
    );
    dense.map_coords(|c| {
        let q = proj.project(LonLat::new(c.x, c.y));
        Coord { x: q.x, y: q.y }
    })
}

fn rings(mp: &MultiPolygon<f64>) -> Vec<Vec<Vec<Coord<f64>>>> {
    mp.0.iter()
        .map(|p| {
            std::iter::once(p.exterior())
                .chain(p.interiors())
                .map(|r| r.0.clone())
                .collect()
        })
        .collect()
}

impl ZoneShape {
    pub fn new(index: usize, zone: &Zone, proj: &Projection) -> Option<Self> {
        match &zone.geometry {
            ZoneGeometry::None => None,
            ZoneGeometry::Point(p) => {
                let q = proj.project(*p);
                Some(Self {
                    zone: index,
                    kind: ZoneShapeKind::Point(q),
                    bounds_xy: (q, q),
                    boundary: Boundary::default(),
                    bands: Vec::new(),
                })
            }
            ZoneGeometry::Area(mp) => {
                let mp_xy = project_mp(mp, proj);
                let rings_ll = rings(mp);
                let rings_xy = rings(&mp_xy);
                let empty = Bounds {
                    lo: Xy::new(f64::INFINITY, f64::INFINITY),
                    hi: Xy::new(f64::NEG_INFINITY, f64::NEG_INFINITY),
                };
                let Bounds { lo, hi } = Bounds::of_values(
                    rings_xy
                        .iter()
                        .flatten()
                        .flatten()
                        .map(|c| Xy::new(c.x, c.y)),
                )
                .unwrap_or(empty);
                let ll = Bounds::of_values(
                    rings_ll
                        .iter()
                        .flatten()
                        .flatten()
                        .map(|c| Xy::new(c.x, c.y)),
                )
                .unwrap_or(empty);
                let (llo, lhi) = (LonLat::new(ll.lo.x, ll.lo.y), LonLat::new(ll.hi.x, ll.hi.y));
                // Area on the plane, scaled back to the ground with the scale factor at the
                // zone's centre (areas scale with k²).
                let centre = Xy::new((lo.x + hi.x) / 2.0, (lo.y + hi.y) / 2.0);
                let k = proj.scale_factor(centre);
                let area_km2 = mp_xy.unsigned_area() / (k * k) / 1e6;
                let boundary = Boundary::new(rings_xy.iter().flatten().map(|r| &r[..]));
                let bands = rings_ll
                    .iter()
                    .map(|p| p.iter().map(|r| RingBands::new(r)).collect())
                    .collect();
                Some(Self {
                    boundary,
                    bands,
                    zone: index,
                    kind: ZoneShapeKind::Area {
                        rings_ll,
                        rings_xy,
                        bounds_ll: (llo, lhi),
                        area_km2,
                    },
                    bounds_xy: (lo, hi),
                })
            }
        }
    }

    /// Plane bounding box (lower-left, upper-right).
    pub fn plane_bounds(&self) -> (Xy, Xy) {
        self.bounds_xy
    }

    pub fn is_area(&self) -> bool {
        matches!(self.kind, ZoneShapeKind::Area { .. })
    }

    /// Polygon area in km² on the ground (None for point zones).
    pub fn area_km2(&self) -> Option<f64> {
        match &self.kind {
            ZoneShapeKind::Area { area_km2, .. } => Some(*area_km2),
            ZoneShapeKind::Point(_) => None,
        }
    }

    /// True when the WGS-84 point is inside a polygon of the zone (holes are outside).
    pub fn contains(&self, ll: LonLat) -> bool {
        let ZoneShapeKind::Area {
            rings_ll,
            bounds_ll,
            ..
        } = &self.kind
        else {
            return false;
        };
        if ll.lon < bounds_ll.0.lon
            || ll.lon > bounds_ll.1.lon
            || ll.lat < bounds_ll.0.lat
            || ll.lat > bounds_ll.1.lat
        {
            return false;
        }
        // `bands` is built from `rings_ll`: the same polygons and rings, in the same order.
        let inside = |(ring, bands): (&Vec<Coord<f64>>, &Option<RingBands>)| {
            ring_contains_with(ring, bands.as_ref(), ll.lon, ll.lat)
        };
        rings_ll.iter().zip(&self.bands).any(|(poly, bands)| {
            let mut it = poly.iter().zip(bands);
            let Some(outer) = it.next() else { return false };
            inside(outer) && !it.any(inside)
        })
    }

    /// Ground distance in metres from a point to the zone (0 inside), and the closest point
    /// of the zone on the plane. From inside a hole this is the distance to the hole's ring.
    pub fn distance(&self, ll: LonLat, p: Xy, proj: &Projection) -> (f64, Xy) {
        match &self.kind {
            ZoneShapeKind::Point(q) => (proj.ground_distance(p, *q), *q),
            ZoneShapeKind::Area { .. } => {
                if self.contains(ll) {
                    return (0.0, p);
                }
                self.boundary_distance(p, None, proj)
            }
        }
    }

    /// Number of boundary segments (0 for point zones).
    pub fn n_segments(&self) -> usize {
        self.boundary.len()
    }

    /// Plane distance from `p` to boundary segment `k`.
    pub fn segment_distance(&self, k: usize, p: Xy) -> f64 {
        self.boundary.segment_distance(k, p)
    }

    /// The boundary's segments and their runs (the locator lists either).
    pub(super) fn boundary(&self) -> &Boundary {
        &self.boundary
    }

    /// Ground distance to the boundary (ignoring containment), searching only the segments in
    /// `subset` when given; point zones measure to their point.
    pub(super) fn boundary_distance(
        &self,
        p: Xy,
        subset: Option<Part>,
        proj: &Projection,
    ) -> (f64, Xy) {
        if let ZoneShapeKind::Point(q) = &self.kind {
            return (proj.ground_distance(p, *q), *q);
        }
        let best = match subset {
            Some(part) => self.boundary.closest_in(p, part),
            None => self.boundary.closest(p),
        };
        self.ground(p, best, proj)
    }

    /// [`Self::boundary_distance`] over `part`, listed in `steps` by distance from a point
    /// `c`, for a point `p` within `offset` of `c`: the search stops at the first step that
    /// cannot be nearer than the best so far.
    pub(super) fn boundary_distance_sorted(
        &self,
        p: Xy,
        (part, steps): (Part, &[Step]),
        offset: f64,
        proj: &Projection,
    ) -> (f64, Xy) {
        let best = self.boundary.closest_sorted(p, part, steps, offset);
        self.ground(p, best, proj)
    }

    fn ground(&self, p: Xy, best: Closest, proj: &Projection) -> (f64, Xy) {
        match self.boundary.point(best) {
            Some(c) => (proj.ground_distance(p, c), c),
            None => (f64::INFINITY, p),
        }
    }
}
