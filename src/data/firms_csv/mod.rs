//! Firms from delimited text: comma, semicolon or tab; UTF-8 (BOM or not), UTF-16 or GBK;
//! longitude/latitude columns found from common English and Chinese headers.

use super::dates::DateColumns;
use super::text::decode_text;
use super::{FirmLoadOptions, LoadError, LoadReport, LoadedFirms};
use crate::crs::in_china_box;
use crate::model::{AttrTable, Firms, SegmentId};
#[cfg(test)]
use rows::parse_chunk_with;
use rows::{ChunkCtx, ChunkOut, RowExtras, parse_chunk};

mod chunks;
pub(crate) use chunks::LineCounter;
mod columns;
mod rows;

pub(crate) use columns::crs_hint;
pub use columns::{FirmColumns, detect_columns};

/// The delimiter with the most occurrences outside quotes in the header line.
pub(crate) fn sniff_delimiter(text: &str) -> u8 {
    let header = text.lines().next().unwrap_or("");
    let mut counts = [0usize; 3];
    let mut in_quotes = false;
    for c in header.chars() {
        match c {
            '"' => in_quotes = !in_quotes,
            ',' if !in_quotes => counts[0] += 1,
            ';' if !in_quotes => counts[1] += 1,
            '\t' if !in_quotes => counts[2] += 1,
            _ => {}
        }
    }
    let best = (0..3).max_by_key(|i| (counts[*i], 3 - i)).unwrap_or(0);
    if counts[best] == 0 {
        b','
    } else {
        [b',', b';', b'\t'][best]
    }
}

pub(crate) fn parse_number(s: &str, comma_decimal: bool) -> Option<f64> {
    if let Some(x) = plain_decimal(s.as_bytes()) {
        return Some(x);
    }
    let t = s.trim().trim_end_matches('°');
    if comma_decimal && t.contains(',') && !t.contains('.') {
        t.replace(',', ".").parse().ok()
    } else {
        t.parse().ok()
    }
}

/// A plain decimal (`-?digits[.digits]`, what coordinate columns hold) read exactly as
/// `str::parse` would, without its general machinery: when the digits form an integer m below
/// 2^53 and there are at most 22 decimals, m and 10^k are exact doubles and one correctly
/// rounded division gives the correctly rounded value (Clinger's fast path). Anything else
/// (exponents, spaces, long mantissas) returns None and takes the general parse.
fn plain_decimal(b: &[u8]) -> Option<f64> {
    const POW10: [f64; 23] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
        1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ];
    let (neg, digits) = match b.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, b),
    };
    if digits.is_empty() || digits.len() > 19 {
        return None;
    }
    let (mut m, mut n_digits, mut decimals, mut dot) = (0u64, 0, 0, false);
    for &c in digits {
        match c {
            b'0'..=b'9' => {
                m = m * 10 + u64::from(c - b'0');
                n_digits += 1;
                decimals += usize::from(dot);
            }
            b'.' if !dot => dot = true,
            _ => return None,
        }
    }
    if n_digits == 0 || m > 1 << 53 {
        return None;
    }
    let x = m as f64 / POW10.get(decimals)?;
    Some(if neg { -x } else { x })
}

/// Loads firms from the bytes of a delimited text file.
///
/// ```
/// use cluster_atlas::data::{load_firms_csv_bytes, FirmLoadOptions};
/// let csv = "编号,企业名称,经度,纬度\n1,\"示例, 公司\",114.05,22.54\n2,坏行,abc,22.5\n";
/// let f = load_firms_csv_bytes(csv.as_bytes(), "f.csv", &FirmLoadOptions::default()).unwrap();
/// assert_eq!(f.firms.len(), 1);
/// assert_eq!(f.firms.name(0), "示例, 公司");
/// assert_eq!(f.report.skipped[0].line, Some(3));
/// ```
pub fn load_firms_csv_bytes(
    bytes: &[u8],
    path: &str,
    opts: &FirmLoadOptions,
) -> Result<LoadedFirms, LoadError> {
    load_firms_csv_releasing(bytes, path, opts, &|_| {})
}

/// [`load_firms_csv_bytes`] that calls `release` on each part of `bytes` once it has been
/// read, so a memory-mapped file's pages can be dropped as the parse goes (a 3 GB file then
/// needs about its attribute columns in memory, not the file and a copy).
pub fn load_firms_csv_releasing(
    bytes: &[u8],
    path: &str,
    opts: &FirmLoadOptions,
    release: &(dyn Fn(&[u8]) + Sync),
) -> Result<LoadedFirms, LoadError> {
    // Chunks of at most 32 MB, so few pages are held at once on large files, and eight per
    // thread, so the threads finish together (4M firms: 0.585 → 0.556 s against four per thread).
    let n = (rayon::current_num_threads() * 8).max(bytes.len() / (32 << 20));
    load_csv_chunked(bytes, path, opts, n, release)
}

