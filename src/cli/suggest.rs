//! `cluster-atlas suggest`: ranked relocation targets with reasons, stability and policy.

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result, anyhow, bail};
use clap::Args;
use rayon::prelude::*;
use serde_json::json;

use cluster_atlas::analysis::relocate::{
    Advisor, AdvisorParams, Criterion, Site, Suggestion, Weights, stability::weight_draws,
};
use cluster_atlas::analysis::{self, AnalysisParams, DbscanParams};
use cluster_atlas::crs::convert;
use cluster_atlas::data::{self, bundled};
use cluster_atlas::index::SpatialIndex;
use cluster_atlas::model::{LonLat, Policy, SourceCrs, limits};
use cluster_atlas::output;

use super::{InputArgs, parse_crs};

#[derive(Debug, Args)]
pub struct SuggestArgs {
    #[command(flatten)]
    pub inputs: InputArgs,
    /// Rank targets for this firm (its id in the firms file).
    #[arg(long, value_name = "ID", conflicts_with_all = ["at", "for_zone"])]
    pub firm: Option<String>,
    /// Rank targets for a location instead: LON,LAT.
    #[arg(
        long,
        value_name = "LON,LAT",
        allow_hyphen_values = true,
        conflicts_with = "for_zone"
    )]
    pub at: Option<String>,
    /// Coordinate system of --at: wgs84 (default), gcj02 or bd09.
    #[arg(long, default_value = "wgs84", value_parser = parse_crs)]
    pub at_crs: SourceCrs,
    /// Segment of the firm at --at (e.g. hardware, content_software, 硬件).
    #[arg(long)]
    pub segment: Option<String>,
    /// List the best candidate firms (outside every zone) for this zone instead.
    #[arg(long, value_name = "ZONE_ID")]
    pub for_zone: Option<String>,
    /// How many targets (or candidates) to list per site (1–1000).
    #[arg(long, default_value_t = 5, value_parser = |s: &str| limits::TOP.parse_usize(s))]
    pub top: usize,
    /// JSON file of weights, e.g. {"proximity": 40, "industry_fit": 30, "agglomeration": 20,
    /// "room": 5, "confidence": 5}; missing keys keep their defaults.
    #[arg(long, value_name = "FILE")]
    pub weights: Option<PathBuf>,
    /// Segment ↔ zone-focus table (default: the bundled data/segment_fit.json).
    #[arg(long, value_name = "FILE")]
    pub fit_table: Option<PathBuf>,
    /// Random weight draws for the rank-stability test (0–10000).
    #[arg(long, default_value_t = 1000, value_parser = |s: &str| limits::DRAWS.parse_usize(s))]
    pub draws: usize,
    /// Seed for the weight draws; the same seed gives the same output.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Spread of the weight draws: each weight is multiplied by exp(σ·N(0,1)) (0–2).
    #[arg(long, default_value_t = 0.35, value_parser = |s: &str| limits::SIGMA.parse(s))]
    pub sigma: f64,
    /// Radius for firms around a zone and clusters around a site, metres (100–20000).
    #[arg(long, default_value_t = 3000.0, value_parser = super::radius_m)]
    pub radius_m: f64,
    /// Distance at which proximity falls to 1/e, metres (500–50000).
    #[arg(long, default_value_t = 5000.0, value_parser = |s: &str| limits::PROXIMITY_SCALE_M.parse(s))]
    pub proximity_scale_m: f64,
    /// DBSCAN eps for the clusters the advisor counts, metres (10–20000).
    #[arg(long, default_value_t = 500.0, value_parser = super::eps_m)]
    pub eps_m: f64,
    /// DBSCAN minimum points (counting the firm itself; 1–1000).
    #[arg(long, default_value_t = 5, value_parser = super::min_pts)]
    pub min_pts: usize,
    /// Folder for suggestions.csv and suggestions.json (candidates.* with --for-zone).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

fn parse_at(s: &str, crs: SourceCrs) -> Result<LonLat> {
    let parts: Vec<&str> = s.split([',', ' ']).filter(|p| !p.is_empty()).collect();
    let [lon, lat] = parts.as_slice() else {
        bail!("--at needs LON,LAT (e.g. --at 114.05,22.54), got '{s}'");
    };
    let (lon, lat): (f64, f64) = (
        lon.trim()
            .parse()
            .map_err(|_| anyhow!("--at: '{lon}' is not a number"))?,
        lat.trim()
            .parse()
            .map_err(|_| anyhow!("--at: '{lat}' is not a number"))?,
    );
    if !(lon.abs() <= 180.0 && lat.abs() <= 90.0) {
        bail!("--at: ({lon}, {lat}) is not a longitude/latitude pair (is it LAT,LON?)");
    }
    Ok(convert(LonLat::new(lon, lat), crs, SourceCrs::Wgs84))
}

