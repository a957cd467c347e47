//! Basemap tiles for a picture: which tiles its map frames need (one zoom, from the page's
//! ground resolution) and waiting for them with a deadline.

use std::time::Duration;

use super::{ExportData, ExportOptions, Extent, atlas_viewports, map_viewport, page_layout};
use crate::scene::Viewport;
use crate::tiles::{FailReason, Fetcher, TileKey, TileSet, mercator};

/// Most tiles one export asks a service for; a bigger page gets a lower zoom.
pub const MAX_EXPORT_TILES: usize = 600;

/// The map frames a picture (or an atlas) will draw.
pub fn export_viewports(
    data: &ExportData,
    opts: &ExportOptions,
    atlas: bool,
) -> Result<Vec<Viewport>, super::ExportError> {
    let layout = page_layout(data.scene, opts)?;
    if atlas {
        Ok(atlas_viewports(data, &layout)?
            .into_iter()
            .map(|(_, v)| v)
            .collect())
    } else {
        let extent: &Extent = &opts.extent;
        Ok(vec![map_viewport(data, extent, &layout)?])
    }
}

/// What an export got from the tile service.
pub struct ExportTiles {
    pub set: TileSet,
    pub wanted: usize,
    /// Tiles still missing at the deadline, with the reason (`None`: not answered in time).
    pub missing: Vec<(TileKey, Option<FailReason>)>,
}

impl ExportTiles {
    /// A one-line account of the missing tiles, e.g. "3 of 40 basemap tiles are missing
    /// (2 not on the server (404), 1 not answered within 60 s)".
    pub fn missing_message(&self, timeout: Duration) -> Option<String> {
        if self.missing.is_empty() {
            return None;
        }
        let mut counts: std::collections::BTreeMap<String, usize> = Default::default();
        for (_, r) in &self.missing {
            let why = match r {
                Some(r) => r.describe(),
                None => format!("not answered within {} s", timeout.as_secs_f64()),
            };
            *counts.entry(why).or_default() += 1;
        }
        let parts: Vec<String> = counts.iter().map(|(w, n)| format!("{n} {w}")).collect();
        Some(format!(
            "{} of {} basemap tiles are missing ({}); the picture shows the rest. \
             Check the connection, the service's key or terms, or wait longer (--tiles-timeout-s)",
            self.missing.len(),
            self.wanted,
            parts.join(", ")
        ))
    }
}

/// Fetches the tiles under `viewports` (at the zoom of the first frame's ground resolution)
/// and waits for them at most `timeout`.
pub fn fetch_export_tiles(
    fetcher: &Fetcher,
    data: &ExportData,
    viewports: &[Viewport],
    timeout: Duration,
    opacity: f32,
) -> ExportTiles {
    let proj = &data.index.projection;
    let src = fetcher.source();
    let mut keys: Vec<TileKey> = Vec::new();
    let mut zoom = 0;
    if let Some(first) = viewports.first() {
        let m = first.ground_m_per_px(proj);
        let (lo, hi) = first.plane_bounds();
        let cap = MAX_EXPORT_TILES / viewports.len().max(1);
        zoom = mercator::tiles_for_view(lo, hi, m, proj, src.crs, src.max_zoom, cap.max(1)).0;
        for vp in viewports {
            let (lo, hi) = vp.plane_bounds();
            keys.extend(mercator::tiles_covering(lo, hi, proj, src.crs, zoom));
        }
    }
    keys.sort();
    keys.dedup();
    let (tiles, missing) = fetcher.fetch_all(&keys, timeout);
    ExportTiles {
        set: TileSet {
            zoom,
            crs: src.crs,
            tiles,
            attribution: src.attribution.clone(),
            opacity,
        },
        wanted: keys.len(),
        missing,
    }
}
