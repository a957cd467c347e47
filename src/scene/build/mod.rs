//! Builds the [`Scene`] from the data, the analysis results and the user's settings.

pub mod firm_classes;
mod layers;
mod parts;
pub mod segment_classes;
pub mod time_layers;
mod zone_legend;

use std::sync::Arc;

use super::basemap::Basemap;
use super::fill::{ZoneFills, bounds_of};
use super::{Layer, LayerKind, Scene, SceneSettings};
use crate::analysis::ClusterSummary;
use crate::analysis::density::DensityGrid;
use crate::crs::Projection;
use crate::index::ZoneShape;
use crate::model::{Firms, FitTable, Lang, Xy, Zone};
use parts::Parts;

/// What is selected in the window (drawn highlighted).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Selection {
    pub zone: Option<usize>,
    pub firm: Option<usize>,
}

/// Everything a scene is drawn from.
pub struct SceneInput<'a> {
    pub projection: &'a Projection,
    pub basemap: &'a Basemap,
    pub zones: &'a [Zone],
    pub zone_shapes: &'a [ZoneShape],
    /// `zone_shapes`' fills, triangulated once (None: triangulated for this scene).
    pub zone_fills: Option<&'a ZoneFills>,
    pub firms: &'a Firms,
    pub firm_xy: &'a Arc<Vec<Xy>>,
    /// The bounding box of `firm_xy` (computed once with the index).
    pub firm_bounds: Option<(Xy, Xy)>,
    pub fit: &'a FitTable,
    /// DBSCAN labels per firm, when clustering has run.
    pub labels: Option<&'a [i32]>,
    pub clusters: &'a [ClusterSummary],
    pub density: Option<&'a DensityGrid>,
    pub selection: Selection,
    pub synthetic: bool,
    /// The firm file's name (without folders) when the firms are the user's own; None for the
    /// bundled sample. Names the firm layer, its legend and default titles.
    pub firms_file: Option<&'a str>,
    /// Founding and closing years (for the year filter).
    pub times: Option<&'a Arc<crate::model::FirmTimes>>,
    /// Where the firms' colour classes are remembered between scenes, with the data's
    /// generation (the window passes one; None computes them every time).
    pub classes: Option<(&'a firm_classes::ClassMemo, u64)>,
    /// Gi* hot spots, when computed.
    pub hotspots: Option<&'a crate::analysis::hotspots::Hotspots>,
}

/// What the firms are called in the legend and titles (Chinese, English): "VR/AR 企业" for
/// the bundled sample; for a user's file, "企业（名录）" with the file's name without its
/// extension, since the tool cannot know that a user's list holds VR/AR firms.
pub fn firms_noun(input: &SceneInput) -> (String, String) {
    match input.firms_file.filter(|_| !input.synthetic) {
        Some(file) => {
            let stem = std::path::Path::new(file)
                .file_stem()
                .map(|s| s.to_string_lossy().to_string())
                .unwrap_or_else(|| file.to_string());
            (format!("企业（{stem}）"), format!("firms ({stem})"))
        }
        None => ("VR/AR 企业".into(), "VR/AR firms".into()),
    }
}

/// A zone's name without the parenthetical and the generic suffix, for map labels.
///
/// ```
/// use cluster_atlas::model::{Lang, Zone};
/// use cluster_atlas::scene::short_zone_name;
/// let z = Zone { id: "Z03".into(), name_zh: Some("龙华高新区未来产业集聚区（原观澜高新园未来产业集聚区）".into()),
///     name_en: Some("Longhua Hi-tech Zone Future Industry Cluster Zone (formerly Guanlan Hi-tech Park)".into()), ..Default::default() };
/// assert_eq!(short_zone_name(&z, Lang::Zh), "龙华高新区");
/// assert_eq!(short_zone_name(&z, Lang::En), "Longhua Hi-tech Zone");
/// ```
pub fn short_zone_name(z: &Zone, lang: Lang) -> String {
    let mut s = z.display_name(lang).to_string();
    for open in ['（', '('] {
        if let Some(i) = s.find(open) {
            s.truncate(i);
        }
    }
    s = s.trim().to_string();
    for suffix in [
        "未来产业集聚区",
        "新兴产业集聚区",
        "产业集聚区",
        " Future Industry Cluster Zone",
        " Emerging Industry Cluster Zone",
        " Cluster Zone",
    ] {
        if let Some(stripped) = s.strip_suffix(suffix)
            && !stripped.trim().is_empty()
        {
            s = stripped.to_string();
        }
    }
    s.trim().to_string()
}

/// Builds the scene. Only visible layers are included, and the legend lists exactly them.
pub fn build(input: &SceneInput, s: &SceneSettings) -> Scene {
    let mut out = Parts::new();
    layers::land(input, s, &mut out);
    layers::districts(input, s, &mut out);
    layers::density(input, s, &mut out);
    time_layers::hotspots(input, s, &mut out);
    layers::clusters(input, s, &mut out);
    layers::zones(input, s, &mut out);
    layers::firms(input, s, &mut out);
    if !out.markers.is_empty() {
        let markers = std::mem::take(&mut out.markers);
        out.layers.push(Layer {
            kind: LayerKind::Zones,
            opacity: s.zones.opacity,
            items: markers,
        });
    }
    layers::selection(input, &mut out);
    if !s.labels {
        out.labels.clear();
    }
    let firm_bounds = input.firm_bounds;
    let data_bounds = bounds_of(
        out.zone_bounds
            .iter()
            .chain(firm_bounds.iter().flat_map(|(a, b)| [a, b])),
    )
    .or_else(|| input.basemap.district_bounds())
    .unwrap_or((Xy::new(-40_000.0, -25_000.0), Xy::new(40_000.0, 25_000.0)));
    Scene {
        background: out.background,
        layers: out.layers,
        labels: out.labels,
        legend: out.legend,
        notes: out.notes,
        data_bounds,
        projection: *input.projection,
        firms_noun: firms_noun(input),
        pending: out.pending,
    }
}
