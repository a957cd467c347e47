//! What the user chose to see: language, layers, colours. Serialisable so the window can
//! persist it and the command line can pass it to the exporters.

use serde::{Deserialize, Serialize};

use crate::model::limits;

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
    /// Coloured by segment: the segment names (as the data writes them) that take the
    /// palette's colours, in its order, the rest grey; empty for the automatic classes (the
    /// fit table's segments, or the data's commonest names). See [`picked_segments`].
    pub segment_colours: Vec<String>,
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
            segment_colours: Vec::new(),
        }
    }
}

/// Segment names picked to take the segment colours, as the command line, the legend's
/// picker and the settings loader all check them: repeats (the same name once trimmed)
/// dropped, the first kept; at most [`limits::SEGMENT_COLOURS`] names.
pub fn picked_segments(names: &[String]) -> Result<Vec<String>, limits::LimitError> {
    let kept = without_repeats(names);
    limits::SEGMENT_COLOURS.check(kept.len() as f64)?;
    Ok(kept)
}

/// [`picked_segments`] for a settings file: repeats dropped, names beyond the limit left
/// out with a note (`field` names them as the file does).
pub fn repair_picked_segments(field: &str, names: &mut Vec<String>, notes: &mut Vec<String>) {
    *names = without_repeats(names);
    let max = limits::SEGMENT_COLOURS.max as usize;
    if names.len() > max {
        notes.push(format!(
            "{field} names {} segments, more than the {max} colours; the first {max} kept",
            names.len()
        ));
        names.truncate(max);
    }
}

/// The names in order, each trimmed name once (its first spelling kept).
fn without_repeats(names: &[String]) -> Vec<String> {
    let mut kept: Vec<String> = Vec::new();
    for name in names {
        if !kept.iter().any(|k| k.trim() == name.trim()) {
            kept.push(name.clone());
        }
    }
    kept
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
    /// Repeats go (trimmed names compared, the first kept, blank allowed once); more names
    /// than the palette's colours are refused with the range.
    #[test]
    fn picked_segments_drop_repeats_and_stop_at_the_palette() {
        let v = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        let kept = super::picked_segments(&v(&["C1", " C1", "", "C2", "C1 ", " "]));
        assert_eq!(kept.unwrap(), v(&["C1", "", "C2"]));
        let five = v(&["a", "b", "c", "d", "e"]);
        assert_eq!(super::picked_segments(&five).unwrap(), five);
        let six = v(&["a", "b", "c", "d", "e", "f"]);
        let e = super::picked_segments(&six).unwrap_err();
        assert_eq!(
            e.to_string(),
            "segment-colour must be a whole number between 0 and 5, got 6"
        );
        assert_eq!(
            super::picked_segments(&v(&["a", "b", "c", "d", "e", "a"])).unwrap(),
            five
        );
        assert_eq!(super::picked_segments(&[]).unwrap(), Vec::<String>::new());
        // A settings file's list: repeats dropped, then the first five kept with a note.
        let mut notes = Vec::new();
        let mut names = v(&["a", "a ", "b", "c", "d", "e", "f", "g"]);
        super::repair_picked_segments("scene.segment_colours", &mut names, &mut notes);
        assert_eq!(names, five);
        assert_eq!(notes.len(), 1, "{notes:?}");
        let mut names = v(&["x", "x", "y"]);
        super::repair_picked_segments("scene.segment_colours", &mut names, &mut notes);
        assert_eq!((names, notes.len()), (v(&["x", "y"]), 1));
        assert_eq!(
            crate::model::limits::SEGMENT_COLOURS.max as usize,
            crate::scene::palette::SEGMENTS.len() - 1,
            "one colour per picked name, grey for the rest"
        );
    }

    #[test]
    fn hex_colours() {
        assert_eq!(super::parse_hex_rgb("#FF0080"), Some([255, 0, 128]));
        assert_eq!(super::parse_hex_rgb("0a0b0c"), Some([10, 11, 12]));
        assert_eq!(super::parse_hex_rgb("#FFF"), None);
        assert_eq!(super::parse_hex_rgb("#GG0000"), None);
        assert_eq!(super::parse_hex_rgb("#ＦＦ00"), None);
    }
}
