//! An .xlsx's workbook parts for the fast sheet reader: its sheets and where they are, the
//! number format of each cell style (dates), and the shared strings. Read as calamine reads
//! them; anything else declines (see [`super::xml`]).

use std::io::{Cursor, Read};

use rayon::prelude::*;

use super::xml::{Decline, attr, attrs_of, cut_at, find, next_tag, rich_text, text_string};

/// How a style shows numbers: calamine's three kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumberKind {
    Plain,
    Date,
    Duration,
}

/// What the cells need from the rest of the workbook.
pub struct Book {
    /// Sheet names in the workbook's order, with their members in the zip.
    pub sheets: Vec<(String, String)>,
    /// Serial dates count from 1904-01-01 (old Mac Excel), not 1900.
    pub date1904: bool,
    /// By style index (`<c s="…">`).
    pub styles: Vec<NumberKind>,
    /// Shared strings as UTF-8 bytes (the part is checked once, whole).
    pub shared: Vec<Vec<u8>>,
}

/// A zip member's bytes; `None` when it is missing.
pub fn member(
    zip: &mut zip::ZipArchive<Cursor<&[u8]>>,
    name: &str,
) -> Result<Option<Vec<u8>>, Decline> {
    let f = match zip.by_name(name) {
        Ok(f) => f,
        Err(zip::result::ZipError::FileNotFound) => return Ok(None),
        Err(_) => return Err(Decline),
    };
    let mut out = Vec::with_capacity(usize::try_from(f.size()).unwrap_or(0).min(1 << 30));
    f.take(super::MAX_UNPACKED)
        .read_to_end(&mut out)
        .map_err(|_| Decline)?;
    utf8_declared(&out)?;
    Ok(Some(out))
}

/// Only UTF-8 parts (what Excel and every library write) are read here: the XML declaration
/// at the head of a part must name no other encoding.
pub fn utf8_declared(part: &[u8]) -> Result<(), Decline> {
    let head = part.get(..part.len().min(200)).unwrap_or_default();
    if let Some(at) = find(head, 0, b"encoding=") {
        let value = head.get(at + 10..at + 15).unwrap_or_default();
        if !value.eq_ignore_ascii_case(b"utf-8") {
            return Err(Decline);
        }
    }
    if !part.is_empty() && memchr::memchr(b'<', head).is_none() {
        return Err(Decline);
    }
    Ok(())
}

/// The workbook's parts, or `Decline` (sheets that are not worksheets, parts where calamine
/// would not look for them).
pub fn open(zip: &mut zip::ZipArchive<Cursor<&[u8]>>, part_len: usize) -> Result<Book, Decline> {
    let workbook = member(zip, "xl/workbook.xml")?.ok_or(Decline)?;
    let rels = member(zip, "xl/_rels/workbook.xml.rels")?.ok_or(Decline)?;
    let root = member(zip, "_rels/.rels")?.ok_or(Decline)?;
    if find(&root, 0, b"Target=\"xl/workbook.xml\"").is_none()
        && find(&root, 0, b"Target=\"/xl/workbook.xml\"").is_none()
    {
        return Err(Decline);
    }
    let (sheets, date1904) = sheets(&workbook, &relationships(&rels)?)?;
    let styles = match member(zip, "xl/styles.xml")? {
        Some(x) => styles(&x)?,
        None => Vec::new(),
    };
    let shared = match member(zip, "xl/sharedStrings.xml")? {
        Some(x) => shared_strings(&x, part_len)?,
        None => Vec::new(),
    };
    Ok(Book {
        sheets,
        date1904,
        styles,
        shared,
    })
}

