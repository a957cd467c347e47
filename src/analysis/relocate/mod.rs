//! The relocation advisor: a transparent additive score for (site, zone), ranked targets that
//! explain themselves, rank stability under weight changes, and nearby clusters.
//!
//! Every criterion is normalised to 0..1 by a written formula (see [`Criterion::formula`]);
//! the total is Σ weightᵢ × normalisedᵢ with weights normalised to sum to 1, so the
//! contributions always add up to the total. Zones without geometry are never targets.

pub mod baseline;
mod cluster_grid;
mod criterion;
mod explain;
mod memo;
mod segments;
mod weights;

pub use baseline::SiteScore;
pub use criterion::Criterion;
pub use weights::{Shares, Weights};
pub mod stability;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use explain::explain;
pub use stability::{Stability, stability};

use super::{AnalysisError, ClusterSummary};
use crate::index::SpatialIndex;
use crate::model::{Firms, FitTable, GeometryQuality, Lang, LonLat, Xy, Zone};

/// Industry fit of a segment the fit table does not know (no segment, or a name that is none
/// of its keys, labels or synonyms): neutral, the same for every zone and for staying, so an
/// unknown industry neither attracts nor repels; the explanation says it is unknown.
pub const UNKNOWN_FIT: f64 = 0.5;

/// Scales and counts behind the formulas, with documented defaults.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AdvisorParams {
    pub weights: Weights,
    /// Distance at which proximity falls to 1/e (default 5 km).
    pub proximity_scale_m: f64,
    /// Radius for counting firms around a zone and clusters around a site (default 3 km).
    pub radius_m: f64,
    /// Same-segment count that gives half the same-segment credit (default 10).
    pub same_segment_half: f64,
    /// All-firm count that gives half the all-firm credit (default 30).
    pub all_firms_half: f64,
    /// Planned area that gives half the room credit (default 5 km²).
    pub room_half_km2: f64,
    /// Moves within this distance carry no distance cost (default 15 km, about twice
    /// Shenzhen's average one-way commute of 8.1 km).
    pub commute_radius_m: f64,
    /// Distance cost at twice the commuting radius (default 0.3); it grows with the square
    /// of the distance beyond the radius.
    pub distance_cost: f64,
    /// A target is recommended when it beats staying by at least this much (default 0.05).
    pub margin: f64,
}

impl Default for AdvisorParams {
    fn default() -> Self {
        Self {
            weights: Weights::default(),
            proximity_scale_m: 5000.0,
            radius_m: 3000.0,
            same_segment_half: 10.0,
            all_firms_half: 30.0,
            room_half_km2: 5.0,
            commute_radius_m: 15_000.0,
            distance_cost: 0.3,
            margin: 0.05,
        }
    }
}

/// One criterion's part of a score.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Part {
    pub criterion: Criterion,
    /// The measured value (metres, fit weight, agglomeration index, km², confidence level).
    pub raw: f64,
    pub normalised: f64,
    /// The weight as a fraction (all weights sum to 1).
    pub weight: f64,
    /// weight × normalised; the parts' contributions sum to the total.
    pub contribution: f64,
}

/// A zone's score for one site, with everything needed to explain it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ZoneScore {
    /// Index into the dataset's zones.
    pub zone: usize,
    pub zone_id: String,
    pub total: f64,
    pub parts: [Part; 5],
    /// The cost of moving this far ([`baseline::distance_cost`]); ranking uses
    /// `total − distance_cost`.
    pub distance_cost: f64,
    pub distance_m: f64,
    pub inside: bool,
    pub same_segment_near: usize,
    pub all_near: usize,
    pub cluster_overlap: bool,
    /// Focus entries of the zone that matched the firm's segment (best first).
    pub matched_focus: Vec<String>,
    pub area_km2: Option<f64>,
    pub quality: GeometryQuality,
    /// True when the zone's geometry is approximate: shown with every result.
    pub approximate: bool,
}

impl ZoneScore {
    pub fn part(&self, c: Criterion) -> &Part {
        &self.parts[c.index()]
    }
}

/// Where the question is asked from: a firm of the dataset or a typed location.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Site {
    /// The firm's index, when the site is a firm.
    pub firm: Option<usize>,
    pub lonlat: LonLat,
    pub segment: Option<String>,
}

