//! Helpers shared by the integration tests.
#![allow(dead_code)]

pub mod tile_server;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The release binary under test.
pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_cluster-atlas"))
}

/// How long one run of the binary may take before the test calls it hung (the slowest runs
/// take seconds; CI's whole budget is 90 minutes, and one hang once ate it).
const RUN_LIMIT: std::time::Duration = std::time::Duration::from_secs(600);

/// Runs the binary with `args` (standard input closed) and collects its output. A run past
/// [`RUN_LIMIT`] fails the test with its threads' stacks (by gdb, where there is one) and
/// is killed.
pub fn run(args: &[&str]) -> Output {
    let child = bin()
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(RUN_LIMIT) {
        Ok(out) => out.unwrap(),
        Err(_) => {
            let stacks = Command::new("gdb")
                .args([
                    "-p",
                    &pid.to_string(),
                    "-batch",
                    "-ex",
                    "thread apply all bt",
                ])
                .output()
                .map(|o| String::from_utf8_lossy(&o.stdout).to_string())
                .unwrap_or_else(|e| format!("(no stacks: gdb {e})"));
            let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
            panic!(
                "`cluster-atlas {}` hung past {RUN_LIMIT:?}; its threads:\n{stacks}",
                args.join(" ")
            );
        }
    }
}

/// The run's standard error as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

/// Runs `render` with `args` (writing `cli_file`) and checks that it drew `window_file`'s
/// bytes, the window's export of the same picture (`what` names the case).
pub fn assert_redraws(args: &[&str], window_file: &Path, cli_file: &Path, what: &str) {
    let out = run(args);
    assert!(out.status.success(), "{what}: {}", stderr(&out));
    let (a, b) = (
        std::fs::read(window_file).unwrap(),
        std::fs::read(cli_file).unwrap(),
    );
    assert!(a.len() > 1000, "{what}: {} bytes", a.len());
    assert!(
        a == b,
        "{what}: the window's picture and the command's differ ({} vs {} bytes)",
        a.len(),
        b.len()
    );
}

/// A fresh, empty temporary folder for one test.
pub fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("cluster-atlas-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A small deterministic random stream (LCG) for seeded test data.
pub struct Lcg(pub u64);

impl Lcg {
    pub fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Zones used by several tests: a ring with a hole, a two-part MultiPolygon, a C shape, two
/// overlapping squares and a point zone (WGS-84).
pub const TEST_ZONES: &str = r#"{"type":"FeatureCollection","features":[
 {"type":"Feature","properties":{"id":"A","name_zh":"环形区"},"geometry":{"type":"Polygon","coordinates":[
   [[113.92,22.52],[113.98,22.52],[113.98,22.58],[113.92,22.58],[113.92,22.52]],
   [[113.94,22.54],[113.94,22.56],[113.96,22.56],[113.96,22.54],[113.94,22.54]]]}},
 {"type":"Feature","properties":{"id":"B","name_zh":"双片区"},"geometry":{"type":"MultiPolygon","coordinates":[
   [[[114.05,22.53],[114.07,22.53],[114.07,22.55],[114.05,22.55],[114.05,22.53]]],
   [[[114.09,22.56],[114.11,22.56],[114.11,22.58],[114.09,22.58],[114.09,22.56]]]]}},
 {"type":"Feature","properties":{"id":"C","name_zh":"C形区"},"geometry":{"type":"Polygon","coordinates":[
   [[113.85,22.60],[113.90,22.60],[113.90,22.61],[113.86,22.61],[113.86,22.65],[113.90,22.65],[113.90,22.66],[113.85,22.66],[113.85,22.60]]]}},
 {"type":"Feature","properties":{"id":"E","name_zh":"方形乙"},"geometry":{"type":"Polygon","coordinates":[
   [[114.02,22.64],[114.06,22.64],[114.06,22.68],[114.02,22.68],[114.02,22.64]]]}},
 {"type":"Feature","properties":{"id":"D","name_zh":"方形甲"},"geometry":{"type":"Polygon","coordinates":[
   [[114.00,22.62],[114.04,22.62],[114.04,22.66],[114.00,22.66],[114.00,22.62]]]}},
 {"type":"Feature","properties":{"id":"P","name_zh":"点区"},"geometry":{"type":"Point","coordinates":[114.2,22.7]}},
 {"type":"Feature","properties":{"id":"N","status":"unidentified"},"geometry":null}
]}"#;

/// Steps the window's frames until its background job has finished (then a few more).
#[cfg(feature = "gui")]
pub fn wait_idle(h: &mut egui_kittest::Harness<'static, cluster_atlas::app::ClusterAtlasApp>) {
    let t0 = std::time::Instant::now();
    loop {
        h.step();
        if !h.state().is_busy() {
            break;
        }
        assert!(
            t0.elapsed() < std::time::Duration::from_secs(60),
            "job did not finish"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    h.run_steps(3);
}

/// The window at 1366×768 in kittest, run until its start-up work has finished.
#[cfg(feature = "gui")]
pub fn window(
    app: cluster_atlas::app::ClusterAtlasApp,
) -> egui_kittest::Harness<'static, cluster_atlas::app::ClusterAtlasApp> {
    let mut h = egui_kittest::Harness::builder()
        .with_size([1366.0, 768.0])
        .build_ui_state(
            |ui, app: &mut cluster_atlas::app::ClusterAtlasApp| app.show(ui),
            app,
        );
    wait_idle(&mut h);
    h
}
