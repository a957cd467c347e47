//! A row's segment text to its chunk-local id. A register's 行业 column holds a handful to
//! about 1,400 distinct values, repeated on every row, so each raw value (as written, no
//! trim) is looked up by a fast hash of its bytes in an open-addressed table; a value met
//! for the first time is trimmed and interned, and remembered for the next rows. A streamed
//! file's later windows are seeded with the names the earlier ones gave, so their pieces
//! (a megabyte each) do not intern a register's hundreds of names again.

use crate::model::{Firms, SegmentId, SegmentInterner};

/// The table's first size and its largest (slots; a power of two, kept at most half full).
const FIRST_SLOTS: usize = 64;
const MAX_SLOTS: usize = 1 << 16;
/// The bytes of raw values it keeps at most: past either cap, new values are interned on
/// every row (a column of free text, not classes).
const MAX_BYTES: usize = 4 << 20;

/// A slot: a raw value's hash, its bytes in [`SegmentIds::bytes`], and its id; `len` is
/// [`EMPTY`] in an empty slot.
#[derive(Clone, Copy)]
struct Entry {
    hash: u64,
    start: u32,
    len: u32,
    id: SegmentId,
}

const EMPTY: u32 = u32::MAX;
const FREE: Entry = Entry {
    hash: 0,
    start: 0,
    len: EMPTY,
    id: 0,
};

/// Raw values (as written) and their ids, by a fast hash of their bytes.
pub(in crate::data::firms_csv) struct RawTable {
    /// Open addressing, probing linearly.
    slots: Vec<Entry>,
    used: usize,
    bytes: Vec<u8>,
}

impl Default for RawTable {
    fn default() -> Self {
        Self {
            slots: vec![FREE; FIRST_SLOTS],
            used: 0,
            bytes: Vec::new(),
        }
    }
}

impl RawTable {
    /// A table of `names` with their positions as ids (a seed: the names a file's earlier
    /// windows gave, so that a window's pieces need not intern them again).
    pub(in crate::data::firms_csv) fn of_names(names: &[String]) -> Self {
        let mut t = Self::default();
        for (k, name) in names
            .iter()
            .enumerate()
            .take(usize::from(SegmentId::MAX - 1))
        {
            let b = name.as_bytes();
            let hash = raw_hash(b);
            if t.get(b, hash).is_none() {
                t.insert(b, hash, k as SegmentId);
            }
        }
        t
    }

    /// The id of `b`, whose [`raw_hash`] is `hash`.
    #[inline]
    fn get(&self, b: &[u8], hash: u64) -> Option<SegmentId> {
        let mask = self.slots.len() - 1;
        let mut slot = home(hash, mask);
        while let Some(e) = self.slots.get(slot) {
            if e.len == EMPTY {
                return None;
            }
            if e.hash == hash && e.len as usize == b.len() {
                let kept = self.bytes.get(e.start as usize..).unwrap_or_default();
                if same_bytes(kept, b) {
                    return Some(e.id);
                }
            }
            slot = (slot + 1) & mask;
        }
        None
    }

    /// [`Self::get`] of a name.
    pub(in crate::data::firms_csv) fn name_id(&self, name: &str) -> Option<SegmentId> {
        self.get(name.as_bytes(), raw_hash(name.as_bytes()))
    }

    /// Remembers `b` (not in the table) as `id` while there is room (the table grows to
    /// [`MAX_SLOTS`] and [`MAX_BYTES`]).
    fn insert(&mut self, b: &[u8], hash: u64, id: SegmentId) {
        if 2 * (self.used + 1) > self.slots.len() && self.slots.len() < MAX_SLOTS {
            let twice = vec![FREE; self.slots.len() * 2];
            let old = std::mem::replace(&mut self.slots, twice);
            for e in old.into_iter().filter(|e| e.len != EMPTY) {
                place(&mut self.slots, e);
            }
        }
        let room =
            2 * (self.used + 1) <= self.slots.len() && self.bytes.len() + b.len() <= MAX_BYTES;
        if room {
            let entry = Entry {
                hash,
                start: self.bytes.len() as u32,
                len: b.len() as u32,
                id,
            };
            self.bytes.extend_from_slice(b);
            place(&mut self.slots, entry);
            self.used += 1;
        }
    }
}

