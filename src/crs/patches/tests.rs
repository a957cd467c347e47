use super::*;

fn lcg(state: &mut u64) -> f64 {
    *state = state
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (*state >> 11) as f64 / (1u64 << 53) as f64
}

/// Patches of `t` with an interpolant on this thread.
fn fitted(t: &EpsgTransform) -> usize {
    fitted_of(t.id())
}

/// Patches of the system `key` with an interpolant on this thread.
fn fitted_of(key: u64) -> usize {
    PATCHES.with_borrow(|p| {
        p.iter()
            .filter(|(k, v)| k.0 == key && matches!(v, Patch::Fitted(_)))
            .count()
    })
}

/// Projected positions of random points in a box (lon, lat ranges) in system `t`.
fn projected(t: &EpsgTransform, lon: (f64, f64), lat: (f64, f64), n: usize) -> Vec<(f64, f64)> {
    let mut s = 7;
    (0..n)
        .filter_map(|_| {
            let p = LonLat::new(
                lon.0 + (lon.1 - lon.0) * lcg(&mut s),
                lat.0 + (lat.1 - lat.0) * lcg(&mut s),
            );
            t.from_wgs84(p)
        })
        .collect()
}

/// Over Shenzhen and well beyond it, in the systems planners' files use (Gauss–Krüger 3°
/// with and without the zone in the easting, 6°, UTM, Web Mercator), every point agrees with
/// proj4rs' own conversion within the tolerance, and most patches did get interpolants.
#[test]
fn agrees_with_proj4rs_wherever_it_interpolates() {
    for (code, lon, lat) in [
        (4547, (113.7, 114.7), (22.4, 22.9)),
        (4526, (113.7, 114.7), (22.4, 22.9)),
        (4547, (112.6, 115.4), (21.0, 25.0)),
        (4499, (111.0, 117.0), (20.0, 26.0)),
        (32650, (113.7, 114.7), (22.4, 22.9)),
        (32649, (113.7, 114.7), (22.4, 22.9)),
        (3857, (113.7, 114.7), (22.4, 22.9)),
        (4547, (114.0, 114.2), (45.0, 53.0)),
    ] {
        let t = EpsgTransform::from_epsg(code).unwrap();
        let points = projected(&t, lon, lat, 200_000);
        let mut worst: f64 = 0.0;
        for &(x, y) in &points {
            let (want, got) = (t.to_wgs84(x, y).unwrap(), unproject(&t, x, y).unwrap());
            worst = worst.max((want.lon - got.lon).abs().max((want.lat - got.lat).abs()));
        }
        let n = fitted(&t);
        eprintln!("EPSG:{code} {lon:?} {lat:?}: worst {worst:e}°, {n} patches fitted");
        // A few units in the last place of 114° (1.4e-14°), well inside the tolerance.
        assert!(worst <= 1e-13, "EPSG:{code}: {worst:e}°");
        assert!(n > 0, "EPSG:{code}: no patch was fitted");
    }
}

/// A point alone in its patch, and pairs outside the system or not numbers, get exactly
/// what proj4rs gives (or nothing, as it does).
#[test]
fn lone_points_and_pairs_outside_are_proj4rs_own() {
    let t = EpsgTransform::from_epsg(4547).unwrap();
    let mut s = 11;
    for _ in 0..2_000 {
        // Spread over 6,000 km × 6,000 km: each of them alone in its patch.
        let (x, y) = (-2.5e6 + 6e6 * lcg(&mut s), 6e6 * lcg(&mut s));
        assert_eq!(unproject(&t, x, y), t.to_wgs84(x, y), "({x}, {y})");
    }
    for (x, y) in [
        (1e12, 2.5e6),
        (5e5, -1e300),
        (f64::NAN, 2.5e6),
        (5e5, f64::INFINITY),
        (1e20, 1e20),
    ] {
        assert_eq!(unproject(&t, x, y), t.to_wgs84(x, y), "({x}, {y})");
    }
    assert_eq!(fitted(&t), 0);
}

/// Two systems with the same numbers on one thread keep their own patches: each point lands
/// where its own system puts it, whichever system came first.
#[test]
fn systems_on_one_thread_keep_their_own_patches() {
    let gk = EpsgTransform::from_epsg(4547).unwrap();
    let utm = EpsgTransform::from_epsg(32649).unwrap();
    let points = projected(&gk, (113.7, 114.7), (22.4, 22.9), 20_000);
    for &(x, y) in &points {
        for t in [&gk, &utm] {
            let (want, got) = (t.to_wgs84(x, y).unwrap(), unproject(t, x, y).unwrap());
            let off = (want.lon - got.lon).abs().max((want.lat - got.lat).abs());
            assert!(off <= TOLERANCE_DEG, "EPSG:{}: {off:e}°", t.code);
        }
    }
    assert!(fitted(&gk) > 0 && fitted(&utm) > 0);
}

