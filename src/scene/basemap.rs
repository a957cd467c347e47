//! The offline basemap (land and districts) projected and triangulated once per projection.

use geo::TriangulateEarcut;

use super::{CoarseFill, PolygonItem};
use crate::crs::Projection;
use crate::data::bundled::Region;
use crate::model::{LonLat, Xy};

/// One projected, triangulated region with its name and label point.
#[derive(Clone, Debug)]
pub struct BasemapRegion {
    pub name_zh: String,
    pub name_en: String,
    pub polygons: Vec<PolygonItem>,
    /// A point inside the largest polygon, for the label.
    pub label_at: Xy,
    pub area_m2: f64,
}

/// Land and districts ready to draw.
#[derive(Clone, Debug)]
pub struct Basemap {
    pub land: Vec<BasemapRegion>,
    pub districts: Vec<BasemapRegion>,
    /// The plane the shapes are projected to.
    pub projection: Projection,
    /// Outline of the area the land data covers (on the plane), when known: beyond it the
    /// scene draws "no basemap" instead of sea.
    pub coverage: Option<Vec<Xy>>,
}

/// Projects and triangulates a WGS-84 multipolygon (styles are filled in by the scene).
pub fn polygons_on_plane(mp: &geo::MultiPolygon<f64>, proj: &Projection) -> Vec<PolygonItem> {
    use geo::MapCoords;
    mp.0.iter()
        .map(|poly| {
            let p = poly.map_coords(|c| {
                let q = proj.project(LonLat::new(c.x, c.y));
                geo::Coord { x: q.x, y: q.y }
            });
            let raw = p.earcut_triangles_raw();
            let coarse = coarse_fill(&p, raw.vertices.len());
            let rings: Vec<Vec<Xy>> = std::iter::once(p.exterior())
                .chain(p.interiors())
                .map(|r| r.0.iter().map(|c| Xy::new(c.x, c.y)).collect())
                .collect();
            PolygonItem {
                rings,
                vertices: raw.vertices.iter().map(|v| Xy::new(v[0], v[1])).collect(),
                triangles: raw.triangle_indices.iter().map(|i| *i as u32).collect(),
                fill: super::palette::LAND,
                stroke: None,
                coarse,
            }
        })
        .collect()
}

/// Tolerance of the basemap's simplified fills: drawn from 2 × this many metres per pixel,
/// where it is under half a pixel.
pub const COARSE_TOLERANCE_M: f64 = 20.0;

/// The polygon simplified within [`COARSE_TOLERANCE_M`] and triangulated, when that saves at
/// least half its vertices (a city-wide view then draws far fewer triangles).
fn coarse_fill(p: &geo::Polygon<f64>, n_vertices: usize) -> Option<std::sync::Arc<CoarseFill>> {
    use geo::Simplify;
    let s = p.simplify(COARSE_TOLERANCE_M);
    let raw = s.earcut_triangles_raw();
    let n = raw.vertices.len();
    (n * 2 <= n_vertices).then(|| {
        std::sync::Arc::new(CoarseFill {
            tolerance_m: COARSE_TOLERANCE_M,
            vertices: raw.vertices.iter().map(|v| Xy::new(v[0], v[1])).collect(),
            triangles: raw.triangle_indices.iter().map(|i| *i as u32).collect(),
        })
    })
}

fn region(r: &Region, proj: &Projection) -> BasemapRegion {
    use geo::{Area, InteriorPoint};
    let polygons = polygons_on_plane(&r.geometry, proj);
    let largest = r
        .geometry
        .0
        .iter()
        .max_by(|a, b| a.unsigned_area().total_cmp(&b.unsigned_area()));
    let label_at = largest
        .and_then(|p| p.interior_point())
        .map(|p| proj.project(LonLat::new(p.x(), p.y())))
        .unwrap_or_default();
    let area_m2 = polygons
        .iter()
        .map(|p| {
            let poly = geo::Polygon::new(
                p.rings[0]
                    .iter()
                    .map(|q| geo::Coord { x: q.x, y: q.y })
                    .collect(),
                vec![],
            );
            poly.unsigned_area()
        })
        .sum();
    BasemapRegion {
        name_zh: r.name_zh.clone(),
        name_en: r.name_en.clone(),
        polygons,
        label_at,
        area_m2,
    }
}

