//! A table as the window shows it (zones, firms, load report) saved as CSV for Excel: UTF-8
//! with a byte-order mark, so Excel on a Chinese Windows reads 中文 correctly instead of
//! guessing GBK.

use std::io::Write;

/// The UTF-8 byte-order mark Excel looks for.
pub const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Writes `header` and `rows` as CSV (quoted where needed) after a UTF-8 BOM.
pub fn write_table_csv<R, C>(w: &mut dyn Write, header: &[&str], rows: R) -> std::io::Result<()>
where
    R: IntoIterator<Item = C>,
    C: IntoIterator,
    C::Item: AsRef<[u8]>,
{
    w.write_all(UTF8_BOM)?;
    let mut out = csv::Writer::from_writer(w);
    out.write_record(header)?;
    for row in rows {
        out.write_record(row)?;
    }
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bom_then_quoted_csv_that_reads_back() {
        let mut buf = Vec::new();
        let rows = vec![
            vec!["Z03".to_string(), "龙华, 观澜".to_string()],
            vec!["Z04".into(), "say \"hi\"".into()],
        ];
        write_table_csv(&mut buf, &["id", "名称"], rows).unwrap();
        assert!(buf.starts_with(UTF8_BOM));
        let text = std::str::from_utf8(&buf[3..]).unwrap();
        assert_eq!(
            text,
            "id,名称\nZ03,\"龙华, 观澜\"\nZ04,\"say \"\"hi\"\"\"\n"
        );
        let mut r = csv::Reader::from_reader(&buf[3..]);
        let back: Vec<csv::StringRecord> = r.records().map(|x| x.unwrap()).collect();
        assert_eq!(&back[0][1], "龙华, 观澜");
        assert_eq!(&back[1][1], "say \"hi\"");
    }
}
