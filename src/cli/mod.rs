//! The command line: `analyze`, `convert`, `sample`; with no command, the window (or, without
//! the `gui` feature, a summary of the bundled data).

mod analyze;
mod bench;
mod inputs;
mod render;
mod suggest;

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};

use cluster_atlas::model::SourceCrs;

pub use inputs::InputArgs;

/// cluster-atlas (深圳产业集聚区地图): Shenzhen's industry-cluster zones and where VR/AR firms
/// really gather.
#[derive(Debug, Parser)]
#[command(name = "cluster-atlas", version, about, long_about = None, args_conflicts_with_subcommands = true)]
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
    Render(render::RenderArgs),
    /// Convert a CSV's longitude/latitude columns between WGS-84, GCJ-02 (Amap) and BD-09
    /// (Baidu), keeping every other column.
    Convert(ConvertArgs),
    /// Write a SYNTHETIC sample of VR/AR firms (for demos and benchmarks; not real companies).
    Sample(SampleArgs),
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
    /// DBSCAN neighbourhood radius, metres on the ground.
    #[arg(long, default_value_t = 500.0, value_name = "METRES")]
    pub eps_m: f64,
    /// DBSCAN minimum neighbours, counting the firm itself (as scikit-learn does).
    #[arg(long, default_value_t = 5, value_name = "N")]
    pub min_pts: usize,
    /// Area for the Clark–Evans test: bbox (default, as QGIS and pointpats), hull, land
    /// (Shenzhen's land from the bundled districts: no sea, no Hong Kong), or a GeoJSON file
    /// of polygons.
    #[arg(long, default_value = "bbox", value_name = "bbox|hull|land|FILE")]
    pub study_area: String,
    /// Radius for counting firms near each zone, metres.
    #[arg(long, default_value_t = 3000.0, value_name = "METRES")]
    pub nearby_m: f64,
    /// Folder for the results (created if missing).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Print how long each step took (load, index, each analysis, writing).
    #[arg(long)]
    pub timings: bool,
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
    /// Number of firms.
    #[arg(long, default_value_t = 2000)]
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

pub fn run(command: Command) -> Result<()> {
    match command {
        Command::Analyze(a) => analyze::run(a),
        Command::Suggest(s) => suggest::run(s),
        Command::Render(r) => render::run(r),
        Command::Convert(c) => convert(c),
        Command::Sample(s) => sample(s),
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
    let same_file = match (c.input.canonicalize(), c.output.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if same_file {
        bail!(
            "refusing to overwrite the input {}: write the converted file to a new path",
            c.input.display()
        );
    }
    let bytes =
        std::fs::read(&c.input).with_context(|| format!("cannot read {}", c.input.display()))?;
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
    cluster_atlas::output::atomic_write(&c.output, |w| w.write_all(&out))
        .with_context(|| format!("cannot write {}", c.output.display()))?;
    eprintln!(
        "converted {} of {} rows from {} to {} → {}",
        report.loaded,
        report.read,
        c.from,
        c.to,
        c.output.display()
    );
    for s in report.skipped.iter().take(20) {
        eprintln!("  {}", s.describe());
    }
    if report.skipped_count > 20 {
        eprintln!("  … and {} more", report.skipped_count - 20);
    }
    Ok(())
}

fn sample(s: SampleArgs) -> Result<()> {
    cluster_atlas::output::atomic_write(&s.out, |w| {
        cluster_atlas::sample::write_sample(w, s.n, s.seed)
    })
    .with_context(|| format!("cannot write {}", s.out.display()))?;
    eprintln!(
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
    println!(
        "cluster-atlas {} — 深圳产业集聚区地图",
        env!("CARGO_PKG_VERSION")
    );
    println!();
    println!(
        "Bundled zones: {} slots ({} approximate footprints, {} approximate points, {} not yet identified)",
        zones.zones.len(),
        count(Q::ApproximateFootprint),
        count(Q::ApproximatePoint),
        count(Q::None)
    );
    println!(
        "Bundled firms: {} SYNTHETIC sample firms (示例企业, not real companies)",
        firms.firms.len()
    );
    println!("Basemap: Shenzhen districts and Pearl River estuary land (offline)");
    println!();
    println!("Analyse the bundled data:");
    println!("  cluster-atlas analyze --out results");
    println!("Analyse your own files (Amap coordinates are GCJ-02):");
    println!(
        "  cluster-atlas analyze --zones zones.geojson --firms firms.csv --firms-crs gcj02 --out results"
    );
    println!("More: cluster-atlas --help");
    Ok(())
}
