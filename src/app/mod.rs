//! The desktop window (eframe/egui). The only module that imports egui.
//!
//! Per frame: poll background jobs and swap in finished results; draw the panels and the map
//! from the current scene; panels push [`Command`]s that are applied after drawing; the scene
//! is rebuilt only when its inputs changed.

mod advice;
mod background;
mod bench;
mod commands;
pub mod digitiser;
mod export_dialog;
pub mod fonts;
pub mod jobs;
mod loads;
pub mod map_view;
mod message;
pub mod my_site;
mod panels;
pub mod project;
#[cfg(test)]
mod reason_corpus_tests;
mod reason_parts;
mod reason_texts;
pub mod reasons;
mod ripley_task;
mod scene_state;
mod session;
pub mod settings_file;
pub mod state;

use std::path::PathBuf;
use std::sync::Arc;

use crate::data::{FirmLoadOptions, ZoneLoadOptions, bundled};
use crate::model::{FitTable, Policy};
use crate::scene::{self, Lang, Scene, SceneSettings, Selection, Viewport};

pub use export_dialog::{ExportDialog, ExtentChoice};
pub use map_view::{MapView, Pick};
pub use message::Message;
pub use panels::{BottomTab, ImportDialog, LayoutRecord, SlotDialog};
pub use state::{Dataset, OpenFiles, RecentFile, Results, Settings};

/// When the process started (set by `main`), to report the time to the first frame.
pub static STARTED: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();

/// How often the window redraws while a job runs (for its progress bar).
pub(crate) const JOB_REPAINT: std::time::Duration = std::time::Duration::from_millis(250);

/// Size of small text (notes, load-report lines); egui's default is 9.
pub const SMALL_TEXT_PT: f32 = 11.5;

/// Seconds a notice (not an error) stays in the status bar.
pub const NOTICE_SECONDS: f64 = 12.0;

/// Things panels ask for; applied after the frame is drawn.
#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    RunAnalysis,
    LoadFirms(PathBuf, FirmLoadOptions),
    LoadZones(PathBuf, ZoneLoadOptions),
    OpenImport(PathBuf),
    FitData,
    FitCity,
    ZoomToZone(usize),
    ZoomToFirm(usize),
    Select(Pick),
    SetLang(Lang),
    ResetBundled,
    /// Show these zones (the 15 slots filled from a file named by the string).
    ApplyZones(Vec<crate::model::Zone>, String),
    /// Write the current zones as GeoJSON.
    SaveZones(PathBuf),
    /// Go back to the data shown before the last load.
    UndoLoad,
    /// Ask where to save a bottom table as CSV.
    AskSaveTable(BottomTab),
    /// Write a bottom table as CSV.
    SaveTable(BottomTab, PathBuf),
    /// Open a project file: its files, settings, view and selection.
    OpenProject(PathBuf),
    /// Ask where to save the project.
    AskSaveProject,
    /// Write the project file.
    SaveProject(PathBuf),
    /// Advise this site (the user's own, not a firm of the data), or forget it.
    SetSite(Option<crate::analysis::relocate::Site>),
    /// Open the digitiser for this zone (or a new zone).
    StartDigitiser(Option<usize>),
    /// Put these zones in place of those with the same ids (others added); the note says why.
    MergeZones(Vec<crate::model::Zone>, String),
}

