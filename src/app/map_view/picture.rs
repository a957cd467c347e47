//! The layers under the firms (land, districts, density, hot spots, clusters, zones) as one
//! picture. Under a software renderer every vector layer that covers the view costs
//! milliseconds of filling per frame, so panning the whole city, or stepping the time slider,
//! missed the frame budget. As QGIS shows its map cache, the window draws these layers once,
//! on a background thread with the exporters' painter (`export::render_view`), with a margin
//! around the view, and then shows that picture moved and scaled into place every frame. The
//! picture stands while its layers are unchanged, whatever else in the scene changes (the
//! firms have their own texture); until the first picture of changed layers arrives they are
//! drawn as vectors, as before.

use std::sync::Arc;

use egui::{Color32, Pos2, Rect};

use super::{Pace, pos};
use crate::app::jobs::{self, Task};
use crate::model::Xy;
use crate::scene::{Layer, LayerKind, Rgba, Scene, Viewport};

/// Fraction of the view's width and height drawn beyond each of its edges, so that a pan
/// shows the picture, not the background, at the side it opens.
pub const MARGIN: f32 = 0.25;

/// How many of the scene's first layers the picture holds: those under the firms (and
/// under the selection when the firms are hidden).
pub fn under_firms(scene: &Scene) -> usize {
    scene
        .layers
        .iter()
        .position(|l| matches!(l.kind, LayerKind::Firms | LayerKind::Selection))
        .unwrap_or(scene.layers.len())
}

/// How many of the scene's first layers are the basemap (land, districts): a second picture
/// holds only them, for the frames after the layers above them changed.
pub fn basemap(scene: &Scene) -> usize {
    scene
        .layers
        .iter()
        .take_while(|l| matches!(l.kind, LayerKind::Land | LayerKind::Districts))
        .count()
}

/// Which of the scene's first layers a picture holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    /// Every layer under the firms.
    UnderFirms,
    /// The basemap only.
    Basemap,
}

impl Part {
    fn count(self, scene: &Scene) -> usize {
        match self {
            Part::UnderFirms => under_firms(scene),
            Part::Basemap => basemap(scene),
        }
    }
}

/// What a picture shows: the layers, the background under them, whether a street basemap
/// lies beneath (the land is left out and the picture is transparent), and the screen's
/// pixels per point.
#[derive(Clone)]
struct Content {
    layers: Arc<Vec<Layer>>,
    background: Rgba,
    tiles_on: bool,
    ppp: f32,
    /// The last scene generation found to have exactly this content, and one found not to
    /// (each generation is compared once).
    same_gen: Option<u64>,
    other_gen: Option<u64>,
}

impl Content {
    fn of(part: Part, scene: &Scene, scene_gen: u64, tiles_on: bool, ppp: f32) -> Self {
        Self {
            layers: Arc::new(scene.layers[..part.count(scene)].to_vec()),
            background: scene.background,
            tiles_on,
            ppp,
            same_gen: Some(scene_gen),
            other_gen: None,
        }
    }

    /// True when the scene's layers under the firms are this content's.
    fn matches(&mut self, part: Part, scene: &Scene, scene_gen: u64, look: (bool, f32)) -> bool {
        let (tiles_on, ppp) = look;
        if self.tiles_on != tiles_on || self.ppp != ppp {
            return false;
        }
        if self.same_gen == Some(scene_gen) {
            return true;
        }
        if self.other_gen == Some(scene_gen) {
            return false;
        }
        let same = self.background == scene.background
            && self.layers[..] == scene.layers[..part.count(scene)];
        if same {
            self.same_gen = Some(scene_gen);
        } else {
            self.other_gen = Some(scene_gen);
        }
        same
    }
}

/// A finished picture: the view it covers (in points, margin included) and its pixels.
type Drawn = (Viewport, egui::ColorImage);

/// The picture shown, and the one being drawn.
#[derive(Default)]
pub struct LayerPicture {
    tex: Option<egui::TextureHandle>,
    /// What the texture shows and the view it covers.
    shown: Option<(Content, Viewport)>,
    /// The picture being drawn: its content and the view it was asked for.
    inflight: Option<(Content, Viewport, Task<Drawn>)>,
    /// The last picture asked for (so a finished one is not asked for again).
    asked: Option<(Content, Viewport)>,
    /// The last frame drew the layers from the picture.
    pub drew: bool,
    /// Never draw them from a picture (the tests compare the two ways).
    pub off: bool,
    /// The last placing stood in for changed layers (see [`Self::hold`]).
    pub stood_in: bool,
    /// Until when the picture shown stands in for changed layers (see [`Self::hold`]).
    hold_until: Option<std::time::Instant>,
}

/// How long a picture stands in for layers changed by what arrived (results, data), while
/// theirs is drawn: a picture of 4M firms' layers takes 10–40 ms, more while a job runs.
pub const STAND_IN: std::time::Duration = std::time::Duration::from_millis(250);

/// While the map moves, a picture is redrawn only when the view leaves it or is zoomed by
/// more than this factor from it (the cores go to drawing the frames); at rest, always.
const MOVING_ZOOM: f64 = 1.25;

