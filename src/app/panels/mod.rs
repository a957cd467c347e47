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

/// Runtime state of the panels (not persisted).
#[derive(Default)]
pub struct PanelState {
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
