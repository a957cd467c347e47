//! What the advisors over one prepared [`super::AdvisorContext`] build on first use and
//! share: the counting grid, the clustered firms by cell and the segment names' fit-table
//! entries. The window makes an advisor per click; at 4 million firms building these took
//! about 0.4 s a click, now paid on the first click of an analysis only.

use std::sync::OnceLock;

use super::Advisor;
use super::cluster_grid::ClusterGrid;
use super::segments::SegmentMemo;
use crate::index::NeighbourGrid;

/// The shared parts, each built once (by whichever advisor first needs it).
#[derive(Default)]
pub(super) struct Memo {
    /// The counting grid for sites' neighbours (None: too few firms to pay for it).
    pub(super) grid: OnceLock<Option<NeighbourGrid>>,
    /// The clustered firms by cell and cluster, for sites' nearby clusters.
    pub(super) cluster_grid: OnceLock<Option<ClusterGrid>>,
    /// The fit-table entries of the firms' segment names.
    pub(super) segments: OnceLock<SegmentMemo>,
}

impl std::fmt::Debug for Memo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Memo")
            .field("grid", &self.grid.get().map(Option::is_some))
            .field(
                "cluster_grid",
                &self.cluster_grid.get().map(Option::is_some),
            )
            .field("segments", &self.segments.get().is_some())
            .finish()
    }
}

impl Advisor<'_> {
    /// Builds what the advisors over this context share, ahead of the first click (the
    /// window does it on a low-priority thread once the map is still: 0.4 s at 4M firms).
    pub fn warm(&self) {
        let _ = self.neighbour_grid();
        let _ = self.cluster_grid();
        let _ = self.segment_memo();
    }

    /// The clustered firms by cell and cluster (None: no clustered firm).
    pub(super) fn cluster_grid(&self) -> Option<&ClusterGrid> {
        let grid = self.ctx.memo.cluster_grid.get_or_init(|| {
            let xy = &self.index.firm_xy;
            ClusterGrid::build(self.labels, xy, self.params.radius_m)
        });
        grid.as_ref()
    }
}