impl Site {
    /// The site of firm `i` of the dataset (None when there is no such firm).
    pub fn of_firm(firms: &Firms, i: usize) -> Option<Site> {
        Some(Site {
            firm: Some(i),
            lonlat: *firms.lonlat.get(i)?,
            segment: Some(firms.segment_name(i).to_string()).filter(|s| !s.is_empty()),
        })
    }
}

/// A DBSCAN cluster near a site.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NearbyCluster {
    pub cluster: i32,
    /// Ground distance to the cluster's nearest member firm.
    pub distance_m: f64,
    pub size: usize,
    pub dominant_segment: String,
}

/// Per-zone counts computed once per dataset.
#[derive(Clone, Debug)]
struct ZoneContext {
    zone: usize,
    near: Vec<u32>,
    by_segment: BTreeMap<String, usize>,
    cluster_overlap: bool,
}

/// Everything the advisor needs, prepared once per analysis run.
pub struct Advisor<'a> {
    pub firms: &'a Firms,
    pub zones: &'a [Zone],
    pub index: &'a SpatialIndex,
    pub labels: &'a [i32],
    pub clusters: &'a [ClusterSummary],
    pub fit: &'a FitTable,
    pub params: AdvisorParams,
    weights: Shares,
    /// The per-zone counts, and the grids built on first use that advisors over the same
    /// context share ([`memo::Memo`]).
    ctx: std::sync::Arc<AdvisorContext>,
}

/// The per-zone counts the advisor needs, which depend on the data and the radius but not on
/// the weights: prepare once (off the UI thread for big data), then build advisors cheaply.
#[derive(Clone, Debug)]
pub struct AdvisorContext {
    pub radius_m: f64,
    zones: Vec<ZoneContext>,
    memo: std::sync::Arc<memo::Memo>,
}

impl AdvisorContext {
    pub fn prepare(
        firms: &Firms,
        zones: &[Zone],
        index: &SpatialIndex,
        clusters: &[ClusterSummary],
        fit: &FitTable,
        radius_m: f64,
    ) -> Self {
        // Segment names as the fit table knows them ("硬件" and "hardware" count together).
        let canonical: Vec<String> = firms
            .segments
            .iter()
            .map(|s| canonical_segment(fit, s))
            .collect();
        let zones_ctx = index
            .zone_shapes
            .iter()
            .map(|shape| {
                let near = index.firms_near_zone(shape, &firms.lonlat, radius_m);
                let mut counts = vec![0usize; canonical.len().max(1)];
                for &i in &near {
                    if let Some(c) = firms
                        .segment
                        .get(i as usize)
                        .and_then(|s| counts.get_mut(*s as usize))
                    {
                        *c += 1;
                    }
                }
                let mut by_segment = BTreeMap::new();
                for (k, c) in counts.iter().enumerate().filter(|(_, c)| **c > 0) {
                    *by_segment
                        .entry(canonical.get(k).cloned().unwrap_or_default())
                        .or_default() += c;
                }
                let id = &zones[shape.zone].id;
                ZoneContext {
                    zone: shape.zone,
                    near,
                    by_segment,
                    cluster_overlap: clusters.iter().any(|c| c.zones.iter().any(|z| z == id)),
                }
            })
            .collect();
        Self {
            radius_m,
            zones: zones_ctx,
            memo: Default::default(),
        }
    }
}

impl<'a> Advisor<'a> {
    /// Prepares per-zone counts. `labels` and `clusters` come from the DBSCAN run (they may be
    /// empty when clustering has not been run).
    pub fn new(
        firms: &'a Firms,
        zones: &'a [Zone],
        index: &'a SpatialIndex,
        labels: &'a [i32],
        clusters: &'a [ClusterSummary],
        fit: &'a FitTable,
        params: AdvisorParams,
    ) -> Result<Self, AnalysisError> {
        let weights = params.weights.normalised()?;
        for (name, v) in [
            ("proximity scale", params.proximity_scale_m),
            ("radius", params.radius_m),
            ("same-segment half count", params.same_segment_half),
            ("all-firm half count", params.all_firms_half),
            ("room half area", params.room_half_km2),
        ] {
            if !(v.is_finite() && v > 0.0) {
                return Err(AnalysisError::InvalidParameter(format!(
                    "{name} must be above zero"
                )));
            }
        }
        let ctx = std::sync::Arc::new(AdvisorContext::prepare(
            firms,
            zones,
            index,
            clusters,
            fit,
            params.radius_m,
        ));
        Ok(Self {
            firms,
            zones,
            index,
            labels,
            clusters,
            fit,
            params,
            weights,
            ctx,
        })
    }

