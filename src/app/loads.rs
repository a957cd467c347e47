//! What the window does when a job hands back new data: a loaded file (remembered, shown
//! with Undo, analysed) or zones edited in the window (view and selection kept).

use std::sync::Arc;

use super::panels::BottomTab;
use super::{ClusterAtlasApp, Command, Dataset, Message, reasons, session, state};
use crate::scene::Selection;

impl ClusterAtlasApp {
    /// Shows a newly loaded dataset (the previous one kept for Undo) and analyses it.
    pub(super) fn loaded(&mut self, data: Dataset, recent: state::RecentFile, reopen: bool) {
        let report = if recent.zones {
            &data.zones_report
        } else {
            &data.firms_report
        };
        let shown = recent.path.display();
        self.messages.push(Message::both(
            false,
            self.lang(),
            format!("{shown}: {}", reasons::summary_zh(report)),
            format!("{shown}: {}", report.summary()),
        ));
        // An older failed load is answered by this one (in whichever language it was made).
        let failed = [
            "企业文件未载入",
            "Firms not loaded",
            "集聚区文件未载入",
            "Zones not loaded",
            "找不到文件",
            "No such file",
            "是文件夹，不是文件",
            "A folder, not a file",
        ];
        self.messages
            .retain(|m| !(m.error && failed.iter().any(|f| m.starts_with(f))));
        let shown = recent.path.display().to_string();
        self.note_open(&recent, reopen);
        self.settings.remember(recent);
        self.previous = Some((self.data.clone(), shown));
        self.undo_is_edit = false;
        self.data = Arc::new(data);
        self.settings.digitised = self.digitised_features();
        self.results = None;
        if let (Some(b), Some(t0)) = (&mut self.bench, super::STARTED.get()) {
            b.loaded_ms = Some(t0.elapsed().as_secs_f64() * 1000.0);
            // The analysed map that counts is this data's (not an earlier load's).
            b.map_ms = None;
        }
        self.selection = Selection::default();
        self.advice = None;
        self.bottom_tab = BottomTab::Report;
        self.analyse_after_job = true;
        self.commands.push(Command::FitData);
    }

    /// Shows zones edited in the window (Undo goes back), keeping the view and the selection
    /// (by id), and remembers digitised zones for the next start.
    pub(super) fn edited(&mut self, data: Dataset, note: String) {
        let selected = self.saved_selection();
        self.previous = Some((self.data.clone(), note));
        self.undo_is_edit = true;
        self.data = Arc::new(data);
        self.settings.digitised = self.digitised_features();
        self.results = None;
        self.advice = None;
        self.restore = Some(session::Restore {
            selection: selected,
            view: self.settings.view,
        });
        self.analyse_after_job = true;
    }
}
