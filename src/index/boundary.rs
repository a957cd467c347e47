//! A zone's boundary segments on the plane, and the search for the one closest to a point.
//! Runs of consecutive segments (neighbours along a ring) carry their bounding box, so a
//! search over the whole boundary measures only the runs whose box is nearer than the best
//! segment found so far. Ties go to the lowest segment number whatever the order segments
//! are measured in, so every search answers as a scan of all of them in order would.

use geo::Coord;

use crate::model::Xy;

/// Segments per run.
const RUN: usize = 16;

/// Runs per chunk: a chunk's box prunes its runs together when a list of runs is searched.
const CHUNK: usize = 16;

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

/// The segment from a run's first vertex to its last, and how far any of its vertices lies
/// from it (plus [`BOX_MARGIN`]): each of the run's segments is that close to the chord (the
/// distance to a segment is convex along another), so none is nearer to a point than the
/// chord's distance less `eps`. On a smooth outline `eps` is centimetres where the box is
/// metres: far from a gently curving border, runs a box cannot tell apart still differ by more.
#[derive(Clone, Copy, Debug)]
struct Chord {
    seg: Segment,
    eps: f64,
}

impl Chord {
    fn of(run: &[Segment]) -> Self {
        let (Some(a), Some(b)) = (run.first(), run.last()) else {
            return Self {
                seg: Segment::new(Coord { x: 0.0, y: 0.0 }, Coord { x: 0.0, y: 0.0 }),
                eps: f64::INFINITY,
            };
        };
        let seg = Segment::new(
            Coord { x: a.x0, y: a.y0 },
            Coord {
                x: b.x0 + b.dx,
                y: b.y0 + b.dy,
            },
        );
        let eps = run
            .iter()
            .flat_map(|s| [(s.x0, s.y0), (s.x0 + s.dx, s.y0 + s.dy)])
            .map(|(x, y)| seg.dist2(x, y).0.sqrt())
            // NaN: never skipped by the chord.
            .fold(
                0.0,
                |m: f64, d| if d.is_nan() { f64::NAN } else { m.max(d) },
            );
        Self {
            seg,
            eps: eps + BOX_MARGIN,
        }
    }

    /// Whether every segment of the run is farther from `p` than `best` (plane metres).
    #[inline]
    fn farther(&self, p: Xy, best: f64) -> bool {
        let lim = best + self.eps;
        self.seg.dist2(p.x, p.y).0 > lim * lim
    }
}

/// Whether every segment inside box `b` and near chord `c` is farther from `p` than `best`
/// (NaN anywhere: not farther; no box: farther).
#[inline]
fn farther(b: Option<&RunBox>, c: Option<&Chord>, p: Xy, best: &Closest) -> bool {
    let (Some(b), Some(c)) = (b, c) else {
        return true;
    };
    b.dist2(p) > best.d2 || c.farther(p, best.d2.sqrt())
}

/// The number of the box nearest to `p` (the first listed on ties, or when `p` is NaN).
fn nearest_box<'a>(boxes: impl Iterator<Item = (usize, &'a RunBox)>, p: Xy) -> Option<usize> {
    boxes
        .fold(None, |best: Option<(f64, usize)>, (k, b)| {
            let e = b.dist2(p);
            let nearer = best.is_none_or(|(d, _)| e < d);
            if nearer { Some((e, k)) } else { best }
        })
        .map(|(_, k)| k)
}

/// One step of a list of segments ordered by their distance from a point: the list's
/// segments up to `end` (from the previous step's end), none nearer to the point than
/// `least`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Step {
    pub end: u32,
    pub least: f32,
}

