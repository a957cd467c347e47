//! The one path from loaded files to a picture: [`Dataset`] (zones, firms, their index and
//! basemap) → [`analyse`] → [`Results`] → [`scene_input`]. The window's jobs, every CLI
//! command and the tests go through it, so their numbers and pictures match.

use std::sync::Arc;
use std::time::Instant;

use crate::analysis::density::{self, DensityGrid};
use crate::analysis::relocate::AdvisorContext;
use crate::analysis::{self, Analysis, AnalysisError, AnalysisParams};
use crate::data::{LoadError, LoadReport, LoadedFirms, LoadedZones, bundled};
use crate::index::SpatialIndex;
use crate::model::{Firms, FitTable, Zone};
use crate::scene::{Basemap, SceneInput, Selection, ZoneFills};

/// Most cells of a density surface (the grid is coarsened to stay under it).
pub const DENSITY_MAX_CELLS: usize = 400_000;

/// Zones and firms as loaded, with their index and basemap in the index's projection.
pub struct Dataset {
    pub zones: Vec<Zone>,
    pub zones_report: LoadReport,
    pub firms: Firms,
    pub firms_report: LoadReport,
    /// The bundled sample firms, or firms a file marks synthetic (shown as such everywhere).
    pub synthetic: bool,
    pub index: SpatialIndex,
    /// Built on first use ([`Dataset::basemap`]): commands that draw nothing never pay for
    /// it (15–18 ms of triangulation, a tenth of a 100k-firm `analyze`).
    basemap: std::sync::OnceLock<Arc<Basemap>>,
    /// The zones' fill triangles, on first use ([`Dataset::zone_fills`]).
    zone_fills: std::sync::OnceLock<Arc<ZoneFills>>,
    /// Increases with every load in the window, so results from older data are never shown.
    pub generation: u64,
    /// Seconds the index took to build (for `--timings`).
    pub index_seconds: f64,
    /// Founding and closing years, when the firms carry dates.
    pub times: Option<Arc<crate::model::FirmTimes>>,
    /// The first and last founding year of `times` (found once: the time panel shows it
    /// every frame).
    pub year_range: Option<(i32, i32)>,
}

impl Dataset {
    /// Indexes the data. The projection follows [`SpatialIndex::build`]'s rule (the same for
    /// every front end); `basemap` is reused when it is already in that projection.
    pub fn new(
        zones: LoadedZones,
        firms: LoadedFirms,
        synthetic: bool,
        basemap: Option<Arc<Basemap>>,
        generation: u64,
    ) -> Self {
        let mut firms = firms;
        let synthetic = synthetic || firms.firms.marked_synthetic();
        let times = match firms.times.take() {
            Some(t) if t.founded.len() == firms.firms.len() => Some(t),
            _ => crate::data::dates::detect_times(&firms.firms, None, &mut firms.report)
                .map(Arc::new),
        };
        let t0 = Instant::now();
        let index = SpatialIndex::build(&firms.firms, &zones.zones);
        let index_seconds = t0.elapsed().as_secs_f64();
        let kept = std::sync::OnceLock::new();
        if let Some(b) = basemap.filter(|b| b.projection == index.projection) {
            let _ = kept.set(b);
        }
        Self {
            zones: zones.zones,
            zones_report: zones.report,
            firms: firms.firms,
            firms_report: firms.report,
            synthetic,
            index,
            basemap: kept,
            zone_fills: Default::default(),
            generation,
            index_seconds,
            year_range: times.as_ref().and_then(|t| t.year_range()),
            times,
        }
    }

    /// The bundled basemap in the index's projection, built on first use (the window's load
    /// jobs build it before handing the dataset over, so no frame waits for it).
    pub fn basemap(&self) -> &Arc<Basemap> {
        crate::model::once_made_outside(&self.basemap, || {
            Arc::new(Basemap::bundled(&self.index.projection))
        })
    }

    /// The zones' fill triangles, triangulated on first use (the window's load jobs do it
    /// before handing the dataset over; every scene after reuses them).
    pub fn zone_fills(&self) -> &Arc<ZoneFills> {
        // Triangulated in parallel, so never inside the cell's lock.
        crate::model::once_made_outside(&self.zone_fills, || {
            Arc::new(ZoneFills::of(&self.index.zone_shapes))
        })
    }

