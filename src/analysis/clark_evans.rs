//! Clark–Evans nearest-neighbour ratio with its z-score and two-sided p-value.
//!
//! R = mean observed nearest-neighbour distance / (0.5 / √(n/A)); the standard error of the
//! mean under complete spatial randomness is 0.26136 / √(n²/A) (Clark & Evans 1954, as used
//! by QGIS and pointpats). No edge correction. R < 1 means clustered, R > 1 dispersed.

use serde::{Deserialize, Serialize};

use super::nearest::nearest_neighbour_distances;
use crate::model::Xy;

/// The study area's definition, stated in every output.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum AreaKind {
    /// Bounding box of the points on the plane (the pointpats and QGIS default).
    #[default]
    Bbox,
    /// Convex hull of the points.
    Hull,
    /// Shenzhen's land (bundled districts); points outside are left out.
    Land,
    /// Polygons from a file; points outside them are left out.
    File,
}

impl AreaKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AreaKind::Bbox => "bbox",
            AreaKind::Hull => "hull",
            AreaKind::Land => "land",
            AreaKind::File => "file",
        }
    }
}

/// Fewer firms than this and the test is reported as not computed: its z-score rests on a
/// normal approximation that a handful of points does not support.
pub const MIN_FIRMS: usize = 10;

/// [`clark_evans`] with the small-sample guard, for reports: a result with a note instead of
/// numbers when there are fewer than [`MIN_FIRMS`] points or no area.
pub fn clark_evans_report(points: &[Xy], area_m2: f64, kind: AreaKind) -> ClarkEvans {
    if points.len() < MIN_FIRMS {
        return ClarkEvans::unavailable(kind, points.len(), area_m2);
    }
    clark_evans(points, area_m2, kind)
        .unwrap_or_else(|| ClarkEvans::unavailable(kind, points.len(), area_m2))
}

/// [`clark_evans_report`] from the sum of the `n` points' nearest-neighbour distances
/// (computed only when the test can be made).
pub fn clark_evans_report_of(
    n: usize,
    nn_sum: impl FnOnce() -> f64,
    area_m2: f64,
    kind: AreaKind,
) -> ClarkEvans {
    if n < MIN_FIRMS {
        return ClarkEvans::unavailable(kind, n, area_m2);
    }
    clark_evans_of_sum(nn_sum(), n, area_m2, kind)
        .unwrap_or_else(|| ClarkEvans::unavailable(kind, n, area_m2))
}

/// The test result.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClarkEvans {
    pub r: f64,
    pub z: f64,
    pub p: f64,
    pub n: usize,
    pub area_km2: f64,
    pub area: AreaKind,
    pub observed_mean_m: f64,
    pub expected_mean_m: f64,
    /// Why r, z and p are missing (they are NaN, written as null), when they are.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl ClarkEvans {
    /// The result when the test cannot be computed; says why.
    pub fn unavailable(area: AreaKind, n: usize, area_m2: f64) -> Self {
        Self {
            r: f64::NAN,
            z: f64::NAN,
            p: f64::NAN,
            n,
            area_km2: area_m2 / 1e6,
            area,
            observed_mean_m: f64::NAN,
            expected_mean_m: f64::NAN,
            note: Some(format!(
                "not computed: needs at least {MIN_FIRMS} firms and a study area larger than \
                 zero (have {n} firms, {:.3} km²)",
                area_m2 / 1e6
            )),
        }
    }

    pub fn is_available(&self) -> bool {
        self.r.is_finite()
    }
}

/// Standard normal two-sided p-value for a z-score.
pub fn two_sided_p(z: f64) -> f64 {
    libm::erfc(z.abs() / std::f64::consts::SQRT_2)
}

/// A p-value as people report it: "p = 0.032", "p = 0.0012", or "p < 0.0001" once it is
/// below what the normal approximation can honestly resolve (never "p = 0.00e0").
pub fn format_p(p: f64) -> String {
    if !p.is_finite() {
        "p = –".to_owned()
    } else if p < 1e-4 {
        "p < 0.0001".to_owned()
    } else if p < 0.01 {
        format!("p = {p:.4}")
    } else {
        format!("p = {p:.3}")
    }
}

