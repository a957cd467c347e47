//! The window with planners' files: the import dialog recognises Shapefiles, GeoPackages and
//! workbooks (format, system, layers, sheets), and an official zone file fills the 15 slots
//! through the matching table, which saves and loads back.
#![cfg(feature = "gui")]

use crate::common;

use std::path::PathBuf;

use cluster_atlas::app::{ClusterAtlasApp, Command, ImportDialog, Settings};
use cluster_atlas::model::GeometryQuality;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/formats")
        .join(name)
}

use common::wait_idle;

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

fn harness() -> Harness<'static, ClusterAtlasApp> {
    let mut s = Settings::default();
    s.scene.lang = cluster_atlas::scene::Lang::En;
    let app = ClusterAtlasApp::new(Some(s), Vec::new());
    let mut h = Harness::builder()
        .with_size([1366.0, 768.0])
        .build_ui_state(|ui, app: &mut ClusterAtlasApp| app.show(ui), app);
    wait_idle(&mut h);
    h
}

#[test]
fn the_import_dialog_shows_a_workbook() {
    let mut h = harness();
    h.state_mut()
        .push(Command::OpenImport(fixture("firms_gcj02.xlsx")));
    h.run_steps(3);
    assert!(h.query_by_label_contains("firms_gcj02.xlsx").is_some());
    screenshot(&mut h, "import_xlsx");
    h.state_mut().import = None;
    h.state_mut()
        .push(Command::OpenImport(fixture("zones_gk114.shp")));
    h.run_steps(3);
    assert!(h.query_by_label_contains("EPSG:4547").is_some());
    screenshot(&mut h, "import_shp");
}

#[test]
fn the_import_dialog_recognises_each_format() {
    let s = Settings::default();
    let shp = ImportDialog::new(fixture("zones_gk114.shp"), &s);
    assert!(shp.zones, "a polygon Shapefile opens as zones");
    assert!(
        shp.detected_crs.as_deref().unwrap_or("").contains("4547"),
        "{:?}",
        shp.detected_crs
    );
    let gpkg = ImportDialog::new(fixture("firms_4490.gpkg"), &s);
    assert!(!gpkg.zones, "a point GeoPackage opens as firms");
    assert_eq!(gpkg.choices, vec!["firms".to_string()]);
    let xlsx = ImportDialog::new(fixture("firms_gcj02.xlsx"), &s);
    assert!(!xlsx.zones);
    assert_eq!(xlsx.choices.len(), 2);
    let p = xlsx.preview.as_ref().unwrap();
    assert!(p.headers.iter().any(|h| h == "经度"), "{:?}", p.headers);
    assert!(p.encoding.contains("row 3"), "{}", p.encoding);
    let kml = ImportDialog::new(fixture("zones.kml"), &s);
    assert!(kml.zones);
}

#[test]
fn an_official_file_fills_the_slots_through_the_table_and_saves() {
    let dir = common::temp_dir("gui-slots");
    let official = dir.join("official.geojson");
    std::fs::write(
        &official,
        r#"{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"编号":"A1","名称":"深圳市龙华高新区"},"geometry":{"type":"Polygon","coordinates":[[[114.05,22.67],[114.09,22.67],[114.09,22.70],[114.05,22.70],[114.05,22.67]]]}},
{"type":"Feature","properties":{"编号":"A3","名称":"坪山聚龙山"},"geometry":{"type":"Polygon","coordinates":[[[114.33,22.69],[114.36,22.69],[114.36,22.71],[114.33,22.71],[114.33,22.69]]]}}]}"#,
    )
    .unwrap();
    let mut h = harness();
    h.state_mut()
        .push(Command::LoadZones(official.clone(), Default::default()));
    wait_idle(&mut h);
    assert_eq!(h.state().data.zones.len(), 2);
    h.state_mut().open_slot_dialog();
    h.run_steps(2);
    {
        let d = h.state().slot_dialog.as_ref().expect("the table opens");
        assert_eq!(d.matches.slots.len(), 15);
        assert_eq!(d.matches.slots[2].feature, Some(0), "Z03 ← A1 proposed");
        assert_eq!(d.matches.slots[8].feature, None);
    }
    screenshot(&mut h, "slot_table");
    // The user adds Z09 ← A3 (the table's combo box sets it this way).
    h.state_mut().slot_dialog.as_mut().unwrap().set(8, Some(1));
    h.run_steps(2);
    h.get_by_label("Apply the matches").click();
    h.run_steps(2);
    wait_idle(&mut h);
    let zones = &h.state().data.zones;
    assert_eq!(zones.len(), 15);
    assert_eq!(zones[2].quality, GeometryQuality::FromFile);
    assert_eq!(zones[8].quality, GeometryQuality::FromFile);
    assert_eq!(zones[0].quality, GeometryQuality::ApproximatePoint);
    assert!(
        h.state().settings.slot_matches.is_some(),
        "the match is kept"
    );
    h.state_mut().push(Command::ZoomToZone(2));
    h.run_steps(4);
    screenshot(&mut h, "slot_applied");
    // Save zones as … and load the file back: the same 15 slots.
    let out = dir.join("completed.geojson");
    h.state_mut().push(Command::SaveZones(out.clone()));
    h.run_steps(2);
    let back = cluster_atlas::data::load_zones(&out, &Default::default())
        .unwrap()
        .zones;
    assert_eq!(back.len(), 15);
    assert_eq!(back[2].quality, GeometryQuality::FromFile);
    assert_eq!(back[2].geometry, h.state().data.zones[2].geometry);
}