/// A list of a boundary's segments by number, or of its runs of segments by number, or by
/// ranges of numbers (as [`Boundary::closest_ranged`] takes them).
#[derive(Clone, Copy, Debug)]
pub(super) enum Part<'a> {
    Segments(&'a [u32]),
    Runs(&'a [u32]),
    RunRanges(&'a [u32]),
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
    /// Each run's chord.
    chords: Vec<Chord>,
    /// The union of each [`CHUNK`] runs' boxes, and each chunk's chord.
    chunks: Vec<RunBox>,
    chunk_chords: Vec<Chord>,
}

impl Boundary {
    /// The segments between consecutive vertices of each ring.
    pub(super) fn new<'a>(rings: impl Iterator<Item = &'a [Coord<f64>]>) -> Self {
        let segments: Vec<Segment> = rings
            .flat_map(|ring| ring.windows(2).map(|w| Segment::new(w[0], w[1])))
            .collect();
        let runs: Vec<RunBox> = segments
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
        let chunks = runs
            .chunks(CHUNK)
            .map(|c| {
                c.iter().fold(
                    RunBox {
                        lo: Xy::new(f64::INFINITY, f64::INFINITY),
                        hi: Xy::new(f64::NEG_INFINITY, f64::NEG_INFINITY),
                    },
                    |u: RunBox, b| RunBox {
                        lo: Xy::new(u.lo.x.min(b.lo.x), u.lo.y.min(b.lo.y)),
                        hi: Xy::new(u.hi.x.max(b.hi.x), u.hi.y.max(b.hi.y)),
                    },
                )
            })
            .collect();
        let chords = segments.chunks(RUN).map(Chord::of).collect();
        let chunk_chords = segments.chunks(RUN * CHUNK).map(Chord::of).collect();
        Self {
            segments,
            runs,
            chords,
            chunks,
            chunk_chords,
        }
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
        let start = r.saturating_mul(RUN);
        let end = (start + RUN).min(self.segments.len());
        for (k, s) in self.segments.iter().enumerate().take(end).skip(start) {
            let (d2, t) = s.dist2(p.x, p.y);
            best.offer(d2, k, t);
        }
    }

    /// Number of runs.
    pub(super) fn n_runs(&self) -> usize {
        self.runs.len()
    }

    /// Plane distance from `p` to run `r`'s box: never more than any of its segments' (0 for
    /// a run with a non-finite end; infinite for no such run).
    pub(super) fn run_distance(&self, r: usize, p: Xy) -> f64 {
        self.runs
            .get(r)
            .map_or(f64::INFINITY, |b| b.dist2(p).sqrt())
    }

    /// The segment numbers of run `r`.
    pub(super) fn run_segments(&self, r: u32) -> std::ops::Range<u32> {
        let start = (r as usize * RUN).min(self.segments.len());
        let end = (start + RUN).min(self.segments.len());
        start as u32..end as u32
    }

    /// The closest of all segments: the run whose box is nearest in the chunk whose box is
    /// nearest first, then the others chunk by chunk as [`Self::closest_ranged`] does.
    pub(super) fn closest(&self, p: Xy) -> Closest {
        let Some(c) = nearest_box(self.chunks.iter().enumerate(), p) else {
            return Closest::NONE;
        };
        let runs = self.runs.iter().enumerate().skip(c * CHUNK).take(CHUNK);
        let first = nearest_box(runs, p).unwrap_or(c * CHUNK);
        self.closest_from(p, first, [(0, self.runs.len())].into_iter())
    }

    /// Whether every segment of run `r` is farther from `p` than `best`.
    #[inline]
    fn run_farther(&self, r: usize, p: Xy, best: &Closest) -> bool {
        farther(self.runs.get(r), self.chords.get(r), p, best)
    }

    /// [`Self::run_farther`] for a whole chunk of runs.
    #[inline]
    fn chunk_farther(&self, c: usize, p: Xy, best: &Closest) -> bool {
        farther(self.chunks.get(c), self.chunk_chords.get(c), p, best)
    }

    /// The closest segment of the runs numbered in `runs`: the one whose box is nearest
    /// first, then the others as [`Self::closest_ranged`] does.
    pub(super) fn closest_in_runs(
        &self,
        p: Xy,
        runs: impl Iterator<Item = u32> + Clone,
    ) -> Closest {
        let listed = runs
            .clone()
            .filter_map(|r| Some((r as usize, self.runs.get(r as usize)?)));
        match nearest_box(listed, p) {
            Some(first) => self.closest_from(p, first, runs.map(|r| (r as usize, r as usize + 1))),
            None => Closest::NONE,
        }
    }

    /// The closest of the segments in `part`.
    pub(super) fn closest_in(&self, p: Xy, part: Part) -> Closest {
        match part {
            Part::Segments(ks) => {
                let mut best = Closest::NONE;
                for &k in ks {
                    self.measure(k as usize, p, &mut best);
                }
                best
            }
            Part::Runs(rs) => self.closest_in_runs(p, rs.iter().copied()),
            Part::RunRanges(rs) => self.closest_ranged(p, rs),
        }
    }

    #[inline]
    fn measure(&self, k: usize, p: Xy, best: &mut Closest) {
        if let Some(s) = self.segments.get(k) {
            let (d2, t) = s.dist2(p.x, p.y);
            best.offer(d2, k, t);
        }
    }

    /// The closest of the segments in `part` as a locator cell lists them. Segments come in
    /// `steps` nearer and nearer to a point `c`: for `p` within `offset` of `c`, nothing is
    /// nearer to `p` than its distance from `c` less `offset`, so the search stops at the
    /// first step that cannot beat the best so far. Runs come as [`Self::closest_ranged`]
    /// takes them.
    pub(super) fn closest_sorted(&self, p: Xy, part: Part, steps: &[Step], offset: f64) -> Closest {
        let list = match part {
            Part::Segments(ks) => ks,
            Part::Runs(rs) => return self.closest_in_runs(p, rs.iter().copied()),
            Part::RunRanges(rs) => return self.closest_ranged(p, rs),
        };
        let mut best = Closest::NONE;
        let mut at = 0;
        for step in steps {
            let bound = f64::from(step.least) - offset;
            if bound > 0.0 && bound * bound > best.d2 {
                break;
            }
            let end = step.end as usize;
            for &k in list.get(at..end).unwrap_or_default() {
                self.measure(k as usize, p, &mut best);
            }
            at = end;
        }
        best
    }

    /// The closest segment of the runs in `ranges`, pairs of run numbers (from, to) with
    /// the first pair a run near `p`: that run first, then the others in order, skipping
    /// each chunk, then each run, whose box or chord is farther than the best so far.
    pub(super) fn closest_ranged(&self, p: Xy, ranges: &[u32]) -> Closest {
        let mut pairs = ranges
            .chunks_exact(2)
            .map(|w| (w[0] as usize, w[1] as usize));
        match pairs.next() {
            Some((first, _)) => self.closest_from(p, first, pairs),
            None => Closest::NONE,
        }
    }

    /// Run `first`, then the runs of `ranges` but `first`, skipping each chunk, then each
    /// run, whose box or chord is farther than the best so far.
    fn closest_from(
        &self,
        p: Xy,
        first: usize,
        ranges: impl Iterator<Item = (usize, usize)>,
    ) -> Closest {
        let mut best = Closest::NONE;
        self.measure_run(first, p, &mut best);
        for (from, to) in ranges {
            let mut r = from;
            while r < to {
                let c = r / CHUNK;
                let end = to.min((c + 1) * CHUNK);
                if !self.chunk_farther(c, p, &best) {
                    for q in r..end {
                        if q != first && !self.run_farther(q, p, &best) {
                            self.measure_run(q, p, &mut best);
                        }
                    }
                }
                r = end;
            }
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
        // Points a few centimetres to metres off the smooth outline, inside and outside its
        // curve, where a chord's bound is tightest.
        pts.extend(outer.windows(2).step_by(5).map(|w| {
            let off = (next() - 0.5) * 4.0;
            let (dx, dy) = (w[1].x - w[0].x, w[1].y - w[0].y);
            let len = dx.hypot(dy).max(1e-9);
            Xy::new(w[0].x - dy / len * off, w[0].y + dx / len * off)
        }));
        let (mut skipped, mut by_chord) = (0, 0);
        for p in &pts {
            let p = *p;
            let (got, want) = (b.closest(p), b.closest_by_scan(p));
            assert_eq!(
                (got.d2.to_bits(), got.k, got.t.to_bits()),
                (want.d2.to_bits(), want.k, want.t.to_bits()),
                "at {p:?}"
            );
            skipped += b.runs.iter().filter(|r| r.dist2(p) > got.d2).count();
            by_chord += (0..b.runs.len())
                .filter(|&r| b.runs[r].dist2(p) <= got.d2 && b.run_farther(r, p, &got))
                .count();
        }
        // The boxes really did skip most runs, and the chords some the boxes could not.
        assert!(skipped > 3000 * b.runs.len() / 2, "{skipped}");
        assert!(by_chord > pts.len(), "{by_chord}");
        // Any runs, listed or in ranges from any first run, answer as a scan of theirs.
        for (i, p) in pts.iter().enumerate().step_by(3) {
            let n = b.runs.len() as u32;
            let (a0, a1) = ((i as u32 * 37) % n, (i as u32 * 11) % n);
            let (lo, hi) = (a0.min(a1), a0.max(a1) + 1);
            let first = lo + (i as u32 % (hi - lo));
            let listed: Vec<u32> = (lo..hi).collect();
            let mut want = Closest::NONE;
            for k in listed.iter().flat_map(|&r| b.run_segments(r)) {
                b.measure(k as usize, *p, &mut want);
            }
            let want = (want.d2.to_bits(), want.k, want.t.to_bits());
            for got in [
                b.closest_in(*p, Part::Runs(&listed)),
                b.closest_ranged(*p, &[first, first + 1, lo, hi]),
            ] {
                assert_eq!((got.d2.to_bits(), got.k, got.t.to_bits()), want, "at {p:?}");
            }
        }
    }
}
