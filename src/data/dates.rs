//! Founding and closing dates from company registers: the columns are found by their usual
//! headers (成立日期, 注册日期, founded, 注销日期, 吊销日期, closed …) and each value is read as a
//! year from the forms registers and spreadsheets use: ISO and Chinese dates, dates with times,
//! compact `20150302`, Excel serial day numbers and bare years.

use rayon::prelude::*;

use super::LoadReport;
use super::header_words::{self, Role, loose};
use crate::model::{FirmTimes, Firms};

/// Headers of a founding date (compared case-insensitively, spaces and `_` ignored).
const FOUNDED: &[&str] = &[
    "成立日期",
    "成立时间",
    "成立年份",
    "成立年度",
    "注册日期",
    "注册时间",
    "设立日期",
    "founded",
    "foundingdate",
    "founded_year",
    "foundedyear",
    "founding",
    "established",
    "establishdate",
    "estiblishtime",
    "establishtime",
    "dateestablished",
    "incorporationdate",
    "registrationdate",
    "registerdate",
    "startdate",
];
/// Headers of a closing date (deregistered or revoked); the earliest given counts.
const CLOSED: &[&str] = &[
    "注销日期",
    "注销时间",
    "吊销日期",
    "吊销时间",
    "closed",
    "closingdate",
    "closeddate",
    "dissolved",
    "dissolutiondate",
    "deregistrationdate",
    "canceldate",
    "revokedate",
    "enddate",
];

/// Days from 1899-12-30 (Excel's day 0, after its 1900 leap-year bug) to a year.
fn excel_serial_year(days: i64) -> i32 {
    // civil-from-days (Howard Hinnant), with day 0 = 1899-12-30 = -25569 days from 1970-01-01
    let z = days - 25_569 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2)) as i32
}

/// The year of a date as registers write it, or `None` when it is not a date.
///
/// `2015-03-02`, `2015/3/2`, `2015.03.02`, `2015年3月2日`, `2015-03-02 00:00:00`,
/// `2015-03-02T08:00:00Z`, `20150302`, `2015-03`, `2015年`, `2015`, `3/2/2015`,
/// `1-Mar-15`, `Mar 1, 2015` ([`month_name_date`]), Excel serial days such as `42065`
/// (10000–80000, 1927–2119).
pub fn parse_year(s: &str) -> Option<i32> {
    // The common case, a bare four-digit year, without the general machinery.
    if let [a, b, c, d] = *s.as_bytes()
        && [a, b, c, d].iter().all(u8::is_ascii_digit)
    {
        let y = [a, b, c, d]
            .iter()
            .fold(0, |y, x| y * 10 + i32::from(x - b'0'));
        return (1800..=2100).contains(&y).then_some(y);
    }
    if let Some(y) = year_of_iso_date(s.as_bytes()).or_else(|| year_of_short_date(s.as_bytes())) {
        return y;
    }
    // A guarded or padded cell (`="2015-03-02"`): its text, by the shapes above.
    match crate::model::cell_text(s) {
        t if t.len() < s.len() => parse_year(t),
        _ => parse_year_general(s),
    }
}

