//! Heavy work on named background threads. Every thread starts through [`spawn`], whose
//! [`Task`] reports a failed start or a worker that died as an error on the same channel the
//! result would arrive on, so the user is told where they wait. Nothing heavy runs in `ui()`.

use std::path::PathBuf;
use std::sync::mpsc::{Receiver, TryRecvError, channel};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use super::state::{Dataset, RecentFile, Results};
use crate::analysis::AnalysisParams;
use crate::data::{self, FirmLoadOptions, LoadedZones, ZoneLoadOptions};
use crate::pipeline::{self, Extras, MapPreview};

/// Reports progress from a worker: fraction done (0..1) and the step's name.
pub type Progress<'a> = dyn Fn(f32, &str) + Sync + 'a;

/// Work running on a background thread, with its progress.
pub struct Task<T> {
    rx: Receiver<Result<T, String>>,
    progress: Arc<Mutex<(f32, String)>>,
    pub started: Instant,
}

impl<T> Task<T> {
    /// The result once the work has finished; a worker that stopped without one (a panic)
    /// is reported as an error.
    pub fn poll(&self) -> Option<Result<T, String>> {
        match self.rx.try_recv() {
            Ok(out) => Some(out),
            Err(TryRecvError::Empty) => None,
            Err(TryRecvError::Disconnected) => {
                Some(Err("the background job stopped unexpectedly".into()))
            }
        }
    }

    /// Fraction done and the current step.
    pub fn fraction(&self) -> (f32, String) {
        self.progress
            .lock()
            .map(|p| p.clone())
            .unwrap_or((0.0, String::new()))
    }
}

/// Runs `work` on a thread named after `name`, repainting `ctx` on progress and at the end.
pub fn spawn<T: Send + 'static>(
    name: &str,
    ctx: &egui::Context,
    work: impl FnOnce(&Progress<'_>) -> Result<T, String> + Send + 'static,
) -> Task<T> {
    let (tx, rx) = channel();
    let progress = Arc::new(Mutex::new((0.0f32, String::new())));
    let p2 = progress.clone();
    let ctx2 = ctx.clone();
    let tx_err = tx.clone();
    let spawned = std::thread::Builder::new()
        .name(format!("cluster-atlas {name}"))
        .spawn(move || {
            let report = |f: f32, step: &str| {
                if let Ok(mut g) = p2.lock() {
                    *g = (f, step.to_string());
                }
                // Shown at the window's job cadence, not at once: a load reports many steps
                // a second, and each immediate frame took the job's CPU under a software
                // renderer (the window drew ten frames a second instead of four).
                ctx2.request_repaint_after(crate::app::JOB_REPAINT);
            };
            let out = work(&report);
            let _ = tx.send(out);
            ctx2.request_repaint();
        });
    if let Err(e) = spawned {
        let _ = tx_err.send(Err(format!("cannot start a background thread: {e}")));
    }
    Task {
        rx,
        progress,
        started: Instant::now(),
    }
}

/// Lowers the calling thread's scheduling priority (Linux: nice 10) for work the user is not
/// waiting on while the map moves (the firm texture, Ripley's simulations): on a machine with
/// few cores, drawing the window comes first. Threads it starts inherit the priority.
pub fn lower_priority() {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: setpriority only changes this thread's nice value (per thread on Linux).
        unsafe {
            libc::setpriority(libc::PRIO_PROCESS, 0, 10);
        }
    }
}

/// What the window's main job does (the status bar names it; a failure is worded by it).
pub enum JobKind {
    Analyse,
    /// Loading a file (or new zones), remembered in the recent list when it succeeds;
    /// `reopen`: the file is reopened at the next start (not for zones matched to slots).
    Load {
        recent: Box<RecentFile>,
        reopen: bool,
    },
    /// The zones edited in the window (slots filled, a zone digitised): no file is
    /// remembered, the view and selection stay; `note` says what changed.
    Edit {
        note: String,
    },
}

/// What a finished main job hands back.
pub enum JobOutput {
    Analysed(Box<Results>),
    /// A new dataset (firms or zones replaced).
    Loaded(Box<Dataset>),
}

/// The window's one main job (analysis or load) at a time.
pub struct Job {
    pub label_zh: &'static str,
    pub label_en: &'static str,
    pub kind: JobKind,
    pub task: Task<JobOutput>,
    /// An analysis's clusters, handed over before its statistics are done.
    pub preview: Arc<Mutex<Option<MapPreview>>>,
}

impl Job {
    pub fn fraction(&self) -> (f32, String) {
        self.task.fraction()
    }