/// Relationship id → (target member, whether it is a worksheet).
fn relationships(xml: &[u8]) -> Result<Vec<(Vec<u8>, String, bool)>, Decline> {
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(tag) = next_tag(xml, at)? {
        at = tag.end;
        if tag.closing || tag.name != b"Relationship" {
            continue;
        }
        let [Some(id), Some(target), Some(kind)] =
            attrs_of(tag.attrs, [b"Id", b"Target", b"Type"])?
        else {
            continue;
        };
        let t = text_string(target)?;
        let path = match t.strip_prefix('/') {
            Some(abs) => abs.to_owned(),
            None => format!("xl/{t}"),
        };
        out.push((id.to_vec(), path, kind.ends_with(b"/worksheet")));
    }
    Ok(out)
}

/// The sheets in order with their members, and whether dates count from 1904 (declines on
/// a sheet that is not a worksheet).
fn sheets(
    xml: &[u8],
    rels: &[(Vec<u8>, String, bool)],
) -> Result<(Vec<(String, String)>, bool), Decline> {
    let mut out = Vec::new();
    let mut date1904 = false;
    let mut at = 0;
    while let Some(tag) = next_tag(xml, at)? {
        at = tag.end;
        if tag.closing {
            continue;
        }
        match tag.name {
            b"workbookPr" => {
                // As calamine: the last `workbookPr` naming it decides.
                if let Some(v) = attr(tag.attrs, b"date1904")? {
                    date1904 = v == b"1" || v == b"true";
                }
            }
            b"sheet" => {
                let [Some(name), Some(id)] = attrs_of(tag.attrs, [b"name", b"r:id"])? else {
                    return Err(Decline);
                };
                let (_, path, worksheet) = rels.iter().find(|(i, ..)| i == id).ok_or(Decline)?;
                if !worksheet {
                    return Err(Decline);
                }
                out.push((text_string(name)?, path.clone()));
            }
            _ => {}
        }
    }
    if out.is_empty() {
        return Err(Decline);
    }
    Ok((out, date1904))
}

/// Each cell style's number kind, in `<cellXfs>` order.
fn styles(xml: &[u8]) -> Result<Vec<NumberKind>, Decline> {
    let mut custom: Vec<(Vec<u8>, String)> = Vec::new();
    let mut out = Vec::new();
    let (mut in_formats, mut in_xfs) = (false, false);
    let mut at = 0;
    while let Some(tag) = next_tag(xml, at)? {
        at = tag.end;
        let open = !tag.closing && !tag.empty;
        match tag.name {
            b"numFmts" => in_formats = open,
            b"cellXfs" => in_xfs = open,
            b"numFmt" if in_formats && !tag.closing => {
                if let [Some(id), Some(code)] = attrs_of(tag.attrs, [b"numFmtId", b"formatCode"])? {
                    let c = text_string(code)?;
                    // A later definition of the same id replaces the earlier (a map in calamine).
                    custom.retain(|(i, _)| i != id);
                    custom.push((id.to_vec(), c));
                }
            }
            b"xf" if in_xfs && !tag.closing => {
                out.push(match attr(tag.attrs, b"numFmtId")? {
                    None => NumberKind::Plain,
                    Some(id) => match custom.iter().find(|(i, _)| i == id) {
                        Some((_, code)) => custom_kind(code),
                        None => builtin_kind(id),
                    },
                });
            }
            _ => {}
        }
    }
    Ok(out)
}

/// The shared strings, in order, read on every core in parts of about `part_len` bytes.
fn shared_strings(xml: &[u8], part_len: usize) -> Result<Vec<Vec<u8>>, Decline> {
    std::str::from_utf8(xml).map_err(|_| Decline)?;
    let parts: Vec<Vec<Vec<u8>>> = cut_at(xml, part_len, b"<si")
        .into_par_iter()
        .map(|range| {
            let part = xml.get(range).ok_or(Decline)?;
            let mut items = Vec::new();
            let mut at = 0;
            while let Some(tag) = next_tag(part, at)? {
                at = tag.end;
                if tag.name != b"si" || tag.closing {
                    continue;
                }
                let mut s = Vec::new();
                if !tag.empty {
                    at = rich_text(part, at, b"si", &mut s)?;
                }
                items.push(s);
            }
            Ok(items)
        })
        .collect::<Result<_, Decline>>()?;
    Ok(parts.into_iter().flatten().collect())
}

