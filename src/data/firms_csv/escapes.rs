//! R's `write.table` escapes quotes inside quoted fields with a backslash (`"示例\"星光\""`,
//! its default `qmethod = "escape"`) where CSV doubles them. A file whose first rows hold
//! such a quote has each of them rewritten as a doubled quote before it is read: the same
//! length, so offsets and line numbers stay, and every later step reads plain CSV.

use std::borrow::Cow;

use memchr::memmem;

use super::{FirmLoadOptions, HeaderOf, LoadError, header_of};

/// Bytes of the body looked through (the first rows say how the file was written).
const LOOKED_AT: usize = 4 << 20;

use crate::model::quotes::backslash_is_break as is_break;

/// True when `next` (the byte after a quote) ends the field the quote closes.
fn ends_field(next: Option<&u8>, delimiter: u8) -> bool {
    next.is_none_or(|&b| is_break(b, delimiter))
}

/// The line (counting from 1 after `lines_before` lines) of the first backslash-escaped quote
/// in the first [`LOOKED_AT`] bytes of `body`: `\"` followed by neither a quote, the
/// delimiter nor a line end. In plain CSV a backslash before a quote inside a field is
/// followed by the quote's double (`"C:\""x"""`), or ends the field (`"C:\"`).
pub(crate) fn first_backslash_quote(body: &str, delimiter: u8, lines_before: u64) -> Option<u64> {
    let bytes = body.as_bytes();
    let at = first_at(bytes, delimiter)?;
    let above = bytes.get(..at).unwrap_or(&[]);
    Some(lines_before + 1 + memchr::memchr_iter(b'\n', above).count() as u64)
}

/// True when the first [`LOOKED_AT`] bytes of `bytes` hold a backslash-escaped quote
/// ([`first_backslash_quote`]).
pub(super) fn first_backslash_quote_in(bytes: &[u8], delimiter: u8) -> bool {
    first_at(bytes, delimiter).is_some()
}

/// Where [`first_backslash_quote`]'s quote lies in `bytes`.
fn first_at(bytes: &[u8], delimiter: u8) -> Option<usize> {
    let bytes = bytes.get(..LOOKED_AT.min(bytes.len())).unwrap_or(bytes);
    memmem::find_iter(bytes, b"\\\"").find(|&i| {
        let next = bytes.get(i + 2);
        next != Some(&b'"') && !ends_field(next, delimiter)
    })
}

/// `text` as the loader reads it, for readers outside it (`convert`, the import dialog's
/// preview): with R's backslash-escaped quotes (found in the body) rewritten as doubled ones
/// from the header's line on, the header found in the text read, and the line of the first
/// escaped quote (None: the text as it is).
pub(crate) fn as_the_loader_reads<'t>(
    text: &'t str,
    opts: &FirmLoadOptions,
    path: &str,
) -> Result<(Cow<'t, str>, HeaderOf, Option<u64>), LoadError> {
    // The text rewritten from `from` with `delimiter`, and its header found again.
    let rewritten = |from: usize, delimiter: u8, line: u64| {
        let mut unescaped = text.to_string();
        double_backslash_quotes(&mut unescaped, from, delimiter);
        let found = header_of(&unescaped, opts, path)?;
        Ok((Cow::Owned(unescaped), found, Some(line)))
    };
    let found = match header_of(text, opts, path) {
        Ok(found) => found,
        Err(e) => {
            let read = |t: &str| header_of(t, opts, path).ok().map(|h| h.delimiter);
            return match r_delimiter(text, read) {
                Some((delimiter, line)) => rewritten(0, delimiter, line),
                None => Err(e),
            };
        }
    };
    match text
        .get(found.body_start..)
        .and_then(|body| first_backslash_quote(body, found.delimiter, found.lines))
    {
        // R's row names are decided from the first rows, which the escaped quotes split.
        Some(line) => rewritten(found.start, found.delimiter, line),
        None => Ok((Cow::Borrowed(text), found, None)),
    }
}

/// Delimiters R's `write.table` writes (its default, a space, first).
const R_DELIMITERS: [u8; 4] = [b' ', b'\t', b',', b';'];

