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
    // When every piece's quotes wrap whole fields, the cuts lie outside quotes. Otherwise a
    // cut may lie inside a quoted field that holds line ends, and the cuts are moved past
    // the quotes by their parity; if a field then seems to run on too far, a quote inside an
    // unquoted field (text to the csv crate) threw the parity off, and the csv crate's own
    // rules cut the text.
    if !scanned.iter().all(|s| s.3.is_some()) {
        cuts = parity_cuts(bytes, &cuts, delimiter)
            .unwrap_or_else(|| csv_cuts(bytes, &cuts, delimiter));
        scanned = scan(&cuts);
    }
    // First line number of each piece = 1 + newlines before it.
    let mut pieces = Vec::with_capacity(cuts.len());
    let mut line = 1u64;
    for (w, (count, quote, _, shape)) in cuts.windows(2).zip(scanned) {
        pieces.push(Piece {
            start: w[0],
            end: w[1],
            first_line: line,
            lines: count,
            quotes: if quote {
                shape
            } else {
                Some(QuoteShape::default())
            },
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
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Field {
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
    /// `stop`, the state and index just after the first line end where a record starts. A
    /// quoted field is skipped to its next quote, and an unquoted one to its next delimiter
    /// or line end (the quotes in it are text), with `memchr`.
    fn walk(self, bytes: &[u8], delimiter: u8, stop: bool) -> (Self, Option<usize>) {
        let mut state = self;
        let mut i = 0;
        while let Some(&b) = bytes.get(i) {
            let rest = bytes.get(i..).unwrap_or(&[]);
            let skip = match state {
                Field::Quoted => memchr::memchr(b'"', rest),
                Field::Plain => memchr::memchr3(delimiter, b'\n', b'\r', rest),
                Field::Start | Field::Closing => Some(0),
            };
            let Some(skip) = skip else {
                return (state, None);
            };
            i += skip;
            let b = bytes.get(i).copied().unwrap_or(b);
            state = state.step(b, delimiter);
            i += 1;
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

/// The end of the first record of a growing text that starts at a record's start, by the
/// csv crate's rules ([`Field`]): just after the first line end where its reader starts a
/// record. Each call reads on from where the last stopped (a quoted field is skipped to its
/// next quote).
#[derive(Debug)]
pub(super) struct RecordEnd {
    at: usize,
    state: Field,
}

impl Default for RecordEnd {
    fn default() -> Self {
        Self {
            at: 0,
            state: Field::Start,
        }
    }
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
mod tests {
    use super::*;

    /// Rows whose quoted notes span many lines, so rough cuts fall inside quotes: every cut
    /// moves to a line end outside quotes (by an independent count of the quotes before it),
    /// some cuts did move, every piece passes the quote check as multi-line, and the pieces'
    /// line counts add up to the text's.
    #[test]
    fn cuts_inside_quoted_line_ends_move_past_them() {
        let mut text = String::new();
        for k in 0..30_000 {
            let note: String = (0..k % 40).map(|j| format!("第{j}行, 说明\n")).collect();
            text.push_str(&format!("F{k},\"{note}\",114.{k:05},22.5\n"));
        }
        assert!(text.len() > 4 << 20);
        let bytes = text.as_bytes();
        let chunks = split_chunks(&text, 16, b',');
        let rough = newline_cuts(bytes, bytes.len() / 16);
        let starts: Vec<usize> = chunks.pieces.iter().map(|p| p.start).collect();
        assert!(starts.iter().any(|s| !rough.contains(s)), "no cut moved");
        for p in &chunks.pieces {
            let before = bytes[..p.start].iter().filter(|b| **b == b'"').count();
            assert!(before % 2 == 0, "cut at {} inside quotes", p.start);
            assert!(p.start == 0 || bytes[p.start - 1] == b'\n');
            let shape = p.quotes.expect("quotes wrap whole fields");
            assert!(shape.multiline || p.end - p.start < 2_000);
        }
        let lines: u64 = chunks.pieces.iter().map(|p| p.lines).sum();
        assert_eq!(lines, bytecount(bytes, b'\n'));
        assert!(chunks.pieces.len() > 8);
    }

    /// Register rows with quoted addresses and notes, where one name holds a quote in the
    /// middle of an unquoted field (text to the csv crate; it flips the quotes' parity of the
    /// rest): the body is still cut into many pieces, and every cut is where the csv crate
    /// starts a record (the oracle: its records' positions).
    #[test]
    fn a_stray_quote_inside_a_field_leaves_the_cuts_where_records_start() {
        let mut text = String::new();
        for k in 0..60_000 {
            let name = if k == 7 {
                format!("示例\"星光科技{k}")
            } else {
                format!("示例科技{k}")
            };
            let note = if k % 1000 == 999 {
                "第一行, 第二行"
            } else {
                "无"
            };
            text.push_str(&format!(
                "{k},{name},\"深圳市南山区示例路 {k} 号, 3楼\",114.{k:05},22.5,\"{note}\"\n"
            ));
        }
        assert!(text.len() > 4 << 20);
        let chunks = split_chunks(&text, 16, b',');
        assert!(chunks.pieces.len() > 8, "{} pieces", chunks.pieces.len());
        let starts = record_starts(&text);
        assert_eq!(starts.len(), 60_000);
        assert_cuts_start_records(&chunks, &starts);
        let lines: u64 = chunks.pieces.iter().map(|p| p.lines).sum();
        assert_eq!(lines, bytecount(text.as_bytes(), b'\n'));
    }

    /// One stray quote: the parity's cuts take their bearings again after it (all at record
    /// starts); a stray quote every 40,000 rows (3 MB, so the parity's search past each runs
    /// beyond [`FAR`]): more than
    /// [`BEARINGS`], and the text is cut by the csv crate's rules instead, again at record
    /// starts.
    #[test]
    fn stray_quotes_are_read_past_by_taking_bearings_or_by_the_csv_rules() {
        for (every, by_parity) in [(usize::MAX, true), (40_000, false)] {
            let mut text = String::new();
            for k in 0..300_000 {
                let q = if k % every == 7 { "\"" } else { "" };
                text.push_str(&format!(
                    "{k},示例{q}科技{k},\"深圳市南山区示例路 {k} 号, 3楼\",114.{k:05},22.5\n"
                ));
            }
            let bytes = text.as_bytes();
            let rough = newline_cuts(bytes, bytes.len() / 16);
            let cuts = parity_cuts(bytes, &rough, b',');
            assert_eq!(cuts.is_some(), by_parity, "every {every}");
            let starts = record_starts(&text);
            for cut in cuts.iter().flatten() {
                assert!(
                    *cut == bytes.len() || starts.contains(&(*cut as u64)),
                    "{cut}"
                );
            }
            let chunks = split_chunks(&text, 16, b',');
            assert!(chunks.pieces.len() > 8, "{} pieces", chunks.pieces.len());
            assert_cuts_start_records(&chunks, &starts);
        }
    }

    /// A quote that opens a field and is never closed, a third of the way into rows without
    /// quotes: the csv crate reads the rest as one field, so every cut lies before it (the
    /// oracle: its records' positions), and the cuts before it are kept.
    #[test]
    fn after_a_quote_never_closed_no_cut_is_made() {
        let mut text = String::new();
        for k in 0..120_000 {
            let q = if k == 40_000 { "\"" } else { "" };
            text.push_str(&format!("{k},{q}示例科技{k},114.{k:05},22.5,无\n"));
        }
        assert!(text.len() > 4 << 20);
        let chunks = split_chunks(&text, 16, b',');
        let starts = record_starts(&text);
        assert_eq!(starts.len(), 40_001);
        assert!(chunks.pieces.len() >= 4, "{} pieces", chunks.pieces.len());
        assert_cuts_start_records(&chunks, &starts);
    }

    /// [`RecordEnd`], fed random rows (stray quotes, quoted line ends, doubled quotes, quotes
    /// never closed) from each record start on in random steps, finds where the csv crate,
    /// reading the text whole, starts the next record (the oracle).
    #[test]
    fn record_ends_are_where_the_csv_crate_starts_records() {
        let mut rng = crate::model::Rng::new(71);
        let mut checked = 0;
        for round in 0..300 {
            let mut text = String::new();
            for k in 0..(5 + round % 40) {
                text.push_str(&super::super::test_rows::random_row(&mut rng, k));
            }
            // A last row without a line end: its start is a record start when outside quotes.
            text.push_str("Z,z");
            // The csv crate places a record after blank lines at the blank lines' start: a line
            // end among them also ends a record.
            let bytes = text.as_bytes();
            let mut sorted: Vec<usize> = Vec::new();
            for s in record_starts(&text) {
                let mut at = s as usize;
                sorted.push(at);
                while matches!(bytes.get(at), Some(b'\n' | b'\r')) {
                    at += 1;
                    if bytes[at - 1] == b'\n' {
                        sorted.push(at);
                    }
                }
            }
            sorted.sort_unstable();
            sorted.dedup();
            for pair in sorted.windows(2) {
                let (from, want) = (pair[0], pair[1]);
                let rest = &text.as_bytes()[from..];
                let mut end = RecordEnd::default();
                let mut len = 0;
                let got = loop {
                    len = (len + 1 + (rng.next_u64() % 50) as usize).min(rest.len());
                    if let Some(e) = end.find(&rest[..len], b',') {
                        break Some(from + e);
                    }
                    if len == rest.len() {
                        break None;
                    }
                };
                assert_eq!(got, Some(want), "round {round}, from {from} in {text:?}");
                checked += 1;
            }
            // The last record runs to the end: no end is found.
            let last = sorted.last().copied().unwrap_or(0);
            let tail = &text.as_bytes()[last..];
            assert_eq!(RecordEnd::default().find(tail, b','), None, "round {round}");
        }
        assert!(checked > 3000, "{checked}");
    }

    /// The skipping walk ends in the state that stepping byte by byte reaches, from every
    /// state, on random text of quotes, delimiters, line ends and letters; with `stop`, at the
    /// first line end where stepping starts a record.
    #[test]
    fn the_walk_steps_as_byte_by_byte() {
        let mut rng = crate::model::Rng::new(5);
        for _ in 0..20_000 {
            let len = (rng.next_u64() % 40) as usize;
            let bytes: Vec<u8> = (0..len)
                .map(|_| b"\",;\n\rab"[(rng.next_u64() % 7) as usize])
                .collect();
            let delimiter = if rng.next_u64().is_multiple_of(2) { b',' } else { b';' };
            for from in [Field::Start, Field::Plain, Field::Quoted, Field::Closing] {
                let by_byte = bytes.iter().fold(from, |s, b| s.step(*b, delimiter));
                assert_eq!(
                    from.after(&bytes, delimiter),
                    by_byte,
                    "{bytes:?} from {from:?}"
                );
                let mut state = from;
                let first_end = bytes.iter().position(|b| {
                    state = state.step(*b, delimiter);
                    *b == b'\n' && state == Field::Start
                });
                let (_, end) = from.walk(&bytes, delimiter, true);
                assert_eq!(end, first_end.map(|e| e + 1), "{bytes:?} from {from:?}");
            }
        }
    }

    /// Where the csv crate, reading `text` whole, starts each record (the oracle for cuts).
    fn record_starts(text: &str) -> std::collections::HashSet<u64> {
        csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes())
            .byte_records()
            .map(|r| r.unwrap().position().unwrap().byte())
            .collect()
    }

    fn assert_cuts_start_records(chunks: &Chunks, starts: &std::collections::HashSet<u64>) {
        for p in &chunks.pieces {
            assert!(starts.contains(&(p.start as u64)), "cut at {}", p.start);
        }
    }

    fn bytecount(bytes: &[u8], b: u8) -> u64 {
        bytes.iter().filter(|c| **c == b).count() as u64
    }
}
