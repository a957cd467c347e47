//! How many firms are alive in a year and how many of those are new, from counts by founding
//! year and by (founding, closing) pair, taken once per data set: the time slider's legend asks
//! at every step, and a pass over four million firms per step cost the window's frame 5 ms.

mod dense;

/// Firms counted by founding year, and by (founding, closing) pair for those with both.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct YearCounts {
    /// (founding year, firms), ascending; firms of unknown founding (0) are left out.
    founded: Vec<(i16, usize)>,
    /// ((founding, closing) years, firms), ascending; only firms with both years known.
    closed: Vec<((i16, i16), usize)>,
}

impl YearCounts {
    /// Counts of the firms `0..founded.len()`; a closing year missing from `closed` is 0
    /// (still open), as [`super::FirmTimes::alive`] reads it.
    pub fn new(founded: &[i16], closed: &[i16]) -> Self {
        dense::tally(None, 1, founded, closed)
            .and_then(|mut v| v.pop())
            .unwrap_or_else(|| Self::sorted(founded, closed))
    }

    /// The counts of each class's firms: `class[i]` is firm `i`'s class (`n_classes` and
    /// above: counted in none).
    pub fn by_class(class: &[u8], n_classes: usize, founded: &[i16], closed: &[i16]) -> Vec<Self> {
        if let Some(v) = dense::tally(Some(class), n_classes, founded, closed) {
            return v;
        }
        let mut parts = vec![(Vec::new(), Vec::new()); n_classes];
        for (i, (k, f)) in class.iter().zip(founded).enumerate() {
            if let Some((fs, cs)) = parts.get_mut(usize::from(*k)) {
                fs.push(*f);
                cs.push(closed.get(i).copied().unwrap_or(0));
            }
        }
        parts.iter().map(|(f, c)| Self::sorted(f, c)).collect()
    }

    /// [`Self::new`] by sorting the (founding, closing) pairs: for years spread too wide for
    /// the dense tables (and the oracle the dense tables are tested against).
    fn sorted(founded: &[i16], closed: &[i16]) -> Self {
        let mut by_year = vec![0usize; 1 << 16];
        let mut pairs: Vec<u32> = Vec::new();
        for (i, f) in founded.iter().enumerate() {
            if *f == 0 {
                continue;
            }
            // Offset by 2^15 so that the unsigned order is the years' order.
            let fk = (i32::from(*f) + 32768) as u32;
            by_year[fk as usize] += 1;
            if let Some(c) = closed.get(i).filter(|c| **c != 0) {
                pairs.push((fk << 16) | (i32::from(*c) + 32768) as u32);
            }
        }
        pairs.sort_unstable();
        let year = |k: u32| (k as i32 - 32768) as i16;
        let founded = (0u32..)
            .zip(&by_year)
            .filter(|(_, n)| **n > 0)
            .map(|(k, n)| (year(k), *n))
            .collect();
        let mut closed: Vec<((i16, i16), usize)> = Vec::new();
        for k in pairs {
            let pair = (year(k >> 16), year(k & 0xffff));
            match closed.last_mut() {
                Some((p, n)) if *p == pair => *n += 1,
                _ => closed.push((pair, 1)),
            }
        }
        Self { founded, closed }
    }

