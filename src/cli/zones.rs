//! `cluster-atlas zones`: match an official zone file's features to the 15 zone slots by name,
//! print the proposal, and write the completed 15-slot GeoJSON (`--out`).

use std::path::PathBuf;

use anyhow::{Context, Result, anyhow, bail};
use clap::Args;

use cluster_atlas::data::{self, bundled, slots};
use cluster_atlas::model::Lang;

#[derive(Debug, Args)]
pub struct ZonesArgs {
    /// The official zone file (GeoJSON, Shapefile, GeoPackage, KML/KMZ).
    #[arg(long, value_name = "FILE")]
    pub zones: PathBuf,
    #[command(flatten)]
    pub zone_read: super::inputs::ZoneReadArgs,
    /// Correct or add a match: SLOT=FEATURE_ID (repeatable), e.g. --set Z09=PS-07.
    #[arg(long, value_name = "SLOT=FEATURE")]
    pub set: Vec<String>,
    /// Leave a slot unmatched (repeatable), e.g. --unset Z02.
    #[arg(long, value_name = "SLOT")]
    pub unset: Vec<String>,
    /// Write the completed 15-slot zones GeoJSON here.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

pub fn run(a: ZonesArgs) -> Result<()> {
    if let Some(out) = &a.out {
        cluster_atlas::output::refuse_inputs(out, &[a.zones.as_path()])?;
        cluster_atlas::output::resolve_output_file(out)?;
    }
    let opts = a.zone_read.options();
    let file = data::load_zones(&a.zones, &opts)?;
    let slots_now = bundled::zones()?.zones;
    let mut m = slots::propose(&slots_now, &file.zones);
    for s in &a.set {
        let (slot, feat) = s
            .split_once('=')
            .ok_or_else(|| anyhow!("--set needs SLOT=FEATURE, got '{s}'"))?;
        let si = slots_now
            .iter()
            .position(|z| z.id == slot.trim())
            .ok_or_else(|| anyhow!("--set: no slot '{slot}' (the slots are Z01–Z15)"))?;
        let fi = file
            .zones
            .iter()
            .position(|z| z.id == feat.trim())
            .ok_or_else(|| anyhow!("--set: the file has no feature '{feat}'"))?;
        for other in &mut m.slots {
            if other.feature == Some(fi) {
                other.feature = None;
            }
        }
        m.slots[si].feature = Some(fi);
        m.slots[si].score = 1.0;
        m.slots[si].confirmed = true;
    }
    for u in &a.unset {
        let Some(slot) = m.slots.iter_mut().find(|s| s.slot_id == u.trim()) else {
            bail!("--unset: no slot '{u}'");
        };
        slot.feature = None;
        slot.confirmed = true;
    }
    crate::tell!("slot  name                                   ← feature (likeness)");
    for (s, z) in m.slots.iter().zip(&slots_now) {
        let target = match s.feature.and_then(|f| file.zones.get(f)) {
            Some(f) => format!(
                "{} {} ({:.0} %{})",
                f.id,
                f.display_name(Lang::Zh),
                s.score * 100.0,
                if s.confirmed { ", set" } else { "" }
            ),
            None => "—".into(),
        };
        crate::tell!("{}   {:<36} ← {}", z.id, z.display_name(Lang::Zh), target);
    }
    let used: Vec<usize> = m.slots.iter().filter_map(|s| s.feature).collect();
    let unused: Vec<&str> = file
        .zones
        .iter()
        .enumerate()
        .filter(|(i, _)| !used.contains(i))
        .map(|(_, z)| z.id.as_str())
        .collect();
    if !unused.is_empty() {
        crate::say!(
            "not matched to any slot: {} (add with --set SLOT=FEATURE)",
            unused.join(", ")
        );
    }
    if let Some(out) = &a.out {
        let name = a
            .zones
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let filled = slots::fill(&slots_now, &file.zones, &m, &name);
        super::write_output(out, |w| {
            cluster_atlas::output::write_zones_geojson(
                w,
                &filled,
                &format!("15 zone slots; matched slots take their geometry from {name}"),
            )
        })
        .with_context(|| format!("cannot write {}", out.display()))?;
        crate::say!(
            "wrote {} ({} of 15 slots from {name})",
            out.display(),
            used.len()
        );
    }
    Ok(())
}
