//! `cluster-atlas render`: a briefing picture (PNG, SVG or PDF) in one step.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result, anyhow, bail};
use clap::Args;

use cluster_atlas::analysis::relocate::Weights;
use cluster_atlas::analysis::{AnalysisParams, DbscanParams, StudyArea};
use cluster_atlas::data::bundled;
use cluster_atlas::export::{self, ExportData, ExportOptions, Extent, Format, Preset};
use cluster_atlas::model::limits;
use cluster_atlas::pipeline::{self, Extras};
use cluster_atlas::scene::{self, FirmColour, Lang, SceneSettings, Selection};
use cluster_atlas::tiles::{self, DiskCache, FetchConfig, Fetcher, TileCrs, TileSource};

use super::InputArgs;

#[derive(Debug, Args)]
pub struct RenderArgs {
    #[command(flatten)]
    pub inputs: InputArgs,
    /// Run the cluster analysis and draw the cluster hulls (with --colour cluster, colour
    /// firms by cluster).
    #[arg(long)]
    pub analysis: bool,
    /// DBSCAN eps in metres (with --analysis; 10–20000).
    #[arg(long, default_value_t = 500.0, value_parser = super::eps_m)]
    pub eps_m: f64,
    /// DBSCAN minimum points (with --analysis; 1–1000).
    #[arg(long, default_value_t = 5, value_parser = super::min_pts)]
    pub min_pts: usize,
    /// Colour firms by segment or by cluster.
    #[arg(long, default_value = "segment", value_name = "segment|cluster")]
    pub colour: String,
    /// Draw the kernel-density surface (bandwidth --bandwidth-m).
    #[arg(long)]
    pub density: bool,
    /// Kernel bandwidth (Gaussian sigma) of the density surface, in metres (50–20000).
    #[arg(long, default_value_t = 800.0, value_parser = |s: &str| limits::BANDWIDTH_M.parse(s))]
    pub bandwidth_m: f64,
    /// Leave out the map labels.
    #[arg(long)]
    pub no_labels: bool,
    /// Page: slide (1920×1080), a4, a4p (portrait), a3.
    #[arg(long, default_value = "slide")]
    pub preset: String,
    /// Resolution for paper presets (default 300; 30–1200, and at most 100 million pixels).
    #[arg(long, value_parser = |s: &str| limits::DPI.parse_u32(s))]
    pub dpi: Option<u32>,
    /// Custom size in pixels, e.g. 2400x1600 (overrides --preset).
    #[arg(long, value_name = "WxH")]
    pub size: Option<String>,
    /// Language of all text: zh, en or both.
    #[arg(long, default_value = "zh")]
    pub lang: String,
    /// Title (default: a description of the map in the chosen language).
    #[arg(long)]
    pub title: Option<String>,
    /// Subtitle (default: what is shown and the clustering parameters).
    #[arg(long)]
    pub subtitle: Option<String>,
    /// What to frame: all, zone:Z03, or bbox:min_lon,min_lat,max_lon,max_lat (WGS-84).
    #[arg(long, default_value = "all")]
    pub extent: String,
    /// One page per zone with geometry, all at the same scale, into the folder --out.
    #[arg(long)]
    pub atlas: bool,
    /// Date printed in the footer (default: today).
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub date: Option<String>,
    /// Output file (.png, .svg or .pdf), or a folder with --atlas.
    #[arg(long, value_name = "FILE|DIR")]
    pub out: PathBuf,
    /// Picture format for --atlas: png, svg or pdf.
    #[arg(long, default_value = "png")]
    pub format: String,
    /// Clark–Evans study area stamped with the analysis: bbox, hull or land.
    #[arg(long, default_value = "bbox")]
    pub study_area: String,
    /// Layers to leave out, comma-separated: land, districts, zones, firms, clusters,
    /// district-labels.
    #[arg(long, value_name = "LAYERS")]
    pub hide: Option<String>,
    /// A layer's opacity, e.g. firms=0.6 (0–1; repeat for several layers).
    #[arg(long, value_name = "LAYER=OPACITY")]
    pub opacity: Vec<String>,
    /// Radius of the firm dots in pixels (1–6).
    #[arg(long, value_parser = |s: &str| limits::FIRM_RADIUS_PX.parse(s))]
    pub firm_radius_px: Option<f64>,
    /// Draw Gi* hot and cold spots (computed with default cell and band; see analyze).
    #[arg(long)]
    pub hotspots: bool,
    /// Show the firms alive in this year (founded by then, not closed), the last three
    /// years' new firms highlighted (needs founding dates; 1900–2100).
    #[arg(long, value_parser = |s: &str| limits::YEAR.parse(s).map(|v| v as i32))]
    pub year: Option<i32>,
    /// With --year/--years: highlight the firms founded in the last N years (1–10).
    #[arg(long, default_value_t = 3, value_parser = |s: &str| limits::NEW_YEARS.parse(s).map(|v| v as u8))]
    pub new_years: u8,
    /// An animated PNG (APNG), one frame a year, e.g. 2012-2024 (--out must end in .png).
    #[arg(long, value_name = "FIRST-LAST")]
    pub years: Option<String>,
    /// Leave out the bundled land and district outlines (and their labels), e.g. over tiles.
    #[arg(long)]
    pub no_basemap: bool,
    /// With --colour segment: a segment name (as the firms file writes it) to take a colour
    /// of its own, in the order given, the other firms grey; repeat for up to 5 names.
    #[arg(long = "segment-colour", value_name = "NAME")]
    pub segment_colour: Vec<String>,
    /// Draw every firm in one colour, e.g. '#D62728' (overrides --colour).
    #[arg(long, value_name = "#RRGGBB")]
    pub firm_colour: Option<String>,
    #[command(flatten)]
    pub tiles: TileArgs,
    /// The advisor's weights stamped in the footer: a JSON object such as
    /// {"proximity": 40, "room": 20} (missing keys keep their defaults), or a file holding one.
    #[arg(long, value_name = "JSON|FILE")]
    pub weights: Option<String>,
}

