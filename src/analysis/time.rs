//! Firms over time: citywide and per-zone counts by year (alive, founded), each zone's share of
//! the city's firms before and after its designation, and a difference-in-differences of new
//! firms in the zone's area (inside or within the radius) against the rest of the city, with a
//! Poisson-bootstrap confidence interval.

use std::borrow::Cow;

use rayon::prelude::*;
use serde::Serialize;

use super::zone_stats::{InsideSets, NearSets};

use crate::index::SpatialIndex;
use crate::model::{Batch, FirmTimes, Firms, Rng, Zone};

/// How the time tables are made.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TimeParams {
    /// "Within" = inside the zone or within this ground distance of it.
    pub radius_m: f64,
    /// Years before and after designation compared (clipped to the data's years).
    pub window_years: i32,
    /// Bootstrap draws for the interval.
    pub draws: usize,
    pub seed: u64,
}

impl Default for TimeParams {
    fn default() -> Self {
        Self {
            radius_m: 3_000.0,
            window_years: 5,
            draws: 999,
            seed: 2019,
        }
    }
}

/// The city in one year.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CityYear {
    pub year: i32,
    /// Founded by then and not closed.
    pub alive: usize,
    pub founded: usize,
    pub closed: usize,
}

/// One zone in one year.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ZoneYear {
    pub year: i32,
    /// Alive inside the polygon (None for point zones).
    pub alive_inside: Option<usize>,
    /// Alive inside or within the radius.
    pub alive_within: usize,
    pub founded_inside: Option<usize>,
    pub founded_within: usize,
    /// `alive_within` as a share of the city's firms alive that year.
    pub share_within: f64,
}

/// Difference-in-differences of new firms: the zone's area against the rest of the city,
/// the `window` years before designation against the years from it on.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Did {
    /// ln(treated post / treated pre) − ln(rest post / rest pre), counts + 0.5.
    pub estimate: f64,
    /// 95 % percentile interval of the Poisson bootstrap.
    pub ci_low: f64,
    pub ci_high: f64,
    /// exp(estimate): how many times faster new firms grew in the zone's area.
    pub ratio: f64,
    pub pre_years: (i32, i32),
    pub post_years: (i32, i32),
    pub treated_pre: usize,
    pub treated_post: usize,
    pub rest_pre: usize,
    pub rest_post: usize,
    pub draws: usize,
}

/// One zone's tables.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ZoneTime {
    pub id: String,
    /// The designation year (the zone's `year`, else its batch's: 2017 or 2018).
    pub designated: Option<i32>,
    pub by_year: Vec<ZoneYear>,
    /// Mean yearly share of the city's alive firms within the radius, in the window before
    /// and from designation on.
    pub share_before: Option<f64>,
    pub share_after: Option<f64>,
    pub did: Option<Did>,
}

/// Everything `summary.json`'s `time` holds.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TimeTables {
    pub founded_column: String,
    pub closed_columns: Vec<String>,
    pub first_year: i32,
    pub last_year: i32,
    pub firms_with_dates: usize,
    pub radius_m: f64,
    pub window_years: i32,
    pub city: Vec<CityYear>,
    pub zones: Vec<ZoneTime>,
    pub method: String,
}

pub const METHOD: &str = "alive in year Y = founded in or before Y and not closed in or before Y; \
    within = inside the zone or within radius_m of it (ground distance); did.estimate = \
    ln((T_post+0.5)/(T_pre+0.5)) - ln((R_post+0.5)/(R_pre+0.5)) where T and R count firms founded \
    in the zone's area and in the rest of the city in the window_years before designation (pre) \
    and from designation on (post); 95 % interval from a Poisson bootstrap of the four counts";

/// The designation year of a zone: its own `year`, else its batch's.
pub fn designation_year(z: &Zone) -> Option<i32> {
    z.year.or(z.batch.map(|b| match b {
        Batch::Future2017 => 2017,
        Batch::Emerging2018 => 2018,
    }))
}

/// Years shown: the first founding year known (not before 1950) to the last year with a
/// founding or a closing.
fn year_span(t: &FirmTimes) -> Option<(i32, i32)> {
    let (lo, hi) = t.year_range()?;
    let last_close = t.closed.iter().map(|c| i32::from(*c)).max().unwrap_or(0);
    Some((lo.max(1950), hi.max(last_close).min(2100)))
}

