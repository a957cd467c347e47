//! Report-quality pictures without a window: the same [`Scene`] the map draws, laid out on a
//! page with title, legend, true scale bar, north arrow and a footer stamping sources, CRS,
//! date, parameters and the input data's hash. PNG (tiny-skia) and SVG (text as text).

pub mod canvas;
pub mod command;
mod extent;
mod files;
mod layout;
mod legend;
mod map;
mod page;
pub mod pdf;
pub mod png;
pub mod svg;
pub mod text;
mod tiles;

use std::path::Path;

use thiserror::Error;

pub use extent::{Extent, MAX_BBOX_DEG, MIN_BBOX_DEG};
pub use files::*;
pub use layout::{PageLayout, Preset};
use legend::*;
pub use map::*;
pub use page::{render, render_page, render_with};
pub use text::{fit_line, wrap};
pub use tiles::{ExportTiles, MAX_EXPORT_TILES, export_viewports, fetch_export_tiles};

use self::canvas::{Anchor, Canvas, Line, PageImage, TextStyle};
use crate::index::SpatialIndex;
use crate::model::{LonLat, Xy, Zone};
use crate::scene::{
    Item, Label, Lang, MarkerShape, Px, Rgba, Scene, Swatch, Viewport, labels, palette, raster,
    scale_bar,
};

/// Why an export failed.
#[derive(Debug, Error)]
pub enum ExportError {
    #[error("unknown zone '{0}' (use one of the ids in the zones table)")]
    UnknownZone(String),
    #[error(
        "zone '{0}' has no geometry yet, so there is nothing to frame; load the official zone file"
    )]
    ZoneWithoutGeometry(String),
    #[error("the page size {0}×{1} is not usable (each side must be 200–20000 pixels)")]
    BadSize(u32, u32),
    #[error("{0}")]
    TooLarge(String),
    #[error(
        "the bounding box must be bbox:min_lon,min_lat,max_lon,max_lat with min < max, got {0}"
    )]
    BadBbox(String),
    #[error("unknown extent '{0}': use all, zone:ID or bbox:min_lon,min_lat,max_lon,max_lat")]
    BadExtent(String),
    #[error("cannot encode the picture: {0}")]
    Encode(String),
    #[error("unknown file type '{0}': use .png, .svg or .pdf")]
    Format(String),
    // The cause is in the message, so it is not also a `source` (printed twice in chains).
    #[error("cannot write {path} ({cause})")]
    Io { path: String, cause: std::io::Error },
}

/// Page options.
#[derive(Clone, Debug, PartialEq)]
pub struct ExportOptions {
    pub preset: Preset,
    pub dpi: u32,
    pub lang: Lang,
    pub title: Option<String>,
    pub subtitle: Option<String>,
    pub extent: Extent,
    /// Date printed in the footer (YYYY-MM-DD).
    pub date: String,
}

impl Default for ExportOptions {
    fn default() -> Self {
        Self {
            preset: Preset::Slide,
            dpi: 96,
            lang: Lang::Zh,
            title: None,
            subtitle: None,
            extent: Extent::All,
            date: today(),
        }
    }
}

/// The footer's stamp: where the data came from and how it was analysed.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Stamp {
    /// Source credits (one per layer or file).
    pub sources: Vec<String>,
    /// e.g. "eps 500 m, min_pts 5, study area bbox".
    pub parameters: String,
    /// Short hash of the input files.
    pub input_hash: String,
}

/// Today's date (UTC) as YYYY-MM-DD.
pub fn today() -> String {
    let days = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() / 86_400)
        .unwrap_or(0) as i64;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    format!("{:04}-{:02}-{:02}", if m <= 2 { y + 1 } else { y }, m, d)
}

/// The data an export frames: zones (for zone extents) and the index (projection, shapes).
#[derive(Clone, Copy)]
pub struct ExportData<'a> {
    pub scene: &'a Scene,
    pub zones: &'a [Zone],
    pub index: &'a SpatialIndex,
    /// Basemap tiles drawn under the data (with their credit line), when the user chose some.
    pub tiles: Option<&'a crate::tiles::TileSet>,
}

/// The page layout for these options.
pub fn page_layout(scene: &Scene, opts: &ExportOptions) -> Result<PageLayout, ExportError> {
    let (w, h) = opts.preset.size_px(opts.dpi);
    let side = crate::model::limits::PAGE_SIDE_PX;
    if !side.contains(w as f64) || !side.contains(h as f64) {
        return Err(ExportError::BadSize(w, h));
    }
    crate::model::limits::check_page_pixels(w, h).map_err(ExportError::TooLarge)?;
    let u = w.min(h) as f32 / 1000.0;
    let legend_h = portrait_legend_height(scene, w as f32, u, 26.0 * u);
    Ok(PageLayout::new(w, h, true, legend_h))
}

/// The map frame's viewport for an extent.
pub fn map_viewport(
    data: &ExportData,
    extent: &Extent,
    layout: &PageLayout,
) -> Result<Viewport, ExportError> {
    let [_, _, mw, mh] = layout.map;
    let proj = &data.index.projection;
    let bounds = match extent {
        Extent::All => data.scene.data_bounds,
        Extent::Zone(id) => {
            let zi = data
                .zones
                .iter()
                .position(|z| &z.id == id)
                .ok_or_else(|| ExportError::UnknownZone(id.clone()))?;
            let shape = data
                .index
                .shape_of(zi)
                .ok_or_else(|| ExportError::ZoneWithoutGeometry(id.clone()))?;
            let (lo, hi) = shape.plane_bounds();
            let pad = 2500.0 + ((hi.x - lo.x).max(hi.y - lo.y)) * 0.3;
            (
                Xy::new(lo.x - pad, lo.y - pad),
                Xy::new(hi.x + pad, hi.y + pad),
            )
        }
        Extent::BBox(a, b) => {
            let corners = [
                LonLat::new(a.lon, a.lat),
                LonLat::new(b.lon, b.lat),
                LonLat::new(a.lon, b.lat),
                LonLat::new(b.lon, a.lat),
            ]
            .map(|p| proj.project(p));
            let b = crate::model::Bounds::of(&corners).ok_or_else(|| {
                ExportError::BadBbox(format!("{},{},{},{}", a.lon, a.lat, b.lon, b.lat))
            })?;
            return Ok(Viewport::fit(b.pair(), mw, mh, 0.0));
        }
    };
    Ok(Viewport::fit(bounds, mw, mh, 0.04))
}

/// The scale bar as drawn: its page pixels (start, end) and ground length.
pub fn scale_bar_geometry(
    layout: &PageLayout,
    vp: &Viewport,
    proj: &crate::crs::Projection,
) -> (Px, Px, crate::scene::ScaleBar) {
    let bar = scale_bar(vp, proj, 220.0 * layout.u);
    let [mx, my, _, mh] = layout.map;
    let x0 = mx + 20.0 * layout.u;
    let y0 = my + mh - 24.0 * layout.u;
    (Px::new(x0, y0), Px::new(x0 + bar.length_px, y0), bar)
}

/// Picture format from a file name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Png,
    Svg,
    Pdf,
}

#[cfg(test)]
mod tests;
