//! Menu bar, status bar, map buttons, and the About and Policy windows.

use super::view::View;
use crate::app::map_view::color;
use crate::app::{ClusterAtlasApp, Command};
use crate::data::bundled;
use crate::model::PolicyKind;
use crate::scene::Lang;
use crate::scene::palette;

/// Closes the window, as File ▸ Quit does (Ctrl+Q; ⌘Q on a Mac).
const QUIT: egui::KeyboardShortcut =
    egui::KeyboardShortcut::new(egui::Modifiers::COMMAND, egui::Key::Q);

impl ClusterAtlasApp {
    pub(crate) fn top_bar(&mut self, ui: &mut egui::Ui) {
        if ui.input_mut(|i| i.consume_shortcut(&QUIT)) {
            ui.ctx().send_viewport_cmd(egui::ViewportCommand::Close);
        }
        let shown = egui::Panel::top("menu").show(ui, |ui| {
            egui::MenuBar::new().ui(ui, |ui| {
                ui.menu_button(self.tr("文件", "File"), |ui| self.file_menu(ui));
                ui.menu_button(self.tr("视图", "View"), |ui| self.view_menu(ui));
                ui.menu_button(self.tr("工具", "Tools"), |ui| self.tools_menu(ui));
                ui.menu_button(self.tr("帮助", "Help"), |ui| self.help_menu(ui));
                ui.separator();
                self.language_switch(ui);
                ui.separator();
                if self.data.synthetic {
                    ui.colored_label(
                        color(palette::WARNING, 1.0),
                        self.tr("企业为合成示例数据", "Firms: SYNTHETIC sample"),
                    );
                }
            });
        });
        self.panels
            .layout
            .panels
            .push(("menu", shown.response.rect));
    }

    /// Draws the File menu's entries: open, recent files, slots, save, export, reset, quit.
    fn file_menu(&mut self, ui: &mut egui::Ui) {
        if ui.button(self.tr("打开企业文件…", "Open firms…")).clicked() {
            match pick_file(FIRM_EXTENSIONS) {
                Some(p) => self.push(Command::OpenImport(p)),
                None => self.no_file_chosen(),
            }
            ui.close();
        }
        if ui
            .button(self.tr("打开集聚区文件…", "Open zones…"))
            .clicked()
        {
            match pick_file(ZONE_EXTENSIONS) {
                Some(p) => self.push(Command::OpenImport(p)),
                None => self.no_file_chosen(),
            }
            ui.close();
        }
        if ui.button(self.tr("打开项目…", "Open project…")).clicked() {
            match pick_file(&["json"]) {
                Some(p) => self.push(Command::OpenProject(p)),
                None => self.no_file_chosen(),
            }
            ui.close();
        }
        if ui
            .button(self.tr("项目另存为…", "Save project as…"))
            .clicked()
        {
            self.push(Command::AskSaveProject);
            ui.close();
        }
        if ui.button(self.tr("按路径打开…", "Open by path…")).clicked() {
            self.open_path = Some(String::new());
            ui.close();
        }
        ui.menu_button(self.tr("最近打开", "Recent files"), |ui| {
            self.recent_files_menu(ui)
        });
        if ui
            .button(self.tr("匹配到 15 个集聚区编号…", "Match zones to the 15 slots…"))
            .clicked()
        {
            self.open_slot_dialog();
            ui.close();
        }
        if ui
            .button(self.tr("集聚区另存为…", "Save zones as…"))
            .clicked()
        {
            self.save_zones_path = Some(String::new());
            ui.close();
        }
        if ui.button(self.tr("导出地图…", "Export map…")).clicked() {
            self.export = Some(crate::app::ExportDialog::new(self.lang()));
            ui.close();
        }
        if ui
            .button(self.tr("恢复内置数据", "Back to the bundled data"))
            .clicked()
        {
            self.push(Command::ResetBundled);
            ui.close();
        }
        ui.separator();
        if ui
            .add(
                egui::Button::new(self.tr("退出", "Quit"))
                    .shortcut_text(ui.ctx().format_shortcut(&QUIT)),
            )
            .clicked()
        {
            ui.ctx().send_viewport_cmd(egui::ViewportCommand::Close);
            ui.close();
        }
    }

