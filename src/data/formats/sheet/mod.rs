//! Workbooks (Excel `.xlsx`/`.xls`, OpenDocument `.ods`, read with calamine) as firm tables:
//! the sheet chosen by name or number, title and note rows above the header skipped and
//! reported, dates written as `YYYY-MM-DD` and numbers as typed, then handed to the CSV loader
//! so columns are detected and rows checked the same way.

use std::io::Cursor;

use calamine::{Data, Reader, open_workbook_auto_from_rs};

use super::format_error;
use crate::data::LoadError;

mod book;
mod cells;
mod fast;
#[cfg(test)]
mod fast_tests;
mod stream;
mod xml;

/// A sheet as CSV text, with where its header was.
pub struct SheetTable {
    pub csv: String,
    pub sheet: String,
    /// 1-based sheet row of the header (CSV line n is sheet row `header_row + n - 1`).
    pub header_row: u64,
    /// Rows above the header that were skipped (title, notes), as text.
    pub skipped_above: Vec<String>,
    pub sheets: Vec<String>,
}

/// Days since 1970-01-01 → (year, month, day) (proleptic Gregorian; Howard Hinnant's
/// `civil_from_days`).
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// An Excel serial date (1900 system: day 25569 is 1970-01-01) as `YYYY-MM-DD`, with the time
/// when it has one.
pub fn excel_date(serial: f64) -> String {
    if !serial.is_finite() || !(0.0..3_000_000.0).contains(&serial) {
        return String::new();
    }
    let days = serial.floor() as i64 - 25_569;
    let (y, m, d) = civil_from_days(days);
    let secs = ((serial - serial.floor()) * 86_400.0).round() as i64;
    if secs == 0 || secs >= 86_400 {
        format!("{y:04}-{m:02}-{d:02}")
    } else {
        format!(
            "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
            secs / 3600,
            secs / 60 % 60,
            secs % 60
        )
    }
}

fn number(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        format!("{f}")
    }
}

/// Days from Excel's 1900 epoch to its 1904 one (old Mac workbooks count from 1904-01-01).
pub const DAYS_1900_TO_1904: f64 = 1462.0;

/// A date cell's serial in the 1900 system, whichever its workbook uses (calamine keeps the
/// system inside the value: a 1904 date differs from the same serial made for 1900).
fn serial_1900(d: &calamine::ExcelDateTime) -> f64 {
    let as_1900 =
        calamine::ExcelDateTime::new(d.as_f64(), calamine::ExcelDateTimeType::DateTime, false);
    if *d == as_1900 {
        d.as_f64()
    } else {
        d.as_f64() + DAYS_1900_TO_1904
    }
}

fn cell(c: &Data) -> String {
    match c {
        Data::Int(i) => i.to_string(),
        Data::Float(f) => number(*f),
        Data::String(s) => s.trim().to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) if d.is_datetime() => excel_date(serial_1900(d)),
        Data::DateTime(d) => number(d.as_f64()),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(_) | Data::Empty => String::new(),
    }
}

/// The header row among the first rows: the first with at least two text cells that is
/// nearly as wide as the table (a title or a note fills one cell).
fn header_index(rows: &[Vec<String>]) -> usize {
    let width = rows
        .iter()
        .take(30)
        .map(|r| r.iter().filter(|c| !c.is_empty()).count())
        .max()
        .unwrap_or(0);
    rows.iter()
        .take(30)
        .position(|r| {
            let filled = r.iter().filter(|c| !c.is_empty()).count();
            let text = r
                .iter()
                .filter(|c| !c.is_empty() && c.parse::<f64>().is_err())
                .count();
            text >= 2 && filled * 10 >= width * 6
        })
        .unwrap_or(0)
}

/// Most cells a sheet may span (rows × columns between its first and last cell): the reader
/// lays a sheet out densely, so a damaged file naming a far cell must not allocate terabytes.
pub const MAX_SHEET_CELLS: u64 = 50_000_000;

/// Largest unpacked workbook read (all its members together).
pub const MAX_UNPACKED: u64 = 1 << 30;

/// Column letters and row number of a cell reference (`AB12` → (27, 12)).
pub(super) fn cell_ref(r: &[u8]) -> Option<(u64, u64)> {
    let letters = r.iter().take_while(|b| b.is_ascii_alphabetic()).count();
    if letters == 0 || letters > 3 {
        return None;
    }
    let col = r[..letters].iter().fold(0u64, |a, b| {
        a * 26 + (b.to_ascii_uppercase() - b'A' + 1) as u64
    });
    let digits = r[letters..]
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .count();
    let row = std::str::from_utf8(&r[letters..letters + digits])
        .ok()?
        .parse()
        .ok()?;
    Some((col, row))
}

