//! A large CSV file loaded window by window: one window of its text (64 MB) is held at a
//! time and its rows are let go as soon as they are parsed, to be read back from the file
//! (`AttrTable::rows_in`). Memory follows the columns instead of the file: `analyze` on a
//! 700 MB register. The rows, report and stamp equal those of loading the file whole.

use std::io;
use std::path::Path;
use std::sync::Arc;

use super::{
    FirmLoadOptions, LoadError, LoadedFirms, Setup, default_chunks, escapes, finish_firms,
};
use crate::data::blocks::{Block, Utf8Frontier, read_block};
use crate::data::text::{Named, named};
use crate::model::FileRows;

/// Files larger than this are streamed by `analyze` (smaller ones are loaded whole and keep
/// their text: reading their rows back would cost more than the memory saves).
pub const WINDOW: usize = 64 << 20;

// The smallest window streamed holds the whole search for a header below title lines, so a
// titled file's header is found in its first window as in the whole text.
const _: () = assert!(2 * crate::model::HASH_BLOCK >= 2 * super::header::MAX_BYTES_ABOVE);

/// Bytes of text parsed at a time when streaming (at least; a window grows until it holds a
/// row's end): one read block per thread, at least two blocks, at most [`WINDOW`]. The
/// buffer is read into again window after window, so a smaller one faults in fewer fresh
/// pages: on 2 cores 16 MB windows loaded 4M pandas-written rows in 0.44-0.46 s against
/// 0.49-0.50 s with 64 MB ones (8 MB: 0.56-0.58 s, one block read at a time).
pub fn stream_window() -> usize {
    (rayon::current_num_threads() * crate::model::HASH_BLOCK)
        .clamp(2 * crate::model::HASH_BLOCK, WINDOW)
}

/// Where a streamed load gets the file's bytes.
pub(super) trait Source {
    /// Appends the next bytes of the file to `buf` and returns how many (0 at the end).
    fn append(&mut self, buf: &mut Vec<u8>) -> io::Result<usize>;
    /// The file's length in bytes (to size the columns once).
    fn len(&self) -> usize;
    /// Whether `window`, the file's bytes from offset `at` to a line end (or the file's end),
    /// is valid UTF-8. Called on the windows in order.
    fn window_utf8(&mut self, window: &[u8], _at: u64) -> bool {
        crate::data::text::utf8(window).is_some()
    }
}

/// A regular file read in [`crate::model::HASH_BLOCK`]-sized blocks, several in parallel per
/// call, each hashed and checked as UTF-8 as it lands (the same stamp as
/// [`crate::data::read_input`]'s).
struct FileSource {
    rows: Arc<FileRows>,
    at: u64,
    /// Blocks read per call.
    blocks: usize,
    hashes: Vec<u64>,
    /// How far the bytes read are known to be valid UTF-8.
    utf8: Utf8Frontier,
}

impl Source for FileSource {
    fn append(&mut self, buf: &mut Vec<u8>) -> io::Result<usize> {
        use crate::model::HASH_BLOCK;
        use rayon::prelude::*;
        let left = self.rows.file_len().saturating_sub(self.at);
        let n = usize::try_from(left)
            .unwrap_or(usize::MAX)
            .min(self.blocks * HASH_BLOCK);
        let old = buf.len();
        if buf.capacity() == 0 {
            // Zeroed memory comes straight from the OS, its pages touched by the reads.
            *buf = vec![0; n];
        } else {
            buf.par_extend(rayon::iter::repeat_n(0, n));
        }
        let at = self.at;
        let file = self.rows.file();
        let blocks: Vec<Block> = buf
            .get_mut(old..)
            .unwrap_or_default()
            .par_chunks_mut(HASH_BLOCK)
            .enumerate()
            .map(|(k, block)| read_block(file, block, at + (k * HASH_BLOCK) as u64))
            .collect::<io::Result<_>>()
            .map_err(crate::data::got_shorter)?;
        // buf[0] lies at `at - old` in the file.
        let buf_at = at - old as u64;
        for (k, b) in blocks.iter().enumerate() {
            self.hashes.push(b.hash);
            let start = at + (k * HASH_BLOCK) as u64;
            self.utf8.join(buf, buf_at, start, b.utf8);
        }
        self.at += n as u64;
        Ok(n)
    }

