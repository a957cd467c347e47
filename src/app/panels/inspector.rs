//! Right panel: the selected zone's facts and statistics, or the selected firm with its
//! placement, cluster and the relocation advisor's targets.

use egui::{Color32, Rect, Vec2};

use super::view::{Commands, View};
use crate::analysis::Analysis;
use crate::analysis::relocate::{Criterion, Part, RankedZone, Site, Suggestion};
use crate::app::map_view::color;
use crate::app::map_view::fmt_distance;
use crate::app::{ClusterAtlasApp, Command, Dataset};
use crate::crs::convert;
use crate::model::SourceCrs;
use crate::model::{Firms, Lang, Zone};
use crate::scene::palette;
use crate::scene::short_zone_name;

/// Colours of the advisor's criteria in score bars.
fn criterion_colour(k: usize) -> Color32 {
    color(palette::CRITERIA[k % palette::CRITERIA.len()], 1.0)
}

impl ClusterAtlasApp {
    pub(crate) fn right_panel(&mut self, ui: &mut egui::Ui) {
        let (default, range) =
            super::side_panel_widths(ui.max_rect().width(), 0.25, 200.0, 380.0, 560.0);
        let mut checklist = std::mem::take(&mut self.panels.checklist);
        let mut out = Commands::new();
        let shown = egui::Panel::right("inspector")
            .resizable(true)
            .default_size(default)
            .size_range(range)
            .show(ui, |ui| {
                super::fill_side_panel(ui);
                egui::ScrollArea::vertical()
                    .auto_shrink([false, true])
                    .show(ui, |ui| {
                        Inspector {
                            view: self.view(),
                            checklist: &mut checklist,
                            out: &mut out,
                        }
                        .show(ui);
                    });
            });
        self.panels.checklist = checklist;
        self.commands.extend(out);
        self.panels
            .layout
            .panels
            .push(("inspector", shown.response.rect));
    }
}

/// The ticks of the renovation checklist and the target zone they are for.
#[derive(Clone, Debug, Default)]
pub struct Checklist {
    zone: Option<String>,
    ticks: [bool; 9],
}

/// The right panel: the selected zone's page, the selected firm's page, or a hint.
pub(super) struct Inspector<'a> {
    pub view: View<'a>,
    pub checklist: &'a mut Checklist,
    pub out: &'a mut Commands,
}

