//! Each firm's colour class (by segment, by cluster, or one colour) and the count per class,
//! remembered between scenes: at 4 million firms the per-firm pass costs the window
//! milliseconds, and most rebuilds (the time slider, a selection, a layer switched on) do not
//! change the classes.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use rayon::prelude::*;

use super::super::palette;
use super::super::{FirmColour, LegendEntry, Rgba, SceneSettings, Swatch, YearView};
use super::SceneInput;
use crate::analysis::relocate::canonical_segment;
use crate::model::{Firms, FitTable, Lang, SegmentFit, YearCounts};

/// How the firms are coloured, as the legend describes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Scheme {
    Single([u8; 3]),
    Cluster,
    Segment,
}

/// The firms' classes: palette index per firm, the palette, and the firms per index.
#[derive(Clone, Debug)]
pub struct FirmClasses {
    pub colour: Arc<Vec<u8>>,
    pub palette: Vec<Rgba>,
    counts: Vec<usize>,
    scheme: Scheme,
    /// By segment, when the fit table knows too few of the firms' segments: the data's own
    /// most common names, one per class before the last ("other").
    own_names: Option<Arc<Vec<String>>>,
    /// Each class's year table (for the legend under the time slider), made in the
    /// background on first use and shared by the clones the memo hands out.
    by_year: Arc<OnceLock<Vec<YearCounts>>>,
    /// True once the tables were asked for; set only for classes the memo keeps (a scene
    /// built once, as an export's, counts its firms instead).
    tables_asked: Arc<AtomicBool>,
    remembered: bool,
}

/// What the classes were computed from: the data generation, the cluster labels (address
/// and length) and the scheme.
type ClassKey = (u64, Option<(usize, usize)>, Scheme);

/// The last classes computed, shared by the scenes of one window (see [`SceneInput::classes`]).
#[derive(Default)]
pub struct ClassMemo(Mutex<Option<(ClassKey, FirmClasses)>>);

impl ClassMemo {
    /// True while the remembered classes' year tables are being made (a scene built now
    /// would still be pending: the window waits for them instead of building it again).
    pub fn tables_coming(&self) -> bool {
        self.0.lock().ok().is_some_and(|held| {
            held.as_ref().is_some_and(|(_, c)| {
                c.tables_asked.load(Ordering::Acquire) && c.by_year.get().is_none()
            })
        })
    }
}

/// The firms' classes for these settings, from the memo when it holds them.
pub fn classes(input: &SceneInput, s: &SceneSettings) -> FirmClasses {
    let scheme = match (s.firm_single_colour, s.firm_colour, input.labels) {
        (Some(rgb), _, _) => Scheme::Single(rgb),
        (None, FirmColour::Cluster, Some(l)) if l.len() == input.firms.len() => Scheme::Cluster,
        _ => Scheme::Segment,
    };
    let Some((memo, generation)) = input.classes else {
        return compute(input, scheme);
    };
    let labels = input
        .labels
        .filter(|_| scheme == Scheme::Cluster)
        .map(|l| (l.as_ptr() as usize, l.len()));
    let key = (generation, labels, scheme);
    if let Ok(held) = memo.0.lock()
        && let Some((k, c)) = held.as_ref()
        && *k == key
    {
        return c.clone();
    }
    let mut made = compute(input, scheme);
    made.remembered = true;
    if let Some(times) = input.times {
        made.ask_tables(times);
    }
    if let Ok(mut held) = memo.0.lock() {
        *held = Some((key, made.clone()));
    }
    made
}