fn load_weights(path: &std::path::Path) -> Result<Weights> {
    let text = cluster_atlas::data::read_small_text(path, 1 << 20)
        .with_context(|| format!("cannot read the weights file {}", path.display()))?;
    Weights::from_json(&text).map_err(|e| anyhow!("the weights file {}: {e}", path.display()))
}

pub fn run(a: SuggestArgs) -> Result<()> {
    let t0 = Instant::now();
    let weights = match &a.weights {
        Some(p) => load_weights(p)?,
        None => Weights::default(),
    };
    let fit = match &a.fit_table {
        Some(p) => data::load_fit_table(p)?,
        None => bundled::fit_table()?,
    };
    let policy = bundled::policy()?;
    let names: &[&str] = if a.for_zone.is_some() {
        &["candidates.csv", "candidates.json"]
    } else {
        &["suggestions.csv", "suggestions.json"]
    };
    let mut in_paths = a.inputs.paths();
    in_paths.extend(a.weights.iter().chain(&a.fit_table).cloned());
    let set = output::ResultSet::create(
        &a.out,
        names,
        &in_paths.iter().map(|p| p.as_path()).collect::<Vec<_>>(),
    )
    .with_context(|| format!("cannot write the results into {}", a.out.display()))?;
    let inputs = a.inputs.load()?;
    let (zones, firms) = (&inputs.zones.zones, &inputs.firms.firms);
    if inputs.synthetic {
        crate::say!("note: using the bundled SYNTHETIC sample firms (not real companies)");
    }
    let index = SpatialIndex::build(firms, zones);
    let params = AnalysisParams {
        dbscan: DbscanParams::new(a.eps_m, a.min_pts)?,
        ..Default::default()
    };
    let analysis = analysis::analyse(firms, zones, &index, &params, &|_, _| {})?;
    let adv_params = AdvisorParams {
        weights,
        radius_m: a.radius_m,
        proximity_scale_m: a.proximity_scale_m,
        ..Default::default()
    };
    let advisor = Advisor::new(
        firms,
        zones,
        &index,
        &analysis.labels,
        &analysis.clusters,
        &fit,
        adv_params,
    )?;
    if index.zone_shapes.is_empty() {
        bail!(
            "no zone has geometry, so there is nothing to rank; load a zone file with polygons or points"
        );
    }
    let draws = weight_draws(advisor.weights(), a.draws, a.seed, a.sigma);
    let formulas: serde_json::Value = Criterion::ALL
        .iter()
        .map(|c| {
            (
                c.key().to_string(),
                json!({"en": c.formula(&adv_params, false), "zh": c.formula(&adv_params, true)}),
            )
        })
        .collect::<serde_json::Map<_, _>>()
        .into();
    let parameters = json!({
        "weights_given": weights,
        "weights_normalised": Criterion::ALL.iter().zip(advisor.weights()).map(|(c, w)| (c.key().to_string(), json!(w))).collect::<serde_json::Map<_, _>>(),
        "formulas": formulas,
        "radius_m": a.radius_m,
        "proximity_scale_m": a.proximity_scale_m,
        "draws": a.draws,
        "seed": a.seed,
        "sigma": a.sigma,
        "eps_m": a.eps_m,
        "min_pts": a.min_pts,
    });

    if let Some(zone_id) = &a.for_zone {
        return for_zone(
            &a,
            set,
            zone_id,
            &advisor,
            &analysis,
            parameters,
            inputs.synthetic,
            t0,
        );
    }

    let sites: Vec<Site> = if let Some(id) = &a.firm {
        let i = (0..firms.len())
            .find(|&i| firms.id(i) == id.as_str())
            .ok_or_else(|| anyhow!("no firm with id '{id}' in {}", inputs.firms.report.file))?;
        vec![advisor.firm_site(i)]
    } else if let Some(at) = &a.at {
        vec![Site {
            firm: None,
            lonlat: parse_at(at, a.at_crs)?,
            segment: a.segment.clone(),
        }]
    } else {
        (0..firms.len())
            .filter(|&i| analysis.placement.zone[i].is_none())
            .map(|i| advisor.firm_site(i))
            .collect()
    };
    let suggestions: Vec<Suggestion> = sites
        .par_iter()
        .map(|s| advisor.suggest(s, &draws))
        .collect();

    let csv_path = set.final_path("suggestions.csv");
    set.write("suggestions.csv", |w| {
        write_csv(w, &suggestions, &advisor, a.top)
    })?;
    let mut targets: Vec<String> = suggestions
        .iter()
        .filter_map(|s| s.ranked.first().map(|r| r.score.zone_id.clone()))
        .collect();
    targets.sort();
    targets.dedup();
    let json_doc = json!({
        "generated_by": format!("cluster-atlas {}", env!("CARGO_PKG_VERSION")),
        "synthetic_data": inputs.synthetic,
        "parameters": parameters,
        "sites": suggestions.iter().map(|s| site_json(s, &advisor, a.top)).collect::<Vec<_>>(),
        "policy": policy_json(&policy, &targets, zones),
    });
    let json_path = set.final_path("suggestions.json");
    set.write("suggestions.json", |w| {
        // One site reads better indented; thousands of sites stay compact.
        if suggestions.len() == 1 {
            serde_json::to_writer_pretty(&mut *w, &json_doc)?;
        } else {
            serde_json::to_writer(&mut *w, &json_doc)?;
        }
        w.write_all(b"\n")
    })?;
    set.commit()?;
    if suggestions.len() == 1 {
        print_one(&suggestions[0], &advisor, &policy, a.top);
    }
    crate::say!(
        "ranked {} zones for {} site(s) with {} stability draws in {:.2} s → {}, {}",
        index.zone_shapes.len(),
        suggestions.len(),
        a.draws,
        t0.elapsed().as_secs_f64(),
        csv_path.display(),
        json_path.display()
    );
    Ok(())
}

