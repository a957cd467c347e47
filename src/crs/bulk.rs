//! Projecting millions of points at once. Inside a box around the data, a Chebyshev
//! [`Interpolant`] of the transverse Mercator reproduces the exact series to a few nanometres
//! (its own rounding). It is checked against the series on a grid finer than its nodes when it
//! is made, and refused if any check point is off by more than [`TOLERANCE_M`]; points outside
//! the box (or every point, when refused) take the exact series.

use super::Projection;
use super::cheb::Interpolant;
use crate::model::{Bounds, LonLat, Xy};

/// Largest difference from the exact series accepted at the check points, in metres.
pub const TOLERANCE_M: f64 = 1e-6;

/// Half the widest box side an interpolant is made for, in degrees.
const MAX_HALF_SIDE_DEG: f64 = 1.0;

/// Check points per side of the box.
const CHECKS: usize = 29;

/// A projection prepared for the points of one dataset.
#[derive(Clone, Debug)]
pub struct BulkProjector<'a> {
    proj: &'a Projection,
    fit: Option<Interpolant>,
}

impl<'a> BulkProjector<'a> {
    /// Prepares `proj` for points that mostly lie in `bounds` (lower-left, upper-right
    /// corners, degrees). The box is clipped to within a degree of the projection's centre.
    pub fn new(proj: &'a Projection, bounds: Option<(LonLat, LonLat)>) -> Self {
        let fit = bounds.and_then(|(lo, hi)| {
            let c = proj.centre();
            let lon = (
                lo.lon.max(c.lon - MAX_HALF_SIDE_DEG),
                hi.lon.min(c.lon + MAX_HALF_SIDE_DEG),
            );
            let lat = (
                lo.lat.max(c.lat - MAX_HALF_SIDE_DEG),
                hi.lat.min(c.lat + MAX_HALF_SIDE_DEG),
            );
            // A box of zero width (one longitude, say) needs no interpolant.
            if !(lon.1 - lon.0 > 1e-9 && lat.1 - lat.0 > 1e-9) {
                return None;
            }
            let exact = |lon, lat| {
                let q = proj.project(LonLat::new(lon, lat));
                Some((q.x, q.y))
            };
            Interpolant::fit(exact, lon, lat, CHECKS, TOLERANCE_M)
        });
        Self { proj, fit }
    }

    /// Prepared for `points` (their box, found in parallel; non-finite positions ignored).
    pub fn for_points(proj: &'a Projection, points: &[LonLat]) -> Self {
        use rayon::prelude::*;
        let bounds = points
            .par_chunks(1 << 16)
            .filter_map(|piece| {
                Bounds::of_values(
                    piece
                        .iter()
                        .filter(|p| p.lon.is_finite() && p.lat.is_finite())
                        .map(|p| Xy::new(p.lon, p.lat)),
                )
            })
            .reduce_with(|a, b| a.union(&b));
        Self::new(
            proj,
            bounds.map(|b| (LonLat::new(b.lo.x, b.lo.y), LonLat::new(b.hi.x, b.hi.y))),
        )
    }

    /// True when points in the box take the interpolant.
    pub fn is_fitted(&self) -> bool {
        self.fit.is_some()
    }

    /// WGS-84 degrees → plane metres, within [`TOLERANCE_M`] of [`Projection::project`].
    pub fn project(&self, p: LonLat) -> Xy {
        match &self.fit {
            Some(f) if f.holds(p.lon, p.lat) => {
                let (x, y) = f.eval(p.lon, p.lat);
                Xy::new(x, y)
            }
            _ => self.proj.project(p),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lcg(state: &mut u64) -> f64 {
        *state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (*state >> 11) as f64 / (1u64 << 53) as f64
    }

    /// The interpolant against the exact series on random points, in Shenzhen's box and in
    /// the widest box allowed, far from the equator too.
    #[test]
    fn matches_the_exact_series_to_a_micrometre() {
        let mut s = 3;
        for (centre, half) in [
            (LonLat::new(114.1, 22.6), (0.5, 0.3)),
            (LonLat::new(114.1, 22.6), (1.0, 1.0)),
            (LonLat::new(87.6, 43.8), (1.0, 1.0)),
            (LonLat::new(-0.1, 51.5), (0.3, 0.2)),
        ] {
            let proj = Projection::centred_on(centre);
            let lo = LonLat::new(centre.lon - half.0, centre.lat - half.1);
            let hi = LonLat::new(centre.lon + half.0, centre.lat + half.1);
            let bulk = BulkProjector::new(&proj, Some((lo, hi)));
            assert!(bulk.is_fitted(), "{centre:?} ± {half:?}");
            let mut worst: f64 = 0.0;
            for _ in 0..20_000 {
                let p = LonLat::new(
                    lo.lon + (hi.lon - lo.lon) * lcg(&mut s),
                    lo.lat + (hi.lat - lo.lat) * lcg(&mut s),
                );
                let (a, b) = (proj.project(p), bulk.project(p));
                worst = worst.max((a.x - b.x).abs()).max((a.y - b.y).abs());
            }
            // The series' own rounding is a few nanometres: the interpolant is that close.
            assert!(worst < 2e-8, "{centre:?}: {worst} m");
        }
    }

    /// Points outside the box, and every point when no box is given, take the exact series.
    #[test]
    fn outside_the_box_is_exact() {
        let proj = Projection::default();
        let bulk = BulkProjector::new(
            &proj,
            Some((LonLat::new(113.8, 22.4), LonLat::new(114.6, 22.9))),
        );
        for p in [
            LonLat::new(116.0, 22.6),
            LonLat::new(114.0, 21.0),
            LonLat::new(0.0, 0.0),
        ] {
            assert_eq!(bulk.project(p), proj.project(p));
        }
        let none = BulkProjector::new(&proj, None);
        assert!(!none.is_fitted());
        let p = LonLat::new(114.05, 22.55);
        assert_eq!(none.project(p), proj.project(p));
        // A box far wider than allowed is clipped to two degrees around the centre.
        let wide = BulkProjector::new(
            &proj,
            Some((LonLat::new(100.0, 10.0), LonLat::new(130.0, 40.0))),
        );
        assert!(wide.is_fitted());
        assert_eq!(
            wide.project(LonLat::new(118.0, 22.6)),
            proj.project(LonLat::new(118.0, 22.6))
        );
    }
}
