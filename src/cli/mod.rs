//! The command line: `analyze`, `convert`, `sample`; with no command, the window (or, without
//! the `gui` feature, a summary of the bundled data).

mod analyze;
mod bench;
pub mod console;
mod inputs;
mod render;
mod render_years;
mod suggest;
mod zones;

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};

use cluster_atlas::model::{SourceCrs, limits};

pub use inputs::InputArgs;

/// cluster-atlas (深圳产业集聚区地图): Shenzhen's industry-cluster zones and where VR/AR firms
/// really gather.
#[derive(Debug, Parser)]
#[command(name = "cluster-atlas", version = cluster_atlas::version::LONG, about, long_about = None, args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Without a command: open the window on these files instead of the bundled data.
    #[command(flatten)]
    pub open: OpenArgs,
}

/// Files the window opens at start.
#[derive(Debug, Args, Clone, Default)]
pub struct OpenArgs {
    /// Zones GeoJSON to open in the window.
    #[arg(long, value_name = "FILE")]
    pub zones: Option<PathBuf>,
    /// Firms CSV or GeoJSON to open in the window.
    #[arg(long, value_name = "FILE")]
    pub firms: Option<PathBuf>,
    /// Project file to open in the window (`*.atlas.json`, made by File → Save project as…).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["zones", "firms"])]
    pub project: Option<PathBuf>,
    /// Coordinate system of --firms: wgs84, gcj02 or bd09.
    #[arg(long, default_value = "wgs84", value_parser = parse_crs)]
    pub firms_crs: SourceCrs,
    /// Measure frame times: once the data is loaded and analysed, pan and zoom along a fixed
    /// path, print every frame's milliseconds and a summary, then close.
    #[arg(long)]
    pub bench_frames: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Place firms in zones, measure distances, find clusters and test clustering; write
    /// firms.csv, summary.json and clusters.geojson into --out.
    Analyze(AnalyzeArgs),
    /// Rank relocation target zones for a firm or a location (or for every firm outside the
    /// zones), with the reasons, rank stability and the policy that applies; or, with
    /// --for-zone, the best candidate firms for a zone.
    Suggest(suggest::SuggestArgs),
    /// Make a briefing map picture (PNG, SVG or PDF): title, legend, true scale bar, north arrow,
    /// sources and parameters, in one step; --atlas makes one page per zone.
    Render(Box<render::RenderArgs>),
    /// Convert a CSV's longitude/latitude columns between WGS-84, GCJ-02 (Amap) and BD-09
    /// (Baidu), keeping every other column.
    Convert(ConvertArgs),
    /// Write a SYNTHETIC sample of VR/AR firms (for demos and benchmarks; not real companies).
    Sample(SampleArgs),
    /// Match an official zone file's features to the 15 zone slots by name (correct with
    /// --set/--unset) and write the completed 15-slot GeoJSON.
    Zones(zones::ZonesArgs),
    /// Print what the bundled data holds and how to run the analysis.
    Info,
    /// Time each pipeline step on a firms file and print JSON (for benches/compare.sh).
    #[command(hide = true)]
    Bench(bench::BenchArgs),
}

#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    #[command(flatten)]
    pub inputs: InputArgs,
    /// DBSCAN neighbourhood radius, metres on the ground (10–20000).
    #[arg(long, default_value_t = 500.0, value_name = "METRES", value_parser = eps_m)]
    pub eps_m: f64,
    /// DBSCAN minimum neighbours, counting the firm itself (as scikit-learn does; 1–1000).
    #[arg(long, default_value_t = 5, value_name = "N", value_parser = min_pts)]
    pub min_pts: usize,
    /// Area for the Clark–Evans test: bbox (default, as QGIS and pointpats), hull, land
    /// (Shenzhen's land from the bundled districts: no sea, no Hong Kong), or a GeoJSON file
    /// of polygons.
    #[arg(long, default_value = "bbox", value_name = "bbox|hull|land|FILE")]
    pub study_area: String,
    /// Radius for counting firms near each zone, metres (100–20000).
    #[arg(long, default_value_t = 3000.0, value_name = "METRES", value_parser = radius_m)]
    pub nearby_m: f64,
    /// Folder for the results (created if missing).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Print how long each step took (load, index, each analysis, writing).
    #[arg(long)]
    pub timings: bool,
    /// Analyse the firms alive in this year (founded by then, not closed; needs a founding
    /// date column; 1900–2100).
    #[arg(long, value_parser = |s: &str| limits::YEAR.parse(s).map(|v| v as i32))]
    pub year: Option<i32>,
    /// Find hot and cold spots (Getis–Ord Gi* on a fishnet, FDR-corrected): writes
    /// hotspots.geojson and summary.json's hotspots.
    #[arg(long)]
    pub hotspots: bool,
    /// Hot-spot cell side in metres (10–20000; default from the data).
    #[arg(long, value_name = "METRES", value_parser = |s: &str| limits::CELL_M.parse(s))]
    pub cell_m: Option<f64>,
    /// Hot-spot neighbourhood: distance between cell centres in metres (10–100000; default
    /// 2.5 cells).
    #[arg(long, value_name = "METRES", value_parser = |s: &str| limits::BAND_M.parse(s))]
    pub band_m: Option<f64>,
    /// Ripley's K and L with a 99-simulation envelope over the study area: summary.json's
    /// ripley.
    #[arg(long)]
    pub ripley: bool,
    /// Largest Ripley distance in metres (10–50000; default min(3 km, √area / 4)).
    #[arg(long, value_name = "METRES", value_parser = |s: &str| limits::RIPLEY_MAX_M.parse(s))]
    pub ripley_max_m: Option<f64>,
}