fn compute(input: &SceneInput, scheme: Scheme) -> FirmClasses {
    let n = input.firms.len();
    let mut own_names = None;
    let (colour, palette_v): (Vec<u8>, Vec<Rgba>) = match scheme {
        Scheme::Single([r, g, b]) => (vec![0; n], vec![Rgba::rgb(r, g, b)]),
        Scheme::Cluster => {
            let mut pal = vec![palette::NOISE];
            pal.extend(palette::CLUSTERS);
            let labels = input.labels.unwrap_or(&[]);
            // Per-firm maps over millions of labels run on all threads.
            let colour = labels
                .par_iter()
                .map(|l| {
                    if *l < 0 {
                        0
                    } else {
                        1 + (*l as usize % palette::CLUSTERS.len()) as u8
                    }
                })
                .collect();
            (colour, pal)
        }
        Scheme::Segment => {
            let (colour, names) = segment_colour(input.firms, input.fit);
            own_names = names.map(Arc::new);
            (colour, palette::SEGMENTS.to_vec())
        }
    };
    FirmClasses {
        counts: count_classes(&colour, palette_v.len()),
        colour: Arc::new(colour),
        palette: palette_v,
        scheme,
        own_names,
        by_year: Default::default(),
        tables_asked: Default::default(),
        remembered: false,
    }
}

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

/// Each firm's class by segment: the fit table's segments in order, one class each while
/// the palette lasts, and a last class (grey) for other and unknown segments; or, when the
/// table knows too few ([`own_segment_classes`]), the data's own most common names (returned,
/// most firms first) and the last class for the rest.
fn segment_colour(firms: &Firms, fit: &FitTable) -> (Vec<u8>, Option<Vec<String>>) {
    let other = palette::SEGMENTS.len() - 1;
    let per_name = firms.per_segment();
    let mix = SegmentMix::of(firms, fit, &per_name);
    let (seg_class, own): (Vec<u8>, _) = if !mix.own {
        let class = |k: &Option<usize>| k.map_or(other, |p| p.min(other - 1)) as u8;
        (mix.known.iter().map(class).collect(), None)
    } else {
        let mut top: Vec<usize> = (0..per_name.len())
            .filter(|k| has_name(firms, *k))
            .collect();
        let n = &per_name;
        top.sort_by(|a, b| n[*b].cmp(&n[*a]).then(a.cmp(b)));
        top.truncate(other);
        let mut class = vec![other as u8; n.len()];
        for (c, k) in top.iter().enumerate() {
            class[*k] = c as u8;
        }
        let names = top.iter().map(|k| firms.segments[*k].clone()).collect();
        (class, Some(names))
    };
    let colour = (firms.segment.par_iter())
        .map(|s| seg_class.get(*s as usize).copied().unwrap_or(other as u8))
        .collect();
    (colour, own)
}

/// The dots drawn per class (below `n_classes`) with `view`.
fn count_drawn(colour: &[u8], n_classes: usize, view: &YearView) -> Vec<usize> {
    count_per_class(colour, n_classes, |i, c| view.colour(i, c))
}

/// Firms per palette index.
fn count_classes(colour: &[u8], n_classes: usize) -> Vec<usize> {
    count_per_class(colour, n_classes, |_, c| c)
}

/// Firms per class below `n_classes`, firm `i` of colour `c` counted in class `drawn(i, c)`;
/// on all threads.
fn count_per_class(
    colour: &[u8],
    n_classes: usize,
    drawn: impl Fn(usize, u8) -> u8 + Sync,
) -> Vec<usize> {
    const SLICE: usize = 1 << 16;
    colour
        .par_chunks(SLICE)
        .enumerate()
        .map(|(k, part)| {
            let mut counts = vec![0usize; n_classes];
            for (j, c) in part.iter().enumerate() {
                if let Some(n) = counts.get_mut(usize::from(drawn(k * SLICE + j, *c))) {
                    *n += 1;
                }
            }
            counts
        })
        .reduce(
            || vec![0usize; n_classes],
            |mut a, b| {
                a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
                a
            },
        )
}

/// The counts the legend's entries show.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClassCounts<'a> {
    /// All the firms of each class (no year view).
    All,
    /// The dots each class draws in the year shown.
    InYear(&'a [usize]),
    /// Under a year view, while the classes' year tables are being made ("…").
    Pending,
}

impl FirmClasses {
    /// The dots each class draws in this year: its firms alive then and not new (the new
    /// ones take the highlight colour). From the classes' year tables (made in the background:
    /// 10–15 ms at 4M firms); None while the memo's classes wait for theirs (the window shows
    /// "…" for a frame or two rather than pass over the firms in the frame), and a pass
    /// over the firms for classes made for one scene (an export's).
    pub fn counts_in(&self, view: &YearView) -> Option<Vec<usize>> {
        if let Some(tables) = self.by_year.get() {
            return Some(
                tables
                    .iter()
                    .map(|c| {
                        let (alive, new) = c.alive_new(view.year, view.first_new);
                        alive - new
                    })
                    .collect(),
            );
        }
        if self.remembered {
            self.ask_tables(&view.times);
            return None;
        }
        Some(count_drawn(&self.colour, self.palette.len(), view))
    }

