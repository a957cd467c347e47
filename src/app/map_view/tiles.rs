//! The street basemap in the window: tiles for the view requested from a [`Fetcher`] (off the UI
//! thread), uploaded as textures and drawn as meshes warped into the map's plane; a parent tile
//! stands in while a child loads; the credit and a quiet notice sit in the bottom-right corner.

use std::collections::HashMap;

use egui::{Color32, Pos2, Rect, Shape, Vec2};

use super::{color, pos};
use crate::crs::Projection;
use crate::scene::{Lang, Viewport, palette};
use crate::tiles::{
    DiskCache, FailReason, FetchConfig, Fetcher, TileKey, TileMesh, TileSettings, TileState,
    mercator, warp,
};

/// Vertices per tile side: 8×8 quads keep the warp within a small fraction of a pixel.
const MESH_N: usize = 8;
/// Textures kept on the GPU (least recently drawn go first).
const MAX_TEXTURES: usize = 400;
/// Most tiles one view asks for.
const MAX_VIEW_TILES: usize = 150;

struct Uploaded {
    tex: egui::TextureHandle,
    mesh: TileMesh,
    last_frame: u64,
}

/// The window's tile layer.
#[derive(Default)]
pub struct TileLayer {
    fetcher: Option<std::sync::Arc<Fetcher>>,
    /// The settings the fetcher was made for.
    made_for: Option<TileSettings>,
    textures: HashMap<TileKey, Uploaded>,
    frame: u64,
    /// Why no source could be made (no Tianditu key, a bad template).
    pub problem: Option<String>,
    /// Tiles of the current view not yet drawn at their own zoom.
    pub waiting: usize,
    opacity: f32,
}

impl TileLayer {
    /// True when a basemap is on (the bundled land is then hidden under it).
    pub fn is_on(&self) -> bool {
        self.fetcher.is_some()
    }

    /// The fetcher, for an export of the current basemap.
    pub fn fetcher(&self) -> Option<&std::sync::Arc<Fetcher>> {
        self.fetcher.as_ref()
    }

    /// The opacity the tiles are drawn with.
    pub fn opacity(&self) -> f32 {
        self.opacity
    }

    /// Follows the settings: a new fetcher when the source, key, offline mode or cache size
    /// changed, none when the basemap is off.
    pub fn sync(&mut self, s: &TileSettings, ctx: &egui::Context) {
        self.opacity = s.opacity;
        let mut key = s.clone();
        key.opacity = 0.0;
        if self.made_for.as_ref() == Some(&key) {
            return;
        }
        self.made_for = Some(key);
        self.textures.clear();
        self.fetcher = None;
        self.problem = None;
        match s.source() {
            Ok(None) => {}
            Ok(Some(src)) => {
                let mb = u64::from(s.cache_mb.max(1));
                let cache =
                    crate::tiles::cache::default_dir().map(|d| DiskCache::new(d, mb * 1_000_000));
                let cfg = FetchConfig {
                    offline: s.offline,
                    ..FetchConfig::default()
                };
                let f = Fetcher::new(src, cache, cfg);
                let ctx = ctx.clone();
                f.set_on_change(move || ctx.request_repaint());
                self.fetcher = Some(std::sync::Arc::new(f));
            }
            Err(e) => self.problem = Some(e),
        }
    }

    /// Requests the view's tiles and paints those that are ready (parents standing in).
    pub fn paint(
        &mut self,
        ctx: &egui::Context,
        painter: &egui::Painter,
        vp: &Viewport,
        rect: Rect,
        proj: &Projection,
    ) {
        let Some(f) = &self.fetcher else { return };
        self.frame += 1;
        let src = f.source();
        let (lo, hi) = vp.plane_bounds();
        let m = vp.ground_m_per_px(proj) / f64::from(ctx.pixels_per_point().max(0.5));
        let (_, keys) =
            mercator::tiles_for_view(lo, hi, m, proj, src.crs, src.max_zoom, MAX_VIEW_TILES);
        f.request(&keys, true);
        let tint = Color32::WHITE.gamma_multiply(self.opacity.clamp(0.0, 1.0));
        let mut shapes = Vec::new();
        self.waiting = 0;
        for &k in &keys {
            if let Some(mesh) = self.tile_mesh(ctx, k, proj, tint, vp, rect.min) {
                shapes.push(mesh);
                continue;
            }
            self.waiting += 1;
            if let Some(mesh) = self.parent_mesh(k, proj, tint, vp, rect.min) {
                shapes.push(mesh);
            }
        }
        // Parents first, so children that are ready draw over them.
        shapes.sort_by_key(|(zz, _)| *zz);
        painter
            .with_clip_rect(rect)
            .extend(shapes.into_iter().map(|(_, s)| s));
        self.evict();
    }

