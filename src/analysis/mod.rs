//! Pure, deterministic analyses over a loaded dataset and its index. No IO, no UI.

pub mod clark_evans;
pub mod clusters;
pub mod dbscan;
pub mod density;
mod grid;
pub mod hotspots;
pub mod kdistance;
pub mod nearest;
pub mod placement;
pub mod relocate;
pub mod ripley;
pub mod time;
pub mod zone_stats;

use serde::{Deserialize, Serialize};
use thiserror::Error;

pub use clark_evans::{AreaKind, ClarkEvans};
pub use clusters::ClusterSummary;
pub use dbscan::DbscanParams;
pub use kdistance::KDistance;
pub use placement::Placement;
pub use zone_stats::ZoneStats;

use crate::index::SpatialIndex;
use crate::model::{Firms, LonLat, Xy, Zone};

/// Bad parameters or inputs for an analysis.
#[derive(Debug, Error, PartialEq)]
pub enum AnalysisError {
    #[error("invalid parameter: {0}")]
    InvalidParameter(String),
}

/// The area Clark–Evans is computed over.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum StudyArea {
    #[default]
    Bbox,
    Hull,
    /// Shenzhen's land (the bundled districts): leaves out the sea and Hong Kong that a
    /// bounding box would count; firms outside are left out of the test.
    Land,
    /// WGS-84 polygons (e.g. from a file); firms outside are left out of the test.
    Polygons {
        name: String,
        shape: geo::MultiPolygon<f64>,
    },
}

impl StudyArea {
    /// Shenzhen's land as polygons (the bundled district polygons, clipped to the coastline).
    pub fn shenzhen_land_shape() -> geo::MultiPolygon<f64> {
        geo::MultiPolygon::new(
            crate::data::bundled::districts()
                .into_iter()
                .flat_map(|r| r.geometry.0)
                .collect(),
        )
    }

    pub fn kind(&self) -> AreaKind {
        match self {
            StudyArea::Bbox => AreaKind::Bbox,
            StudyArea::Hull => AreaKind::Hull,
            StudyArea::Land => AreaKind::Land,
            StudyArea::Polygons { .. } => AreaKind::File,
        }
    }
}

/// Everything the analysis needs besides the data.
#[derive(Clone, Debug, PartialEq)]
pub struct AnalysisParams {
    pub dbscan: DbscanParams,
    pub study_area: StudyArea,
    /// Radius for "firms near a zone" counts (point zones have no inside).
    pub nearby_radius_m: f64,
}

impl Default for AnalysisParams {
    fn default() -> Self {
        Self {
            dbscan: DbscanParams::default(),
            study_area: StudyArea::Bbox,
            nearby_radius_m: 3000.0,
        }
    }
}

/// All results of one analysis run.
#[derive(Clone, Debug)]
pub struct Analysis {
    pub placement: Placement,
    /// DBSCAN label per firm (−1 noise).
    pub labels: Vec<i32>,
    /// How many firms are noise (counted once: the panel shows it every frame).
    pub n_noise: usize,
    pub clusters: Vec<ClusterSummary>,
    pub zone_stats: Vec<ZoneStats>,
    pub clark_evans: ClarkEvans,
    pub kdistance: KDistance,
    pub warnings: Vec<String>,
    /// Seconds each step took, in order (for benchmarks and the --timings flag).
    pub timings: Vec<(&'static str, f64)>,
}

/// Parameter echo written with results, so outputs say how they were made.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ParamsEcho {
    pub eps_m: f64,
    pub min_pts: usize,
    pub study_area: String,
    pub nearby_radius_m: f64,
    pub projection_centre: LonLat,
}

