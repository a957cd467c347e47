//! Left panel: layers, legend, analysis parameters and results, advisor weights.

use crate::analysis::clark_evans::format_p;
use egui::{Color32, Pos2, Rect, Vec2};

use crate::analysis::relocate::Criterion;
use crate::analysis::{ClarkEvans, KDistance};
use crate::app::map_view::{color, star_points};
use crate::app::state::StudyAreaChoice;
use crate::app::{ClusterAtlasApp, Command, Results};
use crate::model::limits;
use crate::scene::palette;
use crate::scene::{FirmColour, LayerStyle, MarkerShape, Swatch};

fn layer_row(ui: &mut egui::Ui, style: &mut LayerStyle, label: &str) {
    ui.horizontal_wrapped(|ui| {
        ui.checkbox(&mut style.visible, label);
        ui.add_enabled(
            style.visible,
            egui::Slider::new(&mut style.opacity, limits::OPACITY.range_f32()).show_value(false),
        )
        .on_hover_text("opacity");
    });
}

/// Draws a legend swatch in a 22×14 box.
pub fn swatch(ui: &mut egui::Ui, s: &Swatch) {
    let (rect, _) = ui.allocate_exact_size(Vec2::new(22.0, 14.0), egui::Sense::hover());
    let p = ui.painter();
    match s {
        Swatch::Fill { fill, stroke } => {
            p.rect_filled(rect.shrink(1.0), 2.0, color(*fill, 1.0));
            if let Some(st) = stroke {
                let pts = vec![
                    rect.left_top() + Vec2::splat(1.0),
                    rect.right_top() + Vec2::new(-1.0, 1.0),
                    rect.right_bottom() - Vec2::splat(1.0),
                    rect.left_bottom() + Vec2::new(1.0, -1.0),
                    rect.left_top() + Vec2::splat(1.0),
                ];
                let stroke = egui::Stroke::new(st.width_px.min(2.0), color(st.color, 1.0));
                match st.dash_px {
                    Some((on, off)) => {
                        p.extend(egui::Shape::dashed_line(&pts, stroke, on * 0.6, off * 0.6));
                    }
                    None => {
                        p.add(egui::Shape::line(pts, stroke));
                    }
                }
            }
        }
        Swatch::Line(st) => {
            let a = rect.left_center();
            let b = rect.right_center();
            let stroke = egui::Stroke::new(st.width_px, color(st.color, 1.0));
            match st.dash_px {
                Some((on, off)) => {
                    p.extend(egui::Shape::dashed_line(
                        &[a, b],
                        stroke,
                        on * 0.6,
                        off * 0.6,
                    ));
                }
                None => {
                    p.line_segment([a, b], stroke);
                }
            }
        }
        Swatch::Marker { shape, fill } => match shape {
            MarkerShape::Star => {
                p.add(egui::Shape::closed_line(
                    star_points(rect.center(), 7.0),
                    egui::Stroke::new(1.5, color(*fill, 1.0)),
                ));
            }
            _ => {
                p.circle_filled(rect.center(), 5.0, color(*fill, 1.0));
            }
        },
        Swatch::Dot(c) => {
            p.circle_filled(rect.center(), 4.0, color(*c, 1.0));
        }
        Swatch::Ramp { colors, .. } => {
            let n = colors.len().max(1) as f32;
            for (k, c) in colors.iter().enumerate() {
                let x0 = rect.left() + rect.width() * k as f32 / n;
                let r = Rect::from_min_max(
                    Pos2::new(x0, rect.top() + 2.0),
                    Pos2::new(x0 + rect.width() / n, rect.bottom() - 2.0),
                );
                p.rect_filled(
                    r,
                    0.0,
                    Color32::from_rgba_unmultiplied(c.0[0], c.0[1], c.0[2], c.0[3].max(40)),
                );
            }
        }
    }
}