/// The chunk's segment ids by value: [`SegmentIds::id`] gives what
/// [`Firms::intern_segment`] gives for the same value and table.
#[derive(Default)]
pub(super) struct SegmentIds<'a> {
    table: RawTable,
    long: SegmentInterner,
    /// The names the file's earlier windows gave ([`RawTable::of_names`]), and the names
    /// themselves by their ids: a row whose value is one of them takes the chunk's id of
    /// that name, added as it is (no trim, no interning) when first met.
    seed: Option<(&'a RawTable, &'a [String])>,
    /// The chunk's id of each seed name, [`UNSEEN`] until met.
    of_seed: Vec<SegmentId>,
}

const UNSEEN: SegmentId = SegmentId::MAX;

impl<'a> SegmentIds<'a> {
    /// Ids for a chunk, with the names of earlier windows (`seed`) if any.
    pub(super) fn seeded(seed: Option<(&'a RawTable, &'a [String])>) -> Self {
        Self {
            of_seed: seed.map_or_else(Vec::new, |s| vec![UNSEEN; s.1.len()]),
            seed,
            ..Self::default()
        }
    }

    /// The id of `raw` (a row's segment field as written) in `segments`, interned when new.
    #[inline]
    pub(super) fn id(&mut self, segments: &mut Vec<String>, raw: &str) -> SegmentId {
        let b = raw.as_bytes();
        let hash = raw_hash(b);
        // The seed's number for the value, looked up once.
        let seeded = self.seed.and_then(|(seed, _)| seed.get(b, hash));
        if let Some(k) = seeded
            && let Some(&id) = self.of_seed.get(usize::from(k))
            && id != UNSEEN
        {
            return id;
        }
        match self.table.get(b, hash) {
            Some(id) => id,
            None => self.miss(segments, raw, hash, seeded),
        }
    }

    /// A value met for the first time: a seed's name (number `seeded`) added as it is,
    /// others interned (and remembered).
    #[inline(never)]
    fn miss(
        &mut self,
        segments: &mut Vec<String>,
        raw: &str,
        hash: u64,
        seeded: Option<SegmentId>,
    ) -> SegmentId {
        let b = raw.as_bytes();
        if let Some(k) = seeded
            && let Some((_, names)) = self.seed
            && let (Some(name), Some(slot)) = (
                names.get(usize::from(k)),
                self.of_seed.get_mut(usize::from(k)),
            )
            && segments.len() < usize::from(SegmentId::MAX - 1)
        {
            // A name as interning leaves it (trimmed, not a marker): another spelling of it
            // interned here gets its own id, and the merge maps both to the same name.
            segments.push(name.clone());
            *slot = (segments.len() - 1) as SegmentId;
            return *slot;
        }
        let id = if segments.len() < 16 {
            // Few segments: a linear search is fastest; many distinct values: a map.
            Firms::intern_segment(segments, raw)
        } else {
            self.long.intern(segments, raw)
        };
        self.table.insert(b, hash, id);
        id
    }
}

/// Puts `entry` in the first empty slot from its hash's home.
fn place(slots: &mut [Entry], entry: Entry) {
    let mask = slots.len() - 1;
    let mut slot = home(entry.hash, mask);
    while let Some(s) = slots.get_mut(slot) {
        if s.len == EMPTY {
            *s = entry;
            return;
        }
        slot = (slot + 1) & mask;
    }
}

/// Whether the first `b.len()` bytes of `kept` are `b`: values of 4–16 bytes by two
/// overlapping words each (a register's names mostly), others by a slice compare.
#[inline]
fn same_bytes(kept: &[u8], b: &[u8]) -> bool {
    let n = b.len();
    let Some(kept) = kept.get(..n) else {
        return false;
    };
    let w8 = |s: &[u8], at: usize| {
        s.get(at..)
            .and_then(|w| w.first_chunk().copied())
            .map(u64::from_le_bytes)
    };
    let w4 = |s: &[u8], at: usize| {
        s.get(at..)
            .and_then(|w| w.first_chunk().copied())
            .map(u32::from_le_bytes)
    };
    match n {
        // A file without a segment column asks for the empty value on every row.
        0 => true,
        8..=16 => w8(kept, 0) == w8(b, 0) && w8(kept, n - 8) == w8(b, n - 8),
        4..=7 => w4(kept, 0) == w4(b, 0) && w4(kept, n - 4) == w4(b, n - 4),
        _ => kept == b,
    }
}

