//! Which zone each firm is in, and the nearest zone with its ground distance.

use rayon::prelude::*;
use serde::Serialize;

use crate::index::SpatialIndex;
use crate::model::{Firms, Zone};

/// Per-firm zone results, in firm order.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Placement {
    /// The containing zone (first by zone id when several contain the firm).
    pub zone: Vec<Option<u32>>,
    /// The nearest zone with geometry (the containing one when inside).
    pub nearest_zone: Vec<Option<u32>>,
    /// Ground distance in metres to `nearest_zone` (0 inside; NaN when there is none).
    pub nearest_m: Vec<f64>,
    /// The first [`MAX_LISTED_OVERLAPS`] firms inside more than one zone (in firm order), with
    /// all their zones (sorted by id). Bounded, so many overlapping zones cannot make memory
    /// grow as firms × zones.
    pub overlaps: Vec<(u32, Vec<u32>)>,
    /// How many firms lie inside more than one zone (all of them, listed or not).
    pub n_overlapping: usize,
}

/// At most this many overlapping firms are listed with their zones.
pub const MAX_LISTED_OVERLAPS: usize = 1000;

/// Places every firm. Deterministic; runs on all cores.
///
/// ```
/// use cluster_atlas::{analysis::placement::place_firms, index::SpatialIndex, model::*};
/// let zone = Zone { id: "Z".into(), geometry: ZoneGeometry::Point(LonLat::new(114.0, 22.5)), ..Default::default() };
/// let mut firms = Firms::default();
/// firms.lonlat = vec![LonLat::new(114.0, 22.51)];
/// firms.segment = vec![0];
/// let idx = SpatialIndex::build(&firms, std::slice::from_ref(&zone));
/// let p = place_firms(&idx, &firms, &[zone]);
/// assert_eq!(p.zone[0], None); // point zones contain nothing
/// assert_eq!(p.nearest_zone[0], Some(0));
/// assert!((p.nearest_m[0] - 1107.0).abs() < 2.0); // 0.01° of latitude
/// ```
pub fn place_firms(index: &SpatialIndex, firms: &Firms, zones: &[Zone]) -> Placement {
    // Per firm: containing zone, nearest zone, distance, number of containing zones.
    type Row = (Option<u32>, Option<u32>, f64, u32);
    let by_id = |inside: &mut Vec<usize>| {
        if inside.len() > 1 {
            inside.sort_by(|a, b| zones[*a].id.cmp(&zones[*b].id));
        }
    };
    let results: Vec<Row> = (0..firms.len())
        .into_par_iter()
        .map_init(
            || (Vec::new(), Vec::new()),
            |(inside, order): &mut (Vec<usize>, Vec<(f64, usize)>), i| {
                let ll = firms.lonlat[i];
                let p = index.firm_xy[i];
                let located = index.locate(ll, p, inside);
                if located.is_none() {
                    index.zones_containing_into(ll, p, inside);
                }
                by_id(inside);
                let zone = inside.first().map(|z| *z as u32);
                let count = inside.len() as u32;
                match zone {
                    Some(z) => (Some(z), Some(z), 0.0, count),
                    None => {
                        match located.unwrap_or_else(|| index.nearest_zone_with(ll, p, order)) {
                            Some(hit) => (None, Some(hit.zone as u32), hit.distance_m, 0),
                            None => (None, None, f64::NAN, 0),
                        }
                    }
                }
            },
        )
        .collect();
    let mut out = Placement {
        zone: Vec::with_capacity(results.len()),
        nearest_zone: Vec::with_capacity(results.len()),
        nearest_m: Vec::with_capacity(results.len()),
        overlaps: Vec::new(),
        n_overlapping: 0,
    };
    let mut inside = Vec::new();
    for (i, (z, nz, d, count)) in results.into_iter().enumerate() {
        out.zone.push(z);
        out.nearest_zone.push(nz);
        out.nearest_m.push(d);
        if count > 1 {
            out.n_overlapping += 1;
            if out.overlaps.len() < MAX_LISTED_OVERLAPS {
                index.zones_containing_into(firms.lonlat[i], index.firm_xy[i], &mut inside);
                by_id(&mut inside);
                out.overlaps
                    .push((i as u32, inside.iter().map(|z| *z as u32).collect()));
            }
        }
    }
    out
}
