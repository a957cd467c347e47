//! Just enough XML for an .xlsx's plain parts, byte by byte: tags, their attributes, and text
//! with the five named entities and character references. What it would not read exactly as
//! calamine does (comments, CDATA, `_xHHHH_` escapes, carriage returns, unknown entities) it
//! answers with [`Decline`], and the workbook is then read by calamine.

use memchr::memmem;

/// This reader does not handle the markup exactly: calamine reads the workbook instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decline;

/// One tag: `<name attrs>`, `</name>` or `<name attrs/>`.
#[derive(Debug, Clone, Copy)]
pub struct Tag<'a> {
    pub name: &'a [u8],
    pub attrs: &'a [u8],
    pub closing: bool,
    /// Self-closing (`<v/>`): read as an element with no content, as calamine reads it.
    pub empty: bool,
    /// Index just past the tag's `>`.
    pub end: usize,
}

/// The next tag at or after `from`; `None` when no `<` is left. Processing instructions
/// (`<?xml …?>`) are skipped; comments, CDATA and declarations decline.
pub fn next_tag(xml: &[u8], from: usize) -> Result<Option<Tag<'_>>, Decline> {
    let mut at = from;
    loop {
        // Tags mostly follow each other at once: no search then.
        let lt = match xml.get(at) {
            Some(b'<') => Some(0),
            _ => xml.get(at..).and_then(|s| memchr::memchr(b'<', s)),
        };
        let Some(lt) = lt else {
            text_between(xml.get(at..).unwrap_or_default())?;
            return Ok(None);
        };
        text_between(xml.get(at..at + lt).unwrap_or_default())?;
        let start = at + lt + 1;
        match xml.get(start) {
            Some(b'?') => {
                let end = find(xml, start, b"?>").ok_or(Decline)?;
                at = end + 2;
                continue;
            }
            Some(b'!') | None => return Err(Decline),
            _ => {}
        }
        let closing = xml.get(start) == Some(&b'/');
        let name_at = start + usize::from(closing);
        let rest = xml.get(name_at..).ok_or(Decline)?;
        let name_len = rest
            .iter()
            .position(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'/' | b'>'))
            .ok_or(Decline)?;
        let end = tag_end(rest, name_len).ok_or(Decline)?;
        let inner = rest.get(name_len..end).ok_or(Decline)?;
        // Well-formed or declined: no `<` inside a tag, nothing but space after a closing
        // tag's name (calamine's reader refuses both).
        if inner.contains(&b'<')
            || (closing && !inner.iter().all(u8::is_ascii_whitespace))
            || name_len == 0
        {
            return Err(Decline);
        }
        let empty = inner.last() == Some(&b'/');
        let attrs = if empty {
            inner.get(..inner.len() - 1).unwrap_or_default()
        } else {
            inner
        };
        return Ok(Some(Tag {
            name: rest.get(..name_len).ok_or(Decline)?,
            attrs,
            closing,
            empty,
            end: name_at + end + 1,
        }));
    }
}

/// Text that no one reads (between tags, a formula) must still be well-formed: its
/// entities whole.
pub fn text_between(t: &[u8]) -> Result<(), Decline> {
    if t.contains(&b'&') {
        text_into(t, &mut Vec::new())?;
    }
    Ok(())
}

/// Open elements, to check that each part closes what it opens, in order.
#[derive(Default)]
pub struct Nesting<'a>(Vec<&'a [u8]>);

impl<'a> Nesting<'a> {
    /// Follows `tag`: an opening tag is pushed, a closing one must close the innermost.
    pub fn see(&mut self, tag: &Tag<'a>) -> Result<(), Decline> {
        if tag.closing {
            if self.0.pop() != Some(tag.name) {
                return Err(Decline);
            }
        } else if !tag.empty {
            self.0.push(tag.name);
        }
        Ok(())
    }

    /// Everything opened was closed.
    pub fn closed(&self) -> Result<(), Decline> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(Decline)
        }
    }
}