/// More patches than a thread keeps: they are forgotten and made again, the answers the same.
#[test]
fn a_full_thread_starts_over() {
    let t = EpsgTransform::from_epsg(3857).unwrap();
    let columns = MAX_PATCHES + 50;
    for round in 0..2 {
        for c in 0..columns {
            let (x, y) = (1.2e7 + c as f64 * SIDE + 100.0, 2.5e6 + 100.0);
            let want = t.to_wgs84(x, y);
            assert_eq!(unproject(&t, x, y), want, "round {round}, column {c}");
        }
        let kept = PATCHES.with_borrow(HashMap::len);
        assert!(kept <= MAX_PATCHES, "{kept}");
    }
}

/// Random WGS-84 points in a box (lon, lat ranges), shifted by `to` (into GCJ-02 or BD-09).
fn shifted(lon: (f64, f64), lat: (f64, f64), n: usize, to: fn(LonLat) -> LonLat) -> Vec<LonLat> {
    let mut s = 5;
    (0..n)
        .map(|_| {
            to(LonLat::new(
                lon.0 + (lon.1 - lon.0) * lcg(&mut s),
                lat.0 + (lat.1 - lat.0) * lcg(&mut s),
            ))
        })
        .collect()
}

/// Amap's GCJ-02 over Shenzhen, over the Pearl River Delta, and across 105°E and the China
/// box's edges: every point's forward transform within 1e-11° of the GCJ-02 position it came
/// from (the inverse's own promise); where a patch was interpolated, within the tolerance of
/// the inverse iterated to its rounding. Patches across the box's edge are never
/// interpolated, and those touching 105°E (where √|x| bends) fail the fit's check: the points
/// there are the inverse's own.
#[test]
fn gcj02_agrees_with_the_inverse_wherever_it_interpolates() {
    use crate::crs::offsets::wgs84_to_gcj02;
    for (lon, lat, n) in [
        ((113.7, 114.7), (22.4, 22.9), 200_000),
        ((113.0, 115.0), (22.0, 23.0), 500_000),
        ((104.9, 105.1), (30.0, 30.2), 200_000),
        ((137.7, 137.9), (40.0, 40.2), 200_000),
        ((120.0, 120.2), (55.7, 55.9), 200_000),
    ] {
        PATCHES.with_borrow_mut(HashMap::clear);
        let points = shifted(lon, lat, n, wgs84_to_gcj02);
        for &g in &points {
            let got = ungcj(g);
            let back = wgs84_to_gcj02(got);
            let off = (back.lon - g.lon).abs().max((back.lat - g.lat).abs());
            assert!(!in_china_box(got) || off <= 1e-11, "{g:?}: {off:e}°");
            // The two patches beside 105°E, and those holding the box's edges (137.8347°E
            // and 55.8271°N lie in the patches from 4410/32 and 1786/32).
            let across = (g.lon - 105.0).abs() < GCJ02_SIDE
                || g.lon >= 4410.0 / 32.0
                || g.lat >= 1786.0 / 32.0;
            if across {
                assert_eq!(got, gcj02_to_wgs84(g), "{g:?}");
            }
        }
        // The interpolants against the inverse iterated to its rounding.
        let mut worst: f64 = 0.0;
        PATCHES.with_borrow(|patches| {
            for &g in &points {
                let key = (GCJ02_KEY, patch_of(g.lon, g.lat, GCJ02_SIDE).unwrap().0);
                if let Some(Patch::Fitted(f)) = patches.get(&key) {
                    let (want, got) = (gcj02_to_wgs84_within(g, 1e-14), f.eval(g.lon, g.lat));
                    worst = worst.max((want.lon - got.0).abs().max((want.lat - got.1).abs()));
                }
            }
        });
        let fitted = fitted_of(GCJ02_KEY);
        eprintln!("GCJ-02 {lon:?} {lat:?}: worst {worst:e}°, {fitted} patches fitted");
        assert!(worst <= TOLERANCE_DEG, "{lon:?} {lat:?}: {worst:e}°");
        assert!(fitted > 0, "{lon:?} {lat:?}: no patch was fitted");
    }
}

/// Baidu's BD-09 read through `crs::Reader`, which goes through GCJ-02's patches: within
/// 1e-11° of the closed form then the GCJ-02 inverse (each within 1e-11° of the true inverse).
#[test]
fn bd09_through_the_reader_agrees_with_the_published_formulas() {
    use crate::crs::offsets::{bd09_to_wgs84, wgs84_to_bd09};
    use crate::model::SourceCrs;
    let reader = crate::crs::Reader::new(SourceCrs::Bd09).unwrap();
    let mut worst: f64 = 0.0;
    for b in shifted((113.7, 114.7), (22.4, 22.9), 100_000, wgs84_to_bd09) {
        let want = bd09_to_wgs84(b);
        let got = reader.to_wgs84(b.lon, b.lat).unwrap();
        worst = worst.max((want.lon - got.lon).abs().max((want.lat - got.lat).abs()));
    }
    eprintln!("BD-09: worst {worst:e}°");
    assert!(worst <= 1e-11, "{worst:e}°");
    assert!(fitted_of(GCJ02_KEY) > 0);
}
