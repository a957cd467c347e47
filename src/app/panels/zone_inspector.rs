//! The inspector's zone page: the selected zone's facts, geometry notes, statistics and the
//! policy that applies to it.

use crate::analysis::clark_evans::format_p;
use crate::analysis::zone_stats::ZoneStats;

use super::inspector::Inspector;
use crate::app::Command;
use crate::app::map_view::color;
use crate::model::{Batch, GeometryQuality, Lang, Zone, ZoneStatus};
use crate::scene::palette;

/// Segments listed with their location quotients before the rest fold away.
const LQ_ROWS: usize = 10;
impl Inspector<'_> {
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
            GeometryQuality::Digitised => self.tr(
                "手绘边界（依据规划图描绘，见来源）",
                "digitised boundary (traced from a plan map; see its source)",
            ),
            GeometryQuality::None => self.tr(
                "无位置：尚未识别，请载入官方集聚区文件",
                "no location: not identified yet; load the official zone file",
            ),
        }
    }

    /// Draws the inspector page of zone `zi`.
    pub(super) fn zone_inspector(&mut self, ui: &mut egui::Ui, zi: usize) {
        let data = self.view.data;
        let Some(zone) = data.zones.get(zi) else {
            return;
        };
        let lang = self.view.lang;
        zone_header(ui, zone, lang);
        self.zone_facts(ui, zone, lang);
        if self.zone_location(ui, zone) {
            self.out.push(Command::ZoomToZone(zi));
        }
        let draw = if zone.quality == GeometryQuality::Digitised {
            self.tr("编辑手绘边界…", "Edit the digitised boundary…")
        } else {
            self.tr("依据规划图绘制边界…", "Draw the boundary from a plan map…")
        };
        if ui.button(draw).clicked() {
            self.out.push(Command::StartDigitiser(Some(zi)));
        }
        zone_geometry_note(ui, zone, lang);
        self.zone_sources(ui, zone);
        ui.separator();
        self.zone_statistics(ui, zi, lang);
        self.zone_time_chart(ui, &zone.id);
        ui.separator();
        self.zone_policy(ui, zone, lang);
    }

    /// Draws the facts grid: id, batch, status, district, focus, planned area, geometry.
    fn zone_facts(&self, ui: &mut egui::Ui, zone: &Zone, lang: Lang) {
        super::facts_grid(ui, "zone-facts")
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
                        .map(|d| self.view.district_name(d))
                        .unwrap_or_else(|| "-".into()),
                );
                ui.end_row();
                ui.label(self.tr("主导产业", "Focus"));
                ui.label(if lang.chinese() {
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
    }

    /// Draws the "no boundary yet" warning, or the Zoom to zone button (returns whether it was
    /// clicked).
    fn zone_location(&self, ui: &mut egui::Ui, zone: &Zone) -> bool {
        if !zone.has_geometry() {
            ui.colored_label(
                color(palette::WARNING, 1.0),
                self.tr(
                    "尚无边界：请通过“文件 → 打开集聚区文件…”载入官方集聚区文件，或依据规划图绘制。",
                    "No boundary yet: load the official zone file with File → Open zones…, or draw it from a plan map.",
                ),
            );
            false
        } else {
            ui.button(self.tr("缩放到此集聚区", "Zoom to zone"))
                .clicked()
        }
    }

    /// Draws the collapsible list of the zone's sources.
    fn zone_sources(&self, ui: &mut egui::Ui, zone: &Zone) {
        if !zone.sources.is_empty() {
            ui.collapsing(self.tr("资料来源", "Sources"), |ui| {
                for s in &zone.sources {
                    ui.small(format!("• {s}"));
                }
            });
        }
    }

    /// Draws the Statistics section: the stats grid and the location quotients, or a hint to
    /// run the analysis.
    fn zone_statistics(&self, ui: &mut egui::Ui, zi: usize, lang: Lang) {
        ui.strong(self.tr("统计", "Statistics"));
        match self
            .view
            .results
            .and_then(|r| r.analysis.zone_stats.get(zi))
        {
            Some(st) => {
                self.zone_stats_grid(ui, st);
                self.zone_location_quotients(ui, st, lang);
            }
            None => {
                ui.label(self.tr(
                    "运行分析后显示统计。",
                    "Run the analysis to see statistics.",
                ));
            }
        }
    }

    /// Draws the stats grid: firms inside and nearby, area, density, share, Clark–Evans.
    fn zone_stats_grid(&self, ui: &mut egui::Ui, st: &ZoneStats) {
        super::facts_grid(ui, "zone-stats")
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
    }

    /// Draws the segments within the nearby radius with their location quotients (or why they
    /// were not computed).
    fn zone_location_quotients(&self, ui: &mut egui::Ui, st: &ZoneStats, lang: Lang) {
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
                &format!("{km:.0} 公里内（含区内）的领域构成与区位商（LQ，>1 表示比全市更集中；企业多者在前）"),
                &format!("Segments within {km:.0} km (inside included), most firms first, and location quotient (LQ > 1: more concentrated than citywide)"),
            ));
            // Most firms first; a register's hundreds of 行业 values fold after the first ten.
            let mut rows: Vec<(&String, usize, f64)> = (st.location_quotients.iter())
                .map(|(seg, lq)| (seg, st.segment_counts.get(seg).copied().unwrap_or(0), *lq))
                .collect();
            rows.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
            let (first, rest) = rows.split_at(rows.len().min(LQ_ROWS));
            self.lq_grid(ui, "zone-lq", first, lang);
            if !rest.is_empty() {
                let more = self.tr(
                    &format!("其余 {} 个领域", rest.len()),
                    &format!("{} more segments", rest.len()),
                );
                ui.collapsing(more, |ui| self.lq_grid(ui, "zone-lq-rest", rest, lang));
            }
        }
    }

    /// A grid of segments with their firm counts and location quotients.
    fn lq_grid(&self, ui: &mut egui::Ui, id: &str, rows: &[(&String, usize, f64)], lang: Lang) {
        egui::Grid::new(id)
            .num_columns(3)
            .max_col_width((ui.available_width() * 0.5).max(60.0))
            .striped(true)
            .show(ui, |ui| {
                for (seg, n, lq) in rows {
                    ui.label(self.view.fit.label(seg, lang));
                    ui.label(n.to_string());
                    ui.label(format!("{lq:.2}"));
                    ui.end_row();
                }
            });
    }

    /// Draws the collapsible list of policy items that apply to the zone.
    fn zone_policy(&self, ui: &mut egui::Ui, zone: &Zone, lang: Lang) {
        ui.collapsing(self.tr("适用政策", "Policy that applies"), |ui| {
            for item in self.view.policy.for_zone(&zone.id) {
                if item.kind == crate::model::PolicyKind::ProcedureStep {
                    continue;
                }
                ui.label(format!("• {}", item.text(lang)))
                    .on_hover_text(format!(
                        "{} · line {}",
                        item.source.document, item.source.line
                    ));
            }
        });
    }
}

/// Draws the zone's heading and its name in the other language.
fn zone_header(ui: &mut egui::Ui, zone: &Zone, lang: Lang) {
    ui.heading(zone.display_name(lang));
    if let (Some(a), Some(b)) = (&zone.name_zh, &zone.name_en) {
        ui.label(lang.one(b, a));
    }
}

/// Draws the small note on how approximate the zone's geometry is.
fn zone_geometry_note(ui: &mut egui::Ui, zone: &Zone, lang: Lang) {
    match (lang.chinese(), zone.quality) {
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
}
