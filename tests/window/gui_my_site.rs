//! *My site…*: a firm not in the data places its site by pasting GCJ-02 coordinates or by
//! clicking the map, and the inspector's advice is the command line's `suggest --at` for the
//! same point: the same targets in the same order, the same gains over staying.
#![cfg(feature = "gui")]

use crate::common;

use cluster_atlas::app::my_site::MySiteDialog;
use cluster_atlas::app::{ClusterAtlasApp, Settings};
use cluster_atlas::model::SourceCrs;
use cluster_atlas::scene::Lang;
use common::{run, temp_dir, wait_idle};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

fn start() -> Harness<'static, ClusterAtlasApp> {
    let mut s = Settings::default();
    s.scene.lang = Lang::En;
    common::window(ClusterAtlasApp::new(Some(s), Vec::new()))
}

/// The command line's advice for a point: (zone, gain) of the top five, the current site's
/// total and whether any target is recommended.
fn cli_advice(at: &str, crs: &str, segment: Option<&str>) -> (Vec<(String, f64)>, f64, bool) {
    let dir = temp_dir(&format!("my-site-{crs}-{}", at.replace([',', '.'], "_")));
    let out = dir.join("out");
    let mut args = vec!["suggest", "--at", at, "--at-crs", crs, "--out"];
    let out_s = out.display().to_string();
    args.push(&out_s);
    if let Some(s) = segment {
        args.extend(["--segment", s]);
    }
    let o = run(&args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("suggestions.json")).unwrap())
            .unwrap();
    let site = &doc["sites"][0];
    let ranked = site["ranked"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["zone_id"].as_str().unwrap().to_string(),
                r["gain_vs_current"].as_f64().unwrap(),
            )
        })
        .collect();
    (
        ranked,
        site["current_site"]["total"].as_f64().unwrap(),
        site["recommended"].as_bool().unwrap(),
    )
}

/// The window's advice in the same terms.
fn window_advice(h: &Harness<'static, ClusterAtlasApp>) -> (Vec<(String, f64)>, f64, bool) {
    let s = h
        .state()
        .advice()
        .expect("the inspector's advice for the site");
    (
        s.ranked
            .iter()
            .take(5)
            .map(|r| (r.score.zone_id.clone(), r.gain_vs_current))
            .collect(),
        s.current_site.total,
        s.recommended,
    )
}

fn same(a: &(Vec<(String, f64)>, f64, bool), b: &(Vec<(String, f64)>, f64, bool)) {
    assert_eq!(a.0.len(), b.0.len(), "{a:?} vs {b:?}");
    for (x, y) in a.0.iter().zip(&b.0) {
        assert_eq!(x.0, y.0, "same order: {a:?} vs {b:?}");
        assert!((x.1 - y.1).abs() < 1e-6, "gain {x:?} vs {y:?}");
    }
    assert!((a.1 - b.1).abs() < 1e-6 && a.2 == b.2, "{a:?} vs {b:?}");
}

#[test]
fn pasted_gcj02_coordinates_get_the_command_lines_advice() {
    let mut h = start();
    h.state_mut().my_site = Some(MySiteDialog {
        text: "113.9385, 22.5405".into(),
        crs: SourceCrs::Gcj02,
        segment: Some("hardware".into()),
        error: None,
    });
    h.run_steps(2);
    h.get_by_label("Show advice").click();
    // The click is applied after its frame; the advice starts in the next.
    h.run_steps(2);
    wait_idle(&mut h);
    assert!(h.state().site.is_some());
    assert!(
        h.query_by_label_contains("Nearest zone: ").is_some(),
        "the inspector shows the site's page"
    );
    if let Ok(dir) = std::env::var("CLUSTER_ATLAS_SCREENSHOTS")
        && let Ok(img) = h.render()
    {
        let _ = std::fs::create_dir_all(&dir);
        let _ = img.save(std::path::Path::new(&dir).join("my_site.png"));
    }
    let window = window_advice(&h);
    let cli = cli_advice("113.9385,22.5405", "gcj02", Some("hardware"));
    same(&window, &cli);

    // A bad paste is named in the window and changes nothing.
    h.state_mut().my_site.as_mut().unwrap().text = "22.5405".into();
    h.run_steps(2);
    h.get_by_label("Show advice").click();
    h.run_steps(2);
    let err = h.state().my_site.as_ref().unwrap().error.clone();
    assert!(err.is_some_and(|e| e.contains("LON,LAT")));
    same(&window_advice(&h), &cli);
}

#[test]
fn a_site_clicked_on_the_map_gets_the_command_lines_advice() {
    let mut h = start();
    h.state_mut().my_site = Some(MySiteDialog::default());
    h.run_steps(2);
    h.get_by_label("Pick on the map").click();
    h.run_steps(2);
    let map = h.state().layout().panel("map").expect("map drawn");
    let at = map.center() + egui::vec2(-60.0, 40.0);
    h.event(egui::Event::PointerMoved(at));
    for pressed in [true, false] {
        h.event(egui::Event::PointerButton {
            pos: at,
            button: egui::PointerButton::Primary,
            pressed,
            modifiers: Default::default(),
        });
    }
    h.run_steps(2);
    wait_idle(&mut h);
    let app = h.state();
    let text = app.my_site.as_ref().unwrap().text.clone();
    let site = app.site.clone().expect("the click placed the site");
    // The clicked point is where the map says the cursor was.
    let vp = app.viewport();
    let xy = vp.to_plane(cluster_atlas::scene::Px::new(
        at.x - map.min.x,
        at.y - map.min.y,
    ));
    let want = app.data.index.projection.unproject(xy);
    assert!((site.lonlat.lon - want.lon).abs() < 1e-5 && (site.lonlat.lat - want.lat).abs() < 1e-5);
    assert!(app.selection.zone.is_none() && app.selection.firm.is_none());
    let window = window_advice(&h);
    let cli = cli_advice(&text, "wgs84", None);
    same(&window, &cli);
}

/// After an analysis, once the map is still, the advisors' shared grids are built in the
/// background, so the first click on a firm is answered at once (nothing is selected here:
/// no advice was asked for).
#[test]
fn the_advisors_grids_are_warmed_once_the_map_is_still() {
    use std::time::{Duration, Instant};
    let mut h = start();
    wait_idle(&mut h);
    let warm = |h: &Harness<'static, ClusterAtlasApp>| {
        let prepared = h.state().results.as_ref().and_then(|r| r.advisor.clone());
        format!("{prepared:?}").contains("cluster_grid: Some(true), segments: true")
    };
    assert!(h.state().advice().is_none(), "no advice asked for");
    let t0 = Instant::now();
    while !warm(&h) && t0.elapsed() < Duration::from_secs(30) {
        h.step();
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(warm(&h), "the grids were not built in the background");
}
