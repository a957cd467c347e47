//! Right panel: the selected zone's facts and statistics, or the selected firm with its
//! placement, cluster and the relocation advisor's targets.

use crate::analysis::clark_evans::format_p;
use egui::{Color32, Rect, Vec2};

use crate::analysis::relocate::Criterion;
use crate::app::map_view::fmt_distance;
use crate::app::{ClusterAtlasApp, Command};
use crate::model::{Batch, GeometryQuality, ZoneStatus};
use crate::scene::short_zone_name;

/// Colours of the advisor's criteria in score bars.
pub const CRITERION_COLOURS: [Color32; 5] = [
    Color32::from_rgb(0x00, 0x72, 0xb2),
    Color32::from_rgb(0x00, 0x9e, 0x73),
    Color32::from_rgb(0xe6, 0x9f, 0x00),
    Color32::from_rgb(0xcc, 0x79, 0xa7),
    Color32::from_rgb(0x99, 0x99, 0x99),
];

impl ClusterAtlasApp {
    pub(crate) fn right_panel(&mut self, ui: &mut egui::Ui) {
        egui::Panel::right("inspector")
            .resizable(true)
            .default_size(380.0)
            .size_range(280.0..=560.0)
            .show(ui, |ui| {
                egui::ScrollArea::vertical().show(ui, |ui| {
                    if let Some(z) = self.selection.zone {
                        self.zone_inspector(ui, z);
                    } else if let Some(f) = self.selection.firm {
                        self.firm_inspector(ui, f);
                    } else {
                        ui.heading(self.tr("详情", "Inspector"));
                        ui.label(self.tr(
                            "在地图或表格中点击一个集聚区或企业。",
                            "Click a zone or a firm on the map or in a table.",
                        ));
                    }
                });
            });
    }

    /// A district's name in the window's language (the basemap knows both).
    pub(crate) fn district_name(&self, name_zh: &str) -> String {
        if self.lang().chinese() {
            return name_zh.to_string();
        }
        self.data
            .basemap
            .districts
            .iter()
            .find(|d| d.name_zh == name_zh)
            .map(|d| d.name_en.clone())
            .unwrap_or_else(|| name_zh.to_string())
    }

    fn quality_text(&self, q: GeometryQuality) -> String {
        match q {
            GeometryQuality::ApproximateFootprint => self.tr(
                "近似范围（按规划面积绘制，非官方边界）",
                "approximate footprint (drawn to the planned area; not an official boundary)",
            ),
            GeometryQuality::ApproximatePoint => self.tr(
                "近似中心点（无范围资料）",
                "approximate centre point (no boundary known)",
            ),
            GeometryQuality::Provided => {
                self.tr("来自载入文件的边界", "boundary from the loaded file")
            }
            GeometryQuality::FromFile => self.tr(
                "来自官方集聚区文件的边界（已匹配到此编号）",
                "boundary from the official zone file (matched to this slot)",
            ),
            GeometryQuality::None => self.tr(
                "无位置：尚未识别，请载入官方集聚区文件",
                "no location: not identified yet; load the official zone file",
            ),
        }
    }

