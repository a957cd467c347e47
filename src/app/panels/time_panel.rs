//! The time controls (left panel, when the firms carry founding dates): show the firms alive
//! in one year with the newest highlighted, step through the years or play them; and the
//! zone inspector's chart of the zone's share of the city's firms by year.

use egui_plot::{Line, Plot, PlotPoints, VLine};

use super::inspector::Inspector;
use crate::analysis::ripley::Ripley;
use crate::app::ClusterAtlasApp;
use crate::model::limits;

/// Seconds per year while playing.
const PLAY_STEP_S: f64 = 0.8;

impl ClusterAtlasApp {
    pub(crate) fn time_ui(&mut self, ui: &mut egui::Ui) {
        let Some((first, last)) = self.data.year_range else {
            return;
        };
        let last = last.max(first);
        let labels = [
            self.tr("时间", "Time"),
            self.tr("只显示某年存续的企业", "Show the firms alive in one year"),
            self.tr("高亮近几年新成立", "Highlight founded in the last (years)"),
            self.tr("播放", "Play"),
            self.tr("暂停", "Pause"),
        ];
        ui.separator();
        ui.heading(&labels[0]);
        let s = &mut self.settings.scene;
        let mut on = s.year.is_some();
        if ui.checkbox(&mut on, &labels[1]).changed() {
            s.year = on.then_some(last);
            self.time_playing = false;
        }
        let Some(mut year) = s.year else {
            return;
        };
        year = year.clamp(first, last);
        ui.horizontal(|ui| {
            if ui.small_button("<").clicked() && year > first {
                year -= 1;
            }
            ui.add(egui::Slider::new(&mut year, first..=last).integer());
            if ui.small_button(">").clicked() && year < last {
                year += 1;
            }
        });
        let play = if self.time_playing {
            &labels[4]
        } else {
            &labels[3]
        };
        if ui.button(play).clicked() {
            self.time_playing = !self.time_playing;
            self.time_last_step = ui.input(|i| i.time);
        }
        if self.time_playing {
            let now = ui.input(|i| i.time);
            if now - self.time_last_step >= PLAY_STEP_S {
                self.time_last_step = now;
                year = if year >= last { first } else { year + 1 };
            }
            ui.ctx()
                .request_repaint_after(std::time::Duration::from_millis(100));
        }
        ui.label(&labels[2]);
        let r = limits::NEW_YEARS;
        let mut n = s.new_years;
        ui.add(egui::Slider::new(&mut n, r.min as u8..=r.max as u8));
        s.new_years = n;
        s.year = Some(year);
    }
}

impl ClusterAtlasApp {
    /// Ripley's L(d) over the study area with the envelope of 99 CSR simulations and the
    /// line L = d of complete spatial randomness.
    pub(crate) fn ripley_plot(&self, ui: &mut egui::Ui, r: &Ripley) {
        let above = r.l.iter().zip(&r.hi).filter(|(l, hi)| l > hi).count();
        let below = r.l.iter().zip(&r.lo).filter(|(l, lo)| l < lo).count();
        ui.label(self.tr(
            &format!(
                "Ripley L(d)（{}，{} 次随机模拟包络）：{} 个距离高于包络（集聚），{} 个低于",
                r.study_area, r.simulations, above, below
            ),
            &format!(
                "Ripley's L(d) ({}, envelope of {} random simulations): above at {} distances (clustered), below at {}",
                r.study_area, r.simulations, above, below
            ),
        ));
        let line = |v: &[f64]| -> PlotPoints { r.d.iter().zip(v).map(|(d, y)| [*d, *y]).collect() };
        let csr: PlotPoints = r.d.iter().map(|d| [*d, *d]).collect();
        Plot::new("ripley")
            .height(140.0)
            .allow_scroll(false)
            .allow_zoom(false)
            .allow_drag(false)
            .include_x(0.0)
            .include_y(0.0)
            .x_axis_label("d (m)")
            .y_axis_label("L (m)")
            .y_axis_min_width(36.0)
            .show(ui, |p| {
                p.line(Line::new("L", line(&r.l)));
                p.line(Line::new("lo", line(&r.lo)).style(egui_plot::LineStyle::dashed_loose()));
                p.line(Line::new("hi", line(&r.hi)).style(egui_plot::LineStyle::dashed_loose()));
                p.line(Line::new("CSR", csr).style(egui_plot::LineStyle::dotted_dense()));
            });
    }
}

impl Inspector<'_> {
    /// The zone's share of the city's alive firms (inside or within the radius) by year,
    /// its designation year, and the difference-in-differences of new firms.
    pub(super) fn zone_time_chart(&self, ui: &mut egui::Ui, zone_id: &str) {
        let Some(t) = self.view.results.and_then(|r| r.time.as_ref()) else {
            return;
        };
        let Some(z) = t
            .zones
            .iter()
            .find(|z| z.id == zone_id && !z.by_year.is_empty())
        else {
            return;
        };
        ui.separator();
        ui.strong(self.tr(
            &format!("企业随时间（{:.0} 公里内占全市比例）", t.radius_m / 1000.0),
            &format!(
                "Firms over time (share of the city within {:.0} km)",
                t.radius_m / 1000.0
            ),
        ));
        let pts: PlotPoints = z
            .by_year
            .iter()
            .map(|r| [f64::from(r.year), r.share_within * 100.0])
            .collect();
        Plot::new(format!("zone-time-{zone_id}"))
            .height(120.0)
            .allow_drag(false)
            .allow_zoom(false)
            .allow_scroll(false)
            .y_axis_label("%")
            .show(ui, |p| {
                p.line(Line::new("share", pts));
                if let Some(y) = z.designated {
                    p.vline(VLine::new("designated", f64::from(y)));
                }
            });
        if let (Some(b), Some(a)) = (z.share_before, z.share_after) {
            ui.small(self.tr(
                &format!(
                    "设立前 {} 年平均 {:.2}%，设立后 {:.2}%",
                    t.window_years,
                    b * 100.0,
                    a * 100.0
                ),
                &format!(
                    "{} years before designation {:.2} %, after {:.2} %",
                    t.window_years,
                    b * 100.0,
                    a * 100.0
                ),
            ));
        }
        if let Some(d) = &z.did {
            ui.small(self.tr(
                &format!(
                    "新企业增速与全市其余地区之比 {:.2} 倍（DiD {:+.2}，95% 区间 {:+.2} 至 {:+.2}；{}→{} 家）",
                    d.ratio, d.estimate, d.ci_low, d.ci_high, d.treated_pre, d.treated_post
                ),
                &format!(
                    "New firms grew {:.2}× as fast as in the rest of the city (DiD {:+.2}, 95 % CI {:+.2} to {:+.2}; {}→{} firms)",
                    d.ratio, d.estimate, d.ci_low, d.ci_high, d.treated_pre, d.treated_post
                ),
            ));
        }
    }
}
