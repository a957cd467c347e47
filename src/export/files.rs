//! Writing pictures: one file, an atlas of zone pages, and the texts of the stamp and subtitle.

use super::*;

impl Format {
    pub fn from_path(path: &Path) -> Result<Self, ExportError> {
        match path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("png") => Ok(Format::Png),
            Some("svg") => Ok(Format::Svg),
            Some("pdf") => Ok(Format::Pdf),
            other => Err(ExportError::Format(other.unwrap_or("").to_string())),
        }
    }
}

/// Renders and writes one picture atomically (format from the extension).
pub fn export_file(
    path: &Path,
    data: &ExportData,
    opts: &ExportOptions,
    stamp: &Stamp,
) -> Result<(), ExportError> {
    let bytes = render(Format::from_path(path)?, data, opts, stamp)?;
    crate::output::atomic_write(path, |w| w.write_all(&bytes)).map_err(|cause| ExportError::Io {
        path: path.display().to_string(),
        cause,
    })
}

/// The map of each atlas page: every zone with geometry, all at the scale of the largest.
pub fn atlas_viewports(
    data: &ExportData,
    layout: &PageLayout,
) -> Result<Vec<(usize, Viewport)>, ExportError> {
    let mut vps = Vec::new();
    for zi in data.index.zone_shapes.iter().map(|s| s.zone) {
        let vp = map_viewport(data, &Extent::Zone(data.zones[zi].id.clone()), layout)?;
        vps.push((zi, vp));
    }
    let common = vps.iter().map(|(_, v)| v.m_per_px).fold(0.0, f64::max);
    for (_, vp) in &mut vps {
        vp.m_per_px = common;
    }
    Ok(vps)
}

/// One page per zone with geometry, all at the same scale (the largest zone decides), written
/// as `DIR/atlas_<zone id>.<ext>`. Returns the files written.
pub fn export_atlas(
    dir: &Path,
    format: Format,
    data: &ExportData,
    opts: &ExportOptions,
    stamp: &Stamp,
) -> Result<Vec<std::path::PathBuf>, ExportError> {
    let layout = page_layout(data.scene, opts)?;
    let vps = atlas_viewports(data, &layout)?;
    std::fs::create_dir_all(dir).map_err(|cause| ExportError::Io {
        path: dir.display().to_string(),
        cause,
    })?;
    let mut written = Vec::new();
    for (zi, vp) in vps {
        let zone = &data.zones[zi];
        let mut o = opts.clone();
        o.extent = Extent::Zone(zone.id.clone());
        if o.subtitle.is_none() {
            o.subtitle = Some(format!("{} {}", zone.id, zone.display_name(opts.lang)));
        }
        let ext = match format {
            Format::Png => "png",
            Format::Svg => "svg",
            Format::Pdf => "pdf",
        };
        let path = dir.join(format!("atlas_{}.{ext}", sanitize(&zone.id)));
        let bytes = render_with(format, data, &o, stamp, &layout, &vp)?;
        crate::output::atomic_write(&path, |w| w.write_all(&bytes)).map_err(|cause| {
            ExportError::Io {
                path: path.display().to_string(),
                cause,
            }
        })?;
        written.push(path);
    }
    Ok(written)
}

