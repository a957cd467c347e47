//! A worksheet's `<sheetData>` unpacked and read at once: the zip member is inflated part by
//! part on the calling thread, each part cut before a row tag and handed to the thread pool
//! as soon as it is whole, so unpacking overlaps reading and the sheet's XML is never held
//! whole (418 MB for a million pandas-written rows).

use std::io::{Cursor, Read};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use memchr::memmem;

use super::book::{self, Book};
use super::cells::{self, Part};
use super::xml::{Decline, find, next_tag};

/// The sheet `member`'s cells, in parts of about `part_len` bytes of XML, checked to be in
/// sheet order throughout. With `head`, only the first parts, read on this thread, until
/// their cells span `head` rows (a preview's first rows).
pub fn parts(
    zip: &mut zip::ZipArchive<Cursor<&[u8]>>,
    member: &str,
    book: &Book,
    part_len: usize,
    head: Option<u32>,
) -> Result<Vec<Part>, Decline> {
    let f = zip.by_name(member).map_err(|_| Decline)?;
    let mut reader = f.take(super::MAX_UNPACKED);
    let part_len = part_len.max(1);
    let mut buf = Vec::new();
    // Up to the `<sheetData>` tag (each search starts where the last one could not have
    // matched, so a long head is scanned once).
    let mut searched = 0;
    let data_start = loop {
        let eof = fill(&mut reader, &mut buf, part_len)?;
        match find(&buf, searched, b"<sheetData") {
            Some(open) => {
                if let Ok(Some(tag)) = next_tag(&buf, open) {
                    if tag.empty {
                        return Ok(Vec::new());
                    }
                    break tag.end;
                }
                searched = open; // the tag is not whole yet
            }
            None => searched = buf.len().saturating_sub(b"<sheetData".len()),
        }
        if eof {
            return Err(Decline);
        }
    };
    book::utf8_declared(&buf)?;
    buf.drain(..data_start);
    let done: Mutex<Vec<(usize, Result<Part, Decline>)>> = Mutex::new(Vec::new());
    let in_flight = AtomicUsize::new(0);
    // A part declined: the rest is not worth unpacking (calamine reads the workbook).
    let declined = AtomicBool::new(false);
    // Parts waiting for a thread are bounded: past that the reading thread reads one itself.
    let most = rayon::current_num_threads() * 2 + 1;
    let read = |k: usize, part: Vec<u8>| {
        let r = cells::read_part(&part, book);
        if r.is_err() {
            declined.store(true, Ordering::Release);
        }
        done.lock().unwrap_or_else(|e| e.into_inner()).push((k, r));
    };
    let unpacked: Result<(), Decline> = rayon::scope(|s| {
        let mut k = 0;
        // Where the search for a row tag goes on: a row longer than a part is not scanned
        // again from its start at every read.
        let mut searched = 1;
        loop {
            if declined.load(Ordering::Acquire) {
                return Err(Decline);
            }
            let eof = fill(&mut reader, &mut buf, part_len)?;
            let part = if eof {
                let end = find(&buf, 0, b"</sheetData>").ok_or(Decline)?;
                buf.truncate(end);
                std::mem::take(&mut buf)
            } else {
                let cut = last_row_start(&buf, searched);
                if cut == 0 {
                    searched = buf.len().saturating_sub(4).max(1);
                    continue; // one row longer than a part: read on
                }
                searched = 1;
                let mut next = Vec::with_capacity(part_len + (part_len >> 3));
                next.extend_from_slice(buf.get(cut..).unwrap_or_default());
                buf.truncate(cut);
                std::mem::replace(&mut buf, next)
            };
            if let Some(rows) = head {
                read(k, part);
                if eof || spans(&done, rows) {
                    return Ok(());
                }
                k += 1;
                continue;
            }
            if in_flight.load(Ordering::Acquire) >= most {
                read(k, part);
            } else {
                in_flight.fetch_add(1, Ordering::AcqRel);
                let (read, in_flight) = (&read, &in_flight);
                s.spawn(move |_| {
                    read(k, part);
                    in_flight.fetch_sub(1, Ordering::AcqRel);
                });
            }
            k += 1;
            if eof {
                return Ok(());
            }
        }
    });
    unpacked?;
    let mut done = done.into_inner().unwrap_or_else(|e| e.into_inner());
    done.sort_unstable_by_key(|(k, _)| *k);
    let parts: Vec<Part> = done.into_iter().map(|(_, p)| p).collect::<Result<_, _>>()?;
    let mut last = None;
    for p in &parts {
        if let (Some(&(r, c, _)), Some(l)) = (p.cells.first(), last)
            && (r, c) <= l
        {
            return Err(Decline);
        }
        if let Some(&(r, c, _)) = p.cells.last() {
            last = Some((r, c));
        }
    }
    Ok(parts)
}

/// Whether the parts read so far hold cells `rows` rows apart.
fn spans(done: &Mutex<Vec<(usize, Result<Part, Decline>)>>, rows: u32) -> bool {
    let done = done.lock().unwrap_or_else(|e| e.into_inner());
    let cells = || {
        done.iter()
            .filter_map(|p| p.1.as_ref().ok())
            .map(|p| &p.cells)
    };
    let first = cells().find_map(|c| c.first().map(|c| c.0));
    let last = cells().filter_map(|c| c.last().map(|c| c.0)).max();
    done.iter().any(|p| p.1.is_err())
        || first
            .zip(last)
            .is_some_and(|(f, l)| l >= f.saturating_add(rows))
}

/// Reads on until `buf` holds `part_len` bytes (at least a quarter part more); whether the
/// member has ended.
fn fill(reader: &mut impl Read, buf: &mut Vec<u8>, part_len: usize) -> Result<bool, Decline> {
    let want = part_len.saturating_sub(buf.len()).max(part_len / 4).max(1);
    let n = reader
        .take(want as u64)
        .read_to_end(buf)
        .map_err(|_| Decline)?;
    Ok(n == 0)
}

/// Where the last row tag of `buf` at or after `from` (at least 1) whose next byte is known
/// starts; 0 when there is none (the part must grow).
fn last_row_start(buf: &[u8], from: usize) -> usize {
    let finder = memmem::FinderRev::new(b"<row");
    let from = from.max(1);
    let mut end = buf.len();
    while let Some(k) = buf
        .get(from..end)
        .and_then(|b| finder.rfind(b))
        .map(|k| from + k)
    {
        if matches!(buf.get(k + 4), Some(b' ' | b'>' | b'/')) {
            return k;
        }
        end = k;
    }
    0
}
