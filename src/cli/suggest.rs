//! `cluster-atlas suggest`: ranked relocation targets with reasons, stability and policy.

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result, anyhow, bail};
use clap::Args;
use rayon::prelude::*;
use serde_json::json;

use cluster_atlas::analysis::relocate::{
    Advisor, AdvisorParams, Criterion, Shares, Site, Suggestion, Weights, stability::weight_draws,
};
use cluster_atlas::analysis::{self, AnalysisParams, DbscanParams};
use cluster_atlas::data::{self, bundled};
use cluster_atlas::model::{Lang, LonLat, Policy, SourceCrs, limits};
use cluster_atlas::output;
use cluster_atlas::pipeline::{self, Extras};

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
    /// Moves within this distance carry no distance cost, metres (1000–100000).
    #[arg(long, default_value_t = 15_000.0, value_parser = |s: &str| limits::COMMUTE_RADIUS_M.parse(s))]
    pub commute_radius_m: f64,
    /// Distance cost at twice the commuting radius, on the 0–1 score scale (0–1).
    #[arg(long, default_value_t = 0.3, value_parser = |s: &str| limits::DISTANCE_COST.parse(s))]
    pub distance_cost: f64,
    /// A target is recommended when it beats staying by this much, 0–1 score scale (0–0.5).
    #[arg(long, default_value_t = 0.05, value_parser = |s: &str| limits::MARGIN.parse(s))]
    pub margin: f64,
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
    cluster_atlas::crs::parse_point(s, crs).map_err(|e| anyhow!("--at: {e}"))
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
    let data = a.inputs.load()?;
    let (zones, firms, index) = (&data.zones, &data.firms, &data.index);
    if data.synthetic {
        crate::say!("note: the firms are a SYNTHETIC sample (not real companies)");
    }
    let params = AnalysisParams {
        dbscan: DbscanParams::new(a.eps_m, a.min_pts)?,
        ..Default::default()
    };
    let analysis = pipeline::analyse(&data, &params, Extras::default(), &|_, _| {})?.analysis;
    let adv_params = AdvisorParams {
        weights,
        radius_m: a.radius_m,
        proximity_scale_m: a.proximity_scale_m,
        commute_radius_m: a.commute_radius_m,
        distance_cost: a.distance_cost,
        margin: a.margin,
        ..Default::default()
    };
    let advisor = Advisor::new(
        firms,
        zones,
        index,
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
    let parameters = parameters_json(&a, &weights, &adv_params, &advisor.weights());

    if let Some(zone_id) = &a.for_zone {
        return for_zone(
            &a,
            set,
            zone_id,
            &advisor,
            &analysis,
            parameters,
            data.synthetic,
            t0,
        );
    }

    let csv_path = set.final_path("suggestions.csv");
    let json_path = set.final_path("suggestions.json");
    let n_sites = match sites_to_rank(&a, &data, &advisor, &analysis)? {
        Sites::One(site) => {
            let s = advisor.suggest(&site, &draws);
            write_one(
                &s,
                &advisor,
                a.top,
                parameters,
                &policy,
                data.synthetic,
                &set,
            )?;
            set.commit()?;
            print_one(&s, &advisor, &policy, a.top);
            1
        }
        Sites::Firms(firms_outside) => {
            set.write("suggestions.csv", |csv_w| {
                set.write("suggestions.json", |json_w| {
                    rank_firms(
                        &firms_outside,
                        &advisor,
                        &draws,
                        &a,
                        &parameters,
                        &policy,
                        data.synthetic,
                        (csv_w, json_w),
                    )
                })
            })?;
            set.commit()?;
            firms_outside.len()
        }
    };
    crate::say!(
        "ranked {} zones for {} site(s) with {} stability draws in {:.2} s → {}, {}",
        index.zone_shapes.len(),
        n_sites,
        a.draws,
        t0.elapsed().as_secs_f64(),
        csv_path.display(),
        json_path.display()
    );
    Ok(())
}