/// Clark–Evans for points already restricted to a study area of `area_m2` square metres.
/// Needs at least two points and a positive area.
///
/// ```
/// use cluster_atlas::analysis::clark_evans::{clark_evans, AreaKind};
/// use cluster_atlas::model::Xy;
/// // A 10 × 10 lattice with 100 m spacing in a 1 km² square: every NN distance is 100 m,
/// // expected 0.5/√(100/1e6) = 50 m, so R = 2.
/// let pts: Vec<Xy> = (0..100).map(|k| Xy::new((k % 10) as f64 * 100.0 + 50.0, (k / 10) as f64 * 100.0 + 50.0)).collect();
/// let ce = clark_evans(&pts, 1.0e6, AreaKind::File).unwrap();
/// assert!((ce.r - 2.0).abs() < 1e-9);
/// assert!(ce.z > 0.0 && ce.p < 1e-6);
/// ```
pub fn clark_evans(points: &[Xy], area_m2: f64, kind: AreaKind) -> Option<ClarkEvans> {
    if points.len() < 2 || !(area_m2 > 0.0 && area_m2.is_finite()) {
        return None;
    }
    clark_evans_of_distances(&nearest_neighbour_distances(points), area_m2, kind)
}

/// The test from the points' nearest-neighbour distances (in point order).
pub fn clark_evans_of_distances(nn: &[f64], area_m2: f64, kind: AreaKind) -> Option<ClarkEvans> {
    clark_evans_of_sum(nn.iter().sum(), nn.len(), area_m2, kind)
}

/// The test from the sum of the `n` points' nearest-neighbour distances.
pub fn clark_evans_of_sum(
    nn_sum: f64,
    n: usize,
    area_m2: f64,
    kind: AreaKind,
) -> Option<ClarkEvans> {
    if n < 2 || !(area_m2 > 0.0 && area_m2.is_finite() && nn_sum.is_finite()) {
        return None;
    }
    let observed = nn_sum / n as f64;
    let nf = n as f64;
    let density = nf / area_m2;
    let expected = 0.5 / density.sqrt();
    let se = 0.26136 / (nf * nf / area_m2).sqrt();
    let z = (observed - expected) / se;
    Some(ClarkEvans {
        r: observed / expected,
        z,
        p: two_sided_p(z),
        n,
        area_km2: area_m2 / 1e6,
        area: kind,
        observed_mean_m: observed,
        expected_mean_m: expected,
        note: None,
    })
}

/// Area of the points' bounding box on the plane, m².
pub fn bbox_area_m2(points: &[Xy]) -> f64 {
    crate::model::Bounds::of(points).map_or(0.0, |b| b.area())
}

/// The points' convex hull on the plane (geo's algorithm), as a polygon.
pub fn hull(points: &[Xy]) -> geo::Polygon<f64> {
    use geo::ConvexHull;
    let kept = hull_candidates(points);
    let mp: geo::MultiPoint<f64> = kept.iter().map(|p| geo::Point::new(p.x, p.y)).collect();
    mp.convex_hull()
}

/// The points that can be hull vertices: all but those clearly inside the octagon of the
/// extreme points in eight directions (Akl–Toussaint), through which no hull edge passes.
/// On city-scale sets this leaves a few per cent of the points for the hull algorithm.
fn hull_candidates(points: &[Xy]) -> std::borrow::Cow<'_, [Xy]> {
    use rayon::prelude::*;
    use std::borrow::Cow;
    if points.len() < 4096 {
        return Cow::Borrowed(points);
    }
    // Extremes by x, x+y, y, x−y (min and max of each).
    let key = |p: &Xy, d: usize| match d {
        0 => p.x,
        1 => p.x + p.y,
        2 => p.y,
        _ => p.x - p.y,
    };
    // Each piece's extremes in each direction, then the pieces' in order, direction by
    // direction: the first extreme point wins ties, as one pass in order would choose.
    let extremes = |piece: &[Xy]| {
        let mut lo = [piece[0]; 4];
        let mut hi = [piece[0]; 4];
        for p in piece {
            for d in 0..4 {
                if key(p, d) < key(&lo[d], d) {
                    lo[d] = *p;
                }
                if key(p, d) > key(&hi[d], d) {
                    hi[d] = *p;
                }
            }
        }
        (lo, hi)
    };
    let pieces: Vec<([Xy; 4], [Xy; 4])> = points.par_chunks(1 << 16).map(extremes).collect();
    let (mut lo, mut hi) = ([points[0]; 4], [points[0]; 4]);
    for (piece_lo, piece_hi) in &pieces {
        for d in 0..4 {
            if key(&piece_lo[d], d) < key(&lo[d], d) {
                lo[d] = piece_lo[d];
            }
            if key(&piece_hi[d], d) > key(&hi[d], d) {
                hi[d] = piece_hi[d];
            }
        }
    }
    // Counter-clockwise: west, south-west, south, south-east, east, north-east, north, north-west.
    let mut ring = vec![lo[0], lo[1], lo[2], hi[3], hi[0], hi[1], hi[2], lo[3]];
    ring.dedup();
    if ring.len() > 1 && ring.first() == ring.last() {
        ring.pop();
    }
    if ring.len() < 3 {
        return Cow::Borrowed(points);
    }
    let extent = (hi[0].x - lo[0].x).max(hi[2].y - lo[2].y);
    let inside = |p: &Xy| {
        (0..ring.len()).all(|k| {
            let (a, b) = (ring[k], ring[(k + 1) % ring.len()]);
            let cross = (b.x - a.x) * (p.y - a.y) - (b.y - a.y) * (p.x - a.x);
            // Clearly left of every edge: rounding cannot put a hull vertex here.
            cross > 1e-9 * extent * extent
        })
    };
    Cow::Owned(points.par_iter().filter(|p| !inside(p)).copied().collect())
}