    fn len(&self) -> usize {
        usize::try_from(self.rows.file_len()).unwrap_or(usize::MAX)
    }

    /// The blocks were checked as they landed; only the bytes from the last block's last
    /// character start to the window's end are left.
    fn window_utf8(&mut self, window: &[u8], at: u64) -> bool {
        self.utf8.reach(window, at, at + window.len() as u64)
    }
}

impl FileSource {
    fn stamp(&self) -> String {
        let mut h = crate::model::ShortHasher::new();
        h.blocks(&self.hashes, self.len());
        h.finish()
    }
}

/// Loads the delimited text file at `path` window by window (at least `window` bytes each),
/// its rows read back from the file afterwards. `Ok(None)`: not a file this can stream (not
/// a regular file, not UTF-8 throughout, GeoJSON, an encoding named other than UTF-8); load
/// it whole instead.
pub fn load_firms_csv_streamed(
    path: &Path,
    opts: &FirmLoadOptions,
    window: usize,
) -> Result<Option<LoadedFirms>, LoadError> {
    let name = path.display().to_string();
    let io = |cause| LoadError::Io {
        path: name.clone(),
        cause,
    };
    let Some(rows) = FileRows::open(path).map_err(io)? else {
        return Ok(None);
    };
    let rows = Arc::new(rows);
    let mut source = FileSource {
        rows: Arc::clone(&rows),
        at: 0,
        blocks: window.div_ceil(crate::model::HASH_BLOCK).max(1),
        hashes: Vec::new(),
        utf8: Utf8Frontier::default(),
    };
    let Some(mut loaded) = stream(&mut source, window, &name, opts, Arc::clone(&rows))? else {
        return Ok(None);
    };
    loaded.report.hash = source.stamp();
    rows.check_unchanged().map_err(io)?;
    Ok(Some(loaded))
}

/// How a streamed file's bytes become text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Bytes {
    Utf8,
    /// GBK/GB18030, decoded window by window (windows end after line feeds) and again when
    /// rows are read back.
    Gbk,
}

/// How the file whose first window is `first` is read, as the whole loader would read it
/// (`decode_text`): the encoding the user named, else UTF-8 when the first window is (a
/// later window that is not leaves the file to the whole loader), else GBK unless it is
/// UTF-8 but for a few malformed bytes (left to the whole loader too). None: an encoding
/// this does not stream (UTF-16, a byte-order mark on text read as GBK, a name not known) or
/// gzip data (unpacked whole by [`crate::data::read_input`]).
fn bytes_of(
    opts: &FirmLoadOptions,
    first: &[u8],
    first_utf8: impl FnOnce() -> bool,
) -> Option<Bytes> {
    if crate::data::gzip::is_gzip(first) {
        return None;
    }
    let bom = encoding_rs::Encoding::for_bom(first).is_some();
    match named(opts.encoding.as_deref()) {
        Named::Utf8 => Some(Bytes::Utf8),
        Named::Gbk => (!bom).then_some(Bytes::Gbk),
        Named::Other(_) => None,
        Named::Nothing if first_utf8() => Some(Bytes::Utf8),
        // UTF-8 but for a few malformed bytes: the whole loader reads it, and says where.
        Named::Nothing if crate::data::text::mostly_utf8(first) => None,
        Named::Nothing => (!bom).then_some(Bytes::Gbk),
    }
}

