//! Random streams: keyed ChaCha8 streams (one per series and emitter), and a
//! port of Go's `math/rand/v2` PCG-DXSM so `rng: go` reproduces the Go tool.

/// Which random streams a run draws from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "bake", derive(serde::Serialize))]
pub enum RngKind {
    /// One ChaCha8 stream per (series, emitter): adding or removing other
    /// metrics never changes a series' values.
    #[default]
    ChaCha,
    /// One stream for the whole run, identical to the Go tool's.
    Go,
}

impl RngKind {
    /// The name used in scenario files and on the command line.
    pub const fn name(self) -> &'static str {
        match self {
            RngKind::ChaCha => "chacha",
            RngKind::Go => "go",
        }
    }
}

/// 2^-53: maps the top (or low) 53 bits of a draw onto [0, 1).
const UNIT: f64 = 1.0 / (1u64 << 53) as f64;

/// SplitMix64's finaliser: a well-mixed 64-bit value of `x` (for keys, not streams).
pub fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// FNV-1a, 64 bit: stable across platforms and releases, unlike `std`'s hasher.
pub const fn fnv1a64(text: &str) -> u64 {
    fnv1a64_bytes(text.as_bytes())
}

/// [`fnv1a64`] of bytes.
pub const fn fnv1a64_bytes(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut i = 0;
    while i < bytes.len() {
        hash ^= bytes[i] as u64;
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        i += 1;
    }
    hash
}

/// The ChaCha8 stream of one (series, emitter) pair: the word stream of
/// `rand`'s `ChaCha8Rng` for the same 32-byte seed (64-bit block counter from
/// 0, stream 0), read 64 bits at a time: its key and a [`KeyedStream`].
#[derive(Clone, Debug)]
pub struct ChaChaStream {
    key: StreamKey,
    stream: KeyedStream,
}

/// A ChaCha8 key as eight little-endian words.
pub type StreamKey = [u32; 8];

impl ChaChaStream {
    /// The stream keyed by `seed`, FNV-1a-64 of the metric action's name, of the
    /// emitter's name, and `series`, each as 8 little-endian bytes. `series`
    /// is FNV-1a-64 of the series' expanded values in its set (0 for a metric
    /// without brace expressions).
    pub fn new(seed: u64, metric: &str, emitter: &str, series: u64) -> Self {
        ChaChaStream { key: stream_key(seed, fnv1a64(metric), fnv1a64(emitter), series), stream: KeyedStream::new() }
    }

    /// The stream of a 32-byte seed, as `ChaCha8Rng::from_seed`.
    pub fn from_seed(seed: [u8; 32]) -> Self {
        let mut key = [0u32; 8];
        for (k, bytes) in key.iter_mut().zip(seed.chunks_exact(4)) {
            *k = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
        }
        ChaChaStream { key, stream: KeyedStream::new() }
    }

    /// The next raw 64-bit draw.
    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        self.stream.next_u64(|| self.key)
    }

    /// A uniform draw in [0, 1): the top 53 bits of a 64-bit draw ÷ 2^53.
    #[inline]
    pub fn uniform(&mut self) -> f64 {
        self.stream.uniform(|| self.key)
    }
}

/// The key of [`ChaChaStream::new`]'s stream, from the hashes of its names.
#[inline]
pub fn stream_key(seed: u64, metric_hash: u64, emitter_hash: u64, series: u64) -> StreamKey {
    let mut key = [0u32; 8];
    for (k, word) in [seed, metric_hash, emitter_hash, series].into_iter().enumerate() {
        key[2 * k] = word as u32;
        key[2 * k + 1] = (word >> 32) as u32;
    }
    key
}

/// A ChaCha8 stream's position and current block, without its key: the
/// caller gives the key when a block is due, as a run keeps one stream per
/// series and emitter that draws and can make the key from what they share
/// (72 bytes, where `ChaCha8Rng` buffers four blocks in 320).
#[derive(Clone, Debug)]
pub struct KeyedStream {
    /// The next 64-bit draw's index in the stream: block `next / 8`, draw `next % 8`.
    next: u64,
    /// Block `(next - 1) / 8`'s words as 64-bit draws (low word first).
    block: [u64; 8],
}

impl Default for KeyedStream {
    fn default() -> Self {
        Self::new()
    }
}

impl KeyedStream {
    /// A stream at its start.
    pub fn new() -> Self {
        KeyedStream { next: 0, block: [0; 8] }
    }

    /// The next raw 64-bit draw of the stream keyed by `key()` (always the same key).
    #[inline]
    pub fn next_u64(&mut self, key: impl FnOnce() -> StreamKey) -> u64 {
        let i = (self.next % 8) as usize;
        if i == 0 {
            self.refill(&key());
        }
        self.next += 1;
        self.block[i]
    }

