//! Plain decimals read exactly as `str::parse` reads them, without its general machinery:
//! the fast path every coordinate of a register takes.

/// A plain decimal (`-?digits[.digits]`, what coordinate columns hold) of at most 19 digits,
/// read exactly as `str::parse` would, without its general machinery. When the digits form
/// an integer m up to 2^53, m and 10^k are exact doubles and one correctly rounded division
/// gives the correctly rounded value (Clinger's fast path); longer ones (the 17 digits
/// pandas and Python write, `114.09536778980761`) are multiplied by a 128-bit 5^-k
/// ([`long_quotient`]). Anything else (exponents, spaces, 20 digits or more) returns None and
/// takes the general parse. With `comma`, a comma is a decimal mark too (`114,0575`).
#[inline]
pub(super) fn plain_decimal_at(b: &[u8], comma: bool) -> Option<f64> {
    const POW10: [f64; 23] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
        1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ];
    let (neg, digits) = match b.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, b),
    };
    if digits.is_empty() || digits.len() > 20 {
        return None;
    }
    let (m, decimals) = match words_mantissa(digits, comma) {
        Some(read) => read,
        None => loop_mantissa(digits, comma)?,
    };
    let x = if m <= 1 << 53 {
        m as f64 / POW10.get(decimals)?
    } else if decimals == 0 {
        m as f64 // an integer: the conversion rounds to nearest, ties to even
    } else {
        long_quotient(m, decimals)?
    };
    Some(if neg { -x } else { x })
}

/// The digits' value without their decimal mark, and how many follow the mark, byte by byte
/// (any shape [`words_mantissa`] does not take).
#[inline(never)]
fn loop_mantissa(digits: &[u8], comma: bool) -> Option<(u64, usize)> {
    // A plain loop: memchr's call costs more than it saves on a dozen bytes.
    let (int, frac) = match digits
        .iter()
        .position(|c| *c == b'.' || (comma && *c == b','))
    {
        Some(d) => (digits.get(..d)?, digits.get(d + 1..)?),
        None => (digits, &[][..]),
    };
    // At most 19 digits: their value fits in a u64.
    if (int.is_empty() && frac.is_empty()) || int.len() + frac.len() > 19 {
        return None;
    }
    Some((digits_value(frac, digits_value(int, 0)?)?, frac.len()))
}

const ZEROS: u64 = 0x3030_3030_3030_3030;

/// The bytes of `w` equal to zero, as their high bits (exact for the lowest one, which is
/// all the caller asks).
fn zero_bytes(w: u64) -> u64 {
    w.wrapping_sub(0x0101_0101_0101_0101) & !w & 0x8080_8080_8080_8080
}

/// What [`loop_mantissa`] gives, for the shape coordinates take (`114.175057`,
/// `22.51034`, pandas' `114.09536778980761`: 8 to 20 bytes, the mark among the first
/// eight, at most 16 decimals), read a word at a time: the integer digits shifted to the
/// top of the first eight bytes, the decimals at the top of the last eight (and the eight
/// after the mark when there are more), with `'0'` filling the rest. None for any other
/// shape or a byte that is not a digit: the loop decides.
#[inline]
fn words_mantissa(d: &[u8], comma: bool) -> Option<(u64, usize)> {
    const POW10: [u64; 20] = {
        let mut t = [1u64; 20];
        let mut k = 1;
        while k < 20 {
            t[k] = t[k - 1] * 10;
            k += 1;
        }
        t
    };
    let len = d.len();
    if !(8..=20).contains(&len) {
        return None;
    }
    let first = u64::from_le_bytes(*d.first_chunk::<8>()?);
    let last = u64::from_le_bytes(*d.last_chunk::<8>()?);
    let mut marks = zero_bytes(first ^ 0x2E2E_2E2E_2E2E_2E2E);
    if comma {
        marks |= zero_bytes(first ^ 0x2C2C_2C2C_2C2C_2C2C);
    }
    if marks == 0 {
        return None;
    }
    let dot = (marks.trailing_zeros() / 8) as usize; // 0..=7
    let int = match dot {
        0 => 0,
        _ => eight_digits((first << (8 * (8 - dot))) | (ZEROS >> (8 * dot)))?,
    };
    // The top `n` (1..=8) bytes of `last`, '0' below them.
    let top = |n: usize| {
        let keep = u64::MAX << (8 * (8 - n));
        eight_digits((last & keep) | (ZEROS & !keep))
    };
    let decimals = len - dot - 1; // 0..=19
    let frac = match decimals {
        0 => 0,
        1..=8 => top(decimals)?,
        9..=16 => {
            let next = d.get(dot + 1..dot + 9)?.first_chunk::<8>()?;
            let high = eight_digits(u64::from_le_bytes(*next))?;
            high * POW10.get(decimals - 8)? + top(decimals - 8)?
        }
        _ => return None,
    };
    // At most 19 digits in all: no overflow.
    Some((int * POW10.get(decimals)? + frac, decimals))
}

