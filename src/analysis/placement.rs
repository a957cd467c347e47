//! Which zone each firm is in, and the nearest zone with its ground distance.

use rayon::prelude::*;
use serde::Serialize;

use crate::index::SpatialIndex;
use crate::model::{Firms, Zone};

/// Per-firm zone results, in firm order. Zones are stored as 4-byte numbers (`NONE` for
/// none), half of `Option<u32>`'s 8: 32 MB less at 4 million firms.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Placement {
    /// The containing zone (first by zone id when several contain the firm).
    zone: Vec<u32>,
    /// The nearest zone with geometry (the containing one when inside).
    nearest_zone: Vec<u32>,
    /// Ground distance in metres to `nearest_zone` (0 inside; NaN when there is none).
    pub nearest_m: Vec<f64>,
    /// The first [`MAX_LISTED_OVERLAPS`] firms inside more than one zone (in firm order), with
    /// all their zones (sorted by id). Bounded, so many overlapping zones cannot make memory
    /// grow as firms × zones.
    pub overlaps: Vec<(u32, Vec<u32>)>,
    /// How many firms lie inside more than one zone (all of them, listed or not).
    pub n_overlapping: usize,
}

/// No zone.
const NONE: u32 = u32::MAX;
/// Marks, during placement, a firm inside more than one zone.
const OVERLAP: u32 = 1 << 31;

impl Placement {
    /// The zone containing firm `i` (None outside every zone or past the end).
    pub fn zone(&self, i: usize) -> Option<u32> {
        self.zone.get(i).copied().filter(|z| *z != NONE)
    }

    /// The nearest zone with geometry to firm `i`.
    pub fn nearest_zone(&self, i: usize) -> Option<u32> {
        self.nearest_zone.get(i).copied().filter(|z| *z != NONE)
    }

    /// How many firms are placed.
    pub fn len(&self) -> usize {
        self.zone.len()
    }

    pub fn is_empty(&self) -> bool {
        self.zone.is_empty()
    }
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
/// assert_eq!(p.zone(0), None); // point zones contain nothing
/// assert_eq!(p.nearest_zone(0), Some(0));
/// assert!((p.nearest_m[0] - 1107.0).abs() < 2.0); // 0.01° of latitude
/// ```
pub fn place_firms(index: &SpatialIndex, firms: &Firms, zones: &[Zone]) -> Placement {
    let by_id = |inside: &mut Vec<usize>| {
        if inside.len() > 1 {
            inside.sort_by(|a, b| zones[*a].id.cmp(&zones[*b].id));
        }
    };
    // Per firm: containing zone (with OVERLAP set when there are several), nearest zone and
    // distance, written straight into the three columns.
    type Cols = (Vec<u32>, (Vec<u32>, Vec<f64>));
    let (zone, (nearest_zone, nearest_m)): Cols = (0..firms.len())
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
                match inside.first().map(|z| *z as u32) {
                    Some(z) => {
                        let flag = if inside.len() > 1 { OVERLAP } else { 0 };
                        (z | flag, (z, 0.0))
                    }
                    None => {
                        match located.unwrap_or_else(|| index.nearest_zone_with(ll, p, order)) {
                            Some(hit) => (NONE, (hit.zone as u32, hit.distance_m)),
                            None => (NONE, (NONE, f64::NAN)),
                        }
                    }
                }
            },
        )
        .unzip();
    let mut out = Placement {
        zone,
        nearest_zone,
        nearest_m,
        overlaps: Vec::new(),
        n_overlapping: 0,
    };
    let mut inside = Vec::new();
    for (i, z) in out.zone.iter_mut().enumerate() {
        if *z == NONE || *z & OVERLAP == 0 {
            continue;
        }
        *z &= !OVERLAP;
        out.n_overlapping += 1;
        if out.overlaps.len() < MAX_LISTED_OVERLAPS {
            index.zones_containing_into(firms.lonlat[i], index.firm_xy[i], &mut inside);
            by_id(&mut inside);
            out.overlaps
                .push((i as u32, inside.iter().map(|z| *z as u32).collect()));
        }
    }
    out
}
