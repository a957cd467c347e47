//! The map: draws the scene with egui's painter and handles pan, zoom, picking and measuring.
//! Firms are drawn from one texture re-rasterised only when the view or the scene changes;
//! polygons are pre-triangulated in the scene and only transformed here.

use egui::{Color32, Pos2, Rect, Sense, Shape, Vec2};

use super::state::Dataset;
use crate::crs::Projection;
use crate::model::{LonLat, Xy};
use crate::scene::{
    Lang, MarkerShape, PolygonItem, Px, Rgba, Scene, Stroke, Viewport, north_angle, overlay,
    palette, raster, scale_bar,
};

mod draw;
mod firms;
mod paint;
pub mod picture;
mod tiles;
pub use draw::DrawState;
pub use firms::Pace;
use paint::{paint_aggregated_notice, paint_labels};
pub use tiles::TileLayer;

/// What the user picked on the map.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Pick {
    Firm(usize),
    Zone(usize),
    Nothing,
    /// A point clicked while picking the user's own site (*My site…*).
    Place(Xy),
}

/// What a firm raster was drawn for: scene generation, view bits and opacity bits.
type RasterKey = (u64, [u64; 4], u32);
/// A finished raster: the view it was drawn for, the image, and its pixels per texel (more
/// than one when the firms are aggregated into bins).
type RasterResult = (Viewport, raster::Image, usize);

/// Runtime state of the map widget (textures, measuring); the viewport itself is persisted
/// in the settings.
#[derive(Default)]
pub struct MapView {
    points_tex: Option<egui::TextureHandle>,
    /// The view the firm texture was drawn for (it is shown transformed into the current view
    /// until a fresh one arrives).
    points_vp: Option<Viewport>,
    points_key: Option<RasterKey>,
    /// Screen pixels per texel of the firm texture (bins are one texel each).
    points_texel: usize,
    /// A firm raster being drawn on a background thread, with the key it was asked for.
    inflight: Option<(RasterKey, super::jobs::Task<RasterResult>)>,
    /// The firms are drawn aggregated into bins (many firms in view).
    pub aggregated: bool,
    raster_tex: Vec<(u64, crate::scene::LayerKind, egui::TextureHandle)>,
    pub measuring: bool,
    /// The next click places the user's own site instead of selecting.
    pub picking_site: bool,
    /// Where the user's own site is (drawn as a ring).
    pub site_marker: Option<Xy>,
    pub measure: Vec<Xy>,
    /// WGS-84 position under the cursor.
    pub cursor: Option<LonLat>,
    /// Milliseconds the last firm rasterisation took.
    pub last_raster_ms: f32,
    /// The street basemap under the data (off unless the user turns one on).
    pub tiles: TileLayer,
    /// A zone being drawn (*Draw zone…*): clicks go to the sketch, not to picking.
    pub draw: Option<DrawState>,
    /// The layers under the firms as one picture; the basemap's alone (`Part::Basemap`).
    pub picture: picture::LayerPicture,
    base: picture::LayerPicture,
    /// How this frame may start background drawings (see [`Pace`]).
    pace: Pace,
    /// The view the last frame showed (the map moves when it differs).
    last_view: Option<Viewport>,
    /// Results or data arrived: the frame being built starts no background drawing.
    defer: bool,
}

pub fn color(c: Rgba, opacity: f32) -> Color32 {
    let [r, g, b, a] = c.0;
    Color32::from_rgba_unmultiplied(r, g, b, (a as f32 * opacity.clamp(0.0, 1.0)).round() as u8)
}

fn pos(vp: &Viewport, origin: Pos2, p: Xy) -> Pos2 {
    let Px { x, y } = vp.to_screen(p);
    Pos2::new(origin.x + x, origin.y + y)
}

/// Points of a screen path closer than this to the last one kept are dropped: at city scale
/// a coastline has many vertices per pixel, and each costs the tessellator and the renderer.
const MIN_SEGMENT_PX: f32 = 0.5;

/// `points` without those within [`MIN_SEGMENT_PX`] of the previous point kept (the first and
/// last are always kept, so rings stay closed).
pub fn thin_path(points: Vec<Pos2>) -> Vec<Pos2> {
    let Some(&last) = points.last() else {
        return points;
    };
    let mut out: Vec<Pos2> = Vec::with_capacity(points.len());
    for p in points {
        match out.last() {
            Some(q) if q.distance_sq(p) < MIN_SEGMENT_PX * MIN_SEGMENT_PX => {}
            _ => out.push(p),
        }
    }
    if out.len() > 1 && out.last() != Some(&last) {
        out.push(last);
    }
    out
}