    /// The analysed map's clusters, once (the first call after they are found).
    pub fn take_preview(&self) -> Option<MapPreview> {
        self.preview.lock().ok().and_then(|mut p| p.take())
    }
}

/// Runs every analysis plus the density surface and the advisor's counts.
pub fn analyse(
    ctx: &egui::Context,
    data: Arc<Dataset>,
    params: AnalysisParams,
    bandwidth_m: f64,
    fit: Arc<crate::model::FitTable>,
) -> Job {
    let preview = Arc::new(Mutex::new(None));
    let (slot, ctx2) = (preview.clone(), ctx.clone());
    let task = spawn("analysis", ctx, move |progress| {
        // The map shows the clusters as soon as they are found; the statistics follow.
        let ready = move |p: MapPreview| {
            if let Ok(mut s) = slot.lock() {
                *s = Some(p);
            }
            ctx2.request_repaint();
        };
        let extras = Extras {
            density_bandwidth_m: Some(bandwidth_m),
            advisor_fit: Some(&fit),
            hotspots: Some(Default::default()),
            ripley: None,
            map_ready: Some(&ready),
            placed: None,
        };
        pipeline::analyse(&data, &params, extras, progress)
            .map(|r| JobOutput::Analysed(Box::new(r)))
            .map_err(|e| e.to_string())
    });
    Job {
        label_zh: "分析中",
        label_en: "Analysing",
        kind: JobKind::Analyse,
        task,
        preview,
    }
}

fn load_job(
    ctx: &egui::Context,
    (recent, reopen): (RecentFile, bool),
    labels: (&'static str, &'static str),
    work: impl FnOnce(&Progress<'_>) -> Result<Dataset, String> + Send + 'static,
) -> Job {
    let task = spawn(labels.1, ctx, move |progress| {
        work(progress).map(|d| {
            // Built here, off the UI thread (the year counts for the time slider's legend).
            d.basemap();
            d.zone_fills();
            if let Some(t) = &d.times {
                t.year_counts();
            }
            JobOutput::Loaded(Box::new(d))
        })
    });
    Job {
        label_zh: labels.0,
        label_en: labels.1,
        kind: JobKind::Load {
            recent: Box::new(recent),
            reopen,
        },
        task,
        preview: Default::default(),
    }
}

/// Loads a firms file, keeping the current zones.
pub fn load_firms(
    ctx: &egui::Context,
    current: Arc<Dataset>,
    path: PathBuf,
    opts: FirmLoadOptions,
) -> Job {
    let recent = RecentFile {
        path: path.clone(),
        zones: false,
        firm_options: opts.clone(),
        zone_options: Default::default(),
    };
    load_job(
        ctx,
        (recent, true),
        ("读取企业文件", "Loading firms"),
        move |progress| {
            progress(0.05, "reading");
            let loaded = data::load_firms(&path, &opts).map_err(|e| e.to_string())?;
            progress(0.6, "indexing");
            Ok(current.with_firms(loaded))
        },
    )
}

/// Loads a zones file, keeping the current firms.
pub fn load_zones(
    ctx: &egui::Context,
    current: Arc<Dataset>,
    path: PathBuf,
    opts: ZoneLoadOptions,
) -> Job {
    let recent = RecentFile {
        path: path.clone(),
        zones: true,
        firm_options: Default::default(),
        zone_options: opts.clone(),
    };
    load_job(
        ctx,
        (recent, true),
        ("读取集聚区文件", "Loading zones"),
        move |progress| {
            progress(0.05, "reading");
            let loaded = data::load_zones(&path, &opts).map_err(|e| e.to_string())?;
            progress(0.6, "indexing");
            Ok(current.with_zones(loaded))
        },
    )
}

/// A new dataset with these zones (e.g. the 15 slots filled from an official file, or a
/// digitised zone) and the current firms; `note` goes into the zones' load report.
pub fn with_zones(
    ctx: &egui::Context,
    current: Arc<Dataset>,
    zones: Vec<crate::model::Zone>,
    note: String,
) -> Job {
    let mut report = current.zones_report.clone();
    report.notes.push(note.clone());
    let task = spawn("Updating zones", ctx, move |progress| {
        progress(0.1, "indexing");
        let data = current.with_zones(LoadedZones { zones, report });
        data.basemap();
        data.zone_fills();
        Ok(JobOutput::Loaded(Box::new(data)))
    });
    Job {
        label_zh: "更新集聚区",
        label_en: "Updating zones",
        kind: JobKind::Edit { note },
        task,
        preview: Default::default(),
    }
}
