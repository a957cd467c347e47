//! Finding delimiters and line ends in delimited text, eight bytes at a time.
//!
//! CSV rows put a separator every few bytes, where a general `memchr2` re-enters its vector
//! loop for every hit; this scanner instead turns each 8-byte word into a bit mask of the
//! matching bytes (exact SWAR arithmetic, no false positives) and walks its set bits.

const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;
const HIGH: u64 = 0x8080_8080_8080_8080;
const ONES: u64 = 0x0101_0101_0101_0101;

/// High bit set in each byte of `w` equal to the byte broadcast in `pattern`.
#[inline]
fn eq_mask(w: u64, pattern: u64) -> u64 {
    let x = w ^ pattern;
    // A byte of x is zero exactly when its high bit is clear here: adding 0x7F to the low
    // seven bits sets the high bit for any non-zero low part, and `| x` catches 0x80.
    !(((x & LOW7) + LOW7) | x) & HIGH
}

/// The 8 bytes at `at` as a little-endian word, a short tail padded with `pad`.
#[inline]
fn word_at(bytes: &[u8], at: usize, pad: u8) -> Option<u64> {
    let rest = bytes.get(at..).filter(|r| !r.is_empty())?;
    Some(match rest.first_chunk::<8>() {
        Some(w) => u64::from_le_bytes(*w),
        None => {
            let mut buf = [pad; 8];
            buf[..rest.len()].copy_from_slice(rest);
            u64::from_le_bytes(buf)
        }
    })
}

/// Where the field `n` fields after the one starting at `pos` starts, on a line of
/// `delimiter`-separated text ending at `\n` or the end of `bytes`; None when the line has
/// fewer fields. Whole words without enough delimiters are skipped by counting bits.
pub fn skip_fields(bytes: &[u8], mut pos: usize, mut n: usize, delimiter: u8) -> Option<usize> {
    let (d, nl) = (ONES * u64::from(delimiter), ONES * u64::from(b'\n'));
    let pad = if delimiter == 0 { 1 } else { 0 };
    while n > 0 {
        let w = word_at(bytes, pos, pad)?;
        let mut md = eq_mask(w, d);
        let mn = eq_mask(w, nl);
        if mn != 0 {
            // Only delimiters before the line's end count.
            md &= (mn & mn.wrapping_neg()) - 1;
        }
        let c = md.count_ones() as usize;
        if c >= n {
            for _ in 1..n {
                md &= md - 1;
            }
            return Some(pos + (md.trailing_zeros() / 8) as usize + 1);
        }
        if mn != 0 {
            return None;
        }
        n -= c;
        pos += 8;
    }
    Some(pos)
}

/// Positions of bytes equal to `a` or `b`, in order.
pub struct Separators<'a> {
    bytes: &'a [u8],
    a: u64,
    b: u64,
    /// A byte equal to neither pattern (pads a short tail).
    pad: u8,
    /// Start of the word whose matches are in `mask`.
    base: usize,
    mask: u64,
}

impl<'a> Separators<'a> {
    pub fn new(bytes: &'a [u8], a: u8, b: u8) -> Self {
        let mut s = Self {
            bytes,
            a: ONES * u64::from(a),
            b: ONES * u64::from(b),
            pad: (0..=255u8).find(|p| *p != a && *p != b).unwrap_or(0),
            base: 0,
            mask: 0,
        };
        s.mask = s.word_mask(0);
        s
    }

    /// Continues the scan from byte `pos` (positions before it are not reported).
    pub fn seek(&mut self, pos: usize) {
        self.base = pos;
        self.mask = self.word_mask(pos);
    }

    fn word_mask(&self, at: usize) -> u64 {
        // A short tail is padded with a byte matching neither pattern.
        let Some(w) = word_at(self.bytes, at, self.pad) else {
            return 0;
        };
        eq_mask(w, self.a) | eq_mask(w, self.b)
    }
}

impl Iterator for Separators<'_> {
    type Item = usize;

    #[inline]
    fn next(&mut self) -> Option<usize> {
        while self.mask == 0 {
            self.base += 8;
            if self.base >= self.bytes.len() {
                return None;
            }
            self.mask = self.word_mask(self.base);
        }
        let pos = self.base + (self.mask.trailing_zeros() / 8) as usize;
        self.mask &= self.mask - 1;
        Some(pos)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Against a byte-by-byte search, on random text with every byte value, every length
    /// and every starting point.
    #[test]
    fn finds_exactly_what_a_byte_loop_finds() {
        let mut rng = crate::model::Rng::new(8);
        for len in 0..200 {
            let bytes: Vec<u8> = (0..len)
                .map(|_| match rng.next_u64() % 4 {
                    0 => b',',
                    1 => b'\n',
                    _ => rng.next_u64() as u8,
                })
                .collect();
            for (a, b) in [(b',', b'\n'), (b'\t', b'\n'), (0x80, 0xFF), (0, 1)] {
                let want: Vec<usize> = (0..len)
                    .filter(|i| bytes[*i] == a || bytes[*i] == b)
                    .collect();
                assert_eq!(Separators::new(&bytes, a, b).collect::<Vec<_>>(), want);
                let from = len / 3;
                let mut s = Separators::new(&bytes, a, b);
                s.seek(from);
                let tail: Vec<usize> = want.iter().copied().filter(|p| *p >= from).collect();
                assert_eq!(s.collect::<Vec<_>>(), tail);
                if b == b'\n' {
                    // skip_fields against walking the separators one by one.
                    for n in 0..6 {
                        let mut pos = Some(from);
                        for _ in 0..n {
                            pos = pos.and_then(|p| {
                                let mut s = Separators::new(&bytes, a, b);
                                s.seek(p);
                                s.next().filter(|q| bytes[*q] == a).map(|q| q + 1)
                            });
                        }
                        if from >= len && n > 0 {
                            pos = None;
                        }
                        assert_eq!(skip_fields(&bytes, from, n, a), pos, "{len} {n}");
                    }
                }
            }
        }
    }
}
