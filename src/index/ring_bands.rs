//! Point-in-ring tests that look only at the edges level with the point. A ring's latitude
//! range is cut into bands, each listing the edges that reach into it; a test reads the
//! point's band only. The crossing test per edge is [`ring_contains`]'s own and parity does not
//! depend on order, so the answer is the same; a boundary of thousands of vertices (a real
//! district or park outline) then costs a few edges a test instead of all of them.

use geo::Coord;

/// Rings with fewer edges are scanned whole: the bands would not pay for themselves.
const MIN_EDGES: usize = 32;

/// About this many edges a band, before edges spanning several bands are counted.
const EDGES_PER_BAND: usize = 4;

/// The band lists of one ring. Edge `i` joins vertex `i` to vertex `i - 1` (vertex 0 to
/// the last), as [`ring_contains`] walks them.
#[derive(Clone, Debug)]
pub(super) struct RingBands {
    lo: f64,
    hi: f64,
    /// Bands per unit of latitude.
    scale: f64,
    /// Where each band's edges start in `edges` (one more entry than bands).
    starts: Vec<u32>,
    edges: Vec<u32>,
}

impl RingBands {
    /// The bands of `ring`, or None when the ring is small (or has no finite latitude):
    /// then [`ring_contains`] scans it whole.
    pub(super) fn new(ring: &[Coord<f64>]) -> Option<Self> {
        let n = ring.len();
        if n < MIN_EDGES || u32::try_from(n).is_err() {
            return None;
        }
        // f64::min and max skip NaN: a NaN vertex's edges never cross (every comparison
        // with NaN is false), so leaving them out of every band changes nothing.
        let lo = ring.iter().map(|c| c.y).fold(f64::INFINITY, f64::min);
        let hi = ring.iter().map(|c| c.y).fold(f64::NEG_INFINITY, f64::max);
        if !(lo.is_finite() && hi.is_finite() && hi > lo) {
            return None;
        }
        let range = |i: usize| {
            let (a, b) = (ring[i].y, ring[before(i, n)].y);
            (a.min(b), a.max(b))
        };
        // Fewer bands when long edges would repeat too often (a few long edges across the
        // whole range, say): at most 8 entries an edge on average.
        let mut bands = (n / EDGES_PER_BAND).clamp(1, 1 << 16);
        loop {
            let scale = bands as f64 / (hi - lo);
            let this = Self {
                lo,
                hi,
                scale,
                starts: Vec::new(),
                edges: Vec::new(),
            };
            let mut counts = vec![0i64; bands + 1];
            let mut total = 0usize;
            for i in 0..n {
                let (a, b) = range(i);
                if a.is_nan() || b.is_nan() {
                    continue;
                }
                let (s, e) = (this.band(a, bands), this.band(b, bands));
                counts[s] += 1;
                counts[e + 1] -= 1;
                total += e - s + 1;
            }
            if total > 8 * n && bands > 1 {
                bands /= 2;
                continue;
            }
            // Prefix sums of the +1/-1 marks give each band's count; then its start.
            let mut starts = Vec::with_capacity(bands + 1);
            let (mut live, mut at) = (0i64, 0u32);
            for c in counts.iter().take(bands) {
                live += *c;
                starts.push(at);
                at += live as u32;
            }
            starts.push(at);
            let mut fill: Vec<u32> = starts.clone();
            let mut edges = vec![0u32; at as usize];
            for i in 0..n {
                let (a, b) = range(i);
                if a.is_nan() || b.is_nan() {
                    continue;
                }
                for k in this.band(a, bands)..=this.band(b, bands) {
                    edges[fill[k] as usize] = i as u32;
                    fill[k] += 1;
                }
            }
            return Some(Self {
                starts,
                edges,
                ..this
            });
        }
    }

    /// The band of latitude `y` (clamped to the range; monotone in `y`).
    fn band(&self, y: f64, bands: usize) -> usize {
        // `as usize` saturates: below the range (and NaN) gives band 0.
        (((y - self.lo) * self.scale) as usize).min(bands - 1)
    }

