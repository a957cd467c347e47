//! Firms from JSON that is not GeoJSON: an array of records (`[{"name": …, "lng": …}]`), a
//! web API's response holding one (高德 Amap's `{"pois": [{"location": "113.93,22.54"}]}`,
//! Baidu's `{"results": [{"location": {"lat": …, "lng": …}}]}`), or JSON Lines (one record
//! a line). The records become a table (nested objects one level deep as `location.lng`, a
//! pair of numbers as `lng,lat` text) read by the CSV loader, which finds the coordinate
//! columns as in any file. GeoJSON Text Sequences (one Feature a line) become a collection.

use super::cells::{CellRun, columns_of, merged_keys};
use serde_json::{Map, Value};

/// What JSON that is not GeoJSON holds.
pub(crate) enum JsonTable {
    /// A table's CSV text, where its records were found (`pois`, or "" for the root), and
    /// how many records there are.
    Records {
        csv: String,
        member: String,
        rows: usize,
    },
    /// GeoJSON Features one a line, gathered into a FeatureCollection's text.
    Features(String),
}

/// Records found in `text`, or None when it holds no array of records (GeoJSON, an empty
/// array, scalars: the GeoJSON reader's message stands).
pub(crate) fn read(text: &str) -> Option<JsonTable> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // A root array's records are found by structure and read on all threads.
    let chunk = super::firms_geojson::SCAN_CHUNK;
    if let Some(items) = super::firms_geojson::root_objects(text, chunk) {
        return table_of_texts(&items, String::new());
    }
    match serde_json::from_str::<Value>(text) {
        Ok(root) => {
            let (member, records) = records_in(root)?;
            let mut part = Part::default();
            for r in &records {
                part.add(r.as_object()?);
            }
            table(vec![part], member)
        }
        Err(_) => lines(text),
    }
}

/// The records of a parsed document: the root array, or the first member (to two levels
/// down) that is an array of objects. A GeoJSON object has none taken.
fn records_in(root: Value) -> Option<(String, Vec<Value>)> {
    match root {
        Value::Array(a) => records(a).map(|r| (String::new(), r)),
        Value::Object(o) if o.contains_key("type") => None,
        Value::Object(o) => member_records(o, ""),
        _ => None,
    }
}

fn member_records(o: Map<String, Value>, prefix: &str) -> Option<(String, Vec<Value>)> {
    let mut inner = Vec::new();
    for (k, v) in o {
        let name = if prefix.is_empty() {
            k
        } else {
            format!("{prefix}.{k}")
        };
        match v {
            Value::Array(a) if a.first().is_some_and(Value::is_object) => {
                return records(a).map(|r| (name, r));
            }
            Value::Object(m) if prefix.is_empty() => inner.push((name, m)),
            _ => {}
        }
    }
    inner
        .into_iter()
        .find_map(|(name, m)| member_records(m, &name))
}

/// An array whose items are all objects (at least one).
fn records(a: Vec<Value>) -> Option<Vec<Value>> {
    (!a.is_empty() && a.iter().all(Value::is_object)).then_some(a)
}

/// JSON Lines: every non-blank line one object (a record separator `\x1e` before it, as
/// GeoJSON Text Sequences write, is allowed). Features become a collection.
fn lines(text: &str) -> Option<JsonTable> {
    let items: Vec<&str> = text
        .lines()
        .map(|l| l.trim_start_matches('\u{1e}').trim())
        .filter(|l| !l.is_empty())
        .collect();
    let first: Map<String, Value> = serde_json::from_str(items.first()?).ok()?;
    if first.get("type").and_then(Value::as_str) == Some("Feature") {
        // Each line is checked as JSON by the collection's reader.
        return Some(JsonTable::Features(format!(
            "{{\"type\":\"FeatureCollection\",\"features\":[{}]}}",
            items.join(",")
        )));
    }
    table_of_texts(&items, String::new())
}

/// Records' texts read into a table, runs of them on all threads; None when one is not a
/// JSON object.
fn table_of_texts(items: &[&str], member: String) -> Option<JsonTable> {
    use rayon::prelude::*;
    let parts: Option<Vec<Part>> = items
        .par_chunks(4096)
        .map(|run| {
            let mut part = Part::default();
            for item in run {
                part.add(&serde_json::from_str::<Map<String, Value>>(item).ok()?);
            }
            Some(part)
        })
        .collect();
    table(parts?, member)
}

