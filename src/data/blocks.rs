//! Files read in [`HASH_BLOCK`]-sized blocks on all threads. Each block is read a piece at a
//! time and each piece hashed for the input stamp and checked as UTF-8 while it is still in
//! cache: one pass over memory instead of three (reading, hashing, checking the text).

use std::fs::File;
use std::io;

use crate::model::{BlockHasher, HASH_BLOCK, read_exact_at};

/// Bytes read, hashed and checked at a time: well inside a core's cache.
const PIECE: usize = 1 << 20;

/// What reading one block found: its hash ([`crate::model::block_hash`]) and its UTF-8.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Block {
    pub hash: u64,
    pub utf8: Utf8Block,
}

/// A block's UTF-8 as far as it can be told alone: `head..tail` (offsets in the block) is
/// valid when `ok`, and was checked in pieces that each start on a character's first byte.
/// The bytes before `head` and from `tail` on belong to characters that may cross into the
/// neighbouring blocks; they are checked with those ([`utf8_whole`], [`Utf8Frontier`]).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Utf8Block {
    /// None: a block of fewer than four bytes that continue a character begun before it;
    /// its bytes are checked with what comes after.
    head: Option<usize>,
    tail: usize,
    ok: bool,
}

/// Whether `b` continues a character (10xxxxxx) rather than starting one.
fn continues(b: u8) -> bool {
    b & 0xC0 == 0x80
}

fn valid(bytes: &[u8]) -> bool {
    simdutf8::basic::from_utf8(bytes).is_ok()
}

impl Utf8Block {
    /// Starts on the first bytes read: `head` is the first character start among the first
    /// four bytes (a valid text never continues a character for more than three).
    fn start(first: &[u8]) -> Self {
        let lead = first.len().min(4);
        let head = (0..lead).find(|&i| first.get(i).is_some_and(|b| !continues(*b)));
        Self {
            head,
            tail: head.unwrap_or(lead),
            // Four bytes that all continue a character are never valid.
            ok: head.is_some() || lead < 4,
        }
    }

    /// Checks `read[tail..]` up to its last character start (the character there may go on
    /// in bytes not read yet). `read` is the block's bytes read so far.
    fn advance(&mut self, read: &[u8]) {
        if self.head.is_none() {
            return; // all of it is checked with the bytes after it
        }
        let from = read.len().saturating_sub(4).max(self.tail);
        let cut = (from..read.len())
            .rev()
            .find(|&i| read.get(i).is_some_and(|b| !continues(*b)));
        if let Some(cut) = cut.filter(|c| *c > self.tail) {
            // Once a piece is invalid the rest is not checked (a GBK file's blocks: their
            // first piece only).
            self.ok = self.ok && read.get(self.tail..cut).is_some_and(valid);
            self.tail = cut;
        }
    }
}

/// Fills `block` from `file` at `at`, a piece at a time, hashing and checking each piece
/// right after it lands.
pub(crate) fn read_block(file: &File, block: &mut [u8], at: u64) -> io::Result<Block> {
    crate::model::memory::populate(block);
    let mut hasher = BlockHasher::new();
    let mut utf8 = Utf8Block::start(&[]);
    let (mut done, mut unhashed) = (0, 0);
    while done < block.len() {
        let end = (done + PIECE).min(block.len());
        let piece = block.get_mut(done..end).unwrap_or_default();
        read_exact_at(file, piece, at + done as u64)?;
        // Whole 32-byte groups now (all of every piece but the last, PIECE being a multiple
        // of 32); the last piece's few bytes after them at the end.
        let whole = piece.len() / 32 * 32;
        hasher.quads(piece.get(..whole).unwrap_or_default());
        unhashed = done + whole;
        let read = block.get(..end).unwrap_or_default();
        if done == 0 {
            utf8 = Utf8Block::start(read);
        }
        utf8.advance(read);
        done = end;
    }
    Ok(Block {
        hash: hasher.finish(block.get(unhashed..).unwrap_or_default()),
        utf8,
    })
}

