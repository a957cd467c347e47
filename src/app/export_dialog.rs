//! The Export… dialog: the same options as `cluster-atlas render`, a live preview, and the
//! export itself on a background thread.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use super::jobs::{self, Task};
use super::{ClusterAtlasApp, Message};
use crate::export::{self, ExportData, ExportError, ExportOptions, Extent, Preset};
use crate::scene::{Lang, Scene, Selection};
use crate::tiles::Fetcher;

/// How long an export from the window waits for its tiles (a preview waits less).
const EXPORT_TILE_WAIT: Duration = Duration::from_secs(60);
const PREVIEW_TILE_WAIT: Duration = Duration::from_secs(8);

/// Fetches the tiles an export needs from the window's basemap (none when it is off).
fn basemap_for(
    ed: &ExportData,
    opts: &ExportOptions,
    atlas: bool,
    tiles: Option<&(Arc<Fetcher>, f32)>,
    wait: Duration,
) -> Option<export::ExportTiles> {
    let (f, opacity) = tiles?;
    let vps = export::export_viewports(ed, opts, atlas).ok()?;
    Some(export::fetch_export_tiles(f, ed, &vps, wait, *opacity))
}

/// A rendered preview: width, height, premultiplied RGBA.
type Preview = (usize, usize, Vec<u8>);

/// What the dialog frames.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExtentChoice {
    View,
    All,
    Zone(usize),
}

/// The dialog's state.
pub struct ExportDialog {
    pub preset: Preset,
    pub dpi: u32,
    pub lang: Lang,
    pub title: String,
    pub subtitle: String,
    pub extent: ExtentChoice,
    pub atlas: bool,
    pub path: String,
    preview: Option<egui::TextureHandle>,
    preview_key: Option<String>,
    /// The equivalent command and its note, with the options they were made for.
    command: Option<(String, String, Option<String>)>,
    preview_rx: Option<Task<Preview>>,
    export_rx: Option<Task<String>>,
    pub status: Option<String>,
}

impl ExportDialog {
    pub fn new(lang: Lang) -> Self {
        Self {
            preset: Preset::Slide,
            dpi: 300,
            lang,
            title: String::new(),
            subtitle: String::new(),
            extent: ExtentChoice::View,
            atlas: false,
            path: std::env::current_dir()
                .unwrap_or_default()
                .join("cluster-atlas.png")
                .display()
                .to_string(),
            preview: None,
            preview_key: None,
            command: None,
            preview_rx: None,
            export_rx: None,
            status: None,
        }
    }
}

impl ClusterAtlasApp {
    /// The scene as exported: the window's layers and language, without the selection.
    pub fn export_scene(&self, lang: Lang) -> Scene {
        let mut settings = self.settings.scene.clone();
        settings.lang = lang;
        self.build_scene(&settings, Selection::default())
    }

    /// Fills in what the user left empty: the subtitle describes the data and clustering as
    /// the CLI does (the title default is applied when the page is drawn).
    pub fn export_options(&self, mut opts: ExportOptions) -> ExportOptions {
        let results = self
            .results
            .as_deref()
            .filter(|r| r.generation == self.data.generation);
        opts.title = opts.title.filter(|t| !t.trim().is_empty());
        if opts.subtitle.as_deref().is_none_or(|s| s.trim().is_empty()) {
            let shows_clusters = self.settings.scene.clusters.visible
                || self.settings.scene.firm_colour == crate::scene::FirmColour::Cluster;
            let in_view = if opts.extent == Extent::All {
                None
            } else {
                let scene = self.export_scene(opts.lang);
                let data = ExportData {
                    scene: &scene,
                    zones: &self.data.zones,
                    index: &self.data.index,
                    tiles: None,
                };
                export::firms_in_view(&data, &opts)
            };
            opts.subtitle = Some(export::default_subtitle(
                opts.lang,
                self.data.firms.len(),
                self.data.synthetic,
                results.filter(|_| shows_clusters).map(|r| {
                    (
                        r.analysis.clusters.len(),
                        r.params.dbscan.eps_m,
                        r.params.dbscan.min_pts,
                    )
                }),
                in_view,
            ));
        }
        opts
    }