    /// Starts making the classes' year tables in the background, once (only for the memo's
    /// classes: they are asked for as soon as the classes are made, so that the year view
    /// finds them ready).
    fn ask_tables(&self, times: &Arc<crate::model::FirmTimes>) {
        if self.remembered && !self.tables_asked.swap(true, Ordering::AcqRel) {
            let (cell, colour) = (self.by_year.clone(), self.colour.clone());
            let (n, times) = (self.palette.len(), times.clone());
            rayon::spawn(move || {
                let _ = cell.set(YearCounts::by_class(
                    &colour,
                    n,
                    &times.founded,
                    &times.closed,
                ));
            });
        }
    }

    /// The legend's entries for the classes present, with their firms (`counts`: which
    /// numbers; while pending, the classes of the whole file are listed with "…").
    pub fn entries(
        &self,
        segments: &[SegmentFit],
        lang: Lang,
        counts: ClassCounts,
    ) -> Vec<LegendEntry> {
        let shown = |n: usize| match counts {
            ClassCounts::Pending => "…".to_string(),
            _ => n.to_string(),
        };
        let counts = match counts {
            ClassCounts::InYear(c) => c,
            _ => &self.counts,
        };
        match self.scheme {
            Scheme::Single([r, g, b]) => vec![LegendEntry {
                swatch: Swatch::Dot(Rgba::rgb(r, g, b)),
                label: lang.pick("企业", "Firm"),
            }],
            Scheme::Cluster => {
                let noise = shown(counts.first().copied().unwrap_or(0));
                let clustered = shown(counts.iter().skip(1).sum());
                vec![
                    LegendEntry {
                        swatch: Swatch::Dot(palette::CLUSTERS[0]),
                        label: lang.pick(
                            &format!("集群内企业，按集群着色（{clustered}）"),
                            &format!("Firm in a cluster, colour per cluster ({clustered})"),
                        ),
                    },
                    LegendEntry {
                        swatch: Swatch::Dot(palette::NOISE),
                        label: lang.pick(&format!("噪声（{noise}）"), &format!("Noise ({noise})")),
                    },
                ]
            }
            Scheme::Segment => {
                let other = palette::SEGMENTS.len() - 1;
                let mut entries = Vec::new();
                for (k, n) in counts.iter().enumerate() {
                    if *n == 0 {
                        continue;
                    }
                    let own = self.own_names.as_ref().and_then(|o| o.get(k));
                    let label = match (own, segments.get(k)) {
                        (Some(name), _) => name.clone(),
                        (None, Some(seg)) if k < other && self.own_names.is_none() => {
                            lang.pick(&seg.label_zh, &seg.label_en)
                        }
                        _ => lang.pick("其他 / 未知", "Other / unknown"),
                    };
                    entries.push(LegendEntry {
                        swatch: Swatch::Dot(palette::SEGMENTS[k]),
                        label: format!("{label} ({})", shown(*n)),
                    });
                }
                entries
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{FirmTimes, Rng};
    use crate::scene::PointsItem;

    /// The memo says the tables are coming only between asking and their arrival.
    #[test]
    fn the_memo_knows_when_the_tables_are_coming() {
        let classes = FirmClasses {
            colour: Arc::new(vec![]),
            palette: vec![],
            counts: vec![],
            scheme: Scheme::Segment,
            own_names: None,
            by_year: Default::default(),
            tables_asked: Default::default(),
            remembered: true,
        };
        let memo = ClassMemo::default();
        assert!(!memo.tables_coming(), "an empty memo");
        *memo.0.lock().unwrap() = Some(((0, None, Scheme::Segment), classes.clone()));
        assert!(!memo.tables_coming(), "not asked yet");
        classes.tables_asked.store(true, Ordering::Release);
        assert!(memo.tables_coming(), "asked");
        let _ = classes.by_year.set(Vec::new());
        assert!(!memo.tables_coming(), "arrived");
    }

    /// The English labels of the legend's entries for these counts.
    fn entry_labels(classes: &FirmClasses, counts: ClassCounts) -> Vec<String> {
        let e = classes.entries(&[], Lang::En, counts);
        e.into_iter().map(|e| e.label).collect()
    }

    /// While the tables are made, the legend lists the classes of the whole file with "…";
    /// then the year's counts, leaving out the classes with no dot that year.
    #[test]
    fn pending_counts_read_as_an_ellipsis_until_the_years_arrive() {
        let classes = FirmClasses {
            colour: Arc::new(vec![]),
            palette: palette::SEGMENTS.to_vec(),
            counts: vec![3, 0, 5],
            scheme: Scheme::Segment,
            own_names: None,
            by_year: Default::default(),
            tables_asked: Default::default(),
            remembered: true,
        };
        let labels = |counts| entry_labels(&classes, counts);
        let other = "Other / unknown";
        assert_eq!(
            labels(ClassCounts::Pending),
            [format!("{other} (…)"), format!("{other} (…)")]
        );
        assert_eq!(
            labels(ClassCounts::All),
            [format!("{other} (3)"), format!("{other} (5)")]
        );
        assert_eq!(
            labels(ClassCounts::InYear(&[0, 2, 1])),
            [format!("{other} (2)"), format!("{other} (1)")]
        );
        // Coloured by cluster: the firms in clusters together, then the noise.
        let clusters = FirmClasses {
            scheme: Scheme::Cluster,
            counts: vec![4, 3, 0, 5],
            ..classes.clone()
        };
        let labels = |counts| entry_labels(&clusters, counts);
        let in_cluster = "Firm in a cluster, colour per cluster";
        assert_eq!(
            labels(ClassCounts::All),
            [format!("{in_cluster} (8)"), "Noise (4)".into()]
        );
        assert_eq!(
            labels(ClassCounts::InYear(&[1, 0, 2, 2])),
            [format!("{in_cluster} (4)"), "Noise (1)".into()]
        );
        assert_eq!(
            labels(ClassCounts::Pending),
            [format!("{in_cluster} (…)"), "Noise (…)".into()]
        );
    }

    /// The legend's counts under a year view, by the pass over the firms, by the tables, and
    /// by the tables made in the background, all equal the dots drawn per colour.
    #[test]
    fn year_counts_per_class_are_the_dots_drawn_by_every_path() {
        let n = 200_000;
        let mut rng = Rng::new(3);
        let mut year = |p: u64| {
            let r = rng.next_u64();
            if r.is_multiple_of(p) {
                0
            } else {
                2000 + (r % 25) as i16
            }
        };
        let founded: Vec<i16> = (0..n).map(|_| year(9)).collect();
        let closed: Vec<i16> = (0..n).map(|_| year(2)).collect();
        let times = Arc::new(FirmTimes::new(founded, closed));
        let colour: Vec<u8> = (0..n).map(|i| [0, 1, 2, 3, 4, 255][i % 6]).collect();
        let classes = |remembered| FirmClasses {
            colour: Arc::new(colour.clone()),
            palette: vec![Rgba::rgb(0, 0, 0); 5],
            counts: vec![],
            scheme: Scheme::Segment,
            own_names: None,
            by_year: Default::default(),
            tables_asked: Default::default(),
            remembered,
        };
        let (once, kept) = (classes(false), classes(true));
        for (y, first_new) in [(2005, 2003), (2012, 2012), (2030, 2020), (1999, 1999)] {
            let view = YearView {
                times: times.clone(),
                year: y,
                first_new,
                highlight: 5,
            };
            let item = PointsItem {
                xy: Arc::new(vec![]),
                colour: Arc::new(colour.clone()),
                palette: vec![],
                radius_px: 1.0,
                years: Some(view.clone()),
            };
            let mut want = vec![0usize; 5];
            for i in 0..n {
                if let Some(c) = want.get_mut(usize::from(item.colour_at(i))) {
                    *c += 1;
                }
            }
            assert_eq!(once.counts_in(&view), Some(want.clone()), "the pass, {y}");
            assert!(
                once.by_year.get().is_none(),
                "a scene built once makes no tables"
            );
            if y == 2005 {
                assert_eq!(
                    kept.counts_in(&view),
                    None,
                    "the memo's classes wait for tables"
                );
            }
            let start = std::time::Instant::now();
            while kept.by_year.get().is_none() && start.elapsed().as_secs() < 30 {
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
            assert!(kept.by_year.get().is_some(), "the tables were made");
            assert_eq!(kept.counts_in(&view), Some(want.clone()), "the tables, {y}");
            assert!(y < 2000 || want.iter().all(|c| *c > 0), "{want:?}");
        }
    }

    /// Classes by segment from the fit table while it knows at least half of the firms with
    /// a segment, else from the data's five commonest names, known or not (ties by first
    /// seen), the rest grey; the legend names them with their counts (hand-worked cases).
    #[test]
    fn segments_the_table_does_not_know_are_coloured_by_their_own_names() {
        let fit = crate::data::bundled::fit_table().unwrap();
        let hw = fit.segments[0].key.clone();
        let firms = |names: &[&str], per_firm: &[u16]| Firms {
            segments: names.iter().map(|s| s.to_string()).collect(),
            segment: per_firm.to_vec(),
            ..Default::default()
        };
        // Seven unknown names (C1 ×5, C2 ×4, C3 ×3, C4, C5, C6 ×2 each, C7 ×1), 3 known
        // firms and 9 blank ones: 3 of 20 firms with a segment are known.
        let names = ["", hw.as_str(), "C1", "C2", "C3", "C4", "C5", "C6", "C7"];
        let counts = [9, 3, 5, 4, 3, 2, 2, 2, 1];
        let per_firm: Vec<u16> = (0..names.len() as u16)
            .flat_map(|k| std::iter::repeat_n(k, counts[k as usize]))
            .collect();
        let data = firms(&names, &per_firm);
        assert!(own_segment_classes(&data, &fit, &data.per_segment()));
        let (colour, own) = segment_colour(&data, &fit);
        let top = ["C1", "C2", hw.as_str(), "C3", "C4"].map(String::from);
        assert_eq!(own.as_deref(), Some(&top[..]));
        let want = |k: u16| [5, 2, 0, 1, 3, 4, 5, 5, 5][k as usize];
        assert_eq!(
            colour,
            per_firm.iter().map(|k| want(*k)).collect::<Vec<u8>>()
        );
        let classes = FirmClasses {
            counts: count_classes(&colour, palette::SEGMENTS.len()),
            colour: Arc::new(colour),
            palette: palette::SEGMENTS.to_vec(),
            scheme: Scheme::Segment,
            own_names: own.map(Arc::new),
            by_year: Default::default(),
            tables_asked: Default::default(),
            remembered: false,
        };
        let labels: Vec<String> = (classes.entries(&fit.segments, Lang::En, ClassCounts::All))
            .into_iter()
            .map(|e| e.label)
            .collect();
        let hw_label = format!("{hw} (3)");
        let want = [
            "C1 (5)",
            "C2 (4)",
            &hw_label,
            "C3 (3)",
            "C4 (2)",
            "Other / unknown (14)",
        ];
        assert_eq!(labels, want);
        // Ten known firms of twenty with a segment: the table's classes.
        let counts = [9, 10, 5, 4, 1, 0, 0, 0, 0];
        let per_firm: Vec<u16> = (0..names.len() as u16)
            .flat_map(|k| std::iter::repeat_n(k, counts[k as usize]))
            .collect();
        let data = firms(&names, &per_firm);
        assert!(!own_segment_classes(&data, &fit, &data.per_segment()));
        let (colour, own) = segment_colour(&data, &fit);
        assert!(own.is_none());
        let other = (palette::SEGMENTS.len() - 1) as u8;
        let want = |k: u16| if k == 1 { 0 } else { other };
        assert_eq!(
            colour,
            per_firm.iter().map(|k| want(*k)).collect::<Vec<u8>>()
        );
    }
}
