//! The legend's segment colour picker: which segment names (a register may hold 1,500 行业
//! values) take the map's colours, the rest grey; or the automatic classes. What is picked
//! lives in the scene settings, so the map, the exports and the next start all follow it.

use super::segment_choices::{FEW_CHOICES, choice_rows, search_box};
use crate::app::ClusterAtlasApp;
use crate::model::limits;
use crate::scene::{FirmColour, Swatch, palette, picked_segments};

impl ClusterAtlasApp {
    /// "Colours: automatic ▾": a list of the data's segment names, most firms first (with a
    /// search box when there are many), each with a tick box and the colour it takes.
    pub(super) fn segment_picker(&mut self, ui: &mut egui::Ui) {
        let s = &self.settings.scene;
        if s.firm_colour != FirmColour::Segment || s.firm_single_colour.is_some() {
            return;
        }
        let lang = self.lang();
        self.panels.refresh_segment_choices(&self.data, &self.fit);
        let Some(choices) = &self.panels.segment_choices else {
            return;
        };
        let max = limits::SEGMENT_COLOURS.max as usize;
        let other = palette::SEGMENTS.len() - 1;
        let mut picked = self.settings.scene.segment_colours.clone();
        let automatic = match (choices.own_colours, lang.chinese()) {
            (true, true) => format!("自动：企业最多的 {max} 个值"),
            (true, false) => format!("Automatic: the {max} values with most firms"),
            (false, true) => "自动：领域表的领域".to_string(),
            (false, false) => "Automatic: the fit table's segments".to_string(),
        };
        let current = match (picked.len(), lang.chinese()) {
            (0, true) => "自动".to_string(),
            (0, false) => "automatic".to_string(),
            (n, true) => format!("已选 {n} 个"),
            (n, false) => format!("{n} picked"),
        };
        let many = choices.choices.len() > FEW_CHOICES;
        let query = &mut self.panels.colour_query;
        ui.horizontal_wrapped(|ui| {
            let name = ui.label(lang.pick("着色领域", "Colours"));
            egui::ComboBox::from_id_salt("segment-colours")
                .selected_text(current)
                .close_behavior(egui::PopupCloseBehavior::CloseOnClickOutside)
                .height(420.0)
                .show_ui(ui, |ui| {
                    if ui.selectable_label(picked.is_empty(), automatic).clicked() {
                        picked.clear();
                    }
                    ui.weak(lang.pick(
                        &format!("或勾选至多 {max} 个领域值，按勾选顺序着色，其余为灰色"),
                        &format!("or tick up to {max} values, coloured in the order ticked, the rest grey"),
                    ));
                    if many {
                        search_box(ui, query, lang.pick("查找领域", "Find a segment"));
                    }
                    let shown = choices.matching(if many { query } else { "" });
                    let none_found = lang.pick("无匹配领域", "No segment matches");
                    choice_rows(ui, &shown, none_found, |ui, c| {
                        let at = picked.iter().position(|p| p.trim() == c.name.trim());
                        ui.horizontal(|ui| {
                            // The colour it takes: picked, or automatic while nothing is
                            // picked (none for the grey rest).
                            let class = match at {
                                Some(k) => k,
                                None if picked.is_empty() => usize::from(c.auto_class),
                                None => other,
                            };
                            let dot = palette::SEGMENTS
                                .get(class)
                                .filter(|_| class != other)
                                .map_or(palette::CLEAR, |c| *c);
                            super::left::swatch(ui, &Swatch::Dot(dot));
                            let mut on = at.is_some();
                            let free = on || picked.len() < max;
                            let tick = egui::Checkbox::new(&mut on, c.label(lang));
                            if ui.add_enabled(free, tick).changed() {
                                match at {
                                    Some(k) => drop(picked.remove(k)),
                                    None => picked.push(c.name.clone()),
                                }
                            }
                        });
                    });
                })
                .response
                .labelled_by(name.id);
        });
        if picked != self.settings.scene.segment_colours
            && let Ok(kept) = picked_segments(&picked)
        {
            self.settings.scene.segment_colours = kept;
        }
    }
}
