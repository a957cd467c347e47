//! The pieces a scene is assembled from while its layers are built.

use super::super::{Item, Label, Layer, LegendSection, Rgba, palette};
use crate::model::Xy;

/// What the layers add up to, before labels are placed.
pub(super) struct Parts {
    pub layers: Vec<Layer>,
    pub labels: Vec<Label>,
    pub legend: Vec<LegendSection>,
    pub notes: Vec<String>,
    pub background: Rgba,
    /// Plane points of the zones drawn (for the data bounds).
    pub zone_bounds: Vec<Xy>,
    /// Zone point markers, drawn above the firms so dots never bury them.
    pub markers: Vec<Item>,
    /// Something shown is still being made in the background (see [`crate::scene::Scene::pending`]).
    pub pending: bool,
}

impl Parts {
    pub fn new() -> Self {
        Self {
            layers: Vec::new(),
            labels: Vec::new(),
            legend: Vec::new(),
            notes: Vec::new(),
            background: palette::WATER,
            zone_bounds: Vec::new(),
            markers: Vec::new(),
            pending: false,
        }
    }
}
