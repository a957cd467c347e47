//! Which headers name a longitude or a latitude, and which two go together: `wgs84_lng`
//! with `wgs84_lat` (not with `gcj02_lat` beside it), `经度(GCJ02)` with `纬度(GCJ02)`, and
//! `经度`/`纬度` before projected `X`/`Y` columns in the same file.

use crate::model::SourceCrs;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Axis {
    Lon,
    Lat,
}

/// Chinese words for a coordinate, found anywhere in a header (`GPS经度`, `X坐标(米)`), with
/// their axis and tier (0: says longitude/latitude; 1: an x/y or east/north coordinate).
const ZH_WORDS: &[(&str, Axis, u8)] = &[
    ("经度", Axis::Lon, 0),
    ("纬度", Axis::Lat, 0),
    ("x坐标", Axis::Lon, 1),
    ("y坐标", Axis::Lat, 1),
    ("横坐标", Axis::Lon, 1),
    ("纵坐标", Axis::Lat, 1),
    ("东坐标", Axis::Lon, 1),
    ("北坐标", Axis::Lat, 1),
];

/// English words for a coordinate, found as a whole word of a header (`wgs84_lng`,
/// `Longitude (deg)`, `point_x`, `x_coord`), with their axis and tier.
const WORDS: &[(&str, Axis, u8)] = &[
    ("longitude", Axis::Lon, 0),
    ("lon", Axis::Lon, 0),
    ("lng", Axis::Lon, 0),
    ("latitude", Axis::Lat, 0),
    ("lat", Axis::Lat, 0),
    ("x", Axis::Lon, 1),
    ("easting", Axis::Lon, 1),
    ("y", Axis::Lat, 1),
    ("northing", Axis::Lat, 1),
];

/// Words that may stand beside `x` or `y` in a coordinate's header (`point_x`, `x_coord`);
/// any other (`name_x`, as pandas' merges suffix columns) means the `x` is not a coordinate.
const XY_CONTEXT: &[&str] = &[
    "",
    "x",
    "y",
    "point",
    "coord",
    "coords",
    "coordinate",
    "pos",
    "position",
    "proj",
    "utm",
    "gk",
    "m",
    "metres",
    "meters",
    "wgs",
    "gcj",
    "bd",
    "cgcs",
];

/// Whether a header's words are only `x`/`y` and [`XY_CONTEXT`] (or carry digits: `wgs84`,
/// `epsg4547`).
fn plain_xy(tokens: &[&str]) -> bool {
    tokens
        .iter()
        .all(|t| XY_CONTEXT.contains(t) || t.bytes().any(|b| b.is_ascii_digit()))
}

/// A header naming one coordinate.
#[derive(Clone, Debug)]
struct Named {
    col: usize,
    axis: Axis,
    tier: u8,
    /// The header with its coordinate word replaced by `*`: the two columns of one pair
    /// share it (`wgs84_*`, `*(gcj02)`, `*`).
    family: String,
    /// How well the system the header names fits the one chosen: 0 the same, 1 none named,
    /// 2 another (`gcj_lng` when reading WGS-84).
    fit: u8,
}

/// A header as the column finders compare it: trimmed, unquoted, lower case, spaces and
/// dashes as underscores.
pub(super) fn norm(h: &str) -> String {
    h.trim()
        .trim_matches('"')
        .to_lowercase()
        .replace([' ', '-'], "_")
}

/// The system a header names (`gcj02_lng`: GCJ-02), if any.
pub(super) fn named_crs(header: &str) -> Option<SourceCrs> {
    let h = header.to_lowercase();
    let has = |keys: &[&str]| keys.iter().any(|k| h.contains(k));
    if has(&["gcj", "amap", "高德", "火星", "腾讯", "tencent"]) {
        Some(SourceCrs::Gcj02)
    } else if has(&["bd09", "bd_", "baidu", "百度"]) {
        Some(SourceCrs::Bd09)
    } else if has(&["wgs", "gps"]) {
        Some(SourceCrs::Wgs84)
    } else {
        None
    }
}

