//! The advisor's result files: `suggestions.csv/json` (ranked targets per site) and
//! `candidates.csv/json` (a zone's best candidate firms). Deterministic, like every output.

use std::io::Write;

use serde_json::json;

use crate::analysis::relocate::{
    Advisor, Candidate, Criterion, NearbyCluster, RankedZone, SiteScore, Stability, Suggestion,
};
use crate::model::{Lang, Policy, Zone};

use super::number::fixed;

/// What every result document names as its maker.
pub fn generated_by() -> String {
    format!("cluster-atlas {}", env!("CARGO_PKG_VERSION"))
}

/// The site's firm id and name, or its coordinates when it is not a firm.
pub fn site_label(s: &Suggestion, adv: &Advisor) -> (String, String) {
    match s.site.firm {
        Some(i) => (adv.firms.id(i).into_owned(), adv.firms.name(i).to_string()),
        None => (
            format!("{:.6},{:.6}", s.site.lonlat.lon, s.site.lonlat.lat),
            String::new(),
        ),
    }
}

/// `suggestions.csv`: the `top` targets of every site, one row each.
pub fn write_suggestions_csv(
    w: &mut dyn Write,
    suggestions: &[Suggestion],
    adv: &Advisor,
    top: usize,
) -> std::io::Result<()> {
    let mut out = csv::Writer::from_writer(w);
    write_csv_header(&mut out)?;
    for s in suggestions {
        write_csv_rows(&mut out, s, adv, top)?;
    }
    out.flush()
}

fn write_csv_header<W: Write>(out: &mut csv::Writer<W>) -> std::io::Result<()> {
    let mut header = vec!["firm", "firm_name", "rank", "zone", "zone_name", "total"];
    header.extend(Criterion::ALL.iter().map(|c| c.key()));
    header.extend([
        "distance_m",
        "distance_cost",
        "gain_vs_current",
        "recommended",
        "stays_first",
        "stays_top3",
        "approximate",
        "explanation_en",
        "explanation_zh",
    ]);
    Ok(out.write_record(&header)?)
}

/// The `top` targets of one site, one row each.
fn write_csv_rows<W: Write>(
    out: &mut csv::Writer<W>,
    s: &Suggestion,
    adv: &Advisor,
    top: usize,
) -> std::io::Result<()> {
    let (id, name) = site_label(s, adv);
    for r in s.ranked.iter().take(top) {
        let zone = &adv.zones[r.score.zone];
        let mut rec = vec![
            id.clone(),
            name.clone(),
            r.rank.to_string(),
            r.score.zone_id.clone(),
            zone.display_name(Lang::Zh).to_string(),
            fixed(r.score.total, 4),
        ];
        rec.extend(r.score.parts.iter().map(|p| fixed(p.contribution, 4)));
        rec.extend([
            fixed(r.score.distance_m, 1),
            fixed(r.score.distance_cost, 4),
            fixed(r.gain_vs_current, 4),
            r.recommended.to_string(),
            fixed(r.stability.first, 3),
            fixed(r.stability.top3, 3),
            r.score.approximate.to_string(),
            r.explanation_en.clone(),
            r.explanation_zh.clone(),
        ]);
        out.write_record(&rec)?;
    }
    Ok(())
}

/// One site's `suggestions.csv` rows and `suggestions.json` entry, encoded
/// ([`SuggestionStream::encode`]), and its best target's zone id.
pub struct EncodedSite {
    csv: Vec<u8>,
    json: Vec<u8>,
    best: Option<String>,
}

/// Encodes sites' rows and entries for a [`SuggestionStream`], on any thread.
#[derive(Clone, Copy)]
pub struct SiteEncoder<'a> {
    adv: &'a Advisor<'a>,
    top: usize,
}

impl SiteEncoder<'_> {
    /// One site's rows and entry as the files will hold them (sites encoded side by side,
    /// written in order by [`SuggestionStream::push_encoded`]).
    pub fn encode(&self, s: &Suggestion) -> std::io::Result<EncodedSite> {
        let mut csv = csv::Writer::from_writer(Vec::new());
        write_csv_rows(&mut csv, s, self.adv, self.top)?;
        let csv = csv.into_inner().map_err(|e| e.into_error())?;
        let json = serde_json::to_vec(&site_json(s, self.adv, self.top))?;
        Ok(EncodedSite {
            csv,
            json,
            best: s.ranked.first().map(|r| r.score.zone_id.clone()),
        })
    }
}

/// `suggestions.csv` and `suggestions.json` written site by site, as [`write_suggestions_csv`]
/// and compact [`suggestions_json`] write them whole: ranking every firm of a city register
/// holds a few gigabytes of suggestions, of which only a batch at a time need be in memory.
pub struct SuggestionStream<'a, C: Write, J: Write> {
    csv: C,
    json: J,
    adv: &'a Advisor<'a>,
    top: usize,
    sites: usize,
    targets: std::collections::BTreeSet<String>,
}

