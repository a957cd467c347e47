//! Transverse Mercator on the WGS-84 ellipsoid (Krüger series), centred on the data.
//!
//! Every metric computation (distances, DBSCAN, areas, Clark-Evans) runs on this plane.
//! Plane distances are turned into ground distances with the projection's point scale factor
//! (Simpson's rule along the line), which keeps them within millimetres of the WGS-84
//! geodesic over the tens of kilometres that matter in a city.

use serde::{Deserialize, Serialize};

use crate::model::{LonLat, Xy};

const WGS84_A: f64 = 6_378_137.0;
const WGS84_F: f64 = 1.0 / 298.257_223_563;

/// A transverse Mercator projection with scale 1 on its central meridian and its origin at
/// a chosen centre, so plane coordinates stay small.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Projection {
    centre: LonLat,
    #[serde(skip, default = "Constants::wgs84")]
    c: Constants,
    y0: f64,
    /// Squared geometric-mean radius of curvature at the centre, for the scale factor.
    r2: f64,
}

#[derive(Clone, Copy, Debug, PartialEq)]
struct Constants {
    e: f64,
    a_rect: f64,
    alpha: [f64; 3],
    beta: [f64; 3],
    delta: [f64; 3],
}

impl Constants {
    fn wgs84() -> Self {
        let f = WGS84_F;
        let n = f / (2.0 - f);
        let (n2, n3) = (n * n, n * n * n);
        let e = (f * (2.0 - f)).sqrt();
        Self {
            e,
            a_rect: WGS84_A / (1.0 + n) * (1.0 + n2 / 4.0 + n2 * n2 / 64.0),
            alpha: [
                n / 2.0 - 2.0 * n2 / 3.0 + 5.0 * n3 / 16.0,
                13.0 * n2 / 48.0 - 3.0 * n3 / 5.0,
                61.0 * n3 / 240.0,
            ],
            beta: [
                n / 2.0 - 2.0 * n2 / 3.0 + 37.0 * n3 / 96.0,
                n2 / 48.0 + n3 / 15.0,
                17.0 * n3 / 480.0,
            ],
            delta: [
                2.0 * n - 2.0 * n2 / 3.0 - 2.0 * n3,
                7.0 * n2 / 3.0 - 8.0 * n3 / 5.0,
                56.0 * n3 / 15.0,
            ],
        }
    }
}

/// Coordinate-wise median of finite positions (robust to a few wild rows), None when empty.
pub fn median_lonlat<'a, I: IntoIterator<Item = &'a LonLat>>(points: I) -> Option<LonLat> {
    let points = points.into_iter();
    let room = points.size_hint().0;
    let (mut lons, mut lats) = (Vec::with_capacity(room), Vec::with_capacity(room));
    for p in points.filter(|p| p.lon.is_finite() && p.lat.is_finite()) {
        lons.push(p.lon);
        lats.push(p.lat);
    }
    if lons.is_empty() {
        return None;
    }
    let mid = lons.len() / 2;
    let lon = *lons.select_nth_unstable_by(mid, f64::total_cmp).1;
    let lat = *lats.select_nth_unstable_by(mid, f64::total_cmp).1;
    Some(LonLat::new(lon, lat))
}

/// Great-circle distance on the mean sphere (km); for screening and sanity checks only.
pub fn great_circle_km(a: LonLat, b: LonLat) -> f64 {
    let (p1, p2) = (a.lat.to_radians(), b.lat.to_radians());
    let dp = p2 - p1;
    let dl = (b.lon - a.lon).to_radians();
    let h = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * super::MEAN_EARTH_RADIUS_M / 1000.0 * h.sqrt().min(1.0).asin()
}

impl Default for Projection {
    /// Centred on Shenzhen.
    fn default() -> Self {
        Self::centred_on(LonLat::new(114.1, 22.6))
    }
}

impl Projection {
    pub fn centred_on(centre: LonLat) -> Self {
        let c = Constants::wgs84();
        let mut p = Self {
            centre,
            c,
            y0: 0.0,
            r2: 1.0,
        };
        p.y0 = p.raw_forward(centre).1;
        let phi = centre.lat.to_radians();
        let e2 = c.e * c.e;
        let w2 = 1.0 - e2 * phi.sin().powi(2);
        let rho = WGS84_A * (1.0 - e2) / w2.powf(1.5);
        let nu = WGS84_A / w2.sqrt();
        p.r2 = rho * nu;
        p
    }

    /// The projection for a dataset: Shenzhen's (the window's and the basemap's) when the
    /// points' median lies within [`Projection::HOME_RADIUS_KM`] of it, otherwise one centred
    /// on that median. The median, not the bounding box, so one stray (0, 0) row cannot drag
    /// the plane to the other side of the world; and one rule for the window and the CLI, so
    /// both report the same numbers.
    pub fn for_points<'a, I: IntoIterator<Item = &'a LonLat>>(points: I) -> Self {
        match median_lonlat(points) {
            Some(m) if great_circle_km(m, Self::default().centre) > Self::HOME_RADIUS_KM => {
                Self::centred_on(LonLat::new(
                    (m.lon * 100.0).round() / 100.0,
                    (m.lat * 100.0).round() / 100.0,
                ))
            }
            _ => Self::default(),
        }
    }