/// A built-in number format's kind (ECMA-376 18.8.30; the East Asian ids are dates), as
/// calamine's `builtin_format_by_id`.
fn builtin_kind(id: &[u8]) -> NumberKind {
    match std::str::from_utf8(id)
        .ok()
        .and_then(|s| s.parse::<u32>().ok())
    {
        // Compared as text in calamine: "014" is not 14.
        Some(n) if n.to_string().as_bytes() == id => match n {
            14..=22 | 27..=36 | 45 | 47 | 50..=58 => NumberKind::Date,
            46 => NumberKind::Duration,
            _ => NumberKind::Plain,
        },
        _ => NumberKind::Plain,
    }
}

/// A custom format code's kind: calamine's `detect_custom_number_format` (MIT), kept
/// equal so both readers show the same dates.
fn custom_kind(format: &str) -> NumberKind {
    let (mut escaped, mut quoted, mut ap, mut hms) = (false, false, false, false);
    let mut brackets = 0u8;
    let mut prev = ' ';
    for s in format.chars() {
        match (s, escaped, quoted, ap, brackets) {
            (_, true, ..) => escaped = false,
            ('_' | '\\' | '*', ..) => escaped = true,
            ('"', _, true, _, _) => quoted = false,
            (_, _, true, _, _) => (),
            ('"', _, _, _, _) => quoted = true,
            (';', ..) => return NumberKind::Plain,
            ('[', ..) => brackets += 1,
            (']', .., 1) if hms => return NumberKind::Duration,
            (']', ..) => brackets = brackets.saturating_sub(1),
            ('a' | 'A', _, _, false, 0) => ap = true,
            ('p' | 'm' | '/' | 'P' | 'M', _, _, true, 0) => return NumberKind::Date,
            ('d' | 'm' | 'h' | 'y' | 's' | 'D' | 'M' | 'H' | 'Y' | 'S', _, _, false, 0) => {
                return NumberKind::Date;
            }
            _ => {
                if !(hms && s.eq_ignore_ascii_case(&prev)) {
                    hms = prev == '[' && matches!(s, 'm' | 'h' | 's' | 'M' | 'H' | 'S');
                }
            }
        }
        prev = s;
    }
    NumberKind::Plain
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_kinds_of_formats() {
        for (code, kind) in [
            ("yyyy-mm-dd", NumberKind::Date),
            ("yyyy\"年\"m\"月\"d\"日\"", NumberKind::Date),
            ("[h]:mm:ss", NumberKind::Duration),
            ("0.00", NumberKind::Plain),
            ("\"d\"0", NumberKind::Plain),
            ("#,##0;[Red]-#,##0", NumberKind::Plain),
            ("[$-804]yyyy/m/d", NumberKind::Date),
        ] {
            assert_eq!(custom_kind(code), kind, "{code}");
        }
        assert_eq!(builtin_kind(b"14"), NumberKind::Date);
        assert_eq!(builtin_kind(b"31"), NumberKind::Date);
        assert_eq!(builtin_kind(b"46"), NumberKind::Duration);
        assert_eq!(builtin_kind(b"2"), NumberKind::Plain);
        assert_eq!(builtin_kind(b"014"), NumberKind::Plain);
    }

    #[test]
    fn styles_count_only_cell_formats() {
        let xml = br#"<styleSheet><numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy/m/d"/></numFmts>
<cellStyleXfs count="1"><xf numFmtId="14"/></cellStyleXfs>
<cellXfs count="4"><xf numFmtId="0"/><xf numFmtId="164"/><xf numFmtId="14"/><xf/></cellXfs>
<dxfs><dxf><numFmt numFmtId="165" formatCode="yyyy"/></dxf></dxfs></styleSheet>"#;
        assert_eq!(
            styles(xml).unwrap(),
            vec![
                NumberKind::Plain,
                NumberKind::Date,
                NumberKind::Date,
                NumberKind::Plain
            ]
        );
    }
}