fn site_label(s: &Suggestion, adv: &Advisor) -> (String, String) {
    match s.site.firm {
        Some(i) => (adv.firms.id(i).into_owned(), adv.firms.name(i).to_string()),
        None => (
            format!("{:.6},{:.6}", s.site.lonlat.lon, s.site.lonlat.lat),
            String::new(),
        ),
    }
}

fn write_csv(
    w: &mut dyn Write,
    suggestions: &[Suggestion],
    adv: &Advisor,
    top: usize,
) -> std::io::Result<()> {
    let mut out = csv::Writer::from_writer(w);
    let mut header = vec!["firm", "firm_name", "rank", "zone", "zone_name", "total"];
    header.extend(Criterion::ALL.iter().map(|c| c.key()));
    header.extend([
        "distance_m",
        "stays_first",
        "stays_top3",
        "approximate",
        "explanation_en",
        "explanation_zh",
    ]);
    out.write_record(&header)?;
    for s in suggestions {
        let (id, name) = site_label(s, adv);
        for r in s.ranked.iter().take(top) {
            let zone = &adv.zones[r.score.zone];
            let mut rec = vec![
                id.clone(),
                name.clone(),
                r.rank.to_string(),
                r.score.zone_id.clone(),
                zone.display_name(true).to_string(),
                format!("{:.4}", r.score.total),
            ];
            rec.extend(
                r.score
                    .parts
                    .iter()
                    .map(|p| format!("{:.4}", p.contribution)),
            );
            rec.extend([
                format!("{:.1}", r.score.distance_m),
                format!("{:.3}", r.stability.first),
                format!("{:.3}", r.stability.top3),
                r.score.approximate.to_string(),
                r.explanation_en.clone(),
                r.explanation_zh.clone(),
            ]);
            out.write_record(&rec)?;
        }
    }
    out.flush()
}

fn site_json(s: &Suggestion, adv: &Advisor, top: usize) -> serde_json::Value {
    let (id, name) = site_label(s, adv);
    json!({
        "firm": s.site.firm.map(|_| id.clone()),
        "name": name,
        "lon": s.site.lonlat.lon,
        "lat": s.site.lonlat.lat,
        "segment": s.site.segment,
        "segment_known": s.segment_known,
        "ranked": s.ranked.iter().take(top).collect::<Vec<_>>(),
        "stability_all_zones": s.ranked.iter().map(|r| &r.stability).collect::<Vec<_>>(),
        "nearby_clusters": s.nearby_clusters,
    })
}

