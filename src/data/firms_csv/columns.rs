//! Which columns of a firm table hold the coordinates, id, name and segment: explicit choices
//! first, then the usual English and Chinese headers (register headers included), then the
//! headers' words.

use super::coord_names::{self, norm};
use crate::data::FirmLoadOptions;
use crate::data::LoadError;
use crate::data::header_words::{self, Role};
use crate::model::SourceCrs;

/// Column positions used for each role.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FirmColumns {
    /// The longitude's column; the same as `lat` when one column holds both (`combined`).
    pub lon: usize,
    pub lat: usize,
    /// One column holds both coordinates ([`split_pair`]): found by its name
    /// ([`PAIR_NAMES`]) or named by the user as both columns.
    pub combined: bool,
    pub id: Option<usize>,
    pub name: Option<usize>,
    pub segment: Option<usize>,
}

/// Columns that hold both coordinates in one value: `lng,lat` as Amap's and Baidu's POI
/// exports write `location`, or WKT `POINT (lon lat)` as QGIS and ArcGIS write a CSV's
/// geometry ([`split_pair`]). Only found by these names: a header that merely mentions
/// both (`注：经度、纬度…`) is not taken for one.
const PAIR_NAMES: &[&str] = &[
    "location",
    "lnglat",
    "lng_lat",
    "lonlat",
    "lon_lat",
    "coordinates",
    "coordinate",
    "coords",
    "经纬度",
    "经纬度坐标",
    "坐标",
    "wkt",
    "geometry",
    "the_geom",
    "geom",
    "wkb_geometry",
];
const ID_NAMES: &[&str] = &[
    "id",
    "firm_id",
    "company_id",
    "企业id",
    "编号",
    "序号",
    "code",
    "统一社会信用代码",
    "credit_code",
    "uscc",
];
const NAME_NAMES: &[&str] = &[
    "name",
    "firm",
    "firm_name",
    "company",
    "company_name",
    "名称",
    "企业名称",
    "公司名称",
    "企业",
    "单位名称",
];
const SEGMENT_NAMES: &[&str] = &[
    "segment",
    "category",
    "industry",
    "sector",
    "类别",
    "细分领域",
    "领域",
    "行业",
    "所属行业",
    "产业链环节",
    "环节",
    "分类",
];

fn find(headers: &[String], exact: &[&str]) -> Option<usize> {
    let normed: Vec<String> = headers.iter().map(|h| norm(h)).collect();
    exact
        .iter()
        .find_map(|e| normed.iter().position(|h| h == e))
}

fn explicit(headers: &[String], name: &str, path: &str) -> Result<usize, LoadError> {
    let wanted = norm(name);
    headers
        .iter()
        .position(|h| norm(h) == wanted)
        .or_else(|| {
            // A 1-based column number is accepted too.
            name.parse::<usize>()
                .ok()
                .filter(|n| *n >= 1 && *n <= headers.len())
                .map(|n| n - 1)
        })
        .ok_or_else(|| LoadError::missing_column(path, name, headers))
}