/// `2015年3月2日`, `2015/3/2` (as Excel writes dates in a Chinese locale), `2015-3-2` or
/// `2015.3.2` (month and day of one or two digits), perhaps followed by a time after `T` or
/// a space, read in place as [`year_of_iso_date`] reads its shape: `Some(answer)` when `s`
/// has exactly one of those shapes, else None (the general reader decides).
fn year_of_short_date(s: &[u8]) -> Option<Option<i32>> {
    // Compared byte by byte: `memcmp` calls for 1–3 bytes cost more than the rest.
    const UNITS: [[&[u8]; 3]; 4] = [
        ["年".as_bytes(), "月".as_bytes(), "日".as_bytes()],
        [b"/", b"/", b""],
        [b"-", b"-", b""],
        [b".", b".", b""],
    ];
    let has_at = |at: usize, unit: &[u8]| (0..unit.len()).all(|i| s.get(at + i) == unit.get(i));
    // Digits at `at` (`min` to `max` of them) then `unit`: the number and what follows.
    let field = |at: usize, min: usize, max: usize, unit: &[u8]| -> Option<(i32, usize)> {
        let (mut v, mut n) = (0, 0);
        while let Some(b) = s.get(at + n).filter(|b| b.is_ascii_digit()) {
            (n < max).then_some(())?;
            (v, n) = (v * 10 + i32::from(b - b'0'), n + 1);
        }
        (n >= min && has_at(at + n, unit)).then_some((v, at + n + unit.len()))
    };
    let [nian, yue, ri] = *UNITS.iter().find(|u| has_at(4, u[0]))?;
    let (y, a) = field(0, 4, 4, nian)?;
    let (m, b) = field(a, 1, 2, yue)?;
    let (d, c) = field(b, 1, 2, ri)?;
    if !matches!(s.get(c), None | Some(b'T' | b' ')) {
        return None;
    }
    let ok = (1..=12).contains(&m) && (1..=31).contains(&d) && (1800..=2100).contains(&y);
    Some(ok.then_some(y))
}

