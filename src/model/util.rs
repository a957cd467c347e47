//! Small pure helpers shared by every layer: a seeded random generator, the segment keys of
//! the sample data, the input stamp hash, and values made once without waiting in a lock.

/// Segment keys used by the sample data and the advisor's mapping table.
pub const SEGMENTS: [&str; 5] = [
    "hardware",
    "optics_display",
    "components",
    "content_software",
    "platforms_services",
];

/// The value in `cell`, made by `make` outside the cell's lock when missing. For values
/// whose making runs on the thread pool and that pool tasks ask for: a pool thread waiting
/// inside a `OnceLock`'s initialiser takes on other tasks, and one asking for the same value
/// would wait for itself (session 39's hang). Callers racing here each make it; the first
/// made is kept and given to all.
pub fn once_made_outside<T>(cell: &std::sync::OnceLock<T>, make: impl FnOnce() -> T) -> &T {
    if let Some(v) = cell.get() {
        return v;
    }
    let v = make();
    cell.get_or_init(|| v)
}

/// A deterministic xoshiro256** generator (stable across crate versions, unlike `rand`).
pub struct Rng([u64; 4]);

impl Rng {
    pub fn new(seed: u64) -> Self {
        let mut s = seed;
        let mut next = || {
            s = s.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = s;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        };
        Self([next(), next(), next(), next()])
    }

    pub fn next_u64(&mut self) -> u64 {
        let s = &mut self.0;
        let result = s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        result
    }

    /// Uniform in [0, 1).
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Standard normal (Box–Muller).
    pub fn normal(&mut self) -> f64 {
        let u1 = self.uniform().max(1e-300);
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }

    /// An index drawn with the given weights.
    pub fn weighted(&mut self, weights: &[f64]) -> usize {
        let total: f64 = weights.iter().sum();
        let mut x = self.uniform() * total;
        for (i, w) in weights.iter().enumerate() {
            if x < *w {
                return i;
            }
            x -= w;
        }
        weights.len() - 1
    }
}

/// A short stamp of the input data, as 12 hex digits. Each 8 MB block is hashed on its own
/// ([`block_hash`]), so blocks hash in parallel; the stamp mixes the blocks' hashes in order,
/// then each part's length. Not cryptographic; a 300 MB file takes a few milliseconds.
pub fn short_hash(parts: &[&[u8]]) -> String {
    let mut h = ShortHasher::new();
    for part in parts {
        h.part(part);
    }
    h.finish()
}

/// The block size of [`short_hash`].
pub const HASH_BLOCK: usize = 8 << 20;

const PRIME: u64 = 0x0000_0100_0000_01b3;

/// One multiply–xorshift step (FNV-1a's prime over a 64-bit word).
fn mix(h: u64, w: u64) -> u64 {
    let h = (h ^ w).wrapping_mul(PRIME);
    h ^ (h >> 29)
}

/// One block's hash: four interleaved lanes over its 64-bit little-endian words (word k goes
/// to lane k mod 4, so the four multiply chains run side by side), then the tail bytes.
pub fn block_hash(block: &[u8]) -> u64 {
    let whole = block.len() / 32 * 32;
    let (quads, tail) = block.split_at(whole);
    let mut h = BlockHasher::new();
    h.quads(quads);
    h.finish(tail)
}

/// [`block_hash`] taken piece by piece as a block is read, each piece hashed while it is in
/// cache: pieces of a multiple of 32 bytes through [`BlockHasher::quads`], the last through
/// [`BlockHasher::finish`].
pub struct BlockHasher([u64; 4]);

impl Default for BlockHasher {
    fn default() -> Self {
        Self::new()
    }
}

impl BlockHasher {
    pub fn new() -> Self {
        Self([
            0xcbf2_9ce4_8422_2325u64,
            0x8422_2325_cbf2_9ce4,
            0x9E37_79B9_7F4A_7C15,
            0x7F4A_7C15_9E37_79B9,
        ])
    }

