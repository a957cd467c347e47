//! The view: which part of the plane maps to which pixels, plus the scale bar and the north
//! arrow that must be true on the ground.

use serde::{Deserialize, Serialize};

use crate::crs::Projection;
use crate::model::{LonLat, Xy};

/// A point on a drawing surface in pixels, x right and y down: the window's screen or an
/// exported page. Kept apart from [`Xy`] (plane metres, y up) so the two cannot be mixed.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Px {
    pub x: f32,
    pub y: f32,
}

impl Px {
    pub const fn new(x: f32, y: f32) -> Self {
        Self { x, y }
    }

    /// This point moved by (dx, dy) pixels.
    pub fn offset(self, dx: f32, dy: f32) -> Self {
        Self::new(self.x + dx, self.y + dy)
    }
}

/// A window onto the plane: centre, plane metres per pixel and size in pixels. Screen y grows
/// downwards, plane y northwards.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Viewport {
    pub centre: Xy,
    pub m_per_px: f64,
    pub width_px: f32,
    pub height_px: f32,
}

impl Viewport {
    /// The view that shows `bounds` with a margin (fraction of the size) in `w`×`h` pixels.
    pub fn fit(bounds: (Xy, Xy), w: f32, h: f32, margin: f32) -> Self {
        let (lo, hi) = bounds;
        let (bw, bh) = ((hi.x - lo.x).max(1.0), (hi.y - lo.y).max(1.0));
        let usable = (1.0 - 2.0 * margin.clamp(0.0, 0.45)) as f64;
        let m_per_px = (bw / (w.max(1.0) as f64 * usable)).max(bh / (h.max(1.0) as f64 * usable));
        Self {
            centre: Xy::new((lo.x + hi.x) / 2.0, (lo.y + hi.y) / 2.0),
            m_per_px,
            width_px: w,
            height_px: h,
        }
    }

    /// Plane point → pixel (x right, y down).
    pub fn to_screen(&self, p: Xy) -> Px {
        Px::new(
            (self.width_px as f64 / 2.0 + (p.x - self.centre.x) / self.m_per_px) as f32,
            (self.height_px as f64 / 2.0 - (p.y - self.centre.y) / self.m_per_px) as f32,
        )
    }

    /// The middle of the view, in pixels.
    pub fn centre_px(&self) -> Px {
        Px::new(self.width_px / 2.0, self.height_px / 2.0)
    }

    /// Pixel → plane point.
    pub fn to_plane(&self, s: Px) -> Xy {
        Xy::new(
            self.centre.x + (s.x as f64 - self.width_px as f64 / 2.0) * self.m_per_px,
            self.centre.y - (s.y as f64 - self.height_px as f64 / 2.0) * self.m_per_px,
        )
    }

    /// Zooms by `factor` (> 1 zooms in) keeping the plane point under `pixel` fixed.
    pub fn zoom_about(&mut self, factor: f64, pixel: Px) {
        if !(factor.is_finite() && factor > 0.0) {
            return;
        }
        let anchor = self.to_plane(pixel);
        let range = crate::model::limits::M_PER_PX;
        self.m_per_px = (self.m_per_px / factor).clamp(range.min, range.max);
        let moved = self.to_plane(pixel);
        self.centre = Xy::new(
            self.centre.x + anchor.x - moved.x,
            self.centre.y + anchor.y - moved.y,
        );
    }

    /// Moves the view so the content follows a drag of (dx, dy) pixels.
    pub fn pan_px(&mut self, dx: f32, dy: f32) {
        self.centre = Xy::new(
            self.centre.x - dx as f64 * self.m_per_px,
            self.centre.y + dy as f64 * self.m_per_px,
        );
    }

    /// Plane bounds of the view (lower-left, upper-right).
    pub fn plane_bounds(&self) -> (Xy, Xy) {
        let hw = self.width_px as f64 / 2.0 * self.m_per_px;
        let hh = self.height_px as f64 / 2.0 * self.m_per_px;
        (
            Xy::new(self.centre.x - hw, self.centre.y - hh),
            Xy::new(self.centre.x + hw, self.centre.y + hh),
        )
    }

    /// Ground metres per pixel at the view's centre.
    pub fn ground_m_per_px(&self, proj: &Projection) -> f64 {
        self.m_per_px / proj.scale_factor(self.centre)
    }

    /// The same view resized to `w`×`h` pixels showing the same ground (a different DPI).
    pub fn resized(&self, w: f32, h: f32) -> Self {
        let scale = (self.width_px / w.max(1.0)) as f64;
        Self {
            centre: self.centre,
            m_per_px: self.m_per_px * scale,
            width_px: w,
            height_px: h,
        }
    }
}

