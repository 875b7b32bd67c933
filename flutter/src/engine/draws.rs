//! Where a series' random draws come from: the run's one Go stream, or the
//! ChaCha stream of each (series, emitter) pair, made the first time it draws.
//! A pair's stream keeps only its position and block: its key is made from
//! the seed, the names' hashes and the series' key whenever a block is due.

use super::series::{Group, NO_RNG, SeriesInfo};
use crate::distributions::RandomBits;
use crate::rng::{GoPcg, KeyedStream, RngKind, StreamKey, keyed_draw, stream_key, unit_from_top_bits};

/// The ChaCha streams of a run's (series, emitter) pairs, by index: each
/// keeping its current block (72 bytes, a block per eight draws), or, when
/// memory counts more than CPU, only its position (8 bytes, a block per
/// draw). The same draws either way.
#[derive(Debug)]
pub(super) enum PairStreams {
    Blocks(Vec<KeyedStream>),
    Positions(Vec<u64>),
}

impl PairStreams {
    /// A new stream at its start; its index.
    pub fn push(&mut self) -> u32 {
        let len = match self {
            PairStreams::Blocks(v) => {
                v.push(KeyedStream::new());
                v.len()
            }
            PairStreams::Positions(v) => {
                v.push(0);
                v.len()
            }
        };
        // A run's slots are counted in u32 as well.
        u32::try_from(len - 1).expect("fewer than 4 billion random streams")
    }

    /// Stream `i` starts again (keyed anew by its caller).
    pub fn restart(&mut self, i: u32) {
        match self {
            PairStreams::Blocks(v) => v[i as usize] = KeyedStream::new(),
            PairStreams::Positions(v) => v[i as usize] = 0,
        }
    }

    /// From now on, streams keep only their positions (what they drew is kept).
    pub fn keep_positions(&mut self) {
        if let PairStreams::Blocks(v) = self {
            *self = PairStreams::Positions(v.iter().map(KeyedStream::position).collect());
        }
    }

    /// The next draw of stream `i`, keyed by `key()`.
    #[inline(always)]
    fn next_u64(&mut self, i: u32, key: impl FnOnce() -> StreamKey) -> u64 {
        match self {
            PairStreams::Blocks(v) => v[i as usize].next_u64(key),
            PairStreams::Positions(v) => {
                let next = &mut v[i as usize];
                *next += 1;
                keyed_draw(&key(), *next - 1)
            }
        }
    }
}

/// The random streams of a run, for the series being sampled.
pub(super) struct Draws<'a, 'r> {
    /// The run's seed and random streams, copied so a draw reads them directly.
    pub seed: u64,
    pub kind: RngKind,
    pub go: &'a mut GoPcg,
    pub rngs: &'a mut PairStreams,
    /// The series' key and metric are looked up only to key a block (one
    /// draw in eight, or each when favouring memory): the per-point loop
    /// reads the (cold) series info no more often.
    pub series_info: &'a [SeriesInfo],
    /// The series' metric group (its name's hash keys the stream).
    pub groups: &'a [Group<'r>],
    pub series: usize,
}

impl Draws<'_, '_> {
    /// The next draw of the series' stream for the emitter whose name hashes to `emitter`.
    #[inline]
    fn chacha(&mut self, rng: &mut u32, emitter: u64) -> u64 {
        if *rng == NO_RNG {
            *rng = self.rngs.push();
        }
        let Draws { seed, rngs, series_info, groups, series, .. } = self;
        let info = &series_info[*series];
        rngs.next_u64(*rng, || stream_key(*seed, groups[info.group as usize].name_hash, emitter, info.key()))
    }
}

/// The draws of one (series, emitter) pair: `rng` is the pair's stream index,
/// `emitter` the hash of the name keying it.
pub(super) struct SlotRng<'d, 'a, 'r> {
    pub draws: &'d mut Draws<'a, 'r>,
    pub rng: &'d mut u32,
    pub emitter: u64,
}

impl RandomBits for SlotRng<'_, '_, '_> {
    #[inline]
    fn next_u64(&mut self) -> u64 {
        match self.draws.kind {
            RngKind::Go => self.draws.go.next_u64(),
            RngKind::ChaCha => self.draws.chacha(self.rng, self.emitter),
        }
    }

    #[inline]
    fn uniform(&mut self) -> f64 {
        match self.draws.kind {
            RngKind::Go => self.draws.go.uniform(),
            RngKind::ChaCha => unit_from_top_bits(self.draws.chacha(self.rng, self.emitter)),
        }
    }
}
