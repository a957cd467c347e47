//! The .xlsx reader for large sheets: the workbook's parts read by [`super::book`], the sheet's
//! cells by [`super::cells`] on every core, the same table as calamine's path gives. A
//! workbook holding anything it does not read exactly is declined (`None`) and calamine
//! reads it; tests hold the two equal.

use std::io::Cursor;

use super::SheetTable;
use super::book;
use super::cells::{self, Part};
use super::xml::Decline;
use crate::data::LoadError;

/// The sheet as [`super::read`] gives it, its XML cut into parts of about `part_len` bytes;
/// `None` when calamine must read the workbook.
pub fn read(
    bytes: &[u8],
    path: &str,
    sheet: Option<&str>,
    part_len: usize,
) -> Option<Result<SheetTable, LoadError>> {
    read_or_decline(bytes, path, sheet, part_len, None).ok()
}

/// The sheet's first rows, at least `rows` past its first cell's (for a preview: the rest
/// is not unpacked); its columns are those of these rows.
pub fn read_head(
    bytes: &[u8],
    path: &str,
    sheet: Option<&str>,
    rows: u32,
) -> Option<Result<SheetTable, LoadError>> {
    read_or_decline(bytes, path, sheet, 64 << 10, Some(rows)).ok()
}

fn read_or_decline(
    bytes: &[u8],
    path: &str,
    sheet: Option<&str>,
    part_len: usize,
    head: Option<u32>,
) -> Result<Result<SheetTable, LoadError>, Decline> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| Decline)?;
    let book = book::open(&mut zip, part_len)?;
    let names: Vec<String> = book.sheets.iter().map(|(n, _)| n.clone()).collect();
    // A sheet that is not there: calamine's path says so, with the same words.
    let wanted = super::wanted(&names, sheet, path).map_err(|_| Decline)?;
    for name in &wanted {
        let member = book
            .sheets
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, m)| m.as_str())
            .ok_or(Decline)?;
        let parts = super::stream::parts(&mut zip, member, &book, part_len, head)?;
        if parts.iter().all(|p| p.text.is_empty()) {
            continue;
        }
        let Some(b) = bounds(&parts) else {
            continue;
        };
        let (rows, cols) = (
            u64::from(b.rows.1 - b.rows.0) + 1,
            u64::from(b.cols.1 - b.cols.0) + 1,
        );
        if rows.saturating_mul(cols) > super::MAX_SHEET_CELLS {
            return Ok(Err(super::span_error(path, member, rows, cols)));
        }
        let top = cells::first_rows(&parts, b.rows.0, rows.min(30) as u32, b.cols);
        let h = super::header_index(&top);
        let skipped_above = super::skipped(&top, h);
        let csv = cells::write_csv(&parts, b.rows.0 + h as u32, b.cols)?;
        return Ok(Ok(SheetTable {
            csv,
            sheet: name.clone(),
            header_row: u64::from(b.rows.0) + h as u64 + 1,
            skipped_above,
            sheets: names,
        }));
    }
    // Every sheet empty: calamine's path says so.
    Err(Decline)
}

/// First and last row and column holding a cell (0-based, inclusive).
struct Bounds {
    rows: (u32, u32),
    cols: (u32, u32),
}

fn bounds(parts: &[Part]) -> Option<Bounds> {
    let all = || parts.iter().flat_map(|p| p.cells.iter());
    let first = parts.iter().find_map(|p| p.cells.first())?.0;
    let last = parts.iter().rev().find_map(|p| p.cells.last())?.0;
    let lo = all().map(|c| c.1).min()?;
    let hi = all().map(|c| c.1).max()?;
    Some(Bounds {
        rows: (first, last),
        cols: (lo, hi),
    })
}
