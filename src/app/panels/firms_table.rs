//! The bottom panel's firms table: search and segment filter (applied a slice per frame so
//! millions of firms never stall the window), one row per firm, linked to the map.

use egui_extras::{Column, TableRow};

use super::FirmRows;
use super::segment_choices::{FEW_CHOICES, choice_rows, search_box};
use super::tables::{Tables, panel_table};
use crate::analysis::Analysis;
use crate::app::map_view::fmt_distance;
use crate::app::{Command, Dataset};
use crate::model::{Firms, Lang, LowercaseSearch};

impl Tables<'_> {
    pub(super) fn firms_table(&mut self, ui: &mut egui::Ui) {
        let data = self.view.data;
        let results = self.view.results;
        let lang = self.view.lang;
        let key = self.firm_filter_key(data.generation);
        // Filter incrementally (a few milliseconds a frame) so typing in the search box
        // never stalls the window, even with millions of firms.
        let mut state = match self.state.firm_rows.take() {
            Some(s) if s.key == key => s,
            _ => super::FirmRows {
                key: key.clone(),
                rows: Vec::new(),
                scanned: 0,
            },
        };
        let n = data.firms.len();
        if state.scanned < n {
            scan_firm_rows(&mut state, &data.firms);
            if state.scanned < n {
                ui.ctx().request_repaint();
            }
        }
        let rows = std::mem::take(&mut state.rows);
        // The count goes on the filter bar's line: the table keeps the height for its rows.
        let mut count = format!(
            "{} / {} {}",
            rows.len(),
            data.firms.len(),
            self.tr("家企业", "firms")
        );
        if state.scanned < n {
            count.push_str(&format!(
                " · {} {:.0}%",
                self.tr("筛选中", "Filtering"),
                100.0 * state.scanned as f64 / n.max(1) as f64
            ));
        }
        self.firm_filter_bar(ui, lang, &count);
        if self.firm_filter_key(data.generation) != key {
            // Typed or chosen this frame: filter again next frame.
            ui.ctx().request_repaint();
        }
        let analysis = results.as_ref().map(|r| &r.analysis);
        let (clicked, widths) = self.firm_rows_table(ui, data, analysis, &rows, lang);
        self.state.layout.firm_columns = widths;
        state.rows = rows;
        self.state.firm_rows = Some(state);
        if let Some(f) = clicked {
            self.out.push(Command::ZoomToFirm(f));
        }
    }

    /// The firms table's filter: search text, segment and data generation.
    fn firm_filter_key(&self, generation: u64) -> super::FirmFilter {
        (
            self.state.firm_search.trim().to_lowercase(),
            self.state.firm_segment.clone(),
            generation,
        )
    }

    /// Draws the firms table's search box and segment filter, then `count` (rows shown).
    fn firm_filter_bar(&mut self, ui: &mut egui::Ui, lang: Lang, count: &str) {
        ui.horizontal(|ui| {
            ui.label(self.tr("搜索", "Search"));
            let hint = self.tr("名称或编号", "name or id");
            ui.add(
                egui::TextEdit::singleline(&mut self.state.firm_search)
                    .hint_text(hint)
                    .desired_width(200.0),
            );
            self.segment_filter(ui, lang);
            ui.label(count);
        });
    }

    /// The segment filter: a drop-down of the data's segment names with their firm counts,
    /// most firms first; with many names (a register's 行业 values), a search box above a
    /// list that draws only its visible rows.
    fn segment_filter(&mut self, ui: &mut egui::Ui, lang: Lang) {
        self.refresh_segment_choices();
        let all = self.tr("全部领域", "All segments");
        let hint = self.tr("筛选领域", "Find a segment");
        let none_found = self.tr("无匹配领域", "No segment matches");
        let super::PanelState {
            segment_choices: Some(choices),
            firm_segment,
            segment_query,
            ..
        } = &mut *self.state
        else {
            return;
        };
        let current = firm_segment.as_ref().map_or(all.clone(), |s| {
            let found = choices.choices.iter().find(|c| &c.name == s);
            found.map_or_else(|| s.clone(), |c| lang.one(&c.label_zh, &c.label_en).into())
        });
        let many = choices.choices.len() > FEW_CHOICES;
        let mut combo = egui::ComboBox::from_id_salt("segment-filter").selected_text(current);
        if many {
            // Typing in the search box must not close the list.
            combo = combo
                .close_behavior(egui::PopupCloseBehavior::CloseOnClickOutside)
                .height(400.0);
        }
        combo.show_ui(ui, |ui| {
            if many {
                search_box(ui, segment_query, hint);
            }
            let mut picked = ui.selectable_value(firm_segment, None, all).clicked();
            let shown = choices.matching(if many { segment_query } else { "" });
            choice_rows(ui, &shown, none_found, |ui, c| {
                let chosen = Some(c.name.clone());
                picked |= ui
                    .selectable_value(firm_segment, chosen, c.label(lang))
                    .clicked();
            });
            if picked && many {
                ui.close();
            }
        });
    }

    /// Draws the firms table itself, one row per filtered firm (returns the firm clicked).
    fn firm_rows_table(
        &self,
        ui: &mut egui::Ui,
        data: &Dataset,
        analysis: Option<&Analysis>,
        rows: &[u32],
        lang: Lang,
    ) -> (Option<usize>, Vec<f32>) {
        let selected = self.view.selection.firm;
        let mut clicked = None;
        let mut widths = Vec::new();
        let header = [
            self.tr("编号", "Id"),
            self.tr("名称", "Name"),
            self.tr("领域", "Segment"),
            self.tr("所在集聚区", "Zone"),
            self.tr("最近集聚区", "Nearest zone"),
            self.tr("距离", "Distance"),
            self.tr("集群", "Cluster"),
        ];
        let w = ui.available_width();
        let columns = [
            Column::initial(70.0).at_least(50.0),
            Column::initial(w * 0.24).at_least(100.0),
            Column::initial(w * 0.14).at_least(70.0),
            Column::initial(64.0).at_least(40.0),
            Column::initial(w * 0.1).at_least(60.0),
            Column::initial(80.0).at_least(55.0),
            Column::remainder().at_least(50.0),
        ];
        panel_table(ui, "firms-table", &columns, &self.state.layout.firm_columns)
            .header(20.0, |mut row| {
                for h in &header {
                    let (cell, _) = row.col(|ui| {
                        ui.strong(h);
                    });
                    widths.push(cell.width());
                }
            })
            .body(|body| {
                body.rows(18.0, rows.len(), |mut row| {
                    let f = rows[row.index()] as usize;
                    row.set_selected(selected == Some(f));
                    if self.firm_row(&mut row, data, analysis, f, lang) {
                        clicked = Some(f);
                    }
                });
            });
        (clicked, widths)
    }

    /// Draws one firm's row of the firms table (returns whether its id or the row was clicked).
    fn firm_row(
        &self,
        row: &mut TableRow,
        data: &Dataset,
        analysis: Option<&Analysis>,
        f: usize,
        lang: Lang,
    ) -> bool {
        let placement = analysis.map(|a| &a.placement);
        let labels = analysis.map(|a| &a.labels);
        let zone_id = |z: Option<u32>| {
            z.and_then(|z| data.zones.get(z as usize))
                .map(|z| z.id.clone())
                .unwrap_or_default()
        };
        let mut clicked = false;
        row.col(|ui| {
            if ui.link(data.firms.id(f)).clicked() {
                clicked = true;
            }
        });
        row.col(|ui| {
            ui.label(data.firms.name(f));
        });
        row.col(|ui| {
            ui.label(self.view.fit.label(data.firms.segment_name(f), lang));
        });
        row.col(|ui| {
            ui.label(zone_id(placement.and_then(|p| p.zone(f))));
        });
        row.col(|ui| {
            ui.label(zone_id(placement.and_then(|p| p.nearest_zone(f))));
        });
        row.col(|ui| {
            ui.label(
                placement
                    .and_then(|p| p.nearest_m.get(f))
                    .filter(|d| d.is_finite())
                    .map(|d| fmt_distance(*d))
                    .unwrap_or_default(),
            );
        });
        row.col(|ui| {
            ui.label(
                labels
                    .and_then(|l| l.get(f))
                    .map(|l| l.to_string())
                    .unwrap_or_default(),
            );
        });
        clicked || row.response().clicked()
    }
}

