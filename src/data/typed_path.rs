//! A file path as users type or paste it: Windows Explorer's "Copy as path" wraps it in
//! quotes, Linux file managers copy a `file://` URI with `%20` for spaces.

use std::path::PathBuf;

/// The path a typed or pasted text names: trimmed, surrounding quotes removed, a `file://`
/// URI turned into its path (percent escapes decoded).
pub fn typed_path(text: &str) -> PathBuf {
    let mut t = text.trim();
    for q in ['"', '\''] {
        if let Some(inner) = t.strip_prefix(q).and_then(|s| s.strip_suffix(q)) {
            t = inner.trim();
        }
    }
    match t.strip_prefix("file://") {
        // `file:///home/a b.csv` (empty host), `file://localhost/…`; on Windows `file:///C:/…`.
        Some(rest) => {
            let rest = rest.strip_prefix("localhost").unwrap_or(rest);
            let rest = match rest.as_bytes() {
                [b'/', _, b':', ..] if cfg!(windows) => rest.get(1..).unwrap_or(rest),
                _ => rest,
            };
            PathBuf::from(percent_decoded(rest))
        }
        None => PathBuf::from(t),
    }
}

/// `%XX` escapes decoded (a malformed one is kept as written); invalid UTF-8 replaced.
fn percent_decoded(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        let hex = |k: usize| b.get(k).and_then(|h| char::from(*h).to_digit(16));
        match (c, hex(i + 1), hex(i + 2)) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::typed_path;
    use std::path::PathBuf;

    #[test]
    fn pasted_paths_name_their_files() {
        for (typed, want) in [
            ("/tmp/firms.csv", "/tmp/firms.csv"),
            ("  /tmp/firms.csv \n", "/tmp/firms.csv"),
            ("\"/tmp/my firms.csv\"", "/tmp/my firms.csv"),
            ("'/tmp/企业 名录.xlsx'", "/tmp/企业 名录.xlsx"),
            ("file:///tmp/my%20firms.csv", "/tmp/my firms.csv"),
            ("file://localhost/tmp/a.csv", "/tmp/a.csv"),
            ("file:///tmp/%E4%BC%81%E4%B8%9A.csv", "/tmp/企业.csv"),
            ("file:///tmp/100%.csv", "/tmp/100%.csv"),
            ("file:///tmp/%zz.csv", "/tmp/%zz.csv"),
            ("\"", "\""),
            ("", ""),
        ] {
            assert_eq!(typed_path(typed), PathBuf::from(want), "{typed:?}");
        }
    }
}