/// For a text whose header could not be read: R's text whose first rows hold escaped
/// quotes, which can split a header that names a column with one before they are rewritten.
/// The delimiter with which `read` (giving the delimiter it read) reads the first megabyte
/// rewritten from its start, and the line of the first escaped quote; None for other texts.
pub(super) fn r_delimiter(text: &str, read: impl Fn(&str) -> Option<u8>) -> Option<(u8, u64)> {
    let line = first_backslash_quote(text, b',', 0)?;
    let head = match text.get(1 << 20..).and_then(|rest| rest.find('\n')) {
        Some(k) => text.get(..(1 << 20) + k + 1).unwrap_or(text),
        None => text,
    };
    R_DELIMITERS
        .into_iter()
        .find(|&d| {
            let mut copy = head.to_string();
            double_backslash_quotes(&mut copy, 0, d);
            read(&copy) == Some(d)
        })
        .map(|d| (d, line))
}

/// The load report's note on a file read with its backslash-escaped quotes rewritten.
pub(crate) fn backslash_quotes_note(line: u64) -> String {
    format!(
        "quotes escaped with a backslash (\\\"), as R's write.table writes them by default, \
         were read as quotes, as R reads them back (the first on line {line})"
    )
}

/// Rewrites R's backslash-escaped quotes in `text[from..]` (which starts outside quotes, at
/// a record's start) as doubled quotes ([`crate::model::quotes::double_backslash_quotes`]);
/// returns how many.
pub(crate) fn double_backslash_quotes(text: &mut String, from: usize, delimiter: u8) -> usize {
    let mut bytes = std::mem::take(text).into_bytes();
    let count = bytes.get_mut(from..).map_or(0, |b| {
        crate::model::quotes::double_backslash_quotes(b, delimiter)
    });
    // Only ASCII backslashes became ASCII quotes: the text is still UTF-8.
    *text = String::from_utf8(bytes)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found inside a field, on the right line; not for a field ending in a backslash, nor
    /// for doubled quotes, a backslash before them or not; past the part looked at, not
    /// found.
    #[test]
    fn a_backslash_escaped_quote_is_found_on_its_line() {
        let r = "\"1\" \"a\" 114 22\n\"2\" \"示例\\\"星光\\\"\" 114 22\n";
        assert_eq!(first_backslash_quote(r, b' ', 1), Some(3));
        for plain in [
            "\"C:\\\",114,22\n\"D:\\\"\r\n",
            "\"示例\"\"星光\"\"\",114,22\n",
            "\"C:\\\"\"x\"\"\",114,22\n",
            "a\\,b\n",
        ] {
            assert_eq!(first_backslash_quote(plain, b',', 0), None, "{plain}");
        }
        let late = format!("{}x\\\"y\n", "a,1\n".repeat(LOOKED_AT / 4 + 1));
        assert_eq!(first_backslash_quote(&late, b',', 0), None);
        assert!(first_backslash_quote(&late[LOOKED_AT..], b',', 0).is_some());
    }

    /// Hand-worked rewrites: escaped quotes inside quoted fields become doubled ones, one
    /// before the delimiter and one after a backslash (R escapes only quotes) included; a
    /// backslash outside quotes, doubled quotes and the text before `from` stay; the length
    /// never changes.
    #[test]
    fn escaped_quotes_become_doubled_ones_in_place() {
        for (from, text, want, n) in [
            (0, r#""示例\"星光\"科技" 1"#, r#""示例""星光""科技" 1"#, 2),
            (0, r#""a \"b c" "甲\" 乙" 2"#, r#""a ""b c" "甲"" 乙" 2"#, 2),
            (0, r#""a\\"b" 1"#, r#""a\""b" 1"#, 1),
            (
                0,
                "x\\\"y \"\\\"\"\n\"\\\"\" \"a\"\"b\"\r\n",
                "x\\\"y \"\"\"\"\n\"\"\"\" \"a\"\"b\"\r\n",
                2,
            ),
            (4, r#""\"" "\"x""#, r#""\"" """x""#, 1),
            (0, r##""end\""##, r##""end"""##, 1),
        ] {
            let mut t = text.to_string();
            assert_eq!(double_backslash_quotes(&mut t, from, b' '), n, "{text}");
            assert_eq!(t, want, "{text}");
            assert_eq!(t.len(), text.len());
        }
    }
}
