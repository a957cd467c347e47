//! R's `write.table` escapes quotes inside quoted fields with a backslash (`"示例\"星光\""`,
//! its default `qmethod = "escape"`) where CSV doubles them. Such files are read by CSV's
//! rules, so the load report says where the first such quote is and how to write the file.

use memchr::memmem;

/// Bytes of the body looked through (the first rows say how the file was written).
const LOOKED_AT: usize = 4 << 20;

/// The warning for a body whose first [`LOOKED_AT`] bytes hold a backslash-escaped quote
/// inside a field (`\"` followed by neither the delimiter nor a line end: a field ending in
/// a backslash, `"C:\"`, is plain CSV). `lines_before`: the file's lines above the body.
pub(super) fn backslash_quotes_warning(
    body: &str,
    delimiter: u8,
    lines_before: u64,
) -> Option<String> {
    let bytes = body.as_bytes();
    let bytes = bytes.get(..LOOKED_AT.min(bytes.len())).unwrap_or(bytes);
    let at = memmem::find_iter(bytes, b"\\\"").find(|&i| {
        bytes
            .get(i + 2)
            .is_some_and(|&b| b != delimiter && b != b'\n' && b != b'\r')
    })?;
    let line = lines_before
        + 1
        + memchr::memchr_iter(b'\n', bytes.get(..at).unwrap_or(&[])).count() as u64;
    Some(format!(
        "line {line}: a quote escaped with a backslash (\\\"), as R's write.table writes them \
         by default, is read by CSV's rules (fields holding quotes may keep the backslash or \
         split their row); write the file with write.csv, or write.table(…, qmethod = \"double\")"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found inside a field, on the right line; not for a field ending in a backslash, nor
    /// for doubled quotes; past the part looked at, not found.
    #[test]
    fn a_backslash_escaped_quote_is_found_on_its_line() {
        let r = "\"1\" \"a\" 114 22\n\"2\" \"示例\\\"星光\\\"\" 114 22\n";
        let w = backslash_quotes_warning(r, b' ', 1).expect("R's escapes");
        assert!(w.starts_with("line 3: "), "{w}");
        assert!(w.contains("qmethod"), "{w}");
        for plain in [
            "\"C:\\\",114,22\n\"D:\\\"\r\n",
            "\"示例\"\"星光\"\"\",114,22\n",
            "a\\,b\n",
        ] {
            assert_eq!(backslash_quotes_warning(plain, b',', 0), None, "{plain}");
        }
        let late = format!("{}x\\\"y\n", "a,1\n".repeat(LOOKED_AT / 4 + 1));
        assert_eq!(backslash_quotes_warning(&late, b',', 0), None);
        assert!(backslash_quotes_warning(&late[LOOKED_AT..], b',', 0).is_some());
    }
}
