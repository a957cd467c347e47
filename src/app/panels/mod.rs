//! The window's panels. Each draws from a read-only `View` of the app's state and returns
//! commands (see `view.rs`); none does heavy work.

mod basemap;
mod firms_table;
mod import;
mod import_columns;
mod inspector;
mod left;
mod segment_choices;
mod segment_picker;
mod slots;
mod table_csv;
mod tables;
mod time_panel;
mod top;
mod view;
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
    /// Widths of the firms table's columns, the last frame it was shown.
    pub firm_columns: Vec<f32>,
}

impl Default for LayoutRecord {
    fn default() -> Self {
        Self {
            screen: egui::Rect::NOTHING,
            panels: Vec::new(),
            zone_columns: Vec::new(),
            firm_columns: Vec::new(),
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
    /// The data's segment names for the filter and the report, made once per dataset.
    pub segment_choices: Option<segment_choices::SegmentChoices>,
    /// The text typed in the segment filter's search box.
    pub segment_query: String,
    /// The text typed in the search box of the legend's segment colour picker.
    pub colour_query: String,
    /// The renovation checklist's ticks, kept while the target zone stays the same.
    pub checklist: inspector::Checklist,
    /// The bottom panel's height and its largest allowed height, last frame.
    pub bottom_last: Option<(f32, f32)>,
}

/// Width limits of a side panel in a window `width` points wide: at most `share` of it (so
/// the map keeps most of the window), at least `min`, starting at `default`. egui clamps a
/// saved width into this range when the window starts, so a width saved in a wider window
/// (or by an older version) cannot squeeze the map.
pub(crate) fn side_panel_widths(
    width: f32,
    share: f32,
    min: f32,
    default: f32,
    cap: f32,
) -> (f32, std::ops::RangeInclusive<f32>) {
    let max = (width * share).min(cap).max(min);
    (default.clamp(min, max), min..=max)
}

/// Height limits of the bottom panel in a window area `height` points tall: tall enough for
/// the tabs, the table header and five rows, at most 40% of the height (so a height saved in
/// a taller window leaves the map over half of a small one).
pub(crate) fn bottom_panel_heights(height: f32) -> (f32, std::ops::RangeInclusive<f32>) {
    let min = BOTTOM_PANEL_MIN;
    let max = (height * 0.4).max(min);
    ((height * 0.32).clamp(min, 330.0).min(max), min..=max)
}

/// The bottom panel's smallest height: tabs, the firms table's filter bar, a table header
/// and five rows, with margins.
const BOTTOM_PANEL_MIN: f32 = 210.0;

/// Prepares a side panel's content: text wraps at the panel's edge instead of pushing the
/// panel wider (grids get a column limit so their first column wraps too), and the content
/// fills the panel's width, so the panel keeps the width it was given (egui sizes a panel by
/// its content, which made panels grow with English text and shrink with short pages).
pub(crate) fn fill_side_panel(ui: &mut egui::Ui) {
    ui.style_mut().wrap_mode = Some(egui::TextWrapMode::Wrap);
    ui.set_min_width(ui.available_width());
}

/// A two-column grid whose columns take at most 60% of the panel each, so long labels wrap
/// and the values keep room.
pub(crate) fn facts_grid(ui: &egui::Ui, id: &str) -> egui::Grid {
    egui::Grid::new(id)
        .num_columns(2)
        .max_col_width((ui.available_width() * 0.6).max(60.0))
}

/// What happened in a path box this frame.
pub(crate) enum PathBox {
    /// Still open, with the text typed so far.
    Open(String),
    Closed,
    /// Saved to this path.
    Chosen(std::path::PathBuf),
}

/// A small window asking where to save: `note` says what is written, `hint` shows an example
/// path; Save or Enter chooses the (non-empty) path typed.
pub(crate) fn path_box(
    ctx: &egui::Context,
    title: String,
    note: String,
    hint: &str,
    save: String,
    mut path: String,
) -> PathBox {
    let (mut open, mut go) = (true, false);
    egui::Window::new(title).open(&mut open).show(ctx, |ui| {
        ui.label(note);
        let r = ui.add(
            egui::TextEdit::singleline(&mut path)
                .desired_width(420.0)
                .hint_text(hint),
        );
        if ui.button(save).clicked()
            || (r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)))
        {
            go = true;
        }
    });
    if go && !path.trim().is_empty() {
        PathBox::Chosen(std::path::PathBuf::from(path.trim()))
    } else if open {
        PathBox::Open(path)
    } else {
        PathBox::Closed
    }
}