/// The loader with an explicit number of chunks parsed in parallel (1 = sequential).
fn load_csv_chunked(
    bytes: &[u8],
    path: &str,
    opts: &FirmLoadOptions,
    n_chunks: usize,
    release: &(dyn Fn(&[u8]) + Sync),
) -> Result<LoadedFirms, LoadError> {
    let decoded = decode_text(bytes, opts.encoding.as_deref(), path)?;
    let text: &str = &decoded.text;
    if text.trim().is_empty() {
        return Err(LoadError::Empty {
            path: path.to_string(),
        });
    }
    let delimiter = match opts.delimiter {
        Some(c) if c.is_ascii() => c as u8,
        Some(c) => {
            return Err(LoadError::Format {
                path: path.to_string(),
                message: format!("delimiter '{c}' is not a single-byte character"),
            });
        }
        None => sniff_delimiter(text),
    };
    let header = read_header(text, delimiter, path)?;
    let (headers, header_note) = columns::trim_header(header.names);
    let cols = detect_columns(&headers, opts, path)?;
    let mut report = LoadReport::new(path, opts.crs);
    if let Some(n) = header_note {
        report.warn(n);
    }
    report.encoding = Some(decoded.encoding.to_string());
    describe_columns(&mut report, &headers, &cols, delimiter, opts);

    let body = &text[header.body_start..];
    let chunks = chunks::split_chunks(body, n_chunks);
    release(body.as_bytes());
    let reader = super::reader_for(None, opts.crs, path)?;
    report.crs_used = Some(reader.label());
    let dates = DateColumns::find(&headers);
    let ctx = ChunkCtx {
        cols: &cols,
        reader: &reader,
        delimiter,
        // With ';' or tab between fields, "22,5" is a decimal comma.
        comma_decimal: delimiter != b',',
        headers: &headers,
        dates: dates.as_ref(),
        plain: chunks.plain,
    };
    let parts: Vec<(usize, usize, ChunkOut)> = {
        use rayon::prelude::*;
        chunks
            .pieces
            .par_iter()
            .map(|(start, end, first_line)| {
                let part = parse_chunk(&body[*start..*end], header.lines + first_line, &ctx);
                release(&body.as_bytes()[*start..*end]);
                (*start, *end, part)
            })
            .collect()
    };
    let (firms, extras) = merge_parts(parts, body, &ctx, &mut report);
    finish_firms(firms, report, opts, path, Some((extras, dates)))
}

/// The header record: its names, where the data starts and how many lines it took.
struct Header {
    names: Vec<String>,
    body_start: usize,
    lines: u64,
}

fn read_header(text: &str, delimiter: u8, path: &str) -> Result<Header, LoadError> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .has_headers(true)
        .from_reader(text.as_bytes());
    let names: Vec<String> = reader
        .headers()
        .map_err(|e| LoadError::Format {
            path: path.to_string(),
            message: format!("cannot read the header line ({e})"),
        })?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    Ok(Header {
        names,
        body_start: (reader.position().byte() as usize).min(text.len()),
        lines: reader.position().line().saturating_sub(1),
    })
}

/// Records the delimiter and the columns used in the report, with a hint when the
/// coordinate columns' names suggest another coordinate system.
fn describe_columns(
    report: &mut LoadReport,
    headers: &[String],
    cols: &FirmColumns,
    delimiter: u8,
    opts: &FirmLoadOptions,
) {
    report.delimiter = Some(
        match delimiter {
            b'\t' => "tab",
            b';' => "semicolon",
            b',' => "comma",
            _ => "other",
        }
        .to_string(),
    );
    if let Some(w) = crs_hint(&headers[cols.lon], &headers[cols.lat], opts.crs) {
        report.warn(w);
    }
    for (role, c) in [
        ("lon", Some(cols.lon)),
        ("lat", Some(cols.lat)),
        ("id", cols.id),
        ("name", cols.name),
        ("segment", cols.segment),
    ] {
        if let Some(c) = c {
            report.columns.insert(role.to_string(), headers[c].clone());
        }
    }
}

