//! WGS-84 ⇄ GCJ-02 ⇄ BD-09 with the standard published formulas.
//!
//! GCJ-02 → WGS-84 has no closed form; it is solved by fixed-point iteration until the forward
//! transform reproduces the input to 1e-11° (about a micrometre), so a round trip returns
//! within 0.01 m. BD-09 ⇄ GCJ-02 uses the conventional closed forms. Points outside the
//! conventional China box are returned unshifted, as the standard implementations do.
//! The formulas' sines are taken by `sin_pi` (exact argument reduction, a polynomial) and
//! BD-09's angle is turned without an arc tangent: the results stay within 1e-12° of the
//! textbook evaluation (tested against it), at about a third of its cost.

use std::f64::consts::PI;

use crate::model::{LonLat, SourceCrs};

const KRASOVSKY_A: f64 = 6_378_245.0;
const KRASOVSKY_EE: f64 = 0.006_693_421_622_965_943;

/// The box the standard formulas treat as "in China" (where the offset applies).
pub fn in_china_box(p: LonLat) -> bool {
    (72.004..=137.8347).contains(&p.lon) && (0.8293..=55.8271).contains(&p.lat)
}

/// sin(π t). The reduction to r = t − round(t) in [−½, ½] is exact in floating point (so
/// large arguments lose nothing, unlike sin(t·π)), then r·q(r²) with q of degree 8, a
/// Chebyshev fit of sin(π r)/r on [−½, ½] (from `mpmath.chebyfit` at 40 digits; its own error
/// 7e-19, the result's within 4e-16 in double). Branch-free: rounding by adding 1.5·2⁵², whose
/// last mantissa bit is then k's parity, the sign of (−1)^k. About three times faster than
/// `f64::sin`: the offsets take nine per point, the GCJ-02 inverse four times that.
#[inline(always)]
fn sin_pi(t: f64) -> f64 {
    // Highest power of r² first.
    const Q: [f64; 9] = [
        7.697_826_768_224_191e-7,
        -2.190_349_707_462_601_8e-5,
        0.000_466_299_816_189_839_4,
        -0.007_370_430_505_916_944,
        0.082_145_886_573_102_9,
        -0.599_264_529_318_944_7,
        2.550_164_039_877_300_7,
        -5.167_712_780_049_969,
        PI,
    ];
    const ROUND: f64 = 6_755_399_441_055_744.0;
    let shifted = t + ROUND;
    let r = t - (shifted - ROUND);
    let z = r * r;
    let mut q = Q[0];
    for c in &Q[1..] {
        q = q * z + c;
    }
    let s = r * q;
    f64::from_bits(s.to_bits() ^ (shifted.to_bits() << 63))
}

/// cos(π t), as sin(π (t + ½)).
#[inline(always)]
fn cos_pi(t: f64) -> f64 {
    sin_pi(t + 0.5)
}

/// The GCJ-02 offset of a WGS-84 point in the China box, in degrees (longitude, latitude):
/// the published formula, its two series (`transformLat`, `transformLon`) sharing their
/// common terms.
#[inline]
fn offset(p: LonLat) -> (f64, f64) {
    let x = p.lon - 105.0;
    let y = p.lat - 35.0;
    // sin 6πx from sin 2πx by the triple-angle formula.
    let s2 = sin_pi(2.0 * x);
    let common = (20.0 * s2 * (3.0 - 4.0 * s2 * s2) + 20.0 * s2) * 2.0 / 3.0;
    let mut dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * x.abs().sqrt();
    dlat += common;
    dlat += (20.0 * sin_pi(y) + 40.0 * sin_pi(y * (1.0 / 3.0))) * 2.0 / 3.0;
    dlat += (160.0 * sin_pi(y * (1.0 / 12.0)) + 320.0 * sin_pi(y * (1.0 / 30.0))) * 2.0 / 3.0;
    let mut dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * x.abs().sqrt();
    dlon += common;
    dlon += (20.0 * sin_pi(x) + 40.0 * sin_pi(x * (1.0 / 3.0))) * 2.0 / 3.0;
    dlon += (150.0 * sin_pi(x * (1.0 / 12.0)) + 300.0 * sin_pi(x * (1.0 / 30.0))) * 2.0 / 3.0;
    let sin_lat = sin_pi(p.lat * (1.0 / 180.0));
    // The China box's latitudes are below 56°: the cosine is positive, and far from 0.
    let cos_lat = (1.0 - sin_lat * sin_lat).sqrt();
    let magic = 1.0 - KRASOVSKY_EE * sin_lat * sin_lat;
    let sqrt_magic = magic.sqrt();
    let dlat = (dlat * 180.0) / ((KRASOVSKY_A * (1.0 - KRASOVSKY_EE)) / (magic * sqrt_magic) * PI);
    let dlon = (dlon * 180.0) / (KRASOVSKY_A / sqrt_magic * cos_lat * PI);
    (dlon, dlat)
}

