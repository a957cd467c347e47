//! What the user chose to see: language, layers, colours. Serialisable so the window can
//! persist it and the command line can pass it to the exporters.

use serde::{Deserialize, Serialize};

pub use crate::model::Lang;

/// Visibility and opacity of one layer.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LayerStyle {
    pub visible: bool,
    pub opacity: f32,
}

impl Default for LayerStyle {
    fn default() -> Self {
        Self {
            visible: true,
            opacity: 1.0,
        }
    }
}

impl LayerStyle {
    pub const fn new(visible: bool, opacity: f32) -> Self {
        Self { visible, opacity }
    }
}

/// How firms are coloured.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum FirmColour {
    #[default]
    Segment,
    Cluster,
}

/// Everything about how the scene looks. `#[serde(default)]` keeps old settings files loading.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SceneSettings {
    pub lang: Lang,
    pub land: LayerStyle,
    pub districts: LayerStyle,
    pub zones: LayerStyle,
    pub firms: LayerStyle,
    pub clusters: LayerStyle,
    pub density: LayerStyle,
    pub labels: bool,
    pub district_labels: bool,
    pub firm_colour: FirmColour,
    pub firm_radius_px: f32,
    pub density_bandwidth_m: f64,
}

impl Default for SceneSettings {
    fn default() -> Self {
        Self {
            lang: Lang::Zh,
            land: LayerStyle::new(true, 1.0),
            districts: LayerStyle::new(true, 1.0),
            zones: LayerStyle::new(true, 0.9),
            firms: LayerStyle::new(true, 0.85),
            clusters: LayerStyle::new(true, 0.8),
            density: LayerStyle::new(false, 0.7),
            labels: true,
            district_labels: true,
            firm_colour: FirmColour::Segment,
            firm_radius_px: 2.5,
            density_bandwidth_m: 800.0,
        }
    }
}
