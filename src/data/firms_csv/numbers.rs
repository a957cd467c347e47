//! Coordinates read from text: a fast exact path for plain decimals, `str::parse` for the rest.

use decimal::plain_decimal_at;

mod decimal;

/// A coordinate's number: plain decimals inline (every row's case), the rest out of line.
#[inline]
pub(crate) fn parse_number(s: &str, comma_decimal: bool) -> Option<f64> {
    // `114,0575` where a comma may be the decimal mark: the same fast path, no copy.
    match plain_decimal_at(s.as_bytes(), comma_decimal) {
        Some(x) => Some(x),
        None => parse_general(s, comma_decimal),
    }
}

/// Numbers the fast path does not take: white space, exponents, degree marks, angles, and
/// Excel's text guard (`="114.05"`, what registers that guard every cell write).
#[inline(never)]
fn parse_general(s: &str, comma_decimal: bool) -> Option<f64> {
    let cell = crate::model::cell_text(s);
    if cell.len() < s.len()
        && let Some(x) = plain_decimal_at(cell.as_bytes(), comma_decimal)
    {
        return Some(x);
    }
    let s = cell;
    let t = s.trim_end_matches('°');
    let x = if comma_decimal && t.contains(',') && !t.contains('.') {
        t.replace(',', ".").parse().ok()
    } else {
        t.parse().ok()
    };
    x.or_else(|| angle(s.trim()))
}

/// Why a row's coordinates are missing when either holds a missing-value marker (`NA`,
/// `不详` …: [`crate::model::is_missing_value`]), for the loader's and `convert`'s reports.
pub(crate) fn missing_reason(lon_s: &str, lat_s: &str) -> Option<String> {
    let missing = |s| crate::model::is_missing_value(crate::model::cell_text(s));
    (missing(lon_s) || missing(lat_s)).then(|| {
        format!(
            "longitude/latitude '{}', '{}': a value is missing",
            lon_s.trim(),
            lat_s.trim()
        )
    })
}

/// Hemisphere words and letters before or after an angle, whether they make it negative, and
/// whether they mark a latitude (capitals only: `e6` is not six degrees east).
const HEMISPHERES: &[(&str, bool, bool)] = &[
    ("东经", false, false),
    ("北纬", false, true),
    ("西经", true, false),
    ("南纬", true, true),
    ("E", false, false),
    ("N", false, true),
    ("W", true, false),
    ("S", true, true),
];

/// Whether a value's hemisphere word or letter marks it as a latitude (`22.5N`, `南纬22.5`:
/// true) or a longitude (`114E`, `东经114`: false); None without one. Plain numbers answer
/// at their first and last byte.
pub(crate) fn marks_latitude(s: &str) -> Option<bool> {
    let plain = |t: &str| {
        let digit = |b: Option<&u8>| b.is_none_or(|c| c.is_ascii_digit() || *c == b'.');
        digit(t.as_bytes().first()) && digit(t.as_bytes().last())
    };
    // The untrimmed text first: a plain number needs no trim.
    if plain(s) {
        return None;
    }
    let t = s.trim();
    if plain(t) {
        return None;
    }
    HEMISPHERES
        .iter()
        .find(|(word, _, _)| t.starts_with(word) || t.ends_with(word))
        .map(|(_, _, latitude)| *latitude)
}

/// What the hemisphere marks of a row's two coordinate texts (in the file's order) say
/// about that order: `Ok(None)` nothing (no marks), `Ok(Some(false))` longitude first,
/// `Ok(Some(true))` latitude first; Err when both mark the same axis.
pub(crate) fn marked_order(first: &str, second: &str) -> Result<Option<bool>, String> {
    match (marks_latitude(first), marks_latitude(second)) {
        (None, None) => Ok(None),
        (Some(a), Some(b)) if a == b => Err(format!(
            "longitude/latitude '{}', '{}': both are marked as the same axis; one must be a \
             longitude (E/W, 东经/西经) and the other a latitude (N/S, 北纬/南纬)",
            first.trim(),
            second.trim(),
        )),
        (Some(a), _) => Ok(Some(a)),
        (None, Some(b)) => Ok(Some(!b)),
    }
}

/// An angle as surveys and registers write it: degrees, minutes and seconds
/// (`114°03'12.5"`, `114度3分12.5秒`, `22°32.5′`) and/or a hemisphere (`114.0535E`,
/// `东经114°3′12.5″`, `W 73.98`); west and south are negative. Needs a unit mark or a
/// hemisphere; minutes and seconds below 60, whole degrees before minutes. None otherwise.
fn angle(t: &str) -> Option<f64> {
    let mut body = t;
    let mut hemisphere = None;
    for (word, negative, _) in HEMISPHERES {
        if let Some(rest) = body.strip_prefix(word).or_else(|| body.strip_suffix(word)) {
            body = rest.trim();
            hemisphere = Some(*negative);
            break;
        }
    }
    let (negative, body) = match body.strip_prefix('-') {
        Some(rest) => (true, rest.trim_start()),
        None => (false, body),
    };
    // Each number with the unit after it: 0 degrees, 1 minutes, 2 seconds, None not marked.
    let mut parts: Vec<(f64, Option<usize>)> = Vec::new();
    let mut marked = false;
    let mut rest = body;
    while !rest.is_empty() {
        let end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let value: f64 = rest.get(..end)?.parse().ok()?;
        rest = rest.get(end..)?.trim_start();
        let unit = rest.chars().next().and_then(|c| match c {
            '°' | 'º' | '˚' | '度' => Some(0),
            '\'' | '′' | '’' | '分' => Some(1),
            '"' | '″' | '”' | '秒' => Some(2),
            _ => None,
        });
        if let Some(c) = rest.chars().next().filter(|_| unit.is_some()) {
            rest = rest.get(c.len_utf8()..)?.trim_start();
            marked = true;
        }
        parts.push((value, unit));
        if parts.len() > 3 {
            return None;
        }
    }
    if parts.is_empty() || !(marked || hemisphere.is_some()) {
        return None;
    }
    // Units in order (degrees, minutes, seconds); unmarked numbers take the next place.
    let mut dms = [0.0f64; 3];
    let mut next = 0;
    for (value, unit) in parts {
        let place = unit.unwrap_or(next);
        let slot = dms.get_mut(place).filter(|_| place >= next)?;
        *slot = value;
        next = place + 1;
    }
    let [d, m, s] = dms;
    if m >= 60.0 || s >= 60.0 || ((m > 0.0 || s > 0.0) && d.fract() != 0.0) {
        return None;
    }
    let x = d + m / 60.0 + s / 3600.0;
    Some(if negative || hemisphere == Some(true) {
        -x
    } else {
        x
    })
}

