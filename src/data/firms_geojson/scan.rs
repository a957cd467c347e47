//! Where each feature's text lies in a FeatureCollection, found without reading it as JSON:
//! a scan of its structure (strings, brackets, commas), cut into chunks read on all threads.
//!
//! A chunk other than the first starts at a guess: the first `}` `,` `{` past its cut. The
//! scan of the chunk before it, which starts where it truly is, must then reach a feature
//! starting exactly there; otherwise it reads on past the guess itself. A scan is fully
//! decided by where it starts, so the features found are those of one scan from the start.
//! Only the structure is checked here: each feature's text is then read as JSON, and the
//! document's other members too ([`Scanned::outer`]), which together check the whole file.

use rayon::prelude::*;

/// A FeatureCollection's features as slices of its text, and the document with the features
/// array replaced by `[]` (its other members, read as JSON by the caller).
#[derive(Debug, PartialEq)]
pub(super) struct Scanned<'a> {
    pub features: Vec<&'a str>,
    pub outer: String,
}

/// How a chunk's scan ended.
#[derive(Debug, Clone, Copy, PartialEq)]
enum End {
    /// At a feature starting at or past the next chunk's guess (its position).
    Reached(usize),
    /// At the features array's end (the position after its `]`).
    Closed(usize),
    /// Not a features array this scan can read: a feature that is not an object, a bracket
    /// or comma out of place, or the text's end. The caller reads the file as before.
    Broken,
}

/// The features of a collection, found in chunks of about `chunk` bytes, or None when the
/// text is not shaped as this scan reads (no top-level `features` array found by its plain
/// key, a feature that is not an object, a structure error): the caller then reads it whole.
pub(super) fn scan(text: &str, chunk: usize) -> Option<Scanned<'_>> {
    let b = text.as_bytes();
    let open = features_array(b)?;
    let first = skip_ws(b, open + 1);
    let (spans, close) = if b.get(first) == Some(&b']') {
        (Vec::new(), first + 1)
    } else {
        features_in_chunks(b, first, chunk.max(1))?
    };
    let mut outer = String::with_capacity(open + 2 + (b.len() - close));
    outer.push_str(text.get(..open)?);
    outer.push_str("[]");
    outer.push_str(text.get(close..)?);
    let features = spans
        .into_iter()
        .map(|(s, e)| text.get(s..e))
        .collect::<Option<_>>()?;
    Some(Scanned { features, outer })
}

/// The objects of an array that is the whole text (JSON records: `[{…}, {…}]`), as slices
/// of it, found in chunks of about `chunk` bytes as a collection's features are; None when
/// the text is not such an array (an empty one, an item that is not an object, anything
/// after its `]`, a structure error).
pub(crate) fn root_objects(text: &str, chunk: usize) -> Option<Vec<&str>> {
    let b = text.as_bytes();
    let open = skip_ws(b, 0);
    if b.get(open) != Some(&b'[') {
        return None;
    }
    let (spans, close) = features_in_chunks(b, skip_ws(b, open + 1), chunk.max(1))?;
    if skip_ws(b, close) != b.len() {
        return None;
    }
    spans.into_iter().map(|(s, e)| text.get(s..e)).collect()
}

/// The features' spans from `first` (the first feature's start) and the position after the
/// array's `]`: chunks scanned in parallel from their guesses, then chained in order.
#[allow(clippy::type_complexity)]
fn features_in_chunks(
    b: &[u8],
    first: usize,
    chunk: usize,
) -> Option<(Vec<(usize, usize)>, usize)> {
    // Each chunk's starting guess; the first is known. Guesses only grow.
    let mut starts = vec![first];
    let mut cut = first + chunk;
    while cut < b.len() {
        match guess_after(b, cut) {
            Some(g) if g > *starts.last()? => {
                starts.push(g);
                cut = g + chunk;
            }
            _ => break,
        }
    }
    let scans: Vec<(Vec<(usize, usize)>, End)> = (0..starts.len())
        .into_par_iter()
        .map(|i| {
            let stop = starts.get(i + 1).copied().unwrap_or(usize::MAX);
            scan_features(b, starts.get(i).copied().unwrap_or(b.len()), stop)
        })
        .collect();
    let mut spans = Vec::new();
    for (i, (found, end)) in scans.into_iter().enumerate() {
        spans.extend(found);
        match end {
            End::Closed(close) => return Some((spans, close)),
            End::Broken => return None,
            // The next chunk started where a feature truly starts: its scan is the truth.
            End::Reached(at) if starts.get(i + 1) == Some(&at) => {}
            // A wrong guess: read on from here, one chunk's work on this thread.
            End::Reached(at) => {
                let (rest, end) = scan_features(b, at, usize::MAX);
                spans.extend(rest);
                return match end {
                    End::Closed(close) => Some((spans, close)),
                    _ => None,
                };
            }
        }
    }
    None
}

