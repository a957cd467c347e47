//! Writers for `firms.csv` and `clusters.geojson`, and the input stamp.

use std::borrow::Cow;
use std::io::{self, Write};

use serde_json::{Value, json};

use crate::analysis::{ClusterSummary, Placement};
use crate::model::quotes::UndoneRow;
use crate::model::{Firms, RowView, Zone};

const LEAD: [&str; 7] = [
    "id",
    "zone_id",
    "nearest_zone_id",
    "nearest_zone_m",
    "cluster",
    "wgs84_lon",
    "wgs84_lat",
];

/// `id,zone_id,nearest_zone_id,nearest_zone_m,cluster,wgs84_lon,wgs84_lat`, then the input's
/// own columns (the input's id column is not repeated; other clashing names get an `input_`
/// prefix). The WGS-84 position is the one analysed, whatever system the input was in, so
/// the file overlays `clusters.geojson` exactly. Needs only the DBSCAN `labels` and the
/// zone `placement`, so it can be written while the statistics are still computed.
pub fn write_firms_csv(
    w: &mut (dyn Write + Send),
    firms: &Firms,
    zones: &[Zone],
    labels: &[i32],
    placement: &Placement,
) -> io::Result<()> {
    // At least 32 blocks, so writing overlaps formatting on small files too (100k register
    // analyze 146 -> 139 ms, median of 12 interleaved runs); at most 32,768 rows a block.
    let block = (firms.len() / 32).clamp(2048, 32_768);
    write_in_blocks(w, firms, zones, labels, placement, block)
}