/// The firms of `source`, parsed window by window (see [`load_firms_csv_streamed`]); their
/// rows are let go as they are parsed and read back from `file` (the same bytes), also by
/// the load's last checks (repeated ids, founding values that are not dates).
pub(super) fn stream(
    source: &mut dyn Source,
    window: usize,
    path: &str,
    opts: &FirmLoadOptions,
    file: Arc<FileRows>,
) -> Result<Option<LoadedFirms>, LoadError> {
    let io = |cause| LoadError::Io {
        path: path.to_string(),
        cause,
    };
    let mut buf: Vec<u8> = Vec::new();
    let mut eof = false;
    let mut file_at = 0usize; // where buf[0] lies in the file
    let mut state: Option<State> = None;
    let mut bytes: Option<Bytes> = None;
    // What GBK windows are decoded into.
    let mut decoded: Vec<u8> = Vec::new();
    // Bytes carried over at the start of `buf` from a record left open at the last window's
    // end: the next window reads a whole window past them.
    let mut open_carry = 0usize;
    // R's text, its quotes escaped with a backslash (None: not known before the header).
    let mut r_quotes: Option<bool> = None;
    loop {
        // Before the header is read, the delimiter is taken to be a comma (a wrong guess only
        // misplaces a cut, which the window's parse then finds).
        let delimiter = state.as_ref().map_or(b',', |s| s.setup.delimiter);
        let sizes = (open_carry + window, open_carry);
        let cut = fill(source, &mut buf, &mut eof, sizes, (delimiter, r_quotes)).map_err(io)?;
        let carry = buf.get(cut..).unwrap_or_default().to_vec();
        buf.truncate(cut);
        let mut utf8 = None;
        let kind = match bytes {
            Some(b) => b,
            None => {
                let first = bytes_of(opts, &buf, || *utf8.insert(source.window_utf8(&buf, 0)));
                let Some(b) = first else {
                    return Ok(None);
                };
                *bytes.insert(b)
            }
        };
        let text = match kind {
            Bytes::Utf8 => {
                if !utf8.unwrap_or_else(|| source.window_utf8(&buf, file_at as u64)) {
                    return Ok(None);
                }
                // SAFETY: checked as UTF-8 just above.
                unsafe { String::from_utf8_unchecked(std::mem::take(&mut buf)) }
            }
            Bytes::Gbk => crate::data::text::gbk_window(&buf, std::mem::take(&mut decoded)),
        };
        let mut text = text;
        // The window's length in the file.
        let raw_len = if kind == Bytes::Gbk {
            buf.len()
        } else {
            text.len()
        };
        let last = file_at + raw_len >= source.len();
        match &state {
            None => {
                let first = State::first(&mut text, last, source.len(), opts, path, kind)?;
                let Some(first) = first else {
                    return Ok(None);
                };
                let escaped = first.setup.backslash_quotes.is_some();
                if escaped {
                    file.read_backslash_quotes(first.setup.delimiter);
                }
                r_quotes = Some(escaped);
                state = Some(first);
            }
            // (A window starts at a record's start, outside quotes: rewritten once.)
            Some(st) if r_quotes == Some(true) => {
                escapes::double_backslash_quotes(&mut text, 0, st.setup.delimiter);
            }
            Some(_) => {}
        }
        let text = Arc::new(text);
        let Some(st) = state.as_mut() else {
            return Ok(None);
        };
        let body = text.get(st.body_at..).unwrap_or("");
        let parsed = st.setup.parse_body(
            body,
            Some((&text, st.body_at)),
            (st.lines_before, last),
            default_chunks(body.len()),
            &mut st.gathered,
        );
        // A record whose quoted field runs on past the window (its cut, by the quotes'
        // parity, was misled by a stray quote, or a quote the loader skips as never closed
        // once the file shows where it pairs) is read with the next window, from its start:
        // the rows before it are those the whole loader reads.
        let read_to = parsed.open_at.map_or(text.len(), |o| st.body_at + o);
        let carried = text.len() - read_to;
        if carried > 0 && (kind == Bytes::Gbk || carried > 2 * window || r_quotes == Some(true)) {
            // (A GBK window's text is not its bytes; a record of more than two windows runs
            // on: the whole loader reads the rest after it; R's text carried would be
            // rewritten twice.)
            return Ok(None);
        }
        match kind {
            Bytes::Utf8 => st.gathered.attrs.release_block(&text, file_at),
            Bytes::Gbk => {
                if !st.gathered.attrs.release_gbk_block(&text, &buf, file_at) {
                    return Ok(None);
                }
            }
        }
        st.lines_before += match parsed.open_at {
            Some(o) => memchr::memchr_iter(b'\n', body.as_bytes().get(..o).unwrap_or_default())
                .count() as u64,
            None => parsed.newlines,
        };
        st.body_at = 0;
        file_at += raw_len - carried;
        open_carry = carried;
        // The window's buffers are read and decoded into again (fresh memory faults in every
        // page), the record left open moved to the front.
        let used = keep_from(text, read_to);
        match kind {
            Bytes::Utf8 => buf = used,
            Bytes::Gbk => {
                decoded = used;
                buf.clear();
            }
        }
        buf.extend_from_slice(&carry);
        if parsed.stopped || (eof && buf.is_empty()) {
            break;
        }
    }
    let Some(State {
        setup, gathered, ..
    }) = state
    else {
        return Ok(None);
    };
    let (mut firms, extras, report) = gathered.finish();
    firms.attrs.read_back_from(file);
    finish_firms(firms, report, opts, path, Some((extras, setup.dates))).map(Some)
}