impl ClusterAtlasApp {
    pub(crate) fn left_panel(&mut self, ui: &mut egui::Ui) {
        let (default, range) =
            super::side_panel_widths(ui.max_rect().width(), 0.23, 180.0, 300.0, 460.0);
        let shown = egui::Panel::left("left")
            .resizable(true)
            .default_size(default)
            .size_range(range)
            .show(ui, |ui| {
                super::fill_side_panel(ui);
                egui::ScrollArea::vertical()
                    .auto_shrink([false, true])
                    .show(ui, |ui| {
                        ui.heading(self.tr("图层", "Layers"));
                        let names = [
                            self.tr("陆地", "Land"),
                            self.tr("行政区", "Districts"),
                            self.tr("集聚区", "Zones"),
                            self.tr("企业", "Firms"),
                            self.tr("集群凸包", "Cluster hulls"),
                            self.tr("密度面", "Density surface"),
                            self.tr("Gi* 热点", "Gi* hot spots"),
                        ];
                        let s = &mut self.settings.scene;
                        layer_row(ui, &mut s.land, &names[0]);
                        layer_row(ui, &mut s.districts, &names[1]);
                        layer_row(ui, &mut s.zones, &names[2]);
                        layer_row(ui, &mut s.firms, &names[3]);
                        layer_row(ui, &mut s.clusters, &names[4]);
                        layer_row(ui, &mut s.density, &names[5]);
                        layer_row(ui, &mut s.hotspots, &names[6]);
                        let (seg, clu, lab, dlab) = (
                            self.tr("按领域着色", "Colour by segment"),
                            self.tr("按集群着色", "Colour by cluster"),
                            self.tr("标注", "Labels"),
                            self.tr("行政区名称", "District names"),
                        );
                        let s = &mut self.settings.scene;
                        ui.horizontal_wrapped(|ui| {
                            ui.radio_value(&mut s.firm_colour, FirmColour::Segment, seg);
                            ui.radio_value(&mut s.firm_colour, FirmColour::Cluster, clu);
                        });
                        self.segment_picker(ui);
                        let s = &mut self.settings.scene;
                        ui.horizontal_wrapped(|ui| {
                            ui.checkbox(&mut s.labels, lab);
                            ui.checkbox(&mut s.district_labels, dlab);
                        });
                        ui.add(
                            egui::Slider::new(
                                &mut s.firm_radius_px,
                                limits::FIRM_RADIUS_PX.range_f32(),
                            )
                            .text("px"),
                        );
                        self.basemap_ui(ui);
                        self.time_ui(ui);

                        ui.separator();
                        ui.heading(self.tr("图例", "Legend"));
                        if let Some(scene) = &self.scene {
                            for section in &scene.legend {
                                ui.strong(&section.title);
                                for e in &section.entries {
                                    ui.horizontal_wrapped(|ui| {
                                        swatch(ui, &e.swatch);
                                        ui.label(&e.label);
                                        if let Swatch::Ramp { low, high, .. } = &e.swatch {
                                            ui.small(format!("{low} – {high}"));
                                        }
                                    });
                                }
                            }
                            for n in &scene.notes {
                                ui.small(n);
                            }
                        }

                        ui.separator();
                        self.analysis_ui(ui);
                        ui.separator();
                        self.weights_ui(ui);
                    });
            });
        self.panels
            .layout
            .panels
            .push(("left", shown.response.rect));
    }

    fn analysis_ui(&mut self, ui: &mut egui::Ui) {
        ui.heading(self.tr("分析", "Analysis"));
        self.analysis_params(ui);
        let busy = self.job_running();
        if ui
            .add_enabled(
                !busy,
                egui::Button::new(self.tr("运行分析", "Run analysis")),
            )
            .clicked()
        {
            self.push(Command::RunAnalysis);
        }
        if let Some(job) = &self.job {
            let (f, step) = job.fraction();
            let step = crate::app::reasons::step_name(&step, self.lang());
            ui.add(
                egui::ProgressBar::new(f)
                    .text(step.to_string())
                    .show_percentage(),
            );
        }
        let Some(r) = self.results.clone() else {
            ui.label(self.tr("尚未分析", "Not analysed yet"));
            return;
        };
        self.analysis_summary(ui, &r);
        // k-distance plot to choose eps.
        let kd = &r.analysis.kdistance;
        if !kd.distances_m.is_empty() && self.kdistance_plot(ui, kd) {
            self.settings.eps_m = kd.suggested_eps_m.round().max(10.0);
            self.push(Command::RunAnalysis);
        }
        if let Some(rip) = self.ripley() {
            self.ripley_plot(ui, rip);
        } else if self.ripley_running() {
            // No spinner (it repaints every frame and slows the computation it waits for):
            // the panel is refreshed four times a second until the result comes.
            ui.small(self.tr("正在计算 Ripley L(d)…", "Computing Ripley's L(d)…"));
            ui.ctx()
                .request_repaint_after(std::time::Duration::from_millis(250));
        }
    }

