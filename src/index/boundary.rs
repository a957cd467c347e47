//! A zone's boundary segments on the plane, and the search for the one closest to a point.
//! Runs of consecutive segments (neighbours along a ring) carry their bounding box, so a
//! search over the whole boundary measures only the runs whose box is nearer than the best
//! segment found so far. Ties go to the lowest segment number whatever the order segments
//! are measured in, so every search answers as a scan of all of them in order would.

use geo::Coord;

use crate::model::Xy;

/// Segments per run.
const RUN: usize = 16;

/// Boxes are widened by this much (metres): a closest point computed on a segment may stray
/// from its true place by rounding, never by a millimetre on the plane of a city.
const BOX_MARGIN: f64 = 1e-3;

/// One boundary segment on the plane, with what the distance test needs precomputed.
#[derive(Clone, Copy, Debug)]
struct Segment {
    x0: f64,
    y0: f64,
    dx: f64,
    dy: f64,
    inv_len2: f64,
}

impl Segment {
    fn new(a: Coord<f64>, b: Coord<f64>) -> Self {
        let (dx, dy) = (b.x - a.x, b.y - a.y);
        let len2 = dx * dx + dy * dy;
        Self {
            x0: a.x,
            y0: a.y,
            dx,
            dy,
            inv_len2: if len2 > 0.0 { 1.0 / len2 } else { 0.0 },
        }
    }

    /// Squared distance from (px, py) and the parameter of the closest point.
    #[inline]
    fn dist2(&self, px: f64, py: f64) -> (f64, f64) {
        let t =
            (((px - self.x0) * self.dx + (py - self.y0) * self.dy) * self.inv_len2).clamp(0.0, 1.0);
        let (ex, ey) = (px - self.x0 - t * self.dx, py - self.y0 - t * self.dy);
        (ex * ex + ey * ey, t)
    }
}

/// The widened bounding box of one run of segments.
#[derive(Clone, Copy, Debug)]
struct RunBox {
    lo: Xy,
    hi: Xy,
}

impl RunBox {
    /// Squared distance from `p` to the box (0 inside; NaN for a NaN point).
    #[inline]
    fn dist2(&self, p: Xy) -> f64 {
        let dx = (self.lo.x - p.x).max(p.x - self.hi.x).max(0.0);
        let dy = (self.lo.y - p.y).max(p.y - self.hi.y).max(0.0);
        dx * dx + dy * dy
    }
}

/// One step of a list of segments ordered by their distance from a point: the list's
/// segments up to `end` (from the previous step's end), none nearer to the point than
/// `least`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Step {
    pub end: u32,
    pub least: f32,
}

/// The closest segment found: squared plane distance, segment number, and where on it.
#[derive(Clone, Copy, Debug)]
pub(super) struct Closest {
    pub d2: f64,
    pub k: usize,
    pub t: f64,
}

impl Closest {
    const NONE: Self = Self {
        d2: f64::INFINITY,
        k: 0,
        t: 0.0,
    };

    /// Keeps segment `k` when nearer, or as near with a lower number.
    #[inline]
    fn offer(&mut self, d2: f64, k: usize, t: f64) {
        if d2 < self.d2 || (d2 == self.d2 && k < self.k) {
            *self = Self { d2, k, t };
        }
    }
}

/// Every ring's segments, in ring order, with their runs' boxes.
#[derive(Clone, Debug, Default)]
pub(super) struct Boundary {
    segments: Vec<Segment>,
    runs: Vec<RunBox>,
}

