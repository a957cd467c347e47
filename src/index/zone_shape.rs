//! A zone's geometry prepared for fast queries: rings in degrees for containment, rings on
//! the plane for distances, and bounds for both.

use geo::{Area, Coord, LineString, MultiPolygon, Polygon};

use crate::crs::Projection;
use crate::model::{LonLat, Xy, Zone, ZoneGeometry};

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

/// Even-odd crossing test; points on an edge may fall either way, as in any planar test.
fn ring_contains(ring: &[Coord<f64>], x: f64, y: f64) -> bool {
    let mut inside = false;
    let n = ring.len();
    if n < 3 {
        return false;
    }
    let mut j = n - 1;
    for i in 0..n {
        let (a, b) = (ring[i], ring[j]);
        if (a.y > y) != (b.y > y) && x < (b.x - a.x) * (y - a.y) / (b.y - a.y) + a.x {
            inside = !inside;
        }
        j = i;
    }
    inside
}

/// Closest point of segment `a`–`b` to `p`, and the squared distance.
fn closest_on_segment(p: Coord<f64>, a: Coord<f64>, b: Coord<f64>) -> (Coord<f64>, f64) {
    let (dx, dy) = (b.x - a.x, b.y - a.y);
    let len2 = dx * dx + dy * dy;
    let t = if len2 > 0.0 {
        (((p.x - a.x) * dx + (p.y - a.y) * dy) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let c = Coord {
        x: a.x + t * dx,
        y: a.y + t * dy,
    };
    let (ex, ey) = (p.x - c.x, p.y - c.y);
    (c, ex * ex + ey * ey)
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
                })
            }
            ZoneGeometry::Area(mp) => {
                let mp_xy = project_mp(mp, proj);
                let rings_ll = rings(mp);
                let rings_xy = rings(&mp_xy);
                let mut lo = Xy::new(f64::INFINITY, f64::INFINITY);
                let mut hi = Xy::new(f64::NEG_INFINITY, f64::NEG_INFINITY);
                for c in rings_xy.iter().flatten().flatten() {
                    lo = Xy::new(lo.x.min(c.x), lo.y.min(c.y));
                    hi = Xy::new(hi.x.max(c.x), hi.y.max(c.y));
                }
                let mut llo = LonLat::new(f64::INFINITY, f64::INFINITY);
                let mut lhi = LonLat::new(f64::NEG_INFINITY, f64::NEG_INFINITY);
                for c in rings_ll.iter().flatten().flatten() {
                    llo = LonLat::new(llo.lon.min(c.x), llo.lat.min(c.y));
                    lhi = LonLat::new(lhi.lon.max(c.x), lhi.lat.max(c.y));
                }
                // Area on the plane, scaled back to the ground with the scale factor at the
                // zone's centre (areas scale with k²).
                let centre = Xy::new((lo.x + hi.x) / 2.0, (lo.y + hi.y) / 2.0);
                let k = proj.scale_factor(centre);
                let area_km2 = mp_xy.unsigned_area() / (k * k) / 1e6;
                Some(Self {
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
        rings_ll.iter().any(|poly| {
            let mut it = poly.iter();
            let Some(outer) = it.next() else { return false };
            ring_contains(outer, ll.lon, ll.lat) && !it.any(|h| ring_contains(h, ll.lon, ll.lat))
        })
    }

    /// Ground distance in metres from a point to the zone (0 inside), and the closest point
    /// of the zone on the plane. From inside a hole this is the distance to the hole's ring.
    pub fn distance(&self, ll: LonLat, p: Xy, proj: &Projection) -> (f64, Xy) {
        match &self.kind {
            ZoneShapeKind::Point(q) => (proj.ground_distance(p, *q), *q),
            ZoneShapeKind::Area { rings_xy, .. } => {
                if self.contains(ll) {
                    return (0.0, p);
                }
                let pc = Coord { x: p.x, y: p.y };
                let mut best = (Coord { x: p.x, y: p.y }, f64::INFINITY);
                for ring in rings_xy.iter().flatten() {
                    for w in ring.windows(2) {
                        let (c, d2) = closest_on_segment(pc, w[0], w[1]);
                        if d2 < best.1 {
                            best = (c, d2);
                        }
                    }
                }
                let c = Xy::new(best.0.x, best.0.y);
                (proj.ground_distance(p, c), c)
            }
        }
    }
}
