//! Text decoding: UTF-8 (with or without BOM), UTF-16 with BOM (Excel "Unicode text"), and
//! GBK/GB18030 (what Chinese Excel and many registries export).

use std::borrow::Cow;

use super::LoadError;

/// Decoded text and the encoding it was read as.
#[derive(Debug)]
pub struct Decoded<'a> {
    pub text: Cow<'a, str>,
    pub encoding: &'static str,
}

/// Decodes `bytes`; `forced` is `utf-8`/`utf8` or `gbk`/`gb18030`/`gb2312` when the user set it.
///
/// ```
/// use cluster_atlas::data::decode_text;
/// let (gbk, _, _) = encoding_rs::GBK.encode("经度,纬度");
/// let d = decode_text(&gbk, None, "f.csv").unwrap();
/// assert_eq!(d.text, "经度,纬度");
/// assert_eq!(d.encoding, "gbk");
/// ```
pub fn decode_text<'a>(
    bytes: &'a [u8],
    forced: Option<&str>,
    path: &str,
) -> Result<Decoded<'a>, LoadError> {
    let forced = forced.map(|f| f.trim().to_ascii_lowercase().replace(['-', '_'], ""));
    match forced.as_deref() {
        Some("gbk" | "gb18030" | "gb2312" | "cp936") => return Ok(gbk(bytes)),
        Some("utf8") => {
            let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
            return utf8(body)
                .map(|s| Decoded {
                    text: Cow::Borrowed(s),
                    encoding: "utf-8",
                })
                .map_err(|_| LoadError::Encoding {
                    path: path.to_string(),
                    encoding: "UTF-8".into(),
                });
        }
        Some(other) if !other.is_empty() => {
            return Err(LoadError::Format {
                path: path.to_string(),
                message: format!("unknown encoding '{other}': use utf-8 or gbk"),
            });
        }
        _ => {}
    }
    if let Some(body) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return utf8(body)
            .map(|s| Decoded {
                text: Cow::Borrowed(s),
                encoding: "utf-8-bom",
            })
            .map_err(|_| LoadError::Encoding {
                path: path.to_string(),
                encoding: "UTF-8 (the file starts with a UTF-8 BOM)".into(),
            });
    }
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        let enc = if bytes[0] == 0xFF {
            encoding_rs::UTF_16LE
        } else {
            encoding_rs::UTF_16BE
        };
        let (text, _) = enc.decode_with_bom_removal(bytes);
        return Ok(Decoded {
            text,
            encoding: if bytes[0] == 0xFF {
                "utf-16le"
            } else {
                "utf-16be"
            },
        });
    }
    match utf8(bytes) {
        Ok(s) => Ok(Decoded {
            text: Cow::Borrowed(s),
            encoding: "utf-8",
        }),
        Err(_) => Ok(gbk(bytes)),
    }
}

/// UTF-8 validation by SIMD (several times std's speed on large files; same answer).
fn utf8(bytes: &[u8]) -> Result<&str, simdutf8::basic::Utf8Error> {
    simdutf8::basic::from_utf8(bytes)
}

fn gbk(bytes: &[u8]) -> Decoded<'_> {
    // encoding_rs's GBK decoder is GB18030, a superset of GBK and GB2312.
    let (text, _, _) = encoding_rs::GBK.decode(bytes);
    Decoded {
        text,
        encoding: "gbk",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_bom_is_stripped() {
        let d = decode_text("\u{feff}lon,lat".as_bytes(), None, "x").unwrap();
        assert_eq!(d.text, "lon,lat");
        assert_eq!(d.encoding, "utf-8-bom");
    }

    #[test]
    fn utf16_is_decoded() {
        let mut b = vec![0xFF, 0xFE];
        for u in "经度\tlat".encode_utf16() {
            b.extend_from_slice(&u.to_le_bytes());
        }
        let d = decode_text(&b, None, "x").unwrap();
        assert_eq!(d.text, "经度\tlat");
    }

    #[test]
    fn forced_utf8_on_gbk_bytes_is_an_error_naming_the_file() {
        let (gbk, _, _) = encoding_rs::GBK.encode("名称");
        let e = decode_text(&gbk, Some("utf-8"), "firms.csv").unwrap_err();
        assert!(e.to_string().ends_with("firms.csv"), "{e}");
    }
}