/// The next most common case, `2015-03-02` (or with `/` or `.`), perhaps followed by a time
/// after `T` or a space, read in place: `Some(answer)` when `s` has that shape, else None
/// (the general reader decides).
fn year_of_iso_date(s: &[u8]) -> Option<Option<i32>> {
    let head = s.first_chunk::<10>()?;
    if !matches!(s.get(10), None | Some(b'T' | b' ')) {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i32> {
        let d = head.get(r)?;
        d.iter()
            .all(u8::is_ascii_digit)
            .then(|| d.iter().fold(0, |n, x| n * 10 + i32::from(x - b'0')))
    };
    let sep = |i: usize| matches!(head[i], b'-' | b'/' | b'.');
    if !(sep(4) && sep(7)) {
        return None;
    }
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let ok = (1..=12).contains(&m) && (1..=31).contains(&d) && (1800..=2100).contains(&y);
    Some(ok.then_some(y))
}

/// [`parse_year`] without its fast paths.
fn parse_year_general(s: &str) -> Option<i32> {
    let t = crate::model::cell_text(s).trim_matches('"');
    if t.is_empty() {
        return None;
    }
    let plausible = |y: i64| (1800..=2100).contains(&y).then_some(y as i32);
    if t.bytes().any(|b| b.is_ascii_alphabetic())
        && let Some(y) = month_name_date(t)
    {
        return plausible(y);
    }
    // Dates with a time: keep the date.
    let date = t.split(['T', ' ']).next().unwrap_or(t);
    let digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    if digits(date) {
        return match date.len() {
            4 => plausible(date.parse().ok()?),
            8 => {
                let y: i64 = date[..4].parse().ok()?;
                let m: u32 = date[4..6].parse().ok()?;
                let d: u32 = date[6..].parse().ok()?;
                ((1..=12).contains(&m) && (1..=31).contains(&d)).then_some(())?;
                plausible(y)
            }
            5 => {
                let n: i64 = date.parse().ok()?;
                (10_000..=80_000).contains(&n).then(|| excel_serial_year(n))
            }
            _ => None,
        };
    }
    // Excel serials written as 42065.0 or with a fraction of a day.
    if let Ok(v) = date.parse::<f64>()
        && v.is_finite()
        && (10_000.0..=80_000.0).contains(&v)
    {
        return Some(excel_serial_year(v.floor() as i64));
    }
    let parts: Vec<&str> = date
        .split(['-', '/', '.', '年', '月', '日'])
        .filter(|p| !p.is_empty())
        .collect();
    if parts.is_empty() || parts.len() > 3 || !parts.iter().all(|p| digits(p)) {
        return None;
    }
    let nums: Vec<i64> = parts
        .iter()
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    let ok_md =
        |m: i64, d: Option<i64>| (1..=12).contains(&m) && d.is_none_or(|d| (1..=31).contains(&d));
    match (parts[0].len(), nums.as_slice()) {
        (4, [y]) => plausible(*y),
        (4, [y, m]) if ok_md(*m, None) => plausible(*y),
        (4, [y, m, d]) if ok_md(*m, Some(*d)) => plausible(*y),
        // day-first or month-first with the year last: the year is what is needed
        (1 | 2, [a, b, y])
            if parts[2].len() == 4 && (ok_md(*a, Some(*b)) || ok_md(*b, Some(*a))) =>
        {
            plausible(*y)
        }
        _ => None,
    }
}

/// English month names, matched by their first three letters or more (`Sep`, `Sept`,
/// `September`).
const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// The year of a date with an English month name, as Excel and English-language systems
/// write them: `1-Mar-2015`, `01-Mar-15`, `Mar 1, 2015`, `1 March 2015`, `March 2015`,
/// `2015-Mar-01`, perhaps followed by a time. A two-digit year follows Excel's rule: 00–29
/// are 2000–2029, 30–99 are 1930–1999. None when it is not such a date.
fn month_name_date(t: &str) -> Option<i64> {
    let tokens = t
        .split([' ', '-', '/', '.', ','])
        .filter(|p| !p.is_empty())
        // A time after the date is ignored.
        .take_while(|p| !p.contains(':'));
    let mut month = None;
    let mut numbers: Vec<&str> = Vec::new();
    for token in tokens {
        if token.bytes().all(|b| b.is_ascii_digit()) {
            numbers.push(token);
        } else {
            let lower = token.to_ascii_lowercase();
            let m = MONTHS
                .iter()
                .position(|name| lower.len() >= 3 && name.starts_with(&lower))?;
            if month.replace(m).is_some() {
                return None;
            }
        }
    }
    month?;
    let day_ok = |d: &str| d.len() <= 2 && d.parse::<u32>().is_ok_and(|d| (1..=31).contains(&d));
    let year = |y: &str| -> Option<i64> {
        let n: i64 = y.parse().ok()?;
        match y.len() {
            4 => Some(n),
            2 => Some(if n < 30 { 2000 + n } else { 1900 + n }),
            _ => None,
        }
    };
    match numbers.as_slice() {
        [y] if y.len() == 4 => year(y),
        [y, d] if y.len() == 4 && day_ok(d) => year(y),
        [d, y] if day_ok(d) => year(y),
        _ => None,
    }
}

/// The date columns of a table: the first founding column and every closing column.
#[derive(Clone, Debug, PartialEq)]
pub struct DateColumns {
    pub founded: usize,
    pub closed: Vec<usize>,
}

impl DateColumns {
    /// The columns found by their headers (the founding one `given` by the user, if any),
    /// or None without a founding column.
    pub fn find(headers: &[String], given: Option<usize>) -> Option<Self> {
        let find = |names: &[&str]| -> Vec<usize> {
            headers
                .iter()
                .enumerate()
                .filter(|(_, h)| names.iter().any(|n| loose(n) == loose(h)))
                .map(|(i, _)| i)
                .collect()
        };
        // The exact names first, else the headers' words (`reg_date`, `date founded`).
        let founded = given
            .or_else(|| find(FOUNDED).first().copied())
            .or_else(|| header_words::best(headers, Role::Founded, &[]))?;
        let mut closed = find(CLOSED);
        if closed.is_empty() {
            closed = header_words::all(headers, Role::Closed);
        }
        closed.retain(|c| *c != founded);
        Some(Self { founded, closed })
    }

    /// The highest column index read.
    pub fn last(&self) -> usize {
        self.closed.iter().copied().fold(self.founded, usize::max)
    }

    /// One row's founding year ([`founded_year`]) and earliest closing year (0 = none),
    /// given its fields; the loader calls this while it splits the row.
    pub fn years<'a>(&self, field: impl Fn(usize) -> &'a str) -> (i16, i16) {
        let read = |c: usize| parse_year(field(c)).unwrap_or(0) as i16;
        let closed = self
            .closed
            .iter()
            .map(|&c| read(c))
            .filter(|y| *y != 0)
            .min()
            .unwrap_or(0);
        (founded_year(field(self.founded)), closed)
    }
}

