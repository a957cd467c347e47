//! The window's map and an exported page draw the same scene with different painters (egui on
//! the GPU, tiny-skia for PNG): at the same places on the ground they must show the same
//! colours, and their scale bars the same ground length. Sample points are taken where both
//! pictures are flat (no edge, dot, text or furniture nearby), so anti-aliasing does not count.
#![cfg(feature = "gui")]

use crate::common;

use cluster_atlas::app::{ClusterAtlasApp, Command, ExportDialog, ExtentChoice, Settings};
use cluster_atlas::export::{self, ExportData, Preset};
use cluster_atlas::scene::{Lang, Px};
use common::{temp_dir, wait_idle};
use egui_kittest::Harness;

/// An RGBA picture read pixel by pixel.
struct Picture {
    w: u32,
    h: u32,
    rgba: Vec<u8>,
}

impl Picture {
    fn rgb(&self, x: i64, y: i64) -> Option<[i32; 3]> {
        if x < 0 || y < 0 || x >= self.w as i64 || y >= self.h as i64 {
            return None;
        }
        let i = ((y as u32 * self.w + x as u32) * 4) as usize;
        Some([0, 1, 2].map(|k| self.rgba[i + k] as i32))
    }

    /// The colour at (x, y) when the 7×7 pixels around it are all within 3 of it, else None.
    fn flat(&self, p: Px) -> Option<[i32; 3]> {
        let (x, y) = (p.x.floor() as i64, p.y.floor() as i64);
        let c = self.rgb(x, y)?;
        for dy in -3..=3 {
            for dx in -3..=3 {
                let o = self.rgb(x + dx, y + dy)?;
                if (0..3).any(|k| (o[k] - c[k]).abs() > 3) {
                    return None;
                }
            }
        }
        Some(c)
    }
}

fn settings() -> Settings {
    let mut s = Settings::default();
    s.scene.lang = Lang::Zh;
    // Dots and text are drawn at screen sizes in both, but placed and hinted differently: the
    // comparison is about the map's fills.
    s.scene.firms.visible = false;
    s.scene.labels = false;
    s.scene.district_labels = false;
    s.left_panel = false;
    s.right_panel = false;
    s
}

/// The window at 1366×768 zoomed to Z05 (Futian–Shenzhen Hong Kong zone: footprints, land,
/// districts and sea in one view), its work done.
fn zone_view() -> Harness<'static, ClusterAtlasApp> {
    let app = ClusterAtlasApp::new(Some(settings()), Vec::new());
    let mut h = Harness::builder()
        .with_size([1366.0, 768.0])
        .build_ui_state(|ui, app: &mut ClusterAtlasApp| app.show(ui), app);
    wait_idle(&mut h);
    h.state_mut().push(Command::ZoomToZone(4));
    wait_idle(&mut h);
    h
}

#[test]
fn the_window_and_an_exported_png_show_the_same_colours_at_the_same_places() {
    let mut h = zone_view();
    h.run_steps(2);
    let shot = h.render().expect("the window renders (Mesa)");
    let window = Picture {
        w: shot.width(),
        h: shot.height(),
        rgba: shot.into_raw(),
    };
    let app = h.state();
    let map = app.layout().panel("map").expect("map drawn");
    let vp = app.viewport();
    // The screenshot is in physical pixels; kittest's default is one pixel per point.
    assert_eq!(window.w as f32, 1366.0);

    let mut d = ExportDialog::new(Lang::Zh);
    d.preset = Preset::Slide;
    d.extent = ExtentChoice::View;
    let dir = temp_dir("screen-vs-export");
    let file = dir.join("view.png");
    d.path = file.display().to_string();
    let opts = app.final_options(&d, "2026-11-30".into());
    app.export_to(&file, &opts).unwrap();
    let page = tiny_skia::Pixmap::load_png(&file).unwrap();
    let page = Picture {
        w: page.width(),
        h: page.height(),
        rgba: page.data().to_vec(), // opaque page: premultiplied = straight
    };
    let scene = app.export_scene(Lang::Zh);
    let data = ExportData {
        scene: &scene,
        zones: &app.data.zones,
        index: &app.data.index,
        tiles: None,
    };
    let layout = export::page_layout(&scene, &opts).unwrap();
    let pvp = export::map_viewport(&data, &opts.extent, &layout).unwrap();

    // A grid of ground points over the window's map, away from the map buttons (top left),
    // the scale bar (bottom left) and the north arrow (top right).
    let (mut compared, mut colours, mut worst) = (0, Vec::<[i32; 3]>::new(), 0);
    for i in 1..40 {
        for j in 1..24 {
            let s = Px::new(
                vp.width_px * i as f32 / 40.0,
                vp.height_px * j as f32 / 24.0,
            );
            let furniture = (s.x < 150.0 && s.y < 170.0)
                || (s.x < 300.0 && s.y > vp.height_px - 70.0)
                || (s.x > vp.width_px - 90.0 && s.y < 100.0);
            if furniture {
                continue;
            }
            let ground = vp.to_plane(s);
            let on_screen = Px::new(map.min.x + s.x, map.min.y + s.y);
            let on_page = pvp.to_screen(ground).offset(layout.map[0], layout.map[1]);
            let [mx, my, mw, mh] = layout.map;
            if on_page.x < mx + 8.0
                || on_page.y < my + 8.0
                || on_page.x > mx + mw - 8.0
                || on_page.y > my + mh - 8.0
            {
                continue;
            }
            let (Some(a), Some(b)) = (window.flat(on_screen), page.flat(on_page)) else {
                continue;
            };
            let diff = (0..3).map(|k| (a[k] - b[k]).abs()).max().unwrap_or(0);
            worst = worst.max(diff);
            assert!(
                diff <= 3,
                "at {ground:?}: window {a:?} vs page {b:?} (screen {on_screen:?}, page {on_page:?})"
            );
            compared += 1;
            if colours
                .iter()
                .all(|c| (0..3).any(|k| (c[k] - a[k]).abs() > 6))
            {
                colours.push(a);
            }
        }
    }
    assert!(compared >= 100, "only {compared} flat places to compare");
    assert!(
        colours.len() >= 3,
        "the samples cover several fills (zone, land, sea): {colours:?}"
    );
    eprintln!(
        "{compared} places, {} colours, worst difference {worst}",
        colours.len()
    );
}

