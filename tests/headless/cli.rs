//! The `cluster-atlas` binary end to end: bundled data, user files in awkward formats, and bad
//! inputs that must give one clear line and a non-zero exit, never a panic.

use crate::common;

use std::path::Path;

use common::{TEST_ZONES, run, stderr, temp_dir};

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap()
}

#[test]
fn analyze_bundled_data_writes_three_files_deterministically() {
    let dir = temp_dir("bundled");
    let (a, b) = (dir.join("a"), dir.join("b"));
    for out in [&a, &b] {
        let o = run(&["analyze", "--out", out.to_str().unwrap()]);
        assert!(o.status.success(), "{}", stderr(&o));
        assert!(stderr(&o).contains("SYNTHETIC"));
    }
    for f in ["firms.csv", "summary.json", "clusters.geojson"] {
        assert_eq!(
            read(&a.join(f)),
            read(&b.join(f)),
            "{f} differs between runs"
        );
    }
    let firms = read(&a.join("firms.csv"));
    let mut lines = firms.lines();
    assert_eq!(
        lines.next().unwrap(),
        "id,zone_id,nearest_zone_id,nearest_zone_m,cluster,wgs84_lon,wgs84_lat,name,lon,lat,segment,employees,founded,synthetic"
    );
    assert_eq!(lines.count(), 2000);
    let summary: serde_json::Value = serde_json::from_str(&read(&a.join("summary.json"))).unwrap();
    assert_eq!(summary["zones"].as_array().unwrap().len(), 15);
    assert_eq!(summary["clark_evans"]["area"], "bbox");
    assert!(
        summary["clark_evans"]["r"].as_f64().unwrap() < 1.0,
        "the sample is clustered"
    );
    assert_eq!(summary["synthetic_data"], true);
    assert_eq!(summary["parameters"]["eps_m"], 500.0);
    let clusters: serde_json::Value =
        serde_json::from_str(&read(&a.join("clusters.geojson"))).unwrap();
    assert_eq!(
        clusters["features"].as_array().unwrap().len() as u64,
        summary["n_clusters"].as_u64().unwrap()
    );
}

