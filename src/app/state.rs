//! What the window remembers between runs ([`Settings`], persisted with serde defaults so old
//! files still load) and the data it is showing ([`Dataset`], [`Results`]; never persisted).

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::analysis::AnalysisParams;
use crate::analysis::relocate::Weights;
use crate::crs::Projection;
use crate::data::{FirmLoadOptions, ZoneLoadOptions};
use crate::model::limits;
use crate::scene::{SceneSettings, Viewport};

pub use crate::pipeline::{Dataset, Results};

/// Which Clark–Evans area the analysis uses in the window.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum StudyAreaChoice {
    #[default]
    Bbox,
    Hull,
    /// Shenzhen's land (bundled districts).
    Land,
}

/// A file the user opened, with how it was read.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RecentFile {
    pub path: PathBuf,
    pub zones: bool,
    #[serde(default)]
    pub firm_options: FirmLoadOptions,
    #[serde(default)]
    pub zone_options: ZoneLoadOptions,
}

/// The files open in the window (how each was read), reopened at the next start.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct OpenFiles {
    pub zones: Option<RecentFile>,
    pub firms: Option<RecentFile>,
}

/// The selected zone and firm, by id (indices change when data is read again).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SavedSelection {
    pub zone: Option<String>,
    pub firm: Option<String>,
}

/// Persisted settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    pub scene: SceneSettings,
    pub eps_m: f64,
    pub min_pts: usize,
    pub study_area: StudyAreaChoice,
    pub weights: Weights,
    pub advisor_radius_m: f64,
    /// The advisor's commuting radius, distance cost and margin over staying.
    pub commute_radius_m: f64,
    pub distance_cost: f64,
    pub margin: f64,
    pub stability_draws: usize,
    pub view: Option<Viewport>,
    pub recent: Vec<RecentFile>,
    pub left_panel: bool,
    pub right_panel: bool,
    /// The last slot matching the user applied: the zone file's name and the matches.
    pub slot_matches: Option<(String, crate::data::slots::SlotMatches)>,
    /// The user's own files shown when the window closed (none: the bundled data).
    pub open: OpenFiles,
    /// The zone or firm selected when the window closed, by id.
    pub selection: SavedSelection,
    /// The bottom panel's height as the user left it (points), restored when the window has
    /// room for it again.
    pub bottom_panel_px: Option<f32>,
    /// The street basemap (off by default: the window stays offline until the user turns
    /// one on). A per-user choice: not stored in project files, which may be shared.
    pub tiles: crate::tiles::TileSettings,
    /// Zones drawn in the digitiser (GeoJSON features), put back over the zones at the next
    /// start so drawn work is never lost.
    pub digitised: Vec<serde_json::Value>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            scene: SceneSettings::default(),
            eps_m: 500.0,
            min_pts: 5,
            study_area: StudyAreaChoice::Bbox,
            weights: Weights::default(),
            advisor_radius_m: 3000.0,
            commute_radius_m: limits::COMMUTE_RADIUS_M.default,
            distance_cost: limits::DISTANCE_COST.default,
            margin: limits::MARGIN.default,
            stability_draws: 1000,
            view: None,
            recent: Vec::new(),
            left_panel: true,
            right_panel: true,
            slot_matches: None,
            open: OpenFiles::default(),
            selection: Default::default(),
            bottom_panel_px: None,
            tiles: crate::tiles::TileSettings::default(),
            digitised: Vec::new(),
        }
    }
}

impl Settings {
    pub fn analysis_params(&self) -> AnalysisParams {
        AnalysisParams {
            dbscan: crate::analysis::DbscanParams {
                eps_m: self.eps_m,
                min_pts: self.min_pts,
            },
            study_area: match self.study_area {
                StudyAreaChoice::Bbox => crate::analysis::StudyArea::Bbox,
                StudyAreaChoice::Hull => crate::analysis::StudyArea::Hull,
                StudyAreaChoice::Land => crate::analysis::StudyArea::Land,
            },
            nearby_radius_m: self.advisor_radius_m,
        }
    }

