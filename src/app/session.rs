//! Starting from stored settings, keeping the status-bar messages tidy, saving the zones,
//! and projects: bringing back the files, settings, view and selection a project (or the last
//! session) had.

use std::path::{Path, PathBuf};

use super::jobs::JobKind;
use super::project::{Project, SavedSelection};
use super::state::{OpenFiles, RecentFile};
use super::{ClusterAtlasApp, Command, Message, NOTICE_SECONDS, settings_file};
use crate::scene::{Selection, Viewport};

/// What to bring back once the files being opened have loaded (a load resets the selection
/// and fits the view to the new data).
#[derive(Clone, Debug, PartialEq)]
pub struct Restore {
    pub selection: SavedSelection,
    pub view: Option<Viewport>,
}

impl ClusterAtlasApp {
    /// Loads of the files open when the window last closed, zones first (a file that has
    /// gone is reported by its load, and the rest still opens).
    pub(super) fn reopen_commands(&self) -> Vec<Command> {
        let OpenFiles { zones, firms } = &self.settings.open;
        let mut out = Vec::new();
        if let Some(z) = zones {
            out.push(Command::LoadZones(z.path.clone(), z.zone_options.clone()));
        }
        if let Some(f) = firms {
            out.push(Command::LoadFirms(f.path.clone(), f.firm_options.clone()));
        }
        out
    }

    /// Records a file just shown as open (kept for the next start unless `reopen` is false),
    /// keeping the previous state for Undo.
    pub(super) fn note_open(&mut self, recent: &RecentFile, reopen: bool) {
        self.previous_open = Some(self.settings.open.clone());
        let slot = if recent.zones {
            &mut self.settings.open.zones
        } else {
            &mut self.settings.open.firms
        };
        *slot = reopen.then(|| recent.clone());
    }

    /// The window title: the project, or the files open, as desktop apps name their document.
    pub fn window_title(&self) -> String {
        if let Some(name) = self.project.as_ref().and_then(|p| p.file_name()) {
            return format!("{} — cluster-atlas", name.to_string_lossy());
        }
        let name = |f: &Option<RecentFile>| {
            f.as_ref()
                .and_then(|r| r.path.file_name())
                .map(|n| n.to_string_lossy().to_string())
        };
        let open = &self.settings.open;
        let files: Vec<String> = [name(&open.firms), name(&open.zones)]
            .into_iter()
            .flatten()
            .collect();
        if files.is_empty() {
            "cluster-atlas · 深圳产业集聚区地图".into()
        } else {
            format!("{} — cluster-atlas", files.join(" · "))
        }
    }

    /// Sends the window title when it changed.
    pub(super) fn update_title(&mut self, ctx: &egui::Context) {
        let title = self.window_title();
        if title != self.title_shown {
            ctx.send_viewport_cmd(egui::ViewportCommand::Title(title.clone()));
            self.title_shown = title;
        }
    }

    /// Starts with settings read from stored text (see [`settings_file`]): fields that cannot
    /// be used are reset one by one and the window says which, once.
    pub fn from_stored_settings(stored: Option<&str>, initial: Vec<Command>) -> Self {
        let Some(text) = stored else {
            return Self::new(None, initial);
        };
        let (settings, notes) = settings_file::from_stored(text);
        let mut app = Self::new(Some(settings), initial);
        if !notes.is_empty() {
            let notes_len = notes.len();
            let notes = notes.join("; ");
            app.messages.push(Message::both(
                false,
                app.lang(),
                format!("设置文件中有 {notes_len} 项无法使用，已恢复默认值: {notes}"),
                format!("{notes_len} settings could not be used and were reset: {notes}"),
            ));
        }
        app
    }

    /// Each message once (the latest copy); notices leave after [`NOTICE_SECONDS`], errors
    /// stay until dismissed; a newer successful load clears older load errors.
    pub(super) fn tidy_messages(&mut self) {
        let now = std::time::Instant::now();
        let mut seen = std::collections::HashSet::new();
        let mut keep: Vec<bool> = self
            .messages
            .iter()
            .rev()
            .map(|m| seen.insert(m.text.clone()))
            .collect();
        keep.reverse();
        let mut k = keep.into_iter();
        self.messages.retain(|_| k.next().unwrap_or(true));
        let times = &mut self.message_times;
        self.messages.retain(|m| {
            m.error
                || now
                    .duration_since(*times.entry(m.text.clone()).or_insert(now))
                    .as_secs_f64()
                    < NOTICE_SECONDS
        });
        let live: std::collections::HashSet<&String> =
            self.messages.iter().map(|m| &m.text).collect();
        self.message_times.retain(|t, _| live.contains(t));
    }

    /// Writes the current zones as GeoJSON (atomically; never over a non-regular file).
    pub(super) fn save_zones(&mut self, path: &std::path::Path) {
        let zones = self.data.zones.clone();
        let result = crate::output::atomic_write(path, |w| {
            crate::output::write_zones_geojson(w, &zones, "zones saved by cluster-atlas")
        });
        let shown = path.display();
        let (zh, en) = match &result {
            Ok(()) => (
                format!("已保存集聚区: {shown}"),
                format!("Zones saved: {shown}"),
            ),
            Err(e) => (
                format!("无法保存 {shown}: {e}"),
                format!("Cannot save {shown}: {e}"),
            ),
        };
        let m = Message::both(result.is_err(), self.lang(), zh, en);
        self.messages.push(m);
    }
}