    /// An advisor over a prepared context (its radius is used, whatever `params` says),
    /// which must have been prepared from the same firms, zones, analysis and fit table:
    /// advisors over one context share its counts and the grids the first builds.
    #[allow(clippy::too_many_arguments)]
    pub fn with_context(
        firms: &'a Firms,
        zones: &'a [Zone],
        index: &'a SpatialIndex,
        labels: &'a [i32],
        clusters: &'a [ClusterSummary],
        fit: &'a FitTable,
        mut params: AdvisorParams,
        ctx: std::sync::Arc<AdvisorContext>,
    ) -> Result<Self, AnalysisError> {
        params.radius_m = ctx.radius_m;
        let weights = params.weights.normalised()?;
        Ok(Self {
            firms,
            zones,
            index,
            labels,
            clusters,
            fit,
            params,
            weights,
            ctx,
        })
    }

    /// The weights in use, as fractions.
    pub fn weights(&self) -> Shares {
        self.weights
    }

    /// Site for a firm of the dataset.
    pub fn firm_site(&self, i: usize) -> Site {
        Site::of_firm(self.firms, i).unwrap_or(Site {
            firm: None,
            lonlat: LonLat::new(f64::NAN, f64::NAN),
            segment: None,
        })
    }

    /// Each criterion's part (raw value, normalised value, weight share, contribution) and
    /// the total, for a target zone or for staying.
    fn weigh(&self, raws: [f64; 5], norms: [f64; 5]) -> ([Part; 5], f64) {
        let parts = std::array::from_fn(|k| Part {
            criterion: Criterion::ALL[k],
            raw: raws[k],
            normalised: norms[k],
            weight: self.weights.get(Criterion::ALL[k]),
            contribution: self.weights.get(Criterion::ALL[k]) * norms[k],
        });
        (parts, self.weights.weighted_sum(|c| norms[c.index()]))
    }

    /// The site on the plane.
    pub fn site_xy(&self, site: &Site) -> Xy {
        match site.firm.and_then(|i| self.index.firm_xy.get(i)) {
            Some(p) => *p,
            None => self.index.projection.project(site.lonlat),
        }
    }

