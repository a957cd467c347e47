//! Hostile and careless use of the release binary's commands: out-of-range parameters, inputs
//! that are pipes or standard input, outputs that are inputs, devices or links, interrupted
//! runs, escape sequences in files. Each gives a clear error (or works) and harms nothing.

use crate::common;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use common::{TEST_ZONES, bin, run, stderr, temp_dir};

/// Fails with one `error:` line containing `expect`, never a panic or an abort.
fn assert_refused(o: &Output, expect: &str) {
    let err = stderr(o);
    assert_eq!(o.status.code().map(|c| c != 0), Some(true), "{err}");
    assert!(
        !err.contains("panicked") && !err.contains("memory allocation"),
        "{err}"
    );
    let last = err.lines().last().unwrap_or("");
    assert!(last.starts_with("error: "), "{err}");
    assert!(
        last.to_lowercase().contains(&expect.to_lowercase()),
        "expected '{expect}' in: {last}"
    );
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn out_of_range_parameters_are_refused_with_their_range_before_any_work() {
    let dir = temp_dir("ranges");
    let out = dir.join("out");
    let o = s(&out);
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["analyze", "--eps-m", "1e-6", "--out", o],
            "between 10 and 20000",
        ),
        (vec!["analyze", "--eps-m", "NaN", "--out", o], "eps-m"),
        (
            vec!["analyze", "--min-pts", "1000000000000", "--out", o],
            "between 1 and 1000",
        ),
        (vec!["analyze", "--nearby-m", "inf", "--out", o], "radius-m"),
        (
            vec!["suggest", "--draws", "1000000000", "--out", o],
            "between 0 and 10000",
        ),
        (vec!["suggest", "--sigma", "1e300", "--out", o], "sigma"),
        (vec!["suggest", "--top", "0", "--out", o], "top"),
        (
            vec!["render", "--bandwidth-m=-1", "--out", "x.png"],
            "bandwidth",
        ),
        (
            vec![
                "render", "--preset", "a3", "--dpi", "1200", "--out", "x.png",
            ],
            "million pixels",
        ),
        (
            vec!["render", "--size", "20000x20000", "--out", "x.png"],
            "million pixels",
        ),
        (
            vec!["sample", "--n", "0", "--out", "x.csv"],
            "between 1 and",
        ),
        (
            vec![
                "render",
                "--extent",
                "bbox:-180,-90,180,90",
                "--out",
                "x.png",
            ],
            "85",
        ),
        (
            vec!["render", "--extent", "bbox:-10,-10,10,10", "--out", "x.png"],
            "at most 10",
        ),
        (
            vec![
                "render",
                "--extent",
                "bbox:114,22.5,114.000000000001,22.500000000001",
                "--out",
                "x.png",
            ],
            "at least",
        ),
        (
            vec!["render", "--extent", "allx", "--out", "x.png"],
            "unknown extent",
        ),
        (
            vec!["render", "--extent", "bbox:114,22,abc,23", "--out", "x.png"],
            "four numbers",
        ),
    ];
    for (args, expect) in cases {
        let t0 = std::time::Instant::now();
        let o = run(&args);
        assert_refused(&o, expect);
        assert!(
            t0.elapsed().as_secs() < 20,
            "{args:?} took {:?}",
            t0.elapsed()
        );
    }
    assert!(
        !out.exists(),
        "nothing is written when a parameter is refused"
    );
    assert!(!Path::new("x.png").exists() && !Path::new("x.csv").exists());
}

