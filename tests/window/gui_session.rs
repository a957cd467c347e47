//! The session comes back: the user's own files reopen after a restart (read as they were),
//! a file that has gone is reported while the rest opens, and the window title names them.
#![cfg(feature = "gui")]

use crate::common;

use std::path::PathBuf;

use cluster_atlas::app::{
    ClusterAtlasApp, Command, ImportDialog, RecentFile, Settings, settings_file,
};
use cluster_atlas::data::{FirmLoadOptions, ZoneLoadOptions};
use cluster_atlas::model::SourceCrs;
use common::wait_idle;
use egui_kittest::Harness;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/formats")
        .join(name)
}

fn start(settings: Option<Settings>) -> Harness<'static, ClusterAtlasApp> {
    common::window(ClusterAtlasApp::new(settings, Vec::new()))
}

fn gcj02() -> FirmLoadOptions {
    FirmLoadOptions {
        crs: SourceCrs::Gcj02,
        sheet: Some("企业名录".into()),
        ..Default::default()
    }
}

#[test]
fn a_restart_reopens_the_users_files_as_they_were_read() {
    let mut h = start(None);
    let bundled_firms = h.state().data.firms.len();
    h.state_mut()
        .push(Command::LoadFirms(fixture("firms_gcj02.xlsx"), gcj02()));
    wait_idle(&mut h);
    let (n, first) = {
        let d = &h.state().data;
        assert!(!d.synthetic);
        (d.firms.len(), d.firms.lonlat[0])
    };
    assert_ne!(n, bundled_firms);
    let stored = settings_file::to_stored(&h.state().settings);
    assert!(h.state().window_title().contains("firms_gcj02.xlsx"));
    drop(h);

    // The next start, from the stored settings alone.
    let mut h = start(Some(settings_file::from_stored(&stored).0));
    let d = &h.state().data;
    assert!(!d.synthetic, "the user's firms, not the synthetic sample");
    assert_eq!(d.firms.len(), n);
    assert_eq!(
        d.firms.lonlat[0], first,
        "read in GCJ-02 again, so at the same place"
    );
    assert!(d.firms_report.file.ends_with("firms_gcj02.xlsx"));
    assert!(h.state().results.is_some(), "and analysed");
    assert!(h.state().window_title().contains("firms_gcj02.xlsx"));

    // Back to the bundled data: nothing reopens after that.
    h.state_mut().push(Command::ResetBundled);
    wait_idle(&mut h);
    let stored = settings_file::to_stored(&h.state().settings);
    let h = start(Some(settings_file::from_stored(&stored).0));
    assert!(h.state().data.synthetic);
}

#[test]
fn a_missing_file_is_reported_and_the_rest_opens() {
    let mut s = Settings::default();
    s.open.zones = Some(RecentFile {
        path: fixture("zones_wgs84.geojson"),
        zones: true,
        firm_options: Default::default(),
        zone_options: ZoneLoadOptions::default(),
    });
    s.open.firms = Some(RecentFile {
        path: fixture("no_such_firms_file.csv"),
        zones: false,
        firm_options: Default::default(),
        zone_options: Default::default(),
    });
    let h = start(Some(s));
    let app = h.state();
    assert!(app.data.zones_report.file.ends_with("zones_wgs84.geojson"));
    assert!(
        app.data.synthetic,
        "the firms that could not open fall back to the sample"
    );
    assert!(
        app.messages
            .iter()
            .any(|m| m.error && m.text.contains("no_such_firms_file.csv")),
        "{:?}",
        app.messages.iter().map(|m| &m.text).collect::<Vec<_>>()
    );
}

#[test]
fn reopening_a_file_by_path_starts_the_dialog_on_how_it_was_read() {
    let mut s = Settings::default();
    s.remember(RecentFile {
        path: fixture("firms_gcj02.xlsx"),
        zones: false,
        firm_options: gcj02(),
        zone_options: Default::default(),
    });
    s.remember(RecentFile {
        path: fixture("firms_wgs84.csv"),
        zones: false,
        firm_options: FirmLoadOptions::default(),
        zone_options: Default::default(),
    });
    // The workbook comes back on GCJ-02 and its sheet, though a WGS-84 file was opened since.
    let d = ImportDialog::new(fixture("firms_gcj02.xlsx"), &s);
    assert_eq!(d.firm_opts.crs, SourceCrs::Gcj02);
    assert_eq!(d.firm_opts.sheet.as_deref(), Some("企业名录"));
    // A file never opened starts on the last firm file's system.
    let d = ImportDialog::new(fixture("firms_4547.csv"), &s);
    assert_eq!(d.firm_opts.crs, SourceCrs::Wgs84);
}

#[test]
fn tables_save_as_csv_for_excel() {
    use cluster_atlas::app::BottomTab;
    let mut h = start(None);
    h.state_mut()
        .push(Command::LoadFirms(fixture("firms_gcj02.xlsx"), gcj02()));
    wait_idle(&mut h);
    let dir = common::temp_dir("table_csv");
    let app = h.state_mut();
    let read = |p: &std::path::Path| {
        let bytes = std::fs::read(p).unwrap();
        assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "UTF-8 BOM for Excel");
        let mut r = csv::Reader::from_reader(&bytes[3..]);
        let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
        let rows: Vec<csv::StringRecord> = r.records().map(|x| x.unwrap()).collect();
        (header, rows)
    };
    // Firms: one row per firm, the zone column as the analysis placed each firm.
    let firms = dir.join("firms.csv");
    app.save_table(BottomTab::Firms, &firms);
    let (header, rows) = read(&firms);
    assert_eq!(header[0], "编号", "headers in the window's language");
    assert_eq!(rows.len(), app.data.firms.len());
    let placement = &app.results.as_ref().unwrap().analysis.placement;
    for (f, row) in rows.iter().enumerate() {
        assert_eq!(&row[0], app.data.firms.id(f).as_ref());
        let zone = placement
            .zone(f)
            .map(|z| app.data.zones[z as usize].id.clone());
        assert_eq!(&row[3], zone.as_deref().unwrap_or(""));
    }
    // Zones: the 15 slots; the load report: one row per skipped row.
    let zones = dir.join("zones.csv");
    app.save_table(BottomTab::Zones, &zones);
    assert_eq!(read(&zones).1.len(), app.data.zones.len());
    let report = dir.join("report.csv");
    app.save_table(BottomTab::Report, &report);
    let skipped = app.data.zones_report.skipped.len() + app.data.firms_report.skipped.len();
    assert_eq!(read(&report).1.len(), skipped);
    // Never over an input file.
    let input = fixture("firms_gcj02.xlsx");
    let before = std::fs::read(&input).unwrap();
    app.save_table(BottomTab::Firms, &input);
    assert_eq!(std::fs::read(&input).unwrap(), before);
    assert!(app.messages.last().is_some_and(|m| m.error));
}
