//! The export dialog's equivalent command is made from the export's own options: run as
//! printed, it redraws the window's picture byte for byte (a GCJ-02 workbook, an official
//! zone file in CGCS2000, non-default clustering, layers, weights, page and language).
#![cfg(feature = "gui")]

use crate::common;

use std::path::{Path, PathBuf};

use cluster_atlas::app::state::StudyAreaChoice;
use cluster_atlas::app::{ClusterAtlasApp, Command, ExportDialog, ExtentChoice, Settings};
use cluster_atlas::data::{FirmLoadOptions, ZoneLoadOptions};
use cluster_atlas::export::Preset;
use cluster_atlas::model::SourceCrs;
use cluster_atlas::scene::{FirmColour, Lang};
use common::{temp_dir, wait_idle};
use egui_kittest::Harness;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/formats")
        .join(name)
}

fn settings() -> Settings {
    let mut s = Settings::default();
    s.scene.lang = Lang::En;
    s.eps_m = 300.0;
    s.min_pts = 4;
    s.study_area = StudyAreaChoice::Land;
    s.scene.districts.visible = false;
    s.scene.district_labels = false;
    s.scene.firm_radius_px = 3.5;
    s.scene.firms.opacity = 0.6;
    s.scene.density.visible = true;
    s.scene.density_bandwidth_m = 1200.0;
    s.scene.firm_colour = FirmColour::Cluster;
    s.weights.proximity = 50.0;
    s
}

/// Runs the printed command `args` with its output moved to `cli_file` and checks that it
/// draws `window_file`'s bytes (`shell`: the command as printed, for the message).
fn assert_redrawn(mut args: Vec<String>, window_file: &Path, cli_file: &Path, shell: &str) {
    let at = args.iter().position(|a| a == "--out").unwrap();
    args[at + 1] = cli_file.display().to_string();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    common::assert_redraws(&args, window_file, cli_file, shell);
}

#[test]
fn the_printed_command_redraws_the_windows_picture_byte_for_byte() {
    let firms = FirmLoadOptions {
        crs: SourceCrs::Gcj02,
        sheet: Some("企业名录".into()),
        ..Default::default()
    };
    let initial = vec![
        Command::LoadZones(fixture("zones_cgcs2000.shp"), ZoneLoadOptions::default()),
        Command::LoadFirms(fixture("firms_gcj02.xlsx"), firms),
    ];
    let app = ClusterAtlasApp::new(Some(settings()), initial);
    let mut h = Harness::builder()
        .with_size([1366.0, 768.0])
        .build_ui_state(|ui, app: &mut ClusterAtlasApp| app.show(ui), app);
    wait_idle(&mut h);
    let app = h.state();
    assert!(!app.data.synthetic && app.results.is_some());
    let dir = temp_dir("export_command");
    let cases = [
        (
            "svg",
            Preset::Slide,
            ExtentChoice::View,
            Lang::En,
            "Briefing: it's 深圳",
        ),
        ("png", Preset::A4, ExtentChoice::All, Lang::Both, ""),
        (
            "pdf",
            Preset::A4Portrait,
            ExtentChoice::Zone(0),
            Lang::Zh,
            "简报",
        ),
    ];
    for (ext, preset, extent, lang, title) in cases {
        let mut d = ExportDialog::new(lang);
        d.preset = preset;
        d.dpi = 150;
        d.extent = extent;
        d.title = title.into();
        let window_file = dir.join(format!("window.{ext}"));
        d.path = window_file.display().to_string();
        let opts = app.final_options(&d, "2026-11-30".into());
        app.export_to(&window_file, &opts).unwrap();
        let (args, shell, note) = app.render_command(&d, &opts);
        assert!(note.is_none(), "{note:?}");
        assert!(
            shell.starts_with("cluster-atlas render --zones "),
            "{shell}"
        );
        for flag in ["--firms-crs", "--sheet", "--eps-m", "--hide", "--weights"] {
            assert!(args.iter().any(|a| a == flag), "{flag} missing: {shell}");
        }
        let cli_file = dir.join(format!("cli.{ext}"));
        assert_redrawn(args, &window_file, &cli_file, &shell);
    }
    // Coloured by segment with two names picked (in the order picked, one of them with a
    // space after), over a file of ten segment names: the command names them and draws the
    // same.
    let f = dir.join("ten_segments.csv");
    let mut csv = String::from("id,name,lng,lat,segment\n");
    for k in 0..60 {
        let (lon, lat) = (114.0 + 0.002 * k as f64, 22.55 + 0.001 * k as f64);
        csv.push_str(&format!("F{k},企业{k},{lon:.4},{lat:.4},行业 {}\n", k % 10));
    }
    std::fs::write(&f, csv).unwrap();
    h.state_mut()
        .push(Command::LoadFirms(f, FirmLoadOptions::default()));
    h.run_steps(2);
    wait_idle(&mut h);
    let picked = vec!["行业 7".to_string(), "行业 2 ".to_string()];
    h.state_mut().settings.scene.firm_colour = FirmColour::Segment;
    h.state_mut().settings.scene.segment_colours = picked.clone();
    h.run_steps(3);
    wait_idle(&mut h);
    let app = h.state();
    let mut d = ExportDialog::new(Lang::En);
    let window_file = dir.join("window-picked.svg");
    d.path = window_file.display().to_string();
    let opts = app.final_options(&d, "2026-11-30".into());
    app.export_to(&window_file, &opts).unwrap();
    let (args, shell, _) = app.render_command(&d, &opts);
    let given: Vec<&String> = (args.windows(2))
        .filter(|w| w[0] == "--segment-colour")
        .map(|w| &w[1])
        .collect();
    assert_eq!(given, picked.iter().collect::<Vec<_>>(), "{shell}");
    let cli_file = dir.join("cli-picked.svg");
    assert_redrawn(args, &window_file, &cli_file, &shell);
}
