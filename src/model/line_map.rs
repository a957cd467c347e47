//! Line starts of one text found in another with the same line feeds in the same order: a
//! GBK/GB18030 file and its decoding, so that rows parsed from the decoded text can be read
//! back from the file's bytes (see `attrs::file_rows`).

/// Line starts of one text found in another with the same line feeds in the same order: a
/// GB18030 file and its decoding (0x0A is never inside a character, and a malformed sequence
/// gives it back as itself). Offsets are asked for in ascending order; each is 0, just after a
/// line feed, or the text's end.
pub struct LineStarts<'a> {
    from: &'a [u8],
    to: &'a [u8],
    /// The last offset asked for, and where it lies in `to`.
    at_from: usize,
    at_to: usize,
    /// The line feeds of `from` and `to` after those two points, walked in step for offsets
    /// a few lines on (one row after another); they count from `base`.
    from_nl: memchr::Memchr<'a>,
    to_nl: memchr::Memchr<'a>,
    base: (usize, usize),
}

impl<'a> LineStarts<'a> {
    /// Offsets further than this past the last one are found by counting whole blocks of line
    /// feeds instead of walking them one by one.
    const FAR: usize = 64 << 10;

    pub fn new(from: &'a [u8], to: &'a [u8]) -> Self {
        Self::resume(from, to, 0, 0)
    }

    /// A mapping that starts from a line start already mapped: `at_from` in `from` lies at
    /// `at_to` in `to` (so pieces of a text map on separate threads).
    pub fn resume(from: &'a [u8], to: &'a [u8], at_from: usize, at_to: usize) -> Self {
        let feeds = |t: &'a [u8], at: usize| memchr::memchr_iter(b'\n', t.get(at..).unwrap_or(&[]));
        Self {
            from,
            to,
            at_from,
            at_to,
            from_nl: feeds(from, at_from),
            to_nl: feeds(to, at_to),
            base: (at_from, at_to),
        }
    }

    /// Where the line start at `offset` of `from` lies in `to`; None when `offset` is not a
    /// line start, is before the last one asked for, or `to` has fewer line feeds.
    pub fn map(&mut self, offset: usize) -> Option<usize> {
        if offset == self.from.len() {
            let lines = memchr::memchr_iter(b'\n', self.from.get(self.at_from..)?).count();
            let rest = memchr::memchr_iter(b'\n', self.to.get(self.at_to..)?).count();
            (lines == rest).then_some(self.to.len())
        } else if offset == self.at_from {
            Some(self.at_to)
        } else if offset < self.at_from || self.from.get(offset - 1) != Some(&b'\n') {
            None
        } else if offset - self.at_from > Self::FAR {
            let lines = memchr::memchr_iter(b'\n', self.from.get(self.at_from..offset)?).count();
            let at = after_lines(self.to, self.at_to, lines)?;
            *self = Self::resume(self.from, self.to, offset, at);
            Some(at)
        } else {
            let (mut p, mut q) = (self.at_from, self.at_to);
            while p < offset {
                p = self.base.0 + self.from_nl.next()? + 1;
                q = self.base.1 + self.to_nl.next()? + 1;
            }
            (p == offset).then_some(())?;
            self.at_from = p;
            self.at_to = q;
            Some(q)
        }
    }
}

/// The line feeds in each of `bytes[0..offsets[0]]`, `bytes[offsets[0]..offsets[1]]`, …
/// summed: how many lie before each of the ascending `offsets`. Counted on all threads.
pub fn lines_before(bytes: &[u8], offsets: &[usize]) -> Option<Vec<usize>> {
    use rayon::prelude::*;
    let counts = (0..offsets.len())
        .into_par_iter()
        .map(|i| {
            let from = if i == 0 { 0 } else { *offsets.get(i - 1)? };
            let part = bytes.get(from..*offsets.get(i)?)?;
            Some(memchr::memchr_iter(b'\n', part).count())
        })
        .collect::<Option<Vec<usize>>>()?;
    Some(
        counts
            .iter()
            .scan(0, |sum, c| {
                *sum += c;
                Some(*sum)
            })
            .collect(),
    )
}

/// Where the line after the `n`th line feed of `bytes` starts, for each of the ascending
/// `lines` (0: the text's start): the line feeds of 64 KB pieces are counted on all threads,
/// and each start is walked to from its piece's.
pub fn starts_after_lines(bytes: &[u8], lines: &[usize]) -> Option<Vec<usize>> {
    use rayon::prelude::*;
    const PIECE: usize = 64 << 10;
    let mut before: Vec<usize> = bytes
        .par_chunks(PIECE)
        .map(|p| memchr::memchr_iter(b'\n', p).count())
        .collect();
    let mut sum = 0;
    for c in &mut before {
        (*c, sum) = (sum, sum + *c);
    }
    lines
        .par_iter()
        .map(|&n| {
            if n == 0 {
                return Some(0);
            }
            // The piece holding the nth line feed: the last with fewer before it.
            let p = before.partition_point(|&b| b < n).checked_sub(1)?;
            after_lines(bytes, p * PIECE, n - before.get(p)?)
        })
        .collect()
}

