//! Projects: *Save project as…* writes the files open (and how they were read), the settings,
//! the view and the selection with paths relative to the project; *Open project…* brings them
//! back in a fresh window, also after the folder has moved; a restart restores the selection
//! and the view along with the files.
#![cfg(feature = "gui")]

use crate::common;

use std::path::{Path, PathBuf};

use cluster_atlas::app::project::{Project, SavedSelection};
use cluster_atlas::app::{ClusterAtlasApp, Command, Pick, Settings, settings_file};
use cluster_atlas::data::FirmLoadOptions;
use cluster_atlas::model::SourceCrs;
use common::{temp_dir, wait_idle};
use egui_kittest::Harness;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/formats")
        .join(name)
}

fn start(app: ClusterAtlasApp) -> Harness<'static, ClusterAtlasApp> {
    common::window(app)
}

/// [`working_session`] in a new folder named after `name`, with `pick` selected.
fn selected_in_session(name: &str, pick: Pick) -> Harness<'static, ClusterAtlasApp> {
    let mut h = working_session(&temp_dir(name));
    h.state_mut().push(Command::Select(pick));
    h.run_steps(2);
    h
}

/// A fresh window started with `settings` as written to and read back from the settings
/// file, as after a restart.
fn restarted(settings: &Settings) -> Harness<'static, ClusterAtlasApp> {
    let stored = settings_file::to_stored(settings);
    start(ClusterAtlasApp::new(
        Some(settings_file::from_stored(&stored).0),
        Vec::new(),
    ))
}

fn gcj02() -> FirmLoadOptions {
    FirmLoadOptions {
        crs: SourceCrs::Gcj02,
        sheet: Some("企业名录".into()),
        ..Default::default()
    }
}

/// Loads the GCJ-02 workbook copied into `dir`, sets non-default parameters, selects firm 3
/// and zooms: the state a project should bring back.
fn working_session(dir: &Path) -> Harness<'static, ClusterAtlasApp> {
    let data = dir.join("data");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::copy(fixture("firms_gcj02.xlsx"), data.join("firms.xlsx")).unwrap();
    let mut h = start(ClusterAtlasApp::new(None, Vec::new()));
    h.state_mut()
        .push(Command::LoadFirms(data.join("firms.xlsx"), gcj02()));
    wait_idle(&mut h);
    let app = h.state_mut();
    app.settings.eps_m = 350.0;
    app.settings.min_pts = 4;
    app.settings.scene.density.visible = true;
    app.push(Command::RunAnalysis);
    wait_idle(&mut h);
    h.state_mut().push(Command::ZoomToFirm(3));
    h.run_steps(3);
    h
}

#[test]
fn a_saved_project_reopens_everything_in_a_fresh_window_even_after_a_move() {
    let dir = temp_dir("project-move");
    let first = dir.join("first");
    let mut h = working_session(&first);
    let (id, lonlat, view, n_clusters) = {
        let a = h.state();
        let f = a.selection.firm.expect("a firm is selected");
        (
            a.data.firms.id(f).into_owned(),
            a.data.firms.lonlat[f],
            a.settings.view.expect("a view"),
            a.n_clusters(),
        )
    };
    // Saved without the extension: it is added.
    h.state_mut()
        .push(Command::SaveProject(first.join("briefing")));
    h.run_steps(2);
    let file = first.join("briefing.atlas.json");
    let text = std::fs::read_to_string(&file).expect("project written");
    let project = Project::parse(&text, "briefing").unwrap();
    let stored_path = &project.files.firms.as_ref().expect("firm file").path;
    assert_eq!(stored_path, Path::new("data/firms.xlsx"), "relative path");
    assert_eq!(project.selection.firm.as_deref(), Some(id.as_str()));
    assert!(!text.contains("left_panel") && !text.contains("\"recent\""));
    assert!(h.state().window_title().starts_with("briefing.atlas.json"));
    drop(h);

    // The folder moves; a fresh window opens the project from its new place.
    let moved = dir.join("moved");
    std::fs::rename(&first, &moved).unwrap();
    let app = ClusterAtlasApp::new(
        None,
        vec![Command::OpenProject(moved.join("briefing.atlas.json"))],
    );
    let h = start(app);
    let a = h.state();
    assert!(!a.data.synthetic, "the project's firms, not the sample");
    assert!(
        a.data.firms_report.file.contains("moved"),
        "{}",
        a.data.firms_report.file
    );
    let f = a.selection.firm.expect("the selection comes back");
    assert_eq!(a.data.firms.id(f), id.as_str());
    assert_eq!(a.data.firms.lonlat[f], lonlat, "read as GCJ-02 again");
    assert_eq!((a.settings.eps_m, a.settings.min_pts), (350.0, 4));
    assert!(a.settings.scene.density.visible);
    let v = a.settings.view.expect("a view");
    assert!(
        (v.centre.x - view.centre.x).abs() < 1e-6 && (v.m_per_px - view.m_per_px).abs() < 1e-9,
        "the saved view, not a fit to the data: {v:?} vs {view:?}"
    );
    assert_eq!(
        a.n_clusters(),
        n_clusters,
        "analysed with the project's parameters"
    );
    assert!(a.messages.iter().all(|m| !m.error), "{:?}", a.messages);
}

