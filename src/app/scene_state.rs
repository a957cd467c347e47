//! The scene the window draws: built from the data, the results (or the running analysis's
//! clusters) and the settings, and rebuilt only when one of them changed.

use std::sync::Arc;

use super::ClusterAtlasApp;
use crate::scene::{self, Scene, SceneSettings, Selection};

impl ClusterAtlasApp {
    /// The scene of the current data and results with these settings and selection (the
    /// window draws it; exports use it without the selection). Built on the window's own
    /// thread pool ([`ui_pool`]): its per-firm maps would otherwise queue behind a running
    /// analysis on the global pool (a 265 ms frame when the clusters of 4M firms arrived).
    pub fn build_scene(&self, settings: &SceneSettings, selection: Selection) -> Scene {
        let results = self
            .results
            .as_deref()
            .filter(|r| r.generation == self.data.generation);
        let mut input = crate::pipeline::scene_input(
            &self.data,
            results.map(|r| &r.analysis),
            results.and_then(|r| r.density.as_ref()),
            &self.fit,
            selection,
        );
        input.hotspots = results.and_then(|r| r.hotspots.as_ref());
        input.classes = Some((&self.class_memo, self.data.generation));
        if let (None, Some(p)) = (results, self.current_preview()) {
            input.labels = Some(&p.labels);
            input.clusters = &p.clusters;
            input.density = p.density.as_ref();
        }
        match ui_pool() {
            Some(pool) => pool.install(|| scene::build(&input, settings)),
            None => scene::build(&input, settings),
        }
    }

    /// The scene the map shows now.
    pub fn current_scene(&self) -> Option<&Scene> {
        self.scene.as_ref()
    }

    /// The running analysis's clusters, when they belong to the data shown.
    pub(crate) fn current_preview(&self) -> Option<&crate::pipeline::MapPreview> {
        self.preview
            .as_deref()
            .filter(|p| p.generation == self.data.generation)
    }

    /// Whether the last frame drew the layers under the firms from their picture (see
    /// `map_view/picture.rs`) rather than as vectors.
    pub fn drew_layer_picture(&self) -> bool {
        self.map.picture.drew
    }

    /// True while the layer picture is being drawn in the background.
    pub fn layer_picture_drawing(&self) -> bool {
        self.map.picture.is_drawing()
    }

    /// True when the last frame's layer picture stood in for changed layers (results or
    /// data had just arrived and their own picture was not drawn yet).
    pub fn layer_picture_stood_in(&self) -> bool {
        self.map.picture.stood_in
    }

    /// Draws the layers under the firms as vectors every frame when `off` (the tests compare
    /// the two ways of drawing).
    pub fn set_layer_pictures_off(&mut self, off: bool) {
        self.map.picture.off = off;
    }

    /// Rebuilds the scene when the data, results, settings or selection changed, and once
    /// more when a pending scene's counts have arrived from the background (only the legend
    /// changes then, so the pictures drawn from the scene are kept).
    pub(crate) fn refresh_scene(&mut self) {
        let key = (
            self.data.generation,
            [
                self.results.as_ref().map(|r| Arc::as_ptr(r) as u64),
                self.preview.as_ref().map(|p| Arc::as_ptr(p) as u64),
            ],
            self.settings.scene.clone(),
            self.selection,
        );
        let same = self.scene_key.as_ref() == Some(&key) && self.scene.is_some();
        let pending = self.scene.as_ref().is_some_and(|s| s.pending);
        if same && (!pending || self.class_memo.tables_coming()) {
            return;
        }
        let t0 = std::time::Instant::now();
        let built = self.build_scene(&self.settings.scene, self.selection);
        if let Some(b) = &mut self.bench {
            b.note_scene_time(t0.elapsed().as_secs_f64() * 1000.0);
        }
        self.scene = Some(built);
        if !same {
            self.scene_key = Some(key);
            self.scene_gen += 1;
        }
    }

    /// Asks for another frame soon while the scene is pending (see [`Self::refresh_scene`]).
    pub(crate) fn repaint_while_pending(&self, ctx: &egui::Context) {
        if self.scene.as_ref().is_some_and(|s| s.pending) {
            ctx.request_repaint_after(std::time::Duration::from_millis(10));
        }
    }
}

/// A thread pool for the window's own parallel work (one thread per core). Jobs fill the
/// global pool; work the window waits for in a frame runs here, so the OS shares the cores
/// between the two instead of the frame waiting for a job's tasks to finish. None when the
/// pool cannot be made (the work then runs on the calling thread's pool).
pub(crate) fn ui_pool() -> Option<&'static rayon::ThreadPool> {
    static POOL: std::sync::OnceLock<Option<rayon::ThreadPool>> = std::sync::OnceLock::new();
    POOL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(std::thread::available_parallelism().map_or(2, |n| n.get()))
            .thread_name(|i| format!("window pool {i}"))
            .build()
            .ok()
    })
    .as_ref()
}
