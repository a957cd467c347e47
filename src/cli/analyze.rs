//! `cluster-atlas analyze`.

use cluster_atlas::analysis::clark_evans::format_p;
use std::path::Path;
use std::time::Instant;

use anyhow::{Context, Result, bail};

use cluster_atlas::analysis::{self, AnalysisParams, DbscanParams, ParamsEcho, StudyArea};
use cluster_atlas::data::{self, ZoneLoadOptions};
use cluster_atlas::model::ZoneGeometry;
use cluster_atlas::output::{self, Summary};
use cluster_atlas::pipeline::{self, Extras};

use super::AnalyzeArgs;

fn study_area(spec: &str) -> Result<StudyArea> {
    match spec.trim().to_ascii_lowercase().as_str() {
        "bbox" => Ok(StudyArea::Bbox),
        "hull" => Ok(StudyArea::Hull),
        "land" => Ok(StudyArea::Land),
        _ => {
            let path = Path::new(spec);
            let loaded = data::load_zones(path, &ZoneLoadOptions::default())
                .with_context(|| "cannot use the study-area file".to_string())?;
            let polys: Vec<geo::Polygon<f64>> = loaded
                .zones
                .into_iter()
                .filter_map(|z| match z.geometry {
                    ZoneGeometry::Area(mp) => Some(mp.0),
                    _ => None,
                })
                .flatten()
                .collect();
            if polys.is_empty() {
                bail!("the study-area file has no polygons: {spec}");
            }
            Ok(StudyArea::Polygons {
                name: spec.to_string(),
                shape: geo::MultiPolygon::new(polys),
            })
        }
    }
}

/// The optional analyses: hot spots and Ripley.
struct Extra {
    hotspots: Option<analysis::hotspots::Hotspots>,
    ripley: Option<analysis::ripley::Ripley>,
}

/// The optional analyses `analyze` was asked for.
fn extras_for(a: &AnalyzeArgs) -> Extras<'static> {
    Extras {
        hotspots: a.hotspots.then(|| analysis::hotspots::HotspotParams {
            cell_m: a.cell_m,
            band_m: a.band_m,
            ..Default::default()
        }),
        ripley: a.ripley.then(|| analysis::ripley::RipleyParams {
            max_m: a.ripley_max_m,
            ..Default::default()
        }),
        ..Extras::default()
    }
}

fn print_extra(e: &Extra) {
    if let Some(h) = &e.hotspots {
        let c = &h.classes;
        crate::say!(
            "hot spots: {} cells of {:.0} m (band {:.0} m): hot {}/{}/{} and cold {}/{}/{} at 99/95/90 % (FDR-corrected)",
            h.n_cells,
            h.cell_m,
            h.band_m,
            c.hot_99,
            c.hot_95,
            c.hot_90,
            c.cold_99,
            c.cold_95,
            c.cold_90
        );
    }
    if let Some(r) = &e.ripley {
        let above = r.l.iter().zip(&r.hi).filter(|(l, hi)| l > hi).count();
        crate::say!(
            "Ripley's L over {} ({:.1} km², {} points): above the CSR envelope at {above} of {} distances up to {:.0} m",
            r.study_area,
            r.area_km2,
            r.points_used,
            r.d.len(),
            r.d.last().copied().unwrap_or(0.0)
        );
    }
}

/// The result set `analyze` writes, checked before any work: the folder must be new, empty
/// or an earlier result set, and must not hold an input.
fn result_set(a: &AnalyzeArgs, area: &StudyArea) -> Result<output::ResultSet> {
    let mut in_paths = a.inputs.paths();
    if let StudyArea::Polygons { name, .. } = area {
        in_paths.push(name.into());
    }
    let mut files = vec!["firms.csv", "clusters.geojson", "summary.json"];
    if a.hotspots {
        files.push("hotspots.geojson");
    }
    output::ResultSet::create(
        &a.out,
        &files,
        &in_paths.iter().map(|p| p.as_path()).collect::<Vec<_>>(),
    )
    .with_context(|| format!("cannot write the results into {}", a.out.display()))
}