    fn zone_inspector(&mut self, ui: &mut egui::Ui, zi: usize) {
        let data = self.data.clone();
        let Some(zone) = data.zones.get(zi) else {
            return;
        };
        let zh = self.lang().chinese();
        ui.heading(zone.display_name(zh));
        if let (Some(a), Some(b)) = (&zone.name_zh, &zone.name_en) {
            ui.label(if zh { b } else { a });
        }
        egui::Grid::new("zone-facts")
            .num_columns(2)
            .striped(true)
            .show(ui, |ui| {
                ui.label(self.tr("编号", "Id"));
                ui.label(&zone.id);
                ui.end_row();
                ui.label(self.tr("批次", "Batch"));
                ui.label(match zone.batch {
                    Some(Batch::Future2017) => self.tr(
                        "首批 未来产业集聚区（2017）",
                        "1st batch, future industry (2017)",
                    ),
                    Some(Batch::Emerging2018) => self.tr(
                        "第二批 新兴产业集聚区（2018）",
                        "2nd batch, emerging industry (2018)",
                    ),
                    None => self.tr("未知", "unknown"),
                });
                ui.end_row();
                ui.label(self.tr("状态", "Status"));
                ui.label(match zone.status {
                    Some(ZoneStatus::Identified) => self.tr("已识别", "identified"),
                    Some(ZoneStatus::IdentifiedBatchUnknown) => {
                        self.tr("已识别，批次未知", "identified, batch unknown")
                    }
                    Some(ZoneStatus::Unidentified) => self.tr("未识别", "not identified"),
                    None => "-".into(),
                });
                ui.end_row();
                ui.label(self.tr("所在区", "District"));
                ui.label(
                    zone.district_zh
                        .as_deref()
                        .map(|d| self.district_name(d))
                        .unwrap_or_else(|| "-".into()),
                );
                ui.end_row();
                ui.label(self.tr("主导产业", "Focus"));
                ui.label(if zh {
                    zone.focus_zh.join("、")
                } else {
                    zone.focus_en.join(", ")
                });
                ui.end_row();
                ui.label(self.tr("规划面积", "Planned area"));
                ui.label(
                    zone.area_km2
                        .map(|a| format!("{a} km²"))
                        .unwrap_or_else(|| self.tr("资料未载明", "not stated")),
                );
                ui.end_row();
                ui.label(self.tr("几何", "Geometry"));
                ui.label(self.quality_text(zone.quality));
                ui.end_row();
            });
        if !zone.has_geometry() {
            ui.colored_label(
                Color32::from_rgb(0xb0, 0x50, 0x00),
                self.tr(
                    "尚无边界：请通过“文件 → 打开集聚区文件…”载入官方集聚区文件。",
                    "No boundary yet: load the official zone file with File → Open zones…",
                ),
            );
        } else if ui
            .button(self.tr("缩放到此集聚区", "Zoom to zone"))
            .clicked()
        {
            self.push(Command::ZoomToZone(zi));
        }
        match (zh, zone.quality) {
            (true, GeometryQuality::ApproximatePoint) => {
                let conf = zone
                    .properties
                    .get("centre_confidence_m")
                    .and_then(|v| v.as_f64())
                    .map(|m| format!("（误差约 ±{m:.0} 米）"))
                    .unwrap_or_default();
                ui.small(format!(
                    "近似：仅有人工标定的中心点{conf}；资料未载明规划面积，故不绘制范围。"
                ));
            }
            (true, GeometryQuality::ApproximateFootprint) => {
                ui.small(format!(
                    "近似：按规划面积{}绘制的圆形范围（已裁去海域），位置为人工标定，非官方边界。",
                    zone.area_km2
                        .map(|a| format!(" {a} 平方公里"))
                        .unwrap_or_default()
                ));
            }
            (false, _) => {
                if let Some(note) = zone
                    .properties
                    .get("geometry_note")
                    .and_then(|v| v.as_str())
                {
                    ui.small(note);
                }
            }
            _ => {}
        }
        if !zone.sources.is_empty() {
            ui.collapsing(self.tr("资料来源", "Sources"), |ui| {
                for s in &zone.sources {
                    ui.small(format!("• {s}"));
                }
            });
        }
        ui.separator();
        ui.strong(self.tr("统计", "Statistics"));
        let results = self.results.clone();
        match results.as_ref().and_then(|r| r.analysis.zone_stats.get(zi)) {
            Some(st) => {
                egui::Grid::new("zone-stats")
                    .num_columns(2)
                    .striped(true)
                    .show(ui, |ui| {
                        if let Some(n) = st.firms_inside {
                            ui.label(self.tr("区内企业", "Firms inside"));
                            ui.label(n.to_string());
                            ui.end_row();
                        }
                        if let Some(n) = st.firms_nearby {
                            ui.label(self.tr(
                                &format!("{:.0} 公里内企业", st.nearby_radius_m / 1000.0),
                                &format!("Firms within {:.0} km", st.nearby_radius_m / 1000.0),
                            ));
                            ui.label(n.to_string());
                            ui.end_row();
                        }
                        if let Some(a) = st.area_km2 {
                            ui.label(self.tr("多边形面积", "Polygon area"));
                            ui.label(format!("{a:.2} km²"));
                            ui.end_row();
                        }
                        if let Some(d) = st.density_per_km2 {
                            ui.label(self.tr("密度", "Density"));
                            ui.label(format!("{d:.1} /km²"));
                            ui.end_row();
                        }
                        if let Some(s) = st.share {
                            ui.label(self.tr("占全部企业", "Share of all firms"));
                            ui.label(format!("{:.1}%", s * 100.0));
                            ui.end_row();
                        }
                        if let Some(ce) = st.clark_evans.as_ref() {
                            ui.label("Clark–Evans");
                            if ce.is_available() {
                                ui.label(format!(
                                    "R = {:.2}, z = {:.1}, {} (n = {})",
                                    ce.r,
                                    ce.z,
                                    format_p(ce.p),
                                    ce.n
                                ));
                            } else {
                                ui.weak(self.tr(
                                    &format!(
                                        "未计算：区内企业少于 {} 家",
                                        crate::analysis::clark_evans::MIN_FIRMS
                                    ),
                                    &format!(
                                        "not computed: fewer than {} firms inside",
                                        crate::analysis::clark_evans::MIN_FIRMS
                                    ),
                                ));
                            }
                            ui.end_row();
                        }
                    });
                let km = st.nearby_radius_m / 1000.0;
                if st.location_quotients.is_empty() && st.firms_nearby.is_some() {
                    ui.weak(self.tr(
                        &format!(
                            "区位商未计算：{km:.0} 公里内企业少于 {} 家",
                            crate::analysis::zone_stats::MIN_FIRMS_FOR_LQ
                        ),
                        &format!(
                            "Location quotients not computed: fewer than {} firms within {km:.0} km",
                            crate::analysis::zone_stats::MIN_FIRMS_FOR_LQ
                        ),
                    ));
                }
                if !st.location_quotients.is_empty() {
                    ui.label(self.tr(
                        &format!("{km:.0} 公里内（含区内）的领域构成与区位商（LQ，>1 表示比全市更集中）"),
                        &format!("Segments within {km:.0} km (inside included) and location quotient (LQ > 1: more concentrated than citywide)"),
                    ));
                    egui::Grid::new("zone-lq")
                        .num_columns(3)
                        .striped(true)
                        .show(ui, |ui| {
                            for (seg, lq) in &st.location_quotients {
                                ui.label(self.fit.label(seg, zh));
                                ui.label(
                                    st.segment_counts.get(seg).copied().unwrap_or(0).to_string(),
                                );
                                ui.label(format!("{lq:.2}"));
                                ui.end_row();
                            }
                        });
                }
            }
            None => {
                ui.label(self.tr(
                    "运行分析后显示统计。",
                    "Run the analysis to see statistics.",
                ));
            }
        }
        ui.separator();
        ui.collapsing(self.tr("适用政策", "Policy that applies"), |ui| {
            for item in self.policy.for_zone(&zone.id) {
                if item.kind == crate::model::PolicyKind::ProcedureStep {
                    continue;
                }
                ui.label(format!("• {}", if zh { &item.zh } else { &item.en }))
                    .on_hover_text(format!(
                        "{} · line {}",
                        item.source.document, item.source.line
                    ));
            }
        });
    }