/// A founding value that is there but is not a date, as read by [`founded_year`]: kept apart
/// from 0 (none given) so the load report can count it without the rows' text, which a
/// streamed load has let go of by then.
pub const NOT_A_DATE: i16 = i16::MIN;

/// A founding field's year: 0 when empty or a missing-value marker (`NA`, `#N/A`, `NULL`,
/// 不详…: [`crate::model::is_missing_value`]), [`NOT_A_DATE`] when it is not a date.
pub fn founded_year(raw: &str) -> i16 {
    match parse_year(raw) {
        Some(y) => y as i16,
        None if crate::model::is_missing_value(raw) => 0,
        None => NOT_A_DATE,
    }
}

/// Finds the founding (and closing) columns and reads every row's year in parallel. Notes
/// go into the report: which columns, how many years were read, how many values were not dates
/// (with the first few lines).
pub fn detect_times(
    firms: &Firms,
    given: Option<usize>,
    report: &mut LoadReport,
) -> Option<FirmTimes> {
    let cols = DateColumns::find(&firms.attrs.headers, given)?;
    let attrs = &firms.attrs;
    let read = |raw: &str| parse_year(raw).unwrap_or(0) as i16;
    let founded: Vec<i16> = attrs.map_column(cols.founded, founded_year);
    let mut closed: Vec<i16> = vec![0; firms.len()];
    for &c in &cols.closed {
        // The earliest closing year given.
        for (k, y) in closed.iter_mut().zip(attrs.map_column(c, read)) {
            if y != 0 && (*k == 0 || y < *k) {
                *k = y;
            }
        }
    }
    Some(times_from_years(firms, &cols, founded, closed, report))
}

