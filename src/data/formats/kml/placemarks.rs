//! Large KML documents read a Placemark at a time, on all threads. The whole tree of a
//! million-firm document (tens of millions of nodes) is more than a loader should hold, and
//! placemarks are independent of each other. Comments and CDATA sections are skipped while
//! the text is cut, so a commented-out placemark stays out, as it does from the whole tree.

use std::ops::Range;

use rayon::prelude::*;
use roxmltree::{Document, Node, ParsingOptions};

/// Where each Placemark element lies in `text`, the attributes of the `<kml>` root's start
/// tag (its namespace declarations, which every placemark is read under), and the deepest
/// nesting of elements outside the placemarks, the root and a placemark's own level
/// included. None when the text cannot be cut so: no `<kml` root, a comment, CDATA section
/// or placemark not closed, placemarks nested or prefixed, or none at all.
///
/// The word `Placemark` is searched for, not every tag: inside a placemark only a comment
/// or CDATA section (which may hold the word) and the placemark's end matter.
pub(super) fn cut(text: &str) -> Option<Cut<'_>> {
    let b = text.as_bytes();
    let mut root_at = 0;
    let root_at = loop {
        let at = root_at + memchr::memmem::find(b.get(root_at..)?, b"<kml")?;
        if tag_ends(b.get(at + 4..)?) {
            break at;
        }
        root_at = at + 4;
    };
    let root_end = root_at + memchr::memchr(b'>', b.get(root_at..)?)?;
    let root = text.get(root_at + 4..root_end)?.trim_end_matches('/');
    let word = memchr::memmem::Finder::new(b"Placemark");
    let bang = memchr::memmem::Finder::new(b"<!");
    let mut cut = Cut {
        root,
        ranges: Vec::new(),
        depth: 0,
    };
    // Elements open outside the placemarks (the root's start tag is scanned with them),
    // and where the text outside a placemark not yet scanned for them starts.
    let (mut depth, mut outside) = (0, Some(root_at));
    let mut open = None;
    let mut i = root_end;
    // The next `<!` at or after `i` (usize::MAX: none left), searched again only once passed.
    let mut next_bang = 0;
    loop {
        if next_bang < i {
            next_bang = bang.find(b.get(i..)?).map_or(usize::MAX, |k| i + k);
        }
        let hit = word.find(b.get(i..)?).map(|k| i + k);
        // A comment or CDATA section before the next placemark tag (or after the last).
        let at = next_bang;
        if at != usize::MAX && hit.is_none_or(|h| at < h.saturating_sub(2)) {
            if let Some(from) = outside {
                super::depth_of(b.get(from..at)?, &mut depth, &mut cut.depth);
            }
            i = skip_bang(b, at)?;
            outside = outside.map(|_| i);
            continue;
        }
        let Some(hit) = hit else {
            break;
        };
        let after = b.get(hit + 9..)?;
        let (start, end) = (hit.wrapping_sub(1), hit.wrapping_sub(2));
        i = if b.get(start) == Some(&b'<') && tag_ends(after) {
            if open.is_some() {
                return None;
            }
            let from = outside.take()?;
            super::depth_of(b.get(from..start)?, &mut depth, &mut cut.depth);
            let tag_end = start + memchr::memchr(b'>', b.get(start..)?)? + 1;
            if b.get(tag_end - 2) == Some(&b'/') {
                cut.ranges.push(start..tag_end);
                outside = Some(tag_end);
            } else {
                cut.depth = cut.depth.max(depth + 1);
                open = Some(start);
            }
            tag_end
        } else if b.get(end..hit) == Some(b"</") && tag_ends(after) {
            let tag_end = hit + memchr::memchr(b'>', after)? + 10;
            cut.ranges.push(open.take()?..tag_end);
            outside = Some(tag_end);
            tag_end
        } else if b.get(start) == Some(&b':') {
            // A prefixed placemark (`<kml:Placemark>`): the whole tree reads it.
            return None;
        } else {
            hit + 9
        };
    }
    if let Some(from) = outside {
        super::depth_of(b.get(from..)?, &mut depth, &mut cut.depth);
    }
    (open.is_none() && !cut.ranges.is_empty()).then_some(cut)
}

/// A document cut into its placemarks ([`cut`]).
pub(super) struct Cut<'a> {
    pub root: &'a str,
    pub ranges: Vec<Range<usize>>,
    /// The deepest nesting outside the placemarks, a placemark's own level included.
    pub depth: usize,
}