    fn firm_inspector(&mut self, ui: &mut egui::Ui, f: usize) {
        let data = self.data.clone();
        if f >= data.firms.len() {
            return;
        }
        let zh = self.lang().chinese();
        let firms = &data.firms;
        ui.heading(format!("{} {}", firms.id(f), firms.name(f)));
        if data.synthetic {
            ui.colored_label(
                Color32::from_rgb(0xb0, 0x50, 0x00),
                self.tr(
                    "合成示例企业，并非真实企业",
                    "Synthetic sample firm, not a real company",
                ),
            );
        }
        egui::Grid::new("firm-attrs")
            .num_columns(2)
            .striped(true)
            .show(ui, |ui| {
                ui.label(self.tr("领域", "Segment"));
                ui.label(self.fit.label(firms.segment_name(f), zh));
                ui.end_row();
                let ll = firms.lonlat[f];
                ui.label("WGS-84");
                ui.label(format!("{:.6}, {:.6}", ll.lon, ll.lat));
                ui.end_row();
                for (c, h) in firms.attrs.headers.iter().enumerate() {
                    if Some(c) == firms.id_col || Some(c) == firms.name_col {
                        continue;
                    }
                    ui.label(h);
                    ui.label(firms.attrs.get(f, c));
                    ui.end_row();
                }
            });
        if ui.button(self.tr("缩放到此企业", "Zoom to firm")).clicked() {
            self.push(Command::ZoomToFirm(f));
        }
        ui.separator();
        let results = self.results.clone();
        let Some(r) = results else {
            ui.label(self.tr(
                "运行分析后显示所在集聚区与建议。",
                "Run the analysis to see zones and advice.",
            ));
            return;
        };
        let a = &r.analysis;
        match a.placement.zone.get(f).copied().flatten() {
            Some(z) => {
                let name = data
                    .zones
                    .get(z as usize)
                    .map(|z| short_zone_name(z, zh))
                    .unwrap_or_default();
                ui.label(self.tr(
                    &format!("位于集聚区：{name}"),
                    &format!("Inside zone: {name}"),
                ));
            }
            None => {
                if let (Some(Some(z)), Some(d)) = (
                    a.placement.nearest_zone.get(f),
                    a.placement.nearest_m.get(f),
                ) {
                    let name = data
                        .zones
                        .get(*z as usize)
                        .map(|z| short_zone_name(z, zh))
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
        ui.separator();
        let own_zone = a
            .placement
            .zone
            .get(f)
            .copied()
            .flatten()
            .map(|z| z as usize);
        match own_zone.and_then(|z| data.zones.get(z)) {
            Some(z) => {
                let name = short_zone_name(z, zh);
                ui.strong(self.tr(
                    &format!("集聚区比较（已位于{name}）"),
                    &format!("Zones compared (already inside {name})"),
                ));
            }
            None => {
                ui.strong(self.tr("迁址建议：目标集聚区", "Relocation advice: target zones"));
            }
        }
        let Some(s) = self.advice_for(ui.ctx(), f).cloned() else {
            if self.advice_running() {
                ui.spinner();
            }
            return;
        };
        ui.horizontal_wrapped(|ui| {
            for (k, c) in Criterion::ALL.iter().enumerate() {
                let (rect, _) = ui.allocate_exact_size(Vec2::new(10.0, 10.0), egui::Sense::hover());
                ui.painter().rect_filled(rect, 1.0, CRITERION_COLOURS[k]);
                ui.small(c.label(zh));
            }
        });
        for rz in s.ranked.iter().take(5) {
            let zone = &data.zones[rz.score.zone];
            ui.horizontal(|ui| {
                ui.strong(format!("{}. {}", rz.rank, short_zone_name(zone, zh)));
                ui.label(format!("{:.1}", rz.score.total * 100.0));
                if rz.score.approximate {
                    ui.small("≈");
                }
                if own_zone == Some(rz.score.zone) {
                    ui.small(self.tr("（当前所在）", "(current)"));
                }
            });
            // Score bar: one segment per criterion, width = contribution.
            let (rect, resp) = ui.allocate_exact_size(
                Vec2::new(ui.available_width().min(320.0), 12.0),
                egui::Sense::hover(),
            );
            ui.painter().rect_filled(rect, 2.0, Color32::from_gray(230));
            let mut x = rect.left();
            let mut tip = String::new();
            for (k, p) in rz.score.parts.iter().enumerate() {
                let w = rect.width() * p.contribution as f32;
                ui.painter().rect_filled(
                    Rect::from_min_size(egui::pos2(x, rect.top()), Vec2::new(w, rect.height())),
                    0.0,
                    CRITERION_COLOURS[k],
                );
                x += w;
                tip.push_str(&format!(
                    "{}: raw {:.3}, normalised {:.2} × weight {:.0}% = {:.3}\n",
                    p.criterion.label(zh),
                    p.raw,
                    p.normalised,
                    p.weight * 100.0,
                    p.contribution
                ));
            }
            resp.on_hover_text(tip);
            ui.label(if zh {
                &rz.explanation_zh
            } else {
                &rz.explanation_en
            });
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
                    self.fit.label(&c.dominant_segment, zh),
                    fmt_distance(c.distance_m)
                ));
            }
        }
        // Renovation checklist for the chosen target's district.
        if let Some(best) = s.ranked.first() {
            let zone = &data.zones[best.score.zone];
            ui.separator();
            ui.strong(self.tr(
                &format!("改造流程清单：{}", short_zone_name(zone, zh)),
                &format!("Renovation checklist: {}", short_zone_name(zone, zh)),
            ));
            if self.panels.checklist_zone.as_deref() != Some(zone.id.as_str()) {
                self.panels.checklist_zone = Some(zone.id.clone());
                self.panels.checklist = [false; 9];
            }
            ui.label(format!(
                "{} {}",
                self.tr("咨询：", "Ask:"),
                self.policy.district_office(zone.district_zh.as_deref(), zh)
            ));
            let steps: Vec<(u8, String)> = self
                .policy
                .procedure()
                .iter()
                .map(|i| {
                    (
                        i.step.unwrap_or(0),
                        if zh { i.zh.clone() } else { i.en.clone() },
                    )
                })
                .collect();
            for (k, (n, text)) in steps.iter().enumerate().take(9) {
                ui.checkbox(&mut self.panels.checklist[k], format!("{n}. {text}"));
            }
            ui.small(self.tr(
                "各区规定不同，具体以所在区城市更新文件为准。",
                "District rules differ: follow the district's urban-renewal rules.",
            ));
        }
    }
}