/// Rows filtered between looks at the clock.
const SCAN_STEP: usize = 16_384;
/// How long a frame filters before it draws; the rest goes on in the next frames. Timed
/// rather than counted: a row's cost varies (a register guarding every cell is undone on
/// first reading, several times slower than the rows read after).
const SCAN_BUDGET: std::time::Duration = std::time::Duration::from_millis(12);

/// Filters the next rows of the firms (a step at a time until [`SCAN_BUDGET`] is spent)
/// into `state.rows` by its search text and segment.
fn scan_firm_rows(state: &mut FirmRows, firms: &Firms) {
    let started = std::time::Instant::now();
    let n = firms.len();
    let key = &state.key;
    let seg_id = key
        .1
        .as_ref()
        .and_then(|s| firms.segments.iter().position(|x| x == s));
    let search = LowercaseSearch::new(&key.0);
    while state.scanned < n {
        let end = (state.scanned + SCAN_STEP).min(n);
        state
            .rows
            .extend((state.scanned as u32..end as u32).filter(|&i| {
                let i = i as usize;
                (seg_id.is_none() || firms.segment.get(i).map(|s| *s as usize) == seg_id)
                    && (search.is_empty() || {
                        let (name, id) = firms.name_and_id(i);
                        search.matches(name) || search.matches(&id)
                    })
            }));
        state.scanned = end;
        if started.elapsed() >= SCAN_BUDGET {
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Filtered a step at a time over frames, the rows are those a plain filter of every
    /// firm keeps (the oracle), for a name, an id, a segment and both, in a register that
    /// guards every cell (its rows undone on first reading); every frame makes progress.
    #[test]
    fn filtering_over_frames_keeps_what_filtering_at_once_keeps() {
        let mut text = String::from("id,name,lon,lat,segment\n");
        for i in 0..40_000 {
            let seg = ["甲", "乙", "丙"][i % 3];
            text += &format!("\"=\"\"F{i}\"\"\",\"=\"\"Firm {i}, 号\"\"\",114.{i},22.5,{seg}\n");
        }
        let opts = crate::data::FirmLoadOptions::default();
        let firms = crate::data::load_firms_csv_bytes(text.as_bytes(), "t.csv", &opts)
            .unwrap()
            .firms;
        assert_eq!(firms.len(), 40_000);
        for (search, seg) in [
            ("firm 12", None),
            ("f3999", None),
            ("", Some("乙")),
            ("7", Some("丙")),
        ] {
            let key = (search.to_string(), seg.map(String::from), 0);
            let want: Vec<u32> = (0..40_000u32)
                .filter(|&i| {
                    let i = i as usize;
                    seg.is_none_or(|s| firms.segment_name(i) == s)
                        && (firms.name(i).to_lowercase().contains(search)
                            || firms.id(i).to_lowercase().contains(search))
                })
                .collect();
            assert!(!want.is_empty(), "{search}");
            let mut state = FirmRows {
                key,
                rows: Vec::new(),
                scanned: 0,
            };
            while state.scanned < firms.len() {
                let before = state.scanned;
                scan_firm_rows(&mut state, &firms);
                assert!(state.scanned >= (before + SCAN_STEP).min(firms.len()));
            }
            assert_eq!(state.rows, want, "{search} {seg:?}");
        }
    }
}
