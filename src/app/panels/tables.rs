//! Bottom panel: the zones table (all 15 slots), the firms table (search and segment filter,
//! linked to the map), the load report and the policy.

use egui_extras::{Column, TableBuilder, TableRow};

use super::{BottomTab, FirmRows, ZoneSort};
use crate::analysis::{Analysis, ZoneStats};
use crate::app::map_view::fmt_distance;
use crate::app::reasons::report_text;
use crate::app::{ClusterAtlasApp, Command, Dataset, Pick};
use crate::model::{Batch, Firms, Zone};
use crate::scene::short_zone_name;

impl ClusterAtlasApp {
    pub(crate) fn bottom_panel(&mut self, ui: &mut egui::Ui) {
        let (default, range) = super::bottom_panel_heights(ui.available_height());
        let shown = egui::Panel::bottom("tables")
            .resizable(true)
            .default_size(default)
            .size_range(range)
            .show(ui, |ui| {
                // Fill the panel's height whatever the tab shows: a panel sized by its
                // content shrinks (or grows) a little every frame.
                ui.set_min_height(ui.max_rect().height());
                ui.horizontal(|ui| {
                    let tabs = [
                        (BottomTab::Zones, self.tr("集聚区表", "Zones table")),
                        (BottomTab::Firms, self.tr("企业表", "Firms table")),
                        (BottomTab::Report, self.tr("载入报告", "Load report")),
                        (BottomTab::Policy, self.tr("政策", "Policy")),
                    ];
                    for (t, label) in tabs {
                        ui.selectable_value(&mut self.bottom_tab, t, label);
                    }
                    if self.bottom_tab != BottomTab::Policy
                        && ui
                            .small_button(self.tr("另存为 CSV…", "Save as CSV…"))
                            .clicked()
                    {
                        let name = format!("{:?}.csv", self.bottom_tab).to_lowercase();
                        self.save_table_path = Some((self.bottom_tab, name));
                    }
                });
                ui.separator();
                match self.bottom_tab {
                    BottomTab::Zones => self.zones_table(ui),
                    BottomTab::Firms => self.firms_table(ui),
                    BottomTab::Report => self.report_ui(ui),
                    BottomTab::Policy => {
                        egui::ScrollArea::vertical().show(ui, |ui| self.policy_ui(ui, None));
                    }
                }
            });
        self.panels
            .layout
            .panels
            .push(("tables", shown.response.rect));
    }