/// Index in `s` of the first `>` at or after `from` outside a quoted attribute value.
fn tag_end(s: &[u8], from: usize) -> Option<usize> {
    // Tags are short: a plain loop beats a vector search set up per call.
    let mut quote = None;
    for (k, &b) in s.iter().enumerate().skip(from) {
        match (quote, b) {
            (None, b'>') => return Some(k),
            (None, b'"' | b'\'') => quote = Some(b),
            (Some(q), _) if q == b => quote = None,
            _ => {}
        }
    }
    None
}

/// Where the element whose content starts at `at` closes, when its content holds no tag:
/// the next `<` must open `</name>`. Returns (end of content, index past the closing tag).
pub fn plain_close(xml: &[u8], at: usize, name: &[u8]) -> Result<(usize, usize), Decline> {
    let rest = xml.get(at..).ok_or(Decline)?;
    let lt = at + rest.iter().position(|&b| b == b'<').ok_or(Decline)?;
    let after = lt + 2 + name.len();
    if xml.get(lt + 1) == Some(&b'/')
        && xml.get(lt + 2..after) == Some(name)
        && xml.get(after) == Some(&b'>')
    {
        Ok((lt, after + 1))
    } else {
        Err(Decline)
    }
}

/// Index of the first `needle` at or after `from`.
pub fn find(hay: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    memmem::find(hay.get(from..)?, needle).map(|k| from + k)
}

/// The raw value of attribute `name` (exact name, prefix included: `r:id`).
pub fn attr<'a>(attrs: &'a [u8], name: &[u8]) -> Result<Option<&'a [u8]>, Decline> {
    Ok(attrs_of(attrs, [name])?[0])
}

/// The raw values of the attributes `names`, in one pass over the tag.
pub fn attrs_of<'a, const N: usize>(
    attrs: &'a [u8],
    names: [&[u8]; N],
) -> Result<[Option<&'a [u8]>; N], Decline> {
    let mut out = [None; N];
    let mut rest = attrs;
    loop {
        let skip = rest.iter().take_while(|b| b.is_ascii_whitespace()).count();
        rest = rest.get(skip..).unwrap_or_default();
        if rest.is_empty() {
            return Ok(out);
        }
        let eq = rest.iter().position(|&b| b == b'=').ok_or(Decline)?;
        let key = rest.get(..eq).ok_or(Decline)?.trim_ascii();
        let after = rest.get(eq + 1..).ok_or(Decline)?.trim_ascii_start();
        let q = *after.first().ok_or(Decline)?;
        if q != b'"' && q != b'\'' {
            return Err(Decline);
        }
        let len = after.iter().skip(1).position(|&b| b == q).ok_or(Decline)?;
        let value = after.get(1..1 + len).ok_or(Decline)?;
        // A key must be a name, and an entity in a value whole, as in calamine's reader.
        if key.is_empty()
            || !key
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || b":_-.".contains(b))
        {
            return Err(Decline);
        }
        if value.contains(&b'&') {
            text_into(value, &mut Vec::new())?;
        }
        if let Some(slot) = names.iter().position(|n| *n == key) {
            out[slot] = Some(value);
        }
        rest = after.get(len + 2..).unwrap_or_default();
    }
}

/// Appends `raw` (text between tags) with its entities and character references resolved.
/// Declines on a carriage return (XML would fold it), an unknown entity, or an `_xHHHH_`
/// escape in the result (calamine would unescape it). UTF-8 is checked by the caller, once.
pub fn text_into(raw: &[u8], out: &mut Vec<u8>) -> Result<(), Decline> {
    if memchr::memchr(b'\r', raw).is_some() {
        return Err(Decline);
    }
    let from = out.len();
    let mut rest = raw;
    while let Some(amp) = memchr::memchr(b'&', rest) {
        out.extend_from_slice(rest.get(..amp).ok_or(Decline)?);
        let after = rest.get(amp + 1..).ok_or(Decline)?;
        let semi = after
            .iter()
            .take(12)
            .position(|&b| b == b';')
            .ok_or(Decline)?;
        let name = after.get(..semi).ok_or(Decline)?;
        let c = entity(name).ok_or(Decline)?;
        out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
        rest = after.get(semi + 1..).unwrap_or_default();
    }
    out.extend_from_slice(rest);
    if has_excel_escape(out.get(from..).unwrap_or_default()) {
        return Err(Decline);
    }
    Ok(())
}