/// A street basemap under the picture (network: only when asked for).
#[derive(Debug, Args)]
pub struct TileArgs {
    /// Tile basemap: osm, amap (高德, GCJ-02), tianditu (needs --tianditu-key) or an XYZ URL
    /// template such as https://host/{z}/{x}/{y}.png. Off by default (fully offline).
    #[arg(long, value_name = "osm|amap|tianditu|URL")]
    pub tiles: Option<String>,
    /// Datum of a URL template's tiles: wgs84 (also CGCS2000) or gcj02 (Amap, Tencent).
    #[arg(long, value_name = "wgs84|gcj02")]
    pub tiles_crs: Option<String>,
    /// Your Tianditu key (天地图 tk); or set TIANDITU_KEY.
    #[arg(long, value_name = "KEY")]
    pub tianditu_key: Option<String>,
    /// How long to wait for the tiles, in seconds (1–600).
    #[arg(long, default_value_t = 60.0, value_parser = |s: &str| limits::TILE_TIMEOUT_S.parse(s))]
    pub tiles_timeout_s: f64,
    /// Use cached tiles only (no downloads).
    #[arg(long)]
    pub tiles_offline: bool,
    /// Opacity of the tiles (0–1).
    #[arg(long, default_value_t = 1.0, value_parser = |s: &str| limits::OPACITY.parse(s))]
    pub tiles_opacity: f64,
    /// Tile cache size in MB (16–20000); the folder is the user's cache folder or
    /// $CLUSTER_ATLAS_TILE_CACHE.
    #[arg(long, value_parser = |s: &str| limits::TILE_CACHE_MB.parse(s))]
    pub tiles_cache_mb: Option<f64>,
}