    fn zones_table(&mut self, ui: &mut egui::Ui) {
        let data = self.data.clone();
        let results = self.results.clone();
        let zh = self.lang().chinese();
        let stats = results.as_ref().map(|r| r.analysis.zone_stats.as_slice());
        let order = self.zone_order(&data.zones, stats);
        let lq_km = stats
            .and_then(|s| s.first())
            .map_or(3.0, |s| s.nearby_radius_m / 1000.0);
        let mut sort_click = None;
        let mut clicked_zone = None;
        let mut widths = Vec::new();
        let selected = self.selection.zone;
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
        let last = self.panels.layout.zone_columns.clone();
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
                        if self.zone_row(&mut row, zone, st, lq, &hint, zh) {
                            clicked_zone = Some(zi);
                        }
                    });
                }
            });
        self.panels.layout.zone_columns = widths;
        if let Some(s) = sort_click {
            if self.panels.zone_sort == s {
                self.panels.zone_sort_desc = !self.panels.zone_sort_desc;
            } else {
                self.panels.zone_sort = s;
                self.panels.zone_sort_desc = true;
            }
        }
        if let Some(z) = clicked_zone {
            if data.zones[z].has_geometry() {
                self.push(Command::ZoomToZone(z));
            } else {
                self.push(Command::Select(Pick::Zone(z)));
            }
        }
    }

    /// The zones table's row order under the chosen sort (zone order when sorted by id).
    fn zone_order(&self, zones: &[Zone], stats: Option<&[ZoneStats]>) -> Vec<usize> {
        let mut order: Vec<usize> = (0..zones.len()).collect();
        let key = |zi: usize| -> f64 {
            let st = stats.and_then(|s| s.get(zi));
            match self.panels.zone_sort {
                ZoneSort::Id => 0.0,
                ZoneSort::Inside => st
                    .and_then(|s| s.firms_inside.or(s.firms_nearby))
                    .map(|n| n as f64)
                    .unwrap_or(-1.0),
                ZoneSort::Density => st.and_then(|s| s.density_per_km2).unwrap_or(-1.0),
                ZoneSort::Lq => top_lq(stats, zi).map(|x| x.1).unwrap_or(-1.0),
            }
        };
        if self.panels.zone_sort != ZoneSort::Id {
            order.sort_by(|a, b| {
                key(*a)
                    .total_cmp(&key(*b))
                    .then(zones[*a].id.cmp(&zones[*b].id))
            });
            if self.panels.zone_sort_desc {
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
            let arrow = if k >= 5 && self.panels.zone_sort == sort[k - 5] {
                if self.panels.zone_sort_desc {
                    " ▼"
                } else {
                    " ▲"
                }
            } else {
                ""
            };
            let (_, cell) = row.col(|ui| {
                if k >= 5 {
                    if ui
                        .button(format!("{h}{arrow}"))
                        .on_hover_text(self.tr("点击排序", "Click to sort"))
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
        zh: bool,
    ) -> bool {
        let mut clicked = false;
        row.col(|ui| {
            if ui.link(&zone.id).clicked() {
                clicked = true;
            }
        });
        row.col(|ui| {
            if zone.has_geometry() || zone.name_zh.is_some() {
                ui.label(short_zone_name(zone, zh));
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
                    .map(|d| self.district_name(d))
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
                lq.map(|(s, v)| format!("{} {:.2}", self.fit.label(&s, zh), v))
                    .unwrap_or_else(|| "–".into()),
            );
        });
        clicked || row.response().clicked()
    }

    fn firms_table(&mut self, ui: &mut egui::Ui) {
        let data = self.data.clone();
        let results = self.results.clone();
        let zh = self.lang().chinese();
        let key = self.firm_filter_key(data.generation);
        // Filter incrementally (at most 250,000 rows a frame) so typing in the search box
        // never stalls the window, even with millions of firms.
        let mut state = match self.panels.firm_rows.take() {
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
        self.firm_filter_bar(ui, &data.firms, zh, &count);
        if self.firm_filter_key(data.generation) != key {
            // Typed or chosen this frame: filter again next frame.
            ui.ctx().request_repaint();
        }
        let analysis = results.as_ref().map(|r| &r.analysis);
        let (clicked, widths) = self.firm_rows_table(ui, &data, analysis, &rows, zh);
        self.panels.layout.firm_columns = widths;
        state.rows = rows;
        self.panels.firm_rows = Some(state);
        if let Some(f) = clicked {
            self.push(Command::ZoomToFirm(f));
        }
    }

    /// The firms table's filter: search text, segment and data generation.
    fn firm_filter_key(&self, generation: u64) -> super::FirmFilter {
        (
            self.panels.firm_search.trim().to_lowercase(),
            self.panels.firm_segment.clone(),
            generation,
        )
    }

    /// Draws the firms table's search box and segment filter, then `count` (rows shown).
    fn firm_filter_bar(&mut self, ui: &mut egui::Ui, firms: &Firms, zh: bool, count: &str) {
        ui.horizontal(|ui| {
            ui.label(self.tr("搜索", "Search"));
            let hint = self.tr("名称或编号", "name or id");
            ui.add(
                egui::TextEdit::singleline(&mut self.panels.firm_search)
                    .hint_text(hint)
                    .desired_width(200.0),
            );
            let all = self.tr("全部领域", "All segments");
            let current = self
                .panels
                .firm_segment
                .clone()
                .map(|s| self.fit.label(&s, zh).to_string())
                .unwrap_or(all.clone());
            egui::ComboBox::from_id_salt("segment-filter")
                .selected_text(current)
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut self.panels.firm_segment, None, all);
                    for s in &firms.segments {
                        ui.selectable_value(
                            &mut self.panels.firm_segment,
                            Some(s.clone()),
                            self.fit.label(s, zh),
                        );
                    }
                });
            ui.label(count);
        });
    }

    /// Draws the firms table itself, one row per filtered firm (returns the firm clicked).
    fn firm_rows_table(
        &self,
        ui: &mut egui::Ui,
        data: &Dataset,
        analysis: Option<&Analysis>,
        rows: &[u32],
        zh: bool,
    ) -> (Option<usize>, Vec<f32>) {
        let selected = self.selection.firm;
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
        panel_table(
            ui,
            "firms-table",
            &columns,
            &self.panels.layout.firm_columns,
        )
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
                if self.firm_row(&mut row, data, analysis, f, zh) {
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
        zh: bool,
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
            ui.label(self.fit.label(data.firms.segment_name(f), zh));
        });
        row.col(|ui| {
            ui.label(zone_id(
                placement.and_then(|p| p.zone.get(f).copied().flatten()),
            ));
        });
        row.col(|ui| {
            ui.label(zone_id(
                placement.and_then(|p| p.nearest_zone.get(f).copied().flatten()),
            ));
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

    fn report_ui(&mut self, ui: &mut egui::Ui) {
        let data = self.data.clone();
        egui::ScrollArea::vertical().show(ui, |ui| {
            for (title, r) in [
                (self.tr("集聚区", "Zones"), &data.zones_report),
                (self.tr("企业", "Firms"), &data.firms_report),
            ] {
                ui.strong(format!("{title}: {}", r.file));
                let mut info = vec![format!(
                    "CRS {}",
                    r.crs_used.clone().unwrap_or_else(|| r.crs.to_string())
                )];
                if let Some(e) = &r.encoding {
                    info.push(e.clone());
                }
                if let Some(d) = &r.delimiter {
                    info.push(d.clone());
                }
                for (role, col) in &r.columns {
                    info.push(format!("{role} = {col}"));
                }
                let zh = self.lang().chinese();
                let summary = if zh {
                    crate::app::reasons::summary_zh(r)
                } else {
                    r.summary()
                };
                ui.label(format!("{summary} · {}", info.join(" · ")));
                for w in &r.warnings {
                    ui.colored_label(
                        egui::Color32::from_rgb(0xb0, 0x50, 0x00),
                        report_text(w, zh),
                    );
                }
                for s in r.skipped.iter().take(200) {
                    let reason = report_text(&s.reason, zh);
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
            for m in &self.messages {
                if m.error {
                    ui.colored_label(egui::Color32::from_rgb(0xc0, 0x20, 0x20), &m.text);
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
fn panel_table<'a>(
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

/// The segment with the highest location quotient near zone `zi`, with that quotient.
fn top_lq(stats: Option<&[ZoneStats]>, zi: usize) -> Option<(String, f64)> {
    stats?
        .get(zi)?
        .location_quotients
        .iter()
        .max_by(|a, b| a.1.total_cmp(b.1))
        .map(|(s, v)| (s.clone(), *v))
}

/// Filters the next slice (at most 250,000) of the firms into `state.rows` by its search text
/// and segment.
fn scan_firm_rows(state: &mut FirmRows, firms: &Firms) {
    let n = firms.len();
    let key = &state.key;
    let seg_id = key
        .1
        .as_ref()
        .and_then(|s| firms.segments.iter().position(|x| x == s));
    let end = (state.scanned + 250_000).min(n);
    state
        .rows
        .extend((state.scanned as u32..end as u32).filter(|&i| {
            let i = i as usize;
            (seg_id.is_none() || firms.segment.get(i).map(|s| *s as usize) == seg_id)
                && (key.0.is_empty()
                    || firms.name(i).to_lowercase().contains(&key.0)
                    || firms.id(i).to_lowercase().contains(&key.0))
        }));
    state.scanned = end;
}