fn stroke_shapes(points: Vec<Pos2>, s: &Stroke, opacity: f32, out: &mut Vec<Shape>) {
    let points = thin_path(points);
    let stroke = egui::Stroke::new(s.width_px, color(s.color, opacity));
    match s.dash_px {
        Some((on, off)) => out.extend(Shape::dashed_line(&points, stroke, on, off)),
        None => out.push(Shape::line(points, stroke)),
    }
}

fn polygon_shapes(
    p: &PolygonItem,
    vp: &Viewport,
    origin: Pos2,
    clip: Rect,
    opacity: f32,
    out: &mut Vec<Shape>,
) {
    // Cull polygons entirely outside the view.
    let mut bb = Rect::NOTHING;
    for q in &p.rings[0] {
        bb.extend_with(pos(vp, origin, *q));
    }
    if !bb.intersects(clip) {
        return;
    }
    // The simplified fill where its tolerance is under half a pixel.
    let (vertices, triangles) = match &p.coarse {
        Some(c) if c.tolerance_m * 2.0 <= vp.m_per_px => (&c.vertices, &c.triangles),
        _ => (&p.vertices, &p.triangles),
    };
    if p.fill.0[3] > 0 && !triangles.is_empty() {
        let fill = color(p.fill, opacity);
        let mut mesh = egui::Mesh::default();
        mesh.reserve_vertices(vertices.len());
        mesh.reserve_triangles(triangles.len() / 3);
        for v in vertices {
            mesh.colored_vertex(pos(vp, origin, *v), fill);
        }
        for t in triangles.chunks_exact(3) {
            mesh.add_triangle(t[0], t[1], t[2]);
        }
        out.push(Shape::mesh(mesh));
    }
    if let Some(s) = &p.stroke {
        for ring in &p.rings {
            stroke_shapes(
                ring.iter().map(|q| pos(vp, origin, *q)).collect(),
                s,
                opacity,
                out,
            );
        }
    }
}

/// Star outline points around a centre (5 points).
pub fn star_points(c: Pos2, r: f32) -> Vec<Pos2> {
    crate::scene::star_outline(Px::new(c.x, c.y), r)
        .into_iter()
        .map(|p| Pos2::new(p.x, p.y))
        .collect()
}

fn marker_shapes(
    shape: MarkerShape,
    c: Pos2,
    size: f32,
    fill: Color32,
    stroke: Option<egui::Stroke>,
    out: &mut Vec<Shape>,
) {
    match shape {
        MarkerShape::Circle => {
            out.push(Shape::circle_filled(c, size / 2.0, fill));
            if let Some(s) = stroke {
                out.push(Shape::circle_stroke(c, size / 2.0, s));
            }
        }
        MarkerShape::Square => {
            let r = Rect::from_center_size(c, Vec2::splat(size));
            out.push(Shape::rect_filled(r, 0.0, fill));
            if let Some(s) = stroke {
                out.push(Shape::rect_stroke(r, 0.0, s, egui::StrokeKind::Middle));
            }
        }
        MarkerShape::Star => {
            let pts = star_points(c, size / 2.0);
            let mut mesh = egui::Mesh::default();
            mesh.colored_vertex(c, fill);
            for p in &pts {
                mesh.colored_vertex(*p, fill);
            }
            for k in 0..10u32 {
                mesh.add_triangle(0, 1 + k, 1 + (k + 1) % 10);
            }
            out.push(Shape::mesh(mesh));
            if let Some(s) = stroke {
                out.push(Shape::closed_line(pts, s));
            }
        }
    }
}

/// Draws text with a light halo so it reads on any background.
pub fn halo_text(painter: &egui::Painter, at: Pos2, text: &str, size: f32, col: Color32) {
    let font = egui::FontId::proportional(size);
    let halo = color(palette::HALO, 1.0);
    for (dx, dy) in [
        (-1.0, 0.0),
        (1.0, 0.0),
        (0.0, -1.0),
        (0.0, 1.0),
        (-1.0, -1.0),
        (1.0, 1.0),
        (-1.0, 1.0),
        (1.0, -1.0),
    ] {
        painter.text(
            at + Vec2::new(dx, dy),
            egui::Align2::CENTER_CENTER,
            text,
            font.clone(),
            halo,
        );
    }
    painter.text(at, egui::Align2::CENTER_CENTER, text, font, col);
}

