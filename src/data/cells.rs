//! Table cells gathered on one thread from a run of features whose columns are not known in
//! advance (GeoJSON properties, KML `ExtendedData`): the column keys in first-seen order, and
//! each cell as its column slot and a range of one shared text. Runs are read in parallel;
//! [`merged_keys`] then gives the table's columns in the order one reader would have met them.

/// One cell: its column slot (a key's index in [`CellRun::keys`], or a reserved slot of the
/// caller's) and where its text lies in [`CellRun::text`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Cell {
    pub slot: u32,
    pub start: u32,
    pub end: u32,
}

#[derive(Debug, Default)]
pub struct CellRun {
    pub keys: Vec<String>,
    pub text: String,
    pub cells: Vec<Cell>,
}

/// The lengths of a run's buffers at a point, to go back to.
#[derive(Clone, Copy, Debug)]
pub struct Mark(usize, usize, usize);

impl CellRun {
    /// The slot of a key, added when first seen.
    pub fn slot(&mut self, key: &str) -> u32 {
        let k = match self.keys.iter().position(|k| k == key) {
            Some(k) => k,
            None => {
                self.keys.push(key.to_string());
                self.keys.len() - 1
            }
        };
        k as u32
    }

    /// Adds a cell holding `text`.
    pub fn push(&mut self, slot: u32, text: &str) {
        let start = self.text.len();
        self.text.push_str(text);
        self.close(slot, start);
    }

    /// Adds a cell whose text was written to [`Self::text`] from `start` on.
    pub fn close(&mut self, slot: u32, start: usize) {
        self.cells.push(Cell {
            slot,
            start: start as u32,
            end: self.text.len() as u32,
        });
    }

    pub fn mark(&self) -> Mark {
        Mark(self.keys.len(), self.text.len(), self.cells.len())
    }

    /// Puts the buffers back as they were at `m`.
    pub fn rollback(&mut self, m: Mark) {
        self.keys.truncate(m.0);
        self.text.truncate(m.1);
        self.cells.truncate(m.2);
    }

    /// A cell's text.
    pub fn text_of(&self, c: Cell) -> &str {
        self.text
            .get(c.start as usize..c.end as usize)
            .unwrap_or("")
    }

    /// Sets the cells `cells` of this run in `row`, each in the column `column` gives for its
    /// slot (None: left out); a later cell in the same column overwrites an earlier one.
    pub fn fill<'a>(
        &'a self,
        cells: std::ops::Range<usize>,
        column: impl Fn(u32) -> Option<usize>,
        row: &mut [&'a str],
    ) {
        for &c in self.cells.get(cells).unwrap_or(&[]) {
            if let Some(cell) = column(c.slot).and_then(|i| row.get_mut(i)) {
                *cell = self.text_of(c);
            }
        }
    }
}

/// The keys of runs read in order, each once, in the order of first appearance.
pub fn merged_keys<'a>(runs: impl IntoIterator<Item = &'a CellRun>) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    let mut keys = Vec::new();
    for k in runs.into_iter().flat_map(|r| &r.keys) {
        if seen.insert(k.as_str()) {
            keys.push(k.clone());
        }
    }
    keys
}

/// For each key of `run`, its column among `headers` (the first of that name).
pub fn columns_of(run: &CellRun, headers: &[String]) -> Vec<Option<usize>> {
    let at: std::collections::HashMap<&str, usize> = headers
        .iter()
        .enumerate()
        .rev()
        .map(|(i, h)| (h.as_str(), i))
        .collect();
    run.keys
        .iter()
        .map(|k| at.get(k.as_str()).copied())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_merge_in_first_seen_order_and_later_cells_overwrite() {
        let mut a = CellRun::default();
        let (x, y) = (a.slot("x"), a.slot("y"));
        a.push(x, "1");
        a.push(y, "2");
        a.push(x, "3");
        let m = a.mark();
        let z = a.slot("z");
        a.push(z, "gone");
        a.rollback(m);
        let mut b = CellRun::default();
        b.slot("z");
        b.slot("y");
        let keys = merged_keys([&a, &b]);
        assert_eq!(keys, ["x", "y", "z"]);
        let headers: Vec<String> = ["id", "y", "x", "y"].map(String::from).into();
        let cols = columns_of(&a, &headers);
        assert_eq!(cols, [Some(2), Some(1)]);
        let mut row = [""; 4];
        a.fill(0..a.cells.len(), |s| cols[s as usize], &mut row);
        assert_eq!(row, ["", "2", "3", ""]);
    }
}