/// The inputs, with only the firms alive in `--year` when it is given.
fn load(a: &AnalyzeArgs) -> Result<pipeline::Dataset> {
    // The rows' text is only needed again to copy each row into firms.csv: it is read back
    // from the file then instead of held (700 MB for a 4-million-firm register).
    let data = a.inputs.load_released()?;
    let data = match a.year {
        None => data,
        Some(y) => data.alive_in(y).ok_or_else(|| {
            anyhow::anyhow!(
                "--year {y} needs founding dates: the firms file has no column such as 成立日期, \
                 注册日期 or founded"
            )
        })?,
    };
    Ok(data)
}

pub fn run(a: AnalyzeArgs) -> Result<()> {
    let t0 = Instant::now();
    one_worker_more_than_cores();
    let dbscan = DbscanParams::new(a.eps_m, a.min_pts)?;
    let area = study_area(&a.study_area)?;
    let set = result_set(&a, &area)?;
    let data = load(&a)?;
    let index_s = data.index_seconds;
    let t_load = t0.elapsed() - std::time::Duration::from_secs_f64(index_s);
    let (zones, firms, index) = (&data.zones, &data.firms, &data.index);
    print_load_report(&data);

    let params = AnalysisParams {
        dbscan,
        study_area: area.clone(),
        nearby_radius_m: a.nearby_m,
    };
    // firms.csv, the largest output, is written beside the statistics as soon as the clusters
    // and the zone placement are known.
    let firms_path = set.final_path("firms.csv");
    let write_firms_timed = |labels: &[i32], placement: &analysis::Placement| {
        let t = Instant::now();
        let r = set.write("firms.csv", |w| {
            output::write_firms_csv(w, firms, zones, labels, placement)
        });
        (r, t.elapsed().as_secs_f64())
    };
    let firms_written = std::sync::Mutex::new(None);
    let write_firms = |labels: &[i32], placement: &analysis::Placement| {
        let done = write_firms_timed(labels, placement);
        *firms_written.lock().unwrap_or_else(|e| e.into_inner()) = Some(done);
    };
    let mut extras = extras_for(&a);
    extras.placed = Some(&write_firms);
    let results = pipeline::analyse(&data, &params, extras, &|_, _| {})?;
    let (result, time) = (results.analysis, results.time);
    let extra = Extra {
        hotspots: results.hotspots,
        ripley: results.ripley,
    };
    print_extra(&extra);
    for w in &result.warnings {
        crate::say!("warning: {w}");
    }
    let t_analyse = t0.elapsed();

    let echo = ParamsEcho {
        eps_m: dbscan.eps_m,
        min_pts: dbscan.min_pts,
        study_area: match &area {
            StudyArea::Polygons { name, .. } => format!("file:{name}"),
            other => other.kind().as_str().to_string(),
        },
        nearby_radius_m: a.nearby_m,
        projection_centre: index.projection.centre(),
    };
    let hash = data.input_hash();
    // Written beside the statistics (else now).
    let written = firms_written
        .into_inner()
        .unwrap_or_else(|e| e.into_inner());
    let (written, firms_s) =
        written.unwrap_or_else(|| write_firms_timed(&result.labels, &result.placement));
    written.with_context(|| format!("cannot write {}", firms_path.display()))?;
    let clusters_path = set.final_path("clusters.geojson");
    let echo_json = serde_json::to_value(&echo)?;
    set.write("clusters.geojson", |w| {
        output::write_clusters_geojson(w, &result.clusters, &echo_json)
    })
    .with_context(|| format!("cannot write {}", clusters_path.display()))?;
    if let Some(h) = &extra.hotspots {
        let path = set.final_path("hotspots.geojson");
        set.write("hotspots.geojson", |w| {
            output::write_hotspots_geojson(w, h, &index.projection)
        })
        .with_context(|| format!("cannot write {}", path.display()))?;
    }
    let mut summary = Summary::new(
        firms,
        zones,
        &result,
        echo,
        data.zones_report.clone(),
        data.firms_report.clone(),
        hash,
        data.synthetic,
    );
    summary.time = time;
    summary.hotspots = extra.hotspots;
    summary.ripley = extra.ripley;
    let summary_path = set.final_path("summary.json");
    set.write("summary.json", |w| {
        serde_json::to_writer_pretty(&mut *w, &summary)?;
        w.write_all(b"\n")
    })
    .with_context(|| format!("cannot write {}", summary_path.display()))?;
    set.commit()
        .with_context(|| format!("cannot put the results in place in {}", a.out.display()))?;

    let t_total = t0.elapsed();
    if a.timings {
        let write_s = (t_total - t_analyse).as_secs_f64();
        let steps = [("load", t_load.as_secs_f64()), ("index", index_s)]
            .into_iter()
            .chain(result.timings.iter().copied())
            .chain([
                ("firms.csv", firms_s),
                ("write", write_s),
                ("total", t_total.as_secs_f64()),
            ]);
        let line: Vec<String> = steps.map(|(n, s)| format!("{n}={s:.3}")).collect();
        crate::say!("timings: {}", line.join(" "));
    }
    print_outcome(firms.len(), &summary);
    crate::say!(
        "wrote {}, {}, {} in {:.2} s (load {:.2} s, analyse {:.2} s)",
        firms_path.display(),
        summary_path.display(),
        clusters_path.display(),
        t_total.as_secs_f64(),
        t_load.as_secs_f64(),
        (t_analyse - t_load).as_secs_f64()
    );
    Ok(())
}

