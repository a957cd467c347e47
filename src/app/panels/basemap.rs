//! The street basemap form in the left panel: which tile service, its key or template, opacity,
//! offline mode and the cache size (range from `limits`). Keys and templates apply when the
//! field loses focus, so half-typed keys are never sent.

use crate::app::ClusterAtlasApp;
use crate::model::limits;
use crate::tiles::{TileCrs, TileKind};

/// A single-line text field whose value is committed on Enter or when it loses focus.
fn committed_text(ui: &mut egui::Ui, salt: &str, value: &mut String, password: bool, hint: &str) {
    let id = ui.make_persistent_id(salt);
    let mut buf = ui
        .data_mut(|d| d.get_temp::<String>(id))
        .unwrap_or_else(|| value.clone());
    let r = ui.add(
        egui::TextEdit::singleline(&mut buf)
            .password(password)
            .hint_text(hint)
            .desired_width(ui.available_width()),
    );
    if r.lost_focus() {
        *value = buf.trim().to_string();
        ui.data_mut(|d| d.remove::<String>(id));
    } else if r.has_focus() {
        ui.data_mut(|d| d.insert_temp(id, buf));
    }
}

impl ClusterAtlasApp {
    pub(crate) fn basemap_ui(&mut self, ui: &mut egui::Ui) {
        let title = self.tr("街道底图（瓦片）", "Street basemap (tiles)");
        let kinds = [
            (TileKind::None, self.tr("无（离线）", "None (offline)")),
            (TileKind::Osm, "OpenStreetMap".to_string()),
            (
                TileKind::Amap,
                self.tr("高德地图（GCJ-02 纠偏）", "Amap 高德 (GCJ-02, corrected)"),
            ),
            (
                TileKind::Tianditu,
                self.tr("天地图（需密钥）", "Tianditu 天地图 (key)"),
            ),
            (TileKind::Custom, self.tr("自定义 XYZ", "Custom XYZ")),
        ];
        let texts = [
            self.tr("天地图密钥 tk", "Tianditu key (tk)"),
            self.tr("瓦片地址模板", "Tile URL template"),
            self.tr("署名（版权）", "Attribution"),
            self.tr("不透明度", "Opacity"),
            self.tr("仅用缓存（离线）", "Cached tiles only (offline)"),
            self.tr("缓存上限（MB）", "Cache limit (MB)"),
            self.tr("重试失败的瓦片", "Retry failed tiles"),
            self.tr(
                "开启后从所选服务下载瓦片（需联网）；数据不会上传。",
                "Tiles are downloaded from the chosen service (network); your data is not sent.",
            ),
            self.tr("{n} 块瓦片尚未显示", "{n} tiles not shown yet"),
        ];
        let waiting = self.map.tiles.waiting;
        let t = &mut self.settings.tiles;
        egui::CollapsingHeader::new(title)
            .id_salt("basemap")
            .default_open(false)
            .show(ui, |ui| {
                let current = kinds
                    .iter()
                    .find(|(k, _)| *k == t.kind)
                    .map(|(_, l)| l.clone())
                    .unwrap_or_default();
                egui::ComboBox::from_id_salt("tile kind")
                    .selected_text(current)
                    .width(ui.available_width() - 8.0)
                    .show_ui(ui, |ui| {
                        for (k, label) in &kinds {
                            ui.selectable_value(&mut t.kind, *k, label);
                        }
                    });
                match t.kind {
                    TileKind::Tianditu => {
                        ui.label(&texts[0]);
                        committed_text(ui, "tk", &mut t.tianditu_key, true, "0123abcd…");
                    }
                    TileKind::Custom => {
                        ui.label(&texts[1]);
                        committed_text(
                            ui,
                            "url",
                            &mut t.custom_url,
                            false,
                            "https://host/{z}/{x}/{y}.png",
                        );
                        ui.horizontal(|ui| {
                            ui.radio_value(&mut t.custom_crs, TileCrs::Wgs84, "WGS-84");
                            ui.radio_value(&mut t.custom_crs, TileCrs::Gcj02, "GCJ-02");
                        });
                        ui.label(&texts[2]);
                        committed_text(ui, "attr", &mut t.custom_attribution, false, "© …");
                    }
                    _ => {}
                }
                if t.kind == TileKind::None {
                    return;
                }
                ui.label(&texts[3]);
                ui.add(egui::Slider::new(
                    &mut t.opacity,
                    limits::OPACITY.range_f32(),
                ));
                ui.checkbox(&mut t.offline, &texts[4]);
                ui.horizontal(|ui| {
                    ui.label(&texts[5]);
                    let r = limits::TILE_CACHE_MB;
                    ui.add(
                        egui::DragValue::new(&mut t.cache_mb).range(r.min as u32..=r.max as u32),
                    );
                });
                ui.small(&texts[7]);
                if waiting > 0 {
                    ui.small(texts[8].replace("{n}", &waiting.to_string()));
                }
            });
        if self.settings.tiles.kind != TileKind::None
            && self
                .map
                .tiles
                .fetcher()
                .is_some_and(|f| f.stats().failed > 0)
            && ui.small_button(&texts[6]).clicked()
            && let Some(f) = self.map.tiles.fetcher()
        {
            f.retry_failed();
        }
    }
}
