//! Garbage in never panics: seeded random and mutated inputs through every loader.

mod common;

use cluster_atlas::data::{
    self, FirmLoadOptions, ZoneLoadOptions, convert_csv, load_firms_csv_bytes,
    load_firms_geojson_str, load_zones_str,
};
use cluster_atlas::model::SourceCrs;
use common::{Lcg, TEST_ZONES};

fn mutate(base: &[u8], r: &mut Lcg) -> Vec<u8> {
    let mut v = base.to_vec();
    let edits = 1 + (r.next() * 12.0) as usize;
    for _ in 0..edits {
        if v.is_empty() {
            break;
        }
        let at = (r.next() * v.len() as f64) as usize % v.len();
        match (r.next() * 4.0) as u32 {
            0 => v[at] = (r.next() * 256.0) as u8,
            1 => {
                v.remove(at);
            }
            2 => v.insert(
                at,
                b"\",;\t\n\r{}[]-e9.0NaN"[(r.next() * 18.0) as usize % 18],
            ),
            _ => v.truncate(at),
        }
    }
    v
}

#[test]
fn loaders_survive_random_and_mutated_input() {
    let csv = b"id,name,lon,lat,segment\n1,\"a, b\",114.05,22.54,hardware\n2,c,114.1,22.6,content_software\n".to_vec();
    let firms_geojson = br#"{"type":"FeatureCollection","features":[{"type":"Feature","id":1,"properties":{"name":"x"},"geometry":{"type":"Point","coordinates":[114.0,22.5]}}]}"#.to_vec();
    let mut r = Lcg(2024);
    for round in 0..1500 {
        let (base, kind) = match round % 3 {
            0 => (&csv, 0),
            1 => (&firms_geojson, 1),
            _ => (&TEST_ZONES.as_bytes().to_vec(), 2),
        };
        let input = if round % 10 == 0 {
            (0..(r.next() * 300.0) as usize)
                .map(|_| (r.next() * 256.0) as u8)
                .collect()
        } else {
            mutate(base, &mut r)
        };
        let text = String::from_utf8_lossy(&input);
        let opts = FirmLoadOptions {
            crs: SourceCrs::ALL[round % 3],
            ..Default::default()
        };
        match kind {
            0 => {
                let _ = load_firms_csv_bytes(&input, "fuzz.csv", &opts);
                let _ = convert_csv(
                    &input,
                    "fuzz.csv",
                    SourceCrs::Gcj02,
                    SourceCrs::Wgs84,
                    &opts,
                );
            }
            1 => {
                let _ = load_firms_geojson_str(&text, "fuzz.geojson", &opts);
            }
            _ => {
                let _ = load_zones_str(&text, "fuzz.geojson", &ZoneLoadOptions::default());
                let _ = data::fit_table_from_str(&text, "fuzz.json");
                let _ = data::policy_from_str(&text, "fuzz.json");
            }
        }
    }
}

#[test]
fn analyses_survive_degenerate_data() {
    use cluster_atlas::analysis::{self, AnalysisParams};
    use cluster_atlas::index::SpatialIndex;
    let zones = load_zones_str(TEST_ZONES, "z", &ZoneLoadOptions::default())
        .unwrap()
        .zones;
    for csv in [
        "lon,lat\n114.0,22.5\n",                          // one firm
        "lon,lat\n114.0,22.5\n114.0,22.5\n114.0,22.5\n",  // all at one spot
        "lon,lat\n-70.0,40.0\n179.9,-89.9\n114.0,22.5\n", // spread over the globe
    ] {
        let firms = load_firms_csv_bytes(csv.as_bytes(), "d.csv", &FirmLoadOptions::default())
            .unwrap()
            .firms;
        for z in [&zones[..], &[]] {
            let index = SpatialIndex::build(&firms, z);
            let a = analysis::analyse(&firms, z, &index, &AnalysisParams::default(), &|_, _| {})
                .unwrap();
            assert_eq!(a.labels.len(), firms.len());
        }
    }
}