impl Boundary {
    /// The segments between consecutive vertices of each ring.
    pub(super) fn new<'a>(rings: impl Iterator<Item = &'a [Coord<f64>]>) -> Self {
        let segments: Vec<Segment> = rings
            .flat_map(|ring| ring.windows(2).map(|w| Segment::new(w[0], w[1])))
            .collect();
        let runs = segments
            .chunks(RUN)
            .map(|run| {
                let (mut lo, mut hi) = (
                    Xy::new(f64::INFINITY, f64::INFINITY),
                    Xy::new(f64::NEG_INFINITY, f64::NEG_INFINITY),
                );
                for s in run {
                    for (x, y) in [(s.x0, s.y0), (s.x0 + s.dx, s.y0 + s.dy)] {
                        lo = Xy::new(lo.x.min(x), lo.y.min(y));
                        hi = Xy::new(hi.x.max(x), hi.y.max(y));
                    }
                }
                // A run with a NaN end keeps an empty or partial box: never skip it.
                if run
                    .iter()
                    .any(|s| !(s.x0 + s.dx + s.y0 + s.dy + s.inv_len2).is_finite())
                {
                    return RunBox {
                        lo: Xy::new(f64::NEG_INFINITY, f64::NEG_INFINITY),
                        hi: Xy::new(f64::INFINITY, f64::INFINITY),
                    };
                }
                RunBox {
                    lo: Xy::new(lo.x - BOX_MARGIN, lo.y - BOX_MARGIN),
                    hi: Xy::new(hi.x + BOX_MARGIN, hi.y + BOX_MARGIN),
                }
            })
            .collect();
        Self { segments, runs }
    }

    pub(super) fn len(&self) -> usize {
        self.segments.len()
    }

    /// Plane distance from `p` to segment `k` (infinite for no such segment).
    pub(super) fn segment_distance(&self, k: usize, p: Xy) -> f64 {
        self.segments
            .get(k)
            .map(|s| s.dist2(p.x, p.y).0.sqrt())
            .unwrap_or(f64::INFINITY)
    }

    /// The closest point of segment `k` at parameter `t`.
    pub(super) fn point(&self, c: Closest) -> Option<Xy> {
        let s = self.segments.get(c.k)?;
        Some(Xy::new(s.x0 + c.t * s.dx, s.y0 + c.t * s.dy))
    }

    fn measure_run(&self, r: usize, p: Xy, best: &mut Closest) {
        let start = r * RUN;
        let end = (start + RUN).min(self.segments.len());
        for (k, s) in self.segments.iter().enumerate().take(end).skip(start) {
            let (d2, t) = s.dist2(p.x, p.y);
            best.offer(d2, k, t);
        }
    }

    /// The closest of all segments: the run whose box is nearest first, then every run
    /// whose box is not farther than the best so far.
    pub(super) fn closest(&self, p: Xy) -> Closest {
        let mut best = Closest::NONE;
        let first = self
            .runs
            .iter()
            .enumerate()
            .fold((f64::INFINITY, 0), |(d, at), (r, b)| {
                let e = b.dist2(p);
                if e < d { (e, r) } else { (d, at) }
            })
            .1;
        self.measure_run(first, p, &mut best);
        for (r, b) in self.runs.iter().enumerate() {
            // Every segment of a box farther than the best is farther itself (NaN: measured).
            let farther = b.dist2(p) > best.d2;
            if r != first && !farther {
                self.measure_run(r, p, &mut best);
            }
        }
        best
    }

    /// The closest of the segments numbered in `subset`.
    pub(super) fn closest_in(&self, p: Xy, subset: &[u32]) -> Closest {
        let mut best = Closest::NONE;
        for &k in subset {
            if let Some(s) = self.segments.get(k as usize) {
                let (d2, t) = s.dist2(p.x, p.y);
                best.offer(d2, k as usize, t);
            }
        }
        best
    }

    /// The closest of `segs`, listed in `steps` nearer and nearer to a point `c`, for `p`
    /// within `offset` of `c`: no segment is nearer to `p` than its distance from `c` less
    /// `offset`, so the search stops at the first step that cannot beat the best so far.
    pub(super) fn closest_sorted(
        &self,
        p: Xy,
        segs: &[u32],
        steps: &[Step],
        offset: f64,
    ) -> Closest {
        let mut best = Closest::NONE;
        let mut at = 0;
        for step in steps {
            let bound = f64::from(step.least) - offset;
            if bound > 0.0 && bound * bound > best.d2 {
                break;
            }
            let end = step.end as usize;
            for &k in segs.get(at..end).unwrap_or_default() {
                if let Some(s) = self.segments.get(k as usize) {
                    let (d2, t) = s.dist2(p.x, p.y);
                    best.offer(d2, k as usize, t);
                }
            }
            at = end;
        }
        best
    }

    /// [`Self::closest`] by measuring every segment in order (the tests' oracle).
    #[cfg(test)]
    fn closest_by_scan(&self, p: Xy) -> Closest {
        let mut best = Closest::NONE;
        for (k, s) in self.segments.iter().enumerate() {
            let (d2, t) = s.dist2(p.x, p.y);
            if d2 < best.d2 {
                best = Closest { d2, k, t };
            }
        }
        best
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs' boxes only skip what cannot be closest: on detailed rings (a smooth outline of
    /// 3,000 vertices, a jagged one with repeated vertices and a hole) the search gives the
    /// same segment, place and distance, bit for bit, as measuring every segment in order,
    /// at random points near and far, at the vertices themselves (ties between neighbours)
    /// and on a lattice aligned with them.
    #[test]
    fn runs_answer_as_a_scan_of_every_segment() {
        let mut rng = crate::model::Rng::new(9);
        let mut next = move || rng.uniform();
        let ring = |n: usize, r0: f64, jag: f64, next: &mut dyn FnMut() -> f64| {
            let mut v: Vec<Coord<f64>> = (0..n)
                .map(|k| {
                    let a = k as f64 / n as f64 * std::f64::consts::TAU;
                    let r = r0 * (1.0 + 0.2 * (5.0 * a).sin()) + jag * next();
                    Coord {
                        x: (r * a.cos()).round(),
                        y: (r * a.sin()).round(),
                    }
                })
                .collect();
            v.push(v[0]);
            v
        };
        let outer = ring(3000, 5000.0, 1.0, &mut next);
        let mut jagged = ring(500, 1500.0, 400.0, &mut next);
        jagged.insert(7, jagged[7]);
        let hole = ring(200, 800.0, 50.0, &mut next);
        let b = Boundary::new([&outer[..], &jagged[..], &hole[..]].into_iter());
        assert!(b.runs.len() > 200);
        let mut pts: Vec<Xy> = (0..3000)
            .map(|_| Xy::new((next() - 0.5) * 30000.0, (next() - 0.5) * 30000.0))
            .collect();
        pts.extend(
            outer
                .iter()
                .chain(&jagged)
                .step_by(7)
                .map(|c| Xy::new(c.x, c.y)),
        );
        pts.extend(
            (0..40).flat_map(|a| (0..40).map(move |c| Xy::new(a as f64 * 25.0, c as f64 * 25.0))),
        );
        pts.push(Xy::new(f64::NAN, 0.0));
        let mut skipped = 0;
        for p in pts {
            let (got, want) = (b.closest(p), b.closest_by_scan(p));
            assert_eq!(
                (got.d2.to_bits(), got.k, got.t.to_bits()),
                (want.d2.to_bits(), want.k, want.t.to_bits()),
                "at {p:?}"
            );
            skipped += b.runs.iter().filter(|r| r.dist2(p) > got.d2).count();
        }
        // The boxes really did skip most runs.
        assert!(skipped > 3000 * b.runs.len() / 2, "{skipped}");
    }
}