impl<'a, C: Write, J: Write> SuggestionStream<'a, C, J> {
    /// Writes both files' heads.
    pub fn new(
        csv_out: C,
        mut json: J,
        adv: &'a Advisor<'a>,
        top: usize,
        parameters: &serde_json::Value,
        synthetic: bool,
    ) -> std::io::Result<Self> {
        let mut csv = csv_out;
        let mut head = csv::Writer::from_writer(Vec::new());
        write_csv_header(&mut head)?;
        csv.write_all(&head.into_inner().map_err(|e| e.into_error())?)?;
        json.write_all(b"{\"generated_by\":")?;
        serde_json::to_writer(&mut json, &generated_by())?;
        write!(json, ",\"synthetic_data\":{synthetic},\"parameters\":")?;
        serde_json::to_writer(&mut json, parameters)?;
        json.write_all(b",\"sites\":[")?;
        Ok(Self {
            csv,
            json,
            adv,
            top,
            sites: 0,
            targets: Default::default(),
        })
    }

    /// Writes one site's rows and entry.
    pub fn push(&mut self, s: &Suggestion) -> std::io::Result<()> {
        let encoded = self.encoder().encode(s)?;
        self.push_encoded(encoded)
    }

    /// What encodes sites for this stream on any thread.
    pub fn encoder(&self) -> SiteEncoder<'a> {
        SiteEncoder {
            adv: self.adv,
            top: self.top,
        }
    }

    /// Writes a site's rows and entry made by [`SiteEncoder::encode`].
    pub fn push_encoded(&mut self, e: EncodedSite) -> std::io::Result<()> {
        self.csv.write_all(&e.csv)?;
        if self.sites > 0 {
            self.json.write_all(b",")?;
        }
        self.json.write_all(&e.json)?;
        if let Some(best) = e.best {
            self.targets.insert(best);
        }
        self.sites += 1;
        Ok(())
    }

    /// Writes the policy for the best targets seen and closes both files.
    pub fn finish(mut self, policy: &Policy) -> std::io::Result<usize> {
        self.json.write_all(b"],\"policy\":")?;
        let targets: Vec<String> = self.targets.into_iter().collect();
        serde_json::to_writer(
            &mut self.json,
            &policy_json(policy, &targets, self.adv.zones),
        )?;
        self.json.write_all(b"}\n")?;
        self.json.flush()?;
        self.csv.flush()?;
        Ok(self.sites)
    }
}

/// `suggestions.json`: parameters, every site's ranking and the policy for the best targets.
pub fn suggestions_json(
    suggestions: &[Suggestion],
    adv: &Advisor,
    top: usize,
    parameters: serde_json::Value,
    policy: &Policy,
    synthetic: bool,
) -> serde_json::Value {
    let mut targets: Vec<String> = suggestions
        .iter()
        .filter_map(|s| s.ranked.first().map(|r| r.score.zone_id.clone()))
        .collect();
    targets.sort();
    targets.dedup();
    json!({
        "generated_by": generated_by(),
        "synthetic_data": synthetic,
        "parameters": parameters,
        "sites": suggestions.iter().map(|s| site_json(s, adv, top)).collect::<Vec<_>>(),
        "policy": policy_json(policy, &targets, adv.zones),
    })
}

/// One site's entry of `suggestions.json`, fields in the file's order; serialised straight
/// to the file (a `serde_json::Value` tree per site was a fifth of `suggest`'s time).
#[derive(serde::Serialize)]
struct SiteJson<'a> {
    firm: Option<String>,
    name: String,
    lon: f64,
    lat: f64,
    segment: &'a Option<String>,
    segment_known: bool,
    current_site: &'a SiteScore,
    recommended: bool,
    verdict_en: &'a str,
    verdict_zh: &'a str,
    ranked: &'a [RankedZone],
    stability_all_zones: Vec<&'a Stability>,
    nearby_clusters: &'a [NearbyCluster],
}

fn site_json<'a>(s: &'a Suggestion, adv: &Advisor, top: usize) -> SiteJson<'a> {
    let (id, name) = site_label(s, adv);
    SiteJson {
        firm: s.site.firm.map(|_| id),
        name,
        lon: s.site.lonlat.lon,
        lat: s.site.lonlat.lat,
        segment: &s.site.segment,
        segment_known: s.segment_known,
        current_site: &s.current_site,
        recommended: s.recommended,
        verdict_en: &s.verdict_en,
        verdict_zh: &s.verdict_zh,
        ranked: s.ranked.get(..top.min(s.ranked.len())).unwrap_or_default(),
        stability_all_zones: s.ranked.iter().map(|r| &r.stability).collect(),
        nearby_clusters: &s.nearby_clusters,
    }
}