fn policy_json(
    policy: &Policy,
    targets: &[String],
    zones: &[cluster_atlas::model::Zone],
) -> serde_json::Value {
    let per_zone: Vec<serde_json::Value> = targets
        .iter()
        .filter_map(|id| zones.iter().find(|z| &z.id == id))
        .map(|z| {
            json!({
                "zone": z.id,
                "district_zh": z.district_zh,
                "renewal_office_zh": policy.district_office(z.district_zh.as_deref(), true),
                "renewal_office_en": policy.district_office(z.district_zh.as_deref(), false),
                "caveat_en": "District rules differ: follow the urban-renewal rules of this district.",
                "caveat_zh": "各区规定不同：具体流程以所在区的城市更新文件规定为准。",
                "items": policy.for_zone(&z.id).iter().map(|i| i.id.clone()).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({"targets": per_zone, "items": policy.items})
}

fn print_one(s: &Suggestion, adv: &Advisor, policy: &Policy, top: usize) {
    crate::tell!(
        "Targets for {} (segment: {}):",
        site_label(s, adv).0,
        s.site.segment.as_deref().unwrap_or("unknown")
    );
    for r in s.ranked.iter().take(top) {
        crate::tell!(
            "{}. {}  score {:.1}  (stays first {:.0}%, top 3 {:.0}%)",
            r.rank,
            r.score.zone_id,
            r.score.total * 100.0,
            r.stability.first * 100.0,
            r.stability.top3 * 100.0
        );
        crate::tell!("   {}", r.explanation_en);
        crate::tell!("   {}", r.explanation_zh);
    }
    if !s.nearby_clusters.is_empty() {
        crate::tell!("Clusters near the site:");
        for c in &s.nearby_clusters {
            crate::tell!(
                "   cluster {}: {} firms, mostly {}, {:.1} km away",
                c.cluster,
                c.size,
                c.dominant_segment,
                c.distance_m / 1000.0
            );
        }
    }
    if let Some(best) = s.ranked.first() {
        let zone = &adv.zones[best.score.zone];
        crate::tell!(
            "Renovating an old industrial park near {} — ask {} ({}); district rules differ:",
            best.score.zone_id,
            policy.district_office(zone.district_zh.as_deref(), true),
            policy.district_office(zone.district_zh.as_deref(), false)
        );
        for step in policy.procedure() {
            crate::tell!("   [ ] {}. {}", step.step.unwrap_or(0), step.en);
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn for_zone(
    a: &SuggestArgs,
    set: output::ResultSet,
    zone_id: &str,
    advisor: &Advisor,
    analysis: &analysis::Analysis,
    parameters: serde_json::Value,
    synthetic: bool,
    t0: Instant,
) -> Result<()> {
    let zi = advisor
        .zones
        .iter()
        .position(|z| z.id == zone_id)
        .ok_or_else(|| anyhow!("no zone with id '{zone_id}'"))?;
    if advisor.index.shape_of(zi).is_none() {
        bail!(
            "zone '{zone_id}' has no geometry yet, so firms cannot be ranked for it; load the official zone file"
        );
    }
    let outside: Vec<bool> = analysis
        .placement
        .zone
        .iter()
        .map(Option::is_none)
        .collect();
    let cands = advisor.candidates_for_zone(zi, &outside);
    let csv_path = set.final_path("candidates.csv");
    set.write("candidates.csv", |w| {
        let mut out = csv::Writer::from_writer(w);
        let mut header = vec!["rank", "firm", "firm_name", "segment", "zone", "total"];
        header.extend(Criterion::ALL.iter().map(|c| c.key()));
        header.push("distance_m");
        out.write_record(&header)?;
        for (k, (i, s)) in cands.iter().take(a.top).enumerate() {
            let mut rec = vec![
                (k + 1).to_string(),
                advisor.firms.id(*i).into_owned(),
                advisor.firms.name(*i).to_string(),
                advisor.firms.segment_name(*i).to_string(),
                zone_id.to_string(),
                format!("{:.4}", s.total),
            ];
            rec.extend(s.parts.iter().map(|p| format!("{:.4}", p.contribution)));
            rec.push(format!("{:.1}", s.distance_m));
            out.write_record(&rec)?;
        }
        out.flush()
    })?;
    let json_path = set.final_path("candidates.json");
    let doc = json!({
        "generated_by": format!("cluster-atlas {}", env!("CARGO_PKG_VERSION")),
        "synthetic_data": synthetic,
        "zone": zone_id,
        "parameters": parameters,
        "candidates": cands.iter().take(a.top).map(|(i, s)| json!({"firm": advisor.firms.id(*i), "name": advisor.firms.name(*i), "segment": advisor.firms.segment_name(*i), "score": s})).collect::<Vec<_>>(),
    });
    set.write("candidates.json", |w| {
        serde_json::to_writer_pretty(&mut *w, &doc)?;
        w.write_all(b"\n")
    })?;
    set.commit()?;
    crate::tell!("Best candidate firms (outside every zone) for {zone_id}:");
    for (k, (i, s)) in cands.iter().take(a.top).enumerate() {
        crate::tell!(
            "{:>3}. {} {}  [{}]  score {:.1}, {:.1} km away",
            k + 1,
            advisor.firms.id(*i),
            advisor.firms.name(*i),
            advisor.firms.segment_name(*i),
            s.total * 100.0,
            s.distance_m / 1000.0
        );
    }
    crate::say!(
        "ranked {} firms in {:.2} s → {}, {}",
        cands.len(),
        t0.elapsed().as_secs_f64(),
        csv_path.display(),
        json_path.display()
    );
    Ok(())
}
