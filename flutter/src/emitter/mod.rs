//! Emitters: what turns the value built so far into a new one.
//!
//! Configuration lives once per emitter; state that must be per series (a walk's
//! position, its random stream) lives in a [`Slot`] owned by each series.

mod constant;
mod ramp;
mod random_walk;

pub(crate) use constant::Constant;
pub(crate) use ramp::Ramp;
pub(crate) use random_walk::RandomWalk;

use crate::duration::GoDuration;
use crate::scenario::EmitterSpec;

/// An emitter's current configuration.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Emitter {
    Constant(Constant),
    Ramp(Ramp),
    RandomWalk(RandomWalk),
}

impl Emitter {
    /// A new emitter defined at `at`.
    pub fn new(spec: &EmitterSpec, at: GoDuration) -> Self {
        match spec {
            EmitterSpec::Constant(s) => Emitter::Constant(Constant::new(s)),
            EmitterSpec::Ramp(s) => Emitter::Ramp(Ramp::new(s, at)),
            EmitterSpec::RandomWalk(s) => Emitter::RandomWalk(RandomWalk::new(s)),
        }
    }

    /// Applies a reconfiguration at `at`: given fields replace the current ones;
    /// a spec of another type replaces the emitter with a new one.
    pub fn reconfigure(&mut self, spec: &EmitterSpec, at: GoDuration) {
        match (self, spec) {
            (Emitter::Constant(c), EmitterSpec::Constant(s)) => c.reconfigure(s),
            (Emitter::Ramp(r), EmitterSpec::Ramp(s)) => r.reconfigure(s, at),
            (Emitter::RandomWalk(w), EmitterSpec::RandomWalk(s)) => w.reconfigure(s),
            (this, spec) => *this = Emitter::new(spec, at),
        }
    }

    /// Passes `incoming` through this emitter for one point at `t_ns`.
    #[inline]
    pub fn apply<D: Draw>(&self, incoming: f64, t_ns: i64, slot: &mut Slot, draw: &mut D) -> f64 {
        match self {
            Emitter::Constant(c) => incoming + c.value,
            Emitter::Ramp(r) => incoming + r.value_at(t_ns),
            Emitter::RandomWalk(w) => {
                let u = draw.uniform(slot);
                slot.x = w.step(slot.x, u);
                incoming + slot.x
            }
        }
    }

    /// Resets per-series state after a (re)configuration.
    pub fn reset(&self, slot: &mut Slot) {
        if let Emitter::RandomWalk(w) = self {
            slot.x = w.target;
        }
    }
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
}

impl Slot {
    /// No stream yet.
    pub const NO_STREAM: u32 = u32::MAX;

    pub fn new() -> Self {
        // epoch 0 is never an emitter's generation, so the first use resets.
        Slot { epoch: 0, stream: Self::NO_STREAM, x: 0.0 }
    }
}

/// Uniform draws in [0, 1) for one (series, emitter) slot.
pub(crate) trait Draw {
    fn uniform(&mut self, slot: &mut Slot) -> f64;
}
