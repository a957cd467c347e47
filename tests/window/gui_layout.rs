//! Layouts that hold (issue 12, items 2, 3, 4, 6 and 9): at 1024×700, 1366×768 and 1920×1080,
//! in 中文 and English, with a zone and then a firm selected, every widget lies inside its
//! panel and the screen, the map keeps most of the window, and the zones table shows at least
//! five rows; ten resize and language cycles and a settings round trip leave the layout as it
//! was.
#![cfg(feature = "gui")]

use crate::common;

use cluster_atlas::app::{BottomTab, ClusterAtlasApp, Command, LayoutRecord, Settings};
use cluster_atlas::scene::Lang;
use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::NodeT;

const SIZES: [[f32; 2]; 3] = [[1024.0, 700.0], [1366.0, 768.0], [1920.0, 1080.0]];
/// Bundled zone Z03 and firm 0.
const ZONE: usize = 2;
const FIRM: usize = 0;

fn settings(lang: Lang) -> Settings {
    let mut s = Settings::default();
    s.scene.lang = lang;
    s
}

fn harness(app: ClusterAtlasApp, size: [f32; 2]) -> Harness<'static, ClusterAtlasApp> {
    let mut h = Harness::builder()
        .with_size(size)
        .build_ui_state(|ui, app: &mut ClusterAtlasApp| app.show(ui), app);
    settle(&mut h);
    h
}

/// Waits for the background work, then a few frames so panel sizes settle.
fn settle(h: &mut Harness<'static, ClusterAtlasApp>) {
    common::wait_idle(h);
    h.run_steps(6);
}

/// Saves a screenshot when CLUSTER_ATLAS_SCREENSHOTS names a folder (for looking at the
/// window by eye; not an assertion).
fn screenshot(h: &mut Harness<'static, ClusterAtlasApp>, name: &str) {
    if let Ok(dir) = std::env::var("CLUSTER_ATLAS_SCREENSHOTS")
        && let Ok(img) = h.render()
    {
        let _ = std::fs::create_dir_all(&dir);
        let _ = img.save(std::path::Path::new(&dir).join(format!("{name}.png")));
    }
}

/// A node's rect, role and text, and the top-level panel it was drawn in (by draw order).
struct Placed {
    rect: egui::Rect,
    role: Role,
    text: String,
    panel: Option<usize>,
}

fn collect(
    node: &egui_kittest::Node<'_>,
    panel: Option<usize>,
    n_panes: &mut usize,
    out: &mut Vec<Placed>,
) {
    let a = node.accesskit_node();
    let mut panel = panel;
    if a.role() == Role::Pane && panel.is_none() {
        panel = Some(*n_panes);
        *n_panes += 1;
    }
    if a.bounding_box().is_some() {
        out.push(Placed {
            rect: node.rect(),
            role: a.role(),
            text: a.label().or_else(|| a.value()).unwrap_or_default(),
            panel,
        });
    }
    for c in node.children() {
        collect(&c, panel, n_panes, out);
    }
}

fn placed(h: &Harness<'static, ClusterAtlasApp>) -> Vec<Placed> {
    let mut out = Vec::new();
    let mut n = 0;
    collect(&h.root(), None, &mut n, &mut out);
    out
}

/// Every widget inside the screen and, left to right and at its top, inside its panel
/// (content below a panel's bottom is scrolled content); every panel inside the screen.
fn misplaced(h: &Harness<'static, ClusterAtlasApp>) -> Vec<String> {
    let layout = h.state().layout();
    let screen = layout.screen.expand(1.0);
    let mut bad = Vec::new();
    for (name, r) in &layout.panels {
        if !screen.contains_rect(*r) {
            bad.push(format!(
                "panel {name} {r:?} outside the screen {:?}",
                layout.screen
            ));
        }
    }
    let all = placed(h);
    let fields: Vec<egui::Rect> = all
        .iter()
        .filter(|p| p.role == Role::TextInput)
        .map(|p| p.rect)
        .collect();
    for p in all {
        // Resize handles straddle panel edges by design; a field's text may run on past
        // the field, which clips it.
        let in_field = || fields.iter().any(|f| f.contains(p.rect.left_top()));
        if p.role == Role::Splitter || (p.role == Role::TextRun && in_field()) {
            continue;
        }
        let r = p.rect;
        if r.left() < screen.left() || r.right() > screen.right() || r.top() < screen.top() {
            bad.push(format!("{:?} '{}' {r:?} leaves the screen", p.role, p.text));
            continue;
        }
        let Some((name, panel)) = p.panel.and_then(|k| layout.panels.get(k)) else {
            continue;
        };
        let panel = panel.expand(1.0);
        if r.left() < panel.left() || r.right() > panel.right() || r.top() < panel.top() {
            bad.push(format!(
                "{:?} '{}' {r:?} leaves panel {name} {panel:?}",
                p.role, p.text
            ));
        }
    }
    bad
}

