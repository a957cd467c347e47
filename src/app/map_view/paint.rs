//! Painting the scene's layers, labels and notices onto the map.

use egui::{Color32, Pos2, Rect, Shape, Vec2};

use super::picture::{self, Part};
use super::{MapView, color, halo_text, marker_shapes, polygon_shapes, pos, stroke_shapes};
use crate::model::Xy;
use crate::scene::palette;
use crate::scene::{
    Item, Lang, Layer, MarkerItem, PolygonItem, RasterItem, Rgba, Scene, Viewport, labels,
};

impl MapView {
    /// Paints the background, the street basemap and the scene's layers: those under the
    /// firms from their picture when it shows them (see [`super::picture`]); else the basemap
    /// from its own picture when that one is current, and the rest as vectors.
    pub(super) fn paint_map(
        &mut self,
        ctx: &egui::Context,
        painter: &egui::Painter,
        (scene, scene_gen): (&Scene, u64),
        vp: &Viewport,
        rect: Rect,
        proj: &crate::crs::Projection,
    ) {
        let look = (self.tiles.is_on(), ctx.pixels_per_point());
        let on = !self.picture.off;
        self.picture.take_finished(ctx);
        self.base.take_finished(ctx);
        let picture = self
            .picture
            .placed(Part::UnderFirms, (scene, scene_gen), look, vp, rect.min)
            .filter(|_| on);
        self.picture.stood_in &= picture.is_some();
        let base = match picture {
            None if on => self
                .base
                .placed(Part::Basemap, (scene, scene_gen), look, vp, rect.min),
            _ => None,
        };
        self.picture.drew = picture.is_some();
        // The background only where the pictures leave it showing.
        if look.0 || !picture.or(base).is_some_and(|at| at.contains_rect(rect)) {
            painter.rect_filled(rect, 0.0, color(scene.background, 1.0));
        }
        self.tiles.paint(ctx, painter, vp, rect, proj);
        let (under, below) = (picture::under_firms(scene), picture::basemap(scene));
        let (lower, above) = scene.layers.split_at(under);
        match (picture, base) {
            (Some(at), _) => self.picture.paint(painter, at, rect),
            (None, Some(at)) => {
                self.base.paint(painter, at, rect);
                let rest = lower.get(below..).unwrap_or_default();
                self.paint_layers(ctx, painter, rest, scene_gen, vp, rect);
            }
            (None, None) => self.paint_layers(ctx, painter, lower, scene_gen, vp, rect),
        }
        self.paint_layers(ctx, painter, above, scene_gen, vp, rect);
        // The basemap's picture only serves while the other one is not current: it is
        // redrawn only then.
        let now = (scene, scene_gen);
        let pace = Some(&mut self.pace).filter(|_| on);
        self.picture
            .update(ctx, Part::UnderFirms, now, look, vp, pace);
        let pace = Some(&mut self.pace).filter(|_| on && picture.is_none());
        self.base.update(ctx, Part::Basemap, now, look, vp, pace);
    }

    /// Paints the scene's layers in order: vector items batched into shapes, the density
    /// raster and the firm texture in between.
    fn paint_layers(
        &mut self,
        ctx: &egui::Context,
        painter: &egui::Painter,
        layers: &[Layer],
        scene_gen: u64,
        vp: &Viewport,
        rect: Rect,
    ) {
        let origin = rect.min;
        let mut shapes: Vec<Shape> = Vec::new();
        let on_tiles = self.tiles.is_on();
        for layer in layers {
            let cover = crate::scene::over_tiles(layer.kind, on_tiles);
            if !cover.draw {
                continue;
            }
            for item in &layer.items {
                match item {
                    Item::Polygon(p) if !cover.fill => {
                        let outline = PolygonItem {
                            fill: Rgba([0; 4]),
                            ..p.clone()
                        };
                        polygon_shapes(&outline, vp, origin, rect, layer.opacity, &mut shapes)
                    }
                    Item::Polygon(p) => {
                        polygon_shapes(p, vp, origin, rect, layer.opacity, &mut shapes)
                    }
                    Item::Line { points, stroke } => stroke_shapes(
                        points.iter().map(|q| pos(vp, origin, *q)).collect(),
                        stroke,
                        layer.opacity,
                        &mut shapes,
                    ),
                    Item::Marker(m) => marker_item_shapes(m, vp, rect, layer.opacity, &mut shapes),
                    Item::Raster(r) => {
                        painter.extend(std::mem::take(&mut shapes));
                        let tex = self.raster_texture(ctx, r, layer.kind, scene_gen);
                        paint_density(painter, &tex, r, vp, origin, layer.opacity);
                    }
                    Item::Points(pts) => {
                        painter.extend(std::mem::take(&mut shapes));
                        self.update_points(ctx, pts, vp, layer.opacity, scene_gen);
                        self.paint_points_texture(painter, vp, rect);
                    }
                }
            }
        }
        painter.extend(shapes);
    }

