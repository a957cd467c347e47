//! Bottom panel: the zones table (all 15 slots), the firms table (search and segment filter,
//! linked to the map), the load report and the policy.

use egui_extras::{Column, TableBuilder, TableRow};

use super::top::policy_ui;
use super::view::{Commands, View};
use super::{BottomTab, PanelState, ZoneSort};
use crate::analysis::ZoneStats;
use crate::analysis::zone_stats::MIN_FIRMS_FOR_LQ;
use crate::app::map_view::color;
use crate::app::reasons::report_text;
use crate::app::{ClusterAtlasApp, Command, Message, Pick};
use crate::model::{Batch, Lang, Zone};
use crate::scene::palette;
use crate::scene::short_zone_name;

impl ClusterAtlasApp {
    pub(crate) fn bottom_panel(&mut self, ui: &mut egui::Ui) {
        let (default, range) = super::bottom_panel_heights(ui.available_height());
        let (min, max) = (*range.start(), *range.end());
        let wanted = self.settings.bottom_panel_px;
        let mut panel = egui::Panel::bottom("tables")
            .resizable(true)
            .default_size(wanted.unwrap_or(default).clamp(min, max))
            .size_range(range);
        // The window grew after squeezing the panel to its limit: give it back the height
        // the user chose (egui keeps the squeezed height otherwise).
        if let (Some(w), Some((last, last_max))) = (wanted, self.panels.bottom_last)
            && last >= last_max - 0.5
            && w > last + 0.5
            && max > last + 0.5
        {
            panel = panel.exact_size(w.clamp(min, max));
        }
        let mut state = std::mem::take(&mut self.panels);
        let mut tab = self.bottom_tab;
        let mut out = Commands::new();
        let shown = panel.show(ui, |ui| {
            // Fill the panel's height whatever the tab shows: a panel sized by its
            // content shrinks (or grows) a little every frame.
            ui.set_min_height(ui.max_rect().height());
            Tables {
                view: self.view(),
                state: &mut state,
                tab: &mut tab,
                messages: &self.messages,
                out: &mut out,
            }
            .show(ui);
        });
        self.panels = state;
        self.bottom_tab = tab;
        self.commands.extend(out);
        // The height the user wants: what the panel has, unless the window squeezed it.
        let h = shown.response.rect.height();
        if h < max - 0.5 || wanted.is_none_or(|w| w < h) {
            self.settings.bottom_panel_px = Some(h);
        }
        self.panels.bottom_last = Some((h, max));
        self.panels
            .layout
            .panels
            .push(("tables", shown.response.rect));
    }
}

/// The bottom panel: its tabs, the tables and their sorting and filtering state.
pub(super) struct Tables<'a> {
    pub view: View<'a>,
    pub state: &'a mut PanelState,
    pub tab: &'a mut BottomTab,
    pub messages: &'a [Message],
    pub out: &'a mut Commands,
}