/// Writes one site's suggestion files (its JSON indented: one site reads better so).
fn write_one(
    s: &Suggestion,
    advisor: &Advisor,
    top: usize,
    parameters: serde_json::Value,
    policy: &Policy,
    synthetic: bool,
    set: &output::ResultSet,
) -> std::io::Result<()> {
    let suggestions = std::slice::from_ref(s);
    set.write("suggestions.csv", |w| {
        output::write_suggestions_csv(w, suggestions, advisor, top)
    })?;
    let doc = output::suggestions_json(suggestions, advisor, top, parameters, policy, synthetic);
    set.write("suggestions.json", |w| {
        serde_json::to_writer_pretty(&mut *w, &doc)?;
        w.write_all(b"\n")
    })
}

/// Sites ranked a batch at a time: every firm of a city register would hold gigabytes of
/// suggestions at once.
const BATCH: usize = 4096;

/// Ranks the firms `which` a batch at a time (each batch on all threads), writing each
/// batch's suggestions to `suggestions.csv` and `suggestions.json` before the next, with a
/// progress line every few seconds.
#[allow(clippy::too_many_arguments)]
fn rank_firms(
    which: &[u32],
    advisor: &Advisor,
    draws: &[Shares],
    a: &SuggestArgs,
    parameters: &serde_json::Value,
    policy: &Policy,
    synthetic: bool,
    (csv_w, json_w): (&mut (dyn Write + Send), &mut (dyn Write + Send)),
) -> std::io::Result<()> {
    let t0 = Instant::now();
    let mut said = t0;
    let out = output::SuggestionStream::new(csv_w, json_w, advisor, a.top, parameters, synthetic)?;
    let encoder = out.encoder();
    // A writer thread writes each batch while the pool ranks the next.
    std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<output::EncodedSite>>(1);
        let writer = scope.spawn(move || {
            let mut out = out;
            for batch in rx {
                for e in batch {
                    out.push_encoded(e)?;
                }
            }
            Ok::<_, std::io::Error>(out)
        });
        for (k, batch) in which.chunks(BATCH).enumerate() {
            // Ranked and encoded on all threads, written in order.
            let encoded: Vec<output::EncodedSite> = batch
                .par_iter()
                .map(|&i| encoder.encode(&advisor.suggest(&advisor.firm_site(i as usize), draws)))
                .collect::<std::io::Result<_>>()?;
            if tx.send(encoded).is_err() {
                // The writer stopped on an error: it is returned below.
                break;
            }
            if said.elapsed().as_secs_f64() >= 5.0 {
                said = Instant::now();
                let done = ((k + 1) * BATCH).min(which.len());
                let left = t0.elapsed().as_secs_f64() / done as f64 * (which.len() - done) as f64;
                crate::say!(
                    "ranked {done} of {} firms outside the zones (about {left:.0} s left)",
                    which.len()
                );
            }
        }
        drop(tx);
        let out = writer
            .join()
            .map_err(|_| std::io::Error::other("the suggestions' writer stopped"))??;
        out.finish(policy).map(drop)
    })
}

