//! A backend-free picture of the map: layers of polygons, lines, markers, point sets and
//! rasters in plane metres, plus labels and a legend. The window and the exporters draw the
//! same `Scene`, so a saved picture matches the screen. Colours live here and nowhere else.

mod basemap;
mod build;
mod fill;
pub mod labels;
pub mod overlay;
pub mod palette;
pub mod raster;
mod settings;
pub mod viewport;

use std::sync::Arc;

use serde::{Deserialize, Serialize};

pub use basemap::Basemap;
pub use build::firm_classes::ClassMemo;
pub use build::segment_classes::{own_segment_classes, segment_classes};
pub use build::time_layers::class_colour;
pub use build::{SceneInput, Selection, build, firms_noun, short_zone_name};
pub use fill::{Triangles, ZoneFills};
pub use settings::{
    FirmColour, Lang, LayerStyle, SceneSettings, parse_hex_rgb, picked_segments,
    repair_picked_segments,
};
pub use viewport::{Px, ScaleBar, Viewport, north_angle, scale_bar};

use crate::crs::Projection;
use crate::model::Xy;

/// The bundled Simplified Chinese font (Noto Sans SC subset, SIL OFL 1.1, made by
/// `scripts/make_font.py`): every backend draws text with it.
pub const FONT_BYTES: &[u8] = include_bytes!("../../assets/fonts/NotoSansSC-Subset.otf");

/// An sRGB colour with straight (unmultiplied) alpha.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Rgba(pub [u8; 4]);

impl Rgba {
    pub const fn rgb(r: u8, g: u8, b: u8) -> Self {
        Self([r, g, b, 255])
    }

    pub const fn with_alpha(r: u8, g: u8, b: u8, a: u8) -> Self {
        Self([r, g, b, a])
    }

    /// The same colour with its alpha multiplied by `f` (0..1).
    pub fn fade(self, f: f32) -> Self {
        let [r, g, b, a] = self.0;
        Self([r, g, b, (a as f32 * f.clamp(0.0, 1.0)).round() as u8])
    }

    /// `#rrggbb` (alpha is written separately in SVG).
    pub fn hex(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.0[0], self.0[1], self.0[2])
    }

    pub fn alpha_f32(self) -> f32 {
        self.0[3] as f32 / 255.0
    }
}

/// An outline: width in pixels, colour, optional dash pattern (on, off) in pixels.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Stroke {
    pub width_px: f32,
    pub color: Rgba,
    pub dash_px: Option<(f32, f32)>,
}

impl Stroke {
    pub const fn solid(width_px: f32, color: Rgba) -> Self {
        Self {
            width_px,
            color,
            dash_px: None,
        }
    }

    pub const fn dashed(width_px: f32, color: Rgba, on: f32, off: f32) -> Self {
        Self {
            width_px,
            color,
            dash_px: Some((on, off)),
        }
    }
}

/// A filled polygon with holes, pre-triangulated for GPU drawing.
#[derive(Clone, Debug, PartialEq)]
pub struct PolygonItem {
    /// Exterior ring then holes, each closed.
    pub rings: Vec<Vec<Xy>>,
    /// Triangulation vertices (earcut order) and triangle indices into them.
    pub vertices: Vec<Xy>,
    pub triangles: Vec<u32>,
    pub fill: Rgba,
    pub stroke: Option<Stroke>,
    /// A simplified fill for small scales (the basemap's detailed coastlines and borders):
    /// the window draws it when its tolerance is under half a pixel.
    pub coarse: Option<Arc<CoarseFill>>,
}

/// A polygon's fill simplified within `tolerance_m` (Ramer–Douglas–Peucker) and triangulated.
#[derive(Clone, Debug, PartialEq)]
pub struct CoarseFill {
    pub tolerance_m: f64,
    pub vertices: Vec<Xy>,
    pub triangles: Vec<u32>,
}

/// Marker shapes for point features.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum MarkerShape {
    Circle,
    Star,
    Square,
}

/// The ten corners of a five-pointed star of outer radius `r` around `c` (pixels, y down).
pub fn star_outline(c: Px, r: f32) -> Vec<Px> {
    (0..10)
        .map(|k| {
            let a = -std::f32::consts::FRAC_PI_2 + k as f32 * std::f32::consts::PI / 5.0;
            let rr = if k % 2 == 0 { r } else { r * 0.45 };
            c.offset(rr * a.cos(), rr * a.sin())
        })
        .collect()
}

/// A symbol drawn at a fixed pixel size.
#[derive(Clone, Debug, PartialEq)]
pub struct MarkerItem {
    pub at: Xy,
    pub shape: MarkerShape,
    pub size_px: f32,
    pub fill: Rgba,
    pub stroke: Option<Stroke>,
}

/// Many points drawn as small discs (firms). Drawn through [`raster::rasterize_points`] by
/// every backend so that millions of points stay fast.
#[derive(Clone, Debug, PartialEq)]
pub struct PointsItem {
    pub xy: Arc<Vec<Xy>>,
    /// Palette index per point (same length as `xy`); 255 = do not draw.
    pub colour: Arc<Vec<u8>>,
    pub palette: Vec<Rgba>,
    pub radius_px: f32,
    /// Only the firms alive in one year are drawn (the time slider), when set.
    pub years: Option<YearView>,
    /// The palette index drawn beneath the others (grey: other segments, noise), so that it
    /// never hides a coloured firm; None draws in the points' order.
    pub under: Option<u8>,
}

impl PointsItem {
    /// The palette index point `i` is drawn in ([`PointsItem::years`] applied); 255 = not drawn.
    #[inline]
    pub fn colour_at(&self, i: usize) -> u8 {
        let c = self.colour.get(i).copied().unwrap_or(255);
        match &self.years {
            Some(y) => y.colour(i, c),
            None => c,
        }
    }
}