#[cfg(test)]
mod tests {
    use super::{marked_order, marks_latitude, parse_number};

    #[test]
    fn hemisphere_marks_name_their_axis() {
        for (text, want) in [
            ("22.5N", Some(true)),
            (" 22°32'S ", Some(true)),
            ("北纬22.5", Some(true)),
            ("南纬22.5", Some(true)),
            ("114E", Some(false)),
            ("W 73.98", Some(false)),
            ("东经114度", Some(false)),
            ("西经73.98", Some(false)),
            ("114.05", None),
            ("-22.5", None),
            ("114°03'", None),
            ("", None),
            ("e6", None),
        ] {
            assert_eq!(marks_latitude(text), want, "{text:?}");
        }
        // Every marked form the parser reads names an axis, and each axis's letter its own.
        assert_eq!(marked_order("114E", "22.5N"), Ok(Some(false)));
        assert_eq!(marked_order("22.5N", "114E"), Ok(Some(true)));
        assert_eq!(marked_order("22.5N", "114.0"), Ok(Some(true)));
        assert_eq!(marked_order("114.0", "22.5N"), Ok(Some(false)));
        assert_eq!(marked_order("114.0", "E114"), Ok(Some(true)));
        assert_eq!(marked_order("114.0", "22.5"), Ok(None));
        assert!(marked_order("22.5N", "22.6S").is_err());
        assert!(marked_order("东经114", "W73").is_err());
    }

    #[test]
    fn angles_in_degrees_minutes_seconds_and_hemispheres() {
        // The oracle: d + m/60 + s/3600 worked by hand.
        let dms = 114.0 + 3.0 / 60.0 + 12.5 / 3600.0;
        for (text, want) in [
            ("114°03'12.5\"E", dms),
            ("114°3′12.5″", dms),
            ("E114°03'12.5\"", dms),
            ("东经114度3分12.5秒", dms),
            ("114° 03' 12.5\" E", dms),
            ("22°32.5'N", 22.0 + 32.5 / 60.0),
            ("22°32.5′S", -(22.0 + 32.5 / 60.0)),
            ("114.0535E", 114.0535),
            ("22.54 N", 22.54),
            ("W 73.98", -73.98),
            ("西经73.98°", -73.98),
            ("-22°30'", -22.5),
        ] {
            let got = parse_number(text, false);
            assert!(
                got.is_some_and(|g| (g - want).abs() < 1e-12),
                "{text}: {got:?}, want {want}"
            );
        }
        for text in [
            "114°60'",      // minutes past 59
            "114°3'61\"",   // seconds past 59
            "114.5°3'",     // fractional degrees before minutes
            "3'114°",       // minutes before degrees
            "114 3 12",     // no mark, no hemisphere
            "114°3'12\"5'", // four numbers
            "E",
            "N/A",
            "114.05X",
            "e6",
        ] {
            assert_eq!(parse_number(text, false), None, "{text}");
        }
    }

    /// With a comma as the decimal mark, a value reads as the same text with a point does
    /// through `str::parse` (the oracle), and anything else as before: random digit strings,
    /// some with a point, a second comma, a sign or a space.
    #[test]
    fn comma_decimals_read_as_their_point_twins() {
        let mut rng = crate::model::Rng::new(54);
        let mut answered = 0;
        for _ in 0..200_000 {
            let len = 1 + (rng.next_u64() % 19) as usize;
            let mut s: String = (0..len)
                .map(|_| char::from(b'0' + (rng.next_u64() % 10) as u8))
                .collect();
            let at = (rng.next_u64() as usize) % (len + 1);
            s.insert(at, ',');
            if rng.next_u64().is_multiple_of(6) {
                let at = rng.next_u64() as usize % s.len();
                s.insert(at, [',', '.', '-', ' '][rng.next_u64() as usize % 4]);
            }
            let twin: Option<f64> = if s.contains('.') {
                s.trim().parse().ok()
            } else {
                s.trim().replace(',', ".").parse().ok()
            };
            let got = parse_number(&s, true);
            answered += usize::from(got.is_some());
            assert_eq!(got.map(f64::to_bits), twin.map(f64::to_bits), "{s}");
        }
        assert!(answered > 100_000, "{answered}");
    }
}