impl Basemap {
    pub fn new(land: &[Region], districts: &[Region], proj: &Projection) -> Self {
        Self {
            land: land.iter().map(|r| region(r, proj)).collect(),
            districts: districts.iter().map(|r| region(r, proj)).collect(),
            projection: *proj,
            coverage: None,
        }
    }

    /// Sets the lon/lat box the land data covers ([west, south, east, north]); its edges are
    /// densified so the outline follows the projection.
    pub fn with_coverage(mut self, bbox: [f64; 4]) -> Self {
        let [w, s, e, n] = bbox;
        let steps = 64;
        let mut ring = Vec::with_capacity(4 * steps + 1);
        let lerp = |a: f64, b: f64, t: usize| a + (b - a) * t as f64 / steps as f64;
        for t in 0..steps {
            ring.push(LonLat::new(lerp(w, e, t), s));
        }
        for t in 0..steps {
            ring.push(LonLat::new(e, lerp(s, n, t)));
        }
        for t in 0..steps {
            ring.push(LonLat::new(lerp(e, w, t), n));
        }
        for t in 0..steps {
            ring.push(LonLat::new(w, lerp(n, s, t)));
        }
        ring.push(LonLat::new(w, s));
        self.coverage = Some(ring.iter().map(|p| self.projection.project(*p)).collect());
        self
    }

    /// The bundled basemap in a projection.
    pub fn bundled(proj: &Projection) -> Self {
        Self::new(
            &crate::data::bundled::land(),
            &crate::data::bundled::districts(),
            proj,
        )
        .with_coverage(crate::data::bundled::LAND_COVERAGE)
    }

    /// Plane bounds of the districts (Shenzhen), for "fit to city".
    pub fn district_bounds(&self) -> Option<(Xy, Xy)> {
        let rings = self.districts.iter().flat_map(|d| &d.polygons);
        crate::model::Bounds::of(rings.flat_map(|p| &p.rings[0])).map(|b| b.pair())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Area of a triangulation (sum of its triangles).
    fn area(vertices: &[Xy], triangles: &[u32]) -> f64 {
        triangles
            .chunks_exact(3)
            .map(|t| {
                let [a, b, c] = [0, 1, 2].map(|k| vertices[t[k] as usize]);
                ((b.x - a.x) * (c.y - a.y) - (c.x - a.x) * (b.y - a.y)).abs() / 2.0
            })
            .sum()
    }

    #[test]
    fn simplified_fills_are_smaller_and_cover_the_same_ground() {
        let proj = Projection::default();
        let b = Basemap::bundled(&proj);
        let all: Vec<&PolygonItem> = b
            .land
            .iter()
            .chain(&b.districts)
            .flat_map(|r| &r.polygons)
            .collect();
        let (mut full_tri, mut coarse_tri, mut full_area, mut coarse_area) = (0, 0, 0.0, 0.0);
        for p in &all {
            let whole = area(&p.vertices, &p.triangles);
            full_area += whole;
            full_tri += p.triangles.len() / 3;
            match &p.coarse {
                Some(c) => {
                    assert!(c.vertices.len() * 2 <= p.vertices.len());
                    coarse_area += area(&c.vertices, &c.triangles);
                    coarse_tri += c.triangles.len() / 3;
                }
                None => {
                    coarse_area += whole;
                    coarse_tri += p.triangles.len() / 3;
                }
            }
        }
        assert!(
            all.iter().any(|p| p.coarse.is_some()),
            "nothing was simplified"
        );
        assert!(
            coarse_tri * 2 < full_tri,
            "{coarse_tri} vs {full_tri} triangles"
        );
        // Within 20 m of every edge: the filled ground changes by well under 1 %.
        let change = (coarse_area / full_area - 1.0).abs();
        assert!(change < 0.01, "area changed by {:.3} %", change * 100.0);
    }
}