    /// Whether (x, y) is inside `ring` (the ring these bands were built from), exactly as
    /// [`ring_contains`] answers.
    pub(super) fn contains(&self, ring: &[Coord<f64>], x: f64, y: f64) -> bool {
        // Outside the latitude range (or NaN) no edge has one end above y and one not.
        if !(y >= self.lo && y <= self.hi) {
            return false;
        }
        let bands = self.starts.len() - 1;
        let k = self.band(y, bands);
        let (Some(&s), Some(&e)) = (self.starts.get(k), self.starts.get(k + 1)) else {
            return false;
        };
        let n = ring.len();
        let mut inside = false;
        for &i in self.edges.get(s as usize..e as usize).unwrap_or_default() {
            let i = i as usize;
            let (Some(a), Some(b)) = (ring.get(i), ring.get(before(i, n))) else {
                continue;
            };
            if crosses(*a, *b, x, y) {
                inside = !inside;
            }
        }
        inside
    }
}

/// The vertex before vertex `i` of a ring of `n` (the last before the first): edge `i`
/// joins the two, as [`ring_contains`] walks them.
fn before(i: usize, n: usize) -> usize {
    if i == 0 { n - 1 } else { i - 1 }
}

/// Whether the ray from (x, y) towards +x crosses the edge from `a` to `b` (half-open in y,
/// so a vertex level with the point counts once).
#[inline]
fn crosses(a: Coord<f64>, b: Coord<f64>, x: f64, y: f64) -> bool {
    (a.y > y) != (b.y > y) && x < (b.x - a.x) * (y - a.y) / (b.y - a.y) + a.x
}

/// Even-odd crossing test over every edge; points on an edge may fall either way, as in any
/// planar test.
pub(super) fn ring_contains(ring: &[Coord<f64>], x: f64, y: f64) -> bool {
    let mut inside = false;
    let n = ring.len();
    if n < 3 {
        return false;
    }
    let mut j = n - 1;
    for i in 0..n {
        if crosses(ring[i], ring[j], x, y) {
            inside = !inside;
        }
        j = i;
    }
    inside
}

