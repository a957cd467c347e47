//! A firm placemark read without an XML tree: a strict subset of XML (elements, attributes,
//! text, CDATA, the five entities and character references) in one pass over the
//! placemark's bytes. Anything outside it (a comment, a processing instruction, a line end
//! `\r`, a prefix the root does not declare, more than [`MAX_EVENTS`] pieces, a LineString
//! or polygon) gives None, and the placemark is read by `roxmltree` as before, whose
//! answers (and errors) this one must equal: the tests hold it to that.

use std::borrow::Cow;
use std::ops::Range;

/// Pieces (start tags, texts, end tags) a placemark read here may hold; a larger one goes to
/// the tree (a firm's placemark holds a few dozen).
const MAX_EVENTS: usize = 512;

/// Elements a placemark read here may nest (a firm's nests four: `ExtendedData`,
/// `SchemaData`, `SimpleData`); a deeper one goes to the tree, which counts its depth.
pub(super) const MAX_NESTING: usize = 16;

/// One piece of a placemark: a start tag (its local name, its `name` attribute and the
/// index of its end tag), a text, or an end tag. Texts and names are byte ranges of the
/// placemark's text, or of [`Scratch::decoded`] for a text whose entities were replaced.
#[derive(Clone)]
enum Event {
    Open {
        name: Range<usize>,
        name_attr: Option<Range<usize>>,
        close: usize,
    },
    Text {
        at: Range<usize>,
        decoded: bool,
    },
    Close,
}

/// Buffers kept from placemark to placemark, so reading one allocates nothing.
#[derive(Default)]
pub(super) struct Scratch {
    events: Vec<Event>,
    open: Vec<(usize, Range<usize>)>,
    decoded: String,
}

/// The prefixes the `<kml>` root's attributes declare (`xmlns:gx="…"` gives `gx`).
pub(super) fn declared_prefixes(root: &str) -> Vec<&str> {
    root.match_indices("xmlns:")
        .filter_map(|(at, _)| {
            let rest = root.get(at + 6..)?;
            let end = rest.find(|c: char| c == '=' || c.is_whitespace())?;
            rest.get(..end)
        })
        .collect()
}

/// Calls `f` with each property of the placemark at `text` as
/// [`each_property`](super::each_property) gives them, and returns its point as
/// [`placemark_point`](super::placemark_point) does; None, having called nothing, when the
/// placemark is not of the shape read here.
pub(super) fn read(
    text: &str,
    prefixes: &[&str],
    scratch: &mut Scratch,
    f: impl FnMut(&str, &str),
) -> Option<Option<[f64; 2]>> {
    events(text, prefixes, scratch)?;
    let p = Tree {
        events: &scratch.events,
        text,
        decoded: &scratch.decoded,
    };
    let point = p.point(0)?;
    p.properties(0, f);
    Some(point)
}

struct Tree<'a> {
    events: &'a [Event],
    text: &'a str,
    decoded: &'a str,
}

impl<'a> Tree<'a> {
    fn close_of(&self, i: usize) -> usize {
        match self.events.get(i) {
            Some(Event::Open { close, .. }) => *close,
            _ => i,
        }
    }

