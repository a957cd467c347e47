//! Heavy work on a named background thread; the frame polls for the result and shows
//! progress. Nothing heavy runs inside `ui()`.

use std::path::PathBuf;
use std::sync::mpsc::{Receiver, TryRecvError, channel};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use super::state::{Dataset, Results};
use crate::analysis::{self, AnalysisParams, density};
use crate::data::{self, FirmLoadOptions, ZoneLoadOptions};

/// What a finished job hands back.
#[allow(clippy::large_enum_variant)] // sent once per job; size does not matter
pub enum JobOutput {
    Analysed(Box<Result<Results, String>>),
    /// A new dataset (firms or zones replaced), or why loading failed.
    Loaded {
        result: Result<Box<Dataset>, String>,
        recent: super::state::RecentFile,
    },
}

/// A running job: its name, progress and the channel its result arrives on.
pub struct Job {
    pub label_zh: String,
    pub label_en: String,
    pub progress: Arc<Mutex<(f32, String)>>,
    pub started: Instant,
    rx: Receiver<JobOutput>,
}

impl Job {
    /// The result, once the job has finished.
    pub fn poll(&self) -> Option<JobOutput> {
        match self.rx.try_recv() {
            Ok(out) => Some(out),
            Err(TryRecvError::Empty) => None,
            Err(TryRecvError::Disconnected) => Some(JobOutput::Analysed(Box::new(Err(
                "the background job stopped unexpectedly".into(),
            )))),
        }
    }

    pub fn fraction(&self) -> (f32, String) {
        self.progress
            .lock()
            .map(|p| p.clone())
            .unwrap_or((0.0, String::new()))
    }
}

fn spawn(
    label_zh: &str,
    label_en: &str,
    ctx: &egui::Context,
    work: impl FnOnce(&(dyn Fn(f32, &str) + Sync)) -> JobOutput + Send + 'static,
) -> Job {
    let (tx, rx) = channel();
    let progress = Arc::new(Mutex::new((0.0f32, String::new())));
    let p2 = progress.clone();
    let ctx2 = ctx.clone();
    let spawned = std::thread::Builder::new()
        .name(format!("cluster-atlas {label_en}"))
        .spawn(move || {
            let report = |f: f32, step: &str| {
                if let Ok(mut g) = p2.lock() {
                    *g = (f, step.to_string());
                }
                ctx2.request_repaint();
            };
            let out = work(&report);
            let _ = tx.send(out);
            ctx2.request_repaint();
        });
    if let Err(e) = spawned {
        let (tx2, rx2) = channel();
        let _ = tx2.send(JobOutput::Analysed(Box::new(Err(format!(
            "cannot start a background thread: {e}"
        )))));
        return Job {
            label_zh: label_zh.into(),
            label_en: label_en.into(),
            progress,
            started: Instant::now(),
            rx: rx2,
        };
    }
    Job {
        label_zh: label_zh.into(),
        label_en: label_en.into(),
        progress,
        started: Instant::now(),
        rx,
    }
}

/// Runs every analysis plus the density surface.
pub fn analyse(
    ctx: &egui::Context,
    data: Arc<Dataset>,
    params: AnalysisParams,
    bandwidth_m: f64,
    fit: Arc<crate::model::FitTable>,
) -> Job {
    spawn("分析中", "Analysing", ctx, move |progress| {
        let t0 = Instant::now();
        let result = analysis::analyse(&data.firms, &data.zones, &data.index, &params, &|f, s| {
            progress(f * 0.9, s)
        })
        .map_err(|e| e.to_string())
        .map(|analysis| {
            progress(0.92, "density");
            let density = density::kernel_density(&data.index.firm_xy, bandwidth_m, 400_000);
            progress(0.96, "advisor");
            let advisor = Arc::new(crate::analysis::relocate::AdvisorContext::prepare(
                &data.firms,
                &data.zones,
                &data.index,
                &analysis.clusters,
                &fit,
                params.nearby_radius_m,
            ));
            Results {
                analysis,
                density,
                advisor,
                params,
                generation: data.generation,
                seconds: t0.elapsed().as_secs_f64(),
            }
        });
        JobOutput::Analysed(Box::new(result))
    })
}

/// Loads a firms file, keeping the current zones.
pub fn load_firms(
    ctx: &egui::Context,
    current: Arc<Dataset>,
    path: PathBuf,
    opts: FirmLoadOptions,
) -> Job {
    spawn("读取企业文件", "Loading firms", ctx, move |progress| {
        progress(0.05, "reading");
        let recent = super::state::RecentFile {
            path: path.clone(),
            zones: false,
            firm_options: opts.clone(),
            zone_options: Default::default(),
        };
        let result = data::load_firms(&path, &opts)
            .map_err(|e| e.to_string())
            .map(|loaded| {
                progress(0.6, "indexing");
                Dataset::new(
                    current.zones.clone(),
                    current.zones_report.clone(),
                    loaded.firms,
                    loaded.report,
                    false,
                    current.basemap.clone(),
                    current.generation + 1,
                )
            });
        JobOutput::Loaded {
            result: result.map(Box::new),
            recent,
        }
    })
}

/// Loads a zones file, keeping the current firms.
pub fn load_zones(
    ctx: &egui::Context,
    current: Arc<Dataset>,
    path: PathBuf,
    opts: ZoneLoadOptions,
) -> Job {
    spawn(
        "读取集聚区文件",
        "Loading zones",
        ctx,
        move |progress| {
            progress(0.05, "reading");
            let recent = super::state::RecentFile {
                path: path.clone(),
                zones: true,
                firm_options: Default::default(),
                zone_options: opts.clone(),
            };
            let result = data::load_zones(&path, &opts)
                .map_err(|e| e.to_string())
                .map(|loaded| {
                    progress(0.6, "indexing");
                    Dataset::new(
                        loaded.zones,
                        loaded.report,
                        current.firms.clone(),
                        current.firms_report.clone(),
                        current.synthetic,
                        current.basemap.clone(),
                        current.generation + 1,
                    )
                });
            JobOutput::Loaded {
                result: result.map(Box::new),
                recent,
            }
        },
    )
}

/// A new dataset with these zones (e.g. the 15 slots filled from an official file) and the
/// current firms.
pub fn with_zones(
    ctx: &egui::Context,
    current: Arc<Dataset>,
    zones: Vec<crate::model::Zone>,
    source: String,
) -> Job {
    spawn("更新集聚区", "Updating zones", ctx, move |progress| {
        progress(0.1, "indexing");
        let mut report = current.zones_report.clone();
        report.notes.push(format!("15 slots filled from {source}"));
        let recent = super::state::RecentFile {
            path: PathBuf::from(&report.file),
            zones: true,
            firm_options: Default::default(),
            zone_options: Default::default(),
        };
        let data = Dataset::new(
            zones,
            report,
            current.firms.clone(),
            current.firms_report.clone(),
            current.synthetic,
            current.basemap.clone(),
            current.generation + 1,
        );
        JobOutput::Loaded {
            result: Ok(Box::new(data)),
            recent,
        }
    })
}
