//! The input file's own columns, row-aligned with [`Firms`](super::Firms), kept so outputs
//! carry the user's data through unchanged.
//!
//! Rows live in a few chunks (one per block parsed in parallel), so joining blocks moves them
//! instead of copying hundreds of megabytes. A chunk holds its rows one of two ways:
//! - **lines**: the block's text plus where each kept row starts (4 bytes a row). Used for
//!   delimited text whose quotes only wrap whole fields, where a row's fields are its line
//!   split at the delimiters outside quotes.
//!   The text is shared: rows loaded from a file point into the file's text as read.
//! - **fields**: the fields joined in an arena with their ends (quoted CSV, GeoJSON, tables).

use std::sync::Arc;

use super::quotes::unquote_field;

mod file_rows;
mod undone;
use file_rows::InFile;
pub use file_rows::{FileRows, RowsIn, read_exact_at};
use undone::Undone;

/// All columns of the input file; see the module comment for how rows are stored.
#[derive(Clone, Debug, Default)]
pub struct AttrTable {
    pub headers: Vec<String>,
    chunks: Vec<Chunk>,
    /// Index of each chunk's first row.
    chunk_first: Vec<usize>,
    n_rows: usize,
    /// Where released rows are read back from (see [`Self::release_text`]).
    file: Option<Arc<file_rows::FileRows>>,
    /// The rows' text differs from the file's bytes ([`Self::text_is_not_the_files`]).
    not_the_files: bool,
}

#[derive(Clone, Debug)]
enum Chunk {
    Fields(FieldChunk),
    Lines(LineChunk),
}

impl Chunk {
    /// Row `r` of this chunk (None past its end).
    fn view(&self, r: usize) -> Option<View<'_>> {
        match self {
            Chunk::Fields(c) => c.view(r),
            Chunk::Lines(c) => {
                if let Some(v) = c.undone.as_ref().and_then(|u| u.view(c, r)) {
                    return Some(v);
                }
                c.rest(r).map(|rest| View::Line {
                    rest,
                    lines: c.lines,
                })
            }
        }
    }

    fn n_rows(&self) -> usize {
        match self {
            Chunk::Fields(c) => c.row_start.len().saturating_sub(1),
            Chunk::Lines(c) => c.start.len(),
        }
    }
}

#[derive(Clone, Debug, Default)]
struct FieldChunk {
    buf: String,
    /// Byte offset of each row's first field in `buf`; one extra entry at the end.
    row_start: Vec<u64>,
    /// End of each field present, relative to its row's start (rows are ragged: missing
    /// trailing fields are not stored, so memory follows the data, not the header's width).
    field_end: Vec<u32>,
    /// Index of each row's first entry in `field_end`; one extra entry at the end.
    field_start: Vec<u32>,
}

impl FieldChunk {
    fn with_capacity(rows: usize, bytes: usize, n_cols: usize) -> Self {
        let mut row_start = Vec::with_capacity(rows + 1);
        row_start.push(0);
        let mut field_start = Vec::with_capacity(rows + 1);
        field_start.push(0);
        Self {
            buf: String::with_capacity(bytes),
            row_start,
            // Every stored field but a row's first needs a delimiter byte, so the bytes bound
            // the fields whatever the header's width.
            field_end: Vec::with_capacity(rows.saturating_mul(n_cols).min(bytes / 2 + rows)),
            field_start,
        }
    }

    /// Appends one row of at most `n` fields (missing trailing fields read as empty).
    fn push_row<'a, I: IntoIterator<Item = &'a str>>(&mut self, fields: I, n: usize) {
        let start = self.buf.len();
        for f in fields.into_iter().take(n) {
            self.buf.push_str(f);
            let end = u32::try_from(self.buf.len() - start).unwrap_or(u32::MAX);
            self.field_end.push(end);
        }
        // Trailing empty fields need no storage.
        let first = self.field_start.last().copied().unwrap_or(0) as usize;
        while self.field_end.len() > first + 1
            && self.field_end[self.field_end.len() - 1] == self.field_end[self.field_end.len() - 2]
        {
            self.field_end.pop();
        }
        let n_fields = u32::try_from(self.field_end.len()).unwrap_or(u32::MAX);
        self.field_start.push(n_fields);
        self.row_start.push(self.buf.len() as u64);
    }