    /// Draws the analysis parameters grid: eps, min_pts, study area and density bandwidth.
    fn analysis_params(&mut self, ui: &mut egui::Ui) {
        let (eps_l, min_l, area_l, bw_l) = (
            self.tr("邻域半径 eps（米）", "eps (metres)"),
            self.tr("最少点数 min_pts", "min_pts"),
            self.tr("研究区域", "Study area"),
            self.tr("密度带宽（米）", "Density bandwidth (m)"),
        );
        let (bbox_l, hull_l) = (
            self.tr("外包矩形", "Bounding box"),
            self.tr("凸包", "Convex hull"),
        );
        super::facts_grid(ui, "analysis-params").show(ui, |ui| {
            let l = ui.label(&eps_l);
            let eps = egui::DragValue::new(&mut self.settings.eps_m)
                .range(limits::EPS_M.range())
                .speed(5.0)
                .suffix(" m");
            ui.add(eps).labelled_by(l.id);
            ui.end_row();
            let l = ui.label(&min_l);
            ui.add(
                egui::DragValue::new(&mut self.settings.min_pts)
                    .range(limits::MIN_PTS.range_usize()),
            )
            .labelled_by(l.id);
            ui.end_row();
            let l = ui.label(&area_l);
            let land_l = self.tr(
                "深圳陆地（不含海域、香港）",
                "Shenzhen land (no sea, no HK)",
            );
            let selected = match self.settings.study_area {
                StudyAreaChoice::Bbox => bbox_l.clone(),
                StudyAreaChoice::Hull => hull_l.clone(),
                StudyAreaChoice::Land => land_l.clone(),
            };
            egui::ComboBox::from_id_salt("study-area")
                .selected_text(selected)
                .show_ui(ui, |ui| {
                    ui.selectable_value(
                        &mut self.settings.study_area,
                        StudyAreaChoice::Bbox,
                        bbox_l.clone(),
                    );
                    ui.selectable_value(
                        &mut self.settings.study_area,
                        StudyAreaChoice::Hull,
                        hull_l.clone(),
                    );
                    ui.selectable_value(
                        &mut self.settings.study_area,
                        StudyAreaChoice::Land,
                        land_l.clone(),
                    );
                })
                .response
                .labelled_by(l.id);
            ui.end_row();
            let l = ui.label(&bw_l);
            let bw = egui::DragValue::new(&mut self.settings.scene.density_bandwidth_m)
                .range(limits::BANDWIDTH_M.range())
                .speed(10.0)
                .suffix(" m");
            ui.add(bw).labelled_by(l.id);
            ui.end_row();
        });
    }

    /// Draws the last run's summary: clusters and noise, parameters, Clark–Evans, warnings.
    fn analysis_summary(&self, ui: &mut egui::Ui, r: &Results) {
        let a = &r.analysis;
        let noise = a.n_noise;
        ui.label(format!(
            "{}: {}   {}: {}",
            self.tr("集群数", "Clusters"),
            a.clusters.len(),
            self.tr("噪声", "Noise"),
            noise
        ));
        // The run time goes in the tooltip so the panel stays the same from run to run.
        ui.small(format!(
            "eps {:.0} m · min_pts {}",
            r.params.dbscan.eps_m, r.params.dbscan.min_pts
        ))
        .on_hover_text(format!("{:.3} s", r.seconds));
        self.clark_evans_summary(ui, &a.clark_evans);
        for w in &a.warnings {
            ui.colored_label(
                color(palette::WARNING, 1.0),
                crate::app::reasons::report_text(w, self.lang()),
            );
        }
    }

