//! Traces (SCENARIO.md, *Fourth stage: traces and logs*): the model of a
//! `type: trace` action — a template of a span tree and how often it is
//! played. The loader reads it in `scenario::traces`, the engine plays it in
//! `engine::traces`, and its spans reach the sinks in the batch's
//! [`SpanSection`](crate::batch::SpanSection).
//!
//! A trace template draws everything from its own random stream (keyed by
//! the seed and the action's name), so adding a trace to a scenario never
//! changes the metrics' values, and the same seed gives the same trace and
//! span IDs.

use std::borrow::Cow;

use crate::go::duration::GoDuration;
use crate::kinds::distribution::Distribution;
use crate::scenario::KeyValue;

/// The most traces a template starts in one second; a rate emitter above
/// it is held there (with a warning).
pub const MAX_RATE: f64 = 1_000_000.0;

/// The most spans a template makes in one second (its rate times the most
/// spans of a trace): above it, its rate is held (with a warning), so a deep
/// tree at a high rate cannot exhaust memory.
pub const MAX_SPANS_PER_SECOND: f64 = 10_000_000.0;

/// A trace template's definition or reconfiguration; `None` fields keep
/// their values (a definition gives `rate` and `root`).
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "bake", derive(serde::Serialize))]
pub struct TraceSpec<'a> {
    /// Traces started per second.
    pub rate: Option<Amount<'a>>,
    /// The resource of every span that does not set its own.
    pub resource: Option<Cow<'a, [KeyValue<'a>]>>,
    /// The root span and, below it, the whole tree.
    pub root: Option<SpanTemplate<'a>>,
    /// Whether calls and duration metrics are made from the spans (default: no).
    pub span_metrics: Option<bool>,
    /// How often those metrics get a point (default [`DEFAULT_SPAN_METRICS_FREQUENCY`]).
    pub frequency: Option<GoDuration>,
}

/// How often span metrics get a point when `frequency` is not given.
pub const DEFAULT_SPAN_METRICS_FREQUENCY: GoDuration = GoDuration::from_secs(10);

/// A number, or an emitter's value at each tick.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "bake", derive(serde::Serialize))]
pub enum Amount<'a> {
    /// Always this.
    Fixed(f64),
    /// The emitter's value (as one series would get it), at each tick.
    Emitter(Cow<'a, str>),
}

/// One span of a trace template, with its children.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "bake", derive(serde::Serialize))]
pub struct SpanTemplate<'a> {
    /// The span's name.
    pub name: Cow<'a, str>,
    /// OTLP span kind.
    pub kind: SpanKind,
    /// Self time: the span lasts this plus its children's time.
    pub duration: SpanDuration<'a>,
    /// Span attributes; a brace expression picks one value per span.
    pub attributes: Cow<'a, [KeyValue<'a>]>,
    /// The resource of this span and its descendants; a brace set picks one
    /// series per span.
    pub resource: Option<Cow<'a, [KeyValue<'a>]>>,
    /// The calls the span makes.
    pub children: Cow<'a, [SpanTemplate<'a>]>,
    /// Children run at once, not one after another.
    pub parallel: bool,
    /// The share of traces (of parent spans) in which the span happens.
    pub probability: f64,
    /// How many times it happens, each count equally likely.
    pub repeat: Repeat,
    /// The probability that the span fails (an emitter's value is clamped to [0, 1]).
    pub error: Amount<'a>,
    /// The status message of a failed span.
    pub error_message: Cow<'a, str>,
    /// A failure also marks every ancestor as failed.
    pub propagate: bool,
    /// The log records the span carries.
    pub logs: Cow<'a, [crate::logs::SpanLog<'a>]>,
}

/// `repeat`: a count, or a range of counts `min..max` (inclusive).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "bake", derive(serde::Serialize))]
pub struct Repeat {
    /// The fewest times.
    pub min: u32,
    /// The most times.
    pub max: u32,
}

