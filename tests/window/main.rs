//! The window's integration tests (kittest under Mesa) in one binary: one link instead of one
//! per file. `gui_tiles` stays a binary of its own because it sets an environment variable.
#![cfg(feature = "gui")]

#[path = "../common/mod.rs"]
mod common;

mod export_command;
mod gui;
mod gui_digitiser;
mod gui_formats;
mod gui_layout;
mod gui_my_site;
mod gui_project;
mod gui_screen_matches_export;
mod gui_segments;
mod gui_session;
mod gui_settings;
mod gui_time;
