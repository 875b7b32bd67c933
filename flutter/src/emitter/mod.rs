//! Emitters: what turns the value built so far into a new one.
//!
//! Configuration lives once per emitter; state that must be per series (a walk's
//! position, a spike's on/off, a sequence's place, the random stream) lives in a
//! [`Slot`] owned by each series.

mod constant;
mod noise;
mod periodic;
mod ramp;
mod random_walk;
mod sequence;
mod transform;

pub(crate) use constant::Constant;
pub(crate) use noise::{NormalNoise, PoissonNoise, SpikyNoise};
pub(crate) use periodic::Periodic;
pub(crate) use ramp::Ramp;
pub(crate) use random_walk::RandomWalk;
pub(crate) use sequence::{SeqValue, Sequence};
pub(crate) use transform::{Clamp, round_to};

use crate::distributions::Source;
use crate::go::duration::GoDuration;
use crate::scenario::EmitterSpec;

/// An emitter's current configuration.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Emitter<'r> {
    Constant(Constant),
    Ramp(Ramp),
    RandomWalk(RandomWalk),
    NormalNoise(NormalNoise),
    PoissonNoise(PoissonNoise),
    SpikyNoise(SpikyNoise),
    Periodic(Periodic),
    Sequence(Sequence<'r>),
    Clamp(Clamp),
    Scale(f64),
    Round(f64),
    Abs,
}

impl<'r> Emitter<'r> {
    /// A new emitter defined at `at`.
    pub fn new(spec: &'r EmitterSpec<'static>, at: GoDuration) -> Self {
        match spec {
            EmitterSpec::Constant(s) => Emitter::Constant(Constant::new(s)),
            EmitterSpec::Ramp(s) => Emitter::Ramp(Ramp::new(s, at)),
            EmitterSpec::RandomWalk(s) => Emitter::RandomWalk(RandomWalk::new(s)),
            EmitterSpec::NormalNoise(s) => Emitter::NormalNoise(NormalNoise::new(s)),
            EmitterSpec::PoissonNoise(s) => Emitter::PoissonNoise(PoissonNoise::new(s)),
            EmitterSpec::SpikyNoise(s) => Emitter::SpikyNoise(SpikyNoise::new(s)),
            EmitterSpec::Periodic(s) => Emitter::Periodic(Periodic::new(s)),
            EmitterSpec::Sequence(s) => Emitter::Sequence(Sequence::new(s)),
            EmitterSpec::Clamp(s) => Emitter::Clamp(Clamp { min: s.min, max: s.max }),
            EmitterSpec::Scale(s) => Emitter::Scale(s.factor.unwrap_or(1.0)),
            EmitterSpec::Round(s) => Emitter::Round(s.step.unwrap_or(1.0)),
            EmitterSpec::Abs => Emitter::Abs,
        }
    }

    /// Applies a reconfiguration at `at`: given fields replace the current ones;
    /// a spec of another type replaces the emitter with a new one.
    pub fn reconfigure(&mut self, spec: &'r EmitterSpec<'static>, at: GoDuration) {
        match (self, spec) {
            (Emitter::Constant(c), EmitterSpec::Constant(s)) => c.reconfigure(s),
            (Emitter::Ramp(r), EmitterSpec::Ramp(s)) => r.reconfigure(s, at),
            (Emitter::RandomWalk(w), EmitterSpec::RandomWalk(s)) => w.reconfigure(s),
            (Emitter::NormalNoise(n), EmitterSpec::NormalNoise(s)) => n.reconfigure(s),
            (Emitter::PoissonNoise(p), EmitterSpec::PoissonNoise(s)) => p.reconfigure(s),
            (Emitter::SpikyNoise(p), EmitterSpec::SpikyNoise(s)) => p.reconfigure(s),
            (Emitter::Periodic(p), EmitterSpec::Periodic(s)) => p.reconfigure(s),
            (Emitter::Sequence(q), EmitterSpec::Sequence(s)) => q.reconfigure(s),
            (Emitter::Clamp(c), EmitterSpec::Clamp(s)) => c.reconfigure(s),
            (Emitter::Scale(f), EmitterSpec::Scale(s)) => *f = s.factor.unwrap_or(*f),
            (Emitter::Round(step), EmitterSpec::Round(s)) => *step = s.step.unwrap_or(*step),
            (this, spec) => *this = Emitter::new(spec, at),
        }
    }

