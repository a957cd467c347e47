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
    /// Gi* hot and cold spots (when computed).
    pub hotspots: LayerStyle,
    pub labels: bool,
    pub district_labels: bool,
    pub firm_colour: FirmColour,
    /// All firms in this one colour (RGB), overriding `firm_colour` (`render --firm-colour`).
    pub firm_single_colour: Option<[u8; 3]>,
    pub firm_radius_px: f32,
    pub density_bandwidth_m: f64,
    /// Show the firms alive in this year (needs founding dates), the newest highlighted.
    pub year: Option<i32>,
    /// Firms founded in the last this many years (up to `year`) are highlighted (1–10).
    pub new_years: u8,
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
            hotspots: LayerStyle::new(false, 0.5),
            labels: true,
            district_labels: true,
            firm_colour: FirmColour::Segment,
            firm_single_colour: None,
            firm_radius_px: 2.5,
            density_bandwidth_m: 800.0,
            year: None,
            new_years: 3,
        }
    }
}

/// `#RRGGBB` (or `RRGGBB`) → RGB.
pub fn parse_hex_rgb(s: &str) -> Option<[u8; 3]> {
    let h = s.trim().trim_start_matches('#');
    if h.len() != 6 || !h.is_ascii() {
        return None;
    }
    let byte = |i: usize| u8::from_str_radix(h.get(i..i + 2)?, 16).ok();
    Some([byte(0)?, byte(2)?, byte(4)?])
}

#[cfg(test)]
mod tests {
    #[test]
    fn hex_colours() {
        assert_eq!(super::parse_hex_rgb("#FF0080"), Some([255, 0, 128]));
        assert_eq!(super::parse_hex_rgb("0a0b0c"), Some([10, 11, 12]));
        assert_eq!(super::parse_hex_rgb("#FFF"), None);
        assert_eq!(super::parse_hex_rgb("#GG0000"), None);
        assert_eq!(super::parse_hex_rgb("#ＦＦ00"), None);
    }
}
