//! Small pure helpers shared by every layer: a seeded random generator, the segment keys of
//! the sample data, and the input stamp hash.

/// Segment keys used by the sample data and the advisor's mapping table.
pub const SEGMENTS: [&str; 5] = [
    "hardware",
    "optics_display",
    "components",
    "content_software",
    "platforms_services",
];

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

/// A short stamp of the input data: FNV-1a over 64-bit little-endian words (then the tail
/// bytes), as 12 hex digits. Not cryptographic; fast enough for 300 MB files.
pub fn short_hash(parts: &[&[u8]]) -> String {
    let mut h = ShortHasher::new();
    for part in parts {
        h.part(part.chunks(HASH_BLOCK));
    }
    h.finish()
}

/// Blocks fed to [`ShortHasher::part`] must be multiples of 8 bytes but the last.
pub const HASH_BLOCK: usize = 8 << 20;

/// [`short_hash`] block by block (same value), so a caller can release each block after use.
pub struct ShortHasher(u64);

impl Default for ShortHasher {
    fn default() -> Self {
        Self::new()
    }
}

impl ShortHasher {
    const PRIME: u64 = 0x0000_0100_0000_01b3;

    pub fn new() -> Self {
        Self(0xcbf2_9ce4_8422_2325)
    }

    /// One part, given as consecutive blocks (each a multiple of 8 bytes but the last).
    pub fn part<'a>(&mut self, blocks: impl IntoIterator<Item = &'a [u8]>) {
        let mut len = 0usize;
        for block in blocks {
            len += block.len();
            let mut words = block.chunks_exact(8);
            for w in &mut words {
                let mut a = [0u8; 8];
                a.copy_from_slice(w);
                self.0 = (self.0 ^ u64::from_le_bytes(a)).wrapping_mul(Self::PRIME);
                self.0 ^= self.0 >> 29;
            }
            for b in words.remainder() {
                self.0 = (self.0 ^ *b as u64).wrapping_mul(Self::PRIME);
            }
        }
        self.0 = (self.0 ^ len as u64 ^ 0xff).wrapping_mul(Self::PRIME);
    }

    pub fn finish(&self) -> String {
        format!("{:012x}", self.0 >> 16)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The definition written out word by word, as the oracle for the block-wise hasher.
    fn naive(data: &[u8]) -> String {
        const PRIME: u64 = 0x0000_0100_0000_01b3;
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        let words = data.len() / 8;
        for k in 0..words {
            let w = u64::from_le_bytes(data[k * 8..k * 8 + 8].try_into().unwrap());
            h = (h ^ w).wrapping_mul(PRIME);
            h ^= h >> 29;
        }
        for b in &data[words * 8..] {
            h = (h ^ *b as u64).wrapping_mul(PRIME);
        }
        h = (h ^ data.len() as u64 ^ 0xff).wrapping_mul(PRIME);
        format!("{:012x}", h >> 16)
    }

    #[test]
    fn block_wise_hash_equals_the_definition() {
        let data: Vec<u8> = (0..100_003u32).map(|i| (i * 7919 % 251) as u8).collect();
        assert_eq!(short_hash(&[&data]), naive(&data));
        let mut h = ShortHasher::new();
        h.part(data.chunks(16));
        assert_eq!(h.finish(), naive(&data));
        assert_eq!(short_hash(&[b"abc"]), naive(b"abc"));
    }
}