    fn name_of(&self, i: usize) -> &'a str {
        match self.events.get(i) {
            Some(Event::Open { name, .. }) => self.text.get(name.clone()).unwrap_or_default(),
            _ => "",
        }
    }

    /// The element children of the element at `i`, in order.
    fn children(&self, i: usize) -> impl Iterator<Item = usize> + '_ {
        let end = self.close_of(i);
        let mut j = i + 1;
        std::iter::from_fn(move || {
            while j < end {
                let at = j;
                match self.events.get(at) {
                    Some(Event::Open { close, .. }) => {
                        j = close + 1;
                        return Some(at);
                    }
                    _ => j += 1,
                }
            }
            None
        })
    }

    fn child(&self, i: usize, name: &str) -> Option<usize> {
        self.children(i).find(|&c| self.name_of(c) == name)
    }

    /// Every text under the element at `i`, joined and trimmed (as `text_of`).
    fn text_of(&self, i: usize) -> Cow<'a, str> {
        let mut texts = self
            .events
            .get(i + 1..self.close_of(i))
            .unwrap_or_default()
            .iter()
            .filter_map(|e| match e {
                Event::Text { at, decoded } => {
                    let from = if *decoded { self.decoded } else { self.text };
                    from.get(at.clone())
                }
                _ => None,
            });
        let Some(first) = texts.next() else {
            return Cow::Borrowed("");
        };
        let Some(second) = texts.next() else {
            return Cow::Borrowed(first.trim());
        };
        let mut all = format!("{first}{second}");
        texts.for_each(|t| all.push_str(t));
        Cow::Owned(all.trim().to_string())
    }

    /// The placemark's point: the first Point child with a position. None (read it with the
    /// tree) when it holds a geometry other than points.
    fn point(&self, p: usize) -> Option<Option<[f64; 2]>> {
        let mut found = None;
        for c in self.children(p) {
            match self.name_of(c) {
                "Point" if found.is_none() => {
                    found = self
                        .child(c, "coordinates")
                        .and_then(|k| super::positions(&self.text_of(k)).next());
                }
                "LineString" | "Polygon" | "MultiGeometry" | "MultiTrack" => return None,
                _ => {}
            }
        }
        Some(found)
    }

    fn properties(&self, p: usize, mut f: impl FnMut(&str, &str)) {
        for key in ["name", "description"] {
            if let Some(n) = self.child(p, key) {
                f(key, &self.text_of(n));
            }
        }
        let Some(ext) = self.child(p, "ExtendedData") else {
            return;
        };
        for d in ext..self.close_of(ext) {
            let Some(Event::Open {
                name_attr: Some(k), ..
            }) = self.events.get(d)
            else {
                continue;
            };
            let k = self.text.get(k.clone()).unwrap_or_default();
            match self.name_of(d) {
                "Data" => match self.child(d, "value") {
                    Some(v) => f(k, &self.text_of(v)),
                    None => f(k, ""),
                },
                "SimpleData" => f(k, &self.text_of(d)),
                _ => {}
            }
        }
    }
}

/// The pieces of one element at `text` (nothing before or after it) into `scratch`, or None
/// when it is not of the subset read here.
fn events(text: &str, prefixes: &[&str], scratch: &mut Scratch) -> Option<()> {
    let b = text.as_bytes();
    let Scratch {
        events,
        open,
        decoded,
    } = scratch;
    events.clear();
    open.clear();
    decoded.clear();
    let mut i = 0;
    loop {
        if events.len() > MAX_EVENTS || open.len() > MAX_NESTING || b.get(i) != Some(&b'<') {
            return None;
        }
        match b.get(i + 1)? {
            b'/' => {
                let (name, end) = end_tag(text, i + 2)?;
                let (at, open_name) = open.pop()?;
                if text.get(name) != text.get(open_name) {
                    return None;
                }
                let here = events.len();
                if let Some(Event::Open { close, .. }) = events.get_mut(at) {
                    *close = here;
                }
                events.push(Event::Close);
                i = end;
            }
            b'!' if b.get(i + 2..i + 9) == Some(b"[CDATA[") && !open.is_empty() => {
                let start = i + 9;
                let len = memchr::memmem::find(b.get(start..)?, b"]]>")?;
                if !plain_chars(b.get(start..start + len)?) {
                    return None;
                }
                events.push(Event::Text {
                    at: start..start + len,
                    decoded: false,
                });
                i = start + len + 3;
            }
            _ => {
                let tag = start_tag(text, i + 1, prefixes)?;
                let at = events.len();
                let local =
                    tag.name.start + colon(text.get(tag.name.clone())?).map_or(0, |c| c + 1);
                events.push(Event::Open {
                    name: local..tag.name.end,
                    name_attr: tag.name_attr,
                    close: at + 1,
                });
                if tag.empty {
                    events.push(Event::Close);
                } else {
                    open.push((at, tag.name));
                }
                i = tag.end;
            }
        }
        if open.is_empty() {
            return (i == b.len()).then_some(());
        }
        // The text up to the next tag.
        let next = i + memchr::memchr(b'<', b.get(i..)?)?;
        if next > i {
            events.push(text_at(text, i..next, decoded)?);
        }
        i = next;
    }
}

