//! Firms over time and hot spots in the window (bundled sample, which carries founding
//! years): the year view shows exactly the firms alive that year and highlights the newest;
//! the hot-spot layer draws the significant cells; a zone's inspector charts its share by year
//! with the difference-in-differences.
#![cfg(feature = "gui")]

use crate::common;

use cluster_atlas::app::{ClusterAtlasApp, Command, Settings};
use cluster_atlas::scene::{Item, Lang, LayerKind};
use egui_kittest::kittest::Queryable;

#[test]
fn the_year_view_hot_spots_and_the_zone_chart() {
    let mut s = Settings::default();
    s.scene.lang = Lang::En;
    let mut h = common::window(ClusterAtlasApp::new(Some(s), Vec::new()));
    let (first, last) = h.state().data.times.as_ref().unwrap().year_range().unwrap();

    h.get_by_label("Show the firms alive in one year").click();
    h.run_steps(3);
    assert_eq!(h.state().settings.scene.year, Some(last));
    h.get_by_label("<").click();
    h.run_steps(3);
    let year = last - 1;
    assert_eq!(h.state().settings.scene.year, Some(year));
    assert!(year > first);
    let app = h.state();
    let t = app.data.times.as_ref().unwrap();
    let scene = app.current_scene().unwrap();
    let Some(Item::Points(pts)) = scene.layer(LayerKind::Firms).and_then(|l| l.items.first())
    else {
        panic!("no firm layer")
    };
    let drawn: Vec<u8> = (0..pts.xy.len()).map(|i| pts.colour_at(i)).collect();
    let shown = drawn.iter().filter(|c| **c != 255).count();
    let alive = (0..app.data.firms.len())
        .filter(|&i| t.alive(i, year))
        .count();
    assert_eq!(shown, alive, "firms drawn in {year}");
    let highlight = (pts.palette.len() - 1) as u8;
    let new = drawn.iter().filter(|c| **c == highlight).count();
    let want_new = (0..app.data.firms.len())
        .filter(|&i| t.alive(i, year) && i32::from(t.founded[i]) > year - 3)
        .count();
    assert_eq!(new, want_new, "newly founded highlighted");
    assert!(
        h.query_by_label_contains(&format!("alive in {year}"))
            .is_some()
    );

    // Hot spots: computed with the analysis, drawn when the layer is on.
    h.state_mut().settings.scene.hotspots.visible = true;
    h.run_steps(3);
    let app = h.state();
    let hs = app.results.as_ref().unwrap().hotspots.as_ref().unwrap();
    let significant = hs.cells.iter().filter(|c| c.class != 0).count();
    let layer = app
        .current_scene()
        .unwrap()
        .layer(LayerKind::Hotspots)
        .expect("hot-spot layer");
    // One image of the fishnet: a pixel per cell, opaque exactly at the significant cells,
    // in their class's colour (row 0 of the fishnet is the southern, images start north).
    let Some(cluster_atlas::scene::Item::Raster(img)) = layer.items.first() else {
        panic!("the hot spots are one image");
    };
    assert_eq!(
        (img.width, img.height),
        (hs.cols as usize, hs.rows as usize)
    );
    let opaque = img.rgba.chunks(4).filter(|p| p[3] > 0).count();
    assert_eq!(opaque, significant);
    assert!(significant > 0);
    for c in hs.cells.iter().filter(|c| c.class != 0).take(50) {
        let i = ((img.height - 1 - c.row as usize) * img.width + c.col as usize) * 4;
        let want = cluster_atlas::scene::class_colour(c.class).0;
        assert_eq!(&img.rgba[i..i + 4], &want[..], "cell {} {}", c.col, c.row);
    }
    let (nw, se) = img.corners();
    assert!((nw.x - hs.origin_x_m).abs() < 1e-6 && (se.y - hs.origin_y_m).abs() < 1e-6);

    // The inspector's chart for Z02 (designated 2017).
    let z = h
        .state()
        .data
        .zones
        .iter()
        .position(|z| z.id == "Z02")
        .unwrap();
    h.state_mut().push(Command::ZoomToZone(z));
    h.run_steps(4);
    assert!(h.query_by_label_contains("Firms over time").is_some());
    assert!(
        h.query_by_label_contains("as fast as in the rest of the city")
            .is_some()
    );
    if let Ok(img) = h.render() {
        let _ = img.save(common::temp_dir("gui-time").join("time.png"));
    }
}
