//! One metric's running state: schedule, emitter chain, totals, identity.
//!
//! What the per-tick loop reads is kept small ([`Series`]); names, attributes,
//! the emitter-to-slot map and histogram state live apart, touched only when
//! actions apply or a histogram point is made.

use crate::batch::DataModel;
use crate::kinds::emitters::SeriesState;
use crate::kinds::metrics::{MetricKind, MetricState, Temporality};
use crate::scenario::{KeyValue, MetricSpec};

/// Tick value meaning "never" (no point yet, no end, not due).
pub(crate) const NEVER: u64 = u64::MAX;

/// The per-tick state of one metric (one series).
#[derive(Clone, Debug)]
pub(crate) struct Series<'r> {
    pub next_due: u64,
    /// Seconds between points.
    pub frequency: u64,
    pub created_tick: u64,
    /// The tick of the last point, or [`NEVER`].
    pub last_point: u64,
    /// No points after this tick ([`NEVER`]: no end).
    pub to: u64,
    pub enabled: bool,
    /// Seconds spent disabled since the previous point (a total does not accrue then).
    pub off_seconds: u64,
    /// The emitter chain: `links[chain_start .. chain_start + chain_len]`.
    pub chain_start: u32,
    pub chain_len: u32,
    /// The stream (exported identity) its points currently belong to.
    pub stream: u32,
    pub kind: MetricKind,
    /// Where a point's start time is (fixed by the kind and temporality).
    pub start: StartFrom,
    /// Whether its kind takes an observation rate.
    pub has_rate: bool,
    /// What its kind keeps between points (a sum's total, a histogram's buckets).
    pub state: MetricState<'r>,
    /// The stream its kind's own draws (observations) come from, or [`NO_RNG`].
    pub observations_rng: u32,
}

impl Series<'_> {
    /// The next due tick at `now` (after a frequency change or an enable): the
    /// last point plus the frequency (at once if that is past); before any point,
    /// the first tick ≥ max(creation, frequency).
    pub fn reschedule(&mut self, now: u64) {
        let due = if self.last_point == NEVER {
            self.created_tick.max(self.frequency)
        } else {
            self.last_point + self.frequency
        };
        self.next_due = if self.enabled { due.max(now) } else { NEVER };
    }

    /// Where the next point's interval starts: the previous point, or creation.
    pub fn interval_start(&self) -> u64 {
        if self.last_point == NEVER { self.created_tick } else { self.last_point }
    }

    /// Disables or enables at `tick` (`off_since` is where the series keeps
    /// the tick it was disabled at); the caller reschedules.
    pub fn set_enabled(&mut self, enable: bool, tick: u64, off_since: &mut u64) {
        if enable && !self.enabled {
            self.off_seconds += tick - *off_since;
            *off_since = NEVER;
        } else if !enable && self.enabled {
            *off_since = tick;
        }
        self.enabled = enable;
    }

    /// The seconds a point at `tick` accounts for: those since the previous
    /// point (creation for the first) during which the metric was enabled.
    /// Resets the disabled time, so call it once per point made.
    pub fn take_enabled_seconds(&mut self, tick: u64) -> u64 {
        let seconds = tick - self.interval_start() - self.off_seconds;
        self.off_seconds = 0;
        seconds
    }
}

/// Where a point's OTLP start time is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum StartFrom {
    /// The point's own tick (gauges).
    Tick,
    /// The series' creation (cumulative sums and histograms).
    Creation,
    /// The previous point, or the creation for the first (delta).
    Previous,
}

impl StartFrom {
    pub fn of(kind: MetricKind, temporality: Temporality) -> Self {
        match (kind.data_model(), temporality) {
            (DataModel::Gauge, _) => StartFrom::Tick,
            (_, Temporality::Cumulative) => StartFrom::Creation,
            (_, Temporality::Delta) => StartFrom::Previous,
        }
    }
}

/// One step of a chain: which emitter, and which slot holds this series' state for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Link {
    pub emitter: u32,
    pub slot: u32,
}

/// Where a series' observation rate comes from (histograms).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum RateSource {
    PerSecond(f64),
    /// An emitter sampled at each point, with this series' slot for it.
    Emitter(Link),
}

/// The state one series keeps for one emitter, with its random stream: small
/// and `Copy`, so a run's slots sit densely in one array (the ChaCha states
/// live in their own).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Slot {
    /// The emitter's configuration generation this state belongs to; a newer
    /// one means the emitter was reconfigured and the state must be reset.
    pub epoch: u32,
    /// Index of this (series, emitter) pair's ChaCha stream, or [`NO_RNG`].
    pub rng: u32,
    /// The emitter kind's per-series state.
    pub state: SeriesState,
}

/// A random stream index meaning "not made yet".
pub(crate) const NO_RNG: u32 = u32::MAX;

impl Slot {
    pub fn new() -> Self {
        // epoch 0 is never an emitter's generation, so the first use resets.
        Slot { epoch: 0, rng: NO_RNG, state: SeriesState::default() }
    }
}

/// What the engine needs of a series only when actions apply.
#[derive(Debug)]
pub(crate) struct SeriesInfo<'r> {
    /// The metric action's name (keys its random streams).
    pub name: &'r str,
    pub identity: Identity<'r>,
    /// The slot of every emitter this series has used, so a chain change keeps state.
    pub slot_of: Vec<(u32, u32)>,
    /// Kinds with a rate: where it comes from.
    pub rate: RateSource,
    /// Sums and histograms: cumulative or delta (fixed by the definition).
    pub temporality: Temporality,
    /// While disabled: the tick it was disabled at; else [`NEVER`].
    pub off_since: u64,
    /// Explicit histograms: the bucket bounds (fixed by the definition).
    pub bounds: &'r [f64],
}

/// What makes a series' points one OTLP stream.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Identity<'r> {
    pub name: &'r str,
    pub unit: &'r str,
    pub description: &'r str,
    pub resource: &'r [KeyValue<'static>],
    pub scope: &'r [KeyValue<'static>],
    pub datapoint: &'r [KeyValue<'static>],
}

impl<'r> Identity<'r> {
    /// The default identity of a metric defined by action `name`.
    pub fn new(name: &'r str) -> Self {
        Identity { name, unit: "", description: "", resource: &[], scope: &[], datapoint: &[] }
    }

    /// The identity after `spec`'s given fields replace this one's.
    pub fn overlay(mut self, spec: &'r MetricSpec<'static>) -> Self {
        if let Some(n) = &spec.name {
            self.name = n;
        }
        if let Some(u) = &spec.unit {
            self.unit = u;
        }
        if let Some(d) = &spec.description {
            self.description = d;
        }
        if let Some(a) = &spec.resource {
            self.resource = a;
        }
        if let Some(a) = &spec.scope {
            self.scope = a;
        }
        if let Some(a) = &spec.datapoint {
            self.datapoint = a;
        }
        self
    }
}