#[derive(Debug, Args)]
pub struct ConvertArgs {
    /// System the file is in: wgs84, gcj02 or bd09.
    #[arg(long, value_parser = parse_crs)]
    pub from: SourceCrs,
    /// System to write: wgs84, gcj02 or bd09.
    #[arg(long, value_parser = parse_crs)]
    pub to: SourceCrs,
    /// Longitude column (detected when absent).
    #[arg(long)]
    pub lon_col: Option<String>,
    /// Latitude column (detected when absent).
    #[arg(long)]
    pub lat_col: Option<String>,
    /// Text encoding of the input: utf-8 or gbk (detected when absent). Output is UTF-8.
    #[arg(long)]
    pub encoding: Option<String>,
    /// Input CSV.
    pub input: PathBuf,
    /// Output CSV (written atomically).
    pub output: PathBuf,
}

#[derive(Debug, Args)]
pub struct SampleArgs {
    /// Number of firms (1–10000000).
    #[arg(long, default_value_t = 2000, value_parser = |s: &str| limits::SAMPLE_N.parse_usize(s))]
    pub n: usize,
    /// Random seed; the same seed gives the same file.
    #[arg(long, default_value_t = 2019)]
    pub seed: u64,
    /// Output CSV.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
}

pub fn parse_crs(s: &str) -> Result<SourceCrs, String> {
    s.parse()
}

/// `--eps-m`, checked against its documented range.
pub fn eps_m(s: &str) -> Result<f64, limits::LimitError> {
    limits::EPS_M.parse(s)
}

/// `--min-pts`, checked against its documented range.
pub fn min_pts(s: &str) -> Result<usize, limits::LimitError> {
    limits::MIN_PTS.parse_usize(s)
}

/// A radius in metres (`--nearby-m`, `--radius-m`).
pub fn radius_m(s: &str) -> Result<f64, limits::LimitError> {
    limits::RADIUS_M.parse(s)
}

/// Prints a message on standard error with control characters from user files escaped.
#[macro_export]
macro_rules! say {
    ($($t:tt)*) => {
        eprintln!("{}", cluster_atlas::model::escape_controls(&format!($($t)*)))
    };
}

/// Prints a line on standard output with control characters from user files escaped.
#[macro_export]
macro_rules! tell {
    () => { $crate::cli::print_line("") };
    ($($t:tt)*) => {
        $crate::cli::print_line(&cluster_atlas::model::escape_controls(&format!($($t)*)))
    };
}

/// Writes one line on standard output. A reader that went away (`| head`, `| findstr /m`)
/// ends the program quietly instead of a panic; another write error ends it with a message.
pub fn print_line(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    if let Err(e) = writeln!(out, "{text}") {
        // Windows: 232 "the pipe is being closed", 233 "no process is on the other end".
        if e.kind() == std::io::ErrorKind::BrokenPipe || matches!(e.raw_os_error(), Some(232 | 233))
        {
            std::process::exit(0);
        }
        eprintln!("error: cannot write to standard output ({e})");
        std::process::exit(1);
    }
}

/// On Ctrl-C, SIGTERM or SIGHUP: remove the temporary files being written, then exit. Earlier
/// results stay as they were, unless the new ones were already put in place (then it says so). Call before any other thread starts, so all inherit the mask.
#[cfg(unix)]
pub fn install_interrupt_cleanup() {
    // SAFETY: plain libc signal-set calls on a zeroed, initialised sigset_t owned here.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        for sig in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
            libc::sigaddset(&mut set, sig);
        }
        if libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut()) != 0 {
            return;
        }
        let spawned = std::thread::Builder::new()
            .name("signals".into())
            .spawn(move || {
                let mut sig: libc::c_int = 0;
                if libc::sigwait(&set, &mut sig) == 0 {
                    let replaced = cluster_atlas::output::remove_temporaries();
                    if replaced.is_empty() {
                        eprintln!(
                            "interrupted: temporary files removed; earlier results are unchanged"
                        );
                    } else {
                        for p in replaced {
                            eprintln!(
                                "interrupted after the new results were put in place: {} is \
                                 whole and new",
                                cluster_atlas::model::escape_controls(&p.display().to_string())
                            );
                        }
                        eprintln!("temporary files removed");
                    }
                    std::process::exit(128 + sig);
                }
            });
        if spawned.is_err() {
            // Without the waiting thread, restore the default so Ctrl-C still works.
            libc::pthread_sigmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut());
        }
    }
}

