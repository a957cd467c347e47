//! `--bench-frames`: after the data is loaded and analysed, pans and zooms along a fixed
//! path, one step per frame, and prints every frame's time; then closes the window.

use std::time::Instant;

use super::ClusterAtlasApp;

/// Steps of the fixed path (pan right, zoom in, zoom out, pan left).
const PATH_STEPS: usize = 240;

/// State of a frame benchmark.
#[derive(Default)]
pub struct FrameBench {
    started: bool,
    step: usize,
    last: Option<Instant>,
    pub frames_ms: Vec<f64>,
    /// Time spent in the app's own code in each timed frame (building the UI, the map
    /// shapes, rasters), in the order of `frames_ms`.
    ui_ms: Vec<f64>,
    /// Of that, the time rebuilding the scene (a year step rebuilds it every frame).
    scene_ms: Vec<f64>,
    /// The scene's rebuilds in the frame being timed so far.
    scene_now: f64,
    /// Milliseconds from process start to the first frame.
    pub first_frame_ms: Option<f64>,
    /// When the loaded data's analysis was done and the timed path began.
    pub ready_ms: Option<f64>,
    /// When the last file loaded (read and indexed) reached the window.
    pub loaded_ms: Option<f64>,
    /// When a frame first drew analysed clusters (the analysis's statistics may still run).
    pub map_ms: Option<f64>,
}

impl FrameBench {
    /// Notes the app code's time in a frame of the timed path.
    pub(crate) fn note_app_time(&mut self, ms: f64) {
        if self.started {
            self.ui_ms.push(ms);
            self.scene_ms.push(self.scene_now);
        }
        self.scene_now = 0.0;
    }

    /// Notes a rebuild of the scene in this frame.
    pub(crate) fn note_scene_time(&mut self, ms: f64) {
        self.scene_now += ms;
    }

