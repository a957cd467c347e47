//! [`Bounds`]: the axis-aligned box around points on the plane, the one place its loop is
//! written.

use super::Xy;

/// The smallest axis-aligned box holding some points (metres on the plane, or degrees when
/// built from lon/lat pairs as `Xy`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bounds {
    pub lo: Xy,
    pub hi: Xy,
}

impl Bounds {
    /// The box around `points`, or `None` when there are none (or none is finite).
    pub fn of<'a>(points: impl IntoIterator<Item = &'a Xy>) -> Option<Self> {
        Self::of_values(points.into_iter().copied())
    }

    /// The box around `points` given by value.
    pub fn of_values(points: impl IntoIterator<Item = Xy>) -> Option<Self> {
        let mut lo = Xy::new(f64::INFINITY, f64::INFINITY);
        let mut hi = Xy::new(f64::NEG_INFINITY, f64::NEG_INFINITY);
        for p in points {
            lo = Xy::new(lo.x.min(p.x), lo.y.min(p.y));
            hi = Xy::new(hi.x.max(p.x), hi.y.max(p.y));
        }
        (lo.x.is_finite() && lo.y.is_finite()).then_some(Self { lo, hi })
    }

    /// The smallest box holding both (for boxes of pieces found in parallel).
    pub fn union(&self, other: &Bounds) -> Bounds {
        Bounds {
            lo: Xy::new(self.lo.x.min(other.lo.x), self.lo.y.min(other.lo.y)),
            hi: Xy::new(self.hi.x.max(other.hi.x), self.hi.y.max(other.hi.y)),
        }
    }

    /// Width × height.
    pub fn area(&self) -> f64 {
        (self.hi.x - self.lo.x) * (self.hi.y - self.lo.y)
    }

    pub fn centre(&self) -> Xy {
        Xy::new((self.lo.x + self.hi.x) / 2.0, (self.lo.y + self.hi.y) / 2.0)
    }

    /// True when the two boxes share at least a point.
    pub fn intersects(&self, other: &Bounds) -> bool {
        !(self.hi.x < other.lo.x
            || self.lo.x > other.hi.x
            || self.hi.y < other.lo.y
            || self.lo.y > other.hi.y)
    }

    /// `(lo, hi)`, the form viewports are fitted to.
    pub fn pair(&self) -> (Xy, Xy) {
        (self.lo, self.hi)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn box_of_points_against_hand_worked_values() {
        let pts = [Xy::new(3.0, -1.0), Xy::new(-2.0, 4.0), Xy::new(0.5, 0.5)];
        let b = Bounds::of(&pts).unwrap();
        assert_eq!(b.lo, Xy::new(-2.0, -1.0));
        assert_eq!(b.hi, Xy::new(3.0, 4.0));
        assert_eq!(b.area(), 25.0);
        assert_eq!(b.centre(), Xy::new(0.5, 1.5));
        assert!(Bounds::of(&[]).is_none());
        let far = Bounds::of(&[Xy::new(10.0, 10.0), Xy::new(11.0, 11.0)]).unwrap();
        assert!(!b.intersects(&far));
        let touching = Bounds::of(&[Xy::new(3.0, 4.0), Xy::new(5.0, 5.0)]).unwrap();
        assert!(b.intersects(&touching));
        let both = b.union(&far);
        assert_eq!(
            (both.lo, both.hi),
            (Xy::new(-2.0, -1.0), Xy::new(11.0, 11.0))
        );
    }
}