/// 5^-k for k in 0..=19 as 128-bit fractions normalised to [2^127, 2^128), rounded up
/// (`floor(2^(z + 127) / 5^k) + 1`, z the bit length of 5^k): the table Eisel–Lemire
/// multiplies by, the same entries as Rust's `core` and fast_float's for these powers.
const FIVE_NEG: [u128; 20] = {
    let mut t = [1u128 << 127; 20];
    let mut k = 1;
    while k < 20 {
        let d = 5u128.pow(k as u32);
        let z = 128 - (d - 1).leading_zeros(); // 2^(z-1) < d < 2^z
        // 2^(z+127) / d = 2^127 + r * 2^127 / d with r = 2^z - d, taken in two 64-bit steps.
        let r = (1u128 << z) - d;
        let (q1, r1) = ((r << 64) / d, (r << 64) % d);
        t[k] = (1u128 << 127) + (q1 << 63) + (r1 << 63) / d + 1;
        k += 1;
    }
    t
};

/// m / 10^k correctly rounded (half to even) for m ≥ 1 and 1 ≤ k ≤ 19, by Eisel–Lemire
/// (Lemire, "Number parsing at a gigabyte per second", 2021): m times a 128-bit 5^-k, whose
/// truncation can never be ambiguous for exponents in -27..=55, so no fallback is needed.
#[inline(never)]
fn long_quotient(m: u64, k: usize) -> Option<f64> {
    const MASK: u64 = u64::MAX >> 55; // bits below the 53 + 2 kept
    let five = *FIVE_NEG.get(k)?;
    if m == 0 || k == 0 {
        return None;
    }
    let lz = m.leading_zeros();
    let w = u128::from(m << lz);
    let first = w * (five >> 64);
    let (mut lo, mut hi) = (first as u64, (first >> 64) as u64);
    if hi & MASK == MASK {
        let second = ((w * (five & u128::from(u64::MAX))) >> 64) as u64;
        lo = lo.wrapping_add(second);
        if second > lo {
            hi += 1;
        }
    }
    let upper = u32::from(hi >> 63 == 1);
    let mut mant = hi >> (upper + 9);
    let q = -i32::try_from(k).ok()?;
    // floor(q * log2(10)) + 63, the binary exponent of the product, biased by 1023.
    let mut exp = ((q * (152_170 + 65_536)) >> 16) + 63 + i32::try_from(upper).ok()?
        - i32::try_from(lz).ok()?
        + 1023;
    // An exact tie (only possible for 5^k of at most 64 bits' worth of precision: k <= 4)
    // rounds to even.
    if lo <= 1 && k <= 4 && mant & 3 == 1 && (mant << (upper + 9)) == hi {
        mant &= !1;
    }
    mant += mant & 1;
    mant >>= 1;
    if mant >= 2 << 52 {
        mant = 1 << 52;
        exp += 1;
    }
    let exp = u64::try_from(exp).ok().filter(|e| (1..2047).contains(e))?;
    Some(f64::from_bits((mant & !(1 << 52)) | exp << 52))
}

