//! Line rows whose text is let go after loading and read back from the file when needed.
//!
//! A register of 4 million firms is 700 MB of text that a batch run only needs again to copy
//! each row into `firms.csv`. [`AttrTable::release_text`] drops it (the rows keep where they
//! start in the file) and [`AttrTable::rows_in`] reads a run of rows back, block by block. The
//! window keeps its text: it shows any row at any time.

use std::borrow::Cow;
use std::fs::File;
use std::io;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use super::{AttrTable, Chunk, LineChunk, RowView, copy_rows};

/// Where a chunk's rows are: in its text, or let go and read back from the file, whose bytes
/// are UTF-8 (as the text) or GBK/GB18030 (decoded again).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum InFile {
    No,
    Utf8,
    Gbk,
}

/// The file the released rows are read back from, as it was when they were released.
#[derive(Debug)]
pub struct FileRows {
    file: File,
    path: PathBuf,
    len: u64,
    modified: Option<SystemTime>,
    /// The delimiter of R's text whose backslash-escaped quotes the loader read as quotes:
    /// rows read back are rewritten the same way.
    backslash_quotes: std::sync::OnceLock<u8>,
}

impl FileRows {
    /// The regular file at `path`, opened once (None for a pipe, device or folder: opening
    /// a named pipe again would wait for a writer).
    pub fn open(path: &Path) -> io::Result<Option<Self>> {
        if !std::fs::metadata(path)?.is_file() {
            return Ok(None);
        }
        let file = File::open(path)?;
        let meta = file.metadata()?;
        if !meta.is_file() {
            return Ok(None);
        }
        Ok(Some(Self {
            path: path.to_path_buf(),
            len: meta.len(),
            modified: meta.modified().ok(),
            file,
            backslash_quotes: Default::default(),
        }))
    }

    /// Rows read back from now on have R's backslash-escaped quotes rewritten as doubled
    /// ones, as the loader read them (`delimiter`: the file's).
    pub fn read_backslash_quotes(&self, delimiter: u8) {
        let _ = self.backslash_quotes.set(delimiter);
    }

    /// The open file (a loader reads it through this handle, so what it read and what is
    /// read back are one file).
    pub fn file(&self) -> &File {
        &self.file
    }

    /// The file's length when it was opened.
    pub fn file_len(&self) -> u64 {
        self.len
    }

    /// An error naming the file when its length or time changed since it was opened.
    pub fn check_unchanged(&self) -> io::Result<()> {
        let meta = self.file.metadata()?;
        if meta.len() != self.len || meta.modified().ok() != self.modified {
            return Err(self.changed());
        }
        Ok(())
    }

    /// `len` bytes at `at` into `buf` (replacing what it held), failing when the file is no
    /// longer as it was.
    fn read(&self, at: u64, len: usize, mut buf: Vec<u8>) -> io::Result<Vec<u8>> {
        self.check_unchanged()?;
        // A buffer used before keeps its length: only bytes past it are zeroed before the
        // read overwrites them all (zeroing 4M firms' rows again took 3 % of `analyze`).
        if buf.len() < len {
            buf.resize(len, 0);
        } else {
            buf.truncate(len);
        }
        read_exact_at(&self.file, &mut buf, at)?;
        Ok(buf)
    }

    fn changed(&self) -> io::Error {
        io::Error::other(format!(
            "{} changed while it was being analysed: run again on a file that stays as it is",
            self.path.display()
        ))
    }
}

/// Fills `buf` from `file` at `at`, from any thread (no shared cursor).
#[cfg(unix)]
pub fn read_exact_at(file: &File, buf: &mut [u8], at: u64) -> io::Result<()> {
    use std::os::unix::fs::FileExt;
    file.read_exact_at(buf, at)
}

