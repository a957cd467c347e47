//! Reading an input file's bytes: regular files in parallel blocks, pipes and standard
//! input up to a limit, gzip unpacked; and turning them into text.

use std::borrow::Cow;
use std::path::Path;

use super::text::{self, Decoded, Malformed, decode_text};
use super::{LoadError, blocks, gzip};

/// A file's bytes, read into memory, with the file's input stamp when the read computed it.
pub struct FileBytes {
    pub(super) bytes: Vec<u8>,
    /// The stamp ([`crate::model::short_hash`]), from the blocks' hashes taken as they landed.
    pub(super) stamp: Option<String>,
    /// The bytes were checked as UTF-8 as they landed, and are (false: not known).
    pub(super) utf8: bool,
    /// The file's size when the bytes were unpacked from gzip ([`gzip::unpacked`]).
    pub(super) packed: Option<u64>,
}

impl std::ops::Deref for FileBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.bytes
    }
}

impl FileBytes {
    pub(super) fn new(bytes: Vec<u8>) -> Self {
        Self {
            bytes,
            stamp: None,
            utf8: false,
            packed: None,
        }
    }

    /// The load report's note on how the bytes were read (unpacked from gzip), if any.
    pub fn note(&self) -> Option<String> {
        gzip::note(self)
    }

    /// The input stamp ([`crate::model::short_hash`] of the bytes).
    pub fn stamp(&self) -> String {
        match &self.stamp {
            Some(s) => s.clone(),
            None => crate::model::short_hash(&[&self.bytes]),
        }
    }

    /// The bytes, for loaders that keep them (the CSV loader's rows point into its text).
    pub fn into_vec(self) -> Vec<u8> {
        self.bytes
    }

    /// True when the bytes were checked as UTF-8 as they were read and are valid (false:
    /// not known).
    pub fn known_utf8(&self) -> bool {
        self.utf8
    }

    /// The bytes decoded as one owned text ([`Self::decode`]), taking over their buffer when
    /// they are UTF-8 already: a 500 MB KML is not copied to be kept.
    /// Also gives the text's malformed UTF-8, if any.
    pub fn into_text(self, path: &str) -> Result<(String, Option<Malformed>), LoadError> {
        let tail = {
            let d = self.decode(None, path)?;
            match d.text {
                Cow::Owned(s) => return Ok((s, d.malformed)),
                Cow::Borrowed(s) => {
                    let start = (s.as_ptr() as usize).wrapping_sub(self.bytes.as_ptr() as usize);
                    if start.checked_add(s.len()) != Some(self.bytes.len()) {
                        return Ok((s.to_string(), None));
                    }
                    start
                }
            }
        };
        let mut bytes = self.bytes;
        bytes.drain(..tail);
        // SAFETY: `decode` found `bytes[tail..]` valid UTF-8 (the text it borrowed ends
        // where the bytes end and starts `tail` bytes in), and only the bytes before it were
        // removed.
        Ok((unsafe { String::from_utf8_unchecked(bytes) }, None))
    }

    /// [`decode_text`] of the bytes, without checking again text found valid UTF-8 as it
    /// was read.
    pub fn decode(&self, forced: Option<&str>, path: &str) -> Result<Decoded<'_>, LoadError> {
        text::decode_text_known(&self.bytes, forced, path, self.utf8)
    }
}

/// Reads an input file once: `-` is standard input; a regular file is read in 8 MB blocks on
/// all threads, each block hashed for the input stamp while it is in cache; anything else (a
/// named pipe, a device) is read from the one open handle, so a pipe is never opened twice.
/// Gzip data is unpacked ([`gzip::unpacked`]).
pub fn read_input(path: &Path) -> Result<FileBytes, LoadError> {
    gzip::unpacked(read_raw(path)?, &path.display().to_string())
}