/// The view `vp` (in points) widened by [`MARGIN`] on every side, by whole pixels at `ppp`
/// pixels per point so that at rest the picture lies pixel on pixel.
pub fn with_margin(vp: &Viewport, ppp: f32) -> Viewport {
    let side = |px: f32| {
        let phys = (px * ppp).round();
        (phys + 2.0 * (phys * MARGIN).round()) / ppp
    };
    Viewport {
        width_px: side(vp.width_px),
        height_px: side(vp.height_px),
        ..*vp
    }
}

impl LayerPicture {
    /// Where the picture lies in the view `vp` drawn at `origin`, when it shows this scene's
    /// layers under the firms.
    pub fn placed(
        &mut self,
        part: Part,
        (scene, scene_gen): (&Scene, u64),
        (tiles_on, ppp): (bool, f32),
        vp: &Viewport,
        origin: Pos2,
    ) -> Option<Rect> {
        self.stood_in = false;
        self.tex.as_ref()?;
        let (content, covers) = self.shown.as_mut()?;
        if content.matches(part, scene, scene_gen, (tiles_on, ppp)) {
            self.hold_until = None;
        } else if self
            .hold_until
            .is_some_and(|t| std::time::Instant::now() < t)
        {
            self.stood_in = true;
        } else {
            self.hold_until = None;
            return None;
        }
        let (lo, hi) = covers.plane_bounds();
        Some(Rect::from_min_max(
            pos(vp, origin, Xy::new(lo.x, hi.y)),
            pos(vp, origin, Xy::new(hi.x, lo.y)),
        ))
    }

    /// Paints the picture at `at` (from [`Self::placed`]), clipped to the map's `rect`.
    pub fn paint(&self, painter: &egui::Painter, at: Rect, rect: Rect) {
        if let Some(t) = &self.tex {
            painter.with_clip_rect(rect).image(
                t.id(),
                at,
                Rect::from_min_max(Pos2::ZERO, Pos2::new(1.0, 1.0)),
                Color32::WHITE,
            );
        }
    }

    /// Lets the picture shown stand in for changed layers for at most `d` (until their own
    /// picture is drawn): for a change that did not come from the user's hand (results or
    /// data arriving), whose frame then draws no vectors. A change the user makes is shown
    /// at once, as vectors, until its picture is drawn.
    pub fn hold(&mut self, d: std::time::Duration) {
        self.hold_until = Some(std::time::Instant::now() + d);
    }

    /// Takes a finished picture (before it is placed, so it shows in the frame it arrives).
    pub fn take_finished(&mut self, ctx: &egui::Context) {
        let Some((_, _, task)) = &self.inflight else {
            return;
        };
        let Some(result) = task.poll() else {
            return;
        };
        let Some((content, asked_vp, _)) = self.inflight.take() else {
            return;
        };
        // A picture that failed to draw leaves the last one standing.
        if let Ok((covers, img)) = result {
            match &mut self.tex {
                Some(t) => t.set(img, egui::TextureOptions::LINEAR),
                None => {
                    let opts = egui::TextureOptions::LINEAR;
                    self.tex = Some(ctx.load_texture("map layers", img, opts));
                }
            }
            self.shown = Some((content.clone(), covers));
        }
        self.asked = Some((content, asked_vp));
    }

    /// True while a picture is being drawn.
    pub fn is_drawing(&self) -> bool {
        self.inflight.is_some()
    }

    /// True when the picture shown has this scene's layers, covers the view `vp` and is
    /// drawn within [`MOVING_ZOOM`] of its scale.
    fn still_serves(
        &mut self,
        part: Part,
        scene: &Scene,
        scene_gen: u64,
        look: (bool, f32),
        vp: &Viewport,
    ) -> bool {
        let Some((content, covers)) = self.shown.as_mut() else {
            return false;
        };
        let (lo, hi) = vp.plane_bounds();
        let (clo, chi) = covers.plane_bounds();
        let zoom = vp.m_per_px / covers.m_per_px;
        content.matches(part, scene, scene_gen, look)
            && (1.0 / MOVING_ZOOM..=MOVING_ZOOM).contains(&zoom)
            && lo.x >= clo.x
            && lo.y >= clo.y
            && hi.x <= chi.x
            && hi.y <= chi.y
    }

