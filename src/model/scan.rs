//! Finding delimiters and line ends in delimited text, many bytes at a time.
//!
//! CSV rows put a separator every few bytes, where a general `memchr2` re-enters its vector
//! loop for every hit; this scanner instead turns each 64-byte block into bit masks of the
//! matching bytes (SSE2 on x86-64, exact SWAR arithmetic elsewhere: no false positives) and
//! walks their set bits.

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

/// Bit masks of the bytes equal to each of `pats` in a 64-byte block (bit i: byte i).
#[cfg(target_arch = "x86_64")]
#[inline]
pub(super) fn block_masks<const N: usize>(block: &[u8; 64], pats: [u8; N]) -> [u64; N] {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_set1_epi8,
    };
    let mut masks = [0u64; N];
    // SAFETY: SSE2 is part of every x86-64 processor (the target's baseline), and each load
    // reads 16 bytes inside `block` (k < 4), unaligned loads being allowed.
    unsafe {
        let wanted = pats.map(|p| _mm_set1_epi8(p as i8));
        for k in 0..4 {
            let v = _mm_loadu_si128(block.as_ptr().add(16 * k).cast::<__m128i>());
            for (m, p) in masks.iter_mut().zip(&wanted) {
                *m |= u64::from(_mm_movemask_epi8(_mm_cmpeq_epi8(v, *p)) as u16) << (16 * k);
            }
        }
    }
    masks
}

#[cfg(not(target_arch = "x86_64"))]
#[inline]
pub(super) fn block_masks<const N: usize>(block: &[u8; 64], pats: [u8; N]) -> [u64; N] {
    block_masks_swar(block, pats)
}

/// [`block_masks`] eight bytes at a time in plain integer arithmetic (other processors).
#[cfg(any(test, not(target_arch = "x86_64")))]
fn block_masks_swar<const N: usize>(block: &[u8; 64], pats: [u8; N]) -> [u64; N] {
    // One bit per byte: the high bits of `eq_mask` gathered into the top byte.
    let gather = |m: u64| ((m >> 7).wrapping_mul(0x0102_0408_1020_4080)) >> 56;
    let mut masks = [0u64; N];
    for (k, w) in block.chunks_exact(8).enumerate() {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(w);
        let w = u64::from_le_bytes(bytes);
        for (m, p) in masks.iter_mut().zip(pats) {
            *m |= gather(eq_mask(w, ONES * u64::from(p))) << (8 * k);
        }
    }
    masks
}

/// What a splitter needs to know about a piece of text: its line ends, and whether it holds
/// a quote or a carriage return.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct LineScan {
    pub newlines: u64,
    pub quote: bool,
    pub cr: bool,
}

/// [`LineScan`] of `bytes`: line ends counted and quotes or carriage returns looked for by
/// memchr's vector loops (AVX2 where the processor has it), which outrun one pass of
/// [`block_masks`] for three bytes at once.
pub fn line_scan(bytes: &[u8]) -> LineScan {
    let newlines = memchr::memchr_iter(b'\n', bytes).count() as u64;
    let (quote, cr) = match memchr::memchr2(b'"', b'\r', bytes) {
        None => (false, false),
        Some(at) => {
            let rest = bytes.get(at..).unwrap_or_default();
            (
                memchr::memchr(b'"', rest).is_some(),
                memchr::memchr(b'\r', rest).is_some(),
            )
        }
    };
    LineScan {
        newlines,
        quote,
        cr,
    }
}

/// Cuts (0 and the end included) after the first line feed at or after every `target` bytes:
/// where text is split into pieces worked on in parallel (rows without quotes; GBK text,
/// whose characters never hold the byte).
pub fn newline_cuts(bytes: &[u8], target: usize) -> Vec<usize> {
    let mut cuts = vec![0usize];
    let mut pos = target;
    while pos < bytes.len() {
        match memchr::memchr(b'\n', bytes.get(pos..).unwrap_or(&[])) {
            Some(off) => {
                let cut = pos + off + 1;
                if cut < bytes.len() {
                    cuts.push(cut);
                }
                pos = cut + target;
            }
            None => break,
        }
    }
    cuts.push(bytes.len());
    cuts.dedup();
    cuts
}

