//! Polygon items (triangulated for filling unless too large) and small helpers of the scene
//! builder.

use geo::TriangulateEarcut;

use super::{PolygonItem, Rgba, SceneSettings, Stroke};
use crate::model::{Batch, Xy};

/// Largest polygon extent that is filled (triangulated), plane metres.
const MAX_FILL_EXTENT_M: f64 = 2_000_000.0;
/// Most vertices of a polygon that is filled.
const MAX_FILL_VERTICES: usize = 500_000;

pub(super) fn polygon_from_rings(
    rings: &[Vec<geo::Coord<f64>>],
    fill: Rgba,
    stroke: Option<Stroke>,
) -> Option<PolygonItem> {
    let mut it = rings.iter();
    let outer = it.next()?;
    if rings
        .iter()
        .flatten()
        .any(|c| !(c.x.is_finite() && c.y.is_finite()))
    {
        return None;
    }
    let (lo, hi) = bounds_of(
        outer
            .iter()
            .map(|c| Xy::new(c.x, c.y))
            .collect::<Vec<_>>()
            .iter(),
    )?;
    let n_vertices: usize = rings.iter().map(Vec::len).sum();
    // A polygon spanning thousands of kilometres on a city's plane (e.g. a ring around the
    // dateline) or with millions of vertices is outlined, not filled: triangulating it could
    // take minutes.
    let fillable =
        (hi.x - lo.x).max(hi.y - lo.y) <= MAX_FILL_EXTENT_M && n_vertices <= MAX_FILL_VERTICES;
    let (vertices, triangles) = if fillable {
        let raw = geo::Polygon::new(
            geo::LineString::new(outer.clone()),
            it.map(|r| geo::LineString::new(r.clone())).collect(),
        )
        .earcut_triangles_raw();
        (
            raw.vertices.iter().map(|v| Xy::new(v[0], v[1])).collect(),
            raw.triangle_indices.iter().map(|i| *i as u32).collect(),
        )
    } else {
        (Vec::new(), Vec::new())
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