/// Records read on one thread: their cells ([`CellRun`]: columns in first-seen order, the
/// text in one buffer) and where each record's cells end.
#[derive(Default)]
struct Part {
    run: CellRun,
    row_ends: Vec<usize>,
    key: String,
}

impl Part {
    /// A record's cells: scalars as text, a nested object's members one level down as
    /// `key.inner`, an array of two or three numbers as `a,b`, anything else as its JSON.
    fn add(&mut self, record: &Map<String, Value>) {
        for (k, v) in record {
            match v {
                Value::Object(m) => {
                    for (ik, iv) in m {
                        self.key.clear();
                        self.key.push_str(k);
                        self.key.push('.');
                        self.key.push_str(ik);
                        self.push(iv);
                    }
                }
                _ => {
                    self.key.clear();
                    self.key.push_str(k);
                    self.push(v);
                }
            }
        }
        self.row_ends.push(self.run.cells.len());
    }

    /// One cell of column `self.key`.
    fn push(&mut self, v: &Value) {
        let slot = self.run.slot(&self.key);
        let start = self.run.text.len();
        write_cell(&mut self.run.text, v);
        self.run.close(slot, start);
    }
}

fn write_cell(out: &mut String, v: &Value) {
    use std::fmt::Write;
    match v {
        Value::Null => {}
        Value::String(s) => out.push_str(s),
        Value::Number(n) => {
            let _ = write!(out, "{n}");
        }
        Value::Array(a) if (2..=3).contains(&a.len()) && a.iter().all(Value::is_number) => {
            for (i, n) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                let _ = write!(out, "{n}");
            }
        }
        other => {
            let _ = write!(out, "{other}");
        }
    }
}

/// The parts' records as CSV text: every column in first-seen order, one row per record
/// (each part's rows written on its own thread).
fn table(parts: Vec<Part>, member: String) -> Option<JsonTable> {
    use rayon::prelude::*;
    let headers = merged_keys(parts.iter().map(|p| &p.run));
    if headers.is_empty() {
        return None;
    }
    let bodies: Vec<Option<Vec<u8>>> = parts
        .par_iter()
        .map(|part| {
            let columns = columns_of(&part.run, &headers);
            let column = |slot: u32| columns.get(slot as usize).copied().flatten();
            let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
            let mut row = vec![""; headers.len()];
            let mut from = 0;
            for end in &part.row_ends {
                row.fill("");
                part.run.fill(from..*end, column, &mut row);
                w.write_record(&row).ok()?;
                from = *end;
            }
            w.into_inner().ok()
        })
        .collect();
    let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
    w.write_record(&headers).ok()?;
    let mut csv = w.into_inner().ok()?;
    for body in bodies {
        csv.extend(body?);
    }
    Some(JsonTable::Records {
        csv: String::from_utf8(csv).ok()?,
        member,
        rows: parts.iter().map(|p| p.row_ends.len()).sum(),
    })
}

#[cfg(test)]
mod tests {
    use crate::data::{FirmLoadOptions, load_firms};