/// Joins the chunks' firms in file order (re-reading after a row with an unclosed quote),
/// mapping chunk-local segment ids to global ones and absorbing each chunk's report. The
/// columns are joined in parallel ([`concat_par`]).
fn merge_parts(
    parts: Vec<(usize, usize, ChunkOut)>,
    body: &str,
    ctx: &ChunkCtx,
    report: &mut LoadReport,
) -> (Firms, RowExtras) {
    use crate::model::memory::concat_par;
    use rayon::prelude::*;
    let cols = ctx.cols;
    let mut firms = Firms {
        id_col: cols.id,
        name_col: cols.name,
        segment_col: cols.segment,
        ..Default::default()
    };
    // The parts in file order, their segment ids made global.
    let mut done: Vec<ChunkOut> = Vec::with_capacity(parts.len());
    let mut queue: std::collections::VecDeque<(usize, usize, ChunkOut)> = parts.into();
    while let Some((start, end, mut part)) = queue.pop_front() {
        if let Some((off, line)) = part.resume {
            // Only the last chunk can end inside quotes; read what follows the bad row.
            let from = start + off;
            if let Some(rest) = body.get(from..end) {
                queue.push_front((from, end, parse_chunk(rest, line, ctx)));
            }
        }
        let remap: Vec<SegmentId> = part
            .segments
            .iter()
            .map(|name| Firms::intern_segment(&mut firms.segments, name))
            .collect();
        part.segment
            .par_iter_mut()
            .for_each(|s| *s = remap.get(usize::from(*s)).copied().unwrap_or(0));
        report.absorb(std::mem::take(&mut part.report));
        let stop = part.stopped;
        done.push(part);
        if stop {
            break;
        }
    }
    firms.lonlat = concat_par(&done.iter().map(|p| &p.lonlat[..]).collect::<Vec<_>>());
    firms.segment = concat_par(&done.iter().map(|p| &p.segment[..]).collect::<Vec<_>>());
    let extras = RowExtras {
        id_hash: concat_par(
            &done
                .iter()
                .map(|p| &p.extras.id_hash[..])
                .collect::<Vec<_>>(),
        ),
        founded: concat_par(
            &done
                .iter()
                .map(|p| &p.extras.founded[..])
                .collect::<Vec<_>>(),
        ),
        closed: concat_par(
            &done
                .iter()
                .map(|p| &p.extras.closed[..])
                .collect::<Vec<_>>(),
        ),
    };
    let mut attrs = AttrTable::new(ctx.headers.to_vec());
    for part in done {
        attrs.append(part.attrs);
    }
    firms.attrs = attrs;
    (firms, extras)
}

/// The last steps every firm loader shares: distant firms screened out (unless kept), the
/// report completed, the founding dates read, and an error when no firm is left. `read` holds
/// what the parse already took from each row (the CSV loader); without it the columns are read
/// here.
pub(super) fn finish_firms(
    mut firms: Firms,
    mut report: LoadReport,
    opts: &FirmLoadOptions,
    path: &str,
    read: Option<(RowExtras, Option<DateColumns>)>,
) -> Result<LoadedFirms, LoadError> {
    let (mut extras, dates) = read.unwrap_or_default();
    let from_parse = !extras.id_hash.is_empty() || !extras.founded.is_empty();
    if !opts.keep_distant
        && let Some(keep) = super::screen_strays(&mut firms, &mut report)
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
            Some(super::dates::times_from_years(
                &firms,
                &cols,
                extras.founded,
                extras.closed,
                &mut report,
            ))
        }
        _ => super::dates::detect_times(&firms, &mut report),
    };
    Ok(LoadedFirms {
        firms,
        report,
        times: times.map(std::sync::Arc::new),
    })
}

