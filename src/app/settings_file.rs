//! Reading and writing the window's settings so that a damaged or hand-edited file never stops
//! the window: each field that cannot be read or lies outside its documented range is reset on
//! its own (every other field kept) and the window says which, once.
//!
//! Stored as JSON text (under eframe's storage key); files from older versions held RON and
//! still load.

use serde_json::Value;

use super::state::Settings;

/// The storage key.
pub const KEY: &str = eframe::APP_KEY;

/// The settings as stored text.
pub fn to_stored(s: &Settings) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

/// Reads stored settings text; returns the settings and one note per field that was reset.
pub fn from_stored(text: &str) -> (Settings, Vec<String>) {
    let cleaned = non_finite_to_null(text);
    let (mut settings, mut notes) = match serde_json::from_str::<Value>(&cleaned) {
        Ok(Value::Object(user)) => merge_fields(user),
        Ok(_) => (
            Settings::default(),
            vec!["the settings are not a JSON object; all settings were reset".into()],
        ),
        Err(json_err) => match ron::from_str::<Settings>(text) {
            // Written by an older version.
            Ok(s) => (s, Vec::new()),
            Err(_) => (
                Settings::default(),
                vec![format!(
                    "the settings could not be read ({json_err}); all settings were reset"
                )],
            ),
        },
    };
    notes.extend(settings.repair());
    (settings, notes)
}

/// Starts from the defaults and takes the user's fields one by one (recursing into objects),
/// keeping each only if the whole still deserialises.
fn merge_fields(user: serde_json::Map<String, Value>) -> (Settings, Vec<String>) {
    let mut notes = Vec::new();
    let mut current = serde_json::to_value(Settings::default()).unwrap_or(Value::Null);
    let valid = |v: &Value| serde_json::from_value::<Settings>(v.clone()).is_ok();
    merge_into(&mut current, &[], Value::Object(user), &valid, &mut notes);
    let settings = serde_json::from_value(current).unwrap_or_default();
    (settings, notes)
}

fn merge_into(
    root: &mut Value,
    path: &[String],
    user: Value,
    valid: &dyn Fn(&Value) -> bool,
    notes: &mut Vec<String>,
) {
    let here_is_object = matches!(pointer(root, path), Some(Value::Object(_)));
    match user {
        Value::Object(map) if here_is_object => {
            for (k, v) in map {
                let mut p = path.to_vec();
                p.push(k.clone());
                let known = match pointer(root, path) {
                    Some(Value::Object(m)) => m.contains_key(&k),
                    _ => false,
                };
                if !known {
                    notes.push(format!("unknown setting {} ignored", p.join(".")));
                    continue;
                }
                merge_into(root, &p, v, valid, notes);
            }
        }
        v => {
            let Some(slot) = pointer_mut(root, path) else {
                return;
            };
            let old = std::mem::replace(slot, v.clone());
            if !valid(root) {
                if let Some(slot) = pointer_mut(root, path) {
                    *slot = old;
                }
                let shown: String = v.to_string().chars().take(60).collect();
                notes.push(format!(
                    "{} = {} cannot be used; reset to the default",
                    path.join("."),
                    crate::model::escape_controls(&shown)
                ));
            }
        }
    }
}

fn pointer<'a>(v: &'a Value, path: &[String]) -> Option<&'a Value> {
    path.iter().try_fold(v, |v, k| v.get(k))
}

fn pointer_mut<'a>(v: &'a mut Value, path: &[String]) -> Option<&'a mut Value> {
    path.iter().try_fold(v, |v, k| v.get_mut(k))
}

