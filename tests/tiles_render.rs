//! Basemap tiles in exports, against a local tile server: GCJ-02 tiles whose markers sit at the
//! GCJ-02 positions of known WGS-84 points must land under those points' firm dots (≤ 1.5 px);
//! the same tiles read as WGS-84 land ~500 m off (so the check can fail); the credit line is
//! printed; missing tiles give a clear warning and the picture is still written.

mod common;

use common::tile_server::{Reply, TileServer, zxy};

/// WGS-84 points inside the test's extent (central Shenzhen, Futian).
const POINTS: [(f64, f64); 6] = [
    (114.0455, 22.5340),
    (114.0520, 22.5475),
    (114.0610, 22.5385),
    (114.0680, 22.5510),
    (114.0575, 22.5330),
    (114.0705, 22.5415),
];
const BBOX: &str = "bbox:114.040,22.530,114.075,22.555";

/// Web Mercator world pixels at zoom z, written out here independently of the program.
fn mercator(lon: f64, lat: f64, z: u8) -> (f64, f64) {
    let n = 256.0 * 2f64.powi(i32::from(z));
    let phi = lat.to_radians();
    let y = (1.0 - (phi.tan() + 1.0 / phi.cos()).ln() / std::f64::consts::PI) / 2.0 * n;
    ((lon + 180.0) / 360.0 * n, y)
}

/// Tiles: white, with a blue ring (radii 6–8 px) around the GCJ-02 position of every point
/// (converted with the `coordtransform` crate, not the program's own code).
fn ring_tiles(path: &str) -> Reply {
    let Some((z, tx, ty)) = zxy(path) else {
        return Reply::status(404);
    };
    let mut img = image::RgbaImage::from_pixel(256, 256, image::Rgba([255, 255, 255, 255]));
    for (lon, lat) in POINTS {
        let (glon, glat) = coordtransform::wgs84_to_gcj02(lon, lat);
        let (wx, wy) = mercator(glon, glat, z);
        let (cx, cy) = (wx - f64::from(tx) * 256.0, wy - f64::from(ty) * 256.0);
        for y in 0..256u32 {
            for x in 0..256u32 {
                let d =
                    ((f64::from(x) + 0.5 - cx).powi(2) + (f64::from(y) + 0.5 - cy).powi(2)).sqrt();
                if (6.0..=8.0).contains(&d) {
                    img.put_pixel(x, y, image::Rgba([0, 0, 255, 255]));
                }
            }
        }
    }
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    Reply::ok(out.into_inner())
}

fn firms_csv(dir: &std::path::Path) -> std::path::PathBuf {
    let mut s = String::from("id,name,lon,lat,segment\n");
    for (i, (lon, lat)) in POINTS.iter().enumerate() {
        s.push_str(&format!("P{i},point {i},{lon},{lat},hardware\n"));
    }
    let p = dir.join("points.csv");
    std::fs::write(&p, s).unwrap();
    p
}

/// Weighted centroid of `weight` in a square window around (x, y).
fn centroid(
    img: &image::RgbaImage,
    x: f64,
    y: f64,
    r: i64,
    weight: impl Fn([u8; 4]) -> f64,
) -> Option<(f64, f64)> {
    let (mut sw, mut sx, mut sy) = (0.0, 0.0, 0.0);
    for j in (y as i64 - r)..=(y as i64 + r) {
        for i in (x as i64 - r)..=(x as i64 + r) {
            if i < 0 || j < 0 || i >= i64::from(img.width()) || j >= i64::from(img.height()) {
                continue;
            }
            let w = weight(img.get_pixel(i as u32, j as u32).0);
            sw += w;
            sx += w * (i as f64 + 0.5);
            sy += w * (j as f64 + 0.5);
        }
    }
    (sw > 0.0).then(|| (sx / sw, sy / sw))
}

/// Red firm dots: connected red pixels, their centroids.
fn red_dots(img: &image::RgbaImage) -> Vec<(f64, f64)> {
    let red = |p: [u8; 4]| p[0] > 180 && p[1] < 120 && p[2] < 120;
    let (w, h) = (img.width() as usize, img.height() as usize);
    let mut seen = vec![false; w * h];
    let mut out = Vec::new();
    for start in 0..w * h {
        if seen[start] || !red(img.get_pixel((start % w) as u32, (start / w) as u32).0) {
            continue;
        }
        let (mut stack, mut sum, mut n) = (vec![start], (0.0, 0.0), 0.0);
        seen[start] = true;
        while let Some(k) = stack.pop() {
            let (x, y) = (k % w, k / w);
            sum.0 += x as f64 + 0.5;
            sum.1 += y as f64 + 0.5;
            n += 1.0;
            for (dx, dy) in [(-1i64, 0i64), (1, 0), (0, -1), (0, 1)] {
                let (nx, ny) = (x as i64 + dx, y as i64 + dy);
                if nx < 0 || ny < 0 || nx >= w as i64 || ny >= h as i64 {
                    continue;
                }
                let nk = ny as usize * w + nx as usize;
                if !seen[nk] && red(img.get_pixel(nx as u32, ny as u32).0) {
                    seen[nk] = true;
                    stack.push(nk);
                }
            }
        }
        out.push((sum.0 / n, sum.1 / n));
    }
    out
}

/// Renders the points over the ring tiles; returns the worst ring-to-dot distance in pixels.
fn worst_offset(tiles_crs: &str, name: &str) -> f64 {
    let server = TileServer::start(|p, _| ring_tiles(p));
    let dir = common::temp_dir(name);
    let firms = firms_csv(&dir);
    let out = dir.join("a.png");
    let o = common::bin()
        .env("CLUSTER_ATLAS_TILE_CACHE", dir.join("cache"))
        .args([
            "render",
            "--tiles",
            &server.template(),
            "--tiles-crs",
            tiles_crs,
        ])
        .args([
            "--firms",
            firms.to_str().unwrap(),
            "--extent",
            BBOX,
            "--size",
            "1600x1000",
        ])
        .args([
            "--no-basemap",
            "--firm-colour",
            "#FF0000",
            "--hide",
            "zones",
            "--no-labels",
        ])
        .args(["--out", out.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", common::stderr(&o));
    assert!(
        common::stderr(&o).contains("basemap custom-"),
        "{}",
        common::stderr(&o)
    );
    let img = image::open(&out).unwrap().to_rgba8();
    // The legend's red swatch sits right of the map frame (x > 1230 on this page).
    let dots: Vec<(f64, f64)> = red_dots(&img)
        .into_iter()
        .filter(|d| d.0 < 1200.0)
        .collect();
    assert_eq!(dots.len(), POINTS.len(), "firm dots found: {dots:?}");
    let blue = |p: [u8; 4]| (f64::from(p[2]) - f64::from(p[0])).max(0.0);
    let mut worst: f64 = 0.0;
    for (x, y) in dots {
        let d = match centroid(&img, x, y, 12, blue) {
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
    let firms = firms_csv(&dir);
    let out = dir.join("m.svg");
    let o = common::bin()
        .env("CLUSTER_ATLAS_TILE_CACHE", dir.join("cache"))
        .args([
            "render",
            "--tiles",
            &server.template(),
            "--tiles-crs",
            "gcj02",
        ])
        .args([
            "--firms",
            firms.to_str().unwrap(),
            "--extent",
            BBOX,
            "--lang",
            "en",
        ])
        .args(["--out", out.to_str().unwrap()])
        .output()
        .unwrap();
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