    fn dialog_options(
        &self,
        d: &ExportDialog,
        preset: Preset,
        dpi: u32,
        date: String,
    ) -> ExportOptions {
        self.export_options(ExportOptions {
            preset,
            dpi,
            lang: d.lang,
            title: Some(d.title.clone()),
            subtitle: Some(d.subtitle.clone()),
            extent: self.dialog_extent(d),
            date,
        })
    }

    /// The footer stamp for the window's data and parameters.
    pub fn export_stamp(&self, lang: Lang) -> export::Stamp {
        let results = self
            .results
            .as_deref()
            .filter(|r| r.generation == self.data.generation);
        export::stamp_for(
            &self.data.zones_report,
            &self.data.firms_report,
            self.data.synthetic,
            results.map(|r| &r.params),
            Some(&self.settings.weights),
            lang,
        )
    }

    /// Writes a picture synchronously (the dialog runs this on a thread; tests call it).
    pub fn export_to(
        &self,
        path: &std::path::Path,
        opts: &ExportOptions,
    ) -> Result<(), ExportError> {
        let scene = self.export_scene(opts.lang);
        let stamp = self.export_stamp(opts.lang);
        let mut data = ExportData {
            scene: &scene,
            zones: &self.data.zones,
            index: &self.data.index,
            tiles: None,
        };
        let tiles = self.export_tiles();
        let got = basemap_for(&data, opts, false, tiles.as_ref(), EXPORT_TILE_WAIT);
        data.tiles = got.as_ref().map(|t| &t.set);
        export::export_file(path, &data, opts, &stamp)
    }

    /// What of the basemap a preview or printed command depends on (they are redone when it
    /// changes).
    fn basemap_key(&self) -> String {
        let t = &self.settings.tiles;
        format!(
            "{}{:?}{}{}{}",
            self.map.tiles.is_on(),
            t.kind,
            t.custom_url,
            t.opacity,
            t.offline
        )
    }

    /// The basemap an export draws under the data: the window's own, when one is on.
    fn export_tiles(&self) -> Option<(Arc<Fetcher>, f32)> {
        let f = self.map.tiles.fetcher()?;
        Some((Arc::clone(f), self.map.tiles.opacity()))
    }

    fn dialog_extent(&self, d: &ExportDialog) -> Extent {
        match d.extent {
            ExtentChoice::View => Extent::of_view(&self.viewport(), &self.data.index.projection),
            ExtentChoice::All => Extent::All,
            ExtentChoice::Zone(z) => self
                .data
                .zones
                .get(z)
                .map(|z| Extent::Zone(z.id.clone()))
                .unwrap_or(Extent::All),
        }
    }

    /// Shows the dialog; returns it while it stays open.
    pub(crate) fn export_window(
        &mut self,
        ctx: &egui::Context,
        mut d: ExportDialog,
    ) -> Option<ExportDialog> {
        let lang = self.lang();
        let mut open = true;
        let mut go = false;
        egui::Window::new(self.tr("导出地图…", "Export map…"))
            .open(&mut open)
            .default_width(560.0)
            .show(ctx, |ui| {
                go = self.export_dialog_ui(ui, &mut d, lang);
            });
        self.poll_export(&mut d);
        if go {
            self.start_export(ctx, &mut d);
        }
        if !open && d.export_rx.is_none() {
            return None;
        }
        Some(d)
    }