/// [`write_firms_csv`] with rows formatted `block` at a time (in parallel blocks, written in
/// order, a few blocks at a time).
fn write_in_blocks(
    w: &mut (dyn Write + Send),
    firms: &Firms,
    zones: &[Zone],
    labels: &[i32],
    placement: &Placement,
    block: usize,
) -> io::Result<()> {
    use rayon::prelude::*;
    let own: Vec<usize> = (0..firms.attrs.n_cols())
        .filter(|c| Some(*c) != firms.id_col)
        .collect();
    let mut header: Vec<String> = LEAD.iter().map(|s| s.to_string()).collect();
    for &c in &own {
        let h = &firms.attrs.headers[c];
        header.push(if LEAD.contains(&h.as_str()) {
            format!("input_{h}")
        } else {
            h.clone()
        });
    }
    {
        let mut out = csv::WriterBuilder::new().from_writer(&mut *w);
        out.write_record(&header)?;
        out.flush()?;
    }
    let zone_id = |z: Option<u32>| {
        z.and_then(|z| zones.get(z as usize))
            .map(|z| z.id.as_str())
            .unwrap_or("")
    };
    let n = firms.len();
    let block = block.max(1);
    let n_blocks = n.div_ceil(block);
    let wave = rayon::current_num_threads().max(1) * 2;
    let n_cols = firms.attrs.n_cols();
    // Written blocks' buffers are formatted into again: a fresh one faults in every page
    // (a block is a separate mapping, `model::memory`), 100,000 faults at 4 million firms.
    // The same for the buffers the rows are read back into (when their text was let go).
    // A block's rows may lie in a few chunks of the input (one buffer each); the pools keep
    // what the blocks in flight use and let go of the rest.
    let spare = Spare::new(2 * wave);
    // (With fewer than a block's chunks, most rows were read into fresh memory: 4M register,
    // 520 MB of page faults.)
    let chunks_per_block = firms.attrs.chunks_over(0..n).div_ceil(n_blocks.max(1));
    let spare_in = Spare::new(2 * wave * (chunks_per_block + 1));
    let format_block = |b: usize| -> io::Result<Vec<u8>> {
        let mut out = spare
            .take()
            .unwrap_or_else(|| Vec::with_capacity(block * 128));
        // The block's rows (read back from the input when `analyze` let their text go).
        let rows_of_block = b * block..((b + 1) * block).min(n);
        let wanted = firms.attrs.chunks_over(rows_of_block.clone());
        let mut read_into: Vec<Vec<u8>> = spare_in.take_up_to(wanted);
        let rows = firms
            .attrs
            .rows_in_as_lines(rows_of_block.clone(), &mut read_into)?;
        let (mut commas, mut undone) = (Vec::new(), UndoneRow::default());
        for i in rows_of_block {
            let row = rows.view(i);
            let split = split_line(&row, n_cols, firms.id_col, &mut commas);
            let undo = split.is_none() && undo_line(&row, &mut undone);
            let id = match &split {
                Some(s) => Firms::id_or_row_number(s.id.as_deref(), i),
                None if undo => {
                    let id = firms.id_col.map(|c| undone.field(c).unwrap_or(""));
                    Firms::id_or_row_number(id, i)
                }
                None => firms.id_in(&row, i),
            };
            push_field(&mut out, &id);
            out.push(b',');
            push_field(&mut out, zone_id(placement.zone(i)));
            out.push(b',');
            push_field(&mut out, zone_id(placement.nearest_zone(i)));
            let d = placement.nearest_m[i];
            out.push(b',');
            if d.is_finite() {
                super::number::push_fixed(&mut out, d, 2);
            }
            out.push(b',');
            super::number::push_int(&mut out, i64::from(labels.get(i).copied().unwrap_or(-1)));
            let p = firms.lonlat[i];
            out.push(b',');
            super::number::push_fixed(&mut out, p.lon, 6);
            out.push(b',');
            super::number::push_fixed(&mut out, p.lat, 6);
            let own = match (&split, undo) {
                (Some(s), _) => Own::Split(s),
                (None, true) => Own::Undone((&undone, n_cols)),
                (None, false) => Own::Row(row),
            };
            push_own_columns(&mut out, own, firms.id_col);
            out.push(b'\n');
        }
        rows.recycle(&mut read_into);
        spare_in.give(read_into);
        Ok(out)
    };
    // Format the next wave while the previous one is written. The writes stay on this
    // thread, outside the thread pool: a pool thread waiting on the disk would leave the
    // formatting one core (4M register: the cores were 65 % busy while it ran alone).
    let mut pending: Vec<Vec<u8>> = Vec::new();
    let mut start = 0;
    loop {
        let end = (start + wave).min(n_blocks);
        let format_wave = || {
            (start..end)
                .into_par_iter()
                .map(format_block)
                .collect::<Vec<io::Result<Vec<u8>>>>()
        };
        let mut write_wave = || pending.iter().try_for_each(|b| w.write_all(b));
        // Called from a pool thread (not by `analyze`), waiting outside the pool could
        // deadlock a pool of one: there both halves go to the pool, as before.
        let (formatted, written) = if rayon::current_thread_index().is_some() {
            rayon::join(format_wave, write_wave)
        } else {
            std::thread::scope(|s| {
                let formatting = s.spawn(format_wave);
                let written = write_wave();
                let formatted = formatting
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                (formatted, written)
            })
        };
        written?;
        spare.give(pending.drain(..).map(|mut b| {
            b.clear();
            b
        }));
        pending = formatted.into_iter().collect::<io::Result<Vec<_>>>()?;
        if start >= n_blocks {
            break;
        }
        start = end;
    }
    Ok(())
}

/// Buffers shared by the threads formatting `firms.csv`, to be used again: at most `cap`
/// are kept.
struct Spare {
    buffers: std::sync::Mutex<Vec<Vec<u8>>>,
    cap: usize,
}

impl Spare {
    fn new(cap: usize) -> Self {
        Self {
            buffers: Default::default(),
            cap,
        }
    }

    fn take(&self) -> Option<Vec<u8>> {
        self.buffers.lock().ok().and_then(|mut s| s.pop())
    }

    fn take_up_to(&self, n: usize) -> Vec<Vec<u8>> {
        let Ok(mut s) = self.buffers.lock() else {
            return Vec::new();
        };
        let from = s.len().saturating_sub(n);
        s.split_off(from)
    }