/// A hash of a value's bytes: its 8-byte words (the last one padded) mixed by multiply and
/// xor-shift, seeded with the length.
#[inline]
fn raw_hash(b: &[u8]) -> u64 {
    const P: u64 = 0x9E37_79B9_7F4A_7C15;
    let mix = |h: u64, w: u64| {
        let h = (h ^ w).wrapping_mul(P);
        h ^ (h >> 32)
    };
    let mut h = (b.len() as u64).wrapping_mul(0xcbf2_9ce4_8422_2325);
    let mut words = b.chunks_exact(8);
    for w in &mut words {
        let mut a = [0u8; 8];
        a.copy_from_slice(w);
        h = mix(h, u64::from_le_bytes(a));
    }
    let rest = words.remainder();
    if !rest.is_empty() {
        let mut a = [0u8; 8];
        if let Some(t) = a.get_mut(..rest.len()) {
            t.copy_from_slice(rest);
        }
        h = mix(h, u64::from_le_bytes(a));
    }
    h
}

/// A hash's first slot under `mask` (slots - 1): its top bits after one more multiply.
#[inline]
fn home(hash: u64, mask: usize) -> usize {
    (hash.wrapping_mul(0xD6E8_FEB8_6659_FD93) >> 32) as usize & mask
}

#[cfg(test)]
mod tests {
    use super::{SegmentIds, same_bytes};
    use crate::model::Firms;