/// The times from years already read (per row: founding as [`founded_year`] reads it,
/// earliest closing; 0 = none), with the report's notes.
pub fn times_from_years(
    firms: &Firms,
    cols: &DateColumns,
    mut founded: Vec<i16>,
    closed: Vec<i16>,
    report: &mut LoadReport,
) -> FirmTimes {
    let (headers, n) = (&firms.attrs.headers, firms.len());
    let (founded_col, closed_cols) = (cols.founded, &cols.closed);
    // Founding values that are there but are not dates: founded at an unknown time.
    let bad: Vec<usize> = founded
        .par_iter()
        .enumerate()
        .filter(|(_, y)| **y == NOT_A_DATE)
        .map(|(r, _)| r)
        .collect();
    for &r in &bad {
        founded[r] = 0;
    }
    let n_founded = founded.iter().filter(|y| **y != 0).count();
    let closed_names: Vec<&str> = closed_cols.iter().map(|&c| headers[c].as_str()).collect();
    report.notes.push(format!(
        "founding years from column '{}': {n_founded} of {n} firms{}",
        headers[founded_col],
        if closed_names.is_empty() {
            String::new()
        } else {
            format!(
                "; closing years from {} ({} closed)",
                closed_names.join(", "),
                closed.iter().filter(|y| **y != 0).count()
            )
        }
    ));
    if !bad.is_empty() {
        let shown: Vec<String> = bad
            .iter()
            .take(5)
            .map(|&r| {
                let raw = firms.attrs.field_owned(r, founded_col);
                format!("id {} '{raw}'", firms.id(r))
            })
            .collect();
        report.warn(format!(
            "{} founding dates are not dates ({}); those firms count as founded at an unknown time",
            bad.len(),
            shown.join(", ")
        ));
    }
    FirmTimes {
        founded,
        closed,
        founded_col: headers[founded_col].clone(),
        closed_cols: closed_names.iter().map(|s| s.to_string()).collect(),
        counts: Default::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_usual_forms_give_their_year() {
        for (s, y) in [
            ("2015-03-02", 2015),
            ("2015/3/2", 2015),
            ("2015.03.02", 2015),
            ("2015年3月2日", 2015),
            ("2015年03月", 2015),
            ("2015年", 2015),
            ("2015-03-02 00:00:00", 2015),
            ("2015-03-02T08:00:00Z", 2015),
            ("20150302", 2015),
            ("2015-03", 2015),
            ("2015", 2015),
            (" 1998 ", 1998),
            ("3/2/2015", 2015),
            ("28/02/2015", 2015),
            // Excel: 42065 is 2015-03-02; 43101 is 2018-01-01; 43100 is 2017-12-31
            ("42065", 2015),
            ("43101", 2018),
            ("43100", 2017),
            ("43100.5", 2017),
            // English month names (Excel's d-mmm-yy display, reports' prose dates).
            ("1-Mar-2015", 2015),
            ("01-Mar-15", 2015),
            ("1-Mar-98", 1998),
            ("Mar 1, 2015", 2015),
            ("1 March 2015", 2015),
            ("March 2015", 2015),
            ("2015-Mar-01", 2015),
            ("Sept 30, 2001", 2001),
            ("1-Mar-2015 12:30", 2015),
            ("DEC 31 1999", 1999),
            ("OCT 1, 2015", 2015),
        ] {
            assert_eq!(parse_year(s), Some(y), "{s}");
        }
    }

    #[test]
    fn missing_markers_are_no_date_and_other_text_is_not_a_date() {
        for m in ["", "NA", "#N/A", "null", "不详", " - "] {
            assert_eq!(founded_year(m), 0, "{m:?}");
        }
        for v in ["later", "soon", "2015-13-01"] {
            assert_eq!(founded_year(v), NOT_A_DATE, "{v:?}");
        }
        assert_eq!(founded_year("2015-03-02"), 2015);
    }

    #[test]
    fn non_dates_are_refused() {
        for s in [
            "",
            "  ",
            "unknown",
            "不详",
            "2015-13-01",
            "2015-02-40",
            "15-03-02",
            "123",
            "9999",
            "1700",
            "201503",
            "2015-03-02-01",
            "abc2015",
            "2015年13月",
            "Mar",
            "Mar 32, 2015",
            "1-Ma-2015",
            "Mar Apr 2015",
            "Mar 1",
            "1-Mar-2015 extra",
            "Marzo 1 2015",
            "Mar 1, 215",
        ] {
            assert_eq!(parse_year(s), None, "{s}");
        }
    }

    /// The in-place reading of `2015-03-02` shapes against the general reader, on random
    /// strings of date pieces (every separator, range edge and trailing time).
    #[test]
    fn the_iso_date_fast_path_agrees_with_the_general_reader() {
        let mut rng = crate::model::Rng::new(71);
        let pieces = [
            "2015", "1799", "2100", "0000", "-", "/", ".", "01", "12", "13", "00", "31", "32", "9",
            "T08", " 00:00", "年", "x", " ",
        ];
        let mut shaped = 0;
        for _ in 0..50_000 {
            let pick = |rng: &mut crate::model::Rng, from: &[&'static str]| {
                from[(rng.next_u64() % from.len() as u64) as usize]
            };
            let s: String = if rng.next_u64().is_multiple_of(2) {
                // Date-shaped: year, separator, month, separator, day, perhaps a tail.
                let (y, seps) = (
                    ["2015", "1799", "2100", "0000", "20x5"],
                    ["-", "/", ".", "年", "_"],
                );
                let (md, tails) = (
                    ["01", "12", "13", "00", "31", "32", "9"],
                    ["", "", "T08", " 00:00", "x", "0"],
                );
                [
                    pick(&mut rng, &y),
                    pick(&mut rng, &seps),
                    pick(&mut rng, &md),
                    pick(&mut rng, &seps),
                    pick(&mut rng, &md),
                    pick(&mut rng, &tails),
                ]
                .concat()
            } else {
                let n = 1 + rng.next_u64() % 7;
                (0..n).map(|_| pick(&mut rng, &pieces)).collect()
            };
            assert_eq!(parse_year(&s), parse_year_general(&s), "{s:?}");
            shaped += usize::from(year_of_iso_date(s.as_bytes()).is_some());
        }
        assert!(shaped > 2_000, "{shaped}");
    }

    /// The in-place reading of `2015年3月2日`, `2015/3/2` … against the general reader, on
    /// random strings of date pieces: digits of every length around the shape, each unit and
    /// its stand-ins, mixed separators, range edges, and tails (a time, junk, a second 日, a
    /// quote).
    #[test]
    fn the_short_date_fast_path_agrees_with_the_general_reader() {
        let mut rng = crate::model::Rng::new(73);
        let pick = |rng: &mut crate::model::Rng, from: &[&'static str]| {
            from[(rng.next_u64() % from.len() as u64) as usize]
        };
        let years = [
            "2015", "1799", "1800", "2100", "2101", "015", "20155", "0000", "",
        ];
        let units = ["年", "月", "日", "-", "/", ".", "", "年年", "//"];
        let md = [
            "1", "01", "9", "12", "13", "0", "00", "31", "32", "001", "", "x",
        ];
        let tails = ["", "", "", "T08", " 00:00:00", "日", "x", "\"", " ", "0"];
        let forms = [
            ["年", "月", "日"],
            ["/", "/", ""],
            ["-", "-", ""],
            [".", ".", ""],
        ];
        let (mut shaped, mut years_read) = (0, 0);
        for _ in 0..80_000 {
            // Mostly one form's units, sometimes any unit in any place.
            let form = forms[(rng.next_u64() % 4) as usize];
            let mut unit = |k: usize| match rng.next_u64() % 4 {
                0 => pick(&mut rng, &units),
                _ => form[k],
            };
            let (u0, u1, u2) = (unit(0), unit(1), unit(2));
            let (y, m, d) = (
                pick(&mut rng, &years),
                pick(&mut rng, &md),
                pick(&mut rng, &md),
            );
            let s: String = [y, u0, m, u1, d, u2, pick(&mut rng, &tails)].concat();
            let got = parse_year(&s);
            assert_eq!(got, parse_year_general(&s), "{s:?}");
            shaped += usize::from(year_of_short_date(s.as_bytes()).is_some());
            years_read += usize::from(got.is_some());
        }
        assert!(
            shaped > 5_000 && years_read > 3_000,
            "{shaped} {years_read}"
        );
    }

    #[test]
    fn excel_serials_match_the_calendar() {
        // Day 1 of 1900 per Excel is serial 1; serial 25569 is 1970-01-01.
        assert_eq!(excel_serial_year(25_569), 1970);
        assert_eq!(excel_serial_year(36_526), 2000); // 2000-01-01
        assert_eq!(excel_serial_year(36_525), 1999); // 1999-12-31
        assert_eq!(excel_serial_year(45_658), 2025); // 2025-01-01
    }

    #[test]
    fn columns_are_found_by_their_usual_names() {
        let csv = "id,lon,lat,成立日期,注销日期,吊销日期\n\
                   a,114.0,22.5,2015-03-02,,\n\
                   b,114.0,22.5,2012年5月,2019-01-01,2018/6/1\n\
                   c,114.0,22.5,不详,,\n\
                   d,114.0,22.5,2015-13-01,,\n";
        let loaded = crate::data::load_firms_csv_bytes(
            csv.as_bytes(),
            "t.csv",
            &crate::data::FirmLoadOptions::default(),
        )
        .unwrap();
        let mut report = loaded.report.clone();
        let t = detect_times(&loaded.firms, None, &mut report).unwrap();
        assert_eq!(t.founded, vec![2015, 2012, 0, 0]);
        assert_eq!(
            t.closed,
            vec![0, 2018, 0, 0],
            "the earlier of 注销 and 吊销"
        );
        assert_eq!(t.founded_col, "成立日期");
        assert!(
            report
                .warnings
                .iter()
                .any(|w| w.starts_with("1 founding") && w.contains("id d '2015-13-01'")),
            "{:?}",
            report.warnings
        );
        assert!(t.alive(1, 2017) && !t.alive(1, 2018) && !t.alive(1, 2011));
        assert!(
            !t.alive(2, 2020),
            "an unknown founding date is never counted"
        );
    }
}