impl SpanTemplate<'_> {
    /// Whether this span or one below it carries log records.
    pub fn has_logs(&self) -> bool {
        !self.logs.is_empty() || self.children.iter().any(SpanTemplate::has_logs)
    }

    /// The most spans a trace of this root can have (every child at its most repeats).
    pub fn most_spans(&self) -> u64 {
        let children = self.children.iter().map(|c| u64::from(c.repeat.max).saturating_mul(c.most_spans()));
        children.fold(1, u64::saturating_add)
    }
}

impl std::fmt::Display for Amount<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Amount::Fixed(v) => write!(f, "{v}"),
            Amount::Emitter(e) => write!(f, "emitter `{e}`"),
        }
    }
}

impl Repeat {
    /// Once.
    pub const ONCE: Repeat = Repeat { min: 1, max: 1 };
}

/// A span's self time.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "bake", derive(serde::Serialize))]
pub enum SpanDuration<'a> {
    /// Always this long.
    Fixed(GoDuration),
    /// Drawn around an emitter chain's value.
    Drawn {
        /// Emitters chained in order from 0, as for a metric.
        emitters: Cow<'a, [Cow<'a, str>]>,
        /// What the chain's value counts.
        unit: TimeUnit,
        /// How durations spread around the value (`None`: exactly the value).
        distribution: Option<Distribution>,
    },
}

/// The unit of a drawn duration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "bake", derive(serde::Serialize))]
pub enum TimeUnit {
    /// Nanoseconds.
    Ns,
    /// Microseconds.
    Us,
    /// Milliseconds.
    Ms,
    /// Seconds.
    S,
}

impl TimeUnit {
    /// Every unit with its name in scenario files.
    pub const ALL: [(&'static str, TimeUnit); 4] =
        [("ns", TimeUnit::Ns), ("us", TimeUnit::Us), ("ms", TimeUnit::Ms), ("s", TimeUnit::S)];

    /// Nanoseconds in one unit.
    pub fn nanos(self) -> f64 {
        match self {
            TimeUnit::Ns => 1.0,
            TimeUnit::Us => 1e3,
            TimeUnit::Ms => 1e6,
            TimeUnit::S => 1e9,
        }
    }
}

/// OTLP's span kinds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "bake", derive(serde::Serialize))]
pub enum SpanKind {
    /// An operation inside a service (the default).
    Internal,
    /// Serves a remote request.
    Server,
    /// Makes a remote request.
    Client,
    /// Sends a message.
    Producer,
    /// Takes a message.
    Consumer,
}

impl SpanKind {
    /// Every kind with its name in scenario files.
    pub const ALL: [(&'static str, SpanKind); 5] = [
        ("internal", SpanKind::Internal),
        ("server", SpanKind::Server),
        ("client", SpanKind::Client),
        ("producer", SpanKind::Producer),
        ("consumer", SpanKind::Consumer),
    ];

    /// Its name in scenario files.
    pub fn name(self) -> &'static str {
        Self::ALL.iter().find(|(_, k)| *k == self).map_or("internal", |(n, _)| n)
    }

    /// Its OTLP enum number (`SPAN_KIND_INTERNAL` is 1).
    pub fn otlp(self) -> u64 {
        match self {
            SpanKind::Internal => 1,
            SpanKind::Server => 2,
            SpanKind::Client => 3,
            SpanKind::Producer => 4,
            SpanKind::Consumer => 5,
        }
    }

    /// The name the span-metrics connector gives it (`SPAN_KIND_SERVER`).
    pub fn otlp_name(self) -> &'static str {
        match self {
            SpanKind::Internal => "SPAN_KIND_INTERNAL",
            SpanKind::Server => "SPAN_KIND_SERVER",
            SpanKind::Client => "SPAN_KIND_CLIENT",
            SpanKind::Producer => "SPAN_KIND_PRODUCER",
            SpanKind::Consumer => "SPAN_KIND_CONSUMER",
        }
    }
}
