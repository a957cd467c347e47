//! `summary.json`: the run's statistics, parameters and load reports in one document.

use serde::Serialize;

use crate::analysis::{Analysis, ClarkEvans, ClusterSummary, KDistance, ParamsEcho, ZoneStats};
use crate::data::LoadReport;
use crate::model::{Firms, GeometryQuality, Zone};

/// One zone row: identity and data quality next to its statistics.
#[derive(Clone, Debug, Serialize)]
pub struct SummaryZone {
    pub id: String,
    pub name_zh: Option<String>,
    pub name_en: Option<String>,
    pub batch: Option<u8>,
    pub geometry_quality: GeometryQuality,
    #[serde(flatten)]
    pub stats: ZoneStats,
}

#[derive(Clone, Debug, Serialize)]
pub struct LoadReports {
    pub zones: LoadReport,
    pub firms: LoadReport,
}

#[derive(Clone, Debug, Serialize)]
pub struct Overlap {
    pub firm_id: String,
    pub zones: Vec<String>,
}

/// The whole summary document.
#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    pub generated_by: String,
    pub synthetic_data: bool,
    pub input_hash: String,
    pub n_firms: usize,
    pub n_zones: usize,
    pub n_clusters: usize,
    pub n_noise: usize,
    pub clark_evans: ClarkEvans,
    pub zones: Vec<SummaryZone>,
    pub clusters: Vec<ClusterSummary>,
    /// Firms inside more than one zone (the first 1000, with all their zones).
    pub overlaps: Vec<Overlap>,
    /// How many firms lie inside more than one zone.
    pub n_overlapping: usize,
    pub kdistance: KDistance,
    pub parameters: ParamsEcho,
    pub load_report: LoadReports,
    pub warnings: Vec<String>,
    /// Firms over time (when the firms carry founding dates).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time: Option<crate::analysis::time::TimeTables>,
    /// Hot and cold spots (`analyze --hotspots`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hotspots: Option<crate::analysis::hotspots::Hotspots>,
    /// Ripley's K and L (`analyze --ripley`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ripley: Option<crate::analysis::ripley::Ripley>,
}

impl Summary {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        firms: &Firms,
        zones: &[Zone],
        analysis: &Analysis,
        parameters: ParamsEcho,
        zones_report: LoadReport,
        firms_report: LoadReport,
        input_hash: String,
        synthetic_data: bool,
    ) -> Self {
        let mut warnings = zones_report.warnings.clone();
        warnings.extend(firms_report.warnings.iter().cloned());
        warnings.extend(analysis.warnings.iter().cloned());
        Self {
            generated_by: format!("cluster-atlas {}", env!("CARGO_PKG_VERSION")),
            synthetic_data,
            input_hash,
            n_firms: firms.len(),
            n_zones: zones.len(),
            n_clusters: analysis.clusters.len(),
            n_noise: analysis.n_noise,
            clark_evans: analysis.clark_evans.clone(),
            zones: zones
                .iter()
                .zip(&analysis.zone_stats)
                .map(|(z, s)| SummaryZone {
                    id: z.id.clone(),
                    name_zh: z.name_zh.clone(),
                    name_en: z.name_en.clone(),
                    batch: z.batch.map(|b| b.number()),
                    geometry_quality: z.quality,
                    stats: s.clone(),
                })
                .collect(),
            clusters: analysis.clusters.clone(),
            overlaps: analysis
                .placement
                .overlaps
                .iter()
                .map(|(f, zs)| Overlap {
                    firm_id: firms.id(*f as usize).into_owned(),
                    zones: zs.iter().map(|z| zones[*z as usize].id.clone()).collect(),
                })
                .collect(),
            n_overlapping: analysis.placement.n_overlapping,
            kdistance: analysis.kdistance.clone(),
            parameters,
            load_report: LoadReports {
                zones: zones_report,
                firms: firms_report,
            },
            warnings,
            time: None,
            hotspots: None,
            ripley: None,
        }
    }
}
