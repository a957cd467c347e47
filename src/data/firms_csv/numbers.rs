//! Coordinates read from text: a fast exact path for plain decimals, `str::parse` for the rest.

pub(crate) fn parse_number(s: &str, comma_decimal: bool) -> Option<f64> {
    if let Some(x) = plain_decimal(s.as_bytes()) {
        return Some(x);
    }
    let t = s.trim().trim_end_matches('°');
    if comma_decimal && t.contains(',') && !t.contains('.') {
        t.replace(',', ".").parse().ok()
    } else {
        t.parse().ok()
    }
}

/// A plain decimal (`-?digits[.digits]`, what coordinate columns hold) read exactly as
/// `str::parse` would, without its general machinery: when the digits form an integer m below
/// 2^53 and there are at most 22 decimals, m and 10^k are exact doubles and one correctly
/// rounded division gives the correctly rounded value (Clinger's fast path). Anything else
/// (exponents, spaces, long mantissas) returns None and takes the general parse.
pub(super) fn plain_decimal(b: &[u8]) -> Option<f64> {
    const POW10: [f64; 23] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
        1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ];
    let (neg, digits) = match b.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, b),
    };
    // At most 19 digits: their value fits in a u64.
    if digits.is_empty() || digits.len() > 19 {
        return None;
    }
    // A plain loop: memchr's call costs more than it saves on a dozen bytes.
    let (int, frac) = match digits.iter().position(|c| *c == b'.') {
        Some(d) => (digits.get(..d)?, digits.get(d + 1..)?),
        None => (digits, &[][..]),
    };
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    let m = digits_value(frac, digits_value(int, 0)?)?;
    if m > 1 << 53 {
        return None;
    }
    let x = m as f64 / POW10.get(frac.len())?;
    Some(if neg { -x } else { x })
}

/// `acc` with the decimal digits `d` appended (None if a byte is not a digit), eight digits
/// per step in one 64-bit word.
fn digits_value(mut d: &[u8], mut acc: u64) -> Option<u64> {
    const ZEROS: u64 = 0x3030_3030_3030_3030;
    const HIGH_NIBBLES: u64 = 0xF0F0_F0F0_F0F0_F0F0;
    while let Some((word, rest)) = d.split_first_chunk::<8>() {
        let w = u64::from_le_bytes(*word);
        // Every byte in 0x30..=0x39: high nibble 3, and still 3 after adding 6.
        if w & HIGH_NIBBLES != ZEROS
            || w.wrapping_add(0x0606_0606_0606_0606) & HIGH_NIBBLES != ZEROS
        {
            return None;
        }
        // Pairs, then fours, then the eight digits' value (first digit in the lowest byte).
        let v = w - ZEROS;
        let v = v.wrapping_mul(10).wrapping_add(v >> 8);
        let v = ((v & 0x0000_00FF_0000_00FF).wrapping_mul(100 + (1_000_000 << 32))
            + ((v >> 16) & 0x0000_00FF_0000_00FF).wrapping_mul(1 + (10_000 << 32)))
            >> 32;
        acc = acc.wrapping_mul(100_000_000).wrapping_add(v);
        d = rest;
    }
    for &c in d {
        let v = c.wrapping_sub(b'0');
        if v > 9 {
            return None;
        }
        acc = acc.wrapping_mul(10).wrapping_add(u64::from(v));
    }
    Some(acc)
}