/// The coordinate a normalised header names, if it names exactly one: its axis, tier and
/// family. A header naming both (`lon/lat`, `经度纬度`) names none.
fn coordinate_of(h: &str) -> Option<(Axis, u8, String)> {
    let mut found: Vec<(Axis, u8, std::ops::Range<usize>)> = Vec::new();
    for (word, axis, tier) in ZH_WORDS {
        if let Some(at) = h.find(word) {
            found.push((*axis, *tier, at..at + word.len()));
        }
    }
    let tokens: Vec<&str> = h.split(|c: char| !c.is_alphanumeric()).collect();
    for token in &tokens {
        // The token is a slice of `h`: its offset is where it starts.
        let start = (token.as_ptr() as usize).checked_sub(h.as_ptr() as usize);
        let word = WORDS.iter().find(|(w, ..)| w == token);
        if let (Some((w, axis, tier)), Some(start)) = (word, start)
            && (!matches!(*w, "x" | "y") || plain_xy(&tokens))
        {
            found.push((*axis, *tier, start..start + token.len()));
        }
    }
    if found.is_empty() {
        // `long` alone, and names that start with the word (`lngwgs84`, `lat1`).
        let prefix = if h == "long" {
            Some(("long", Axis::Lon))
        } else {
            [("lon", Axis::Lon), ("lng", Axis::Lon), ("lat", Axis::Lat)]
                .into_iter()
                .find(|(p, _)| h.starts_with(p))
        };
        let (p, axis) = prefix?;
        found.push((axis, 2, 0..p.len()));
    }
    let (axis, tier, range) = found.iter().min_by_key(|f| f.1)?.clone();
    if found.iter().any(|f| f.0 != axis) {
        return None;
    }
    let family = format!(
        "{}*{}",
        h.get(..range.start).unwrap_or(""),
        h.get(range.end..).unwrap_or("")
    );
    Some((axis, tier, family))
}

/// Every header naming one coordinate, skipping `excluded` (columns holding both).
fn named_columns(headers: &[String], crs: SourceCrs, excluded: &[usize]) -> Vec<Named> {
    headers
        .iter()
        .enumerate()
        .filter(|(col, _)| !excluded.contains(col))
        .filter_map(|(col, h)| {
            let (axis, tier, family) = coordinate_of(&norm(h))?;
            let fit = match named_crs(h) {
                Some(c) if c == crs => 0,
                None => 1,
                Some(_) => 2,
            };
            Some(Named {
                col,
                axis,
                tier,
                family,
                fit,
            })
        })
        .collect()
}