/// A start tag's name, its `name` attribute, whether it closes itself, and where it ends.
struct StartTag {
    name: Range<usize>,
    name_attr: Option<Range<usize>>,
    empty: bool,
    end: usize,
}

/// The start tag whose name begins at `at`.
fn start_tag(text: &str, at: usize, prefixes: &[&str]) -> Option<StartTag> {
    let b = text.as_bytes();
    let name_end = at + name_len(b.get(at..)?);
    known_prefix(text.get(at..name_end)?, prefixes)?;
    let mut tag = StartTag {
        name: at..name_end,
        name_attr: None,
        empty: false,
        end: 0,
    };
    // The attributes' names, to refuse one given twice (a tag holds a few).
    let mut seen = [""; 8];
    let mut seen_len = 0;
    let mut i = name_end;
    loop {
        let spaced = b.get(i).is_some_and(|c| is_space(*c));
        i += spaces(b.get(i..)?);
        match b.get(i)? {
            b'>' => {
                tag.end = i + 1;
                return Some(tag);
            }
            b'/' if b.get(i + 1) == Some(&b'>') => {
                tag.empty = true;
                tag.end = i + 2;
                return Some(tag);
            }
            _ if !spaced => return None,
            _ => {}
        }
        let key_end = i + name_len(b.get(i..)?);
        let key = text.get(i..key_end)?;
        // A prefixed attribute could repeat another under a second prefix for the same
        // namespace (an error only the tree sees): those go to the tree, but `xml:`'s.
        if key.starts_with("xmlns") || seen.get(..seen_len)?.contains(&key) {
            return None;
        }
        known_prefix(key, &[])?;
        *seen.get_mut(seen_len)? = key;
        seen_len += 1;
        i = key_end + spaces(b.get(key_end..)?);
        if b.get(i) != Some(&b'=') {
            return None;
        }
        i += 1;
        i += spaces(b.get(i..)?);
        let quote = *b.get(i).filter(|q| matches!(q, b'"' | b'\''))?;
        let len = memchr::memchr(quote, b.get(i + 1..)?)?;
        let value = b.get(i + 1..i + 1 + len)?;
        // (XML reads an attribute's tabs and line ends as spaces: such values go to the tree.)
        if value.iter().any(|c| matches!(c, b'<' | b'&') || *c < 0x20) || !plain_chars(value) {
            return None;
        }
        if key == "name" {
            tag.name_attr = Some(i + 1..i + 1 + len);
        }
        i += len + 2;
    }
}

/// How many XML spaces `b` starts with.
fn spaces(b: &[u8]) -> usize {
    b.iter().take_while(|c| is_space(**c)).count()
}

/// An end tag's name beginning at `at`, and where the tag ends.
fn end_tag(text: &str, at: usize) -> Option<(Range<usize>, usize)> {
    let b = text.as_bytes();
    let name_end = at + name_len(b.get(at..)?);
    let i = name_end + spaces(b.get(name_end..)?);
    (name_end > at && b.get(i) == Some(&b'>')).then_some((at..name_end, i + 1))
}

/// The length of the ASCII XML name at the start of `b` (0 when none): a letter or `_`
/// first, then letters, digits, `_`, `-`, `.`, with at most one inner `:`.
fn name_len(b: &[u8]) -> usize {
    if !b
        .first()
        .is_some_and(|c| c.is_ascii_alphabetic() || *c == b'_')
    {
        return 0;
    }
    let len = b
        .iter()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.' | b':'))
        .count();
    let name = b.get(..len).unwrap_or_default();
    let colons = name.iter().filter(|c| **c == b':').count();
    let ok = colons == 0 || (colons == 1 && name.last() != Some(&b':'));
    if ok { len } else { 0 }
}