impl Tables<'_> {
    fn show(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            let tabs = [
                (BottomTab::Zones, self.tr("集聚区表", "Zones table")),
                (BottomTab::Firms, self.tr("企业表", "Firms table")),
                (BottomTab::Report, self.tr("载入报告", "Load report")),
                (BottomTab::Policy, self.tr("政策", "Policy")),
            ];
            for (t, label) in tabs {
                ui.selectable_value(self.tab, t, label);
            }
            if *self.tab != BottomTab::Policy
                && ui
                    .small_button(self.tr("另存为 CSV…", "Save as CSV…"))
                    .clicked()
            {
                self.out.push(Command::AskSaveTable(*self.tab));
            }
        });
        ui.separator();
        match *self.tab {
            BottomTab::Zones => self.zones_table(ui),
            BottomTab::Firms => self.firms_table(ui),
            BottomTab::Report => self.report_ui(ui),
            BottomTab::Policy => {
                egui::ScrollArea::vertical().show(ui, |ui| policy_ui(&self.view, ui, None));
            }
        }
    }

    pub(super) fn tr(&self, zh: &str, en: &str) -> String {
        self.view.tr(zh, en)
    }

    fn zones_table(&mut self, ui: &mut egui::Ui) {
        let data = self.view.data;
        let results = self.view.results;
        let lang = self.view.lang;
        let stats = results.as_ref().map(|r| r.analysis.zone_stats.as_slice());
        let order = self.zone_order(&data.zones, stats);
        let lq_km = stats
            .and_then(|s| s.first())
            .map_or(3.0, |s| s.nearby_radius_m / 1000.0);
        let mut sort_click = None;
        let mut clicked_zone = None;
        let mut widths = Vec::new();
        let selected = self.view.selection.zone;
        let header = self.zone_headers(lq_km);
        let hint = self.tr(
            "尚未识别：无边界，请载入官方集聚区文件",
            "Not identified: no boundary yet; load the official zone file",
        );
        let w = ui.available_width();
        let columns = [
            Column::exact(44.0),
            Column::initial(w * 0.25).at_least(100.0),
            Column::initial(48.0).at_least(36.0),
            Column::initial(w * 0.12).at_least(60.0),
            Column::initial(w * 0.1).at_least(60.0),
            Column::initial(w * 0.09).at_least(60.0),
            Column::initial(w * 0.08).at_least(60.0),
            Column::remainder().at_least(80.0),
        ];
        let last = self.state.layout.zone_columns.clone();
        panel_table(ui, "zones-table", &columns, &last)
            .header(20.0, |mut row| {
                if let Some(s) = self.zone_header_row(&mut row, &header, &mut widths) {
                    sort_click = Some(s);
                }
            })
            .body(|mut body| {
                for zi in order {
                    let zone = &data.zones[zi];
                    let st = stats.and_then(|s| s.get(zi));
                    body.row(20.0, |mut row| {
                        row.set_selected(selected == Some(zi));
                        let lq = top_lq(stats, zi);
                        if self.zone_row(&mut row, zone, st, lq, &hint, lang) {
                            clicked_zone = Some(zi);
                        }
                    });
                }
            });
        self.state.layout.zone_columns = widths;
        if let Some(s) = sort_click {
            if self.state.zone_sort == s {
                self.state.zone_sort_desc = !self.state.zone_sort_desc;
            } else {
                self.state.zone_sort = s;
                self.state.zone_sort_desc = true;
            }
        }
        if let Some(z) = clicked_zone {
            if data.zones[z].has_geometry() {
                self.out.push(Command::ZoomToZone(z));
            } else {
                self.out.push(Command::Select(Pick::Zone(z)));
            }
        }
    }

    /// The zones table's row order under the chosen sort (zone order when sorted by id).
    fn zone_order(&self, zones: &[Zone], stats: Option<&[ZoneStats]>) -> Vec<usize> {
        let mut order: Vec<usize> = (0..zones.len()).collect();
        let key = |zi: usize| -> f64 {
            let st = stats.and_then(|s| s.get(zi));
            match self.state.zone_sort {
                ZoneSort::Id => 0.0,
                ZoneSort::Inside => st
                    .and_then(|s| s.firms_inside.or(s.firms_nearby))
                    .map(|n| n as f64)
                    .unwrap_or(-1.0),
                ZoneSort::Density => st.and_then(|s| s.density_per_km2).unwrap_or(-1.0),
                ZoneSort::Lq => top_lq(stats, zi).map(|x| x.1).unwrap_or(-1.0),
            }
        };
        if self.state.zone_sort != ZoneSort::Id {
            order.sort_by(|a, b| {
                key(*a)
                    .total_cmp(&key(*b))
                    .then(zones[*a].id.cmp(&zones[*b].id))
            });
            if self.state.zone_sort_desc {
                order.reverse();
            }
        }
        order
    }

    /// The zones table's column titles.
    fn zone_headers(&self, lq_km: f64) -> [String; 8] {
        [
            self.tr("编号", "Id"),
            self.tr("名称", "Name"),
            self.tr("批次", "Batch"),
            self.tr("所在区", "District"),
            self.tr("几何", "Geometry"),
            self.tr("区内/附近", "Inside/near"),
            self.tr("密度", "Density"),
            self.tr(
                &format!("最高区位商（{lq_km:.0} 公里内）"),
                &format!("Top LQ (within {lq_km:.0} km)"),
            ),
        ]
    }

    /// Draws the zones table's header row: plain titles, then sort buttons for the statistics
    /// columns (returns the sort that was clicked; `widths` gets the columns' widths).
    fn zone_header_row(
        &self,
        row: &mut TableRow,
        header: &[String],
        widths: &mut Vec<f32>,
    ) -> Option<ZoneSort> {
        let mut sort_click = None;
        for (k, h) in header.iter().enumerate() {
            let sort = [ZoneSort::Inside, ZoneSort::Density, ZoneSort::Lq];
            let arrow = if k >= 5 && self.state.zone_sort == sort[k - 5] {
                if self.state.zone_sort_desc {
                    " ▼"
                } else {
                    " ▲"
                }
            } else {
                ""
            };
            let min = MIN_FIRMS_FOR_LQ;
            let hover = if k == 7 {
                self.tr(
                    &format!("点击排序。只计附近至少 {min} 家企业的领域：少数几家企业的区位商不说明集聚"),
                    &format!("Click to sort. Only segments with at least {min} firms near count: a quotient from a few firms says nothing"),
                )
            } else {
                self.tr("点击排序", "Click to sort")
            };
            let (_, cell) = row.col(|ui| {
                if k >= 5 {
                    if ui
                        .button(format!("{h}{arrow}"))
                        .on_hover_text(hover)
                        .clicked()
                    {
                        sort_click =
                            Some([ZoneSort::Inside, ZoneSort::Density, ZoneSort::Lq][k - 5]);
                    }
                } else {
                    ui.strong(h);
                }
            });
            widths.push(cell.rect.width());
        }
        sort_click
    }

    /// Draws one zone's row of the zones table (returns whether its id or the row was clicked).
    fn zone_row(
        &self,
        row: &mut TableRow,
        zone: &Zone,
        st: Option<&ZoneStats>,
        lq: Option<(String, f64)>,
        hint: &str,
        lang: Lang,
    ) -> bool {
        let mut clicked = false;
        row.col(|ui| {
            if ui.link(&zone.id).clicked() {
                clicked = true;
            }
        });
        row.col(|ui| {
            if zone.has_geometry() || zone.name_zh.is_some() {
                ui.label(short_zone_name(zone, lang));
            } else {
                ui.weak(hint);
            }
        });
        row.col(|ui| {
            ui.label(match zone.batch {
                Some(Batch::Future2017) => "2017",
                Some(Batch::Emerging2018) => "2018",
                None => "?",
            });
        });
        row.col(|ui| {
            ui.label(
                zone.district_zh
                    .as_deref()
                    .map(|d| self.view.district_name(d))
                    .unwrap_or_default(),
            );
        });
        row.col(|ui| {
            ui.label(match zone.quality {
                crate::model::GeometryQuality::ApproximateFootprint => {
                    self.tr("≈ 近似范围", "≈ footprint")
                }
                crate::model::GeometryQuality::ApproximatePoint => self.tr("≈ 近似点位", "≈ point"),
                crate::model::GeometryQuality::Provided
                | crate::model::GeometryQuality::FromFile => self.tr("边界", "boundary"),
                crate::model::GeometryQuality::Digitised => self.tr("手绘边界", "digitised"),
                crate::model::GeometryQuality::None => self.tr("无", "none"),
            });
        });
        row.col(|ui| {
            let text = match st {
                Some(s) => match (s.firms_inside, s.firms_nearby) {
                    (Some(i), Some(n)) => format!("{i} / {n}"),
                    (None, Some(n)) => format!("– / {n}"),
                    _ => "–".into(),
                },
                None => "–".into(),
            };
            ui.label(text);
        });
        row.col(|ui| {
            ui.label(
                st.and_then(|s| s.density_per_km2)
                    .map(|d| format!("{d:.1}/km²"))
                    .unwrap_or_else(|| "–".into()),
            );
        });
        row.col(|ui| {
            ui.label(
                lq.map(|(s, v)| format!("{} {:.2}", self.view.fit.label(&s, lang), v))
                    .unwrap_or_else(|| "–".into()),
            );
        });
        clicked || row.response().clicked()
    }

    /// The firms' segment values the fit table does not know, and the ones it does: such
    /// firms are grey on the map and get a neutral industry fit in the advice.
    fn unknown_segments_ui(&self, ui: &mut egui::Ui) {
        let Some(choices) = &self.state.segment_choices else {
            return;
        };
        let unknown = &choices.unknown;
        if unknown.is_empty() {
            return;
        }
        let mut list = unknown
            .iter()
            .take(12)
            .cloned()
            .collect::<Vec<_>>()
            .join(", ");
        if unknown.len() > 12 {
            list.push_str(&format!(" … (+{})", unknown.len() - 12));
        }
        let lang = self.view.lang;
        let known = self
            .view
            .fit
            .segments
            .iter()
            .map(|s| lang.one(&s.label_zh, &s.label_en));
        let known = known.collect::<Vec<_>>().join(", ");
        let n = crate::scene::palette::SEGMENTS.len() - 1;
        let text = match (lang.chinese(), choices.own_colours) {
            (true, false) => format!(
                "领域表未收录的领域值（地图上为“其他 / 未知”，建议中行业匹配度按中性计）：{list}。领域表收录：{known} 及其同义词。"
            ),
            (true, true) => format!(
                "领域表未收录的领域值（建议中行业匹配度按中性计；多数企业的领域值不在表中，地图按企业最多的 {n} 个领域值着色，其余为“其他 / 未知”，可在“着色领域”中另选）：{list}。领域表收录：{known} 及其同义词。"
            ),
            (false, false) => format!(
                "Segment values the fit table does not know (Other / unknown on the map, a neutral industry fit in the advice): {list}. It knows {known} and their synonyms."
            ),
            (false, true) => format!(
                "Segment values the fit table does not know (a neutral industry fit in the advice; as most firms' values are not in it, the map colours the {n} values with most firms and the rest as Other / unknown, or the values picked under Colours): {list}. It knows {known} and their synonyms."
            ),
        };
        ui.colored_label(color(palette::WARNING, 1.0), text);
    }

    fn report_ui(&mut self, ui: &mut egui::Ui) {
        self.refresh_segment_choices();
        let data = self.view.data;
        egui::ScrollArea::vertical().show(ui, |ui| {
            for (title, r, firms) in [
                (self.tr("集聚区", "Zones"), &data.zones_report, false),
                (self.tr("企业", "Firms"), &data.firms_report, true),
            ] {
                ui.strong(format!("{title}: {}", r.file));
                let lang = self.view.lang;
                let word = |w: &str| crate::app::reasons::report_word(w, lang).to_string();
                let mut info = vec![format!(
                    "{} {}",
                    word("CRS"),
                    r.crs_used.clone().unwrap_or_else(|| r.crs.to_string())
                )];
                if let Some(e) = &r.encoding {
                    info.push(e.clone());
                }
                if let Some(d) = &r.delimiter {
                    info.push(word(d));
                }
                for (role, col) in &r.columns {
                    info.push(format!("{} = {col}", word(role)));
                }
                let summary = if lang.chinese() {
                    crate::app::reasons::summary_zh(r)
                } else {
                    r.summary()
                };
                ui.label(format!("{summary} · {}", info.join(" · ")));
                // How the file was read (header row, columns, sheet, dates).
                for n in &r.notes {
                    ui.small(report_text(n, lang));
                }
                if firms {
                    self.unknown_segments_ui(ui);
                }
                for w in &r.warnings {
                    ui.colored_label(color(palette::WARNING, 1.0), report_text(w, lang));
                }
                for s in r.skipped.iter().take(200) {
                    let reason = report_text(&s.reason, lang);
                    match (s.line, s.feature) {
                        (Some(l), _) => {
                            ui.small(format!("{} {l}: {reason}", self.tr("行", "line")))
                        }
                        (_, Some(f)) => {
                            ui.small(format!("{} {f}: {reason}", self.tr("要素", "feature")))
                        }
                        _ => ui.small(reason),
                    };
                }
                if r.skipped_count > r.skipped.len().min(200) {
                    ui.small(format!(
                        "… {} {}",
                        r.skipped_count - r.skipped.len().min(200),
                        self.tr("行未列出", "more not listed")
                    ));
                }
                ui.separator();
            }
            for m in self.messages {
                if m.error {
                    ui.colored_label(color(palette::ERROR, 1.0), m.shown(self.view.lang));
                }
            }
        });
    }
}

