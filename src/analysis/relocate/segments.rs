//! The fit table's entry for each of the firms' segment names, looked up once: matching a
//! name lower-cases every key, label and alias of the table, and the advisor asks for every
//! site it ranks (8 % of `suggest` for a whole register).

use std::borrow::Cow;
use std::collections::HashMap;

use crate::model::{FitTable, SegmentFit};

/// Each segment name the firms use, with the position of its fit-table entry (if any) and
/// its canonical name ([`super::canonical_segment`]); and a number per distinct canonical
/// name, so the segment ids meaning a site's segment are found by comparing numbers.
pub(super) struct SegmentMemo {
    names: HashMap<String, (Option<usize>, String)>,
    /// The number of each segment id's canonical name ([`NO_CLASS`] when it is empty).
    class: Vec<u32>,
    /// The number of each distinct non-empty canonical name.
    classes: HashMap<String, u32>,
}

/// The class of a segment whose canonical name is empty: it means no segment.
const NO_CLASS: u32 = u32::MAX;

impl SegmentMemo {
    /// The memo of `names`, the firms' segment names by segment id.
    pub(super) fn new(fit: &FitTable, names: &[String]) -> Self {
        let at = |name: &str| {
            let entry = fit.segment(name)?;
            fit.segments.iter().position(|s| std::ptr::eq(s, entry))
        };
        let mut classes: HashMap<String, u32> = HashMap::new();
        let mut class = Vec::with_capacity(names.len());
        let mut memo = HashMap::with_capacity(names.len());
        for n in names {
            let canonical = super::canonical_segment(fit, n);
            class.push(if canonical.is_empty() {
                NO_CLASS
            } else {
                let next = classes.len() as u32;
                *classes.entry(canonical.clone()).or_insert(next)
            });
            memo.insert(n.clone(), (at(n), canonical));
        }
        Self {
            names: memo,
            class,
            classes,
        }
    }

    /// For each segment id, whether its name means the same segment as `name` (the same
    /// non-empty canonical name); all false for no name or an empty one.
    pub(super) fn same_ids(&self, fit: &FitTable, name: Option<&str>) -> Vec<bool> {
        let site = name.and_then(|n| self.classes.get(self.canonical(fit, n).as_ref()));
        match site {
            Some(c) => self.class.iter().map(|k| k == c).collect(),
            None => vec![false; self.class.len()],
        }
    }

    /// [`FitTable::segment`] of `name`: from the memo for the firms' names, else looked up.
    pub(super) fn get<'f>(&self, fit: &'f FitTable, name: &str) -> Option<&'f SegmentFit> {
        match self.names.get(name) {
            Some((at, _)) => at.and_then(|i| fit.segments.get(i)),
            None => fit.segment(name),
        }
    }

    /// [`super::canonical_segment`] of `name`, from the memo for the firms' names.
    pub(super) fn canonical(&self, fit: &FitTable, name: &str) -> Cow<'_, str> {
        match self.names.get(name) {
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

    /// The ids found by comparing class numbers are those whose canonical names equal the
    /// site's non-empty canonical name, for names of the table, their other spellings,
    /// unknown names and empty ones.
    #[test]
    fn same_ids_are_the_names_with_the_sites_canonical_name() {
        let fit = crate::data::bundled::fit_table().unwrap();
        let mut names: Vec<String> =
            vec!["".into(), " ".into(), "未知领域".into(), " 未知领域".into()];
        for s in &fit.segments {
            names.extend([
                s.key.clone(),
                s.label_zh.to_uppercase(),
                format!(" {} ", s.label_en),
            ]);
            names.extend(s.aliases.iter().map(|a| format!("{a}x")));
        }
        let memo = SegmentMemo::new(&fit, &names);
        let canonical = |n: &str| super::super::canonical_segment(&fit, n);
        let mut sites: Vec<Option<&str>> = vec![None, Some("nobody's segment")];
        sites.extend(names.iter().map(|n| Some(n.as_str())));
        let mut matched = 0;
        for site in sites {
            let want: Vec<bool> = match site.map(canonical).filter(|c| !c.is_empty()) {
                Some(c) => names.iter().map(|n| canonical(n) == c).collect(),
                None => vec![false; names.len()],
            };
            assert_eq!(memo.same_ids(&fit, site), want, "{site:?}");
            matched += want.iter().filter(|b| **b).count();
        }
        // Each table segment is spelled three ways, so its names match each other.
        assert!(matched >= 9 * fit.segments.len(), "{matched}");
    }
}