/// Finds the coordinate, id, name and segment columns, honouring explicit choices.
pub fn detect_columns(
    headers: &[String],
    opts: &FirmLoadOptions,
    path: &str,
) -> Result<FirmColumns, LoadError> {
    let given = |name: &Option<String>| name.as_ref().map(|n| explicit(headers, n, path));
    let given = (
        given(&opts.lon_col).transpose()?,
        given(&opts.lat_col).transpose()?,
    );
    // Columns named as holding both coordinates are not one of two.
    let pairs: Vec<usize> = headers
        .iter()
        .enumerate()
        .filter(|(_, h)| PAIR_NAMES.contains(&norm(h).as_str()))
        .map(|(c, _)| c)
        .collect();
    let (lon, lat) = coord_names::coordinate_columns(headers, opts.crs, given, &pairs);
    // No pair of columns, none named: one column holding both.
    let pair = match given {
        (None, None) => pairs.first().copied(),
        _ => None,
    };
    let (lon, lat) = match (lon, lat, pair) {
        // Two columns, or one the user named as both.
        (Some(lon), Some(lat), _)
            if lon != lat || (opts.lon_col.is_some() && opts.lat_col.is_some()) =>
        {
            (Some(lon), Some(lat))
        }
        (_, _, Some(c)) => (Some(c), Some(c)),
        // One header that merely names both (a note such as `注：经度、纬度为 WGS-84`).
        _ => (None, None),
    };
    let (Some(lon), Some(lat)) = (lon, lat) else {
        return Err(LoadError::no_coordinates(path, headers));
    };
    let [id, name, segment] = attribute_columns(headers, opts, path, [lon, lat])?;
    Ok(FirmColumns {
        lon,
        lat,
        combined: lon == lat,
        id,
        name,
        segment,
    })
}

/// The founding date's column the user named (None: found by its header), or an error
/// naming the header when it is not there.
pub(crate) fn founded_choice(
    headers: &[String],
    opts: &FirmLoadOptions,
    path: &str,
) -> Result<Option<usize>, LoadError> {
    opts.founded_col
        .as_ref()
        .map(|name| explicit(headers, name, path))
        .transpose()
}

/// The id, name and segment columns: the ones the user named, else a header of the exact
/// lists, else the header whose words name the role best ([`header_words`]) among the
/// columns no other role took.
fn attribute_columns(
    headers: &[String],
    opts: &FirmLoadOptions,
    path: &str,
    coords: [usize; 2],
) -> Result<[Option<usize>; 3], LoadError> {
    let roles = [
        (&opts.id_col, ID_NAMES, Role::Id),
        (&opts.name_col, NAME_NAMES, Role::Name),
        (&opts.segment_col, SEGMENT_NAMES, Role::Segment),
    ];
    let mut found = [None; 3];
    for (slot, (given, exact, _)) in found.iter_mut().zip(&roles) {
        *slot = match given {
            Some(name) => Some(explicit(headers, name, path)?),
            None => find(headers, exact),
        };
    }
    let mut taken: Vec<usize> = coords
        .into_iter()
        .chain(found.iter().flatten().copied())
        .collect();
    for (slot, (_, _, role)) in found.iter_mut().zip(&roles) {
        if slot.is_none() {
            *slot = header_words::best(headers, *role, &taken);
            taken.extend(*slot);
        }
    }
    Ok(found)
}

impl FirmColumns {
    /// The row's longitude and latitude text (from a combined column: [`split_pair`]),
    /// given a field getter.
    pub(crate) fn coord_text<'a>(
        &self,
        field: impl Fn(usize) -> Option<&'a str>,
        comma_decimal: bool,
    ) -> (&'a str, &'a str) {
        if self.combined {
            split_pair(field(self.lon).unwrap_or(""), comma_decimal)
        } else {
            (field(self.lon).unwrap_or(""), field(self.lat).unwrap_or(""))
        }
    }

    /// The two numbers read as longitude and latitude, in that order, and whether a
    /// combined column had them latitude first. Hemisphere marks decide (`22.5N 114E`);
    /// without them, [`latitude_first`]. Err (why) when the marks contradict the columns
    /// (`22.5N` in the longitude column) or each other.
    pub(crate) fn in_order(
        &self,
        (a, b): (f64, f64),
        (a_s, b_s): (&str, &str),
    ) -> Result<(f64, f64, bool), String> {
        let lat_first = match super::numbers::marked_order(a_s, b_s)? {
            Some(true) if !self.combined => {
                return Err(format!(
                    "longitude/latitude '{}', '{}': the hemisphere marks say the columns are \
                     swapped (N/S marks a latitude, E/W a longitude); swap the columns or name \
                     them explicitly",
                    a_s.trim(),
                    b_s.trim()
                ));
            }
            Some(marked) => marked,
            None => self.combined && latitude_first(a, b),
        };
        Ok(if lat_first {
            (b, a, true)
        } else {
            (a, b, false)
        })
    }
}