#[test]
fn weights_files_are_objects_within_range() {
    let dir = temp_dir("weights");
    for (text, expect) in [
        (
            r#"{"proximity": 1e308, "room": 1e308}"#,
            "between 0 and 100",
        ),
        ("[40, 30, 20, 5, 5]", "JSON object"),
        (r#"{"proximty": 40}"#, "unknown weight"),
        (
            r#"{"proximity": 0, "industry_fit": 0, "agglomeration": 0, "room": 0, "confidence": 0}"#,
            "above zero",
        ),
        (r#"{"proximity": "high"}"#, "number"),
    ] {
        let w = dir.join("w.json");
        std::fs::write(&w, text).unwrap();
        let o = run(&[
            "suggest",
            "--firm",
            "S0005",
            "--weights",
            s(&w),
            "--out",
            s(&dir.join("o")),
        ]);
        assert_refused(&o, expect);
    }
}

/// Three hundred identical squares and firms inside them all: the summary lists a bounded
/// sample of overlaps, counts them all, and each zone still counts every firm inside.
#[test]
fn many_overlapping_zones_stay_bounded() {
    let dir = temp_dir("overlaps");
    let n_zones = 300;
    let features: Vec<String> = (0..n_zones)
        .map(|k| {
            format!(
                r#"{{"type":"Feature","properties":{{"id":"Q{k:03}"}},"geometry":{{"type":"Polygon","coordinates":[[[114.0,22.5],[114.1,22.5],[114.1,22.6],[114.0,22.6],[114.0,22.5]]]}}}}"#
            )
        })
        .collect();
    let zones = dir.join("z.geojson");
    std::fs::write(
        &zones,
        format!(
            r#"{{"type":"FeatureCollection","features":[{}]}}"#,
            features.join(",")
        ),
    )
    .unwrap();
    let mut csv = String::from("id,lon,lat\n");
    let mut rng = common::Lcg(9);
    let (mut inside, n) = (0, 3000);
    for i in 0..n {
        let (lon, lat) = (113.95 + rng.next() * 0.2, 22.45 + rng.next() * 0.2);
        if lon > 114.0 && lon < 114.1 && lat > 22.5 && lat < 22.6 {
            inside += 1;
        }
        csv.push_str(&format!("F{i},{lon:.6},{lat:.6}\n"));
    }
    let firms = dir.join("f.csv");
    std::fs::write(&firms, csv).unwrap();
    let out = dir.join("out");
    let o = run(&[
        "analyze",
        "--zones",
        s(&zones),
        "--firms",
        s(&firms),
        "--out",
        s(&out),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["n_overlapping"], inside);
    let listed = summary["overlaps"].as_array().unwrap();
    assert_eq!(listed.len(), inside.min(1000));
    assert_eq!(listed[0]["zones"].as_array().unwrap().len(), n_zones);
    for z in summary["zones"].as_array().unwrap() {
        assert_eq!(z["firms_inside"], inside, "{}", z["id"]);
    }
}

#[cfg(unix)]
#[test]
fn a_named_pipe_and_standard_input_are_read_once() {
    let dir = temp_dir("pipe");
    let zones = dir.join("z.geojson");
    std::fs::write(&zones, TEST_ZONES).unwrap();
    let body = "id,lon,lat\nA1,113.93,22.53\nA2,114.06,22.54\nA3,114.2,22.7\n";
    let fifo = dir.join("firms.csv");
    let status = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(status.success());
    let writer = {
        let fifo = fifo.clone();
        std::thread::spawn(move || {
            let mut f = std::fs::OpenOptions::new().write(true).open(fifo).unwrap();
            f.write_all(body.as_bytes()).unwrap();
        })
    };
    let mut child = bin()
        .args([
            "analyze",
            "--zones",
            s(&zones),
            "--firms",
            s(&fifo),
            "--out",
        ])
        .arg(dir.join("o1"))
        .stdin(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let t0 = std::time::Instant::now();
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        if t0.elapsed().as_secs() > 30 {
            let _ = child.kill();
            panic!("analyze hung on a named pipe");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    writer.join().unwrap();
    assert!(status.success());
    let firms = std::fs::read_to_string(dir.join("o1/firms.csv")).unwrap();
    assert_eq!(firms.lines().count(), 4);

    // `-` reads standard input.
    let mut child = bin()
        .args(["analyze", "--zones", s(&zones), "--firms", "-", "--out"])
        .arg(dir.join("o2"))
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(body.as_bytes())
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(dir.join("o2/firms.csv")).unwrap(),
        firms
    );
}

#[test]
fn results_never_replace_inputs_or_foreign_files() {
    let dir = temp_dir("inputs");
    let io = dir.join("io");
    std::fs::create_dir_all(&io).unwrap();
    let input = io.join("firms.csv");
    let body = "id,lon,lat\nA1,113.93,22.53\nA2,114.06,22.54\n";
    std::fs::write(&input, body).unwrap();
    let o = run(&["analyze", "--firms", s(&input), "--out", s(&io)]);
    assert_refused(&o, "the input");
    assert_eq!(std::fs::read_to_string(&input).unwrap(), body);

    // A folder with the user's other files is refused, untouched.
    let mine = dir.join("mine");
    std::fs::create_dir_all(&mine).unwrap();
    std::fs::write(mine.join("report.docx"), "draft").unwrap();
    let o = run(&["analyze", "--out", s(&mine)]);
    assert_refused(&o, "report.docx");
    assert_eq!(std::fs::read_dir(&mine).unwrap().count(), 1);

    // An existing file as --out is refused before any work.
    let o = run(&["analyze", "--out", s(&input)]);
    assert_refused(&o, "folder");

    // render and convert refuse to write over their input.
    let o = run(&["render", "--firms", s(&input), "--out", s(&input)]);
    assert_refused(&o, "the input");
    let o = run(&[
        "convert",
        "--from",
        "gcj02",
        "--to",
        "wgs84",
        s(&input),
        s(&input),
    ]);
    assert_refused(&o, "the input");
    assert_eq!(std::fs::read_to_string(&input).unwrap(), body);
}

#[test]
fn a_second_run_replaces_the_whole_result_set_and_leaves_no_temporaries() {
    let dir = temp_dir("sets");
    let out = dir.join("results");
    let o = run(&["analyze", "--eps-m", "300", "--out", s(&out)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = run(&[
        "suggest",
        "--firm",
        "S0005",
        "--draws",
        "50",
        "--out",
        s(&out),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = run(&["analyze", "--eps-m", "700", "--out", s(&out)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["parameters"]["eps_m"], 700.0);
    let clusters: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("clusters.geojson")).unwrap())
            .unwrap();
    assert_eq!(clusters["parameters"]["eps_m"], 700.0);
    // suggest's files stay beside analyze's.
    assert!(out.join("suggestions.json").exists());
    let names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    assert_eq!(
        names,
        vec!["results".to_string()],
        "temporaries left: {names:?}"
    );
}

#[cfg(unix)]
#[test]
fn an_interrupted_run_leaves_the_old_results_and_no_temporaries() {
    let dir = temp_dir("sigint");
    let firms = dir.join("big.csv");
    let o = run(&["sample", "--n", "300000", "--seed", "3", "--out", s(&firms)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = dir.join("results");
    let o = run(&["analyze", "--out", s(&out)]);
    assert!(o.status.success());
    let mut before = std::fs::read(out.join("summary.json")).unwrap();
    for delay_ms in [50u64, 250, 600, 900, 1200] {
        let child = bin()
            .args(["analyze", "--firms", s(&firms), "--out", s(&out)])
            .stdin(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        unsafe_kill(child.id(), 2);
        let o = child.wait_with_output().unwrap();
        let names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            .collect();
        assert!(
            names.iter().all(|n| n == "results" || n == "big.csv"),
            "after SIGINT at {delay_ms} ms: {names:?}"
        );
        let now = std::fs::read(out.join("summary.json")).unwrap();
        let said = String::from_utf8_lossy(&o.stderr);
        // A signal after the rename finds the new set in place, and says so; before it, the
        // old set is untouched.
        let replaced = o.status.success() || said.contains("put in place");
        // (A signal before the handler is installed ends the process with no message; it
        // has written nothing then.)
        if !replaced {
            assert_eq!(
                now, before,
                "an interrupted run changed the results: {said}"
            );
        }
        before = now.clone();
        // The set is whole: summary and firms agree on the number of firms.
        let summary: serde_json::Value = serde_json::from_slice(&now).unwrap();
        let rows = std::fs::read_to_string(out.join("firms.csv"))
            .unwrap()
            .lines()
            .count()
            - 1;
        assert_eq!(summary["n_firms"], rows);
    }
}

#[cfg(unix)]
fn unsafe_kill(pid: u32, sig: i32) {
    let _ = Command::new("kill")
        .arg(format!("-{sig}"))
        .arg(pid.to_string())
        .status();
}

#[cfg(unix)]
#[test]
fn outputs_that_are_links_pipes_or_devices_are_written_through_or_refused() {
    let dir = temp_dir("special");
    let real = dir.join("real.csv");
    std::fs::write(&real, "old").unwrap();
    let link = dir.join("link.csv");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let o = run(&["sample", "--n", "5", "--out", s(&link)]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(std::fs::read_to_string(&real).unwrap().lines().count(), 6);

    let fifo = dir.join("pipe.csv");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let o = run(&["sample", "--n", "5", "--out", s(&fifo)]);
    assert_refused(&o, "named pipe");
    use std::os::unix::fs::FileTypeExt;
    assert!(
        std::fs::symlink_metadata(&fifo)
            .unwrap()
            .file_type()
            .is_fifo()
    );

    let o = run(&["render", "--out", "/dev/null"]);
    assert_refused(&o, "device");
    let o = run(&["sample", "--n", "5", "--out", s(&dir)]);
    assert_refused(&o, "folder");
    // `-` writes to standard output.
    let o = run(&["sample", "--n", "3", "--out", "-"]);
    assert!(o.status.success());
    assert_eq!(String::from_utf8_lossy(&o.stdout).lines().count(), 4);
}

#[test]
fn control_characters_from_files_are_escaped_in_messages() {
    let dir = temp_dir("escapes");
    let f = dir.join("f.csv");
    std::fs::write(
        &f,
        "id,lon,lat,\u{1b}[31mevil\u{7}\nA,114.0,22.5,x\nB,\u{1b}]0;title\u{7},22.5,y\nC,114.1,22.6,z\n",
    )
    .unwrap();
    let o = run(&[
        "analyze",
        "--firms",
        s(&f),
        "--lon-col",
        "lo\u{1b}[2Jn",
        "--out",
        s(&dir.join("o")),
    ]);
    let err = stderr(&o);
    assert!(!err.contains('\u{1b}') && !err.contains('\u{7}'), "{err:?}");
    assert!(err.contains("\\u{1b}"), "{err}");
    let o = run(&["analyze", "--firms", s(&f), "--out", s(&dir.join("o"))]);
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(!err.contains('\u{1b}') && !err.contains('\u{7}'), "{err:?}");
}

#[test]
fn a_program_or_a_wide_file_opened_as_firms_gets_a_short_clear_message() {
    let dir = temp_dir("not_text");
    // The start of a program (NUL bytes among others), given as the firms file.
    let program = dir.join("firms.csv");
    let mut bytes = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x03\0>\0".to_vec();
    bytes.extend((0..3000u32).map(|k| (k * 7919 % 251) as u8));
    std::fs::write(&program, &bytes).unwrap();
    let o = run(&[
        "analyze",
        "--firms",
        s(&program),
        "--out",
        s(&dir.join("o")),
    ]);
    assert_refused(&o, "not a text table");
    assert!(stderr(&o).len() < 600, "{}", stderr(&o));
    // A header of 300 long names and no coordinates: the list is cut, the advice kept.
    let wide = dir.join("wide.csv");
    let header: Vec<String> = (0..300)
        .map(|k| format!("{}{k}", "字段".repeat(40)))
        .collect();
    std::fs::write(&wide, format!("{}\n", header.join(","))).unwrap();
    let o = run(&["analyze", "--firms", s(&wide), "--out", s(&dir.join("o"))]);
    assert_refused(&o, "name them lon/lat");
    assert!(stderr(&o).contains("… 280 more"), "{}", stderr(&o));
    assert!(stderr(&o).len() < 2500, "{}", stderr(&o).len());
}

#[test]
fn render_creates_the_output_folder() {
    let dir = temp_dir("render-dir");
    let out = dir.join("new/deeper/map.png");
    let o = run(&["render", "--out", s(&out)]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(out.exists());
}

/// Found by a black-box fuzzer: each aborted, hung or grew without bound before.
#[test]
fn fuzzer_findings_stay_fixed() {
    let dir = temp_dir("fuzz-findings");
    // A header ending in a million commas reserved 46 GB and aborted.
    let wide = dir.join("wide.csv");
    let mut text = String::from("id,name,lon,lat,segment");
    text.push_str(&",".repeat(1_000_000));
    text.push('\n');
    for i in 0..20_000 {
        text.push_str(&format!("A{i},name{i},114.05,22.54,hardware\n"));
    }
    std::fs::write(&wide, text).unwrap();
    let o = run(&["analyze", "--firms", s(&wide), "--out", s(&dir.join("o1"))]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("unnamed columns"), "{}", stderr(&o));
    // Many firms on one geocode made the k-distance step quadratic (20,000 firms: 11 s).
    let t0 = std::time::Instant::now();
    let o = run(&["analyze", "--firms", s(&wide), "--out", s(&dir.join("o2"))]);
    assert!(o.status.success());
    assert!(t0.elapsed().as_secs() < 20, "{:?}", t0.elapsed());
    // A zone around the dateline hung the triangulation of the map.
    let zones = dir.join("dateline.geojson");
    std::fs::write(&zones, r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"Q01"},"geometry":{"type":"Polygon","coordinates":[[[179,0],[-179,0],[-179,1],[179,1],[179,0]]]}}]}"#).unwrap();
    let t0 = std::time::Instant::now();
    let o = run(&[
        "render",
        "--zones",
        s(&zones),
        "--out",
        s(&dir.join("d.png")),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(t0.elapsed().as_secs() < 30, "{:?}", t0.elapsed());
    // 200,000 firms on one geocode inside a zone: the zone's own Clark–Evans made the
    // nearest-neighbour pass quadratic (over a minute).
    let zones = dir.join("zones.geojson");
    std::fs::write(&zones, TEST_ZONES).unwrap();
    let same = dir.join("same.csv");
    std::fs::write(
        &same,
        format!("lon,lat\n{}", "113.925,22.525\n".repeat(200_000)),
    )
    .unwrap();
    let t0 = std::time::Instant::now();
    let o = run(&[
        "analyze",
        "--zones",
        s(&zones),
        "--firms",
        s(&same),
        "--out",
        s(&dir.join("o4")),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(t0.elapsed().as_secs() < 20, "{:?}", t0.elapsed());
    // A missing required argument is named on the one error line.
    let o = run(&["analyze"]);
    assert_refused(&o, "--out");
    // A newline from an argument does not split the error line.
    let o = run(&["suggest", "--firm", "S0005\nX", "--out", s(&dir.join("o3"))]);
    assert_refused(&o, "S0005\\nX");
    // Folder outputs refuse '-'.
    let o = run(&["suggest", "--firm", "S0005", "--out", "-"]);
    assert_refused(&o, "folder");
    assert!(!Path::new("-").exists());
}

#[cfg(unix)]
#[test]
fn endless_devices_and_shared_folders_are_handled() {
    let dir = temp_dir("devices");
    // /dev/zero as a weights file is refused quickly, not read until memory runs out.
    let o = run(&[
        "suggest",
        "--weights",
        "/dev/zero",
        "--out",
        s(&dir.join("o")),
    ]);
    assert_refused(&o, "larger than");
    // An existing empty folder keeps its permissions when the results replace it.
    use std::os::unix::fs::PermissionsExt;
    let shared = dir.join("shared");
    std::fs::create_dir(&shared).unwrap();
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o1777)).unwrap();
    let o = run(&["analyze", "--out", s(&shared)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let mode = std::fs::metadata(&shared).unwrap().permissions().mode() & 0o7777;
    assert_eq!(mode, 0o1777);
}