    /// Draws the dialog's contents: options, command line, preview and the Export button
    /// (returns whether it was clicked).
    fn export_dialog_ui(&self, ui: &mut egui::Ui, d: &mut ExportDialog, lang: Lang) -> bool {
        self.export_options_grid(ui, d, lang);
        // Equivalent command line, so a briefing can be re-made in scripts.
        let extent = self.dialog_extent(d);
        // Made from the export's own options; rebuilt only when they change.
        let key = format!(
            "{:?}{}{:?}{}{}{:?}{}{}{}{}{:?}{}",
            d.preset,
            d.dpi,
            d.lang,
            d.title,
            d.subtitle,
            extent,
            self.scene_gen,
            d.path,
            d.atlas,
            export::today(),
            self.settings.weights,
            self.basemap_key()
        );
        if d.command.as_ref().is_none_or(|c| c.0 != key) {
            let (_, cmd, note) = self.render_command(d, &self.final_options(d, export::today()));
            d.command = Some((key, cmd, note));
        }
        if let Some((_, cmd, note)) = &d.command {
            ui.small(self.tr("等效命令：", "Same from the command line:"));
            let text = egui::RichText::new(cmd.as_str()).monospace().small();
            ui.add(egui::Label::new(text).wrap());
            if let Some(n) = note {
                ui.small(n.as_str());
            }
        }
        self.export_preview(ui, d, &extent);
        let mut go = false;
        ui.horizontal(|ui| {
            let busy = d.export_rx.is_some();
            if ui
                .add_enabled(!busy, egui::Button::new(self.tr("导出", "Export")))
                .clicked()
            {
                go = true;
            }
            if busy {
                ui.spinner();
            }
            if let Some(s) = &d.status {
                ui.label(s);
            }
        });
        go
    }

    /// Draws the options grid: page, DPI, language, titles, extent and file.
    fn export_options_grid(&self, ui: &mut egui::Ui, d: &mut ExportDialog, lang: Lang) {
        egui::Grid::new("export-opts")
            .num_columns(2)
            .show(ui, |ui| {
                let l = ui.label(self.tr("版式", "Page"));
                egui::ComboBox::from_id_salt("export-preset")
                    .selected_text(d.preset.name())
                    .show_ui(ui, |ui| {
                        ui.selectable_value(
                            &mut d.preset,
                            Preset::Slide,
                            self.tr("幻灯片 16:9（1920×1080）", "Slide 16:9 (1920×1080)"),
                        );
                        ui.selectable_value(
                            &mut d.preset,
                            Preset::A4,
                            self.tr("A4 横向", "A4 landscape"),
                        );
                        ui.selectable_value(
                            &mut d.preset,
                            Preset::A4Portrait,
                            self.tr("A4 纵向", "A4 portrait"),
                        );
                        ui.selectable_value(
                            &mut d.preset,
                            Preset::A3,
                            self.tr("A3 横向", "A3 landscape"),
                        );
                    })
                    .response
                    .labelled_by(l.id);
                ui.end_row();
                let l = ui.label("DPI");
                ui.add_enabled(
                    !matches!(d.preset, Preset::Slide),
                    egui::DragValue::new(&mut d.dpi).range(crate::model::limits::DPI.range_u32()),
                )
                .labelled_by(l.id);
                ui.end_row();
                ui.label(self.tr("语言", "Language"));
                ui.horizontal(|ui| {
                    ui.radio_value(&mut d.lang, Lang::Zh, "中文");
                    ui.radio_value(&mut d.lang, Lang::En, "English");
                    ui.radio_value(&mut d.lang, Lang::Both, self.tr("中英", "Both"));
                });
                ui.end_row();
                let l = ui.label(self.tr("标题", "Title"));
                ui.text_edit_singleline(&mut d.title).labelled_by(l.id);
                ui.end_row();
                let l = ui.label(self.tr("副标题", "Subtitle"));
                ui.text_edit_singleline(&mut d.subtitle).labelled_by(l.id);
                ui.end_row();
                ui.label(self.tr("范围", "Extent"));
                ui.vertical(|ui| self.export_extent_choice(ui, d, lang));
                ui.end_row();
                let l = ui.label(self.tr(
                    "文件（.png / .svg / .pdf；图集为文件夹）",
                    "File (.png / .svg / .pdf; a folder for the atlas)",
                ));
                ui.text_edit_singleline(&mut d.path).labelled_by(l.id);
                ui.end_row();
            });
    }