/// The part of the bottom panel where table rows are fully visible: inside the screen, above
/// the panel's bottom margin.
fn visible_body(panel: egui::Rect, h: &Harness<'static, ClusterAtlasApp>) -> egui::Rect {
    let mut r = panel.intersect(h.state().layout().screen);
    r.max.y -= 8.0;
    r
}

/// Rows of the zones table (their id links) wholly visible in the bottom panel.
fn visible_zone_rows(h: &Harness<'static, ClusterAtlasApp>) -> usize {
    let Some(table) = h.state().layout().panel("tables") else {
        return 0;
    };
    let table = visible_body(table, h);
    placed(h)
        .iter()
        .filter(|p| {
            p.role == Role::Link
                && p.text.len() == 3
                && p.text.starts_with('Z')
                && table.contains_rect(p.rect)
        })
        .count()
}

/// Rows of the firms table (their id links) wholly visible in the bottom panel.
fn visible_firm_rows(h: &Harness<'static, ClusterAtlasApp>) -> usize {
    let Some(table) = h.state().layout().panel("tables") else {
        return 0;
    };
    let table = visible_body(table, h);
    placed(h)
        .iter()
        .filter(|p| p.role == Role::Link && table.contains_rect(p.rect))
        .count()
}

fn check(h: &mut Harness<'static, ClusterAtlasApp>, what: &str) {
    let bad = misplaced(h);
    assert!(
        bad.is_empty(),
        "{what}: {} widgets out of place:\n{}",
        bad.len(),
        bad.iter().take(40).cloned().collect::<Vec<_>>().join("\n")
    );
    let layout = h.state().layout().clone();
    let map = layout.panel("map").expect("the map is drawn");
    let screen = layout.screen;
    assert!(
        map.width() >= 0.5 * screen.width() && map.height() >= 0.5 * screen.height(),
        "{what}: the map is {:.0}×{:.0} in a {:.0}×{:.0} window ({:?})",
        map.width(),
        map.height(),
        screen.width(),
        screen.height(),
        layout.panels
    );
    let rows = visible_zone_rows(h);
    assert!(
        rows >= 5,
        "{what}: the zones table shows {rows} rows; columns {:?}; panels {:?}",
        layout.zone_columns,
        layout.panels
    );
    let cols = &layout.zone_columns;
    assert_eq!(cols.len(), 8, "{what}: {cols:?}");
    assert!(
        cols.iter().all(|w| *w >= 30.0),
        "{what}: a zones-table column is too narrow: {cols:?}"
    );
}

fn lang_name(l: Lang) -> &'static str {
    if l.chinese() { "zh" } else { "en" }
}

#[test]
fn every_size_and_language_keeps_widgets_inside_their_panels() {
    for size in SIZES {
        for lang in [Lang::Zh, Lang::En] {
            let tag = format!("{}x{} {}", size[0], size[1], lang_name(lang));
            let mut h = harness(ClusterAtlasApp::new(Some(settings(lang)), Vec::new()), size);
            check(&mut h, &format!("{tag}, nothing selected"));
            h.state_mut().push(Command::ZoomToZone(ZONE));
            settle(&mut h);
            assert_eq!(h.state().selection.zone, Some(ZONE));
            screenshot(
                &mut h,
                &format!("{}x{}_{}_zone", size[0], size[1], lang_name(lang)),
            );
            check(&mut h, &format!("{tag}, zone Z03 selected"));
            h.state_mut().push(Command::ZoomToFirm(FIRM));
            settle(&mut h);
            assert_eq!(h.state().selection.firm, Some(FIRM));
            screenshot(
                &mut h,
                &format!("{}x{}_{}_firm", size[0], size[1], lang_name(lang)),
            );
            check(&mut h, &format!("{tag}, firm selected"));
        }
    }
}

