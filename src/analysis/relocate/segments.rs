//! The fit table's entry for each of the firms' segment names, looked up once: matching a
//! name lower-cases every key, label and alias of the table, and the advisor asks for every
//! site it ranks (8 % of `suggest` for a whole register).

use std::borrow::Cow;
use std::collections::HashMap;

use crate::model::{FitTable, SegmentFit};

/// Each segment name the firms use, with the position of its fit-table entry (if any) and
/// its canonical name ([`super::canonical_segment`]).
pub(super) struct SegmentMemo(HashMap<String, (Option<usize>, String)>);

impl SegmentMemo {
    pub(super) fn new(fit: &FitTable, names: &[String]) -> Self {
        let at = |name: &str| {
            let entry = fit.segment(name)?;
            fit.segments.iter().position(|s| std::ptr::eq(s, entry))
        };
        let known = |n: &String| (n.clone(), (at(n), super::canonical_segment(fit, n)));
        Self(names.iter().map(known).collect())
    }

    /// [`FitTable::segment`] of `name`: from the memo for the firms' names, else looked up.
    pub(super) fn get<'f>(&self, fit: &'f FitTable, name: &str) -> Option<&'f SegmentFit> {
        match self.0.get(name) {
            Some((at, _)) => at.and_then(|i| fit.segments.get(i)),
            None => fit.segment(name),
        }
    }

    /// [`super::canonical_segment`] of `name`, from the memo for the firms' names.
    pub(super) fn canonical(&self, fit: &FitTable, name: &str) -> Cow<'_, str> {
        match self.0.get(name) {
            Some((_, c)) => Cow::Borrowed(c),
            None => Cow::Owned(super::canonical_segment(fit, name)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every name, remembered or not, gets the very entry the table's own lookup gives, and
    /// the same canonical name.
    #[test]
    fn remembered_names_get_the_tables_own_entries() {
        let fit = crate::data::bundled::fit_table().unwrap();
        let mut names: Vec<String> = vec!["".into(), " ".into(), "未知领域".into()];
        for s in &fit.segments {
            for n in [&s.key, &s.label_zh, &s.label_en]
                .into_iter()
                .chain(&s.aliases)
            {
                names.extend([
                    n.clone(),
                    n.to_uppercase(),
                    format!(" {n} "),
                    format!("{n}x"),
                ]);
            }
        }
        // The memo knows every other name; the rest are looked up.
        let known: Vec<String> = names.iter().step_by(2).cloned().collect();
        let memo = SegmentMemo::new(&fit, &known);
        let mut found = 0;
        for n in &names {
            let (got, want) = (memo.get(&fit, n), fit.segment(n));
            assert_eq!(
                got.map(|s| s as *const _),
                want.map(|s| s as *const _),
                "{n:?}"
            );
            let canonical = super::super::canonical_segment(&fit, n);
            assert_eq!(memo.canonical(&fit, n), canonical, "{n:?}");
            found += usize::from(got.is_some());
        }
        assert!(found > 2 * fit.segments.len(), "{found}");
    }
}