    fn view(&self, r: usize) -> Option<View<'_>> {
        let start = *self.row_start.get(r)?;
        let (f0, f1) = (*self.field_start.get(r)?, *self.field_start.get(r + 1)?);
        let ends = self.field_end.get(f0 as usize..f1 as usize)?;
        Some(View::Fields {
            buf: &self.buf,
            start: start as usize,
            ends,
        })
    }
}

/// Rows as lines of delimited text, quotes only around whole fields.
#[derive(Clone, Debug)]
struct LineChunk {
    /// The text holding the block (often the whole file, shared by every block read from it);
    /// lines end at `\n` (a `\r` before it is not part of the row).
    text: Arc<String>,
    /// The block is `text[from..to]`.
    from: usize,
    to: usize,
    /// Byte offset in the block of each kept row's line.
    start: Vec<u32>,
    lines: LineRows,
    /// Rows whose lines hold doubled quotes, read from their fields undone instead.
    undone: Option<Box<Undone>>,
    /// Whether the text was let go: then `from..to` are byte offsets in the table's file
    /// instead ([`AttrTable::rows_in`] reads the rows back from there).
    in_file: InFile,
}

impl LineChunk {
    /// The text from row `r`'s line start to the end of the block.
    fn rest(&self, r: usize) -> Option<&str> {
        self.text
            .get(self.from + *self.start.get(r)? as usize..self.to)
    }
}

impl AttrTable {
    pub fn new(headers: Vec<String>) -> Self {
        Self::with_capacity(headers, 0, 0)
    }

    pub fn with_capacity(headers: Vec<String>, rows: usize, bytes: usize) -> Self {
        let n = headers.len();
        Self {
            headers,
            chunks: vec![Chunk::Fields(FieldChunk::with_capacity(rows, bytes, n))],
            chunk_first: vec![0],
            n_rows: 0,
            file: None,
            not_the_files: false,
        }
    }

    /// A table of one chunk of lines: row `r` is the line of `text` starting at byte
    /// `starts[r]`, its fields split at `delimiter`. Quotes may only wrap a whole field (see
    /// [`super::quotes::simple_quotes`]; they are taken off when read); starts past the text
    /// or off a character boundary read as empty rows.
    pub fn from_lines(headers: Vec<String>, text: String, starts: Vec<u32>, delimiter: u8) -> Self {
        let to = text.len();
        let quoted = text.contains('"');
        let lines = LineRows {
            delimiter,
            quoted,
            multiline: quoted,
        };
        Self::from_shared_lines(headers, Arc::new(text), 0..to, starts, lines)
    }

    /// [`Self::from_lines`] over `text[block]`, a part of a text that other chunks (or the
    /// caller) share: the rows point into it instead of a copy. `starts` are offsets in the
    /// block; `lines` says how they split (the caller knows whether the block has quotes).
    pub fn from_shared_lines(
        headers: Vec<String>,
        text: Arc<String>,
        block: std::ops::Range<usize>,
        starts: Vec<u32>,
        lines: LineRows,
    ) -> Self {
        let n_rows = starts.len();
        Self {
            headers,
            chunks: vec![Chunk::Lines(LineChunk {
                text,
                from: block.start,
                to: block.end,
                start: starts,
                lines,
                undone: None,
                in_file: InFile::No,
            })],
            chunk_first: vec![0],
            n_rows,
            file: None,
            not_the_files: false,
        }
    }

    /// Rows `rows` (ascending indices) of this table of one chunk of lines hold doubled
    /// quotes, which reading a line in place cannot undo: their fields are undone from their
    /// lines when first read. Does nothing to other tables.
    pub fn set_undone_rows(&mut self, rows: Vec<u32>) {
        let n_cols = self.headers.len();
        if let [Chunk::Lines(c)] = self.chunks.as_mut_slice() {
            c.undone = Some(Undone::new(rows, n_cols, true));
        }
    }

    pub fn n_cols(&self) -> usize {
        self.headers.len()
    }

    pub fn n_rows(&self) -> usize {
        self.n_rows
    }

    /// Appends one row; missing trailing fields become empty, extra ones are dropped.
    pub fn push_row<'a, I: IntoIterator<Item = &'a str>>(&mut self, fields: I) {
        let n = self.headers.len();
        if !matches!(self.chunks.last(), Some(Chunk::Fields(_))) {
            self.chunks
                .push(Chunk::Fields(FieldChunk::with_capacity(0, 0, n)));
            self.chunk_first.push(self.n_rows);
        }
        let Some(Chunk::Fields(chunk)) = self.chunks.last_mut() else {
            return;
        };
        chunk.push_row(fields, n);
        self.n_rows += 1;
    }

