//! Firms from a GeoJSON FeatureCollection of Points; properties become columns.

use serde_json::Value;

use super::firms_csv::{detect_columns, finish_firms};
use super::geometry::point;
use super::zones_geojson::{feature_values, named_crs};
use super::{FirmLoadOptions, LoadError, LoadReport, LoadedFirms};
use crate::model::{AttrTable, Firms};

fn prop_text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Loads Point features as firms. Other geometry types are skipped and reported.
///
/// ```
/// use cluster_atlas::data::{load_firms_geojson_str, FirmLoadOptions};
/// let t = r#"{"type":"FeatureCollection","features":[
///  {"type":"Feature","properties":{"name":"示例企业","segment":"hardware"},"geometry":{"type":"Point","coordinates":[114.05,22.54]}}]}"#;
/// let f = load_firms_geojson_str(t, "f.geojson", &FirmLoadOptions::default()).unwrap();
/// assert_eq!(f.firms.segment_name(0), "hardware");
/// ```
pub fn load_firms_geojson_str(
    text: &str,
    path: &str,
    opts: &FirmLoadOptions,
) -> Result<LoadedFirms, LoadError> {
    let (features, file_crs) = parsed_features(text, path)?;
    let reader = super::reader_for(file_crs, opts.crs, path)?;
    let mut report = LoadReport::new(path, opts.crs);
    report.crs_used = Some(reader.label());
    report.read = features.len();

    // Columns: "id" (from the feature id when present), then every property key in first-seen
    // order, then the coordinates as lon/lat.
    let mut headers: Vec<String> = vec!["id".into()];
    for f in &features {
        let props = match f {
            Parsed::Good(f) => f.properties.as_ref(),
            Parsed::Bad(v, _) => v.as_ref().and_then(|v| v.get("properties")?.as_object()),
        };
        for k in props.into_iter().flat_map(|p| p.keys()) {
            if !headers.iter().any(|h| h == k) {
                headers.push(k.clone());
            }
        }
    }
    let has_lon = headers.iter().any(|h| h == "lon");
    let has_lat = headers.iter().any(|h| h == "lat");
    let lon_name = if has_lon { "geom_lon" } else { "lon" }.to_string();
    let lat_name = if has_lat { "geom_lat" } else { "lat" }.to_string();
    headers.push(lon_name.clone());
    headers.push(lat_name.clone());
    let n_cols = headers.len();

    // Role detection reuses the CSV rules, pointed at the geometry columns.
    let role_opts = FirmLoadOptions {
        lon_col: Some(lon_name),
        lat_col: Some(lat_name),
        ..opts.clone()
    };
    let cols = detect_columns(&headers, &role_opts, path)?;
    for (role, c) in [
        ("id", cols.id),
        ("name", cols.name),
        ("segment", cols.segment),
    ] {
        if let Some(c) = c {
            report.columns.insert(role.to_string(), headers[c].clone());
        }
    }
    let mut attrs = AttrTable::with_capacity(headers.clone(), features.len(), text.len() / 2);
    let mut firms = Firms {
        id_col: cols.id,
        name_col: cols.name,
        segment_col: cols.segment,
        ..Default::default()
    };
    let mut row = vec![String::new(); n_cols];
    for (i, parsed) in features.into_iter().enumerate() {
        let feature = match parsed {
            Parsed::Good(f) => f,
            Parsed::Bad(_, e) => {
                report.skip_feature(
                    i,
                    "bad_feature",
                    format!("not a valid GeoJSON feature ({e})"),
                );
                continue;
            }
        };
        let Some(geom) = &feature.geometry else {
            report.skip_feature(i, "no_geometry", "feature has no geometry".into());
            continue;
        };
        let geojson::GeometryValue::Point { coordinates } = &geom.value else {
            report.skip_feature(
                i,
                "wrong_geometry_type",
                format!(
                    "{} is not a Point; firms must be points",
                    super::geometry::type_name(&geom.value)
                ),
            );
            continue;
        };
        let ll = match point(coordinates, &reader) {
            Ok(p) => p,
            Err(p) => {
                report.skip_feature(i, p.kind, p.message);
                continue;
            }
        };
        for cell in row.iter_mut() {
            cell.clear();
        }
        if let Some(id) = &feature.id {
            row[0] = match id {
                geojson::feature::Id::String(s) => s.clone(),
                geojson::feature::Id::Number(n) => n.to_string(),
            };
        }
        if let Some(props) = &feature.properties {
            for (k, val) in props {
                if let Some(c) = headers.iter().position(|h| h == k) {
                    row[c] = prop_text(val);
                }
            }
        }
        let raw = coordinates.as_slice();
        row[n_cols - 2] = raw.first().map(|x| x.to_string()).unwrap_or_default();
        row[n_cols - 1] = raw.get(1).map(|x| x.to_string()).unwrap_or_default();
        firms.lonlat.push(ll);
        let seg = cols.segment.map(|c| row[c].as_str()).unwrap_or("");
        firms
            .segment
            .push(Firms::intern_segment(&mut firms.segments, seg));
        attrs.push_row(row.iter().map(String::as_str));
    }
    firms.attrs = attrs;
    finish_firms(firms, report, opts, path, None)
}

/// A feature read from the file: a GeoJSON feature, or why it is not one (with its JSON,
/// whose property names still become columns).
// (Nearly every feature is good: boxing the large variant would only add an allocation each.)
#[allow(clippy::large_enum_variant)]
#[derive(Debug, PartialEq)]
enum Parsed {
    Good(geojson::Feature),
    Bad(Option<Value>, String),
}

