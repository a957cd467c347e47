//! Repeated firm ids, found by hashing: a radix pass on all threads, then a small table per
//! bucket; only rows whose hashes meet compare their text.

use crate::model::{Firms, cell_text, cell_text_cow};

/// How many ids repeat an earlier one (rows with an id minus distinct ids), and how many rows
/// have none (blank: [`Firms::id`] numbers them by their row, so they never repeat). Ids are
/// counted by a 64-bit hash (integers, not strings); only rows sharing a hash compare their
/// text. (An id whose hash is the blank one's, a 2^-64 chance, would count as blank.)
pub(super) fn repeated_ids(firms: &Firms, col: usize, hashes: Option<Vec<u64>>) -> (usize, usize) {
    // Ids as shown (`cell_text`): ` 77` and `="77"` repeat `77`.
    let hashes = hashes.unwrap_or_else(|| {
        firms
            .attrs
            .map_column(col, |id| id_hash(cell_text(id).as_bytes()))
    });
    let blank_hash = id_hash(b"");
    let blank = hashes.iter().filter(|h| **h == blank_hash).count();
    let (singles, shared) = if blank == 0 {
        singles_and_shared(&hashes)
    } else {
        let named: Vec<u64> = hashes
            .iter()
            .copied()
            .filter(|h| *h != blank_hash)
            .collect();
        singles_and_shared(&named)
    };
    let shared: std::collections::HashSet<u64> = shared.into_iter().collect();
    let named = firms.len() - blank;
    if shared.is_empty() {
        return (named - singles, blank);
    }
    // Rows sharing a hash: the distinct texts among them.
    // (Read back from the file when a streamed load let go of the rows' text.)
    let mut groups: std::collections::HashMap<u64, Vec<std::borrow::Cow<str>>> = Default::default();
    for (i, h) in hashes.iter().enumerate() {
        if shared.contains(h) {
            groups
                .entry(*h)
                .or_default()
                .push(cell_text_cow(firms.attrs.field_owned(i, col)));
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
    (named - singles - distinct, blank)
}

/// How many hashes occur once, and the hashes that occur more than once. The hashes are
/// bucketed by their top bits ([`bucket_by_top_bits`]), then each bucket (a few thousand
/// values, in cache) counted in a small table: equal hashes meet as in a sort of the whole,
/// at a fraction of its cost.
pub(super) fn singles_and_shared(hashes: &[u64]) -> (usize, Vec<u64>) {
    use rayon::prelude::*;
    let mut sorted = vec![0u64; hashes.len()];
    let pieces = bucket_by_top_bits(hashes, &mut sorted);
    pieces
        .into_par_iter()
        .map_init(BucketCounter::default, |counter, piece| {
            counter.count(piece)
        })
        .reduce(
            || (0, Vec::new()),
            |mut a, b| {
                a.1.extend(b.1);
                (a.0 + b.0, a.1)
            },
        )
}

/// An open-addressing table (linear probing on the hash's low bits), reused bucket after
/// bucket by one thread: a slot is in use only when its stamp is the current bucket's, so
/// nothing is cleared between buckets.
#[derive(Default)]
struct BucketCounter {
    keys: Vec<u64>,
    /// Occurrences of `keys[i]` (counting stops at 2: only "once" or "more" matters).
    counts: Vec<u8>,
    stamps: Vec<u32>,
    stamp: u32,
}

impl BucketCounter {
    /// Singles and repeated hashes of one bucket.
    fn count(&mut self, piece: &[u64]) -> (usize, Vec<u64>) {
        // At most half full, so probes stay short.
        let size = (piece.len() * 2).next_power_of_two().max(16);
        if size > self.keys.len() || self.stamp == u32::MAX {
            *self = Self {
                keys: vec![0; size],
                counts: vec![0; size],
                stamps: vec![0; size],
                stamp: 0,
            };
        }
        self.stamp += 1;
        let mask = size - 1;
        let (mut singles, mut shared) = (0, Vec::new());
        for &h in piece {
            let mut i = h as usize & mask;
            loop {
                if self.stamps[i] != self.stamp {
                    self.stamps[i] = self.stamp;
                    self.keys[i] = h;
                    self.counts[i] = 1;
                    singles += 1;
                    break;
                }
                if self.keys[i] == h {
                    if self.counts[i] == 1 {
                        self.counts[i] = 2;
                        singles -= 1;
                        shared.push(h);
                    }
                    break;
                }
                i = (i + 1) & mask;
            }
        }
        (singles, shared)
    }
}

/// Bits of the hash that choose its bucket in [`repeated_ids`].
pub(super) const BUCKET_BITS: u32 = 9;

/// Scatters `hashes` into `out` grouped by their top [`BUCKET_BITS`] bits (a radix pass) and
/// returns the groups in bucket order. Slices of the input are counted and scattered on all
/// threads, each into its own run of every bucket, so no two threads write the same place.
pub(super) fn bucket_by_top_bits<'a>(hashes: &[u64], out: &'a mut [u64]) -> Vec<&'a mut [u64]> {
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

/// A fast 64-bit hash of an id's bytes: each 8-byte word mixed in by a multiply whose high
/// half is folded back down, then MurmurHash3's finaliser. (A multiply alone only carries a
/// word's differences upwards: 18-digit credit codes shared a hash by the hundred thousand.)
pub(super) fn id_hash(b: &[u8]) -> u64 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let mix = |h: u64, w: u64| {
        let h = (h ^ w).wrapping_mul(K);
        h ^ (h >> 32)
    };
    let mut h = (b.len() as u64).wrapping_mul(K);
    let mut words = b.chunks_exact(8);
    for w in &mut words {
        let mut a = [0u8; 8];
        a.copy_from_slice(w);
        h = mix(h, u64::from_le_bytes(a));
    }
    // The last bytes as a little-endian word padded with zeros, gathered byte by byte: a
    // copy of a length not known in advance is a call to memcpy (a fifth of the row loop's
    // time on short ids).
    let last = words
        .remainder()
        .iter()
        .enumerate()
        .fold(0u64, |w, (i, b)| w | (u64::from(*b) << (8 * i)));
    h = mix(h, last);
    // MurmurHash3's fmix64.
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Register ids (18-character credit codes, numbered in sequence, and short ones) hash
    /// apart: any shared hash among a million distinct ids would be a weakness, not chance
    /// (about 3·10⁻⁸ for a good 64-bit hash).
    #[test]
    fn sequential_register_ids_do_not_share_hashes() {
        for make in [
            |i: usize| format!("91440300{i:010}"),
            |i: usize| format!("9144030{i:011}X"),
            |i: usize| format!("S{i:07}"),
            |i: usize| i.to_string(),
        ] {
            let hashes: Vec<u64> = (0..1_000_000)
                .map(|i| id_hash(make(i).as_bytes()))
                .collect();
            let (singles, shared) = singles_and_shared(&hashes);
            assert_eq!((singles, shared.len()), (hashes.len(), 0), "{}", make(12));
        }
    }
}