/// Checks an .xlsx before either reader opens it: no binary workbook, a size that unpacks
/// sanely, and a shared-string count that fits the file.
fn precheck_xlsx(bytes: &[u8], path: &str) -> Result<(), LoadError> {
    use std::io::Read;
    let Ok(mut zip) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        return Ok(()); // not a zip: .xls or .ods-less; the reader decides
    };
    let names = super::zip_names(&zip);
    // Members declare their unpacked size: a small file that unpacks to gigabytes is a bomb
    // (or damage), not a firm list.
    let mut total = 0u64;
    for i in 0..zip.len() {
        if let Ok(f) = zip.by_index_raw(i) {
            total = total.saturating_add(f.size());
        }
    }
    if total > MAX_UNPACKED {
        return Err(format_error(
            path,
            format!(
                "the workbook unpacks to {} MB (at most {} MB are read); export the sheet as CSV",
                total >> 20,
                MAX_UNPACKED >> 20
            ),
        ));
    }
    if names
        .iter()
        .any(|n| n.eq_ignore_ascii_case("xl/workbook.bin"))
    {
        return Err(format_error(
            path,
            "binary Excel workbooks (.xlsb) are not read; save the sheet as .xlsx or CSV",
        ));
    }
    if let Ok(f) = zip.by_name("xl/sharedStrings.xml") {
        let size = f.size();
        let mut head = Vec::new();
        let _ = f.take(64 << 10).read_to_end(&mut head);
        let text = String::from_utf8_lossy(&head);
        for key in ["uniqueCount=\"", "count=\""] {
            if let Some(at) = text.find(key) {
                let n: u64 = text[at + key.len()..]
                    .chars()
                    .take_while(|c| c.is_ascii_digit())
                    .collect::<String>()
                    .parse()
                    .unwrap_or(0);
                if n > size / 4 + 64 {
                    return Err(format_error(
                        path,
                        format!(
                            "the workbook claims {n} shared texts in {size} bytes; it is damaged"
                        ),
                    ));
                }
            }
        }
    }
    Ok(())
}

/// Checks that an .xlsx's sheets span a sane area before calamine lays them out densely
/// (the fast reader checks its own cells).
fn precheck_spans(bytes: &[u8], path: &str) -> Result<(), LoadError> {
    use std::io::Read;
    let Ok(mut zip) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        return Ok(());
    };
    let names = super::zip_names(&zip);
    for name in names
        .iter()
        .filter(|n| n.starts_with("xl/worksheets/") && n.ends_with(".xml"))
    {
        let Ok(f) = zip.by_name(name) else { continue };
        let mut reader = f.take(4 << 30);
        let (mut lo, mut hi) = ((u64::MAX, u64::MAX), (0u64, 0u64));
        let mut buf = vec![0u8; 1 << 16];
        let mut carry: Vec<u8> = Vec::new();
        loop {
            let n = reader.read(&mut buf).unwrap_or(0);
            if n == 0 {
                break;
            }
            let mut block = std::mem::take(&mut carry);
            block.extend_from_slice(&buf[..n]);
            let mut i = 0;
            while let Some(off) = block[i..].windows(4).position(|w| w == b" r=\"") {
                let at = i + off + 4;
                if let Some((c, r)) = block.get(at..(at + 16).min(block.len())).and_then(cell_ref) {
                    lo = (lo.0.min(c), lo.1.min(r));
                    hi = (hi.0.max(c), hi.1.max(r));
                }
                i = at;
            }
            carry = block[block.len().saturating_sub(24)..].to_vec();
        }
        if hi.0 >= lo.0 && hi.1 >= lo.1 && lo.0 != u64::MAX {
            let cells = (hi.0 - lo.0 + 1).saturating_mul(hi.1 - lo.1 + 1);
            if cells > MAX_SHEET_CELLS {
                return Err(span_error(path, name, hi.1 - lo.1 + 1, hi.0 - lo.0 + 1));
            }
        }
    }
    Ok(())
}

/// A sheet too large to lay out (or with a stray far cell).
fn span_error(path: &str, member: &str, rows: u64, cols: u64) -> LoadError {
    format_error(
        path,
        format!(
            "{member} spans {rows} rows × {cols} columns; a firm list that large (or a cell \
             typed far away by mistake) cannot be read: delete the stray cells or export the \
             sheet as CSV"
        ),
    )
}

/// Bytes of sheet XML each part of the fast reader takes (a few per core at 1M rows).
const PART_LEN: usize = 4 << 20;

/// Reads one sheet (by name, or 1-based number; the first with data when None) as CSV text.
/// An .xlsx is read by [`fast`] on every core when it holds only what that reader knows;
/// anything else, and .xls/.ods, by calamine.
pub fn read(bytes: &[u8], path: &str, sheet: Option<&str>) -> Result<SheetTable, LoadError> {
    precheck_xlsx(bytes, path)?;
    if let Some(table) = fast::read(bytes, path, sheet, PART_LEN) {
        return table;
    }
    read_with_calamine(bytes, path, sheet)
}