impl Inspector<'_> {
    fn show(&mut self, ui: &mut egui::Ui) {
        let sel = self.view.selection;
        if let Some(z) = sel.zone {
            self.zone_inspector(ui, z);
        } else if let Some(f) = sel.firm {
            self.firm_inspector(ui, f);
        } else if let Some(site) = self.view.site {
            self.site_page(ui, site);
        } else {
            ui.heading(self.tr("详情", "Inspector"));
            ui.label(self.tr(
                "在地图或表格中点击一个集聚区或企业。",
                "Click a zone or a firm on the map or in a table.",
            ));
        }
    }

    pub(super) fn tr(&self, zh: &str, en: &str) -> String {
        self.view.tr(zh, en)
    }

    fn firm_inspector(&mut self, ui: &mut egui::Ui, f: usize) {
        let data = self.view.data;
        if f >= data.firms.len() {
            return;
        }
        let lang = self.view.lang;
        self.firm_header(ui, data, f);
        self.firm_facts(ui, &data.firms, f, lang);
        if ui.button(self.tr("缩放到此企业", "Zoom to firm")).clicked() {
            self.out.push(Command::ZoomToFirm(f));
        }
        ui.separator();
        let Some(r) = self.view.results else {
            ui.label(self.tr(
                "运行分析后显示所在集聚区与建议。",
                "Run the analysis to see zones and advice.",
            ));
            return;
        };
        let a = &r.analysis;
        self.firm_placement(ui, data, a, f, lang);
        ui.separator();
        let own_zone = a.placement.zone(f).map(|z| z as usize);
        self.advice_heading(ui, data, own_zone, lang);
        self.advice_section(ui, own_zone, lang);
    }

    /// The user's own site (*My site…*): where it is, the nearest zone, then the advice with
    /// its baseline, as `suggest --at` prints it.
    fn site_page(&mut self, ui: &mut egui::Ui, site: &Site) {
        let lang = self.view.lang;
        ui.heading(self.tr("我的位置", "My site"));
        let gcj = convert(site.lonlat, SourceCrs::Wgs84, SourceCrs::Gcj02);
        ui.label(format!(
            "WGS-84 {:.6}, {:.6} · GCJ-02 {:.6}, {:.6}",
            site.lonlat.lon, site.lonlat.lat, gcj.lon, gcj.lat
        ));
        let segment = match site.segment.as_deref() {
            Some(s) => self.view.fit.label(s, lang).to_string(),
            None => self.tr("未知", "unknown"),
        };
        ui.label(format!("{}: {segment}", self.tr("领域", "Segment")));
        if self.view.results.is_none() {
            ui.label(self.tr(
                "运行分析后显示建议。",
                "Run the analysis to see the advice.",
            ));
            return;
        }
        if let Some(s) = self.view.advice
            && let Some(near) = s
                .ranked
                .iter()
                .min_by(|a, b| a.score.distance_m.total_cmp(&b.score.distance_m))
            && let Some(zone) = self.view.data.zones.get(near.score.zone)
        {
            let name = short_zone_name(zone, lang);
            let d = fmt_distance(near.score.distance_m);
            ui.label(self.tr(
                &format!("最近的集聚区：{name}，{d}"),
                &format!("Nearest zone: {name}, {d}"),
            ));
        }
        ui.separator();
        ui.strong(self.tr("迁址建议：目标集聚区", "Relocation advice: target zones"));
        self.advice_section(ui, None, lang);
    }

    /// The advice for the site shown: the current site first, the ranked targets, the clusters
    /// nearby and the renovation checklist for the best target (a spinner while computing).
    fn advice_section(&mut self, ui: &mut egui::Ui, own_zone: Option<usize>, lang: Lang) {
        let data = self.view.data;
        let Some(s) = self.view.advice else {
            if self.view.advice_running {
                ui.spinner();
            }
            return;
        };
        criterion_legend(ui, lang);
        self.current_site(ui, s, lang);
        for rz in s.ranked.iter().take(5) {
            self.ranked_zone(ui, &data.zones[rz.score.zone], rz, own_zone, lang);
        }
        self.nearby_clusters(ui, s, lang);
        // Renovation checklist for the chosen target's district.
        if let Some(best) = s.ranked.first() {
            self.renovation_checklist(ui, &data.zones[best.score.zone], lang);
        }
    }

    /// Draws the firm's heading and, for sample data, the synthetic-firm warning.
    fn firm_header(&self, ui: &mut egui::Ui, data: &Dataset, f: usize) {
        let firms = &data.firms;
        ui.heading(format!("{} {}", firms.id(f), firms.name(f)));
        if data.synthetic {
            ui.colored_label(
                color(palette::WARNING, 1.0),
                self.tr(
                    "合成示例企业，并非真实企业",
                    "Synthetic sample firm, not a real company",
                ),
            );
        }
    }

    /// Draws the facts grid: segment, WGS-84 position and the file's other columns.
    fn firm_facts(&self, ui: &mut egui::Ui, firms: &Firms, f: usize, lang: Lang) {
        super::facts_grid(ui, "firm-attrs")
            .striped(true)
            .show(ui, |ui| {
                ui.label(self.tr("领域", "Segment"));
                ui.label(self.view.fit.label(firms.segment_name(f), lang));
                ui.end_row();
                let ll = firms.lonlat[f];
                ui.label("WGS-84");
                ui.label(format!("{:.6}, {:.6}", ll.lon, ll.lat));
                ui.end_row();
                for (c, h) in firms.attrs.headers.iter().enumerate() {
                    if Some(c) == firms.id_col || Some(c) == firms.name_col {
                        continue;
                    }
                    // As a spreadsheet shows the cell (`="…"` guards off, as ids and names).
                    ui.label(h);
                    ui.label(crate::model::cell_text(firms.attrs.get(f, c)));
                    ui.end_row();
                }
            });
    }

    /// Draws which zone the firm is in (or the nearest one) and which cluster it belongs to.
    fn firm_placement(
        &self,
        ui: &mut egui::Ui,
        data: &Dataset,
        a: &Analysis,
        f: usize,
        lang: Lang,
    ) {
        match a.placement.zone(f) {
            Some(z) => {
                let name = data
                    .zones
                    .get(z as usize)
                    .map(|z| short_zone_name(z, lang))
                    .unwrap_or_default();
                ui.label(self.tr(
                    &format!("位于集聚区：{name}"),
                    &format!("Inside zone: {name}"),
                ));
            }
            None => {
                if let (Some(z), Some(d)) =
                    (a.placement.nearest_zone(f), a.placement.nearest_m.get(f))
                {
                    let name = data
                        .zones
                        .get(z as usize)
                        .map(|z| short_zone_name(z, lang))
                        .unwrap_or_default();
                    ui.label(self.tr(
                        &format!("不在集聚区内；最近：{name}，{}", fmt_distance(*d)),
                        &format!("Outside every zone; nearest: {name}, {}", fmt_distance(*d)),
                    ));
                }
            }
        }
        match a.labels.get(f).copied() {
            Some(l) if l >= 0 => {
                let size = a.clusters.get(l as usize).map(|c| c.size).unwrap_or(0);
                ui.label(self.tr(
                    &format!("所属集群 {l}（{size} 家企业）"),
                    &format!("In cluster {l} ({size} firms)"),
                ));
            }
            _ => {
                ui.label(self.tr("不属于任何集群（噪声）", "Not in any cluster (noise)"));
            }
        }
    }

    /// Draws the advice section's heading: zones compared, or relocation targets.
    fn advice_heading(
        &self,
        ui: &mut egui::Ui,
        data: &Dataset,
        own_zone: Option<usize>,
        lang: Lang,
    ) {
        match own_zone.and_then(|z| data.zones.get(z)) {
            Some(z) => {
                let name = short_zone_name(z, lang);
                ui.strong(self.tr(
                    &format!("集聚区比较（已位于{name}）"),
                    &format!("Zones compared (already inside {name})"),
                ));
            }
            None => {
                ui.strong(self.tr("迁址建议：目标集聚区", "Relocation advice: target zones"));
            }
        }
    }

    /// Draws staying put as the first bar, and the verdict: the advised move or why staying
    /// is better.
    fn current_site(&self, ui: &mut egui::Ui, s: &Suggestion, lang: Lang) {
        ui.horizontal_wrapped(|ui| {
            ui.strong(self.tr("原址（不迁移）", "Your site (staying)"));
            ui.label(format!("{:.1}", s.current_site.total * 100.0));
        });
        score_bar(ui, &s.current_site.parts, 0.0, lang);
        let verdict = lang.one(&s.verdict_zh, &s.verdict_en);
        if s.recommended {
            ui.colored_label(color(palette::SELECTION, 1.0), verdict);
        } else {
            ui.strong(verdict);
        }
        ui.separator();
    }

    /// Draws one ranked target zone: rank and score, score bar, explanation and stability.
    fn ranked_zone(
        &self,
        ui: &mut egui::Ui,
        zone: &Zone,
        rz: &RankedZone,
        own_zone: Option<usize>,
        lang: Lang,
    ) {
        ui.horizontal_wrapped(|ui| {
            ui.strong(format!("{}. {}", rz.rank, short_zone_name(zone, lang)));
            ui.label(format!("{:.1}", rz.score.total * 100.0));
            if rz.score.approximate {
                ui.small("≈");
            }
            if own_zone == Some(rz.score.zone) {
                ui.small(self.tr("（当前所在）", "(current)"));
            }
        });
        score_bar(ui, &rz.score.parts, rz.score.distance_cost, lang);
        let gain = rz.gain_vs_current * 100.0;
        let cost = rz.score.distance_cost * 100.0;
        let line = self.tr(
            &format!("距离成本 {cost:.1}；比留在原址 {gain:+.1}"),
            &format!("distance cost {cost:.1}; {gain:+.1} vs staying"),
        );
        if rz.recommended {
            ui.colored_label(
                color(palette::SELECTION, 1.0),
                format!("{line} · {}", self.tr("建议", "recommended")),
            );
        } else {
            ui.small(line);
        }
        ui.label(lang.one(&rz.explanation_zh, &rz.explanation_en));
        ui.small(self.tr(
            &format!(
                "权重扰动下：{:.0}% 保持第一，{:.0}% 保持前三",
                rz.stability.first * 100.0,
                rz.stability.top3 * 100.0
            ),
            &format!(
                "Under weight changes: first in {:.0}%, top 3 in {:.0}% of draws",
                rz.stability.first * 100.0,
                rz.stability.top3 * 100.0
            ),
        ));
    }

    /// Draws the list of clusters near the firm.
    fn nearby_clusters(&self, ui: &mut egui::Ui, s: &Suggestion, lang: Lang) {
        if !s.nearby_clusters.is_empty() {
            ui.separator();
            ui.strong(self.tr("附近集群", "Clusters nearby"));
            for c in s.nearby_clusters.iter().take(6) {
                ui.label(format!(
                    "{} {}: {} {}, {} {}",
                    self.tr("集群", "Cluster"),
                    c.cluster,
                    c.size,
                    self.tr("家", "firms"),
                    self.view.fit.label(&c.dominant_segment, lang),
                    fmt_distance(c.distance_m)
                ));
            }
        }
    }

    /// Draws the renovation checklist for the best target zone's district.
    fn renovation_checklist(&mut self, ui: &mut egui::Ui, zone: &Zone, lang: Lang) {
        ui.separator();
        ui.strong(self.tr(
            &format!("改造流程清单：{}", short_zone_name(zone, lang)),
            &format!("Renovation checklist: {}", short_zone_name(zone, lang)),
        ));
        if self.checklist.zone.as_deref() != Some(zone.id.as_str()) {
            *self.checklist = Checklist {
                zone: Some(zone.id.clone()),
                ticks: [false; 9],
            };
        }
        ui.label(format!(
            "{} {}",
            self.tr("咨询：", "Ask:"),
            self.view
                .policy
                .district_office(zone.district_zh.as_deref(), lang)
        ));
        let steps: Vec<(u8, String)> = self
            .view
            .policy
            .procedure()
            .iter()
            .map(|i| (i.step.unwrap_or(0), i.text(lang).to_string()))
            .collect();
        for (k, (n, text)) in steps.iter().enumerate().take(9) {
            ui.checkbox(&mut self.checklist.ticks[k], format!("{n}. {text}"));
        }
        ui.small(self.tr(
            "各区规定不同，具体以所在区城市更新文件为准。",
            "District rules differ: follow the district's urban-renewal rules.",
        ));
    }
}