impl ClusterAtlasApp {
    /// The selection by id, as projects and the settings store it.
    pub fn saved_selection(&self) -> SavedSelection {
        let d = &self.data;
        SavedSelection {
            zone: self
                .selection
                .zone
                .and_then(|z| d.zones.get(z))
                .map(|z| z.id.clone()),
            firm: self
                .selection
                .firm
                .filter(|f| *f < d.firms.len())
                .map(|f| d.firms.id(f).into_owned()),
        }
    }

    /// Keeps the settings' copy of the selection current (not while one is being restored).
    pub(super) fn note_selection(&mut self) {
        if self.restore.is_none() {
            self.settings.selection = self.saved_selection();
        }
    }

    /// Once no file is loading or waiting to load, selects the saved zone or firm again (when
    /// the data still has it) and puts the saved view back.
    pub(super) fn restore_when_loaded(&mut self) {
        let loading = matches!(
            self.job.as_ref().map(|j| &j.kind),
            Some(JobKind::Load { .. } | JobKind::Edit { .. })
        ) || self.commands.iter().any(|c| {
            matches!(
                c,
                Command::LoadFirms(..)
                    | Command::LoadZones(..)
                    | Command::ApplyZones(..)
                    | Command::MergeZones(..)
                    | Command::OpenProject(..)
                    | Command::FitData
            )
        });
        if loading {
            return;
        }
        let Some(r) = self.restore.take() else {
            return;
        };
        let d = &self.data;
        let zone = r
            .selection
            .zone
            .and_then(|id| d.zones.iter().position(|z| z.id == id));
        // (A selection saved before ids were read through `cell_text` may hold `="…"`.)
        let firm = r.selection.firm.and_then(|id| d.firms.find_id(&id));
        self.selection = match (zone, firm) {
            (Some(z), _) => Selection {
                zone: Some(z),
                firm: None,
            },
            (None, f) => Selection {
                zone: None,
                firm: f,
            },
        };
        if r.view.is_some() {
            self.settings.view = r.view;
        }
        self.note_selection();
    }

    /// Opens a project: its settings (each checked against its range), then its files (a
    /// missing one is reported by its load and the rest opens), then its view and selection.
    pub(super) fn open_project(&mut self, ctx: &egui::Context, path: &Path) {
        let project = match Project::read(path) {
            Ok(p) => p,
            Err(e) => {
                self.messages.push(Message::both(
                    true,
                    self.lang(),
                    format!("项目未打开: {e}"),
                    format!("Project not opened: {e}"),
                ));
                // Started with this project: show the data there is.
                if self.results.is_none() {
                    self.start_analysis(ctx);
                }
                return;
            }
        };
        let (settings, notes) = project.settings_over(&self.settings);
        self.settings = settings;
        if !notes.is_empty() {
            let notes = notes.join("; ");
            self.messages.push(Message::both(
                false,
                self.lang(),
                format!("项目中有设置无法使用，已恢复默认值: {notes}"),
                format!("Project settings reset: {notes}"),
            ));
        }
        let files = project.files.clone();
        let digitised = project.digitised_zones();
        if !self.show_bundled() {
            return;
        }
        self.restore = Some(Restore {
            selection: project.selection,
            view: self.settings.view,
        });
        self.project = Some(path.to_path_buf());
        match (files.zones, files.firms) {
            (None, None) => self.start_analysis(ctx),
            (zones, firms) => {
                if let Some(z) = zones {
                    self.commands
                        .push(Command::LoadZones(z.path, z.zone_options));
                }
                if let Some(f) = firms {
                    self.commands
                        .push(Command::LoadFirms(f.path, f.firm_options));
                }
            }
        }
        match digitised {
            Ok(z) if z.is_empty() => {}
            Ok(z) => {
                let note = format!("{} digitised zones from the project", z.len());
                self.commands.push(Command::MergeZones(z, note));
            }
            Err(e) => self.messages.push(Message::both(
                true,
                self.lang(),
                format!("项目中的手绘集聚区无法读取: {e}"),
                format!("The project's digitised zones cannot be read: {e}"),
            )),
        }
    }

    /// Writes the project file (named `*.atlas.json`; atomically, never over a non-regular
    /// file) and names the window after it.
    pub(super) fn save_project(&mut self, path: &Path) {
        let path: PathBuf = super::project::with_extension(path);
        let mut project = Project::new(&self.settings, self.saved_selection(), &path);
        project.digitised = self.digitised_features();
        let text = project.to_text();
        let result = crate::output::atomic_write(&path, |w| w.write_all(text.as_bytes()));
        let shown = path.display().to_string();
        let (mut zh, mut en) = match &result {
            Ok(()) => (
                format!("已保存项目: {shown}"),
                format!("Project saved: {shown}"),
            ),
            Err(e) => (
                format!("无法保存 {shown}: {e}"),
                format!("Cannot save {shown}: {e}"),
            ),
        };
        if result.is_ok()
            && self.settings.open.zones.is_none()
            && !self.data.zones_report.file.starts_with("bundled:")
        {
            zh.push_str(
                "（集聚区为窗口中匹配的结果，项目中未包含：请先用“集聚区另存为…”保存并打开该文件）",
            );
            en.push_str(" (the zones matched in the window are not in the project: save them with Save zones as… and open that file first)");
        }
        if result.is_ok() {
            self.project = Some(path);
        }
        let m = Message::both(result.is_err(), self.lang(), zh, en);
        self.messages.push(m);
    }
}