#[test]
fn analyze_user_files_gcj02_gbk_semicolons_quotes() {
    let dir = temp_dir("user");
    let zones = dir.join("zones.geojson");
    std::fs::write(&zones, TEST_ZONES).unwrap();
    // GBK, semicolon-separated, Chinese headers, a quoted name with the delimiter and a newline,
    // a duplicate coordinate and rows that must be reported.
    let text = "编号;企业名称;经度;纬度;类别\n\
                1;\"深圳;示例\n公司\";113.9550;22.5480;hardware\n\
                2;乙;113.9550;22.5480;hardware\n\
                3;丙;22.55;113.95;hardware\n\
                4;丁;abc;22.5;hardware\n\
                5;戊;114,0600;22,5400;content_software\n";
    let (gbk, _, _) = encoding_rs::GBK.encode(text);
    let firms = dir.join("firms.csv");
    std::fs::write(&firms, &gbk).unwrap();
    let out = dir.join("out");
    let o = run(&[
        "analyze",
        "--zones",
        zones.to_str().unwrap(),
        "--firms",
        firms.to_str().unwrap(),
        "--firms-crs",
        "gcj02",
        "--study-area",
        "hull",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("3 of 5 loaded"), "{err}");
    // The quoted name spans two lines, so the swapped row is on line 5.
    assert!(err.contains("line 5") && err.contains("swapped"), "{err}");
    let summary: serde_json::Value =
        serde_json::from_str(&read(&out.join("summary.json"))).unwrap();
    assert_eq!(summary["load_report"]["firms"]["encoding"], "gbk");
    assert_eq!(summary["load_report"]["firms"]["skipped_count"], 2);
    // Three firms, two at one spot: the hull has no area, and the summary says so.
    assert_eq!(summary["clark_evans"]["area"], "hull");
    assert!(summary["clark_evans"]["r"].is_null());
    assert!(
        summary["clark_evans"]["note"]
            .as_str()
            .unwrap()
            .contains("not computed")
    );
    let csv = read(&out.join("firms.csv"));
    assert!(csv.contains("\"深圳;示例\n公司\""), "{csv}");
    // Firm 1 sits in zone A's hole in GCJ-02 terms (113.955, 22.548); converted to WGS-84 it
    // moves about 550 m west-south-west, still inside the hole: not in A, nearest is A.
    let row1 = csv.lines().nth(1).unwrap();
    assert!(row1.starts_with("1,,A,"), "{row1}");
    // It keeps its GCJ-02 input columns and gains the WGS-84 position that was analysed.
    let wgs =
        cluster_atlas::crs::gcj02_to_wgs84(cluster_atlas::model::LonLat::new(113.955, 22.548));
    let fields: Vec<&str> = row1.split(',').collect();
    let (lon, lat): (f64, f64) = (fields[5].parse().unwrap(), fields[6].parse().unwrap());
    assert!(
        (lon - wgs.lon).abs() < 2e-6 && (lat - wgs.lat).abs() < 2e-6,
        "{row1}"
    );
    assert!((lon - 113.955).abs() > 0.003, "{row1}");
}

#[test]
fn bad_inputs_fail_with_one_clear_line() {
    let dir = temp_dir("bad");
    let write = |name: &str, body: &[u8]| {
        let p = dir.join(name);
        std::fs::write(&p, body).unwrap();
        p.to_str().unwrap().to_string()
    };
    let good_zones = write("z.geojson", TEST_ZONES.as_bytes());
    let cases: Vec<(Vec<String>, &str)> = vec![
        (vec!["--zones".into(), write("broken.geojson", b"{\"type\":\"FeatureCollection\",\n\"features\":[{]}")], "line 2"),
        (vec!["--zones".into(), write("proj.geojson", br#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[812345.0,2495000.0]}}]}"#)], "projected"),
        (vec!["--zones".into(), write("lines.geojson", br#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"LineString","coordinates":[[114,22],[114.1,22.1]]}}]}"#)], "LineString"),
        (vec!["--zones".into(), dir.join("missing.geojson").to_str().unwrap().to_string()], "cannot read"),
        (vec!["--zones".into(), good_zones.clone(), "--firms".into(), write("empty.csv", b"")], "empty"),
        (vec!["--zones".into(), good_zones.clone(), "--firms".into(), write("header.csv", b"lon,lat\n")], "no data rows"),
        (vec!["--zones".into(), good_zones.clone(), "--firms".into(), write("nocols.csv", b"a,b\n1,2\n")], "no longitude/latitude columns"),
        (vec!["--zones".into(), good_zones.clone(), "--firms".into(), write("nan.csv", b"lon,lat\nNaN,22\ninf,1e308\n1e308,1e308\n")], "no usable rows"),
        (vec!["--zones".into(), good_zones.clone(), "--firms".into(), write("utm.csv", b"x,y\n812345,2495000\n812346,2495001\n")], "projected"),
        (vec!["--zones".into(), good_zones.clone(), "--firms".into(), write("binary.csv", &[0xff, 0xfe, 0x00, 0xd8, 0x00, 0x01, 0x02])], "error"),
        (vec!["--zones".into(), good_zones.clone(), "--firms".into(), write("f.json", b"[1,2,3]")], "GeoJSON"),
        (vec!["--eps-m=-5".into()], "eps"),
        (vec!["--min-pts".into(), "0".into()], "min-pts"),
    ];
    for (args, expect) in cases {
        let out = dir.join("out");
        let mut all = vec!["analyze".to_string()];
        all.extend(args.clone());
        all.extend(["--out".to_string(), out.to_str().unwrap().to_string()]);
        let refs: Vec<&str> = all.iter().map(String::as_str).collect();
        let o = run(&refs);
        let err = stderr(&o);
        assert!(!o.status.success(), "{args:?} should fail; stderr: {err}");
        assert!(!err.contains("panicked"), "{args:?} panicked: {err}");
        let last = err.lines().last().unwrap_or("");
        assert!(last.starts_with("error: "), "{args:?}: {err}");
        assert!(
            last.to_lowercase().contains(&expect.to_lowercase()),
            "{args:?}: expected '{expect}' in: {last}"
        );
    }
}

#[test]
fn convert_round_trip_keeps_columns_and_is_centimetre_exact() {
    let dir = temp_dir("convert");
    let input = dir.join("in.csv");
    std::fs::write(
        &input,
        "name,lng,lat,note\n\"甲, 公司\",114.0579,22.5431,x\n坏,abc,22.5,y\n",
    )
    .unwrap();
    let gcj = dir.join("gcj.csv");
    let back = dir.join("back.csv");
    let o = run(&[
        "convert",
        "--from",
        "wgs84",
        "--to",
        "gcj02",
        input.to_str().unwrap(),
        gcj.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("line 3"));
    let o = run(&[
        "convert",
        "--from",
        "gcj02",
        "--to",
        "wgs84",
        gcj.to_str().unwrap(),
        back.to_str().unwrap(),
    ]);
    assert!(o.status.success());
    let text = read(&back);
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    assert_eq!(
        rdr.headers().unwrap().iter().collect::<Vec<_>>(),
        vec!["name", "lng", "lat", "note"]
    );
    let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    assert_eq!(&rows[0][0], "甲, 公司");
    let (lon, lat): (f64, f64) = (rows[0][1].parse().unwrap(), rows[0][2].parse().unwrap());
    // 1e-7° is about a centimetre here.
    assert!(
        (lon - 114.0579).abs() < 1e-7 && (lat - 22.5431).abs() < 1e-7,
        "{lon} {lat}"
    );
    assert_eq!(&rows[1][1], "abc", "bad rows pass through unchanged");
}

#[test]
fn sample_is_seeded() {
    let dir = temp_dir("sample");
    let (a, b) = (dir.join("a.csv"), dir.join("b.csv"));
    for p in [&a, &b] {
        assert!(
            run(&[
                "sample",
                "--n",
                "500",
                "--seed",
                "3",
                "--out",
                p.to_str().unwrap()
            ])
            .status
            .success()
        );
    }
    assert_eq!(read(&a), read(&b));
    assert_eq!(read(&a).lines().count(), 501);
    // The bundled sample is exactly what the documented command makes.
    let c = dir.join("c.csv");
    assert!(
        run(&[
            "sample",
            "--n",
            "2000",
            "--seed",
            "2019",
            "--out",
            c.to_str().unwrap()
        ])
        .status
        .success()
    );
    assert_eq!(read(&c), include_str!("../../data/sample_firms.csv"));
}

#[test]
fn info_without_a_window_describes_the_bundled_data() {
    let o = run(&["info"]);
    assert!(o.status.success());
    let s = String::from_utf8_lossy(&o.stdout);
    assert!(s.contains("15 slots") && s.contains("SYNTHETIC"), "{s}");
}

#[test]
fn stray_rows_are_listed_and_do_not_change_the_analysis() {
    let dir = temp_dir("far_rows");
    let clean = dir.join("clean.csv");
    let dirty = dir.join("dirty.csv");
    let sample = read(Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/data/sample_firms.csv"
    )));
    std::fs::write(&clean, &sample).unwrap();
    let mut with_strays = sample.clone();
    with_strays.push_str("X1,null island,0,0,hardware,5,2020\n");
    with_strays.push_str("X2,near null,0.0001,0.0001,hardware,5,2020\n");
    with_strays.push_str("X3,shanghai,121.47,31.23,hardware,5,2020\n");
    std::fs::write(&dirty, with_strays).unwrap();
    let summary = |csv: &Path, out: &str, extra: &[&str]| {
        let out = dir.join(out);
        let mut args = vec![
            "analyze",
            "--firms",
            csv.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        let o = run(&args);
        assert!(o.status.success(), "{}", stderr(&o));
        let json: serde_json::Value =
            serde_json::from_str(&read(&out.join("summary.json"))).unwrap();
        (json, stderr(&o))
    };
    let (a, _) = summary(&clean, "a", &[]);
    let (b, log) = summary(&dirty, "b", &[]);
    assert!(log.contains("null_island 1, stray 2"), "{log}");
    assert!(
        log.contains("firm X3") && log.contains("--keep-distant"),
        "{log}"
    );
    for key in ["n_clusters", "n_noise", "clark_evans"] {
        assert_eq!(a[key], b[key], "{key}");
    }
    // Kept on request: the bounding box now reaches Shanghai, so Clark–Evans changes.
    let (c, log) = summary(&dirty, "c", &["--keep-distant"]);
    assert!(
        log.contains("null_island 1") && !log.contains("stray"),
        "{log}"
    );
    assert_ne!(a["clark_evans"], c["clark_evans"]);
}

#[test]
fn convert_refuses_what_would_lose_or_double_shift_data() {
    let dir = temp_dir("convert_refusals");
    let csv = dir.join("f.csv");
    std::fs::write(&csv, "id,lon,lat\n1,114.0,22.5\n").unwrap();
    let p = csv.to_str().unwrap();
    let o = run(&["convert", "--from", "gcj02", "--to", "wgs84", p, p]);
    assert!(!o.status.success() && stderr(&o).contains("refusing to overwrite"));
    assert_eq!(
        read(&csv),
        "id,lon,lat\n1,114.0,22.5\n",
        "the input is untouched"
    );
    let out = dir.join("o.csv");
    let o = run(&[
        "convert",
        "--from",
        "bd09",
        "--to",
        "bd09",
        p,
        out.to_str().unwrap(),
    ]);
    assert!(!o.status.success() && stderr(&o).contains("nothing to convert"));
    let gj = dir.join("f.geojson");
    std::fs::write(&gj, r#"{"type":"FeatureCollection","features":[]}"#).unwrap();
    let o = run(&[
        "convert",
        "--from",
        "gcj02",
        "--to",
        "wgs84",
        gj.to_str().unwrap(),
        out.to_str().unwrap(),
    ]);
    assert!(
        !o.status.success() && stderr(&o).contains("looks like GeoJSON"),
        "{}",
        stderr(&o)
    );
    assert!(!out.exists());
    // A missing file is reported once, not twice.
    let o = run(&[
        "analyze",
        "--firms",
        "/no/such/file.csv",
        "--out",
        dir.join("x").to_str().unwrap(),
    ]);
    assert_eq!(
        stderr(&o).matches("os error 2").count(),
        1,
        "{}",
        stderr(&o)
    );
}

#[test]
fn clusters_geojson_hulls_enclose_their_members_and_are_convex() {
    let out = temp_dir("hulls");
    let o = run(&["analyze", "--out", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    // Members from firms.csv (the csv crate, not a split on commas: names may hold commas).
    let mut rd = csv::Reader::from_path(out.join("firms.csv")).unwrap();
    let head = rd.headers().unwrap().clone();
    let col = |name: &str| head.iter().position(|h| h == name).unwrap();
    let (c_cl, c_lon, c_lat) = (col("cluster"), col("wgs84_lon"), col("wgs84_lat"));
    let mut members: std::collections::BTreeMap<i64, Vec<[f64; 2]>> = Default::default();
    for row in rd.records() {
        let row = row.unwrap();
        let id: i64 = row[c_cl].parse().unwrap();
        if id >= 0 {
            members
                .entry(id)
                .or_default()
                .push([row[c_lon].parse().unwrap(), row[c_lat].parse().unwrap()]);
        }
    }
    // Degrees → local metres (equirectangular about Shenzhen; fine for sub-metre checks).
    let m = |p: [f64; 2]| {
        [
            (p[0] - 114.0) * 111_320.0 * 22.6f64.to_radians().cos(),
            (p[1] - 22.6) * 110_570.0,
        ]
    };
    let cross = |o: [f64; 2], a: [f64; 2], b: [f64; 2]| {
        (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])
    };
    let fc: serde_json::Value = serde_json::from_str(&read(&out.join("clusters.geojson"))).unwrap();
    let features = fc["features"].as_array().unwrap();
    assert_eq!(features.len(), members.len(), "one feature per cluster");
    for f in features {
        let id = f["properties"]["cluster"].as_i64().unwrap();
        let pts: Vec<[f64; 2]> = members[&id].iter().map(|p| m(*p)).collect();
        assert_eq!(f["properties"]["size"].as_u64(), Some(pts.len() as u64));
        assert_eq!(f["geometry"]["type"], "Polygon", "cluster {id}");
        let ring: Vec<[f64; 2]> = f["geometry"]["coordinates"][0]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| m([c[0].as_f64().unwrap(), c[1].as_f64().unwrap()]))
            .collect();
        assert_eq!(ring[0], ring[ring.len() - 1], "closed");
        let ring = &ring[..ring.len() - 1];
        let n = ring.len();
        assert!(n >= 3);
        // Coordinates are rounded to 1e-6° (≤ 0.06 m each way): allow 0.2 m.
        let dist = |a: [f64; 2], b: [f64; 2]| (a[0] - b[0]).hypot(a[1] - b[1]);
        for v in ring {
            assert!(
                pts.iter().any(|p| dist(*p, *v) < 0.2),
                "cluster {id}: hull vertex {v:?} is no member"
            );
        }
        let sign = (0..n)
            .map(|k| cross(ring[k], ring[(k + 1) % n], ring[(k + 2) % n]))
            .sum::<f64>()
            .signum();
        for k in 0..n {
            let (a, b, c) = (ring[k], ring[(k + 1) % n], ring[(k + 2) % n]);
            // A turn the wrong way by more than the rounding allows breaks convexity.
            assert!(
                cross(a, b, c) * sign / dist(a, b).max(dist(b, c)) > -0.2,
                "cluster {id}: concave at vertex {}",
                (k + 1) % n
            );
            for p in &pts {
                let outside = -cross(a, b, *p) * sign / dist(a, b);
                assert!(
                    outside < 0.2,
                    "cluster {id}: member {p:?} {outside} m outside"
                );
            }
        }
    }
    assert!(features.len() >= 10);
}

#[test]
fn version_names_the_commit_and_build_date() {
    let o = run(&["--version"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let line = String::from_utf8_lossy(&o.stdout).trim().to_string();
    // cluster-atlas 0.1.0 (commit 0123456789ab, built 2026-11-30)
    let rest = line
        .strip_prefix(&format!(
            "cluster-atlas {} (commit ",
            env!("CARGO_PKG_VERSION")
        ))
        .unwrap_or_else(|| panic!("{line}"));
    let (commit, date) = rest
        .strip_suffix(')')
        .and_then(|r| r.split_once(", built "))
        .unwrap_or_else(|| panic!("{line}"));
    assert!(
        commit == "unknown"
            || (commit.len() == 12 && commit.chars().all(|c| c.is_ascii_hexdigit())),
        "{commit}"
    );
    let expected = std::process::Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    if let Some(head) = expected {
        assert_eq!(commit, head, "the binary was built from HEAD");
    }
    let parts: Vec<u32> = date.split('-').map(|p| p.parse().unwrap()).collect();
    assert!(
        parts.len() == 3
            && parts[0] >= 2026
            && (1..=12).contains(&parts[1])
            && (1..=31).contains(&parts[2]),
        "{date}"
    );
}

#[test]
fn a_reader_that_goes_away_ends_the_output_quietly() {
    // `cluster-atlas info | head -0`: the pipe is closed before the program writes.
    for _ in 0..3 {
        let mut child = common::bin()
            .arg("info")
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let o = child.wait_with_output().unwrap();
        let err = stderr(&o);
        assert!(!err.contains("panicked"), "{err}");
        assert!(o.status.success(), "{:?}: {err}", o.status);
    }
}

/// A file written by `cluster-atlas sample` carries its `synthetic` column, so wherever it is
/// opened from it is reported, summarised and drawn as the synthetic sample it is; the same
/// firms without the column are a user's file.
#[test]
fn a_generated_sample_says_synthetic_wherever_it_is_opened() {
    let dir = temp_dir("marked");
    let marked = dir.join("generated.csv");
    let o = run(&[
        "sample",
        "--n",
        "400",
        "--seed",
        "5",
        "--out",
        marked.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = read(&marked);
    assert!(text.starts_with("id,name,lon,lat,segment,employees,founded,synthetic\n"));
    assert!(text.lines().skip(1).all(|l| l.ends_with(",SYNTHETIC")));
    let plain = dir.join("plain.csv");
    let cut: String = text
        .lines()
        .map(|l| format!("{}\n", l.rsplit_once(',').unwrap().0))
        .collect();
    std::fs::write(&plain, cut).unwrap();
    for (file, synthetic) in [(&marked, true), (&plain, false)] {
        let out = dir.join(format!("out-{synthetic}"));
        let (f, o) = (file.to_str().unwrap(), out.to_str().unwrap());
        let run_ = run(&["analyze", "--firms", f, "--out", o]);
        assert!(run_.status.success(), "{}", stderr(&run_));
        assert_eq!(stderr(&run_).contains("SYNTHETIC"), synthetic, "{f}");
        let summary: serde_json::Value =
            serde_json::from_str(&read(&out.join("summary.json"))).unwrap();
        assert_eq!(summary["synthetic_data"], synthetic, "{f}");
        let svg = dir.join(format!("map-{synthetic}.svg"));
        let args = ["render", "--firms", f, "--lang", "en", "--out"];
        let drawn = run(&[&args[..], &[svg.to_str().unwrap()]].concat());
        assert!(drawn.status.success(), "{}", stderr(&drawn));
        assert_eq!(read(&svg).contains("SYNTHETIC sample"), synthetic, "{f}");
    }
}