impl TileArgs {
    /// The chosen source, checked before any work (`None`: no tiles).
    fn source(&self) -> Result<Option<TileSource>> {
        let Some(spec) = &self.tiles else {
            if self.tiles_crs.is_some() {
                bail!("--tiles-crs describes a --tiles URL template; give --tiles too");
            }
            return Ok(None);
        };
        let crs = match &self.tiles_crs {
            Some(c) => Some(
                TileCrs::parse(c)
                    .ok_or_else(|| anyhow!("--tiles-crs must be wgs84 or gcj02, got '{c}'"))?,
            ),
            None => None,
        };
        let key = self
            .tianditu_key
            .clone()
            .or_else(|| std::env::var("TIANDITU_KEY").ok());
        TileSource::from_cli(spec, crs, key.as_deref())
            .map(Some)
            .map_err(|e| anyhow!("--tiles: {e}"))
    }

    /// A fetcher with the disk cache (unless no cache folder can be found).
    fn fetcher(&self, source: TileSource) -> Fetcher {
        let mb = self.tiles_cache_mb.unwrap_or(limits::TILE_CACHE_MB.default);
        let cache = tiles::cache::default_dir().map(|d| DiskCache::new(d, (mb * 1e6) as u64));
        let cfg = FetchConfig {
            offline: self.tiles_offline,
            ..FetchConfig::default()
        };
        Fetcher::new(source, cache, cfg)
    }
}

/// The scene settings the flags describe (the same fields the window's layer panel sets).
fn scene_settings(a: &RenderArgs, lang: Lang, colour: FirmColour) -> Result<SceneSettings> {
    let mut s = SceneSettings {
        lang,
        firm_colour: colour,
        density_bandwidth_m: a.bandwidth_m,
        labels: !a.no_labels,
        ..SceneSettings::default()
    };
    s.density.visible = a.density;
    for name in a.hide.iter().flat_map(|h| h.split(',')).map(str::trim) {
        match name {
            "district-labels" => s.district_labels = false,
            "" => {}
            _ => layer_mut(&mut s, name)?.visible = false,
        }
    }
    for spec in &a.opacity {
        let (name, value) = spec
            .split_once('=')
            .ok_or_else(|| anyhow!("--opacity must look like firms=0.6, got '{spec}'"))?;
        let v = limits::OPACITY
            .parse(value.trim())
            .map_err(|e| anyhow!("--opacity {spec}: {e}"))?;
        layer_mut(&mut s, name.trim())?.opacity = v as f32;
    }
    if let Some(r) = a.firm_radius_px {
        s.firm_radius_px = r as f32;
    }
    if a.no_basemap {
        s.land.visible = false;
        s.districts.visible = false;
        s.district_labels = false;
    }
    s.segment_colours = picked_segments_arg(a, colour)?;
    if let Some(c) = &a.firm_colour {
        s.firm_single_colour = Some(
            scene::parse_hex_rgb(c)
                .ok_or_else(|| anyhow!("--firm-colour must look like '#D62728', got '{c}'"))?,
        );
    }
    Ok(s)
}

/// `--segment-colour`'s names, checked ([`scene::picked_segments`]) and allowed only when
/// firms are coloured by segment.
fn picked_segments_arg(a: &RenderArgs, colour: FirmColour) -> Result<Vec<String>> {
    if !a.segment_colour.is_empty() && (colour != FirmColour::Segment || a.firm_colour.is_some()) {
        bail!("--segment-colour picks the colours of --colour segment (without --firm-colour)");
    }
    scene::picked_segments(&a.segment_colour).map_err(|_| {
        anyhow!(
            "--segment-colour names {} different segments; at most {} get colours of their own",
            a.segment_colour.len(),
            limits::SEGMENT_COLOURS.max
        )
    })
}