pub(super) fn no_rows_error(report: &LoadReport, path: &str) -> LoadError {
    if report.read == 0 {
        return LoadError::NoUsableRows {
            path: path.to_string(),
            reasons: "the file has a header but no data rows".into(),
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

/// File-level hints: swapped columns, points outside China or Shenzhen, duplicate ids.
pub(super) fn finish_report(report: &mut LoadReport, firms: &Firms, id_hashes: Option<Vec<u64>>) {
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

/// How many ids repeat an earlier one (rows minus distinct ids). Ids are sorted by a 64-bit
/// hash (a sort of integers, not of strings); only rows sharing a hash compare their text.
fn repeated_ids(firms: &Firms, col: usize, hashes: Option<Vec<u64>>) -> usize {
    use rayon::prelude::*;
    let hashes = hashes.unwrap_or_else(|| firms.attrs.map_column(col, |id| id_hash(id.as_bytes())));
    // Bucketed by the top bits, then each bucket (a few thousand values, in cache) sorted:
    // equal hashes end up side by side, as in a sort of the whole, at a fraction of its cost.
    let mut sorted = vec![0u64; hashes.len()];
    let pieces = bucket_by_top_bits(&hashes, &mut sorted);
    let (singles, shared): (usize, Vec<u64>) = pieces
        .into_par_iter()
        .map(|piece| {
            piece.sort_unstable();
            let mut singles = 0;
            let mut shared = Vec::new();
            for g in piece.chunk_by(|a, b| a == b) {
                match g {
                    [_] => singles += 1,
                    [h, ..] => shared.push(*h),
                    [] => {}
                }
            }
            (singles, shared)
        })
        .reduce(
            || (0, Vec::new()),
            |mut a, b| {
                a.1.extend(b.1);
                (a.0 + b.0, a.1)
            },
        );
    let shared: std::collections::HashSet<u64> = shared.into_iter().collect();
    if shared.is_empty() {
        return firms.len() - singles;
    }
    // Rows sharing a hash: the distinct texts among them.
    let mut groups: std::collections::HashMap<u64, Vec<&str>> = Default::default();
    for (i, h) in hashes.iter().enumerate() {
        if shared.contains(h) {
            groups.entry(*h).or_default().push(firms.attrs.get(i, col));
        }
    }
    let distinct: usize = groups
        .into_values()
        .map(|mut g| {
            g.sort_unstable();
            g.dedup();
            g.len()
        })
        .sum();
    firms.len() - singles - distinct
}

/// Bits of the hash that choose its bucket in [`repeated_ids`].
const BUCKET_BITS: u32 = 12;

/// Scatters `hashes` into `out` grouped by their top [`BUCKET_BITS`] bits (a radix pass) and
/// returns the groups in bucket order. Slices of the input are counted and scattered on all
/// threads, each into its own run of every bucket, so no two threads write the same place.
fn bucket_by_top_bits<'a>(hashes: &[u64], out: &'a mut [u64]) -> Vec<&'a mut [u64]> {
    use rayon::prelude::*;
    const B: usize = 1 << BUCKET_BITS;
    let bucket = |h: u64| (h >> (64 - BUCKET_BITS)) as usize;
    let slice = hashes
        .len()
        .div_ceil(rayon::current_num_threads().max(1) * 2)
        .max(1 << 14);
    let counts: Vec<Vec<usize>> = hashes
        .par_chunks(slice)
        .map(|part| {
            let mut c = vec![0usize; B];
            for h in part {
                c[bucket(*h)] += 1;
            }
            c
        })
        .collect();
    {
        // `out` cut bucket-major: bucket 0's run for slice 0, for slice 1, …, then bucket 1's.
        let mut runs: Vec<Vec<&mut [u64]>> = counts.iter().map(|_| Vec::with_capacity(B)).collect();
        let mut rest: &mut [u64] = &mut *out;
        for b in 0..B {
            for (s, c) in counts.iter().enumerate() {
                let (run, tail) = std::mem::take(&mut rest).split_at_mut(c[b]);
                runs[s].push(run);
                rest = tail;
            }
        }
        hashes
            .par_chunks(slice)
            .zip(runs.par_iter_mut())
            .for_each(|(part, runs)| {
                let mut fill = vec![0usize; B];
                for h in part {
                    let b = bucket(*h);
                    runs[b][fill[b]] = *h;
                    fill[b] += 1;
                }
            });
    }
    // Each bucket's runs lie side by side in `out`: one slice per bucket.
    let mut buckets = Vec::with_capacity(B);
    let mut rest = out;
    for b in 0..B {
        let total: usize = counts.iter().map(|c| c[b]).sum();
        let (piece, tail) = std::mem::take(&mut rest).split_at_mut(total);
        buckets.push(piece);
        rest = tail;
    }
    buckets
}

/// A fast 64-bit hash of an id's bytes (multiply–rotate over 8-byte words).
fn id_hash(b: &[u8]) -> u64 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut h = (b.len() as u64).wrapping_mul(K);
    let mut words = b.chunks_exact(8);
    for w in &mut words {
        let mut a = [0u8; 8];
        a.copy_from_slice(w);
        h = (h.rotate_left(5) ^ u64::from_le_bytes(a)).wrapping_mul(K);
    }
    let mut last = [0u8; 8];
    last[..words.remainder().len()].copy_from_slice(words.remainder());
    h = (h.rotate_left(5) ^ u64::from_le_bytes(last)).wrapping_mul(K);
    h ^ (h >> 32)
}

#[cfg(test)]
mod tests;