/// The application.
pub struct ClusterAtlasApp {
    pub settings: Settings,
    pub data: Arc<Dataset>,
    pub results: Option<Arc<Results>>,
    /// The running analysis's clusters, drawn on the map until its results arrive (only
    /// while the data has no results of its own).
    pub preview: Option<Arc<crate::pipeline::MapPreview>>,
    pub selection: Selection,
    pub messages: Vec<Message>,
    pub bottom_tab: BottomTab,
    pub import: Option<ImportDialog>,
    pub export: Option<ExportDialog>,
    pub show_about: bool,
    pub show_policy: bool,
    /// The "open by path" box, when open.
    pub open_path: Option<String>,
    /// The slot-matching table, when open.
    pub slot_dialog: Option<SlotDialog>,
    /// The "save zones as" box, when open.
    pub save_zones_path: Option<String>,
    /// The "save table as CSV" box, when open: which table and the path typed so far.
    pub save_table_path: Option<(BottomTab, String)>,
    /// The path being typed in the "Save project as" window.
    pub save_project_path: Option<String>,
    /// The project file open (saved or opened last), named in the window title.
    pub project: Option<PathBuf>,
    /// The user's own site (*My site…*), advised when nothing is selected.
    pub site: Option<crate::analysis::relocate::Site>,
    /// The *My site* window, while open.
    pub my_site: Option<my_site::MySiteDialog>,
    /// The year view is playing (one year every 0.8 s), and when it last stepped.
    pub time_playing: bool,
    pub time_last_step: f64,
    /// Ripley's K/L of the results (by their address), and the run computing it.
    pub ripley: Option<(u64, Option<crate::analysis::ripley::Ripley>)>,
    pub ripley_task: Option<ripley_task::RipleyRun>,
    /// When the map last moved (Ripley's simulations wait for it to be still).
    motion: background::Motion,
    /// What is warmed in the background: the dataset generation's firm R-tree, and the
    /// advisor context's grids.
    warmed: Option<u64>,
    advice_warmed: Option<std::sync::Weak<crate::analysis::relocate::AdvisorContext>>,
    /// The view drawn last frame.
    shown_view: Option<Viewport>,
    /// *Draw zone…* while open.
    pub digitiser: Option<digitiser::Digitiser>,
    /// The selection and view to bring back once the files being opened have loaded.
    pub restore: Option<session::Restore>,
    /// When each notice was first shown (notices fade after [`NOTICE_SECONDS`]; errors stay).
    message_times: std::collections::HashMap<String, std::time::Instant>,
    /// The data shown before the last file was loaded, while the user can still undo it
    /// (the loaded file is shown on the map first: keep it or go back).
    pub previous: Option<(Arc<Dataset>, String)>,
    /// `previous` was replaced by an edit of the zones (not a file load).
    pub undo_is_edit: bool,
    /// The open files before the last load (restored by Undo).
    previous_open: Option<state::OpenFiles>,
    /// The window title last sent (it names the open files).
    title_shown: String,
    pub fit: FitTable,
    pub policy: Policy,
    scene: Option<Scene>,
    /// The firms' colour classes, kept between scenes.
    class_memo: scene::ClassMemo,
    scene_key: Option<(u64, [Option<u64>; 2], SceneSettings, Selection)>,
    scene_gen: u64,
    map: MapView,
    job: Option<jobs::Job>,
    analyse_after_job: bool,
    commands: Vec<Command>,
    advice: Option<advice::Advice>,
    panels: panels::PanelState,
    fonts_installed: bool,
    /// A running `--bench-frames` measurement.
    pub bench: Option<bench::FrameBench>,
}

impl ClusterAtlasApp {
    /// The bundled zones, fit table and policy; each that cannot be read (they are compiled
    /// in and tested, so never in practice) is left empty with an error, rather than a crash.
    fn bundled_parts(lang: Lang) -> (Dataset, FitTable, Policy, Vec<Message>) {
        let (data, mut messages) = match Dataset::bundled() {
            Ok(d) => (d, Vec::new()),
            Err(e) => {
                // The bundled data is compiled in and tested; fall back to empty rather than crash.
                let basemap = Arc::new(scene::Basemap::bundled(&state::window_projection()));
                let empty = Dataset::new(
                    Default::default(),
                    Default::default(),
                    false,
                    Some(basemap),
                    1,
                );
                (
                    empty,
                    vec![Message::both(
                        true,
                        lang,
                        format!(
                            "内置数据: {}",
                            reasons::report_text(&e.to_string(), Lang::Zh)
                        ),
                        format!("bundled data: {e}"),
                    )],
                )
            }
        };
        let fit = bundled::fit_table().unwrap_or_else(|e| {
            messages.push(Message::reason(true, lang, e.to_string()));
            crate::model::FitTable {
                about: String::new(),
                segments: Vec::new(),
            }
        });
        let policy = bundled::policy().unwrap_or_else(|e| {
            messages.push(Message::reason(true, lang, e.to_string()));
            crate::model::Policy {
                about: String::new(),
                district_office_zh: String::new(),
                district_office_en: String::new(),
                items: Vec::new(),
            }
        });
        (data, fit, policy, messages)
    }