/// Whether a value starts as WKT `POINT` does.
fn is_wkt_point(s: &str) -> bool {
    s.trim_start()
        .get(..5)
        .is_some_and(|h| h.eq_ignore_ascii_case("point"))
}

/// The longitude and latitude text of a value holding both: `lng,lat` (or separated by
/// `;`, `，` or white space; only those two when `comma_decimal`, where a comma is a
/// decimal point), or WKT `POINT (lon lat)` (`POINT Z`, `M`, `ZM` too; numbers after the
/// second are ignored). The parts are slices of `s`. A value that is not two parts gives
/// what it has and an empty latitude, so the row is reported as missing one.
pub(crate) fn split_pair(s: &str, comma_decimal: bool) -> (&str, &str) {
    let mut t = s.trim();
    // EWKT (PostGIS): `SRID=4326;POINT(…)`; the code is the file's system (`wkb::srid_of`).
    if let Some((_, rest)) = super::wkb::srid_prefix(t) {
        t = rest.trim_start();
    }
    if is_wkt_point(t) {
        let rest = t.get(5..).unwrap_or("").trim_start();
        let rest = ["ZM", "Z", "M"]
            .iter()
            .find_map(|m| {
                rest.get(..m.len())
                    .filter(|h| h.eq_ignore_ascii_case(m))
                    .and_then(|_| rest.get(m.len()..))
            })
            .map_or(rest, str::trim_start);
        t = rest
            .strip_prefix('(')
            .and_then(|r| r.trim_end().strip_suffix(')'))
            .unwrap_or(rest)
            .trim();
    }
    if t.is_ascii() {
        split_ascii(t, comma_decimal)
    } else {
        split_chars(t, comma_decimal)
    }
}

/// [`split_pair`]'s cut by chars, for a value with non-ASCII text (`，`, wide spaces).
fn split_chars(t: &str, comma_decimal: bool) -> (&str, &str) {
    let cut =
        |c: char| matches!(c, ';' | '，') || c.is_whitespace() || (c == ',' && !comma_decimal);
    match t.find(cut) {
        Some(at) => {
            let lon = t.get(..at).unwrap_or("");
            let rest = t.get(at..).unwrap_or("").trim_start_matches(cut);
            let lat = rest.find(cut).map_or(rest, |e| rest.get(..e).unwrap_or(""));
            (lon, lat)
        }
        None => (t, ""),
    }
}

/// Whether a byte separates a pair's two numbers: `;`, ASCII white space, or a comma
/// unless `comma_decimal` (the same set as [`split_chars`]' for ASCII text).
fn is_cut(b: u8, comma_decimal: bool) -> bool {
    matches!(b, b';' | b' ' | b'\t'..=b'\r') || (b == b',' && !comma_decimal)
}

/// [`split_pair`]'s cut for an ASCII value (nearly every file), by bytes: the same
/// separators as [`split_chars`] without decoding chars, the numbers found eight bytes at
/// a time (17-digit coordinates are 18 bytes).
fn split_ascii(t: &str, comma_decimal: bool) -> (&str, &str) {
    let bytes = t.as_bytes();
    let Some(at) = first_cut(bytes, comma_decimal) else {
        return (t, "");
    };
    let start = bytes
        .get(at..)
        .and_then(|r| r.iter().position(|b| !is_cut(*b, comma_decimal)))
        .map_or(bytes.len(), |n| at + n);
    let end = bytes
        .get(start..)
        .and_then(|r| first_cut(r, comma_decimal))
        .map_or(bytes.len(), |n| start + n);
    (t.get(..at).unwrap_or(""), t.get(start..end).unwrap_or(""))
}

