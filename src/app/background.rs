//! Background work that yields to the map: when the map last moved (work nobody waits for
//! pauses while the user pans), the firm R-tree built after each load and the advisors' grids
//! after each analysis, off the UI thread.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use super::ClusterAtlasApp;
use super::jobs;
use crate::analysis::relocate::{Advisor, AdvisorParams};

/// How long the map must be still before background work goes on.
const STILL: Duration = Duration::from_millis(400);

/// When the map last moved, shared with background work that should yield to panning.
#[derive(Clone)]
pub struct Motion {
    epoch: Instant,
    last_ms: Arc<AtomicU64>,
}

impl Default for Motion {
    fn default() -> Self {
        Self {
            epoch: Instant::now(),
            last_ms: Arc::new(AtomicU64::new(0)),
        }
    }
}

impl Motion {
    /// The map moved now.
    pub fn moved(&self) {
        let ms = self.epoch.elapsed().as_millis() as u64;
        self.last_ms.store(ms, Ordering::Relaxed);
    }

    /// Blocks until the map has been still for [`STILL`].
    pub fn wait_until_still(&self) {
        loop {
            let now = self.epoch.elapsed().as_millis() as u64;
            let still = now.saturating_sub(self.last_ms.load(Ordering::Relaxed));
            if still >= STILL.as_millis() as u64 {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl ClusterAtlasApp {
    /// Starts what is warmed off the UI thread when due (called once per frame).
    pub(crate) fn warm_in_background(&mut self) {
        self.warm_index();
        self.warm_advice();
    }

    /// Builds the firm R-tree of new data on a low-priority thread, so the first hover or click
    /// after a load finds it built instead of building it in a frame (~1 s at 4M firms). It
    /// starts once no job is running (the analysis comes first) and the map is still.
    fn warm_index(&mut self) {
        if self.warmed == Some(self.data.generation)
            || self.data.index.firm_tree_ready()
            || self.job.is_some()
        {
            return;
        }
        self.warmed = Some(self.data.generation);
        let data = self.data.clone();
        let motion = self.motion.clone();
        // A thread that cannot start leaves the tree to be built by the first query.
        let _ = std::thread::Builder::new()
            .name("cluster-atlas firm tree".into())
            .spawn(move || {
                jobs::lower_priority();
                motion.wait_until_still();
                data.index.warm();
            });
    }

    /// Builds the advisors' shared grids of new results on a low-priority thread once the map
    /// is still, so the first click on a firm is answered at once (it built them: 0.4 s at 4M
    /// firms). Memory: about 20 MB at 4M firms, kept with the results.
    fn warm_advice(&mut self) {
        let Some(results) = self.results.clone() else {
            return;
        };
        let Some(prepared) = results.advisor.clone() else {
            return;
        };
        let warmed = self.advice_warmed.as_ref();
        if warmed.is_some_and(|w| std::ptr::eq(w.as_ptr(), Arc::as_ptr(&prepared)))
            || self.job.is_some()
        {
            return;
        }
        // A weak handle: it keeps the context's place (so no later context can be taken
        // for it at the same address) but not its grids.
        self.advice_warmed = Some(Arc::downgrade(&prepared));
        let (data, fit, motion) = (self.data.clone(), self.fit.clone(), self.motion.clone());
        // A thread that cannot start leaves the grids to the first click.
        let _ = std::thread::Builder::new()
            .name("cluster-atlas advice grids".into())
            .spawn(move || {
                jobs::lower_priority();
                motion.wait_until_still();
                let (a, params) = (&results.analysis, AdvisorParams::default());
                let (firms, zones, index) = (&data.firms, &data.zones, &data.index);
                let (labels, clusters) = (&a.labels, &a.clusters);
                if let Ok(advisor) = Advisor::with_context(
                    firms, zones, index, labels, clusters, &fit, params, prepared,
                ) {
                    advisor.warm();
                }
            });
    }
}
