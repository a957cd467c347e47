//! Project files (*File → Save project as… / Open project…*): the files open and how each was
//! read, the analysis and advisor settings, the layers, the view and the selection, in a small
//! versioned JSON document. Data paths are stored relative to the project file, so a folder
//! holding a project and its data can be moved or sent to a colleague.

use std::path::{Component, Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::settings_file;
pub use super::state::SavedSelection;
use super::state::{OpenFiles, RecentFile, Settings};

/// The `format` every project file names.
pub const FORMAT: &str = "cluster-atlas project";
/// The newest project version this build reads and the one it writes.
pub const VERSION: u32 = 1;
/// How project files are named (`*.atlas.json`), so open-by-path and drag-and-drop know them.
pub const EXTENSION: &str = ".atlas.json";
/// Project files are small; anything larger is not one.
const MAX_BYTES: u64 = 16 << 20;

/// The settings a project carries (the rest, such as recent files and panel visibility,
/// belong to the window, not to the project).
const PROJECT_SETTINGS: &[&str] = &[
    "scene",
    "eps_m",
    "min_pts",
    "study_area",
    "weights",
    "advisor_radius_m",
    "commute_radius_m",
    "distance_cost",
    "margin",
    "stability_draws",
    "view",
    "slot_matches",
];

/// A project file as stored.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Project {
    pub format: String,
    pub version: u32,
    /// The user's zone and firm files (none: the bundled data), paths relative to the project.
    #[serde(default)]
    pub files: OpenFiles,
    #[serde(default)]
    pub selection: SavedSelection,
    /// Analysis, advisor, layers and view, with the same names and ranges as the settings.
    #[serde(default)]
    pub settings: serde_json::Map<String, Value>,
    /// Zones drawn in the digitiser, as GeoJSON features (they live in no file of their own
    /// until *Save zones as…*); put over the zone file's zones with the same ids on opening.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub digitised: Vec<Value>,
}

/// Why a project file cannot be opened.
#[derive(Debug, thiserror::Error)]
pub enum ProjectError {
    #[error("{path}: {cause}")]
    Read { path: String, cause: String },
    #[error(
        "{path}: not valid JSON at line {line}, column {column} ({cause}); a project file is \
         written by File → Save project as…"
    )]
    Json {
        path: String,
        line: usize,
        column: usize,
        cause: String,
    },
    #[error(
        "{path}: not a cluster-atlas project (its \"format\" is not \"{FORMAT}\"); open data files with File → Open…"
    )]
    NotAProject { path: String },
    #[error(
        "{path}: project version {version} was written by a newer cluster-atlas (this one reads \
         up to {VERSION}); update cluster-atlas to open it"
    )]
    Newer { path: String, version: u32 },
}

impl Project {
    /// The project of the window's state, with data paths relative to `project_path`'s folder.
    pub fn new(settings: &Settings, selection: SavedSelection, project_path: &Path) -> Self {
        let base = folder_of(project_path);
        let relative = |f: &Option<RecentFile>| {
            f.clone().map(|mut f| {
                f.path = relative_path(&f.path, &base);
                f
            })
        };
        let mut stored = match serde_json::to_value(settings) {
            Ok(Value::Object(m)) => m,
            _ => serde_json::Map::new(),
        };
        stored.retain(|k, _| PROJECT_SETTINGS.contains(&k.as_str()));
        Self {
            format: FORMAT.into(),
            version: VERSION,
            files: OpenFiles {
                zones: relative(&settings.open.zones),
                firms: relative(&settings.open.firms),
            },
            selection,
            settings: stored,
            digitised: Vec::new(),
        }
    }

    /// The digitised zones this project carries, read like a zone file (a bad feature is
    /// reported and skipped).
    pub fn digitised_zones(&self) -> Result<Vec<crate::model::Zone>, String> {
        super::digitiser::zones_of_features(&self.digitised)
    }

    /// The stored text: pretty JSON, one field a line, so it diffs well under version control.
    pub fn to_text(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default() + "\n"
    }

    /// Reads a project file; its data paths come back resolved against its folder.
    pub fn read(path: &Path) -> Result<Self, ProjectError> {
        let shown = path.display().to_string();
        let text =
            crate::data::read_small_text(path, MAX_BYTES).map_err(|e| ProjectError::Read {
                path: shown.clone(),
                cause: e.to_string(),
            })?;
        let mut p = Self::parse(&text, &shown)?;
        let base = folder_of(path);
        for f in [&mut p.files.zones, &mut p.files.firms]
            .into_iter()
            .flatten()
        {
            f.path = base.join(&f.path);
        }
        Ok(p)
    }

    /// Parses project text (`shown` names the file in messages): the format and version are
    /// checked before anything else is read, so a newer file is never half understood.
    pub fn parse(text: &str, shown: &str) -> Result<Self, ProjectError> {
        let json_error = |e: serde_json::Error| ProjectError::Json {
            path: shown.to_string(),
            line: e.line(),
            column: e.column(),
            cause: e.to_string(),
        };
        let value: Value = serde_json::from_str(text).map_err(json_error)?;
        if value.get("format").and_then(Value::as_str) != Some(FORMAT) {
            return Err(ProjectError::NotAProject {
                path: shown.to_string(),
            });
        }
        let version = value.get("version").and_then(Value::as_u64).unwrap_or(0);
        if version > VERSION as u64 {
            return Err(ProjectError::Newer {
                path: shown.to_string(),
                version: u32::try_from(version).unwrap_or(u32::MAX),
            });
        }
        serde_json::from_value(value).map_err(json_error)
    }

