//! The window's panels. Each draws from the app's state and pushes commands; none does heavy
//! work.

mod import;
mod inspector;
mod left;
mod slots;
mod tables;
mod top;
mod zone_inspector;

pub use import::ImportDialog;
pub use slots::SlotDialog;

/// Tabs of the bottom panel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum BottomTab {
    #[default]
    Zones,
    Firms,
    Report,
    Policy,
}

/// How the zones table is sorted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ZoneSort {
    #[default]
    Id,
    Inside,
    Density,
    Lq,
}

/// Search text, segment filter and data generation of the cached firm rows.
pub type FirmFilter = (String, Option<String>, u64);

/// The firms table's filtered rows, built a slice at a time.
pub struct FirmRows {
    pub key: FirmFilter,
    pub rows: Vec<u32>,
    /// Rows of the data examined so far.
    pub scanned: usize,
}

/// Where the last frame put each part of the window (read by the layout tests).
#[derive(Clone, Debug, PartialEq)]
pub struct LayoutRecord {
    /// The whole window.
    pub screen: egui::Rect,
    /// The panels in the order they were drawn (the map last): name and outer rect.
    pub panels: Vec<(&'static str, egui::Rect)>,
    /// Widths of the zones table's columns, the last frame it was shown.
    pub zone_columns: Vec<f32>,
}

impl Default for LayoutRecord {
    fn default() -> Self {
        Self {
            screen: egui::Rect::NOTHING,
            panels: Vec::new(),
            zone_columns: Vec::new(),
        }
    }
}

impl LayoutRecord {
    /// The rect of the panel called `name`, if it was drawn.
    pub fn panel(&self, name: &str) -> Option<egui::Rect> {
        self.panels.iter().find(|p| p.0 == name).map(|p| p.1)
    }
}

/// Runtime state of the panels (not persisted).
#[derive(Default)]
pub struct PanelState {
    /// Where the last frame put the panels.
    pub layout: LayoutRecord,
    pub zone_sort: ZoneSort,
    pub zone_sort_desc: bool,
    pub firm_search: String,
    pub firm_segment: Option<String>,
    /// Cached filtered firm rows: (search, segment, data generation) → rows.
    pub firm_rows: Option<FirmRows>,
    /// Which advisor target the checklist is for, and its ticks.
    pub checklist_zone: Option<String>,
    pub checklist: [bool; 9],
}
