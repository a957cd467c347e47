//! Text decoding: UTF-8 (with or without BOM), UTF-16 with BOM (Excel "Unicode text"), and
//! GBK/GB18030 (what Chinese Excel and many registries export).

use std::borrow::Cow;

use super::LoadError;

/// Decoded text and the encoding it was read as.
#[derive(Debug)]
pub struct Decoded<'a> {
    pub text: Cow<'a, str>,
    pub encoding: &'static str,
    /// Byte sequences of a text read as UTF-8 that are not UTF-8 (read as U+FFFD).
    pub malformed: Option<Malformed>,
}

impl<'a> Decoded<'a> {
    fn new(text: Cow<'a, str>, encoding: &'static str) -> Self {
        Self {
            text,
            encoding,
            malformed: None,
        }
    }
}

/// The byte sequences of a UTF-8 text that are not UTF-8: a file cut short inside a
/// character, or a few bytes pasted in from another encoding. The rest of the file is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Malformed {
    /// How many malformed sequences.
    pub count: usize,
    /// The line (from 1) of the first.
    pub first_line: u64,
}

impl Malformed {
    /// The load report's warning.
    pub fn warning(&self) -> String {
        let place = match self.count {
            1 => format!("on line {}", self.first_line),
            n => format!("in {n} places, the first on line {}", self.first_line),
        };
        format!(
            "bytes that are not valid UTF-8 {place} read as U+FFFD; the rest of the file is UTF-8, \
             so it was read as UTF-8 (if the file was cut short, get it again; if it is GBK, \
             choose the encoding gbk)"
        )
    }
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
    decode_text_known(bytes, forced, path, false)
}

/// [`decode_text`] on bytes perhaps already checked: `known_utf8` when they were found valid
/// UTF-8 as they were read ([`crate::data::FileBytes::known_utf8`]); they are not checked
/// again.
pub(crate) fn decode_text_known<'a>(
    bytes: &'a [u8],
    forced: Option<&str>,
    path: &str,
    known_utf8: bool,
) -> Result<Decoded<'a>, LoadError> {
    let utf8 = |b: &'a [u8]| -> Option<&'a str> {
        if known_utf8 {
            // SAFETY: `b` is the whole of bytes found valid UTF-8, or what follows a BOM (a
            // whole character) in them: valid UTF-8 too.
            Some(unsafe { std::str::from_utf8_unchecked(b) })
        } else {
            utf8(b)
        }
    };
    // UTF-8, or UTF-8 but for a few malformed bytes (read as U+FFFD and reported).
    let utf8_or_mostly = |b: &'a [u8], name: &'static str| match utf8(b) {
        Some(s) => Some(Decoded::new(Cow::Borrowed(s), name)),
        None => mostly_utf8(b).then(|| lossy(b, name)),
    };
    match named(forced) {
        Named::Gbk => return Ok(gbk(bytes)),
        Named::Utf8 => {
            let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
            return utf8_or_mostly(body, "utf-8").ok_or_else(|| LoadError::Encoding {
                path: path.to_string(),
                encoding: "UTF-8".into(),
            });
        }
        Named::Other(other) => {
            return Err(LoadError::Format {
                path: path.to_string(),
                message: format!("unknown encoding '{other}': use utf-8 or gbk"),
            });
        }
        Named::Nothing => {}
    }
    if let Some(body) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return utf8_or_mostly(body, "utf-8-bom").ok_or_else(|| LoadError::Encoding {
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
        let name = if bytes[0] == 0xFF {
            "utf-16le"
        } else {
            "utf-16be"
        };
        return Ok(Decoded::new(text, name));
    }
    Ok(utf8_or_mostly(bytes, "utf-8").unwrap_or_else(|| gbk(bytes)))
}

/// At most one malformed sequence in this many well-formed multi-byte characters, and a text
/// that is not UTF-8 is still read as UTF-8 (GBK text is malformed UTF-8 at nearly every
/// character; a UTF-8 file cut short or with a stray byte is malformed once or twice).
const MALFORMED_PER_CHARACTERS: usize = 100;

/// Whether `bytes`, not valid UTF-8, are UTF-8 but for a few malformed sequences (see
/// [`MALFORMED_PER_CHARACTERS`]). Gives up after 1,000 malformed sequences when they are
/// over the bound, so a GBK file costs a few kilobytes of scanning.
pub(crate) fn mostly_utf8(bytes: &[u8]) -> bool {
    let mut tally = Tally::default();
    if tally.add(bytes) {
        tally.bad += 1; // a character cut short at the end
    }
    tally.utf8()
}

