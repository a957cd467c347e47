//! Quotes in delimited text: whether they only wrap whole fields (so lines split in place,
//! outside quotes), and the fields of such lines with their quotes undone.

use super::scan::{LineScan, Separators, block_masks, prefetch_ahead, prefix_xor};
pub use backslash::{double_backslash_quotes, is_break as backslash_is_break, unescaped_quotes};
pub use undone::UndoneRow;

mod backslash;
mod undone;

/// True when every quote in `bytes` (delimited text, lines ending at `\n`) only wraps a whole
/// field: it opens at a field's start and closes at its end; inside, quotes come in doubled
/// pairs (`""`, one quote), and delimiters and line ends are allowed
/// ([`QuoteShape::multiline`]). Such text splits at every delimiter and line end outside
/// quotes ([`Separators::outside_quotes`]); the fields lose their outer quotes, and doubled
/// ones are undone ([`QuoteShape::escaped`]). (What spreadsheet, database and pandas exports
/// write: `"S0001","示例""星光""企业","深圳市南山区, 3 楼",114.05,22.54`.)
///
/// Excel's text guard is allowed too: a field that is `="…"` with no quote, delimiter or line
/// end inside (`="114.05"`, as registers that guard every cell write). Its quotes are the
/// field's own text, as the csv crate and pandas read them; they split nothing, as they hold
/// no delimiter.
pub fn simple_quotes(bytes: &[u8], delimiter: u8) -> bool {
    quote_shape(bytes, delimiter).is_some()
}

/// How the quotes of text that passes [`simple_quotes`] look.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct QuoteShape {
    /// Some quoted field holds a doubled quote (its text needs undoing).
    pub escaped: bool,
    /// Some quoted field holds a line end or carriage return: a row may span lines.
    pub multiline: bool,
}

/// [`simple_quotes`], telling whether doubled quotes occur; None when it fails.
pub fn quote_shape(bytes: &[u8], delimiter: u8) -> Option<QuoteShape> {
    quote_shape_and_lines(bytes, delimiter).0
}

/// [`quote_shape`] and, in the same pass, the text's line ends and whether it holds a
/// carriage return ([`LineScan`], its `quote` true); the scan stops, and its counts mean
/// nothing, where the shape fails.
pub fn quote_shape_and_lines(bytes: &[u8], delimiter: u8) -> (Option<QuoteShape>, LineScan) {
    let mut lines = LineScan {
        quote: true,
        ..LineScan::default()
    };
    // 64 bytes at a time: the quotes' parity marks what lies inside them (a doubled quote
    // closes and reopens). A short tail is padded with delimiters, as the end of the text
    // ends a field.
    let mut inside_carry = 0u64;
    // Bit 0: the byte before the block ends a field (the start of the text does) or closes
    // a quote (then a quote here is the second of a doubled pair).
    let mut may_open = 1u64;
    // The previous block's last byte closed a quote: this block's first byte must end the
    // field or reopen the quote.
    let mut closed_at_edge = false;
    let mut guard = GuardCarry::default();
    let (mut escaped, mut multiline) = (false, false);
    for (i, block) in bytes.chunks(64).enumerate() {
        prefetch_ahead(bytes, i * 64);
        let full = match block.first_chunk::<64>() {
            Some(b) => *b,
            None => {
                let mut b = [delimiter; 64];
                b[..block.len()].copy_from_slice(block);
                b
            }
        };
        let [q, d, n, r, e] = block_masks(&full, [b'"', delimiter, b'\n', b'\r', b'=']);
        lines.newlines += u64::from(n.count_ones());
        lines.cr |= r != 0;
        let inside = prefix_xor(q) ^ inside_carry;
        let (open, close) = (q & inside, q & !inside);
        let Some(guard_open) = guard.block([open, close, inside, d | n, r, e]) else {
            return (None, lines);
        };
        // Opens at a field's start, right after a close (a doubled pair) or after a guard's
        // `=`; closes before a field's end or right before an open.
        let opens_ok = ((d | n | close) << 1) | may_open | guard_open;
        let closes_ok = (d | n | r | open) >> 1;
        escaped |= close & (open >> 1) != 0 || (closed_at_edge && open & 1 != 0);
        multiline |= (n | r) & inside != 0;
        if open & !opens_ok != 0
            || close & !closes_ok & !(1 << 63) != 0
            || (closed_at_edge && (d | n | r | open) & 1 == 0)
        {
            return (None, lines);
        }
        closed_at_edge = close >> 63 == 1;
        inside_carry = 0u64.wrapping_sub(inside >> 63);
        may_open = (d | n | close) >> 63;
    }
    let shape = QuoteShape { escaped, multiline };
    ((inside_carry == 0).then_some(shape), lines)
}