/// Draws the colour legend of the advisor's criteria.
fn criterion_legend(ui: &mut egui::Ui, lang: Lang) {
    ui.horizontal_wrapped(|ui| {
        for (k, c) in Criterion::ALL.iter().enumerate() {
            let (rect, _) = ui.allocate_exact_size(Vec2::new(10.0, 10.0), egui::Sense::hover());
            ui.painter().rect_filled(rect, 1.0, criterion_colour(k));
            ui.small(c.label(lang));
        }
    });
}

/// Draws a ranked zone's score bar: one segment per criterion, width = contribution.
fn score_bar(ui: &mut egui::Ui, parts: &[Part], distance_cost: f64, lang: Lang) {
    let (rect, resp) = ui.allocate_exact_size(
        Vec2::new(ui.available_width().min(320.0), 12.0),
        egui::Sense::hover(),
    );
    ui.painter()
        .rect_filled(rect, 2.0, color(palette::TRACK, 1.0));
    let mut x = rect.left();
    let mut tip = String::new();
    for (k, p) in parts.iter().enumerate() {
        let w = rect.width() * p.contribution as f32;
        ui.painter().rect_filled(
            Rect::from_min_size(egui::pos2(x, rect.top()), Vec2::new(w, rect.height())),
            0.0,
            criterion_colour(k),
        );
        x += w;
        tip.push_str(&format!(
            "{}: raw {:.3}, normalised {:.2} × weight {:.0}% = {:.3}\n",
            p.criterion.label(lang),
            p.raw,
            p.normalised,
            p.weight * 100.0,
            p.contribution
        ));
    }
    if distance_cost > 0.0 {
        // The distance cost eats into the bar from its right end, hatched in the error colour.
        let w = (rect.width() * distance_cost as f32).min(x - rect.left());
        let cut = Rect::from_min_size(egui::pos2(x - w, rect.top()), Vec2::new(w, rect.height()));
        ui.painter()
            .rect_filled(cut, 0.0, color(palette::ERROR, 0.45));
        tip.push_str(&format!("− distance cost {distance_cost:.3}\n"));
    }
    resp.on_hover_text(tip);
}
