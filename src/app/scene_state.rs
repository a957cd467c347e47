//! The scene the window draws: built from the data, the results (or the running analysis's
//! clusters) and the settings, and rebuilt only when one of them changed.

use std::sync::Arc;

use super::ClusterAtlasApp;
use crate::scene::{self, Scene, SceneSettings, Selection};

impl ClusterAtlasApp {
    /// The scene of the current data and results with these settings and selection (the
    /// window draws it; exports use it without the selection).
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
        if let (None, Some(p)) = (results, self.current_preview()) {
            input.labels = Some(&p.labels);
            input.clusters = &p.clusters;
            input.density = p.density.as_ref();
        }
        scene::build(&input, settings)
    }

    /// The running analysis's clusters, when they belong to the data shown.
    pub(crate) fn current_preview(&self) -> Option<&crate::pipeline::MapPreview> {
        self.preview
            .as_deref()
            .filter(|p| p.generation == self.data.generation)
    }

    /// Rebuilds the scene when the data, results, settings or selection changed.
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
        if self.scene_key.as_ref() == Some(&key) && self.scene.is_some() {
            return;
        }
        let built = self.build_scene(&self.settings.scene, self.selection);
        self.scene = Some(built);
        self.scene_key = Some(key);
        self.scene_gen += 1;
    }
}
