//! The last steps every firm loader shares (CSV, GeoJSON and the other formats' point
//! tables): distant firms screened out, the load report's file-level hints, the founding
//! dates, and the error when no firm is left.

use super::super::dates::DateColumns;
use super::super::{FirmLoadOptions, LoadError, LoadReport, LoadedFirms};
use super::ids::repeated_ids;
use super::rows::RowExtras;
use crate::crs::in_china_box;
use crate::model::Firms;

/// The last steps every firm loader shares: distant firms screened out (unless kept), the
/// report completed, the founding dates read, and an error when no firm is left. `read` holds
/// what the parse already took from each row (the CSV loader); without it the columns are read
/// here.
pub(in crate::data) fn finish_firms(
    mut firms: Firms,
    mut report: LoadReport,
    opts: &FirmLoadOptions,
    path: &str,
    read: Option<(RowExtras, Option<DateColumns>)>,
) -> Result<LoadedFirms, LoadError> {
    let (mut extras, dates) = read.unwrap_or_default();
    let from_parse = !extras.id_hash.is_empty() || !extras.founded.is_empty();
    if !opts.keep_distant
        && let Some(keep) = super::super::screen_strays(&mut firms, &mut report)
    {
        extras.retain(&keep);
    }
    report.loaded = firms.len();
    let hashes = (extras.id_hash.len() == firms.len()).then_some(extras.id_hash);
    finish_report(&mut report, &firms, hashes);
    if firms.is_empty() {
        return Err(no_rows_error(&report, path));
    }
    let times = match dates {
        Some(cols) if from_parse && extras.founded.len() == firms.len() => {
            Some(super::super::dates::times_from_years(
                &firms,
                &cols,
                extras.founded,
                extras.closed,
                &mut report,
            ))
        }
        _ => {
            let given = super::columns::founded_choice(&firms.attrs.headers, opts, path)?;
            super::super::dates::detect_times(&firms, given, &mut report)
        }
    };
    Ok(LoadedFirms {
        firms,
        report,
        times: times.map(std::sync::Arc::new),
    })
}

fn no_rows_error(report: &LoadReport, path: &str) -> LoadError {
    if report.read == 0 {
        return LoadError::NoUsableRows {
            path: path.to_string(),
            reasons: nothing_to_read(path).into(),
        };
    }
    if report.skipped_by_kind.get("projected") == Some(&report.skipped_count)
        && let Some(first) = report.skipped.first()
    {
        return LoadError::projected(path, first.reason.clone());
    }
    LoadError::NoUsableRows {
        path: path.to_string(),
        reasons: format!("{}; first: {}", report.summary(), report.first_reasons(3)),
    }
}

/// What a file that gave no rows at all holds, in its own format's words.
fn nothing_to_read(path: &str) -> &'static str {
    let ext = std::path::Path::new(path)
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match ext.as_deref() {
        Some("geojson" | "json") => "the file has no features",
        Some("shp" | "zip" | "gpkg") => "the layer has no features",
        Some("kml" | "kmz") => "the file has no placemarks",
        Some("xlsx" | "xlsm" | "xls" | "ods") => "the sheet has a header but no data rows",
        _ => "the file has a header but no data rows",
    }
}

/// File-level hints: swapped columns, points outside China or Shenzhen, duplicate ids.
fn finish_report(report: &mut LoadReport, firms: &Firms, id_hashes: Option<Vec<u64>>) {
    use rayon::prelude::*;
    // Counted on what was kept (after stray screening), so the warnings match the data.
    let (outside_china, outside_sz) = firms
        .lonlat
        .par_iter()
        .map(|p| {
            let sz = (113.6..=114.8).contains(&p.lon) && (22.3..=22.95).contains(&p.lat);
            (usize::from(!in_china_box(*p)), usize::from(!sz))
        })
        .reduce(|| (0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
    let swapped = report.skipped_by_kind.get("swapped").copied().unwrap_or(0);
    if swapped > 0 && swapped * 2 >= report.read {
        report.warn(format!(
            "{swapped} of {} rows look like latitude,longitude instead of longitude,latitude: \
             the columns may be exchanged; name them explicitly (--lon-col/--lat-col)",
            report.read
        ));
    }
    if outside_china > 0 {
        report.warn(format!(
            "{outside_china} firms lie outside China: check the coordinate columns and system"
        ));
    }
    if outside_sz > 0 && outside_sz > outside_china {
        report.warn(format!(
            "{outside_sz} firms lie outside the Shenzhen area (they are kept)"
        ));
    }
    if let Some(c) = firms.id_col {
        let dups = repeated_ids(firms, c, id_hashes);
        if dups > 0 {
            report.warn(format!(
                "{dups} firm ids are repeated; outputs keep every row"
            ));
        }
    }
}
