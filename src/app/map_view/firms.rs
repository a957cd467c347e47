//! The firms' texture, re-rasterised off the UI thread when the view or the scene changes
//! (small sets at once), and the pacing every background drawing of the map follows.

use super::{MapView, Viewport};
use crate::app::jobs;
use crate::scene::raster;

/// How a frame may start background drawings (the firm raster, the layer pictures). Each
/// shares the two cores with the frame's own painting: one starts per frame (two at once made
/// a frame wait for both), none in a frame that already rebuilds the window, and while the
/// map moves they run at low priority so the frames come first.
#[derive(Default)]
pub struct Pace {
    starts: u8,
    moving: bool,
    /// A drawing found no start left: it starts in a later frame.
    waited: bool,
}

impl Pace {
    pub(super) fn new(deferred: bool, moving: bool) -> Self {
        Pace {
            starts: u8::from(!deferred),
            moving,
            waited: false,
        }
    }

    /// Takes this frame's start; when it is gone, asks for another frame to start in.
    pub fn take(&mut self, ctx: &egui::Context) -> bool {
        if self.starts == 0 {
            self.waited = true;
            ctx.request_repaint();
            return false;
        }
        self.starts -= 1;
        true
    }

    /// True when the map moves (the view differs from the last frame's): drawings started
    /// now run at low priority, and a picture that still serves is not redrawn.
    pub fn moving(&self) -> bool {
        self.moving
    }

    /// True when a drawing found no start left in this frame.
    pub fn waited(&self) -> bool {
        self.waited
    }
}

impl MapView {
    /// Keeps the firm texture in step with the view: small sets are drawn at once; large ones
    /// on a background thread (at most one at a time), the last texture standing in meanwhile.
    pub(super) fn update_points(
        &mut self,
        ctx: &egui::Context,
        pts: &crate::scene::PointsItem,
        vp: &Viewport,
        opacity: f32,
        scene_gen: u64,
    ) {
        const SYNC_LIMIT: usize = 20_000;
        let key = (
            scene_gen,
            [
                vp.centre.x.to_bits(),
                vp.centre.y.to_bits(),
                vp.m_per_px.to_bits(),
                ((vp.width_px as u64) << 32) | vp.height_px as u64,
            ],
            opacity.to_bits(),
        );
        // A finished background raster?
        let finished = match &self.inflight {
            Some((k, task)) => task.poll().map(|r| (*k, r)),
            None => None,
        };
        if let Some((k, result)) = finished {
            // A failed raster leaves the last texture standing; the next view change retries.
            if let (true, Ok((tvp, img, texel))) = (k.0 == scene_gen, result) {
                self.set_texture(ctx, &img, tvp, texel);
                self.points_key = Some(k);
            }
            self.inflight = None;
        }
        if self.points_key == Some(key) {
            return;
        }
        if pts.xy.len() <= SYNC_LIMIT {
            let t0 = std::time::Instant::now();
            let (img, texel) = raster::rasterize_adaptive_texels(pts, vp, opacity, 2.0);
            self.set_texture(ctx, &img, *vp, texel);
            self.points_key = Some(key);
            self.last_raster_ms = t0.elapsed().as_secs_f32() * 1000.0;
        } else if self.inflight.is_none() && self.pace.take(ctx) {
            let (pts, vp2) = (pts.clone(), *vp);
            // Following the view, the texture yields the cores to drawing (the last one stands
            // in, moved), as any drawing does while the map moves; a new scene (data, an
            // analysis, colours) on a still map is waited for at full speed.
            let low = self.pace.moving() || self.points_key.is_some_and(|k| k.0 == scene_gen);
            let task = jobs::spawn("firms raster", ctx, move |_| {
                if low {
                    jobs::lower_priority();
                }
                let (img, texel) = raster::rasterize_adaptive_texels(&pts, &vp2, opacity, 2.0);
                Ok((vp2, img, texel))
            });
            self.inflight = Some((key, task));
        }
        if self.inflight.is_some() {
            ctx.request_repaint_after(std::time::Duration::from_millis(30));
        }
    }

    /// Shows `img`, drawn for `tvp` with `texel` pixels per texel (1: dots; more: bins).
    fn set_texture(
        &mut self,
        ctx: &egui::Context,
        img: &raster::Image,
        tvp: Viewport,
        texel: usize,
    ) {
        let ci = egui::ColorImage::from_rgba_premultiplied([img.width, img.height], &img.rgba);
        match &mut self.points_tex {
            Some(t) => t.set(ci, egui::TextureOptions::NEAREST),
            None => {
                self.points_tex = Some(ctx.load_texture("firms", ci, egui::TextureOptions::NEAREST))
            }
        }
        self.points_vp = Some(tvp);
        self.points_texel = texel;
        self.aggregated = texel > 1;
    }

    /// True when the firm texture shown was drawn for this scene generation.
    pub fn texture_is_of(&self, scene_gen: u64) -> bool {
        self.points_key.is_some_and(|k| k.0 == scene_gen)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_frame_starts_one_drawing_none_when_results_arrived_and_low_while_moving() {
        let ctx = egui::Context::default();
        let mut pace = Pace::new(false, false);
        assert!(pace.take(&ctx));
        assert!(!pace.waited());
        assert!(!pace.take(&ctx), "a second one waits for the next frame");
        assert!(pace.waited());
        assert!(!pace.moving());
        let mut arrived = Pace::new(true, true);
        assert!(!arrived.take(&ctx));
        assert!(arrived.waited() && arrived.moving());
        assert!(
            !Pace::default().take(&ctx),
            "nothing starts outside a frame"
        );
    }
}