    /// Data whose median lies this close to Shenzhen is drawn and measured in Shenzhen's plane.
    pub const HOME_RADIUS_KM: f64 = 150.0;

    pub fn centre(&self) -> LonLat {
        self.centre
    }

    fn raw_forward(&self, p: LonLat) -> (f64, f64) {
        let c = &self.c;
        let phi = p.lat.to_radians();
        let lam = (p.lon - self.centre.lon).to_radians();
        let s = phi.sin();
        let t = (s.atanh() - c.e * (c.e * s).atanh()).sinh();
        let xi_p = t.atan2(lam.cos());
        let eta_p = (lam.sin() / (1.0 + t * t).sqrt()).atanh();
        // y + ix = ζ' + Σ α_j sin(2jζ') with ζ' = ξ' + iη', summed by Clenshaw's recurrence
        // on complex numbers (as GeographicLib does): one sin/cos and one exp per point instead
        // of four transcendental calls per term.
        let (s2, c2) = (2.0 * xi_p).sin_cos();
        let e2 = (2.0 * eta_p).exp();
        let (sh2, ch2) = ((e2 - 1.0 / e2) / 2.0, (e2 + 1.0 / e2) / 2.0);
        // cos 2ζ' and sin 2ζ' as (real, imaginary).
        let cos2 = (c2 * ch2, -s2 * sh2);
        let sin2 = (s2 * ch2, c2 * sh2);
        let m = (2.0 * cos2.0, 2.0 * cos2.1);
        let (mut b1, mut b2) = ((0.0, 0.0), (0.0, 0.0));
        for a in c.alpha.iter().rev() {
            // b_j = α_j + m·b_{j+1} − b_{j+2}
            let b0 = (
                a + m.0 * b1.0 - m.1 * b1.1 - b2.0,
                m.0 * b1.1 + m.1 * b1.0 - b2.1,
            );
            b2 = b1;
            b1 = b0;
        }
        // Σ = b_1 · sin 2ζ'
        let sum = (b1.0 * sin2.0 - b1.1 * sin2.1, b1.0 * sin2.1 + b1.1 * sin2.0);
        (c.a_rect * (eta_p + sum.1), c.a_rect * (xi_p + sum.0))
    }

    /// WGS-84 degrees → plane metres.
    pub fn project(&self, p: LonLat) -> Xy {
        let (x, y) = self.raw_forward(p);
        Xy::new(x, y - self.y0)
    }

    /// Plane metres → WGS-84 degrees.
    pub fn unproject(&self, q: Xy) -> LonLat {
        let c = &self.c;
        let xi = (q.y + self.y0) / c.a_rect;
        let eta = q.x / c.a_rect;
        let mut xi_p = xi;
        let mut eta_p = eta;
        for (j, b) in c.beta.iter().enumerate() {
            let k = 2.0 * (j + 1) as f64;
            xi_p -= b * (k * xi).sin() * (k * eta).cosh();
            eta_p -= b * (k * xi).cos() * (k * eta).sinh();
        }
        let chi = (xi_p.sin() / eta_p.cosh()).asin();
        let mut phi = chi;
        for (j, d) in c.delta.iter().enumerate() {
            phi += d * (2.0 * (j + 1) as f64 * chi).sin();
        }
        let lam = eta_p.sinh().atan2(xi_p.cos());
        LonLat::new(self.centre.lon + lam.to_degrees(), phi.to_degrees())
    }

    /// Point scale factor at a plane position (1 on the central meridian).
    pub fn scale_factor(&self, q: Xy) -> f64 {
        let u = q.x * q.x / self.r2;
        1.0 + u / 2.0 + u * u / 24.0
    }

    /// Ground (geodesic) distance in metres between two plane points.
    pub fn ground_distance(&self, a: Xy, b: Xy) -> f64 {
        let d = a.plane_distance(b);
        d * self.plane_to_ground(a, b)
    }

    /// Factor that turns a plane length between `a` and `b` into a ground length.
    pub fn plane_to_ground(&self, a: Xy, b: Xy) -> f64 {
        let m = Xy::new((a.x + b.x) / 2.0, (a.y + b.y) / 2.0);
        (1.0 / self.scale_factor(a) + 4.0 / self.scale_factor(m) + 1.0 / self.scale_factor(b)) / 6.0
    }

