//! Turning a file's millions of coordinates back to WGS-84 patch by patch, for the systems
//! whose exact conversion is slow: projected ones (CGCS2000 Gauss–Krüger, UTM, Web Mercator…),
//! which proj4rs converts in 175–230 ns a point, and Amap's GCJ-02, whose inverse iterates the
//! published formula (164 ns). The plane is cut into square patches, and a patch that has had
//! [`EARN`] points on a thread gets a Chebyshev interpolant of the exact conversion
//! ([`Interpolant`]), checked against it on a grid when made and refused when off by more than
//! [`TOLERANCE_DEG`]. The points before, and every point of a refused patch, take the exact
//! conversion itself.
//!
//! Patches live per thread, keyed by the system, at most [`MAX_PATCHES`] of them (all
//! forgotten when full). A point scattered alone costs one exact conversion plus a count, so
//! files spread over a province, or garbage, cost at most about twice the exact conversion.

use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use super::EpsgTransform;
use super::cheb::Interpolant;
use super::offsets::{gcj02_to_wgs84, gcj02_to_wgs84_within, in_china_box};
use crate::model::LonLat;

/// A patch's side in a projected system's units (metres for every system planners use):
/// 16.4 km.
pub const SIDE: f64 = 16_384.0;

/// A patch's side in GCJ-02 degrees: 1/32° (3.5 km). Its fastest term, sin 6πx, turns 0.59
/// radians across a patch, where degree 6 reproduces it to ~1e-13°.
pub const GCJ02_SIDE: f64 = 1.0 / 32.0;

/// The key of GCJ-02's patches (projected systems' ids count up from 1).
const GCJ02_KEY: u64 = u64::MAX;

/// Points a patch takes exactly on a thread before it gets an interpolant.
pub const EARN: u32 = 128;

/// Largest difference from proj4rs accepted at the check points, in degrees (~0.1 µm).
pub const TOLERANCE_DEG: f64 = 1e-12;

/// Check points per side of a patch.
const CHECKS: usize = 9;

/// Patches kept per thread.
pub const MAX_PATCHES: usize = 4096;

enum Patch {
    Counting(u32),
    Fitted(Box<Interpolant>),
    Refused,
}

/// Multiplicative hashing of the two-word keys (the standard hasher's SipHash costs more than
/// the interpolant).
#[derive(Default)]
struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = (self.0.rotate_left(5) ^ v).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

type Patches = HashMap<(u64, u64), Patch, BuildHasherDefault<KeyHasher>>;

thread_local! {
    static PATCHES: RefCell<Patches> = RefCell::default();
}

/// A patch's x or y range.
type Span = (f64, f64);

/// The patch `side` wide holding (x, y): its column and row packed into a word, and its box.
/// None far outside any system (beyond ~10^9 patches from the origin).
fn patch_of(x: f64, y: f64, side: f64) -> Option<(u64, Span, Span)> {
    let (i, j) = ((x / side).floor(), (y / side).floor());
    if !(i.abs() < 1e9 && j.abs() < 1e9) {
        return None;
    }
    let key = (u64::from(i as i32 as u32) << 32) | u64::from(j as i32 as u32);
    Some((
        key,
        (i * side, (i + 1.0) * side),
        (j * side, (j + 1.0) * side),
    ))
}

/// The projected pair (x, y) of `t` in WGS-84, within [`TOLERANCE_DEG`] of
/// [`EpsgTransform::to_wgs84`] (which it is for a patch's first points).
pub fn unproject(t: &EpsgTransform, x: f64, y: f64) -> Option<LonLat> {
    let exact = |x, y| t.to_wgs84(x, y);
    let system = System {
        key: t.id(),
        side: SIDE,
        exact: &exact,
        nodes: &exact,
        smooth: &|_, _| true,
    };
    system.to_wgs84(x, y)
}

/// A GCJ-02 (Amap, Tencent) position in WGS-84, within [`TOLERANCE_DEG`] of the GCJ-02
/// inverse iterated to its rounding, and like [`gcj02_to_wgs84`] reproducing `g` within
/// 1e-11° (it is that for a patch's first points). Only patches wholly inside the China box
/// are interpolated (those touching 105°E, where the formula's √|x| bends, fail the fit's
/// check).
pub fn ungcj(g: LonLat) -> LonLat {
    let smooth = |xs: Span, ys: Span| {
        let corners = [(xs.0, ys.0), (xs.0, ys.1), (xs.1, ys.0), (xs.1, ys.1)];
        corners
            .iter()
            .all(|&(lon, lat)| in_china_box(LonLat::new(lon, lat)))
    };
    let system = System {
        key: GCJ02_KEY,
        side: GCJ02_SIDE,
        exact: &|lon, lat| Some(gcj02_to_wgs84(LonLat::new(lon, lat))),
        nodes: &|lon, lat| Some(gcj02_to_wgs84_within(LonLat::new(lon, lat), 1e-14)),
        smooth: &smooth,
    };
    system
        .to_wgs84(g.lon, g.lat)
        .unwrap_or_else(|| gcj02_to_wgs84(g))
}

/// A system taken patch by patch.
struct System<'a> {
    /// Its patches' key (a projected system's id, or [`GCJ02_KEY`]).
    key: u64,
    /// Its patches' side, in its units.
    side: f64,
    /// The exact conversion, for the points not interpolated.
    exact: &'a dyn Fn(f64, f64) -> Option<LonLat>,
    /// The conversion the interpolants are fitted and checked against.
    nodes: &'a dyn Fn(f64, f64) -> Option<LonLat>,
    /// Whether a patch's box may be interpolated at all.
    smooth: &'a dyn Fn(Span, Span) -> bool,
}

impl System<'_> {
    /// (x, y) in WGS-84: by its patch's interpolant once the patch has earned one on this
    /// thread, else exactly.
    fn to_wgs84(&self, x: f64, y: f64) -> Option<LonLat> {
        let Some((packed, xs, ys)) = patch_of(x, y, self.side) else {
            return (self.exact)(x, y);
        };
        let fitted = PATCHES.with_borrow_mut(|patches| {
            if patches.len() >= MAX_PATCHES {
                patches.clear();
            }
            let patch = patches
                .entry((self.key, packed))
                .or_insert(Patch::Counting(0));
            match patch {
                Patch::Fitted(f) => return Some(f.eval(x, y)),
                Patch::Refused => {}
                Patch::Counting(n) if *n + 1 < EARN => *n += 1,
                Patch::Counting(_) if !(self.smooth)(xs, ys) => *patch = Patch::Refused,
                Patch::Counting(_) => {
                    let pair = |x, y| (self.nodes)(x, y).map(|ll| (ll.lon, ll.lat));
                    *patch = match Interpolant::fit(pair, xs, ys, CHECKS, TOLERANCE_DEG) {
                        Some(f) => Patch::Fitted(Box::new(f)),
                        None => Patch::Refused,
                    };
                }
            }
            None
        });
        match fitted {
            Some((lon, lat)) => {
                (lon.abs() <= 180.0 && lat.abs() <= 90.0).then_some(LonLat::new(lon, lat))
            }
            None => (self.exact)(x, y),
        }
    }
}

#[cfg(test)]
mod tests;