/// Where the `n`th line after `at` in `bytes` starts (just after the `n`th line feed from
/// `at`); many lines are skipped by counting the line feeds of whole blocks.
fn after_lines(bytes: &[u8], mut at: usize, mut n: usize) -> Option<usize> {
    const BLOCK: usize = 16 << 10;
    while n > 64 {
        let end = at.saturating_add(BLOCK).min(bytes.len());
        let c = memchr::memchr_iter(b'\n', bytes.get(at..end)?).count();
        if c >= n || end == bytes.len() {
            break;
        }
        n -= c;
        at = end;
    }
    for _ in 0..n {
        at += memchr::memchr(b'\n', bytes.get(at..)?)? + 1;
    }
    Some(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Line starts mapped between random GB18030 bytes (malformed sequences cut by line
    /// feeds among them) and their decoding, against decoding the text before each start.
    #[test]
    fn line_starts_map_as_decoding_the_text_before_them() {
        let mut rng = crate::model::Rng::new(18030);
        let gbk = |b: &[u8]| {
            encoding_rs::GBK
                .decode_without_bom_handling(b)
                .0
                .into_owned()
        };
        for _ in 0..300 {
            let len = (rng.next_u64() % 200) as usize;
            let raw: Vec<u8> = (0..len)
                .map(|_| match rng.next_u64() % 6 {
                    0 => b'\n',
                    1 => b'a',
                    2 => 0x81 + (rng.next_u64() % 0x7E) as u8,
                    3 => 0x30 + (rng.next_u64() % 10) as u8,
                    _ => 0x40 + (rng.next_u64() % 0xBF) as u8,
                })
                .collect();
            let dec = gbk(&raw);
            let starts = |t: &[u8]| -> Vec<usize> {
                let mut v = vec![0];
                v.extend(memchr::memchr_iter(b'\n', t).map(|p| p + 1));
                v.push(t.len());
                v.dedup();
                v
            };
            let mut there = LineStarts::new(&raw, dec.as_bytes());
            let mut back = LineStarts::new(dec.as_bytes(), &raw);
            for (s, d) in starts(&raw).into_iter().zip(starts(dec.as_bytes())) {
                assert_eq!(there.map(s), Some(d), "{raw:?}");
                assert_eq!(back.map(d), Some(s), "{raw:?}");
                assert_eq!(gbk(&raw[..s]), dec[..d], "{raw:?}");
            }
            // A few line starts of a long text: many lines skipped at once, from a resumed
            // mapping too.
            let long: Vec<u8> = raw.iter().copied().cycle().take(raw.len() * 1500).collect();
            let long_dec = gbk(&long);
            let (s, d) = (starts(&long), starts(long_dec.as_bytes()));
            let mut m = LineStarts::new(&long, long_dec.as_bytes());
            for (i, k) in (0..s.len()).step_by(1 + len % 500).enumerate() {
                assert_eq!(m.map(s[k]), Some(d[k]));
                if i < 3 {
                    // (Not the text's end, which is found by counting what is left.)
                    let last = s.len().saturating_sub(2).max(k);
                    let mut r = LineStarts::resume(&long, long_dec.as_bytes(), s[k], d[k]);
                    assert_eq!(r.map(s[last]), Some(d[last]));
                }
            }
            // Not a line start, or asked for out of order.
            if let Some(p) = (1..len).find(|&p| raw[p - 1] != b'\n') {
                assert_eq!(LineStarts::new(&raw, dec.as_bytes()).map(p), None);
            }
            if let Some(p) = memchr::memchr(b'\n', &raw).filter(|&p| p + 1 < len) {
                let mut m = LineStarts::new(&raw, dec.as_bytes());
                assert!(m.map(p + 1).is_some());
                assert_eq!(m.map(0), None);
            }
        }
    }

    /// Line feeds before offsets and line starts after counts of them, against a byte loop,
    /// on texts of several 64 KB pieces with long stretches without a line feed.
    #[test]
    fn line_counts_and_starts_match_a_byte_loop() {
        let mut rng = crate::model::Rng::new(10);
        for round in 0..12 {
            let len = 1 + (rng.next_u64() % 400_000) as usize;
            let sparse = 1 + round * 3000;
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    if rng.next_u64().is_multiple_of(sparse as u64) {
                        b'\n'
                    } else {
                        b'x'
                    }
                })
                .collect();
            let starts: Vec<usize> = std::iter::once(0)
                .chain(memchr::memchr_iter(b'\n', &bytes).map(|p| p + 1))
                .collect();
            let picked: Vec<usize> = (0..starts.len())
                .filter(|_| rng.next_u64().is_multiple_of(3))
                .collect();
            let got = starts_after_lines(&bytes, &picked).unwrap();
            let want: Vec<usize> = picked.iter().map(|&n| starts[n]).collect();
            assert_eq!(got, want, "round {round}");
            let offsets: Vec<usize> = want.clone();
            let before: Vec<usize> = offsets
                .iter()
                .map(|&o| bytes[..o].iter().filter(|b| **b == b'\n').count())
                .collect();
            assert_eq!(lines_before(&bytes, &offsets).unwrap(), before);
            assert_eq!(before, picked);
            assert_eq!(starts_after_lines(&bytes, &[starts.len()]), None);
        }
    }
}