    /// When given the frame's `pace` (and it has a start left), asks for a picture of this
    /// scene's layers in the view `vp` unless that is the last one asked for (one is drawn at
    /// a time).
    pub fn update(
        &mut self,
        ctx: &egui::Context,
        part: Part,
        (scene, scene_gen): (&Scene, u64),
        (tiles_on, ppp): (bool, f32),
        vp: &Viewport,
        pace: Option<&mut Pace>,
    ) {
        let Some(pace) = pace.filter(|_| self.inflight.is_none()) else {
            return;
        };
        let same_content = match (&mut self.asked, &mut self.shown) {
            (Some((asked, asked_vp)), shown) if *asked_vp == *vp => {
                // The picture shown is usually the one asked for: its comparison (made for
                // this scene already by `placed`) answers without comparing the layers again.
                let content = match shown {
                    Some((c, _)) if Arc::ptr_eq(&c.layers, &asked.layers) => c,
                    _ => asked,
                };
                content.matches(part, scene, scene_gen, (tiles_on, ppp))
            }
            _ => false,
        };
        if same_content {
            return;
        }
        if pace.moving() && self.still_serves(part, scene, scene_gen, (tiles_on, ppp), vp) {
            // Looked at again once the map is still.
            ctx.request_repaint_after(std::time::Duration::from_millis(120));
            return;
        }
        // Only the view changed: the picture follows it at low priority, the cores going to
        // drawing the window first.
        let follows_view = self
            .shown
            .as_mut()
            .is_some_and(|(c, _)| c.matches(part, scene, scene_gen, (tiles_on, ppp)));
        let content = match (&self.shown, follows_view) {
            (Some((c, _)), true) => c.clone(),
            _ => Content::of(part, scene, scene_gen, tiles_on, ppp),
        };
        let covers = with_margin(vp, ppp);
        let pixels = Viewport {
            m_per_px: covers.m_per_px / ppp as f64,
            width_px: (covers.width_px * ppp).round(),
            height_px: (covers.height_px * ppp).round(),
            ..covers
        };
        // A picture larger than the renderer takes is not drawn: the layers stay vectors.
        let max_side = ctx.input(|i| i.max_texture_side) as f32;
        if pixels.width_px > max_side || pixels.height_px > max_side {
            return;
        }
        if !pace.take(ctx) {
            return;
        }
        let low = follows_view || pace.moving();
        let (layers, background) = (content.layers.clone(), content.background);
        let task = jobs::spawn("map layers", ctx, move |_| {
            if low {
                jobs::lower_priority();
            }
            let img = crate::export::render_view(&layers, background, &pixels, ppp, tiles_on)
                .ok_or_else(|| "the map picture has no drawable size".to_string())?;
            let img = egui::ColorImage::from_rgba_premultiplied([img.width, img.height], &img.rgba);
            Ok((covers, img))
        });
        self.inflight = Some((content, *vp, task));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// A scene of one (empty) land layer at this opacity.
    fn scene(opacity: f32) -> Scene {
        Scene {
            background: Rgba([250, 250, 250, 255]),
            layers: vec![Layer {
                kind: LayerKind::Land,
                opacity,
                items: Vec::new(),
            }],
            labels: Vec::new(),
            legend: Vec::new(),
            notes: Vec::new(),
            data_bounds: (Xy::new(0.0, 0.0), Xy::new(1.0, 1.0)),
            projection: Default::default(),
            firms_noun: (String::new(), String::new()),
            pending: false,
        }
    }

    /// A picture showing `shown`'s layers, as if drawn for the view `vp`.
    fn picture_of(ctx: &egui::Context, shown: &Scene, vp: &Viewport) -> LayerPicture {
        let img = egui::ColorImage::filled([4, 4], Color32::WHITE);
        let opts = egui::TextureOptions::LINEAR;
        LayerPicture {
            tex: Some(ctx.load_texture("test", img, opts)),
            shown: Some((Content::of(Part::UnderFirms, shown, 1, false, 1.0), *vp)),
            ..Default::default()
        }
    }

    #[test]
    fn a_picture_stands_in_for_changed_layers_only_while_held() {
        let ctx = egui::Context::default();
        let vp = Viewport::fit(
            (Xy::new(0.0, 0.0), Xy::new(1000.0, 600.0)),
            500.0,
            300.0,
            0.0,
        );
        let (old, new) = (scene(1.0), scene(0.5));
        let mut p = picture_of(&ctx, &old, &vp);
        let look = (false, 1.0);
        let at = |p: &mut LayerPicture, s: &Scene, g| {
            p.placed(Part::UnderFirms, (s, g), look, &vp, Pos2::ZERO)
        };
        // Its own layers: placed where its view lies, not standing in.
        let placed = at(&mut p, &old, 1).expect("its own layers");
        assert!((placed.width() - 500.0).abs() < 0.01, "{placed:?}");
        assert!(!p.stood_in);
        // Changed layers without a hold (a change the user made): never the stale picture.
        assert!(at(&mut p, &new, 2).is_none());
        // With a hold (results arrived): it stands in, and says so.
        p.hold(Duration::from_secs(60));
        assert!(at(&mut p, &new, 2).is_some());
        assert!(p.stood_in);
        // The hold ends when the changed layers' own picture is shown...
        p.shown = Some((Content::of(Part::UnderFirms, &new, 2, false, 1.0), vp));
        assert!(at(&mut p, &new, 2).is_some());
        assert!(!p.stood_in);
        assert!(at(&mut p, &scene(0.2), 3).is_none(), "the hold was used up");
        // ... or when its time is over.
        p.hold(Duration::ZERO);
        std::thread::sleep(Duration::from_millis(2));
        assert!(at(&mut p, &scene(0.2), 4).is_none());
        assert!(!p.stood_in);
    }
}