/// What the map draws of an analysis: the clusters, found first so the window can show them
/// while the statistics are still being computed ([`analyse_map`], then [`finish`]).
#[derive(Clone, Debug)]
pub struct MapStage {
    /// DBSCAN label per firm (−1 noise).
    pub labels: Vec<i32>,
    pub clusters: Vec<ClusterSummary>,
    /// Seconds each step took, in order.
    pub timings: Vec<(&'static str, f64)>,
}

/// Runs every analysis. `progress(fraction, step)` is called between steps.
pub fn analyse(
    firms: &Firms,
    zones: &[Zone],
    index: &SpatialIndex,
    params: &AnalysisParams,
    progress: &(dyn Fn(f32, &str) + Sync),
) -> Result<Analysis, AnalysisError> {
    let map = analyse_map(firms, zones, index, params, progress)?;
    finish(map, firms, zones, index, params, progress)
}

/// Checks the parameters, then finds the clusters (DBSCAN and their summaries): what the map
/// shows. Progress runs from 0 to 0.3.
pub fn analyse_map(
    firms: &Firms,
    zones: &[Zone],
    index: &SpatialIndex,
    params: &AnalysisParams,
    progress: &(dyn Fn(f32, &str) + Sync),
) -> Result<MapStage, AnalysisError> {
    let dbp = DbscanParams::new(params.dbscan.eps_m, params.dbscan.min_pts)?;
    if !(params.nearby_radius_m.is_finite() && params.nearby_radius_m > 0.0) {
        return Err(AnalysisError::InvalidParameter(
            "the nearby radius must be a positive number of metres".into(),
        ));
    }
    let mut timings = Vec::new();
    let t = std::time::Instant::now();
    progress(0.0, "dbscan");
    let labels = dbscan::dbscan(&index.firm_xy, dbp);
    timings.push(("dbscan", t.elapsed().as_secs_f64()));
    let t = std::time::Instant::now();
    progress(0.2, "clusters");
    let clusters = clusters::summarise(&labels, index, firms, zones);
    timings.push(("clusters", t.elapsed().as_secs_f64()));
    Ok(MapStage {
        labels,
        clusters,
        timings,
    })
}

/// The rest of the analysis after [`analyse_map`]: zone placement, Clark–Evans, the zone
/// statistics and the k-distance curve. Progress runs from 0.3 to 1.
pub fn finish(
    map: MapStage,
    firms: &Firms,
    zones: &[Zone],
    index: &SpatialIndex,
    params: &AnalysisParams,
    progress: &(dyn Fn(f32, &str) + Sync),
) -> Result<Analysis, AnalysisError> {
    let (placement, seconds) = place(firms, zones, index, progress);
    let stats = statistics(firms, zones, index, params, progress)?;
    progress(1.0, "done");
    assemble(map, (placement, seconds), stats, params)
}

/// Places every firm in its zone and finds its nearest zone (the "zones" step), with the
/// seconds it took.
pub fn place(
    firms: &Firms,
    zones: &[Zone],
    index: &SpatialIndex,
    progress: &(dyn Fn(f32, &str) + Sync),
) -> (Placement, f64) {
    let t = std::time::Instant::now();
    progress(0.3, "zones");
    let placement = placement::place_firms(index, firms, zones);
    (placement, t.elapsed().as_secs_f64())
}

/// The statistics that follow the placement without needing it: Clark–Evans, the zone
/// statistics and the k-distance curve. Callers may write the placement out meanwhile.
pub struct Statistics {
    pub zone_stats: Vec<ZoneStats>,
    /// The firms within the nearby radius of each zone, and inside it (for the time
    /// tables; not kept in the [`Analysis`]).
    pub zone_near: zone_stats::NearSets,
    pub zone_inside: zone_stats::InsideSets,
    pub clark_evans: ClarkEvans,
    pub kdistance: KDistance,
    /// Seconds each step took, in order.
    pub timings: Vec<(&'static str, f64)>,
}

/// Computes the [`Statistics`]. Progress runs from 0.6 to 0.9.
pub fn statistics(
    firms: &Firms,
    zones: &[Zone],
    index: &SpatialIndex,
    params: &AnalysisParams,
    progress: &(dyn Fn(f32, &str) + Sync),
) -> Result<Statistics, AnalysisError> {
    let dbp = DbscanParams::new(params.dbscan.eps_m, params.dbscan.min_pts)?;
    let mut timings = Vec::new();
    let mut t = std::time::Instant::now();
    let mut lap = |name: &'static str, timings: &mut Vec<(&'static str, f64)>| {
        timings.push((name, t.elapsed().as_secs_f64()));
        t = std::time::Instant::now();
    };
    progress(0.6, "clark-evans");
    // One set of neighbour grids on all firms for Clark–Evans (bbox, hull) and the k-distance
    // curve; distances are exact whatever the grids, so results do not change.
    let search = nearest::NeighbourSearch::new(&index.firm_xy, 1);
    let n = index.firm_xy.len();
    let k = dbp.min_pts.saturating_sub(1).max(1);
    // Up to the curve's sample size, one pass finds every point's nearest and k-th
    // neighbours: the curve is then ready below.
    let mut kth_all = None;
    let clark_evans = match &params.study_area {
        StudyArea::Bbox | StudyArea::Hull => {
            let pts = index.firm_xy.as_slice();
            let area = match params.study_area {
                StudyArea::Bbox => clark_evans::bbox_area_m2(pts),
                _ => clark_evans::hull_area_m2(pts),
            };
            let nn_sum = || {
                if n > kdistance::MAX_SAMPLE {
                    return nearest::nearest_neighbour_sum_in(&search);
                }
                let (sum, kth) = nearest::nearest_sum_and_kth_in(&search, k);
                kth_all = Some(kth);
                sum
            };
            clark_evans::clark_evans_report_of(pts.len(), nn_sum, area, params.study_area.kind())
        }
        other => study_area_clark_evans(index, firms, other),
    };
    lap("clark-evans", &mut timings);
    progress(0.8, "zone statistics");
    let zone_near = zone_stats::near_sets(index, firms, zones, params.nearby_radius_m);
    lap("near sets", &mut timings);
    let (zone_stats, zone_inside) =
        zone_stats::zone_stats(index, firms, zones, params.nearby_radius_m, &zone_near);
    lap("zone statistics", &mut timings);
    progress(0.9, "k-distance");
    let kdistance = match kth_all {
        Some(all) => kdistance::curve_of(all, k),
        None => kdistance::k_distance_in(&search, n, dbp.min_pts),
    };
    lap("k-distance", &mut timings);
    Ok(Statistics {
        zone_stats,
        zone_near,
        zone_inside,
        clark_evans,
        kdistance,
        timings,
    })
}

/// Puts the clusters, the placement (with its seconds) and the statistics together, with
/// the warnings they call for.
pub fn assemble(
    map: MapStage,
    (placement, place_s): (Placement, f64),
    stats: Statistics,
    params: &AnalysisParams,
) -> Result<Analysis, AnalysisError> {
    let dbp = DbscanParams::new(params.dbscan.eps_m, params.dbscan.min_pts)?;
    let MapStage {
        labels,
        clusters,
        mut timings,
    } = map;
    timings.push(("zones", place_s));
    timings.extend(stats.timings);
    let mut warnings = Vec::new();
    let n_firms = labels.len();
    if let Some(big) = clusters.iter().map(|c| c.size).max()
        && n_firms >= 100
        && big * 2 > n_firms
    {
        warnings.push(format!(
            "eps {} m joins {:.0}% of all firms into one cluster; try a smaller eps \
             (the k-distance curve suggests about {:.0} m)",
            dbp.eps_m,
            100.0 * big as f64 / n_firms as f64,
            stats.kdistance.suggested_eps_m
        ));
    }
    if placement.n_overlapping > 0 {
        warnings.push(format!(
            "{} firms lie in more than one zone; zone_id lists the first by id, summary.json \
             lists all zones of the first {}",
            placement.n_overlapping,
            placement.n_overlapping.min(placement::MAX_LISTED_OVERLAPS)
        ));
    }
    Ok(Analysis {
        placement,
        n_noise: labels.iter().filter(|l| **l < 0).count(),
        labels,
        clusters,
        zone_stats: stats.zone_stats,
        clark_evans: stats.clark_evans,
        kdistance: stats.kdistance,
        warnings,
        timings,
    })
}

/// A land or file study area prepared on the plane (`None` for bbox and hull, or a shape
/// that cannot be prepared).
fn study_polygons(index: &SpatialIndex, area: &StudyArea) -> Option<crate::index::ZoneShape> {
    let shape = match area {
        StudyArea::Polygons { shape, .. } => shape.clone(),
        StudyArea::Land => StudyArea::shenzhen_land_shape(),
        StudyArea::Bbox | StudyArea::Hull => return None,
    };
    let zone = Zone {
        id: "study-area".into(),
        geometry: crate::model::ZoneGeometry::Area(shape),
        ..Default::default()
    };
    crate::index::ZoneShape::new(0, &zone, &index.projection)
}

/// The firms' plane positions inside a prepared study area.
fn firms_inside(
    prepared: &crate::index::ZoneShape,
    index: &SpatialIndex,
    firms: &Firms,
) -> Vec<Xy> {
    firms
        .lonlat
        .iter()
        .zip(index.firm_xy.iter())
        .filter(|(ll, _)| prepared.contains(**ll))
        .map(|(_, xy)| *xy)
        .collect()
}

/// The firms inside the study area and the area as rings on the plane (for Ripley's K).
pub fn study_area_points_and_rings(
    index: &SpatialIndex,
    firms: &Firms,
    area: &StudyArea,
) -> (Vec<Xy>, Vec<Vec<Xy>>) {
    let pts: &[Xy] = index.firm_xy.as_slice();
    match area {
        StudyArea::Bbox => {
            let Some(b) = crate::model::Bounds::of(pts) else {
                return (Vec::new(), Vec::new());
            };
            let ring = vec![b.lo, Xy::new(b.hi.x, b.lo.y), b.hi, Xy::new(b.lo.x, b.hi.y)];
            (pts.to_vec(), vec![ring])
        }
        StudyArea::Hull => {
            let h = clark_evans::hull(pts);
            let ring = h.exterior().0.iter().map(|c| Xy::new(c.x, c.y)).collect();
            (pts.to_vec(), vec![ring])
        }
        StudyArea::Land | StudyArea::Polygons { .. } => {
            let Some(prepared) = study_polygons(index, area) else {
                return (Vec::new(), Vec::new());
            };
            let rings = match &prepared.kind {
                crate::index::ZoneShapeKind::Area { rings_xy, .. } => rings_xy
                    .iter()
                    .flatten()
                    .map(|r| r.iter().map(|c| Xy::new(c.x, c.y)).collect())
                    .collect(),
                crate::index::ZoneShapeKind::Point(_) => Vec::new(),
            };
            (firms_inside(&prepared, index, firms), rings)
        }
    }
}

/// Clark–Evans over the chosen study area (with a note instead of numbers when it cannot be
/// computed).
pub fn study_area_clark_evans(index: &SpatialIndex, firms: &Firms, area: &StudyArea) -> ClarkEvans {
    let (points, area_m2): (std::borrow::Cow<[Xy]>, f64) = match area {
        StudyArea::Bbox => (
            index.firm_xy.as_slice().into(),
            clark_evans::bbox_area_m2(&index.firm_xy),
        ),
        StudyArea::Hull => (
            index.firm_xy.as_slice().into(),
            clark_evans::hull_area_m2(&index.firm_xy),
        ),
        StudyArea::Land | StudyArea::Polygons { .. } => match study_polygons(index, area) {
            Some(prepared) => (
                firms_inside(&prepared, index, firms).into(),
                prepared.area_km2().unwrap_or(0.0) * 1e6,
            ),
            None => (Vec::new().into(), 0.0),
        },
    };
    clark_evans::clark_evans_report(&points, area_m2, area.kind())
}