/// The first [`is_cut`] byte of ASCII text, tested a word at a time. Every byte is below
/// 0x80, so each per-byte sum below stays under 0x100 and no carry crosses into the next
/// byte: the high bit of each byte answers for that byte alone.
fn first_cut(bytes: &[u8], comma_decimal: bool) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // High bit set where the byte equals `c` (`b ^ c` is at most 0x7f).
    let equal = |w: u64, c: u8| !((w ^ (ONES * u64::from(c))) + ONES * 0x7f) & HIGH;
    let (words, tail) = bytes.as_chunks::<8>();
    for (i, word) in words.iter().enumerate() {
        let w = u64::from_le_bytes(*word);
        // `\t`..=`\r` (9..=13): at least 9 and not at least 14.
        let space_like = (w + ONES * (0x80 - 9)) & !(w + ONES * (0x80 - 14)) & HIGH;
        let mut hits = space_like | equal(w, b' ') | equal(w, b';');
        if !comma_decimal {
            hits |= equal(w, b',');
        }
        if hits != 0 {
            return Some(i * 8 + (hits.trailing_zeros() / 8) as usize);
        }
    }
    let base = words.len() * 8;
    tail.iter()
        .position(|b| is_cut(*b, comma_decimal))
        .map(|n| base + n)
}

/// Whether the two numbers of a combined value ([`split_pair`]) are latitude first (as
/// Tencent's exports write them): the first within ±90 and the second not, which only a
/// longitude can be. Values that could be either order (longitudes within ±90, far from
/// China) are read longitude first.
fn latitude_first(a: f64, b: f64) -> bool {
    a.abs() <= 90.0 && b.abs() > 90.0 && b.abs() <= 180.0
}

/// A warning when the coordinate columns' names suggest another system than the one chosen
/// (e.g. `gcj_lng` read as WGS-84): such points land about 500 m off in Shenzhen.
pub(crate) fn crs_hint(lon: &str, lat: &str, chosen: SourceCrs) -> Option<String> {
    let suggested = coord_names::named_crs(&format!("{lon} {lat}"))?;
    (suggested != chosen).then(|| {
        format!(
            "the coordinate columns ({lon}, {lat}) suggest {suggested} but the file was read as {chosen}; \
             if that is wrong, points are about 500 m off: choose the coordinate system {suggested}"
        )
    })
}

/// Most columns read from a file (the rest are left out with a warning): a register has
/// dozens, and every column is carried into the outputs.
pub const MAX_COLUMNS: usize = 10_000;