/// `acc` with the decimal digits `d` appended (None if a byte is not a digit), eight digits
/// per step in one 64-bit word.
fn digits_value(mut d: &[u8], mut acc: u64) -> Option<u64> {
    while let Some((word, rest)) = d.split_first_chunk::<8>() {
        let v = eight_digits(u64::from_le_bytes(*word))?;
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

/// The value of eight ASCII digits in one word (the first digit in its lowest byte), None
/// when a byte is not a digit.
fn eight_digits(w: u64) -> Option<u64> {
    const HIGH_NIBBLES: u64 = 0xF0F0_F0F0_F0F0_F0F0;
    // Every byte in 0x30..=0x39: high nibble 3, and still 3 after adding 6.
    if w & HIGH_NIBBLES != ZEROS || w.wrapping_add(0x0606_0606_0606_0606) & HIGH_NIBBLES != ZEROS {
        return None;
    }
    // Pairs, then fours, then the eight digits' value.
    let v = w - ZEROS;
    let v = v.wrapping_mul(10).wrapping_add(v >> 8);
    Some(
        ((v & 0x0000_00FF_0000_00FF).wrapping_mul(100 + (1_000_000 << 32))
            + ((v >> 16) & 0x0000_00FF_0000_00FF).wrapping_mul(1 + (10_000 << 32)))
            >> 32,
    )
}

#[cfg(test)]
mod tests {
    use super::super::parse_number;
    use super::{loop_mantissa, plain_decimal_at, words_mantissa};

    fn plain_decimal(b: &[u8]) -> Option<f64> {
        plain_decimal_at(b, false)
    }

    /// The word-at-a-time reading gives the byte loop's mantissa and decimals (the oracle)
    /// whenever it answers, and answers every coordinate-shaped text: 8 to 20 bytes with the
    /// mark among the first eight and at most 16 decimals, digits next to bytes just outside
    /// their range.
    #[test]
    fn words_read_the_mantissa_the_loop_reads() {
        let mut rng = crate::model::Rng::new(61);
        let alphabet = b"0123456789012345678901234567890123456789./:,";
        let mut answered = 0;
        for i in 0..300_000 {
            let len = 6 + (rng.next_u64() % 17) as usize;
            let mut s: Vec<u8> = (0..len)
                .map(|_| b'0' + (rng.next_u64() % 10) as u8)
                .collect();
            let mark = if i % 2 == 0 { b'.' } else { b',' };
            if let Some(c) = s.get_mut((rng.next_u64() % 9) as usize) {
                *c = mark;
            }
            if i % 5 == 0 {
                let at = (rng.next_u64() as usize) % len;
                if let (Some(c), Some(b)) = (s.get_mut(at), alphabet.get(i % alphabet.len())) {
                    *c = *b;
                }
            }
            let comma = i % 3 == 0;
            let want = loop_mantissa(&s, comma);
            let got = words_mantissa(&s, comma);
            if got.is_some() {
                answered += 1;
                assert_eq!(got, want, "{}", String::from_utf8_lossy(&s));
            }
            let mark_at = s.iter().position(|c| *c == b'.' || (comma && *c == b','));
            let shaped = (8..=20).contains(&len)
                && s.iter().filter(|c| !c.is_ascii_digit()).count() == 1
                && mark_at.is_some_and(|m| m < 8 && len - m - 1 <= 16);
            if shaped {
                assert_eq!(got, want, "{}", String::from_utf8_lossy(&s));
                assert!(got.is_some(), "{}", String::from_utf8_lossy(&s));
            }
        }
        assert!(answered > 60_000, "{answered}");
        assert_eq!(words_mantissa(b"114.175057", false), Some((114_175_057, 6)));
        assert_eq!(words_mantissa(b"22.51034", false), Some((2_251_034, 5)));
        assert_eq!(words_mantissa(b".1234567", false), Some((1_234_567, 7)));
        assert_eq!(words_mantissa(b"1234567.", false), Some((1_234_567, 0)));
        assert_eq!(
            words_mantissa(b"1.23456789012345", false),
            Some((123_456_789_012_345, 14))
        );
        assert_eq!(
            words_mantissa(b"114.09536778980761", false),
            Some((11_409_536_778_980_761, 14))
        );
        assert_eq!(
            words_mantissa(b"1.23456789012345678", false),
            None,
            "17 decimals: the loop's"
        );
        assert_eq!(words_mantissa(b"114,1750", true), Some((1_141_750, 4)));
        assert_eq!(words_mantissa(b"114,1750", false), None);
        assert_eq!(words_mantissa(b"11.4.1750", false), None);
    }

    /// The fast decimal reader gives exactly `str::parse`'s double (bit for bit) whenever it
    /// answers, over random digit strings of every length and decimal position.
    #[test]
    fn plain_decimals_read_exactly_as_str_parse() {
        let mut rng = crate::model::Rng::new(53);
        let mut answered = 0;
        for _ in 0..500_000 {
            let len = 1 + (rng.next_u64() % 21) as usize;
            let mut s = String::new();
            match rng.next_u64() % 4 {
                0 => s.push('-'),
                1 => s.push('+'),
                _ => {}
            }
            let dot = (rng.next_u64() % (len as u64 + 2)) as usize;
            for k in 0..len {
                if k == dot {
                    s.push('.');
                }
                s.push(char::from(b'0' + (rng.next_u64() % 10) as u8));
            }
            if rng.next_u64().is_multiple_of(8) {
                // A byte next to the digits' range, an exponent or a second sign or dot somewhere.
                let at = rng.next_u64() as usize % s.len();
                let c = [b'/', b':', b'-', b'e', b'.'][rng.next_u64() as usize % 5];
                if s.is_char_boundary(at) {
                    s.insert(at, char::from(c));
                }
            }
            let std: Option<f64> = s.parse().ok();
            if let Some(x) = plain_decimal(s.as_bytes()) {
                answered += 1;
                assert_eq!(Some(x.to_bits()), std.map(f64::to_bits), "{s}");
            }
            assert_eq!(
                parse_number(&s, false).map(f64::to_bits),
                std.map(f64::to_bits),
                "{s}"
            );
        }
        assert!(answered > 200_000, "the fast path answered only {answered}");
        // Ties between two doubles (2^53 + 1 and + 3 are halfway; half to even goes down, then
        // up), their neighbours a hair above, the largest 19 digits, and pandas' coordinates.
        for s in [
            ".5",
            "5.",
            "-0",
            "+0.0",
            "9007199254740993",
            "9007199254740995",
            "900719925474099.30",
            "900719925474099.31",
            "2026427760056704.874",
            "9007199254740993000",
            "9999999999999999999",
            "0.1",
            "113.940578",
            "114.09536778980761",
            "22.698561794681588",
            "-0.000000000000000001",
        ] {
            assert_eq!(
                plain_decimal(s.as_bytes()).map(f64::to_bits),
                s.parse::<f64>().ok().map(f64::to_bits),
                "{s}"
            );
        }
        for s in [
            "",
            "-",
            ".",
            "1.2.3",
            "1e5",
            " 1",
            "1,5",
            "--1",
            "10000000000000000000",
            "1000000000000000000.0",
        ] {
            assert_eq!(plain_decimal(s.as_bytes()), None, "{s}");
        }
    }

    /// Decimals of 16 to 19 digits (m above 2^53, where the integer division answers) read
    /// exactly as `str::parse`, including values a hair from halfway between two doubles.
    #[test]
    fn long_decimals_read_exactly_as_str_parse() {
        let mut rng = crate::model::Rng::new(17);
        let mut checked = 0;
        for i in 0..400_000u64 {
            let len = 16 + (rng.next_u64() % 4) as usize;
            let mut digits: Vec<u8> = (0..len)
                .map(|_| b'0' + (rng.next_u64() % 10) as u8)
                .collect();
            if let Some(d) = digits.first_mut() {
                *d = b'1' + (rng.next_u64() % 9) as u8;
            }
            let mut dot = (rng.next_u64() % (digits.len() as u64 + 1)) as usize;
            if i % 4 == 0 {
                // An exact tie between two doubles: an odd integer of 2^53..2^54 times 2^-j,
                // written as tie * 5^j with j decimals, its last digit perhaps nudged by one.
                let tie = (1u64 << 53) + 2 * (rng.next_u64() % (1 << 52)) + 1;
                let j = (rng.next_u64() % 5) as u32;
                let nudge = [0i64, 1, -1][(rng.next_u64() % 3) as usize];
                digits = format!("{}", u128::from(tie) * 5u128.pow(j)).into_bytes();
                if let Some(last) = digits.last_mut() {
                    *last = (i64::from(*last) + nudge).clamp(48, 57) as u8;
                }
                dot = digits.len() - j as usize;
            }
            let mut s = String::from_utf8(digits[..dot].to_vec()).unwrap_or_default();
            s.push('.');
            s.push_str(std::str::from_utf8(&digits[dot..]).unwrap_or_default());
            if digits.len() <= 19 {
                checked += 1;
                assert_eq!(
                    plain_decimal(s.as_bytes()).map(f64::to_bits),
                    s.parse::<f64>().ok().map(f64::to_bits),
                    "{s}"
                );
            }
        }
        assert!(checked > 350_000, "{checked}");
    }
}
