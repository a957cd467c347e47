//! The chunks' rows joined in file order after their parallel parse, with a row that has an
//! unclosed quote read past: the rest of the body is read again after it.

use super::Gathered;
use super::rows::{ChunkCtx, ChunkOut, parse_chunk};
use super::sink::Placed;
use crate::model::{AttrTable, LonLat, SegmentId, SegmentInterner};

/// The chunks' columns once parsed, in file order, for [`sink::join`].
#[derive(Default)]
pub(super) struct PlacedCols {
    pub(super) lonlat: Vec<Placed<LonLat>>,
    pub(super) segment: Vec<Placed<SegmentId>>,
    pub(super) id_hash: Vec<Placed<u64>>,
    pub(super) founded: Vec<Placed<i16>>,
    pub(super) closed: Vec<Placed<i16>>,
}

/// Joins the chunks' firms in file order (re-reading after a row with an unclosed quote),
/// mapping chunk-local segment ids to global ones and absorbing each chunk's report. Each
/// part comes with where it starts in the body and where its windows start in the final
/// columns (None: it has none).
/// A chunk cut inside a quoted field (the quotes' parity misled by a stray quote) is caught
/// the same way: its last record runs to its end inside quotes, and the body is read again
/// from that record. So the rows never depend on where the chunks were cut.
pub(super) fn merge_parts(
    parts: Vec<(usize, Option<usize>, ChunkOut<'_>)>,
    body: &str,
    ctx: &ChunkCtx,
    g: &mut Gathered,
) -> (AttrTable, PlacedCols, MergeEnd) {
    use rayon::prelude::*;
    let report = &mut g.report;
    // The parts in file order, with the map from their segment ids to global ones.
    let mut done = Vec::with_capacity(parts.len());
    let mut queue: std::collections::VecDeque<_> = parts.into();
    let mut end = MergeEnd::default();
    let mut names = SegmentInterner::default();
    while let Some((start, window, mut part)) = queue.pop_front() {
        // A chunk before the last that ends inside quotes was cut inside a quoted field.
        let cut_inside = part.open_at_end.filter(|_| !queue.is_empty());
        end.open_at_end = part.open_at_end.map(|(off, line)| (start + off, line));
        if let Some((off, line)) = part.resume.or(cut_inside) {
            // A row with an unclosed quote was skipped, or the chunk was cut inside a quoted
            // field. The later chunks were cut counting that quote, so their cuts may lie
            // inside quoted fields: they are dropped, and the rest of the body is read again
            // from after the bad row (or from the cut record), cut where the csv crate starts
            // records (again after any further bad row), so the rows never depend on where
            // the chunks were cut. The first time in parallel pieces, after that in one
            // piece: the reading always moves on, and the body is read at most twice more
            // however many stray quotes it holds (pieces read again were cut inside quotes
            // again and again: a million rows with a thousand stray quotes took 8 s).
            let from = start + off;
            let pieces = if end.resumed { 1 } else { ctx.reread };
            queue.clear();
            end.resumed = true;
            if from <= body.len() {
                for (at, rest) in reread(body, from, line, pieces, ctx).into_iter().rev() {
                    queue.push_front((at, None, rest));
                }
            }
        }
        let remap: Vec<SegmentId> = part
            .segments
            .iter()
            .map(|name| match ctx.seed.and_then(|(t, _)| t.name_id(name)) {
                Some(id) => id,
                None => names.intern(&mut g.segments, name),
            })
            .collect();
        report.absorb(std::mem::take(&mut part.report));
        end.stopped = part.stopped;
        done.push((window, part, remap));
        if end.stopped {
            break;
        }
    }
    done.par_iter_mut().for_each(|(_, part, remap)| {
        for s in part.segment.values_mut() {
            *s = remap.get(usize::from(*s)).copied().unwrap_or(0);
        }
    });
    let mut placed = PlacedCols::default();
    let mut attrs = AttrTable::new(ctx.headers.to_vec());
    for (window, part, _) in done {
        placed.lonlat.push(part.lonlat.placed(window));
        placed.segment.push(part.segment.placed(window));
        placed.id_hash.push(part.id_hash.placed(window));
        placed.founded.push(part.founded.placed(window));
        placed.closed.push(part.closed.placed(window));
        attrs.append(part.attrs);
    }
    (attrs, placed, end)
}

/// The body read again from `from`, a record's start on line `line`: cut into about `pieces`
/// where the csv crate starts records and the pieces parsed in parallel, in order with where
/// each starts.
fn reread<'a>(
    body: &str,
    from: usize,
    line: u64,
    pieces: usize,
    ctx: &ChunkCtx,
) -> Vec<(usize, ChunkOut<'a>)> {
    use rayon::prelude::*;
    let rest = body.as_bytes().get(from..).unwrap_or_default();
    super::chunks::record_pieces(rest, pieces, ctx.delimiter, line)
        .into_par_iter()
        .map(|p| {
            let range = from + p.start..from + p.end;
            (
                range.start,
                parse_chunk(body, range, p.first_line, ctx, Default::default(), p.quotes),
            )
        })
        .collect()
}

/// How the merge ended.
#[derive(Default)]
pub(super) struct MergeEnd {
    /// A row stopped the reading.
    pub(super) stopped: bool,
    /// The body was read again after a row skipped for an unclosed quote or from a record a
    /// chunk was cut inside.
    pub(super) resumed: bool,
    /// The body's text ended inside a quoted field opened by the record at this byte offset
    /// in the body, on this line; the rows before it are read.
    pub(super) open_at_end: Option<(usize, u64)>,
}