/// What must not drift: the panels, the map and the zones table's columns.
fn shape(layout: &LayoutRecord) -> (Vec<(&'static str, [i32; 4])>, Vec<i32>) {
    let r = |r: &egui::Rect| {
        [
            r.left().round() as i32,
            r.top().round() as i32,
            r.right().round() as i32,
            r.bottom().round() as i32,
        ]
    };
    (
        layout.panels.iter().map(|(n, p)| (*n, r(p))).collect(),
        layout
            .zone_columns
            .iter()
            .map(|w| w.round() as i32)
            .collect(),
    )
}

fn set_lang(h: &mut Harness<'static, ClusterAtlasApp>, lang: Lang) {
    h.state_mut().push(Command::SetLang(lang));
    settle(h);
}

#[test]
fn resizes_language_switches_and_a_restart_leave_the_layout_unchanged() {
    let small = SIZES[0];
    let mut h = harness(
        ClusterAtlasApp::new(Some(settings(Lang::Zh)), Vec::new()),
        small,
    );
    h.state_mut().push(Command::ZoomToZone(ZONE));
    settle(&mut h);
    check(&mut h, "before the cycles");
    let first = shape(h.state().layout());
    for k in 0..10 {
        h.set_size(egui::vec2(1920.0, 1080.0));
        settle(&mut h);
        set_lang(&mut h, Lang::En);
        check(&mut h, &format!("cycle {k}, 1920×1080 English"));
        h.set_size(egui::vec2(small[0], small[1]));
        settle(&mut h);
        check(&mut h, &format!("cycle {k}, 1024×700 English"));
        set_lang(&mut h, Lang::Zh);
    }
    check(&mut h, "after ten cycles");
    assert_eq!(
        shape(h.state().layout()),
        first,
        "after ten resize/language cycles"
    );

    // A restart: the settings file and egui's memory (eframe saves both) into a new window.
    let stored = cluster_atlas::app::settings_file::to_stored(&h.state().settings);
    let memory = h.ctx.memory(|m| ron::to_string(m).unwrap());
    let app = ClusterAtlasApp::from_stored_settings(Some(&stored), Vec::new());
    let mut h2 = Harness::builder()
        .with_size(small)
        .build_ui_state(|ui, app: &mut ClusterAtlasApp| app.show(ui), app);
    let restored: egui::Memory = ron::from_str(&memory).unwrap();
    h2.ctx.memory_mut(|m| *m = restored);
    settle(&mut h2);
    h2.state_mut().push(Command::ZoomToZone(ZONE));
    settle(&mut h2);
    check(&mut h2, "after a restart");
    assert_eq!(
        shape(h2.state().layout()),
        first,
        "after a settings round trip"
    );
}

#[test]
fn a_layout_saved_in_a_large_window_restarts_cleanly_in_a_small_one() {
    // Panel and column widths saved at 1920×1080 (eframe saves egui's memory) no longer fit
    // 1024×700: they are clamped or reset, not kept broken.
    let mut h = harness(
        ClusterAtlasApp::new(Some(settings(Lang::En)), Vec::new()),
        SIZES[2],
    );
    h.state_mut().push(Command::ZoomToZone(ZONE));
    settle(&mut h);
    check(&mut h, "1920×1080 before saving");
    let stored = cluster_atlas::app::settings_file::to_stored(&h.state().settings);
    let memory = h.ctx.memory(|m| ron::to_string(m).unwrap());
    let app = ClusterAtlasApp::from_stored_settings(Some(&stored), Vec::new());
    let mut h2 = Harness::builder()
        .with_size(SIZES[0])
        .build_ui_state(|ui, app: &mut ClusterAtlasApp| app.show(ui), app);
    let restored: egui::Memory = ron::from_str(&memory).unwrap();
    h2.ctx.memory_mut(|m| *m = restored);
    settle(&mut h2);
    h2.state_mut().push(Command::ZoomToZone(ZONE));
    settle(&mut h2);
    check(&mut h2, "1024×700 after a restart with a 1920×1080 layout");
    // The same widths as a window that started small (the tables' height may differ: the
    // saved one is kept when it fits).
    let mut fresh = harness(
        ClusterAtlasApp::new(Some(settings(Lang::En)), Vec::new()),
        SIZES[0],
    );
    fresh.state_mut().push(Command::ZoomToZone(ZONE));
    settle(&mut fresh);
    let widths = |h: &Harness<'static, ClusterAtlasApp>| {
        let (panels, columns) = shape(h.state().layout());
        let x: Vec<_> = panels.iter().map(|(n, r)| (*n, r[0], r[2])).collect();
        (x, columns)
    };
    assert_eq!(widths(&h2), widths(&fresh));
}

