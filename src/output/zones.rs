//! Zones as a GeoJSON FeatureCollection in the bundled file's shape (`data/zones.geojson`):
//! what *Save zones as…* and `cluster-atlas zones --out` write, and what loads back unchanged.

use std::io::{self, Write};

use serde_json::{Map, Value, json};

use crate::model::{Zone, ZoneGeometry};

fn r7(v: f64) -> f64 {
    (v * 1e7).round() / 1e7
}

fn geometry(g: &ZoneGeometry) -> Value {
    let ring = |l: &geo::LineString<f64>| -> Value {
        Value::Array(l.0.iter().map(|c| json!([r7(c.x), r7(c.y)])).collect())
    };
    let polygon = |p: &geo::Polygon<f64>| -> Value {
        let mut rings = vec![ring(p.exterior())];
        rings.extend(p.interiors().iter().map(ring));
        Value::Array(rings)
    };
    match g {
        ZoneGeometry::None => Value::Null,
        ZoneGeometry::Point(p) => json!({"type": "Point", "coordinates": [r7(p.lon), r7(p.lat)]}),
        ZoneGeometry::Area(mp) if mp.0.len() == 1 => {
            json!({"type": "Polygon", "coordinates": polygon(&mp.0[0])})
        }
        ZoneGeometry::Area(mp) => json!({
            "type": "MultiPolygon",
            "coordinates": mp.0.iter().map(polygon).collect::<Vec<_>>(),
        }),
    }
}

/// One zone as a feature: its original properties, with the fields the app knows written over
/// them (so edits and matches are kept).
pub fn zone_feature(z: &Zone) -> Value {
    let mut p: Map<String, Value> = z.properties.clone();
    let mut set = |k: &str, v: Value| {
        p.insert(k.to_string(), v);
    };
    set("id", json!(z.id));
    set("name_zh", json!(z.name_zh));
    set("name_en", json!(z.name_en));
    set("status", json!(z.status.map(|s| s.as_str())));
    set("batch", json!(z.batch.map(|b| b.number())));
    set("year", json!(z.year));
    set("district_zh", json!(z.district_zh));
    set("focus_zh", json!(z.focus_zh));
    set("focus_en", json!(z.focus_en));
    set("area_km2", json!(z.area_km2));
    set("geometry_quality", json!(z.quality.as_str()));
    set("sources", json!(z.sources));
    json!({"type": "Feature", "properties": p, "geometry": geometry(&z.geometry)})
}

/// Writes the zones as an indented GeoJSON FeatureCollection (WGS-84).
pub fn write_zones_geojson(w: &mut dyn Write, zones: &[Zone], about: &str) -> io::Result<()> {
    let fc = json!({
        "type": "FeatureCollection",
        "name": "cluster_atlas_zones",
        "about": about,
        "features": zones.iter().map(zone_feature).collect::<Vec<_>>(),
    });
    serde_json::to_writer_pretty(&mut *w, &fc)?;
    w.write_all(b"\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{ZoneLoadOptions, bundled, load_zones_str};

    #[test]
    fn the_bundled_zones_round_trip() {
        let zones = bundled::zones().unwrap().zones;
        let mut buf = Vec::new();
        write_zones_geojson(&mut buf, &zones, "test").unwrap();
        let text = String::from_utf8(buf).unwrap();
        let back = load_zones_str(&text, "back.geojson", &ZoneLoadOptions::default())
            .unwrap()
            .zones;
        assert_eq!(back.len(), zones.len());
        for (a, b) in zones.iter().zip(&back) {
            assert_eq!(a.id, b.id);
            assert_eq!(a.name_zh, b.name_zh);
            assert_eq!(a.quality, b.quality);
            assert_eq!(a.batch, b.batch);
            assert_eq!(a.geometry.is_none(), b.geometry.is_none());
            if let (ZoneGeometry::Area(x), ZoneGeometry::Area(y)) = (&a.geometry, &b.geometry) {
                use geo::Area;
                let (ax, ay) = (x.unsigned_area(), y.unsigned_area());
                assert!((ax - ay).abs() / ax < 1e-6, "{}", a.id);
            }
        }
    }
}