    /// Starts on the bundled data (or `initial` files), restoring `settings`.
    /// Fonts and visuals are installed into the context on the first frame.
    pub fn new(settings: Option<Settings>, initial: Vec<Command>) -> Self {
        let lang = settings.as_ref().map_or_else(
            || Settings::default().scene.lang.single(),
            |s| s.scene.lang.single(),
        );
        let (data, fit, policy, messages) = Self::bundled_parts(lang);
        let mut app = Self {
            settings: settings.unwrap_or_default(),
            data: Arc::new(data),
            results: None,
            preview: None,
            selection: Selection::default(),
            messages,
            bottom_tab: BottomTab::Zones,
            import: None,
            export: None,
            show_about: false,
            show_policy: false,
            open_path: None,
            slot_dialog: None,
            save_zones_path: None,
            save_table_path: None,
            save_project_path: None,
            project: None,
            restore: None,
            site: None,
            my_site: None,
            digitiser: None,
            ripley: None,
            ripley_task: None,
            motion: Default::default(),
            shown_view: None,
            warmed: None,
            advice_warmed: None,
            time_playing: false,
            time_last_step: 0.0,
            undo_is_edit: false,
            previous: None,
            previous_open: None,
            title_shown: String::new(),
            message_times: Default::default(),
            fit,
            policy,
            scene: None,
            class_memo: Default::default(),
            scene_key: None,
            scene_gen: 0,
            map: MapView::default(),
            job: None,
            analyse_after_job: false,
            commands: initial,
            advice: None,
            panels: panels::PanelState::default(),
            fonts_installed: false,
            bench: None,
        };
        if app.commands.is_empty() {
            // The user's own files from the last session, if any, else the bundled data; the
            // selection and view come back once they have loaded.
            let reopen = app.reopen_commands();
            app.commands.extend(reopen);
            match digitiser::zones_of_features(&app.settings.digitised) {
                Ok(z) if z.is_empty() => {}
                Ok(z) => {
                    let note = format!("{} digitised zones from the last session", z.len());
                    app.commands.push(Command::MergeZones(z, note));
                }
                Err(e) => app.messages.push(Message::both(
                    true,
                    app.lang(),
                    format!(
                        "上次会话的手绘集聚区无法读取: {}",
                        reasons::report_text(&e.to_string(), Lang::Zh)
                    ),
                    format!("digitised zones of the last session cannot be read: {e}"),
                )),
            }
            app.restore = Some(session::Restore {
                selection: app.settings.selection.clone(),
                view: app.settings.view,
            });
        }
        if app.commands.is_empty() {
            app.commands.push(Command::RunAnalysis);
        }
        app
    }

    /// Runs the window (blocking) until it is closed.
    pub fn run_native(initial: Vec<Command>, bench_frames: bool) -> eframe::Result<()> {
        let mut options = eframe::NativeOptions {
            viewport: egui::ViewportBuilder::default()
                .with_title("cluster-atlas · 深圳产业集聚区地图")
                .with_app_id("cluster-atlas")
                .with_icon(window_icon())
                .with_inner_size([1600.0, 1000.0])
                .with_min_inner_size([900.0, 600.0])
                .with_drag_and_drop(true),
            ..Default::default()
        };
        // OpenGL draws this app's frames about five times faster than wgpu on Mesa's software
        // renderers (measured with --bench-frames: 17 ms against 88 ms median at 1600×1000);
        // CLUSTER_ATLAS_RENDERER=wgpu picks wgpu.
        options.renderer = match std::env::var("CLUSTER_ATLAS_RENDERER") {
            Ok(r) if r.eq_ignore_ascii_case("wgpu") => eframe::Renderer::Wgpu,
            _ => eframe::Renderer::Glow,
        };
        if bench_frames {
            // Frame timing must not wait for the display.
            options.wgpu_options.surface.present_mode =
                eframe::egui_wgpu::wgpu::PresentMode::AutoNoVsync;
        }
        eframe::run_native(
            "cluster-atlas",
            options,
            Box::new(move |cc| {
                let stored = cc
                    .storage
                    .filter(|_| !bench_frames)
                    .and_then(|s| s.get_string(settings_file::KEY));
                let mut app = Self::from_stored_settings(stored.as_deref(), initial);
                if bench_frames {
                    app.bench = Some(bench::FrameBench::default());
                    app.settings.view = None;
                }
                Ok(Box::new(app))
            }),
        )
    }

    /// The window's language: 中文 or English (a settings file asking for both shows 中文).
    pub fn lang(&self) -> Lang {
        self.settings.scene.lang.single()
    }

    /// The text for the window's language ([`Lang::pick`]).
    pub fn tr(&self, zh: &str, en: &str) -> String {
        self.lang().pick(zh, en)
    }

    /// True while a background job runs, the selected firm's advice is computed, or the firm
    /// layer or a picture of the map's layers is being drawn.
    pub fn is_busy(&self) -> bool {
        self.job_running() || self.map.is_rendering()
    }

    /// True while a job (loading, analysis) or the advisor runs.
    pub fn job_running(&self) -> bool {
        self.job.is_some() || self.advice_running()
    }

    /// Number of DBSCAN clusters in the current results.
    pub fn n_clusters(&self) -> Option<usize> {
        self.results.as_ref().map(|r| r.analysis.clusters.len())
    }