/// Some when `name` has no prefix, `xml:`, or one the root declares.
fn known_prefix(name: &str, prefixes: &[&str]) -> Option<()> {
    match colon(name) {
        _ if name.is_empty() => None,
        None => Some(()),
        Some(at) => {
            let p = name.get(..at)?;
            (p == "xml" || prefixes.contains(&p)).then_some(())
        }
    }
}

/// Where a name's `:` is (names are short: a plain loop beats a searcher).
fn colon(name: &str) -> Option<usize> {
    name.bytes().position(|c| c == b':')
}

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r')
}

/// Whether a text holds only characters read as they are: no control character but tab
/// and line feed (a `\r` is normalised by XML), no `]]>`, no U+FFFE/U+FFFF.
fn plain_chars(b: &[u8]) -> bool {
    b.iter().enumerate().all(|(i, c)| match c {
        0x20.. if *c != b']' && *c != 0xEF => true,
        b'\t' | b'\n' => true,
        b']' => b.get(i + 1..i + 3) != Some(b"]>"),
        0xEF => !matches!(b.get(i + 1..i + 3), Some([0xBF, 0xBE | 0xBF])),
        _ => false,
    })
}

/// The text at `at` between tags, with its entities and character references replaced
/// (written to `decoded`, which the event then points into).
fn text_at(text: &str, at: Range<usize>, decoded: &mut String) -> Option<Event> {
    let t = text.get(at.clone())?;
    if !plain_chars(t.as_bytes()) {
        return None;
    }
    let Some(first) = memchr::memchr(b'&', t.as_bytes()) else {
        return Some(Event::Text { at, decoded: false });
    };
    let start = decoded.len();
    decoded.push_str(t.get(..first)?);
    let mut rest = t.get(first..)?;
    while let Some(after) = rest.strip_prefix('&') {
        let semi = after.find(';')?;
        decoded.push(entity(after.get(..semi)?)?);
        rest = after.get(semi + 1..)?;
        let next = rest.find('&').unwrap_or(rest.len());
        decoded.push_str(rest.get(..next)?);
        rest = rest.get(next..)?;
    }
    Some(Event::Text {
        at: start..decoded.len(),
        decoded: true,
    })
}