/// How far ahead of a block scan [`prefetch_ahead`] asks for bytes (4M register rows: the
/// quote check 0.30 s on one core without, 0.09 s with; see [`super::memory::prefetch`]).
pub(crate) const PREFETCH_AHEAD: usize = 1024;

/// Asks for the cache line [`PREFETCH_AHEAD`] bytes after `at` (a hint only).
#[inline(always)]
pub(crate) fn prefetch_ahead(bytes: &[u8], at: usize) {
    super::memory::prefetch(bytes, at.saturating_add(PREFETCH_AHEAD));
}

/// Bit i set when byte i lies inside quotes, for `quotes` a mask of quote bytes: the XOR of
/// the quote bits up to and including i (an opening quote counts as inside, a closing one
/// not).
#[inline]
pub(super) fn prefix_xor(mut quotes: u64) -> u64 {
    for shift in [1, 2, 4, 8, 16, 32] {
        quotes ^= quotes << shift;
    }
    quotes
}

/// Positions of bytes equal to `a` or `b`, in order, found 64 bytes at a time; with quotes,
/// only those outside double quotes (see [`super::quotes`]).
pub struct Separators<'a> {
    bytes: &'a [u8],
    a: u8,
    b: u8,
    /// A byte equal to neither pattern nor a quote (pads a short tail).
    pad: u8,
    /// Start of the block whose remaining matches are in `ma` (of `a`) and `mb` (of `b`).
    base: usize,
    ma: u64,
    mb: u64,
    /// Matches inside double quotes are passed over.
    quoted: bool,
    /// All ones when the block after this one starts inside quotes.
    carry: u64,
}

impl<'a> Separators<'a> {
    pub fn new(bytes: &'a [u8], a: u8, b: u8) -> Self {
        Self::with_quotes(bytes, a, b, false)
    }

    /// Matches outside double quotes only, for text whose quotes wrap whole fields
    /// ([`super::quotes::simple_quotes`]); `bytes` starts, and [`Self::seek`] goes, outside quotes.
    pub fn outside_quotes(bytes: &'a [u8], a: u8, b: u8) -> Self {
        Self::with_quotes(bytes, a, b, true)
    }

    /// [`Self::outside_quotes`] for text that starts inside a quoted field.
    pub fn starting_inside_quotes(bytes: &'a [u8], a: u8, b: u8) -> Self {
        let mut s = Self::with_quotes(bytes, a, b, true);
        s.load(0, !0);
        s
    }

    /// [`Self::new`] or [`Self::outside_quotes`].
    pub fn with_quotes(bytes: &'a [u8], a: u8, b: u8, quoted: bool) -> Self {
        let mut s = Self {
            bytes,
            a,
            b,
            pad: (0..=255u8)
                .find(|p| *p != a && *p != b && *p != b'"')
                .unwrap_or(0),
            base: 0,
            ma: 0,
            mb: 0,
            quoted,
            carry: 0,
        };
        s.load(0, 0);
        s
    }

    /// Continues the scan from byte `pos` (positions before it are not reported; with
    /// quotes, `pos` is taken to be outside them).
    pub fn seek(&mut self, pos: usize) {
        self.load(pos, 0);
    }

    /// Loads the block at `at`; `inside`: all ones when it starts inside quotes.
    fn load(&mut self, at: usize, inside: u64) {
        self.base = at;
        prefetch_ahead(self.bytes, at);
        let rest = self.bytes.get(at..).unwrap_or(&[]);
        let [ma, mb, mq] = match rest.first_chunk::<64>() {
            Some(block) => self.masks(block),
            None if rest.is_empty() => [0; 3],
            None => {
                // A short tail is padded with a byte matching neither pattern.
                let mut block = [self.pad; 64];
                block[..rest.len()].copy_from_slice(rest);
                self.masks(&block)
            }
        };
        (self.ma, self.mb) = (ma, mb);
        if self.quoted {
            let within = prefix_xor(mq) ^ inside;
            self.ma &= !within;
            self.mb &= !within;
            self.carry = 0u64.wrapping_sub(within >> 63);
        }
    }

    #[inline]
    fn masks(&self, block: &[u8; 64]) -> [u64; 3] {
        if self.quoted {
            block_masks(block, [self.a, self.b, b'"'])
        } else {
            let [ma, mb] = block_masks(block, [self.a, self.b]);
            [ma, mb, 0]
        }
    }

