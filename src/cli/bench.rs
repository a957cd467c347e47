//! `cluster-atlas bench` (hidden): times each pipeline step on a firms file and prints JSON,
//! for `benches/compare.sh`.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Result;
use clap::Args;
use rayon::prelude::*;

use cluster_atlas::analysis::{self, DbscanParams, StudyArea, dbscan};
use cluster_atlas::data::{self, FirmLoadOptions, bundled};
use cluster_atlas::index::SpatialIndex;

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Firms CSV.
    #[arg(long)]
    pub firms: PathBuf,
    /// Zones file (default: the bundled zones).
    #[arg(long)]
    pub zones: Option<PathBuf>,
    /// Repetitions per step (the median is reported; 1–100).
    #[arg(long, default_value_t = 3, value_parser = |s: &str| cluster_atlas::model::limits::REPEAT.parse_usize(s))]
    pub repeat: usize,
    /// Time the CSV load as `analyze` does it (a file over 64 MB streamed window by window,
    /// its text let go) instead of as the window does (held whole).
    #[arg(long)]
    pub as_analyze: bool,
    /// Time only the CSV load (for `benches/cold_load.sh` and profiling it alone).
    #[arg(long)]
    pub load_only: bool,
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

fn time<T>(repeat: usize, f: impl FnMut() -> T) -> (f64, T) {
    let (times, out) = runs(repeat, f);
    (median(times), out)
}

/// Each run's seconds, in order (the first runs of a process pay for its warm-up), and the
/// last run's result.
fn runs<T>(repeat: usize, mut f: impl FnMut() -> T) -> (Vec<f64>, T) {
    let mut times = Vec::new();
    let mut last = None;
    for _ in 0..repeat.max(1) {
        let t = Instant::now();
        let out = f();
        times.push(t.elapsed().as_secs_f64());
        last = Some(out);
    }
    (times, last.expect("at least one run"))
}

pub fn run(a: BenchArgs) -> Result<()> {
    let zones = match &a.zones {
        Some(path) => data::load_zones(path, &data::ZoneLoadOptions::default())?.zones,
        None => bundled::zones()?.zones,
    };
    let load = if a.as_analyze {
        data::load_firms_released
    } else {
        data::load_firms
    };
    let (csv_runs, loaded) = runs(a.repeat, || load(&a.firms, &FirmLoadOptions::default()));
    let csv_s = median(csv_runs.clone());
    let firms = loaded?.firms;
    if a.load_only {
        crate::tell!(
            "{}",
            serde_json::json!({ "n": firms.len(), "csv_load": csv_s, "csv_load_runs": csv_runs })
        );
        return Ok(());
    }
    let (index_s, index) = time(a.repeat, || SpatialIndex::build(&firms, &zones));
    let (pip_s, inside) = time(a.repeat, || {
        (0..firms.len())
            .into_par_iter()
            .map_init(Vec::new, |buf, i| {
                index.zones_containing_into(firms.lonlat[i], index.firm_xy[i], buf);
                buf.len()
            })
            .sum::<usize>()
    });
    let (nearest_s, _) = time(a.repeat, || {
        (0..firms.len())
            .into_par_iter()
            .map_init(Vec::new, |buf, i| {
                index
                    .nearest_zone_with(firms.lonlat[i], index.firm_xy[i], buf)
                    .map(|h| h.distance_m)
                    .unwrap_or(0.0)
            })
            .sum::<f64>()
    });
    let (placement_s, _) = time(a.repeat, || {
        analysis::placement::place_firms(&index, &firms, &zones)
    });
    let p = DbscanParams::new(500.0, 5)?;
    let (dbscan_s, labels) = time(a.repeat, || dbscan::dbscan(&index.firm_xy, p));
    let (ce_s, ce) = time(a.repeat, || {
        analysis::study_area_clark_evans(&index, &firms, &StudyArea::Bbox)
    });
    let clusters = labels.iter().copied().max().unwrap_or(-1) + 1;
    crate::tell!(
        "{}",
        serde_json::json!({
            "n": firms.len(),
            "csv_load": csv_s,
            "csv_load_runs": csv_runs,
            "index": index_s,
            "point_in_zone": pip_s,
            "nearest_zone": nearest_s,
            "placement": placement_s,
            "dbscan": dbscan_s,
            "clark_evans": ce_s,
            "firms_inside": inside,
            "clusters": clusters,
            "clark_evans_r": ce.r,
        })
    );
    Ok(())
}
