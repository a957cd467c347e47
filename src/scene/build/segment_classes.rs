//! Each firm's class when firms are coloured by segment: the fit table's segments; the data's
//! own commonest names when the table knows too few (a register's 行业 classes); or the
//! names a planner picked (the legend's picker, `render --segment-colour`). The last class
//! of the palette (grey) takes the rest.

use rayon::prelude::*;

use super::super::palette;
use crate::analysis::relocate::canonical_segment;
use crate::model::{Firms, FitTable};

/// Each segment name's fit-table position, and whether colouring by segment takes the
/// data's own most common names as classes: when the fit table knows fewer than half of the
/// firms that have a segment (a register's 行业 classes), so the map is not all grey.
struct SegmentMix {
    known: Vec<Option<usize>>,
    own: bool,
}

impl SegmentMix {
    /// The mix of `firms`, whose firms per segment id are `per_name` ([`Firms::per_segment`]).
    fn of(firms: &Firms, fit: &FitTable, per_name: &[usize]) -> Self {
        let known: Vec<Option<usize>> = (firms.segments.iter())
            .map(|name| {
                let key = canonical_segment(fit, name);
                fit.segments.iter().position(|s| s.key == key)
            })
            .collect();
        let with_segment: usize = (0..per_name.len())
            .filter(|k| has_name(firms, *k))
            .map(|k| per_name[k])
            .sum();
        let known_firms: usize = (0..per_name.len())
            .filter(|k| known[*k].is_some())
            .map(|k| per_name[k])
            .sum();
        Self {
            own: 2 * known_firms < with_segment,
            known,
        }
    }
}

/// Whether segment id `k` of `firms` has a non-blank name.
fn has_name(firms: &Firms, k: usize) -> bool {
    firms.segments.get(k).is_some_and(|s| !s.trim().is_empty())
}

/// Whether firms coloured by segment take the data's own most common names as classes (the
/// fit table knows fewer than half of the firms that have a segment): the load report says so.
/// `per_name` is [`Firms::per_segment`], which the caller has counted already.
pub fn own_segment_classes(firms: &Firms, fit: &FitTable, per_name: &[usize]) -> bool {
    SegmentMix::of(firms, fit, per_name).own
}

/// A class's labels in the legend (Chinese, English).
pub(super) type ClassLabels = Vec<(String, String)>;

/// Each segment name's class (by segment id, the palette's last for the rest) and, when the
/// classes are names rather than the fit table's segments, their labels, one per class
/// before the last:
/// - `picked` names (non-empty): class k for the segment written as the k-th name
///   (compared trimmed); a name no firm has keeps its class (and colour) empty;
/// - else the fit table's segments in order, one class each while the palette lasts, the last
///   for other and unknown segments;
/// - else, when the table knows too few ([`own_segment_classes`]), the data's own most common
///   names (most firms first, ties by first seen) and the last class for the rest.
///
/// `per_name` is [`Firms::per_segment`].
pub fn segment_classes(
    firms: &Firms,
    fit: &FitTable,
    per_name: &[usize],
    picked: &[String],
) -> (Vec<u8>, Option<ClassLabels>) {
    let other = palette::SEGMENTS.len() - 1;
    let labels = |names: Vec<&String>| -> ClassLabels {
        names.into_iter().map(|n| fit.labels_of(n)).collect()
    };
    if !picked.is_empty() {
        let picked = picked.get(..other).unwrap_or(picked);
        let class = |name: &String| {
            let at = picked.iter().position(|p| p.trim() == name.trim());
            at.unwrap_or(other) as u8
        };
        let names = labels(picked.iter().collect());
        return (firms.segments.iter().map(class).collect(), Some(names));
    }
    let mix = SegmentMix::of(firms, fit, per_name);
    if !mix.own {
        let class = |k: &Option<usize>| k.map_or(other, |p| p.min(other - 1)) as u8;
        return (mix.known.iter().map(class).collect(), None);
    }
    let mut top: Vec<usize> = (0..per_name.len())
        .filter(|k| has_name(firms, *k))
        .collect();
    top.sort_by(|a, b| per_name[*b].cmp(&per_name[*a]).then(a.cmp(b)));
    top.truncate(other);
    let mut class = vec![other as u8; per_name.len()];
    for (c, k) in top.iter().enumerate() {
        class[*k] = c as u8;
    }
    let names = labels(top.iter().filter_map(|k| firms.segments.get(*k)).collect());
    (class, Some(names))
}

/// Each firm's class by segment ([`segment_classes`]) and the classes' labels.
pub(super) fn segment_colour(
    firms: &Firms,
    fit: &FitTable,
    picked: &[String],
) -> (Vec<u8>, Option<ClassLabels>) {
    let other = (palette::SEGMENTS.len() - 1) as u8;
    let (seg_class, names) = segment_classes(firms, fit, &firms.per_segment(), picked);
    let colour = (firms.segment.par_iter())
        .map(|s| seg_class.get(*s as usize).copied().unwrap_or(other))
        .collect();
    (colour, names)
}