    /// Draws the Recent files submenu: one button per recently opened file.
    fn recent_files_menu(&mut self, ui: &mut egui::Ui) {
        let recent = self.settings.recent.clone();
        if recent.is_empty() {
            ui.label(self.tr("（无）", "(none)"));
        }
        for f in recent {
            let kind = if f.zones {
                self.tr("集聚区", "zones")
            } else {
                self.tr("企业", "firms")
            };
            if ui
                .button(format!("{} ({kind})", f.path.display()))
                .clicked()
            {
                if f.zones {
                    self.push(Command::LoadZones(f.path.clone(), f.zone_options.clone()));
                } else {
                    self.push(Command::LoadFirms(f.path.clone(), f.firm_options.clone()));
                }
                ui.close();
            }
        }
    }

    /// Draws the View menu's entries: fit buttons and the side-panel toggles.
    fn view_menu(&mut self, ui: &mut egui::Ui) {
        if ui.button(self.tr("缩放到数据", "Fit to data")).clicked() {
            self.push(Command::FitData);
            ui.close();
        }
        if ui
            .button(self.tr("缩放到深圳", "Fit to Shenzhen"))
            .clicked()
        {
            self.push(Command::FitCity);
            ui.close();
        }
        let (l, r) = (
            self.tr("图层与分析面板", "Layers and analysis panel"),
            self.tr("详情面板", "Inspector panel"),
        );
        ui.checkbox(&mut self.settings.left_panel, l);
        ui.checkbox(&mut self.settings.right_panel, r);
    }

    /// Draws the Tools menu's entries: the measuring toggle.
    fn tools_menu(&mut self, ui: &mut egui::Ui) {
        let label = self.tr("测距", "Measure distance");
        if ui.checkbox(&mut self.map.measuring, label).changed() {
            self.map.measure.clear();
        }
        if ui
            .button(self.tr(
                "我的位置…（不在数据中的企业）",
                "My site… (a firm not in the data)",
            ))
            .clicked()
        {
            self.my_site.get_or_insert_with(Default::default);
            ui.close();
        }
        let draw = self.tr(
            "绘制集聚区…（依据规划图，选中集聚区则重绘其边界）",
            "Draw zone… (from a plan map; redraws the selected zone)",
        );
        if ui.button(draw).clicked() {
            self.push(Command::StartDigitiser(self.selection.zone));
            ui.close();
        }
    }

    /// Draws the Help menu's entries: the Policy and About windows.
    fn help_menu(&mut self, ui: &mut egui::Ui) {
        if ui
            .button(self.tr("政策与改造流程", "Policy and renovation procedure"))
            .clicked()
        {
            self.show_policy = true;
            ui.close();
        }
        if ui
            .button(self.tr("关于与数据来源", "About and data sources"))
            .clicked()
        {
            self.show_about = true;
            ui.close();
        }
    }

    /// Draws the 中文 / English language switch of the menu bar.
    fn language_switch(&mut self, ui: &mut egui::Ui) {
        let lang = self.lang();
        if ui.selectable_label(lang == Lang::Zh, "中文").clicked() {
            self.push(Command::SetLang(Lang::Zh));
        }
        if ui.selectable_label(lang == Lang::En, "English").clicked() {
            self.push(Command::SetLang(Lang::En));
        }
    }

