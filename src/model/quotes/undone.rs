//! Rows whose quoted fields hold doubled quotes (`"示例""星光"""`, `"=""114.05"""` in a
//! register that guards every cell): their fields undone into one text reused row after row.

/// One row's undone fields: each field's text, quotes taken off and doubled ones made single,
/// laid end to end in a text kept for the next row (no allocation per row or field).
#[derive(Default)]
pub struct UndoneRow {
    text: String,
    /// Where each field ends in `text`.
    ends: Vec<usize>,
}

impl UndoneRow {
    /// Undoes `line` (no line end outside quotes; quotes only around whole fields, as
    /// [`super::simple_quotes`] admits), as [`super::unescape_field`] undoes each of its
    /// fields.
    pub fn undo(&mut self, line: &str, delimiter: u8) {
        self.undo_wanted(line, delimiter, u64::MAX);
    }

    /// [`Self::undo`] for the fields `wanted` marks (bit `i`: field `i`; fields from the 64th
    /// on are always undone). The others only lose their outer quotes, their doubled ones
    /// kept: whether such a field is blank or holds the delimiter is as when undone, which
    /// is all a loader that does not read it asks of it.
    pub fn undo_wanted(&mut self, line: &str, delimiter: u8, wanted: u64) {
        self.text.clear();
        self.ends.clear();
        for (i, f) in super::split_fields(line, delimiter, true).enumerate() {
            let inner = super::unquote_field(f);
            let want = i >= 64 || wanted & (1 << i) != 0;
            if inner.len() < f.len() && want {
                // Each quote is kept once; the quote doubling it is skipped.
                let mut rest = inner;
                while let Some(p) = memchr::memchr(b'"', rest.as_bytes()) {
                    self.text.push_str(rest.get(..=p).unwrap_or(""));
                    let skip = if rest.as_bytes().get(p + 1) == Some(&b'"') {
                        2
                    } else {
                        1
                    };
                    rest = rest.get(p + skip..).unwrap_or("");
                }
                self.text.push_str(rest);
            } else {
                self.text.push_str(inner);
            }
            self.ends.push(self.text.len());
        }
    }
}

impl UndoneRow {
    /// Field `i` as undone (None past the row's fields).
    pub fn field(&self, i: usize) -> Option<&str> {
        let end = *self.ends.get(i)?;
        let start = match i.checked_sub(1) {
            Some(before) => *self.ends.get(before)?,
            None => 0,
        };
        self.text.get(start..end)
    }
    /// The row's fields as undone, in order.
    pub fn fields(&self) -> impl Iterator<Item = &str> {
        (0..self.ends.len()).filter_map(|i| self.field(i))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each field as `unescape_field` undoes it (the oracle), on rows of quoted, doubled,
    /// guarded, empty and plain fields; the text is reused without leaking the last row's.
    #[test]
    fn fields_are_undone_as_unescape_field_undoes_them() {
        let rows = [
            "\"示例\"\"星光\"\"企业\",\"=\"\"114.05\"\"\",,plain,\"\"",
            "\"\"\"\"\"\",\"a\"\"\"\"b\",=\"22.5\",\"x,\"\"y\"",
            "",
            "one",
            "\"=\"\"\"\"\",\"\"\"a\",\"q\"",
        ];
        let mut row = UndoneRow::default();
        for line in rows {
            row.undo(line, b',');
            let want: Vec<String> = crate::model::quotes::split_fields(line, b',', true)
                .map(|f| crate::model::quotes::unescape_field(f).into_owned())
                .collect();
            let got: Vec<&str> = row.fields().collect();
            assert_eq!(got, want, "{line:?}");
            assert_eq!(row.field(want.len()), None);
        }
    }

    /// Fields `undo_wanted` is asked for are undone as `unescape_field` undoes them (the
    /// oracle); the others are blank, or hold the delimiter, exactly when undone they do.
    #[test]
    fn unwanted_fields_keep_their_blankness_and_delimiters() {
        let rows = [
            [
                r#""=""F1""""#,
                r#"" ""#,
                r#""""#,
                r#""a,""b""#,
                "plain",
                r#""""""#,
                r#"="x""#,
            ],
            [
                r#""""""#, r#""q""""#, r#"" ""#, "", r#""  ""#, r#"",""#, r#""""""#,
            ],
        ]
        .map(|fields| fields.join(","));
        let mut row = UndoneRow::default();
        for line in &rows {
            let want: Vec<String> = crate::model::quotes::split_fields(line, b',', true)
                .map(|f| crate::model::quotes::unescape_field(f).into_owned())
                .collect();
            assert_eq!(want.len(), 7, "{line:?}");
            for wanted in [0u64, 0b1, 0b1010, 0b0101_0101, u64::MAX] {
                row.undo_wanted(line, b',', wanted);
                let got: Vec<&str> = row.fields().collect();
                assert_eq!(got.len(), want.len(), "{line:?}");
                for (i, (g, w)) in got.iter().zip(&want).enumerate() {
                    if wanted & (1 << i) != 0 {
                        assert_eq!(g, w, "{line:?} field {i}");
                    } else {
                        assert_eq!(g.trim().is_empty(), w.trim().is_empty(), "{line:?} {i}");
                        assert_eq!(g.contains(','), w.contains(','), "{line:?} {i}");
                    }
                }
            }
        }
    }
}
