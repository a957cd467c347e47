//! The window-free integration tests in one binary: one link instead of one per file, which
//! keeps CI's disk use and link time down. Each module is one subject.

#[path = "../common/mod.rs"]
mod common;

mod advisor_baseline;
mod advisor_score;
mod analysis_oracles;
mod cli;
mod export;
mod formats;
mod index_and_geometry;
mod layers;
mod no_panic;
mod released_rows;
mod reliability;
mod scene_memo;
mod segment_colours_cli;
mod suggest_cli;
mod tiles_fetch;
mod tiles_render;
mod time_cli;
