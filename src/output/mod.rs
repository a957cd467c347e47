//! Result files: the per-firm table, the JSON summary and cluster hulls as GeoJSON. All are
//! written atomically (temporary file, then rename) and deterministically (same input and
//! parameters give the same bytes).

mod files;
mod summary;

pub use files::{atomic_write, short_hash, write_clusters_geojson, write_firms_csv};
pub use summary::{Summary, SummaryZone};