    /// A raster layer's texture (density, hot spots), uploaded again only when the scene
    /// changed.
    fn raster_texture(
        &mut self,
        ctx: &egui::Context,
        r: &RasterItem,
        kind: crate::scene::LayerKind,
        scene_gen: u64,
    ) -> egui::TextureHandle {
        self.raster_tex.retain(|(g, _, _)| *g == scene_gen);
        if let Some((_, _, t)) = self.raster_tex.iter().find(|(_, k, _)| *k == kind) {
            return t.clone();
        }
        let img = egui::ColorImage::from_rgba_unmultiplied([r.width, r.height], &r.rgba);
        let opts = if r.smooth {
            egui::TextureOptions::LINEAR
        } else {
            egui::TextureOptions::NEAREST
        };
        let t = ctx.load_texture(format!("{kind:?}"), img, opts);
        self.raster_tex.push((scene_gen, kind, t.clone()));
        t
    }

    /// Paints the firm texture where its own view lies in the current one.
    fn paint_points_texture(&self, painter: &egui::Painter, vp: &Viewport, rect: Rect) {
        if let (Some(t), Some(tvp)) = (&self.points_tex, &self.points_vp) {
            let size = t.size().map(|n| n as f32 * self.points_texel.max(1) as f32);
            painter.with_clip_rect(rect).image(
                t.id(),
                texture_rect(tvp, vp, rect.min, size),
                Rect::from_min_max(Pos2::ZERO, Pos2::new(1.0, 1.0)),
                Color32::WHITE,
            );
        }
    }
}

/// Where a texture drawn for `tvp`, covering `size` of its pixels from its north-west corner
/// (the last bins may reach past that view's edge; the map's clip cuts them, as the
/// exporters' image does), lies in the view `vp` whose map starts at `origin`. Pixel-aligned
/// when it was drawn for this very view.
pub(super) fn texture_rect(tvp: &Viewport, vp: &Viewport, origin: Pos2, size: [f32; 2]) -> Rect {
    if tvp == vp {
        return Rect::from_min_size(origin, Vec2::new(size[0], size[1]));
    }
    let (lo, hi) = tvp.plane_bounds();
    let m = tvp.m_per_px;
    let far = Xy::new(lo.x + f64::from(size[0]) * m, hi.y - f64::from(size[1]) * m);
    Rect::from_min_max(pos(vp, origin, Xy::new(lo.x, hi.y)), pos(vp, origin, far))
}

/// Adds a marker's shapes when it lies in (or near) the map.
fn marker_item_shapes(
    m: &MarkerItem,
    vp: &Viewport,
    rect: Rect,
    opacity: f32,
    out: &mut Vec<Shape>,
) {
    let c = pos(vp, rect.min, m.at);
    if rect.expand(m.size_px).contains(c) {
        let stroke = m
            .stroke
            .map(|s| egui::Stroke::new(s.width_px, color(s.color, opacity)));
        marker_shapes(m.shape, c, m.size_px, color(m.fill, opacity), stroke, out);
    }
}