/// A guess at a feature's start at or after `from`: the `{` of the first `}` `,` `{` (white
/// space allowed between), which is how one feature follows another.
fn guess_after(b: &[u8], from: usize) -> Option<usize> {
    let mut at = from;
    loop {
        let close = at + memchr::memchr(b'}', b.get(at..)?)?;
        let comma = skip_ws(b, close + 1);
        if b.get(comma) == Some(&b',') {
            let open = skip_ws(b, comma + 1);
            if b.get(open) == Some(&b'{') {
                return Some(open);
            }
        }
        at = close + 1;
    }
}

/// Features (objects) from `at`, a feature's start, until one starts at or past `stop`, or
/// the array ends.
fn scan_features(b: &[u8], mut at: usize, stop: usize) -> (Vec<(usize, usize)>, End) {
    let mut spans = Vec::new();
    loop {
        if at >= stop {
            return (spans, End::Reached(at));
        }
        if b.get(at) != Some(&b'{') {
            return (spans, End::Broken);
        }
        let Some(end) = skip_nested(b, at) else {
            return (spans, End::Broken);
        };
        spans.push((at, end));
        let next = skip_ws(b, end);
        match b.get(next) {
            Some(b',') => at = skip_ws(b, next + 1),
            Some(b']') => return (spans, End::Closed(next + 1)),
            _ => return (spans, End::Broken),
        }
    }
}

/// The position of the top-level `"features"` member's `[`: the document's members walked
/// in order, other values skipped by their structure. None when the text is not an object,
/// has no such member spelled plainly, or its value is not an array.
fn features_array(b: &[u8]) -> Option<usize> {
    let mut i = skip_ws(b, 0);
    if b.get(i) != Some(&b'{') {
        return None;
    }
    loop {
        i = skip_ws(b, i + 1);
        if b.get(i) != Some(&b'"') {
            return None;
        }
        let key_end = string_end(b, i + 1)?;
        let key = b.get(i + 1..key_end - 1)?;
        i = skip_ws(b, key_end);
        if b.get(i) != Some(&b':') {
            return None;
        }
        i = skip_ws(b, i + 1);
        if key == b"features" {
            return (b.get(i) == Some(&b'[')).then_some(i);
        }
        i = skip_ws(b, skip_value(b, i)?);
        if b.get(i) != Some(&b',') {
            return None;
        }
    }
}

/// The position after the value starting at `i`: a string, an object or array, or a plain
/// word or number (up to the next `,`, `}`, `]` or white space).
fn skip_value(b: &[u8], i: usize) -> Option<usize> {
    match b.get(i)? {
        b'"' => string_end(b, i + 1),
        b'{' | b'[' => skip_nested(b, i),
        _ => {
            let len = b
                .get(i..)?
                .iter()
                .position(|c| matches!(c, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r'))?;
            (len > 0).then_some(i + len)
        }
    }
}

/// The position after the object or array opening at `i` and its matching close (brackets
/// counted outside strings; which bracket closes which is left to the JSON reader).
fn skip_nested(b: &[u8], i: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut at = i;
    while let Some(&c) = b.get(at) {
        match c {
            b'"' => {
                at = string_end(b, at + 1)?;
                continue;
            }
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(at + 1);
                }
            }
            _ => {}
        }
        at += 1;
    }
    None
}

/// The position after the closing quote of the string whose text starts at `i` (a
/// backslash escapes the byte after it).
fn string_end(b: &[u8], mut i: usize) -> Option<usize> {
    loop {
        let at = i + memchr::memchr2(b'"', b'\\', b.get(i..)?)?;
        if b.get(at) == Some(&b'"') {
            return Some(at + 1);
        }
        i = at + 2;
    }
}

