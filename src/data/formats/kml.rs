//! KML (Google Earth, 奥维互动地图) and KMZ (zipped KML): every Placemark becomes a feature
//! with `name`, `description` and its `ExtendedData` fields as properties; Point, Polygon (with
//! holes), LineString and MultiGeometry geometries. KML is WGS-84 by definition; a file made
//! in GCJ-02 (some Chinese apps) is read with `--zones-crs gcj02`.

use std::io::{Cursor, Read};

use roxmltree::{Document, Node, ParsingOptions};
use serde_json::{Map, Value, json};

use super::{Vector, collection, feature, format_error};
use crate::data::LoadError;
use crate::data::text::Malformed;

mod placemarks;
mod points;
mod quick;

pub use points::read_points;

/// Largest KML unpacked from a KMZ (a million placemarks take about 500 MB; a guard against
/// zip bombs, not a size real files reach).
const MAX_KML: u64 = 1 << 30;

/// Deepest element nesting read (real files nest a few folders).
const MAX_DEPTH: usize = 256;

/// XML nodes a tree may hold: a whole document's, or one placemark's when read one by one.
const NODES_LIMIT: u32 = 5_000_000;

/// Documents from this size on are read a placemark at a time when they can be cut so (a
/// firm file of 30,000 placemarks, 15 MB, loads in a quarter of the time so; a smaller one
/// is read whole, where a tree costs little).
const BY_PLACEMARK: usize = 1 << 20;

/// The deepest element nesting of an XML text, counted without building a tree.
fn max_depth(text: &str) -> usize {
    let (mut depth, mut max) = (0, 0);
    depth_of(text.as_bytes(), &mut depth, &mut max);
    max
}

/// Follows the elements opened and closed in `b` from `depth`, raising `max` to the deepest
/// reached (a comment's or CDATA's text is not told apart: it errs deep).
fn depth_of(b: &[u8], depth: &mut usize, max: &mut usize) {
    let mut i = 0;
    while let Some(off) = memchr::memchr(b'<', b.get(i..).unwrap_or_default()) {
        let at = i + off;
        match b.get(at + 1) {
            Some(b'/') => *depth = depth.saturating_sub(1),
            Some(b'?') | Some(b'!') | None => {}
            Some(_) => {
                let end = memchr::memchr(b'>', b.get(at..).unwrap_or_default()).map(|e| at + e);
                if !matches!(end, Some(e) if e > 0 && b.get(e - 1) == Some(&b'/')) {
                    *depth += 1;
                    *max = (*max).max(*depth);
                }
            }
        }
        i = at + 1;
    }
}

/// Why a document nesting more than [`MAX_DEPTH`] elements is not read.
fn too_deep() -> String {
    format!("the KML nests elements more than {MAX_DEPTH} deep; it is damaged or not a map")
}

/// The main KML document inside a KMZ (`doc.kml`, else the first `.kml`), and its malformed
/// UTF-8 if any (read as U+FFFD; the load report says where).
pub fn kml_from_kmz(bytes: &[u8], path: &str) -> Result<(String, Option<Malformed>), LoadError> {
    kml_from_kmz_capped(bytes, path, MAX_KML)
}

/// [`kml_from_kmz`] unpacking at most `cap` bytes.
fn kml_from_kmz_capped(
    bytes: &[u8],
    path: &str,
    cap: u64,
) -> Result<(String, Option<Malformed>), LoadError> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| format_error(path, format!("not a readable KMZ (zip) file ({e})")))?;
    let mut names: Vec<String> = super::zip_names(&archive)
        .into_iter()
        .filter(|n| n.to_ascii_lowercase().ends_with(".kml"))
        .collect();
    names.sort_by_key(|n| (!n.eq_ignore_ascii_case("doc.kml"), n.clone()));
    let first = names
        .first()
        .ok_or_else(|| format_error(path, "the KMZ holds no .kml document"))?
        .clone();
    let f = archive
        .by_name(&first)
        .map_err(|e| format_error(path, format!("cannot open {first} in the KMZ ({e})")))?;
    let mut buf = Vec::new();
    f.take(cap + 1)
        .read_to_end(&mut buf)
        .map_err(|e| format_error(path, format!("cannot unpack {first} ({e})")))?;
    if buf.len() as u64 > cap {
        return Err(format_error(
            path,
            format!(
                "{first} in the KMZ unpacks to more than {} MB; unzip the KMZ and open the \
                 .kml, or export the points as CSV or GeoPackage",
                cap >> 20
            ),
        ));
    }
    // Valid UTF-8 keeps its buffer (a million placemarks unpack to 500 MB); else lossy.
    Ok(match String::from_utf8(buf) {
        Ok(text) => (text, None),
        Err(e) => {
            let d = crate::data::text::lossy(e.as_bytes(), "utf-8");
            (d.text.into_owned(), d.malformed)
        }
    })
}