/// The window's map as pixels.
fn shot(h: &mut Harness<'static, ClusterAtlasApp>) -> Picture {
    let img = h.render().expect("the window renders (Mesa)");
    Picture {
        w: img.width(),
        h: img.height(),
        rgba: img.into_raw(),
    }
}

#[test]
fn the_layer_picture_shows_what_the_vectors_show_and_follows_changes() {
    let mut h = zone_view();
    assert!(
        h.state().drew_layer_picture(),
        "at rest the picture is drawn"
    );
    let from_picture = shot(&mut h);
    h.state_mut().set_layer_pictures_off(true);
    h.run_steps(2);
    assert!(!h.state().drew_layer_picture());
    let from_vectors = shot(&mut h);
    // Where both are flat, the two ways of drawing show the same colour.
    let map = h.state().layout().panel("map").expect("map drawn");
    let (mut compared, mut worst) = (0, 0);
    for i in 1..60 {
        for j in 1..40 {
            let p = Px::new(
                map.min.x + map.width() * i as f32 / 60.0,
                map.min.y + map.height() * j as f32 / 40.0,
            );
            if let (Some(a), Some(b)) = (from_picture.flat(p), from_vectors.flat(p)) {
                let diff = (0..3).map(|k| (a[k] - b[k]).abs()).max().unwrap_or(0);
                worst = worst.max(diff);
                compared += 1;
            }
        }
    }
    assert!(compared >= 500, "only {compared} flat places");
    assert!(worst <= 3, "picture and vectors differ by {worst}");

    // Panning: the next frame shows the picture moved (no wait for a new one).
    h.state_mut().set_layer_pictures_off(false);
    wait_idle(&mut h);
    let mut vp = h.state().viewport();
    vp.pan_px(120.0, -40.0);
    h.state_mut().settings.view = Some(vp);
    h.step();
    assert!(
        h.state().drew_layer_picture(),
        "the picture stands in while the view moves"
    );
    // A change of those layers: vectors until the new picture is drawn.
    h.state_mut().settings.scene.districts.opacity = 0.3;
    h.step();
    assert!(
        !h.state().drew_layer_picture(),
        "a stale picture is never shown"
    );
    wait_idle(&mut h);
    assert!(h.state().drew_layer_picture());
}

#[test]
fn arriving_results_are_drawn_after_the_last_picture_stands_in_for_them() {
    let mut h = zone_view();
    assert!(h.state().drew_layer_picture());
    assert!(!h.state().layer_picture_stood_in());
    let before = shot(&mut h);
    // Another radius: other clusters, so the layers under the firms change.
    h.state_mut().settings.eps_m *= 2.5;
    h.state_mut().push(Command::RunAnalysis);
    h.step();
    let t0 = std::time::Instant::now();
    while h.state().job_running() {
        assert!(t0.elapsed().as_secs() < 60, "the analysis did not finish");
        std::thread::sleep(std::time::Duration::from_millis(10));
        h.step();
    }
    // The frame in which they arrived drew the last picture (no vectors) and started nothing.
    assert!(h.state().layer_picture_stood_in());
    assert!(h.state().drew_layer_picture());
    assert!(
        h.state().is_busy(),
        "the map shown is not the current one yet"
    );
    assert!(
        !h.state().layer_picture_drawing(),
        "none started in that frame"
    );
    h.step();
    assert!(
        h.state().layer_picture_drawing(),
        "theirs is drawn from the next frame"
    );
    // Then their own picture, which shows the new clusters.
    wait_idle(&mut h);
    assert!(h.state().drew_layer_picture());
    assert!(!h.state().layer_picture_stood_in());
    let after = shot(&mut h);
    let changed = before
        .rgba
        .chunks(4)
        .zip(after.rgba.chunks(4))
        .filter(|(a, b)| a != b)
        .count();
    assert!(changed > 100, "only {changed} pixels changed");
}