/// A regular file of `len` bytes read in blocks in parallel ([`read_block`]). Reading (not
/// mapping) gives the loader memory it owns, so its rows can point into the text without a
/// copy, and a file changed later cannot fault the program.
pub(super) fn read_blocks(file: &File, len: u64) -> io::Result<super::FileBytes> {
    use rayon::prelude::*;
    let len = usize::try_from(len)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "the file is too large"))?;
    // Zeroed memory comes straight from the OS, untouched until the read writes it.
    let mut bytes = vec![0u8; len];
    let blocks: Vec<Block> = bytes
        .par_chunks_mut(HASH_BLOCK)
        .enumerate()
        .map(|(k, block)| read_block(file, block, (k * HASH_BLOCK) as u64))
        .collect::<io::Result<_>>()
        .map_err(super::got_shorter)?;
    let mut h = crate::model::ShortHasher::new();
    h.blocks(&blocks.iter().map(|b| b.hash).collect::<Vec<_>>(), len);
    let utf8: Vec<Utf8Block> = blocks.iter().map(|b| b.utf8).collect();
    Ok(super::FileBytes {
        utf8: utf8_whole(&bytes, &utf8),
        bytes,
        stamp: Some(h.finish()),
        packed: None,
    })
}

/// Whether `bytes`, read as consecutive blocks of [`HASH_BLOCK`] bytes that found `blocks`,
/// is valid UTF-8: each block's inside was checked as it was read; here the bytes between
/// one block's `tail` and the next one's `head` are.
pub(crate) fn utf8_whole(bytes: &[u8], blocks: &[Utf8Block]) -> bool {
    let mut frontier = Utf8Frontier::default();
    blocks.iter().enumerate().all(|(k, b)| {
        frontier.join(bytes, 0, (k * HASH_BLOCK) as u64, *b);
        frontier.ok
    }) && frontier.reach(bytes, 0, bytes.len() as u64)
}

/// How far a file read block by block is known to be valid UTF-8: every byte before `at` is,
/// and `at` starts a character (or is where the text ends).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Utf8Frontier {
    at: u64,
    ok: bool,
}

impl Default for Utf8Frontier {
    fn default() -> Self {
        Self { at: 0, ok: true }
    }
}

impl Utf8Frontier {
    /// Moves past the block that starts at file offset `start` and found `block`: the bytes
    /// from the frontier to the block's `head` are checked, then the block's inside counts.
    /// `buf` holds the file from offset `buf_at` on, at least to the block's `head`.
    pub(crate) fn join(&mut self, buf: &[u8], buf_at: u64, start: u64, block: Utf8Block) {
        if !block.ok {
            self.ok = false;
        }
        if let Some(head) = block.head.filter(|_| self.ok) {
            self.ok = self.check(buf, buf_at, start + head as u64);
            self.at = start + block.tail as u64;
        }
    }

    /// Checks on to file offset `end`, which must start a character or end the text (a line
    /// end does); true when everything before it is valid UTF-8.
    pub(crate) fn reach(&mut self, buf: &[u8], buf_at: u64, end: u64) -> bool {
        if self.ok && end > self.at {
            self.ok = self.check(buf, buf_at, end);
            self.at = end;
        }
        self.ok
    }