fn child<'a, 'i>(n: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    n.children()
        .find(|c| c.is_element() && c.tag_name().name() == name)
}

fn text_of(n: Node) -> String {
    n.descendants()
        .filter(|d| d.is_text())
        .filter_map(|d| d.text())
        .collect::<String>()
        .trim()
        .to_string()
}

/// `lon,lat[,alt] lon,lat …` as GeoJSON positions (malformed tuples left out).
fn coordinates(n: Node) -> Vec<Value> {
    let Some(c) = child(n, "coordinates") else {
        return Vec::new();
    };
    positions(&text_of(c)).map(|p| json!(p)).collect()
}

/// The positions of a `coordinates` text, malformed tuples left out. One more than a zone
/// may have is read, so an absurd ring is reported, not held in memory.
fn positions(text: &str) -> impl Iterator<Item = [f64; 2]> + '_ {
    text.split_whitespace()
        .take(crate::data::MAX_ZONE_VERTICES + 1)
        .filter_map(|t| {
            let mut it = t.split(',').map(|v| v.trim().parse::<f64>());
            let (Some(Ok(lon)), Some(Ok(lat))) = (it.next(), it.next()) else {
                return None;
            };
            (lon.is_finite() && lat.is_finite()).then_some([lon, lat])
        })
}

fn polygon(n: Node) -> Option<Value> {
    let ring = |b: Node| child(b, "LinearRing").map(coordinates);
    let outer = child(n, "outerBoundaryIs").and_then(ring)?;
    let mut rings = vec![Value::Array(outer)];
    for inner in n
        .children()
        .filter(|c| c.is_element() && c.tag_name().name() == "innerBoundaryIs")
    {
        if let Some(r) = ring(inner) {
            rings.push(Value::Array(r));
        }
    }
    Some(Value::Array(rings))
}