/// Warns of picked segment names no firm has (a typing slip, another file's classes), with
/// the file's commonest names to choose from.
fn warn_segments_not_found(picked: &[String], firms: &cluster_atlas::model::Firms) {
    let per = firms.per_segment();
    let has = |p: &String| {
        (firms.segments.iter().zip(&per)).any(|(name, n)| *n > 0 && name.trim() == p.trim())
    };
    let missing: Vec<&String> = picked.iter().filter(|p| !has(p)).collect();
    if missing.is_empty() {
        return;
    }
    let mut common: Vec<(&String, usize)> = firms.segments.iter().zip(per).collect();
    common.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let common: Vec<String> = (common.iter().filter(|(_, n)| *n > 0).take(8))
        .map(|(name, n)| format!("'{name}' ({n})"))
        .collect();
    let (names, colours) = match missing.len() {
        1 => ("segment", "its colour stays"),
        _ => ("segments", "their colours stay"),
    };
    let missing: Vec<String> = missing.iter().map(|p| format!("'{p}'")).collect();
    crate::say!(
        "warning: --segment-colour: no firm has the {names} {}; {colours} unused. The file's \
         commonest segments: {}",
        missing.join(", "),
        common.join(", ")
    );
}

fn layer_mut<'s>(s: &'s mut SceneSettings, name: &str) -> Result<&'s mut scene::LayerStyle> {
    Ok(match name {
        "land" => &mut s.land,
        "districts" => &mut s.districts,
        "zones" => &mut s.zones,
        "firms" => &mut s.firms,
        "clusters" => &mut s.clusters,
        "density" => &mut s.density,
        "hotspots" => &mut s.hotspots,
        other => {
            bail!(
                "unknown layer '{other}': use land, districts, zones, firms, clusters, density, \
                 hotspots"
            )
        }
    })
}

/// `--weights`: inline JSON or a file holding it.
fn weights_arg(a: &RenderArgs) -> Result<Weights> {
    let Some(w) = &a.weights else {
        return Ok(Weights::default());
    };
    let text = if w.trim_start().starts_with('{') {
        w.clone()
    } else {
        cluster_atlas::data::read_small_text(std::path::Path::new(w), 1 << 20)
            .with_context(|| format!("cannot read the weights file {w}"))?
    };
    Weights::from_json(&text).map_err(|e| anyhow!("--weights: {e}"))
}

/// First and last year of an animation.
type YearSpan = (i32, i32);

/// The flags checked before any work: output kind, language, colouring, the years of an
/// animation.
fn check_args(a: &RenderArgs) -> Result<(Lang, FirmColour, Option<YearSpan>)> {
    if a.atlas && a.out.as_os_str() == "-" {
        bail!("--out - (standard output) is for one picture; give --atlas a folder");
    }
    if a.atlas && Format::from_path(&a.out).is_ok() {
        bail!(
            "with --atlas, --out is a folder for one page per zone (got the file name {}); \
             choose the pages' type with --format",
            a.out.display()
        );
    }
    let lang = Lang::parse(&a.lang)
        .ok_or_else(|| anyhow!("--lang must be zh, en or both, got '{}'", a.lang))?;
    let colour = match a.colour.as_str() {
        "segment" => FirmColour::Segment,
        "cluster" => FirmColour::Cluster,
        other => bail!("--colour must be segment or cluster, got '{other}'"),
    };
    picked_segments_arg(a, colour)?;
    let years = a
        .years
        .as_deref()
        .map(super::render_years::parse_years)
        .transpose()?;
    if years.is_some() && (a.atlas || Format::from_path(&a.out).ok() != Some(Format::Png)) {
        bail!("--years makes an animated PNG: give --out a .png file (not --atlas)");
    }
    Ok((lang, colour, years))
}

