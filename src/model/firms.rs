//! Firms as structure-of-arrays, so four million rows stay compact and scan fast.

use std::borrow::Cow;

use super::{AttrTable, LonLat, RowView, YearCounts};

/// Index into [`Firms::segments`].
pub type SegmentId = u16;

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

    /// Whether the file marks its firms as synthetic: a `synthetic` column whose first row
    /// reads `SYNTHETIC`, as `cluster-atlas sample` writes. Such firms are shown as the
    /// synthetic sample they are, wherever the file is opened from.
    pub fn marked_synthetic(&self) -> bool {
        let is = |s: &str| s.trim().eq_ignore_ascii_case("synthetic");
        let col = self.attrs.headers.iter().position(|h| is(h));
        col.is_some_and(|c| !self.is_empty() && is(self.attrs.get(0, c)))
    }

    /// Keeps the firms for which `keep` is true, in order (all columns).
    pub fn retain(&mut self, keep: &[bool]) {
        let mut k = keep.iter();
        self.lonlat.retain(|_| *k.next().unwrap_or(&false));
        let mut k = keep.iter();
        self.segment.retain(|_| *k.next().unwrap_or(&false));
        self.attrs.retain_rows(keep);
    }

    /// The firm's id from the file ([`cell_text`]), or `#<row number>` when the file has no id
    /// column or the field is blank.
    pub fn id(&self, i: usize) -> Cow<'_, str> {
        match self
            .id_col
            .map(|c| cell_text_cow(self.attrs.field_owned(i, c)))
        {
            Some(id) if !id.is_empty() => id,
            _ => Cow::Owned(row_number_id(i)),
        }
    }

    /// The firm's [`Self::name`] and [`Self::id`] from one reading of its row (the firms
    /// table's search reads both for every firm).
    pub fn name_and_id(&self, i: usize) -> (&str, Cow<'_, str>) {
        if self.attrs.is_released() {
            return (self.name(i), self.id(i));
        }
        let row = self.attrs.row_view(i);
        let name = self.name_col.map(|c| cell_text(row.get(c))).unwrap_or("");
        let id = match self.id_col.map(|c| cell_text(row.get(c))) {
            Some(id) if !id.is_empty() => Cow::Borrowed(id),
            _ => Cow::Owned(row_number_id(i)),
        };
        (name, id)
    }

    /// The firm whose [`Self::id`] is `id` as a user gives it (typed, or saved earlier),
    /// read as [`cell_text`] too: `="F3"` finds the firm whose id reads F3.
    pub fn find_id(&self, id: &str) -> Option<usize> {
        let id = cell_text(id);
        (0..self.len()).find(|&f| self.id(f) == id)
    }

    /// [`Self::id`] of firm `i` from its row, already found (to read several fields).
    pub fn id_in<'a>(&self, row: &RowView<'a>, i: usize) -> Cow<'a, str> {
        Self::id_or_row_number(self.id_col.map(|c| row.get(c)), i)
    }

    /// Firm `i`'s id field as read ([`cell_text`]; None: the file has no id column), or `#`
    /// and its row number when there is none or it is blank.
    pub fn id_or_row_number(id: Option<&str>, i: usize) -> Cow<'_, str> {
        match id.map(cell_text) {
            Some(id) if !id.is_empty() => Cow::Borrowed(id),
            _ => Cow::Owned(row_number_id(i)),
        }
    }

    /// Firm `i`'s name as a spreadsheet shows it ([`cell_text`]).
    pub fn name(&self, i: usize) -> &str {
        self.name_col
            .map(|c| cell_text(self.attrs.get(i, c)))
            .unwrap_or("")
    }

    pub fn segment_name(&self, i: usize) -> &str {
        self.segment
            .get(i)
            .and_then(|s| self.segments.get(*s as usize))
            .map(String::as_str)
            .unwrap_or("")
    }

    /// Firms per segment id (one entry per name of `segments`).
    pub fn per_segment(&self) -> Vec<usize> {
        let mut count = vec![0usize; self.segments.len()];
        for s in &self.segment {
            if let Some(n) = count.get_mut(*s as usize) {
                *n += 1;
            }
        }
        count
    }

    /// Interns a segment name ([`cell_text`]), returning its id. A missing-value marker
    /// (`NULL`, `\N`, `NA`, 不详 …: [`super::is_missing_value`]) is the empty name, as a
    /// blank cell is.
    pub fn intern_segment(segments: &mut Vec<String>, name: &str) -> SegmentId {
        let name = cell_text(name);
        match segments.iter().position(|s| s == name) {
            Some(p) => p as SegmentId,
            None => Self::add_segment(segments, name),
        }
    }

    /// The id of a trimmed name not in `segments`: added, or the empty name's for a
    /// missing-value marker, or the last bucket when the ids run out.
    fn add_segment(segments: &mut Vec<String>, name: &str) -> SegmentId {
        // (Asked only of a name not yet seen, so a register's rows do not pay for it.)
        if !name.is_empty() && super::is_missing_value(name) {
            return Self::intern_segment(segments, "");
        }
        if segments.len() >= SegmentId::MAX as usize {
            // Too many distinct values to be a category: fold the rest into one bucket.
            return (SegmentId::MAX - 1).min(segments.len() as SegmentId - 1);
        }
        segments.push(name.to_string());
        (segments.len() - 1) as SegmentId
    }
}