    /// Draws the citywide Clark–Evans result with its verdict, or why it was not computed.
    fn clark_evans_summary(&self, ui: &mut egui::Ui, ce: &ClarkEvans) {
        if ce.is_available() {
            let verdict = if ce.p < 0.05 {
                if ce.r < 1.0 {
                    self.tr("显著集聚", "significantly clustered")
                } else {
                    self.tr("显著分散", "significantly dispersed")
                }
            } else {
                self.tr("与随机无显著差异", "not different from random")
            };
            ui.label(format!(
                "Clark–Evans R = {:.3}, z = {:.1}, {} ({verdict})",
                ce.r,
                ce.z,
                format_p(ce.p)
            ));
            ui.small(format!(
                "{}: {} · {:.0} km² · n = {}",
                self.tr("研究区域", "area"),
                ce.area.as_str(),
                ce.area_km2,
                ce.n
            ));
        } else if let Some(n) = &ce.note {
            let zh = format!(
                "Clark–Evans 未计算：需要至少 {} 家企业和大于零的研究区域（现有 {} 家）",
                crate::analysis::clark_evans::MIN_FIRMS,
                ce.n
            );
            ui.small(self.tr(&zh, &format!("Clark–Evans {n}")));
        }
    }

    /// Draws the k-distance curve with the current and suggested eps, and the button to use the
    /// suggestion (returns whether it was clicked).
    fn kdistance_plot(&self, ui: &mut egui::Ui, kd: &KDistance) -> bool {
        ui.label(self.tr(
            &format!(
                "k 距离曲线（k = {}），建议 eps ≈ {:.0} 米",
                kd.k, kd.suggested_eps_m
            ),
            &format!(
                "k-distance curve (k = {}); suggested eps ≈ {:.0} m",
                kd.k, kd.suggested_eps_m
            ),
        ));
        let n = kd.distances_m.len().max(2) as f64;
        let pts: Vec<[f64; 2]> = kd
            .distances_m
            .iter()
            .enumerate()
            .map(|(i, d)| [i as f64 / (n - 1.0) * kd.n as f64, *d])
            .collect();
        let eps = self.settings.eps_m;
        let suggested = kd.suggested_eps_m;
        // Clip the few far outliers so the knee stays readable.
        let top = (eps.max(suggested) * 3.0).max(1.0);
        let pts: Vec<[f64; 2]> = pts.into_iter().map(|[x, y]| [x, y.min(top)]).collect();
        egui_plot::Plot::new("kdist")
            .height(160.0)
            .allow_scroll(false)
            .allow_zoom(false)
            .allow_drag(false)
            .include_y(0.0)
            .include_y(top)
            .x_axis_label(self.tr("企业（按距离降序）", "firms (sorted)"))
            .y_axis_label("m")
            // Round values in metres, two to four steps over any range: egui_plot's own
            // marks were too close together to be labelled in a plot this low.
            .y_grid_spacer(|input| kdistance_marks(input.bounds))
            .y_axis_formatter(|mark, _| metres_label(mark.value))
            .y_axis_min_width(36.0)
            .show(ui, |plot| {
                plot.line(egui_plot::Line::new("k-distance", pts));
                plot.hline(egui_plot::HLine::new("eps", eps));
                plot.hline(
                    egui_plot::HLine::new("suggested", suggested)
                        .style(egui_plot::LineStyle::dashed_loose()),
                );
            });
        ui.button(self.tr(
            &format!("采用建议值 {:.0} 米", suggested),
            &format!("Use suggested {:.0} m", suggested),
        ))
        .clicked()
    }