/// WGS-84 → GCJ-02 (the forward "encryption").
pub fn wgs84_to_gcj02(p: LonLat) -> LonLat {
    if !in_china_box(p) {
        return p;
    }
    let (dlon, dlat) = offset(p);
    LonLat::new(p.lon + dlon, p.lat + dlat)
}

/// GCJ-02 → WGS-84 by fixed-point iteration: the forward transform of the result reproduces
/// `g` to within 1e-11° (about a micrometre). Each step shrinks the error by about the
/// offset's slope (a few thousandths), so the error left after a step is about the step times
/// its ratio to the one before; once that is far below the tolerance, the step that would
/// show it is skipped (4 forward transforms a point instead of 5).
pub fn gcj02_to_wgs84(g: LonLat) -> LonLat {
    gcj02_to_wgs84_within(g, 1e-11)
}

/// [`gcj02_to_wgs84`] iterated until the error left is below `tolerance` degrees (or 30
/// steps): the patches fit their interpolants to it at 1e-14°, its rounding.
pub(super) fn gcj02_to_wgs84_within(g: LonLat, tolerance: f64) -> LonLat {
    if !in_china_box(g) {
        return g;
    }
    let mut w = g;
    let mut last_step = f64::INFINITY;
    for _ in 0..30 {
        let (dlon, dlat) = offset(w);
        let (dx, dy) = (w.lon + dlon - g.lon, w.lat + dlat - g.lat);
        w = LonLat::new(w.lon - dx, w.lat - dy);
        let step = dx.abs().max(dy.abs());
        // The error after this step is about step × (step / last_step); 10× margin.
        if step < tolerance || (step < 1e-9 && 10.0 * step * (step / last_step) < tolerance) {
            break;
        }
        last_step = step;
    }
    w
}

/// GCJ-02 → BD-09 (Baidu's closed form).
pub fn gcj02_to_bd09(g: LonLat) -> LonLat {
    let (x, y) = (g.lon, g.lat);
    let (lon, lat) = turn(
        x,
        y,
        0.00002 * sin_pi(y * BD_HALF_TURNS),
        0.000003 * cos_pi(x * BD_HALF_TURNS),
    );
    LonLat::new(lon + 0.0065, lat + 0.006)
}

/// BD-09 → GCJ-02 (the conventional closed-form inverse).
pub fn bd09_to_gcj02(b: LonLat) -> LonLat {
    let (x, y) = (b.lon - 0.0065, b.lat - 0.006);
    let (lon, lat) = turn(
        x,
        y,
        -0.00002 * sin_pi(y * BD_HALF_TURNS),
        -0.000003 * cos_pi(x * BD_HALF_TURNS),
    );
    LonLat::new(lon, lat)
}

/// Baidu's `x_pi` (π · 3000 / 180) in half turns: sin(y · x_pi) = sin_pi(y · 50/3).
const BD_HALF_TURNS: f64 = 50.0 / 3.0;

