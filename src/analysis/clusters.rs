//! Summaries of DBSCAN clusters: size, centroid, convex hull, dominant segment, zones touched.

use std::collections::BTreeMap;

use geo::{Area, Intersects};
use rayon::prelude::*;
use serde::Serialize;

use crate::index::{SpatialIndex, ZoneShapeKind};
use crate::model::{Firms, LonLat, Xy, Zone};

/// One cluster, described for tables, maps and exports.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ClusterSummary {
    pub id: i32,
    pub size: usize,
    pub centroid: LonLat,
    /// Convex hull ring in WGS-84 (closed; fewer than 4 points when the members are collinear).
    pub hull: Vec<LonLat>,
    pub hull_area_km2: f64,
    pub dominant_segment: String,
    pub segment_counts: BTreeMap<String, usize>,
    /// Zones (by id) whose geometry meets the hull or contains a member.
    pub zones: Vec<String>,
}

/// Summaries for clusters 0..k, in id order.
pub fn summarise(
    labels: &[i32],
    index: &SpatialIndex,
    firms: &Firms,
    zones: &[Zone],
) -> Vec<ClusterSummary> {
    let k = labels.iter().copied().max().unwrap_or(-1);
    if k < 0 {
        return Vec::new();
    }
    let mut members: Vec<Vec<u32>> = vec![Vec::new(); (k + 1) as usize];
    for (i, &l) in labels.iter().enumerate() {
        if l >= 0 {
            members[l as usize].push(i as u32);
        }
    }
    members
        .par_iter()
        .enumerate()
        .map(|(id, m)| summarise_one(id as i32, m, index, firms, zones))
        .collect()
}

fn summarise_one(
    id: i32,
    m: &[u32],
    index: &SpatialIndex,
    firms: &Firms,
    zones: &[Zone],
) -> ClusterSummary {
    // In parallel: one cluster may hold most of the city's firms.
    let pts: Vec<Xy> = m.par_iter().map(|&i| index.firm_xy[i as usize]).collect();
    let n = pts.len().max(1) as f64;
    let cx = pts.iter().map(|p| p.x).sum::<f64>() / n;
    let cy = pts.iter().map(|p| p.y).sum::<f64>() / n;
    let hull = super::clark_evans::hull(&pts);
    let hull_area_km2 = hull.unsigned_area() / 1e6;
    // Counted by segment number first (no string per member), then named.
    let unnamed = firms.segments.len();
    let mut by_id = vec![0usize; unnamed + 1];
    for &i in m {
        let s = firms
            .segment
            .get(i as usize)
            .map_or(unnamed, |s| *s as usize);
        by_id[s.min(unnamed)] += 1;
    }
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for (s, &c) in by_id.iter().enumerate().filter(|(_, c)| **c > 0) {
        let name = firms.segments.get(s).map_or("", String::as_str);
        *counts.entry(name.to_string()).or_default() += c;
    }
    // Most common segment; ties go to the name that sorts first.
    let dominant_segment = counts
        .iter()
        .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
        .map(|(s, _)| s.clone())
        .unwrap_or_default();
    let mut touched: Vec<String> = Vec::new();
    for shape in &index.zone_shapes {
        let hit = match &shape.kind {
            ZoneShapeKind::Point(q) => hull.intersects(&geo::Point::new(q.x, q.y)),
            ZoneShapeKind::Area { rings_xy, .. } => {
                let polys: Vec<geo::Polygon<f64>> = rings_xy
                    .iter()
                    .filter_map(|rings| {
                        let mut it = rings.iter();
                        let outer = it.next()?;
                        Some(geo::Polygon::new(
                            geo::LineString::new(outer.clone()),
                            it.map(|r| geo::LineString::new(r.clone())).collect(),
                        ))
                    })
                    .collect();
                let mp = geo::MultiPolygon::new(polys);
                hull.intersects(&mp) || m.iter().any(|&i| shape.contains(firms.lonlat[i as usize]))
            }
        };
        if hit {
            touched.push(zones[shape.zone].id.clone());
        }
    }
    touched.sort();
    ClusterSummary {
        id,
        size: m.len(),
        centroid: index.projection.unproject(Xy::new(cx, cy)),
        hull: hull
            .exterior()
            .0
            .iter()
            .map(|c| index.projection.unproject(Xy::new(c.x, c.y)))
            .collect(),
        hull_area_km2,
        dominant_segment,
        segment_counts: counts,
        zones: touched,
    }
}