    /// Mixes in the 32-byte groups of `bytes` (a length not a multiple of 32 leaves its last
    /// bytes out: give those to [`BlockHasher::finish`]).
    pub fn quads(&mut self, bytes: &[u8]) {
        for q in bytes.chunks_exact(32) {
            for (lane, w) in self.0.iter_mut().zip(q.chunks_exact(8)) {
                let mut a = [0u8; 8];
                a.copy_from_slice(w);
                *lane = mix(*lane, u64::from_le_bytes(a));
            }
        }
    }

    /// The block's hash after its last bytes (fewer than 32).
    pub fn finish(self, tail: &[u8]) -> u64 {
        let mut lanes = self.0;
        let mut words = tail.chunks_exact(8);
        for (lane, w) in lanes.iter_mut().zip(&mut words) {
            let mut a = [0u8; 8];
            a.copy_from_slice(w);
            *lane = mix(*lane, u64::from_le_bytes(a));
        }
        let mut h = lanes.iter().fold(PRIME, |h, l| mix(h, *l));
        for b in words.remainder() {
            h = (h ^ u64::from(*b)).wrapping_mul(PRIME);
        }
        h
    }
}

/// [`short_hash`] part by part, so a caller can release each block once it is hashed.
pub struct ShortHasher(u64);

impl Default for ShortHasher {
    fn default() -> Self {
        Self::new()
    }
}

impl ShortHasher {
    pub fn new() -> Self {
        Self(0xcbf2_9ce4_8422_2325)
    }

    /// One part, its blocks hashed in parallel.
    pub fn part(&mut self, bytes: &[u8]) {
        use rayon::prelude::*;
        let blocks: Vec<u64> = bytes.par_chunks(HASH_BLOCK).map(block_hash).collect();
        self.blocks(&blocks, bytes.len());
    }

    /// One part of `len` bytes given its blocks' hashes ([`block_hash`] of each
    /// [`HASH_BLOCK`]-sized block, in order), for a reader that hashed them as they came.
    pub fn blocks(&mut self, block_hashes: &[u64], len: usize) {
        for b in block_hashes {
            self.0 = mix(self.0, *b);
        }
        self.0 = mix(self.0, len as u64 ^ 0xff);
    }

    pub fn finish(&self) -> String {
        format!("{:012x}", self.0 >> 16)
    }
}

