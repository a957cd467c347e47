//! `render --segment-colour`: the segment names a briefing colours, the rest grey.

use crate::common;

use common::{run, stderr, temp_dir};

/// Sixty firms over ten segment names the fit table does not know, six firms each.
fn ten_segments(dir: &std::path::Path) -> String {
    let f = dir.join("firms.csv");
    let mut csv = String::from("id,name,lng,lat,segment\n");
    for k in 0..60 {
        let (lon, lat) = (114.0 + 0.002 * k as f64, 22.55 + 0.001 * k as f64);
        let seg = char::from(b'A' + (k % 10) as u8);
        csv.push_str(&format!("F{k},企业{k},{lon:.4},{lat:.4},行业 {seg}\n"));
    }
    std::fs::write(&f, csv).unwrap();
    f.to_str().unwrap().to_string()
}

/// The names picked take the legend's first entries in their order, the rest are one grey
/// entry with their count (60 − 2 × 6); a name no firm has is warned of with the file's
/// commonest names; repeats count once.
#[test]
fn picked_segments_lead_the_legend_and_a_missing_one_is_warned_of() {
    let dir = temp_dir("segment-colours");
    let firms = ten_segments(&dir);
    let svg = dir.join("map.svg");
    let o = run(&[
        "render",
        "--firms",
        &firms,
        "--lang",
        "en",
        "--out",
        svg.to_str().unwrap(),
        "--segment-colour",
        "行业 C",
        "--segment-colour",
        "nope",
        "--segment-colour",
        "行业 A",
        "--segment-colour",
        " 行业 C",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("no firm has the segment 'nope'"), "{err}");
    assert!(err.contains("'行业 A' (6)"), "the commonest names: {err}");
    assert!(!err.contains("'行业 C' (6), '行业 C'"), "{err}");
    let text = std::fs::read_to_string(&svg).unwrap();
    let at = |s: &str| {
        text.find(s)
            .unwrap_or_else(|| panic!("{s} not in the picture"))
    };
    assert!(at("行业 C (6)") < at("行业 A (6)"), "in the order given");
    assert!(text.contains("Other / unknown (48)"));
    assert!(!text.contains("行业 B (6)"), "an automatic class left");
}

/// More names than colours, or names with another colouring, are refused before any work.
#[test]
fn too_many_picked_segments_or_another_colouring_are_refused() {
    let dir = temp_dir("segment-colours-bad");
    let firms = ten_segments(&dir);
    let out = dir.join("map.png");
    let mut args = vec!["render", "--firms", &firms, "--out", out.to_str().unwrap()];
    for name in ["行业 A", "行业 B", "行业 C", "行业 D", "行业 E", "行业 F"] {
        args.extend(["--segment-colour", name]);
    }
    let o = run(&args);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("at most 5"), "{}", stderr(&o));
    for other in [["--colour", "cluster"], ["--firm-colour", "#D62728"]] {
        let o = run(&[
            "render",
            "--firms",
            &firms,
            "--out",
            out.to_str().unwrap(),
            "--segment-colour",
            "行业 A",
            other[0],
            other[1],
        ]);
        assert!(!o.status.success(), "{other:?}");
        assert!(stderr(&o).contains("--colour segment"), "{}", stderr(&o));
    }
    assert!(!out.exists(), "nothing written");
}