    /// Draws the extent choice: current view, all data or one zone, and the atlas checkbox.
    fn export_extent_choice(&self, ui: &mut egui::Ui, d: &mut ExportDialog, lang: Lang) {
        ui.radio_value(
            &mut d.extent,
            ExtentChoice::View,
            self.tr("当前视图", "Current view"),
        );
        ui.radio_value(
            &mut d.extent,
            ExtentChoice::All,
            self.tr("全部数据", "All data"),
        );
        let zone_label = match d.extent {
            ExtentChoice::Zone(z) => self
                .data
                .zones
                .get(z)
                .map(|z| z.id.clone())
                .unwrap_or_default(),
            _ => self.tr("集聚区…", "Zone…"),
        };
        egui::ComboBox::from_id_salt("export-zone")
            .selected_text(zone_label)
            .show_ui(ui, |ui| {
                for shape in &self.data.index.zone_shapes {
                    let z = &self.data.zones[shape.zone];
                    ui.selectable_value(
                        &mut d.extent,
                        ExtentChoice::Zone(shape.zone),
                        format!("{} {}", z.id, crate::scene::short_zone_name(z, lang)),
                    );
                }
            });
        ui.checkbox(
            &mut d.atlas,
            self.tr(
                "图集：每个集聚区一页，同一比例尺",
                "Atlas: one page per zone, same scale",
            ),
        );
        if self.map.tiles.is_on() {
            ui.small(self.tr(
                "街道底图瓦片一并导出（在左侧“街道底图”中关闭）",
                "The street basemap is included (turn it off under Street basemap)",
            ));
        }
    }

    /// Draws the live preview (rendered off the UI thread at a small size, again whenever the
    /// options change), or a spinner while it renders.
    fn export_preview(&self, ui: &mut egui::Ui, d: &mut ExportDialog, extent: &Extent) {
        let key = format!(
            "{:?}{}{:?}{}{}{:?}{}{}",
            d.preset,
            d.dpi,
            d.lang,
            d.title,
            d.subtitle,
            extent,
            self.scene_gen,
            self.basemap_key()
        );
        if d.preview_key.as_deref() != Some(key.as_str()) && d.preview_rx.is_none() {
            d.preview_key = Some(key);
            let (w, h) = d.preset.size_px(d.dpi);
            let pw = 640u32;
            let ph = (pw as f64 * h as f64 / w.max(1) as f64).round() as u32;
            let opts = self.dialog_options(d, Preset::Custom(pw, ph.max(200)), 96, export::today());
            let scene = self.export_scene(d.lang);
            let stamp = self.export_stamp(d.lang);
            let data = self.data.clone();
            let tiles = self.export_tiles();
            d.preview_rx = Some(jobs::spawn("preview", ui.ctx(), move |_| {
                let mut ed = ExportData {
                    scene: &scene,
                    zones: &data.zones,
                    index: &data.index,
                    tiles: None,
                };
                let got = basemap_for(&ed, &opts, false, tiles.as_ref(), PREVIEW_TILE_WAIT);
                ed.tiles = got.as_ref().map(|t| &t.set);
                export::page_layout(&scene, &opts)
                    .and_then(|layout| {
                        let vp = export::map_viewport(&ed, &opts.extent, &layout)?;
                        let mut c =
                            export::png::PngCanvas::new(layout.width as u32, layout.height as u32)
                                .ok_or(ExportError::BadSize(
                                    layout.width as u32,
                                    layout.height as u32,
                                ))?;
                        export::render_page(&mut c, &ed, &opts, &stamp, &layout, &vp);
                        Ok((
                            c.pixmap.width() as usize,
                            c.pixmap.height() as usize,
                            c.pixmap.data().to_vec(),
                        ))
                    })
                    .map_err(|e| e.to_string())
            }));
        }
        if let Some(task) = &d.preview_rx
            && let Some(r) = task.poll()
        {
            d.preview_rx = None;
            match r {
                Ok((w, h, rgba)) => {
                    let img = egui::ColorImage::from_rgba_premultiplied([w, h], &rgba);
                    d.preview = Some(ui.ctx().load_texture(
                        "export-preview",
                        img,
                        egui::TextureOptions::LINEAR,
                    ));
                }
                Err(e) => d.status = Some(e),
            }
        }
        if let Some(t) = &d.preview {
            let size = t.size_vec2();
            let scale = (ui.available_width() / size.x).min(1.0);
            ui.image((t.id(), size * scale));
        } else {
            ui.spinner();
        }
    }

