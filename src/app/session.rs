//! Starting from stored settings, keeping the status-bar messages tidy, saving the zones.

use super::state::{OpenFiles, RecentFile};
use super::{ClusterAtlasApp, Command, Message, NOTICE_SECONDS, settings_file};

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

    /// The window title: the app and the files open, as desktop apps name their document.
    pub fn window_title(&self) -> String {
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
            let head = app.tr(
                &format!("设置文件中有 {} 项无法使用，已恢复默认值", notes.len()),
                &format!("{} settings could not be used and were reset", notes.len()),
            );
            app.messages.push(Message {
                error: false,
                text: format!("{head}: {}", notes.join("; ")),
            });
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
        let text = match &result {
            Ok(()) => format!(
                "{}: {}",
                self.tr("已保存集聚区", "Zones saved"),
                path.display()
            ),
            Err(e) => format!(
                "{} {}: {e}",
                self.tr("无法保存", "Cannot save"),
                path.display()
            ),
        };
        self.messages.push(Message {
            error: result.is_err(),
            text,
        });
    }
}