    /// Appends every row of `other` (same headers assumed) by moving its storage.
    pub fn append(&mut self, other: AttrTable) {
        for c in other.chunks {
            if c.n_rows() == 0 {
                continue;
            }
            self.chunk_first.push(self.n_rows);
            self.n_rows += c.n_rows();
            self.chunks.push(c);
        }
    }

    /// Field `col` of row `row`, or "" when out of range.
    pub fn get(&self, row: usize, col: usize) -> &str {
        self.row_view(row).get(col)
    }

    /// The chunk holding `row` and the row's index within it.
    fn locate(&self, row: usize) -> Option<(&Chunk, usize)> {
        if row >= self.n_rows {
            return None;
        }
        let k = if self.chunks.len() == 1 {
            0
        } else {
            self.chunk_first
                .partition_point(|f| *f <= row)
                .checked_sub(1)?
        };
        Some((self.chunks.get(k)?, row - self.chunk_first.get(k)?))
    }

    /// One row, found once, to read several of its fields.
    pub fn row_view(&self, row: usize) -> RowView<'_> {
        let kind = self.locate(row).and_then(|(chunk, r)| chunk.view(r));
        RowView {
            kind: kind.unwrap_or(View::Empty),
            n_cols: self.headers.len(),
        }
    }

    /// All fields of a row (as many as the header has).
    pub fn row(&self, row: usize) -> impl Iterator<Item = &str> + '_ {
        self.row_view(row).fields()
    }

    /// `f` of field `col` of every row, in row order, computed in parallel pieces; walks
    /// each chunk's rows in order instead of locating every row afresh.
    pub fn map_column<T: Send>(&self, col: usize, f: impl Fn(&str) -> T + Sync) -> Vec<T> {
        use rayon::prelude::*;
        const PIECE: usize = 1 << 16;
        let n_cols = self.headers.len();
        let pieces: Vec<(&Chunk, usize, usize)> = self
            .chunks
            .iter()
            .flat_map(|c| {
                let n = c.n_rows();
                (0..n.div_ceil(PIECE)).map(move |k| (c, k * PIECE, ((k + 1) * PIECE).min(n)))
            })
            .collect();
        let parts: Vec<Vec<T>> = pieces
            .par_iter()
            .map(|&(chunk, from, to)| {
                (from..to)
                    .map(|r| {
                        let view = RowView {
                            kind: chunk.view(r).unwrap_or(View::Empty),
                            n_cols,
                        };
                        f(view.get(col))
                    })
                    .collect()
            })
            .collect();
        let mut out = Vec::with_capacity(self.n_rows);
        for p in parts {
            out.extend(p);
        }
        out
    }

    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.headers.iter().position(|h| h == name)
    }

    /// Keeps only the rows for which `keep` is true, in order.
    pub fn retain_rows(&mut self, keep: &[bool]) {
        let mut out = AttrTable {
            headers: self.headers.clone(),
            file: self.file.clone(),
            not_the_files: self.not_the_files,
            ..Default::default()
        };
        let chunks = std::mem::take(&mut self.chunks);
        for (chunk, first) in chunks.into_iter().zip(self.chunk_first.iter().copied()) {
            let kept = |r: usize| keep.get(first + r).copied().unwrap_or(false);
            let part = match chunk {
                Chunk::Lines(mut c) => {
                    c.undone = c.undone.take().map(|u| u.kept(kept));
                    let mut r = 0;
                    c.start.retain(|_| {
                        r += 1;
                        kept(r - 1)
                    });
                    Chunk::Lines(c)
                }
                Chunk::Fields(c) => {
                    let n = c.row_start.len().saturating_sub(1);
                    match copy_rows(&c, (0..n).filter(|r| kept(*r)), &self.headers) {
                        Some(f) => Chunk::Fields(f),
                        None => continue,
                    }
                }
            };
            out.chunk_first.push(out.n_rows);
            out.n_rows += part.n_rows();
            out.chunks.push(part);
        }
        *self = out;
    }
}