#[test]
fn a_project_with_a_missing_file_or_a_bad_setting_still_opens_the_rest() {
    let dir = temp_dir("project-missing");
    let mut h = working_session(&dir);
    h.state_mut()
        .push(Command::SaveProject(dir.join("p.atlas.json")));
    h.run_steps(2);
    drop(h);
    std::fs::remove_file(dir.join("data/firms.xlsx")).unwrap();
    let file = dir.join("p.atlas.json");
    let text = std::fs::read_to_string(&file).unwrap();
    let text = text.replace("\"min_pts\": 4", "\"min_pts\": -3");
    std::fs::write(&file, text).unwrap();
    let h = start(ClusterAtlasApp::new(None, vec![Command::OpenProject(file)]));
    let a = h.state();
    assert!(
        a.data.synthetic,
        "the missing firm file leaves the bundled sample"
    );
    assert_eq!(a.settings.eps_m, 350.0, "the good settings are kept");
    assert_eq!(a.settings.min_pts, 5, "the bad one is reset");
    let all: Vec<&str> = a.messages.iter().map(|m| m.text.as_str()).collect();
    assert!(all.iter().any(|m| m.contains("firms.xlsx")), "{all:?}");
    assert!(all.iter().any(|m| m.contains("min_pts")), "{all:?}");
    assert!(a.results.is_some(), "and the rest is analysed");
}

#[test]
fn files_that_are_not_projects_are_refused_with_the_reason() {
    let dir = temp_dir("project-bad");
    let cases = [
        (
            "newer.atlas.json",
            r#"{"format": "cluster-atlas project", "version": 99}"#,
            "newer",
        ),
        (
            "zones.atlas.json",
            r#"{"type": "FeatureCollection", "features": []}"#,
            "not a cluster-atlas project",
        ),
        (
            "cut.atlas.json",
            "{\"format\": \"cluster-atlas project\",\n \"version\": ",
            "line 2",
        ),
    ];
    for (name, text, expected) in cases {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        // Dropped on the window: recognised as a project by its name.
        let h = start(ClusterAtlasApp::new(None, vec![Command::OpenImport(path)]));
        let a = h.state();
        assert!(a.import.is_none(), "{name}: not taken for a data file");
        let err: Vec<&str> = a
            .messages
            .iter()
            .filter(|m| m.error)
            .map(|m| m.text.as_str())
            .collect();
        assert!(
            err.iter().any(|m| m.contains(expected) && m.contains(name)),
            "{name}: {err:?}"
        );
        assert!(
            a.data.synthetic && a.results.is_some(),
            "{name}: the window carries on"
        );
    }
}

#[test]
fn a_restart_brings_back_the_selection_and_the_view_with_the_files() {
    let h = selected_in_session("restart-selection", Pick::Zone(2));
    let (zone_id, view) = {
        let a = h.state();
        (a.data.zones[2].id.clone(), a.settings.view.unwrap())
    };
    let settings = h.state().settings.clone();
    drop(h);
    let h = restarted(&settings);
    let a = h.state();
    assert!(!a.data.synthetic, "the files reopen");
    assert_eq!(
        a.selection.zone.map(|z| a.data.zones[z].id.clone()),
        Some(zone_id)
    );
    let v = a.settings.view.unwrap();
    assert!((v.m_per_px - view.m_per_px).abs() < 1e-9 && (v.centre.y - view.centre.y).abs() < 1e-6);
    assert_eq!(
        a.saved_selection(),
        SavedSelection {
            zone: Some(a.data.zones[2].id.clone()),
            firm: None
        }
    );
}

#[test]
fn a_saved_firm_id_in_excels_text_guard_is_the_firm_it_shows() {
    // Settings saved before ids were read as a spreadsheet shows them held a guarded id as
    // the file wrote it: `="F3"` is the firm whose id reads F3.
    let h = selected_in_session("restart-guarded-id", Pick::Firm(3));
    let id = h.state().data.firms.id(3).into_owned();
    let mut settings = h.state().settings.clone();
    settings.selection.firm = Some(format!("=\"{id}\""));
    drop(h);
    let h = restarted(&settings);
    assert_eq!(h.state().selection.firm, Some(3), "firm {id}");
}
