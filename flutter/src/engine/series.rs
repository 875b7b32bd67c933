//! One metric's running state: schedule, emitter chain, totals, identity.
//!
//! What the per-tick loop reads is kept small ([`Series`]); names, attributes,
//! the emitter-to-slot map and histogram state live apart, touched only when
//! actions apply or a histogram point is made.

use super::histogram::{Explicit, Exponential};
use crate::scenario::{Distribution, KeyValue, MetricKind, MetricSpec, Temporality};

/// Tick value meaning "never" (no point yet, no end, not due).
pub(crate) const NEVER: u64 = u64::MAX;

/// The per-tick state of one metric (one series).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Series {
    pub next_due: u64,
    /// Seconds between points.
    pub frequency: u64,
    pub created_tick: u64,
    /// The tick of the last point, or [`NEVER`].
    pub last_point: u64,
    /// No points after this tick ([`NEVER`]: no end).
    pub to: u64,
    pub enabled: bool,
    /// While disabled: the tick it was disabled at; else [`NEVER`].
    pub off_since: u64,
    /// Seconds spent disabled since the previous point (a total does not accrue then).
    pub off_seconds: u64,
    /// A counter's running total.
    pub total: f64,
    /// The emitter chain: `links[chain_start .. chain_start + chain_len]`.
    pub chain_start: u32,
    pub chain_len: u32,
    /// The stream (exported identity) its points currently belong to.
    pub stream: u32,
    pub kind: MetricKind,
    pub temporality: Temporality,
    pub int_values: bool,
    /// Index of its histogram state, or `u32::MAX`.
    pub hist: u32,
}

impl Series {
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

    /// Disables or enables at `tick`; the caller reschedules.
    pub fn set_enabled(&mut self, enable: bool, tick: u64) {
        if enable && !self.enabled {
            self.off_seconds += tick - self.off_since;
            self.off_since = NEVER;
        } else if !enable && self.enabled {
            self.off_since = tick;
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

/// One step of a chain: which emitter, and which slot holds this series' state for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Link {
    pub emitter: u32,
    pub slot: u32,
}

/// What the engine needs of a series only when actions apply.
#[derive(Debug)]
pub(crate) struct SeriesInfo<'r> {
    /// The metric action's name (keys its random streams).
    pub name: &'r str,
    pub identity: Identity<'r>,
    /// The slot of every emitter this series has used, so a chain change keeps state.
    pub slot_of: Vec<(u32, u32)>,
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

/// Where a histogram's observation rate comes from.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum RateSource {
    PerSecond(f64),
    /// An emitter sampled at each point, with this series' slot for it.
    Emitter {
        emitter: u32,
        slot: u32,
    },
}

/// A histogram series' settings and running totals.
#[derive(Debug)]
pub(crate) struct HistState<'r> {
    pub rate: RateSource,
    pub distribution: Distribution,
    pub bounds: &'r [f64],
    pub max_size: u32,
    pub max_scale: i32,
    /// This series' observation stream, once made.
    pub stream: u32,
    /// Cumulative totals (delta histograms start afresh at every point).
    pub explicit: Explicit,
    pub exponential: Exponential,
    /// A warning about an impossible centre was given.
    pub warned: bool,
}