pub fn run(a: RenderArgs) -> Result<()> {
    let t0 = Instant::now();
    let (lang, colour, years) = check_args(&a)?;
    let (preset, dpi) = page_size(&a)?;
    let extent = Extent::parse(&a.extent)?;
    let tile_source = a.tiles.source()?;
    check_output(&a)?;
    let data = a.inputs.load()?;
    if (a.year.is_some() || years.is_some()) && data.times.is_none() {
        bail!(
            "--year/--years need founding dates: the firms file has no column such as 成立日期, \
             注册日期 or founded"
        );
    }
    let fit = bundled::fit_table()?;
    let (params, results) = analyse_for_render(&a, &data, colour)?;
    let weights = weights_arg(&a)?;
    let dens = match &results {
        Some(r) => r.density.clone(),
        None => a
            .density
            .then(|| pipeline::density_of(&data, a.bandwidth_m)),
    };
    let result = results.as_ref().map(|r| &r.analysis);
    let mut settings = scene_settings(&a, lang, colour)?;
    warn_segments_not_found(&settings.segment_colours, &data.firms);
    settings.year = a.year;
    settings.new_years = a.new_years;
    settings.hotspots.visible = a.hotspots;
    let mut input = pipeline::scene_input(&data, result, dens.as_ref(), &fit, Selection::default());
    input.hotspots = results.as_ref().and_then(|r| r.hotspots.as_ref());
    let sc = scene::build(&input, &settings);
    let stamp = export::stamp_for(
        &data.zones_report,
        &data.firms_report,
        data.synthetic,
        result.map(|_| &params),
        Some(&weights),
        lang,
    );
    let mut opts = ExportOptions {
        preset,
        dpi,
        lang,
        title: a.title.clone(),
        subtitle: a.subtitle.clone(),
        extent,
        date: a.date.clone().unwrap_or_else(export::today),
    };
    let firms_n = data.firms.len();
    let synthetic = data.synthetic;
    let mut data = ExportData {
        scene: &sc,
        zones: &data.zones,
        index: &data.index,
        tiles: None,
    };
    let fetched = match tile_source {
        Some(src) => Some(fetch_tiles(&a, src, &data, &opts)?),
        None => None,
    };
    data.tiles = fetched.as_ref().map(|t| &t.set);
    // Atlas pages without a given subtitle name their zone instead (see export_atlas).
    if opts.subtitle.is_none() && !a.atlas {
        opts.subtitle = Some(export::default_subtitle(
            lang,
            firms_n,
            synthetic,
            result.map(|r| (r.clusters.len(), params.dbscan.eps_m, params.dbscan.min_pts)),
            export::firms_in_view(&data, &opts),
        ));
    }
    if let Some(ys) = years {
        let n = super::render_years::write_animation(
            &a.out, &input, &settings, &data, &opts, &stamp, ys,
        )?;
        crate::say!(
            "wrote {} (animated PNG, {n} frames, {}–{}) in {:.2} s",
            a.out.display(),
            ys.0,
            ys.1,
            t0.elapsed().as_secs_f64()
        );
        return Ok(());
    }
    if a.atlas {
        let format = match a.format.to_ascii_lowercase().as_str() {
            "png" => Format::Png,
            "svg" => Format::Svg,
            "pdf" => Format::Pdf,
            other => bail!("--format must be png, svg or pdf, got '{other}'"),
        };
        let files = export::export_atlas(&a.out, format, &data, &opts, &stamp)?;
        crate::say!(
            "wrote {} atlas pages at one scale into {} in {:.2} s",
            files.len(),
            a.out.display(),
            t0.elapsed().as_secs_f64()
        );
    } else {
        export::export_file(&a.out, &data, &opts, &stamp)
            .with_context(|| "cannot export".to_string())?;
        let (w, h) = preset.size_px(dpi);
        crate::say!(
            "wrote {} ({w}×{h} px, {dpi} dpi) in {:.2} s",
            a.out.display(),
            t0.elapsed().as_secs_f64()
        );
    }
    Ok(())
}

