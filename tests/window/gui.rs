//! The window, driven headless with egui_kittest: widgets found by their labels, clicked, and
//! the results read back from the screen.
#![cfg(feature = "gui")]

use crate::common;

use cluster_atlas::analysis::dbscan::{DbscanParams, dbscan_reference};
use cluster_atlas::app::{ClusterAtlasApp, Command};
use cluster_atlas::data::bundled;
use cluster_atlas::index::SpatialIndex;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};

fn harness() -> Harness<'static, ClusterAtlasApp> {
    let app = ClusterAtlasApp::new(None, Vec::new());
    let mut h = Harness::builder()
        .with_size([1600.0, 1400.0])
        .build_ui_state(|ui, app: &mut ClusterAtlasApp| app.show(ui), app);
    wait_idle(&mut h);
    h
}

/// Steps frames until the background job has finished.
use common::wait_idle;

fn label_text(h: &Harness<'static, ClusterAtlasApp>, contains: &str) -> String {
    let node = h.get_by_label_contains(contains).accesskit_node();
    node.label().or_else(|| node.value()).unwrap_or_default()
}

#[test]
fn starts_on_bundled_data_with_fifteen_zone_rows() {
    let h = harness();
    for k in 1..=15 {
        let id = format!("Z{k:02}");
        assert!(
            h.query_by_label(&id).is_some(),
            "zones table row {id} missing"
        );
    }
    assert!(h.query_by_label("Z16").is_none());
    // Unidentified slots carry the hint.
    assert_eq!(
        h.query_all_by_label_contains("请载入官方集聚区文件")
            .count(),
        8
    );
    assert!(h.query_by_label_contains("2000 家企业").is_some());
    // The cluster and noise counts on screen equal the textbook DBSCAN's (brute-force
    // neighbours) on the same firms, in the same plane, with the parameters on screen.
    let counts = label_text(&h, "集群数");
    let numbers: Vec<usize> = counts
        .split(|c: char| !c.is_ascii_digit())
        .filter(|t| !t.is_empty())
        .map(|t| t.parse().unwrap())
        .collect();
    let params = h
        .query_all_by_label_contains("min_pts")
        .filter_map(|n| {
            let a = n.accesskit_node();
            a.label().or_else(|| a.value())
        })
        .find(|t| t.starts_with("eps "))
        .expect("the parameters line under the counts");
    let words: Vec<&str> = params.split_whitespace().collect();
    let (eps, min_pts): (f64, usize) = match words[..] {
        ["eps", e, "m", "·", "min_pts", m] => (e.parse().unwrap(), m.parse().unwrap()),
        _ => panic!("parameters shown as '{params}'"),
    };
    let firms = bundled::sample_firms().unwrap().firms;
    let zones = bundled::zones().unwrap().zones;
    let index = SpatialIndex::build(&firms, &zones);
    let labels = dbscan_reference(&index.firm_xy, DbscanParams::new(eps, min_pts).unwrap());
    let clusters = labels.iter().copied().max().map_or(0, |m| (m + 1) as usize);
    let noise = labels.iter().filter(|l| **l < 0).count();
    assert!(clusters > 1 && noise > 0);
    assert_eq!(numbers, vec![clusters, noise], "shown: '{counts}'");
}

#[test]
fn clicking_a_zone_shows_it_in_the_inspector() {
    let mut h = harness();
    h.get_by_label("Z03").click();
    h.run_steps(4);
    assert!(
        h.query_by_label("龙华高新区未来产业集聚区（原观澜高新园未来产业集聚区）")
            .is_some()
    );
    assert_eq!(h.state().selection.zone, Some(2));
    assert!(h.query_by_label("区内企业").is_some());
}

