//! Splitting a CSV body into pieces parsed in parallel, and the physical line numbers of
//! records (for the load report).

use crate::model::quotes::QuoteShape;

/// A piece of a CSV body: its bytes `start..end`, the line number of its first line within
/// the body (1-based), and how many line ends it holds.
pub(super) struct Piece {
    pub(super) start: usize,
    pub(super) end: usize,
    pub(super) first_line: u64,
    pub(super) lines: u64,
    /// Its quotes were checked to wrap whole fields only, and how (default: it has none);
    /// None when not checked.
    pub(super) quotes: Option<QuoteShape>,
}

/// A CSV body cut into pieces to parse in parallel.
pub(super) struct Chunks {
    pub(super) pieces: Vec<Piece>,
    /// No quote and no carriage return anywhere: every piece can take the fast path.
    pub(super) plain: bool,
}

/// Splits the body into about `n` pieces at line ends that are not inside quotes. Each piece
/// is scanned in parallel for its line ends, quotes and carriage returns.
pub(super) fn split_chunks(body: &str, n: usize, delimiter: u8) -> Chunks {
    use rayon::prelude::*;
    let bytes = body.as_bytes();
    if n <= 1 || bytes.len() < 4 << 20 {
        let scan = crate::model::scan::line_scan(bytes);
        return Chunks {
            pieces: vec![Piece {
                start: 0,
                end: bytes.len(),
                first_line: 1,
                lines: scan.newlines,
                quotes: (!scan.quote).then_some(QuoteShape::default()),
            }],
            plain: !scan.quote && !scan.cr,
        };
    }
    let target = bytes.len() / n;
    // Any newline is a record boundary unless the text has quotes.
    let mut cuts = newline_cuts(bytes, target);
    // Per piece: its line ends, whether it has a quote, a carriage return, and how its quotes
    // look (one pass over a piece with quotes, where the shape's check counts the lines).
    let scan = |cuts: &[usize]| -> Vec<(u64, bool, bool, Option<QuoteShape>)> {
        cuts.par_windows(2)
            .map(|w| {
                let piece = bytes.get(w[0]..w[1]).unwrap_or(&[]);
                let (shape, scan) = match memchr::memchr(b'"', piece) {
                    Some(_) => crate::model::quotes::quote_shape_and_lines(piece, delimiter),
                    None => (
                        Some(QuoteShape::default()),
                        crate::model::scan::line_scan(piece),
                    ),
                };
                // A failed check stopped counting: count again.
                let scan = match shape {
                    Some(_) => scan,
                    None => crate::model::scan::line_scan(piece),
                };
                (scan.newlines, scan.quote, scan.cr, shape)
            })
            .collect()
    };
    let mut scanned = scan(&cuts);
    let plain = scanned.iter().all(|s| !s.1 && !s.2);
    // Quotes that only wrap whole fields leave every line end outside them, so the cuts hold;
    // other quotes may hide line ends, and the cuts are found again from the start.
    let all_simple = scanned.iter().all(|s| s.3.is_some());
    if !all_simple {
        cuts = quoted_cuts(bytes, target);
        scanned = scan(&cuts);
    }
    // First line number of each piece = 1 + newlines before it.
    let mut pieces = Vec::with_capacity(cuts.len());
    let mut line = 1u64;
    for (w, (count, quote, _, shape)) in cuts.windows(2).zip(scanned) {
        // After new cuts, a piece's quotes are checked again where it is parsed.
        let checked = match (quote, all_simple) {
            (false, _) => Some(QuoteShape::default()),
            (true, true) => shape,
            (true, false) => None,
        };
        pieces.push(Piece {
            start: w[0],
            end: w[1],
            first_line: line,
            lines: count,
            quotes: checked,
        });
        line += count;
    }
    Chunks { pieces, plain }
}

/// Cuts after the first newline at or after every `target` bytes (text without quotes).
fn newline_cuts(bytes: &[u8], target: usize) -> Vec<usize> {
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

/// Cuts at newlines outside quotes, tracking quote parity from the start.
fn quoted_cuts(bytes: &[u8], target: usize) -> Vec<usize> {
    let mut cuts = vec![0usize];
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
    cuts.push(bytes.len());
    cuts.dedup();
    cuts
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