/// Fills `buf` from `file` at `at`, from any thread (no shared cursor).
#[cfg(windows)]
pub fn read_exact_at(file: &File, mut buf: &mut [u8], mut at: u64) -> io::Result<()> {
    use std::os::windows::fs::FileExt;
    while !buf.is_empty() {
        match file.seek_read(buf, at) {
            Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => {
                buf = std::mem::take(&mut buf).get_mut(n..).unwrap_or_default();
                at += n as u64;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

#[cfg(not(any(unix, windows)))]
pub fn read_exact_at(_: &File, _: &mut [u8], _: u64) -> io::Result<()> {
    Err(io::ErrorKind::Unsupported.into())
}

/// Rows of a table ready to read: the table itself, or a table of their text read back.
pub struct RowsIn<'a> {
    table: Cow<'a, AttrTable>,
    /// The table's row 0 is this row of the whole table.
    first: usize,
}

impl RowsIn<'_> {
    /// Row `row` of the whole table (empty outside the rows asked for).
    pub fn view(&self, row: usize) -> RowView<'_> {
        self.table.row_view(row.wrapping_sub(self.first))
    }

    /// Hands the buffers the rows were read into to `spare`, for [`AttrTable::rows_in_with`]
    /// to read into again: fresh buffers fault in every page.
    pub fn recycle(self, spare: &mut Vec<Vec<u8>>) {
        let Cow::Owned(table) = self.table else {
            return;
        };
        for chunk in table.chunks {
            if let Chunk::Lines(l) = chunk
                && let Ok(text) = Arc::try_unwrap(l.text)
            {
                spare.push(text.into_bytes());
            }
        }
    }
}

impl AttrTable {
    /// Lets go of the rows' text, to be read back from `path` by [`Self::rows_in`] and
    /// [`Self::field_owned`]; after it, [`Self::get`] and [`Self::row_view`] read released rows
    /// as empty. Only done (returns true) when every chunk holds lines of one shared text
    /// that is, byte for byte at its start, middle and end, the regular file as it is now.
    pub fn release_text(&mut self, path: &Path) -> io::Result<bool> {
        if self.not_the_files {
            return Ok(false);
        }
        let mut shared: Option<&Arc<String>> = None;
        // (A table starts with an empty chunk of fields that appended chunks follow.)
        for c in self.chunks.iter().filter(|c| c.n_rows() > 0) {
            match (c, shared) {
                (Chunk::Lines(l), None) => shared = Some(&l.text),
                (Chunk::Lines(l), Some(t)) if Arc::ptr_eq(&l.text, t) => {}
                _ => return Ok(false),
            }
        }
        let Some(text) = shared else {
            return Ok(false);
        };
        let Some(rows) = FileRows::open(path)? else {
            return Ok(false);
        };
        if rows.len != text.len() as u64 {
            return Ok(false);
        }
        const PROBE: usize = 4096;
        let len = text.len();
        for at in [0, len / 2, len.saturating_sub(PROBE)] {
            let n = PROBE.min(len - at);
            if rows.read(at as u64, n, Vec::new())?.as_slice() != &text.as_bytes()[at..at + n] {
                return Ok(false);
            }
        }
        let text = Arc::clone(text);
        self.release_block(&text, 0);
        self.read_back_from(Arc::new(rows));
        Ok(true)
    }

    /// Lets go of the rows held in `text`, which starts `file_at` bytes into the file the
    /// table will read them back from ([`Self::read_back_from`]): a loader that reads a file
    /// window by window calls this after each window.
    pub fn release_block(&mut self, text: &Arc<String>, file_at: usize) {
        let empty = Arc::new(String::new());
        for l in self.lines_of(text) {
            l.let_go_of_undone();
            l.text = Arc::clone(&empty);
            l.from += file_at;
            l.to += file_at;
            l.in_file = InFile::Utf8;
        }
    }

    /// [`Self::release_block`] for `text` decoded from `raw`, GBK/GB18030 bytes `file_at`
    /// bytes into the file: the rows keep where their lines start in `raw` and are decoded
    /// again when read back. False (nothing let go) when a row does not start a line of
    /// `text`, which every row of a delimited file does.
    pub fn release_gbk_block(&mut self, text: &Arc<String>, raw: &[u8], file_at: usize) -> bool {
        use crate::model::line_map::LineStarts;
        use rayon::prelude::*;
        // Where each chunk starts in `raw` (line feeds counted on all threads), then each
        // chunk's rows from there, in parallel.
        let mut lines: Vec<&mut LineChunk> = self.lines_of(text).collect();
        let starts: Vec<usize> = lines.iter().map(|l| l.from).collect();
        let line_start = |at: usize| at == 0 || text.as_bytes().get(at - 1) == Some(&b'\n');
        let froms = match crate::model::line_map::lines_before(text.as_bytes(), &starts) {
            Some(n) if starts.iter().all(|s| line_start(*s)) => {
                crate::model::line_map::starts_after_lines(raw, &n)
            }
            _ => None,
        };
        let Some(froms) = froms else {
            return false;
        };
        let mapped: Option<Vec<(usize, Vec<u32>)>> = lines
            .par_iter()
            .zip(&froms)
            .map(|(l, &from)| {
                let mut map = LineStarts::resume(text.as_bytes(), raw, l.from, from);
                let start = l
                    .start
                    .iter()
                    .map(|s| map.map(l.from + *s as usize))
                    .map(|at| at.and_then(|at| u32::try_from(at - from).ok()))
                    .collect::<Option<Vec<u32>>>()?;
                Some((map.map(l.to)?, start))
            })
            .collect();
        let Some(mapped) = mapped else {
            return false;
        };
        let empty = Arc::new(String::new());
        for ((l, from), (to, start)) in lines.iter_mut().zip(froms).zip(mapped) {
            l.let_go_of_undone();
            l.text = Arc::clone(&empty);
            l.from = file_at + from;
            l.to = file_at + to;
            l.start = start;
            l.in_file = InFile::Gbk;
        }
        true
    }

    /// The chunks of lines still holding `text`, in order.
    fn lines_of<'s>(
        &'s mut self,
        text: &'s Arc<String>,
    ) -> impl Iterator<Item = &'s mut LineChunk> {
        self.chunks.iter_mut().filter_map(move |c| match c {
            Chunk::Lines(l) if l.in_file == InFile::No && Arc::ptr_eq(&l.text, text) => Some(l),
            _ => None,
        })
    }

    /// Released rows ([`Self::release_block`]) are read back from `rows` from now on.
    pub fn read_back_from(&mut self, rows: Arc<FileRows>) {
        self.file = Some(rows);
    }

    /// Marks the rows' text as changed from the file's bytes (R's escaped quotes rewritten):
    /// [`Self::release_text`] then keeps it, as rows read back would differ.
    pub fn text_is_not_the_files(&mut self) {
        self.not_the_files = true;
    }

    /// True once [`Self::release_text`] let the text go.
    pub fn is_released(&self) -> bool {
        self.file.is_some()
    }

    /// Rows `range` ready to read: this table, or (text released) a table of the rows' text
    /// read back from the file. Fails when the file changed since.
    pub fn rows_in(&self, range: Range<usize>) -> io::Result<RowsIn<'_>> {
        self.read_rows(range, &mut Vec::new(), true)
    }

    /// [`Self::rows_in`], reading into buffers taken from `spare` (see [`RowsIn::recycle`]).
    pub fn rows_in_with(
        &self,
        range: Range<usize>,
        spare: &mut Vec<Vec<u8>>,
    ) -> io::Result<RowsIn<'_>> {
        self.read_rows(range, spare, true)
    }

    /// [`Self::rows_in_with`], but rows read back whose lines hold doubled quotes are given as
    /// their lines ([`RowView::line`]) instead of undone again: for a writer that copies
    /// lines and undoes what it reads field by field.
    pub fn rows_in_as_lines(
        &self,
        range: Range<usize>,
        spare: &mut Vec<Vec<u8>>,
    ) -> io::Result<RowsIn<'_>> {
        self.read_rows(range, spare, false)
    }

    /// How many chunks hold rows `range` (at most one buffer each when read back): how many
    /// spare buffers to hand [`Self::rows_in_with`] for them.
    pub fn chunks_over(&self, range: Range<usize>) -> usize {
        let lo = self
            .chunk_first
            .partition_point(|&f| f <= range.start)
            .saturating_sub(1);
        let hi = self.chunk_first.partition_point(|&f| f < range.end);
        hi.saturating_sub(lo)
    }

    /// [`Self::rows_in_with`]; `undo`: false for [`Self::rows_in_as_lines`].
    fn read_rows(
        &self,
        range: Range<usize>,
        spare: &mut Vec<Vec<u8>>,
        undo: bool,
    ) -> io::Result<RowsIn<'_>> {
        let Some(file) = &self.file else {
            return Ok(RowsIn {
                table: Cow::Borrowed(self),
                first: 0,
            });
        };
        let mut out = AttrTable::new(self.headers.clone());
        out.chunks.clear();
        out.chunk_first.clear();
        for (chunk, &first) in self.chunks.iter().zip(&self.chunk_first) {
            let n = chunk.n_rows();
            let r0 = range.start.max(first).min(first + n) - first;
            let r1 = range.end.max(first).min(first + n) - first;
            if r0 >= r1 {
                continue;
            }
            let part = match chunk {
                Chunk::Lines(c) if c.in_file != InFile::No => {
                    Chunk::Lines(read_back(file, c, r0..r1, spare, undo)?)
                }
                Chunk::Lines(c) => Chunk::Lines(LineChunk {
                    start: c.start[r0..r1].to_vec(),
                    undone: c.undone.as_ref().map(|u| u.part(r0, r1, true)),
                    ..c.clone()
                }),
                Chunk::Fields(f) => match copy_rows(f, r0..r1, &self.headers) {
                    Some(f) => Chunk::Fields(f),
                    None => continue,
                },
            };
            out.chunk_first.push(out.n_rows);
            out.n_rows += r1 - r0;
            out.chunks.push(part);
        }
        Ok(RowsIn {
            table: Cow::Owned(out),
            first: range.start,
        })
    }

    /// Field `col` of row `row`, read back from the file when the text was released (""
    /// past the end, or when the file cannot be read as it was).
    pub fn field_owned(&self, row: usize, col: usize) -> Cow<'_, str> {
        if self.file.is_none() {
            return Cow::Borrowed(self.get(row, col));
        }
        match self.rows_in(row..row + 1) {
            Ok(rows) => Cow::Owned(rows.view(row).get(col).to_string()),
            Err(_) => Cow::Borrowed(""),
        }
    }
}

