//! Zones from a GeoJSON FeatureCollection: Polygon, MultiPolygon (holes allowed), Point or
//! null geometry; properties mapped from common English and Chinese names.

use std::collections::HashSet;

use serde_json::{Map, Value};

use super::geometry::{ParsedGeometry, zone_geometry};
use super::header_words::loose;
use super::{LoadError, LoadReport, LoadedZones, ZoneLoadOptions};
use crate::model::{Batch, GeometryQuality, Zone, ZoneGeometry, ZoneStatus};

/// Which properties hold the zone id and names; `None` means "try the common names".
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct ZoneFields {
    pub id: Option<String>,
    pub name: Option<String>,
    pub name_en: Option<String>,
}

/// Property keys, compared without case, spaces, `_` or `-` after an exact match fails
/// (`ZONE_ID`, `Zone Name`, `NAME_ZH`); the last ones are the pinyin initials Chinese GIS
/// tables use (`BH` 编号, `DM` 代码, `MC` 名称, `YWMC` 英文名称, `QX` 区县).
const ID_KEYS: &[&str] = &[
    "id",
    "ID",
    "Id",
    "zone_id",
    "ZONE_ID",
    "code",
    "编号",
    "代码",
    "zone_code",
    "park_id",
    "bh",
    "dm",
];
const NAME_ZH_KEYS: &[&str] = &[
    "name_zh",
    "名称",
    "集聚区名称",
    "园区名称",
    "zone_name",
    "name",
    "NAME",
    "Name",
    "park_name",
    "区域名称",
    "mc",
    "jjqmc",
];
const NAME_EN_KEYS: &[&str] = &[
    "name_en",
    "NAME_EN",
    "english_name",
    "name_english",
    "英文名称",
    "ywmc",
];
const DISTRICT_KEYS: &[&str] = &[
    "district_zh",
    "district",
    "所在区",
    "行政区",
    "区",
    "district_name",
    "qx",
    "qxmc",
];
const AREA_KEYS: &[&str] = &["area_km2", "面积", "面积_km2", "规划面积"];