/// [`Firms::intern_segment`] with a map beside the names, for loaders that meet many rows
/// and many distinct names (a register's hundreds of 行业 values): the same ids, found by a
/// hash lookup instead of a search through the names.
#[derive(Debug, Default)]
pub struct SegmentInterner {
    /// Trimmed names (and markers) as met, with their ids.
    ids: std::collections::HashMap<String, SegmentId>,
    /// How many of the table's names the map holds (names may be interned without it).
    synced: usize,
}

impl SegmentInterner {
    /// The id [`Firms::intern_segment`] gives `name` in `segments`, interned when new.
    pub fn intern(&mut self, segments: &mut Vec<String>, name: &str) -> SegmentId {
        let name = cell_text(name);
        if let Some(id) = self.ids.get(name) {
            return *id;
        }
        for (i, s) in segments.iter().enumerate().skip(self.synced) {
            self.ids.entry(s.clone()).or_insert(i as SegmentId);
        }
        self.synced = segments.len();
        let id = match self.ids.get(name) {
            Some(id) => *id,
            None => Firms::add_segment(segments, name),
        };
        self.ids.insert(name.to_string(), id);
        id
    }
}

/// A cell's text as a spreadsheet shows it: without the spaces or tab around it, and without
/// Excel's text guard `="…"` that registers wrap codes in (so 统一社会信用代码, 行业代码 and
/// leading zeros survive Excel), e.g. `="0012"` → `0012`. Applied to firm ids and segment
/// values.
///
/// ```
/// use cluster_atlas::model::cell_text;
/// assert_eq!(cell_text("=\"914403000000000001\""), "914403000000000001");
/// assert_eq!(cell_text("\t0012 "), "0012");
/// assert_eq!(cell_text("A=\"1\""), "A=\"1\"");
/// ```
pub fn cell_text(raw: &str) -> &str {
    // Most cells start and end with a printable ASCII byte other than `=`: nothing to do
    // (a byte over 127 may end or start a Unicode space, so those take the full look).
    let plain = |b: &u8| b.is_ascii_graphic() && *b != b'=';
    if raw.as_bytes().first().is_some_and(plain) && raw.as_bytes().last().is_some_and(plain) {
        return raw;
    }
    let t = raw.trim();
    match t.strip_prefix("=\"").and_then(|r| r.strip_suffix('"')) {
        Some(inner) if !inner.contains('"') => inner.trim(),
        _ => t,
    }
}

