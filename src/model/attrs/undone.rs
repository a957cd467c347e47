//! Rows of a chunk of lines whose lines hold doubled quotes (`"示例""星光"""`, or every cell
//! of a register guarded through `csv.writer`: `"=""114.05"""`): undone from their lines
//! when first read, a group of rows at a time, instead of copied while the file loads.

use std::sync::OnceLock;

use super::{FieldChunk, InFile, LineChunk, RowView, View};
use crate::model::quotes::UndoneRow;

/// Rows undone together when one of them is first read (about a millisecond of work).
const GROUP: usize = 1024;

/// A chunk's rows whose lines hold doubled quotes, and their fields once undone.
#[derive(Clone, Debug)]
pub(super) struct Undone {
    /// The rows (ascending indices in the chunk).
    pub(super) rows: Vec<u32>,
    /// Each group of [`GROUP`] rows' undone fields, filled when one of them is first read.
    groups: Vec<OnceLock<FieldChunk>>,
    n_cols: usize,
    /// False: the rows are read as their lines instead ([`super::AttrTable::rows_in_as_lines`]).
    undo: bool,
}

impl Undone {
    /// Rows `rows` of a chunk of `n_cols` columns, undone when read (`undo`) or not.
    pub(super) fn new(rows: Vec<u32>, n_cols: usize, undo: bool) -> Box<Self> {
        let groups = (0..rows.len().div_ceil(GROUP))
            .map(|_| OnceLock::new())
            .collect();
        Box::new(Self {
            rows,
            groups,
            n_cols,
            undo,
        })
    }

    /// Row `r` of `c` undone (its group undone first if none of it was read yet); None when
    /// `r` is not one of these rows, they are read as lines, or `c`'s text was let go.
    pub(super) fn view<'c>(&'c self, c: &'c LineChunk, r: usize) -> Option<View<'c>> {
        if !self.undo || c.in_file != InFile::No {
            return None;
        }
        let k = self.rows.binary_search(&u32::try_from(r).ok()?).ok()?;
        let g = k / GROUP;
        let fields = self.groups.get(g)?.get_or_init(|| {
            let rows = self.rows.get(g * GROUP..).unwrap_or(&[]);
            undo_lines(c, rows.iter().take(GROUP), self.n_cols)
        });
        fields.view(k % GROUP)
    }

    /// Lets go of the fields undone so far (with the text: they are undone again when the
    /// rows are read back).
    pub(super) fn let_go(&mut self) {
        for g in &mut self.groups {
            g.take();
        }
    }

    /// How many groups have been undone (for tests of when the work happens).
    #[cfg(test)]
    fn groups_undone(&self) -> usize {
        self.groups.iter().filter(|g| g.get().is_some()).count()
    }

    /// These rows among those `kept` says are kept, renumbered as the kept rows are (a
    /// kept row's new index is the number of kept rows before it); `undo` as before.
    pub(super) fn kept(&self, kept: impl Fn(usize) -> bool) -> Box<Self> {
        let (mut rows, mut kept_before, mut next) = (Vec::new(), 0u32, 0usize);
        for &x in &self.rows {
            while next < x as usize {
                kept_before += u32::from(kept(next));
                next += 1;
            }
            if kept(x as usize) {
                rows.push(kept_before);
            }
        }
        Self::new(rows, self.n_cols, self.undo)
    }

    /// These rows among `from..to`, renumbered from `from`; undone when read if `undo`
    /// and they were.
    pub(super) fn part(&self, from: usize, to: usize, undo: bool) -> Box<Self> {
        // The rows are ascending: those in `from..to` lie between two binary searches.
        let first = self.rows.partition_point(|&x| (x as usize) < from);
        let end = self.rows.partition_point(|&x| (x as usize) < to);
        let rows = (self.rows.get(first..end).unwrap_or(&[]).iter())
            .map(|&x| x - from as u32)
            .collect();
        Self::new(rows, self.n_cols, undo && self.undo)
    }
}