/// The geometries under a node (a MultiGeometry may nest).
fn geometries(n: Node, out: &mut Vec<(&'static str, Value)>) {
    for c in n.children().filter(|c| c.is_element()) {
        match c.tag_name().name() {
            "Point" => {
                if let Some(p) = coordinates(c).into_iter().next() {
                    out.push(("Point", p));
                }
            }
            "LineString" => out.push(("LineString", Value::Array(coordinates(c)))),
            "Polygon" => {
                if let Some(p) = polygon(c) {
                    out.push(("Polygon", p));
                }
            }
            "MultiGeometry" | "MultiTrack" => geometries(c, out),
            _ => {}
        }
    }
}

/// One GeoJSON geometry for a Placemark: polygons merge into a MultiPolygon.
fn placemark_geometry(p: Node) -> Value {
    let mut parts = Vec::new();
    geometries(p, &mut parts);
    let polys: Vec<Value> = parts
        .iter()
        .filter(|(k, _)| *k == "Polygon")
        .map(|(_, v)| v.clone())
        .collect();
    match (polys.len(), parts.first()) {
        (0, None) => Value::Null,
        (0, Some((kind, coords))) => json!({"type": kind, "coordinates": coords}),
        (1, _) => json!({"type": "Polygon", "coordinates": polys[0]}),
        _ => json!({"type": "MultiPolygon", "coordinates": polys}),
    }
}

/// Each property of a Placemark in document order: `name`, `description`, then its
/// `ExtendedData` fields (`Data` and `SimpleData`).
fn each_property(p: Node, mut f: impl FnMut(&str, String)) {
    for key in ["name", "description"] {
        if let Some(n) = child(p, key) {
            f(key, text_of(n));
        }
    }
    if let Some(ext) = child(p, "ExtendedData") {
        for d in ext.descendants().filter(|d| d.is_element()) {
            let (Some(k), name) = (d.attribute("name"), d.tag_name().name()) else {
                continue;
            };
            let v = match name {
                "Data" => child(d, "value").map(text_of).unwrap_or_default(),
                "SimpleData" => text_of(d),
                _ => continue,
            };
            f(k, v);
        }
    }
}

/// A Placemark's properties (a name given twice keeps its place and its last value).
fn properties(p: Node) -> Map<String, Value> {
    let mut props = Map::new();
    each_property(p, |k, v| {
        props.insert(k.to_string(), Value::String(v));
    });
    props
}

/// A Placemark's position when [`placemark_geometry`] makes it a Point.
fn placemark_point(p: Node) -> Option<[f64; 2]> {
    let mut parts = Vec::new();
    geometries(p, &mut parts);
    if parts.iter().any(|(k, _)| *k == "Polygon") {
        return None;
    }
    match parts.first() {
        Some(("Point", v)) => {
            let a = v.as_array()?;
            Some([a.first()?.as_f64()?, a.get(1)?.as_f64()?])
        }
        _ => None,
    }
}

/// Reads KML text as features (WGS-84 unless the user names another system).
pub fn read(text: &str, path: &str) -> Result<Vector, LoadError> {
    read_with(text, path, (BY_PLACEMARK, NODES_LIMIT))
}

/// [`read`] reading documents of at least `by_placemark` bytes a placemark at a time, each
/// tree holding at most `nodes_limit` nodes.
fn read_with(text: &str, path: &str, limits: (usize, u32)) -> Result<Vector, LoadError> {
    let add = |run: &mut Vec<Value>, p: Node| {
        run.push(feature(properties(p), placemark_geometry(p)));
    };
    let runs = read_runs(text, path, limits, (add, None))?;
    let features: Vec<Value> = runs.into_iter().flatten().collect();
    if features.is_empty() {
        return Err(no_placemark(path));
    }
    Ok(Vector {
        collection: collection(features),
        crs_label: CRS_LABEL.into(),
        converted: false,
        notes: Vec::new(),
        warnings: Vec::new(),
    })
}

const CRS_LABEL: &str = "wgs84 (KML)";

fn no_placemark(path: &str) -> LoadError {
    format_error(path, "the KML has no Placemark")
}

/// The placemarks of KML text, each added by `add` to a run of `R`: a document of at least
/// `by_placemark` bytes a placemark at a time on all threads when it can be cut so, anything
/// else as one tree of at most `nodes_limit` nodes. The runs are in document order.
fn read_runs<R: Default + Send>(
    text: &str,
    path: &str,
    (by_placemark, nodes_limit): (usize, u32),
    (add, quick): (impl Fn(&mut R, Node) + Sync, placemarks::Quick<R>),
) -> Result<Vec<R>, LoadError> {
    let text = text.trim_start_matches('\u{feff}');
    let cut = (text.len() >= by_placemark)
        .then(|| placemarks::cut(text))
        .flatten();
    let deepest = match &cut {
        Some(c) => c.depth,
        None => max_depth(text),
    };
    if deepest > MAX_DEPTH {
        return Err(format_error(path, too_deep()));
    }
    match cut {
        Some(cut) => placemarks::runs(text, &cut, nodes_limit, (add, quick))
            .map_err(|e| format_error(path, e)),
        None => {
            let mut run = R::default();
            whole(text, path, nodes_limit, |p| add(&mut run, p))?;
            Ok(vec![run])
        }
    }
}

/// Each placemark of the document read as one tree, in document order.
fn whole(
    text: &str,
    path: &str,
    nodes_limit: u32,
    mut add: impl FnMut(Node),
) -> Result<(), LoadError> {
    let opts = ParsingOptions {
        allow_dtd: false,
        nodes_limit,
    };
    let doc = Document::parse_with_options(text, opts).map_err(|e| match e {
        roxmltree::Error::NodesLimitReached => format_error(
            path,
            format!(
                "the KML holds more than {nodes_limit} XML nodes, and its placemarks could not \
                 be read one at a time (a comment or CDATA section not closed, or placemarks \
                 inside placemarks); check the file, or export the points as CSV or GeoPackage"
            ),
        ),
        e => format_error(path, format!("not valid KML/XML ({e})")),
    })?;
    doc.descendants()
        .filter(|n| n.is_element() && n.tag_name().name() == "Placemark")
        .for_each(&mut add);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A KMZ whose KML unpacks past the cap is refused with what to do, not read cut short
    /// (which left a KML that is "not valid"); one within it unpacks whole.
    #[test]
    fn a_kmz_past_the_unpacking_cap_says_so() {
        use std::io::Write;
        let doc = format!(
            "<kml><Document>{}</Document></kml>",
            "<Placemark/>".repeat(20)
        );
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        zip.start_file("doc.kml", opts).unwrap();
        zip.write_all(doc.as_bytes()).unwrap();
        let kmz = zip.finish().unwrap().into_inner();
        let cap = doc.len() as u64;
        assert_eq!(
            kml_from_kmz_capped(&kmz, "a.kmz", cap).unwrap(),
            (doc, None)
        );
        let e = kml_from_kmz_capped(&kmz, "a.kmz", cap - 1)
            .unwrap_err()
            .to_string();
        assert!(e.contains("doc.kml in the KMZ unpacks to more than"), "{e}");
        assert!(e.contains("unzip"), "{e}");
        // Bytes that are not UTF-8 are replaced, the rest kept, and their places counted
        // (two on line 2, by hand).
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        zip.start_file("doc.kml", opts).unwrap();
        zip.write_all(b"<kml>\n<name>a\xFFb\xFE</name></kml>")
            .unwrap();
        let kmz = zip.finish().unwrap().into_inner();
        let (text, bad) = kml_from_kmz_capped(&kmz, "b.kmz", 1 << 20).unwrap();
        assert_eq!(text, "<kml>\n<name>a\u{FFFD}b\u{FFFD}</name></kml>");
        let bad = bad.expect("the malformed bytes are reported");
        assert_eq!((bad.count, bad.first_line), (2, 2));
    }

    #[test]
    fn placemarks_with_holes_multigeometry_and_extended_data() {
        let kml = r##"<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document><Folder>
 <Placemark><name>甲区</name><description>A1</description>
  <ExtendedData><Data name="batch"><value>2</value></Data>
   <SchemaData schemaUrl="#s"><SimpleData name="year">2018</SimpleData></SchemaData></ExtendedData>
  <Polygon><outerBoundaryIs><LinearRing><coordinates>
   114.0,22.5,0 114.1,22.5,0 114.1,22.6,0 114.0,22.6,0 114.0,22.5,0
  </coordinates></LinearRing></outerBoundaryIs>
  <innerBoundaryIs><LinearRing><coordinates>114.02,22.52 114.04,22.52 114.04,22.54 114.02,22.52</coordinates></LinearRing></innerBoundaryIs>
  </Polygon></Placemark>
 <Placemark><name>乙区</name><MultiGeometry>
  <Polygon><outerBoundaryIs><LinearRing><coordinates>113.9,22.5 113.95,22.5 113.95,22.55 113.9,22.5</coordinates></LinearRing></outerBoundaryIs></Polygon>
  <Polygon><outerBoundaryIs><LinearRing><coordinates>113.8,22.5 113.85,22.5 113.85,22.55 113.8,22.5</coordinates></LinearRing></outerBoundaryIs></Polygon>
 </MultiGeometry></Placemark>
 <Placemark><name>点</name><Point><coordinates>114.2,22.7</coordinates></Point></Placemark>
</Folder></Document></kml>"##;
        let v = read(kml, "t.kml").unwrap();
        let f = v.collection["features"].as_array().unwrap();
        assert_eq!(f.len(), 3);
        assert_eq!(f[0]["properties"]["name"], "甲区");
        assert_eq!(f[0]["properties"]["description"], "A1");
        assert_eq!(f[0]["properties"]["batch"], "2");
        assert_eq!(f[0]["properties"]["year"], "2018");
        assert_eq!(f[0]["geometry"]["coordinates"].as_array().unwrap().len(), 2);
        assert_eq!(f[1]["geometry"]["type"], "MultiPolygon");
        assert_eq!(f[2]["geometry"]["type"], "Point");
        assert!(read("<kml/>", "e.kml").is_err());
        assert_eq!(max_depth("<a><b/><c><d></d></c></a>"), 3);
        let deep = format!(
            "<kml>{}{}</kml>",
            "<Folder>".repeat(300),
            "</Folder>".repeat(300)
        );
        assert!(
            read(&deep, "d.kml")
                .unwrap_err()
                .to_string()
                .contains("deep")
        );
        assert!(
            read("not xml", "e.kml")
                .unwrap_err()
                .to_string()
                .contains("KML")
        );
    }
}