/// Ctrl+Q closes the window, as the File menu's Quit entry says it does.
#[test]
fn ctrl_q_closes_the_window() {
    let closes = |h: &Harness<'static, ClusterAtlasApp>| {
        let root = h.output().viewport_output.get(&egui::ViewportId::ROOT);
        root.is_some_and(|v| (v.commands.iter()).any(|c| matches!(c, egui::ViewportCommand::Close)))
    };
    // One key press in one frame (the harness's own presses add a release frame after it).
    let press = |h: &mut Harness<'static, ClusterAtlasApp>, modifiers| {
        h.event(egui::Event::Key {
            key: egui::Key::Q,
            physical_key: None,
            pressed: true,
            repeat: false,
            modifiers,
        });
        h.step();
    };
    let mut h = harness();
    h.step();
    assert!(!closes(&h));
    press(&mut h, egui::Modifiers::COMMAND);
    assert!(closes(&h));
    // Q alone types a letter; it does not quit.
    let mut h = harness();
    press(&mut h, egui::Modifiers::NONE);
    assert!(!closes(&h));
}

#[test]
fn switching_language_changes_the_labels() {
    let mut h = harness();
    assert!(h.query_by_label("图层").is_some());
    assert!(h.query_by_label("Layers").is_none());
    h.get_by_label("English").click();
    h.run_steps(4);
    assert!(h.query_by_label("Layers").is_some());
    assert!(h.query_by_label("图层").is_none());
    assert!(h.query_by_label("Run analysis").is_some());
    assert_eq!(
        h.query_all_by_label_contains("Not identified: no boundary yet")
            .count(),
        8
    );
    // Districts are named in English too (the zones table and the inspector).
    assert!(h.query_all_by_label("Longhua District").count() >= 2);
    assert!(h.query_by_label("龙华区").is_none());
    h.state_mut().selection.zone = Some(2);
    h.run_steps(4);
    assert!(h.query_by_label("identified").is_some());
    h.get_by_label("中文").click();
    h.run_steps(4);
    assert!(h.query_by_label("已识别").is_some());
    assert!(
        h.query_by_label_contains("近似：按规划面积 7.03 平方公里")
            .is_some()
    );
}

#[test]
fn running_the_analysis_changes_the_cluster_count() {
    let mut h = harness();
    let before = label_text(&h, "集群数");
    h.state_mut().settings.eps_m = 250.0;
    h.get_by_label("运行分析").click();
    h.run_steps(2);
    wait_idle(&mut h);
    let after = label_text(&h, "集群数");
    assert_ne!(before, after);
    assert_eq!(
        h.state().results.as_ref().unwrap().params.dbscan.eps_m,
        250.0
    );
    let n = h.state().n_clusters().unwrap();
    assert!(after.contains(&n.to_string()), "{after} vs {n}");
}

#[test]
fn a_broken_file_shows_an_error_and_keeps_the_old_firms() {
    let dir = common::temp_dir("gui-broken");
    let bad = dir.join("broken.csv");
    std::fs::write(&bad, "名称,备注\n甲,没有坐标\n").unwrap();
    let mut h = harness();
    let firms_before = h.state().data.firms.len();
    h.state_mut()
        .push(Command::LoadFirms(bad.clone(), Default::default()));
    h.run_steps(2);
    wait_idle(&mut h);
    assert_eq!(h.state().data.firms.len(), firms_before);
    assert!(
        h.query_by_label_contains("企业文件未载入，当前数据保留")
            .is_some()
    );
    assert!(
        h.query_by_label_contains("经度").is_some()
            || h.query_by_label_contains("longitude").is_some()
    );
    assert!(h.query_by_label_contains("2000 家企业").is_some());
}

#[test]
fn a_good_file_replaces_the_firms_and_reports_skipped_rows() {
    let dir = common::temp_dir("gui-good");
    let f = dir.join("firms.csv");
    std::fs::write(&f, "id,name,lng,lat,segment\nA,甲,114.05,22.54,hardware\nB,乙,abc,22.5,hardware\nC,丙,114.06,22.55,content_software\n").unwrap();
    let mut h = harness();
    h.state_mut()
        .push(Command::LoadFirms(f, Default::default()));
    h.run_steps(2);
    wait_idle(&mut h);
    wait_idle(&mut h);
    assert_eq!(h.state().data.firms.len(), 2);
    assert!(!h.state().data.synthetic);
    assert!(
        h.query_by_label_contains("line 3").is_some()
            || h.query_by_label_contains("行 3").is_some()
    );
}