/// Rows `rows` of `c` undone from their lines, as the loader undid them; a line that cannot
/// be read gives an empty row, so every row keeps its place.
fn undo_lines<'a>(c: &LineChunk, rows: impl Iterator<Item = &'a u32>, n_cols: usize) -> FieldChunk {
    let mut out = FieldChunk::with_capacity(GROUP, 0, n_cols);
    let mut row = UndoneRow::default();
    for &r in rows {
        let line = c.rest(r as usize).and_then(|rest| {
            let kind = View::Line {
                rest,
                lines: c.lines,
            };
            RowView { kind, n_cols }.line()
        });
        match line {
            Some((line, _)) => {
                row.undo(line, c.lines.delimiter);
                out.push_row(row.fields(), n_cols);
            }
            None => out.push_row(std::iter::empty(), n_cols),
        }
    }
    out
}

/// Groups undone so far in `t`'s first chunk, a chunk of lines (for tests).
#[cfg(test)]
pub(super) fn groups_undone(t: &super::AttrTable) -> usize {
    match t.chunks.first() {
        Some(super::Chunk::Lines(c)) => c.undone.as_ref().map_or(0, |u| u.groups_undone()),
        _ => panic!("a chunk of lines"),
    }
}

/// `text`'s records as the csv crate reads them (the tests' oracle).
#[cfg(test)]
pub(super) fn csv_crate_rows(text: &str) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::AttrTable;
    use super::{csv_crate_rows, groups_undone as undone};

    /// 3,000 rows, two in three holding doubled quotes (two groups and a part of one): read
    /// row by row, column by column on all threads, after screening rows out and read back
    /// in part from the file, they are what the csv crate reads (the oracle); each group is
    /// undone only when one of its rows is read.
    #[test]
    fn rows_are_undone_a_group_at_a_time_when_read() {
        let (mut text, mut starts, mut doubled) = (String::new(), Vec::new(), Vec::new());
        for i in 0..3000u32 {
            starts.push(text.len() as u32);
            if i % 3 == 0 {
                text += &format!("F{i},plain {i},114.{i}\n");
            } else {
                doubled.push(i);
                text += &format!("\"=\"\"F{i}\"\"\",\"a \"\"{i}\"\", b\",=\"114.{i}\"\r\n");
            }
        }
        let csv_rows = csv_crate_rows(&text);
        let headers: Vec<String> = ["id", "name", "lon"].map(String::from).into();
        let mut t = AttrTable::from_lines(headers, text.clone(), starts, b',');
        t.set_undone_rows(doubled);
        assert_eq!(undone(&t), 0);
        assert_eq!(t.get(2999, 1), "a \"2999\", b");
        assert_eq!(undone(&t), 1, "only the last row's group");
        for (r, want) in csv_rows.iter().enumerate() {
            assert_eq!(t.row(r).collect::<Vec<_>>(), *want, "row {r}");
        }
        assert_eq!(undone(&t), 2);
        for c in 0..3 {
            let column: Vec<String> = csv_rows.iter().map(|r| r[c].clone()).collect();
            assert_eq!(t.map_column(c, str::to_string), column, "column {c}");
        }
        // Screened: every fifth row from the second goes.
        let keep: Vec<bool> = (0..3000).map(|r| r % 5 != 1).collect();
        t.retain_rows(&keep);
        let kept: Vec<&Vec<String>> = (csv_rows.iter().zip(&keep))
            .filter_map(|(r, k)| k.then_some(r))
            .collect();
        assert_eq!(undone(&t), 0);
        for (r, want) in kept.iter().enumerate() {
            assert_eq!(t.row(r).collect::<Vec<_>>(), **want, "kept row {r}");
        }
        // Read back in part from the file once the text is let go.
        let dir = std::env::temp_dir().join(format!("ca-groups-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("rows.csv");
        std::fs::write(&path, &text).unwrap();
        assert!(t.release_text(&path).unwrap());
        let back = t.rows_in(1000..2300).unwrap();
        for (r, want) in kept.iter().enumerate().take(2300).skip(1000) {
            let got: Vec<&str> = back.view(r).fields().collect();
            assert_eq!(got, **want, "row {r} read back");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