fn print_one(s: &Suggestion, adv: &Advisor, policy: &Policy, top: usize) {
    crate::tell!("{}", s.verdict_en);
    crate::tell!("{}", s.verdict_zh);
    crate::tell!(
        "Targets for {} (segment: {}), against staying at {:.1}:",
        output::site_label(s, adv).0,
        s.site.segment.as_deref().unwrap_or("unknown"),
        s.current_site.total * 100.0
    );
    for r in s.ranked.iter().take(top) {
        crate::tell!(
            "{}. {}  score {:.1} − distance cost {:.1}: {:+.1} vs staying{}  (stays first {:.0}%, top 3 {:.0}%)",
            r.rank,
            r.score.zone_id,
            r.score.total * 100.0,
            r.score.distance_cost * 100.0,
            r.gain_vs_current * 100.0,
            if r.recommended { ", recommended" } else { "" },
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
            policy.district_office(zone.district_zh.as_deref(), Lang::Zh),
            policy.district_office(zone.district_zh.as_deref(), Lang::En)
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
    let outside: Vec<bool> = (0..analysis.placement.len())
        .map(|i| analysis.placement.zone(i).is_none())
        .collect();
    let all = advisor.candidates_for_zone(zi, &outside);
    let csv_path = set.final_path("candidates.csv");
    let cands = &all[..all.len().min(a.top)];
    set.write("candidates.csv", |w| {
        output::write_candidates_csv(w, cands, advisor, zone_id)
    })?;
    let json_path = set.final_path("candidates.json");
    let doc = output::candidates_json(cands, advisor, zone_id, parameters, synthetic);
    set.write("candidates.json", |w| {
        serde_json::to_writer_pretty(&mut *w, &doc)?;
        w.write_all(b"\n")
    })?;
    set.commit()?;
    crate::tell!(
        "{} firms outside every zone would gain by moving into {zone_id} (by at least {:.1} points):",
        all.len(),
        advisor.params.margin * 100.0
    );
    for (k, c) in cands.iter().enumerate() {
        let i = c.firm;
        crate::tell!(
            "{:>3}. {} {}  [{}]  {:+.1} vs staying (score {:.1} − distance cost {:.1}, staying {:.1}), {:.1} km away",
            k + 1,
            advisor.firms.id(i),
            advisor.firms.name(i),
            advisor.firms.segment_name(i),
            c.gain_vs_current * 100.0,
            c.score.total * 100.0,
            c.score.distance_cost * 100.0,
            c.current_total * 100.0,
            c.score.distance_m / 1000.0
        );
    }
    crate::say!(
        "ranked {} firms in {:.2} s → {}, {}",
        all.len(),
        t0.elapsed().as_secs_f64(),
        csv_path.display(),
        json_path.display()
    );
    Ok(())
}

/// What `suggest` ranks: one site, or many firms (by number).
enum Sites {
    One(Site),
    Firms(Vec<u32>),
}

/// The sites to rank: the firm named by `--firm`, the place given by `--at`, or else every
/// firm outside the zones (a single one ranks as one site).
fn sites_to_rank(
    a: &SuggestArgs,
    data: &pipeline::Dataset,
    advisor: &Advisor,
    analysis: &analysis::Analysis,
) -> Result<Sites> {
    let firms = &data.firms;
    Ok(if let Some(id) = &a.firm {
        let i = firms
            .find_id(id)
            .ok_or_else(|| anyhow!("no firm with id '{id}' in {}", data.firms_report.file))?;
        Sites::One(advisor.firm_site(i))
    } else if let Some(at) = &a.at {
        Sites::One(Site {
            firm: None,
            lonlat: parse_at(at, a.at_crs)?,
            segment: a.segment.clone(),
        })
    } else {
        let outside: Vec<u32> = (0..firms.len() as u32)
            .filter(|&i| analysis.placement.zone(i as usize).is_none())
            .collect();
        match outside[..] {
            [i] => Sites::One(advisor.firm_site(i as usize)),
            _ => Sites::Firms(outside),
        }
    })
}

/// The parameters echoed into the result files: weights as given and normalised, each
/// criterion's formula in both languages, radii, draws, seed and clustering.
fn parameters_json(
    a: &SuggestArgs,
    weights: &Weights,
    adv_params: &AdvisorParams,
    normalised: &Shares,
) -> serde_json::Value {
    let formulas: serde_json::Map<_, _> = Criterion::ALL
        .iter()
        .map(|c| {
            let f = json!({"en": c.formula(adv_params, Lang::En), "zh": c.formula(adv_params, Lang::Zh)});
            (c.key().to_string(), f)
        })
        .collect();
    let normalised: serde_json::Map<_, _> = normalised
        .iter()
        .map(|(c, w)| (c.key().to_string(), json!(w)))
        .collect();
    json!({
        "weights_given": weights,
        "weights_normalised": normalised,
        "formulas": formulas,
        "radius_m": a.radius_m,
        "proximity_scale_m": a.proximity_scale_m,
        "commute_radius_m": a.commute_radius_m,
        "distance_cost": a.distance_cost,
        "margin": a.margin,
        "draws": a.draws,
        "seed": a.seed,
        "sigma": a.sigma,
        "eps_m": a.eps_m,
        "min_pts": a.min_pts,
    })
}