#[test]
fn the_tables_get_their_height_back_when_the_window_grows_again() {
    // Started large, squeezed small (the tables shrink to 40 % of the height), then large
    // again (and after a restart that started small): the height the user had comes back.
    let large = egui::vec2(1920.0, 1080.0);
    let mut h = harness(
        ClusterAtlasApp::new(Some(settings(Lang::Zh)), Vec::new()),
        SIZES[2],
    );
    let height = |h: &Harness<'static, ClusterAtlasApp>| {
        h.state()
            .layout()
            .panel("tables")
            .expect("tables drawn")
            .height()
    };
    let tall = height(&h);
    h.set_size(egui::vec2(SIZES[0][0], SIZES[0][1]));
    settle(&mut h);
    let squeezed = height(&h);
    assert!(
        squeezed < tall - 20.0,
        "{squeezed} vs {tall}: the small window squeezes it"
    );
    h.set_size(large);
    settle(&mut h);
    assert!((height(&h) - tall).abs() < 1.0, "{} vs {tall}", height(&h));

    // A restart in the small window, egui's memory and the settings as eframe saves them.
    h.set_size(egui::vec2(SIZES[0][0], SIZES[0][1]));
    settle(&mut h);
    let stored = cluster_atlas::app::settings_file::to_stored(&h.state().settings);
    let memory = h.ctx.memory(|m| ron::to_string(m).unwrap());
    let app = ClusterAtlasApp::from_stored_settings(Some(&stored), Vec::new());
    let mut h2 = Harness::builder()
        .with_size(SIZES[0])
        .build_ui_state(|ui, app: &mut ClusterAtlasApp| app.show(ui), app);
    let restored: egui::Memory = ron::from_str(&memory).unwrap();
    h2.ctx.memory_mut(|m| *m = restored);
    settle(&mut h2);
    h2.set_size(large);
    settle(&mut h2);
    assert!(
        (height(&h2) - tall).abs() < 1.0,
        "{} vs {tall} after a restart",
        height(&h2)
    );
    check(&mut h2, "1920×1080 after growing back");
}

#[test]
fn the_firms_table_keeps_its_rows_over_many_frames() {
    for size in SIZES {
        let mut h = harness(
            ClusterAtlasApp::new(Some(settings(Lang::En)), Vec::new()),
            size,
        );
        h.state_mut().bottom_tab = BottomTab::Firms;
        settle(&mut h);
        let rows = visible_firm_rows(&h);
        let panel = h.state().layout().panel("tables");
        assert!(rows >= 5, "{size:?}: the firms table shows {rows} rows");
        for _ in 0..20 {
            h.step();
        }
        assert_eq!(
            visible_firm_rows(&h),
            rows,
            "{size:?}: rows changed by themselves"
        );
        assert_eq!(
            h.state().layout().panel("tables"),
            panel,
            "{size:?}: the bottom panel moved by itself"
        );
        let bad = misplaced(&h);
        assert!(bad.is_empty(), "{size:?}: {}", bad.join("\n"));
        screenshot(&mut h, &format!("{}x{}_en_firms_table", size[0], size[1]));
    }
}

