//! Fixed-decimal number bytes for large tables, byte for byte what `format!("{x:.d$}")` gives,
//! without the formatter's exact-arithmetic path for nearly every value: x·10^d is rounded in
//! f64 and kept when it is provably on one side of a rounding tie; the rest (ties, negative
//! zeros, huge values) go through the formatter.

use std::io::Write;

const POW10: [f64; 10] = [1.0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9];
const POW10_INT: [u64; 10] = [
    1,
    10,
    100,
    1_000,
    10_000,
    100_000,
    1_000_000,
    10_000_000,
    100_000_000,
    1_000_000_000,
];

/// Appends `x` with `decimals` digits after the point (as `{x:.decimals$}` would).
pub fn push_fixed(out: &mut Vec<u8>, x: f64, decimals: usize) {
    if decimals < POW10.len() && x.is_finite() && x.abs() < 1e9 {
        // The product is within half an ulp of the exact x·10^d (10^d ≤ 1e9 is exact). If it
        // is further than that from every half-integer, both round to the same integer.
        let y = x * POW10[decimals];
        let r = y.round();
        let to_tie = 0.5 - (y - r).abs();
        let slack = y.abs() * 2.3e-16 + f64::MIN_POSITIVE;
        if to_tie > slack && !(r == 0.0 && x.is_sign_negative()) {
            let neg = r < 0.0;
            let m = r.abs() as u64;
            let p = POW10_INT[decimals];
            if neg {
                out.push(b'-');
            }
            push_digits(out, m / p, 1);
            if decimals > 0 {
                out.push(b'.');
                push_digits(out, m % p, decimals);
            }
            return;
        }
    }
    // Writing to a Vec cannot fail.
    let _ = write!(out, "{x:.decimals$}");
}

/// `x` with `decimals` digits after the point, as `format!("{x:.decimals$}")` gives it:
/// [`push_fixed`] into a string of its own.
pub fn fixed(x: f64, decimals: usize) -> String {
    let mut v = Vec::with_capacity(24);
    push_fixed(&mut v, x, decimals);
    // (ASCII digits, sign and point only.)
    String::from_utf8(v).unwrap_or_default()
}

/// Appends an integer (as `{v}` would).
pub fn push_int(out: &mut Vec<u8>, v: i64) {
    if v < 0 {
        out.push(b'-');
    }
    push_digits(out, v.unsigned_abs(), 1);
}

/// Appends the decimal digits of `v`, zero-padded to at least `width`: two digits per
/// division, written in one piece.
fn push_digits(out: &mut Vec<u8>, mut v: u64, width: usize) {
    const PAIRS: &[u8; 200] = b"0001020304050607080910111213141516171819\
        2021222324252627282930313233343536373839\
        4041424344454647484950515253545556575859\
        6061626364656667686970717273747576777879\
        8081828384858687888990919293949596979899";
    let mut buf = [b'0'; 20];
    let mut i = buf.len();
    while v >= 100 {
        let k = (v % 100) as usize * 2;
        v /= 100;
        i -= 2;
        buf[i..i + 2].copy_from_slice(&PAIRS[k..k + 2]);
    }
    if v >= 10 {
        let k = v as usize * 2;
        i -= 2;
        buf[i..i + 2].copy_from_slice(&PAIRS[k..k + 2]);
    } else if v > 0 {
        i -= 1;
        buf[i] = b'0' + v as u8;
    }
    let start = i.min(buf.len().saturating_sub(width));
    out.extend_from_slice(&buf[start..]);
}

#[cfg(test)]
mod tests {
    use super::{push_fixed, push_int};

    #[test]
    fn integers_print_as_display_does() {
        let mut rng = crate::model::Rng::new(64);
        let mut cases: Vec<i64> = vec![0, -1, 1, 9, 10, i64::MAX, i64::MIN, -10];
        cases.extend((0..100_000).map(|k| (rng.next_u64() >> (k % 64)) as i64));
        for v in cases {
            let mut s = Vec::new();
            push_int(&mut s, v);
            assert_eq!(s, v.to_string().as_bytes());
        }
    }

    fn check(x: f64, d: usize) {
        let mut s = Vec::new();
        push_fixed(&mut s, x, d);
        assert_eq!(s, format!("{x:.d$}").as_bytes(), "x = {x:e}, d = {d}");
    }

    #[test]
    fn equals_the_formatter_on_random_values_ties_and_edges() {
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..400_000 {
            let bits = next();
            let unit = (bits >> 11) as f64 / (1u64 << 53) as f64;
            let scale = 10f64.powi((next() % 16) as i32 - 6);
            let x = (unit - 0.3) * scale;
            for d in [0, 1, 2, 6, 9] {
                check(x, d);
            }
            // Coordinates as the tables hold them.
            check(113.5 + unit * 1.5, 6);
            check(22.3 + unit * 0.7, 6);
        }
        // Exact ties (binary fractions) round half to even in the formatter.
        for x in [
            0.125, 0.375, 2.5, 3.5, -0.125, 1.0625, 0.5, 1.5, 1e-7, 5e-7, 2.675, 1.005,
        ] {
            for d in 0..=4 {
                check(x, d);
            }
        }
        for x in [
            0.0,
            -0.0,
            -1e-9,
            -0.0000004,
            1e9,
            9.99999999e8,
            -123.456,
            f64::MIN_POSITIVE,
        ] {
            for d in [0, 2, 6, 9] {
                check(x, d);
            }
        }
    }
}
