//! A worksheet's cells, read on every core: the `<sheetData>` is cut at row tags into parts
//! ([`super::stream`]), each part's cells become text as calamine and [`super::cell`] would
//! make it (shared strings, dates by style, numbers as typed), and the parts are written as
//! CSV records in parallel, in order.

use rayon::prelude::*;

use super::book::{Book, NumberKind};
use super::xml::{
    Decline, Nesting, Tag, attrs_of, find, next_tag, plain_close, rich_text, text_between,
    text_into, trim_from,
};

/// One part's cells in sheet order: (row, column, end of its text in `text`), 0-based (12
/// bytes a cell: a part's text is far below 4 GB, its XML being at most a workbook's 1 GB).
#[derive(Default)]
pub struct Part {
    pub cells: Vec<(u32, u32, u32)>,
    /// UTF-8 (the part's XML is checked once, whole).
    pub text: Vec<u8>,
}

impl Part {
    fn cell_text(&self, k: usize) -> &[u8] {
        let start = k
            .checked_sub(1)
            .and_then(|j| self.cells.get(j))
            .map_or(0, |c| c.2 as usize);
        let end = self.cells.get(k).map_or(start, |c| c.2 as usize);
        self.text.get(start..end).unwrap_or_default()
    }
}

/// Reads one part's cells.
pub fn read_part(xml: &[u8], book: &Book) -> Result<Part, Decline> {
    std::str::from_utf8(xml).map_err(|_| Decline)?;
    // Comments and CDATA could hide a row tag: such a sheet is left to calamine.
    if find(xml, 0, b"<!").is_some() {
        return Err(Decline);
    }
    let mut part = Part::default();
    let mut nesting = Nesting::default();
    let mut at = 0;
    while let Some(tag) = next_tag(xml, at)? {
        at = tag.end;
        if tag.name.contains(&b':') {
            return Err(Decline);
        }
        if tag.name != b"c" || tag.closing {
            nesting.see(&tag)?;
            // A row's number is read by calamine even though the cells name their own.
            if tag.name == b"row" && !tag.closing {
                let [r] = attrs_of(tag.attrs, [b"r"])?;
                if r.is_some_and(|r| !matches!(digits(r), Ok(n) if n >= 1)) {
                    return Err(Decline);
                }
            }
            continue;
        }
        let [r, kind, style] = attrs_of(tag.attrs, [b"r", b"t", b"s"])?;
        let pos = position(r.ok_or(Decline)?)?;
        let start = part.text.len();
        let (has_value, end) = if tag.empty {
            (false, at)
        } else {
            cell_value(xml, &tag, (kind, style), book, &mut part.text)?
        };
        at = end;
        if !has_value {
            part.text.truncate(start);
            continue;
        }
        // Trimmed as `super::cell` trims text; numbers have no white space.
        trim_from(&mut part.text, start)?;
        // Cells in sheet order, each once: otherwise calamine's last-wins layout decides.
        if part.cells.last().is_some_and(|&(r, c, _)| (r, c) >= pos) {
            return Err(Decline);
        }
        let end = u32::try_from(part.text.len()).map_err(|_| Decline)?;
        part.cells.push((pos.0, pos.1, end));
    }
    nesting.closed()?;
    Ok(part)
}

/// A cell reference (`AB12`) as 0-based (row, column): [`super::cell_ref`]'s reading, of
/// the whole value, in capitals, inside the sheet's limits.
fn position(r: &[u8]) -> Result<(u32, u32), Decline> {
    let capitals_then_digits = r
        .iter()
        .skip_while(|b| b.is_ascii_uppercase())
        .all(u8::is_ascii_digit);
    let (c, n) = super::cell_ref(r)
        .filter(|_| capitals_then_digits)
        .ok_or(Decline)?;
    if n == 0 || n > 1_048_576 || c > 16_384 {
        return Err(Decline);
    }
    Ok((n as u32 - 1, c as u32 - 1))
}