/// [`mostly_utf8`] for cells of text (a `.dbf`'s): a character cut short at a cell's end
/// (before its padding) is not counted against UTF-8, as writers cut UTF-8 text to a field's
/// width in bytes.
pub(crate) fn cells_mostly_utf8<'a>(cells: impl Iterator<Item = &'a [u8]>) -> bool {
    let mut tally = Tally::default();
    for cell in cells {
        tally.add(cell.trim_ascii_end());
        if tally.hopeless() {
            return false;
        }
    }
    tally.utf8()
}

/// Well-formed multi-byte characters and malformed sequences seen so far.
#[derive(Default)]
struct Tally {
    chars: usize,
    bad: usize,
}

impl Tally {
    /// Counts `bytes`' multi-byte characters and malformed sequences in the middle (it stops
    /// early once [`Self::hopeless`]); true when they end inside a character.
    fn add(&mut self, bytes: &[u8]) -> bool {
        let mut rest = bytes;
        while let Err(e) = simdutf8::compat::from_utf8(rest) {
            let valid = e.valid_up_to();
            self.chars += multi_byte_chars(rest.get(..valid).unwrap_or_default());
            let Some(len) = e.error_len() else {
                return true;
            };
            self.bad += 1;
            if self.hopeless() {
                return false;
            }
            rest = rest.get(valid + len..).unwrap_or_default();
        }
        self.chars += multi_byte_chars(rest);
        false
    }

    /// Over the bound after many malformed sequences: no longer worth counting.
    fn hopeless(&self) -> bool {
        self.bad >= 1000 && !self.utf8()
    }

    fn utf8(&self) -> bool {
        self.bad * MALFORMED_PER_CHARACTERS <= self.chars
    }
}

/// The characters of more than one byte in valid UTF-8: its bytes that start one.
fn multi_byte_chars(valid: &[u8]) -> usize {
    valid.iter().filter(|b| **b >= 0xC0).count()
}

/// `bytes` read as UTF-8 with each malformed sequence as U+FFFD, and where they were.
pub(crate) fn lossy<'a>(bytes: &'a [u8], encoding: &'static str) -> Decoded<'a> {
    let mut count = 0;
    let mut first = None;
    for chunk in bytes.utf8_chunks() {
        if !chunk.invalid().is_empty() {
            count += 1;
            let at = (chunk.invalid().as_ptr() as usize).wrapping_sub(bytes.as_ptr() as usize);
            first.get_or_insert(at);
        }
    }
    let first_line = first.map_or(1, |at| {
        memchr::memchr_iter(b'\n', bytes.get(..at).unwrap_or_default()).count() as u64 + 1
    });
    Decoded {
        text: String::from_utf8_lossy(bytes),
        encoding,
        malformed: (count > 0).then_some(Malformed { count, first_line }),
    }
}

/// The encoding a user named for a file, as every loader of text reads the name.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Named {
    /// None named (or an empty name): the file's bytes decide.
    Nothing,
    Utf8,
    /// GBK or a superset, read as GB18030.
    Gbk,
    /// A name not known (its key, [`encoding_key`]).
    Other(String),
}

/// What `forced`, the encoding named by the user, names.
pub(crate) fn named(forced: Option<&str>) -> Named {
    match forced.map(encoding_key).as_deref() {
        None | Some("") => Named::Nothing,
        Some("utf8") => Named::Utf8,
        Some("gbk" | "gb18030" | "gb2312" | "cp936") => Named::Gbk,
        Some(other) => Named::Other(other.to_string()),
    }
}

/// One window of a GBK/GB18030 file (whole lines, no byte-order mark) decoded as the whole
/// file's decoding has it, in parallel pieces.
/// `buf` is memory to decode into (see [`gbk_in_pieces`]).
pub(crate) fn gbk_window(bytes: &[u8], buf: Vec<u8>) -> String {
    gbk_in_pieces(bytes, 4 << 20, buf).into_owned()
}

/// An encoding's name as compared: "UTF-8", "utf_8" and " utf8" are all "utf8".
pub(crate) fn encoding_key(name: &str) -> String {
    name.trim().to_ascii_lowercase().replace(['-', '_'], "")
}

/// UTF-8 validation by SIMD (several times std's speed; same answer), in parallel pieces of
/// 4 MB on large files.
pub(crate) fn utf8(bytes: &[u8]) -> Option<&str> {
    utf8_in_pieces(bytes, 4 << 20)
}

