//! Workbooks (Excel `.xlsx`/`.xls`, OpenDocument `.ods`, read with calamine) as firm tables:
//! the sheet chosen by name or number, title and note rows above the header skipped and
//! reported, dates written as `YYYY-MM-DD` and numbers as typed, then handed to the CSV loader
//! so columns are detected and rows checked the same way.

use std::io::Cursor;

use calamine::{Data, Reader, open_workbook_auto_from_rs};

use super::format_error;
use crate::data::LoadError;

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

fn cell(c: &Data) -> String {
    match c {
        Data::Int(i) => i.to_string(),
        Data::Float(f) => number(*f),
        Data::String(s) => s.trim().to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) if d.is_datetime() => excel_date(d.as_f64()),
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

/// Reads one sheet (by name, or 1-based number; the first with data when None) as CSV text.
pub fn read(bytes: &[u8], path: &str, sheet: Option<&str>) -> Result<SheetTable, LoadError> {
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
    let wanted: Vec<String> = match sheet {
        Some(s) => {
            let by_name = sheets
                .iter()
                .find(|n| n.as_str() == s || n.eq_ignore_ascii_case(s));
            let by_number = s
                .trim()
                .parse::<usize>()
                .ok()
                .and_then(|k| sheets.get(k.wrapping_sub(1)));
            match by_name.or(by_number) {
                Some(n) => vec![n.clone()],
                None => {
                    return Err(format_error(
                        path,
                        format!("no sheet '{s}'; the sheets are {}", sheets.join(", ")),
                    ));
                }
            }
        }
        None => sheets.clone(),
    };
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
        let skipped_above: Vec<String> = rows[..h]
            .iter()
            .map(|r| {
                r.iter()
                    .filter(|c| !c.is_empty())
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .filter(|t| !t.is_empty())
            .collect();
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
