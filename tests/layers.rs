//! The layer order of ARCHITECTURE.md, checked on the source: a module may use only modules at
//! its own level or below, and only the app (the window) may use egui.
//!
//! model < crs < data < {sample, index} < analysis < scene < pipeline < output < export < app; the binary's
//! `cli` may use everything.

use std::path::Path;

const LAYERS: &[(&str, u8)] = &[
    ("model", 0),
    ("crs", 1),
    ("data", 2),
    ("sample", 3),
    ("index", 3),
    ("analysis", 4),
    ("scene", 5),
    ("pipeline", 6),
    ("output", 7),
    ("export", 8),
    ("app", 9),
];

fn rank(m: &str) -> Option<u8> {
    LAYERS.iter().find(|(n, _)| *n == m).map(|(_, r)| *r)
}

fn files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The crate modules a line names (`crate::x`, `use crate::{x, y}`).
fn named(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = line;
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + 7..];
        if let Some(group) = rest.strip_prefix('{') {
            let inner = group.split('}').next().unwrap_or("");
            for part in inner.split(',') {
                let name: String = part
                    .trim()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                out.push(name);
            }
        } else {
            out.push(
                rest.chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect(),
            );
        }
    }
    out
}

#[test]
fn modules_use_only_their_own_layer_or_below() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut all = Vec::new();
    files(&src, &mut all);
    let mut broken = Vec::new();
    for p in &all {
        let rel = p.strip_prefix(&src).unwrap();
        let first = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy();
        let module = first.trim_end_matches(".rs").to_string();
        let Some(own) = rank(&module) else {
            continue; // lib.rs, main.rs, cli/
        };
        let text = std::fs::read_to_string(p).unwrap();
        for (n, line) in text.lines().enumerate() {
            let code = line.trim_start();
            if code.starts_with("//") {
                continue;
            }
            for used in named(code) {
                if let Some(r) = rank(&used)
                    && r > own
                {
                    broken.push(format!("{}:{}: {module} uses {used}", rel.display(), n + 1));
                }
            }
            let ui = ["egui::", "eframe::", "use egui", "use eframe"];
            if module != "app" && ui.iter().any(|k| code.contains(k)) {
                broken.push(format!(
                    "{}:{}: {module} uses the UI toolkit",
                    rel.display(),
                    n + 1
                ));
            }
        }
    }
    assert!(
        broken.is_empty(),
        "layer order broken:\n{}",
        broken.join("\n")
    );
}

#[test]
fn the_checker_sees_grouped_and_plain_paths() {
    assert_eq!(
        named("use crate::{data, model::Zone};"),
        vec!["data", "model"]
    );
    assert_eq!(
        named("let x = crate::output::short_hash(&[]);"),
        vec!["output"]
    );
    assert!(named("// nothing").is_empty() || named("// nothing") == Vec::<String>::new());
}