/// Validates `bytes` in pieces of about `piece` bytes on all threads. Each piece starts at a
/// byte that does not continue a character, so a valid text splits into valid pieces, and
/// valid pieces joined at such bytes are a valid text.
fn utf8_in_pieces(bytes: &[u8], piece: usize) -> Option<&str> {
    use rayon::prelude::*;
    if bytes.len() <= 2 * piece {
        return simdutf8::basic::from_utf8(bytes).ok();
    }
    let continues = |b: u8| b & 0xC0 == 0x80;
    let mut cuts = vec![0];
    let mut at = piece;
    while at < bytes.len() {
        // A character has at most three continuation bytes; a fourth is an error that the
        // piece starting on it reports.
        let mut c = at;
        while c < at + 4 && bytes.get(c).is_some_and(|b| continues(*b)) {
            c += 1;
        }
        cuts.push(c);
        at = c + piece;
    }
    cuts.push(bytes.len());
    cuts.dedup();
    let valid = cuts
        .par_windows(2)
        .all(|w| simdutf8::basic::from_utf8(bytes.get(w[0]..w[1]).unwrap_or(&[])).is_ok());
    if !valid {
        return None;
    }
    // SAFETY: the cuts cover `bytes` end to end and every piece between them is valid UTF-8
    // beginning at a character boundary (checked above), so the whole is valid UTF-8.
    Some(unsafe { std::str::from_utf8_unchecked(bytes) })
}

fn gbk(bytes: &[u8]) -> Decoded<'_> {
    Decoded::new(gbk_in_pieces(bytes, 4 << 20, Vec::new()), "gbk")
}