/// [`read_input`] of the file's bytes as they are.
fn read_raw(path: &Path) -> Result<FileBytes, LoadError> {
    use std::io::Read;
    let io = |cause| LoadError::Io {
        path: path.display().to_string(),
        cause,
    };
    let too_big = || {
        io(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!(
                "more than {} GB from a pipe, device or standard input; save the data to a \
                 file first",
                MAX_STREAM_BYTES >> 30
            ),
        ))
    };
    if path.as_os_str() == "-" {
        let mut buf = Vec::new();
        std::io::stdin()
            .lock()
            .take(MAX_STREAM_BYTES + 1)
            .read_to_end(&mut buf)
            .map_err(io)?;
        if buf.len() as u64 > MAX_STREAM_BYTES {
            return Err(too_big());
        }
        return Ok(FileBytes::new(buf));
    }
    let mut file = std::fs::File::open(path).map_err(io)?;
    let meta = file.metadata().map_err(io)?;
    if meta.is_dir() {
        return Err(io(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "this is a folder; give a file",
        )));
    }
    if meta.is_file() {
        return blocks::read_blocks(&file, meta.len()).map_err(io);
    }
    // A device such as /dev/zero never ends: streams are read up to a limit.
    let mut buf = Vec::new();
    (&mut file)
        .take(MAX_STREAM_BYTES + 1)
        .read_to_end(&mut buf)
        .map_err(io)?;
    if buf.len() as u64 > MAX_STREAM_BYTES {
        return Err(too_big());
    }
    Ok(FileBytes::new(buf))
}

/// A read that ran past the file's end, said as what happened: the file got shorter.
pub(crate) fn got_shorter(e: std::io::Error) -> std::io::Error {
    if e.kind() == std::io::ErrorKind::UnexpectedEof {
        std::io::Error::new(
            e.kind(),
            "the file got shorter while it was read (is another program writing it?); open it \
             again once it is saved",
        )
    } else {
        e
    }
}

/// Largest input read from a pipe, device or standard input (regular files have no limit).
pub const MAX_STREAM_BYTES: u64 = 2 << 30;

/// Reads a small text file (weights, fit table): at most `limit` bytes, from one open handle.
pub fn read_small_text(path: &Path, limit: u64) -> Result<String, LoadError> {
    use std::io::Read;
    let io = |cause| LoadError::Io {
        path: path.display().to_string(),
        cause,
    };
    let mut buf = Vec::new();
    if path.as_os_str() == "-" {
        std::io::stdin()
            .lock()
            .take(limit + 1)
            .read_to_end(&mut buf)
            .map_err(io)?;
    } else {
        std::fs::File::open(path)
            .map_err(io)?
            .take(limit + 1)
            .read_to_end(&mut buf)
            .map_err(io)?;
    }
    if buf.len() as u64 > limit {
        return Err(io(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("larger than {} KB; is this the right file?", limit >> 10),
        )));
    }
    let text = decode_text(&buf, None, &path.display().to_string())?;
    Ok(text.text.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The text kept equals the text decoded (the oracle), BOM or none, UTF-8, GBK or
    /// neither, and a UTF-8 file's buffer is taken over, not copied.
    #[test]
    fn into_text_is_the_decoded_text_and_keeps_a_utf8_buffer() {
        let text = "<kml><name>深圳 & 南山</name></kml>";
        let (gbk, _, _) = encoding_rs::GBK.encode(text);
        let cases = [
            (text.as_bytes().to_vec(), true),
            ([b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat(), true),
            (gbk.into_owned(), false),
            (vec![b'a', 0xFF, 0xFE, 0xFF, b'b'], false),
        ];
        for (bytes, utf8) in cases {
            let oracle = decode_text(&bytes, None, "t.kml").map(|d| d.text.into_owned());
            let f = FileBytes::new(bytes);
            let at = f.bytes.as_ptr();
            let kept = f.into_text("t.kml");
            let kept = kept.map(|(text, _)| text);
            match (&kept, &oracle) {
                (Ok(k), Ok(o)) => assert_eq!(k, o),
                (Err(k), Err(o)) => assert_eq!(k.to_string(), o.to_string()),
                _ => panic!("{kept:?} {oracle:?}"),
            }
            if utf8 && let Ok(k) = kept {
                assert_eq!(k.as_ptr(), at);
            }
        }
    }
}
