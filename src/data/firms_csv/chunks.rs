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
    /// Pieces the rest of the body is cut into when it is read again from a record (after a
    /// quote never closed, or a piece cut inside a quoted field): as many as the body's.
    pub(super) reread: usize,
}

/// Splits the body into about `n` pieces at line ends that are not inside quotes. Each piece
/// is scanned in parallel for its line ends, quotes and carriage returns.
pub(super) fn split_chunks(body: &str, n: usize, delimiter: u8) -> Chunks {
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
            reread: 1,
        };
    }
    let target = bytes.len() / n;
    // Any newline is a record boundary unless the text has quotes.
    let mut cuts = crate::model::scan::newline_cuts(bytes, target);
    let mut scanned = scan_pieces(bytes, &cuts, delimiter);
    let plain = scanned.iter().all(|s| !s.quote && !s.cr);
    // When every piece's quotes wrap whole fields, the cuts lie outside quotes. Otherwise a
    // cut may lie inside a quoted field that holds line ends, and the cuts are moved past
    // the quotes by their parity (which takes its bearings by the csv crate's rules after a
    // quote inside an unquoted field, text to the csv crate, throws it off).
    if !scanned.iter().all(|s| s.shape.is_some()) {
        let rough = cuts;
        // Pieces whose quotes still do not wrap whole fields after the parity's cuts hold a
        // stray quote, or start inside a quoted field that holds line ends (the parity, thrown
        // off by a stray quote, took a line end inside it for one outside): more than a few,
        // and the text is cut by the csv crate's rules.
        let by_parity = parity_cuts(bytes, &rough, delimiter)
            .map(|cuts| {
                let scanned = scan_pieces(bytes, &cuts, delimiter);
                (cuts, scanned)
            })
            .filter(|(_, scanned)| {
                scanned.iter().filter(|s| s.shape.is_none()).count() <= BEARINGS
            });
        (cuts, scanned) = by_parity.unwrap_or_else(|| {
            let cuts = csv_cuts(bytes, &rough, delimiter);
            let scanned = scan_pieces(bytes, &cuts, delimiter);
            (cuts, scanned)
        });
    }
    Chunks {
        pieces: number_pieces(&cuts, scanned, 1),
        plain,
        reread: n,
    }
}

/// What a scan finds in a piece.
struct Scanned {
    lines: u64,
    quote: bool,
    cr: bool,
    /// How its quotes look (None: they do not wrap whole fields).
    shape: Option<QuoteShape>,
}

/// Per piece between `cuts`, in parallel: its line ends, whether it has a quote or a
/// carriage return, and how its quotes look (one pass over a piece with quotes, where the
/// shape's check counts the lines).
fn scan_pieces(bytes: &[u8], cuts: &[usize], delimiter: u8) -> Vec<Scanned> {
    use rayon::prelude::*;
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
            Scanned {
                lines: scan.newlines,
                quote: scan.quote,
                cr: scan.cr,
                shape: if scan.quote {
                    shape
                } else {
                    Some(QuoteShape::default())
                },
            }
        })
        .collect()
}

/// The pieces between `cuts`, the first on line `first_line` (each next one after the
/// line ends before it).
fn number_pieces(cuts: &[usize], scanned: Vec<Scanned>, first_line: u64) -> Vec<Piece> {
    let mut line = first_line;
    cuts.windows(2)
        .zip(scanned)
        .map(|(w, s)| {
            let piece = Piece {
                start: w[0],
                end: w[1],
                first_line: line,
                lines: s.lines,
                quotes: s.shape,
            };
            line += s.lines;
            piece
        })
        .collect()
}

/// `bytes` (from a record's start, on line `first_line`) cut into about `n` pieces where the
/// csv crate's reader starts records ([`csv_cuts`]), exact whatever the quotes, and scanned
/// in parallel: for a re-read.
pub(super) fn record_pieces(bytes: &[u8], n: usize, delimiter: u8, first_line: u64) -> Vec<Piece> {
    let cuts = if n <= 1 || bytes.len() < 2 {
        vec![0, bytes.len()]
    } else {
        csv_cuts(
            bytes,
            &crate::model::scan::newline_cuts(bytes, (bytes.len() / n).max(1)),
            delimiter,
        )
    };
    let scanned = scan_pieces(bytes, &cuts, delimiter);
    number_pieces(&cuts, scanned, first_line)
}

/// How far a field that seems to hold line ends may run before the quotes' parity is taken
/// to be thrown off by a stray quote (multi-line fields in real tables are far shorter).
const FAR: usize = 1 << 20;

/// How many times [`parity_cuts`] takes its bearings again by the csv crate's rules before
/// the text is left to [`csv_cuts`] (a quote inside an unquoted field in many places).
const BEARINGS: usize = 4;