    fn give(&self, buffers: impl IntoIterator<Item = Vec<u8>>) {
        if let Ok(mut s) = self.buffers.lock() {
            let room = self.cap.saturating_sub(s.len());
            s.extend(buffers.into_iter().take(room));
        }
    }
}

/// Appends a CSV field, quoted when it holds a comma, quote or line break (as the csv
/// crate's writer does: quotes doubled inside).
fn push_field(out: &mut Vec<u8>, s: &str) {
    if !s.bytes().any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r')) {
        out.extend_from_slice(s.as_bytes());
        return;
    }
    out.push(b'"');
    for b in s.bytes() {
        if b == b'"' {
            out.push(b'"');
        }
        out.push(b);
    }
    out.push(b'"');
}

/// A comma-separated line row that has every column, split by one scan of its commas: its id
/// field as [`RowView::get`] reads it (None: no id column), and the text around it.
struct Split<'a> {
    id: Option<Cow<'a, str>>,
    before: &'a str,
    after: &'a str,
}

/// [`Split`] of a row kept as its line (None for other rows: they are read field by field).
/// `commas` is scratch space.
fn split_line<'a>(
    row: &RowView<'a>,
    n_cols: usize,
    id_col: Option<usize>,
    commas: &mut Vec<usize>,
) -> Option<Split<'a>> {
    let (line, lines) = row.line().filter(|(_, l)| l.delimiter == b',')?;
    commas.clear();
    commas.extend(crate::model::scan::Separators::with_quotes(
        line.as_bytes(),
        b',',
        b'\n',
        lines.quoted,
    ));
    if commas.len() + 1 != n_cols {
        return None;
    }
    let Some(k) = id_col else {
        return Some(Split {
            id: None,
            before: line,
            after: "",
        });
    };
    let start = match k.checked_sub(1) {
        Some(p) => commas.get(p)? + 1,
        None => 0,
    };
    let end = commas.get(k).copied().unwrap_or(line.len());
    let raw = line.get(start..end)?;
    let id = crate::model::quotes::unescape_field(raw.strip_suffix('\r').unwrap_or(raw));
    // Without the id and one comma beside it (pandas writes its index first, the id second).
    let (before, after) = match k.checked_sub(1) {
        None => ("", line.get(commas.first()? + 1..)?),
        Some(p) => (line.get(..*commas.get(p)?)?, line.get(end..)?),
    };
    Some(Split {
        id: Some(id),
        before,
        after,
    })
}

/// Undoes a row kept as its line into `undone` when its quotes hold doubled ones (a row read
/// back as its line: [`crate::model::AttrTable::rows_in_as_lines`]); false for other rows.
fn undo_line(row: &RowView, undone: &mut UndoneRow) -> bool {
    match row.line() {
        Some((line, lines))
            if lines.quoted && crate::model::quotes::has_escaped_quote(line.as_bytes()) =>
        {
            undone.undo(line, lines.delimiter);
            true
        }
        _ => false,
    }
}