/// Hand-edited files may hold `NaN` or `inf`, which JSON lacks: read them as null (and so
/// as "not a number", reset) instead of losing the whole file.
fn non_finite_to_null(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_string = false;
    let mut escaped = false;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
            continue;
        }
        if c == '"' {
            in_string = true;
            out.push(c);
            continue;
        }
        let rest = &text[i..];
        let word = [
            "-Infinity",
            "+Infinity",
            "Infinity",
            "-inf",
            "+inf",
            "inf",
            "NaN",
            "nan",
        ]
        .into_iter()
        .find(|w| rest.starts_with(w));
        if let Some(w) = word {
            out.push_str("null");
            for _ in 1..w.chars().count() {
                chars.next();
            }
            continue;
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_field_is_reset_alone_and_named() {
        let mut good = Settings {
            eps_m: 321.0,
            ..Default::default()
        };
        good.scene.lang = crate::scene::Lang::En;
        let text = to_stored(&good)
            .replace("\"min_pts\":5", "\"min_pts\":\"many\"")
            .replace("\"firm_radius_px\":2.5", "\"firm_radius_px\":1e30");
        let (s, notes) = from_stored(&text);
        assert_eq!(s.eps_m, 321.0);
        assert_eq!(s.scene.lang, crate::scene::Lang::En);
        assert_eq!(s.min_pts, 5);
        assert_eq!(s.scene.firm_radius_px, 2.5);
        assert_eq!(notes.len(), 2, "{notes:?}");
        assert!(notes[0].contains("min_pts"), "{notes:?}");
        assert!(notes[1].contains("firm_radius_px"), "{notes:?}");
    }

    #[test]
    fn nan_and_infinity_tokens_reset_their_fields_only() {
        let text = r#"{"eps_m": NaN, "min_pts": 7, "view": {"centre": {"x": NaN, "y": 0.0},
            "m_per_px": 10.0, "width_px": 800.0, "height_px": 600.0},
            "scene": {"density_bandwidth_m": -Infinity, "lang": "en"}}"#;
        let (s, notes) = from_stored(text);
        assert_eq!(s.eps_m, 500.0);
        assert_eq!(s.min_pts, 7);
        assert_eq!(s.view, None);
        assert_eq!(s.scene.density_bandwidth_m, 800.0);
        assert_eq!(s.scene.lang, crate::scene::Lang::En);
        assert_eq!(notes.len(), 3, "{notes:?}");
    }

    #[test]
    fn garbage_gives_defaults_and_says_so() {
        for text in ["", "not settings", "[1,2,3]", "{\"eps_m\": [", "\u{1b}[31m"] {
            let (s, notes) = from_stored(text);
            assert_eq!(s, Settings::default());
            assert_eq!(notes.len(), 1, "{text}: {notes:?}");
        }
    }

    #[test]
    fn older_ron_files_still_load() {
        let ron_text = ron::to_string(&Settings {
            eps_m: 654.0,
            ..Default::default()
        })
        .unwrap();
        let (s, notes) = from_stored(&ron_text);
        assert_eq!(s.eps_m, 654.0);
        assert!(notes.is_empty(), "{notes:?}");
    }

    #[test]
    fn the_stored_text_round_trips() {
        let mut s = Settings {
            eps_m: 900.0,
            min_pts: 9,
            ..Default::default()
        };
        s.scene.segment_colours = vec!["C3971 电子元件".into(), String::new(), "a\"b".into()];
        let (back, notes) = from_stored(&to_stored(&s));
        assert_eq!(back, s);
        assert!(notes.is_empty());
    }

    /// Picked segment names beyond the palette are cut with a note; a list of the wrong type
    /// is reset alone.
    #[test]
    fn picked_segment_colours_are_repaired_like_numbers() {
        let mut s = Settings::default();
        s.scene.segment_colours = ["a", "b", "a ", "c", "d", "e", "f"]
            .map(String::from)
            .into();
        let (back, notes) = from_stored(&to_stored(&s));
        assert_eq!(back.scene.segment_colours, ["a", "b", "c", "d", "e"]);
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(notes[0].contains("scene.segment_colours"), "{notes:?}");
        let text = to_stored(&Settings::default())
            .replace("\"segment_colours\":[]", "\"segment_colours\":7");
        assert!(text.contains(":7"), "{text}");
        let (back, notes) = from_stored(&text);
        assert!(back.scene.segment_colours.is_empty());
        assert_eq!(notes.len(), 1, "{notes:?}");
    }

    #[test]
    fn recent_files_with_chinese_names_spaces_and_windows_paths_round_trip() {
        let mut s = Settings::default();
        for p in [
            r"C:\Users\张三\桌面\企业 名单 (2025).xlsx",
            "/home/李四/深圳 数据/集聚区.geojson",
            r"\\server\共享\zones.gpkg",
        ] {
            s.remember(super::super::state::RecentFile {
                path: p.into(),
                zones: p.ends_with("geojson"),
                firm_options: Default::default(),
                zone_options: Default::default(),
            });
        }
        let (back, notes) = from_stored(&to_stored(&s));
        assert!(notes.is_empty(), "{notes:?}");
        assert_eq!(back.recent, s.recent);
        assert_eq!(
            back.recent[2].path.to_str(),
            Some(r"C:\Users\张三\桌面\企业 名单 (2025).xlsx")
        );
    }
}