#[test]
fn settings_survive_a_round_trip_and_old_files_still_load() {
    let mut s = cluster_atlas::app::Settings {
        eps_m: 321.0,
        ..Default::default()
    };
    s.scene.lang = cluster_atlas::scene::Lang::En;
    let text = ron_like(&s);
    let back: cluster_atlas::app::Settings = serde_json::from_str(&text).unwrap();
    assert_eq!(back, s);
    // A settings file from an older version with fewer fields still loads with defaults.
    let old: cluster_atlas::app::Settings =
        serde_json::from_str(r#"{"eps_m": 800.0, "scene": {"lang": "en"}}"#).unwrap();
    assert_eq!(old.eps_m, 800.0);
    assert_eq!(old.min_pts, 5);
    assert!(old.scene.zones.visible);
}

fn ron_like(s: &cluster_atlas::app::Settings) -> String {
    serde_json::to_string(s).unwrap()
}

#[test]
fn initial_map_snapshot() {
    let mut h = harness();
    h.run_steps(2);
    // Tolerate a few thousand anti-aliasing differences (another Mesa build may round edges
    // differently); a missing font or a moved layer changes far more pixels than that.
    let options = egui_kittest::SnapshotOptions::new()
        .threshold(1.0)
        .max_failed_pixels(3000);
    h.snapshot_options("initial_window", &options);
}

#[test]
fn exporting_the_current_view_matches_the_command_line() {
    use cluster_atlas::export::{ExportOptions, Extent, Preset};
    use cluster_atlas::scene::Lang;
    let dir = common::temp_dir("gui-export");
    let mut h = harness();
    // Zoom in somewhere so "current view" is not the whole city.
    {
        let app = h.state_mut();
        let mut vp = app.viewport();
        vp.zoom_about(
            2.5,
            cluster_atlas::scene::Px::new(vp.width_px * 0.4, vp.height_px * 0.6),
        );
        app.settings.view = Some(vp);
    }
    h.run_steps(2);
    let app = h.state();
    let extent = Extent::of_view(&app.viewport(), &app.data.index.projection);
    let opts = app.export_options(ExportOptions {
        preset: Preset::Slide,
        dpi: 96,
        lang: Lang::Zh,
        extent: extent.clone(),
        date: "2026-11-28".into(),
        ..Default::default()
    });
    let from_window = dir.join("window.png");
    app.export_to(&from_window, &opts).unwrap();
    let from_cli = dir.join("cli.png");
    let extent = extent.to_arg();
    let args = [
        "render",
        "--analysis",
        "--preset",
        "slide",
        "--lang",
        "zh",
        "--date",
        "2026-11-28",
        "--extent",
        &extent,
        "--out",
        from_cli.to_str().unwrap(),
    ];
    common::assert_redraws(
        &args,
        &from_window,
        &from_cli,
        "the window's export and the CLI's",
    );
}

#[test]
fn the_export_dialog_opens_from_the_file_menu() {
    let mut h = harness();
    h.get_by_label("文件").click();
    h.run();
    let item = h.query_by_label("导出地图…");
    if item.is_none() {
        let labels: Vec<String> = h
            .query_all_by_label_contains("…")
            .map(|n| n.accesskit_node().label().unwrap_or_default())
            .collect();
        let r = h.get_by_label("文件").rect();
        panic!("the File menu did not open; '…' labels: {labels:?}; menu button at {r:?}");
    }
    h.get_by_label("导出地图…").click();
    h.run_steps(3);
    assert!(h.state().export.is_some());
    assert!(
        h.query_by_label_contains("cluster-atlas render --analysis")
            .is_some()
    );
}

/// A window with the import dialog open on a new file holding `text`.
fn import_dialog_on(name: &str, text: &str) -> Harness<'static, ClusterAtlasApp> {
    let dir = common::temp_dir(&format!("gui-import-{name}"));
    let f = dir.join(name);
    std::fs::write(&f, text).unwrap();
    let mut h = harness();
    h.state_mut().push(Command::OpenImport(f));
    h.run_steps(3);
    h
}

