//! A row's segment text to its chunk-local id. Registers hold a handful of segment names,
//! so short values are matched by their raw bytes packed into words (no trim, no string
//! compare call per row); the rest are trimmed and interned as before.

use crate::model::{Firms, SegmentId, SegmentInterner};

/// Slots of the table of raw values, and how many of them may be used (half, so a probe
/// always meets an empty slot); more distinct values than that go to the map.
const SLOTS: usize = 64;
const SHORT_KEYS: usize = SLOTS / 2;
/// A key no value has: its length word.
const EMPTY: u64 = u64::MAX;

/// The chunk's segment ids by value: [`SegmentIds::id`] gives what
/// [`Firms::intern_segment`] gives for the same value and table.
pub(super) struct SegmentIds {
    /// Open addressing on the packed bytes, probing linearly.
    table: [([u64; 4], SegmentId); SLOTS],
    used: usize,
    long: SegmentInterner,
}

impl Default for SegmentIds {
    fn default() -> Self {
        Self {
            table: [([EMPTY, 0, 0, 0], 0); SLOTS],
            used: 0,
            long: SegmentInterner::default(),
        }
    }
}

impl SegmentIds {
    /// The id of `raw` (a row's segment field as written) in `segments`, interned when new.
    #[inline]
    pub(super) fn id(&mut self, segments: &mut Vec<String>, raw: &str) -> SegmentId {
        let key = packed(raw.as_bytes());
        let mut empty = None;
        if let Some(key) = key {
            let mut slot = home(&key);
            while let Some((k, id)) = self.table.get(slot) {
                if *k == key {
                    return *id;
                }
                if k[0] == EMPTY {
                    empty = Some(slot);
                    break;
                }
                slot = (slot + 1) % SLOTS;
            }
        }
        self.miss(segments, raw, key.zip(empty))
    }

    /// A value not in the table: interned, and remembered in `slot` while there is room.
    #[inline(never)]
    fn miss(
        &mut self,
        segments: &mut Vec<String>,
        raw: &str,
        slot: Option<([u64; 4], usize)>,
    ) -> SegmentId {
        // Few segments: a linear search is fastest; many distinct values: a map.
        let id = if segments.len() < 16 {
            Firms::intern_segment(segments, raw)
        } else {
            self.long.intern(segments, raw)
        };
        if let Some((key, slot)) = slot
            && self.used < SHORT_KEYS
            && let Some(entry) = self.table.get_mut(slot)
        {
            *entry = (key, id);
            self.used += 1;
        }
        id
    }
}

/// A key's first slot: its words mixed and multiplied, the top bits taken.
fn home(key: &[u64; 4]) -> usize {
    let mixed = key[0] ^ key[1].rotate_left(21) ^ key[2].rotate_left(42) ^ key[3].rotate_left(7);
    (mixed.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 58) as usize % SLOTS
}

/// The bytes of a value of at most 24, as words that differ whenever the bytes do: the
/// length, then overlapping loads from both ends (and the middle) covering every byte.
fn packed(b: &[u8]) -> Option<[u64; 4]> {
    let word = |s: Option<&[u8; 8]>| s.map_or(0, |w| u64::from_le_bytes(*w));
    let len = b.len();
    let words = match len {
        0..=3 => [b.iter().fold(0, |acc, c| (acc << 8) | u64::from(*c)), 0, 0],
        4..=7 => {
            let half = |s: Option<&[u8; 4]>| s.map_or(0, |w| u64::from(u32::from_le_bytes(*w)));
            [half(b.first_chunk()) | (half(b.last_chunk()) << 32), 0, 0]
        }
        8..=16 => [word(b.first_chunk()), word(b.last_chunk()), 0],
        17..=24 => [
            word(b.first_chunk()),
            word(b.get(8..16).and_then(|m| m.first_chunk())),
            word(b.last_chunk()),
        ],
        _ => return None,
    };
    Some([len as u64, words[0], words[1], words[2]])
}

#[cfg(test)]
mod tests {
    use super::{SegmentIds, packed};
    use crate::model::Firms;

    /// Values of every length to 30 that differ in one byte anywhere never share a key,
    /// and equal values always do (the oracle: the bytes themselves).
    #[test]
    fn packed_keys_differ_exactly_when_the_bytes_do() {
        let mut rng = crate::model::Rng::new(5);
        for _ in 0..20_000 {
            let len = (rng.next_u64() % 31) as usize;
            let a: Vec<u8> = (0..len).map(|_| (rng.next_u64() % 256) as u8).collect();
            let mut b = a.clone();
            if let Some(c) = b.get_mut(rng.next_u64() as usize % len.max(1)) {
                *c ^= 1 << (rng.next_u64() % 8);
            }
            match (packed(&a), packed(&b)) {
                (Some(x), Some(y)) => assert_eq!(x == y, a == b, "{a:?} {b:?}"),
                (x, y) => assert!(len > 24 && x.is_none() && y.is_none()),
            }
            let mut shorter = a.clone();
            shorter.pop();
            if len > 0 && len <= 24 {
                assert_ne!(packed(&a), packed(&shorter), "{a:?}");
            }
        }
    }

    /// The cache gives the ids that interning every row gives (the oracle), over values with
    /// and without white space around them, long ones, and more distinct ones than it keeps.
    #[test]
    fn ids_are_what_interning_gives() {
        let names = [
            "VR硬件",
            " VR硬件",
            "VR硬件\u{3000}",
            "内容制作",
            "光学器件",
            "",
            " ",
            "其他",
            "Cloud & AI services for XR",
            "Cloud & AI services for XR ",
            "NULL",
            "\\N",
        ];
        let mut rng = crate::model::Rng::new(9);
        let (mut ours, mut theirs) = (Vec::new(), Vec::new());
        let mut ids = SegmentIds::default();
        for i in 0..5_000 {
            let many = format!("segment {}", rng.next_u64() % 40);
            let raw = if i > 2_000 && i % 3 == 0 {
                many.as_str()
            } else {
                names[rng.next_u64() as usize % names.len()]
            };
            assert_eq!(
                ids.id(&mut ours, raw),
                Firms::intern_segment(&mut theirs, raw),
                "{raw:?}"
            );
        }
        assert_eq!(ours, theirs);
        assert!(ours.len() > 16, "{}", ours.len());
    }
}
