//! Firms from a GeoJSON FeatureCollection of Points; properties become columns.

use serde_json::Value;

use super::firms_csv::{detect_columns, finish_firms};
use super::geometry::point;
use super::zones_geojson::feature_values;
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
    let (features, file_crs) = feature_values(text, path)?;
    let reader = super::reader_for(file_crs, opts.crs, path)?;
    let mut report = LoadReport::new(path, opts.crs);
    report.crs_used = Some(reader.label());
    report.read = features.len();

    // Columns: "id" (from the feature id when present), then every property key in first-seen
    // order, then the coordinates as lon/lat.
    let mut headers: Vec<String> = vec!["id".into()];
    for f in &features {
        if let Some(Value::Object(props)) = f.get("properties") {
            for k in props.keys() {
                if !headers.iter().any(|h| h == k) {
                    headers.push(k.clone());
                }
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

#[cfg(test)]
mod tests {
    use super::*;

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