    /// The three slowest frames of the path: "52.5 ms (frame 130, app 8.1 ms, scene 4.0 ms)".
    fn slowest(&self) -> String {
        let mut order: Vec<(usize, f64)> = self.frames_ms.iter().copied().enumerate().collect();
        order.sort_by(|a, b| b.1.total_cmp(&a.1));
        order
            .iter()
            .take(3)
            .map(|&(i, ms)| {
                let app = self.ui_ms.get(i).copied().unwrap_or(f64::NAN);
                let scene = self.scene_ms.get(i).copied().unwrap_or(f64::NAN);
                format!("{ms:.1} ms (frame {i}, app {app:.1} ms, scene {scene:.1} ms)")
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl ClusterAtlasApp {
    /// Notes when the analysed map is on screen: the firm texture of an analysed scene
    /// (finished results or the running analysis's clusters) is drawn.
    pub(crate) fn bench_note_map(&mut self) {
        let analysed = self
            .results
            .as_ref()
            .is_some_and(|r| r.generation == self.data.generation)
            || self.current_preview().is_some();
        let drawn = self.map.texture_is_of(self.scene_gen);
        if let (Some(b), Some(t0)) = (&mut self.bench, super::STARTED.get())
            && b.map_ms.is_none()
            && analysed
            && drawn
        {
            b.map_ms = Some(t0.elapsed().as_secs_f64() * 1000.0);
        }
    }

    /// CA_BENCH_SHOW: layers shown from the start, as a user's saved settings would (hot
    /// spots, density, the year view at the middle of the years: the time slider shown).
    fn bench_show_layers(&mut self) {
        let sc = &mut self.settings.scene;
        for layer in env_list("CA_BENCH_SHOW") {
            match layer.as_str() {
                "hotspots" => sc.hotspots.visible = true,
                "density" => sc.density.visible = true,
                "year" if sc.year.is_none() => {
                    sc.year = self.data.year_range.map(|(a, b)| (a + b) / 2)
                }
                _ => {}
            }
        }
    }

    /// CA_BENCH_HIDE: layers hidden for the path (to find what a frame's time goes to).
    fn bench_hide_layers(&mut self) {
        let s = &mut self.settings;
        for layer in env_list("CA_BENCH_HIDE") {
            match layer.as_str() {
                "land" => s.scene.land.visible = false,
                "districts" => s.scene.districts.visible = false,
                "zones" => s.scene.zones.visible = false,
                "firms" => s.scene.firms.visible = false,
                "clusters" => s.scene.clusters.visible = false,
                "labels" => s.scene.labels = false,
                "panels" => (s.left_panel, s.right_panel) = (false, false),
                _ => {}
            }
        }
    }

    /// Advances the benchmark by one frame (called at the start of each frame).
    pub(crate) fn bench_step(&mut self, ctx: &egui::Context) {
        let mut vp = self.viewport();
        // A load waiting for the running job (`--zones` and `--firms` together) is still to come.
        let loads_waiting = self.commands.iter().any(|c| {
            matches!(
                c,
                super::Command::LoadFirms(..)
                    | super::Command::LoadZones(..)
                    | super::Command::OpenProject(..)
            )
        });
        let busy = self.job.is_some() || self.results.is_none() || loads_waiting;
        let Some(started) = self.bench.as_ref().map(|b| b.started) else {
            return;
        };
        if !started {
            self.bench_show_layers();
            // While loading and analysing, frames come as a user's would (the job's progress
            // and end repaint): repainting every frame here would slow the job it times.
            if busy {
                ctx.request_repaint_after(super::JOB_REPAINT);
                return;
            }
            self.bench_hide_layers();
        }
        let Some(b) = self.bench.as_mut() else { return };
        if !b.started {
            b.started = true;
            if let Some(t0) = super::STARTED.get() {
                b.ready_ms = Some(t0.elapsed().as_secs_f64() * 1000.0);
            }
            b.last = Some(Instant::now());
            self.commands.push(super::Command::FitCity);
            ctx.request_repaint();
            return;
        }
        ctx.request_repaint();
        let now = Instant::now();
        if let Some(last) = b.last {
            b.frames_ms.push((now - last).as_secs_f64() * 1000.0);
        }
        b.last = Some(now);
        let centre = vp.centre_px();
        match b.step {
            s if s < 60 => vp.pan_px(-12.0, 0.0),
            s if s < 120 => vp.zoom_about(1.03, centre),
            s if s < 180 => vp.zoom_about(1.0 / 1.03, centre),
            s if s < PATH_STEPS => vp.pan_px(12.0, 0.0),
            _ => {
                let mut v = b.frames_ms.clone();
                v.sort_by(f64::total_cmp);
                let pct = |p: f64| {
                    v.get(((v.len() as f64 - 1.0) * p).round() as usize)
                        .copied()
                        .unwrap_or(f64::NAN)
                };
                println!(
                    "frame_ms {}",
                    b.frames_ms
                        .iter()
                        .map(|t| format!("{t:.1}"))
                        .collect::<Vec<_>>()
                        .join(" ")
                );
                if let Some(r) = &self.results {
                    let steps: Vec<String> = r
                        .analysis
                        .timings
                        .iter()
                        .map(|(name, t)| format!("{name}={t:.3}"))
                        .collect();
                    println!("analysis {:.3} s: {}", r.seconds, steps.join(" "));
                }
                let mut u = b.ui_ms.clone();
                u.sort_by(f64::total_cmp);
                println!(
                    "first frame {:.0} ms after start; file loaded {:.0} ms; the analysed map \
                     (clusters drawn) {:.0} ms; every result in {:.0} ms after start",
                    b.first_frame_ms.unwrap_or(f64::NAN),
                    b.loaded_ms.unwrap_or(f64::NAN),
                    b.map_ms.unwrap_or(f64::NAN),
                    b.ready_ms.unwrap_or(f64::NAN)
                );
                let mut sc = b.scene_ms.clone();
                sc.sort_by(f64::total_cmp);
                println!(
                    "app code per frame: median {:.1} ms p95 {:.1} ms (the scene's rebuilds: \
                     median {:.1} ms max {:.1} ms)",
                    u.get(u.len() / 2).copied().unwrap_or(f64::NAN),
                    u.get((u.len() as f64 * 0.95) as usize)
                        .copied()
                        .unwrap_or(f64::NAN),
                    sc.get(sc.len() / 2).copied().unwrap_or(f64::NAN),
                    sc.last().copied().unwrap_or(f64::NAN)
                );
                println!(
                    "frames {} firms {} median {:.1} ms p95 {:.1} ms max {:.1} ms (raster last {:.1} ms)",
                    v.len(),
                    self.data.firms.len(),
                    pct(0.5),
                    pct(0.95),
                    pct(1.0),
                    self.map.last_raster_ms
                );
                println!("slowest frames: {}", b.slowest());
                ctx.send_viewport_cmd(egui::ViewportCommand::Close);
                self.bench = None;
                return;
            }
        }
        b.step += 1;
        self.settings.view = Some(vp);
        // CA_BENCH_YEARS: the year view steps one year a frame along the path (the time
        // slider's redraw under a moving map).
        if std::env::var_os("CA_BENCH_YEARS").is_some()
            && let Some((first, last)) = self.data.year_range
        {
            let span = (last - first + 1).max(1) as usize;
            self.settings.scene.year = Some(first + (b.step % span) as i32);
        }
    }
}

/// The comma-separated names in the environment variable `var` (none when it is unset).
fn env_list(var: &str) -> Vec<String> {
    std::env::var(var)
        .map(|v| v.split(',').map(str::to_string).collect())
        .unwrap_or_default()
}