    /// Passes the chain's value through this emitter for one point at `t_ns`.
    // Always inlined: it runs once per chain link per point, and a call costs
    // about as much as a constant's or a walk's work (measured: +7 % points/s
    // with `rng: go`, where the draw is cheapest).
    #[inline(always)]
    pub fn apply<D: Draw>(&self, v: &mut ChainValue, t_ns: i64, slot: &mut Slot, draw: &mut D) -> f64 {
        let Slot { x, on, seq_step, seq_within, stream, .. } = slot;
        let mut src = SlotSource { draw, stream };
        v.value = match self {
            Emitter::Constant(c) => v.value + c.value,
            Emitter::Ramp(r) => v.value + r.value_at(t_ns),
            Emitter::RandomWalk(w) => {
                *x = w.step(*x, src.uniform());
                v.value + *x
            }
            Emitter::NormalNoise(n) => v.value + n.sample(&mut src),
            Emitter::PoissonNoise(p) => v.value + p.sample(&mut src),
            Emitter::SpikyNoise(s) => v.value + s.sample(on, &mut src),
            Emitter::Periodic(p) => v.value + p.value_at(t_ns),
            Emitter::Sequence(q) => match q.next(seq_step, seq_within) {
                SeqValue::Value(x) => v.value + x,
                SeqValue::Missing => {
                    v.mark = v.mark.max(Mark::Missing);
                    v.value
                }
                SeqValue::Stale => {
                    v.mark = v.mark.max(Mark::Stale);
                    v.value
                }
            },
            Emitter::Clamp(c) => c.apply(v.value),
            Emitter::Scale(f) => v.value * f,
            Emitter::Round(step) => round_to(v.value, *step),
            Emitter::Abs => v.value.abs(),
        };
        v.value
    }

    /// Resets per-series state after a (re)configuration. A spike's on/off
    /// state is kept.
    pub fn reset(&self, slot: &mut Slot) {
        match self {
            Emitter::RandomWalk(w) => slot.x = w.target,
            Emitter::Sequence(_) => {
                slot.seq_step = 0;
                slot.seq_within = 0;
            }
            _ => {}
        }
    }
}

/// Whether a point has a value, is missing, or marks staleness.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Mark {
    #[default]
    Value,
    Stale,
    /// Strongest: a missing point is not sent at all.
    Missing,
}

/// The value built along a chain.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct ChainValue {
    pub value: f64,
    pub mark: Mark,
}

/// The state one series keeps for one emitter: small and `Copy`, so a run's
/// slots sit densely in one array (the ChaCha states live in their own).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Slot {
    /// The emitter's configuration generation this state belongs to; a newer
    /// one means the emitter was reconfigured and the state must be reset.
    pub epoch: u32,
    /// Index of this (series, emitter) pair's ChaCha stream, once made.
    pub stream: u32,
    /// A random walk's position.
    pub x: f64,
    /// A sequence's place: step, and value within the step.
    pub seq_step: u32,
    pub seq_within: u64,
    /// A spiky noise's state.
    pub on: bool,
}

impl Slot {
    /// No stream yet.
    pub const NO_STREAM: u32 = u32::MAX;

    pub fn new() -> Self {
        // epoch 0 is never an emitter's generation, so the first use resets.
        Slot { epoch: 0, stream: Self::NO_STREAM, x: 0.0, seq_step: 0, seq_within: 0, on: false }
    }
}

/// Random draws for one (series, emitter) pair, whose stream index is `stream`.
pub(crate) trait Draw {
    fn next_u64(&mut self, stream: &mut u32) -> u64;
    fn uniform(&mut self, stream: &mut u32) -> f64;
}

/// A [`Source`] over one slot's draws.
pub(crate) struct SlotSource<'a, D> {
    pub draw: &'a mut D,
    pub stream: &'a mut u32,
}

impl<D: Draw> Source for SlotSource<'_, D> {
    #[inline]
    fn next_u64(&mut self) -> u64 {
        self.draw.next_u64(self.stream)
    }
    #[inline]
    fn uniform(&mut self) -> f64 {
        self.draw.uniform(self.stream)
    }
}