    /// `current` with this project's settings applied; a field that cannot be used keeps its
    /// default and is named in the notes (the same rules as the settings file).
    pub fn settings_over(&self, current: &Settings) -> (Settings, Vec<String>) {
        let text = Value::Object(self.settings.clone()).to_string();
        let (read, notes) = settings_file::from_stored(&text);
        let mut s = current.clone();
        s.scene = read.scene;
        s.eps_m = read.eps_m;
        s.min_pts = read.min_pts;
        s.study_area = read.study_area;
        s.weights = read.weights;
        s.advisor_radius_m = read.advisor_radius_m;
        s.commute_radius_m = read.commute_radius_m;
        s.distance_cost = read.distance_cost;
        s.margin = read.margin;
        s.stability_draws = read.stability_draws;
        s.view = read.view;
        s.slot_matches = read.slot_matches;
        (s, notes)
    }
}

/// Whether `path` is named like a project file.
pub fn is_project_file(path: &Path) -> bool {
    path.file_name()
        .map(|n| n.to_string_lossy().to_lowercase().ends_with(EXTENSION))
        .unwrap_or(false)
}

/// `path` with the project extension added when it has none.
pub fn with_extension(path: &Path) -> PathBuf {
    if is_project_file(path) {
        return path.to_path_buf();
    }
    let mut s = path.as_os_str().to_os_string();
    s.push(EXTENSION);
    PathBuf::from(s)
}

/// The folder a project file lives in, absolute when the working folder is known.
fn folder_of(project_path: &Path) -> PathBuf {
    let dir = project_path.parent().unwrap_or(Path::new(""));
    std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf())
}

/// `path` relative to `base` when both are absolute and share a root (`../data/firms.csv`);
/// otherwise `path` as it is (another drive, or already relative to the working folder).
pub fn relative_path(path: &Path, base: &Path) -> PathBuf {
    let Ok(path) = std::path::absolute(path) else {
        return path.to_path_buf();
    };
    let (p, b): (Vec<Component>, Vec<Component>) =
        (path.components().collect(), base.components().collect());
    if p.first() != b.first() {
        return path;
    }
    let common = p.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut out = PathBuf::new();
    for c in &b[common..] {
        if matches!(c, Component::Normal(_)) {
            out.push("..");
        }
    }
    for c in &p[common..] {
        out.push(c.as_os_str());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_by_hand() {
        let rel = |p: &str, b: &str| relative_path(Path::new(p), Path::new(b));
        assert_eq!(rel("/a/b/firms.csv", "/a/b"), PathBuf::from("firms.csv"));
        assert_eq!(
            rel("/a/data/firms.csv", "/a/proj"),
            PathBuf::from("../data/firms.csv")
        );
        assert_eq!(rel("/x/y.csv", "/a/b/c"), PathBuf::from("../../../x/y.csv"));
        assert_eq!(rel("/a/b/c/d.csv", "/a/b"), PathBuf::from("c/d.csv"));
    }

    #[test]
    fn version_format_and_json_errors_name_the_problem() {
        let newer = format!(r#"{{"format": "{FORMAT}", "version": 7}}"#);
        let e = Project::parse(&newer, "p.atlas.json")
            .unwrap_err()
            .to_string();
        assert!(e.contains("version 7") && e.contains("newer"), "{e}");
        let e = Project::parse(r#"{"type": "FeatureCollection"}"#, "z.json")
            .unwrap_err()
            .to_string();
        assert!(e.contains("not a cluster-atlas project"), "{e}");
        let e = Project::parse("{\n  \"format\": ", "p.atlas.json")
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 2"), "{e}");
    }

    #[test]
    fn settings_round_trip_and_bad_fields_reset_alone() {
        let mut s = Settings {
            eps_m: 321.0,
            min_pts: 7,
            left_panel: false,
            ..Default::default()
        };
        s.scene.lang = crate::scene::Lang::En;
        let p = Project::new(
            &s,
            SavedSelection::default(),
            Path::new("/tmp/x.atlas.json"),
        );
        assert!(!p.settings.contains_key("left_panel") && !p.settings.contains_key("recent"));
        let back = Project::parse(&p.to_text(), "x").unwrap();
        let (applied, notes) = back.settings_over(&Settings::default());
        assert!(notes.is_empty(), "{notes:?}");
        assert_eq!((applied.eps_m, applied.min_pts), (321.0, 7));
        assert_eq!(applied.scene.lang, crate::scene::Lang::En);
        assert!(applied.left_panel, "panel visibility belongs to the window");
        let mut bad = back.clone();
        bad.settings.insert("eps_m".into(), serde_json::json!(-5));
        let (applied, notes) = bad.settings_over(&Settings::default());
        assert_eq!(applied.eps_m, Settings::default().eps_m);
        assert_eq!(applied.min_pts, 7);
        assert_eq!(notes.len(), 1, "{notes:?}");
    }
}
