//! The chunks' rows joined in file order after their parallel parse, with a row that has an
//! unclosed quote read past: the rest of the body is read again after it.

use super::Gathered;
use super::rows::{ChunkCtx, ChunkOut, parse_chunk};
use super::sink::Placed;
use crate::model::{AttrTable, Firms, LonLat, SegmentId};

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
/// Returns the rows, whether a row stopped the reading, and whether the body was read on
/// after a row skipped for an unclosed quote.
pub(super) fn merge_parts(
    parts: Vec<(usize, Option<usize>, ChunkOut<'_>)>,
    body: &str,
    ctx: &ChunkCtx,
    g: &mut Gathered,
) -> (AttrTable, PlacedCols, bool, bool) {
    use rayon::prelude::*;
    let report = &mut g.report;
    // The parts in file order, with the map from their segment ids to global ones.
    let mut done = Vec::with_capacity(parts.len());
    let mut queue: std::collections::VecDeque<_> = parts.into();
    let mut stopped = false;
    let mut resumed = false;
    while let Some((start, window, mut part)) = queue.pop_front() {
        if let Some((off, line)) = part.resume {
            // A row with an unclosed quote was skipped. The later chunks were cut counting its
            // quote, so their cuts may lie inside quoted fields: they are dropped, and the
            // rest of the body is read after the bad row in one piece (again after any
            // further bad row), so the rows never depend on where the chunks were cut.
            let from = start + off;
            queue.clear();
            resumed = true;
            if from <= body.len() {
                let rest = parse_chunk(body, from..body.len(), line, ctx, Default::default(), None);
                queue.push_front((from, None, rest));
            }
        }
        let remap: Vec<SegmentId> = part
            .segments
            .iter()
            .map(|name| Firms::intern_segment(&mut g.segments, name))
            .collect();
        report.absorb(std::mem::take(&mut part.report));
        stopped = part.stopped;
        done.push((window, part, remap));
        if stopped {
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
    (attrs, placed, stopped, resumed)
}