/// [`cell_text`] of a field read as borrowed or owned text (copied only when it changes).
pub fn cell_text_cow(text: Cow<'_, str>) -> Cow<'_, str> {
    match text {
        Cow::Borrowed(s) => Cow::Borrowed(cell_text(s)),
        Cow::Owned(s) => match cell_text(&s) {
            clean if clean.len() == s.len() => Cow::Owned(s),
            clean => Cow::Owned(clean.to_owned()),
        },
    }
}

/// The id of firm `i` when the file gives none: `#` and its row number.
fn row_number_id(i: usize) -> String {
    format!("#{}", i + 1)
}

/// When each firm was founded and closed (years; 0 = not known / still open), read from the
/// register's date columns. The years are not changed once counted (the data set shares
/// them behind an `Arc`); [`FirmTimes::retain`] counts again.
#[derive(Clone, Debug, Default)]
pub struct FirmTimes {
    pub founded: Vec<i16>,
    pub closed: Vec<i16>,
    /// The column the founding years came from, and the closing columns.
    pub founded_col: String,
    pub closed_cols: Vec<String>,
    /// [`FirmTimes::year_counts`], taken on first use.
    pub(crate) counts: std::sync::OnceLock<YearCounts>,
}

/// Equal years and columns (whether the counts were taken yet does not matter).
impl PartialEq for FirmTimes {
    fn eq(&self, o: &Self) -> bool {
        (
            &self.founded,
            &self.closed,
            &self.founded_col,
            &self.closed_cols,
        ) == (&o.founded, &o.closed, &o.founded_col, &o.closed_cols)
    }
}

impl FirmTimes {
    /// Founding and closing years per firm, with no column names.
    pub fn new(founded: Vec<i16>, closed: Vec<i16>) -> Self {
        Self {
            founded,
            closed,
            ..Default::default()
        }
    }

    /// Founded in or before `year` and not closed by it (a firm closing in `year` no longer
    /// counts in that year); a firm of unknown founding date never counts.
    pub fn alive(&self, i: usize, year: i32) -> bool {
        let f = i32::from(self.founded.get(i).copied().unwrap_or(0));
        let c = i32::from(self.closed.get(i).copied().unwrap_or(0));
        f != 0 && f <= year && (c == 0 || c > year)
    }

    /// The firms counted by founding and closing year (how many are alive and new in a year),
    /// taken on the first call (in parallel, so never inside the cell's lock).
    pub fn year_counts(&self) -> &YearCounts {
        super::util::once_made_outside(&self.counts, || {
            YearCounts::new(&self.founded, &self.closed)
        })
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
        self.counts = Default::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The quick return for plain cells changes nothing: every cell built from padding
    /// (ASCII and Unicode spaces), guards, quotes and text reads as trimming and stripping
    /// the guard read it before (the oracle).
    #[test]
    fn cell_text_reads_as_trim_and_strip() {
        let oracle = |raw: &str| -> String {
            let t = raw.trim();
            match t.strip_prefix("=\"").and_then(|r| r.strip_suffix('"')) {
                Some(inner) if !inner.contains('"') => inner.trim().to_string(),
                _ => t.to_string(),
            }
        };
        let atoms = [
            "", " ", "\t", "\u{3000}", "\u{a0}", "=", "\"", "=\"", "a", "7", "深圳", "x=\"1\"",
        ];
        let mut changed = 0;
        for a in atoms {
            for b in atoms {
                for c in atoms {
                    let raw = format!("{a}{b}{c}");
                    assert_eq!(cell_text(&raw), oracle(&raw), "{raw:?}");
                    changed += usize::from(cell_text(&raw) != raw);
                }
            }
        }
        assert!(changed > 500, "{changed}");
    }

    /// One reading of a row gives what [`Firms::name`] and [`Firms::id`] give (the oracle):
    /// guarded and padded cells, blank ids (the row number), and no id or name column.
    #[test]
    fn name_and_id_read_as_name_and_id() {
        let mut attrs = AttrTable::new(vec!["name".into(), "x".into(), "id".into()]);
        for (name, id) in [
            ("甲", "F1"),
            (" =\"乙\" ", "=\"F2\""),
            ("", ""),
            ("丁", "  "),
        ] {
            attrs.push_row([name, "x", id]);
        }
        let mut firms = Firms {
            lonlat: vec![LonLat::new(114.0, 22.5); 4],
            attrs,
            name_col: Some(0),
            id_col: Some(2),
            ..Default::default()
        };
        fn read(f: &Firms) -> Vec<(&str, Cow<'_, str>)> {
            (0..4).map(|i| f.name_and_id(i)).collect()
        }
        fn oracle(f: &Firms) -> Vec<(&str, Cow<'_, str>)> {
            (0..4).map(|i| (f.name(i), f.id(i))).collect()
        }
        assert_eq!(read(&firms), oracle(&firms));
        assert_eq!(read(&firms)[1], ("乙", Cow::Borrowed("F2")));
        assert_eq!(read(&firms)[2].1, row_number_id(2));
        (firms.name_col, firms.id_col) = (None, None);
        assert_eq!(read(&firms), oracle(&firms));
    }

    /// Only a `synthetic` column whose first row says so marks the firms (any case, spaces
    /// around); another value, another column name or no rows do not.
    #[test]
    fn a_file_marks_itself_synthetic_only_in_its_own_words() {
        let firms = |header: &str, first: &str| {
            let mut attrs = AttrTable::new(vec!["id".into(), header.into()]);
            attrs.push_row(["a", first]);
            attrs.push_row(["b", "SYNTHETIC"]);
            Firms {
                lonlat: vec![LonLat::new(114.0, 22.5); 2],
                attrs,
                ..Default::default()
            }
        };
        assert!(firms("synthetic", "SYNTHETIC").marked_synthetic());
        assert!(firms(" Synthetic ", " synthetic").marked_synthetic());
        assert!(!firms("synthetic", "no").marked_synthetic());
        assert!(!firms("note", "SYNTHETIC").marked_synthetic());
        let mut none = firms("synthetic", "SYNTHETIC");
        none.lonlat.clear();
        assert!(!none.marked_synthetic());
    }

    /// Missing-value markers in a segment column are the blank segment (not an unknown value
    /// named "NULL" in the fit warning); real names, short ones included, stay themselves.
    #[test]
    fn missing_segment_markers_are_the_blank_segment() {
        let mut segments = Vec::new();
        let blank = Firms::intern_segment(&mut segments, "");
        for marker in ["NULL", "\\N", " NA ", "不详", "#N/A"] {
            assert_eq!(
                Firms::intern_segment(&mut segments, marker),
                blank,
                "{marker}"
            );
        }
        let hw = Firms::intern_segment(&mut segments, " hardware ");
        let n = Firms::intern_segment(&mut segments, "N");
        assert_ne!(hw, blank);
        assert_ne!(n, hw);
        assert_eq!(segments, ["", "hardware", "N"]);
    }

    /// The interner gives the ids of the linear search (the oracle) in a table it shares
    /// with plain interning: names met before it, markers, white space, many distinct names.
    #[test]
    fn the_interner_gives_the_ids_of_interning() {
        let fixed = [
            "",
            " ",
            "NULL",
            "不详",
            " VR硬件 ",
            "VR硬件",
            "内容",
            "N",
            "\\N",
        ];
        let mut rng = crate::model::Rng::new(3);
        let (mut ours, mut theirs) = (Vec::new(), Vec::new());
        let mut interner = SegmentInterner::default();
        for i in 0..6_000 {
            let many = format!("C{} 行业{}", rng.next_u64() % 900, i % 2);
            let name = match rng.next_u64() % 3 {
                0 => fixed[rng.next_u64() as usize % fixed.len()],
                _ => many.as_str(),
            };
            let want = Firms::intern_segment(&mut theirs, name);
            // Every seventh name is interned around the interner, as small tables are.
            let got = if i % 7 == 0 {
                Firms::intern_segment(&mut ours, name)
            } else {
                interner.intern(&mut ours, name)
            };
            assert_eq!(got, want, "{name:?}");
        }
        assert_eq!(ours, theirs);
        assert!(ours.len() > 1_000, "{}", ours.len());
    }
}
