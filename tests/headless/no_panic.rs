//! Garbage in never panics: seeded random and mutated inputs through every loader.

use crate::common;

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

/// A refusal gives a reason and names the file last, as every `LoadError` promises. (Text
/// quoted from the file may hold control characters: the CLI and the window escape them when
/// they show a message, which `tests/reliability.rs` checks.)
fn check_refusal(e: &data::LoadError, path: &str) {
    let m = e.to_string();
    assert!(m.ends_with(&format!(": {path}")), "path not last: {m}");
    assert!(m.len() > path.len() + 10, "no reason given: {m}");
}

/// What a loaded set of firms must satisfy whatever the input.
fn check_firms(l: &data::LoadedFirms, path: &str, input_rows: usize) {
    let f = &l.firms;
    let n = f.len();
    assert_eq!(f.lonlat.len(), n);
    assert_eq!(f.segment.len(), n);
    assert!(
        n >= 1 && n <= input_rows,
        "{n} firms from {input_rows} rows"
    );
    assert!(f.segment.iter().all(|&s| (s as usize) < f.segments.len()));
    for p in &f.lonlat {
        assert!(
            p.lon.is_finite() && p.lat.is_finite() && p.lon.abs() <= 180.0 && p.lat.abs() <= 90.0,
            "{p:?}"
        );
    }
    let r = &l.report;
    assert_eq!(r.file, path);
    assert_eq!(r.loaded, n);
    assert!(r.read >= r.loaded && r.read <= input_rows, "{r:?}");
    assert!(r.skipped.len() <= r.skipped_count);
}

#[test]
fn loaders_survive_random_and_mutated_input() {
    let csv = b"id,name,lon,lat,segment\n1,\"a, b\",114.05,22.54,hardware\n2,c,114.1,22.6,content_software\n".to_vec();
    let firms_geojson = br#"{"type":"FeatureCollection","features":[{"type":"Feature","id":1,"properties":{"name":"x"},"geometry":{"type":"Point","coordinates":[114.0,22.5]}}]}"#.to_vec();
    let mut r = Lcg(2024);
    // Loads and refusals per loader: both must happen, or the fuzzing tests one path only.
    let mut outcomes = std::collections::BTreeMap::<&str, (usize, usize)>::new();
    let mut tally = |what: &'static str, ok: bool| {
        let e = outcomes.entry(what).or_default();
        if ok {
            e.0 += 1;
        } else {
            e.1 += 1;
        }
    };
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
        } else if round % 4 == 1 {
            // Digits changed, syntax kept: files that parse, with odd numbers in them.
            let mut v = base.to_vec();
            for _ in 0..1 + (r.next() * 6.0) as usize {
                let digits: Vec<usize> = (0..v.len()).filter(|&i| v[i].is_ascii_digit()).collect();
                let at = digits[(r.next() * digits.len() as f64) as usize % digits.len()];
                v[at] = b'0' + (r.next() * 10.0) as u8 % 10;
            }
            v
        } else {
            mutate(base, &mut r)
        };
        let text = String::from_utf8_lossy(&input);
        let opts = FirmLoadOptions {
            crs: SourceCrs::ALL[round % 3],
            ..Default::default()
        };
        // Upper bounds on what any input can hold: a row per line break (or per bare
        // carriage return), a feature or point per opening brace or bracket.
        let lines = 1 + input.iter().filter(|&&b| b == b'\n' || b == b'\r').count();
        let braces = input.iter().filter(|&&b| b == b'{').count();
        match kind {
            0 => {
                let loaded = load_firms_csv_bytes(&input, "fuzz.csv", &opts);
                tally("firms csv", loaded.is_ok());
                match loaded {
                    Ok(l) => check_firms(&l, "fuzz.csv", lines),
                    Err(e) => check_refusal(&e, "fuzz.csv"),
                }
                let conv = convert_csv(
                    &input,
                    "fuzz.csv",
                    SourceCrs::Gcj02,
                    SourceCrs::Wgs84,
                    &opts,
                );
                tally("convert_csv", conv.is_ok());
                match conv {
                    Ok((out, report)) => {
                        assert_eq!(report.file, "fuzz.csv");
                        // Every loaded row written, plus a header; nothing invented.
                        let out_rows = out.iter().filter(|&&b| b == b'\n').count();
                        assert!(out_rows <= lines + 1, "{out_rows} rows out of {lines}");
                        assert!(out_rows > report.loaded, "{out_rows} for {report:?}");
                    }
                    Err(e) => check_refusal(&e, "fuzz.csv"),
                }
            }
            1 => match load_firms_geojson_str(&text, "fuzz.geojson", &opts) {
                Ok(l) => {
                    tally("firms geojson", true);
                    check_firms(&l, "fuzz.geojson", braces);
                }
                Err(e) => {
                    tally("firms geojson", false);
                    check_refusal(&e, "fuzz.geojson");
                }
            },
            _ => {
                match load_zones_str(&text, "fuzz.geojson", &ZoneLoadOptions::default()) {
                    Ok(l) => {
                        tally("zones", true);
                        assert_eq!(l.report.file, "fuzz.geojson");
                        assert!(!l.zones.is_empty() && l.zones.len() <= braces);
                        for z in &l.zones {
                            assert!(!z.id.is_empty() && !z.id.chars().any(char::is_control));
                        }
                        let mut ids: Vec<&str> = l.zones.iter().map(|z| z.id.as_str()).collect();
                        ids.sort();
                        ids.dedup();
                        assert_eq!(ids.len(), l.zones.len(), "zone ids are unique");
                    }
                    Err(e) => {
                        tally("zones", false);
                        check_refusal(&e, "fuzz.geojson");
                    }
                }
                match data::fit_table_from_str(&text, "fuzz.json") {
                    Ok(t) => {
                        assert!(!t.segments.is_empty());
                        assert!(
                            t.segments
                                .iter()
                                .flat_map(|s| &s.fits)
                                .all(|f| (0.0..=1.0).contains(&f.weight))
                        );
                    }
                    Err(e) => check_refusal(&e, "fuzz.json"),
                }
                if let Err(e) = data::policy_from_str(&text, "fuzz.json") {
                    check_refusal(&e, "fuzz.json");
                }
            }
        }
    }
    for (what, (ok, refused)) in &outcomes {
        assert!(
            *ok >= 20 && *refused >= 20,
            "{what}: {ok} loaded, {refused} refused"
        );
    }
    assert_eq!(outcomes.len(), 4);
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