    /// The fit table's entry for a segment name ([`FitTable::segment`], remembered).
    fn segment_fit(&self, name: &str) -> Option<&'a crate::model::SegmentFit> {
        self.segment_memo().get(self.fit, name)
    }

    /// [`canonical_segment`] of a name, remembered for the firms' names.
    fn canonical(&self, name: &str) -> std::borrow::Cow<'_, str> {
        self.segment_memo().canonical(self.fit, name)
    }

    /// For each of the firms' segment ids, whether it means the same segment as `name`.
    fn same_segment_ids(&self, name: Option<&str>) -> Vec<bool> {
        self.segment_memo().same_ids(self.fit, name)
    }

    fn segment_memo(&self) -> &segments::SegmentMemo {
        (self.ctx.memo.segments)
            .get_or_init(|| segments::SegmentMemo::new(self.fit, &self.firms.segments))
    }

    /// Scores every zone with geometry for a site, best first (ties by zone id).
    pub fn score(&self, site: &Site) -> Vec<ZoneScore> {
        let p = &self.params;
        let xy = self.site_xy(site);
        let seg_entry = site.segment.as_deref().and_then(|s| self.segment_fit(s));
        let mut out: Vec<ZoneScore> = self
            .ctx
            .zones
            .iter()
            .filter_map(|c| {
                let zone = &self.zones[c.zone];
                let shape = self.index.shape_of(c.zone)?;
                let (d, _) = shape.distance(site.lonlat, xy, &self.index.projection);
                let inside = d == 0.0 && shape.is_area();
                let (fit, matched) = match seg_entry {
                    Some(s) => self.fit.fit(s, &zone.focus_zh, &zone.focus_en),
                    None => (UNKNOWN_FIT, Vec::new()),
                };
                // Counts around the zone, leaving out the firm itself.
                let self_near = site
                    .firm
                    .is_some_and(|i| c.near.binary_search(&(i as u32)).is_ok());
                let all_near = c.near.len() - usize::from(self_near);
                let seg_name = site
                    .segment
                    .as_deref()
                    .map(|s| self.canonical(s))
                    .unwrap_or_default();
                let same = if seg_name.is_empty() {
                    0
                } else {
                    c.by_segment
                        .get(seg_name.as_ref())
                        .copied()
                        .unwrap_or(0)
                        .saturating_sub(usize::from(self_near))
                };
                let s = same as f64;
                let a = all_near as f64;
                let agglo = 0.5 * s / (s + p.same_segment_half)
                    + 0.3 * a / (a + p.all_firms_half)
                    + 0.2 * f64::from(u8::from(c.cluster_overlap));
                let area = zone
                    .area_km2
                    .or(shape.area_km2().filter(|_| zone.quality.is_boundary()));
                let room = area.map(|a| a / (a + p.room_half_km2)).unwrap_or(0.0);
                let confidence = match zone.quality {
                    GeometryQuality::Provided | GeometryQuality::FromFile => 1.0,
                    // drawn by hand from a plan map: a boundary, traced with some error
                    GeometryQuality::Digitised => 0.8,
                    GeometryQuality::ApproximateFootprint => 0.6,
                    GeometryQuality::ApproximatePoint => 0.3,
                    GeometryQuality::None => 0.0,
                };
                let raws = [d, fit, agglo, area.unwrap_or(0.0), confidence];
                let norms = [
                    (-d / p.proximity_scale_m).exp(),
                    fit,
                    agglo,
                    room,
                    confidence,
                ];
                let (parts, total) = self.weigh(raws, norms);
                Some(ZoneScore {
                    zone: c.zone,
                    zone_id: zone.id.clone(),
                    total,
                    parts,
                    distance_cost: baseline::distance_cost(d, p),
                    distance_m: d,
                    inside,
                    same_segment_near: same,
                    all_near,
                    cluster_overlap: c.cluster_overlap,
                    matched_focus: matched,
                    area_km2: area,
                    quality: zone.quality,
                    approximate: zone.quality.is_approximate(),
                })
            })
            .collect();
        sort_scores(&mut out);
        out
    }

    /// DBSCAN clusters with a member within the advisor radius of the site, nearest first.
    pub fn nearby_clusters(&self, site: &Site) -> Vec<NearbyCluster> {
        if self.labels.len() != self.firms.len() {
            return Vec::new();
        }
        let xy = self.site_xy(site);
        let best = match self.cluster_grid() {
            Some(g) => g.nearest_members(self.index, xy, self.params.radius_m, site.firm),
            None => BTreeMap::new(),
        };
        let mut v: Vec<NearbyCluster> = best
            .into_iter()
            .filter_map(|(l, d)| {
                let c = self.clusters.get(l as usize)?;
                Some(NearbyCluster {
                    cluster: l,
                    distance_m: d,
                    size: c.size,
                    dominant_segment: c.dominant_segment.clone(),
                })
            })
            .collect();
        v.sort_by(|a, b| {
            a.distance_m
                .total_cmp(&b.distance_m)
                .then(a.cluster.cmp(&b.cluster))
        });
        v
    }

    /// The planner's view: firms outside every zone for which moving into `zone` beats
    /// staying by the margin, largest gain first, with their score for the zone.
    pub fn candidates_for_zone(&self, zone: usize, outside: &[bool]) -> Vec<Candidate> {
        use rayon::prelude::*;
        let mut v: Vec<Candidate> = (0..self.firms.len())
            .into_par_iter()
            .filter(|&i| outside.get(i).copied().unwrap_or(true))
            .filter_map(|i| {
                let site = self.firm_site(i);
                let scores = self.score(&site);
                let score = scores.iter().find(|s| s.zone == zone)?.clone();
                // Staying scores at least its proximity and confidence (and a neutral fit for
                // an unknown segment): a zone that cannot beat that needs no neighbour count.
                if score.total - score.distance_cost - self.staying_floor(&site)
                    < self.params.margin
                {
                    return None;
                }
                let current = self.current_site(&site, self.site_xy(&site), &scores);
                let gain = baseline::gain(&score, &current);
                (gain >= self.params.margin).then_some(Candidate {
                    firm: i,
                    score,
                    current_total: current.total,
                    gain_vs_current: gain,
                })
            })
            .collect();
        v.sort_by(|a, b| {
            b.gain_vs_current
                .total_cmp(&a.gain_vs_current)
                .then(a.firm.cmp(&b.firm))
        });
        v
    }
}

