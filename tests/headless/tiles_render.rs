//! Basemap tiles in exports, against a local tile server: GCJ-02 tiles whose markers sit at the
//! GCJ-02 positions of known WGS-84 points must land under those points' firm dots (≤ 1.5 px);
//! the same tiles read as WGS-84 land ~500 m off (so the check can fail); the credit line is
//! printed; missing tiles give a clear warning and the picture is still written.

use crate::common;

use common::tile_server::{BBOX, POINTS, Reply, TileServer, firms_csv, ring_tiles, zxy};

/// `render` over the server's GCJ-02 tiles with the test points as firms, the cache in `dir`.
fn render_over(
    server: &TileServer,
    dir: &std::path::Path,
    crs: &str,
    extra: &[&str],
) -> std::process::Output {
    let firms = firms_csv(dir);
    common::bin()
        .env("CLUSTER_ATLAS_TILE_CACHE", dir.join("cache"))
        .args(["render", "--tiles", &server.template(), "--tiles-crs", crs])
        .args(["--firms", firms.to_str().unwrap(), "--extent", BBOX])
        .args(extra)
        .output()
        .unwrap()
}

/// Renders the points over the ring tiles; returns the worst ring-to-dot distance in pixels.
fn worst_offset(tiles_crs: &str, name: &str) -> f64 {
    let server = TileServer::start(|p, _| ring_tiles(p));
    let dir = common::temp_dir(name);
    let out = dir.join("a.png");
    let o = render_over(
        &server,
        &dir,
        tiles_crs,
        &[
            "--size",
            "1600x1000",
            "--no-basemap",
            "--firm-colour",
            "#FF0000",
            "--hide",
            "zones",
            "--no-labels",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", common::stderr(&o));
    assert!(
        common::stderr(&o).contains("basemap custom-"),
        "{}",
        common::stderr(&o)
    );
    let img = image::open(&out).unwrap().to_rgba8();
    // The legend's red swatch sits right of the map frame (x > 1230 on this page).
    let dots: Vec<(f64, f64)> = common::tile_server::red_dots(&img)
        .into_iter()
        .filter(|d| d.0 < 1200.0)
        .collect();
    assert_eq!(dots.len(), POINTS.len(), "firm dots found: {dots:?}");
    let blue = |p: [u8; 4]| (f64::from(p[2]) - f64::from(p[0])).max(0.0);
    let mut worst: f64 = 0.0;
    for (x, y) in dots {
        let d = match common::tile_server::centroid(&img, x, y, 12, blue) {
            Some((bx, by)) => ((bx - x).powi(2) + (by - y).powi(2)).sqrt(),
            None => f64::INFINITY,
        };
        worst = worst.max(d);
    }
    eprintln!("{name}: worst ring-to-dot distance {worst:.3} px");
    worst
}

#[test]
fn gcj02_tiles_line_up_with_wgs84_firms_within_a_pixel_and_a_half() {
    let worst = worst_offset("gcj02", "tiles-align");
    assert!(worst <= 1.5, "worst marker-to-dot distance {worst:.2} px");
}

#[test]
fn the_same_tiles_read_as_wgs84_are_visibly_off() {
    // ~500 m at ~3 m/px: the rings are nowhere near the dots.
    let worst = worst_offset("wgs84", "tiles-misaligned");
    assert!(
        worst > 5.0,
        "only {worst:.2} px apart: the check could not fail"
    );
}

#[test]
fn missing_tiles_warn_and_the_picture_is_still_written_with_the_credit() {
    let server = TileServer::start(|p, _| {
        if zxy(p).is_some_and(|(_, x, _)| x % 2 == 0) {
            Reply::status(404)
        } else {
            ring_tiles(p)
        }
    });
    let dir = common::temp_dir("tiles-missing");
    let out = dir.join("m.svg");
    let o = render_over(
        &server,
        &dir,
        "gcj02",
        &["--lang", "en", "--out", out.to_str().unwrap()],
    );
    let err = common::stderr(&o);
    assert!(o.status.success(), "{err}");
    assert!(
        err.contains("basemap tiles are missing") && err.contains("not on the server (404)"),
        "{err}"
    );
    let svg = std::fs::read_to_string(&out).unwrap();
    assert!(
        svg.contains("Basemap: Tiles: 127.0.0.1"),
        "credit line missing"
    );
    assert!(svg.contains("Basemap tiles"), "tile group missing");
}

#[test]
fn bad_tile_options_are_refused_before_any_work() {
    let dir = common::temp_dir("tiles-bad");
    for (args, want) in [
        (vec!["--tiles", "tianditu"], "key"),
        (vec!["--tiles", "ftp://x/{z}/{x}/{y}"], "http"),
        (
            vec!["--tiles", "osm", "--tiles-timeout-s", "0"],
            "tiles-timeout-s",
        ),
        (vec!["--tiles-crs", "gcj02"], "--tiles"),
        (
            vec!["--tiles", "http://h/{z}/{x}/{y}", "--tiles-crs", "bd09"],
            "wgs84 or gcj02",
        ),
        (vec!["--firm-colour", "red"], "#D62728"),
    ] {
        let out = dir.join("x.png");
        let o = common::bin()
            .env_remove("TIANDITU_KEY")
            .arg("render")
            .args(&args)
            .args(["--out", out.to_str().unwrap()])
            .output()
            .unwrap();
        assert!(!o.status.success(), "{args:?} accepted");
        assert!(
            common::stderr(&o).contains(want),
            "{args:?}: {}",
            common::stderr(&o)
        );
        assert!(!out.exists());
    }
}
