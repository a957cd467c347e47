//! `cluster-atlas suggest` end to end.

use crate::common;

use common::{run, temp_dir};

#[test]
fn all_firms_outside_zones_deterministic_with_stability() {
    let dir = temp_dir("suggest-all");
    let (a, b) = (dir.join("a"), dir.join("b"));
    for out in [&a, &b] {
        let o = run(&[
            "suggest",
            "--draws",
            "200",
            "--seed",
            "7",
            "--top",
            "3",
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    for f in ["suggestions.csv", "suggestions.json"] {
        assert_eq!(
            std::fs::read(a.join(f)).unwrap(),
            std::fs::read(b.join(f)).unwrap(),
            "{f}"
        );
    }
    let csv_text = std::fs::read_to_string(a.join("suggestions.csv")).unwrap();
    let mut rdr = csv::Reader::from_reader(csv_text.as_bytes());
    let headers = rdr.headers().unwrap().clone();
    assert_eq!(&headers[0], "firm");
    let idx = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    assert!(rows.len() > 3000, "about 2,000 firms × top 3");
    for r in &rows {
        let total: f64 = r[idx("total")].parse().unwrap();
        let parts: f64 = [
            "proximity",
            "industry_fit",
            "agglomeration",
            "room",
            "confidence",
        ]
        .iter()
        .map(|c| r[idx(c)].parse::<f64>().unwrap())
        .sum();
        assert!(
            (total - parts).abs() < 3e-4,
            "parts must add up: {total} vs {parts}"
        );
        assert!(
            !["Z08", "Z09", "Z10", "Z11", "Z12", "Z13", "Z14", "Z15"].contains(&&r[idx("zone")])
        );
        assert_eq!(
            &r[idx("approximate")],
            "true",
            "every bundled zone is approximate and says so"
        );
    }
    let doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(a.join("suggestions.json")).unwrap()).unwrap();
    assert_eq!(doc["synthetic_data"], true);
    assert_eq!(doc["parameters"]["draws"], 200);
    let site = &doc["sites"][0];
    let first: f64 = site["stability_all_zones"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["first"].as_f64().unwrap())
        .sum();
    assert!(
        (first - 1.0).abs() < 1e-9,
        "exactly one zone is first in each draw"
    );
    assert!(doc["policy"]["items"].as_array().unwrap().len() >= 9);
}

#[test]
fn hand_made_case_with_an_obvious_answer() {
    let dir = temp_dir("suggest-obvious");
    let zones = r#"{"type":"FeatureCollection","features":[
     {"type":"Feature","properties":{"id":"NEAR","name_zh":"近区","focus_zh":["新一代信息技术"],"district_zh":"南山区"},
      "geometry":{"type":"Polygon","coordinates":[[[113.94,22.53],[113.96,22.53],[113.96,22.55],[113.94,22.55],[113.94,22.53]]]}},
     {"type":"Feature","properties":{"id":"FAR","name_zh":"远区","focus_zh":["生命健康"],"area_km2":50},
      "geometry":{"type":"Polygon","coordinates":[[[114.40,22.60],[114.45,22.60],[114.45,22.65],[114.40,22.65],[114.40,22.60]]]}}]}"#;
    std::fs::write(dir.join("z.geojson"), zones).unwrap();
    // The firm's id in Excel's text guard, as registers write codes: it is the firm `ME`.
    let mut csv =
        String::from("id,name,lon,lat,segment\n=\"ME\",我方,113.935,22.525,content_software\n");
    for k in 0..30 {
        csv.push_str(&format!(
            "P{k},同行{k},{:.5},{:.5},content_software\n",
            113.945 + 0.0003 * k as f64,
            22.535 + 0.0002 * k as f64
        ));
    }
    std::fs::write(dir.join("f.csv"), csv).unwrap();
    let suggest = |firm: &str, out: &std::path::Path| {
        let o = run(&[
            "suggest",
            "--zones",
            dir.join("z.geojson").to_str().unwrap(),
            "--firms",
            dir.join("f.csv").to_str().unwrap(),
            "--firm",
            firm,
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let out = dir.join("out");
    let stdout = suggest("ME", &out);
    assert!(stdout.contains("Targets for ME "), "{stdout}");
    assert!(stdout.contains("1. NEAR"), "{stdout}");
    assert!(stdout.contains("南山区城市更新和土地整备局"), "{stdout}");
    // Asked for as the file writes it, the same firm.
    let again = suggest("=\"ME\"", &dir.join("again"));
    assert!(again.contains("Targets for ME "), "{again}");
    assert!(stdout.contains("[ ] 9."), "{stdout}");
    let doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("suggestions.json")).unwrap()).unwrap();
    let best = &doc["sites"][0]["ranked"][0];
    assert_eq!(best["zone_id"], "NEAR");
    assert_eq!(best["stability"]["first"], 1.0);
    assert!(
        best["explanation_en"]
            .as_str()
            .unwrap()
            .contains("30 firms within 3 km (30 in your segment)")
    );
}

#[test]
fn location_queries_and_bad_arguments() {
    let dir = temp_dir("suggest-bad");
    let out = dir.join("o");
    let o = run(&[
        "suggest",
        "--at",
        "114.06,22.55",
        "--at-crs",
        "gcj02",
        "--segment",
        "硬件",
        "--draws",
        "50",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).contains("ranks first"));
    std::fs::write(dir.join("w.json"), r#"{"proximty": 50}"#).unwrap();
    for (args, expect) in [
        (vec!["--firm", "NOPE"], "no firm with id"),
        (vec!["--at", "22.55,114.06"], "LAT,LON"),
        (vec!["--at", "abc"], "LON,LAT"),
        (
            vec!["--weights", dir.join("w.json").to_str().unwrap()],
            "weights file",
        ),
        (vec!["--for-zone", "Z08"], "no geometry"),
        (vec!["--for-zone", "Z99"], "no zone"),
    ] {
        let mut all = vec!["suggest"];
        all.extend(args.iter());
        all.extend(["--out", out.to_str().unwrap()]);
        let o = run(&all);
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!o.status.success(), "{args:?}");
        assert!(err.contains(expect), "{args:?}: {err}");
        assert!(!err.contains("panicked"));
    }
    let o = run(&[
        "suggest",
        "--for-zone",
        "Z03",
        "--top",
        "4",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success());
    let text = std::fs::read_to_string(out.join("candidates.csv")).unwrap();
    assert_eq!(text.lines().count(), 5);
}

/// `suggest` for many firms writes a batch at a time (`SuggestionStream`): its files are byte
/// for byte those the whole-document writers make from every suggestion at once (the CSV and
/// the compact JSON), for none, one and many sites.
#[test]
fn streamed_suggestions_equal_the_whole_documents() {
    use cluster_atlas::analysis::relocate::{Advisor, AdvisorParams, stability::weight_draws};
    use cluster_atlas::analysis::{AnalysisParams, ClusterSummary};
    use cluster_atlas::data::bundled;
    use cluster_atlas::output;
    use cluster_atlas::pipeline::{self, Dataset, Extras};

    let data = Dataset::bundled().unwrap();
    let fit = bundled::fit_table().unwrap();
    let policy = bundled::policy().unwrap();
    let res = pipeline::analyse(
        &data,
        &AnalysisParams::default(),
        Extras::default(),
        &|_, _| {},
    );
    let analysis = res.unwrap().analysis;
    let clusters: &[ClusterSummary] = &analysis.clusters;
    let adv = Advisor::new(
        &data.firms,
        &data.zones,
        &data.index,
        &analysis.labels,
        clusters,
        &fit,
        AdvisorParams::default(),
    )
    .unwrap();
    let draws = weight_draws(adv.weights(), 50, 3, 0.2);
    let outside: Vec<usize> = (0..data.firms.len())
        .filter(|&i| analysis.placement.zone(i).is_none())
        .collect();
    assert!(outside.len() > 100, "{}", outside.len());
    let parameters = serde_json::json!({"draws": 50, "note": "测试"});
    for n in [0, 1, 2, outside.len()] {
        let all: Vec<_> = outside[..n]
            .iter()
            .map(|&i| adv.suggest(&adv.firm_site(i), &draws))
            .collect();
        let (mut csv_want, mut csv_got, mut json_got) = (Vec::new(), Vec::new(), Vec::new());
        output::write_suggestions_csv(&mut csv_want, &all, &adv, 3).unwrap();
        let doc = output::suggestions_json(&all, &adv, 3, parameters.clone(), &policy, true);
        let mut json_want = serde_json::to_vec(&doc).unwrap();
        json_want.push(b'\n');
        let mut out =
            output::SuggestionStream::new(&mut csv_got, &mut json_got, &adv, 3, &parameters, true)
                .unwrap();
        for s in &all {
            out.push(s).unwrap();
        }
        assert_eq!(out.finish(&policy).unwrap(), n);
        assert_eq!(
            String::from_utf8(csv_got).unwrap(),
            String::from_utf8(csv_want).unwrap()
        );
        assert_eq!(
            String::from_utf8(json_got).unwrap(),
            String::from_utf8(json_want).unwrap()
        );
    }
}

/// `suggest` for more firms than one batch (4,096 sites) ranks them on the pool while a
/// writer thread writes the batch before: every firm outside the zones gets its rows and its
/// JSON entry, in the file's order (the oracle: the firms' ids as the input lists them,
/// less those `analyze` places in a zone), and both files agree.
#[test]
fn many_batches_are_written_whole_and_in_the_files_order() {
    let dir = temp_dir("suggest-batches");
    let firms = dir.join("firms.csv");
    let o = run(&[
        "sample",
        "--n",
        "12000",
        "--seed",
        "5",
        "--out",
        firms.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (sug, ana) = (dir.join("s"), dir.join("a"));
    let f = firms.to_str().unwrap();
    let o = run(&[
        "suggest",
        "--firms",
        f,
        "--draws",
        "20",
        "--top",
        "2",
        "--out",
        sug.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = run(&["analyze", "--firms", f, "--out", ana.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // The oracle: ids of firms in no zone, in the input's order.
    let mut placed = csv::Reader::from_path(ana.join("firms.csv")).unwrap();
    let h = placed.headers().unwrap().clone();
    let col = |name: &str| h.iter().position(|x| x == name).unwrap();
    let (id, zone) = (col("id"), col("zone_id"));
    let want: Vec<String> = placed
        .records()
        .map(Result::unwrap)
        .filter(|r| r[zone].is_empty())
        .map(|r| r[id].to_string())
        .collect();
    assert!(
        want.len() > 2 * 4096,
        "{} sites: more than two batches",
        want.len()
    );
    let mut rows = csv::Reader::from_path(sug.join("suggestions.csv")).unwrap();
    let mut got: Vec<String> = Vec::new();
    for r in rows.records().map(Result::unwrap) {
        if got.last().map(String::as_str) != Some(&r[0]) {
            got.push(r[0].to_string());
        }
    }
    assert_eq!(got, want);
    let doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(sug.join("suggestions.json")).unwrap()).unwrap();
    let sites: Vec<&str> = doc["sites"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["firm"].as_str().unwrap())
        .collect();
    assert_eq!(sites, want);
}
