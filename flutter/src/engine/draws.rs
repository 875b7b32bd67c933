//! Where a series' random draws come from: the run's one Go stream, or the
//! ChaCha stream of each (series, emitter) pair, made the first time it draws.
//! A pair's stream keeps only its position and block: its key is made from
//! the seed, the names' hashes and the series' key whenever a block is due.

use super::series::{Group, NO_RNG, SeriesInfo};
use crate::distributions::RandomBits;
use crate::rng::{GoPcg, KeyedStream, RngKind, StreamKey, stream_key};

/// The random streams of a run, for the series being sampled.
pub(super) struct Draws<'a, 'r> {
    /// The run's seed and random streams, copied so a draw reads them directly.
    pub seed: u64,
    pub kind: RngKind,
    pub go: &'a mut GoPcg,
    pub rngs: &'a mut Vec<KeyedStream>,
    /// The series' key and metric are looked up only to key a block (one
    /// draw in eight): the per-point loop reads the (cold) series info no more often.
    pub series_info: &'a [SeriesInfo],
    /// The series' metric group (its name's hash keys the stream).
    pub groups: &'a [Group<'r>],
    pub series: usize,
}

impl Draws<'_, '_> {
    /// The stream of the series and the emitter whose name hashes to `emitter`.
    #[inline]
    fn chacha(&mut self, rng: &mut u32, emitter: u64) -> (&mut KeyedStream, impl FnOnce() -> StreamKey + '_) {
        if *rng == NO_RNG {
            self.rngs.push(KeyedStream::new());
            *rng = self.rngs.len() as u32 - 1;
        }
        let Draws { seed, rngs, series_info, groups, series, .. } = self;
        let info = &series_info[*series];
        let key = move || stream_key(*seed, groups[info.group as usize].name_hash, emitter, info.key);
        (&mut rngs[*rng as usize], key)
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
            RngKind::ChaCha => {
                let (stream, key) = self.draws.chacha(self.rng, self.emitter);
                stream.next_u64(key)
            }
        }
    }

    #[inline]
    fn uniform(&mut self) -> f64 {
        match self.draws.kind {
            RngKind::Go => self.draws.go.uniform(),
            RngKind::ChaCha => {
                let (stream, key) = self.draws.chacha(self.rng, self.emitter);
                stream.uniform(key)
            }
        }
    }
}