    /// Moves to the next block holding a match; false at the end of the bytes.
    #[inline]
    fn refill(&mut self) -> bool {
        while self.ma | self.mb == 0 {
            if self.base + 64 >= self.bytes.len() {
                return false;
            }
            self.load(self.base + 64, self.carry);
        }
        true
    }

    /// The next match and whether it is `b`.
    #[inline]
    pub fn next_match(&mut self) -> Option<(usize, bool)> {
        if !self.refill() {
            return None;
        }
        let m = self.ma | self.mb;
        let bit = m & m.wrapping_neg();
        let is_b = self.mb & bit != 0;
        self.ma &= !bit;
        self.mb &= !bit;
        Some((self.base + m.trailing_zeros() as usize, is_b))
    }

    /// The next `b`, passing over any `a` before it (the rest of a row's fields).
    #[inline]
    pub fn next_b(&mut self) -> Option<usize> {
        loop {
            if self.mb != 0 {
                let bit = self.mb & self.mb.wrapping_neg();
                self.mb &= !bit;
                // Matches of `a` up to this one are passed over.
                self.ma &= !(bit | (bit - 1));
                return Some(self.base + bit.trailing_zeros() as usize);
            }
            self.ma = 0;
            if self.base + 64 >= self.bytes.len() {
                return None;
            }
            self.load(self.base + 64, self.carry);
        }
    }
}

impl Iterator for Separators<'_> {
    type Item = usize;

    #[inline]
    fn next(&mut self) -> Option<usize> {
        self.next_match().map(|(p, _)| p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The SSE2 and integer block masks against a byte loop, on random blocks.
    #[test]
    fn block_masks_match_a_byte_loop() {
        let mut rng = crate::model::Rng::new(64);
        for round in 0..2000 {
            let mut block = [0u8; 64];
            for x in &mut block {
                *x = match rng.next_u64() % 3 {
                    0 => b',',
                    1 => b'\n',
                    _ => rng.next_u64() as u8,
                };
            }
            let (a, b) = if round % 2 == 0 {
                (b',', b'\n')
            } else {
                (block[3], block[60])
            };
            let want = |c: u8| {
                (0..64)
                    .filter(|i| block[*i] == c)
                    .fold(0u64, |m, i| m | 1 << i)
            };
            let want = (want(a), want(b));
            assert_eq!(block_masks(&block, [a, b]), [want.0, want.1]);
            assert_eq!(block_masks_swar(&block, [a, b]), [want.0, want.1]);
        }
    }

    /// The one-pass line scan against counting and searching byte by byte.
    #[test]
    fn line_scan_matches_a_byte_loop() {
        let mut rng = crate::model::Rng::new(65);
        for len in 0..400 {
            let bytes: Vec<u8> = (0..len)
                .map(|_| match rng.next_u64() % 40 {
                    0..=5 => b'\n',
                    6 => b'"',
                    7 => b'\r',
                    _ => b'a' + (rng.next_u64() % 26) as u8,
                })
                .collect();
            let want = LineScan {
                newlines: bytes.iter().filter(|b| **b == b'\n').count() as u64,
                quote: bytes.contains(&b'"'),
                cr: bytes.contains(&b'\r'),
            };
            assert_eq!(line_scan(&bytes), want, "{len}");
        }
    }

    /// Against a byte-by-byte search, on random text with every byte value, every length
    /// and every starting point.
    #[test]
    fn finds_exactly_what_a_byte_loop_finds() {
        let mut rng = crate::model::Rng::new(8);
        for len in 0..300 {
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
                let kinds: Vec<(usize, bool)> = want.iter().map(|p| (*p, bytes[*p] == b)).collect();
                let mut s = Separators::new(&bytes, a, b);
                assert_eq!(
                    std::iter::from_fn(|| s.next_match()).collect::<Vec<_>>(),
                    kinds
                );
                // next_b after each match: the first `b` past it.
                for (k, (p, _)) in kinds.iter().enumerate() {
                    let mut s = Separators::new(&bytes, a, b);
                    for _ in 0..=k {
                        s.next_match();
                    }
                    let want_b = kinds[k + 1..].iter().find(|m| m.1).map(|m| m.0);
                    assert_eq!(s.next_b(), want_b, "after {p}");
                    assert_eq!(
                        s.next(),
                        want_b.and_then(|q| want.iter().copied().find(|x| *x > q))
                    );
                }
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