/// The point (x, y) with its radius grown by `dr` and its angle turned by `da` radians:
/// Baidu's `z·cos θ, z·sin θ` with z = r + dr and θ = atan2(y, x) + da, without the arc
/// tangent (cos θ = (x·cos da − y·sin da) / r …). The turns are a few millionths of a radian,
/// so sin da and cos da are their series' first terms (exact to 1e-30).
fn turn(x: f64, y: f64, dr: f64, da: f64) -> (f64, f64) {
    let r = (x * x + y * y).sqrt();
    let (c0, s0) = if r > 0.0 { (x / r, y / r) } else { (1.0, 0.0) };
    let a2 = da * da;
    let (sa, ca) = (da * (1.0 - a2 / 6.0), 1.0 - a2 / 2.0 + a2 * a2 / 24.0);
    let z = r + dr;
    (z * (c0 * ca - s0 * sa), z * (s0 * ca + c0 * sa))
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

    /// The published formulas as written (libm's sine of t·π, Baidu's arc tangent), and the
    /// inverse iterated until a step is below 1e-11°: the oracle for the evaluation above.
    mod textbook {
        use super::super::{KRASOVSKY_A, KRASOVSKY_EE, in_china_box};
        use crate::model::LonLat;
        use std::f64::consts::PI;

        fn lat_series(x: f64, y: f64) -> f64 {
            let mut ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y;
            ret += 0.2 * x.abs().sqrt();
            ret += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
            ret += (20.0 * (y * PI).sin() + 40.0 * (y / 3.0 * PI).sin()) * 2.0 / 3.0;
            ret += (160.0 * (y / 12.0 * PI).sin() + 320.0 * (y * PI / 30.0).sin()) * 2.0 / 3.0;
            ret
        }

        fn lon_series(x: f64, y: f64) -> f64 {
            let mut ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * x.abs().sqrt();
            ret += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
            ret += (20.0 * (x * PI).sin() + 40.0 * (x / 3.0 * PI).sin()) * 2.0 / 3.0;
            ret += (150.0 * (x / 12.0 * PI).sin() + 300.0 * (x / 30.0 * PI).sin()) * 2.0 / 3.0;
            ret
        }

        pub fn to_gcj(p: LonLat) -> LonLat {
            if !in_china_box(p) {
                return p;
            }
            let dlat = lat_series(p.lon - 105.0, p.lat - 35.0);
            let dlon = lon_series(p.lon - 105.0, p.lat - 35.0);
            let radlat = p.lat / 180.0 * PI;
            let magic = 1.0 - KRASOVSKY_EE * radlat.sin().powi(2);
            let sqrt_magic = magic.sqrt();
            let dlat =
                (dlat * 180.0) / ((KRASOVSKY_A * (1.0 - KRASOVSKY_EE)) / (magic * sqrt_magic) * PI);
            let dlon = (dlon * 180.0) / (KRASOVSKY_A / sqrt_magic * radlat.cos() * PI);
            LonLat::new(p.lon + dlon, p.lat + dlat)
        }

        pub fn from_gcj(g: LonLat) -> LonLat {
            let mut w = g;
            for _ in 0..30 {
                let f = to_gcj(w);
                let (dx, dy) = (f.lon - g.lon, f.lat - g.lat);
                w = LonLat::new(w.lon - dx, w.lat - dy);
                if dx.abs() < 1e-11 && dy.abs() < 1e-11 {
                    break;
                }
            }
            w
        }

        const X_PI: f64 = PI * 3000.0 / 180.0;

        pub fn to_bd(g: LonLat) -> LonLat {
            let (x, y) = (g.lon, g.lat);
            let z = (x * x + y * y).sqrt() + 0.00002 * (y * X_PI).sin();
            let theta = y.atan2(x) + 0.000003 * (x * X_PI).cos();
            LonLat::new(z * theta.cos() + 0.0065, z * theta.sin() + 0.006)
        }

        pub fn from_bd(b: LonLat) -> LonLat {
            let (x, y) = (b.lon - 0.0065, b.lat - 0.006);
            let z = (x * x + y * y).sqrt() - 0.00002 * (y * X_PI).sin();
            let theta = y.atan2(x) - 0.000003 * (x * X_PI).cos();
            LonLat::new(z * theta.cos(), z * theta.sin())
        }
    }

    /// Degrees between two points, the larger of the two axes.
    fn degrees_apart(a: LonLat, b: LonLat) -> f64 {
        (a.lon - b.lon).abs().max((a.lat - b.lat).abs())
    }

    /// Points over the whole China box every 0.37° (not a divisor of the formulas' periods),
    /// plus a band around 105°E where the series' √|x| is steepest, and random ones.
    fn china_wide() -> Vec<LonLat> {
        let mut pts: Vec<LonLat> = (0..176)
            .flat_map(|i| {
                (0..150).map(move |j| LonLat::new(72.1 + i as f64 * 0.37, 0.9 + j as f64 * 0.37))
            })
            .collect();
        for k in -50i32..=50 {
            let d = f64::from(k).signum() * 10f64.powi(-(k.abs() % 13));
            pts.push(LonLat::new(105.0 + d, 30.0 + f64::from(k) * 0.01));
        }
        let mut state = 7u64;
        for _ in 0..20_000 {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            let u = (state >> 11) as f64 / (1u64 << 53) as f64;
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            let v = (state >> 11) as f64 / (1u64 << 53) as f64;
            pts.push(LonLat::new(72.1 + u * 65.6, 0.9 + v * 54.8));
        }
        pts.retain(|p| in_china_box(*p));
        pts
    }

    #[test]
    fn sin_pi_agrees_with_the_standard_sine() {
        // Small arguments: against the sine of t·π itself, which is off by up to the rounding
        // of t·π (half an ulp of it) besides its own.
        for k in -4000..=4000 {
            let t = f64::from(k) / 997.0;
            let tolerance = 4e-16 + (t * PI).abs() * f64::EPSILON;
            let d = (sin_pi(t) - (t * PI).sin()).abs();
            assert!(d < tolerance, "sin_pi({t}) off by {d:e}");
            let c = (cos_pi(t) - (t * PI).cos()).abs();
            assert!(c < tolerance, "cos_pi({t}) off by {c:e}");
        }
        // Large ones (the formulas reach 6·33 half turns and more): sin(π t) = (−1)^n sin(π r)
        // with t = n + r, n and r found here by other means (floor, and the remainder).
        for k in 0..20_000 {
            let t = (f64::from(k) - 10_000.0) * 0.0731 + 0.013;
            let n = (t + 0.5).floor();
            let r = t - n;
            let want = if (n as i64).rem_euclid(2) == 0 {
                1.0
            } else {
                -1.0
            } * (r * PI).sin();
            assert!((sin_pi(t) - want).abs() < 1e-15, "sin_pi({t})");
        }
        assert_eq!(sin_pi(0.5), 1.0);
        assert_eq!(sin_pi(-0.5), -1.0);
        assert_eq!(sin_pi(3.0), 0.0);
        assert!((sin_pi(1.0 / 6.0) - 0.5).abs() < 2e-16);
    }

    #[test]
    fn the_offsets_agree_with_the_textbook_evaluation() {
        for p in china_wide() {
            let ours = wgs84_to_gcj02(p);
            assert!(degrees_apart(ours, textbook::to_gcj(p)) < 1e-12, "{p:?}");
            let b = gcj02_to_bd09(p);
            assert!(degrees_apart(b, textbook::to_bd(p)) < 1e-12, "{p:?}");
            let g = bd09_to_gcj02(p);
            assert!(degrees_apart(g, textbook::from_bd(p)) < 1e-12, "{p:?}");
        }
        // The origin, where the arc tangent is of (0, 0).
        let o = LonLat::new(0.0065, 0.006);
        assert!(degrees_apart(bd09_to_gcj02(o), textbook::from_bd(o)) < 1e-12);
    }

    #[test]
    fn the_gcj_inverse_reproduces_its_input() {
        for p in china_wide() {
            let g = textbook::to_gcj(p);
            let w = gcj02_to_wgs84(g);
            // The contract: the forward transform of the answer gives the input back.
            assert!(degrees_apart(textbook::to_gcj(w), g) < 1e-11, "{p:?}");
            assert!(degrees_apart(w, textbook::from_gcj(g)) < 1e-11, "{p:?}");
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