/// The cuts `rough` (at line ends) moved to line ends outside quotes: a cut after an odd
/// number of quotes lies inside a quoted field, and moves to the first line end outside
/// quotes after it. Quotes are counted piece by piece in parallel. When such a field seems
/// to run on for more than [`FAR`] bytes, a quote inside an unquoted field (`公司"星光,…`,
/// text to the csv crate) has flipped the parity of the rest of the text: the csv crate's
/// rules ([`Field`]) read from the last cut to that rough cut say where a record starts,
/// and the count starts again there. None after more than [`BEARINGS`] such quotes: the
/// whole text is then cut by [`csv_cuts`] (in parallel).
fn parity_cuts(bytes: &[u8], rough: &[usize], delimiter: u8) -> Option<Vec<usize>> {
    use rayon::prelude::*;
    let odd: Vec<bool> = rough
        .par_windows(2)
        .map(|w| {
            let piece = bytes.get(w[0]..w[1]).unwrap_or(&[]);
            memchr::memchr_iter(b'"', piece).count() % 2 == 1
        })
        .collect();
    let mut cuts = vec![0usize];
    // Whether the quotes from the text's start to the current rough cut are odd in number,
    // and to the anchor: the last place known to start a record, where the count restarts.
    let (mut parity, mut anchor_parity) = (false, false);
    let mut anchor = 0usize;
    let mut bearings = 0;
    for (&at, odd) in rough.iter().zip(&odd) {
        // Rough cuts before the anchor lie inside the record that ends there.
        if at >= anchor {
            let cut = if parity != anchor_parity {
                let near = bytes.get(at..(at + FAR).min(bytes.len())).unwrap_or(&[]);
                let nl = crate::model::scan::Separators::starting_inside_quotes(near, b'\n', b'\n')
                    .next();
                match nl {
                    Some(nl) => at + nl + 1,
                    None if at + near.len() < bytes.len() => {
                        bearings += 1;
                        if bearings > BEARINGS {
                            return None;
                        }
                        let from = cuts.last().copied().unwrap_or(0);
                        let state = Field::Start.after(bytes.get(from..at)?, delimiter);
                        anchor = match state {
                            Field::Start => at,
                            _ => Field::Quoted
                                .walk(bytes.get(at..)?, delimiter, true)
                                .1
                                .map_or(bytes.len(), |end| at + end),
                        };
                        let between = bytes.get(at..anchor)?;
                        anchor_parity =
                            parity ^ (memchr::memchr_iter(b'"', between).count() % 2 == 1);
                        anchor
                    }
                    None => bytes.len(),
                }
            } else {
                at
            };
            if cut > cuts.last().copied().unwrap_or(0) && cut < bytes.len() {
                cuts.push(cut);
            }
        }
        parity ^= *odd;
    }
    cuts.push(bytes.len());
    cuts.dedup();
    Some(cuts)
}

/// Where the csv crate's reader is in a record: a quote opens a field only at the field's
/// start; inside it, two quotes are one and a lone quote closes it; after that, and in a
/// field that did not start with a quote, quotes are text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Field {
    #[default]
    Start,
    Plain,
    Quoted,
    Closing,
}

impl Field {
    fn step(self, b: u8, delimiter: u8) -> Self {
        match (self, b) {
            (Field::Quoted, b'"') => Field::Closing,
            (Field::Quoted, _) => Field::Quoted,
            (Field::Closing | Field::Start, b'"') => Field::Quoted,
            (_, b'\n' | b'\r') => Field::Start,
            (_, d) if d == delimiter => Field::Start,
            _ => Field::Plain,
        }
    }

    /// The state after `bytes`, starting in this one.
    fn after(self, bytes: &[u8], delimiter: u8) -> Self {
        self.walk(bytes, delimiter, false).0
    }