    /// Loads `text` saved as `name` in a folder of its own.
    fn load(name: &str, text: &str) -> Result<crate::data::LoadedFirms, String> {
        static CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let call = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("ca-json-{}-{call}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        let got = load_firms(&path, &FirmLoadOptions::default()).map_err(|e| e.to_string());
        std::fs::remove_dir_all(&dir).unwrap();
        got
    }

    /// The same firms written as a CSV file (the oracle) and as the JSON shapes web APIs and
    /// tools write: a root array, Amap's `pois` with `location` "lng,lat", Baidu's nested
    /// `location` object, an array of numbers two levels down, JSON Lines; positions, names
    /// and the rows' other fields are the CSV file's.
    #[test]
    fn json_tables_load_as_the_same_rows_written_as_csv() {
        let firms = [
            ("甲 \"一\"", 114.05, 22.54),
            ("乙,二", 113.95, 22.55),
            ("丙", 114.1, 22.6),
        ];
        let mut csv = String::from("name,lng,lat\n");
        let (mut root, mut amap, mut baidu, mut deep, mut jsonl) =
            (vec![], vec![], vec![], vec![], String::new());
        for (n, lon, lat) in firms {
            let name = serde_json::to_string(n).unwrap();
            csv.push_str(&format!("\"{}\",{lon},{lat}\n", n.replace('"', "\"\"")));
            root.push(format!(r#"{{"name":{name},"lng":{lon},"lat":{lat}}}"#));
            amap.push(format!(
                r#"{{"name":{name},"location":"{lon},{lat}","type":"科技"}}"#
            ));
            baidu.push(format!(
                r#"{{"name":{name},"location":{{"lat":{lat},"lng":{lon}}}}}"#
            ));
            deep.push(format!(r#"{{"name":{name},"coords":[{lon},{lat}]}}"#));
            jsonl.push_str(&format!("{}\n", root.last().unwrap()));
        }
        let oracle = load("f.csv", &csv).unwrap();
        let cases = [
            ("root.json", format!("[{}]", root.join(","))),
            (
                "amap.json",
                format!(
                    r#"{{"status":"1","count":"3","pois":[{}]}}"#,
                    amap.join(",")
                ),
            ),
            (
                "baidu.json",
                format!(r#"{{"status":0,"results":[{}]}}"#, baidu.join(",")),
            ),
            (
                "deep.json",
                format!(
                    r#"{{"code":0,"data":{{"page":1,"list":[{}]}}}}"#,
                    deep.join(",")
                ),
            ),
            ("lines.jsonl", jsonl),
        ];
        for (name, text) in cases {
            let got = load(name, &text).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(got.firms.lonlat, oracle.firms.lonlat, "{name}");
            for i in 0..firms.len() {
                assert_eq!(got.firms.name(i), oracle.firms.name(i), "{name}");
            }
            assert!(
                got.report
                    .notes
                    .iter()
                    .any(|n| n.starts_with("a JSON table")),
                "{name}"
            );
            let amap_warning = got.report.warnings.iter().any(|w| w.contains("GCJ-02"));
            assert_eq!(amap_warning, name == "amap.json", "{name}");
        }
    }

    /// GeoJSON features one a line (with or without the `\x1e` separator) load as the
    /// collection of the same features; GeoJSON that is broken, and JSON holding no records,
    /// keep the GeoJSON reader's message.
    #[test]
    fn feature_lines_load_as_a_collection_and_other_json_keeps_its_message() {
        let f = |id: u32, lon: f64| {
            format!(
                r#"{{"type":"Feature","properties":{{"id":{id}}},"geometry":{{"type":"Point","coordinates":[{lon},22.5]}}}}"#
            )
        };
        let collection = format!(
            r#"{{"type":"FeatureCollection","features":[{},{}]}}"#,
            f(1, 114.0),
            f(2, 114.1)
        );
        let oracle = load("c.geojson", &collection).unwrap();
        for (name, text) in [
            (
                "s.geojsons",
                format!("\u{1e}{}\n\u{1e}{}\n", f(1, 114.0), f(2, 114.1)),
            ),
            (
                "l.geojsonl",
                format!("{}\n\n{}\n", f(1, 114.0), f(2, 114.1)),
            ),
        ] {
            let got = load(name, &text).unwrap();
            assert_eq!(got.firms.lonlat, oracle.firms.lonlat, "{name}");
            assert_eq!(got.firms.id(1), oracle.firms.id(1), "{name}");
        }
        let broken = collection.replace("]}", ",]}");
        let e = load("b.geojson", &broken).unwrap_err();
        assert!(e.contains("not valid JSON"), "{e}");
        for (text, says) in [
            (
                r#"{"status":"1","count":"0","pois":[]}"#,
                "no GeoJSON \"type\"",
            ),
            ("[1, 2, 3]", "expected a GeoJSON object"),
            ("{\"a\": 1}\n[2]\n", "not valid JSON"),
        ] {
            let e = load("x.json", text).unwrap_err();
            assert!(e.contains(says), "{text}: {e}");
        }
    }
}