/// Rows `rows` of a released chunk read back from `file` into a chunk of their own.
fn read_back(
    file: &FileRows,
    c: &LineChunk,
    rows: Range<usize>,
    spare: &mut Vec<Vec<u8>>,
    undo: bool,
) -> io::Result<LineChunk> {
    let (r0, r1) = (rows.start, rows.end);
    let at = c.from + c.start[r0] as usize;
    let end = match c.start.get(r1) {
        Some(s) => c.from + *s as usize,
        None => c.to,
    };
    let mut bytes = file.read(
        at as u64,
        end.saturating_sub(at),
        spare.pop().unwrap_or_default(),
    )?;
    if let Some(&delimiter) = file.backslash_quotes.get()
        && c.in_file != InFile::Gbk
    {
        // (The rows start at a record's start, outside quotes.)
        crate::model::quotes::double_backslash_quotes(&mut bytes, delimiter);
    }
    let base = c.start[r0];
    let starts = c.start[r0..r1].iter().map(|s| (s - base) as usize);
    let (text, start) = if c.in_file == InFile::Gbk {
        let text = gbk_text(&bytes, spare.pop().unwrap_or_default());
        let mut map = crate::model::line_map::LineStarts::new(&bytes, text.as_bytes());
        let start = starts
            .map(|s| map.map(s).and_then(|d| u32::try_from(d).ok()))
            .collect::<Option<Vec<u32>>>();
        spare.push(bytes);
        (text, start.ok_or_else(|| file.changed())?)
    } else {
        if simdutf8::basic::from_utf8(&bytes).is_err() {
            return Err(file.changed());
        }
        // SAFETY: checked as UTF-8 just above.
        let text = unsafe { String::from_utf8_unchecked(bytes) };
        (text, starts.map(|s| s as u32).collect())
    };
    let mut back = LineChunk {
        to: text.len(),
        text: Arc::new(text),
        from: 0,
        start,
        lines: c.lines,
        undone: None,
        in_file: InFile::No,
    };
    back.undone = c.undone.as_ref().map(|u| u.part(r0, r1, undo));
    Ok(back)
}