    /// Ground distance between two WGS-84 points.
    pub fn ground_distance_lonlat(&self, a: LonLat, b: LonLat) -> f64 {
        self.ground_distance(self.project(a), self.project(b))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn clenshaw_sum_equals_the_term_by_term_series() {
        let tm = super::Projection::default();
        let c = &tm.c;
        let mut worst: f64 = 0.0;
        for i in 0..=40 {
            for j in 0..=40 {
                let p = crate::model::LonLat::new(
                    tm.centre.lon - 6.0 + 0.3 * i as f64,
                    20.0 + 0.2 * j as f64,
                );
                // The series written out term by term (the textbook form).
                let phi = p.lat.to_radians();
                let lam = (p.lon - tm.centre.lon).to_radians();
                let s = phi.sin();
                let t = (s.atanh() - c.e * (c.e * s).atanh()).sinh();
                let xi_p = t.atan2(lam.cos());
                let eta_p = (lam.sin() / (1.0 + t * t).sqrt()).atanh();
                let (mut x, mut y) = (eta_p, xi_p);
                for (j, a) in c.alpha.iter().enumerate() {
                    let k = 2.0 * (j + 1) as f64;
                    x += a * (k * xi_p).cos() * (k * eta_p).sinh();
                    y += a * (k * xi_p).sin() * (k * eta_p).cosh();
                }
                let (fx, fy) = tm.raw_forward(p);
                worst = worst
                    .max((fx - c.a_rect * x).abs())
                    .max((fy - c.a_rect * y).abs());
            }
        }
        assert!(worst < 1e-6, "worst difference {worst} m");
    }

    use super::*;
    use geo::{Distance, Geodesic, Point};

    struct Lcg(u64);
    impl Lcg {
        fn next(&mut self) -> f64 {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (self.0 >> 11) as f64 / (1u64 << 53) as f64
        }
    }

    #[test]
    fn dataset_projection_ignores_a_stray_row() {
        let mut pts: Vec<LonLat> = (0..99)
            .map(|k| LonLat::new(113.9 + 0.004 * k as f64, 22.5 + 0.002 * k as f64))
            .collect();
        pts.push(LonLat::new(0.0, 0.0));
        // Median is near Shenzhen, so the window's plane is used despite (0, 0).
        assert_eq!(Projection::for_points(&pts), Projection::default());
        // Data elsewhere gets its own centre (the median, rounded to 0.01°).
        let bj: Vec<LonLat> = (0..5)
            .map(|k| LonLat::new(116.40 + 0.01 * k as f64, 39.90))
            .collect();
        assert_eq!(
            Projection::for_points(&bj).centre(),
            LonLat::new(116.42, 39.9)
        );
        assert_eq!(Projection::for_points(&[]), Projection::default());
    }

    #[test]
    fn great_circle_matches_geodesic_roughly() {
        let (a, b) = (LonLat::new(114.06, 22.54), LonLat::new(113.26, 23.13));
        let g = Geodesic.distance(Point::new(a.lon, a.lat), Point::new(b.lon, b.lat)) / 1000.0;
        // Sphere vs ellipsoid: within 0.5 %.
        assert!((great_circle_km(a, b) - g).abs() / g < 0.005, "{g}");
    }

    #[test]
    fn centre_maps_to_origin() {
        let p = Projection::centred_on(LonLat::new(114.0, 22.5));
        let o = p.project(LonLat::new(114.0, 22.5));
        assert!(o.x.abs() < 1e-9 && o.y.abs() < 1e-6, "{o:?}");
    }

    #[test]
    fn round_trip_is_sub_millimetre() {
        let p = Projection::centred_on(LonLat::new(114.1, 22.6));
        let mut r = Lcg(7);
        for _ in 0..2000 {
            let q = LonLat::new(113.0 + 2.5 * r.next(), 21.8 + 1.6 * r.next());
            let back = p.unproject(p.project(q));
            let d = Geodesic.distance(Point::new(q.lon, q.lat), Point::new(back.lon, back.lat));
            assert!(d < 1e-3, "{q:?} {back:?} {d}");
        }
    }

    #[test]
    fn ground_distance_matches_geodesic() {
        // Independent oracle: Karney's geodesic (geographiclib, via geo).
        let p = Projection::centred_on(LonLat::new(114.1, 22.6));
        let mut r = Lcg(11);
        let mut worst: f64 = 0.0;
        for _ in 0..5000 {
            let a = LonLat::new(113.7 + 0.9 * r.next(), 22.35 + 0.5 * r.next());
            let b = LonLat::new(
                a.lon + 0.6 * (r.next() - 0.5),
                a.lat + 0.5 * (r.next() - 0.5),
            );
            let truth = Geodesic.distance(Point::new(a.lon, a.lat), Point::new(b.lon, b.lat));
            if truth > 30_000.0 {
                continue;
            }
            let ours = p.ground_distance_lonlat(a, b);
            worst = worst.max((ours - truth).abs());
        }
        assert!(worst < 0.05, "worst error {worst} m");
    }

    #[test]
    fn known_distance_one_degree_of_latitude() {
        // pyproj.Geod(ellps="WGS84").inv(114, 22, 114, 23) gives 110,737.1008 m.
        let p = Projection::centred_on(LonLat::new(114.0, 22.5));
        let d = p.ground_distance_lonlat(LonLat::new(114.0, 22.0), LonLat::new(114.0, 23.0));
        assert!((d - 110_737.100_8).abs() < 0.01, "{d}");
    }
}
