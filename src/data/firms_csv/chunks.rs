//! Splitting a CSV body into pieces parsed in parallel, and the physical line numbers of
//! records (for the load report).

/// Splits the body into about `n` pieces at line ends that are not inside quotes; returns
/// (start, end, first line number within the body, 1-based).
pub(super) fn split_chunks(body: &str, n: usize) -> Vec<(usize, usize, u64)> {
    let bytes = body.as_bytes();
    if n <= 1 || bytes.len() < 4 << 20 {
        return vec![(0, bytes.len(), 1)];
    }
    let target = bytes.len() / n;
    let mut cuts = vec![0usize];
    if memchr::memchr(b'"', bytes).is_none() {
        // No quotes: any newline is a record boundary.
        let mut pos = target;
        while pos < bytes.len() {
            match memchr::memchr(b'\n', &bytes[pos..]) {
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
    } else {
        // Track quote parity so a newline inside a quoted field is never a cut.
        let mut in_quotes = false;
        let mut next = target;
        for (i, b) in bytes.iter().enumerate() {
            match b {
                b'"' => in_quotes = !in_quotes,
                b'\n' if !in_quotes && i >= next && i + 1 < bytes.len() => {
                    cuts.push(i + 1);
                    next = i + 1 + target;
                }
                _ => {}
            }
        }
    }
    cuts.push(bytes.len());
    cuts.dedup();
    // First line number of each chunk = 1 + newlines before it (counted in parallel).
    let newlines: Vec<u64> = {
        use rayon::prelude::*;
        cuts.par_windows(2)
            .map(|w| memchr::memchr_iter(b'\n', &bytes[w[0]..w[1]]).count() as u64)
            .collect()
    };
    let mut out = Vec::with_capacity(cuts.len());
    let mut line = 1u64;
    for (w, count) in cuts.windows(2).zip(newlines) {
        out.push((w[0], w[1], line));
        line += count;
    }
    out
}

/// Physical line numbers (as an editor shows them) for csv records, from byte offsets: the
/// csv crate's own line count lags after blank lines and with CRLF endings.
pub(crate) struct LineCounter<'a> {
    bytes: &'a [u8],
    counted_to: usize,
    line: u64,
}

impl<'a> LineCounter<'a> {
    /// `first_line` is the line number of `bytes[0]`.
    pub(crate) fn new(bytes: &'a [u8], first_line: u64) -> Self {
        Self {
            bytes,
            counted_to: 0,
            line: first_line,
        }
    }

    /// The line of the record the csv crate places at `byte` (where the previous record
    /// ended; blank lines in between are skipped). Offsets must not go backwards.
    pub(crate) fn line_at(&mut self, byte: Option<u64>) -> u64 {
        let mut b = byte
            .map(|b| (b as usize).min(self.bytes.len()))
            .unwrap_or(self.counted_to);
        while b < self.bytes.len() && (self.bytes[b] == b'\n' || self.bytes[b] == b'\r') {
            b += 1;
        }
        if b >= self.counted_to {
            self.line += self.bytes[self.counted_to..b]
                .iter()
                .filter(|c| **c == b'\n')
                .count() as u64;
            self.counted_to = b;
        }
        self.line
    }
}
