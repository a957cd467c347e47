//! Matching an official zone file to the 15 slots (the user confirms or corrects each proposed
//! match in a table, then applies it) and *Save zones as…*.

use crate::app::{ClusterAtlasApp, Command, Message};
use crate::data::slots::{self, SlotMatches};
use crate::model::Zone;

/// An open slot-matching table.
pub struct SlotDialog {
    /// The file whose features fill the slots.
    pub file_name: String,
    pub file_zones: Vec<Zone>,
    /// The 15 slots (the bundled zones).
    pub slots: Vec<Zone>,
    pub matches: SlotMatches,
}

impl SlotDialog {
    /// A proposal for the current zones (from a loaded file) against the bundled slots.
    pub fn new(file_name: String, file_zones: Vec<Zone>, slots: Vec<Zone>) -> Self {
        let matches = slots::propose(&slots, &file_zones);
        Self {
            file_name,
            file_zones,
            slots,
            matches,
        }
    }

    /// Sets one slot's feature (None to leave it empty), keeping every feature in one slot.
    pub fn set(&mut self, slot: usize, feature: Option<usize>) {
        if let Some(f) = feature {
            for m in &mut self.matches.slots {
                if m.feature == Some(f) {
                    m.feature = None;
                }
            }
        }
        if let Some(m) = self.matches.slots.get_mut(slot) {
            m.feature = feature;
            m.score = 1.0;
            m.confirmed = true;
        }
    }

    /// The 15 slots with the matched geometry.
    pub fn filled(&self) -> Vec<Zone> {
        slots::fill(
            &self.slots,
            &self.file_zones,
            &self.matches,
            &self.file_name,
        )
    }
}

impl ClusterAtlasApp {
    /// Opens the slot table for the zones now shown (which must come from a loaded file).
    pub fn open_slot_dialog(&mut self) {
        let file = self.data.zones_report.file.clone();
        let bundled = crate::data::bundled::zones()
            .map(|z| z.zones)
            .unwrap_or_default();
        if file.is_empty() || file.contains("bundled") || self.data.zones.is_empty() {
            self.messages.push(Message::both(
                true,
                self.lang(),
                "请先打开官方集聚区文件（Shapefile、GeoPackage、KML 或 GeoJSON），再匹配到 15 个编号".into(),
                "Open the official zone file (Shapefile, GeoPackage, KML or GeoJSON) first, then match it to the 15 slots".into(),
            ));
            return;
        }
        let name = std::path::Path::new(&file)
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or(file);
        self.slot_dialog = Some(SlotDialog::new(name, self.data.zones.clone(), bundled));
    }