/// The character an entity or character reference (between `&` and `;`) stands for, when
/// it is one XML defines without a DTD and a character kept as it is.
fn entity(r: &str) -> Option<char> {
    let n = match r {
        "amp" => return Some('&'),
        "lt" => return Some('<'),
        "gt" => return Some('>'),
        "quot" => return Some('"'),
        "apos" => return Some('\''),
        _ => match r.strip_prefix("#x") {
            Some(h) if !h.is_empty() && h.bytes().all(|c| c.is_ascii_hexdigit()) => {
                u32::from_str_radix(h, 16).ok()?
            }
            Some(_) => return None,
            None => {
                let d = r.strip_prefix('#')?;
                if d.is_empty() || !d.bytes().all(|c| c.is_ascii_digit()) {
                    return None;
                }
                d.parse().ok()?
            }
        },
    };
    char::from_u32(n).filter(|c| {
        matches!(c, '\t' | '\n') || (*c >= ' ' && !matches!(c, '\u{fffe}' | '\u{ffff}'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Rng;
    use roxmltree::{Document, ParsingOptions};

    const ROOT: &str =
        r#" xmlns="http://www.opengis.net/kml/2.2" xmlns:gx="http://www.google.com/kml/ext/2.2""#;

    type Read = (Vec<(String, String)>, Option<[f64; 2]>);

    /// The oracle: the placemark read as a tree under the root, as the loader does.
    fn by_tree(fragment: &str) -> Option<Read> {
        let opts = ParsingOptions {
            allow_dtd: false,
            nodes_limit: super::super::NODES_LIMIT,
        };
        let doc_text = format!("<kml{ROOT}>{fragment}</kml>");
        let doc = Document::parse_with_options(&doc_text, opts).ok()?;
        let p = doc.root_element().children().find(|c| c.is_element())?;
        let mut props = Vec::new();
        super::super::each_property(p, |k, v| props.push((k.to_string(), v)));
        Some((props, super::super::placemark_point(p)))
    }

    fn quick(fragment: &str, scratch: &mut Scratch) -> Option<Read> {
        let mut props = Vec::new();
        let prefixes = declared_prefixes(ROOT);
        let point = read(fragment, &prefixes, scratch, |k, v| {
            props.push((k.to_string(), v.to_string()))
        })?;
        Some((props, point))
    }

    /// Pieces a placemark's body is made of: what firm files hold, and what XML allows or
    /// forbids around it.
    const PIECES: &[&str] = &[
        "<name>甲 &amp; 乙</name>",
        "<name> a &lt;b&gt; &quot;c&quot; &apos;d&apos; &#20013;&#x6587; </name>",
        "<name><![CDATA[<b>x</b> & y]]></name>",
        "<name>one</name>",
        "<description>d1<![CDATA[ cd ]]>d2</description>",
        "<description/>",
        "<description>\r\nwindows line\r\n</description>",
        "<ExtendedData><SchemaData schemaUrl=\"#firms\"><SimpleData name=\"id\">S1</SimpleData><SimpleData name='lon'>114.02</SimpleData></SchemaData></ExtendedData>",
        "<ExtendedData><Data name=\"staff\"><value>12</value></Data><Data name=\"empty\"/><Data name=\"nv\"><displayName>n</displayName></Data></ExtendedData>",
        "<ExtendedData><Data name = \"seg\" ><value>a<b>b</b>c</value></Data></ExtendedData>",
        "<ExtendedData><Data name=\"a\" name=\"b\"><value>dup</value></Data></ExtendedData>",
        "<ExtendedData><SimpleData name=\"tab\tin\">v</SimpleData></ExtendedData>",
        "<ExtendedData><SimpleData name=\"x\">&bogus;</SimpleData></ExtendedData>",
        "<ExtendedData><SimpleData name=\"x\">&#0;</SimpleData></ExtendedData>",
        "<ExtendedData><SimpleData name=\"x\">&#x+41;</SimpleData></ExtendedData>",
        "<ExtendedData><SimpleData name=\"x\">a]]>b</SimpleData></ExtendedData>",
        "<ExtendedData><SimpleData name=\"x\">a\u{1}b</SimpleData></ExtendedData>",
        "<ExtendedData><SimpleData name=\"x\">a</simpledata></ExtendedData>",
        "<ExtendedData><Data name=\"d\"><value>1</value><value>2</value></Data></ExtendedData>",
        "<Point><coordinates>114.05,22.54,0</coordinates></Point>",
        "<Point><gx:altitudeMode>clampToGround</gx:altitudeMode><coordinates> 113.9 , 22.6 </coordinates></Point>",
        "<Point><coordinates>bad 114.1,22.5</coordinates></Point>",
        "<Point><coordinates>1e2,2.25e1</coordinates></Point>",
        "<Point/>",
        "<gx:Point><coordinates>1,2</coordinates></gx:Point>",
        "<zz:Point><coordinates>1,2</coordinates></zz:Point>",
        "<LineString><coordinates>114,22 114.1,22.1</coordinates></LineString>",
        "<MultiGeometry><Point><coordinates>114.1,22.5</coordinates></Point></MultiGeometry>",
        "<!-- a comment -->",
        "<?pi x?>",
        "<styleUrl>#s</styleUrl>",
        "<visibility>1</visibility><address>深圳 南山</address>",
        "<x.y-z_1 a='1'   b=\"2\"/>",
        "<a b=\"1\"c=\"2\"/>",
        "<a xml:lang=\"zh\">t</a>",
        "<a gx:b=\"1\"/>",
        "<a xmlns:q=\"urn:q\"><q:b/></a>",
        "<a>&#xD;</a>",
        "<name>unclosed",
        "</b>",
        "<a><b></a></b>",
        "text &amp; more",
        "  \n\t",
    ];

    fn placemark(rng: &mut Rng) -> String {
        let n = (rng.next_u64() % 6) as usize;
        let body: String = (0..n)
            .map(|_| PIECES[(rng.next_u64() % PIECES.len() as u64) as usize])
            .collect();
        match rng.next_u64() % 8 {
            0 => "<Placemark/>".to_string(),
            1 => format!("<Placemark id='p'\n>{body}</Placemark >"),
            _ => format!("<Placemark id=\"firms.1\">{body}</Placemark>"),
        }
    }

    /// Random placemarks read here equal the tree's reading: the same properties in the
    /// same order and the same point. A placemark the tree refuses is never read here, and
    /// most of those it reads are read here too.
    #[test]
    fn placemarks_read_without_a_tree_equal_the_trees_reading() {
        let mut rng = Rng::new(7);
        let mut scratch = Scratch::default();
        let (mut read_here, mut tree_ok) = (0, 0);
        for _ in 0..20_000 {
            let p = placemark(&mut rng);
            let tree = by_tree(&p);
            tree_ok += usize::from(tree.is_some());
            if let Some(ours) = quick(&p, &mut scratch) {
                read_here += 1;
                assert_eq!(Some(ours), tree, "{p}");
            }
        }
        assert!(read_here * 10 > tree_ok * 2, "{read_here} of {tree_ok}");
        assert!(read_here > 2_000, "{read_here}");
    }

    /// Placemarks cut, bytes dropped or doubled, or one of XML's special characters put in
    /// at random: whatever this reader accepts, the tree reads the same way.
    #[test]
    fn damaged_placemarks_are_read_as_the_tree_reads_them_or_left_to_it() {
        let mut rng = Rng::new(11);
        let mut scratch = Scratch::default();
        let specials = [
            "<", ">", "&", ";", "\"", "'", "/", "!", ":", "\r", "=", " ", "]]>", "&#",
        ];
        let mut accepted = 0;
        for _ in 0..20_000 {
            let p = placemark(&mut rng);
            let mut b = p.clone().into_bytes();
            for _ in 0..1 + rng.next_u64() % 3 {
                let at = (rng.next_u64() % (b.len() as u64 + 1)) as usize;
                match rng.next_u64() % 3 {
                    0 if at < b.len() => {
                        b.remove(at);
                    }
                    1 if at < b.len() => {
                        let c = b[at];
                        b.insert(at, c);
                    }
                    _ => {
                        let s = specials[(rng.next_u64() % specials.len() as u64) as usize];
                        b.splice(at..at, s.bytes());
                    }
                }
            }
            let Ok(damaged) = String::from_utf8(b) else {
                continue;
            };
            if let Some(ours) = quick(&damaged, &mut scratch) {
                accepted += 1;
                assert_eq!(Some(ours), by_tree(&damaged), "{damaged:?} from {p:?}");
            }
        }
        assert!(accepted > 1_000, "{accepted}");
    }

    /// The firm placemark GeoPandas (GDAL) writes is read here, and equals the tree's.
    #[test]
    fn a_gdal_firm_placemark_is_read_without_a_tree() {
        let p = "<Placemark id=\"firms.1\">\n\t<name>示例企业0000001</name>\n\t<ExtendedData><SchemaData schemaUrl=\"#firms\">\n\t\t<SimpleData name=\"id\">S0000001</SimpleData>\n\t\t<SimpleData name=\"lon\">114.022014</SimpleData>\n\t</SchemaData></ExtendedData>\n      <Point><coordinates>114.022014,22.531776</coordinates></Point>\n  </Placemark>";
        let ours = quick(p, &mut Scratch::default()).unwrap();
        assert_eq!(Some(ours.clone()), by_tree(p));
        assert_eq!(ours.1, Some([114.022014, 22.531776]));
        assert_eq!(ours.0.len(), 3);
    }
}