    pub(crate) fn status_bar(&mut self, ui: &mut egui::Ui) {
        let shown = egui::Panel::bottom("status").show(ui, |ui| {
            ui.horizontal_wrapped(|ui| {
                match self.map.cursor {
                    Some(ll) => {
                        let g = crate::crs::wgs84_to_gcj02(ll);
                        ui.monospace(format!(
                            "WGS-84 {:.5}, {:.5}   GCJ-02 {:.5}, {:.5}",
                            ll.lon, ll.lat, g.lon, g.lat
                        ));
                    }
                    None => {
                        ui.monospace(self.tr(
                            "将鼠标移到地图上查看坐标",
                            "Move over the map for coordinates",
                        ));
                    }
                }
                ui.separator();
                ui.label(format!(
                    "{} {} · {} {}",
                    self.data.firms.len(),
                    self.tr("家企业", "firms"),
                    self.data.zones.len(),
                    self.tr("个集聚区", "zones")
                ));
                if self.map.measuring {
                    ui.separator();
                    ui.label(self.tr(
                        "测距：单击添加点，右键清除",
                        "Measuring: click to add points, right-click to clear",
                    ));
                }
                if let Some(job) = &self.job {
                    ui.separator();
                    let (f, step) = job.fraction();
                    let step = crate::app::reasons::step_name(&step, self.lang());
                    let label = if self.lang().chinese() {
                        &job.label_zh
                    } else {
                        &job.label_en
                    };
                    ui.add(
                        egui::ProgressBar::new(f)
                            .desired_width(160.0)
                            .text(format!("{label} {step}")),
                    );
                    // Elapsed seconds instead of a spinner: a spinner repaints every frame,
                    // and under a software renderer that takes CPU from the job itself.
                    let secs = job.task.started.elapsed().as_secs_f64();
                    ui.small(format!("{secs:.0} s"));
                }
            });
            if let Some((_, file)) = self.previous.clone() {
                ui.horizontal_wrapped(|ui| {
                    let head = if self.undo_is_edit {
                        self.tr("集聚区已更改：", "Zones changed:")
                    } else {
                        self.tr(
                            "地图上显示的是刚载入的",
                            "The map shows the file just loaded:",
                        )
                    };
                    ui.label(format!("{head} {file}"));
                    if ui.button(self.tr("保留", "Keep")).clicked() {
                        self.previous = None;
                    }
                    if ui
                        .add_enabled(
                            self.job.is_none(),
                            egui::Button::new(self.tr("撤销载入", "Undo")),
                        )
                        .clicked()
                    {
                        self.push(Command::UndoLoad);
                    }
                });
            }
            let mut dismiss = None;
            for (k, m) in self.messages.iter().enumerate().rev().take(3) {
                ui.horizontal_wrapped(|ui| {
                    let c = if m.error {
                        color(palette::ERROR, 1.0)
                    } else {
                        ui.visuals().text_color()
                    };
                    ui.colored_label(c, m.shown(self.lang()));
                    if ui
                        .small_button("×")
                        .on_hover_text(self.tr("关闭", "Dismiss"))
                        .clicked()
                    {
                        dismiss = Some(k);
                    }
                });
            }
            if let Some(k) = dismiss {
                self.messages.remove(k);
            }
        });
        self.panels
            .layout
            .panels
            .push(("status", shown.response.rect));
    }

    /// Zoom and fit buttons over the map's top-left corner.
    pub(crate) fn map_buttons(&mut self, ui: &mut egui::Ui) {
        let rect = ui.max_rect();
        let area = egui::Area::new(egui::Id::unique("map-buttons"))
            .fixed_pos(rect.min + egui::vec2(10.0, 10.0));
        area.show(ui.ctx(), |ui| {
            egui::Frame::popup(ui.style()).show(ui, |ui| {
                // The area keeps last frame's width: never wrap "Fit"/"全图" after a language
                // switch.
                ui.style_mut().wrap_mode = Some(egui::TextWrapMode::Extend);
                ui.vertical(|ui| {
                    let mut vp = self.viewport();
                    let centre = vp.centre_px();
                    if ui
                        .button("+")
                        .on_hover_text(self.tr("放大", "Zoom in"))
                        .clicked()
                    {
                        vp.zoom_about(1.5, centre);
                        self.settings.view = Some(vp);
                    }
                    if ui
                        .button("−")
                        .on_hover_text(self.tr("缩小", "Zoom out"))
                        .clicked()
                    {
                        vp.zoom_about(1.0 / 1.5, centre);
                        self.settings.view = Some(vp);
                    }
                    if ui
                        .button(self.tr("全图", "Fit"))
                        .on_hover_text(self.tr("缩放到数据", "Fit to data"))
                        .clicked()
                    {
                        self.push(Command::FitData);
                    }
                    let measuring = self.map.measuring;
                    if ui
                        .selectable_label(measuring, self.tr("测距", "Ruler"))
                        .on_hover_text(self.tr(
                            "测距：单击添加点，右键清除",
                            "Measure: click to add points, right-click to clear",
                        ))
                        .clicked()
                    {
                        self.map.measuring = !measuring;
                        self.map.measure.clear();
                    }
                });
            });
        });
        if self.map.measuring && self.map.measure.len() >= 2 {
            let proj = self.data.index.projection;
            let total: f64 = self
                .map
                .measure
                .windows(2)
                .map(|w| proj.ground_distance(w[0], w[1]))
                .sum();
            egui::Area::new(egui::Id::unique("measure-readout"))
                .fixed_pos(rect.min + egui::vec2(60.0, 10.0))
                .show(ui.ctx(), |ui| {
                    egui::Frame::popup(ui.style()).show(ui, |ui| {
                        ui.label(format!(
                            "{} {}",
                            self.tr("地面距离", "Ground distance"),
                            crate::app::map_view::fmt_distance(total)
                        ));
                        for (k, w) in self.map.measure.windows(2).enumerate() {
                            ui.small(format!(
                                "{}: {}",
                                k + 1,
                                crate::app::map_view::fmt_distance(
                                    proj.ground_distance(w[0], w[1])
                                )
                            ));
                        }
                    });
                });
        }
    }

