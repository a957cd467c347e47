//! Which firms lie within a radius of a zone, decided a cell at a time: a quadtree over the
//! zone's padded bounds marks the cells wholly within or wholly beyond the radius, so only the
//! firms in cells that the radius line crosses are measured. The answer is the same as
//! measuring every firm; only fewer firms are measured.

use super::zone_shape::ZoneShape;
use crate::crs::Projection;
use crate::model::{LonLat, Xy};

/// Everything needed to decide whether a firm is within a radius of one zone.
pub(super) struct NearTest<'a> {
    shape: &'a ZoneShape,
    radius_m: f64,
    lo: Xy,
    hi: Xy,
    raster: NearRaster,
}

impl<'a> NearTest<'a> {
    /// The box and raster for `shape` and `radius_m`, sized for `n_firms` firms.
    pub fn new(shape: &'a ZoneShape, proj: &Projection, radius_m: f64, n_firms: usize) -> Self {
        let (lo, hi) = shape.plane_bounds();
        // Plane lengths exceed ground ones by far less than 1 % here.
        let pad = radius_m * 1.01;
        let (lo, hi) = (
            Xy::new(lo.x - pad, lo.y - pad),
            Xy::new(hi.x + pad, hi.y + pad),
        );
        let extent = (hi.x - lo.x).max(hi.y - lo.y);
        let raster = NearRaster::new(shape, proj, lo, extent, radius_m, n_firms);
        Self {
            shape,
            radius_m,
            lo,
            hi,
            raster,
        }
    }

    /// Whether firm `i` at plane point `p` is within the radius (measured only when its
    /// cell straddles the radius line).
    pub fn near(&self, i: usize, p: Xy, lonlat: &[LonLat], proj: &Projection) -> bool {
        if !(p.x >= self.lo.x && p.x <= self.hi.x && p.y >= self.lo.y && p.y <= self.hi.y) {
            return false;
        }
        match self.raster.verdict(p) {
            Verdict::Within => true,
            Verdict::Beyond => false,
            Verdict::Measure => lonlat
                .get(i)
                .is_some_and(|ll| self.shape.distance(*ll, p, proj).0 <= self.radius_m),
        }
    }
}

const WITHIN: u8 = 0;
const BEYOND: u8 = 1;
const MEASURE: u8 = 2;

/// Cell verdicts on a square raster over the padded bounds of one zone.
struct NearRaster {
    lo: Xy,
    cell: f64,
    side: usize,
    state: Vec<u8>,
}

/// What a point's cell says about it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Verdict {
    Within,
    Beyond,
    /// The cell straddles the radius line: measure the point.
    Measure,
}

impl NearRaster {
    /// The raster over the square from `lo` of side `extent` for `n_firms` firms: about 16
    /// firms a cell at most, 512 cells a side at most.
    fn new(
        shape: &ZoneShape,
        proj: &Projection,
        lo: Xy,
        extent: f64,
        radius_m: f64,
        n_firms: usize,
    ) -> Self {
        let want = ((n_firms / 16) as f64).sqrt() as usize;
        let side = want.clamp(4, 512).next_power_of_two().min(512);
        let mut raster = Self {
            lo,
            cell: extent.max(1e-6) / side as f64,
            side,
            state: vec![MEASURE; side * side],
        };
        raster.fill(shape, proj, radius_m, (0, 0), side);
        raster
    }

    /// Decides the block of `size` cells a side at row/column `at`, or splits it in four.
    fn fill(
        &mut self,
        shape: &ZoneShape,
        proj: &Projection,
        radius_m: f64,
        at: (usize, usize),
        size: usize,
    ) {
        let s = size as f64 * self.cell;
        let c = Xy::new(
            self.lo.x + at.1 as f64 * self.cell + s / 2.0,
            self.lo.y + at.0 as f64 * self.cell + s / 2.0,
        );
        let d = shape.distance(proj.unproject(c), c, proj).0;
        let h = margin(s, d);
        let fixed = margin(0.0, d);
        let verdict = if d + h <= radius_m {
            WITHIN
        } else if d - h > radius_m {
            BEYOND
        } else if size > 1 && h - fixed > fixed / 4.0 {
            // Halving still narrows the margin usefully (its fixed part stays).
            let half = size / 2;
            for (di, dj) in [(0, 0), (0, half), (half, 0), (half, half)] {
                self.fill(shape, proj, radius_m, (at.0 + di, at.1 + dj), half);
            }
            return;
        } else {
            MEASURE
        };
        for row in at.0..at.0 + size {
            let start = row * self.side + at.1;
            if let Some(cells) = self.state.get_mut(start..start + size) {
                cells.fill(verdict);
            }
        }
    }

    /// The verdict for a plane point (points off the raster are measured).
    fn verdict(&self, p: Xy) -> Verdict {
        let fx = (p.x - self.lo.x) / self.cell;
        let fy = (p.y - self.lo.y) / self.cell;
        if !(fx >= 0.0 && fy >= 0.0) {
            return Verdict::Measure;
        }
        let (j, i) = (fx as usize, fy as usize);
        if i >= self.side || j >= self.side {
            return Verdict::Measure;
        }
        match self.state.get(i * self.side + j) {
            Some(&WITHIN) => Verdict::Within,
            Some(&BEYOND) => Verdict::Beyond,
            _ => Verdict::Measure,
        }
    }
}

/// How far the distance at a point of a block of side `s` can be from the distance `d` at
/// its centre: the half-diagonal (distances to a set change no faster than the point moves),
/// 2 % for plane-versus-ground lengths, 1 % of `d` for the scale changing between the
/// closest points, and 5 m for straight lon/lat edges versus straight plane edges.
fn margin(s: f64, d: f64) -> f64 {
    s * std::f64::consts::FRAC_1_SQRT_2 * 1.02 + 0.01 * d + 5.0
}
