//! The window starts on any settings file: random, hostile values in every numeric field (NaN,
//! ±inf, huge, negative) are reset field by field, the window says which, and it draws frames
//! without a panic.
#![cfg(feature = "gui")]

use crate::common;

use std::time::{Duration, Instant};

use cluster_atlas::app::{ClusterAtlasApp, Settings, settings_file};
use egui_kittest::Harness;
use serde_json::Value;

/// Every numeric leaf of the settings as JSON, by path.
fn numeric_paths(v: &Value, path: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    match v {
        Value::Number(_) => out.push(path.clone()),
        Value::Object(m) => {
            for (k, x) in m {
                path.push(k.clone());
                numeric_paths(x, path, out);
                path.pop();
            }
        }
        _ => {}
    }
}

fn settings_with_a_view() -> Settings {
    Settings {
        view: Some(cluster_atlas::scene::Viewport {
            centre: cluster_atlas::model::Xy::new(1000.0, -2000.0),
            m_per_px: 40.0,
            width_px: 900.0,
            height_px: 600.0,
        }),
        ..Default::default()
    }
}

/// Replaces the number at `path` in the JSON text by `token` (which may be NaN or inf: not
/// JSON, as a hand edit would write them).
fn with_token(base: &Value, path: &[String], token: &str) -> String {
    let mut v = base.clone();
    let marker = "\"@@MARK@@\"";
    let mut slot = &mut v;
    for k in path {
        slot = slot.get_mut(k).unwrap();
    }
    *slot = Value::String("@@MARK@@".into());
    serde_json::to_string(&v).unwrap().replace(marker, token)
}

fn run_frames(app: ClusterAtlasApp) -> Harness<'static, ClusterAtlasApp> {
    let mut h = Harness::builder()
        .with_size([1024.0, 700.0])
        .build_ui_state(|ui, app: &mut ClusterAtlasApp| app.show(ui), app);
    let t0 = Instant::now();
    loop {
        h.step();
        if !h.state().is_busy() || t0.elapsed() > Duration::from_secs(60) {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    h.run_steps(2);
    h
}

#[test]
fn hostile_values_in_every_numeric_field_are_reset_and_reported() {
    let base = serde_json::to_value(settings_with_a_view()).unwrap();
    let mut paths = Vec::new();
    numeric_paths(&base, &mut Vec::new(), &mut paths);
    assert!(paths.len() >= 15, "{paths:?}");
    let tokens = [
        "NaN",
        "Infinity",
        "-Infinity",
        "1e308",
        "-1e308",
        "-1",
        "1e30",
        "3e4",
        "-0.5",
    ];
    let mut rng = common::Lcg(2026);
    for path in &paths {
        for token in tokens {
            let text = with_token(&base, path, token);
            let (s, notes) = settings_file::from_stored(&text);
            // Whatever was reset, the result is within every documented range.
            let mut again = s.clone();
            assert!(again.repair().is_empty(), "{path:?} = {token}: {s:?}");
            // A value that changed was reported, naming its field.
            let kept = serde_json::to_value(&s).unwrap();
            let now = path.iter().try_fold(&kept, |v, k| v.get(k));
            let changed = now.and_then(Value::as_f64) != token.parse::<f64>().ok();
            if changed {
                let leaf = path.last().unwrap();
                let parent = &path[0];
                assert!(
                    notes
                        .iter()
                        .any(|n| n.contains(leaf.as_str()) || n.contains(parent.as_str())),
                    "{path:?} = {token} changed without a note: {notes:?}"
                );
            }
        }
    }
    // Whole random files: several fields hostile at once, through the window's start.
    for _ in 0..6 {
        let mut v = base.clone();
        for path in &paths {
            if rng.next() < 0.5 {
                let t = tokens[(rng.next() * tokens.len() as f64) as usize % tokens.len()];
                let mut slot = &mut v;
                for k in path {
                    slot = slot.get_mut(k).unwrap();
                }
                *slot = Value::String(format!("@@{t}@@"));
            }
        }
        let mut text = serde_json::to_string(&v).unwrap();
        for t in tokens {
            text = text.replace(&format!("\"@@{t}@@\""), t);
        }
        let app = ClusterAtlasApp::from_stored_settings(Some(&text), Vec::new());
        let h = run_frames(app);
        assert!(
            h.state()
                .messages
                .iter()
                .any(|m| m.text.contains("reset") || m.text.contains("恢复默认")),
            "no notice for {text}"
        );
        assert!(h.state().settings.clone().repair().is_empty());
    }
}

#[test]
fn the_reported_crashes_start_cleanly() {
    for text in [
        // firm_radius_px 1e30 overflowed the dot stamp.
        r#"{"scene": {"firm_radius_px": 1e30, "firms": {"visible": true, "opacity": 1.0}}}"#,
        // A NaN view centre panicked in the R-tree's nearest-neighbour search.
        r#"{"view": {"centre": {"x": NaN, "y": NaN}, "m_per_px": 10.0, "width_px": 800.0, "height_px": 600.0}}"#,
        // eps NaN showed as 20000 m.
        r#"{"eps_m": NaN, "min_pts": 1000000000000}"#,
        "complete garbage \u{1b}[2J",
    ] {
        let app = ClusterAtlasApp::from_stored_settings(Some(text), Vec::new());
        let h = run_frames(app);
        let s = &h.state().settings;
        assert_eq!(s.scene.firm_radius_px, 2.5);
        assert_eq!(s.eps_m, 500.0);
        assert_eq!(s.min_pts, 5);
        assert!(s.view.is_some_and(|v| v.centre.x.is_finite()));
        let notice = h
            .state()
            .messages
            .iter()
            .find(|m| m.text.contains("reset") || m.text.contains("恢复默认"))
            .unwrap_or_else(|| panic!("no notice for {text}"));
        assert!(!notice.error);
        // The notice follows a switch of language, as every message does.
        use cluster_atlas::model::Lang;
        assert!(notice.shown(Lang::Zh).contains("恢复默认"), "{notice:?}");
        assert!(notice.shown(Lang::En).contains("reset"), "{notice:?}");
        // After a good frame, the settings saved are clean and reload without notes.
        let (_, notes) = settings_file::from_stored(&settings_file::to_stored(s));
        assert!(notes.is_empty(), "{notes:?}");
    }
}