/// A scale bar: a round ground length and its length in pixels.
#[derive(Clone, Debug, PartialEq)]
pub struct ScaleBar {
    pub length_m: f64,
    pub length_px: f32,
    pub label: String,
}

/// The longest round length (1, 2 or 5 × 10ⁿ metres) that fits in `max_px` pixels, measured on
/// the ground at the view's centre.
///
/// ```
/// use cluster_atlas::crs::Projection;
/// use cluster_atlas::model::Xy;
/// use cluster_atlas::scene::{scale_bar, Viewport};
/// let vp = Viewport { centre: Xy::new(0.0, 0.0), m_per_px: 10.0, width_px: 800.0, height_px: 600.0 };
/// let bar = scale_bar(&vp, &Projection::default(), 150.0);
/// assert_eq!(bar.length_m, 1000.0);
/// assert!((bar.length_px - 100.0).abs() < 0.01);
/// assert_eq!(bar.label, "1 km");
/// ```
pub fn scale_bar(vp: &Viewport, proj: &Projection, max_px: f32) -> ScaleBar {
    let m_per_px = vp.ground_m_per_px(proj);
    let max_m = max_px as f64 * m_per_px;
    let mut best = 1.0;
    let mut p = 1e-1;
    while p < 1e8 {
        for m in [1.0, 2.0, 5.0] {
            if m * p <= max_m {
                best = m * p;
            }
        }
        p *= 10.0;
    }
    let label = if best >= 1000.0 {
        format!("{} km", best / 1000.0)
    } else {
        format!("{best} m")
    };
    ScaleBar {
        length_m: best,
        length_px: (best / m_per_px) as f32,
        label,
    }
}

/// Angle (radians, clockwise from screen-up) at which true north points at the view's centre.
/// On a transverse Mercator it is the meridian convergence: a fraction of a degree here.
pub fn north_angle(vp: &Viewport, proj: &Projection) -> f32 {
    let c = proj.unproject(vp.centre);
    let a = proj.project(c);
    let b = proj.project(LonLat::new(c.lon, c.lat + 0.01));
    (b.x - a.x).atan2(b.y - a.y) as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn screen_round_trip_and_zoom_keeps_anchor() {
        let mut vp = Viewport {
            centre: Xy::new(100.0, 200.0),
            m_per_px: 7.0,
            width_px: 640.0,
            height_px: 480.0,
        };
        let p = Xy::new(-350.0, 900.0);
        let s = vp.to_screen(p);
        let back = vp.to_plane(s);
        assert!((back.x - p.x).abs() < 1e-3 && (back.y - p.y).abs() < 1e-3);
        let anchor = Px::new(100.0, 50.0);
        let before = vp.to_plane(anchor);
        vp.zoom_about(2.0, anchor);
        let after = vp.to_plane(anchor);
        assert!((before.x - after.x).abs() < 1e-6 && (before.y - after.y).abs() < 1e-6);
        assert!((vp.m_per_px - 3.5).abs() < 1e-12);
    }

    #[test]
    fn scale_bar_is_true_on_the_ground_away_from_the_central_meridian() {
        // 40 km east of the central meridian the plane is stretched by about 2e-5.
        let proj = Projection::default();
        let vp = Viewport {
            centre: Xy::new(40_000.0, 0.0),
            m_per_px: 20.0,
            width_px: 1000.0,
            height_px: 800.0,
        };
        let bar = scale_bar(&vp, &proj, 200.0);
        // True at the view's centre (where the scale is taken).
        let a = vp.to_plane(Px::new(500.0 - bar.length_px / 2.0, 400.0));
        let b = vp.to_plane(Px::new(500.0 + bar.length_px / 2.0, 400.0));
        let ground = proj.ground_distance(a, b);
        let plane = ((b.x - a.x).powi(2) + (b.y - a.y).powi(2)).sqrt();
        assert!(
            (plane - bar.length_m).abs() / bar.length_m > 1e-5,
            "the plane's stretch is large enough to see here"
        );
        assert!(
            (ground - bar.length_m).abs() / bar.length_m < 1e-6,
            "{ground} vs {}",
            bar.length_m
        );
    }

    #[test]
    fn north_is_nearly_up_and_turns_with_longitude() {
        let proj = Projection::default();
        let mut vp = Viewport {
            centre: Xy::new(0.0, 0.0),
            m_per_px: 20.0,
            width_px: 100.0,
            height_px: 100.0,
        };
        assert!(north_angle(&vp, &proj).abs() < 1e-6);
        vp.centre = Xy::new(50_000.0, 0.0);
        let a = north_angle(&vp, &proj).to_degrees();
        assert!(a < -0.05 && a > -0.5, "{a}");
    }
}