    fn check(&self, buf: &[u8], buf_at: u64, end: u64) -> bool {
        let (Some(from), Some(to)) = (
            self.at
                .checked_sub(buf_at)
                .and_then(|o| usize::try_from(o).ok()),
            end.checked_sub(buf_at)
                .and_then(|o| usize::try_from(o).ok()),
        ) else {
            return false; // the bytes are gone: say not known valid
        };
        from > to || buf.get(from..to).is_some_and(valid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An open file holding `bytes` (removed at once; the handle still reads it on Unix,
    /// and elsewhere the file is left in the temporary folder).
    fn file_with(bytes: &[u8]) -> File {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static CALL: AtomicUsize = AtomicUsize::new(0);
        let call = CALL.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("ca-blocks-{}-{call}", std::process::id()));
        std::fs::write(&path, bytes).unwrap();
        let f = File::open(&path).unwrap();
        if cfg!(unix) {
            let _ = std::fs::remove_file(&path);
        }
        f
    }

    /// Text of `n` bytes: ASCII mixed with two-, three- and four-byte characters, so
    /// characters cross piece and block boundaries everywhere.
    fn mixed(n: usize, seed: u64) -> Vec<u8> {
        let mut rng = crate::model::Rng::new(seed);
        let mut s = String::new();
        while s.len() < n {
            s.push(['a', ',', '\n', 'é', '经', '度', '😀'][(rng.next_u64() % 7) as usize]);
        }
        s.into_bytes()
    }

    /// Reads `bytes` block by block as [`super::super::read_blocks`] does, with blocks of
    /// `HASH_BLOCK` bytes.
    fn read_all(bytes: &[u8]) -> (Vec<u8>, Vec<Block>) {
        let f = file_with(bytes);
        let mut buf = vec![0u8; bytes.len()];
        let blocks = buf
            .chunks_mut(HASH_BLOCK)
            .enumerate()
            .map(|(k, b)| read_block(&f, b, (k * HASH_BLOCK) as u64).unwrap())
            .collect();
        (buf, blocks)
    }

    /// The hashes equal `block_hash` of each block, and the UTF-8 answer equals std's, on
    /// valid text and on text broken at chosen places: inside a piece, at piece and block
    /// boundaries, at the very start and end.
    #[test]
    fn pieces_agree_with_whole_block_hash_and_std_utf8() {
        let n = 2 * HASH_BLOCK + 3 * PIECE + 777;
        let text = mixed(n, 3);
        let (buf, blocks) = read_all(&text);
        assert_eq!(buf, text);
        for (b, block) in blocks.iter().zip(text.chunks(HASH_BLOCK)) {
            assert_eq!(b.hash, crate::model::block_hash(block));
        }
        let utf8: Vec<Utf8Block> = blocks.iter().map(|b| b.utf8).collect();
        assert!(utf8_whole(&buf, &utf8));
        let places = [
            0,
            1,
            PIECE - 1,
            PIECE,
            PIECE + 1,
            HASH_BLOCK - 2,
            HASH_BLOCK - 1,
            HASH_BLOCK,
            HASH_BLOCK + 1,
            HASH_BLOCK + 5 * 4096 + 3,
            n - 1,
        ];
        // Four bytes that continue a character, at a block's and a piece's start.
        for at in [PIECE, HASH_BLOCK] {
            let mut broken = text.clone();
            broken[at..at + 4].copy_from_slice(&[0x80; 4]);
            let (buf, blocks) = read_all(&broken);
            let utf8: Vec<Utf8Block> = blocks.iter().map(|b| b.utf8).collect();
            assert!(!utf8_whole(&buf, &utf8), "four continuation bytes at {at}");
        }
        for at in places {
            for bad in [0xFF, 0x80, 0xE7] {
                let mut broken = text.clone();
                broken[at] = bad;
                let (buf, blocks) = read_all(&broken);
                let utf8: Vec<Utf8Block> = blocks.iter().map(|b| b.utf8).collect();
                assert_eq!(
                    utf8_whole(&buf, &utf8),
                    std::str::from_utf8(&broken).is_ok(),
                    "byte {bad:#x} at {at}"
                );
            }
        }
    }

    /// Small texts of random bytes, cut into pieces of every size, agree with std.
    #[test]
    fn random_bytes_agree_with_std() {
        let mut rng = crate::model::Rng::new(11);
        for _ in 0..20_000 {
            let n = (rng.next_u64() % 40) as usize;
            let mut bytes = mixed(n, rng.next_u64());
            bytes.truncate(n);
            if rng.next_u64().is_multiple_of(2) && !bytes.is_empty() {
                let at = rng.next_u64() as usize % bytes.len();
                bytes[at] = (rng.next_u64() % 256) as u8;
            }
            // A frontier joined over blocks of `size` bytes, each read in pieces of `piece`.
            let size = 1 + (rng.next_u64() % 12) as usize;
            // (The reader's first piece always holds four bytes or the whole block.)
            let piece = 4 + (rng.next_u64() % 5) as usize;
            let mut frontier = Utf8Frontier::default();
            for (k, block) in bytes.chunks(size).enumerate() {
                let mut u = Utf8Block::start(&block[..piece.min(block.len())]);
                for end in (piece..block.len()).step_by(piece).chain([block.len()]) {
                    u.advance(&block[..end]);
                }
                frontier.join(&bytes, 0, (k * size) as u64, u);
            }
            assert_eq!(
                frontier.reach(&bytes, 0, bytes.len() as u64),
                std::str::from_utf8(&bytes).is_ok(),
                "{bytes:?} in blocks of {size}, pieces of {piece}"
            );
        }
    }
}
