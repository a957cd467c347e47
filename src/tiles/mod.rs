//! Street basemaps from tile services, off by default: sources and their datums (`source`),
//! Web Mercator arithmetic (`mercator`), the on-disk cache (`cache`), polite downloads off the
//! UI thread (`fetch`) and warping tiles into the map's plane (`warp`), so that GCJ-02 tiles
//! (Amap) line up with WGS-84 data. No egui here: the window and the exporters both use it.

pub mod cache;
pub mod fetch;
pub mod mercator;
pub mod source;
pub mod warp;

use std::collections::HashMap;
use std::sync::Arc;

pub use cache::DiskCache;
pub use fetch::{FailReason, FetchConfig, FetchStats, Fetcher, TileState};
pub use source::{TileCrs, TileKind, TileSettings, TileSource};
pub use warp::{PlaneFrame, TileMesh};

/// One tile of the Web Mercator pyramid.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TileKey {
    pub z: u8,
    pub x: u32,
    pub y: u32,
}

impl TileKey {
    pub const fn new(z: u8, x: u32, y: u32) -> Self {
        Self { z, x, y }
    }

    /// The tile one zoom out that contains this one.
    pub fn parent(self) -> Option<Self> {
        (self.z > 0).then(|| Self::new(self.z - 1, self.x / 2, self.y / 2))
    }
}

/// A decoded tile: straight (not premultiplied) RGBA rows.
#[derive(Clone, Debug, PartialEq)]
pub struct TileImage {
    pub key: TileKey,
    pub width: usize,
    pub height: usize,
    pub rgba: Vec<u8>,
}

impl TileImage {
    /// PNG or JPEG bytes → pixels; `None` for anything else or an absurd size.
    pub fn decode(key: TileKey, bytes: &[u8]) -> Option<Self> {
        let img = image::load_from_memory(bytes).ok()?.to_rgba8();
        let (w, h) = (img.width() as usize, img.height() as usize);
        if !(1..=2048).contains(&w) || !(1..=2048).contains(&h) {
            return None;
        }
        Some(Self {
            key,
            width: w,
            height: h,
            rgba: img.into_raw(),
        })
    }

    /// Draws `top` over this tile (source-over), e.g. Tianditu's labels over its streets.
    pub fn draw_over(&mut self, top: &TileImage) {
        if top.width != self.width || top.height != self.height {
            return;
        }
        for (d, s) in self.rgba.chunks_exact_mut(4).zip(top.rgba.chunks_exact(4)) {
            let a = f32::from(s[3]) / 255.0;
            let da = f32::from(d[3]) / 255.0;
            let out_a = a + da * (1.0 - a);
            for i in 0..3 {
                let c = (f32::from(s[i]) * a + f32::from(d[i]) * da * (1.0 - a)) / out_a.max(1e-6);
                d[i] = c.round().clamp(0.0, 255.0) as u8;
            }
            d[3] = (out_a * 255.0).round() as u8;
        }
    }

    /// One texel, clamped to the tile.
    fn texel(&self, x: usize, y: usize) -> [u8; 4] {
        let i = (y.min(self.height - 1) * self.width + x.min(self.width - 1)) * 4;
        match self.rgba.get(i..i + 4) {
            Some(p) => [p[0], p[1], p[2], p[3]],
            None => [0; 4],
        }
    }
}

/// The tiles of one export: their zoom, datum and credit line.
#[derive(Clone, Debug, Default)]
pub struct TileSet {
    pub zoom: u8,
    pub crs: TileCrs,
    pub tiles: HashMap<TileKey, Arc<TileImage>>,
    pub attribution: String,
    pub opacity: f32,
}