/// Parses GeoJSON text into zones. Hard errors only for unreadable JSON or a file with no
/// usable features; bad features are skipped and reported.
///
/// ```
/// use cluster_atlas::data::{load_zones_str, ZoneLoadOptions};
/// let text = r#"{"type":"FeatureCollection","features":[
///   {"type":"Feature","properties":{"id":"A","名称":"甲区"},
///    "geometry":{"type":"Polygon","coordinates":[[[114,22.5],[114.01,22.5],[114.01,22.51],[114,22.5]]]}},
///   {"type":"Feature","properties":{"id":"B"},"geometry":{"type":"LineString","coordinates":[[114,22],[115,23]]}}]}"#;
/// let z = load_zones_str(text, "zones.geojson", &ZoneLoadOptions::default()).unwrap();
/// assert_eq!(z.zones.len(), 1);
/// assert_eq!(z.zones[0].name_zh.as_deref(), Some("甲区"));
/// assert_eq!(z.report.skipped_count, 1);
/// ```
pub fn load_zones_str(
    text: &str,
    path: &str,
    opts: &ZoneLoadOptions,
) -> Result<LoadedZones, LoadError> {
    let (features, file_crs) = feature_values(text, path)?;
    let reader = super::reader_for(file_crs, opts.crs, path)?;
    let mut report = LoadReport::new(path, opts.crs);
    report.crs_used = Some(reader.label());
    report.read = features.len();
    let mut zones = Vec::with_capacity(features.len());
    let mut seen_ids = HashSet::new();
    let mut projected_example = None;

    for (i, v) in features.into_iter().enumerate() {
        let feature: geojson::Feature = match serde_json::from_value(v) {
            Ok(f) => f,
            Err(e) => {
                report.skip_feature(
                    i,
                    "bad_feature",
                    format!("not a valid GeoJSON feature ({e})"),
                );
                continue;
            }
        };
        let props = feature.properties.clone().unwrap_or_default();
        let (geometry, quality_default) = match &feature.geometry {
            None => (ZoneGeometry::None, GeometryQuality::None),
            Some(g) => match zone_geometry(&g.value, &reader) {
                Ok(ParsedGeometry::Point(p)) => {
                    (ZoneGeometry::Point(p), GeometryQuality::ApproximatePoint)
                }
                Ok(ParsedGeometry::Area(mp)) => (ZoneGeometry::Area(mp), GeometryQuality::Provided),
                Err(problem) => {
                    if problem.kind == "projected" && projected_example.is_none() {
                        projected_example = Some(problem.message.clone());
                    }
                    let label = feature_label(&feature, &props, &opts.fields);
                    report.skip_feature(i, problem.kind, format!("{label}: {}", problem.message));
                    continue;
                }
            },
        };
        let mut zone = zone_from_properties(&feature, props, &opts.fields, i, &mut report);
        zone.quality = match zone
            .properties
            .get("geometry_quality")
            .and_then(Value::as_str)
        {
            Some(q) => match GeometryQuality::parse(q) {
                Some(q) if (q == GeometryQuality::None) == geometry.is_none() => q,
                _ => {
                    report.warn(format!(
                        "feature {i} ({}): geometry_quality '{q}' does not fit its geometry; using {}",
                        zone.id,
                        quality_default.as_str()
                    ));
                    quality_default
                }
            },
            None => quality_default,
        };
        if matches!(geometry, ZoneGeometry::Point(_)) && zone.quality.is_authoritative() {
            zone.quality = GeometryQuality::ApproximatePoint;
        }
        zone.geometry = geometry;
        if zone.status.is_none() {
            zone.status = Some(
                if zone.has_geometry() || zone.name_zh.is_some() || zone.name_en.is_some() {
                    ZoneStatus::Identified
                } else {
                    ZoneStatus::Unidentified
                },
            );
        }
        if !seen_ids.insert(zone.id.clone()) {
            let new_id = format!("{}#{}", zone.id, i + 1);
            report.warn(format!(
                "feature {i}: id '{}' is used twice; this one is renamed '{new_id}'",
                zone.id
            ));
            zone.id = new_id;
            seen_ids.insert(zone.id.clone());
        }
        zones.push(zone);
    }
    report.loaded = zones.len();
    if zones.is_empty() {
        if let Some(example) = projected_example {
            return Err(LoadError::projected(path, example));
        }
        return Err(LoadError::NoUsableRows {
            path: path.to_string(),
            reasons: if report.skipped.is_empty() {
                "the collection has no features".into()
            } else {
                report.first_reasons(3)
            },
        });
    }
    if projected_example.is_some() {
        report.warn("some features have projected (metre) coordinates and were skipped; reproject them to WGS-84");
    }
    Ok(LoadedZones { zones, report })
}

/// The top-level JSON as a list of feature values (a single Feature or bare geometry counts as
/// one feature).
/// The features of a GeoJSON text, with the EPSG code its legacy `"crs"` member names.
pub(super) fn feature_values(
    text: &str,
    path: &str,
) -> Result<(Vec<Value>, Option<u32>), LoadError> {
    let (features, crs) = feature_values_inner(text, path)?;
    Ok((features, crs))
}

/// The EPSG code of a GeoJSON `crs` member (`{"properties": {"name": "urn:…:4490"}}`).
pub(super) fn named_crs(crs: Option<&Value>) -> Option<u32> {
    crs.and_then(|c| c.get("properties"))
        .and_then(|p| p.get("name"))
        .and_then(Value::as_str)
        .and_then(crate::crs::code_from_urn)
}