    /// Takes a finished export's result into the dialog's status and the messages.
    fn poll_export(&mut self, d: &mut ExportDialog) {
        if let Some(task) = &d.export_rx
            && let Some(r) = task.poll()
        {
            d.export_rx = None;
            match r {
                Ok(msg) => {
                    d.status = Some(msg.clone());
                    self.messages.push(Message::plain(false, msg));
                }
                Err(e) => {
                    d.status = Some(e.clone());
                    // (Stays until dismissed: in Chinese too when the reason is known.)
                    let zh = format!(
                        "导出失败: {}",
                        super::reasons::report_text(&e, crate::model::Lang::Zh)
                    );
                    let en = format!("Export failed: {e}");
                    self.messages.push(Message::both(true, self.lang(), zh, en));
                }
            }
        }
    }

    /// The options the export uses, dated `date` (the equivalent command is made from them).
    pub fn final_options(&self, d: &ExportDialog, date: String) -> ExportOptions {
        // A slide is a screen picture: 96 dpi whatever the paper setting says.
        let dpi = if matches!(d.preset, Preset::Slide) {
            96
        } else {
            d.dpi
        };
        let mut opts = self.dialog_options(d, d.preset, dpi, date);
        if d.atlas && d.subtitle.trim().is_empty() {
            // Each atlas page names its own zone.
            opts.subtitle = None;
        }
        opts
    }

    /// The `cluster-atlas render` arguments that redraw what `opts` export, and a note when
    /// the window shows something no command line can name (zones matched to slots).
    pub fn render_command(
        &self,
        d: &ExportDialog,
        opts: &ExportOptions,
    ) -> (Vec<String>, String, Option<String>) {
        let results = self
            .results
            .as_deref()
            .filter(|r| r.generation == self.data.generation);
        let open = &self.settings.open;
        let zones = open
            .zones
            .as_ref()
            .map(|z| (z.path.as_path(), &z.zone_options));
        let firms = open
            .firms
            .as_ref()
            .map(|f| (f.path.as_path(), &f.firm_options));
        let note = (zones.is_none() && !self.data.zones_report.file.starts_with("bundled:"))
            .then(|| {
                self.tr(
                    "集聚区为窗口中匹配的结果：先用“保存集聚区为…”保存，再加 --zones 文件",
                    "The zones were matched in the window: save them (Save zones as…) and add --zones FILE",
                )
            });
        let mut scene = self.settings.scene.clone();
        scene.lang = opts.lang;
        let out = PathBuf::from(d.path.trim());
        let cmd = export::command::RenderCommand {
            zones,
            firms,
            analysis: results.map(|r| &r.params),
            scene: &scene,
            weights: &self.settings.weights,
            opts,
            atlas: d.atlas.then_some(export::Format::Png),
            tiles: Some(&self.settings.tiles),
            out: &out,
        };
        (cmd.args(), cmd.shell(), note)
    }

    /// Starts the export (one file, or an atlas folder) on a background thread.
    fn start_export(&self, ctx: &egui::Context, d: &mut ExportDialog) {
        let path = PathBuf::from(d.path.trim());
        let opts = self.final_options(d, export::today());
        let scene = Arc::new(self.export_scene(d.lang));
        let stamp = self.export_stamp(d.lang);
        let data = self.data.clone();
        let atlas = d.atlas;
        let tiles = self.export_tiles();
        d.export_rx = Some(jobs::spawn("export", ctx, move |_| {
            let mut ed = ExportData {
                scene: &scene,
                zones: &data.zones,
                index: &data.index,
                tiles: None,
            };
            let got = basemap_for(&ed, &opts, atlas, tiles.as_ref(), EXPORT_TILE_WAIT);
            ed.tiles = got.as_ref().map(|t| &t.set);
            let missing = got
                .as_ref()
                .and_then(|t| t.missing_message(EXPORT_TILE_WAIT));
            let r = if atlas {
                let format =
                    export::Format::from_path(&path.join("x.png")).unwrap_or(export::Format::Png);
                export::export_atlas(&path, format, &ed, &opts, &stamp)
                    .map(|files| format!("{} {} → {}", files.len(), "pages", path.display()))
            } else {
                export::export_file(&path, &ed, &opts, &stamp)
                    .map(|_| format!("→ {}", path.display()))
            };
            r.map(|done| match missing {
                Some(m) => format!("{done}\n⚠ {m}"),
                None => done,
            })
            .map_err(|e| e.to_string())
        }));
        d.status = None;
    }
}
