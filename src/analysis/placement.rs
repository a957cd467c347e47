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
    /// Firms inside more than one zone, with all their zones (sorted by id).
    pub overlaps: Vec<(u32, Vec<u32>)>,
}

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
    type Row = (Option<u32>, Option<u32>, f64, Option<Vec<u32>>);
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
                if inside.len() > 1 {
                    inside.sort_by(|a, b| zones[*a].id.cmp(&zones[*b].id));
                }
                let zone = inside.first().map(|z| *z as u32);
                let overlap =
                    (inside.len() > 1).then(|| inside.iter().map(|z| *z as u32).collect());
                match zone {
                    Some(z) => (Some(z), Some(z), 0.0, overlap),
                    None => {
                        match located.unwrap_or_else(|| index.nearest_zone_with(ll, p, order)) {
                            Some(hit) => (None, Some(hit.zone as u32), hit.distance_m, None),
                            None => (None, None, f64::NAN, None),
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
    };
    for (i, (z, nz, d, ov)) in results.into_iter().enumerate() {
        out.zone.push(z);
        out.nearest_zone.push(nz);
        out.nearest_m.push(d);
        if let Some(all) = ov {
            out.overlaps.push((i as u32, all));
        }
    }
    out
}