/// `rows` of `c`, copied in order into a chunk of their own (None when none is left).
fn copy_rows(
    c: &FieldChunk,
    rows: impl Iterator<Item = usize>,
    headers: &[String],
) -> Option<FieldChunk> {
    let mut t = AttrTable::new(headers.to_vec());
    for r in rows {
        let v = RowView {
            kind: c.view(r).unwrap_or(View::Empty),
            n_cols: headers.len(),
        };
        t.push_row((0..v.n_stored()).map(|f| v.get(f)));
    }
    if t.n_rows == 0 {
        return None;
    }
    match t.chunks.pop() {
        Some(Chunk::Fields(f)) => Some(f),
        _ => None,
    }
}

/// How the lines of a chunk of line rows split into fields.
#[derive(Clone, Copy, Debug)]
pub struct LineRows {
    pub delimiter: u8,
    /// The lines may hold quotes (around whole fields, delimiters inside them not splitting).
    pub quoted: bool,
    /// Quoted fields may hold line ends: a row ends at the first line end outside quotes.
    pub multiline: bool,
}

/// One row of an [`AttrTable`]: its fields by column ("" past the stored ones).
#[derive(Clone, Copy, Debug)]
pub struct RowView<'a> {
    kind: View<'a>,
    /// The header's width: fields past it are not part of the row.
    n_cols: usize,
}

#[derive(Clone, Copy, Debug)]
enum View<'a> {
    Empty,
    Fields {
        buf: &'a str,
        start: usize,
        ends: &'a [u32],
    },
    Line {
        /// The text from the row's start to the end of its block: the row ends at `\n`
        /// (outside quotes).
        rest: &'a str,
        lines: LineRows,
    },
}

/// The field of a line row starting at byte `from` of `rest`, and where the next one starts
/// (None at the end of the line).
fn line_field(rest: &str, from: usize, delimiter: u8, quoted: bool) -> (&str, Option<usize>) {
    let b = rest.as_bytes();
    let t = b.get(from..).unwrap_or(&[]);
    let (to, next) = match super::scan::Separators::with_quotes(t, delimiter, b'\n', quoted).next()
    {
        Some(i) if b[from + i] == delimiter => (from + i, Some(from + i + 1)),
        Some(i) => (from + i, None),
        None => (b.len(), None),
    };
    // A `\r` can only end a row's last field (the fast parse admits no other).
    let f = rest.get(from..to).unwrap_or("");
    (unquote_field(f.strip_suffix('\r').unwrap_or(f)), next)
}

impl<'a> RowView<'a> {
    /// How many fields an arena row stores (trailing empty ones are not stored).
    fn n_stored(&self) -> usize {
        match self.kind {
            View::Fields { ends, .. } => ends.len(),
            _ => 0,
        }
    }