impl Parsed {
    /// A feature's JSON read as a GeoJSON feature.
    fn of_value(v: Value) -> Self {
        match serde_json::from_value::<geojson::Feature>(v.clone()) {
            Ok(f) => Parsed::Good(f),
            Err(e) => Parsed::Bad(Some(v), e.to_string()),
        }
    }

    /// A feature's text read as a GeoJSON feature: straight into one (no JSON tree between),
    /// and only when that fails through the tree, for the same answer and message as
    /// [`Self::of_value`] (a message without a position inside the feature).
    fn of_text(raw: &str) -> Self {
        match serde_json::from_str::<geojson::Feature>(raw) {
            Ok(f) => Parsed::Good(f),
            Err(e) => match serde_json::from_str::<Value>(raw) {
                Ok(v) => Self::of_value(v),
                Err(_) => Parsed::Bad(None, e.to_string()),
            },
        }
    }
}

/// A FeatureCollection as the file holds it: where each feature's text lies.
#[derive(serde::Deserialize)]
struct Collection<'a> {
    #[serde(rename = "type")]
    kind: Option<String>,
    #[serde(borrow)]
    features: Option<Vec<&'a serde_json::value::RawValue>>,
    crs: Option<Value>,
}

/// The features of the file and the EPSG code its `crs` names. A FeatureCollection is scanned
/// once for where each feature's text lies, and the features are read on all threads (a
/// 100,000-firm file: 0.48 s as one JSON tree); anything else is read as before, so its
/// errors are the same.
fn parsed_features(text: &str, path: &str) -> Result<(Vec<Parsed>, Option<u32>), LoadError> {
    use rayon::prelude::*;
    if let Ok(Collection {
        kind: Some(kind),
        features: Some(raws),
        crs,
    }) = serde_json::from_str::<Collection>(text)
        && kind == "FeatureCollection"
    {
        let features = raws.par_iter().map(|r| Parsed::of_text(r.get())).collect();
        return Ok((features, named_crs(crs.as_ref())));
    }
    let (values, crs) = feature_values(text, path)?;
    Ok((values.into_iter().map(Parsed::of_value).collect(), crs))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Random collections of good and bad features: read in parallel straight from their
    /// text, they are what the whole file read as one JSON tree gives (the oracle), messages
    /// included.
    #[test]
    fn features_read_in_parallel_are_those_of_the_json_tree() {
        let pool = [
            r#"{"type":"Feature","id":"f1","properties":{"名称":"甲","n":3},"geometry":{"type":"Point","coordinates":[114.05,22.54]}}"#,
            r#"{"type":"Feature","id":7,"properties":{"名称":null,"x":{"a":[1]}},"geometry":{"type":"Point","coordinates":[114.1,22.6,5]}}"#,
            r#"{"type":"Feature","properties":{"名称":"乙"},"geometry":null}"#,
            r#"{"type":"Feature","properties":null,"geometry":{"type":"LineString","coordinates":[[114,22],[114.1,22.1]]}}"#,
            r#"{"type":"Feature"}"#,
            r#"{"type":"Nope","properties":{"k":1},"geometry":null}"#,
            r#"{"type":"Feature","properties":[1,2],"geometry":null}"#,
            r#"{"type":"Feature","id":[1],"properties":{},"geometry":null}"#,
            r#"{"type":"Feature","properties":{"k":"v"},"geometry":{"type":"Point","coordinates":"x"}}"#,
            r#"5"#,
            r#"{"properties":{"only":"props"}}"#,
        ];
        let mut rng = crate::model::Rng::new(23);
        let mut bad = 0;
        for round in 0..200 {
            let n = (rng.next_u64() % 12) as usize;
            let feats: Vec<&str> = (0..n)
                .map(|_| pool[(rng.next_u64() % pool.len() as u64) as usize])
                .collect();
            let crs = if round % 3 == 0 {
                r#","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::4490"}}"#
            } else {
                ""
            };
            let text = format!(
                r#"{{"type":"FeatureCollection","name":"t"{crs},"features":[{}]}}"#,
                feats.join(",")
            );
            let (ours, ours_crs) = parsed_features(&text, "f.geojson").unwrap();
            let (values, crs) = feature_values(&text, "f.geojson").unwrap();
            let tree: Vec<Parsed> = values.into_iter().map(Parsed::of_value).collect();
            assert_eq!(ours, tree, "{text}");
            assert_eq!(ours_crs, crs);
            bad += ours.iter().filter(|p| matches!(p, Parsed::Bad(..))).count();
        }
        assert!(bad > 300, "{bad}");
    }

    #[test]
    fn non_points_are_skipped_and_feature_id_used() {
        let t = r#"{"type":"FeatureCollection","features":[
          {"type":"Feature","id":"f1","properties":{"名称":"甲"},"geometry":{"type":"Point","coordinates":[114.05,22.54]}},
          {"type":"Feature","properties":{"名称":"乙"},"geometry":{"type":"LineString","coordinates":[[114,22],[114.1,22.1]]}},
          {"type":"Feature","properties":{"名称":"丙"},"geometry":null}]}"#;
        let f = load_firms_geojson_str(t, "f.geojson", &FirmLoadOptions::default()).unwrap();
        assert_eq!(f.firms.len(), 1);
        assert_eq!(f.firms.id(0), "f1");
        assert_eq!(f.firms.name(0), "甲");
        assert_eq!(f.report.skipped_count, 2);
    }
}
