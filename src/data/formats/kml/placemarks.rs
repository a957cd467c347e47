//! Large KML documents read a Placemark at a time, on all threads. The whole tree of a
//! million-firm document (tens of millions of nodes) is more than a loader should hold, and
//! placemarks are independent of each other. Comments and CDATA sections are skipped while
//! the text is cut, so a commented-out placemark stays out, as it does from the whole tree.

use std::ops::Range;

use rayon::prelude::*;
use roxmltree::{Document, Node, ParsingOptions};

/// Where each Placemark element lies in `text`, and the attributes of the `<kml>` root's
/// start tag (its namespace declarations, which every placemark is read under). None when
/// the text cannot be cut so: no `<kml` root, a comment, CDATA section or placemark not
/// closed, placemarks nested, or none at all.
pub(super) fn cut(text: &str) -> Option<(&str, Vec<Range<usize>>)> {
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
    let (mut ranges, mut open) = (Vec::new(), None);
    let mut i = root_end;
    while let Some(off) = memchr::memchr(b'<', b.get(i..)?) {
        let at = i + off;
        let rest = b.get(at + 1..)?;
        // The end of the tag starting at `at` (after its `>`).
        let tag_end = || memchr::memchr(b'>', rest).map(|k| at + k + 2);
        i = if rest.starts_with(b"!--") {
            at + 4 + memchr::memmem::find(b.get(at + 4..)?, b"-->")? + 3
        } else if rest.starts_with(b"![CDATA[") {
            at + 9 + memchr::memmem::find(b.get(at + 9..)?, b"]]>")? + 3
        } else if let Some(after) = rest.strip_prefix(b"Placemark")
            && tag_ends(after)
        {
            if open.is_some() {
                return None;
            }
            let end = tag_end()?;
            if b.get(end - 2) == Some(&b'/') {
                ranges.push(at..end);
            } else {
                open = Some(at);
            }
            end
        } else if let Some(after) = rest.strip_prefix(b"/Placemark")
            && tag_ends(after)
        {
            let end = tag_end()?;
            ranges.push(open.take()?..end);
            end
        } else {
            at + 1
        };
    }
    (open.is_none() && !ranges.is_empty()).then_some((root, ranges))
}

/// Whether a tag name ends where `after` starts (white space, `>` or `/`).
fn tag_ends(after: &[u8]) -> bool {
    matches!(
        after.first(),
        Some(b' ' | b'\t' | b'\n' | b'\r' | b'>' | b'/')
    )
}

/// Each placemark of `text` (at `ranges`, read under the root's attributes `root`) added by
/// `add` to a run of `R`, runs of placemarks on all threads; the runs in document order.
/// Err names a placemark that is not valid XML, by its number and line.
pub(super) fn runs<R: Default + Send>(
    text: &str,
    root: &str,
    ranges: &[Range<usize>],
    nodes_limit: u32,
    add: impl Fn(&mut R, Node) + Sync,
) -> Result<Vec<R>, String> {
    let len = (ranges.len() / (rayon::current_num_threads() * 8)).clamp(64, 16_384);
    let opts = ParsingOptions {
        allow_dtd: false,
        nodes_limit,
    };
    ranges
        .par_chunks(len)
        .enumerate()
        .map(|(c, chunk)| {
            let mut run = R::default();
            for (j, r) in chunk.iter().enumerate() {
                let fragment = text.get(r.clone()).unwrap_or_default();
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
        let (root, ranges) = cut(DOC).unwrap();
        assert!(root.contains("xmlns:gx"), "{root}");
        assert_eq!(ranges.len(), 3);
        for limit in [NODES_LIMIT, 40] {
            let one_by_one = read_with(DOC, "t.kml", (0, limit)).unwrap();
            assert_eq!(one_by_one.collection, whole.collection);
        }
        let small = read_with(DOC, "t.kml", (usize::MAX, 40))
            .unwrap_err()
            .to_string();
        assert!(small.contains("more than 40 XML nodes"), "{small}");
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
