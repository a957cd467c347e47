//! Which columns of a firm table hold the coordinates, id, name and segment: explicit choices
//! first, then the usual English and Chinese headers (register headers included).

use crate::data::FirmLoadOptions;
use crate::data::LoadError;
use crate::model::SourceCrs;

/// Column positions used for each role.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FirmColumns {
    pub lon: usize,
    pub lat: usize,
    pub id: Option<usize>,
    pub name: Option<usize>,
    pub segment: Option<usize>,
}

const LON_EXACT: &[&str] = &[
    "lon",
    "lng",
    "long",
    "longitude",
    "x",
    "经度",
    "lon_wgs84",
    "lng_wgs84",
    "wgs84_lon",
    "gcj_lng",
    "gcj02_lng",
    "bd_lng",
    "x坐标",
    "东坐标",
    "easting",
    "point_x",
];
const LAT_EXACT: &[&str] = &[
    "lat",
    "latitude",
    "y",
    "纬度",
    "lat_wgs84",
    "wgs84_lat",
    "gcj_lat",
    "gcj02_lat",
    "bd_lat",
    "y坐标",
    "北坐标",
    "northing",
    "point_y",
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

fn norm(h: &str) -> String {
    h.trim()
        .trim_matches('"')
        .to_lowercase()
        .replace([' ', '-'], "_")
}

fn find(headers: &[String], exact: &[&str]) -> Option<usize> {
    let normed: Vec<String> = headers.iter().map(|h| norm(h)).collect();
    exact
        .iter()
        .find_map(|e| normed.iter().position(|h| h == e))
}

fn find_coord(
    headers: &[String],
    exact: &[&str],
    contains_zh: &str,
    prefixes: &[&str],
) -> Option<usize> {
    find(headers, exact).or_else(|| {
        let normed: Vec<String> = headers.iter().map(|h| norm(h)).collect();
        normed
            .iter()
            .position(|h| h.contains(contains_zh))
            .or_else(|| {
                normed
                    .iter()
                    .position(|h| prefixes.iter().any(|p| h.starts_with(p)))
            })
    })
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
        .ok_or_else(|| LoadError::MissingColumn {
            path: path.to_string(),
            column: name.to_string(),
            headers: headers.join(", "),
        })
}

/// Finds the coordinate, id, name and segment columns, honouring explicit choices.
pub fn detect_columns(
    headers: &[String],
    opts: &FirmLoadOptions,
    path: &str,
) -> Result<FirmColumns, LoadError> {
    let pick = |given: &Option<String>, auto: Option<usize>| -> Result<Option<usize>, LoadError> {
        match given {
            Some(name) => explicit(headers, name, path).map(Some),
            None => Ok(auto),
        }
    };
    let lon = pick(
        &opts.lon_col,
        find_coord(headers, LON_EXACT, "经度", &["lon", "lng"]),
    )?;
    let lat = pick(
        &opts.lat_col,
        find_coord(headers, LAT_EXACT, "纬度", &["lat"]),
    )?;
    let (Some(lon), Some(lat)) = (lon, lat) else {
        return Err(LoadError::NoCoordinateColumns {
            path: path.to_string(),
            headers: headers.join(", "),
        });
    };
    Ok(FirmColumns {
        lon,
        lat,
        id: pick(&opts.id_col, find(headers, ID_NAMES))?,
        name: pick(&opts.name_col, find(headers, NAME_NAMES))?,
        segment: pick(&opts.segment_col, find(headers, SEGMENT_NAMES))?,
    })
}

/// A warning when the coordinate columns' names suggest another system than the one chosen
/// (e.g. `gcj_lng` read as WGS-84): such points land about 500 m off in Shenzhen.
pub(crate) fn crs_hint(lon: &str, lat: &str, chosen: SourceCrs) -> Option<String> {
    let names = format!("{lon} {lat}").to_lowercase();
    let suggested = if ["gcj", "amap", "高德", "火星", "腾讯", "tencent"]
        .iter()
        .any(|k| names.contains(k))
    {
        Some(SourceCrs::Gcj02)
    } else if ["bd09", "bd_", "baidu", "百度"]
        .iter()
        .any(|k| names.contains(k))
    {
        Some(SourceCrs::Bd09)
    } else if ["wgs", "gps"].iter().any(|k| names.contains(k)) {
        Some(SourceCrs::Wgs84)
    } else {
        None
    }?;
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