    /// The cache gives the ids that interning every row gives (the oracle), over values with
    /// and without white space around them, long ones, and more distinct ones than its first
    /// table holds, so that it grows while rows are read.
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
            "计算机、通信和其他电子设备制造业",
            "NULL",
            "\\N",
        ];
        let mut rng = crate::model::Rng::new(9);
        let (mut ours, mut theirs) = (Vec::new(), Vec::new());
        let mut ids = SegmentIds::default();
        for i in 0..20_000 {
            let many = format!("segment {}", rng.next_u64() % 400);
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
        assert!(ours.len() > 400, "{}", ours.len());
        assert!(ids.table.slots.len() >= 1024, "{}", ids.table.slots.len());
    }

    /// `same_bytes` is "`kept` starts with `b`" at every length, its word-wise cases and the
    /// empty value (every row of a file without a segment column) included.
    #[test]
    fn same_bytes_is_a_prefix_test() {
        let text: Vec<u8> = (0..64u8).map(|i| b'!' + i).collect();
        for n in 0..40 {
            let b = &text[..n];
            // Unchanged, and one byte changed at each place of the prefix.
            for at in std::iter::once(None).chain((0..n).map(Some)) {
                let mut kept = text.clone();
                if let Some(k) = at {
                    kept[k] ^= 1;
                }
                for end in [n, n + 1, 64] {
                    let kept = &kept[..end.min(64)];
                    let want = kept.get(..n) == Some(b);
                    assert_eq!(
                        same_bytes(kept, b),
                        want,
                        "n {n}, changed {at:?}, end {end}"
                    );
                }
            }
            assert!(!same_bytes(&text[..n.saturating_sub(1)], b) || n == 0);
        }
    }

    /// Values differing in one byte anywhere (lengths 0–40, so every padding of the last
    /// word) get their own ids.
    #[test]
    fn values_one_byte_apart_are_told_apart() {
        let mut rng = crate::model::Rng::new(5);
        let (mut ours, mut theirs) = (Vec::new(), Vec::new());
        let mut ids = SegmentIds::default();
        for _ in 0..3_000 {
            let len = 1 + (rng.next_u64() % 40) as usize;
            let a: String = (0..len)
                .map(|_| char::from(b'a' + (rng.next_u64() % 26) as u8))
                .collect();
            let mut b = a.clone().into_bytes();
            if let Some(c) = b.get_mut(rng.next_u64() as usize % len) {
                *c = if *c == b'z' { b'y' } else { *c + 1 };
            }
            let b = String::from_utf8(b).unwrap_or_default();
            let shorter = &a[..len - 1];
            for raw in [a.as_str(), b.as_str(), shorter, a.as_str()] {
                assert_eq!(
                    ids.id(&mut ours, raw),
                    Firms::intern_segment(&mut theirs, raw),
                    "{raw:?}"
                );
            }
        }
        assert_eq!(ours, theirs);
    }

    /// Past the table's cap on values, new values are still interned right: 40,000 distinct
    /// values, each met twice, get the ids of their first appearance (the oracle: counting).
    #[test]
    fn more_values_than_the_table_keeps_are_interned_right() {
        let mut segments = Vec::new();
        let mut ids = SegmentIds::default();
        for round in 0..2 {
            for i in 0..40_000usize {
                let raw = format!("{i} 类");
                assert_eq!(ids.id(&mut segments, &raw) as usize, i, "{round} {raw}");
            }
        }
        assert_eq!(segments.len(), 40_000);
        assert_eq!(ids.table.slots.len(), super::MAX_SLOTS);
        assert_eq!(2 * ids.table.used, super::MAX_SLOTS);
    }

    /// A seeded chunk names every row's segment as interning does (the oracle: ids may
    /// differ, a seed name met in two spellings getting two, but the names never do), over
    /// seed names, other spellings of them (spaces, markers), and names new to the chunk.
    #[test]
    fn seeded_ids_name_what_interning_names() {
        let seed_names: Vec<String> = (0..300)
            .map(|k| format!("计算机、通信和其他电子设备制造业{k}"))
            .chain(["".to_string(), "VR".to_string()])
            .collect();
        let table = super::RawTable::of_names(&seed_names);
        let mut rng = crate::model::Rng::new(3);
        let (mut ours, mut theirs) = (Vec::new(), Vec::new());
        let mut ids = SegmentIds::seeded(Some((&table, &seed_names)));
        for _ in 0..30_000 {
            let k = rng.next_u64() % 400;
            let raw = match rng.next_u64() % 6 {
                0 => format!(" 计算机、通信和其他电子设备制造业{k} "),
                1 => ["NULL", "不详", "", " ", "VR", " VR"][k as usize % 6].to_string(),
                _ => format!("计算机、通信和其他电子设备制造业{k}"),
            };
            let a = ids.id(&mut ours, &raw);
            let b = Firms::intern_segment(&mut theirs, &raw);
            assert_eq!(
                ours.get(usize::from(a)),
                theirs.get(usize::from(b)),
                "{raw:?}"
            );
        }
        // Names beyond the seed's (k ≥ 300) were met and interned as well.
        assert!(theirs.len() > 350, "{}", theirs.len());
    }

    /// A file streamed window by window, later windows seeded with the names of earlier
    /// ones, loads as the whole file does (the oracle: the whole loader): the same segment
    /// names in the same order, the same id per firm. Names first met in later windows, other
    /// spellings and markers included.
    #[test]
    fn many_names_stream_as_they_load_whole() {
        let mut text = String::from("编号,经度,纬度,行业\n");
        let mut rng = crate::model::Rng::new(8);
        for i in 0..3_000u64 {
            // Names 0–99 from the start, 100–499 only in the second half.
            let range = if i < 1_500 { 100 } else { 500 };
            let k = rng.next_u64() % range;
            let seg = match rng.next_u64() % 8 {
                0 => format!(" 示例行业类别的其他制造业{k}"),
                1 => ["NULL", "", "不详"][k as usize % 3].to_string(),
                _ => format!("示例行业类别的其他制造业{k}"),
            };
            let (lon, lat) = (113.9 + 0.3 * rng.uniform(), 22.5 + 0.2 * rng.uniform());
            text.push_str(&format!("F{i},{lon:.6},{lat:.6},{seg}\n"));
        }
        for (step, window) in [(4096, 4096), (1000, 20_000), (1 << 20, 1 << 20)] {
            crate::data::firms_csv::stream_tests::assert_same(&text, step, window);
        }
    }
}
