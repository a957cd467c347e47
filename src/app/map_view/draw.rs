//! Drawing a zone on the map (*Draw zone…*): click to add vertices, click the first vertex (or
//! press Enter) to close a ring, drag a vertex to move it, right-click a vertex to delete it,
//! Ctrl+click an edge to insert a vertex, Ctrl+Z / Ctrl+Y to undo and redo. Points snap to the
//! edges and vertices of the other zones within 10 pixels unless snapping is off.

use egui::{Color32, Pos2, Shape, Vec2};

use super::{MapView, color, pos};
use crate::digitise::{Sketch, snap};
use crate::model::Xy;
use crate::scene::{Px, Viewport, palette};

/// Pixels within which a vertex is under the pointer, and within which points snap.
const HIT_PX: f64 = 8.0;
const SNAP_PX: f64 = 10.0;

/// The sketch being drawn and how the pointer works on it.
#[derive(Default)]
pub struct DrawState {
    pub sketch: Sketch,
    pub snap: bool,
    /// Other zones' rings on the plane (snapping targets).
    pub snap_rings: Vec<Vec<Xy>>,
    /// The vertex being dragged: (ring, index).
    drag: Option<(usize, usize)>,
    /// Where the pointer is (snapped), for the rubber band.
    hover: Option<Xy>,
}

impl DrawState {
    pub fn new(sketch: Sketch, snap_rings: Vec<Vec<Xy>>) -> Self {
        Self {
            sketch,
            snap: true,
            snap_rings,
            ..Self::default()
        }
    }

    fn snapped(&self, p: Xy, vp: &Viewport) -> Xy {
        if !self.snap {
            return p;
        }
        snap(p, &self.snap_rings, SNAP_PX * vp.m_per_px).unwrap_or(p)
    }
}

impl MapView {
    /// Handles the pointer and keys while drawing; returns true when the pointer is busy with
    /// the sketch (so the map does not pan or pick).
    pub(super) fn handle_drawing(
        &mut self,
        ui: &egui::Ui,
        response: &egui::Response,
        vp: &Viewport,
    ) -> bool {
        let Some(d) = self.draw.as_mut() else {
            return false;
        };
        let origin = response.rect.min;
        let to_xy = |p: Pos2| vp.to_plane(Px::new(p.x - origin.x, p.y - origin.y));
        let pointer = response.hover_pos().or(response.interact_pointer_pos());
        d.hover = pointer.map(|p| d.snapped(to_xy(p), vp));
        let hit = HIT_PX * vp.m_per_px;
        // Keys.
        let (undo, redo, enter, del) = ui.input(|i| {
            let cmd = i.modifiers.command;
            (
                cmd && !i.modifiers.shift && i.key_pressed(egui::Key::Z),
                cmd && (i.key_pressed(egui::Key::Y)
                    || (i.modifiers.shift && i.key_pressed(egui::Key::Z))),
                i.key_pressed(egui::Key::Enter),
                i.key_pressed(egui::Key::Delete) || i.key_pressed(egui::Key::Backspace),
            )
        });
        if undo {
            d.sketch.undo();
        }
        if redo {
            d.sketch.redo();
        }
        if enter {
            d.sketch.close_ring();
        }
        if del
            && response.hovered()
            && let Some((r, i)) = pointer.and_then(|p| d.sketch.vertex_near(to_xy(p), hit))
        {
            d.sketch.delete_vertex(r, i);
        }
        // Dragging a vertex.
        // A drag is decided only after the pointer has moved a few pixels: test where it was
        // pressed.
        if response.drag_started()
            && let Some(p) = ui.input(|i| i.pointer.press_origin())
            && let Some(v) = d.sketch.vertex_near(to_xy(p), hit)
        {
            d.sketch.begin_move();
            d.drag = Some(v);
        }
        if let Some((r, i)) = d.drag {
            if let Some(p) = response.interact_pointer_pos() {
                let q = d.snapped(to_xy(p), vp);
                d.sketch.move_vertex(r, i, q);
            }
            if !response.dragged() || response.drag_stopped() {
                d.drag = None;
            }
            return true;
        }
        // Clicks.
        if response.clicked()
            && let Some(p) = response.interact_pointer_pos()
        {
            let xy = to_xy(p);
            let ctrl = ui.input(|i| i.modifiers.command);
            let closes = d.sketch.active_ring().is_some_and(|r| {
                let ring = &d.sketch.rings[r];
                ring.vertices.len() >= 3 && d.sketch.vertex_near(xy, hit) == Some((r, 0))
            });
            if closes {
                d.sketch.close_ring();
            } else if ctrl {
                if let Some((r, i, q)) = d.sketch.edge_near(xy, hit) {
                    d.sketch.insert_vertex(r, i, q);
                }
            } else if d.sketch.vertex_near(xy, hit).is_none() {
                let q = d.snapped(xy, vp);
                d.sketch.add_vertex(q);
            }
            return true;
        }
        if response.secondary_clicked()
            && let Some(p) = response.interact_pointer_pos()
            && let Some((r, i)) = d.sketch.vertex_near(to_xy(p), hit)
        {
            d.sketch.delete_vertex(r, i);
            return true;
        }
        false
    }

    /// Paints the sketch: closed rings filled, the open ring with a rubber band to the pointer,
    /// vertices as small squares (the first of the open ring larger: click it to close).
    pub(super) fn paint_drawing(&self, painter: &egui::Painter, vp: &Viewport, origin: Pos2) {
        let Some(d) = &self.draw else { return };
        let ink = color(palette::SELECTION, 1.0);
        let line = egui::Stroke::new(2.0, ink);
        let s = &d.sketch;
        let active = s.active_ring();
        for (ri, r) in s.rings.iter().enumerate() {
            let pts: Vec<Pos2> = r.vertices.iter().map(|p| pos(vp, origin, *p)).collect();
            if r.closed && pts.len() >= 3 {
                painter.add(Shape::closed_line(pts.clone(), line));
            } else {
                painter.add(Shape::line(pts.clone(), line));
                if let (Some(last), Some(h)) = (pts.last(), d.hover) {
                    let h = pos(vp, origin, h);
                    painter.add(Shape::dashed_line(&[*last, h], line, 5.0, 4.0));
                }
            }
            for (vi, p) in pts.iter().enumerate() {
                let first_of_open = active == Some(ri) && vi == 0 && pts.len() >= 3;
                let half = if first_of_open { 6.0 } else { 4.0 };
                let rect = egui::Rect::from_center_size(*p, Vec2::splat(half * 2.0));
                painter.rect_filled(rect, 1.0, Color32::WHITE);
                painter.rect_stroke(
                    rect,
                    1.0,
                    egui::Stroke::new(1.5, ink),
                    egui::StrokeKind::Middle,
                );
            }
        }
        // The snapped pointer.
        if let (Some(h), true) = (d.hover, d.snap) {
            painter.circle_stroke(pos(vp, origin, h), 3.0, egui::Stroke::new(1.0, ink));
        }
    }
}
