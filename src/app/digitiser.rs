//! *Draw zone…*: the window beside the map while a zone is drawn: the target (an empty slot, a
//! zone to redraw, or a new zone), the tools (close ring, hole, undo, redo, snapping), the
//! drawn area live beside the planned area, and the form whose source (document, page, date) is
//! required before the zone is saved. Saved zones carry `geometry_quality = digitised`.

use egui::RichText;

use super::map_view::{DrawState, color};
use super::{ClusterAtlasApp, Command, Message};
use crate::digitise::{Sketch, ZoneForm};
use crate::index::ZoneShapeKind;
use crate::model::{Batch, GeometryQuality, Xy, Zone, ZoneGeometry};
use crate::scene::palette;

/// The digitiser's window state (the sketch itself lives in the map's [`DrawState`]).
#[derive(Clone, Debug, Default)]
pub struct Digitiser {
    /// The zone being drawn (an index into the zones), or `None` for a new zone.
    pub target: Option<usize>,
    /// The id the zone will have.
    pub id: String,
    pub form: ZoneForm,
    pub error: Option<String>,
}

/// Zones from GeoJSON features (project files and the settings keep digitised zones so),
/// read like a zone file: a bad feature is skipped.
pub fn zones_of_features(features: &[serde_json::Value]) -> Result<Vec<Zone>, String> {
    if features.is_empty() {
        return Ok(Vec::new());
    }
    let fc = serde_json::json!({"type": "FeatureCollection", "features": features});
    crate::data::load_zones_str(&fc.to_string(), "digitised zones", &Default::default())
        .map(|l| l.zones)
        .map_err(|e| e.to_string())
}

/// The first free id D01, D02, … for a new zone.
fn new_zone_id(zones: &[Zone]) -> String {
    (1..)
        .map(|i| format!("D{i:02}"))
        .find(|id| zones.iter().all(|z| &z.id != id))
        .unwrap_or_else(|| "D99".into())
}

/// A ring of the plane without its closing vertex.
fn plane_ring(r: &[geo::Coord<f64>]) -> Vec<Xy> {
    r.iter().map(|c| Xy::new(c.x, c.y)).collect()
}

impl ClusterAtlasApp {
    /// Opens the digitiser for zone `target` (or a new zone): a digitised zone's boundary comes
    /// back for editing; other zones' edges become snapping targets.
    pub(crate) fn start_digitiser(&mut self, target: Option<usize>) {
        let d = &self.data;
        let target = target.filter(|&z| z < d.zones.len());
        let mut snap_rings = Vec::new();
        let mut sketch = Sketch::default();
        for sh in &d.index.zone_shapes {
            let ZoneShapeKind::Area { rings_xy, .. } = &sh.kind else {
                continue;
            };
            let own = Some(sh.zone) == target;
            if own && d.zones[sh.zone].quality == GeometryQuality::Digitised {
                if let Some(first) = rings_xy.first() {
                    sketch = Sketch::from_rings(first.iter().map(|r| plane_ring(r)).collect());
                }
            } else if !own {
                snap_rings.extend(rings_xy.iter().flatten().map(|r| plane_ring(r)));
            }
        }
        let (id, form) = match target {
            Some(z) => (d.zones[z].id.clone(), ZoneForm::of_zone(&d.zones[z])),
            None => (new_zone_id(&d.zones), ZoneForm::default()),
        };
        self.map.draw = Some(DrawState::new(sketch, snap_rings));
        self.map.measuring = false;
        self.map.picking_site = false;
        self.digitiser = Some(Digitiser {
            target,
            id,
            form,
            error: None,
        });
    }

    /// Draws the digitiser's window while it is open.
    pub(crate) fn digitiser_window(&mut self, ctx: &egui::Context) {
        let Some(mut dg) = self.digitiser.take() else {
            return;
        };
        let mut open = true;
        let mut saved = false;
        egui::Window::new(self.tr("绘制集聚区", "Draw zone"))
            .open(&mut open)
            .default_width(360.0)
            .default_height((ctx.content_rect().height() - 120.0).clamp(300.0, 640.0))
            .default_pos(egui::pos2(330.0, 60.0))
            .vscroll(true)
            .show(ctx, |ui| {
                self.digitiser_tools(ui);
                ui.separator();
                self.digitiser_form(ui, &mut dg);
                ui.separator();
                saved = self.digitiser_save_row(ui, &mut dg);
            });
        if open && !saved {
            self.digitiser = Some(dg);
        } else {
            self.map.draw = None;
        }
    }

