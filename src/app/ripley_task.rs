//! Ripley's K/L for the window, computed after each analysis on its own background thread
//! (99 simulations take about 2 s on a large set): the map is shown as soon as the analysis
//! is done, and the plot follows. The simulations wait while the map moves.

use super::ClusterAtlasApp;
use super::jobs::{self, Task};
use crate::analysis::ripley::{self, Ripley};

/// The results a Ripley run belongs to (their address), and the run.
pub type RipleyRun = (u64, Task<Option<Ripley>>);

impl ClusterAtlasApp {
    /// Starts Ripley for new results and collects a finished run.
    pub(crate) fn update_ripley(&mut self, ctx: &egui::Context) {
        let Some(results) = self.results.clone() else {
            return;
        };
        if results.generation != self.data.generation {
            return;
        }
        let key = std::sync::Arc::as_ptr(&results) as u64;
        if let Some((k, task)) = &self.ripley_task
            && let Some(out) = task.poll()
        {
            self.ripley = Some((*k, out.ok().flatten()));
            self.ripley_task = None;
        }
        let current = self.ripley.as_ref().is_some_and(|(k, _)| *k == key);
        let running = self.ripley_task.as_ref().is_some_and(|(k, _)| *k == key);
        if current || running {
            return;
        }
        let data = self.data.clone();
        let area = results.params.study_area.clone();
        let motion = self.motion.clone();
        let task = jobs::spawn("ripley", ctx, move |_| {
            jobs::lower_priority();
            motion.wait_until_still();
            let (pts, rings) =
                crate::analysis::study_area_points_and_rings(&data.index, &data.firms, &area);
            let name = match &area {
                crate::analysis::StudyArea::Polygons { name, .. } => name.clone(),
                other => other.kind().as_str().to_string(),
            };
            // On one thread of its own, pausing while the map moves: panning stays smooth
            // while the 99 simulations run (the shared pool keeps its cores for the firm
            // raster). Counts are integers, so the result does not depend on the threads.
            let wait = || motion.wait_until_still();
            let run = || ripley::ripley_with(&pts, &rings, &name, &Default::default(), &wait);
            Ok(
                match rayon::ThreadPoolBuilder::new().num_threads(1).build() {
                    Ok(pool) => pool.install(run),
                    Err(_) => run(),
                },
            )
        });
        self.ripley_task = Some((key, task));
    }

    /// Ripley's K/L of the current results, once computed.
    pub fn ripley(&self) -> Option<&Ripley> {
        let key = self
            .results
            .as_ref()
            .map(|r| std::sync::Arc::as_ptr(r) as u64)?;
        match &self.ripley {
            Some((k, r)) if *k == key => r.as_ref(),
            _ => None,
        }
    }

    /// True while Ripley's K/L is being computed.
    pub fn ripley_running(&self) -> bool {
        self.ripley_task.is_some()
    }
}
