//! Firms as structure-of-arrays, so four million rows stay compact and scan fast.

use std::borrow::Cow;

use super::LonLat;

/// Index into [`Firms::segments`].
pub type SegmentId = u16;

/// All columns of the input file, row-aligned with [`Firms`], stored in string arenas.
///
/// Keeping the original columns lets outputs carry the user's own data through unchanged.
/// Rows live in a few chunks (one per block parsed in parallel), so joining blocks moves
/// them instead of copying hundreds of megabytes.
#[derive(Clone, Debug, Default)]
pub struct AttrTable {
    pub headers: Vec<String>,
    chunks: Vec<AttrChunk>,
    /// Index of each chunk's first row.
    chunk_first: Vec<usize>,
    n_rows: usize,
}

#[derive(Clone, Debug, Default)]
struct AttrChunk {
    buf: String,
    /// Byte offset of each row's first field in `buf`; one extra entry at the end.
    row_start: Vec<u64>,
    /// End of each field present, relative to its row's start (rows are ragged: missing
    /// trailing fields are not stored, so memory follows the data, not the header's width).
    field_end: Vec<u32>,
    /// Index of each row's first entry in `field_end`; one extra entry at the end.
    field_start: Vec<u32>,
}

impl AttrChunk {
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

    fn n_rows(&self) -> usize {
        self.row_start.len().saturating_sub(1)
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
            chunks: vec![AttrChunk::with_capacity(rows, bytes, n)],
            chunk_first: vec![0],
            n_rows: 0,
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
        if self.chunks.is_empty() {
            self.chunks.push(AttrChunk::with_capacity(0, 0, n));
            self.chunk_first.push(self.n_rows);
        }
        let Some(chunk) = self.chunks.last_mut() else {
            return;
        };
        let start = chunk.buf.len();
        for f in fields.into_iter().take(n) {
            chunk.buf.push_str(f);
            chunk
                .field_end
                .push(u32::try_from(chunk.buf.len() - start).unwrap_or(u32::MAX));
        }
        // Trailing empty fields need no storage.
        let first = chunk.field_start.last().copied().unwrap_or(0) as usize;
        while chunk.field_end.len() > first + 1
            && chunk.field_end[chunk.field_end.len() - 1]
                == chunk.field_end[chunk.field_end.len() - 2]
        {
            chunk.field_end.pop();
        }
        chunk
            .field_start
            .push(u32::try_from(chunk.field_end.len()).unwrap_or(u32::MAX));
        chunk.row_start.push(chunk.buf.len() as u64);
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

    /// One row, found once, to read several of its fields.
    pub fn row_view(&self, row: usize) -> RowView<'_> {
        let empty = RowView {
            buf: "",
            start: 0,
            ends: &[],
        };
        if row >= self.n_rows {
            return empty;
        }
        let k = if self.chunks.len() == 1 {
            0
        } else {
            self.chunk_first.partition_point(|f| *f <= row) - 1
        };
        let Some(chunk) = self.chunks.get(k) else {
            return empty;
        };
        let r = row - self.chunk_first[k];
        let (Some(&start), Some(&f0), Some(&f1)) = (
            chunk.row_start.get(r),
            chunk.field_start.get(r),
            chunk.field_start.get(r + 1),
        ) else {
            return empty;
        };
        let Some(ends) = chunk.field_end.get(f0 as usize..f1 as usize) else {
            return empty;
        };
        RowView {
            buf: &chunk.buf,
            start: start as usize,
            ends,
        }
    }

    /// All fields of a row.
    pub fn row(&self, row: usize) -> impl Iterator<Item = &str> + '_ {
        (0..self.headers.len()).map(move |c| self.get(row, c))
    }

    /// The fields a row stores (trailing empty ones are not stored).
    fn stored_len(&self, row: usize) -> usize {
        let k = if self.chunks.len() == 1 {
            0
        } else {
            self.chunk_first
                .partition_point(|f| *f <= row)
                .saturating_sub(1)
        };
        let (Some(chunk), Some(first)) = (self.chunks.get(k), self.chunk_first.get(k)) else {
            return 0;
        };
        let r = row.saturating_sub(*first);
        match (chunk.field_start.get(r), chunk.field_start.get(r + 1)) {
            (Some(a), Some(b)) => (b - a) as usize,
            _ => 0,
        }
    }

    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.headers.iter().position(|h| h == name)
    }

    /// Keeps only the rows for which `keep` is true, in order.
    pub fn retain_rows(&mut self, keep: &[bool]) {
        let mut out = AttrTable::with_capacity(self.headers.clone(), self.n_rows(), 0);
        for (r, k) in keep.iter().enumerate() {
            if *k {
                let fields: Vec<&str> = (0..self.stored_len(r)).map(|c| self.get(r, c)).collect();
                out.push_row(fields);
            }
        }
        *self = out;
    }
}