/// The longitude and latitude columns: those given, else two of one family (the system
/// chosen before none named before another, then the plainest name, then the first), else
/// the best of each axis on its own. A given column's partner is taken from its family.
pub(super) fn coordinate_columns(
    headers: &[String],
    crs: SourceCrs,
    given: (Option<usize>, Option<usize>),
    excluded: &[usize],
) -> (Option<usize>, Option<usize>) {
    let named = named_columns(headers, crs, excluded);
    let rank = |n: &Named| (n.fit, n.tier, n.col);
    // The best column of an axis (of a family), other than `skip`.
    let best = |axis: Axis, family: Option<&str>, skip: usize| {
        named
            .iter()
            .filter(|n| n.axis == axis && n.col != skip && family.is_none_or(|f| n.family == f))
            .min_by_key(|n| rank(n))
            .map(|n| n.col)
    };
    let family_of = |col: usize| {
        named
            .iter()
            .find(|n| n.col == col)
            .map(|n| n.family.as_str())
    };
    let partner = |col: usize, axis: Axis| {
        family_of(col)
            .and_then(|f| best(axis, Some(f), col))
            .or_else(|| best(axis, None, col))
    };
    match given {
        (Some(lon), Some(lat)) => (Some(lon), Some(lat)),
        (Some(lon), None) => (Some(lon), partner(lon, Axis::Lat)),
        (None, Some(lat)) => (partner(lat, Axis::Lon), Some(lat)),
        (None, None) => {
            let pair = named
                .iter()
                .filter(|lon| lon.axis == Axis::Lon)
                .filter_map(|lon| {
                    let lat = named
                        .iter()
                        .filter(|n| n.axis == Axis::Lat && n.family == lon.family)
                        .min_by_key(|n| rank(n))?;
                    Some((
                        (lon.fit.max(lat.fit), lon.tier.max(lat.tier), lon.col),
                        lon,
                        lat,
                    ))
                })
                .min_by_key(|(key, ..)| *key);
            match pair {
                Some((_, lon, lat)) => (Some(lon.col), Some(lat.col)),
                None => (
                    best(Axis::Lon, None, usize::MAX),
                    best(Axis::Lat, None, usize::MAX),
                ),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pick(h: &str, crs: SourceCrs) -> (Option<usize>, Option<usize>) {
        let headers: Vec<String> = h.split(',').map(String::from).collect();
        coordinate_columns(&headers, crs, (None, None), &[])
    }

    #[test]
    fn names_that_say_which_coordinate() {
        let w = SourceCrs::Wgs84;
        for (h, want) in [
            ("id,wgs84_lng,wgs84_lat", (1, 2)),
            ("id,gcj02_lon,gcj02_lat", (1, 2)),
            ("id,bd09_lng,bd09_lat", (1, 2)),
            ("id,company longitude,company latitude", (1, 2)),
            ("id,Longitude (WGS84),Latitude (WGS84)", (1, 2)),
            ("id,x_coord,y_coord", (1, 2)),
            ("id,POINT_X,POINT_Y", (1, 2)),
            ("id,x (cgcs2000),y (cgcs2000)", (1, 2)),
            ("id,GPS经度,GPS纬度", (1, 2)),
            ("id,X坐标,Y坐标", (1, 2)),
            ("id,lat,lon", (2, 1)),
            ("long,lat", (0, 1)),
            ("lngwgs,latwgs", (0, 1)),
        ] {
            assert_eq!(pick(h, w), (Some(want.0), Some(want.1)), "{h}");
        }
        for h in [
            "id,name",
            "lon/lat,name",
            "经度纬度,备注",
            "id,longevity_note,name_x",
            "id,name_x,name_y",
        ] {
            let (lon, lat) = pick(h, w);
            assert!(lon.is_none() || lat.is_none(), "{h}: {lon:?} {lat:?}");
        }
    }

    #[test]
    fn a_pair_comes_from_one_family_in_the_chosen_system_first() {
        let h = "id,gcj02_lng,gcj02_lat,wgs84_lng,wgs84_lat";
        assert_eq!(pick(h, SourceCrs::Wgs84), (Some(3), Some(4)));
        assert_eq!(pick(h, SourceCrs::Gcj02), (Some(1), Some(2)));
        assert_eq!(pick(h, SourceCrs::Bd09), (Some(1), Some(2)), "first pair");
        // A plain pair before one naming another system.
        let h = "gcj_lng,gcj_lat,lng,lat";
        assert_eq!(pick(h, SourceCrs::Wgs84), (Some(2), Some(3)));
        // Longitude and latitude before projected X/Y.
        assert_eq!(
            pick("id,X,Y,经度,纬度", SourceCrs::Wgs84),
            (Some(3), Some(4))
        );
        // The latitude of the longitude's own family, wherever it stands.
        assert_eq!(
            pick("id,office_lat,home_lng,home_lat", SourceCrs::Wgs84),
            (Some(2), Some(3))
        );
        // No pair of one family: the best of each.
        assert_eq!(pick("lng_a,lat_b", SourceCrs::Wgs84), (Some(0), Some(1)));
    }

    #[test]
    fn a_given_column_takes_its_own_partner() {
        let headers: Vec<String> = "gcj_lng,gcj_lat,wgs_lng,wgs_lat"
            .split(',')
            .map(String::from)
            .collect();
        let w = SourceCrs::Wgs84;
        assert_eq!(
            coordinate_columns(&headers, w, (Some(0), None), &[]),
            (Some(0), Some(1))
        );
        assert_eq!(
            coordinate_columns(&headers, w, (None, Some(3)), &[]),
            (Some(2), Some(3))
        );
        // A latitude column given as the longitude is not also its own partner.
        assert_eq!(
            coordinate_columns(&headers, w, (Some(3), None), &[]),
            (Some(3), Some(1))
        );
        assert_eq!(
            coordinate_columns(&headers, w, (None, None), &[2, 3]),
            (Some(0), Some(1)),
            "excluded columns are not taken"
        );
    }
}