/// One line on what the analysis found.
fn print_outcome(n_firms: usize, summary: &Summary) {
    crate::say!(
        "{} firms, {} clusters, {} noise; Clark–Evans {}",
        n_firms,
        summary.n_clusters,
        summary.n_noise,
        match &summary.clark_evans {
            ce if ce.is_available() => format!(
                "R = {:.3} (z = {:.1}, {}, {} area {:.1} km²)",
                ce.r,
                ce.z,
                format_p(ce.p),
                ce.area.as_str(),
                ce.area_km2
            ),
            ce => ce.note.clone().unwrap_or_default(),
        }
    );
}

/// Sizes the thread pool at one worker more than the cores (unless `RAYON_NUM_THREADS` says
/// otherwise): `analyze` keeps threads of its own outside the pool (the main thread's serial
/// steps, `firms.csv`'s writes), and with 2 cores a third worker kept both busier. Measured
/// on 2 cores, 6–10 alternating runs: 100k firms 3.5–7 % faster (register 134 → 126 ms),
/// 1M 1.5 %, 4M within noise (BENCHMARKS.md, session 19).
fn one_worker_more_than_cores() {
    if std::env::var_os("RAYON_NUM_THREADS").is_some() {
        return;
    }
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    // Fails only when the pool already exists (then it keeps its size).
    let _ = rayon::ThreadPoolBuilder::new()
        .num_threads(cores + 1)
        .build_global();
}

/// What was loaded: warnings, both reports' summaries, the first skipped rows, and whether
/// the firms are the synthetic sample.
fn print_load_report(data: &pipeline::Dataset) {
    let warnings = data.zones_report.warnings.iter();
    for w in warnings.chain(&data.firms_report.warnings) {
        crate::say!("warning: {w}");
    }
    crate::say!("zones: {}", data.zones_report.summary());
    crate::say!("firms: {}", data.firms_report.summary());
    for n in &data.firms_report.notes {
        crate::say!("note: {n}");
    }
    for s in data.firms_report.skipped.iter().take(10) {
        crate::say!("  skipped {}", s.describe());
    }
    if data.synthetic {
        crate::say!("note: the firms are a SYNTHETIC sample (not real companies)");
    }
}