impl LineChunk {
    /// Lets go of the undone rows' fields with the text (they are undone again when read
    /// back: a register guarding every cell would otherwise keep every row twice).
    fn let_go_of_undone(&mut self) {
        if let Some(u) = &mut self.undone {
            u.let_go();
        }
    }
}

/// GBK/GB18030 `bytes` (whole lines) decoded into `buf`'s memory, as the whole file's
/// decoding has them (malformed sequences as U+FFFD).
fn gbk_text(bytes: &[u8], buf: Vec<u8>) -> String {
    let mut decoder = encoding_rs::GBK.new_decoder_without_bom_handling();
    let mut buf = buf;
    buf.clear();
    // (Emptied first: the memory is kept, and there is nothing left to check as UTF-8.)
    let mut text = String::from_utf8(buf).unwrap_or_default();
    text.reserve(
        decoder
            .max_utf8_buffer_length(bytes.len())
            .unwrap_or(bytes.len() * 3),
    );
    match decoder.decode_to_string(bytes, &mut text, true) {
        (encoding_rs::CoderResult::InputEmpty, read, _) if read == bytes.len() => text,
        // (The room reserved holds the longest decoding; were it short, decode anew.)
        _ => encoding_rs::GBK
            .decode_without_bom_handling(bytes)
            .0
            .into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rows whose lines hold doubled quotes let their undone fields go with the text, and
    /// read back undone again: as before the release (the oracle), and as the csv crate reads
    /// them.
    #[test]
    fn undone_rows_are_let_go_and_undone_again_when_read_back() {
        let text = "\"x\"\"y\",=\"1\"\nplain,2\n\"=\"\"3\"\"\",\"a,\"\"b\"\"\"\r\n";
        let dir = std::env::temp_dir().join(format!("ca-undone-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("rows.csv");
        std::fs::write(&path, text).unwrap();
        let headers = vec!["a".to_string(), "b".to_string()];
        let (second, third) = (text.find("plain").unwrap(), text.find("\"=").unwrap());
        let starts = vec![0, second as u32, third as u32];
        let mut t = AttrTable::from_lines(headers, text.into(), starts, b',');
        t.set_undone_rows(vec![0, 2]);
        let undone = super::super::undone::groups_undone;
        // Undone when first read, not before.
        assert_eq!(undone(&t), 0);
        let before: Vec<Vec<String>> = (0..3)
            .map(|r| t.row(r).map(str::to_string).collect())
            .collect();
        let csv_crate = super::super::undone::csv_crate_rows(text);
        assert_eq!(before, csv_crate);
        assert_eq!(undone(&t), 1);
        assert!(t.release_text(&path).unwrap());
        assert_eq!(undone(&t), 0);
        let back = t.rows_in(0..3).unwrap();
        let after: Vec<Vec<String>> = (0..3)
            .map(|r| back.view(r).fields().map(str::to_string).collect())
            .collect();
        assert_eq!(after, before);
        assert_eq!(t.field_owned(2, 1), "a,\"b\"");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// The chunks over a range are those a brute-force walk of the chunks finds holding
    /// one of its rows (empty chunks may be counted: a hint for buffers).
    #[test]
    fn chunks_over_counts_the_chunks_holding_the_rows() {
        let headers = vec!["a".to_string()];
        let mut t = AttrTable::new(headers.clone());
        let sizes = [3usize, 1, 0, 5, 2, 7];
        for &k in &sizes {
            let text: String = (0..k).map(|i| format!("{i}\n")).collect();
            let starts = (0..k as u32).map(|i| i * 2).collect();
            t.append(AttrTable::from_lines(headers.clone(), text, starts, b','));
        }
        let n = sizes.iter().sum::<usize>();
        assert_eq!(t.n_rows(), n);
        for a in 0..n {
            for b in a + 1..=n {
                let holding = t
                    .chunks
                    .iter()
                    .zip(&t.chunk_first)
                    .filter(|(c, f)| **f < b && **f + c.n_rows() > a)
                    .count();
                let got = t.chunks_over(a..b);
                assert!(
                    got >= holding && got <= holding + 2,
                    "{a}..{b}: {got} vs {holding}"
                );
            }
        }
    }
}
