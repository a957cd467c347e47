//! Result files: the per-firm table, the JSON summary and cluster hulls as GeoJSON. All are
//! written atomically (temporary file, then rename) and deterministically (same input and
//! parameters give the same bytes).

mod files;
pub mod number;
mod safety;
mod suggestions;
mod summary;
mod tables;
mod temporaries;
mod writeback;
mod zones;

pub use crate::model::{ShortHasher, short_hash};
pub use files::{write_clusters_geojson, write_firms_csv, write_hotspots_geojson};
pub use safety::{
    RESULT_FILES, ResultSet, atomic_write, refuse_inputs, remove_temporaries, resolve_output_file,
    same_file,
};
pub use suggestions::{
    EncodedSite, SuggestionStream, candidates_json, generated_by, site_label, suggestions_json,
    write_candidates_csv, write_suggestions_csv,
};
pub use summary::{Summary, SummaryZone};
pub use tables::{UTF8_BOM, write_table_csv};
pub use zones::{write_zones_geojson, zone_feature};
