//! The zone digitiser's model (no egui): a polygon with holes drawn on the map's plane, edited
//! vertex by vertex with undo/redo and snapping to existing zone edges, checked for validity,
//! measured on the ground, and turned into a [`Zone`] that carries `geometry_quality =
//! digitised` and the source it was drawn from.

mod form;

use geo::{Area, Coord, LineString, MultiPolygon, Polygon};

pub use form::{DigitisedSource, ZoneForm};

use crate::crs::Projection;
use crate::model::Xy;

/// Most vertices a sketch may hold (a hand-drawn zone has tens).
pub const MAX_VERTICES: usize = 5_000;
/// Most undo steps kept.
const MAX_UNDO: usize = 200;

/// Why a sketch is not (yet) a valid zone polygon.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum SketchError {
    #[error("the boundary needs at least 3 vertices")]
    TooFewVertices,
    #[error("close the boundary first (click its first vertex)")]
    NotClosed,
    #[error("hole {0} needs at least 3 vertices and must be closed")]
    BadHole(usize),
    #[error("the boundary crosses itself")]
    SelfIntersecting,
    #[error("hole {0} is not inside the boundary")]
    HoleOutside(usize),
    #[error("hole {0} crosses the boundary or another hole")]
    HoleCrosses(usize),
}

/// One ring being drawn: exterior first, then holes. Vertices are stored open (the first is
/// not repeated at the end).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SketchRing {
    pub vertices: Vec<Xy>,
    pub closed: bool,
}

/// A polygon under construction on the map's plane.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Sketch {
    pub rings: Vec<SketchRing>,
    undo: Vec<Vec<SketchRing>>,
    redo: Vec<Vec<SketchRing>>,
}

impl Sketch {
    /// A sketch of an existing polygon (for editing a zone's boundary).
    pub fn from_rings(rings: Vec<Vec<Xy>>) -> Self {
        Self {
            rings: rings
                .into_iter()
                .map(|mut v| {
                    if v.len() > 1 && v.first() == v.last() {
                        v.pop();
                    }
                    SketchRing {
                        vertices: v,
                        closed: true,
                    }
                })
                .collect(),
            ..Self::default()
        }
    }

    fn remember(&mut self) {
        self.undo.push(self.rings.clone());
        if self.undo.len() > MAX_UNDO {
            self.undo.remove(0);
        }
        self.redo.clear();
    }

    /// The ring new vertices go to: the last one while it is open.
    pub fn active_ring(&self) -> Option<usize> {
        let last = self.rings.len().checked_sub(1)?;
        (!self.rings[last].closed).then_some(last)
    }

    pub fn vertex_count(&self) -> usize {
        self.rings.iter().map(|r| r.vertices.len()).sum()
    }

    /// Adds a vertex to the open ring (starting the boundary if there is none).
    /// Returns false when the sketch is full or every ring is closed (start a hole first).
    pub fn add_vertex(&mut self, p: Xy) -> bool {
        if self.vertex_count() >= MAX_VERTICES {
            return false;
        }
        if self.rings.is_empty() {
            self.remember();
            self.rings.push(SketchRing::default());
        } else if self.active_ring().is_none() {
            return false;
        } else {
            self.remember();
        }
        match self.rings.last_mut() {
            Some(r) => {
                r.vertices.push(p);
                true
            }
            None => false,
        }
    }

    /// Closes the open ring (needs 3 vertices).
    pub fn close_ring(&mut self) -> bool {
        let Some(i) = self.active_ring() else {
            return false;
        };
        if self.rings[i].vertices.len() < 3 {
            return false;
        }
        self.remember();
        self.rings[i].closed = true;
        true
    }

    /// Starts a hole (the boundary must be closed and no ring open).
    pub fn start_hole(&mut self) -> bool {
        if self.rings.is_empty() || self.active_ring().is_some() {
            return false;
        }
        self.remember();
        self.rings.push(SketchRing::default());
        true
    }

    /// Moves a vertex; call [`Sketch::begin_move`] once when a drag starts so the whole drag is
    /// one undo step.
    pub fn move_vertex(&mut self, ring: usize, i: usize, p: Xy) {
        if let Some(v) = self.rings.get_mut(ring).and_then(|r| r.vertices.get_mut(i)) {
            *v = p;
        }
    }

    /// Records the state before a drag.
    pub fn begin_move(&mut self) {
        self.remember();
    }

    /// Deletes a vertex; a ring left with no vertices goes too (a closed ring keeps at
    /// least 3).
    pub fn delete_vertex(&mut self, ring: usize, i: usize) -> bool {
        let Some(r) = self.rings.get(ring) else {
            return false;
        };
        if i >= r.vertices.len() || (r.closed && r.vertices.len() <= 3) {
            return false;
        }
        self.remember();
        let r = &mut self.rings[ring];
        r.vertices.remove(i);
        if r.vertices.is_empty() {
            self.rings.remove(ring);
        }
        true
    }