    /// How to draw, the tool buttons and the live area.
    fn digitiser_tools(&mut self, ui: &mut egui::Ui) {
        ui.small(self.tr(
            "单击添加顶点，单击第一个顶点闭合；拖动顶点移动，右键删除，Ctrl+单击边插入顶点；Ctrl+Z 撤销，Ctrl+Y 重做。",
            "Click to add vertices, click the first one to close; drag a vertex to move it, right-click to delete, Ctrl+click an edge to insert; Ctrl+Z undo, Ctrl+Y redo.",
        ));
        let labels = [
            self.tr("闭合", "Close ring"),
            self.tr("添加内洞", "Add hole"),
            self.tr("撤销", "Undo"),
            self.tr("重做", "Redo"),
            self.tr("吸附到其他集聚区边界", "Snap to other zones' edges"),
            self.tr("清空", "Clear"),
        ];
        let Some(draw) = self.map.draw.as_mut() else {
            return;
        };
        let s = &mut draw.sketch;
        ui.horizontal_wrapped(|ui| {
            if ui
                .add_enabled(s.active_ring().is_some(), egui::Button::new(&labels[0]))
                .clicked()
            {
                s.close_ring();
            }
            let can_hole = !s.rings.is_empty() && s.active_ring().is_none();
            if ui
                .add_enabled(can_hole, egui::Button::new(&labels[1]))
                .clicked()
            {
                s.start_hole();
            }
            if ui
                .add_enabled(s.can_undo(), egui::Button::new(&labels[2]))
                .clicked()
            {
                s.undo();
            }
            if ui
                .add_enabled(s.can_redo(), egui::Button::new(&labels[3]))
                .clicked()
            {
                s.redo();
            }
            if ui
                .add_enabled(!s.rings.is_empty(), egui::Button::new(&labels[5]))
                .clicked()
            {
                *s = Sketch::default();
            }
        });
        ui.checkbox(&mut draw.snap, &labels[4]);
    }

    /// The zone's facts and its source.
    fn digitiser_form(&mut self, ui: &mut egui::Ui, dg: &mut Digitiser) {
        let lang = self.lang();
        // By id: the zones may have been reloaded while the window was open.
        let what = match self.data.zones.iter().find(|z| z.id == dg.id) {
            Some(z) => format!("{} {}", dg.id, z.display_name(lang)),
            None => format!("{} ({})", dg.id, self.tr("新集聚区", "new zone")),
        };
        ui.add(egui::Label::new(RichText::new(what).strong()).wrap());
        let area = self
            .map
            .draw
            .as_ref()
            .map(|d| d.sketch.area_km2(&self.data.index.projection))
            .unwrap_or(0.0);
        let planned = dg.form.planned_area();
        let area_text = match planned.filter(|_| area > 0.0) {
            Some(p) => {
                let pct = (area / p - 1.0) * 100.0;
                self.tr(
                    &format!("绘制面积 {area:.3} km² · 规划面积 {p} km²（{pct:+.0}%）"),
                    &format!("Drawn area {area:.3} km² · planned {p} km² ({pct:+.0} %)"),
                )
            }
            None => match planned {
                Some(p) => self.tr(
                    &format!("绘制面积 {area:.3} km² · 规划面积 {p} km²"),
                    &format!("Drawn area {area:.3} km² · planned {p} km²"),
                ),
                None => self.tr(
                    &format!("绘制面积 {area:.3} km²（未填规划面积）"),
                    &format!("Drawn area {area:.3} km² (no planned area given)"),
                ),
            },
        };
        ui.add(egui::Label::new(RichText::new(area_text).strong()).wrap());
        let f = &mut dg.form;
        let labels = [
            self.tr("中文名称", "Name (中文)"),
            self.tr("英文名称", "Name (English)"),
            self.tr("批次", "Batch"),
            self.tr("所在区", "District"),
            self.tr("重点产业（顿号分隔）", "Focus industries (comma-separated)"),
            self.tr(
                "规划面积（km²，来源所载）",
                "Planned area (km², as the source states)",
            ),
            self.tr("来源文件（必填）", "Source document (required)"),
            self.tr("页码（必填）", "Page (required)"),
            self.tr(
                "来源日期（必填，如 2018-06-01）",
                "Source date (required, e.g. 2018-06-01)",
            ),
            self.tr("未知", "unknown"),
        ];
        egui::Grid::new("digitiser-form")
            .num_columns(2)
            .show(ui, |ui| {
                let row = |ui: &mut egui::Ui, label: &str, value: &mut String| {
                    let l = ui.label(label);
                    ui.text_edit_singleline(value).labelled_by(l.id);
                    ui.end_row();
                };
                row(ui, &labels[0], &mut f.name_zh);
                row(ui, &labels[1], &mut f.name_en);
                ui.label(&labels[2]);
                ui.horizontal(|ui| {
                    ui.radio_value(&mut f.batch, None, &labels[9]);
                    ui.radio_value(&mut f.batch, Some(Batch::Future2017), "2017");
                    ui.radio_value(&mut f.batch, Some(Batch::Emerging2018), "2018");
                });
                ui.end_row();
                row(ui, &labels[3], &mut f.district_zh);
                row(ui, &labels[4], &mut f.focus);
                row(ui, &labels[5], &mut f.planned_km2);
                row(ui, &labels[6], &mut f.source.document);
                row(ui, &labels[7], &mut f.source.page);
                row(ui, &labels[8], &mut f.source.date);
            });
    }