#[test]
fn chinese_mode_shows_the_load_report_in_chinese_and_small_text_is_readable() {
    let dir = common::temp_dir("gui-layout-report");
    let f = dir.join("firms.csv");
    let mut csv = String::from("id,name,lng,lat,segment\n");
    for k in 0..30 {
        csv.push_str(&format!(
            "F{k},企业{k},{:.4},{:.4},hardware\n",
            114.0 + 0.001 * k as f64,
            22.55 + 0.0007 * k as f64
        ));
    }
    csv.push_str("X1,空坐标,,22.5,hardware\nX2,远处,120.5,30.2,hardware\n");
    std::fs::write(&f, csv).unwrap();
    let mut h = harness(
        ClusterAtlasApp::new(Some(settings(Lang::Zh)), Vec::new()),
        SIZES[0],
    );
    h.state_mut()
        .push(Command::LoadFirms(f, Default::default()));
    settle(&mut h);
    settle(&mut h);
    assert_eq!(h.state().bottom_tab, BottomTab::Report);
    let texts: Vec<String> = placed(&h).into_iter().map(|p| p.text).collect();
    let english: Vec<&String> = texts
        .iter()
        .filter(|t| {
            t.contains("longitude or latitude is empty")
                || t.contains("Keep distant firms")
                || t.contains("left out")
                || t.contains(" loaded")
        })
        .collect();
    assert!(english.is_empty(), "English in Chinese mode: {english:?}");
    assert!(
        texts.iter().any(|t| t.contains("经度或纬度为空")),
        "the empty-coordinate reason in Chinese: {texts:?}"
    );
    let small = h
        .ctx
        .global_style()
        .text_styles
        .get(&egui::TextStyle::Small)
        .map(|f| f.size)
        .unwrap_or(0.0);
    assert!(small >= 11.0, "small text is {small} px");
    let bad = misplaced(&h);
    assert!(bad.is_empty(), "the load report: {}", bad.join("\n"));
}

#[test]
fn the_kdistance_plot_of_a_small_file() {
    // 300 firms: the plot's y axis once showed only "0" and "m" (issue 12 item 10). The axis
    // labels are painted, not widgets: look at the screenshot.
    let f = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/formats/firms_wgs84.csv");
    let mut h = harness(
        ClusterAtlasApp::new(Some(settings(Lang::En)), Vec::new()),
        [1366.0, 1400.0],
    );
    h.state_mut()
        .push(Command::LoadFirms(f, Default::default()));
    settle(&mut h);
    settle(&mut h);
    assert_eq!(h.state().data.firms.len(), 300);
    assert!(h.state().n_clusters().is_some());
    screenshot(&mut h, "kdistance_300_firms");
    let bad = misplaced(&h);
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

#[test]
fn the_basemap_form_and_the_digitiser_fit_every_size_and_language() {
    for size in SIZES {
        for lang in [Lang::Zh, Lang::En] {
            let tag = format!("{}x{} {}", size[0], size[1], lang_name(lang));
            let mut s = settings(lang);
            // The form with the most fields; offline, so nothing is fetched.
            s.tiles.kind = cluster_atlas::tiles::TileKind::Custom;
            s.tiles.custom_url = "http://127.0.0.1:9/{z}/{x}/{y}.png".into();
            s.tiles.offline = true;
            let mut h = harness(ClusterAtlasApp::new(Some(s), Vec::new()), size);
            let header = if lang.chinese() {
                "街道底图（瓦片）"
            } else {
                "Street basemap (tiles)"
            };
            egui_kittest::kittest::Queryable::get_by_label(&h, header).click();
            settle(&mut h);
            h.state_mut().push(Command::ZoomToZone(ZONE));
            settle(&mut h);
            h.state_mut().push(Command::StartDigitiser(Some(ZONE)));
            settle(&mut h);
            assert!(h.state().sketch().is_some(), "{tag}: the digitiser is open");
            screenshot(
                &mut h,
                &format!("{}x{}_{}_draw", size[0], size[1], lang_name(lang)),
            );
            check(&mut h, &format!("{tag}, basemap form and digitiser open"));
        }
    }
}