    /// The mesh of a tile whose image is ready (uploading it on first use).
    fn tile_mesh(
        &mut self,
        ctx: &egui::Context,
        k: TileKey,
        proj: &Projection,
        tint: Color32,
        vp: &Viewport,
        origin: Pos2,
    ) -> Option<(u8, Shape)> {
        if !self.textures.contains_key(&k) {
            let f = self.fetcher.as_ref()?;
            let img = f.ready(k)?;
            let ci = egui::ColorImage::from_rgba_unmultiplied([img.width, img.height], &img.rgba);
            let tex = ctx.load_texture(format!("tile {k:?}"), ci, egui::TextureOptions::LINEAR);
            let mesh = warp::mesh(k, f.source().crs, proj, MESH_N, [0.0, 0.0, 1.0, 1.0]);
            self.textures.insert(
                k,
                Uploaded {
                    tex,
                    mesh,
                    last_frame: 0,
                },
            );
        }
        let u = self.textures.get_mut(&k)?;
        u.last_frame = self.frame;
        Some((k.z, to_shape(&u.mesh, u.tex.id(), tint, vp, origin)))
    }

    /// The nearest uploaded ancestor (up to four zooms out), cut to the child's area.
    fn parent_mesh(
        &mut self,
        k: TileKey,
        proj: &Projection,
        tint: Color32,
        vp: &Viewport,
        origin: Pos2,
    ) -> Option<(u8, Shape)> {
        let crs = self.fetcher.as_ref()?.source().crs;
        let mut p = k;
        for _ in 0..4 {
            p = p.parent()?;
            if let Some(u) = self.textures.get_mut(&p) {
                u.last_frame = self.frame;
                let scale = f64::from(1u32 << (k.z - p.z));
                let u0 = (f64::from(k.x) / scale - f64::from(p.x)) as f32;
                let v0 = (f64::from(k.y) / scale - f64::from(p.y)) as f32;
                let d = (1.0 / scale) as f32;
                let mesh = warp::mesh(k, crs, proj, 4, [u0, v0, u0 + d, v0 + d]);
                return Some((p.z, to_shape(&mesh, u.tex.id(), tint, vp, origin)));
            }
        }
        None
    }

    fn evict(&mut self) {
        if self.textures.len() <= MAX_TEXTURES {
            return;
        }
        let mut ages: Vec<(u64, TileKey)> = self
            .textures
            .iter()
            .map(|(k, u)| (u.last_frame, *k))
            .collect();
        ages.sort();
        for (_, k) in ages.iter().take(self.textures.len() - MAX_TEXTURES) {
            self.textures.remove(k);
        }
    }

    /// The credit line, and a notice when tiles are missing (e.g. "3 tiles: refused (403)").
    pub fn paint_credit(&self, painter: &egui::Painter, rect: Rect, lang: Lang) {
        let mut lines: Vec<String> = Vec::new();
        if let Some(p) = &self.problem {
            lines.push(p.clone());
        }
        let Some(f) = &self.fetcher else {
            paint_corner(painter, rect, &lines);
            return;
        };
        let stats = f.stats();
        if let Some((k, why)) = &stats.last_failure
            && matches!(f.state(*k), Some(TileState::Failed(_)))
        {
            lines.push(failure_notice(why, stats.failed, lang));
        }
        lines.push(f.source().attribution.clone());
        paint_corner(painter, rect, &lines);
    }
}

/// "底图：3 块瓦片未载入（离线，缓存中没有）" / "Basemap: 3 tiles missing: not in the cache (offline)".
fn failure_notice(why: &FailReason, n: usize, lang: Lang) -> String {
    let zh = match why {
        FailReason::NotCached => "离线，缓存中没有".to_string(),
        FailReason::NotFound => "服务器没有该瓦片（404）".into(),
        FailReason::Refused(c) => format!("被拒绝（{c}）：请检查密钥或服务条款"),
        FailReason::RateLimited => "请求过多（429），稍后重试".into(),
        FailReason::Status(c) => format!("服务器错误（{c}）"),
        FailReason::Network => "无网络或超时".into(),
        FailReason::Corrupt => "数据不是图片".into(),
    };
    lang.pick(
        &format!("底图：{n} 块瓦片未载入（{zh}）"),
        &format!("Basemap: {n} tiles missing: {}", why.describe()),
    )
}

/// Small text lines on a pale backing in the map's bottom-right corner.
fn paint_corner(painter: &egui::Painter, rect: Rect, lines: &[String]) {
    let mut y = rect.bottom() - 4.0;
    for l in lines.iter().rev() {
        let g = painter.layout_no_wrap(
            l.clone(),
            egui::FontId::proportional(11.0),
            color(palette::MAP_NOTE_TEXT, 1.0),
        );
        let at = Pos2::new(rect.right() - 6.0 - g.size().x, y - g.size().y);
        painter.rect_filled(
            Rect::from_min_size(at - Vec2::new(3.0, 1.0), g.size() + Vec2::new(6.0, 2.0)),
            2.0,
            color(palette::MAP_NOTE_BACKING, 1.0),
        );
        y = at.y - 3.0;
        painter.galley(at, g, color(palette::MAP_NOTE_TEXT, 1.0));
    }
}

/// A tile mesh on the screen.
fn to_shape(
    m: &TileMesh,
    tex: egui::TextureId,
    tint: Color32,
    vp: &Viewport,
    origin: Pos2,
) -> Shape {
    let mut mesh = egui::Mesh::with_texture(tex);
    mesh.vertices = m
        .positions
        .iter()
        .zip(&m.uvs)
        .map(|(p, uv)| egui::epaint::Vertex {
            pos: pos(vp, origin, *p),
            uv: Pos2::new(uv[0], uv[1]),
            color: tint,
        })
        .collect();
    mesh.indices = m.indices.clone();
    Shape::mesh(mesh)
}