    /// The firms alive in `year` (founded by then and not closed), re-indexed; `None` when
    /// the firms carry no dates.
    pub fn alive_in(&self, year: i32) -> Option<Self> {
        let t = self.times.as_ref()?;
        let keep: Vec<bool> = (0..self.firms.len()).map(|i| t.alive(i, year)).collect();
        let mut firms = self.loaded_firms();
        firms.firms.retain(&keep);
        firms.times = Some(Arc::new({
            let mut t = (**t).clone();
            t.retain(&keep);
            t
        }));
        let kept = keep.iter().filter(|k| **k).count();
        firms.report.notes.push(format!(
            "{kept} of {} firms alive in {year} (founded by then, not closed)",
            keep.len()
        ));
        let data = Self::new(
            self.loaded_zones(),
            firms,
            self.synthetic,
            self.basemap.get().cloned(),
            self.generation + 1,
        );
        // The same zones: the same fills.
        if let Some(f) = self.zone_fills.get() {
            let _ = data.zone_fills.set(f.clone());
        }
        Some(data)
    }

    /// The bundled zones and synthetic sample firms.
    pub fn bundled() -> Result<Self, LoadError> {
        Ok(Self::new(
            bundled::zones()?,
            bundled::sample_firms()?,
            true,
            None,
            1,
        ))
    }

    /// These zones with the same firms (and index rebuilt), one generation later.
    pub fn with_zones(&self, zones: LoadedZones) -> Self {
        Self::new(
            zones,
            self.loaded_firms(),
            self.synthetic,
            self.basemap.get().cloned(),
            self.generation + 1,
        )
    }

    /// These firms (synthetic only when their file says so) with the same zones, one
    /// generation later.
    pub fn with_firms(&self, firms: LoadedFirms) -> Self {
        Self::new(
            self.loaded_zones(),
            firms,
            false,
            self.basemap.get().cloned(),
            self.generation + 1,
        )
    }

    /// A copy of the zones and their report.
    pub fn loaded_zones(&self) -> LoadedZones {
        LoadedZones {
            zones: self.zones.clone(),
            report: self.zones_report.clone(),
        }
    }

    /// A copy of the firms and their report.
    pub fn loaded_firms(&self) -> LoadedFirms {
        LoadedFirms {
            firms: self.firms.clone(),
            report: self.firms_report.clone(),
            times: self.times.clone(),
        }
    }

    /// The stamp of both inputs (written with results and on exported pages).
    pub fn input_hash(&self) -> String {
        crate::model::short_hash(&[
            self.zones_report.hash.as_bytes(),
            self.firms_report.hash.as_bytes(),
        ])
    }
}

/// What to compute besides the analysis itself.
#[derive(Clone, Copy, Default)]
pub struct Extras<'a> {
    /// The density surface at this bandwidth (metres).
    pub density_bandwidth_m: Option<f64>,
    /// The advisor's per-zone counts with this fit table (at the params' nearby radius).
    pub advisor_fit: Option<&'a FitTable>,
    /// Gi* hot spots with these parameters.
    pub hotspots: Option<crate::analysis::hotspots::HotspotParams>,
    /// Ripley's K/L over the params' study area with these parameters.
    pub ripley: Option<crate::analysis::ripley::RipleyParams>,
    /// Called with the clusters (and density) as soon as they are found, before the
    /// statistics: the window draws the analysed map from them while the rest runs.
    pub map_ready: Option<&'a (dyn Fn(MapPreview) + Sync)>,
    /// Called on its own thread with the DBSCAN labels and the zone placement as soon as both
    /// are known, while the statistics are computed (`analyze` writes `firms.csv` from them).
    pub placed: Option<OnPlaced<'a>>,
}

/// A callback given the DBSCAN labels and the zone placement ([`Extras::placed`]).
pub type OnPlaced<'a> = &'a (dyn Fn(&[i32], &analysis::Placement) + Sync);

/// What the map shows of an analysis before its statistics are done.
#[derive(Clone, Debug)]
pub struct MapPreview {
    /// DBSCAN label per firm (−1 noise).
    pub labels: Vec<i32>,
    pub clusters: Vec<crate::analysis::ClusterSummary>,
    pub density: Option<DensityGrid>,
    /// The dataset generation analysed.
    pub generation: u64,
}