    /// A uniform draw in [0, 1): the top 53 bits of a 64-bit draw ÷ 2^53.
    #[inline]
    pub fn uniform(&mut self, key: impl FnOnce() -> StreamKey) -> f64 {
        unit_from_top_bits(self.next_u64(key))
    }

    /// The index of its next draw (what [`keyed_draw`] needs to go on from here).
    pub fn position(&self) -> u64 {
        self.next
    }

    /// Computes block `next / 8`.
    #[cold]
    #[inline(never)]
    fn refill(&mut self, key: &StreamKey) {
        self.block = chacha8_block(key, self.next / 8);
    }
}

/// Draw `index` of the stream keyed by `key`, computed alone (a whole block
/// for one draw): for streams that keep only their position.
#[inline(never)]
pub fn keyed_draw(key: &StreamKey, index: u64) -> u64 {
    chacha8_block(key, index / 8)[(index % 8) as usize]
}

/// A uniform draw in [0, 1) of the 64-bit draw `bits`: its top 53 bits ÷ 2^53.
#[inline(always)]
pub fn unit_from_top_bits(bits: u64) -> f64 {
    (bits >> 11) as f64 * UNIT
}

/// Block `counter` of the ChaCha8 stream keyed by `key`, as 64-bit draws (low word first).
#[inline(always)]
fn chacha8_block(key: &StreamKey, counter: u64) -> [u64; 8] {
    let mut input = [0u32; 16];
    input[..4].copy_from_slice(&[0x6170_7865, 0x3320_646e, 0x7962_2d32, 0x6b20_6574]);
    input[4..12].copy_from_slice(key);
    input[12] = counter as u32;
    input[13] = (counter >> 32) as u32;
    let mut x = input;
    for _ in 0..4 {
        quarter(&mut x, 0, 4, 8, 12);
        quarter(&mut x, 1, 5, 9, 13);
        quarter(&mut x, 2, 6, 10, 14);
        quarter(&mut x, 3, 7, 11, 15);
        quarter(&mut x, 0, 5, 10, 15);
        quarter(&mut x, 1, 6, 11, 12);
        quarter(&mut x, 2, 7, 8, 13);
        quarter(&mut x, 3, 4, 9, 14);
    }
    let mut block = [0u64; 8];
    for (k, draw) in block.iter_mut().enumerate() {
        let lo = x[2 * k].wrapping_add(input[2 * k]);
        let hi = x[2 * k + 1].wrapping_add(input[2 * k + 1]);
        *draw = (u64::from(hi) << 32) | u64::from(lo);
    }
    block
}

/// The 32-byte seed of [`ChaChaStream::new`]'s stream.
#[cfg(test)]
fn stream_seed(seed: u64, metric: &str, emitter: &str, series: u64) -> [u8; 32] {
    let mut key = [0u8; 32];
    key[0..8].copy_from_slice(&seed.to_le_bytes());
    key[8..16].copy_from_slice(&fnv1a64(metric).to_le_bytes());
    key[16..24].copy_from_slice(&fnv1a64(emitter).to_le_bytes());
    key[24..32].copy_from_slice(&series.to_le_bytes());
    key
}

/// ChaCha's quarter round on words `a`, `b`, `c`, `d` of `x`.
#[inline(always)]
fn quarter(x: &mut [u32; 16], a: usize, b: usize, c: usize, d: usize) {
    x[a] = x[a].wrapping_add(x[b]);
    x[d] = (x[d] ^ x[a]).rotate_left(16);
    x[c] = x[c].wrapping_add(x[d]);
    x[b] = (x[b] ^ x[c]).rotate_left(12);
    x[a] = x[a].wrapping_add(x[b]);
    x[d] = (x[d] ^ x[a]).rotate_left(8);
    x[c] = x[c].wrapping_add(x[d]);
    x[b] = (x[b] ^ x[c]).rotate_left(7);
}

/// Go's `math/rand/v2` PCG with the DXSM output function, 128-bit state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GoPcg {
    state: u128,
}

impl GoPcg {
    const MUL: u128 = (2_549_297_995_355_413_924u128 << 64) | 4_865_540_595_714_422_341;
    const INC: u128 = (6_364_136_223_846_793_005u128 << 64) | 1_442_695_040_888_963_407;

    /// Go's `rand.NewPCG(seed1, seed2)`; flutter seeds it with `(seed, seed)`.
    pub const fn new(seed1: u64, seed2: u64) -> Self {
        GoPcg { state: ((seed1 as u128) << 64) | seed2 as u128 }
    }

