//! Unprojecting a file's millions of projected coordinates (CGCS2000 Gauss–Krüger, UTM, Web
//! Mercator…) patch by patch. proj4rs converts a point in 175–230 ns; the plane is cut into square
//! patches [`SIDE`] units wide, and a patch that has had [`EARN`] points on a thread gets a
//! Chebyshev interpolant of proj4rs' conversion ([`Interpolant`]), checked against it on a
//! grid when made and refused when off by more than [`TOLERANCE_DEG`]. The points before, and
//! every point of a refused patch, take proj4rs itself.
//!
//! Patches live per thread, keyed by the system's id, at most [`MAX_PATCHES`] of them (all
//! forgotten when full). A point scattered alone costs one exact conversion plus a count, so
//! files spread over a province, or garbage, cost at most about twice proj4rs.

use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use super::EpsgTransform;
use super::cheb::Interpolant;
use crate::model::LonLat;

/// A patch's side in the system's units (metres for every system planners use): 16.4 km.
pub const SIDE: f64 = 16_384.0;

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

/// The patch holding (x, y): its column and row packed into a word, and its box. None far
/// outside any system (|x| or |y| beyond ~10^13 units).
fn patch_of(x: f64, y: f64) -> Option<(u64, Span, Span)> {
    let (i, j) = ((x / SIDE).floor(), (y / SIDE).floor());
    if !(i.abs() < 1e9 && j.abs() < 1e9) {
        return None;
    }
    let key = (u64::from(i as i32 as u32) << 32) | u64::from(j as i32 as u32);
    Some((
        key,
        (i * SIDE, (i + 1.0) * SIDE),
        (j * SIDE, (j + 1.0) * SIDE),
    ))
}

/// The projected pair (x, y) of `t` in WGS-84, within [`TOLERANCE_DEG`] of
/// [`EpsgTransform::to_wgs84`] (which it is for a patch's first points).
pub fn unproject(t: &EpsgTransform, x: f64, y: f64) -> Option<LonLat> {
    let Some((packed, xs, ys)) = patch_of(x, y) else {
        return t.to_wgs84(x, y);
    };
    let fitted = PATCHES.with_borrow_mut(|patches| {
        if patches.len() >= MAX_PATCHES {
            patches.clear();
        }
        let patch = patches
            .entry((t.id(), packed))
            .or_insert(Patch::Counting(0));
        match patch {
            Patch::Fitted(f) => return Some(f.eval(x, y)),
            Patch::Refused => {}
            Patch::Counting(n) if *n + 1 < EARN => *n += 1,
            Patch::Counting(_) => {
                let exact = |x, y| t.to_wgs84(x, y).map(|ll| (ll.lon, ll.lat));
                *patch = match Interpolant::fit(exact, xs, ys, CHECKS, TOLERANCE_DEG) {
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
        None => t.to_wgs84(x, y),
    }
}

#[cfg(test)]
mod tests;