/// Excel's text guards (`="…"`) met so far by [`quote_shape_and_lines`], 64 bytes at a time.
struct GuardCarry {
    /// The previous block's last byte ends a field (the start of the text does).
    field_end: u64,
    /// The previous block's last byte is a guard's `=` at a field's start.
    equals: u64,
    /// The previous block ends inside a guard's quotes (1), to carry into the next.
    inside: u64,
    /// The previous block's last byte closed a guard: the next must end the field.
    closed: bool,
}

impl Default for GuardCarry {
    fn default() -> Self {
        Self {
            field_end: 1,
            equals: 0,
            inside: 0,
            closed: false,
        }
    }
}

impl GuardCarry {
    /// One block's guards, from its masks (quotes that open and close, bits inside quotes,
    /// field ends, carriage returns, `=`): the quotes that open a guard, or None where a
    /// guard holds a delimiter or line end, or its closing quote does not end the field.
    #[inline]
    fn block(&mut self, [open, close, inside, ends, r, e]: [u64; 6]) -> Option<u64> {
        let equals = e & ((ends << 1) | self.field_end);
        let opens = open & ((equals << 1) | self.equals);
        // Adding each guard's opening bit to `inside` carries through its quoted run and
        // clears it (the run's closing quote is outside, so the carry stops there).
        let (sum, c1) = inside.overflowing_add(opens);
        let (sum, c2) = sum.overflowing_add(self.inside);
        let guarded = inside & !sum;
        let closes = close & ((guarded << 1) | self.inside);
        let field_ends = ends | r;
        let bad = guarded & field_ends != 0
            || closes & !(field_ends >> 1) & !(1 << 63) != 0
            || (self.closed && field_ends & 1 == 0);
        self.field_end = ends >> 63;
        self.equals = equals >> 63;
        self.inside = u64::from(c1 | c2);
        self.closed = closes >> 63 == 1;
        (!bad).then_some(opens)
    }
}

/// A field of a line row without the quotes around it: rows read from their lines admit
/// quotes only around a whole field (doubled quotes inside are undone by
/// [`unescape_field`]).
#[inline]
pub fn unquote_field(f: &str) -> &str {
    match f.strip_prefix('"').and_then(|g| g.strip_suffix('"')) {
        Some(inner) => inner,
        None => f,
    }
}

/// [`unquote_field`] with doubled quotes inside undone (only a field that was quoted and
/// holds them is copied).
pub fn unescape_field(f: &str) -> std::borrow::Cow<'_, str> {
    let inner = unquote_field(f);
    if inner.len() < f.len() && inner.contains("\"\"") {
        inner.replace("\"\"", "\"").into()
    } else {
        inner.into()
    }
}

/// Whether a row of text that passes [`simple_quotes`] holds a doubled quote inside a quoted
/// field (a quote right after a closing one), so its fields need [`unescape_field`]; an
/// empty quoted field (`""`) is not one.
pub fn has_escaped_quote(row: &[u8]) -> bool {
    let mut inside = false;
    let mut after_close = usize::MAX;
    for q in memchr::memchr_iter(b'"', row) {
        if inside {
            inside = false;
            after_close = q + 1;
        } else if q == after_close {
            return true;
        } else {
            inside = true;
        }
    }
    false
}

/// The fields of one row (no line end in it outside quotes), split at `delimiter`, outside
/// double quotes when `quoted` (quotes kept; see [`simple_quotes`]).
pub fn split_fields(line: &str, delimiter: u8, quoted: bool) -> impl Iterator<Item = &str> {
    let bytes = line.as_bytes();
    let mut seps = Separators::with_quotes(bytes, delimiter, b'\n', quoted);
    let mut from = Some(0);
    std::iter::from_fn(move || {
        let f = from?;
        let to = match seps.next() {
            Some(at) => {
                from = Some(at + 1);
                at
            }
            None => {
                from = None;
                bytes.len()
            }
        };
        Some(line.get(f..to).unwrap_or(""))
    })
}

