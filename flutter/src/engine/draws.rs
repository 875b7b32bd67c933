//! Where a series' random draws come from: the run's one Go stream, or the
//! ChaCha stream of each (series, emitter) pair, made the first time it draws.

use super::series::{Group, NO_RNG, SeriesInfo};
use crate::distributions::RandomBits;
use crate::rng::{ChaChaStream, GoPcg, RngKind};

/// The random streams of a run, for the series being sampled.
pub(super) struct Draws<'a, 'r> {
    /// The run's seed and random streams, copied so a draw reads them directly.
    pub seed: u64,
    pub kind: RngKind,
    pub go: &'a mut GoPcg,
    pub rngs: &'a mut Vec<ChaChaStream>,
    /// The series' key and metric name are looked up only to make a stream:
    /// the per-point loop never touches the (cold) series info otherwise.
    pub series_info: &'a [SeriesInfo],
    /// The series' metric group (its name keys the stream).
    pub groups: &'a [Group<'r>],
    pub series: usize,
}

impl Draws<'_, '_> {
    #[inline]
    fn chacha(&mut self, rng: &mut u32, emitter: &str) -> &mut ChaChaStream {
        if *rng == NO_RNG {
            *rng = self.new_stream(emitter);
        }
        &mut self.rngs[*rng as usize]
    }

    #[cold]
    fn new_stream(&mut self, emitter: &str) -> u32 {
        let info = &self.series_info[self.series];
        self.rngs.push(ChaChaStream::new(self.seed, self.groups[info.group as usize].name, emitter, info.key));
        self.rngs.len() as u32 - 1
    }
}

/// The draws of one (series, emitter) pair: `rng` is the pair's stream index,
/// `emitter` the name keying it.
pub(super) struct SlotRng<'d, 'a, 'r> {
    pub draws: &'d mut Draws<'a, 'r>,
    pub rng: &'d mut u32,
    pub emitter: &'d str,
}

impl RandomBits for SlotRng<'_, '_, '_> {
    #[inline]
    fn next_u64(&mut self) -> u64 {
        match self.draws.kind {
            RngKind::Go => self.draws.go.next_u64(),
            RngKind::ChaCha => self.draws.chacha(self.rng, self.emitter).next_u64(),
        }
    }

    #[inline]
    fn uniform(&mut self) -> f64 {
        match self.draws.kind {
            RngKind::Go => self.draws.go.uniform(),
            RngKind::ChaCha => self.draws.chacha(self.rng, self.emitter).uniform(),
        }
    }
}