/// A row's own columns as the writer reads them.
enum Own<'r, 'a> {
    /// Its line, [`split_line`] around the id.
    Split(&'r Split<'a>),
    /// Its line's fields undone (its quotes hold doubled ones), as many as the header has.
    Undone((&'r UndoneRow, usize)),
    Row(RowView<'a>),
}

/// The row's own columns (all but the id), each preceded by a comma: copied from its line
/// around the id when it was [`split_line`], else field by field.
fn push_own_columns(out: &mut Vec<u8>, own: Own, id_col: Option<usize>) {
    let mut push = |fields: &mut dyn Iterator<Item = &str>| {
        for (c, f) in fields.enumerate() {
            if Some(c) != id_col {
                out.push(b',');
                push_field(out, f);
            }
        }
    };
    match own {
        Own::Split(s) => {
            out.push(b',');
            out.extend_from_slice(s.before.as_bytes());
            out.extend_from_slice(s.after.as_bytes());
        }
        Own::Undone((u, n_cols)) => {
            push(&mut (0..n_cols).map(|c| u.field(c).unwrap_or("")));
        }
        Own::Row(row) => push(&mut row.fields()),
    }
}

fn cluster_feature(c: &ClusterSummary) -> Value {
    let ring: Vec<[f64; 2]> = c
        .hull
        .iter()
        .map(|p| [round6(p.lon), round6(p.lat)])
        .collect();
    let geometry = if ring.len() >= 4 {
        json!({"type": "Polygon", "coordinates": [ring]})
    } else if ring.len() >= 2 {
        json!({"type": "LineString", "coordinates": ring})
    } else {
        json!({"type": "Point", "coordinates": [round6(c.centroid.lon), round6(c.centroid.lat)]})
    };
    json!({
        "type": "Feature",
        "properties": {
            "cluster": c.id,
            "size": c.size,
            "dominant_segment": c.dominant_segment,
            "segment_counts": c.segment_counts,
            "hull_area_km2": (c.hull_area_km2 * 1e4).round() / 1e4,
            "centroid_lon": round6(c.centroid.lon),
            "centroid_lat": round6(c.centroid.lat),
            "zones": c.zones,
        },
        "geometry": geometry,
    })
}

fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// Cluster hulls with size and dominant segment, WGS-84.
pub fn write_clusters_geojson(
    w: &mut dyn Write,
    clusters: &[ClusterSummary],
    params: &Value,
) -> io::Result<()> {
    let fc = json!({
        "type": "FeatureCollection",
        "name": "dbscan_clusters",
        "parameters": params,
        "features": clusters.iter().map(cluster_feature).collect::<Vec<_>>(),
    });
    serde_json::to_writer_pretty(&mut *w, &fc)?;
    w.write_all(b"\n")
}

/// Hot-spot cells as a GeoJSON FeatureCollection of squares in WGS-84 (corners unprojected
/// from the plane), with their counts, z, p, q and class; the fishnet's parameters at the top.
pub fn write_hotspots_geojson(
    w: &mut dyn Write,
    h: &crate::analysis::hotspots::Hotspots,
    proj: &crate::crs::Projection,
) -> io::Result<()> {
    let r7 = |v: f64| (v * 1e7).round() / 1e7;
    writeln!(
        w,
        "{{\"type\":\"FeatureCollection\",\"name\":\"hotspots\",\"cell_m\":{},\"band_m\":{},\"fdr\":{},\"method\":{},\"features\":[",
        h.cell_m,
        h.band_m,
        h.fdr,
        serde_json::to_string(&h.method).unwrap_or_default()
    )?;
    let half = h.cell_m / 2.0;
    for (k, c) in h.cells.iter().enumerate() {
        let corners = [
            (-half, -half),
            (half, -half),
            (half, half),
            (-half, half),
            (-half, -half),
        ];
        let ring: Vec<String> = corners
            .iter()
            .map(|(dx, dy)| {
                let ll = proj.unproject(crate::model::Xy::new(c.x_m + dx, c.y_m + dy));
                format!("[{},{}]", r7(ll.lon), r7(ll.lat))
            })
            .collect();
        let centre = proj.unproject(crate::model::Xy::new(c.x_m, c.y_m));
        let label = match c.class {
            3 => "hot_99",
            2 => "hot_95",
            1 => "hot_90",
            -1 => "cold_90",
            -2 => "cold_95",
            -3 => "cold_99",
            _ => "not_significant",
        };
        let num = |v: f64| {
            if v.is_finite() {
                format!("{v}")
            } else {
                "null".into()
            }
        };
        write!(
            w,
            "{}{{\"type\":\"Feature\",\"properties\":{{\"id\":{k},\"col\":{},\"row\":{},\"x_m\":{},\"y_m\":{},\"lon\":{},\"lat\":{},\"count\":{},\"z\":{},\"p\":{},\"p_norm\":{},\"q\":{},\"class\":{},\"class_label\":\"{label}\"}},\"geometry\":{{\"type\":\"Polygon\",\"coordinates\":[[{}]]}}}}",
            if k == 0 { "" } else { ",\n" },
            c.col,
            c.row,
            c.x_m,
            c.y_m,
            r7(centre.lon),
            r7(centre.lat),
            c.count,
            num(c.z),
            num(c.p),
            num(c.p_norm),
            num(c.q),
            c.class,
            ring.join(",")
        )?;
    }
    writeln!(w, "\n]}}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{FirmLoadOptions, load_firms_csv_bytes};

    /// Blocks of any size give the same file as one block (the oracle): buffers formatted into
    /// again start empty, and blocks are written in order. Rows of unequal lengths, quoted
    /// fields and a line break inside one, so a reused buffer's old bytes would show.
    #[test]
    fn blocks_of_any_size_write_the_same_file() {
        let mut text = String::from("id,name,lon,lat\n");
        for i in 0..300 {
            let name = match i % 4 {
                0 => "短".to_string(),
                1 => format!("\"名,{}\"", "长".repeat(i % 37)),
                2 => "\"两\n行\"".to_string(),
                _ => "x".repeat(i % 11),
            };
            text.push_str(&format!(
                "F{i},{name},{},{}\n",
                113.8 + i as f64 * 1e-3,
                22.5
            ));
        }
        let f = load_firms_csv_bytes(text.as_bytes(), "t.csv", &FirmLoadOptions::default())
            .unwrap()
            .firms;
        assert_eq!(f.len(), 300);
        let labels: Vec<i32> = (0..300).map(|i| i % 5 - 1).collect();
        let mut placement = Placement::default();
        placement.nearest_m = (0..300).map(|i| i as f64 * 12.345).collect();
        let write = |block| {
            let mut out = Vec::new();
            write_in_blocks(&mut out, &f, &[], &labels, &placement, block).unwrap();
            out
        };
        let one = write(1_000);
        assert_eq!(String::from_utf8_lossy(&one).matches("F299,").count(), 1);
        for block in [1, 2, 3, 7, 64, 299] {
            assert!(write(block) == one, "block {block}");
        }
    }

    /// Rows whose quotes hold doubled ones (guarded cells, quoted names; comma and
    /// semicolon files, a short row, the id among them), read back as their lines once the
    /// text is let go: the file holds the values written from the rows in memory (the
    /// oracle, read by the csv crate).
    #[test]
    fn rows_read_back_as_lines_write_the_values_held_in_memory() {
        let dir = std::env::temp_dir().join(format!("ca-files-undone-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for sep in [",", ";"] {
            let mut text = ["id", "name", "lon", "lat", "seg"].join(sep) + "\n";
            for i in 0..200 {
                let cells = match i % 4 {
                    0 => vec![format!("\"=\"\"F{i}\"\"\""), "\"a\"\"b\"".into()],
                    1 => vec![format!("=\"F{i}\""), "\"=\"\"x; y, z\"\"\"".into()],
                    2 => vec![format!("F{i}"), "plain".into()],
                    _ => vec![format!("\"F\"\"{i}\""), "\"q\"".into()],
                };
                let mut row = cells.join(sep) + sep + &format!("114.{i:03}{sep}22.5");
                if i % 7 != 0 {
                    row += &format!("{sep}\"s\"\"{i}\"");
                }
                text += &(row + "\n");
            }
            let path = dir.join("firms.csv");
            std::fs::write(&path, &text).unwrap();
            let mut f = crate::data::load_firms(&path, &Default::default())
                .unwrap()
                .firms;
            assert_eq!(f.len(), 200);
            let (labels, mut placement) = (vec![0; 200], Placement::default());
            placement.nearest_m = vec![1.0; 200];
            let write = |f: &Firms| {
                let mut out = Vec::new();
                write_in_blocks(&mut out, f, &[], &labels, &placement, 64).unwrap();
                let records: Vec<csv::StringRecord> = csv::Reader::from_reader(out.as_slice())
                    .records()
                    .map(Result::unwrap)
                    .collect();
                records
            };
            let in_memory = write(&f);
            assert!(f.attrs.release_text(&path).unwrap());
            assert_eq!(write(&f), in_memory, "{sep}");
            assert_eq!(&in_memory[1][0], "F1");
            assert_eq!(&in_memory[3][0], "F\"3");
            assert_eq!(&in_memory[1][7], "=\"x; y, z\"");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// Own columns as the csv crate's writer writes them (the oracle), for rows kept as lines
    /// and as fields: quotes, commas and line breaks inside fields (of rows kept as lines
    /// too), ragged rows, semicolons, id columns first, elsewhere and absent.
    #[test]
    fn own_columns_match_the_csv_writer() {
        let texts = [
            "id,name,lon,lat,x\nA1,甲,114.0,22.5,1\nA2,乙,114.1,22.6\nA3,丙,114.2,22.7,3,extra\n",
            "id,name,lon,lat\nB1,\"有,逗号\",114.0,22.5\nB2,\"引\"\"号\",114.1,22.6\nB3,\"多\n行\",114.2,22.7\n",
            "name;id;lon;lat\nC,1;X1;114,0;22,5\nD;X2;114,1;22,6\n",
            "name,lon,lat\n无编号,114.0,22.5\n,114.1,22.6\n",
            // Kept as lines with commas inside quotes; the last row is short a field, and its
            // commas would count a whole row if the quoted one were counted.
            "id,name,lon,lat,x\nQ1,\"南山, 3 楼\",114.0,22.5,1\n\"Q,2\",乙,114.1,22.6,2\nQ3,\"a,b\",114.3,22.8\n",
            // pandas' shape: its index first, the id second; and the id last.
            ",firm_id,name,lon,lat\n0,P1,\"甲,乙\",114.0,22.5\n1,P2,乙,114.1,22.6\n",
            "name,lon,lat,id\n甲,114.0,22.5,L1\n\"a,b\",114.1,22.6,L2\n,114.2,22.7,\n",
            // Kept as lines with line ends inside quotes (CRLF too), the id column first.
            "id,name,lon,lat\r\nM1,\"a\r\nb\",114.0,22.5\r\n\"M\n2\",\"c, d\ne\",114.1,22.6\r\n",
        ];
        let mut splits = 0;
        for text in texts {
            let f = load_firms_csv_bytes(text.as_bytes(), "t.csv", &FirmLoadOptions::default())
                .unwrap()
                .firms;
            let n_cols = f.attrs.n_cols();
            for i in 0..f.len() {
                let row = f.attrs.row_view(i);
                let mut ours = Vec::new();
                let split = split_line(&row, n_cols, f.id_col, &mut Vec::new());
                // The id read from the split line is the one the row gives.
                if let Some(Split { id: Some(id), .. }) = &split {
                    assert_eq!(*id, row.get(f.id_col.unwrap()), "{text:?} row {i}");
                }
                splits += usize::from(split.is_some());
                let own = match &split {
                    Some(s) => Own::Split(s),
                    None => Own::Row(row),
                };
                push_own_columns(&mut ours, own, f.id_col);
                let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
                w.write_field("lead").unwrap();
                for (c, field) in row.fields().enumerate() {
                    if Some(c) != f.id_col {
                        w.write_field(field).unwrap();
                    }
                }
                w.write_record(std::iter::empty::<&[u8]>()).unwrap();
                let want = w.into_inner().unwrap();
                let mut got = b"lead".to_vec();
                got.extend(ours);
                got.push(b'\n');
                assert_eq!(
                    String::from_utf8_lossy(&got),
                    String::from_utf8_lossy(&want),
                    "{text:?} row {i}"
                );
                if text.contains("M1") || text.contains("P1") {
                    assert!(row.line().is_some(), "row {i} is kept as its line");
                }
            }
        }
        // Most rows were split from their lines (the rest read field by field).
        assert!(splits >= 12, "{splits}");
    }
}