impl MapView {
    /// Draws the map in the available space and handles input. Returns a pick when the user
    /// clicked (not while measuring).
    pub fn show(
        &mut self,
        ui: &mut egui::Ui,
        scene: &Scene,
        scene_gen: u64,
        data: &Dataset,
        vp: &mut Viewport,
        (lang, fit): (Lang, &crate::model::FitTable),
    ) -> Option<Pick> {
        let (response, painter) = ui.allocate_painter(ui.available_size(), Sense::click_and_drag());
        let rect = response.rect;
        vp.width_px = rect.width().max(1.0);
        vp.height_px = rect.height().max(1.0);
        let origin = rect.min;
        let proj: &Projection = &data.index.projection;

        let drawing = self.handle_drawing(ui, &response, vp);
        let hover = self.handle_navigation(ui, &response, vp, proj, !drawing);
        let moving = self.last_view.replace(*vp).is_some_and(|v| v != *vp);
        self.pace = Pace::new(std::mem::take(&mut self.defer), moving);

        self.paint_map(ui.ctx(), &painter, (scene, scene_gen), vp, rect, proj);
        paint_labels(&painter, scene, vp, origin);

        // Measuring.
        let pick = if self.draw.is_some() {
            None
        } else {
            self.handle_clicks(&response, data, vp)
        };
        self.paint_drawing(&painter, vp, origin);
        if self.measuring && !self.measure.is_empty() {
            self.draw_measure(&painter, vp, origin, proj, hover);
        }

        if let Some(xy) = self.site_marker {
            let c = pos(vp, origin, xy);
            painter.circle_stroke(
                c,
                9.0,
                egui::Stroke::new(3.0, color(palette::STAR_EDGE, 1.0)),
            );
            painter.circle_stroke(
                c,
                9.0,
                egui::Stroke::new(2.0, color(palette::SELECTION, 1.0)),
            );
            painter.circle_filled(c, 3.0, color(palette::SELECTION, 1.0));
        }
        self.draw_overlays(&painter, rect, vp, proj, lang);
        self.tiles.paint_credit(&painter, rect, lang);
        if self.aggregated && scene.layer(crate::scene::LayerKind::Firms).is_some() {
            paint_aggregated_notice(&painter, rect, lang);
        }
        if let (Some(h), false) = (hover, self.measuring) {
            let xy = vp.to_plane(Px::new(h.x - origin.x, h.y - origin.y));
            if let Some(text) = self.hover_text(data, vp, xy, lang, fit) {
                response.clone().on_hover_text_at_pointer(text);
            }
        }
        pick
    }

    /// Handles navigation (drag to pan, wheel, +/- or double click to zoom about the cursor)
    /// and tracks the cursor's position; returns where the pointer hovers.
    fn handle_navigation(
        &mut self,
        ui: &egui::Ui,
        response: &egui::Response,
        vp: &mut Viewport,
        proj: &Projection,
        pan: bool,
    ) -> Option<Pos2> {
        let origin = response.rect.min;
        if pan && response.dragged() {
            let d = response.drag_delta();
            vp.pan_px(d.x, d.y);
        }
        let hover = response.hover_pos();
        let anchor = hover
            .map(|p| Px::new(p.x - origin.x, p.y - origin.y))
            .unwrap_or(vp.centre_px());
        if response.hovered() {
            let (scroll, zoom) = ui.input(|i| (i.smooth_scroll_delta.y, i.zoom_delta()));
            let factor = (scroll as f64 * 0.0025).exp() * zoom as f64;
            if (factor - 1.0).abs() > 1e-6 {
                vp.zoom_about(factor, anchor);
            }
        }
        if response.hovered() || response.has_focus() {
            let (plus, minus) = ui.input(|i| {
                (
                    i.key_pressed(egui::Key::Plus) || i.key_pressed(egui::Key::Equals),
                    i.key_pressed(egui::Key::Minus),
                )
            });
            if plus {
                vp.zoom_about(1.5, anchor);
            }
            if minus {
                vp.zoom_about(1.0 / 1.5, anchor);
            }
        }
        if response.double_clicked() && self.draw.is_none() {
            vp.zoom_about(2.0, anchor);
        }
        self.cursor =
            hover.map(|p| proj.unproject(vp.to_plane(Px::new(p.x - origin.x, p.y - origin.y))));
        hover
    }