/// The first position at or after `i` that is not JSON white space.
fn skip_ws(b: &[u8], i: usize) -> usize {
    let rest = b.get(i..).unwrap_or_default();
    i + rest
        .iter()
        .position(|c| !matches!(c, b' ' | b'\t' | b'\n' | b'\r'))
        .unwrap_or(rest.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The features as serde_json finds them (the oracle): the `features` array's elements
    /// as raw text.
    fn by_serde(text: &str) -> Vec<&str> {
        #[derive(serde::Deserialize)]
        struct Doc<'a> {
            #[serde(borrow)]
            features: Vec<&'a serde_json::value::RawValue>,
        }
        let doc: Doc = serde_json::from_str(text).unwrap();
        doc.features.iter().map(|r| r.get()).collect()
    }

    /// Random collections whose features hold what fools a guess (`},{` in strings, arrays
    /// of objects, escaped quotes and backslashes, white space everywhere), scanned in
    /// chunks of every size from 1 byte: the same features as serde_json's, and the other
    /// members kept.
    #[test]
    fn chunked_scans_find_serde_jsons_features() {
        let pool = [
            r#"{"type":"Feature","properties":{"a":1},"geometry":{"type":"Point","coordinates":[114.1,22.5]}}"#,
            r#"{"type":"Feature","properties":{"s":"x},{\"y\": [1]}, {"},"geometry":null}"#,
            r#"{"type":"Feature","properties":{"list":[{"a":1},{"b":[2,{"c":3}]}]},"geometry":null}"#,
            r#"{ "type" : "Feature" ,
                "properties" : { "back" : "ends in \\" , "q" : "\"}]" } }"#,
            r#"{"properties":{"n":[],"o":{}},"type":"Feature"}"#,
            r#"{}"#,
            r#"{"type":"Feature","properties":{"名称":"甲},{乙"},"geometry":null}"#,
        ];
        let mut rng = crate::model::Rng::new(5);
        let mut found = 0;
        for round in 0..300 {
            let n = (rng.next_u64() % 9) as usize;
            let feats: Vec<&str> = (0..n)
                .map(|_| pool[(rng.next_u64() % pool.len() as u64) as usize])
                .collect();
            let sep = [",", " ,\n ", "\r\n,\t"][round % 3];
            let before = [
                r#""name":"a}, {b","#,
                r#""bbox":[1,2,3,4], "n": -1.5e3, "#,
                "",
            ][round % 3];
            let text = format!(
                " {{\"type\":\"FeatureCollection\", {before}\"features\" : [ {} ] ,\"crs\":null}} ",
                feats.join(sep)
            );
            let want = by_serde(&text);
            for chunk in [1, 2, 3, 7, 20, 64, 1000] {
                let got = scan(&text, chunk).unwrap_or_else(|| panic!("{chunk} {text}"));
                assert_eq!(got.features, want, "{chunk} {text}");
                let outer: serde_json::Value = serde_json::from_str(&got.outer).unwrap();
                assert_eq!(outer["features"], serde_json::json!([]), "{text}");
                assert_eq!(outer["type"], "FeatureCollection");
                assert!(outer.get("crs").is_some(), "{}", got.outer);
            }
            found += want.len();
        }
        assert!(found > 800, "{found}");
    }

    /// A root array of records scanned in chunks: serde_json's elements (the oracle); an
    /// empty array, a non-object item, text after the `]` or a broken array give None.
    #[test]
    fn root_arrays_give_serde_jsons_objects() {
        let pool = [
            r#"{"name":"x},{\"y\": [1]}, {","lng":114.1}"#,
            r#"{"list":[{"a":1},{"b":[2,{"c":3}]}],"s":"ends in \\"}"#,
            r#"{ "名称" : "甲},{乙" }"#,
            "{}",
        ];
        let mut rng = crate::model::Rng::new(9);
        for round in 0..200 {
            let n = 1 + (rng.next_u64() % 9) as usize;
            let items: Vec<&str> = (0..n)
                .map(|_| pool[(rng.next_u64() % pool.len() as u64) as usize])
                .collect();
            let text = format!(" [ {} ]\n", items.join([",", " ,\n "][round % 2]));
            let raw: Vec<&serde_json::value::RawValue> = serde_json::from_str(&text).unwrap();
            let want: Vec<&str> = raw.iter().map(|r| r.get()).collect();
            for chunk in [1, 3, 20, 1000] {
                assert_eq!(
                    root_objects(&text, chunk),
                    Some(want.clone()),
                    "{chunk} {text}"
                );
            }
        }
        for text in [
            "[]",
            r#"[{"a":1},5]"#,
            r#"[{"a":1}] x"#,
            r#"[{"a":1}"#,
            r#"{"a":[{}]}"#,
        ] {
            assert_eq!(root_objects(text, 4), None, "{text}");
        }
    }

    /// What this scan does not read is left to the whole-file reader: a feature that is not
    /// an object, a missing comma, an unclosed array or string, no plain `features` key.
    #[test]
    fn unusual_or_broken_collections_are_left_to_the_json_reader() {
        for text in [
            r#"{"type":"FeatureCollection","features":[{"a":1},5]}"#,
            r#"{"type":"FeatureCollection","features":[{"a":1} {"b":2}]}"#,
            r#"{"type":"FeatureCollection","features":[{"a":1},{"b":2}"#,
            r#"{"type":"FeatureCollection","features":[{"a":"1}]}"#,
            r#"{"type":"FeatureCollection","feat\u0075res":[{"a":1}]}"#,
            r#"{"type":"FeatureCollection","features":{"a":1}}"#,
            r#"[{"a":1}]"#,
            "",
        ] {
            for chunk in [1, 4, 100] {
                assert_eq!(scan(text, chunk), None, "{text}");
            }
        }
        let empty = scan(r#"{"features": [ ] ,"type":"FeatureCollection"}"#, 1).unwrap();
        assert!(empty.features.is_empty());
        assert_eq!(
            empty.outer,
            r#"{"features": [] ,"type":"FeatureCollection"}"#
        );
    }
}