/// A cell's value appended to `out`: whether it has one (calamine keeps a cell unless its
/// value is empty), and where its `</c>` ends. The last child decides, as in calamine.
fn cell_value(
    xml: &[u8],
    tag: &Tag,
    (kind, style): (Option<&[u8]>, Option<&[u8]>),
    book: &Book,
    out: &mut Vec<u8>,
) -> Result<(bool, usize), Decline> {
    let start = out.len();
    let mut has = false;
    let mut at = tag.end;
    loop {
        let child = next_tag(xml, at)?.ok_or(Decline)?;
        at = child.end;
        if child.closing {
            if child.name == b"c" {
                return Ok((has, at));
            }
            return Err(Decline);
        }
        out.truncate(start);
        if child.name == b"is" {
            // An inline string: its text, even when empty.
            if !child.empty {
                at = rich_text(xml, at, b"is", out)?;
            }
            has = true;
            continue;
        }
        let content = if child.empty {
            &b""[..]
        } else {
            let (close, end) = plain_close(xml, at, child.name)?;
            let c = xml.get(at..close).ok_or(Decline)?;
            at = end;
            c
        };
        has = match (child.name, kind) {
            (b"f", _) => {
                text_between(content)?;
                false
            }
            (b"v", Some(b"inlineStr" | b"is")) => false,
            (b"v", _) => value(content, kind, style, book, out)?,
            _ => return Err(Decline),
        };
    }
}

/// A `<v>`'s text for the cell type `kind`, as calamine reads it.
fn value(
    raw: &[u8],
    kind: Option<&[u8]>,
    style: Option<&[u8]>,
    book: &Book,
    out: &mut Vec<u8>,
) -> Result<bool, Decline> {
    // Plain-text types are read raw by calamine: an entity there would read differently.
    if kind != Some(b"str") && memchr::memchr(b'&', raw).is_some() {
        return Err(Decline);
    }
    match kind {
        Some(b"str") => {
            text_into(raw, out)?;
            Ok(true)
        }
        Some(b"s") => {
            if raw.is_empty() {
                return Ok(false);
            }
            let k = digits(raw)?;
            out.extend_from_slice(book.shared.get(k).ok_or(Decline)?);
            Ok(true)
        }
        Some(b"b") => {
            let v = raw.trim_ascii();
            if v.is_empty() {
                return Ok(false);
            }
            out.extend_from_slice(match v {
                b"0" => b"false",
                b"1" => b"true",
                _ if v.eq_ignore_ascii_case(b"false") => b"false",
                _ if v.eq_ignore_ascii_case(b"true") => b"true",
                _ => return Err(Decline),
            });
            Ok(true)
        }
        // An error value (#N/A …) is a cell with no text.
        Some(b"e") => match raw {
            b"#DIV/0!" | b"#N/A" | b"#NAME?" | b"#NULL!" | b"#NUM!" | b"#REF!" | b"#VALUE!" => {
                Ok(true)
            }
            _ => Err(Decline),
        },
        Some(b"n") | None => {
            if raw.is_empty() {
                return Ok(false);
            }
            let f = parse_decimal(raw)?;
            let kind = match style {
                None => NumberKind::Plain,
                Some(s) => book
                    .styles
                    .get(digits(s)?)
                    .copied()
                    .unwrap_or(NumberKind::Plain),
            };
            match kind {
                NumberKind::Date => {
                    let serial = f + if book.date1904 {
                        super::DAYS_1900_TO_1904
                    } else {
                        0.0
                    };
                    out.extend_from_slice(super::excel_date(serial).as_bytes());
                }
                // Written as it is when that is how it would be formatted (most numbers).
                _ if is_canonical(raw) => out.extend_from_slice(raw),
                NumberKind::Plain | NumberKind::Duration => {
                    out.extend_from_slice(super::number(f).as_bytes());
                }
            }
            Ok(true)
        }
        _ => Err(Decline),
    }
}

fn digits(raw: &[u8]) -> Result<usize, Decline> {
    if raw.is_empty() || raw.len() > 12 || !raw.iter().all(u8::is_ascii_digit) {
        return Err(Decline);
    }
    std::str::from_utf8(raw)
        .ok()
        .and_then(|s| s.parse().ok())
        .ok_or(Decline)
}

/// A decimal number `-?d+(.d+)?(e[+-]?d+)?`: read alike by every correct parser (other
/// spellings decline).
fn parse_decimal(raw: &[u8]) -> Result<f64, Decline> {
    let mut k = usize::from(raw.first() == Some(&b'-'));
    let run = |k: usize| {
        raw.iter()
            .skip(k)
            .take_while(|b| b.is_ascii_digit())
            .count()
    };
    let int = run(k);
    if int == 0 {
        return Err(Decline);
    }
    k += int;
    if raw.get(k) == Some(&b'.') {
        let frac = run(k + 1);
        if frac == 0 {
            return Err(Decline);
        }
        k += 1 + frac;
    }
    if matches!(raw.get(k), Some(b'e' | b'E')) {
        k += 1 + usize::from(matches!(raw.get(k + 1), Some(b'+' | b'-')));
        let exp = run(k);
        if exp == 0 {
            return Err(Decline);
        }
        k += exp;
    }
    if k != raw.len() {
        return Err(Decline);
    }
    std::str::from_utf8(raw)
        .ok()
        .and_then(|s| s.parse().ok())
        .ok_or(Decline)
}

