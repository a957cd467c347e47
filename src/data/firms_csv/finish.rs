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
    let headers = &firms.attrs.headers;
    report.notes.extend(missing_columns(
        headers,
        firms.segment_col.is_some(),
        times.is_some(),
    ));
    Ok(LoadedFirms {
        firms,
        report,
        times: times.map(std::sync::Arc::new),
    })
}

/// Notes for a segment or founding-date column not found, with a header that may hold it: a
/// lone `type` or `year` is not taken by itself (`企业类型` is a legal form; a `year` may be
/// the record's year), but the user should hear of it, and of what is off without it.
fn missing_columns(headers: &[String], has_segment: bool, has_dates: bool) -> Vec<String> {
    let lone = |words: &[&str]| {
        let loose = |h: &String| crate::data::header_words::loose(h);
        headers.iter().find(|h| words.contains(&loose(h).as_str()))
    };
    let maybe = |h: Option<&String>, what: &str, flag: &str| match h {
        Some(h) => format!("; column '{h}' may hold {what} (--{flag} '{h}')"),
        None => String::new(),
    };
    let mut notes = Vec::new();
    if !has_segment {
        let h = lone(&["type", "kind", "类型"]);
        notes.push(format!(
            "no segment column found, so every firm's segment is unknown (grey on the map, a \
             neutral industry fit in the advice); name it with --segment-col or in the import \
             dialog{}",
            maybe(h, "segments", "segment-col")
        ));
    }
    if !has_dates {
        let h = lone(&["year", "yr", "年份", "年度", "年"]);
        notes.push(format!(
            "no founding-date column found, so the year view, the growth comparison after \
             designation and --year are off; name it with --founded-col or in the import dialog{}",
            maybe(h, "founding years", "founded-col")
        ));
    }
    notes
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
        let (dups, blank) = repeated_ids(firms, c, id_hashes);
        if dups > 0 {
            report.warn(format!(
                "{dups} firm ids are repeated; outputs keep every row"
            ));
        }
        if blank > 0 {
            report.notes.push(format!(
                "{blank} firms have no id; they are named by their place among the firms loaded (#1, #2 …)"
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{FirmLoadOptions, load_firms_csv_bytes};

    fn notes_of(csv: &str) -> Vec<String> {
        let f = load_firms_csv_bytes(csv.as_bytes(), "f.csv", &FirmLoadOptions::default());
        f.map(|f| f.report.notes).unwrap_or_default()
    }

    #[test]
    fn a_missing_segment_or_founding_column_is_noted_with_the_header_that_may_hold_it() {
        let notes = notes_of("ID,Name,Lon,Lat,Type,Year\nG1,a,114.05,22.54,optics,2015\n");
        let seg = notes.iter().find(|n| n.starts_with("no segment column"));
        let dates = notes
            .iter()
            .find(|n| n.starts_with("no founding-date column"));
        assert!(
            seg.is_some_and(|n| n.contains("--segment-col 'Type'")),
            "{notes:?}"
        );
        assert!(
            dates.is_some_and(|n| n.contains("--founded-col 'Year'")),
            "{notes:?}"
        );
        // Without such a header the notes still say what is off, naming no column.
        let notes = notes_of("lon,lat\n114.05,22.54\n");
        assert_eq!(notes.len(), 2, "{notes:?}");
        assert!(notes.iter().all(|n| !n.contains("may hold")), "{notes:?}");
        // Found columns give no such note.
        let notes = notes_of("id,lon,lat,segment,founded\n1,114.05,22.54,optics,2015\n");
        assert!(notes.iter().all(|n| !n.starts_with("no ")), "{notes:?}");
        assert_eq!(missing_columns(&["年份".into()], true, false).len(), 1);
    }
}