    /// The slot table window.
    pub(crate) fn slot_window(
        &mut self,
        ctx: &egui::Context,
        mut d: SlotDialog,
    ) -> Option<SlotDialog> {
        let lang = self.lang();
        let (mut open, mut apply) = (true, false);
        let none = self.tr("—（不匹配）", "— (none)");
        let screen = ctx.content_rect();
        egui::Window::new(self.tr("匹配到 15 个集聚区编号", "Match to the 15 zone slots"))
            .open(&mut open)
            .default_width(700.0_f32.min(screen.width() * 0.9))
            .max_height(screen.height() * 0.85)
            .show(ctx, |ui| {
                ui.label(format!(
                    "{} {}",
                    self.tr(
                        "按名称建议的匹配，可逐行更正。文件：",
                        "Matches proposed by name; correct any row. File:"
                    ),
                    d.file_name
                ));
                let list_h = (ui.available_height() - 70.0).clamp(120.0, 460.0);
                egui::ScrollArea::both()
                    .max_height(list_h)
                    .auto_shrink([false, true])
                    .show(ui, |ui| {
                        egui::Grid::new("slot-grid")
                            .striped(true)
                            .num_columns(3)
                            .show(ui, |ui| {
                                ui.strong(self.tr("编号", "Slot"));
                                ui.strong(self.tr("集聚区", "Zone"));
                                ui.strong(self.tr("文件中的要素", "Feature in the file"));
                                ui.end_row();
                                for si in 0..d.slots.len() {
                                    let slot = &d.slots[si];
                                    ui.label(&slot.id);
                                    let full = slot.display_name(lang);
                                    let short: String = full
                                        .chars()
                                        .take(if lang.chinese() { 16 } else { 34 })
                                        .collect();
                                    let shown = if short.len() < full.len() {
                                        format!("{short}…")
                                    } else {
                                        short
                                    };
                                    ui.label(shown).on_hover_text(full);
                                    let current = d.matches.slots.get(si).and_then(|m| m.feature);
                                    let text = |f: Option<usize>| match f
                                        .and_then(|f| d.file_zones.get(f))
                                    {
                                        Some(z) => format!("{} {}", z.id, z.display_name(lang)),
                                        None => none.clone(),
                                    };
                                    let mut chosen = current;
                                    let score =
                                        d.matches.slots.get(si).map(|m| m.score).unwrap_or(0.0);
                                    ui.horizontal(|ui| {
                                        egui::ComboBox::from_id_salt(("slot", si))
                                            .width(240.0)
                                            .selected_text(text(current))
                                            .show_ui(ui, |ui| {
                                                ui.selectable_value(
                                                    &mut chosen,
                                                    None,
                                                    none.clone(),
                                                );
                                                for fi in 0..d.file_zones.len() {
                                                    ui.selectable_value(
                                                        &mut chosen,
                                                        Some(fi),
                                                        text(Some(fi)),
                                                    );
                                                }
                                            });
                                        if current.is_some() {
                                            ui.small(format!("{:.0} %", score * 100.0));
                                        }
                                    });
                                    if chosen != current {
                                        d.set(si, chosen);
                                    }
                                    ui.end_row();
                                }
                            });
                    });
                let n = d
                    .matches
                    .slots
                    .iter()
                    .filter(|m| m.feature.is_some())
                    .count();
                ui.separator();
                ui.horizontal(|ui| {
                    if ui
                        .button(self.tr("应用匹配", "Apply the matches"))
                        .clicked()
                    {
                        apply = true;
                    }
                    ui.small(format!(
                        "{} {n} / 15",
                        self.tr("取文件边界的编号：", "Slots taking the file's boundary:")
                    ));
                });
            });
        if apply {
            self.settings.slot_matches = Some((d.file_name.clone(), d.matches.clone()));
            self.push(Command::ApplyZones(d.filled(), d.file_name.clone()));
            return None;
        }
        open.then_some(d)
    }

    /// The "Save zones as GeoJSON" box; returns the path typed while it stays open.
    pub(crate) fn save_zones_window(
        &mut self,
        ctx: &egui::Context,
        path: String,
    ) -> Option<String> {
        let title = self.tr("保存集聚区为 GeoJSON", "Save zones as GeoJSON");
        let note = self.tr(
            "写出当前 15 个集聚区（含匹配到的官方边界和各自来源）。",
            "Writes the current zones (with matched official boundaries and their sources).",
        );
        let save = self.tr("保存", "Save");
        match super::path_box(
            ctx,
            title,
            note,
            "/path/to/zones_completed.geojson",
            save,
            path,
        ) {
            super::PathBox::Open(p) => Some(p),
            super::PathBox::Closed => None,
            super::PathBox::Chosen(p) => {
                self.push(Command::SaveZones(p));
                None
            }
        }
    }

    /// The "Save project as" box (`.atlas.json` is added when missing).
    pub(crate) fn save_project_window(
        &mut self,
        ctx: &egui::Context,
        path: String,
    ) -> Option<String> {
        let title = self.tr("项目另存为", "Save project as");
        let note = self.tr(
            "保存打开的文件及其读取方式、分析与建议参数、图层、视图和选中对象。数据文件路径按项目文件所在文件夹的相对路径保存。",
            "Saves the files open and how they were read, the analysis and advisor settings, the layers, the view and the selection. Data paths are stored relative to the project's folder.",
        );
        let save = self.tr("保存", "Save");
        match super::path_box(ctx, title, note, "/path/to/briefing.atlas.json", save, path) {
            super::PathBox::Open(p) => Some(p),
            super::PathBox::Closed => None,
            super::PathBox::Chosen(p) => {
                self.push(Command::SaveProject(p));
                None
            }
        }
    }
}