    /// Handles clicks: a measuring point or a pick on a left click, clearing the measure on a
    /// right click. Returns the pick.
    fn handle_clicks(
        &mut self,
        response: &egui::Response,
        data: &Dataset,
        vp: &Viewport,
    ) -> Option<Pick> {
        let origin = response.rect.min;
        let mut pick = None;
        if response.clicked()
            && let Some(p) = response.interact_pointer_pos()
        {
            let xy = vp.to_plane(Px::new(p.x - origin.x, p.y - origin.y));
            if self.picking_site {
                pick = Some(Pick::Place(xy));
            } else if self.measuring {
                self.measure.push(xy);
            } else {
                pick = Some(self.pick(data, vp, xy));
            }
        }
        if response.secondary_clicked() {
            self.measure.clear();
        }
        pick
    }

    /// Results or data arrived in this frame (called before the map is shown). The window
    /// already rebuilds its scene and panels in it, so it starts no background drawing:
    /// those would share the cores with its painting. They start a frame later.
    pub fn arrived(&mut self, ctx: &egui::Context) {
        self.defer = true;
        // What arrived is drawn a frame or two later: the map drawn so far stands in, and a
        // frame at the end of that time shows the vectors if its picture has not come.
        self.picture.hold(picture::STAND_IN);
        ctx.request_repaint_after(picture::STAND_IN);
    }

    /// True while the firm raster or the layers' picture is being drawn in the background,
    /// or one waits for its frame to start (the map shown is not yet the current one).
    pub fn is_rendering(&self) -> bool {
        self.inflight.is_some()
            || self.picture.is_drawing()
            || self.base.is_drawing()
            || self.picture.stood_in
            || self.pace.waited()
    }

    /// The firm within 8 px of the point, else the zone under it (or a point zone within 12 px).
    pub fn pick(&self, data: &Dataset, vp: &Viewport, xy: Xy) -> Pick {
        self.pick_firms_if(data, vp, xy, true)
    }

    /// [`Self::pick`], looking at firms only when `wait` or their R-tree is already built: the
    /// hover must never stall a frame while a background thread builds it after a load.
    fn pick_firms_if(&self, data: &Dataset, vp: &Viewport, xy: Xy, wait: bool) -> Pick {
        if (wait || data.index.firm_tree_ready())
            && let Some((f, d)) = data.index.nearest_firm(xy)
            && d <= 8.0 * vp.m_per_px
        {
            return Pick::Firm(f as usize);
        }
        let ll = data.index.projection.unproject(xy);
        if let Some(z) = data.index.zones_containing(ll, xy).first() {
            return Pick::Zone(*z);
        }
        if let Some(hit) = data.index.nearest_zone(ll, xy)
            && hit.distance_m <= 12.0 * vp.m_per_px
        {
            return Pick::Zone(hit.zone);
        }
        Pick::Nothing
    }

    fn hover_text(
        &self,
        data: &Dataset,
        vp: &Viewport,
        xy: Xy,
        lang: Lang,
        fit: &crate::model::FitTable,
    ) -> Option<String> {
        match self.pick_firms_if(data, vp, xy, false) {
            Pick::Firm(f) => Some(format!(
                "{} {}\n{}",
                data.firms.id(f),
                data.firms.name(f),
                fit.label(data.firms.segment_name(f), lang)
            )),
            Pick::Zone(z) => data
                .zones
                .get(z)
                .map(|z| format!("{} {}", z.id, z.display_name(lang))),
            Pick::Nothing | Pick::Place(_) => None,
        }
    }

    fn draw_measure(
        &self,
        painter: &egui::Painter,
        vp: &Viewport,
        origin: Pos2,
        proj: &Projection,
        hover: Option<Pos2>,
    ) {
        let line = egui::Stroke::new(2.0, color(palette::SELECTION, 1.0));
        let pts: Vec<Pos2> = self.measure.iter().map(|p| pos(vp, origin, *p)).collect();
        painter.add(Shape::line(pts.clone(), line));
        if let Some(h) = hover {
            painter.add(Shape::dashed_line(&[pts[pts.len() - 1], h], line, 5.0, 4.0));
        }
        let mut total = 0.0;
        for (k, p) in pts.iter().enumerate() {
            painter.circle_filled(*p, 4.0, color(palette::SELECTION, 1.0));
            if k > 0 {
                total += proj.ground_distance(self.measure[k - 1], self.measure[k]);
                let text = fmt_distance(total);
                halo_text(
                    painter,
                    *p + Vec2::new(0.0, -14.0),
                    &text,
                    13.0,
                    color(palette::TEXT, 1.0),
                );
            }
        }
    }