/// Drops unnamed trailing header columns (Excel exports often end in `,,,,`) and columns past
/// [`MAX_COLUMNS`], with a note saying so.
pub(super) fn trim_header(mut headers: Vec<String>) -> (Vec<String>, Option<String>) {
    let before = headers.len();
    while headers.len() > 1 && headers.last().is_some_and(|h| h.is_empty()) {
        headers.pop();
    }
    let unnamed = before - headers.len();
    let extra = headers.len().saturating_sub(MAX_COLUMNS);
    headers.truncate(MAX_COLUMNS);
    let note = match (unnamed, extra) {
        (0, 0) => None,
        (u, 0) => Some(format!(
            "{u} unnamed columns at the end of the header were ignored"
        )),
        (_, e) => Some(format!(
            "the header has {} columns; only the first {MAX_COLUMNS} are read ({e} left out)",
            before - unnamed
        )),
    };
    (headers, note)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(h: &str) -> Vec<String> {
        h.split(',').map(String::from).collect()
    }

    #[test]
    fn pairs_split_as_their_writers_wrote_them() {
        for (value, want) in [
            ("113.93,22.54", ("113.93", "22.54")),
            (" 113.93, 22.54 ", ("113.93", "22.54")),
            ("113.93;22.54", ("113.93", "22.54")),
            ("113.93，22.54", ("113.93", "22.54")),
            ("113.93 22.54", ("113.93", "22.54")),
            ("POINT (113.93 22.54)", ("113.93", "22.54")),
            ("point(113.93 22.54)", ("113.93", "22.54")),
            ("POINT Z (113.93 22.54 12.5)", ("113.93", "22.54")),
            ("113.93", ("113.93", "")),
            ("", ("", "")),
            (",22.54", ("", "22.54")),
        ] {
            assert_eq!(split_pair(value, false), want, "{value:?}");
        }
        assert_eq!(
            split_pair("113.93\u{3000}22.54", false),
            ("113.93", "22.54")
        );
        // Where a comma is a decimal point (`;` or tab files), only `;` and spaces cut.
        assert_eq!(split_pair("114,05 22,54", true), ("114,05", "22,54"));
        assert_eq!(split_pair("114,05;22,54", true), ("114,05", "22,54"));
        assert_eq!(split_pair("POINT ZM (1 2 3 4)", false), ("1", "2"));
        assert!(latitude_first(22.54, 113.93) && !latitude_first(113.93, 22.54));
        assert!(
            !latitude_first(2.35, 48.85),
            "either order could be right: longitude first"
        );
    }

    /// Oracle: the byte cut of ASCII values equals the char cut on random texts of digits,
    /// separators and letters, in both decimal conventions.
    #[test]
    fn the_ascii_cut_matches_the_char_cut() {
        // Mostly digits, so that cuts also fall past the first eight bytes.
        let digits = b"0123456789".repeat(8);
        let alphabet = [&digits[..], b".,; \t\r\n\x0bxE-"].concat();
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..200_000 {
            let len = (next() % 30) as usize;
            let text: String = (0..len)
                .map(|_| char::from(alphabet[(next() % alphabet.len() as u64) as usize]))
                .collect();
            for comma_decimal in [false, true] {
                assert_eq!(
                    split_ascii(&text, comma_decimal),
                    split_chars(&text, comma_decimal),
                    "{text:?} comma_decimal {comma_decimal}"
                );
            }
        }
    }

    /// Hemisphere marks order a combined column's numbers and check two columns; unmarked
    /// numbers keep the range rule ([`latitude_first`]).
    #[test]
    fn hemisphere_marks_order_the_pair_or_refuse_the_row() {
        let opts = FirmLoadOptions::default();
        let two = detect_columns(&headers("lon,lat"), &opts, "t").unwrap();
        let one = detect_columns(&headers("location"), &opts, "t").unwrap();
        let (a, b) = (22.5, 114.0);
        // A combined column: the marks decide, even where the range rule would not.
        assert_eq!(
            one.in_order((a, b), ("22.5N", "114E")),
            Ok((114.0, 22.5, true))
        );
        assert_eq!(
            one.in_order((2.35, 48.85), ("2.35E", "48.85N")),
            Ok((2.35, 48.85, false))
        );
        assert_eq!(
            one.in_order((48.85, 2.35), ("48.85N", "2.35E")),
            Ok((2.35, 48.85, true))
        );
        assert_eq!(
            one.in_order((a, b), ("22.5", "114")),
            Ok((114.0, 22.5, true))
        );
        // Two columns: marks that agree pass; marks on the wrong column refuse the row.
        assert_eq!(
            two.in_order((b, a), ("114E", "22.5N")),
            Ok((114.0, 22.5, false))
        );
        let err = two.in_order((a, b), ("22.5N", "114.0")).unwrap_err();
        assert!(
            err.contains("'22.5N', '114.0'") && err.contains("swapped"),
            "{err}"
        );
        assert!(two.in_order((b, a), ("114.0", "E22.5")).is_err());
        assert!(two.in_order((b, a), ("114N", "22.5N")).is_err());
    }

    #[test]
    fn a_pair_column_is_used_only_without_two_columns() {
        let opts = FirmLoadOptions::default();
        let c = detect_columns(&headers("id,name,location,type"), &opts, "t").unwrap();
        assert!(c.combined && c.lon == 2);
        let c = detect_columns(&headers("id,经纬度"), &opts, "t").unwrap();
        assert!(c.combined && c.lon == 1);
        // Two columns win over a pair, and a prefix match (`lnglat` starts like `lng`) does
        // not take the pair's column for the longitude alone.
        let c = detect_columns(&headers("geometry,lon,lat"), &opts, "t").unwrap();
        assert_eq!((c.lon, c.lat), (1, 2));
        let c = detect_columns(&headers("lnglat,name"), &opts, "t").unwrap();
        assert!(c.combined && c.lon == 0);
        // A header that merely names both is not a pair column.
        for h in ["注：经度、纬度为 WGS-84", "经纬度说明,备注"] {
            let e = detect_columns(&headers(h), &opts, "t");
            assert!(
                matches!(e, Err(LoadError::NoCoordinateColumns { .. })),
                "{h}"
            );
        }
        // Named by the user: the same column twice is a pair, a half-named pair is not guessed.
        let named = FirmLoadOptions {
            lon_col: Some("pos".into()),
            lat_col: Some("pos".into()),
            ..FirmLoadOptions::default()
        };
        assert!(
            detect_columns(&headers("id,pos"), &named, "t")
                .unwrap()
                .combined
        );
        let half = FirmLoadOptions {
            lon_col: Some("location".into()),
            ..FirmLoadOptions::default()
        };
        assert!(detect_columns(&headers("id,location"), &half, "t").is_err());
    }

    /// `text` converted from GCJ-02 to WGS-84 by `convert`, as UTF-8.
    fn gcj02_to_wgs84(text: &str) -> (String, crate::data::LoadReport) {
        let (out, report) = crate::data::convert_csv(
            text.as_bytes(),
            "in.csv",
            SourceCrs::Gcj02,
            SourceCrs::Wgs84,
            &FirmLoadOptions::default(),
        )
        .unwrap();
        (String::from_utf8(out).unwrap(), report)
    }

    #[test]
    fn a_pair_column_converts_in_its_own_shape_and_order() {
        let text = "id,location\na,\"114.05,22.54\"\nb,POINT (114.05 22.54)\nc,\"22.54,114.05\"\n\
                    d,POINT Z (114.05 22.54 7.5)\ne,\"114.05, 22.54\"\n";
        let (out, report) = gcj02_to_wgs84(text);
        assert_eq!(report.loaded, 5);
        // The oracle: the same point converted on its own.
        let q = crate::crs::convert(
            crate::model::LonLat::new(114.05, 22.54),
            SourceCrs::Gcj02,
            SourceCrs::Wgs84,
        );
        let (x, y) = (format!("{:.8}", q.lon), format!("{:.8}", q.lat));
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines[1], format!("a,\"{x},{y}\""));
        assert_eq!(lines[2], format!("b,POINT ({x} {y})"));
        assert_eq!(lines[3], format!("c,\"{y},{x}\""));
        assert_eq!(lines[4], format!("d,POINT Z ({x} {y} 7.5)"));
        assert_eq!(lines[5], format!("e,\"{x}, {y}\""));
    }

    #[test]
    fn convert_copies_a_title_through_and_numbers_lines_as_the_file() {
        let text = "深圳企业名录（合成）\nname,lng,lat\nA,114.05,22.54\nB,NA,22.5\nC,x,22.5\n";
        let (out, report) = gcj02_to_wgs84(text);
        assert!(
            out.starts_with("深圳企业名录（合成）\nname,lng,lat\nA,114.04"),
            "{out}"
        );
        assert!(out.ends_with("B,NA,22.5\nC,x,22.5\n"), "{out}");
        let skipped: Vec<(Option<u64>, &str)> = report
            .skipped
            .iter()
            .map(|s| (s.line, s.kind.as_str()))
            .collect();
        assert_eq!(skipped, [(Some(4), "missing"), (Some(5), "unparsable")]);
    }
}
