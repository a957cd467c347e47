//! Per-zone statistics: firms inside and nearby, density, share, location quotients and the
//! zone's own Clark–Evans ratio.

use std::collections::BTreeMap;

use rayon::prelude::*;

use serde::Serialize;

use super::clark_evans::{AreaKind, ClarkEvans, clark_evans_report};
use crate::index::SpatialIndex;
use crate::model::{Firms, Xy, Zone};

/// Statistics of one zone slot (all 15 get a row; zones without geometry have empty values).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ZoneStats {
    pub zone_id: String,
    /// Firms inside the polygon (None for point zones and zones without geometry).
    pub firms_inside: Option<usize>,
    /// Polygon area on the ground, km².
    pub area_km2: Option<f64>,
    pub density_per_km2: Option<f64>,
    /// Firms inside as a share of all firms (0..1).
    pub share: Option<f64>,
    /// Firms within `nearby_radius_m` of the zone (inside included).
    pub firms_nearby: Option<usize>,
    pub nearby_radius_m: f64,
    /// Segment counts within `nearby_radius_m` (inside included): one definition for
    /// footprint and point zones, so their mixes compare.
    pub segment_counts: BTreeMap<String, usize>,
    /// Location quotient of each segment within the radius: (share near the zone) / (share
    /// overall). Empty when fewer than [`MIN_FIRMS_FOR_LQ`] firms are near: a quotient from
    /// one or two firms says nothing.
    pub location_quotients: BTreeMap<String, f64>,
    pub clark_evans: Option<ClarkEvans>,
}

/// Location quotients need at least this many firms near the zone.
pub const MIN_FIRMS_FOR_LQ: usize = 10;

/// Firms within the radius of each zone (inside included), by zone; `None` for zones
/// without geometry. Shared by the zone statistics and the time tables.
pub type NearSets = Vec<Option<Vec<u32>>>;

/// Firms inside each zone's polygon, by zone, as the zone statistics found them; `None`
/// where they were not looked for (no polygon, or no near set). The time tables count them
/// again by year.
pub type InsideSets = Vec<Option<Vec<u32>>>;

/// The firms within `radius_m` of every zone.
pub fn near_sets(index: &SpatialIndex, firms: &Firms, zones: &[Zone], radius_m: f64) -> NearSets {
    let shapes: Vec<_> = (0..zones.len())
        .filter_map(|zi| index.shape_of(zi))
        .collect();
    let mut found = index
        .firms_near_zones(&shapes, &firms.lonlat, radius_m)
        .into_iter();
    (0..zones.len())
        .map(|zi| index.shape_of(zi).and_then(|_| found.next()))
        .collect()
}

/// Statistics for every zone, in zone order, from the firms near each zone.
/// Also gives the firms found inside each zone.
pub fn zone_stats(
    index: &SpatialIndex,
    firms: &Firms,
    zones: &[Zone],
    nearby_radius_m: f64,
    near_sets: &NearSets,
) -> (Vec<ZoneStats>, InsideSets) {
    let n = firms.len();
    // Counting by segment id, not by name: this runs over every firm.
    let n_seg = firms.segments.len().max(1);
    let mut overall = vec![0usize; n_seg];
    for s in &firms.segment {
        if let Some(c) = overall.get_mut(*s as usize) {
            *c += 1;
        }
    }
    let seg_name = |id: usize| firms.segments.get(id).cloned().unwrap_or_default();
    // Zones side by side: each zone's own work (its members, their Clark–Evans) is parallel
    // too, but many small zones would leave the threads idle one after another.
    zones
        .par_iter()
        .enumerate()
        .map(|(zi, zone)| {
            let shape = index.shape_of(zi);
            let near: Option<&[u32]> = near_sets.get(zi).and_then(|n| n.as_deref());
            let nearby = near.map(<[u32]>::len);
            let area = shape.and_then(|s| s.area_km2());
            // Members: firms inside the polygon (overlapping firms count in every zone that
            // contains them). Inside is within the radius, so `near` holds them all; found
            // per zone, memory never grows as firms × zones.
            let members: Option<Vec<u32>> = match near {
                Some(near) if area.is_some() => Some(index.firms_inside(zi, near, &firms.lonlat)),
                _ => None,
            };
            let found = members.as_deref().unwrap_or_default();
            let counted: &[u32] = near.unwrap_or_default();
            let mut by_id = vec![0usize; n_seg];
            for &i in counted {
                if let Some(c) = firms
                    .segment
                    .get(i as usize)
                    .and_then(|s| by_id.get_mut(*s as usize))
                {
                    *c += 1;
                }
            }
            let mut seg: BTreeMap<String, usize> = BTreeMap::new();
            let mut lq: BTreeMap<String, f64> = BTreeMap::new();
            for (id, c) in by_id.iter().enumerate().filter(|(_, c)| **c > 0) {
                let name = seg_name(id);
                *seg.entry(name.clone()).or_default() += c;
                if counted.len() < MIN_FIRMS_FOR_LQ {
                    continue;
                }
                let total = overall[id].max(1);
                let v = (*c as f64 / counted.len() as f64) / (total as f64 / n as f64);
                // Two ids can share a name only if the name was folded; keep the larger LQ.
                let e = lq.entry(name).or_insert(v);
                *e = e.max(v);
            }
            let ce = area.map(|a| {
                let pts: Vec<Xy> = found.iter().map(|&i| index.firm_xy[i as usize]).collect();
                clark_evans_report(&pts, a * 1e6, AreaKind::File)
            });
            let stats = ZoneStats {
                zone_id: zone.id.clone(),
                firms_inside: area.map(|_| found.len()),
                area_km2: area,
                density_per_km2: area.map(|a| found.len() as f64 / a),
                share: area.map(|_| {
                    if n == 0 {
                        0.0
                    } else {
                        found.len() as f64 / n as f64
                    }
                }),
                firms_nearby: nearby,
                nearby_radius_m,
                segment_counts: seg,
                location_quotients: lq,
                clark_evans: ce,
            };
            (stats, members)
        })
        .unzip()
}
