//! The layer order of ARCHITECTURE.md, checked on the source: a module may use only modules at
//! its own level or below, and only the app (the window) may use egui.
//!
//! {model, version} < crs < {data, tiles} < {sample, index} < {analysis, digitise} < scene < pipeline < output < export < app; the binary's
//! `cli` may use everything.

use std::path::Path;

const LAYERS: &[(&str, u8)] = &[
    ("model", 0),
    ("version", 0),
    ("crs", 1),
    ("data", 2),
    ("tiles", 2),
    ("sample", 3),
    ("index", 3),
    ("analysis", 4),
    ("digitise", 4),
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

/// Sibling modules a file names (`super::x`, `crate::top::x`), among `siblings`.
fn sibling_uses(text: &str, top: &str, siblings: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let code = line.trim_start();
        if code.starts_with("//") {
            continue;
        }
        let prefixes = [String::from("super::"), format!("crate::{top}::")];
        for prefix in &prefixes {
            let mut rest = code;
            while let Some(at) = rest.find(prefix.as_str()) {
                rest = &rest[at + prefix.len()..];
                let names: Vec<String> = if let Some(group) = rest.strip_prefix('{') {
                    let inner = group.split('}').next().unwrap_or("");
                    inner.split(',').map(|p| p.trim().to_string()).collect()
                } else {
                    vec![rest.to_string()]
                };
                for n in names {
                    let name: String = n
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect();
                    if siblings.contains(&name) && !out.contains(&name) {
                        out.push(name);
                    }
                }
            }
        }
    }
    out
}

#[test]
fn no_module_cycles_among_siblings() {
    // Within each top-level module, the files of one folder must not use each other in a
    // circle (e.g. clark_evans ↔ nearest): shared pieces move down instead.
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut cycles = Vec::new();
    for (top, _) in LAYERS {
        let dir = src.join(top);
        if !dir.is_dir() {
            continue;
        }
        let mut dirs = vec![dir];
        while let Some(d) = dirs.pop() {
            let mut mods: Vec<(String, std::path::PathBuf)> = Vec::new();
            for e in std::fs::read_dir(&d).unwrap().flatten() {
                let p = e.path();
                if p.is_dir() {
                    dirs.push(p.clone());
                    if p.join("mod.rs").exists() {
                        let name = p.file_name().unwrap().to_string_lossy().to_string();
                        mods.push((name, p.join("mod.rs")));
                    }
                } else if p.extension().is_some_and(|x| x == "rs") {
                    let stem = p.file_stem().unwrap().to_string_lossy().to_string();
                    if stem != "mod" && stem != "tests" {
                        mods.push((stem, p));
                    }
                }
            }
            let names: Vec<String> = mods.iter().map(|(n, _)| n.clone()).collect();
            let uses: Vec<(String, Vec<String>)> = mods
                .iter()
                .map(|(n, p)| {
                    let text = std::fs::read_to_string(p).unwrap();
                    let mut u = sibling_uses(&text, top, &names);
                    u.retain(|x| x != n);
                    (n.clone(), u)
                })
                .collect();
            for (a, ua) in &uses {
                for b in ua {
                    let back = uses.iter().find(|(n, _)| n == b).map(|(_, u)| u);
                    if back.is_some_and(|u| u.contains(a)) && a < b {
                        cycles.push(format!("{}: {a} ↔ {b}", d.display()));
                    }
                }
            }
        }
    }
    assert!(cycles.is_empty(), "module cycles:\n{}", cycles.join("\n"));
}

#[test]
fn the_cycle_checker_sees_sibling_paths() {
    let sib = vec!["nearest".to_string(), "grid".to_string()];
    assert_eq!(
        sibling_uses("use super::nearest::kth;", "analysis", &sib),
        vec!["nearest"]
    );
    assert_eq!(
        sibling_uses(
            "let a = crate::analysis::{grid::Grid, nearest};",
            "analysis",
            &sib
        ),
        vec!["grid", "nearest"]
    );
    assert!(sibling_uses("// super::nearest", "analysis", &sib).is_empty());
}

/// Longest source file allowed: files that grow past it are split where they divide.
const MAX_FILE_LINES: usize = 650;

#[test]
fn no_source_file_is_too_long_to_change_safely() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut all = Vec::new();
    files(&src, &mut all);
    let long: Vec<String> = all
        .iter()
        .filter_map(|p| {
            let n = std::fs::read_to_string(p).unwrap().lines().count();
            (n > MAX_FILE_LINES).then(|| format!("{} ({n} lines)", p.display()))
        })
        .collect();
    assert!(long.is_empty(), "split these files:\n{}", long.join("\n"));
}