/// The bytes of `text` from `from` on, in its own buffer when nothing else holds it.
fn keep_from(text: Arc<String>, from: usize) -> Vec<u8> {
    match Arc::try_unwrap(text) {
        Ok(s) => {
            let mut b = s.into_bytes();
            b.drain(..from.min(b.len()));
            b
        }
        Err(t) => t.as_bytes().get(from..).unwrap_or_default().to_vec(),
    }
}

/// Reads on into `buf` to at least `window` bytes and then until it holds a row's end
/// outside quotes (or the file's end); returns where the window's text ends: after the last
/// such row. Rows are found by the quotes' parity. When it finds none past `past` (the
/// bytes of a record the last window left open: a window must reach further), a quote
/// inside an unquoted field (text to the csv crate) on the window's first line has flipped
/// it for the rest of the file, or the first record runs on: the window is that first
/// record alone, found by the csv crate's rules, and the parity holds again from the next
/// window on (it no longer runs on to the file's end).
fn fill(
    source: &mut dyn Source,
    buf: &mut Vec<u8>,
    eof: &mut bool,
    (window, past): (usize, usize),
    (delimiter, r_quotes): (u8, Option<bool>),
) -> io::Result<usize> {
    while !*eof && buf.len() < window {
        *eof = source.append(buf)? == 0;
    }
    if *eof {
        return Ok(buf.len());
    }
    // R's escaped quotes are not counted (before the header is read: guessed as its check
    // finds them, a wrong guess only misplaces a cut).
    let r = r_quotes.unwrap_or_else(|| escapes::first_backslash_quote_in(buf, delimiter));
    if let Some(cut) = last_row_end(buf, r).filter(|c| *c > past) {
        return Ok(cut);
    }
    let mut first = super::chunks::RecordEnd::default();
    loop {
        match first.find(buf, delimiter) {
            Some(cut) if cut > past => return Ok(cut),
            Some(_) => {}
            None if *eof => return Ok(buf.len()),
            None => *eof = source.append(buf)? == 0,
        }
    }
}