/// Paints the density raster's texture over its cells.
fn paint_density(
    painter: &egui::Painter,
    tex: &egui::TextureHandle,
    r: &RasterItem,
    vp: &Viewport,
    origin: Pos2,
    opacity: f32,
) {
    let (nw, se) = r.corners();
    let (nw, se) = (pos(vp, origin, nw), pos(vp, origin, se));
    painter.image(
        tex.id(),
        Rect::from_min_max(nw, se),
        Rect::from_min_max(Pos2::ZERO, Pos2::new(1.0, 1.0)),
        Color32::from_white_alpha((255.0 * opacity) as u8),
    );
}

/// Paints the scene's labels that fit, each with a halo.
pub(super) fn paint_labels(painter: &egui::Painter, scene: &Scene, vp: &Viewport, origin: Pos2) {
    for l in labels::place(&scene.labels, vp, 3.0) {
        halo_text(
            painter,
            origin + Vec2::new(l.x, l.y),
            &l.text,
            l.size_px,
            color(l.color, 1.0),
        );
    }
}

/// Paints the notice that the firms are shown aggregated into bins.
pub(super) fn paint_aggregated_notice(painter: &egui::Painter, rect: Rect, lang: Lang) {
    let text = if lang.chinese() {
        "企业较多：按 2 像素方格聚合显示（越深越多），放大可见单个企业"
    } else {
        "Many firms: shown in 2-pixel bins (darker = more); zoom in for single firms"
    };
    let at = Pos2::new(rect.left() + 16.0, rect.bottom() - 72.0);
    let galley = painter.layout_no_wrap(
        text.to_string(),
        egui::FontId::proportional(12.0),
        color(palette::MAP_NOTE_TEXT, 1.0),
    );
    painter.rect_filled(
        Rect::from_min_size(
            at - Vec2::new(4.0, 2.0),
            galley.size() + Vec2::new(8.0, 4.0),
        ),
        3.0,
        color(palette::MAP_NOTE_BACKING, 1.0),
    );
    painter.galley(at, galley, color(palette::MAP_NOTE_TEXT, 1.0));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_texel_shows_where_the_current_view_puts_its_ground() {
        // A 2-px-bin texture of a 101 × 61 view: 51 × 31 texels reaching one pixel past it.
        let tvp = Viewport {
            centre: Xy::new(1000.0, 500.0),
            m_per_px: 4.0,
            width_px: 101.0,
            height_px: 61.0,
        };
        let (texels, b) = ([51usize, 31], 2.0f32);
        let size = texels.map(|n| n as f32 * b);
        let origin = Pos2::new(30.0, 12.0);
        // The same view: texel (i, j) covers pixels 2i..2i+2, 2j..2j+2 from the origin.
        let r = texture_rect(&tvp, &tvp, origin, size);
        assert_eq!(r.min, origin);
        assert_eq!(r.size(), Vec2::new(102.0, 62.0));
        // Panned and zoomed in: the oracle is the ground point at a texel's centre (in the
        // texture's own view) placed by the current view.
        for vp in [
            Viewport {
                centre: Xy::new(1037.0, 471.0),
                ..tvp
            },
            Viewport {
                centre: Xy::new(980.0, 530.0),
                m_per_px: 1.5,
                width_px: 300.0,
                height_px: 200.0,
            },
        ] {
            let r = texture_rect(&tvp, &vp, origin, size);
            for (i, j) in [(0usize, 0usize), (50, 30), (17, 9), (50, 0)] {
                let centre_px = crate::scene::Px::new((i as f32 + 0.5) * b, (j as f32 + 0.5) * b);
                let ground = tvp.to_plane(centre_px);
                let want = pos(&vp, origin, ground);
                let got = Pos2::new(
                    r.min.x + (i as f32 + 0.5) / texels[0] as f32 * r.width(),
                    r.min.y + (j as f32 + 0.5) / texels[1] as f32 * r.height(),
                );
                assert!(
                    (got - want).length() < 1e-3,
                    "texel {i},{j}: drawn at {got:?}, its ground is at {want:?}"
                );
            }
        }
    }
}