/// The first rows of a sheet for a preview (at least `rows` past its first cell's row, with
/// the header found as [`read`] finds it): an .xlsx is unpacked only that far; anything the
/// fast reader declines is read whole by calamine.
pub fn read_head(
    bytes: &[u8],
    path: &str,
    sheet: Option<&str>,
    rows: u32,
) -> Result<SheetTable, LoadError> {
    precheck_xlsx(bytes, path)?;
    if let Some(table) = fast::read_head(bytes, path, sheet, rows) {
        return table;
    }
    read_with_calamine(bytes, path, sheet)
}

/// [`read`] through calamine alone (also the fast reader's oracle in tests).
fn read_with_calamine(
    bytes: &[u8],
    path: &str,
    sheet: Option<&str>,
) -> Result<SheetTable, LoadError> {
    precheck_spans(bytes, path)?;
    let mut wb = open_workbook_auto_from_rs(Cursor::new(bytes)).map_err(|e| {
        format_error(
            path,
            format!(
                "cannot open the workbook ({e}); if it is password-protected, save an \
                 unprotected copy (or export the sheet as CSV)"
            ),
        )
    })?;
    let sheets = wb.sheet_names();
    if sheets.is_empty() {
        return Err(format_error(path, "the workbook has no sheets"));
    }
    let wanted = wanted(&sheets, sheet, path)?;
    for name in &wanted {
        let range = wb
            .worksheet_range(name)
            .map_err(|e| format_error(path, format!("cannot read sheet '{name}' ({e})")))?;
        let start_row = range.start().map(|(r, _)| r as u64).unwrap_or(0);
        let rows: Vec<Vec<String>> = range.rows().map(|r| r.iter().map(cell).collect()).collect();
        if rows.iter().all(|r| r.iter().all(String::is_empty)) {
            continue;
        }
        let h = header_index(&rows);
        let skipped_above = skipped(&rows, h);
        let mut w = csv::WriterBuilder::new()
            .flexible(true)
            .from_writer(Vec::new());
        for r in &rows[h..] {
            w.write_record(r)
                .map_err(|e| format_error(path, format!("cannot convert the sheet ({e})")))?;
        }
        let csv = String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default();
        return Ok(SheetTable {
            csv,
            sheet: name.clone(),
            header_row: start_row + h as u64 + 1,
            skipped_above,
            sheets: sheets.clone(),
        });
    }
    Err(format_error(
        path,
        match sheet {
            Some(s) => format!("sheet '{s}' is empty"),
            None => "every sheet of the workbook is empty".to_string(),
        },
    ))
}

/// The sheets to try: the one named (by name, or 1-based number), else all in order.
fn wanted(sheets: &[String], sheet: Option<&str>, path: &str) -> Result<Vec<String>, LoadError> {
    let Some(s) = sheet else {
        return Ok(sheets.to_vec());
    };
    let by_name = sheets
        .iter()
        .find(|n| n.as_str() == s || n.eq_ignore_ascii_case(s));
    let by_number = s
        .trim()
        .parse::<usize>()
        .ok()
        .and_then(|k| sheets.get(k.wrapping_sub(1)));
    match by_name.or(by_number) {
        Some(n) => Ok(vec![n.clone()]),
        None => Err(format_error(
            path,
            format!("no sheet '{s}'; the sheets are {}", sheets.join(", ")),
        )),
    }
}

/// The text of the rows above the header (title, notes), one line per row that has any.
fn skipped(rows: &[Vec<String>], header: usize) -> Vec<String> {
    rows.iter()
        .take(header)
        .map(|r| {
            r.iter()
                .filter(|c| !c.is_empty())
                .cloned()
                .collect::<Vec<_>>()
                .join(" ")
        })
        .filter(|t| !t.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serial_dates_match_known_days() {
        // Excel serials (1900 system) checked against Python's datetime(1899, 12, 30) + days.
        assert_eq!(excel_date(43_466.0), "2019-01-01");
        assert_eq!(excel_date(25_569.0), "1970-01-01");
        assert_eq!(excel_date(44_985.5), "2023-02-28 12:00:00");
        assert_eq!(excel_date(36_526.0), "2000-01-01");
        assert_eq!(excel_date(f64::NAN), "");
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
    }

    #[test]
    fn cell_references_are_read() {
        assert_eq!(cell_ref(b"A1\""), Some((1, 1)));
        assert_eq!(cell_ref(b"XFD1048576\""), Some((16384, 1_048_576)));
        assert_eq!(cell_ref(b"1A"), None);
    }

    #[test]
    fn the_header_is_found_below_a_title_and_a_note() {
        let rows: Vec<Vec<String>> = [
            vec!["深圳市 VR/AR 企业名录（2024）", "", "", ""],
            vec!["说明：坐标为高德（GCJ-02）", "", "", ""],
            vec!["企业名称", "统一社会信用代码", "经度", "纬度"],
            vec!["甲公司", "91440300X", "114.05", "22.54"],
        ]
        .iter()
        .map(|r| r.iter().map(|s| s.to_string()).collect())
        .collect();
        assert_eq!(header_index(&rows), 2);
        assert_eq!(header_index(&rows[2..]), 0);
    }
}