/// [`ring_contains`] through `bands` when the ring has them.
pub(super) fn ring_contains_with(
    ring: &[Coord<f64>],
    bands: Option<&RingBands>,
    x: f64,
    y: f64,
) -> bool {
    match bands {
        Some(b) => b.contains(ring, x, y),
        None => ring_contains(ring, x, y),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rng(seed: u64) -> impl FnMut() -> f64 {
        let mut r = crate::model::Rng::new(seed);
        move || r.uniform()
    }

    /// A closed star-shaped ring of `n` vertices around (0.5, 0.5) with a jagged radius,
    /// spikes and a repeated vertex; with `lattice`, snapped to a coarse lattice so that many
    /// vertices share a latitude (horizontal edges, points level with vertices).
    fn jagged_ring(n: usize, lattice: bool, next: &mut impl FnMut() -> f64) -> Vec<Coord<f64>> {
        let snap = |v: f64| {
            if lattice {
                (v * 64.0).round() / 64.0
            } else {
                v
            }
        };
        let mut ring: Vec<Coord<f64>> = (0..n)
            .map(|k| {
                let a = k as f64 / n as f64 * std::f64::consts::TAU;
                let r = 0.1 + 0.35 * next() + if k % 17 == 0 { 0.2 } else { 0.0 };
                Coord {
                    x: snap(0.5 + r * a.cos()),
                    y: snap(0.5 + r * a.sin()),
                }
            })
            .collect();
        if let Some(v) = ring.get(5).copied() {
            ring.insert(5, v);
        }
        ring.push(ring[0]);
        ring
    }

    /// The bands answer as the whole scan does, on rings of many shapes and sizes and on
    /// points anywhere, on the lattice the vertices sit on (level with vertices and on
    /// edges) and outside the range.
    #[test]
    fn bands_answer_as_the_whole_ring_does() {
        let mut next = rng(11);
        let (mut tested, mut inside) = (0, 0);
        for (round, n) in [40, 64, 100, 333, 1000, 4000].into_iter().enumerate() {
            let mut ring = jagged_ring(n, round % 2 == 0, &mut next);
            if round == 2 {
                // A few long edges across the whole range: the band count halves.
                ring.insert(10, Coord { x: 0.5, y: -1.0 });
                ring.insert(30, Coord { x: 0.6, y: 2.0 });
            }
            let bands = RingBands::new(&ring).expect("large enough for bands");
            for k in 0..6000 {
                let (x, y) = match k % 3 {
                    0 => (next() * 1.4 - 0.2, next() * 1.4 - 0.2),
                    1 => (
                        (next() * 64.0).round() / 64.0,
                        (next() * 64.0).round() / 64.0,
                    ),
                    _ => {
                        let v = ring[k % ring.len()];
                        (v.x + (next() - 0.5) * 0.01, v.y)
                    }
                };
                let want = ring_contains(&ring, x, y);
                assert_eq!(bands.contains(&ring, x, y), want, "n {n} at ({x}, {y})");
                tested += 1;
                inside += usize::from(want);
            }
            for (x, y) in [(0.5, f64::NAN), (f64::NAN, 0.5), (0.5, 9.0), (0.5, -9.0)] {
                assert_eq!(bands.contains(&ring, x, y), ring_contains(&ring, x, y));
            }
        }
        // Both answers occur often.
        assert!(
            inside > tested / 5 && inside < tested * 4 / 5,
            "{inside} of {tested}"
        );
    }

    /// On the bundled district outlines (real, detailed boundaries), the bands answer as the
    /// whole scan does at random points over the city and on a fine lattice across borders.
    #[test]
    fn district_outlines_answer_as_the_whole_ring_does() {
        use crate::model::ZoneGeometry;
        let zones = super::super::district_zones();
        let mut next = rng(5);
        let mut pts: Vec<(f64, f64)> = (0..3000)
            .map(|_| (113.7 + 0.7 * next(), 22.4 + 0.5 * next()))
            .collect();
        for a in 0..50 {
            for b in 0..50 {
                pts.push((113.95 + a as f64 * 0.001, 22.52 + b as f64 * 0.001));
            }
        }
        let (mut rings, mut inside) = (0, 0);
        for z in &zones {
            let ZoneGeometry::Area(mp) = &z.geometry else {
                continue;
            };
            for poly in &mp.0 {
                for ring in std::iter::once(poly.exterior()).chain(poly.interiors()) {
                    let Some(bands) = RingBands::new(&ring.0) else {
                        continue;
                    };
                    rings += 1;
                    for &(x, y) in &pts {
                        let want = ring_contains(&ring.0, x, y);
                        assert_eq!(bands.contains(&ring.0, x, y), want, "{} ({x}, {y})", z.id);
                        inside += usize::from(want);
                    }
                }
            }
        }
        assert!(
            rings >= 10 && inside > 3000,
            "{rings} rings, {inside} inside"
        );
    }

    #[test]
    fn small_and_flat_rings_are_scanned_whole() {
        let square: Vec<Coord<f64>> = [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 0.0)]
            .iter()
            .map(|&(x, y)| Coord { x, y })
            .collect();
        assert!(RingBands::new(&square).is_none());
        let flat: Vec<Coord<f64>> = (0..100)
            .map(|k| Coord {
                x: k as f64,
                y: 1.0,
            })
            .collect();
        assert!(RingBands::new(&flat).is_none());
        assert!(!ring_contains_with(&flat, None, 5.0, 1.0));
    }

    /// Each band lists only edges that reach into it: on an outline as smooth as a real
    /// boundary the lists are far shorter than the ring.
    #[test]
    fn a_band_holds_a_few_edges() {
        let mut next = rng(3);
        let ring: Vec<Coord<f64>> = (0..=4000)
            .map(|k| {
                let a = k as f64 / 4000.0 * std::f64::consts::TAU;
                let r = 0.3 + 0.1 * (7.0 * a).sin() + 0.001 * next();
                Coord {
                    x: 0.5 + r * a.cos(),
                    y: 0.5 + r * a.sin(),
                }
            })
            .collect();
        let b = RingBands::new(&ring).unwrap();
        let bands = b.starts.len() - 1;
        assert!(bands >= 256, "{bands} bands");
        let longest = b.starts.windows(2).map(|w| w[1] - w[0]).max().unwrap();
        assert!(longest < 200, "a band of {longest} edges");
    }
}
