//! What a panel may read and what it may ask for. A panel struct holds a [`View`] (the app's
//! state borrowed read-only for one frame), the little state of its own it edits (a checklist's
//! ticks), and a list of [`Command`]s it returns; it never writes the app's state, so it can
//! be drawn without the rest of the window and its effects are all in one list.

use crate::analysis::relocate::{Site, Suggestion};
use crate::app::{ClusterAtlasApp, Command, Dataset, Results};
use crate::model::{FitTable, Lang, Policy};
use crate::scene::Selection;

/// The app's state as a panel sees it: read-only, for one frame.
pub struct View<'a> {
    pub lang: Lang,
    pub data: &'a Dataset,
    pub results: Option<&'a Results>,
    pub selection: Selection,
    pub fit: &'a FitTable,
    pub policy: &'a Policy,
    /// The selected firm's advice once computed, and whether it is still being computed.
    pub advice: Option<&'a Suggestion>,
    pub advice_running: bool,
    /// The user's own site (*My site…*), shown when nothing is selected.
    pub site: Option<&'a Site>,
}

impl View<'_> {
    /// The text for the window's language ([`Lang::pick`]).
    pub fn tr(&self, zh: &str, en: &str) -> String {
        self.lang.pick(zh, en)
    }

    /// A district's name in the window's language (the basemap knows both).
    pub fn district_name(&self, name_zh: &str) -> String {
        if self.lang.chinese() {
            return name_zh.to_string();
        }
        self.data
            .basemap()
            .districts
            .iter()
            .find(|d| d.name_zh == name_zh)
            .map(|d| d.name_en.clone())
            .unwrap_or_else(|| name_zh.to_string())
    }
}

/// What panels ask the app to do; applied after the frame's drawing.
pub type Commands = Vec<Command>;

impl ClusterAtlasApp {
    /// The app's state as panels see it this frame.
    pub(crate) fn view(&self) -> View<'_> {
        View {
            lang: self.lang(),
            data: &self.data,
            results: self.results.as_deref(),
            selection: self.selection,
            fit: &self.fit,
            policy: &self.policy,
            advice: self.advice(),
            advice_running: self.advice_running(),
            site: self.site.as_ref(),
        }
    }
}