    fn weights_ui(&mut self, ui: &mut egui::Ui) {
        ui.heading(self.tr("迁址建议权重", "Advisor weights"));
        let lang = self.lang();
        let norm = self.settings.weights.normalised().ok();
        for c in &Criterion::ALL {
            let mut v = self.settings.weights.get(*c);
            // Wrapped: in a narrow panel the name and share go under the slider.
            ui.horizontal_wrapped(|ui| {
                let slider = ui.add(egui::Slider::new(&mut v, limits::WEIGHT.range()));
                let name = ui.label(c.label(lang));
                slider.labelled_by(name.id);
                if let Some(n) = norm {
                    ui.small(format!("{:.0}%", n.get(*c) * 100.0));
                }
            });
            self.settings.weights.set(*c, v);
        }
        if norm.is_none() {
            ui.colored_label(
                color(palette::ERROR, 1.0),
                self.tr(
                    "至少一个权重须大于 0",
                    "At least one weight must be above zero",
                ),
            );
        }
        ui.horizontal_wrapped(|ui| {
            let l = ui.label(self.tr("范围半径（米）", "Radius (m)"));
            let r = egui::DragValue::new(&mut self.settings.advisor_radius_m)
                .range(limits::RADIUS_M.range())
                .speed(50.0);
            ui.add(r).labelled_by(l.id);
        });
        let s = &mut self.settings;
        let fields = [
            (
                lang.pick("通勤半径（米）", "Commuting radius (m)"),
                &mut s.commute_radius_m,
                limits::COMMUTE_RADIUS_M,
                500.0,
            ),
            (
                lang.pick(
                    "距离成本（两倍半径处）",
                    "Distance cost (at twice the radius)",
                ),
                &mut s.distance_cost,
                limits::DISTANCE_COST,
                0.01,
            ),
            (
                lang.pick("建议门槛（高于原址）", "Margin over staying"),
                &mut s.margin,
                limits::MARGIN,
                0.005,
            ),
        ];
        for (label, value, limit, speed) in fields {
            ui.horizontal_wrapped(|ui| {
                let l = ui.label(label);
                let r = egui::DragValue::new(value)
                    .range(limit.range())
                    .speed(speed);
                ui.add(r).labelled_by(l.id);
            });
        }
        if ui
            .button(self.tr("恢复默认权重", "Default weights"))
            .clicked()
        {
            self.settings.weights = Default::default();
        }
    }
}

/// Y-axis marks of the k-distance plot: multiples of a round step (1, 2 or 5 × 10ⁿ metres)
/// giving two to five marks over the visible range `bounds`, whatever its size.
pub(crate) fn kdistance_marks(bounds: (f64, f64)) -> Vec<egui_plot::GridMark> {
    let (lo, hi) = bounds;
    let span = hi - lo;
    if !(span.is_finite() && span > 0.0) {
        return Vec::new();
    }
    let raw = span / 4.0;
    let power = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * power)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * power);
    let first = (lo / step).ceil() as i64;
    let last = (hi / step).floor() as i64;
    (first..=last)
        .map(|k| egui_plot::GridMark {
            value: k as f64 * step,
            step_size: step,
        })
        .collect()
}

/// A y-axis value of the k-distance plot in metres: whole metres, or up to two decimals for
/// tiny ranges.
pub(crate) fn metres_label(value: f64) -> String {
    // No "-0".
    let value = value + 0.0;
    if (value - value.round()).abs() < 1e-9 {
        format!("{value:.0}")
    } else {
        let s = format!("{value:.2}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kdistance_marks_label_any_range() {
        for top in [
            0.5, 3.0, 37.0, 250.0, 900.0, 1700.0, 3000.0, 12_345.0, 60_000.0,
        ] {
            let marks = kdistance_marks((-0.05 * top, 1.05 * top));
            assert!(
                (2..=6).contains(&marks.len()),
                "{top}: {:?}",
                marks.iter().map(|m| m.value).collect::<Vec<_>>()
            );
            assert!(marks.iter().any(|m| m.value == 0.0));
            let labels: Vec<String> = marks.iter().map(|m| metres_label(m.value)).collect();
            assert!(
                labels.iter().all(|l| !l.is_empty() && l.len() <= 6),
                "{labels:?}"
            );
        }
        assert!(kdistance_marks((0.0, 0.0)).is_empty());
        assert!(kdistance_marks((0.0, f64::NAN)).is_empty());
        assert_eq!(metres_label(1500.0), "1500");
        assert_eq!(metres_label(0.25), "0.25");
        assert_eq!(metres_label(-0.0), "0");
    }
}
