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
use super::segment_classes::{ClassLabels, segment_colour};
use crate::model::{Lang, SegmentFit, YearCounts};

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
    /// By segment, when the classes are names (picked by the user, or the data's own most
    /// common when the fit table knows too few): their labels, one per class before the last
    /// ("other").
    own_names: Option<Arc<ClassLabels>>,
    /// Each class's year table (for the legend under the time slider), made in the
    /// background on first use and shared by the clones the memo hands out.
    by_year: Arc<OnceLock<Vec<YearCounts>>>,
    /// True once the tables were asked for; set only for classes the memo keeps (a scene
    /// built once, as an export's, counts its firms instead).
    tables_asked: Arc<AtomicBool>,
    remembered: bool,
}

/// What the classes were computed from: the data generation, the cluster labels (address
/// and length), the scheme and the segment names picked (by segment).
type ClassKey = (u64, Option<(usize, usize)>, Scheme, Vec<String>);

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
    let picked = match scheme {
        Scheme::Segment => s.segment_colours.clone(),
        _ => Vec::new(),
    };
    let Some((memo, generation)) = input.classes else {
        return compute(input, scheme, &picked);
    };
    let labels = input
        .labels
        .filter(|_| scheme == Scheme::Cluster)
        .map(|l| (l.as_ptr() as usize, l.len()));
    let key = (generation, labels, scheme, picked);
    if let Ok(held) = memo.0.lock()
        && let Some((k, c)) = held.as_ref()
        && *k == key
    {
        return c.clone();
    }
    let mut made = compute(input, scheme, &key.3);
    made.remembered = true;
    if let Some(times) = input.times {
        made.ask_tables(times);
    }
    if let Ok(mut held) = memo.0.lock() {
        *held = Some((key, made.clone()));
    }
    made
}

fn compute(input: &SceneInput, scheme: Scheme, picked: &[String]) -> FirmClasses {
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
            let (colour, names) = segment_colour(input.firms, input.fit, picked);
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
    /// The class drawn beneath the others: the grey of other segments, or the noise.
    pub fn under(&self) -> Option<u8> {
        match self.scheme {
            Scheme::Single(_) => None,
            Scheme::Cluster => Some(0),
            Scheme::Segment => Some((palette::SEGMENTS.len() - 1) as u8),
        }
    }

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
                        (Some((zh, en)), _) => lang.pick(zh, en),
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
    use crate::model::{FirmTimes, Firms, Rng};
    use crate::scene::PointsItem;
    use crate::scene::own_segment_classes;

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
        *memo.0.lock().unwrap() = Some(((0, None, Scheme::Segment, vec![]), classes.clone()));
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
                under: None,
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

    /// Classes by segment of these colours and class labels, as `compute` makes them.
    fn by_segment(colour: Vec<u8>, own: Option<ClassLabels>) -> FirmClasses {
        FirmClasses {
            counts: count_classes(&colour, palette::SEGMENTS.len()),
            colour: Arc::new(colour),
            palette: palette::SEGMENTS.to_vec(),
            scheme: Scheme::Segment,
            own_names: own.map(Arc::new),
            by_year: Default::default(),
            tables_asked: Default::default(),
            remembered: false,
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
        let (colour, own) = segment_colour(&data, &fit, &[]);
        let top: Vec<_> = ["C1", "C2", hw.as_str(), "C3", "C4"]
            .iter()
            .map(|n| fit.labels_of(n))
            .collect();
        assert_eq!(own.as_deref(), Some(&top[..]));
        let want = |k: u16| [5, 2, 0, 1, 3, 4, 5, 5, 5][k as usize];
        assert_eq!(
            colour,
            per_firm.iter().map(|k| want(*k)).collect::<Vec<u8>>()
        );
        let classes = by_segment(colour, own);
        let labels: Vec<String> = (classes.entries(&fit.segments, Lang::En, ClassCounts::All))
            .into_iter()
            .map(|e| e.label)
            .collect();
        let hw_label = format!("{} (3)", fit.segments[0].label_en);
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
        let (colour, own) = segment_colour(&data, &fit, &[]);
        assert!(own.is_none());
        let other = (palette::SEGMENTS.len() - 1) as u8;
        let want = |k: u16| if k == 1 { 0 } else { other };
        assert_eq!(
            colour,
            per_firm.iter().map(|k| want(*k)).collect::<Vec<u8>>()
        );
    }

    /// Picked names take the palette's colours in their order, over the fit table's classes
    /// (compared trimmed; a name no firm has leaves its colour unused), the rest grey; the
    /// legend names them with the table's labels. Oracle: each firm's class worked out from
    /// its name's place in the list.
    #[test]
    fn picked_segment_names_take_the_colours_in_their_order() {
        let fit = crate::data::bundled::fit_table().unwrap();
        let (hw, sw) = (fit.segments[0].key.clone(), fit.segments[3].key.clone());
        let names = ["", hw.as_str(), "C1", "C2 ", "C3", sw.as_str()];
        let counts = [2, 3, 4, 1, 5, 12];
        let per_firm: Vec<u16> = (0..names.len() as u16)
            .flat_map(|k| std::iter::repeat_n(k, counts[k as usize]))
            .collect();
        let data = Firms {
            segments: names.iter().map(|s| s.to_string()).collect(),
            segment: per_firm.clone(),
            ..Default::default()
        };
        assert!(
            !own_segment_classes(&data, &fit, &data.per_segment()),
            "the table knows most firms: its classes, unless names are picked"
        );
        let picked: Vec<String> = ["C2", "nobody", hw.as_str(), ""].map(String::from).into();
        let (colour, own) = segment_colour(&data, &fit, &picked);
        let other = palette::SEGMENTS.len() - 1;
        let want: Vec<u8> = (per_firm.iter())
            .map(|k| {
                let name = names[*k as usize].trim();
                picked
                    .iter()
                    .position(|p| p.trim() == name)
                    .unwrap_or(other) as u8
            })
            .collect();
        assert_eq!(colour, want);
        let classes = by_segment(colour, own);
        let entries = |lang| classes.entries(&fit.segments, lang, ClassCounts::All);
        let shown: Vec<(String, Swatch)> = (entries(Lang::En).into_iter())
            .map(|e| (e.label, e.swatch))
            .collect();
        let dot = |k: usize| Swatch::Dot(palette::SEGMENTS[k]);
        let want = [
            ("C2 (1)".to_string(), dot(0)),
            (format!("{} (3)", fit.segments[0].label_en), dot(2)),
            ("(blank) (2)".to_string(), dot(3)),
            ("Other / unknown (21)".to_string(), dot(other)),
        ];
        assert_eq!(shown, want);
        let zh: Vec<String> = entries(Lang::Zh).into_iter().map(|e| e.label).collect();
        assert_eq!(zh[1], format!("{} (3)", fit.segments[0].label_zh));
        assert_eq!(zh[2], "（空白） (2)");
        // Six names picked (more than a settings file may hold): the first five count.
        let six: Vec<String> = ["C1", "C2", "C3", hw.as_str(), sw.as_str(), ""]
            .map(String::from)
            .into();
        let (colour, own) = segment_colour(&data, &fit, &six);
        assert_eq!(own.map(|o| o.len()), Some(other));
        assert!(
            colour
                .iter()
                .zip(&per_firm)
                .all(|(c, k)| (*k == 0) == (*c as usize == other))
        );
    }
}
