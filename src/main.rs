//! The `cluster-atlas` binary: the window by default, or a command-line job.

#![warn(clippy::too_many_lines)]
// No console window behind the map when started from Explorer; the command line attaches to
// the console it was typed in (`cli::console`). The packaged `cluster-atlas-cli.exe` is the same
// program marked as a console program, for scripts that must wait for it.
#![cfg_attr(windows, windows_subsystem = "windows")]

mod cli;

use std::process::ExitCode;

use clap::Parser;

#[cfg(feature = "gui")]
fn open_window(open: cli::OpenArgs) -> anyhow::Result<()> {
    use cluster_atlas::app::{ClusterAtlasApp, Command};
    let mut initial = Vec::new();
    if let Some(p) = open.project {
        initial.push(Command::OpenProject(p));
    }
    if let Some(z) = open.zones {
        initial.push(Command::LoadZones(z, Default::default()));
    }
    if let Some(f) = open.firms {
        let opts = cluster_atlas::data::FirmLoadOptions {
            crs: open.firms_crs,
            ..Default::default()
        };
        initial.push(Command::LoadFirms(f, opts));
    }
    ClusterAtlasApp::run_native(initial, open.bench_frames).map_err(|e| {
        anyhow::anyhow!("cannot open the window ({e}); the command-line jobs still work, e.g. cluster-atlas analyze --out results")
    })
}

#[cfg(not(feature = "gui"))]
fn open_window(_open: cli::OpenArgs) -> anyhow::Result<()> {
    cli::info()
}

fn main() -> ExitCode {
    cluster_atlas::model::memory::return_freed_memory();
    #[cfg(feature = "gui")]
    let _ = cluster_atlas::app::STARTED.set(std::time::Instant::now());
    // Any argument may print (help, errors, a job's report): attach to the console first.
    let _console = (std::env::args_os().len() > 1).then(cli::console::attach);
    let args = match cli::Cli::try_parse() {
        Ok(a) => a,
        Err(e) => {
            use clap::error::ErrorKind as K;
            if matches!(
                e.kind(),
                K::DisplayHelp | K::DisplayVersion | K::DisplayHelpOnMissingArgumentOrSubcommand
            ) {
                // Printed here rather than by `e.exit()`, so the console guard is dropped.
                let _ = e.print();
                return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2));
            }
            // One line, like every other error (the full text has a usage block); the
            // indented lines right after the first (e.g. missing arguments) join it.
            let text = e.render().to_string();
            let mut lines = text.lines();
            let first = lines.next().unwrap_or("invalid arguments");
            let first = first.strip_prefix("error: ").unwrap_or(first);
            let more: Vec<&str> = lines
                .take_while(|l| l.starts_with("  "))
                .map(str::trim)
                .collect();
            let line = if more.is_empty() {
                first.to_string()
            } else {
                format!("{first} {}", more.join(", "))
            };
            eprintln!(
                "error: {} (see --help)",
                cluster_atlas::model::escape_controls(&line).replace('\n', "\\n")
            );
            return ExitCode::from(2);
        }
    };
    let result = match args.command {
        Some(command) => {
            cli::install_interrupt_cleanup();
            cli::run(command)
        }
        None => open_window(args.open),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // One line: the outermost context and its cause.
            let msg = e
                .chain()
                .map(|c| c.to_string())
                .collect::<Vec<_>>()
                .join(": ");
            eprintln!(
                "error: {}",
                cluster_atlas::model::escape_controls(&msg).replace('\n', "\\n")
            );
            ExitCode::FAILURE
        }
    }
}