/// One row of an [`AttrTable`]: its fields by column ("" past the stored ones).
#[derive(Clone, Copy, Debug)]
pub struct RowView<'a> {
    buf: &'a str,
    start: usize,
    ends: &'a [u32],
}

impl<'a> RowView<'a> {
    pub fn get(&self, col: usize) -> &'a str {
        let Some(&e) = self.ends.get(col) else {
            return "";
        };
        let b = if col == 0 {
            0
        } else {
            self.ends[col - 1] as usize
        };
        self.buf
            .get(self.start + b..self.start + e as usize)
            .unwrap_or("")
    }
}

/// A set of firms: coordinates in WGS-84, a segment per firm, and the input's own columns.
#[derive(Clone, Debug, Default)]
pub struct Firms {
    pub lonlat: Vec<LonLat>,
    pub segment: Vec<SegmentId>,
    /// Segment names; `segment[i]` indexes this. Empty string = no segment given.
    pub segments: Vec<String>,
    pub attrs: AttrTable,
    pub id_col: Option<usize>,
    pub name_col: Option<usize>,
    pub segment_col: Option<usize>,
}

impl Firms {
    pub fn len(&self) -> usize {
        self.lonlat.len()
    }

    pub fn is_empty(&self) -> bool {
        self.lonlat.is_empty()
    }

    /// Keeps the firms for which `keep` is true, in order (all columns).
    pub fn retain(&mut self, keep: &[bool]) {
        let mut k = keep.iter();
        self.lonlat.retain(|_| *k.next().unwrap_or(&false));
        let mut k = keep.iter();
        self.segment.retain(|_| *k.next().unwrap_or(&false));
        self.attrs.retain_rows(keep);
    }

    /// The firm's id from the file, or `#<row number>` when the file has no id column.
    pub fn id(&self, i: usize) -> Cow<'_, str> {
        match self.id_col {
            Some(c) if !self.attrs.get(i, c).is_empty() => Cow::Borrowed(self.attrs.get(i, c)),
            _ => Cow::Owned(format!("#{}", i + 1)),
        }
    }

    pub fn name(&self, i: usize) -> &str {
        self.name_col.map(|c| self.attrs.get(i, c)).unwrap_or("")
    }

    pub fn segment_name(&self, i: usize) -> &str {
        self.segment
            .get(i)
            .and_then(|s| self.segments.get(*s as usize))
            .map(String::as_str)
            .unwrap_or("")
    }

    /// Interns a segment name, returning its id.
    pub fn intern_segment(segments: &mut Vec<String>, name: &str) -> SegmentId {
        let name = name.trim();
        if let Some(p) = segments.iter().position(|s| s == name) {
            return p as SegmentId;
        }
        if segments.len() >= SegmentId::MAX as usize {
            // Too many distinct values to be a category: fold the rest into one bucket.
            return (SegmentId::MAX - 1).min(segments.len() as SegmentId - 1);
        }
        segments.push(name.to_string());
        (segments.len() - 1) as SegmentId
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attr_table_round_trips_fields() {
        let mut t = AttrTable::new(vec!["a".into(), "b".into(), "c".into()]);
        t.push_row(["1", "示例", ""]);
        t.push_row(["x"]);
        t.push_row(["p", "q", "r", "extra"]);
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
        let stored: usize = t.chunks.iter().map(|c| c.field_end.capacity()).sum();
        assert!(
            stored < 2_000_000,
            "{stored} field slots for 1000 short rows"
        );
    }
}

/// When each firm was founded and closed (years; 0 = not known / still open), read from the
/// register's date columns.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FirmTimes {
    pub founded: Vec<i16>,
    pub closed: Vec<i16>,
    /// The column the founding years came from, and the closing columns.
    pub founded_col: String,
    pub closed_cols: Vec<String>,
}

impl FirmTimes {
    /// Founded in or before `year` and not closed by it (a firm closing in `year` no longer
    /// counts in that year); a firm of unknown founding date never counts.
    pub fn alive(&self, i: usize, year: i32) -> bool {
        let f = i32::from(self.founded.get(i).copied().unwrap_or(0));
        let c = i32::from(self.closed.get(i).copied().unwrap_or(0));
        f != 0 && f <= year && (c == 0 || c > year)
    }

    /// The first and last founding year known.
    pub fn year_range(&self) -> Option<(i32, i32)> {
        let known = self
            .founded
            .iter()
            .filter(|y| **y != 0)
            .map(|y| i32::from(*y));
        let (lo, hi) = known.fold((i32::MAX, i32::MIN), |(a, b), y| (a.min(y), b.max(y)));
        (lo <= hi).then_some((lo, hi))
    }

    /// Keeps the rows where `keep` is true.
    pub fn retain(&mut self, keep: &[bool]) {
        let mut k = keep.iter();
        self.founded.retain(|_| *k.next().unwrap_or(&false));
        let mut k = keep.iter();
        self.closed.retain(|_| *k.next().unwrap_or(&false));
    }
}