    /// Follows the reader through `bytes` from this state: the state after them, or with
    /// `stop`, the state and index just after the first line end where a record starts.
    /// Only quotes (and with `stop`, line ends) need a look, found with `memchr`: inside a
    /// quoted field the next quote closes it; outside, a quote opens a field only where the
    /// byte before it ends a field, and the state after plain text is fixed by its last byte.
    fn walk(self, bytes: &[u8], delimiter: u8, stop: bool) -> (Self, Option<usize>) {
        // The state after a byte outside quotes that is not a quote.
        let outside = |c: u8| {
            if c == b'\n' || c == b'\r' || c == delimiter {
                Field::Start
            } else {
                Field::Plain
            }
        };
        let mut state = self;
        let mut i = 0;
        while let Some(rest) = bytes.get(i..).filter(|r| !r.is_empty()) {
            let next = match state {
                Field::Quoted => memchr::memchr(b'"', rest),
                Field::Closing => Some(0),
                Field::Start | Field::Plain if stop => memchr::memchr2(b'"', b'\n', rest),
                Field::Start | Field::Plain => memchr::memchr(b'"', rest),
            };
            let Some(k) = next else {
                return match (state, rest.last()) {
                    (Field::Start | Field::Plain, Some(&c)) => (outside(c), None),
                    _ => (state, None),
                };
            };
            let p = i + k;
            // Plain text before `p`: its last byte sets the state.
            if k > 0 && state != Field::Quoted {
                state = outside(bytes.get(p - 1).copied().unwrap_or(b'\n'));
            }
            let b = bytes.get(p).copied().unwrap_or(b'"');
            state = state.step(b, delimiter);
            i = p + 1;
            if stop && b == b'\n' && state == Field::Start {
                return (state, Some(i));
            }
        }
        (state, None)
    }
}

/// Whether the csv crate's reader, starting a record at `bytes[start]`, is still inside a
/// quoted field at the end of `bytes` (a piece cut inside one ends so).
pub(super) fn ends_in_quotes(bytes: &[u8], start: usize, delimiter: u8) -> bool {
    Field::Start.after(bytes.get(start..).unwrap_or(&[]), delimiter) == Field::Quoted
}

/// Where the record that runs to the end of `bytes` (which start a record) inside a quoted
/// field starts, by the csv crate's rules: a quote it opens is never closed. None when
/// `bytes` end outside quotes.
pub(super) fn open_tail(bytes: &[u8], delimiter: u8) -> Option<usize> {
    let mut start = 0;
    loop {
        match Field::Start.walk(bytes.get(start..)?, delimiter, true) {
            (_, Some(end)) => start += end,
            (Field::Quoted, None) => return Some(start),
            _ => return None,
        }
    }
}

/// The end of the first record of a growing text that starts at a record's start, by the
/// csv crate's rules ([`Field`]): just after the first line end where its reader starts a
/// record. Each call reads on from where the last stopped (a quoted field is skipped to its
/// next quote).
#[derive(Debug, Default)]
pub(super) struct RecordEnd {
    at: usize,
    state: Field,
}

impl RecordEnd {
    /// The first record's end in `bytes` (which extends the text of the previous calls), or
    /// None when it runs on past them.
    pub(super) fn find(&mut self, bytes: &[u8], delimiter: u8) -> Option<usize> {
        let rest = bytes.get(self.at..).unwrap_or(&[]);
        let (state, end) = self.state.walk(rest, delimiter, true);
        self.state = state;
        match end {
            Some(e) => {
                self.at += e;
                Some(self.at)
            }
            None => {
                self.at = bytes.len();
                None
            }
        }
    }
}

/// The cuts `rough` (at line ends) moved to line ends where the csv crate's reader starts a
/// record ([`Field`]): each piece is read from both states a line end can leave the reader
/// in (a record's start, or inside a quoted field) in parallel, and the states are chained
/// in order. A byte at a time, so only for text whose quotes' parity is thrown off.
fn csv_cuts(bytes: &[u8], rough: &[usize], delimiter: u8) -> Vec<usize> {
    use rayon::prelude::*;
    let ends: Vec<(Field, Field)> = rough
        .par_windows(2)
        .map(|w| {
            let piece = bytes.get(w[0]..w[1]).unwrap_or(&[]);
            (
                Field::Start.after(piece, delimiter),
                Field::Quoted.after(piece, delimiter),
            )
        })
        .collect();
    let mut cuts = vec![0usize];
    // A rough cut follows a line end: the reader is at a record's start or in quotes.
    let mut quoted = false;
    // How far the last search for a record's start went: a rough cut before it, inside
    // quotes, lies on that search's way, so the search would end at the same place (after a
    // quote never closed, each would otherwise read to the end of the file).
    let mut reach = 0usize;
    for (&at, (from_start, from_quoted)) in rough.iter().zip(&ends) {
        let cut = if quoted && at < reach {
            reach
        } else if quoted {
            // The first line end after which a record starts.
            let rest = bytes.get(at..).unwrap_or(&[]);
            Field::Quoted
                .walk(rest, delimiter, true)
                .1
                .map_or(bytes.len(), |end| at + end)
        } else {
            at
        };
        reach = reach.max(cut);
        if cut > cuts.last().copied().unwrap_or(0) && cut < bytes.len() {
            cuts.push(cut);
        }
        let end = if quoted { from_quoted } else { from_start };
        quoted = *end != Field::Start;
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

#[cfg(test)]
mod tests;