/// [`text_into`] for text that must be UTF-8 on its own (names, format codes).
pub fn text_string(raw: &[u8]) -> Result<String, Decline> {
    let mut out = Vec::new();
    text_into(raw, &mut out)?;
    String::from_utf8(out).map_err(|_| Decline)
}

/// Trims the text from `start` on as `str::trim` would (Unicode white space), cheaply when
/// its first and last characters cannot be white space.
pub fn trim_from(out: &mut Vec<u8>, start: usize) -> Result<(), Decline> {
    let s = out.get(start..).unwrap_or_default();
    let last_lead = s.iter().rev().take(4).find(|b| (**b & 0xC0) != 0x80);
    if s.is_empty() || (!may_be_space(s.first()) && !may_be_space(last_lead)) {
        return Ok(());
    }
    let text = std::str::from_utf8(s).map_err(|_| Decline)?;
    let t = text.trim();
    if t.len() != text.len() {
        let t = t.as_bytes().to_vec();
        out.truncate(start);
        out.extend_from_slice(&t);
    }
    Ok(())
}

/// Whether a character starting with byte `lead` may be white space: ASCII space and
/// controls, or a lead byte of U+0085, U+00A0, U+1680, U+2000–U+205F or U+3000.
fn may_be_space(lead: Option<&u8>) -> bool {
    lead.is_none_or(|&b| {
        !b.is_ascii_graphic() && (b < 0x80 || matches!(b, 0xC2 | 0xE1 | 0xE2 | 0xE3))
    })
}

/// The character an entity (`amp`, `#38`, `#x26`) names.
fn entity(name: &[u8]) -> Option<char> {
    let code = match name {
        b"lt" => return Some('<'),
        b"gt" => return Some('>'),
        b"amp" => return Some('&'),
        b"apos" => return Some('\''),
        b"quot" => return Some('"'),
        [b'#', b'x', hex @ ..] => u32::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()?,
        [b'#', dec @ ..] => std::str::from_utf8(dec).ok()?.parse().ok()?,
        _ => return None,
    };
    char::from_u32(code).filter(|c| *c != '\0')
}

/// Whether `s` holds `_xHHHH_`, Excel's escape for a UTF-16 unit.
fn has_excel_escape(s: &[u8]) -> bool {
    if memchr::memchr(b'_', s).is_none() {
        return false;
    }
    memmem::find_iter(s, b"_x").any(|k| {
        s.get(k + 2..k + 7).is_some_and(|t| {
            t.get(..4)
                .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit))
                && t.get(4) == Some(&b'_')
        })
    })
}

/// The text of a string item (`<si>` or `<is>`) whose content starts at `at`, up to its
/// closing `</element>`: its `<t>` runs joined, phonetic runs (`<rPh>`) left out, each run
/// trimmed of ASCII white space unless it keeps its spaces (`xml:space="preserve"`), as
/// calamine reads it. Returns the index past the closing tag.
pub fn rich_text(
    xml: &[u8],
    at: usize,
    element: &[u8],
    out: &mut Vec<u8>,
) -> Result<usize, Decline> {
    let mut at = at;
    let mut nesting = Nesting::default();
    loop {
        let tag = next_tag(xml, at)?.ok_or(Decline)?;
        at = tag.end;
        if tag.name.contains(&b':') {
            return Err(Decline);
        }
        if tag.closing && tag.name == element {
            nesting.closed()?;
            return Ok(at);
        }
        if !matches!(
            (tag.name, tag.closing, tag.empty),
            (b"rPh" | b"t", false, false)
        ) {
            nesting.see(&tag)?;
        }
        match (tag.name, tag.closing, tag.empty) {
            (b"rPh", false, false) => at = find(xml, at, b"</rPh>").ok_or(Decline)? + 6,
            (b"t", false, false) => {
                let (close, end) = plain_close(xml, at, b"t")?;
                let raw = xml.get(at..close).ok_or(Decline)?;
                let preserve = attr(tag.attrs, b"xml:space")? == Some(b"preserve");
                let start = out.len();
                text_into(raw, out)?;
                if !preserve {
                    trim_run(out, start);
                }
                at = end;
            }
            _ => {}
        }
    }
}