    /// (alive in `year`, of them founded in `first_new` or later): alive means founded in or
    /// before `year` and not closed by it (a firm closing in `year` no longer counts).
    pub fn alive_new(&self, year: i32, first_new: i32) -> (usize, usize) {
        let (mut alive, mut new) = (0usize, 0usize);
        for (f, n) in &self.founded {
            let f = i32::from(*f);
            if f <= year {
                alive += n;
                new += if f >= first_new { *n } else { 0 };
            }
        }
        // Founded by then but closed by then (closing before founding included: the register
        // says it is gone either way).
        for ((f, c), n) in &self.closed {
            let (f, c) = (i32::from(*f), i32::from(*c));
            if f <= year && c <= year {
                alive = alive.saturating_sub(*n);
                if f >= first_new {
                    new = new.saturating_sub(*n);
                }
            }
        }
        (alive, new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::FirmTimes;

    /// Firm-by-firm counts with [`FirmTimes::alive`], the definition the counts must keep.
    fn brute(t: &FirmTimes, year: i32, first_new: i32) -> (usize, usize) {
        let alive: Vec<usize> = (0..t.founded.len()).filter(|i| t.alive(*i, year)).collect();
        let new = alive
            .iter()
            .filter(|i| i32::from(t.founded[**i]) >= first_new)
            .count();
        (alive.len(), new)
    }

    #[test]
    fn the_counts_agree_with_firm_by_firm_alive_in_every_year() {
        // Narrow years take the dense tables, wide ones the sort.
        for wide in [false, true] {
            agree_with_brute(wide);
        }
    }

    fn agree_with_brute(wide: bool) {
        let (founded, closed) = random_times(11, 4_000, wide);
        let t = FirmTimes {
            founded,
            closed,
            ..Default::default()
        };
        let counts = YearCounts::new(&t.founded, &t.closed);
        let mut mixed = 0;
        for year in [
            i32::MIN,
            -40_000,
            1999,
            2005,
            2010,
            2016,
            2023,
            2030,
            40_000,
        ] {
            for span in [1, 3, 8] {
                let first_new = year.saturating_sub(span - 1);
                let want = brute(&t, year, first_new);
                assert_eq!(
                    counts.alive_new(year, first_new),
                    want,
                    "{year}, {span}, {wide}"
                );
                mixed += usize::from(want.0 > want.1 && want.1 > 0);
            }
        }
        assert!(mixed >= 12, "most years mix old and new firms ({mixed})");
    }

    /// Random years (`wide`: some at the ends of 16 bits), unknown ones, closings before
    /// foundings, and a shorter closing column.
    fn random_times(seed: u64, n: usize, wide: bool) -> (Vec<i16>, Vec<i16>) {
        let mut rng = crate::model::Rng::new(seed);
        let mut next = || (rng.next_u64() >> 33) as i64;
        let pick = |r: i64| match r % 11 {
            0 => 0,
            1 if wide => i16::MIN,
            2 if wide => i16::MAX,
            _ => 1985 + (r % 41) as i16,
        };
        let founded: Vec<i16> = (0..n).map(|_| pick(next())).collect();
        let closed = (0..n - n / 10)
            .map(|_| if next() % 3 == 0 { pick(next()) } else { 0 })
            .collect();
        (founded, closed)
    }

    #[test]
    fn the_dense_tables_equal_the_sorted_ones_class_by_class() {
        for (seed, n) in [(3, 0), (4, 1), (5, 9), (6, 20_000), (7, 150_000)] {
            let (founded, closed) = random_times(seed, n, false);
            let class: Vec<u8> = (0..n - n / 7).map(|i| (i * 31 % 7) as u8).collect();
            let want: Vec<YearCounts> = (0..6u8)
                .map(|k| {
                    let mine = |v: &[i16]| -> Vec<i16> {
                        class
                            .iter()
                            .zip(0..)
                            .filter(|(c, _)| **c == k)
                            .map(|(_, i)| v.get(i).copied().unwrap_or(0))
                            .collect()
                    };
                    YearCounts::sorted(&mine(&founded), &mine(&closed))
                })
                .collect();
            let got = dense::tally(Some(&class), 6, &founded, &closed);
            assert_eq!(got.as_ref(), Some(&want), "{n} firms");
            if n > 100 {
                assert!(
                    want.iter().all(|c| c.closed.len() > 100),
                    "pairs of years are counted"
                );
            }
            let all = dense::tally(None, 1, &founded, &closed);
            assert_eq!(all, Some(vec![YearCounts::sorted(&founded, &closed)]));
        }
        // Years strewn across 16 bits are left to the sort.
        let (founded, closed) = random_times(8, 1_000, true);
        assert_eq!(dense::tally(None, 1, &founded, &closed), None);
        assert_eq!(
            YearCounts::new(&founded, &closed),
            YearCounts::sorted(&founded, &closed)
        );
    }

    #[test]
    fn each_class_counts_its_own_firms() {
        let founded = [2010, 2012, 0, 2015, 2011, 2016];
        let closed = [0, 2014, 0, 0, 2013];
        let class = [0u8, 1, 1, 0, 9, 1];
        let by = YearCounts::by_class(&class, 2, &founded, &closed);
        assert_eq!(by.len(), 2);
        // 2015: class 0 holds firms 0 (2010, open) and 3 (2015, new); class 1 firm 5 not yet
        // founded, firm 1 closed in 2014, firm 2 unknown; firm 4's class is past the classes.
        assert_eq!(by[0].alive_new(2015, 2014), (2, 1));
        assert_eq!(by[1].alive_new(2015, 2014), (0, 0));
        assert_eq!(by[1].alive_new(2013, 2013), (1, 0));
        assert_eq!(by[1].alive_new(2016, 2016), (1, 1));
    }

    #[test]
    fn no_firms_count_nothing() {
        let c = YearCounts::new(&[], &[5]);
        assert_eq!(c.alive_new(2020, 2020), (0, 0));
        let c = YearCounts::new(&[0, 0], &[]);
        assert_eq!(c.alive_new(2020, 1900), (0, 0));
    }
}