    pub(crate) fn windows(&mut self, ctx: &egui::Context) {
        let lang = self.lang();
        let mut about = self.show_about;
        egui::Window::new(self.tr("关于与数据来源", "About and data sources")).open(&mut about).default_width(560.0).show(ctx, |ui| {
            ui.heading("cluster-atlas · 深圳产业集聚区地图");
            ui.label(format!(
                "{} {} · {} {} · {} {}",
                self.tr("版本", "Version"),
                crate::version::VERSION,
                self.tr("提交", "commit"),
                crate::version::COMMIT,
                self.tr("构建日期", "built"),
                crate::version::BUILD_DATE
            ));
            ui.separator();
            for (_, en, zh) in bundled::SOURCES {
                ui.label(lang.one(zh, en));
            }
            ui.separator();
            ui.label(self.tr(
                "集聚区位置和范围为近似：中心点为人工标定（±1–3 公里），范围按资料所载规划面积绘制，并非官方边界；8 个集聚区尚未识别。请载入官方集聚区文件以获得准确结果。",
                "Zone geometry is approximate: centres are hand-placed (±1–3 km) and footprints drawn to the planned area a source states; they are not official boundaries, and 8 zones are not yet identified. Load the official zone file for exact results.",
            ));
            ui.label(self.tr("内置企业为合成示例数据（示例企业…），并非真实企业。", "The bundled firms are a synthetic sample (示例企业…), not real companies."));
            ui.label(self.tr("字体：Noto Sans SC 子集（SIL OFL 1.1，见 assets/fonts/OFL.txt）。", "Font: Noto Sans SC subset (SIL OFL 1.1, see assets/fonts/OFL.txt)."));
            ui.separator();
            ui.label(self.tr("当前数据", "Current data"));
            ui.label(format!("{}: {}", self.tr("集聚区", "Zones"), self.data.zones_report.file));
            ui.label(format!("{}: {}", self.tr("企业", "Firms"), self.data.firms_report.file));
        });
        self.show_about = about;

        let mut policy = self.show_policy;
        egui::Window::new(self.tr("政策与改造流程", "Policy and renovation procedure"))
            .open(&mut policy)
            .default_width(620.0)
            .vscroll(true)
            .show(ctx, |ui| {
                policy_ui(&self.view(), ui, None);
            });
        self.show_policy = policy;

        if let Some(mut path) = self.open_path.take() {
            // A typed path: for desktops without a file-dialog service (the native dialog
            // then cannot open) and for scripted use.
            let mut open = true;
            let mut go = false;
            egui::Window::new(self.tr("按路径打开", "Open by path")).open(&mut open).show(ctx, |ui| {
                ui.label(self.tr("文件路径（CSV、Excel、GeoJSON、Shapefile、GeoPackage、KML；CSV 与 GeoJSON 也可为 gzip 压缩的 .gz）；也可把文件拖到窗口上。", "File path (CSV, Excel, GeoJSON, Shapefile, GeoPackage, KML; CSV and GeoJSON also gzip-compressed, .gz); you can also drop a file on the window."));
                let r = ui.add(egui::TextEdit::singleline(&mut path).desired_width(420.0).hint_text("/path/to/firms.csv"));
                // Quotes from "Copy as path" and `file://` URIs are taken; a blank path opens nothing.
                let typed = !path.trim().is_empty();
                let open_button = ui.add_enabled(typed, egui::Button::new(self.tr("打开", "Open")));
                if open_button.clicked() || (typed && r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter))) {
                    go = true;
                }
            });
            let p = crate::data::typed_path(&path);
            if go && p.is_file() {
                self.push(Command::OpenImport(p));
            } else if go {
                let (zh, en) = match p.is_dir() {
                    true => ("是文件夹，不是文件", "A folder, not a file"),
                    false => ("找不到文件", "No such file"),
                };
                self.messages.push(crate::app::Message::both(
                    true,
                    self.lang(),
                    format!("{zh}: {}", p.display()),
                    format!("{en}: {}", p.display()),
                ));
                self.open_path = Some(path);
            } else if open {
                self.open_path = Some(path);
            }
        }
        if let Some(dialog) = self.import.take() {
            self.import = self.import_window(ctx, dialog);
        }
        if let Some(dialog) = self.slot_dialog.take() {
            self.slot_dialog = self.slot_window(ctx, dialog);
        }
        if let Some((tab, path)) = self.save_table_path.take() {
            self.save_table_path = self.save_table_window(ctx, tab, path).map(|p| (tab, p));
        }
        if let Some(path) = self.save_zones_path.take() {
            self.save_zones_path = self.save_zones_window(ctx, path);
        }
        if let Some(path) = self.save_project_path.take() {
            self.save_project_path = self.save_project_window(ctx, path);
        }
        self.my_site_window(ctx);
        self.digitiser_window(ctx);
        if let Some(dialog) = self.export.take() {
            self.export = self.export_window(ctx, dialog);
        }
    }
}