    pub fn get(&self, col: usize) -> &'a str {
        if col >= self.n_cols {
            return "";
        }
        match self.kind {
            View::Empty => "",
            View::Fields { buf, start, ends } => {
                let Some(&e) = ends.get(col) else {
                    return "";
                };
                let b = match col.checked_sub(1) {
                    Some(p) => ends.get(p).copied().unwrap_or(0) as usize,
                    None => 0,
                };
                buf.get(start + b..start + e as usize).unwrap_or("")
            }
            View::Line {
                rest,
                lines: LineRows {
                    delimiter, quoted, ..
                },
            } => {
                let bytes = rest.as_bytes();
                let from = if quoted {
                    super::quotes::skip_fields_quoted(bytes, 0, col, delimiter)
                } else {
                    super::scan::skip_fields(bytes, 0, col, delimiter)
                };
                match from {
                    Some(from) => line_field(rest, from, delimiter, quoted).0,
                    None => "",
                }
            }
        }
    }

    /// A line row's text as read (without its line end) and how it splits; None for rows
    /// stored field by field. Quotes in it only wrap whole fields, so it is valid CSV for the
    /// same values and writers may copy it whole.
    pub fn line(&self) -> Option<(&'a str, LineRows)> {
        match self.kind {
            View::Line { rest, lines } => {
                let bytes = rest.as_bytes();
                let end = if lines.multiline {
                    super::scan::Separators::outside_quotes(bytes, b'\n', b'\n').next()
                } else {
                    memchr::memchr(b'\n', bytes)
                };
                let line = rest.get(..end.unwrap_or(rest.len()))?;
                Some((line.strip_suffix('\r').unwrap_or(line), lines))
            }
            _ => None,
        }
    }

    /// The row's fields in column order, as many as the header has ("" past the stored ones);
    /// one pass over a line row instead of a scan per field.
    pub fn fields(self) -> impl Iterator<Item = &'a str> {
        let mut next = Some(0);
        (0..self.n_cols).map(move |c| match self.kind {
            View::Line {
                rest,
                lines: LineRows {
                    delimiter, quoted, ..
                },
            } => match next {
                Some(from) => {
                    let (f, after) = line_field(rest, from, delimiter, quoted);
                    next = after;
                    f
                }
                None => "",
            },
            _ => self.get(c),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields_table() -> AttrTable {
        let mut t = AttrTable::new(vec!["a".into(), "b".into(), "c".into()]);
        t.push_row(["1", "示例", ""]);
        t.push_row(["x"]);
        t.push_row(["p", "q", "r", "extra"]);
        t
    }

    #[test]
    fn attr_table_round_trips_fields() {
        let mut t = fields_table();
        assert_eq!(t.n_rows(), 3);
        assert_eq!(t.get(0, 1), "示例");
        assert_eq!(t.get(0, 2), "");
        assert_eq!(t.get(1, 0), "x");
        assert_eq!(t.get(1, 2), "");
        assert_eq!(t.row(2).collect::<Vec<_>>(), vec!["p", "q", "r"]);
        assert_eq!(t.get(9, 0), "");
        let mut u = AttrTable::new(t.headers.clone());
        u.push_row(["z", "y", "w"]);
        t.append(u);
        assert_eq!(t.get(1, 0), "x");
        assert_eq!(t.get(3, 2), "w");
        t.retain_rows(&[false, true, false, true]);
        assert_eq!(t.n_rows(), 2);
        assert_eq!(t.get(1, 0), "z");
        assert_eq!(t.get(0, 1), "");
    }

    /// A lines chunk reads exactly as the same rows pushed field by field (the oracle),
    /// across chunk joins, CRLF endings, ragged and over-long rows and `retain_rows`.
    #[test]
    fn line_rows_read_as_pushed_fields() {
        let headers: Vec<String> = vec!["a".into(), "b".into(), "c".into()];
        let text = "1,示例,x\r\nskip me\n\n2,,\n3\np,q,r,extra\nlast;row,z".to_string();
        let starts: Vec<u32> = vec![0, 21, 25, 27, 39];
        let rows = [
            vec!["1", "示例", "x"],
            vec!["2", "", ""],
            vec!["3"],
            vec!["p", "q", "r", "extra"],
            vec!["last;row", "z"],
        ];
        let mut oracle = fields_table();
        let mut t = fields_table();
        for r in &rows {
            oracle.push_row(r.iter().copied());
        }
        t.append(AttrTable::from_lines(headers.clone(), text, starts, b','));
        assert_eq!(t.n_rows(), oracle.n_rows());
        let all = |t: &AttrTable| -> Vec<Vec<String>> {
            (0..t.n_rows() + 1)
                .map(|r| t.row(r).map(str::to_string).collect())
                .collect()
        };
        assert_eq!(all(&t), all(&oracle));
        assert_eq!(t.get(3, 1), "示例");
        assert_eq!(t.get(6, 3), "", "no field past the header's width");
        for col in 0..4 {
            let by_get: Vec<String> = (0..t.n_rows()).map(|r| t.get(r, col).into()).collect();
            assert_eq!(t.map_column(col, str::to_string), by_get);
        }
        let keep: Vec<bool> = (0..t.n_rows()).map(|r| r % 3 != 1).collect();
        t.retain_rows(&keep);
        oracle.retain_rows(&keep);
        assert_eq!(t.n_rows(), 5);
        assert_eq!(all(&t), all(&oracle));
    }

    #[test]
    fn a_wide_header_costs_memory_only_for_fields_present() {
        let headers: Vec<String> = (0..1_000_000).map(|i| format!("c{i}")).collect();
        let mut t = AttrTable::with_capacity(headers, 100_000, 1_000_000);
        for i in 0..1000 {
            let id = format!("A{i}");
            t.push_row([id.as_str(), "name", ""]);
        }
        assert_eq!(t.get(999, 0), "A999");
        assert_eq!(t.get(999, 1), "name");
        assert_eq!(t.get(999, 500_000), "");
        let stored: usize = t
            .chunks
            .iter()
            .map(|c| match c {
                Chunk::Fields(f) => f.field_end.capacity(),
                Chunk::Lines(_) => 0,
            })
            .sum();
        assert!(
            stored < 2_000_000,
            "{stored} field slots for 1000 short rows"
        );
    }
}
