//! cluster-atlas (深圳产业集聚区地图): Shenzhen's industry-cluster zones and VR/AR firms.
//!
//! Data flows one way (see `ARCHITECTURE.md`):
//!
//! ```text
//! files ─data─▶ pipeline::Dataset ─analyse─▶ pipeline::Results ─scene_input─▶ scene::Scene
//!                                                      │                      ├▶ app (window)
//!                                                      └▶ output (files)      └▶ export (PNG/SVG/PDF)
//! ```
//!
//! [`crs`] and [`model`] sit underneath everything; only the `app` module (behind the default
//! `gui` feature) touches egui.

#![warn(clippy::too_many_lines)]

pub mod analysis;
#[cfg(feature = "gui")]
pub mod app;
pub mod crs;
pub mod data;
pub mod digitise;
pub mod export;
pub mod index;
pub mod model;
pub mod output;
pub mod pipeline;
pub mod sample;
pub mod scene;
pub mod tiles;
pub mod version;