/// Alive and founded counts by year of a set of firms (`None`: all).
fn counts(
    t: &FirmTimes,
    members: Option<&[u32]>,
    span: (i32, i32),
) -> (Vec<usize>, Vec<usize>, Vec<usize>) {
    let len = (span.1 - span.0 + 1).max(0) as usize;
    let mut delta = vec![0i64; len + 1];
    let (mut founded, mut closed) = (vec![0usize; len], vec![0usize; len]);
    let mut add = |i: usize| {
        let f = i32::from(t.founded[i]);
        if f == 0 {
            return;
        }
        let fi = (f - span.0).clamp(0, len as i32) as usize;
        delta[fi] += 1;
        if f >= span.0 && fi < len {
            founded[fi] += 1;
        }
        let c = i32::from(t.closed[i]);
        if c != 0 && c >= f {
            let ci = (c - span.0).clamp(0, len as i32) as usize;
            delta[ci] -= 1;
            if ci < len && c >= span.0 {
                closed[ci] += 1;
            }
        }
    };
    match members {
        Some(m) => m.iter().for_each(|&i| add(i as usize)),
        None => (0..t.founded.len()).for_each(&mut add),
    }
    let mut alive = Vec::with_capacity(len);
    let mut run = 0i64;
    for d in delta.iter().take(len) {
        run += d;
        alive.push(run.max(0) as usize);
    }
    (alive, founded, closed)
}

/// A Poisson draw (Knuth's product method below 30, a rounded normal above).
fn poisson(rng: &mut Rng, lambda: f64) -> f64 {
    if lambda <= 0.0 {
        return 0.0;
    }
    if lambda < 30.0 {
        let l = (-lambda).exp();
        let (mut k, mut p) = (0.0, 1.0);
        loop {
            p *= rng.uniform();
            if p <= l {
                return k;
            }
            k += 1.0;
        }
    }
    (lambda + lambda.sqrt() * rng.normal()).round().max(0.0)
}

fn log_ratio(tp: f64, tq: f64, rp: f64, rq: f64) -> f64 {
    ((tq + 0.5) / (tp + 0.5)).ln() - ((rq + 0.5) / (rp + 0.5)).ln()
}

/// The difference-in-differences for a zone designated in `year` with `within` its firms;
/// `city_founded[k]`: the firms of the whole city founded in year `span.0 + k` (the rest of
/// the city is the city less the zone's firms, so only the zone's firms are read: a pass
/// over all firms per zone cost 0.3 s at four million firms).
pub fn did(
    t: &FirmTimes,
    within: &[u32],
    year: i32,
    span: (i32, i32),
    city_founded: &[usize],
    p: &TimeParams,
) -> Option<Did> {
    let pre = ((year - p.window_years).max(span.0), year - 1);
    let post = (year, (year + p.window_years - 1).min(span.1));
    if pre.0 > pre.1 || post.0 > post.1 {
        return None;
    }
    let in_window = |f: i32, w: (i32, i32)| f >= w.0 && f <= w.1;
    let city = |w: (i32, i32)| -> usize {
        (w.0..=w.1)
            .filter_map(|y| city_founded.get((y - span.0) as usize))
            .sum()
    };
    // Each firm counted once, however often `within` names it.
    let mut seen = vec![false; t.founded.len()];
    let (mut tp, mut tq) = (0usize, 0usize);
    for &i in within {
        let (Some(f), Some(s)) = (t.founded.get(i as usize), seen.get_mut(i as usize)) else {
            continue;
        };
        if std::mem::replace(s, true) {
            continue;
        }
        let f = i32::from(*f);
        tp += usize::from(in_window(f, pre));
        tq += usize::from(in_window(f, post));
    }
    let (rp, rq) = (city(pre).saturating_sub(tp), city(post).saturating_sub(tq));
    let estimate = log_ratio(tp as f64, tq as f64, rp as f64, rq as f64);
    let mut rng = Rng::new(p.seed ^ (year as u64).wrapping_mul(0x9e37_79b9));
    let mut draws: Vec<f64> = (0..p.draws)
        .map(|_| {
            let [a, b, c, d] = [tp, tq, rp, rq].map(|n| poisson(&mut rng, n as f64));
            log_ratio(a, b, c, d)
        })
        .collect();
    draws.sort_by(f64::total_cmp);
    let q = |f: f64| {
        if draws.is_empty() {
            return estimate;
        }
        let k = ((draws.len() - 1) as f64 * f).round() as usize;
        draws[k.min(draws.len() - 1)]
    };
    Some(Did {
        estimate,
        ci_low: q(0.025),
        ci_high: q(0.975),
        ratio: estimate.exp(),
        pre_years: pre,
        post_years: post,
        treated_pre: tp,
        treated_post: tq,
        rest_pre: rp,
        rest_post: rq,
        draws: p.draws,
    })
}