/// Past the `<!` at `at`: a comment or CDATA section (None when it is not closed), or the
/// two bytes of another declaration.
fn skip_bang(b: &[u8], at: usize) -> Option<usize> {
    let rest = b.get(at + 2..)?;
    if rest.starts_with(b"--") {
        Some(at + 4 + memchr::memmem::find(b.get(at + 4..)?, b"-->")? + 3)
    } else if rest.starts_with(b"[CDATA[") {
        Some(at + 9 + memchr::memmem::find(b.get(at + 9..)?, b"]]>")? + 3)
    } else {
        Some(at + 2)
    }
}

/// Adds a placemark to a run from its text, or says it cannot (see [`runs`]).
pub(super) type Quick<R> = Option<fn(&mut R, &str, &[&str]) -> bool>;

/// Whether a tag name ends where `after` starts (white space, `>` or `/`).
fn tag_ends(after: &[u8]) -> bool {
    matches!(
        after.first(),
        Some(b' ' | b'\t' | b'\n' | b'\r' | b'>' | b'/')
    )
}

/// Each placemark of `text` (at `ranges`, read under the root's attributes `root`) added by
/// `add` to a run of `R`, runs of placemarks on all threads; the runs in document order.
/// `quick` may add a placemark from its text first (given the prefixes the root declares),
/// saying whether it did; the rest are read as trees. Err names a placemark that is not
/// valid XML, by its number and line.
pub(super) fn runs<R: Default + Send>(
    text: &str,
    Cut {
        root,
        ranges,
        depth,
    }: &Cut,
    nodes_limit: u32,
    (add, quick): (impl Fn(&mut R, Node) + Sync, Quick<R>),
) -> Result<Vec<R>, String> {
    let len = (ranges.len() / (rayon::current_num_threads() * 8)).clamp(64, 16_384);
    let opts = ParsingOptions {
        allow_dtd: false,
        nodes_limit,
    };
    // A root the tree refuses fails every placemark there: none is read without it.
    let root_ok = Document::parse_with_options(&format!("<kml{root}/>"), opts).is_ok();
    // The tree counts a placemark's depth; one read without it nests at most MAX_NESTING.
    let shallow = depth + super::quick::MAX_NESTING <= super::MAX_DEPTH;
    let quick = quick.filter(|_| root_ok && shallow);
    let prefixes = super::quick::declared_prefixes(root);
    ranges
        .par_chunks(len)
        .enumerate()
        .map(|(c, chunk)| {
            let mut run = R::default();
            for (j, r) in chunk.iter().enumerate() {
                let fragment = text.get(r.clone()).unwrap_or_default();
                if quick.is_some_and(|q| q(&mut run, fragment, &prefixes)) {
                    continue;
                }
                // The placemarks' own nesting was not counted in the cut.
                if depth.saturating_sub(1) + super::max_depth(fragment) > super::MAX_DEPTH {
                    return Err(super::too_deep());
                }
                let doc_text = format!("<kml{root}>{fragment}</kml>");
                let bad = |e: String| {
                    let before = text.as_bytes().get(..r.start).unwrap_or_default();
                    let line = 1 + memchr::memchr_iter(b'\n', before).count();
                    let k = c * len + j + 1;
                    format!("placemark {k} (line {line}) is not valid KML/XML ({e})")
                };
                let doc = Document::parse_with_options(&doc_text, opts)
                    .map_err(|e| bad(e.to_string()))?;
                let p = doc
                    .root_element()
                    .children()
                    .find(|c| c.is_element())
                    .ok_or_else(|| bad("no element".into()))?;
                add(&mut run, p);
            }
            Ok(run)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::{NODES_LIMIT, read_with};
    use super::cut;

    /// A document with what trips a cut by text: a placemark commented out, CDATA holding
    /// placemark tags, a self-closing placemark, a prefixed element under a namespace the
    /// root declares, attributes and nested geometries.
    const DOC: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2" xmlns:gx="http://www.google.com/kml/ext/2.2">
<Document><name>企业</name><Folder><name>A</name>
<!-- <Placemark><name>commented out</name><Point><coordinates>1,2</coordinates></Point></Placemark> -->
<Placemark id="p1"><name>甲 &amp; 乙</name><description><![CDATA[<b>x</b> </Placemark> <Placemark>]]></description>
 <ExtendedData><Data name="segment"><value>hardware</value></Data></ExtendedData>
 <Point><gx:altitudeMode>clampToGround</gx:altitudeMode><coordinates>114.05,22.54,0</coordinates></Point></Placemark>
<Placemark/>
<Placemarks>not a placemark</Placemarks>
<Placemark><name>多</name><MultiGeometry><Point><coordinates>114.1,22.6</coordinates></Point>
 <Polygon><outerBoundaryIs><LinearRing><coordinates>114,22.5 114.1,22.5 114.1,22.6 114,22.5</coordinates></LinearRing></outerBoundaryIs></Polygon>
</MultiGeometry></Placemark>
</Folder></Document></kml>"#;

    /// Read a placemark at a time, the document gives the whole tree's features exactly (the
    /// oracle), also when each placemark's tree must stay under a small node limit.
    #[test]
    fn placemarks_read_one_at_a_time_equal_the_whole_tree() {
        let whole = read_with(DOC, "t.kml", (usize::MAX, NODES_LIMIT)).unwrap();
        let features = whole.collection["features"].as_array().unwrap();
        assert_eq!(features.len(), 3);
        assert_eq!(features[0]["properties"]["name"], "甲 & 乙");
        assert_eq!(features[0]["properties"]["segment"], "hardware");
        let c = cut(DOC).unwrap();
        assert!(c.root.contains("xmlns:gx"), "{}", c.root);
        assert_eq!(c.ranges.len(), 3);
        // kml, Document, Folder, Placemark.
        assert_eq!(c.depth, 4);
        for limit in [NODES_LIMIT, 40] {
            let one_by_one = read_with(DOC, "t.kml", (0, limit)).unwrap();
            assert_eq!(one_by_one.collection, whole.collection);
        }
        let small = read_with(DOC, "t.kml", (usize::MAX, 40))
            .unwrap_err()
            .to_string();
        assert!(small.contains("more than 40 XML nodes"), "{small}");
    }

    /// A document nesting too deep is refused cut or whole, whether the depth is outside
    /// the placemarks or inside one; the same depth inside a comment is no nesting to a cut.
    #[test]
    fn nesting_too_deep_is_refused_read_either_way() {
        let deep = |n: usize| format!("{}{}", "<a>".repeat(n), "</a>".repeat(n));
        let point = "<Point><coordinates>114,22</coordinates></Point>";
        let outside = format!(
            "<kml><Document>{}<Placemark>{point}</Placemark></Document></kml>",
            deep(300)
        );
        let inside = format!(
            "<kml><Document><Placemark>{}{point}</Placemark></Document></kml>",
            deep(300)
        );
        let fine = format!(
            "<kml><Document>{}<Placemark>{point}</Placemark></Document></kml>",
            deep(200)
        );
        for by_placemark in [usize::MAX, 0] {
            for doc in [&outside, &inside] {
                let e = read_with(doc, "d.kml", (by_placemark, NODES_LIMIT)).unwrap_err();
                assert!(e.to_string().contains("more than 256 deep"), "{e}");
            }
            assert!(read_with(&fine, "d.kml", (by_placemark, NODES_LIMIT)).is_ok());
        }
        assert_eq!(cut(&outside).unwrap().depth, 302);
        let commented = format!("<kml><!-- {} --><Placemark/></kml>", deep(300));
        assert_eq!(cut(&commented).unwrap().depth, 1);
    }

    /// A broken placemark is named by its number and line; a text that cannot be cut (an
    /// unclosed comment, nested placemarks) goes to the whole tree, which says what is wrong.
    #[test]
    fn a_bad_placemark_is_named_and_uncuttable_text_is_read_whole() {
        let bad = DOC.replace("<name>多</name>", "<name>多</nam>");
        let e = read_with(&bad, "b.kml", (0, NODES_LIMIT))
            .unwrap_err()
            .to_string();
        assert!(e.contains("placemark 3 (line 10)"), "{e}");
        assert!(cut(&DOC.replace("-->", "")).is_none());
        let nested = DOC.replace("<Placemark/>", "<Placemark><Placemark/></Placemark>");
        assert!(cut(&nested).is_none());
        assert!(cut("<kmlx><Placemark/></kmlx>").is_none());
        let e = read_with(&DOC.replace("-->", ""), "c.kml", (0, NODES_LIMIT))
            .unwrap_err()
            .to_string();
        assert!(e.contains("not valid KML/XML"), "{e}");
    }
}