/// A bottom-panel table that fills the panel, with the settings both tables share: columns
/// that clip and text that elides (a long name or a long header never widens a column or
/// wraps into a tall row), and widths the user may drag. Widths that no longer fit (the
/// window narrowed, or saved by an older version) are reset to the columns' initial widths,
/// which are fractions of the table's width.
pub(super) fn panel_table<'a>(
    ui: &'a mut egui::Ui,
    id_salt: &str,
    columns: &[Column],
    last_widths: &[f32],
) -> TableBuilder<'a> {
    // Fill the panel exactly: a table sized by its rows would resize the panel (and the
    // map) whenever the row count or the tab changes.
    // (Header row and spacing need ~30 px; leaving more is harmless, leaving less lets
    // the panel creep taller frame after frame.)
    let body_h = (ui.available_height() - 36.0).max(40.0);
    let available = ui.available_width();
    let spacing = ui.spacing().item_spacing.x;
    ui.style_mut().wrap_mode = Some(egui::TextWrapMode::Truncate);
    let mut table = TableBuilder::new(ui)
        .id_salt(id_salt)
        .auto_shrink(false)
        .min_scrolled_height(0.0)
        .max_scroll_height(body_h)
        .striped(true)
        .resizable(true);
    for c in columns {
        table = table.column(c.clip(true));
    }
    if widths_out_of_range(last_widths, columns.len(), available, spacing) {
        table.reset();
    }
    table
}