    /// Resets every out-of-range or non-finite number (from a hand-edited or damaged settings
    /// file) to its default, keeping all other fields; returns one note per field reset.
    pub fn repair(&mut self) -> Vec<String> {
        let mut notes = Vec::new();
        if let Some(h) = self.bottom_panel_px
            && !(h.is_finite() && (100.0..=10_000.0).contains(&h))
        {
            notes.push(format!(
                "bottom_panel_px = {h} is not a panel height; reset"
            ));
            self.bottom_panel_px = None;
        }
        let s = &mut self.scene;
        if s.lang != s.lang.single() {
            notes.push("scene.lang = both is for exports; the window shows 中文".into());
            s.lang = s.lang.single();
        }
        limits::FIRM_RADIUS_PX.repair_f32(
            "scene.firm_radius_px",
            &mut s.firm_radius_px,
            &mut notes,
        );
        limits::BANDWIDTH_M.repair(
            "scene.density_bandwidth_m",
            &mut s.density_bandwidth_m,
            &mut notes,
        );
        let defaults = SceneSettings::default();
        for (name, layer, default) in [
            ("land", &mut s.land, defaults.land),
            ("districts", &mut s.districts, defaults.districts),
            ("zones", &mut s.zones, defaults.zones),
            ("firms", &mut s.firms, defaults.firms),
            ("clusters", &mut s.clusters, defaults.clusters),
            ("density", &mut s.density, defaults.density),
            ("hotspots", &mut s.hotspots, defaults.hotspots),
        ] {
            if !limits::OPACITY.contains(layer.opacity as f64) {
                notes.push(format!(
                    "scene.{name}.opacity = {} is outside {}; reset to {}",
                    limits::short(layer.opacity as f64),
                    limits::OPACITY.describe(),
                    default.opacity
                ));
                layer.opacity = default.opacity;
            }
        }
        let mut n = f64::from(self.scene.new_years);
        limits::NEW_YEARS.repair("scene.new_years", &mut n, &mut notes);
        self.scene.new_years = n as u8;
        if let Some(y) = self.scene.year
            && !limits::YEAR.contains(f64::from(y))
        {
            notes.push(format!(
                "scene.year = {y} is outside {}; reset",
                limits::YEAR.describe()
            ));
            self.scene.year = None;
        }
        crate::scene::repair_picked_segments(
            "scene.segment_colours",
            &mut self.scene.segment_colours,
            &mut notes,
        );
        let mut mb = f64::from(self.tiles.cache_mb);
        limits::TILE_CACHE_MB.repair("tiles.cache_mb", &mut mb, &mut notes);
        self.tiles.cache_mb = mb as u32;
        limits::OPACITY.repair_f32("tiles.opacity", &mut self.tiles.opacity, &mut notes);
        limits::EPS_M.repair("eps_m", &mut self.eps_m, &mut notes);
        limits::MIN_PTS.repair_usize("min_pts", &mut self.min_pts, &mut notes);
        limits::RADIUS_M.repair("advisor_radius_m", &mut self.advisor_radius_m, &mut notes);
        limits::COMMUTE_RADIUS_M.repair("commute_radius_m", &mut self.commute_radius_m, &mut notes);
        limits::DISTANCE_COST.repair("distance_cost", &mut self.distance_cost, &mut notes);
        limits::MARGIN.repair("margin", &mut self.margin, &mut notes);
        limits::DRAWS.repair_usize("stability_draws", &mut self.stability_draws, &mut notes);
        let default_w = Weights::default();
        for c in crate::analysis::relocate::Criterion::ALL {
            let mut v = self.weights.get(c);
            if !limits::WEIGHT.contains(v) {
                notes.push(format!(
                    "weights.{} = {} is outside {}; reset to {}",
                    c.key(),
                    limits::short(v),
                    limits::WEIGHT.describe(),
                    default_w.get(c)
                ));
                v = default_w.get(c);
            }
            self.weights.set(c, v);
        }
        if self.weights.normalised().is_err() {
            notes.push("weights are all zero; reset to the defaults".into());
            self.weights = default_w;
        }
        if let Some(v) = self.view {
            let ok = limits::PLANE_COORD_M.contains(v.centre.x)
                && limits::PLANE_COORD_M.contains(v.centre.y)
                && limits::M_PER_PX.contains(v.m_per_px)
                && v.width_px.is_finite()
                && v.height_px.is_finite()
                && (1.0..=100_000.0).contains(&v.width_px)
                && (1.0..=100_000.0).contains(&v.height_px);
            if !ok {
                notes.push(
                    "view (centre, scale or size) is not a usable map view; the map is fitted to \
                     the data"
                        .into(),
                );
                self.view = None;
            }
        }
        if self.recent.len() > 8 {
            self.recent.truncate(8);
        }
        notes
    }

    /// Remembers a file at the top of the recent list (at most 8, no duplicates).
    pub fn remember(&mut self, file: RecentFile) {
        self.recent
            .retain(|f| f.path != file.path || f.zones != file.zones);
        self.recent.insert(0, file);
        self.recent.truncate(8);
    }
}

/// The window's projection before any data is loaded: Shenzhen's. Data near Shenzhen keeps
/// it (so a saved view stays valid); see [`Projection::for_points`].
pub fn window_projection() -> Projection {
    Projection::default()
}