#[test]
fn a_loaded_file_is_shown_first_and_can_be_undone_or_kept() {
    let mut h = harness();
    let opts = cluster_atlas::data::FirmLoadOptions {
        crs: cluster_atlas::model::SourceCrs::Gcj02,
        ..Default::default()
    };
    h.state_mut().push(Command::LoadFirms(
        fixture("firms_gcj02.xlsx"),
        opts.clone(),
    ));
    wait_idle(&mut h);
    assert_eq!(h.state().data.firms.len(), 300);
    assert!(h.state().previous.is_some());
    h.get_by_label("Undo").click();
    h.run_steps(2);
    wait_idle(&mut h);
    assert_eq!(
        h.state().data.firms.len(),
        2000,
        "back to the data shown before"
    );
    assert!(h.state().data.synthetic);
    assert!(h.state().previous.is_none());
    h.state_mut()
        .push(Command::LoadFirms(fixture("firms_gcj02.xlsx"), opts));
    wait_idle(&mut h);
    h.get_by_label("Keep").click();
    h.run_steps(2);
    assert!(h.state().previous.is_none());
    assert_eq!(h.state().data.firms.len(), 300);
}

#[test]
fn projected_numbers_get_the_fitting_systems_in_the_import_dialog() {
    let d = ImportDialog::new(fixture("firms_4547.csv"), &Settings::default());
    let (text, fits) = d.projected_hint.clone().expect("metres are noticed");
    assert_eq!(fits.first(), Some(&4547), "{text}");
    let mut h = harness();
    h.state_mut()
        .push(Command::OpenImport(fixture("firms_4547.csv")));
    h.run_steps(3);
    screenshot(&mut h, "import_projected");
    h.get_by_label("Use EPSG:4547").click();
    h.run_steps(2);
    h.get_by_label("Load").click();
    h.run_steps(2);
    wait_idle(&mut h);
    assert_eq!(h.state().data.firms.len(), 300);
    assert_eq!(
        h.state().data.firms_report.crs,
        cluster_atlas::model::SourceCrs::Epsg(4547)
    );
}

#[test]
fn messages_do_not_pile_up_and_a_good_load_clears_the_failed_one() {
    let mut h = harness();
    let missing = common::temp_dir("gui-msgs").join("missing.csv");
    for _ in 0..3 {
        h.state_mut()
            .push(Command::LoadFirms(missing.clone(), Default::default()));
        wait_idle(&mut h);
    }
    let failed = |h: &Harness<'static, ClusterAtlasApp>| {
        h.state()
            .messages
            .iter()
            .filter(|m| m.error && m.text.contains("Firms not loaded"))
            .count()
    };
    assert_eq!(failed(&h), 1, "{:?}", h.state().messages);
    // The error stays until dismissed: it follows a switch of the window's language.
    h.state_mut()
        .push(Command::SetLang(cluster_atlas::model::Lang::Zh));
    h.run_steps(3);
    assert!(h.query_by_label_contains("企业文件未载入").is_some());
    assert!(h.query_by_label_contains("Firms not loaded").is_none());
    h.state_mut()
        .push(Command::SetLang(cluster_atlas::model::Lang::En));
    h.run_steps(3);
    assert!(h.query_by_label_contains("Firms not loaded").is_some());
    h.state_mut().push(Command::LoadFirms(
        fixture("firms_wgs84.csv"),
        Default::default(),
    ));
    wait_idle(&mut h);
    assert_eq!(failed(&h), 0, "{:?}", h.state().messages);
}

/// A save that fails (into a folder that is not there) says so in the window's language and
/// keeps saying it, in the other, after a switch; the project save's error too.
#[test]
fn a_failed_save_follows_a_switch_of_language() {
    let mut h = harness();
    let nowhere = common::temp_dir("gui-save-fail").join("no such folder");
    h.state_mut()
        .push(Command::SaveZones(nowhere.join("zones.geojson")));
    h.state_mut()
        .push(Command::SaveProject(nowhere.join("p.atlas.json")));
    h.run_steps(3);
    let errors = |h: &Harness<'static, ClusterAtlasApp>| {
        let m = &h.state().messages;
        m.iter()
            .filter(|m| m.error && m.starts_with("Cannot save"))
            .count()
    };
    assert_eq!(errors(&h), 2, "{:?}", h.state().messages);
    let shown = |h: &Harness<'static, ClusterAtlasApp>, text: &str| {
        h.query_all_by_label_contains(text).count()
    };
    assert!(shown(&h, "Cannot save") > 0);
    h.state_mut()
        .push(Command::SetLang(cluster_atlas::model::Lang::Zh));
    h.run_steps(3);
    assert!(shown(&h, "无法保存") > 0);
    assert_eq!(shown(&h, "Cannot save"), 0);
    assert_eq!(errors(&h), 2);
}