/// Trims the run from `start` on of ASCII spaces, tabs and line feeds (calamine's trim).
fn trim_run(out: &mut Vec<u8>, start: usize) {
    let space = |b: &&u8| matches!(b, b' ' | b'\t' | b'\n');
    let run = out.get(start..).unwrap_or_default();
    let lead = run.iter().take_while(space).count();
    let tail = run
        .iter()
        .rev()
        .take(run.len() - lead)
        .take_while(space)
        .count();
    out.truncate(out.len() - tail);
    out.drain(start..start + lead);
}

/// `data` cut into parts of about `part_len` bytes, each but the first starting at a `tag`
/// (`<row`, `<si`) followed by a space, `>` or `/`.
pub fn cut_at(data: &[u8], part_len: usize, tag: &[u8]) -> Vec<std::ops::Range<usize>> {
    let finder = memmem::Finder::new(tag);
    let mut out = Vec::new();
    let mut start = 0;
    while start < data.len() {
        let mut cut = data.len();
        let mut probe = start + part_len.max(1);
        while probe < data.len() {
            match data
                .get(probe..)
                .and_then(|s| finder.find(s))
                .map(|k| probe + k)
            {
                Some(k) if matches!(data.get(k + tag.len()), Some(b' ' | b'>' | b'/')) => {
                    cut = k;
                    break;
                }
                Some(k) => probe = k + tag.len(),
                None => break,
            }
        }
        out.push(start..cut);
        start = cut;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_attributes_and_text() {
        let xml = br#"<?xml version="1.0"?><c r="A1" t='s' s="3"><v>7</v></c><x a=">"/>"#;
        let t = next_tag(xml, 0).unwrap().unwrap();
        assert_eq!((t.name, t.closing, t.empty), (&b"c"[..], false, false));
        assert_eq!(attr(t.attrs, b"t").unwrap(), Some(&b"s"[..]));
        assert_eq!(attr(t.attrs, b"s").unwrap(), Some(&b"3"[..]));
        assert_eq!(attr(t.attrs, b"x").unwrap(), None);
        let v = next_tag(xml, t.end).unwrap().unwrap();
        assert_eq!(&xml[v.end..v.end + 1], b"7");
        let x = next_tag(xml, find(xml, 0, b"<x").unwrap())
            .unwrap()
            .unwrap();
        assert!(x.empty && x.end == xml.len());
        assert_eq!(attr(x.attrs, b"a").unwrap(), Some(&b">"[..]));
        assert_eq!(next_tag(b"<!-- x -->", 0).unwrap_err(), Decline);
        assert_eq!(next_tag(b"<a b=\"c>", 0).unwrap_err(), Decline);
    }

    #[test]
    fn entities_resolve_and_escapes_decline() {
        let s = text_string(b"a &amp;lt; &#x4E2D;&#25991; &quot;b&apos;").unwrap();
        assert_eq!(s, "a &lt; 中文 \"b'");
        for bad in [&b"a&nbsp;b"[..], b"a\r\nb", b"_x000D_", b"&#0;", b"a & b"] {
            assert_eq!(text_string(bad), Err(Decline), "{bad:?}");
        }
        // Not an escape: kept as it is.
        assert_eq!(
            text_string(b"box_x12_ _x12345").unwrap(),
            "box_x12_ _x12345"
        );
        let mut v = b"x \xE3\x80\x80a\xC2\xA0 ".to_vec();
        trim_from(&mut v, 1).unwrap();
        assert_eq!(v, b"xa");
    }

    #[test]
    fn rich_text_joins_runs_and_drops_phonetics() {
        let mut s = Vec::new();
        let xml = br#"<si><r><rPr><b/></rPr><t xml:space="preserve">Hello </t></r><r><t> World </t></r><rPh sb="0" eb="1"><t>yomi</t></rPh><t/></si><si>"#;
        assert_eq!(rich_text(xml, 4, b"si", &mut s).unwrap(), xml.len() - 4);
        assert_eq!(s, b"Hello World");
    }
}
