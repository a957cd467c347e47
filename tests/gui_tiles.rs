//! The street basemap in the window, against a local GCJ-02 tile server: the tiles are warped
//! so that rings drawn at the GCJ-02 positions of known WGS-84 points sit around those points'
//! firm dots within a screen pixel; the window's export carries the tiles and their credit; a
//! Tianditu choice without a key says what is missing; bad tile settings are repaired.
#![cfg(feature = "gui")]

mod common;

use cluster_atlas::app::{ClusterAtlasApp, Command, ExportDialog, ExtentChoice, Settings};
use cluster_atlas::export::Preset;
use cluster_atlas::model::LonLat;
use cluster_atlas::scene::{Lang, Viewport};
use cluster_atlas::tiles::{TileCrs, TileKind};
use common::tile_server::{POINTS, TileServer, centroid, firms_csv, red_dots, ring_tiles};
use common::{temp_dir, wait_idle};
use egui_kittest::Harness;

/// One tile cache folder for this test binary (each server's port makes its own subfolder).
fn cache_env() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let dir = temp_dir("gui-tiles-cache");
        // SAFETY: set once, before this binary's first tile fetcher reads it.
        unsafe { std::env::set_var("CLUSTER_ATLAS_TILE_CACHE", dir) };
    });
}

fn window_over_rings(server: &TileServer, name: &str) -> Harness<'static, ClusterAtlasApp> {
    let dir = temp_dir(name);
    cache_env();
    let mut s = Settings::default();
    s.scene.lang = Lang::En;
    s.scene.labels = false;
    s.scene.zones.visible = false;
    s.scene.firm_single_colour = Some([255, 0, 0]);
    s.left_panel = false;
    s.right_panel = false;
    s.tiles.kind = TileKind::Custom;
    s.tiles.custom_url = server.template();
    s.tiles.custom_crs = TileCrs::Gcj02;
    let mut h = Harness::builder()
        .with_size([1366.0, 768.0])
        .build_ui_state(
            |ui, app: &mut ClusterAtlasApp| app.show(ui),
            ClusterAtlasApp::new(Some(s), Vec::new()),
        );
    wait_idle(&mut h);
    let firms = firms_csv(&dir);
    h.state_mut()
        .push(Command::LoadFirms(firms, Default::default()));
    wait_idle(&mut h);
    // Street zoom (z15–16) with every point in the map above the tables.
    let proj = h.state().data.index.projection;
    let mut vp: Viewport = h.state().viewport();
    vp.centre = proj.project(LonLat::new(114.058, 22.5425));
    vp.m_per_px = 5.5;
    h.state_mut().settings.view = Some(vp);
    let t0 = std::time::Instant::now();
    loop {
        h.step();
        let b = h.state().basemap();
        if b.is_on() && b.waiting == 0 {
            break;
        }
        assert!(t0.elapsed().as_secs() < 60, "tiles did not arrive");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    h.run_steps(3);
    h
}

#[test]
fn gcj02_tiles_line_up_with_the_firms_within_a_screen_pixel() {
    let server = TileServer::start(|p, _| ring_tiles(p));
    let mut h = window_over_rings(&server, "gui-tiles-align");
    let shot = h.render().expect("the window renders (Mesa)");
    shot.save(temp_dir("gui-tiles-shot").join("window_gcj02_tiles.png"))
        .unwrap();
    let map = h.state().layout().panel("map").expect("map drawn");
    let dots: Vec<(f64, f64)> = red_dots(&shot)
        .into_iter()
        .filter(|(x, y)| {
            let (x, y) = (*x as f32, *y as f32);
            // not under the map buttons or the scale bar
            map.contains(egui::pos2(x, y))
                && !(x < map.min.x + 100.0 && y < map.min.y + 130.0)
                && !(x < map.min.x + 140.0 && y > map.max.y - 50.0)
        })
        .collect();
    assert!(
        dots.len() >= 5,
        "{} firm dots in view: {dots:?}",
        dots.len()
    );
    let blue = |p: [u8; 4]| (f64::from(p[2]) - f64::from(p[0])).max(0.0);
    let mut worst: f64 = 0.0;
    for &(x, y) in &dots {
        let (bx, by) = centroid(&shot, x, y, 12, blue).expect("a ring around every dot");
        worst = worst.max(((bx - x).powi(2) + (by - y).powi(2)).sqrt());
    }
    eprintln!(
        "window: worst ring-to-dot distance {worst:.3} px over {} dots",
        dots.len()
    );
    assert!(worst <= 1.0, "worst ring-to-dot distance {worst:.2} px");
    assert!(POINTS.len() >= dots.len());
}

#[test]
fn the_window_export_carries_the_tiles_and_their_credit() {
    let server = TileServer::start(|p, _| ring_tiles(p));
    let h = window_over_rings(&server, "gui-tiles-export");
    let app = h.state();
    let mut d = ExportDialog::new(Lang::En);
    d.preset = Preset::Slide;
    d.extent = ExtentChoice::View;
    let dir = temp_dir("gui-tiles-export-out");
    let file = dir.join("view.svg");
    d.path = file.display().to_string();
    let opts = app.final_options(&d, "2026-11-30".into());
    app.export_to(&file, &opts).unwrap();
    let svg = std::fs::read_to_string(&file).unwrap();
    assert!(
        svg.contains("Basemap: Tiles: 127.0.0.1"),
        "no credit in the export"
    );
    assert!(svg.contains("Basemap tiles"), "no tiles in the export");
    let (args, shell, _) = app.render_command(&d, &opts);
    assert!(
        args.iter().any(|a| a == "--tiles") && shell.contains("--tiles-crs gcj02"),
        "{shell}"
    );
}

#[test]
fn tianditu_without_a_key_says_so_and_stays_offline() {
    cache_env();
    let mut s = Settings::default();
    s.scene.lang = Lang::En;
    s.tiles.kind = TileKind::Tianditu;
    let mut h = common::window(ClusterAtlasApp::new(Some(s), Vec::new()));
    h.run_steps(2);
    let b = h.state().basemap();
    assert!(!b.is_on());
    assert!(
        b.problem.as_deref().is_some_and(|p| p.contains("key")),
        "{:?}",
        b.problem
    );
}

#[test]
fn out_of_range_tile_settings_are_repaired() {
    let (s, notes) = cluster_atlas::app::settings_file::from_stored(
        r#"{"tiles": {"kind": "osm", "cache_mb": 3, "opacity": 7}}"#,
    );
    assert_eq!(s.tiles.kind, TileKind::Osm);
    assert_eq!(s.tiles.cache_mb, 500);
    assert_eq!(s.tiles.opacity, 1.0);
    assert!(
        notes.iter().any(|n| n.contains("tiles.cache_mb")),
        "{notes:?}"
    );
    let (s, notes) =
        cluster_atlas::app::settings_file::from_stored(r#"{"tiles": {"kind": "bing"}}"#);
    assert_eq!(s.tiles.kind, TileKind::None);
    assert!(notes.iter().any(|n| n.contains("tiles.kind")), "{notes:?}");
}
