//! Each firm's colour class (by segment, by cluster, or one colour) and the count per class,
//! remembered between scenes: at 4 million firms the per-firm pass costs the window
//! milliseconds, and most rebuilds (the time slider, a selection, a layer switched on) do not
//! change the classes.

use std::sync::{Arc, Mutex, OnceLock};

use rayon::prelude::*;

use super::super::palette;
use super::super::{FirmColour, LegendEntry, Rgba, SceneSettings, Swatch, YearView};
use super::SceneInput;
use crate::analysis::relocate::canonical_segment;
use crate::model::{Lang, YearCounts};

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
    /// Each class's year table (for the legend under the time slider), made on first use
    /// and shared by the clones the memo hands out.
    by_year: Arc<OnceLock<Vec<YearCounts>>>,
}

/// What the classes were computed from: the data generation, the cluster labels (address
/// and length) and the scheme.
type ClassKey = (u64, Option<(usize, usize)>, Scheme);

/// The last classes computed, shared by the scenes of one window (see [`SceneInput::classes`]).
#[derive(Default)]
pub struct ClassMemo(Mutex<Option<(ClassKey, FirmClasses)>>);

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
    let made = compute(input, scheme);
    if let Ok(mut held) = memo.0.lock() {
        *held = Some((key, made.clone()));
    }
    made
}

fn compute(input: &SceneInput, scheme: Scheme) -> FirmClasses {
    let n = input.firms.len();
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
        Scheme::Segment => (segment_colour(input), palette::SEGMENTS.to_vec()),
    };
    FirmClasses {
        counts: count_classes(&colour, palette_v.len()),
        colour: Arc::new(colour),
        palette: palette_v,
        scheme,
        by_year: Default::default(),
    }
}

/// Each firm's class by segment: the fit table's segments in order, one class each while
/// the palette lasts, and a last class (grey) for other and unknown segments.
fn segment_colour(input: &SceneInput) -> Vec<u8> {
    let other = palette::SEGMENTS.len() - 1;
    let seg_class: Vec<u8> = input
        .firms
        .segments
        .iter()
        .map(|name| {
            let key = canonical_segment(input.fit, name);
            let known = input.fit.segments.iter().position(|s| s.key == key);
            known.map_or(other, |p| p.min(other - 1)) as u8
        })
        .collect();
    input
        .firms
        .segment
        .par_iter()
        .map(|s| seg_class.get(*s as usize).copied().unwrap_or(other as u8))
        .collect()
}

/// Firms per palette index, on all threads.
fn count_classes(colour: &[u8], n_classes: usize) -> Vec<usize> {
    colour
        .par_chunks(1 << 16)
        .map(|part| {
            let mut counts = [0usize; 256];
            for c in part {
                counts[usize::from(*c)] += 1;
            }
            counts[..n_classes.min(256)].to_vec()
        })
        .reduce(
            || vec![0usize; n_classes.min(256)],
            |mut a, b| {
                a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
                a
            },
        )
}

impl FirmClasses {
    /// The dots each class draws in this year: its firms alive then and not new (the new
    /// ones take the highlight colour).
    pub fn counts_in(&self, view: &YearView) -> Vec<usize> {
        let t = &view.times;
        let tables = self.by_year.get_or_init(|| {
            YearCounts::by_class(&self.colour, self.palette.len(), &t.founded, &t.closed)
        });
        tables
            .iter()
            .map(|c| {
                let (alive, new) = c.alive_new(view.year, view.first_new);
                alive - new
            })
            .collect()
    }

    /// The legend's entries for the classes present, with their firms (`counts`: the dots
    /// per class in the year shown; all the firms per class without).
    pub fn entries(
        &self,
        input: &SceneInput,
        lang: Lang,
        counts: Option<&[usize]>,
    ) -> Vec<LegendEntry> {
        let counts = counts.unwrap_or(&self.counts);
        match self.scheme {
            Scheme::Single([r, g, b]) => vec![LegendEntry {
                swatch: Swatch::Dot(Rgba::rgb(r, g, b)),
                label: lang.pick("企业", "Firm"),
            }],
            Scheme::Cluster => {
                let noise = counts.first().copied().unwrap_or(0);
                vec![
                    LegendEntry {
                        swatch: Swatch::Dot(palette::CLUSTERS[0]),
                        label: lang.pick(
                            "集群内企业（按集群着色）",
                            "Firm in a cluster (colour per cluster)",
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
                    let label = match input.fit.segments.get(k) {
                        Some(seg) if k < other => lang.pick(&seg.label_zh, &seg.label_en),
                        _ => lang.pick("其他 / 未知", "Other / unknown"),
                    };
                    entries.push(LegendEntry {
                        swatch: Swatch::Dot(palette::SEGMENTS[k]),
                        label: format!("{label} ({n})"),
                    });
                }
                entries
            }
        }
    }
}