fn feature_values_inner(text: &str, path: &str) -> Result<(Vec<Value>, Option<u32>), LoadError> {
    if text.trim().is_empty() {
        return Err(LoadError::Empty {
            path: path.to_string(),
        });
    }
    let root: Value = serde_json::from_str(text).map_err(|e| LoadError::json(path, &e))?;
    let Value::Object(mut obj) = root else {
        return Err(LoadError::Format {
            path: path.to_string(),
            message: "expected a GeoJSON object ({\"type\": \"FeatureCollection\", ...})".into(),
        });
    };
    let kind = obj
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let crs = named_crs(obj.get("crs"));
    let features = match kind.as_str() {
        "FeatureCollection" => match obj.remove("features") {
            Some(Value::Array(a)) => Ok(a),
            _ => Err(LoadError::Format {
                path: path.to_string(),
                message: "FeatureCollection has no \"features\" array".into(),
            }),
        },
        "Feature" => Ok(vec![Value::Object(obj)]),
        "Point" | "MultiPoint" | "Polygon" | "MultiPolygon" | "LineString" | "MultiLineString"
        | "GeometryCollection" => {
            let mut f = Map::new();
            f.insert("type".into(), Value::String("Feature".into()));
            f.insert("properties".into(), Value::Object(Map::new()));
            f.insert("geometry".into(), Value::Object(obj));
            Ok(vec![Value::Object(f)])
        }
        "" => Err(LoadError::Format {
            path: path.to_string(),
            message: "JSON has no GeoJSON \"type\"; expected a FeatureCollection".into(),
        }),
        other => Err(LoadError::Format {
            path: path.to_string(),
            message: format!(
                "GeoJSON type '{other}' is not supported; expected a FeatureCollection"
            ),
        }),
    }?;
    Ok((features, crs))
}

fn feature_label(f: &geojson::Feature, props: &Map<String, Value>, fields: &ZoneFields) -> String {
    pick_string(props, fields.id.as_deref(), ID_KEYS)
        .or_else(|| f.id.as_ref().map(id_string))
        .map(|id| format!("zone '{id}'"))
        .unwrap_or_else(|| "zone".into())
}

fn id_string(id: &geojson::feature::Id) -> String {
    match id {
        geojson::feature::Id::String(s) => s.clone(),
        geojson::feature::Id::Number(n) => n.to_string(),
    }
}

/// A property as text (strings as-is, numbers formatted), trying `explicit` first.
fn pick_string(
    props: &Map<String, Value>,
    explicit: Option<&str>,
    keys: &[&str],
) -> Option<String> {
    let get = |k: &str| match props.get(k) {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    let by_loose_key = |wanted: &[&str]| {
        wanted.iter().find_map(|w| {
            let w = loose(w);
            props.keys().find(|k| loose(k) == w).and_then(|k| get(k))
        })
    };
    match explicit {
        Some(k) => get(k).or_else(|| by_loose_key(&[k])),
        None => keys
            .iter()
            .find_map(|k| get(k))
            .or_else(|| by_loose_key(keys)),
    }
}

fn string_list(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|x| x.as_str().map(|s| s.trim().to_string()))
            .filter(|s| !s.is_empty())
            .collect(),
        Some(Value::String(s)) => s
            .split(['、', ';', '；', ',', '，', '|'])
            .map(|x| x.trim().to_string())
            .filter(|x| !x.is_empty())
            .collect(),
        _ => Vec::new(),
    }
}

fn number(v: Option<&Value>) -> Option<f64> {
    match v {
        Some(Value::Number(n)) => n.as_f64(),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    }
    .filter(|x: &f64| x.is_finite())
}