/// A firm a zone could attract: its score for the zone and its gain over staying.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Candidate {
    pub firm: usize,
    pub score: ZoneScore,
    pub current_total: f64,
    pub gain_vs_current: f64,
}

/// A ranked target zone with its explanations and stability.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RankedZone {
    pub rank: usize,
    #[serde(flatten)]
    pub score: ZoneScore,
    pub explanation_zh: String,
    pub explanation_en: String,
    pub stability: Stability,
    /// Score less distance cost less the current site's score.
    pub gain_vs_current: f64,
    /// The gain reaches the margin: moving here is advised.
    pub recommended: bool,
}

/// The advisor's whole answer for one site.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Suggestion {
    pub site: Site,
    /// Whether the site's segment is in the fit table (industry fit is scored only then).
    pub segment_known: bool,
    /// Staying where the site is, scored on the same criteria.
    pub current_site: SiteScore,
    /// Whether any target beats staying by the margin.
    pub recommended: bool,
    /// One sentence: the best move, or why staying is better.
    pub verdict_zh: String,
    pub verdict_en: String,
    /// Every zone with geometry, best first.
    pub ranked: Vec<RankedZone>,
    pub nearby_clusters: Vec<NearbyCluster>,
}

impl Advisor<'_> {
    /// Ranks, explains and tests the stability of every target zone for a site.
    /// `draws` come from [`stability::weight_draws`] (share them across sites).
    pub fn suggest(&self, site: &Site, draws: &[Shares]) -> Suggestion {
        let scores = self.score(site);
        let current = self.current_site(site, self.site_xy(site), &scores);
        let stab = stability(&scores, draws);
        let segment_known = site
            .segment
            .as_deref()
            .and_then(|s| self.segment_fit(s))
            .is_some();
        let ranked = scores
            .into_iter()
            .zip(stab)
            .enumerate()
            .map(|(k, (score, stability))| {
                let zone = &self.zones[score.zone];
                RankedZone {
                    rank: k + 1,
                    explanation_zh: explain(
                        &score,
                        k + 1,
                        zone,
                        self.params.radius_m,
                        segment_known,
                        Lang::Zh,
                    ),
                    explanation_en: explain(
                        &score,
                        k + 1,
                        zone,
                        self.params.radius_m,
                        segment_known,
                        Lang::En,
                    ),
                    gain_vs_current: baseline::gain(&score, &current),
                    recommended: baseline::gain(&score, &current) >= self.params.margin,
                    score,
                    stability,
                }
            })
            .collect::<Vec<RankedZone>>();
        let (verdict_zh, verdict_en) = baseline::verdict(&current, &ranked, self);
        Suggestion {
            site: site.clone(),
            segment_known,
            recommended: ranked.iter().any(|r| r.recommended),
            verdict_zh,
            verdict_en,
            current_site: current,
            ranked,
            nearby_clusters: self.nearby_clusters(site),
        }
    }
}

/// A segment name as the fit table's key when the table knows it, else trimmed as given.
pub fn canonical_segment(fit: &FitTable, name: &str) -> String {
    fit.segment(name)
        .map(|s| s.key.clone())
        .unwrap_or_else(|| name.trim().to_string())
}

/// Best first (score less distance cost); ties by zone id so results never depend on input
/// order.
pub fn sort_scores(v: &mut [ZoneScore]) {
    v.sort_by(|a, b| {
        (b.total - b.distance_cost)
            .total_cmp(&(a.total - a.distance_cost))
            .then_with(|| a.zone_id.cmp(&b.zone_id))
    });
}

#[cfg(test)]
mod tests;
