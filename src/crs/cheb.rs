//! Tensor Chebyshev interpolants of smooth maps from the plane to the plane, over a box. Map
//! projections are smooth enough that degree 6 reproduces them to their own rounding over the
//! boxes used here, for 2 × 49 multiply-adds a point instead of a dozen transcendental calls.
//! An interpolant is checked against its map when it is made, and refused when off.

/// Chebyshev nodes (and terms) per axis.
const N: usize = 7;

/// The interpolant of a map (x, y) → (a, b) over one box.
#[derive(Clone, Debug)]
pub struct Interpolant {
    x: (f64, f64),
    y: (f64, f64),
    /// The map's value at the first node, taken off before fitting: the coefficients then
    /// hold small numbers, whose rounding is far below the map's own.
    origin: (f64, f64),
    /// Coefficients of a and b, `[i][j]` for T_i(x) · T_j(y).
    ca: [[f64; N]; N],
    cb: [[f64; N]; N],
}

/// Maps `v` in `range` to [-1, 1].
fn unit(v: f64, (lo, hi): (f64, f64)) -> f64 {
    (2.0 * v - lo - hi) / (hi - lo)
}

/// T_0..T_{N-1} at `u`.
fn chebyshev(u: f64) -> [f64; N] {
    let mut t = [0.0; N];
    t[0] = 1.0;
    t[1] = u;
    for k in 2..N {
        t[k] = 2.0 * u * t[k - 1] - t[k - 2];
    }
    t
}

impl Interpolant {
    /// Fits `f` over the box `x` × `y`, then compares the two on a `checks` × `checks` grid
    /// (corners, edges and points between the nodes). None when the box is empty, `f` fails
    /// at a node or check point, or the fit is off there by more than `tolerance` in a or b.
    pub fn fit(
        f: impl Fn(f64, f64) -> Option<(f64, f64)>,
        x: (f64, f64),
        y: (f64, f64),
        checks: usize,
        tolerance: f64,
    ) -> Option<Self> {
        if !(x.1 > x.0 && y.1 > y.0) {
            return None;
        }
        let checks = checks.max(2);
        let node = |k: usize| (std::f64::consts::PI * (k as f64 + 0.5) / N as f64).cos();
        let at = |u: f64, (lo, hi): (f64, f64)| (lo + hi) / 2.0 + u * (hi - lo) / 2.0;
        let origin = f(at(node(0), x), at(node(0), y))?;
        let mut fa = [[0.0; N]; N];
        let mut fb = [[0.0; N]; N];
        for k in 0..N {
            for l in 0..N {
                let (a, b) = f(at(node(k), x), at(node(l), y))?;
                fa[k][l] = a - origin.0;
                fb[k][l] = b - origin.1;
            }
        }
        // c_ij = (2/N)² Σ_k Σ_l f(u_k, v_l) T_i(u_k) T_j(v_l), halved for i = 0 and j = 0.
        let t: Vec<[f64; N]> = (0..N).map(|k| chebyshev(node(k))).collect();
        let coef = |f: &[[f64; N]; N]| {
            let mut c = [[0.0; N]; N];
            for (i, row) in c.iter_mut().enumerate() {
                for (j, cij) in row.iter_mut().enumerate() {
                    let mut s = 0.0;
                    for (k, tk) in t.iter().enumerate() {
                        for (l, tl) in t.iter().enumerate() {
                            s += f[k][l] * tk[i] * tl[j];
                        }
                    }
                    let half = if i == 0 { 0.5 } else { 1.0 } * if j == 0 { 0.5 } else { 1.0 };
                    *cij = s * 4.0 / (N * N) as f64 * half;
                }
            }
            c
        };
        let fit = Self {
            x,
            y,
            origin,
            ca: coef(&fa),
            cb: coef(&fb),
        };
        let grid = |k: usize, (lo, hi): (f64, f64)| lo + (hi - lo) * k as f64 / (checks - 1) as f64;
        for k in 0..checks {
            for l in 0..checks {
                let (px, py) = (grid(k, x), grid(l, y));
                let (want, got) = (f(px, py)?, fit.eval(px, py));
                if !((want.0 - got.0).abs() <= tolerance && (want.1 - got.1).abs() <= tolerance) {
                    return None;
                }
            }
        }
        Some(fit)
    }

    /// True when (x, y) lies in the box (edges included).
    pub fn holds(&self, x: f64, y: f64) -> bool {
        x >= self.x.0 && x <= self.x.1 && y >= self.y.0 && y <= self.y.1
    }

    /// The interpolated (a, b) at (x, y).
    pub fn eval(&self, x: f64, y: f64) -> (f64, f64) {
        let tu = chebyshev(unit(x, self.x));
        let tv = chebyshev(unit(y, self.y));
        let (mut a, mut b) = (0.0, 0.0);
        for ((ra, rb), ti) in self.ca.iter().zip(&self.cb).zip(tu) {
            let (mut sa, mut sb) = (0.0, 0.0);
            for ((ca, cb), tj) in ra.iter().zip(rb).zip(tv) {
                sa += ca * tj;
                sb += cb * tj;
            }
            a += sa * ti;
            b += sb * ti;
        }
        (self.origin.0 + a, self.origin.1 + b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A polynomial of degree 6 in each variable is reproduced to rounding (the fit is exact
    /// for it); one of degree 7 is not, and a tight tolerance refuses it.
    #[test]
    fn degree_six_is_exact_and_a_miss_is_refused() {
        let p6 = |x: f64, y: f64| Some((x.powi(6) * y - 3.0 * y.powi(6), x * y.powi(5) + 2.0));
        let fit = Interpolant::fit(p6, (-1.0, 2.0), (0.5, 3.0), 13, 1e-9).unwrap();
        for (x, y) in [(-1.0, 0.5), (0.3, 1.7), (2.0, 3.0), (1.234, 2.5)] {
            let (want, got) = (p6(x, y).unwrap(), fit.eval(x, y));
            assert!((want.0 - got.0).abs() < 1e-9 && (want.1 - got.1).abs() < 1e-9);
        }
        assert!(fit.holds(2.0, 0.5) && !fit.holds(2.01, 1.0) && !fit.holds(0.0, 0.4));
        let p7 = |x: f64, y: f64| Some((x.powi(7), y));
        assert!(Interpolant::fit(p7, (-1.0, 1.0), (-1.0, 1.0), 13, 1e-6).is_none());
        assert!(Interpolant::fit(p7, (-1.0, 1.0), (-1.0, 1.0), 13, 0.1).is_some());
        // A map that fails anywhere on the box, or an empty box, gives no interpolant.
        let hole = |x: f64, y: f64| (x < 0.9).then_some((x, y));
        assert!(Interpolant::fit(hole, (0.0, 1.0), (0.0, 1.0), 9, 1.0).is_none());
        assert!(Interpolant::fit(p6, (1.0, 1.0), (0.0, 1.0), 9, 1.0).is_none());
    }
}