fn has_cjk(s: &str) -> bool {
    s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

fn zone_from_properties(
    f: &geojson::Feature,
    props: Map<String, Value>,
    fields: &ZoneFields,
    index: usize,
    report: &mut LoadReport,
) -> Zone {
    let id = pick_string(&props, fields.id.as_deref(), ID_KEYS)
        .or_else(|| f.id.as_ref().map(id_string))
        .unwrap_or_else(|| {
            let id = format!("F{:02}", index + 1);
            report.warn(format!("feature {index}: no id property; called it '{id}'"));
            id
        });
    let mut name_zh = pick_string(&props, fields.name.as_deref(), NAME_ZH_KEYS);
    let mut name_en = pick_string(&props, fields.name_en.as_deref(), NAME_EN_KEYS);
    // A single "name" column may hold English text.
    if name_en.is_none() && name_zh.as_deref().is_some_and(|n| !has_cjk(n)) {
        name_en = name_zh.take();
    }
    let batch = match props.get("batch") {
        Some(Value::Number(n)) => n.as_i64().and_then(Batch::from_number),
        Some(Value::String(s)) => {
            let s = s.trim();
            if s == "1"
                || s.contains("未来")
                || s.contains("2017")
                || s.eq_ignore_ascii_case("future")
            {
                Some(Batch::Future2017)
            } else if s == "2"
                || s.contains("新兴")
                || s.contains("2018")
                || s.eq_ignore_ascii_case("emerging")
            {
                Some(Batch::Emerging2018)
            } else {
                None
            }
        }
        _ => None,
    };
    let year = number(props.get("year")).map(|y| y as i32);
    let district_zh = pick_string(&props, None, DISTRICT_KEYS);
    let area_km2 = AREA_KEYS
        .iter()
        .find_map(|k| number(props.get(*k)))
        .filter(|a| *a > 0.0);
    let status = props
        .get("status")
        .and_then(Value::as_str)
        .and_then(ZoneStatus::parse);
    Zone {
        id,
        name_zh,
        name_en,
        status,
        batch,
        year,
        district_zh,
        focus_zh: string_list(
            props
                .get("focus_zh")
                .or(props.get("focus"))
                .or(props.get("主导产业")),
        ),
        focus_en: string_list(props.get("focus_en")),
        area_km2,
        geometry: ZoneGeometry::None,
        quality: GeometryQuality::None,
        sources: string_list(props.get("sources").or(props.get("source"))),
        properties: props,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::SourceCrs;

    fn load(text: &str) -> Result<LoadedZones, LoadError> {
        load_zones_str(text, "t.geojson", &ZoneLoadOptions::default())
    }

    #[test]
    fn multipolygon_with_hole_and_null_geometry() {
        let t = r#"{"type":"FeatureCollection","features":[
          {"type":"Feature","id":7,"properties":{"name":"Ring Park"},"geometry":{"type":"MultiPolygon","coordinates":[
            [[[114,22],[114.1,22],[114.1,22.1],[114,22.1],[114,22]],[[114.04,22.04],[114.06,22.04],[114.06,22.06],[114.04,22.06],[114.04,22.04]]],
            [[[114.2,22],[114.3,22],[114.3,22.1]]]]}},
          {"type":"Feature","properties":{"id":"Z9","status":"unidentified"},"geometry":null}]}"#;
        let z = load(t).unwrap();
        assert_eq!(z.zones.len(), 2);
        assert_eq!(z.zones[0].id, "7");
        assert_eq!(z.zones[0].name_en.as_deref(), Some("Ring Park"));
        let ZoneGeometry::Area(mp) = &z.zones[0].geometry else {
            panic!()
        };
        assert_eq!(mp.0.len(), 2);
        assert_eq!(mp.0[0].interiors().len(), 1);
        // The unclosed ring of the second polygon was closed.
        assert_eq!(mp.0[1].exterior().0.len(), 4);
        assert_eq!(z.zones[1].quality, GeometryQuality::None);
        assert_eq!(z.zones[1].status, Some(ZoneStatus::Unidentified));
    }

    /// Keys as shapefile and Chinese GIS tables write them: upper case, other spellings,
    /// pinyin initials. The oracle: the same features with the exact keys.
    #[test]
    fn property_keys_match_loosely_and_by_pinyin_initials() {
        let feature = |props: &str| {
            format!(
                r#"{{"type":"FeatureCollection","features":[{{"type":"Feature","properties":{props},
                "geometry":{{"type":"Point","coordinates":[114.05,22.54]}}}}]}}"#
            )
        };
        let exact = load(&feature(
            r#"{"id":"Z03","name_zh":"龙华高新区","name_en":"Longhua","district":"龙华区"}"#,
        ))
        .unwrap();
        for props in [
            r#"{"ZONE_ID":"Z03","NAME_ZH":"龙华高新区","Name_EN":"Longhua","DISTRICT":"龙华区"}"#,
            r#"{"Zone Id":"Z03","Zone Name":"龙华高新区","English Name":"Longhua","District Name":"龙华区"}"#,
            r#"{"BH":"Z03","MC":"龙华高新区","YWMC":"Longhua","QXMC":"龙华区"}"#,
        ] {
            let z = load(&feature(props)).unwrap();
            let (a, b) = (&z.zones[0], &exact.zones[0]);
            assert_eq!(
                (&a.id, &a.name_zh, &a.name_en, &a.district_zh),
                (&b.id, &b.name_zh, &b.name_en, &b.district_zh),
                "{props}"
            );
        }
        assert_eq!(exact.zones[0].id, "Z03");
        assert_eq!(exact.zones[0].district_zh.as_deref(), Some("龙华区"));
    }

    #[test]
    fn projected_file_is_rejected_with_a_clear_message() {
        let t = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"A"},
           "geometry":{"type":"Point","coordinates":[500123.5,2495000.0]}}]}"#;
        let e = load(t).unwrap_err();
        let m = e.to_string();
        assert!(m.contains("projected") && m.ends_with("t.geojson"), "{m}");
    }

    #[test]
    fn broken_json_names_line_and_column() {
        let e = load("{\"type\": \"FeatureCollection\",\n \"features\": [ {,] }").unwrap_err();
        match e {
            LoadError::Json { line, .. } => assert_eq!(line, 2),
            other => panic!("{other}"),
        }
    }

    #[test]
    fn empty_and_wrong_type() {
        assert!(matches!(load("  "), Err(LoadError::Empty { .. })));
        assert!(matches!(load("[1,2]"), Err(LoadError::Format { .. })));
        assert!(matches!(
            load(r#"{"type":"FeatureCollection","features":[]}"#),
            Err(LoadError::NoUsableRows { .. })
        ));
    }

    #[test]
    fn bad_features_are_skipped_and_the_rest_loads() {
        let t = r#"{"type":"FeatureCollection","features":[
          {"type":"Feature","properties":{"id":"A"},"geometry":{"type":"Point","coordinates":[114.0,22.5]}},
          {"type":"Feature","properties":{"id":"B"},"geometry":{"type":"Polygon","coordinates":[[[114,22],[114.1,22]]]}},
          {"type":"Feature","properties":{"id":"C"},"geometry":{"type":"Point","coordinates":["x",1]}},
          {"type":"Feature","properties":{"id":"A"},"geometry":{"type":"Point","coordinates":[114.1,22.6]}},
          {"type":"Feature","properties":{"id":"D"},"geometry":{"type":"Point","coordinates":[22.6,114.1]}}]}"#;
        let z = load(t).unwrap();
        assert_eq!(z.zones.len(), 2);
        assert_eq!(z.zones[1].id, "A#4");
        assert_eq!(z.report.skipped_count, 3);
        assert_eq!(z.report.skipped_by_kind.get("swapped"), Some(&1));
        assert!(
            z.report
                .skipped
                .iter()
                .any(|s| s.feature == Some(1) && s.reason.contains("zone 'B'"))
        );
    }

    #[test]
    fn gcj_zone_file_is_shifted_back() {
        let t = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"A"},
           "geometry":{"type":"Point","coordinates":[114.0626,22.5402]}}]}"#;
        let opts = ZoneLoadOptions {
            crs: SourceCrs::Gcj02,
            ..Default::default()
        };
        let z = load_zones_str(t, "t", &opts).unwrap();
        let ZoneGeometry::Point(p) = z.zones[0].geometry else {
            panic!()
        };
        assert!((p.lon - 114.0626).abs() > 0.003);
    }
}