/// The end of the last row that ends in `bytes` (just after its line end outside quotes),
/// counting quotes from `bytes[0]`, which starts a row; None when no row ends in it.
/// `r_quotes`: R's text, whose backslash-escaped quotes are not counted.
pub(super) fn last_row_end(bytes: &[u8], r_quotes: bool) -> Option<usize> {
    use rayon::prelude::*;
    let count = |b: &[u8]| match r_quotes {
        true => crate::model::quotes::unescaped_quotes(b),
        false => memchr::memchr_iter(b'"', b).count(),
    };
    let mut end = memchr::memrchr(b'\n', bytes)?;
    // Quotes before the line end: an even number puts it outside quotes (doubled quotes
    // inside a field count two).
    // (Counted on all threads: one thread took 0.26 s of a 4M-row register's 2.4 s load.
    // An escaped quote is never split between pieces: they are cut after line ends.)
    let before = bytes.get(..end)?;
    let mut quotes: usize = line_pieces(before).par_iter().map(|p| count(p)).sum();
    while quotes % 2 == 1 {
        let prev = memchr::memrchr(b'\n', bytes.get(..end)?)?;
        quotes -= count(bytes.get(prev..end)?);
        end = prev;
    }
    Some(end + 1)
}

/// `bytes` in pieces of about 1 MB, each cut after a line end.
fn line_pieces(bytes: &[u8]) -> Vec<&[u8]> {
    let mut pieces = Vec::new();
    let mut rest = bytes;
    while rest.len() > 1 << 20 {
        let cut = memchr::memchr(b'\n', rest.get(1 << 20..).unwrap_or_default())
            .map_or(rest.len(), |k| (1 << 20) + k + 1);
        let (piece, after) = rest.split_at(cut.min(rest.len()));
        pieces.push(piece);
        rest = after;
    }
    pieces.push(rest);
    pieces
}

/// A streamed load under way: the header, the rows so far, and where the next window's
/// rows start.
struct State {
    setup: Setup,
    gathered: super::Gathered,
    /// Lines of the file before the next window's rows.
    lines_before: u64,
    /// Where the next window's rows start in its text (after the header in the first).
    body_at: usize,
}

impl State {
    /// The header read from the first window's text of a file of `file_len` bytes (`whole`:
    /// the window is all of it); None when the text is not a delimited table.
    fn first(
        text: &mut String,
        whole: bool,
        file_len: usize,
        opts: &FirmLoadOptions,
        path: &str,
        bytes: Bytes,
    ) -> Result<Option<Self>, LoadError> {
        // Named as `decode_text` names it: "utf-8-bom" only when the encoding was not given.
        let (bom, encoding) = match text.strip_prefix('\u{feff}') {
            _ if bytes == Bytes::Gbk => (0, "gbk"),
            Some(_) if named(opts.encoding.as_deref()) == Named::Nothing => {
                ('\u{feff}'.len_utf8(), "utf-8-bom")
            }
            Some(_) => ('\u{feff}'.len_utf8(), "utf-8"),
            None => (0, "utf-8"),
        };
        let rest = text.get(bom..).unwrap_or("");
        if rest.trim_start().starts_with('{') {
            return Ok(None);
        }
        let setup = match Setup::read(rest, encoding, opts, path) {
            Ok(setup) => setup,
            // The header may lie below title lines past a short first window (tests' windows;
            // real ones hold far more than the search): the whole loader decides.
            Err(LoadError::NoCoordinateColumns { .. } | LoadError::MissingColumn { .. })
                if !whole && text.len() < 2 * super::header::MAX_BYTES_ABOVE =>
            {
                return Ok(None);
            }
            // R's escaped quotes may split a header naming a column with one: the whole
            // loader reads it.
            Err(_) if escapes::first_backslash_quote_in(rest.as_bytes(), b',') => {
                return Ok(None);
            }
            Err(e) => return Err(e),
        };
        // Quotes escaped with a backslash are rewritten in the text (and in rows read back;
        // they are looked for in the body's first 4 MB, which a real window holds whole);
        // a GBK text's backslash may be half a character in its bytes: the whole loader.
        if setup.backslash_quotes.is_some() && bytes == Bytes::Gbk {
            return Ok(None);
        }
        let mut setup = setup.unescape(text, bom, encoding, opts, path)?;
        let mut gathered = super::Gathered::new(&mut setup);
        gathered.bytes_expected = file_len;
        Ok(Some(Self {
            lines_before: setup.header_lines,
            body_at: bom + setup.body_start,
            setup,
            gathered,
        }))
    }
}