/// Whether `super::number` writes the decimal `raw` back unchanged: `-?(0|[1-9]d*)(.d*[1-9])?`
/// with at most 15 significant digits (which a double holds exactly, so its shortest form is
/// this one), and not `-0`.
fn is_canonical(raw: &[u8]) -> bool {
    let body = raw.strip_prefix(b"-").unwrap_or(raw);
    let (int, frac) = match memchr::memchr(b'.', body) {
        Some(k) => (&body[..k], Some(&body[k + 1..])),
        None => (body, None),
    };
    let digits = |s: &[u8]| !s.is_empty() && s.iter().all(u8::is_ascii_digit);
    if !digits(int) || (int.len() > 1 && int[0] == b'0') {
        return false;
    }
    let significant = |s: &[u8]| s.iter().skip_while(|&&b| b == b'0').count();
    let count = match frac {
        None => significant(int),
        Some(f) => {
            if !digits(f) || f.last() == Some(&b'0') {
                return false;
            }
            if int == b"0" {
                significant(f)
            } else {
                int.len() + f.len()
            }
        }
    };
    count <= 15 && body != b"0" || (body == b"0" && raw.len() == 1)
}

/// The sheet's cells as CSV records over their bounding box, from row `from` (0-based) on;
/// `parts` are the parts' cells in order (already checked to be in sheet order).
pub fn write_csv(parts: &[Part], from: u32, cols: (u32, u32)) -> Result<String, Decline> {
    let width = (cols.1 - cols.0 + 1) as usize;
    let mut last_rows = Vec::with_capacity(parts.len());
    let mut prev = from.checked_sub(1);
    for p in parts {
        if let Some(&(r, ..)) = p.cells.last() {
            prev = Some(prev.map_or(r, |q| q.max(r)));
        }
        last_rows.push(prev);
    }
    let texts: Vec<Vec<u8>> = parts
        .par_iter()
        .enumerate()
        .map(|(k, part)| {
            let first = match k.checked_sub(1) {
                Some(j) => last_rows.get(j).copied().flatten().map_or(from, |r| r + 1),
                None => from,
            }
            .max(from);
            let Some(last) = last_rows.get(k).copied().flatten() else {
                return Ok(Vec::new());
            };
            let mut w = csv::WriterBuilder::new()
                .flexible(true)
                .from_writer(Vec::new());
            let mut fields: Vec<&[u8]> = vec![b""; width];
            let mut next = part.cells.partition_point(|c| c.0 < first);
            for row in first..=last {
                fields.iter_mut().for_each(|f| *f = b"");
                while let Some(&(r, c, _)) = part.cells.get(next) {
                    if r != row {
                        break;
                    }
                    if let Some(f) = fields.get_mut((c - cols.0) as usize) {
                        *f = part.cell_text(next);
                    }
                    next += 1;
                }
                w.write_record(&fields).map_err(|_| Decline)?;
            }
            w.into_inner().map_err(|_| Decline)
        })
        .collect::<Result<_, Decline>>()?;
    let mut out = Vec::with_capacity(texts.iter().map(Vec::len).sum());
    for t in texts {
        out.extend_from_slice(&t);
    }
    String::from_utf8(out).map_err(|_| Decline)
}

/// The first `n` rows of the box from row `from`, as text (for finding the header).
pub fn first_rows(parts: &[Part], from: u32, n: u32, cols: (u32, u32)) -> Vec<Vec<String>> {
    let width = (cols.1 - cols.0 + 1) as usize;
    let mut rows = vec![vec![String::new(); width]; n as usize];
    'parts: for part in parts {
        for (k, &(r, c, _)) in part.cells.iter().enumerate() {
            if r < from {
                continue;
            }
            if r >= from + n {
                break 'parts;
            }
            if let Some(cell) = rows
                .get_mut((r - from) as usize)
                .and_then(|row| row.get_mut((c - cols.0) as usize))
            {
                *cell = String::from_utf8_lossy(part.cell_text(k)).into_owned();
            }
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cell_references_are_read_whole_or_declined() {
        assert_eq!(position(b"AB12"), Ok((11, 27)));
        assert_eq!(position(b"XFD1048576"), Ok((1_048_575, 16_383)));
        for bad in [
            &b"A1Z"[..],
            b"a1",
            b"A",
            b"1",
            b"A0",
            b"XFE1",
            b"A1048577",
            b"A 1",
        ] {
            assert_eq!(position(bad), Err(Decline), "{bad:?}");
        }
    }
}