/// Whether column widths drawn last frame no longer fit a table `available` points wide, or
/// are not those of its `n` columns (a broken width saved by an older version shows as a
/// squeezed last column).
fn widths_out_of_range(widths: &[f32], n: usize, available: f32, spacing: f32) -> bool {
    if widths.len() != n {
        return false;
    }
    let total: f32 = widths.iter().sum::<f32>() + spacing * n.saturating_sub(1) as f32;
    total > available + 1.0 || widths.last().is_some_and(|w| *w < 40.0)
}

/// The named segment with the highest location quotient near zone `zi`, with that quotient
/// (firms of no segment are not one: a file without segments shows none, not "1.00"). Only
/// segments with [`MIN_FIRMS_FOR_LQ`] firms near count: with a register's hundreds of 行业
/// values, the highest quotient otherwise belongs to a segment of two or three firms.
fn top_lq(stats: Option<&[ZoneStats]>, zi: usize) -> Option<(String, f64)> {
    let st = stats?.get(zi)?;
    let enough = |s: &String| {
        st.segment_counts
            .get(s)
            .is_some_and(|n| *n >= MIN_FIRMS_FOR_LQ)
    };
    st.location_quotients
        .iter()
        .filter(|(s, _)| !s.trim().is_empty() && enough(s))
        .max_by(|a, b| a.1.total_cmp(b.1))
        .map(|(s, v)| (s.clone(), *v))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stats(near: &[(&str, usize, f64)]) -> ZoneStats {
        ZoneStats {
            zone_id: "Z01".into(),
            firms_inside: None,
            area_km2: None,
            density_per_km2: None,
            share: None,
            firms_nearby: Some(near.iter().map(|x| x.1).sum()),
            nearby_radius_m: 3000.0,
            segment_counts: near.iter().map(|x| (x.0.to_string(), x.1)).collect(),
            location_quotients: near.iter().map(|x| (x.0.to_string(), x.2)).collect(),
            clark_evans: None,
        }
    }

    /// The top quotient is the highest among named segments with enough firms near: a
    /// higher one from 9 firms or from the blank segment is passed over (hand-worked).
    #[test]
    fn the_top_quotient_needs_enough_firms() {
        let st = [stats(&[
            ("", 40, 9.0),
            ("C3971", MIN_FIRMS_FOR_LQ - 1, 6.2),
            ("C3972", MIN_FIRMS_FOR_LQ, 2.5),
            ("hardware", 200, 1.3),
        ])];
        assert_eq!(top_lq(Some(&st), 0), Some(("C3972".into(), 2.5)));
        let few = [stats(&[("C3971", 3, 6.2), ("", 40, 1.0)])];
        assert_eq!(top_lq(Some(&few), 0), None);
        assert_eq!(top_lq(Some(&st), 1), None);
        assert_eq!(top_lq(None, 0), None);
    }
}