    /// The zone being drawn in the digitiser, if any.
    pub fn sketch(&self) -> Option<&crate::digitise::Sketch> {
        self.map.draw.as_ref().map(|d| &d.sketch)
    }

    /// The street basemap layer (tiles waiting, problems, the fetcher).
    pub fn basemap(&self) -> &map_view::TileLayer {
        &self.map.tiles
    }

    /// Where the last frame put the panels, the map and the zones table's columns.
    pub fn layout(&self) -> &LayoutRecord {
        &self.panels.layout
    }

    /// Queues a command (used by panels and by tests that drive the app without dialogs).
    pub fn push(&mut self, c: Command) {
        self.commands.push(c);
    }

    /// Polls the background job and applies finished results. Call once per frame.
    pub fn logic(&mut self, ctx: &egui::Context) {
        self.tidy_messages();
        if self.messages.iter().any(|m| !m.error) {
            ctx.request_repaint_after(std::time::Duration::from_secs(1));
        }
        if !self.fonts_installed {
            fonts::install(ctx);
            // A light theme matches the map and printed briefings.
            ctx.set_visuals(egui::Visuals::light());
            // egui's small text (9 pt) is too small to read, above all in Chinese.
            ctx.all_styles_mut(|style| {
                style.text_styles.insert(
                    egui::TextStyle::Small,
                    egui::FontId::proportional(SMALL_TEXT_PT),
                );
            });
            self.fonts_installed = true;
        }
        let Some(job) = &self.job else {
            if self.analyse_after_job {
                self.analyse_after_job = false;
                self.start_analysis(ctx);
            }
            return;
        };
        if let Some(p) = job.take_preview() {
            self.preview = Some(Arc::new(p));
            self.map.arrived(ctx);
        }
        let Some(out) = job.task.poll() else {
            return;
        };
        let Some(job) = self.job.take() else {
            return;
        };
        self.map.arrived(ctx);
        match (out, job.kind) {
            (Ok(jobs::JobOutput::Analysed(results)), _) => {
                self.preview = None;
                // The map just changed: background work (the R-tree, Ripley) waits until it
                // has been still for a moment, so a user panning at once is not slowed.
                self.motion.moved();
                if results.generation == self.data.generation {
                    self.results = Some(Arc::from(results));
                    self.advice = None;
                } else {
                    self.analyse_after_job = true;
                }
            }
            (Ok(jobs::JobOutput::Loaded(data)), jobs::JobKind::Load { recent, reopen }) => {
                self.loaded(*data, *recent, reopen)
            }
            (Ok(jobs::JobOutput::Loaded(data)), jobs::JobKind::Edit { note }) => {
                self.edited(*data, note)
            }
            (Err(e), jobs::JobKind::Edit { .. }) => self.messages.push(Message::both(
                true,
                self.lang(),
                format!("集聚区未更新: {}", reasons::report_text(&e, Lang::Zh)),
                format!("Zones not updated: {e}"),
            )),
            (Ok(jobs::JobOutput::Loaded(_)), jobs::JobKind::Analyse) => {}
            (Err(e), jobs::JobKind::Analyse) => {
                self.preview = None;
                self.messages.push(Message::both(
                    true,
                    self.lang(),
                    format!("分析失败: {}", reasons::report_text(&e, Lang::Zh)),
                    format!("Analysis failed: {e}"),
                ))
            }
            (Err(e), jobs::JobKind::Load { recent, .. }) => {
                let (zh, en) = if recent.zones {
                    (
                        "集聚区文件未载入，当前数据保留",
                        "Zones not loaded; the current data is kept",
                    )
                } else {
                    (
                        "企业文件未载入，当前数据保留",
                        "Firms not loaded; the current data is kept",
                    )
                };
                // (In Chinese when the error is a known one.)
                let e_zh = reasons::report_text(&e, Lang::Zh);
                self.messages.push(Message::both(
                    true,
                    self.lang(),
                    format!("{zh}: {e_zh}"),
                    format!("{en}: {e}"),
                ));
                // The data kept may not be analysed yet (a project's file that has gone).
                if self.results.is_none() {
                    self.analyse_after_job = true;
                }
            }
        }
        if self.analyse_after_job && self.job.is_none() {
            self.analyse_after_job = false;
            self.start_analysis(ctx);
        }
    }