    /// Go's `(*PCG).Uint64`.
    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_mul(Self::MUL).wrapping_add(Self::INC);
        let mut hi = (self.state >> 64) as u64;
        let lo = self.state as u64;
        hi ^= hi >> 32;
        hi = hi.wrapping_mul(0xda94_2042_e4dd_58b5);
        hi ^= hi >> 48;
        hi.wrapping_mul(lo | 1)
    }

    /// Go's `(*Rand).Float64`: the low 53 bits of a draw ÷ 2^53.
    #[inline]
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() & ((1u64 << 53) - 1)) as f64 * UNIT
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chacha_stream_is_rand_chacha8() {
        use rand::rngs::ChaCha8Rng;
        use rand::{Rng, SeedableRng};
        for (seed, metric, emitter, series) in [(1, "m", "w", 0), (u64::MAX, "a metric", "", 77), (0, "", "", 0)] {
            let mut ours = ChaChaStream::new(seed, metric, emitter, series);
            let mut theirs = ChaCha8Rng::from_seed(stream_seed(seed, metric, emitter, series));
            // Across blocks and across `ChaCha8Rng`'s four-block buffers.
            for k in 0..1000 {
                assert_eq!(ours.next_u64(), theirs.next_u64(), "draw {k} of {seed} {metric} {emitter} {series}");
            }
            assert_eq!(ours.uniform(), (theirs.next_u64() >> 11) as f64 * UNIT);
        }
        assert_eq!(std::mem::size_of::<ChaChaStream>(), 104);
    }

    /// A stream that keeps only its position draws what one keeping its block does.
    #[test]
    fn a_draw_alone_is_the_streams_draw() {
        let key = stream_key(7, fnv1a64("m"), fnv1a64("w"), 3);
        let mut stream = KeyedStream::new();
        for index in 0..100 {
            assert_eq!(stream.position(), index);
            assert_eq!(keyed_draw(&key, index), stream.next_u64(|| key), "draw {index}");
        }
    }

    #[test]
    fn go_pcg_matches_go_golden_values() {
        let mut p = GoPcg::new(1, 2);
        let want = [0xc4f5a58656eef510u64, 0x9dcec3ad077dec6c, 0xc8d04605312f8088, 0xcbedc0dcb63ac19a];
        for w in want {
            assert_eq!(p.next_u64(), w);
        }
        let mut p = GoPcg::new(1, 2);
        let want = [0.6764556596678251, 0.4613862177205994, 0.5085473976760264];
        for w in want {
            assert_eq!(p.uniform(), w);
        }
    }

    #[test]
    fn go_pcg_readme_seed() {
        let mut p = GoPcg::new(123456789, 123456789);
        assert_eq!(p.clone().next_u64(), 0x394a69eef1b77b75);
        for w in [0.3254313202886424, 0.4613269184419787, 0.45677457759385387] {
            assert_eq!(p.uniform(), w);
        }
    }

    #[test]
    fn fnv1a64_reference_values() {
        assert_eq!(fnv1a64(""), 0xcbf29ce484222325);
        assert_eq!(fnv1a64("a"), 0xaf63dc4c8601ec8c);
        assert_eq!(fnv1a64("foobar"), 0x85944171f73967e8);
    }

    /// The oracle itself: a crate upgrade that changed `ChaCha8Rng` fails here.
    #[test]
    fn chacha8_crate_golden_value() {
        use rand::rngs::ChaCha8Rng;
        use rand::{Rng, SeedableRng};
        let mut r = ChaCha8Rng::seed_from_u64(42);
        assert_eq!(r.next_u64(), 0xae90bfb5395d5ba1);
    }

    /// Locks flutter's keyed streams: a change to the keying or the crate fails here.
    #[test]
    fn keyed_stream_golden_values() {
        let mut s = ChaChaStream::new(123456789, "pod.cpu.usage", "random5", 0);
        let got: Vec<f64> = (0..3).map(|_| s.uniform()).collect();
        assert_eq!(got, GOLDEN_POD_CPU);
        let mut s = ChaChaStream::new(1, "a", "b", 0);
        assert_eq!(s.next_u64(), GOLDEN_A_B_U64);
        // Every part of the key matters.
        let first = |seed, m, e, i| ChaChaStream::new(seed, m, e, i).next_u64();
        let base = first(1, "a", "b", 0);
        assert_ne!(base, first(2, "a", "b", 0));
        assert_ne!(base, first(1, "x", "b", 0));
        assert_ne!(base, first(1, "a", "x", 0));
        assert_ne!(base, first(1, "a", "b", 1));
    }

    const GOLDEN_POD_CPU: [f64; 3] = [0.6442484906602373, 0.42805341000978125, 0.4505632814695165];
    const GOLDEN_A_B_U64: u64 = 13801891906395711022;
}
