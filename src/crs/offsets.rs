//! WGS-84 ⇄ GCJ-02 ⇄ BD-09 with the standard published formulas.
//!
//! GCJ-02 → WGS-84 has no closed form; it is solved by fixed-point iteration until the forward
//! transform reproduces the input to 1e-11° (about a micrometre), so a round trip returns
//! within 0.01 m. BD-09 ⇄ GCJ-02 uses the conventional closed forms. Points outside the
//! conventional China box are returned unshifted, as the standard implementations do.

use std::f64::consts::PI;

use crate::model::{LonLat, SourceCrs};

const KRASOVSKY_A: f64 = 6_378_245.0;
const KRASOVSKY_EE: f64 = 0.006_693_421_622_965_943;
const X_PI: f64 = PI * 3000.0 / 180.0;

/// The box the standard formulas treat as "in China" (where the offset applies).
pub fn in_china_box(p: LonLat) -> bool {
    (72.004..=137.8347).contains(&p.lon) && (0.8293..=55.8271).contains(&p.lat)
}

fn transform_lat(x: f64, y: f64) -> f64 {
    let mut ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * x.abs().sqrt();
    ret += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    ret += (20.0 * (y * PI).sin() + 40.0 * (y / 3.0 * PI).sin()) * 2.0 / 3.0;
    ret += (160.0 * (y / 12.0 * PI).sin() + 320.0 * (y * PI / 30.0).sin()) * 2.0 / 3.0;
    ret
}

fn transform_lon(x: f64, y: f64) -> f64 {
    let mut ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * x.abs().sqrt();
    ret += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    ret += (20.0 * (x * PI).sin() + 40.0 * (x / 3.0 * PI).sin()) * 2.0 / 3.0;
    ret += (150.0 * (x / 12.0 * PI).sin() + 300.0 * (x / 30.0 * PI).sin()) * 2.0 / 3.0;
    ret
}

/// WGS-84 → GCJ-02 (the forward "encryption").
pub fn wgs84_to_gcj02(p: LonLat) -> LonLat {
    if !in_china_box(p) {
        return p;
    }
    let dlat = transform_lat(p.lon - 105.0, p.lat - 35.0);
    let dlon = transform_lon(p.lon - 105.0, p.lat - 35.0);
    let radlat = p.lat / 180.0 * PI;
    let magic = 1.0 - KRASOVSKY_EE * radlat.sin().powi(2);
    let sqrt_magic = magic.sqrt();
    let dlat = (dlat * 180.0) / ((KRASOVSKY_A * (1.0 - KRASOVSKY_EE)) / (magic * sqrt_magic) * PI);
    let dlon = (dlon * 180.0) / (KRASOVSKY_A / sqrt_magic * radlat.cos() * PI);
    LonLat::new(p.lon + dlon, p.lat + dlat)
}

/// GCJ-02 → WGS-84 by iteration (exact to about a micrometre).
pub fn gcj02_to_wgs84(g: LonLat) -> LonLat {
    if !in_china_box(g) {
        return g;
    }
    let mut w = g;
    for _ in 0..30 {
        let f = wgs84_to_gcj02(w);
        let (dx, dy) = (f.lon - g.lon, f.lat - g.lat);
        w = LonLat::new(w.lon - dx, w.lat - dy);
        if dx.abs() < 1e-11 && dy.abs() < 1e-11 {
            break;
        }
    }
    w
}

/// GCJ-02 → BD-09 (Baidu's closed form).
pub fn gcj02_to_bd09(g: LonLat) -> LonLat {
    let (x, y) = (g.lon, g.lat);
    let z = (x * x + y * y).sqrt() + 0.00002 * (y * X_PI).sin();
    let theta = y.atan2(x) + 0.000003 * (x * X_PI).cos();
    LonLat::new(z * theta.cos() + 0.0065, z * theta.sin() + 0.006)
}

/// BD-09 → GCJ-02 (the conventional closed-form inverse).
pub fn bd09_to_gcj02(b: LonLat) -> LonLat {
    let (x, y) = (b.lon - 0.0065, b.lat - 0.006);
    let z = (x * x + y * y).sqrt() - 0.00002 * (y * X_PI).sin();
    let theta = y.atan2(x) - 0.000003 * (x * X_PI).cos();
    LonLat::new(z * theta.cos(), z * theta.sin())
}

pub fn wgs84_to_bd09(p: LonLat) -> LonLat {
    gcj02_to_bd09(wgs84_to_gcj02(p))
}