/// The seed letter's programmes, zone facts and the 9-step procedure; `district` names the
/// renewal office when a target zone's district is known.
pub(super) fn policy_ui(view: &View, ui: &mut egui::Ui, district: Option<&str>) {
    let lang = view.lang;
    let pick = |i: &crate::model::PolicyItem| i.text(lang).to_string();
    let source = |i: &crate::model::PolicyItem| {
        format!(
            "{} · {} {}",
            i.source.document,
            view.tr("第", "line"),
            i.source.line
        ) + lang.one(" 行", "")
    };
    ui.heading(view.tr("扶持计划", "Support programmes"));
    for i in view
        .policy
        .items
        .iter()
        .filter(|i| i.kind == PolicyKind::Programme)
    {
        ui.label(format!("• {}", pick(i))).on_hover_text(format!(
            "{}\n“{}”",
            source(i),
            i.source.quote
        ));
    }
    ui.heading(view.tr("集聚区", "Zones"));
    for i in view
        .policy
        .items
        .iter()
        .filter(|i| i.kind == PolicyKind::ZoneFact)
    {
        ui.label(format!("• {}", pick(i))).on_hover_text(format!(
            "{}\n“{}”",
            source(i),
            i.source.quote
        ));
    }
    ui.heading(view.tr(
        "旧工业园区改造（城市更新）九个步骤",
        "Renovating an old industrial park: the 9 steps",
    ));
    ui.label(format!(
        "{} {}",
        view.tr("咨询：", "Ask:"),
        view.policy.district_office(district, lang)
    ));
    for i in view.policy.procedure() {
        ui.label(format!("{}. {}", i.step.unwrap_or(0), pick(i)))
            .on_hover_text(format!("{}\n“{}”", source(i), i.source.quote));
    }
    for i in view
        .policy
        .items
        .iter()
        .filter(|i| matches!(i.kind, PolicyKind::Renovation | PolicyKind::Reference))
    {
        ui.label(format!("• {}", pick(i))).on_hover_text(source(i));
    }
    ui.small(view.tr("来源：深工信人大函〔2019〕57号（2019-06-03）；个人姓名与电话已略去。", "Source: letter 深工信人大函〔2019〕57号 (2019-06-03); personal names and phone numbers left out."));
}

impl ClusterAtlasApp {
    /// The file dialog returned nothing: cancelled, or no dialog service on this desktop.
    fn no_file_chosen(&mut self) {
        self.messages.push(crate::app::Message::both(
            false,
            self.lang(),
            "未选择文件。如果没有弹出文件对话框，请用“文件 → 按路径打开…”或把文件拖到窗口上。".into(),
            "No file chosen. If no file dialog appeared, use File → Open by path… or drop the file on the window.".into(),
        ));
    }
}

/// Files the firm loader reads.
const FIRM_EXTENSIONS: &[&str] = &[
    "csv", "tsv", "txt", "xlsx", "xls", "xlsm", "ods", "geojson", "json", "shp", "zip", "gpkg",
    "kml", "kmz", "gz", "geojsons", "geojsonl", "jsonl", "ndjson",
];
/// Files the zone loader reads (`.gz`: gzip-compressed GeoJSON).
const ZONE_EXTENSIONS: &[&str] = &["geojson", "json", "shp", "zip", "gpkg", "kml", "kmz", "gz"];

/// A native file dialog (needs a desktop portal or zenity; returns None when unavailable).
fn pick_file(exts: &[&str]) -> Option<std::path::PathBuf> {
    rfd::FileDialog::new().add_filter("data", exts).pick_file()
}