fn mean_share(rows: &[ZoneYear], lo: i32, hi: i32) -> Option<f64> {
    let v: Vec<f64> = rows
        .iter()
        .filter(|r| r.year >= lo && r.year <= hi)
        .map(|r| r.share_within)
        .collect();
    (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
}

/// Zone `zi`'s set among `sets`, if it was found.
fn given(sets: Option<&[Option<Vec<u32>>]>, zi: usize) -> Option<&[u32]> {
    sets.and_then(|s| s.get(zi)).and_then(|s| s.as_deref())
}

/// The time tables for every zone with geometry (zones without keep an empty row).
pub fn time_tables(
    t: &FirmTimes,
    firms: &Firms,
    zones: &[Zone],
    index: &SpatialIndex,
    p: &TimeParams,
    sets: Option<(&NearSets, &InsideSets)>,
) -> Option<TimeTables> {
    let span = year_span(t)?;
    let (alive, founded, closed) = counts(t, None, span);
    let city: Vec<CityYear> = (0..alive.len())
        .map(|k| CityYear {
            year: span.0 + k as i32,
            alive: alive[k],
            founded: founded[k],
            closed: closed[k],
        })
        .collect();
    let zone_rows: Vec<ZoneTime> = zones
        .par_iter()
        .enumerate()
        .map(|(zi, z)| {
            let designated = designation_year(z);
            let Some(shape) = index.shape_of(zi) else {
                return ZoneTime {
                    id: z.id.clone(),
                    designated,
                    by_year: Vec::new(),
                    share_before: None,
                    share_after: None,
                    did: None,
                };
            };
            // The zone statistics' sets when they were made at this radius.
            let within: Cow<[u32]> = match given(sets.map(|s| s.0.as_slice()), zi) {
                Some(n) => Cow::Borrowed(n),
                None => Cow::Owned(index.firms_near_zone(shape, &firms.lonlat, p.radius_m)),
            };
            let inside: Option<Cow<[u32]>> = shape.area_km2().map(|_| {
                match given(sets.map(|s| s.1.as_slice()), zi)
                    .filter(|_| matches!(within, Cow::Borrowed(_)))
                {
                    Some(m) => Cow::Borrowed(m),
                    None => Cow::Owned(index.firms_inside(zi, &within, &firms.lonlat)),
                }
            });
            let (aw, fw, _) = counts(t, Some(&within), span);
            let ins = inside.as_ref().map(|m| counts(t, Some(m), span));
            let by_year: Vec<ZoneYear> = (0..aw.len())
                .map(|k| ZoneYear {
                    year: span.0 + k as i32,
                    alive_inside: ins.as_ref().map(|c| c.0[k]),
                    alive_within: aw[k],
                    founded_inside: ins.as_ref().map(|c| c.1[k]),
                    founded_within: fw[k],
                    share_within: if alive[k] == 0 {
                        0.0
                    } else {
                        aw[k] as f64 / alive[k] as f64
                    },
                })
                .collect();
            let (share_before, share_after, did) = match designated {
                Some(y) => (
                    mean_share(&by_year, y - p.window_years, y - 1),
                    mean_share(&by_year, y, y + p.window_years - 1),
                    did(t, &within, y, span, &founded, p),
                ),
                None => (None, None, None),
            };
            ZoneTime {
                id: z.id.clone(),
                designated,
                by_year,
                share_before,
                share_after,
                did,
            }
        })
        .collect();
    Some(TimeTables {
        founded_column: t.founded_col.clone(),
        closed_columns: t.closed_cols.clone(),
        first_year: span.0,
        last_year: span.1,
        firms_with_dates: t.founded.iter().filter(|y| **y != 0).count(),
        radius_m: p.radius_m,
        window_years: p.window_years,
        city,
        zones: zone_rows,
        method: METHOD.into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn times(founded: &[i16], closed: &[i16]) -> FirmTimes {
        FirmTimes {
            founded: founded.to_vec(),
            closed: closed.to_vec(),
            founded_col: "founded".into(),
            ..Default::default()
        }
    }

    #[test]
    fn counts_by_year_match_a_group_by() {
        let t = times(&[2010, 2012, 2012, 0, 2015], &[0, 2014, 0, 0, 2015]);
        let (alive, founded, closed) = counts(&t, None, (2010, 2016));
        // 2010: a; 2011: a; 2012: a b c; 2013: a b c; 2014: a c (b closed); 2015: a c (e opens and
        // closes the same year, never alive); 2016: a c
        assert_eq!(alive, vec![1, 1, 3, 3, 2, 2, 2]);
        assert_eq!(founded, vec![1, 0, 2, 0, 0, 1, 0]);
        assert_eq!(closed, vec![0, 0, 0, 0, 1, 1, 0]);
        // brute force
        for (k, y) in (2010..=2016).enumerate() {
            let n = (0..5).filter(|&i| t.alive(i, y)).count();
            assert_eq!(alive[k], n, "{y}");
        }
        let (a, f, _) = counts(&t, Some(&[1, 2]), (2010, 2016));
        assert_eq!(a, vec![0, 0, 2, 2, 1, 1, 1]);
        assert_eq!(f, vec![0, 0, 2, 0, 0, 0, 0]);
    }

    #[test]
    fn the_did_recovers_a_known_effect_and_finds_none_where_there_is_none() {
        // 200,000 firms founded evenly 2008–2027; a tenth of the city is the zone's area.
        // From 2018 on, new firms in the area are twice as frequent: effect ln 2.
        let mut rng = Rng::new(5);
        let (mut founded, mut within) = (Vec::new(), Vec::new());
        let mut null_within = Vec::new();
        for i in 0..200_000u32 {
            let y = 2008 + (rng.uniform() * 20.0) as i16;
            let r = rng.uniform();
            let boost = if y >= 2018 { 2.0 } else { 1.0 };
            // P(within) ∝ 0.1·boost against 0.9
            if r < 0.1 * boost / (0.1 * boost + 0.9) {
                within.push(i);
            }
            if rng.uniform() < 0.1 {
                null_within.push(i);
            }
            founded.push(y);
        }
        let t = times(&founded, &vec![0; founded.len()]);
        let p = TimeParams::default();
        let city = counts(&t, None, (2008, 2027)).1;
        let d = did(&t, &within, 2018, (2008, 2027), &city, &p).unwrap();
        // standard error ≈ 0.019 here
        assert!(
            (d.estimate - 2f64.ln()).abs() < 0.06,
            "estimate {}",
            d.estimate
        );
        assert!(d.ci_low < 2f64.ln() && d.ci_high > 2f64.ln(), "{d:?}");
        assert!(d.ci_low > 0.5, "the effect is clearly found: {d:?}");
        assert_eq!((d.pre_years, d.post_years), ((2013, 2017), (2018, 2022)));
        let n = did(&t, &null_within, 2018, (2008, 2027), &city, &p).unwrap();
        assert!(
            n.ci_low < 0.0 && n.ci_high > 0.0,
            "no effect, the interval covers 0: {n:?}"
        );
        assert!(n.estimate.abs() < 0.06);
    }

    /// The four counts firm by firm over every firm (the definition, and the code before the
    /// city's counts were used): founded in the window, in `within` or not.
    fn brute_counts(
        t: &FirmTimes,
        within: &[u32],
        pre: (i32, i32),
        post: (i32, i32),
    ) -> [usize; 4] {
        let inside: std::collections::HashSet<u32> = within.iter().copied().collect();
        let mut n = [0usize; 4];
        for (i, f) in t.founded.iter().enumerate() {
            let f = i32::from(*f);
            let w = inside.contains(&(i as u32));
            let (a, b) = (f >= pre.0 && f <= pre.1, f >= post.0 && f <= post.1);
            match (w, a, b) {
                (true, true, _) => n[0] += 1,
                (true, _, true) => n[1] += 1,
                (false, true, _) => n[2] += 1,
                (false, _, true) => n[3] += 1,
                _ => {}
            }
        }
        n
    }

    #[test]
    fn the_rest_of_the_city_from_its_counts_equals_a_pass_over_every_firm() {
        let mut rng = Rng::new(17);
        let n = 30_000;
        // Unknown years (0), years before and after the span.
        let founded: Vec<i16> = (0..n)
            .map(|_| match (rng.uniform() * 10.0) as u32 {
                0 => 0,
                1 => 1990,
                2 => 2040,
                _ => 2005 + (rng.uniform() * 25.0) as i16,
            })
            .collect();
        let t = times(&founded, &vec![0; n]);
        // Members named twice, and indices past the firms.
        let mut within: Vec<u32> = (0..n as u32).filter(|_| rng.uniform() < 0.2).collect();
        within.extend_from_slice(&within.clone()[..500]);
        within.extend([n as u32, n as u32 + 7]);
        let span = (2008, 2027);
        let city = counts(&t, None, span).1;
        let p = TimeParams::default();
        let mut seen = 0;
        for year in [2007, 2008, 2009, 2013, 2018, 2027, 2028, 2030] {
            let Some(d) = did(&t, &within, year, span, &city, &p) else {
                assert!(year <= span.0 || year > span.1, "{year}");
                continue;
            };
            let want = brute_counts(&t, &within, d.pre_years, d.post_years);
            let got = [d.treated_pre, d.treated_post, d.rest_pre, d.rest_post];
            assert_eq!(got, want, "{year}");
            seen += usize::from(want.iter().all(|c| *c > 0));
        }
        assert!(seen >= 4, "most years have firms in every count ({seen})");
    }
}