    /// The scale bar and the north arrow: the exporters' shapes ([`overlay`]) at one pixel per
    /// unit, so the screen and a saved picture show the same furniture.
    fn draw_overlays(
        &self,
        painter: &egui::Painter,
        rect: Rect,
        vp: &Viewport,
        proj: &Projection,
        lang: Lang,
    ) {
        let pos = |p: Px| Pos2::new(p.x, p.y);
        let rect_of =
            |r: overlay::PxRect| Rect::from_min_size(Pos2::new(r.x, r.y), Vec2::new(r.w, r.h));
        let text = |at: Px, s: &str, size: f32| {
            painter.text(
                pos(at),
                egui::Align2::CENTER_CENTER,
                s,
                egui::FontId::proportional(size),
                color(palette::TEXT, 1.0),
            )
        };
        // Scale bar (true on the ground at the centre of the view).
        let bar = scale_bar(vp, proj, 160.0);
        let start = Px::new(rect.left() + 20.0, rect.bottom() - 24.0);
        let (a, b) = overlay::scale_bar_ends(start, &bar);
        let s = overlay::scale_bar_shapes(a, b, 1.0);
        painter.rect_filled(rect_of(s.backing), 3.0, color(overlay::BACKING, 1.0));
        for (r, fill) in s.segments {
            painter.rect_filled(rect_of(r), 0.0, color(fill, 1.0));
            painter.rect_stroke(
                rect_of(r),
                0.0,
                egui::Stroke::new(s.edge_width, color(overlay::INK, 1.0)),
                egui::StrokeKind::Middle,
            );
        }
        text(s.zero_at, "0", s.text_size);
        text(s.label_at, &bar.label, s.text_size);

        // North arrow, pointing to true north.
        let centre = Px::new(rect.right() - 34.0, rect.top() + 44.0);
        let n = overlay::north_arrow_shapes(centre, north_angle(vp, proj), 1.0);
        painter.circle(
            pos(n.centre),
            n.radius,
            color(overlay::BACKING, 1.0),
            egui::Stroke::new(n.rim_width, color(overlay::RIM, 1.0)),
        );
        for (half, fill) in [(n.east, overlay::INK), (n.west, overlay::ARROW_SHADE)] {
            painter.add(Shape::convex_polygon(
                half[..3].iter().map(|p| pos(*p)).collect(),
                color(fill, 1.0),
                egui::Stroke::NONE,
            ));
        }
        text(n.label_at, lang.one("北", "N"), n.text_size);
    }
}

/// "850 m" or "12.34 km".
pub fn fmt_distance(m: f64) -> String {
    if m < 1000.0 {
        format!("{m:.0} m")
    } else {
        format!("{:.2} km", m / 1000.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thinning_drops_sub_pixel_steps_and_keeps_both_ends() {
        // A closed ring drawn at city scale: 1,000 steps of 0.01 px, then a real corner.
        let mut ring: Vec<Pos2> = (0..1000).map(|i| Pos2::new(i as f32 * 0.01, 0.0)).collect();
        ring.extend([
            Pos2::new(10.0, 0.0),
            Pos2::new(10.0, 10.0),
            Pos2::new(0.0, 0.0),
        ]);
        let thin = thin_path(ring.clone());
        assert!(thin.len() < 30, "{} points kept", thin.len());
        assert_eq!(thin.first(), ring.first());
        assert_eq!(thin.last(), ring.last());
        // No kept step is shorter than the limit, except possibly the closing one.
        for w in thin[..thin.len() - 1].windows(2) {
            assert!(w[0].distance(w[1]) >= MIN_SEGMENT_PX, "{w:?}");
        }
        // Every dropped point lies within the limit of a kept one: the shape is unchanged.
        for p in &ring {
            let d = thin.iter().map(|q| q.distance(*p)).fold(f32::MAX, f32::min);
            assert!(d < MIN_SEGMENT_PX, "{p:?} is {d} px from the thinned path");
        }
        // Paths with nothing to drop are kept as they are.
        let coarse = vec![
            Pos2::new(0.0, 0.0),
            Pos2::new(5.0, 0.0),
            Pos2::new(5.0, 5.0),
        ];
        assert_eq!(thin_path(coarse.clone()), coarse);
        assert!(thin_path(Vec::new()).is_empty());
    }
}