/// Whether a cell holds one of the markers writers put where there is no value: empty,
/// pandas' and R's `NA`/`NaN`/`<NA>`, Excel's `#N/A`, SQL's `NULL`, MySQL's and
/// PostgreSQL's text-export `\N`, `None`, `unknown`, a lone dash or slash, and the words
/// Chinese registers use (无, 暂无, 不详, 未知, 空). Case and white space around it are
/// ignored. Loaders ask only once a value failed to read, so
/// a missing value is reported as missing rather than as malformed.
pub fn is_missing_value(s: &str) -> bool {
    const MARKERS: [&str; 23] = [
        "na", "n/a", "#n/a", "#n/a n/a", "#na", "nan", "-nan", "<na>", "null", "none", "nil",
        "unknown", "-", "--", "—", "/", "无", "暂无", "不详", "未知", "空", "(null)", "\\n",
    ];
    let t = s.trim();
    t.is_empty() || MARKERS.iter().any(|m| t.eq_ignore_ascii_case(m))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Asked for again from inside its own making (as a pool task taken on while waiting
    /// would), the value is made there too instead of waiting for itself; the first made is
    /// kept.
    #[test]
    fn a_value_asked_for_inside_its_own_making_does_not_wait() {
        let cell = std::sync::OnceLock::new();
        let outer = *once_made_outside(&cell, || *once_made_outside(&cell, || 1) + 1);
        assert_eq!((outer, cell.get().copied()), (1, Some(1)));
        assert_eq!(*once_made_outside(&cell, || unreachable!()), 1);
    }

    /// The definition written out word by word, as the oracle for the lane-wise, parallel
    /// hasher: word k of a block goes to lane k mod 4.
    fn naive(parts: &[&[u8]]) -> String {
        let step = |h: u64, w: u64| {
            let h = (h ^ w).wrapping_mul(PRIME);
            h ^ (h >> 29)
        };
        let mut stamp: u64 = 0xcbf2_9ce4_8422_2325;
        for data in parts {
            let mut start = 0;
            while start < data.len() {
                let block = &data[start..(start + HASH_BLOCK).min(data.len())];
                let mut lanes = [
                    0xcbf2_9ce4_8422_2325u64,
                    0x8422_2325_cbf2_9ce4,
                    0x9E37_79B9_7F4A_7C15,
                    0x7F4A_7C15_9E37_79B9,
                ];
                let words = block.len() / 8;
                for k in 0..words {
                    let w = u64::from_le_bytes(block[k * 8..k * 8 + 8].try_into().unwrap());
                    lanes[k % 4] = step(lanes[k % 4], w);
                }
                let mut h = PRIME;
                for l in lanes {
                    h = step(h, l);
                }
                for b in &block[words * 8..] {
                    h = (h ^ *b as u64).wrapping_mul(PRIME);
                }
                stamp = step(stamp, h);
                start += HASH_BLOCK;
            }
            stamp = step(stamp, data.len() as u64 ^ 0xff);
        }
        format!("{:012x}", stamp >> 16)
    }

    #[test]
    fn parallel_lane_hash_equals_the_definition() {
        // Two whole blocks and a tail that is not a multiple of 8 or 32 bytes.
        let data: Vec<u8> = (0..(2 * HASH_BLOCK + 100_003) as u32)
            .map(|i| (i.wrapping_mul(7919) % 251) as u8)
            .collect();
        assert_eq!(short_hash(&[&data]), naive(&[&data]));
        assert_eq!(short_hash(&[b"abc", b""]), naive(&[b"abc", b""]));
        assert_eq!(
            short_hash(&[b"0123456789abcdef0123456789abcdef!"]),
            naive(&[b"0123456789abcdef0123456789abcdef!"])
        );
        // Parts are not simply concatenated, and every byte counts.
        assert_ne!(short_hash(&[b"ab", b"c"]), short_hash(&[b"abc"]));
        let mut other = data.clone();
        other[HASH_BLOCK + 5] ^= 1;
        assert_ne!(short_hash(&[&data]), short_hash(&[&other]));
    }

    /// A block hashed piece by piece (pieces of multiples of 32 bytes, then the rest) equals
    /// the block hashed at once.
    #[test]
    fn piece_by_piece_hash_equals_the_block_hash() {
        let data: Vec<u8> = (0..100_003u32)
            .map(|i| (i.wrapping_mul(7919) % 251) as u8)
            .collect();
        for piece in [32, 64, 4096, 96_000] {
            let mut h = BlockHasher::new();
            let whole = data.len() / 32 * 32;
            for p in data[..whole].chunks(piece) {
                h.quads(p);
            }
            assert_eq!(
                h.finish(&data[whole..]),
                block_hash(&data),
                "pieces of {piece}"
            );
        }
    }

    #[test]
    fn missing_value_markers_are_known_and_values_are_not() {
        for m in [
            "", "  ", "NA", "na", " N/A ", "#N/A", "NaN", "<NA>", "NULL", "None", "-", "无",
            "暂无", "未知", "\\N",
        ] {
            assert!(is_missing_value(m), "{m:?} is a missing-value marker");
        }
        for v in [
            "0",
            "114.05",
            "2015",
            "Nanshan",
            "NAB",
            "-1",
            "无锡",
            "2015-03-02",
            "N",
            "\\",
        ] {
            assert!(!is_missing_value(v), "{v:?} is a value");
        }
    }
}
