//! Firms from a GeoJSON FeatureCollection of Points; properties become columns.

use serde_json::Value;

use super::firms_csv::{detect_columns, finish_firms};
use super::zones_geojson::{feature_values, named_crs};
use super::{FirmLoadOptions, LoadError, LoadReport, LoadedFirms};
use crate::model::{AttrTable, Firms};

mod block;
mod scan;
pub(in crate::data) use scan::root_objects;

use super::cells::{columns_of, merged_keys};
use block::{Block, ID_SLOT, LAT_SLOT, LON_SLOT, Row};

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
    load_in_runs(text, path, opts, None)
}

/// [`load_firms_geojson_str`] with the features of a collection read in runs of `run` (by
/// default about eight runs a thread).
fn load_in_runs(
    text: &str,
    path: &str,
    opts: &FirmLoadOptions,
    run: Option<usize>,
) -> Result<LoadedFirms, LoadError> {
    let (blocks, reader) = read_blocks(text, path, opts, run)?;
    let mut report = LoadReport::new(path, opts.crs);
    report.crs_used = Some(reader.label());
    report.read = blocks.iter().map(|b| b.rows.len()).sum();

    // Columns: "id" (from the feature id when present), then every property key in first-seen
    // order, then the coordinates as lon/lat.
    let mut headers: Vec<String> = vec!["id".into()];
    for k in merged_keys(blocks.iter().map(|b| &b.run)) {
        if k != "id" {
            headers.push(k);
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
    let bytes = blocks.iter().map(|b| b.run.text.len()).sum();
    let mut attrs = AttrTable::with_capacity(headers.clone(), report.read, bytes);
    let mut firms = Firms {
        id_col: cols.id,
        name_col: cols.name,
        segment_col: cols.segment,
        ..Default::default()
    };
    let mut i = 0;
    let mut names = crate::model::SegmentInterner::default();
    for block in blocks {
        let mut row: Vec<&str> = vec![""; n_cols];
        let columns = columns_of(&block.run, &headers);
        let column = |slot| match slot {
            ID_SLOT => Some(0),
            LON_SLOT => Some(n_cols - 2),
            LAT_SLOT => Some(n_cols - 1),
            k => columns.get(k as usize).copied().flatten(),
        };
        for r in &block.rows {
            match r {
                Row::Skip { kind, message } => report.skip_feature(i, kind, message.clone()),
                Row::Firm { ll, cells } => {
                    row.fill("");
                    block.run.fill(cells.clone(), column, &mut row);
                    firms.lonlat.push(*ll);
                    let seg = cols.segment.and_then(|c| row.get(c).copied()).unwrap_or("");
                    firms.segment.push(names.intern(&mut firms.segments, seg));
                    attrs.push_row(row.iter().copied());
                }
            }
            i += 1;
        }
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

/// The file's features read into blocks, in order, and the reader of the system its `crs`
/// names (or the user's). A FeatureCollection's features are found by their structure
/// ([`scan`], in chunks on all threads) and runs of them read on all threads; a collection
/// that scan does not read is scanned by serde_json, and anything else (or a feature that is
/// not JSON) read as one JSON tree, so its errors are the same.
fn read_blocks(
    text: &str,
    path: &str,
    opts: &FirmLoadOptions,
    run: Option<usize>,
) -> Result<(Vec<Block>, crate::crs::Reader), LoadError> {
    let scanned = scan::scan(text, SCAN_CHUNK);
    if let Some(scanned) = &scanned
        && let Ok(Collection {
            kind: Some(kind),
            features: Some(none),
            crs,
        }) = serde_json::from_str::<Collection>(&scanned.outer)
        && kind == "FeatureCollection"
        && none.is_empty()
    {
        let reader = super::reader_for(named_crs(crs.as_ref()), opts.crs, path)?;
        let blocks = read_runs(&scanned.features, &reader, run);
        if !blocks.iter().any(|b| b.broken) {
            return Ok((blocks, reader));
        }
    } else if scanned.is_none()
        && let Ok(Collection {
            kind: Some(kind),
            features: Some(raws),
            crs,
        }) = serde_json::from_str::<Collection>(text)
        && kind == "FeatureCollection"
    {
        let reader = super::reader_for(named_crs(crs.as_ref()), opts.crs, path)?;
        let raws: Vec<&str> = raws.iter().map(|r| r.get()).collect();
        return Ok((read_runs(&raws, &reader, run), reader));
    }
    let (values, crs) = feature_values(text, path)?;
    let reader = super::reader_for(crs, opts.crs, path)?;
    let mut block = Block::default();
    for v in values {
        block.push_parsed(Parsed::of_value(v), &reader);
    }
    Ok((vec![block], reader))
}

/// Bytes of a collection scanned on one thread before the next chunk's guess ([`scan`]):
/// large enough that a guess costs nothing, small enough for both cores to stay busy.
pub(in crate::data) const SCAN_CHUNK: usize = 4 << 20;

/// Features' texts read in runs of `run` (by default about eight runs a thread) on all
/// threads, each run into its own block.
fn read_runs(raws: &[&str], reader: &crate::crs::Reader, run: Option<usize>) -> Vec<Block> {
    use rayon::prelude::*;
    let run = run
        .unwrap_or_else(|| (raws.len() / (rayon::current_num_threads() * 8)).max(256))
        .clamp(1, 16_384);
    raws.par_chunks(run)
        .map(|raws| {
            let mut block = Block::default();
            for raw in raws {
                block.push_text(raw, reader);
            }
            block
        })
        .collect()
}

/// The features of the file as the `geojson` crate reads them, and the EPSG code its `crs`
/// names (the oracle of the tests: one JSON tree).
#[cfg(test)]
fn parsed_features(text: &str, path: &str) -> Result<(Vec<Parsed>, Option<u32>), LoadError> {
    let (values, crs) = feature_values(text, path)?;
    Ok((values.into_iter().map(Parsed::of_value).collect(), crs))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::SourceCrs;
    use crate::model::LonLat;

    /// What the loader should give, the slow way: every feature through the `geojson` crate
    /// from one JSON tree, its properties as JSON values (the oracle). Returns the headers,
    /// the kept rows with their positions, and the skipped features (index, kind, message).
    #[allow(clippy::type_complexity)]
    fn by_tree(
        text: &str,
    ) -> (
        Vec<String>,
        Vec<(Vec<String>, LonLat)>,
        Vec<(usize, String, String)>,
    ) {
        let (features, crs) = parsed_features(text, "f.geojson").unwrap();
        let reader = crate::data::reader_for(crs, SourceCrs::Wgs84, "f").unwrap();
        let mut headers = vec!["id".to_string()];
        for f in &features {
            let props = match f {
                Parsed::Good(f) => f.properties.as_ref(),
                Parsed::Bad(v, _) => v.as_ref().and_then(|v| v.get("properties")?.as_object()),
            };
            for k in props.into_iter().flat_map(|p| p.keys()) {
                if !headers.contains(k) {
                    headers.push(k.clone());
                }
            }
        }
        let (lon, lat) = ["lon", "lat"]
            .map(|n| headers.iter().any(|h| h == n))
            .into();
        headers.push(if lon { "geom_lon" } else { "lon" }.into());
        headers.push(if lat { "geom_lat" } else { "lat" }.into());
        let n = headers.len();
        let (mut rows, mut skipped) = (vec![], vec![]);
        for (i, f) in features.into_iter().enumerate() {
            let mut skip = |kind: &str, why: String| skipped.push((i, kind.to_string(), why));
            let f = match f {
                Parsed::Good(f) => f,
                Parsed::Bad(_, e) => {
                    skip("bad_feature", format!("not a valid GeoJSON feature ({e})"));
                    continue;
                }
            };
            let Some(g) = &f.geometry else {
                skip("no_geometry", "feature has no geometry".into());
                continue;
            };
            let geojson::GeometryValue::Point { coordinates } = &g.value else {
                let t = crate::data::geometry::type_name(&g.value);
                skip(
                    "wrong_geometry_type",
                    format!("{t} is not a Point; firms must be points"),
                );
                continue;
            };
            let ll = match crate::data::geometry::point(coordinates, &reader) {
                Ok(ll) => ll,
                Err(p) => {
                    skip(p.kind, p.message);
                    continue;
                }
            };
            let mut row = vec![String::new(); n];
            if let Some(id) = &f.id {
                row[0] = match id {
                    geojson::feature::Id::String(s) => s.clone(),
                    geojson::feature::Id::Number(n) => n.to_string(),
                };
            }
            for (k, v) in f.properties.iter().flatten() {
                let c = headers.iter().position(|h| h == k).unwrap();
                row[c] = match v {
                    Value::Null => String::new(),
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
            }
            let raw = coordinates.as_slice();
            row[n - 2] = raw.first().map(|x| x.to_string()).unwrap_or_default();
            row[n - 1] = raw.get(1).map(|x| x.to_string()).unwrap_or_default();
            rows.push((row, ll));
        }
        (headers, rows, skipped)
    }

    /// Random collections of ordinary and unusual features, read in runs of 1 to 5 straight
    /// from their text, load as the whole file read as one JSON tree says (the oracle):
    /// the same columns in the same order, cells, positions and skip messages.
    #[test]
    fn features_read_in_runs_are_those_of_the_json_tree() {
        let pool = [
            r#"{"type":"Feature","id":"f1","properties":{"名称":"甲","n":3},"geometry":{"type":"Point","coordinates":[114.05,22.54]}}"#,
            r#"{"type":"Feature","id":7,"properties":{"名称":null,"x":{"a":[1, 2.50]}},"geometry":{"type":"Point","coordinates":[114.1,22.6,5]}}"#,
            r#"{"geometry":{"coordinates":[114.2,22.5],"type":"Point"},"properties":{"id":"p-id","k":-1.5e3,"b":true},"id":-3,"type":"Feature"}"#,
            r#"{"type":"Feature","id":2.5,"properties":{"\u540d\u79f0":"\u4e59\"q\"","k":[1,{"z":null}],"k":"last"},"geometry":{"type":"Point","coordinates":[114,22]}}"#,
            r#"{"type":"Feature","properties":{"lon":1,"lat":2,"geom_lon":"g"},"geometry":{"type":"Point","coordinates":[113.9,22.7]},"foreign":{"a":1}}"#,
            r#"{"type":"Feature","properties":{"名称":"乙"},"geometry":null}"#,
            r#"{"type":"Feature","properties":{"名称":"无坐标"}}"#,
            r#"{"type":"Feature","properties":null,"geometry":{"type":"LineString","coordinates":[[114,22],[114.1,22.1]]}}"#,
            r#"{"type":"Feature","properties":{"m":1},"geometry":{"type":"MultiPoint","coordinates":[[114,22]]}}"#,
            r#"{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[114.1]}}"#,
            r#"{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[114.1,22.5,1,2]}}"#,
            r#"{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[200,22.5]}}"#,
            r#"{"type":"Feature","properties":{"bb":1},"bbox":[114,22,114,22],"geometry":{"type":"Point","coordinates":[114,22]}}"#,
            r#"{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[114,22],"bbox":[114,22,114,22]}}"#,
            r#"{"type":"Feature","properties":{"a":1},"properties":{"b":2},"geometry":null}"#,
            r#"{"type":"Feature","id":null,"properties":{},"geometry":{"type":"Point","coordinates":[114,22]}}"#,
            r#"{"type":"feature","properties":{"lower":1},"geometry":{"type":"Point","coordinates":[114,22]}}"#,
            r#"{"type":"Feature"}"#,
            r#"{"type":"Nope","properties":{"k":1},"geometry":null}"#,
            r#"{"type":"Feature","properties":[1,2],"geometry":null}"#,
            r#"{"type":"Feature","id":[1],"properties":{},"geometry":null}"#,
            r#"{"type":"Feature","properties":{"k":"v"},"geometry":{"type":"Point","coordinates":"x"}}"#,
            r#"5"#,
            r#"{"properties":{"only":"props"}}"#,
        ];
        let opts = FirmLoadOptions {
            lon_col: None,
            ..FirmLoadOptions::default()
        };
        let mut rng = crate::model::Rng::new(23);
        let (mut kept, mut skipped) = (0, 0);
        for round in 0..400 {
            let n = 1 + (rng.next_u64() % 12) as usize;
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
            let run = 1 + (rng.next_u64() % 5) as usize;
            let Ok(ours) = load_in_runs(&text, "f.geojson", &opts, Some(run)) else {
                // No feature kept at all: the oracle keeps none either.
                assert!(by_tree(&text).1.is_empty(), "{text}");
                continue;
            };
            let (headers, rows, skips) = by_tree(&text);
            assert_eq!(ours.firms.attrs.headers, headers, "{text}");
            assert_eq!(ours.firms.len(), rows.len(), "{text}");
            for (r, (row, ll)) in rows.iter().enumerate() {
                let got: Vec<&str> = ours.firms.attrs.row(r).collect();
                assert_eq!(got, *row, "{text}");
                assert_eq!(ours.firms.lonlat[r], *ll, "{text}");
            }
            let got: Vec<_> = ours
                .report
                .skipped
                .iter()
                .map(|s| (s.feature.unwrap(), s.kind.clone(), s.reason.clone()))
                .collect();
            assert_eq!(got, skips, "{text}");
            kept += rows.len();
            skipped += skips.len();
        }
        assert!(kept > 800 && skipped > 800, "{kept} {skipped}");
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

    /// A feature that is not JSON (its brackets whole, so the structural scan finds it) fails
    /// the file with the JSON reader's line and column, as reading it whole does.
    #[test]
    fn a_feature_that_is_not_json_fails_the_file_at_its_line() {
        let good = r#"{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[114,22]}}"#;
        let bad = r#"{"type":"Feature","properties":{"a":tru},"geometry":null}"#;
        let t =
            format!("{{\"type\":\"FeatureCollection\",\"features\":[\n{good},\n{good},\n{bad}]}}");
        match load_firms_geojson_str(&t, "f.geojson", &FirmLoadOptions::default()) {
            Err(LoadError::Json { line, column, .. }) => assert_eq!((line, column), (4, 40)),
            other => panic!("{other:?}"),
        }
    }

    /// An empty collection is named in GeoJSON's words, not a CSV's ("header").
    #[test]
    fn an_empty_collection_says_it_has_no_features() {
        let t = r#"{"type":"FeatureCollection","features":[]}"#;
        let e = load_firms_geojson_str(t, "f.geojson", &FirmLoadOptions::default())
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("the file has no features"), "{e}");
        assert!(!e.contains("header"), "{e}");
    }
}