/// [`super::scan::skip_fields`] on text whose quotes wrap whole fields: delimiters inside quotes do not
/// count. `pos` must be at a field's start.
pub fn skip_fields_quoted(bytes: &[u8], pos: usize, n: usize, delimiter: u8) -> Option<usize> {
    let rest = bytes.get(pos..)?;
    let mut seps = Separators::outside_quotes(rest, delimiter, b'\n');
    let mut to = pos;
    for _ in 0..n {
        match seps.next_match()? {
            (at, false) => to = pos + at + 1,
            (_, true) => return None,
        }
    }
    Some(to)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Simple quoting against its definition walked field by field, record by record: None
    /// when the text breaks it, else whether a quoted field holds a doubled quote and whether
    /// one holds a line end or carriage return.
    fn quote_shape_oracle(text: &str) -> Option<(bool, bool)> {
        let b = text.as_bytes();
        let (mut escaped, mut multiline) = (false, false);
        let mut i = 0;
        // At a field's start.
        while i < b.len() {
            if b[i] == b'"' {
                // The closing quote is the first one not doubled.
                let mut k = i + 1;
                loop {
                    match b.get(k) {
                        None => return None,
                        Some(b'"') if b.get(k + 1) == Some(&b'"') => {
                            escaped = true;
                            k += 2;
                        }
                        Some(b'"') => break,
                        Some(b'\n' | b'\r') => {
                            multiline = true;
                            k += 1;
                        }
                        Some(_) => k += 1,
                    }
                }
                i = k + 1;
                // The field must end right after its closing quote.
                match b.get(i) {
                    None | Some(b',' | b'\n' | b'\r') => {}
                    Some(_) => return None,
                }
            } else if b[i..].starts_with(b"=\"") {
                // Excel's guard: `="…"` holding no delimiter or line end, then the field ends.
                let k = i + 2 + b[i + 2..].iter().position(|&c| c == b'"')?;
                if b[i + 2..k]
                    .iter()
                    .any(|c| matches!(c, b',' | b'\n' | b'\r'))
                {
                    return None;
                }
                i = k + 1;
                match b.get(i) {
                    None | Some(b',' | b'\n' | b'\r') => {}
                    Some(_) => return None,
                }
            } else {
                let end = b[i..]
                    .iter()
                    .position(|c| matches!(c, b',' | b'\n' | b'\r'))
                    .map_or(b.len(), |p| i + p);
                if b[i..end].contains(&b'"') {
                    return None;
                }
                i = end;
            }
            // At the field's end: a delimiter or a line end (`\r\n` or `\n`) starts the next.
            match b.get(i) {
                None => break,
                Some(b'\r') if b.get(i + 1) == Some(&b'\n') => i += 2,
                Some(_) => i += 1,
            }
        }
        Some((escaped, multiline))
    }

    #[test]
    fn simple_quotes_match_a_field_by_field_check() {
        let mut rng = crate::model::Rng::new(66);
        let atoms = [
            "\"",
            "a",
            ",",
            "\n",
            "\"x\"",
            "\r\n",
            "\"\"",
            "1",
            "\"a,b\"",
            "\"a\"\"b\"",
            "\"a\nb\"",
            "\"c\r\n\"",
            "=\"7\"",
            "=",
            "=\"\"",
            "=\"",
            "=\"a,b\"",
            "=\"l\ni\"",
        ];
        let (mut with_delimiter_inside, mut escaped, mut multiline) = (0, 0, 0);
        let mut guarded = 0;
        for _ in 0..40_000 {
            // Short texts, and long ones whose quotes cross 64-byte blocks.
            let longest = if rng.next_u64().is_multiple_of(2) {
                12
            } else {
                90
            };
            let n = rng.next_u64() % longest;
            let text: String = (0..n)
                .map(|_| atoms[(rng.next_u64() % atoms.len() as u64) as usize])
                .collect();
            let (full, lines) = quote_shape_and_lines(text.as_bytes(), b',');
            let shape = full.map(|s| (s.escaped, s.multiline));
            if full.is_some() && text.contains('"') {
                assert_eq!(
                    lines,
                    super::super::scan::line_scan(text.as_bytes()),
                    "{text:?}"
                );
            }
            assert_eq!(shape, quote_shape_oracle(&text), "{text:?}");
            assert_eq!(simple_quotes(text.as_bytes(), b','), shape.is_some());
            if full.is_some() {
                // Per row: a doubled quote inside a quoted field, by undoing every field.
                let rows = Separators::outside_quotes(text.as_bytes(), b'\n', b'\n');
                let mut start = 0;
                for end in rows.chain([text.len()]) {
                    let row = &text[start..end];
                    // (As the loader reads a row: without the `\r` of a `\r\n`.)
                    let row = row.strip_suffix('\r').unwrap_or(row);
                    let undone = split_fields(row, b',', true)
                        .any(|f| matches!(unescape_field(f), std::borrow::Cow::Owned(_)));
                    assert_eq!(has_escaped_quote(row.as_bytes()), undone, "{row:?}");
                    start = end + 1;
                }
            }
            with_delimiter_inside += usize::from(shape.is_some() && text.contains("\"a,b\""));
            escaped += usize::from(shape.is_some_and(|s| s.0));
            multiline += usize::from(shape.is_some_and(|s| s.1));
            guarded += usize::from(shape.is_some() && text.contains("=\"7\""));
        }
        assert!(guarded > 100, "{guarded}");
        assert!(with_delimiter_inside > 100, "{with_delimiter_inside}");
        assert!(escaped > 100, "{escaped}");
        assert!(multiline > 100, "{multiline}");
    }

    /// Guards and quotes placed at every offset around the 64-byte block edges (after a
    /// field of 0–140 bytes): the shape is the field-by-field check's.
    #[test]
    fn guards_across_block_edges_match_the_field_by_field_check() {
        let snippets = [
            "=\"7\"\"\"",
            "=\"7\",x",
            "=\"ab,c\"",
            "=\"a\nb\"",
            "=\"a\"b",
            "=\"\"\"\"",
            "=\"\",=\"\"",
            "=\"abc\"\r\n=\"d\"",
            "\"=\"\"a,b\"\"\"",
            "=\"a\"=\"b\"",
            "x=\"a\"",
        ];
        let mut accepted = 0;
        for snippet in snippets {
            for pad in 0..140 {
                for tail in ["", ",1\n", "\"q\""] {
                    let text = format!("{},{snippet}{tail}", "x".repeat(pad));
                    let shape =
                        quote_shape(text.as_bytes(), b',').map(|s| (s.escaped, s.multiline));
                    assert_eq!(shape, quote_shape_oracle(&text), "{text:?}");
                    accepted += usize::from(shape.is_some());
                }
            }
        }
        assert!(accepted > 1_000, "{accepted}");
    }

    /// Separators outside quotes, field skipping and splitting against a byte loop that
    /// tracks quotes, on random text with whole-field quotes across block edges.
    #[test]
    fn outside_quotes_finds_what_a_quote_tracking_loop_finds() {
        let mut rng = crate::model::Rng::new(67);
        let atoms = [
            "\"a,b\"", ",", "\n", "xy", "\"\"", "\"q\"", "7", "\",,,\"", "\"l\ni\"",
        ];
        for round in 0..3000 {
            let text: String = (0..rng.next_u64() % 60)
                .map(|_| atoms[(rng.next_u64() % atoms.len() as u64) as usize])
                .collect();
            let bytes = text.as_bytes();
            let mut inside = false;
            let mut want = Vec::new();
            for (i, b) in bytes.iter().enumerate() {
                match b {
                    b'"' => inside = !inside,
                    b',' | b'\n' if !inside => want.push(i),
                    _ => {}
                }
            }
            let got: Vec<usize> = Separators::outside_quotes(bytes, b',', b'\n').collect();
            assert_eq!(got, want, "{text:?}");
            let mut s = Separators::outside_quotes(bytes, b',', b'\n');
            let firsts: Vec<Option<usize>> = want
                .iter()
                .map(|_| s.next_b())
                .take_while(Option::is_some)
                .collect();
            let lines: Vec<Option<usize>> = want
                .iter()
                .filter(|p| bytes[**p] == b'\n')
                .map(|p| Some(*p))
                .collect();
            assert_eq!(firsts, lines, "next_b {text:?}");
            // The first row's fields (up to a line end outside quotes), skipped and split.
            let row_end = want.iter().find(|p| bytes[**p] == b'\n');
            let line = &text[..row_end.copied().unwrap_or(text.len())];
            let seps: Vec<usize> = want
                .iter()
                .copied()
                .take_while(|p| *p < line.len())
                .collect();
            let fields: Vec<&str> = split_fields(line, b',', true).collect();
            assert_eq!(fields.len(), seps.len() + 1, "{line:?} round {round}");
            for n in 0..seps.len() + 2 {
                let expect = match n {
                    0 => Some(0),
                    n => seps.get(n - 1).map(|p| p + 1),
                };
                assert_eq!(
                    skip_fields_quoted(bytes, 0, n, b','),
                    expect,
                    "{text:?} {n}"
                );
            }
        }
    }
}