/// Area of the points' convex hull on the plane, m².
pub fn hull_area_m2(points: &[Xy]) -> f64 {
    use geo::Area;
    hull(points).unsigned_area()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_worked_pair() {
        // Two points 10 m apart in 100 m²: observed 10, expected 0.5/√0.02 = 3.5355.
        let pts = [Xy::new(0.0, 0.0), Xy::new(10.0, 0.0)];
        let ce = clark_evans(&pts, 100.0, AreaKind::Bbox).unwrap();
        assert!((ce.expected_mean_m - 3.535_533_905_932_737).abs() < 1e-9);
        assert!((ce.r - 10.0 / 3.535_533_905_932_737).abs() < 1e-9);
        // SE = 0.26136/√(4/100) = 1.3068; z = (10 − 3.5355)/1.3068.
        assert!((ce.z - (10.0 - 3.535_533_905_932_737) / 1.3068).abs() < 1e-9);
    }

    #[test]
    fn the_octagon_filter_keeps_the_hull_exactly() {
        use geo::ConvexHull;
        let mut rng = crate::model::Rng::new(11);
        let mut r = move || rng.uniform();
        // A dense blob, a ring, a diagonal line of points and a few far outliers.
        let mut pts: Vec<Xy> = (0..30_000)
            .map(|k| match k % 3 {
                0 => Xy::new((r() - 0.5) * 1000.0, (r() - 0.5) * 800.0),
                1 => {
                    let a = r() * std::f64::consts::TAU;
                    Xy::new(5000.0 * a.cos(), 3000.0 * a.sin())
                }
                _ => {
                    let t = r() * 6000.0;
                    Xy::new(t - 3000.0, t - 3000.0)
                }
            })
            .collect();
        pts.extend([Xy::new(9000.0, -20.0), Xy::new(-100.0, 7000.0)]);
        let kept = hull_candidates(&pts);
        assert!(kept.len() < pts.len() / 2, "{} kept", kept.len());
        let all: geo::MultiPoint<f64> = pts.iter().map(|p| geo::Point::new(p.x, p.y)).collect();
        assert_eq!(hull(&pts), all.convex_hull());
    }

    #[test]
    fn p_value_of_known_z() {
        assert!((two_sided_p(1.959_963_984_540_054) - 0.05).abs() < 1e-9);
        assert!((two_sided_p(0.0) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn p_values_print_without_fake_precision() {
        assert_eq!(format_p(0.0), "p < 0.0001");
        assert_eq!(format_p(two_sided_p(43.0)), "p < 0.0001");
        assert_eq!(format_p(0.00123), "p = 0.0012");
        assert_eq!(format_p(two_sided_p(1.959_963_984_540_054)), "p = 0.050");
        assert_eq!(format_p(1.0), "p = 1.000");
        assert_eq!(format_p(f64::NAN), "p = –");
    }

    #[test]
    fn reports_need_ten_firms() {
        let nine: Vec<Xy> = (0..9).map(|k| Xy::new(k as f64 * 10.0, 0.0)).collect();
        let r = clark_evans_report(&nine, 1e6, AreaKind::Bbox);
        assert!(!r.is_available());
        assert!(r.note.as_deref().unwrap_or("").contains("at least 10"));
        let mut ten = nine.clone();
        ten.push(Xy::new(0.0, 10.0));
        assert!(clark_evans_report(&ten, 1e6, AreaKind::Bbox).is_available());
    }

    #[test]
    fn too_few_points_or_no_area() {
        assert!(clark_evans(&[Xy::new(0.0, 0.0)], 1.0, AreaKind::Bbox).is_none());
        assert!(
            clark_evans(&[Xy::new(0.0, 0.0), Xy::new(1.0, 0.0)], 0.0, AreaKind::Bbox).is_none()
        );
    }

    #[test]
    fn bbox_and_hull_areas() {
        let pts = [
            Xy::new(0.0, 0.0),
            Xy::new(10.0, 0.0),
            Xy::new(0.0, 10.0),
            Xy::new(2.0, 2.0),
        ];
        assert_eq!(bbox_area_m2(&pts), 100.0);
        assert!((hull_area_m2(&pts) - 50.0).abs() < 1e-9);
    }
}
