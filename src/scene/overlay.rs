//! The map's furniture, as shapes in pixels: the scale bar and the north arrow. The window and
//! the exporters draw these same shapes (each with its own painter), so the two cannot drift
//! apart; only the unit size `u` differs (page pixels per point on a page, 1 in the window).

use super::{Px, Rgba, ScaleBar};

/// Colours of the furniture.
pub const BACKING: Rgba = Rgba::with_alpha(255, 255, 255, 220);
pub const INK: Rgba = Rgba::rgb(0, 0, 0);
pub const PAPER: Rgba = Rgba::rgb(255, 255, 255);
pub const ARROW_SHADE: Rgba = Rgba::rgb(0x99, 0x99, 0x99);
pub const RIM: Rgba = Rgba::rgb(0x88, 0x88, 0x88);

/// An axis-aligned rectangle in pixels: left, top, width, height.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PxRect {
    pub x: f32,
    pub y: f32,
    pub w: f32,
    pub h: f32,
}

/// A scale bar drawn from `start` (its left end, on the bar's centre line) rightwards.
#[derive(Clone, Debug, PartialEq)]
pub struct ScaleBarShapes {
    /// The light box behind the bar and its labels.
    pub backing: PxRect,
    /// Four alternating segments, black first.
    pub segments: [(PxRect, Rgba); 4],
    /// Outline width of the segments.
    pub edge_width: f32,
    /// Where "0" and the length label are centred, and their size.
    pub zero_at: Px,
    pub label_at: Px,
    pub text_size: f32,
}

/// The shapes of `bar` starting at `start`, `u` pixels per unit.
pub fn scale_bar_shapes(start: Px, end: Px, u: f32) -> ScaleBarShapes {
    let (a, b) = (start, end);
    let bh = 7.0 * u;
    let segments = std::array::from_fn(|k| {
        let x = a.x + (b.x - a.x) * k as f32 / 4.0;
        let fill = if k % 2 == 0 { INK } else { PAPER };
        let rect = PxRect {
            x,
            y: a.y - bh / 2.0,
            w: (b.x - a.x) / 4.0,
            h: bh,
        };
        (rect, fill)
    });
    ScaleBarShapes {
        backing: PxRect {
            x: a.x - 10.0 * u,
            y: a.y - 30.0 * u,
            w: b.x - a.x + 20.0 * u,
            h: 42.0 * u,
        },
        segments,
        edge_width: 0.8 * u,
        zero_at: Px::new(a.x, a.y - 10.0 * u),
        label_at: Px::new(b.x, a.y - 10.0 * u),
        text_size: 12.0 * u,
    }
}

/// The ends of a scale bar of `bar`'s length whose left end is at `start`.
pub fn scale_bar_ends(start: Px, bar: &ScaleBar) -> (Px, Px) {
    (start, Px::new(start.x + bar.length_px, start.y))
}

/// A north arrow: a disc with a two-tone arrowhead and the letter above it.
#[derive(Clone, Debug, PartialEq)]
pub struct NorthArrowShapes {
    pub centre: Px,
    pub radius: f32,
    pub rim_width: f32,
    /// The dark (east) and light (west) halves, closed rings.
    pub east: [Px; 4],
    pub west: [Px; 4],
    pub label_at: Px,
    pub text_size: f32,
}

/// The arrow around `centre`, rotated by `angle` (radians clockwise from the page's up, see
/// [`super::north_angle`]), `u` pixels per unit.
pub fn north_arrow_shapes(centre: Px, angle: f32, u: f32) -> NorthArrowShapes {
    let rot = |dx: f32, dy: f32| {
        Px::new(
            centre.x + dx * angle.cos() - dy * angle.sin(),
            centre.y + dx * angle.sin() + dy * angle.cos(),
        )
    };
    let (tip, tail) = (rot(0.0, -18.0 * u), rot(0.0, 6.0 * u));
    NorthArrowShapes {
        centre,
        radius: 24.0 * u,
        rim_width: 0.8 * u,
        east: [tip, rot(8.0 * u, 12.0 * u), tail, tip],
        west: [tip, tail, rot(-8.0 * u, 12.0 * u), tip],
        label_at: rot(0.0, -30.0 * u),
        text_size: 13.0 * u,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scale_bar_segments_tile_the_bar_exactly() {
        let s = scale_bar_shapes(Px::new(100.0, 50.0), Px::new(300.0, 50.0), 1.0);
        let total: f32 = s.segments.iter().map(|(r, _)| r.w).sum();
        assert_eq!(total, 200.0);
        assert_eq!(s.segments[0].0.x, 100.0);
        assert_eq!(s.segments[3].0.x + s.segments[3].0.w, 300.0);
        assert_eq!(
            s.segments.map(|(_, c)| c),
            [INK, PAPER, INK, PAPER],
            "alternating, black first"
        );
        let b = s.backing;
        assert!(
            b.x < 100.0 && b.x + b.w > 300.0,
            "the backing holds the bar"
        );
    }

    #[test]
    fn the_arrow_points_up_unrotated_and_turns_with_the_angle() {
        let a = north_arrow_shapes(Px::new(0.0, 0.0), 0.0, 1.0);
        assert_eq!(a.east[0], Px::new(0.0, -18.0), "tip straight up (y down)");
        assert!(
            a.east[1].x > 0.0 && a.west[2].x < 0.0,
            "east half right, west half left"
        );
        let q = north_arrow_shapes(Px::new(0.0, 0.0), std::f32::consts::FRAC_PI_2, 1.0);
        assert!(
            (q.east[0].x - 18.0).abs() < 1e-4 && q.east[0].y.abs() < 1e-4,
            "{:?}",
            q.east[0]
        );
    }
}