pub(super) fn sanitize(id: &str) -> String {
    id.chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// The default subtitle: what is shown and with which parameters. `in_view` is the number
/// of firms inside the page's map when it shows only part of the data (see
/// [`firms_in_view`]); the cluster count is then marked as citywide.
pub fn default_subtitle(
    lang: Lang,
    n_firms: usize,
    synthetic: bool,
    clusters: Option<(usize, f64, usize)>,
    in_view: Option<usize>,
) -> String {
    let firms = match (in_view, synthetic) {
        (None, true) => lang.pick(
            &format!("{n_firms} 家企业（合成示例）"),
            &format!("{n_firms} firms (synthetic sample)"),
        ),
        (None, false) => lang.pick(&format!("{n_firms} 家企业"), &format!("{n_firms} firms")),
        (Some(v), true) => lang.pick(
            &format!("图中 {v} 家企业（共 {n_firms} 家，合成示例）"),
            &format!("{v} of {n_firms} firms in view (synthetic sample)"),
        ),
        (Some(v), false) => lang.pick(
            &format!("图中 {v} 家企业（共 {n_firms} 家）"),
            &format!("{v} of {n_firms} firms in view"),
        ),
    };
    let scope = if in_view.is_some() {
        lang.pick("全市", "citywide ")
    } else {
        String::new()
    };
    match clusters {
        Some((k, eps, min_pts)) => format!(
            "{firms} · {}",
            lang.pick(
                &format!("DBSCAN：{scope}{k} 个集群（eps {eps:.0} 米，min_pts {min_pts}）"),
                &format!("DBSCAN: {scope}{k} clusters (eps {eps:.0} m, min_pts {min_pts})")
            )
        ),
        None => firms,
    }
}

/// How many firms fall inside the page's map, or None when the page shows everything.
pub fn firms_in_view(data: &ExportData, opts: &ExportOptions) -> Option<usize> {
    if opts.extent == Extent::All {
        return None;
    }
    let layout = page_layout(data.scene, opts).ok()?;
    let vp = map_viewport(data, &opts.extent, &layout).ok()?;
    let (lo, hi) = vp.plane_bounds();
    Some(
        data.index
            .firm_xy
            .iter()
            .filter(|p| p.x >= lo.x && p.x <= hi.x && p.y >= lo.y && p.y <= hi.y)
            .count(),
    )
}

/// The footer stamp for a dataset: source credits, parameters and input hash.
pub fn stamp_for(
    zones_report: &crate::data::LoadReport,
    firms_report: &crate::data::LoadReport,
    synthetic: bool,
    params: Option<&crate::analysis::AnalysisParams>,
    weights: Option<&crate::analysis::relocate::Weights>,
    lang: Lang,
) -> Stamp {
    use crate::data::bundled::SOURCES;
    let credit = |key: &str| {
        SOURCES
            .iter()
            .find(|s| s.0 == key)
            .map(|s| lang.pick(s.2, s.1))
            .unwrap_or_default()
    };
    let file_name = |f: &str| {
        std::path::Path::new(f)
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_else(|| f.to_string())
    };
    let mut sources = Vec::new();
    if zones_report.file.starts_with("bundled:") {
        sources.push(credit("zones"));
    } else {
        sources.push(lang.pick(
            &format!("集聚区：{}", file_name(&zones_report.file)),
            &format!("Zones: {}", file_name(&zones_report.file)),
        ));
    }
    if synthetic {
        sources.push(credit("sample_firms"));
    } else {
        sources.push(lang.pick(
            &format!("企业：{}", file_name(&firms_report.file)),
            &format!("Firms: {}", file_name(&firms_report.file)),
        ));
    }
    sources.push(credit("districts"));
    sources.push(credit("land"));
    let mut parameters = match params {
        Some(p) => format!(
            "eps {:.0} m, min_pts {}, {} {}",
            p.dbscan.eps_m,
            p.dbscan.min_pts,
            lang.pick("研究区域", "study area"),
            p.study_area.kind().as_str()
        ),
        None => lang.pick("未运行聚类分析", "no clustering run"),
    };
    if let Some(w) = weights
        && let Ok(n) = w.normalised()
    {
        let parts: Vec<String> = n
            .iter()
            .map(|(c, v)| format!("{} {:.0}%", c.key(), v * 100.0))
            .collect();
        parameters.push_str(&format!(
            "; {} {}",
            lang.pick("权重", "weights"),
            parts.join(", ")
        ));
    }
    Stamp {
        sources,
        parameters,
        input_hash: crate::output::short_hash(&[
            zones_report.hash.as_bytes(),
            firms_report.hash.as_bytes(),
        ]),
    }
}