/// GBK/GB18030 decoded in pieces of about `piece` bytes on all threads (encoding_rs's GBK
/// decoder is GB18030's, a superset of GBK and GB2312). Each piece ends just after a line
/// feed: 0x0A is never part of a GB18030 character, and a malformed sequence it cuts short
/// gives it back as itself, so the decoder is in its first state after every line feed and
/// the pieces decode to exactly the whole's text.
/// The text is written into `buf`'s memory when it is large enough (a streamed file's
/// windows decode into one buffer again and again: fresh memory faults in every page).
fn gbk_in_pieces(bytes: &[u8], piece: usize, buf: Vec<u8>) -> Cow<'_, str> {
    use rayon::prelude::*;
    let cuts = crate::model::scan::newline_cuts(bytes, piece);
    // (A byte-order mark makes encoding_rs read the whole as UTF-8 or UTF-16: one piece.)
    if cuts.len() <= 2 || encoding_rs::Encoding::for_bom(bytes).is_some() {
        return encoding_rs::GBK.decode(bytes).0;
    }
    let pieces: Vec<&[u8]> = cuts
        .windows(2)
        .map(|w| bytes.get(w[0]..w[1]).unwrap_or(&[]))
        .collect();
    let decoder = || encoding_rs::GBK.new_decoder_without_bom_handling();
    let Some(room) = pieces
        .iter()
        .map(|p| decoder().max_utf8_buffer_length(p.len()))
        .collect::<Option<Vec<usize>>>()
    else {
        return encoding_rs::GBK.decode(bytes).0;
    };
    // Each piece decoded into its own room of one buffer (only the pages written are
    // touched), then the pieces moved together: decoding pieces into strings of their own
    // and joining them touched twice the memory (4M register rows: 2.6 s against 1.75 s).
    let total = room.iter().sum();
    let mut buf = buf;
    buf.clear();
    if buf.capacity() >= total {
        buf.par_extend(rayon::iter::repeat_n(0, total));
    } else {
        // Zeroed memory comes straight from the OS, its pages touched by the decoders.
        buf = vec![0u8; total];
    }
    let mut slots = Vec::with_capacity(room.len());
    let mut rest = buf.as_mut_slice();
    for &r in &room {
        let (slot, after) = rest.split_at_mut(r.min(rest.len()));
        slots.push(slot);
        rest = after;
    }
    // (Each room holds its piece's longest decoding; were one short, the whole is decoded.)
    let written: Option<Vec<usize>> = pieces
        .into_par_iter()
        .zip(slots)
        .map(|(piece, slot)| {
            let (result, read, written, _) = decoder().decode_to_utf8(piece, slot, true);
            (result == encoding_rs::CoderResult::InputEmpty && read == piece.len())
                .then_some(written)
        })
        .collect();
    let Some(written) = written else {
        return encoding_rs::GBK.decode(bytes).0;
    };
    let (mut to, mut from) = (0, 0);
    for (r, w) in room.iter().zip(&written) {
        buf.copy_within(from..from + w, to);
        to += w;
        from += r;
    }
    buf.truncate(to);
    if utf8(&buf).is_none() {
        return encoding_rs::GBK.decode(bytes).0;
    }
    // SAFETY: `buf` was just checked to be valid UTF-8 (in parallel: `String::from_utf8`
    // would check 700 MB on one thread).
    Cow::Owned(unsafe { String::from_utf8_unchecked(buf) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoding_names_are_read_as_users_write_them() {
        assert_eq!(named(None), Named::Nothing);
        assert_eq!(named(Some(" ")), Named::Nothing);
        for n in ["UTF-8", "utf_8", " utf8 "] {
            assert_eq!(named(Some(n)), Named::Utf8, "{n}");
        }
        for n in ["GBK", "GB18030", "gb-2312", "CP936"] {
            assert_eq!(named(Some(n)), Named::Gbk, "{n}");
        }
        assert_eq!(named(Some("Big5")), Named::Other("big5".into()));
    }

    /// UTF-8 with a few malformed bytes is read as UTF-8 (each as U+FFFD, counted, the first
    /// line found); GBK, however little of it is not ASCII, is still read as GBK. Oracles:
    /// std's lossy decoding, encoding_rs's GBK decoding, and counts worked by hand.
    #[test]
    fn utf8_with_a_few_malformed_bytes_is_utf8_and_gbk_stays_gbk() {
        let rows = "名称,经度,纬度\n".to_string() + &"深圳示例科技,114.05,22.54\n".repeat(100);
        let chars = rows.chars().filter(|c| !c.is_ascii()).count(); // 606
        let lines = rows.lines().count() as u64; // 101
        // Cut short inside the last character, at each of its bytes.
        for keep in 1..3 {
            let cut = [rows.as_bytes(), &"经".as_bytes()[..keep]].concat();
            let d = decode_text(&cut, None, "f.csv").unwrap();
            assert_eq!(d.encoding, "utf-8");
            assert_eq!(d.text, String::from_utf8_lossy(&cut));
            let m = Some(Malformed {
                count: 1,
                first_line: lines + 1,
            });
            assert_eq!(d.malformed, m);
        }
        // Stray bytes on lines 1, 3 and 41: as many as one per 100 characters is UTF-8.
        let mut b = rows.clone().into_bytes();
        let third = b
            .iter()
            .enumerate()
            .filter(|(_, c)| **c == b'\n')
            .nth(1)
            .unwrap()
            .0
            + 1;
        b.insert(b.len() - 3, 0xFF);
        b.insert(third, 0xC0);
        let d = decode_text(&b, None, "f.csv").unwrap();
        assert_eq!(d.text, String::from_utf8_lossy(&b));
        assert_eq!(
            d.malformed,
            Some(Malformed {
                count: 2,
                first_line: 3
            })
        );
        assert!(
            d.malformed
                .unwrap()
                .warning()
                .contains("in 2 places, the first on line 3")
        );
        b.insert(0, 0xFE);
        let d = decode_text(&b, None, "f.csv").unwrap();
        assert_eq!(
            d.malformed,
            Some(Malformed {
                count: 3,
                first_line: 1
            })
        );
        // Up to one in a hundred characters (6 here) is UTF-8; one more is not (read as GBK).
        let line_start = |b: &[u8], k: usize| {
            b.iter()
                .enumerate()
                .filter(|(_, c)| **c == b'\n')
                .nth(k)
                .unwrap()
                .0
                + 1
        };
        for k in 3..chars / MALFORMED_PER_CHARACTERS {
            let at = line_start(&b, 10 * k);
            b.insert(at, 0xFF);
        }
        let d = decode_text(&b, None, "f.csv").unwrap();
        assert_eq!(d.malformed.map(|m| m.count), Some(6));
        let at = line_start(&b, 90);
        b.insert(at, 0xFF);
        let d = decode_text(&b, None, "f.csv").unwrap();
        assert_eq!(d.encoding, "gbk");
        assert_eq!(d.malformed, None);
        // GBK: Chinese throughout, only in the header, or one name among ASCII rows.
        let ascii = "id,lon,lat\n".to_string() + &"a1,114.05,22.54\n".repeat(500);
        let one_name = ascii.clone() + "深圳,114.0,22.5\n";
        for text in [
            rows.as_str(),
            "经度,纬度\n114.05,22.54\n",
            one_name.as_str(),
        ] {
            let (gbk, _, _) = encoding_rs::GBK.encode(text);
            let d = decode_text(&gbk, None, "f.csv").unwrap();
            assert_eq!((d.encoding, d.text.as_ref()), ("gbk", text));
            assert!(!mostly_utf8(&gbk));
        }
        // Named UTF-8, or with a BOM, by the same rule (GBK named UTF-8 is an error).
        let few = &b[1..b.len() - 1];
        let d = decode_text(few, Some("utf-8"), "f.csv").unwrap();
        assert_eq!(
            (d.encoding, d.text.clone()),
            ("utf-8", String::from_utf8_lossy(few))
        );
        assert_eq!(d.malformed.map(|m| m.first_line), Some(3));
        let bom = [b"\xEF\xBB\xBF".as_slice(), few].concat();
        let d = decode_text(&bom, None, "f.csv").unwrap();
        assert_eq!(
            (d.encoding, d.text.clone()),
            ("utf-8-bom", String::from_utf8_lossy(few))
        );
        let (gbk, _, _) = encoding_rs::GBK.encode(&rows);
        assert!(decode_text(&gbk, Some("utf-8"), "f.csv").is_err());
    }

    #[test]
    fn utf8_bom_is_stripped() {
        let d = decode_text("\u{feff}lon,lat".as_bytes(), None, "x").unwrap();
        assert_eq!(d.text, "lon,lat");
        assert_eq!(d.encoding, "utf-8-bom");
    }

    #[test]
    fn validation_in_pieces_agrees_with_std() {
        // Three-byte characters straddle every cut of 64-byte pieces at some offset.
        let text = "经度,lat,名称\n".repeat(200);
        let bytes = text.as_bytes();
        for piece in [1, 7, 64, 100] {
            assert_eq!(
                utf8_in_pieces(bytes, piece),
                Some(text.as_str()),
                "piece {piece}"
            );
            for bad_at in [0, 1, 63, 64, 65, 128, bytes.len() - 1] {
                for bad in [0xFFu8, 0x80, 0xE7] {
                    let mut b = bytes.to_vec();
                    b[bad_at] = bad;
                    assert_eq!(
                        utf8_in_pieces(&b, piece).is_some(),
                        std::str::from_utf8(&b).is_ok(),
                        "piece {piece}, byte {bad:#x} at {bad_at}"
                    );
                }
            }
            // A character cut short at the very end.
            let cut = &bytes[..bytes.len() - 2];
            assert_eq!(
                utf8_in_pieces(cut, piece).is_some(),
                std::str::from_utf8(cut).is_ok()
            );
        }
    }

    /// GBK text with malformed sequences cut short by line feeds at every offset: decoded in
    /// pieces of any size, the text is encoding_rs's decoding of the whole (the oracle).
    #[test]
    fn gbk_in_pieces_decodes_as_the_whole() {
        let (good, _, _) =
            encoding_rs::GBK.encode("经度,纬度,名称\n示例科技有限公司,114.05,22.54\n");
        let mut rng = crate::model::Rng::new(18);
        for round in 0..400 {
            let mut b = Vec::new();
            for _ in 0..(1 + round % 9) {
                b.extend_from_slice(&good);
                // A lead byte, a four-byte sequence's first two or three bytes, or a stray
                // trail byte, before a line feed or not.
                let junk: &[u8] = match rng.next_u64() % 5 {
                    0 => &[0x81],
                    1 => &[0x81, 0x30],
                    2 => &[0x81, 0x30, 0x81],
                    3 => &[0xFF],
                    _ => &[],
                };
                let at = (rng.next_u64() as usize) % (b.len() + 1);
                b.splice(at..at, junk.iter().copied());
                if rng.next_u64().is_multiple_of(2) {
                    b.push(b'\n');
                }
            }
            if round % 50 == 0 {
                b.splice(0..0, *b"\xEF\xBB\xBF"); // a BOM, as a forced `gbk` may meet
            }
            let whole = encoding_rs::GBK.decode(&b).0;
            // Into fresh memory, and into a buffer holding other text (a streamed window's).
            for piece in [1, 2, 5, 17, 64, 1 << 20] {
                let used = vec![b'\n'; (round * 37) % 3000];
                assert_eq!(
                    gbk_in_pieces(&b, piece, Vec::new()),
                    whole,
                    "piece {piece}: {b:?}"
                );
                assert_eq!(
                    gbk_in_pieces(&b, piece, used),
                    whole,
                    "piece {piece}: {b:?}"
                );
            }
        }
        // Through the decoder that guesses: the same text, named GBK.
        let big = good.repeat(1000);
        let d = decode_text(&big, None, "x").unwrap();
        assert_eq!(d.encoding, "gbk");
        assert_eq!(d.text, encoding_rs::GBK.decode(&big).0);
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