    /// What is still missing, and the Save button (enabled when the polygon and the form are
    /// complete). Returns true when the zone was saved.
    fn digitiser_save_row(&mut self, ui: &mut egui::Ui, dg: &mut Digitiser) -> bool {
        let lang = self.lang();
        let proj = self.data.index.projection;
        let polygon = match self.map.draw.as_ref().map(|d| d.sketch.to_lonlat(&proj)) {
            Some(Ok(p)) => Ok(p),
            Some(Err(e)) => Err(crate::app::reasons::sketch_error(&e, lang)),
            None => Err(String::new()),
        };
        let missing = dg.form.missing(lang);
        let warn = color(palette::WARNING, 1.0);
        if let Err(e) = &polygon {
            ui.colored_label(warn, e);
        }
        if !missing.is_empty() {
            let head = self.tr("保存前请填写：", "Before saving, give ");
            ui.colored_label(
                warn,
                format!("{head}{}", missing.join(lang.one("、", ", "))),
            );
        }
        let ready = polygon.is_ok() && missing.is_empty();
        let mut saved = false;
        ui.horizontal(|ui| {
            let save = self.tr("保存集聚区", "Save zone");
            if ui.add_enabled(ready, egui::Button::new(save)).clicked()
                && let Ok(mp) = polygon
            {
                let base = self.data.zones.iter().find(|z| z.id == dg.id);
                let zone = dg.form.to_zone(base, &dg.id, mp);
                let note = format!("{} {}", zone.id, dg.form.source.credit());
                self.messages.push(Message::both(
                    false,
                    self.lang(),
                    format!("已保存手绘集聚区 {}", zone.id),
                    format!("Digitised zone {} saved", zone.id),
                ));
                self.push(Command::MergeZones(vec![zone], note));
                saved = true;
            }
        });
        if let Some(e) = &dg.error {
            ui.colored_label(color(palette::ERROR, 1.0), e);
        }
        saved
    }

    /// Puts `new` zones in place of the zones with the same ids (others are added) and
    /// re-indexes in the background.
    pub(crate) fn merge_zones(&mut self, ctx: &egui::Context, new: Vec<Zone>, note: String) {
        let mut zones = self.data.zones.clone();
        for z in new {
            match zones.iter().position(|o| o.id == z.id) {
                Some(i) => zones[i] = z,
                None => zones.push(z),
            }
        }
        self.job = Some(super::jobs::with_zones(ctx, self.data.clone(), zones, note));
    }

    /// The digitised zones as GeoJSON features (for project files).
    pub fn digitised_features(&self) -> Vec<serde_json::Value> {
        self.data
            .zones
            .iter()
            .filter(|z| z.quality == GeometryQuality::Digitised)
            .filter(|z| matches!(z.geometry, ZoneGeometry::Area(_)))
            .map(crate::output::zone_feature)
            .collect()
    }
}
