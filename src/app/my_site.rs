//! *My site…*: a firm that is not in the data (the commonest visitor) asks for advice by
//! clicking the map or pasting coordinates from Amap, Baidu or a GPS (the system chosen next
//! to the box) and choosing its segment. The inspector then shows the nearest zone, the
//! clusters nearby and the advice with its baseline, as `suggest --at LON,LAT --at-crs …
//! --segment …` prints it.

use super::{ClusterAtlasApp, Command};
use crate::analysis::relocate::Site;
use crate::app::map_view::color;
use crate::crs::{convert, parse_point};
use crate::model::{LonLat, SourceCrs};
use crate::scene::palette;

/// The *My site* window's state.
#[derive(Clone, Debug, Default)]
pub struct MySiteDialog {
    /// Coordinates as typed or pasted ("LON,LAT").
    pub text: String,
    pub crs: SourceCrs,
    /// The fit table's key of the chosen segment (None: unknown).
    pub segment: Option<String>,
    pub error: Option<String>,
}

impl MySiteDialog {
    /// The site the box describes, in WGS-84.
    pub fn site(&self) -> Result<Site, String> {
        let lonlat = parse_point(&self.text, self.crs).map_err(|e| e.to_string())?;
        Ok(Site {
            firm: None,
            lonlat,
            segment: self.segment.clone(),
        })
    }

    /// Fills the box with a clicked point, written in the box's system.
    pub fn set_point(&mut self, p: LonLat) {
        let q = convert(p, SourceCrs::Wgs84, self.crs);
        self.text = format!("{:.6},{:.6}", q.lon, q.lat);
        self.error = None;
    }
}

impl ClusterAtlasApp {
    /// Draws the *My site* window while it is open.
    pub(crate) fn my_site_window(&mut self, ctx: &egui::Context) {
        let Some(mut d) = self.my_site.take() else {
            return;
        };
        let mut open = true;
        egui::Window::new(self.tr("我的位置", "My site"))
            .open(&mut open)
            .default_width(380.0)
            .default_pos(egui::pos2(340.0, 60.0))
            .show(ctx, |ui| self.my_site_form(ui, &mut d));
        if open {
            self.my_site = Some(d);
        } else {
            self.map.picking_site = false;
        }
    }

    fn my_site_form(&mut self, ui: &mut egui::Ui, d: &mut MySiteDialog) {
        ui.label(self.tr(
            "在地图上点击您的位置，或粘贴坐标（经度,纬度），并选择坐标系和所属领域。",
            "Click your site on the map, or paste its coordinates (lon,lat), and choose their system and your segment.",
        ));
        ui.horizontal_wrapped(|ui| {
            let l = ui.label(self.tr("坐标", "Coordinates"));
            ui.add(egui::TextEdit::singleline(&mut d.text).hint_text("113.934,22.540"))
                .labelled_by(l.id);
        });
        ui.horizontal_wrapped(|ui| {
            for (c, zh, en) in [
                (SourceCrs::Wgs84, "WGS-84（GPS）", "WGS-84 (GPS)"),
                (
                    SourceCrs::Gcj02,
                    "GCJ-02（高德、腾讯）",
                    "GCJ-02 (Amap, Tencent)",
                ),
                (SourceCrs::Bd09, "BD-09（百度）", "BD-09 (Baidu)"),
            ] {
                ui.radio_value(&mut d.crs, c, self.tr(zh, en));
            }
        });
        let lang = self.lang();
        let unknown = self.tr("未知", "unknown");
        let shown = d
            .segment
            .as_deref()
            .map(|s| self.fit.label(s, lang).to_string())
            .unwrap_or_else(|| unknown.clone());
        ui.horizontal_wrapped(|ui| {
            ui.label(self.tr("领域", "Segment"));
            egui::ComboBox::from_id_salt("my-site-segment")
                .selected_text(shown)
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut d.segment, None, unknown);
                    for s in &self.fit.segments {
                        let label = lang.one(&s.label_zh, &s.label_en).to_string();
                        ui.selectable_value(&mut d.segment, Some(s.key.clone()), label);
                    }
                });
        });
        ui.horizontal_wrapped(|ui| {
            let pick = self.tr("在地图上点选", "Pick on the map");
            ui.toggle_value(&mut self.map.picking_site, pick);
            if ui.button(self.tr("显示建议", "Show advice")).clicked() {
                match d.site() {
                    Ok(site) => {
                        d.error = None;
                        self.push(Command::SetSite(Some(site)));
                    }
                    Err(e) => d.error = Some(e),
                }
            }
            if self.site.is_some() && ui.button(self.tr("清除", "Clear")).clicked() {
                self.push(Command::SetSite(None));
            }
        });
        if let Some(e) = &d.error {
            ui.colored_label(color(palette::ERROR, 1.0), e);
        }
    }

    /// A point clicked while picking: fills the box and asks for advice at once.
    pub(crate) fn site_picked(&mut self, p: LonLat) {
        self.map.picking_site = false;
        let d = self.my_site.get_or_insert_with(Default::default);
        d.set_point(p);
        let site = d.site();
        if let Ok(site) = site {
            self.push(Command::SetSite(Some(site)));
        }
    }
}