    /// Inserts a vertex after vertex `i` of a ring (on an edge).
    pub fn insert_vertex(&mut self, ring: usize, i: usize, p: Xy) -> bool {
        let ok = self
            .rings
            .get(ring)
            .is_some_and(|r| i < r.vertices.len() && self.vertex_count() < MAX_VERTICES);
        if ok {
            self.remember();
            self.rings[ring].vertices.insert(i + 1, p);
        }
        ok
    }

    pub fn can_undo(&self) -> bool {
        !self.undo.is_empty()
    }

    pub fn can_redo(&self) -> bool {
        !self.redo.is_empty()
    }

    pub fn undo(&mut self) -> bool {
        match self.undo.pop() {
            Some(prev) => {
                self.redo.push(std::mem::replace(&mut self.rings, prev));
                true
            }
            None => false,
        }
    }

    pub fn redo(&mut self) -> bool {
        match self.redo.pop() {
            Some(next) => {
                self.undo.push(std::mem::replace(&mut self.rings, next));
                true
            }
            None => false,
        }
    }

    /// The vertex nearest to `p` within `tol` plane metres: (ring, index).
    pub fn vertex_near(&self, p: Xy, tol: f64) -> Option<(usize, usize)> {
        let mut best = None;
        let mut best_d = tol;
        for (ri, r) in self.rings.iter().enumerate() {
            for (vi, v) in r.vertices.iter().enumerate() {
                let d = dist(*v, p);
                if d <= best_d {
                    best_d = d;
                    best = Some((ri, vi));
                }
            }
        }
        best
    }

    /// The edge of a closed ring nearest to `p` within `tol`: (ring, index of its first
    /// vertex, the nearest point on it).
    pub fn edge_near(&self, p: Xy, tol: f64) -> Option<(usize, usize, Xy)> {
        let mut best = None;
        let mut best_d = tol;
        for (ri, r) in self.rings.iter().enumerate().filter(|(_, r)| r.closed) {
            let n = r.vertices.len();
            for i in 0..n {
                let q = nearest_on_segment(p, r.vertices[i], r.vertices[(i + 1) % n]);
                let d = dist(q, p);
                if d <= best_d {
                    best_d = d;
                    best = Some((ri, i, q));
                }
            }
        }
        best
    }

    /// Area on the ground in km² (plane area over the scale factor squared, as zone shapes
    /// do): the boundary less its holes; open rings count once closed.
    pub fn area_km2(&self, proj: &Projection) -> f64 {
        let Some(outer) = self.rings.first() else {
            return 0.0;
        };
        let ring_area = |r: &SketchRing| -> f64 {
            if r.vertices.len() < 3 {
                return 0.0;
            }
            let ls: LineString<f64> = r
                .vertices
                .iter()
                .map(|p| Coord { x: p.x, y: p.y })
                .collect();
            Polygon::new(ls, vec![]).unsigned_area()
        };
        let plane = ring_area(outer) - self.rings[1..].iter().map(ring_area).sum::<f64>();
        let c = centroid(&outer.vertices);
        let k = proj.scale_factor(c);
        (plane / (k * k) / 1e6).max(0.0)
    }

    /// Checks the sketch: a closed boundary of ≥ 3 vertices that does not cross itself, holes
    /// closed, inside it and not crossing it or each other.
    pub fn validate(&self) -> Result<(), SketchError> {
        let Some(outer) = self.rings.first() else {
            return Err(SketchError::TooFewVertices);
        };
        if outer.vertices.len() < 3 {
            return Err(SketchError::TooFewVertices);
        }
        if !outer.closed {
            return Err(SketchError::NotClosed);
        }
        if self_intersects(&outer.vertices) {
            return Err(SketchError::SelfIntersecting);
        }
        for (h, hole) in self.rings.iter().enumerate().skip(1) {
            if hole.vertices.len() < 3 || !hole.closed {
                return Err(SketchError::BadHole(h));
            }
            if self_intersects(&hole.vertices) {
                return Err(SketchError::HoleCrosses(h));
            }
            for (o, other) in self.rings.iter().enumerate() {
                if o != h && rings_cross(&hole.vertices, &other.vertices) {
                    return Err(SketchError::HoleCrosses(h));
                }
            }
            if !point_in_ring(hole.vertices[0], &outer.vertices) {
                return Err(SketchError::HoleOutside(h));
            }
        }
        Ok(())
    }