/// Results of one analysis run on one dataset generation.
pub struct Results {
    pub analysis: Analysis,
    pub params: AnalysisParams,
    pub density: Option<DensityGrid>,
    /// The advisor's per-zone counts (at `params.nearby_radius_m`).
    pub advisor: Option<Arc<AdvisorContext>>,
    /// Firms over time (when the firms carry founding dates; at the params' nearby radius).
    pub time: Option<crate::analysis::time::TimeTables>,
    pub hotspots: Option<crate::analysis::hotspots::Hotspots>,
    pub ripley: Option<crate::analysis::ripley::Ripley>,
    pub generation: u64,
    pub seconds: f64,
}

/// Runs every analysis on the dataset, then the extras asked for. `progress(fraction, step)`
/// is called between steps.
pub fn analyse(
    data: &Dataset,
    params: &AnalysisParams,
    extras: Extras<'_>,
    progress: &(dyn Fn(f32, &str) + Sync),
) -> Result<Results, AnalysisError> {
    let t0 = Instant::now();
    let mut map = analysis::analyse_map(&data.firms, &data.zones, &data.index, params, &|f, s| {
        progress(f * 0.9, s)
    })?;
    let lap = Instant::now();
    let density = extras.density_bandwidth_m.map(|bw| {
        progress(0.27, "density");
        density_of(data, bw)
    });
    map.timings.push(("density", lap.elapsed().as_secs_f64()));
    if let Some(ready) = extras.map_ready {
        ready(MapPreview {
            labels: map.labels.clone(),
            clusters: map.clusters.clone(),
            density: density.clone(),
            generation: data.generation,
        });
    }
    let placed = analysis::place(&data.firms, &data.zones, &data.index, &|f, s| {
        progress(f * 0.9, s)
    });
    // What needs only the clusters and the placement (e.g. writing `firms.csv`) runs on its
    // own thread while the statistics are computed.
    let (stats, after) = std::thread::scope(|s| {
        let side = extras.placed.map(|f| s.spawn(|| f(&map.labels, &placed.0)));
        let done = analysis::statistics(&data.firms, &data.zones, &data.index, params, &|f, s| {
            progress(f * 0.9, s)
        })
        .map(|st| {
            let after = after_statistics(data, params, &extras, &map.clusters, &st, progress);
            (st, after)
        });
        if let Some(Err(panic)) = side.map(|h| h.join()) {
            std::panic::resume_unwind(panic);
        }
        done
    })?;
    let mut analysis = analysis::assemble(map, placed, stats, params)?;
    analysis.timings.extend(after.timings);
    let After {
        advisor,
        time,
        hotspots,
        ripley,
        ..
    } = after;
    Ok(Results {
        analysis,
        params: params.clone(),
        density,
        advisor,
        time,
        hotspots,
        ripley,
        generation: data.generation,
        seconds: t0.elapsed().as_secs_f64(),
    })
}

/// What the extras computed after the statistics, and the seconds each took.
struct After {
    advisor: Option<Arc<AdvisorContext>>,
    time: Option<crate::analysis::time::TimeTables>,
    hotspots: Option<crate::analysis::hotspots::Hotspots>,
    ripley: Option<crate::analysis::ripley::Ripley>,
    timings: Vec<(&'static str, f64)>,
}

/// The advisor's counts, the time tables, hot spots and Ripley's K, as asked for.
fn after_statistics(
    data: &Dataset,
    params: &AnalysisParams,
    extras: &Extras<'_>,
    clusters: &[crate::analysis::ClusterSummary],
    stats: &analysis::Statistics,
    progress: &(dyn Fn(f32, &str) + Sync),
) -> After {
    let mut timings = Vec::new();
    let mut lap = Instant::now();
    let mut timed = |name: &'static str, timings: &mut Vec<(&'static str, f64)>| {
        timings.push((name, lap.elapsed().as_secs_f64()));
        lap = Instant::now();
    };
    let advisor = extras.advisor_fit.map(|fit| {
        progress(0.96, "advisor");
        Arc::new(AdvisorContext::prepare(
            &data.firms,
            &data.zones,
            &data.index,
            clusters,
            fit,
            params.nearby_radius_m,
        ))
    });
    timed("advisor", &mut timings);
    let time = data.times.as_ref().and_then(|t| {
        progress(0.97, "time");
        let p = analysis::time::TimeParams {
            radius_m: params.nearby_radius_m,
            ..Default::default()
        };
        let sets = Some((&stats.zone_near, &stats.zone_inside));
        analysis::time::time_tables(t, &data.firms, &data.zones, &data.index, &p, sets)
    });
    timed("time tables", &mut timings);
    let hotspots = extras.hotspots.and_then(|p| {
        progress(0.99, "hot spots");
        analysis::hotspots::hotspots(&data.index.firm_xy, &p)
    });
    timed("hot spots", &mut timings);
    let ripley = extras.ripley.and_then(|p| {
        progress(0.99, "Ripley");
        let (pts, rings) =
            analysis::study_area_points_and_rings(&data.index, &data.firms, &params.study_area);
        let name = match &params.study_area {
            analysis::StudyArea::Polygons { name, .. } => name.clone(),
            other => other.kind().as_str().to_string(),
        };
        analysis::ripley::ripley(&pts, &rings, &name, &p)
    });
    timed("ripley", &mut timings);
    After {
        advisor,
        time,
        hotspots,
        ripley,
        timings,
    }
}