/// Clicks the import dialog's Load and waits for the load and its analysis.
fn load_from_dialog(h: &mut Harness<'static, ClusterAtlasApp>) {
    h.get_by_label("载入").click();
    h.run_steps(2);
    wait_idle(h);
    wait_idle(h);
}

#[test]
fn import_dialog_previews_and_loads_a_gcj02_file() {
    let mut h = import_dialog_on(
        "amap.csv",
        "编号,企业名称,经度,纬度,类别\nA1,高德甲,114.0626,22.5402,hardware\nA2,高德乙,bad,22.54,hardware\n",
    );
    // The preview shows the file's own rows before anything is loaded.
    assert!(h.query_by_label("高德甲").is_some());
    assert_eq!(h.state().data.firms.len(), 2000);
    // Each column picker says which column detection takes.
    for shown in [
        "（自动：经度）",
        "（自动：纬度）",
        "（自动：企业名称）",
        "（自动：类别）",
        "（自动：编号）",
        "（自动：无）", // no founding date column
    ] {
        assert!(h.query_by_value(shown).is_some(), "{shown}");
    }
    h.get_by_label("GCJ-02（高德、腾讯）").click();
    h.run_steps(2);
    load_from_dialog(&mut h);
    let data = &h.state().data;
    assert_eq!(data.firms.len(), 1);
    assert_eq!(
        data.firms_report.crs,
        cluster_atlas::model::SourceCrs::Gcj02
    );
    // Converted from GCJ-02: about 500 m west-south-west of the typed position.
    assert!((data.firms.lonlat[0].lon - 114.0626).abs() > 0.003);
    assert!(
        h.query_by_label_contains("行 3").is_some(),
        "the bad row is listed in the load report"
    );
}

/// A header naming two columns (`lon,lat,lon,lat` after a join): the pickers offer each by
/// its number, and the one picked is read.
#[test]
fn a_repeated_header_is_picked_by_its_column_number() {
    let mut h = import_dialog_on("joined.csv", "id,lon,lat,lon,lat\nA1,0,0,114.06,22.55\n");
    for (shown, pick) in [
        ("（自动：lon）", "lon（第 4 列）"),
        ("（自动：lat）", "lat（第 5 列）"),
    ] {
        h.get_by_value(shown).click();
        h.run_steps(2);
        h.get_by_label(pick).click();
        h.run_steps(2);
    }
    assert!(h.query_by_value("lon（第 4 列）").is_some());
    load_from_dialog(&mut h);
    let data = &h.state().data;
    assert_eq!(data.firms.len(), 1);
    assert!((data.firms.lonlat[0].lon - 114.06).abs() < 1e-9);
}

#[test]
fn the_map_draws_an_analysis_clusters_before_its_statistics_arrive() {
    use cluster_atlas::pipeline::MapPreview;
    use cluster_atlas::scene::Selection;
    use std::sync::Arc;
    let mut h = harness();
    let app = h.state_mut();
    let results = app.results.clone().expect("the bundled data is analysed");
    let settings = app.settings.scene.clone();
    let scene =
        |app: &ClusterAtlasApp| format!("{:?}", app.build_scene(&settings, Selection::default()));
    let analysed = scene(app);
    app.results = None;
    let bare = scene(app);
    assert_ne!(bare, analysed, "the clusters change the map");
    let preview = |generation| {
        Some(Arc::new(MapPreview {
            labels: results.analysis.labels.clone(),
            clusters: results.analysis.clusters.clone(),
            density: results.density.clone(),
            generation,
        }))
    };
    // The running analysis's clusters draw the same map as its finished results.
    app.preview = preview(app.data.generation);
    assert_eq!(scene(app), analysed);
    // Clusters of older data are never drawn on new data.
    app.preview = preview(app.data.generation + 1);
    assert_eq!(scene(app), bare);
}