/// The firms of one year: those not alive in `year` ([`crate::model::FirmTimes::alive`]) are
/// not drawn, those founded from `first_new` on are drawn in the palette's `highlight`.
/// Applied as the points are drawn, so a step of the slider builds no colour per firm.
#[derive(Clone, Debug)]
pub struct YearView {
    pub times: Arc<crate::model::FirmTimes>,
    pub year: i32,
    pub first_new: i32,
    pub highlight: u8,
}

impl YearView {
    /// Point `i`'s colour in this year, `base` being its colour without the year (255, not
    /// drawn, stays so).
    #[inline]
    pub fn colour(&self, i: usize, base: u8) -> u8 {
        let t = &self.times;
        if base == 255 || !t.alive(i, self.year) {
            255
        } else if t
            .founded
            .get(i)
            .is_some_and(|f| i32::from(*f) >= self.first_new)
        {
            self.highlight
        } else {
            base
        }
    }
}

/// The same years of the same firms (compared by identity first: four million years).
impl PartialEq for YearView {
    fn eq(&self, o: &Self) -> bool {
        (self.year, self.first_new, self.highlight) == (o.year, o.first_new, o.highlight)
            && (Arc::ptr_eq(&self.times, &o.times) || self.times == o.times)
    }
}

/// An image laid on the plane (the density surface). Row 0 is the northern edge.
#[derive(Clone, Debug, PartialEq)]
pub struct RasterItem {
    /// South-west corner.
    pub origin: Xy,
    pub cell_m: f64,
    pub width: usize,
    pub height: usize,
    /// Straight-alpha RGBA, `height` rows of `width`, north row first.
    pub rgba: Arc<Vec<u8>>,
    /// Smoothed between cells when enlarged (a surface), or cells kept square (classes).
    pub smooth: bool,
}

impl RasterItem {
    /// The north-west and south-east corners on the plane (where the image is placed).
    pub fn corners(&self) -> (Xy, Xy) {
        let (w, h) = (self.width as f64, self.height as f64);
        (
            Xy::new(self.origin.x, self.origin.y + h * self.cell_m),
            Xy::new(self.origin.x + w * self.cell_m, self.origin.y),
        )
    }
}

/// One drawable thing.
#[derive(Clone, Debug, PartialEq)]
pub enum Item {
    Polygon(PolygonItem),
    Line { points: Vec<Xy>, stroke: Stroke },
    Marker(MarkerItem),
    Points(PointsItem),
    Raster(RasterItem),
}

/// Which layer a set of items belongs to (drawing order is the order of [`Scene::layers`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum LayerKind {
    Land,
    Districts,
    Density,
    Hotspots,
    Clusters,
    Zones,
    Firms,
    Selection,
}

/// How a layer is drawn over a street basemap.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TileCover {
    pub draw: bool,
    pub fill: bool,
}

/// Over tiles the bundled land is left out and districts keep only their outlines, so the
/// streets show through; without tiles everything is drawn.
pub fn over_tiles(kind: LayerKind, tiles_on: bool) -> TileCover {
    match (tiles_on, kind) {
        (true, LayerKind::Land) => TileCover {
            draw: false,
            fill: false,
        },
        (true, LayerKind::Districts) => TileCover {
            draw: true,
            fill: false,
        },
        _ => TileCover {
            draw: true,
            fill: true,
        },
    }
}

/// A visible layer and its opacity.
#[derive(Clone, Debug, PartialEq)]
pub struct Layer {
    pub kind: LayerKind,
    pub opacity: f32,
    pub items: Vec<Item>,
}

/// A text label anchored on the plane; placement decides which ones fit.
#[derive(Clone, Debug, PartialEq)]
pub struct Label {
    pub at: Xy,
    pub text: String,
    pub size_px: f32,
    pub color: Rgba,
    /// Higher wins when labels collide.
    pub priority: i32,
    /// Offset of the label's centre from the anchor, pixels (y down).
    pub offset_px: Px,
}

/// What a legend entry's symbol looks like.
#[derive(Clone, Debug, PartialEq)]
pub enum Swatch {
    Fill {
        fill: Rgba,
        stroke: Option<Stroke>,
    },
    Line(Stroke),
    Marker {
        shape: MarkerShape,
        fill: Rgba,
    },
    Dot(Rgba),
    /// A colour ramp with its low and high labels.
    Ramp {
        colors: Vec<Rgba>,
        low: String,
        high: String,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub struct LegendEntry {
    pub swatch: Swatch,
    pub label: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct LegendSection {
    pub title: String,
    pub entries: Vec<LegendEntry>,
}

/// The whole picture.
#[derive(Clone, Debug)]
pub struct Scene {
    pub background: Rgba,
    pub layers: Vec<Layer>,
    pub labels: Vec<Label>,
    /// Legend for exactly the layers in `layers`.
    pub legend: Vec<LegendSection>,
    /// Caveats to print with the picture (approximate geometry, synthetic data).
    pub notes: Vec<String>,
    /// Plane bounds of the data (zones with geometry and firms).
    pub data_bounds: (Xy, Xy),
    pub projection: Projection,
    /// What the firms are called (Chinese, English), see `scene::firms_noun`.
    pub firms_noun: (String, String),
    /// Part of the scene is still being made in the background (the legend's counts under
    /// the year view show "…"): the window builds it again a frame later.
    pub pending: bool,
}

impl Scene {
    pub fn layer(&self, kind: LayerKind) -> Option<&Layer> {
        self.layers.iter().find(|l| l.kind == kind)
    }

    /// True when any approximate geometry is drawn.
    pub fn shows_approximate_geometry(&self) -> bool {
        self.notes.iter().any(|n| n.contains('≈'))
    }
}
