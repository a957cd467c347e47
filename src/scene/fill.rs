//! Polygon items (triangulated for filling unless too large) and small helpers of the scene
//! builder.

use geo::TriangulateEarcut;

use super::{PolygonItem, Rgba, SceneSettings, Stroke};
use crate::index::{ZoneShape, ZoneShapeKind};
use crate::model::{Batch, Xy};

/// Largest polygon extent that is filled (triangulated), plane metres.
const MAX_FILL_EXTENT_M: f64 = 2_000_000.0;
/// Most vertices of a polygon that is filled.
const MAX_FILL_VERTICES: usize = 500_000;

/// A polygon's fill triangles: earcut's vertices and indices into them (both empty for a
/// polygon that is only outlined).
#[derive(Clone, Debug, Default)]
pub struct Triangles {
    pub vertices: Vec<Xy>,
    pub triangles: Vec<u32>,
}

/// Every zone polygon's fill triangles, per zone shape and polygon: triangulated once per
/// dataset, since the scene is rebuilt whenever a layer or the year changes and a detailed
/// outline (99,000 vertices) takes about 0.1 s to triangulate.
#[derive(Debug, Default)]
pub struct ZoneFills(Vec<Vec<Triangles>>);

impl ZoneFills {
    /// The fills of `shapes`, triangulated on all threads.
    pub fn of(shapes: &[ZoneShape]) -> Self {
        use rayon::prelude::*;
        Self(
            shapes
                .par_iter()
                .map(|shape| match &shape.kind {
                    ZoneShapeKind::Area { rings_xy, .. } => {
                        rings_xy.par_iter().map(|r| triangulate(r)).collect()
                    }
                    ZoneShapeKind::Point(_) => Vec::new(),
                })
                .collect(),
        )
    }

    /// Polygon `polygon` of zone shape `shape`.
    pub(super) fn get(&self, shape: usize, polygon: usize) -> Option<&Triangles> {
        self.0.get(shape)?.get(polygon)
    }
}

/// The fill triangles of a polygon's rings (exterior first), or none when it is too large to
/// fill or has a non-finite vertex.
fn triangulate(rings: &[Vec<geo::Coord<f64>>]) -> Triangles {
    let mut it = rings.iter();
    let Some(outer) = it.next() else {
        return Triangles::default();
    };
    if rings
        .iter()
        .flatten()
        .any(|c| !(c.x.is_finite() && c.y.is_finite()))
    {
        return Triangles::default();
    }
    let Some((lo, hi)) = bounds_of(
        outer
            .iter()
            .map(|c| Xy::new(c.x, c.y))
            .collect::<Vec<_>>()
            .iter(),
    ) else {
        return Triangles::default();
    };
    let n_vertices: usize = rings.iter().map(Vec::len).sum();
    // A polygon spanning thousands of kilometres on a city's plane (e.g. a ring around the
    // dateline) or with millions of vertices is outlined, not filled: triangulating it could
    // take minutes.
    let fillable =
        (hi.x - lo.x).max(hi.y - lo.y) <= MAX_FILL_EXTENT_M && n_vertices <= MAX_FILL_VERTICES;
    if !fillable {
        return Triangles::default();
    }
    let raw = geo::Polygon::new(
        geo::LineString::new(outer.clone()),
        it.map(|r| geo::LineString::new(r.clone())).collect(),
    )
    .earcut_triangles_raw();
    Triangles {
        vertices: raw.vertices.iter().map(|v| Xy::new(v[0], v[1])).collect(),
        triangles: raw.triangle_indices.iter().map(|i| *i as u32).collect(),
    }
}

/// A polygon item of `rings` (exterior first), filled with `triangles` when given (a zone's,
/// triangulated once), else triangulated here; None when a vertex is not finite.
pub(super) fn polygon_from_rings(
    rings: &[Vec<geo::Coord<f64>>],
    triangles: Option<&Triangles>,
    fill: Rgba,
    stroke: Option<Stroke>,
) -> Option<PolygonItem> {
    if rings.first().is_none_or(Vec::is_empty)
        || rings
            .iter()
            .flatten()
            .any(|c| !(c.x.is_finite() && c.y.is_finite()))
    {
        return None;
    }
    let Triangles {
        vertices,
        triangles,
    } = match triangles {
        Some(t) => t.clone(),
        None => triangulate(rings),
    };
    Some(PolygonItem {
        rings: rings
            .iter()
            .map(|r| r.iter().map(|c| Xy::new(c.x, c.y)).collect())
            .collect(),
        vertices,
        triangles,
        fill,
        stroke,
        coarse: None,
    })
}

pub(super) fn batch_label(b: Option<Batch>, s: &SceneSettings) -> String {
    match b {
        Some(Batch::Future2017) => s
            .lang
            .pick("2017 首批 未来产业集聚区", "2017 future-industry zone"),
        Some(Batch::Emerging2018) => s
            .lang
            .pick("2018 第二批 新兴产业集聚区", "2018 emerging-industry zone"),
        None => s.lang.pick("批次未知", "batch unknown"),
    }
}

pub(super) fn bounds_of<'a>(points: impl Iterator<Item = &'a Xy>) -> Option<(Xy, Xy)> {
    crate::model::Bounds::of(points).map(|b| b.pair())
}