    fn start_analysis(&mut self, ctx: &egui::Context) {
        if self.job.is_some() {
            self.analyse_after_job = true;
            return;
        }
        let params = self.settings.analysis_params();
        if let Err(e) =
            crate::analysis::DbscanParams::new(params.dbscan.eps_m, params.dbscan.min_pts)
        {
            self.messages
                .push(Message::reason(true, self.lang(), e.to_string()));
            return;
        }
        self.job = Some(jobs::analyse(
            ctx,
            self.data.clone(),
            params,
            self.settings.scene.density_bandwidth_m,
            Arc::new(self.fit.clone()),
        ));
    }

    /// The current view (fitted to the city before the first frame knows its size).
    pub fn viewport(&self) -> Viewport {
        self.settings.view.unwrap_or_else(|| {
            let b = self.data.basemap().district_bounds().unwrap_or((
                crate::model::Xy::new(-50_000.0, -30_000.0),
                crate::model::Xy::new(50_000.0, 30_000.0),
            ));
            Viewport::fit(b, 1100.0, 700.0, 0.03)
        })
    }

    /// Draws the whole window into `ui` (called by eframe and by tests).
    pub fn show(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        let frame_start = std::time::Instant::now();
        if let (Some(b), Some(t0)) = (&mut self.bench, STARTED.get())
            && b.first_frame_ms.is_none()
        {
            b.first_frame_ms = Some(t0.elapsed().as_secs_f64() * 1000.0);
        }
        self.logic(&ctx);
        self.restore_when_loaded();
        self.update_advice(&ctx);
        self.update_ripley(&ctx);
        self.warm_in_background();
        self.update_title(&ctx);
        self.bench_step(&ctx);
        self.refresh_scene();
        self.bench_note_map();
        // Files dropped on the window.
        let dropped: Vec<PathBuf> = ctx.input(|i| {
            i.raw
                .dropped_files
                .iter()
                .map(|f| f.path().to_path_buf())
                .filter(|p| !p.as_os_str().is_empty())
                .collect()
        });
        if let Some(p) = dropped.into_iter().next() {
            self.commands.push(Command::OpenImport(p));
        }
        self.panels.layout.screen = ui.max_rect();
        self.panels.layout.panels.clear();
        self.top_bar(ui);
        self.status_bar(ui);
        // The tables span the whole width (their columns need it); the side panels sit between
        // the menu and the tables.
        self.bottom_panel(ui);
        if self.settings.left_panel {
            self.left_panel(ui);
        }
        if self.settings.right_panel {
            self.right_panel(ui);
        }
        let map = egui::CentralPanel::default()
            .frame(egui::Frame::NONE)
            .show(ui, |ui| {
                let mut vp = self.viewport();
                self.map.tiles.sync(&self.settings.tiles, ui.ctx());
                self.map.site_marker = self
                    .site
                    .as_ref()
                    .map(|s| self.data.index.projection.project(s.lonlat));
                if let Some(scene) = &self.scene {
                    let first = self.settings.view.is_none();
                    let lang = self.lang();
                    let pick = self.map.show(
                        ui,
                        scene,
                        self.scene_gen,
                        &self.data,
                        &mut vp,
                        (lang, &self.fit),
                    );
                    if first {
                        // Fit to the city now that the map knows its size.
                        if let Some(b) = self.data.basemap().district_bounds() {
                            vp = Viewport::fit(b, vp.width_px, vp.height_px, 0.03);
                        }
                    }
                    if let Some(p) = pick {
                        self.commands.push(Command::Select(p));
                    }
                    self.map_buttons(ui);
                }
                // Moved since the last frame (by the user, a command or the frame bench)?
                if self.shown_view != Some(vp) {
                    self.motion.moved();
                    self.shown_view = Some(vp);
                }
                self.settings.view = Some(vp);
            });
        self.panels.layout.panels.push(("map", map.response.rect));
        self.windows(&ctx);
        self.apply_commands(&ctx);
        self.refresh_scene();
        self.repaint_while_pending(&ctx);
        if self.job.is_some() {
            // Progress four times a second: each frame costs CPU under a software renderer,
            // which the job needs more (10 a second made a 4M-firm analysis ~15 % slower).
            ctx.request_repaint_after(JOB_REPAINT);
        }
        if let Some(b) = &mut self.bench {
            b.note_app_time(frame_start.elapsed().as_secs_f64() * 1000.0);
        }
    }
}

impl eframe::App for ClusterAtlasApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.show(ui);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        self.note_selection();
        storage.set_string(settings_file::KEY, settings_file::to_stored(&self.settings));
    }
}

/// The window's icon (the same picture as the Windows executable's, `assets/icon`).
fn window_icon() -> std::sync::Arc<egui::IconData> {
    let png = include_bytes!("../../assets/icon/icon.png");
    std::sync::Arc::new(eframe::icon_data::from_png_bytes(png).unwrap_or_default())
}