    /// The polygon in WGS-84 (exterior counter-clockwise, holes clockwise, rings closed),
    /// after [`Sketch::validate`].
    pub fn to_lonlat(&self, proj: &Projection) -> Result<MultiPolygon<f64>, SketchError> {
        self.validate()?;
        let ring = |r: &SketchRing, ccw: bool| -> LineString<f64> {
            let mut v: Vec<Coord<f64>> = r
                .vertices
                .iter()
                .map(|p| {
                    let ll = proj.unproject(*p);
                    Coord {
                        x: (ll.lon * 1e7).round() / 1e7,
                        y: (ll.lat * 1e7).round() / 1e7,
                    }
                })
                .collect();
            if (signed_area(&v) > 0.0) != ccw {
                v.reverse();
            }
            if let Some(first) = v.first().copied() {
                v.push(first);
            }
            LineString::from(v)
        };
        let exterior = ring(&self.rings[0], true);
        let holes = self.rings[1..].iter().map(|r| ring(r, false)).collect();
        Ok(MultiPolygon(vec![Polygon::new(exterior, holes)]))
    }
}

/// Snaps `p` to the nearest vertex (preferred) or edge of `rings` within `tol` plane metres.
pub fn snap(p: Xy, rings: &[Vec<Xy>], tol: f64) -> Option<Xy> {
    let mut best: Option<(f64, Xy)> = None;
    for r in rings {
        for v in r {
            let d = dist(*v, p);
            // Vertices win over edges at up to the same distance.
            if d <= tol && best.is_none_or(|(bd, _)| d * 0.5 < bd) {
                best = Some((d * 0.5, *v));
            }
        }
        for w in r.windows(2) {
            let q = nearest_on_segment(p, w[0], w[1]);
            let d = dist(q, p);
            if d <= tol && best.is_none_or(|(bd, _)| d < bd) {
                best = Some((d, q));
            }
        }
    }
    best.map(|(_, q)| q)
}

fn dist(a: Xy, b: Xy) -> f64 {
    ((a.x - b.x).powi(2) + (a.y - b.y).powi(2)).sqrt()
}

fn nearest_on_segment(p: Xy, a: Xy, b: Xy) -> Xy {
    let (dx, dy) = (b.x - a.x, b.y - a.y);
    let len2 = dx * dx + dy * dy;
    if len2 == 0.0 {
        return a;
    }
    let t = (((p.x - a.x) * dx + (p.y - a.y) * dy) / len2).clamp(0.0, 1.0);
    Xy::new(a.x + t * dx, a.y + t * dy)
}

fn centroid(v: &[Xy]) -> Xy {
    let n = v.len().max(1) as f64;
    Xy::new(
        v.iter().map(|p| p.x).sum::<f64>() / n,
        v.iter().map(|p| p.y).sum::<f64>() / n,
    )
}

fn signed_area(v: &[Coord<f64>]) -> f64 {
    let n = v.len();
    (0..n)
        .map(|i| {
            let (a, b) = (v[i], v[(i + 1) % n]);
            a.x * b.y - b.x * a.y
        })
        .sum::<f64>()
        / 2.0
}

/// Proper crossing of segments ab and cd (touching at an end does not count).
fn segments_cross(a: Xy, b: Xy, c: Xy, d: Xy) -> bool {
    let orient = |p: Xy, q: Xy, r: Xy| (q.x - p.x) * (r.y - p.y) - (q.y - p.y) * (r.x - p.x);
    let (d1, d2) = (orient(c, d, a), orient(c, d, b));
    let (d3, d4) = (orient(a, b, c), orient(a, b, d));
    d1 * d2 < 0.0 && d3 * d4 < 0.0
}

fn edges(v: &[Xy]) -> impl Iterator<Item = (Xy, Xy)> + '_ {
    (0..v.len()).map(move |i| (v[i], v[(i + 1) % v.len()]))
}

fn self_intersects(v: &[Xy]) -> bool {
    let n = v.len();
    for i in 0..n {
        for j in i + 1..n {
            // neighbours share a vertex
            if j == i + 1 || (i == 0 && j == n - 1) {
                continue;
            }
            let (a, b) = (v[i], v[(i + 1) % n]);
            let (c, d) = (v[j], v[(j + 1) % n]);
            if segments_cross(a, b, c, d) {
                return true;
            }
        }
    }
    false
}

fn rings_cross(a: &[Xy], b: &[Xy]) -> bool {
    edges(a).any(|(p, q)| edges(b).any(|(r, s)| segments_cross(p, q, r, s)))
}

/// Even-odd point in ring.
fn point_in_ring(p: Xy, v: &[Xy]) -> bool {
    let mut inside = false;
    for (a, b) in edges(v) {
        if (a.y > p.y) != (b.y > p.y) && p.x < (b.x - a.x) * (p.y - a.y) / (b.y - a.y) + a.x {
            inside = !inside;
        }
    }
    inside
}

#[cfg(test)]
mod tests;