/// The analysis a picture needs (clusters, density, hot spots), with its parameters.
fn analyse_for_render(
    a: &RenderArgs,
    data: &pipeline::Dataset,
    colour: FirmColour,
) -> Result<(AnalysisParams, Option<pipeline::Results>)> {
    let params = AnalysisParams {
        dbscan: DbscanParams::new(a.eps_m, a.min_pts)?,
        study_area: match a.study_area.as_str() {
            "bbox" => StudyArea::Bbox,
            "hull" => StudyArea::Hull,
            "land" => StudyArea::Land,
            other => bail!("--study-area must be bbox, hull or land, got '{other}'"),
        },
        ..Default::default()
    };
    if !(a.analysis || a.hotspots || colour == FirmColour::Cluster) {
        return Ok((params, None));
    }
    let extras = Extras {
        density_bandwidth_m: a.density.then_some(a.bandwidth_m),
        advisor_fit: None,
        hotspots: a.hotspots.then(Default::default),
        ripley: None,
        map_ready: None,
        placed: None,
    };
    let r = pipeline::analyse(data, &params, extras, &|_, _| {})?;
    Ok((params, Some(r)))
}

/// Downloads (or reads from the cache) the tiles under the picture's map frames.
fn fetch_tiles(
    a: &RenderArgs,
    src: TileSource,
    data: &ExportData,
    opts: &ExportOptions,
) -> Result<export::ExportTiles> {
    let t = Instant::now();
    let vps = export::export_viewports(data, opts, a.atlas)?;
    let timeout = std::time::Duration::from_secs_f64(a.tiles.tiles_timeout_s);
    let name = src.name.clone();
    let fetcher = a.tiles.fetcher(src);
    let got =
        export::fetch_export_tiles(&fetcher, data, &vps, timeout, a.tiles.tiles_opacity as f32);
    let stats = fetcher.stats();
    crate::say!(
        "basemap {name}: {} tiles at zoom {} ({} downloaded, {} from the cache) in {:.2} s",
        got.wanted,
        got.set.zoom,
        stats.downloaded,
        stats.from_cache,
        t.elapsed().as_secs_f64()
    );
    if let Some(msg) = got.missing_message(timeout) {
        eprintln!("warning: {msg}");
    }
    Ok(got)
}

/// The page preset (or `--size`) and resolution, checked against the documented ranges.
fn page_size(a: &RenderArgs) -> Result<(Preset, u32)> {
    let mut preset = Preset::parse(&a.preset)
        .ok_or_else(|| anyhow!("--preset must be slide, a4, a4p or a3, got '{}'", a.preset))?;
    if let Some(s) = &a.size {
        let (w, h) = s
            .split_once(['x', 'X', '×'])
            .and_then(|(w, h)| Some((w.trim().parse::<u32>().ok()?, h.trim().parse::<u32>().ok()?)))
            .ok_or_else(|| anyhow!("--size must look like 2400x1600, got '{s}'"))?;
        preset = Preset::Custom(w, h);
    }
    let dpi = a.dpi.unwrap_or(preset.default_dpi());
    let (w, h) = preset.size_px(dpi);
    let side = limits::PAGE_SIDE_PX;
    if !side.contains(w as f64) || !side.contains(h as f64) {
        bail!(
            "the picture would be {w}×{h} px; each side must be {}",
            side.describe()
        );
    }
    limits::check_page_pixels(w, h).map_err(|e| anyhow!(e))?;
    Ok((preset, dpi))
}

/// The output is checked before any work: never an input, never a folder or device; its
/// folder is created.
fn check_output(a: &RenderArgs) -> Result<()> {
    let in_paths = a.inputs.paths();
    for p in &in_paths {
        cluster_atlas::output::refuse_inputs(&a.out, &[p.as_path()])?;
    }
    if !a.atlas {
        cluster_atlas::output::resolve_output_file(&a.out)?;
        if let Some(parent) = a.out.parent().filter(|p| !p.as_os_str().is_empty()) {
            if parent.exists() && !parent.is_dir() {
                bail!(
                    "{} is a file, not a folder: give --out a path inside a folder",
                    parent.display()
                );
            }
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create the folder {}", parent.display()))?;
        }
    }
    Ok(())
}