/// The firms' kernel-density surface (Gaussian, σ = `bandwidth_m`).
pub fn density_of(data: &Dataset, bandwidth_m: f64) -> DensityGrid {
    density::kernel_density(&data.index.firm_xy, bandwidth_m, DENSITY_MAX_CELLS)
}

/// What the scene is built from: the dataset, optionally an analysis (cluster colours and
/// hulls) and a density surface, the fit table and the selection.
pub fn scene_input<'a>(
    data: &'a Dataset,
    analysis: Option<&'a Analysis>,
    density: Option<&'a DensityGrid>,
    fit: &'a FitTable,
    selection: Selection,
) -> SceneInput<'a> {
    SceneInput {
        projection: &data.index.projection,
        basemap: data.basemap(),
        zones: &data.zones,
        zone_shapes: &data.index.zone_shapes,
        zone_fills: Some(data.zone_fills()),
        firms: &data.firms,
        firm_xy: &data.index.firm_xy,
        firm_bounds: data.index.firm_bounds,
        fit,
        labels: analysis.map(|r| r.labels.as_slice()),
        clusters: analysis.map(|r| r.clusters.as_slice()).unwrap_or(&[]),
        density,
        selection,
        synthetic: data.synthetic,
        firms_file: Some(data.firms_report.file.as_str())
            .filter(|f| !f.is_empty() && !f.starts_with("bundled:"))
            .map(|f| f.rsplit(['/', '\\']).next().unwrap_or(f)),
        times: data.times.as_ref(),
        hotspots: None,
        classes: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Many pool tasks asking a fresh dataset for its zone fills at once (the first ones
    /// racing to triangulate) all get the one kept value, and the calls end (a watchdog
    /// fails the test instead of hanging it).
    #[test]
    fn zone_fills_asked_for_from_many_pool_tasks_are_one_value() {
        use rayon::prelude::*;
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            // The district outlines as zones: detailed enough that the first tasks race.
            let districts = crate::data::load_zones_str(
                bundled::DISTRICTS_LAND_GEOJSON,
                "districts",
                &Default::default(),
            )
            .unwrap();
            let data = Dataset::bundled().unwrap().with_zones(districts);
            let got: Vec<Arc<ZoneFills>> = (0..64)
                .into_par_iter()
                .map(|_| data.zone_fills().clone())
                .collect();
            let one = got.iter().all(|f| Arc::ptr_eq(f, data.zone_fills()));
            let _ = tx.send(one);
        });
        let one = rx
            .recv_timeout(std::time::Duration::from_secs(30))
            .expect("asking for the zone fills from pool tasks hung");
        assert!(one, "every task got the kept fills");
    }

    /// The time tables counted from the zone statistics' near and inside sets equal the ones
    /// that find their own (the oracle): the bundled zones, and the district outlines as
    /// zones (firms inside all of them).
    #[test]
    fn time_tables_from_the_statistics_sets_equal_their_own() {
        use crate::analysis::time::{TimeParams, time_tables};
        let districts =
            crate::data::load_zones_str(bundled::DISTRICTS_LAND_GEOJSON, "d", &Default::default())
                .unwrap();
        // With the zones holding firms inside at least.
        for (data, least) in [
            (Dataset::bundled().unwrap(), 1),
            (Dataset::bundled().unwrap().with_zones(districts), 8),
        ] {
            let params = AnalysisParams::default();
            let (f, z, ix) = (&data.firms, &data.zones, &data.index);
            let stats = analysis::statistics(f, z, ix, &params, &|_, _| {}).unwrap();
            let given = stats.zone_inside.iter().flatten().filter(|s| !s.is_empty());
            assert!(given.count() >= least);
            let t = data.times.as_ref().unwrap();
            let p = TimeParams {
                radius_m: params.nearby_radius_m,
                ..Default::default()
            };
            let sets = Some((&stats.zone_near, &stats.zone_inside));
            let shared = time_tables(t, f, z, ix, &p, sets).unwrap();
            assert_eq!(Some(&shared), time_tables(t, f, z, ix, &p, None).as_ref());
            let inside = |zt: &crate::analysis::time::ZoneTime| {
                zt.by_year.iter().any(|y| y.alive_inside > Some(0))
            };
            assert!(shared.zones.iter().filter(|zt| inside(zt)).count() >= least);
        }
    }

    #[test]
    fn bundled_dataset_analyses_with_extras() {
        let data = Dataset::bundled().unwrap();
        let fit = bundled::fit_table().unwrap();
        let preview = std::sync::Mutex::new(None);
        let keep = |p: MapPreview| *preview.lock().unwrap() = Some(p);
        // What `analyze` writes firms.csv from, seen on the side thread.
        let side = std::sync::Mutex::new(None);
        let placed = |labels: &[i32], placement: &analysis::Placement| {
            let zones: Vec<_> = (0..labels.len()).map(|i| placement.zone(i)).collect();
            let near = placement.nearest_m.clone();
            *side.lock().unwrap() =
                Some((std::thread::current().id(), labels.to_vec(), zones, near));
        };
        let r = analyse(
            &data,
            &AnalysisParams::default(),
            Extras {
                density_bandwidth_m: Some(800.0),
                advisor_fit: Some(&fit),
                hotspots: None,
                ripley: None,
                map_ready: Some(&keep),
                placed: Some(&placed),
            },
            &|_, _| {},
        )
        .unwrap();
        let (thread, labels, zones, near) = side.lock().unwrap().take().expect("placed was called");
        assert_ne!(thread, std::thread::current().id());
        assert_eq!(labels, r.analysis.labels);
        let want: Vec<_> = (0..labels.len())
            .map(|i| r.analysis.placement.zone(i))
            .collect();
        assert_eq!(zones, want);
        assert_eq!(near, r.analysis.placement.nearest_m);
        assert!(zones.iter().any(Option::is_some));
        assert_eq!(r.analysis.labels.len(), data.firms.len());
        assert!(r.density.is_some() && r.advisor.is_some());
        // The map drawn before the statistics are done is the final one.
        let p = preview
            .lock()
            .unwrap()
            .take()
            .expect("the map stage was reported");
        assert_eq!(p.labels, r.analysis.labels);
        assert_eq!(p.clusters, r.analysis.clusters);
        assert_eq!(p.density, r.density);
        assert_eq!(p.generation, data.generation);
        // The scene input names the same firms and clusters.
        let input = scene_input(
            &data,
            Some(&r.analysis),
            r.density.as_ref(),
            &fit,
            Selection::default(),
        );
        assert_eq!(input.firm_xy.len(), data.firms.len());
        assert_eq!(input.clusters.len(), r.analysis.clusters.len());
        // Without extras nothing else is computed.
        let bare = analyse(
            &data,
            &AnalysisParams::default(),
            Extras::default(),
            &|_, _| {},
        )
        .unwrap();
        assert!(bare.density.is_none() && bare.advisor.is_none());
        assert_eq!(bare.analysis.labels, r.analysis.labels);
    }

    #[test]
    fn a_new_generation_keeps_the_other_half() {
        let data = Dataset::bundled().unwrap();
        let next = data.with_zones(LoadedZones {
            zones: data.zones[..3].to_vec(),
            report: data.zones_report.clone(),
        });
        assert_eq!(next.generation, data.generation + 1);
        assert_eq!(
            next.year_range,
            data.times.as_ref().and_then(|t| t.year_range())
        );
        assert_eq!(next.zones.len(), 3);
        assert_eq!(next.firms.len(), data.firms.len());
        assert!(next.synthetic);
        // The sample's file marks its firms synthetic, wherever they come from.
        let again = next.with_firms(data.loaded_firms());
        assert!(again.synthetic, "the sample's marker column");
        let mut mine = data.loaded_firms();
        let col = mine.firms.attrs.column_index("synthetic").unwrap();
        mine.firms.attrs.headers[col] = "note".into();
        assert!(
            !next.with_firms(mine).synthetic,
            "a user's file without the marker"
        );
    }
}