pub fn bd09_to_wgs84(p: LonLat) -> LonLat {
    gcj02_to_wgs84(bd09_to_gcj02(p))
}

/// Converts a point between any two of the supported systems.
///
/// ```
/// use cluster_atlas::{crs::convert, model::{LonLat, SourceCrs}};
/// let wgs = LonLat::new(114.0579, 22.5431); // Shenzhen civic centre
/// let gcj = convert(wgs, SourceCrs::Wgs84, SourceCrs::Gcj02);
/// assert!((gcj.lon - wgs.lon) > 0.004); // the offset is about 500 m here
/// let back = convert(gcj, SourceCrs::Gcj02, SourceCrs::Wgs84);
/// assert!((back.lon - wgs.lon).abs() < 1e-9 && (back.lat - wgs.lat).abs() < 1e-9);
/// ```
pub fn convert(p: LonLat, from: SourceCrs, to: SourceCrs) -> LonLat {
    use SourceCrs::*;
    match (from, to) {
        (a, b) if a == b => p,
        (Wgs84, Gcj02) => wgs84_to_gcj02(p),
        (Wgs84, Bd09) => wgs84_to_bd09(p),
        (Gcj02, Wgs84) => gcj02_to_wgs84(p),
        (Gcj02, Bd09) => gcj02_to_bd09(p),
        (Bd09, Wgs84) => bd09_to_wgs84(p),
        (Bd09, Gcj02) => bd09_to_gcj02(p),
        _ => p,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Metres between two nearby points (equirectangular; fine at sub-metre scales).
    fn metres(a: LonLat, b: LonLat) -> f64 {
        let k = PI / 180.0 * 6_371_000.0;
        let dx = (a.lon - b.lon) * k * (a.lat.to_radians()).cos();
        let dy = (a.lat - b.lat) * k;
        dx.hypot(dy)
    }

    fn grid() -> impl Iterator<Item = LonLat> {
        (0..40).flat_map(|i| {
            (0..40).map(move |j| LonLat::new(113.7 + i as f64 * 0.03, 22.4 + j as f64 * 0.015))
        })
    }

    #[test]
    fn forward_matches_independent_crate() {
        for p in grid() {
            let ours = wgs84_to_gcj02(p);
            let theirs = coordtransform::wgs84_to_gcj02(p.lon, p.lat);
            // coordtransform leaves Hong Kong unshifted by design; compare mainland only.
            if (theirs.0 - p.lon).abs() < 1e-12 {
                continue;
            }
            assert!(
                metres(ours, LonLat::new(theirs.0, theirs.1)) < 0.001,
                "{p:?}"
            );
            let b = gcj02_to_bd09(ours);
            let tb = coordtransform::gcj02_to_bd09(ours.lon, ours.lat);
            assert!(metres(b, LonLat::new(tb.0, tb.1)) < 0.001);
        }
    }

    #[test]
    fn gcj_round_trip_within_a_centimetre() {
        for p in grid() {
            let back = gcj02_to_wgs84(wgs84_to_gcj02(p));
            assert!(metres(p, back) < 0.01, "{p:?} -> {back:?}");
        }
    }

    #[test]
    fn offset_in_shenzhen_is_hundreds_of_metres() {
        let p = LonLat::new(114.0579, 22.5431);
        let d = metres(p, wgs84_to_gcj02(p));
        assert!((300.0..700.0).contains(&d), "offset {d}");
        let bd = wgs84_to_bd09(p);
        assert!(metres(p, bd) > 800.0);
    }

    #[test]
    fn bd_round_trip_matches_standard_inverse() {
        for p in grid() {
            let b = wgs84_to_bd09(p);
            let back = bd09_to_wgs84(b);
            // The conventional BD-09 inverse is itself approximate (a few centimetres).
            assert!(metres(p, back) < 0.1, "{p:?}");
        }
    }

    #[test]
    fn outside_china_is_unchanged() {
        let p = LonLat::new(-0.1276, 51.5072);
        assert_eq!(wgs84_to_gcj02(p), p);
        assert_eq!(gcj02_to_wgs84(p), p);
    }

    #[test]
    fn every_pair_converts() {
        let p = LonLat::new(114.1, 22.6);
        for a in SourceCrs::ALL {
            for b in SourceCrs::ALL {
                let q = convert(convert(p, a, b), b, a);
                assert!(metres(p, q) < 0.1, "{a}->{b}");
            }
        }
    }
}