#[cfg(not(unix))]
pub fn install_interrupt_cleanup() {}

pub fn run(command: Command) -> Result<()> {
    match command {
        Command::Analyze(a) => analyze::run(a),
        Command::Suggest(s) => suggest::run(s),
        Command::Render(r) => render::run(*r),
        Command::Convert(c) => convert(c),
        Command::Sample(s) => sample(s),
        Command::Zones(z) => zones::run(z),
        Command::Info => info(),
        Command::Bench(b) => bench::run(b),
    }
}

fn convert(c: ConvertArgs) -> Result<()> {
    if c.from == c.to {
        bail!("--from and --to are both {}: nothing to convert", c.from);
    }
    // Writing over the input would lose the original, and converting the result again would
    // shift every point a second time.
    cluster_atlas::output::refuse_inputs(&c.output, &[&c.input])?;
    let bytes = cluster_atlas::data::read_input(&c.input)?;
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    if body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{') {
        bail!(
            "{} looks like GeoJSON; convert works on CSV files (load GeoJSON directly with \
             --firms and --firms-crs instead)",
            c.input.display()
        );
    }
    let opts = cluster_atlas::data::FirmLoadOptions {
        lon_col: c.lon_col,
        lat_col: c.lat_col,
        encoding: c.encoding,
        ..Default::default()
    };
    let (out, report) = cluster_atlas::data::convert_csv(
        &bytes,
        &c.input.display().to_string(),
        c.from,
        c.to,
        &opts,
    )?;
    write_output(&c.output, |w| w.write_all(&out))
        .with_context(|| format!("cannot write {}", c.output.display()))?;
    say!(
        "converted {} of {} rows from {} to {} → {}",
        report.loaded,
        report.read,
        c.from,
        c.to,
        c.output.display()
    );
    for s in report.skipped.iter().take(20) {
        say!("  {}", s.describe());
    }
    if report.skipped_count > 20 {
        say!("  … and {} more", report.skipped_count - 20);
    }
    Ok(())
}

/// Writes an output file atomically, or to standard output when the path is `-`.
pub fn write_output(
    path: &std::path::Path,
    write: impl FnOnce(&mut (dyn std::io::Write + Send)) -> std::io::Result<()>,
) -> std::io::Result<()> {
    if path.as_os_str() == "-" {
        let mut out = std::io::BufWriter::new(std::io::stdout());
        write(&mut out)?;
        return std::io::Write::flush(&mut out);
    }
    cluster_atlas::output::atomic_write(path, write)
}

fn sample(s: SampleArgs) -> Result<()> {
    write_output(&s.out, |w| {
        cluster_atlas::sample::write_sample(w, s.n, s.seed)
    })
    .with_context(|| format!("cannot write {}", s.out.display()))?;
    say!(
        "wrote {} SYNTHETIC sample firms (seed {}) → {}",
        s.n,
        s.seed,
        s.out.display()
    );
    Ok(())
}

/// A short description of the bundled data and how to analyse it.
pub fn info() -> Result<()> {
    use cluster_atlas::data::bundled;
    use cluster_atlas::model::GeometryQuality as Q;
    let zones = bundled::zones()?;
    let firms = bundled::sample_firms()?;
    let count = |q: Q| zones.zones.iter().filter(|z| z.quality == q).count();
    crate::tell!(
        "cluster-atlas {} — 深圳产业集聚区地图",
        env!("CARGO_PKG_VERSION")
    );
    crate::tell!();
    crate::tell!(
        "Bundled zones: {} slots ({} approximate footprints, {} approximate points, {} not yet identified)",
        zones.zones.len(),
        count(Q::ApproximateFootprint),
        count(Q::ApproximatePoint),
        count(Q::None)
    );
    crate::tell!(
        "Bundled firms: {} SYNTHETIC sample firms (示例企业, not real companies)",
        firms.firms.len()
    );
    crate::tell!("Basemap: Shenzhen districts and Pearl River estuary land (offline)");
    crate::tell!();
    crate::tell!("Analyse the bundled data:");
    crate::tell!("  cluster-atlas analyze --out results");
    crate::tell!("Analyse your own files (Amap coordinates are GCJ-02):");
    crate::tell!(
        "  cluster-atlas analyze --zones zones.geojson --firms firms.csv --firms-crs gcj02 --out results"
    );
    crate::tell!("More: cluster-atlas --help");
    Ok(())
}