fn policy_json(policy: &Policy, targets: &[String], zones: &[Zone]) -> serde_json::Value {
    let per_zone: Vec<serde_json::Value> = targets
        .iter()
        .filter_map(|id| zones.iter().find(|z| &z.id == id))
        .map(|z| {
            json!({
                "zone": z.id,
                "district_zh": z.district_zh,
                "renewal_office_zh": policy.district_office(z.district_zh.as_deref(), Lang::Zh),
                "renewal_office_en": policy.district_office(z.district_zh.as_deref(), Lang::En),
                "caveat_en": "District rules differ: follow the urban-renewal rules of this district.",
                "caveat_zh": "各区规定不同：具体流程以所在区的城市更新文件规定为准。",
                "items": policy.for_zone(&z.id).iter().map(|i| i.id.clone()).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({"targets": per_zone, "items": policy.items})
}

/// `candidates.csv`: the zone's best candidate firms, one row each.
pub fn write_candidates_csv(
    w: &mut dyn Write,
    cands: &[Candidate],
    adv: &Advisor,
    zone_id: &str,
) -> std::io::Result<()> {
    let mut out = csv::Writer::from_writer(w);
    let mut header = vec!["rank", "firm", "firm_name", "segment", "zone", "total"];
    header.extend(Criterion::ALL.iter().map(|c| c.key()));
    header.extend([
        "distance_m",
        "distance_cost",
        "current_total",
        "gain_vs_current",
    ]);
    out.write_record(&header)?;
    for (k, c) in cands.iter().enumerate() {
        let (i, s) = (&c.firm, &c.score);
        let mut rec = vec![
            (k + 1).to_string(),
            adv.firms.id(*i).into_owned(),
            adv.firms.name(*i).to_string(),
            adv.firms.segment_name(*i).to_string(),
            zone_id.to_string(),
            fixed(s.total, 4),
        ];
        rec.extend(s.parts.iter().map(|p| fixed(p.contribution, 4)));
        rec.extend([
            fixed(s.distance_m, 1),
            fixed(s.distance_cost, 4),
            fixed(c.current_total, 4),
            fixed(c.gain_vs_current, 4),
        ]);
        out.write_record(&rec)?;
    }
    out.flush()
}

/// `candidates.json`: parameters and the zone's best candidate firms.
pub fn candidates_json(
    cands: &[Candidate],
    adv: &Advisor,
    zone_id: &str,
    parameters: serde_json::Value,
    synthetic: bool,
) -> serde_json::Value {
    json!({
        "generated_by": generated_by(),
        "synthetic_data": synthetic,
        "zone": zone_id,
        "parameters": parameters,
        "candidates": cands
            .iter()
            .map(|c| json!({
                "firm": adv.firms.id(c.firm),
                "name": adv.firms.name(c.firm),
                "segment": adv.firms.segment_name(c.firm),
                "score": c.score,
                "current_total": c.current_total,
                "gain_vs_current": c.gain_vs_current,
            }))
            .collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::relocate::{AdvisorParams, stability::weight_draws};
    use crate::pipeline::{self, Dataset, Extras};

    /// A site's entry serialised straight equals, byte for byte, the `serde_json::Value`
    /// tree it was built as before (the oracle), for firms and a typed place, every `top`.
    #[test]
    fn site_entries_serialise_as_their_value_trees_did() {
        let data = Dataset::bundled().unwrap();
        let fit = crate::data::bundled::fit_table().unwrap();
        let params = crate::analysis::AnalysisParams::default();
        let analysis = pipeline::analyse(&data, &params, Extras::default(), &|_, _| {})
            .unwrap()
            .analysis;
        let (f, z, ix) = (&data.firms, &data.zones, &data.index);
        let (labels, clusters) = (&analysis.labels, &analysis.clusters);
        let adv = Advisor::new(f, z, ix, labels, clusters, &fit, AdvisorParams::default());
        let adv = adv.unwrap();
        let draws = weight_draws(adv.weights(), 40, 3, 0.2);
        let mut sites: Vec<_> = (0..f.len()).step_by(97).map(|i| adv.firm_site(i)).collect();
        let mut place = adv.firm_site(0);
        (place.firm, place.segment) = (None, Some("not a segment".into()));
        sites.push(place);
        let mut with_clusters = 0;
        for site in &sites {
            let s = adv.suggest(site, &draws);
            with_clusters += usize::from(!s.nearby_clusters.is_empty());
            for top in [0, 1, 3, 100] {
                let (id, name) = site_label(&s, &adv);
                let oracle = json!({
                    "firm": s.site.firm.map(|_| id.clone()),
                    "name": name,
                    "lon": s.site.lonlat.lon,
                    "lat": s.site.lonlat.lat,
                    "segment": s.site.segment,
                    "segment_known": s.segment_known,
                    "current_site": s.current_site,
                    "recommended": s.recommended,
                    "verdict_en": s.verdict_en,
                    "verdict_zh": s.verdict_zh,
                    "ranked": s.ranked.iter().take(top).collect::<Vec<_>>(),
                    "stability_all_zones": s.ranked.iter().map(|r| &r.stability).collect::<Vec<_>>(),
                    "nearby_clusters": s.nearby_clusters,
                });
                let got = serde_json::to_vec(&site_json(&s, &adv, top)).unwrap();
                assert_eq!(got, serde_json::to_vec(&oracle).unwrap(), "top {top}");
            }
        }
        assert!(with_clusters > 0 && sites.len() > 5);
    }
}