/// Open by path takes a path pasted with quotes ("Copy as path") or as a `file://` URI,
/// cannot open a blank path, and says when the path is a folder.
#[test]
fn open_by_path_takes_pasted_paths_and_says_what_is_wrong() {
    use egui_kittest::kittest::NodeT;
    let mut h = harness();
    h.state_mut().open_path = Some("  ".into());
    h.run_steps(2);
    assert!(h.get_by_label("Open").accesskit_node().is_disabled());
    let file = fixture("firms_wgs84.csv");
    for typed in [
        format!("\"{}\"", file.display()),
        format!("file://{}", file.display().to_string().replace(' ', "%20")),
    ] {
        h.state_mut().import = None;
        h.state_mut().open_path = Some(typed.clone());
        h.run_steps(2);
        h.get_by_label("Open").click();
        h.run_steps(3);
        let shown = h.state().import.as_ref().map(|d| d.path.clone());
        assert_eq!(shown, Some(file.clone()), "{typed}");
    }
    h.state_mut().import = None;
    let folder = common::temp_dir("gui-open-folder");
    h.state_mut().open_path = Some(folder.display().to_string());
    h.run_steps(2);
    h.get_by_label("Open").click();
    h.run_steps(2);
    let said = h.state().messages.iter().any(|m| {
        m.error && m.text.starts_with("A folder, not a file") && m.text.contains("gui-open-folder")
    });
    assert!(said, "{:?}", h.state().messages);
}

/// The load report names the firms' segment values the fit table does not know (grey on the
/// map, or, when they are most of the firms', the map colours the file's own values; neutral
/// in the advice), and says nothing when it knows them all.
#[test]
fn the_load_report_names_segment_values_the_fit_table_does_not_know() {
    let mut h = harness();
    let dir = common::temp_dir("gui-unknown-segments");
    let load = |h: &mut Harness<'static, ClusterAtlasApp>, name: &str, segments: [&str; 3]| {
        let f = dir.join(name);
        let rows: String = segments
            .iter()
            .enumerate()
            .map(|(i, s)| format!("F{i},114.0{i},22.5{i},{s}\n"))
            .collect();
        std::fs::write(&f, format!("id,lon,lat,segment\n{rows}")).unwrap();
        h.state_mut()
            .push(Command::LoadFirms(f, Default::default()));
        wait_idle(h);
        h.state_mut().bottom_tab = cluster_atlas::app::BottomTab::Report;
        h.run_steps(2);
    };
    // Mostly known: the unknown value is grey on the map.
    load(&mut h, "mixed.csv", ["VR硬件", "hardware", "光学与显示"]);
    assert!(
        h.query_by_label_contains("does not know (Other / unknown on the map, a neutral industry fit in the advice): VR硬件. It knows Hardware")
            .is_some()
    );
    // Mostly unknown: the map colours the file's own commonest values instead.
    load(&mut h, "unknown.csv", ["VR硬件", "hardware", "AR软件"]);
    assert!(
        h.query_by_label_contains("does not know (a neutral industry fit in the advice; as most firms' values are not in it, the map colours the 5 values with most firms and the rest as Other / unknown, or the values picked under Colours): VR硬件, AR软件. It knows Hardware")
            .is_some()
    );
    load(
        &mut h,
        "known.csv",
        ["hardware", "硬件整机", "Optics & display"],
    );
    assert!(h.query_by_label_contains("does not know").is_none());
}

/// A register that guards every cell (`="…"`, bare and inside quotes): the inspector shows a
/// firm's other columns as a spreadsheet shows them, without the guards.
#[test]
fn the_inspector_shows_guarded_cells_as_a_spreadsheet_does() {
    let mut h = harness();
    let dir = common::temp_dir("gui-guarded");
    let f = dir.join("guarded.csv");
    std::fs::write(
        &f,
        "id,name,lon,lat,address,founded\n=\"F0\",=\"甲\",=\"114.05\",=\"22.54\",\"=\"\"深圳市南山区, 3楼\"\"\",=\"2015-03-02\"\n",
    )
    .unwrap();
    h.state_mut()
        .push(Command::LoadFirms(f, Default::default()));
    wait_idle(&mut h);
    h.state_mut().push(Command::ZoomToFirm(0));
    wait_idle(&mut h);
    h.run_steps(2);
    assert_eq!(h.state().selection.firm, Some(0));
    assert!(h.query_by_label("深圳市南山区, 3楼").is_some());
    assert!(h.query_by_label("2015-03-02").is_some());
    assert!(h.query_by_label_contains("=\"").is_none());
}
