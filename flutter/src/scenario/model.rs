//! The scenario model: what a loaded, validated scenario is.
//!
//! Every borrowed field is a `Cow<'a, …>`, so the same types hold a scenario the
//! loader built at run time (`Cow::Owned`) and one `include_scenario!` wrote as a
//! `static` literal (`Cow::Borrowed`). Fields that a later action may leave out
//! are `Option`s: `None` means "not given here, keep the current value".

use std::borrow::Cow;
use std::fmt;

use crate::duration::GoDuration;
use crate::rng::RngKind;

/// A validated scenario: settings and a script of timed actions.
#[derive(Clone, Debug, PartialEq)]
pub struct Scenario<'a> {
    /// The run covers ticks 0s, 1s, … `duration` inclusive.
    pub duration: GoDuration,
    /// The source of all randomness; `None` draws one when the run starts.
    pub seed: Option<u64>,
    /// The simulated wall clock of tick 0; `None` is the real time at start.
    pub wallclock_start: Option<Timestamp>,
    /// Send nothing and do not wait for the wall clock.
    pub dryrun: bool,
    /// Which random streams the run draws from.
    pub rng: RngKind,
    /// Where OTLP goes, if anywhere.
    pub otlp: Option<OtlpDestination<'a>>,
    /// The actions, in the order of the merged files (not sorted by `at`).
    pub script: Cow<'a, [Action<'a>]>,
}

/// A point in time: nanoseconds since the Unix epoch (UTC).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// Nanoseconds since the Unix epoch.
    pub const fn unix_nanos(self) -> i64 {
        self.0
    }

    /// Parses an RFC 3339 timestamp such as `2025-04-30T10:44:12Z`.
    pub fn parse_rfc3339(text: &str) -> Result<Timestamp, String> {
        let ts: jiff::Timestamp = text.parse().map_err(|e: jiff::Error| e.to_string())?;
        let nanos = ts.as_nanosecond();
        if nanos < 0 {
            return Err("it is before 1970-01-01T00:00:00Z, which OTLP cannot carry".into());
        }
        i64::try_from(nanos).map(Timestamp).map_err(|_| "it is after the year 2262".into())
    }

    /// The current real time.
    pub fn now() -> Timestamp {
        let nanos = jiff::Timestamp::now().as_nanosecond();
        Timestamp(i64::try_from(nanos).unwrap_or(i64::MAX))
    }

    /// This time plus a duration.
    pub const fn offset(self, d: GoDuration) -> Timestamp {
        Timestamp(self.0.saturating_add(d.as_nanos()))
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match jiff::Timestamp::from_nanosecond(i128::from(self.0)) {
            Ok(ts) => write!(f, "{ts}"),
            Err(_) => write!(f, "{}ns", self.0),
        }
    }
}

/// Where and how OTLP is sent.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct OtlpDestination<'a> {
    /// Base URL; metrics go to `<endpoint>/v1/metrics`.
    pub endpoint: Option<Cow<'a, str>>,
    /// Headers sent with every request; values may name `${ENV_VARS}`.
    pub headers: Cow<'a, [Header<'a>]>,
    /// Per-request timeout.
    pub timeout: Option<GoDuration>,
    /// Request body compression.
    pub compression: Option<Compression>,
    /// Largest request, in points (default 8,192).
    pub max_points_per_request: Option<u32>,
    /// In real time, how much data (in simulated time) may wait for delivery
    /// before the oldest is dropped (default 5m).
    pub queue_duration: Option<GoDuration>,
    /// After the last tick, how long waiting data may still be delivered (default 30s).
    pub flush_timeout: Option<GoDuration>,
    /// In `--fast` runs, how long one request may be retried before the run
    /// fails (default 5m).
    pub retry_budget: Option<GoDuration>,
}

/// An HTTP header as written in the scenario (the value is expanded at run time).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header<'a> {
    /// Header name.
    pub name: Cow<'a, str>,
    /// Header value, possibly with `${NAME}` references.
    pub value: Cow<'a, str>,
}

/// Request body compression.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Compression {
    /// Bodies are sent as they are.
    #[default]
    None,
    /// Bodies are gzip-compressed (`Content-Encoding: gzip`).
    Gzip,
}

/// One timed step of the script.
#[derive(Clone, Debug, PartialEq)]
pub struct Action<'a> {
    /// When the action takes effect.
    pub at: GoDuration,
    /// The component it defines or changes.
    pub name: Cow<'a, str>,
    /// What it does.
    pub kind: ActionKind<'a>,
}

/// What an action does.
#[derive(Clone, Debug, PartialEq)]
pub enum ActionKind<'a> {
    /// Define an emitter (first action with its name) or reconfigure it.
    Emitter(EmitterSpec<'a>),
    /// Define a metric (first action with its name) or reconfigure it in place.
    Metric(MetricSpec<'a>),
    /// Stop a metric's points (it keeps its running totals).
    DisableMetric,
    /// Resume a disabled metric's points.
    EnableMetric,
}

/// An emitter's definition or reconfiguration. The variant is the emitter's type
/// (resolved by the loader when the file leaves `type` out); `None` fields were
/// not given and keep their current values.
#[derive(Clone, Debug, PartialEq)]
pub enum EmitterSpec<'a> {
    /// Adds a constant value.
    Constant(ConstantSpec),
    /// Adds a value that moves linearly from `start` to `target`.
    Ramp(RampSpec),
    /// Adds a mean-reverting random walk.
    RandomWalk(RandomWalkSpec),
    /// Adds normally distributed noise.
    NormalNoise(NormalNoiseSpec),
    /// Adds Poisson-distributed counts.
    PoissonNoise(PoissonNoiseSpec),
    /// Adds occasional bursts of Poisson spikes.
    SpikyNoise(SpikyNoiseSpec),
    /// Adds a sine, square, sawtooth or triangle wave of simulated time.
    Periodic(PeriodicSpec),
    /// Adds the next value of a scripted list (Prometheus rule-test notation).
    Sequence(SequenceSpec<'a>),
    /// Clamps the incoming value.
    Clamp(ClampSpec),
    /// Multiplies the incoming value.
    Scale(ScaleSpec),
    /// Rounds the incoming value to a multiple of `step`.
    Round(RoundSpec),
    /// The incoming value's magnitude.
    Abs,
}

impl EmitterSpec<'_> {
    /// The type's name as written in scenario files.
    pub const fn type_name(&self) -> &'static str {
        match self {
            EmitterSpec::Constant(_) => "constant",
            EmitterSpec::Ramp(_) => "ramp",
            EmitterSpec::RandomWalk(_) => "randomWalk",
            EmitterSpec::NormalNoise(_) => "normalNoise",
            EmitterSpec::PoissonNoise(_) => "poissonNoise",
            EmitterSpec::SpikyNoise(_) => "spikyNoise",
            EmitterSpec::Periodic(_) => "periodic",
            EmitterSpec::Sequence(_) => "sequence",
            EmitterSpec::Clamp(_) => "clamp",
            EmitterSpec::Scale(_) => "scale",
            EmitterSpec::Round(_) => "round",
            EmitterSpec::Abs => "abs",
        }
    }
}

/// `constant`: adds `value`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ConstantSpec {
    /// The value added (default 0).
    pub value: Option<f64>,
}

/// `ramp`: linear from `start` to `target` over `duration`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RampSpec {
    /// Value before and at the action's time (default 0, or the current value
    /// when a ramp is reconfigured without one).
    pub start: Option<f64>,
    /// Value after `duration` (default 0).
    pub target: Option<f64>,
    /// How long the ramp takes (required on definition, > 0).
    pub duration: Option<GoDuration>,
}

/// `randomWalk`: `x ← x + elasticity·(target − x) + (2u − 1)·stepSize`, clamped.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RandomWalkSpec {
    /// The centre the walk returns to (default 0).
    pub target: Option<f64>,
    /// How strongly it returns, 0 to 1 (default 0).
    pub elasticity: Option<f64>,
    /// Largest random step (required on definition, > 0).
    pub step_size: Option<f64>,
    /// Half-width of the allowed band around `target` (required on definition, ≥ 0).
    pub variation: Option<f64>,
}

/// Which way noise goes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Up and down.
    #[default]
    Both,
    /// Up only.
    Positive,
    /// Down only.
    Negative,
}

/// `normalNoise`: `target + z`, `z ~ Normal(0, stdDev)`, clamped to `target ± variation`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NormalNoiseSpec {
    /// The centre (default 0).
    pub target: Option<f64>,
    /// Standard deviation (≥ 0; default `variation / 3`).
    pub std_dev: Option<f64>,
    /// Half-width of the clamp (≥ 0; default `3 · stdDev`).
    pub variation: Option<f64>,
    /// `both` (default), `positive` (|z|) or `negative` (−|z|).
    pub direction: Option<Direction>,
}

/// `poissonNoise`: `k ~ Poisson(target)`, clamped to `max`, negated for `negative`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PoissonNoiseSpec {
    /// λ, the mean (≥ 0, default 0).
    pub target: Option<f64>,
    /// Largest sample.
    pub max: Option<f64>,
    /// `positive` (default) or `negative`.
    pub direction: Option<Direction>,
}

/// `spikyNoise`: off/on bursts of Poisson spikes.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SpikyNoiseSpec {
    /// Probability an off series turns on at a sample (default 0.02).
    pub p_start: Option<f64>,
    /// Probability an on series turns off after a sample (default 0.2).
    pub p_end: Option<f64>,
    /// Mean spike height (default 10).
    pub peak_target: Option<f64>,
    /// How far above `peakTarget` a spike may reach (default 3).
    pub variation: Option<f64>,
    /// `positive` (default) or `negative`.
    pub direction: Option<Direction>,
}

/// The shape of a `periodic` emitter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Shape {
    /// `sin(2πu)`.
    Sine,
    /// 1 while `u < duty`, else −1.
    Square,
    /// `2u − 1`.
    Sawtooth,
    /// `1 − 4·|u − 0.5|`.
    Triangle,
}

/// `periodic`: `offset + amplitude · shape(u)`, `u = frac((t + phase) / period)`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PeriodicSpec {
    /// The wave (required on definition).
    pub shape: Option<Shape>,
    /// Its period (required on definition, > 0).
    pub period: Option<GoDuration>,
    /// Default 1.
    pub amplitude: Option<f64>,
    /// The centre, default 0.
    pub offset: Option<f64>,
    /// Shifts the wave in time, default 0.
    pub phase: Option<GoDuration>,
    /// For `square`: the fraction of the period at +1, in (0, 1), default 0.5.
    pub duty: Option<f64>,
}

/// One step of a `sequence`, as written: `a+bxn`, `_xn`, `stale`, …
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum SeqStep {
    /// `count` values `start, start + step, …` (`a+bxn` gives n + 1 of them).
    Values {
        /// First value.
        start: f64,
        /// Added per value (negative for `a-bxn`, 0 for `axn`).
        step: f64,
        /// How many values.
        count: u64,
    },
    /// `count` points with no value (`_`, `_xn`).
    Missing {
        /// How many.
        count: u64,
    },
    /// A staleness marker (`stale`).
    Stale,
}

/// `sequence`: walks a list of values, one per point.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SequenceSpec<'a> {
    /// The expanded notation (required on definition).
    pub values: Option<Cow<'a, [SeqStep]>>,
    /// Start again after the last value (default false: hold the last value).
    pub repeat: Option<bool>,
}

/// `clamp`: the incoming value limited to `[min, max]`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ClampSpec {
    /// Lower limit.
    pub min: Option<f64>,
    /// Upper limit.
    pub max: Option<f64>,
}

/// `scale`: the incoming value times `factor`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ScaleSpec {
    /// The multiplier (default 1).
    pub factor: Option<f64>,
}

/// `round`: the incoming value to the nearest multiple of `step`, halves away from zero.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RoundSpec {
    /// The multiple (> 0, default 1).
    pub step: Option<f64>,
}

/// A metric's definition or reconfiguration; `None` fields keep their values.
#[derive(Clone, Debug, PartialEq)]
pub struct MetricSpec<'a> {
    /// The metric's type (fixed by its definition).
    pub kind: MetricKind,
    /// Exported name (default: the action's name).
    pub name: Option<Cow<'a, str>>,
    /// Emitter names, applied in order to a value that starts at 0.
    pub emitters: Option<Cow<'a, [Cow<'a, str>]>>,
    /// Time between points: whole seconds, at least 1s (default 10s).
    pub frequency: Option<GoDuration>,
    /// OTLP unit.
    pub unit: Option<Cow<'a, str>>,
    /// OTLP description.
    pub description: Option<Cow<'a, str>>,
    /// OTLP resource attributes.
    pub resource: Option<Cow<'a, [KeyValue<'a>]>>,
    /// OTLP scope attributes.
    pub scope: Option<Cow<'a, [KeyValue<'a>]>>,
    /// OTLP data point attributes.
    pub datapoint: Option<Cow<'a, [KeyValue<'a>]>>,
    /// No points after this time.
    pub to: Option<GoDuration>,
    /// Sums and histograms: running totals or per-interval values (fixed by the definition).
    pub temporality: Option<Temporality>,
    /// Gauges: send doubles or rounded integers (fixed by the definition).
    pub value_type: Option<ValueType>,
    /// Histograms: observations per second.
    pub rate: Option<Rate<'a>>,
    /// Histograms: how observations spread around the chain's value.
    pub distribution: Option<Distribution>,
    /// `histogram`: bucket bounds, strictly increasing (fixed by the definition).
    pub buckets: Option<Cow<'a, [f64]>>,
    /// `exponentialHistogram`: most buckets per sign (fixed by the definition).
    pub max_size: Option<u32>,
    /// `exponentialHistogram`: finest scale (fixed by the definition).
    pub max_scale: Option<i32>,
}

impl MetricSpec<'static> {
    /// A gauge spec with every optional field unset: what the macros'
    /// expansions complete with `..MetricSpec::UNSET`, so only the fields a
    /// scenario gives are written (and type-checked) per metric.
    #[doc(hidden)]
    pub const UNSET: MetricSpec<'static> = MetricSpec {
        kind: MetricKind::Gauge,
        name: None,
        emitters: None,
        frequency: None,
        unit: None,
        description: None,
        resource: None,
        scope: None,
        datapoint: None,
        to: None,
        temporality: None,
        value_type: None,
        rate: None,
        distribution: None,
        buckets: None,
        max_size: None,
        max_scale: None,
    };
}

/// A metric's type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MetricKind {
    /// The chain's value at each point (OTLP Gauge).
    Gauge,
    /// A running total of `max(rate, 0) × seconds` (OTLP Sum, monotonic).
    Counter,
    /// A running total of `rate × seconds` (OTLP Sum, not monotonic).
    UpDownCounter,
    /// Observations in explicit buckets (OTLP Histogram).
    Histogram,
    /// Observations in base-2 exponential buckets (OTLP ExponentialHistogram).
    ExponentialHistogram,
}

impl MetricKind {
    /// The type's name as written in scenario files.
    pub const fn type_name(self) -> &'static str {
        match self {
            MetricKind::Gauge => "gauge",
            MetricKind::Counter => "counter",
            MetricKind::UpDownCounter => "upDownCounter",
            MetricKind::Histogram => "histogram",
            MetricKind::ExponentialHistogram => "exponentialHistogram",
        }
    }

    /// Whether points carry observations rather than one value.
    pub const fn is_histogram(self) -> bool {
        matches!(self, MetricKind::Histogram | MetricKind::ExponentialHistogram)
    }
}

/// How sums and histograms report.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Temporality {
    /// Running totals since the metric's creation (start time fixed).
    #[default]
    Cumulative,
    /// What happened since the previous point (start time = previous point).
    Delta,
}

/// How a gauge's value is sent.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ValueType {
    /// As a double.
    #[default]
    Double,
    /// Rounded (halves away from zero) to a 64-bit integer.
    Int,
}

/// A histogram's observation rate.
#[derive(Clone, Debug, PartialEq)]
pub enum Rate<'a> {
    /// A fixed number of observations per second.
    PerSecond(f64),
    /// The value of an emitter, sampled at each point.
    Emitter(Cow<'a, str>),
}

/// How a histogram's observations spread around the chain's value (the centre).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Distribution {
    /// `centre + stdDev · z`.
    Normal {
        /// Standard deviation.
        std_dev: f64,
    },
    /// `centre · exp(sigma · z)`: the centre is the median.
    LogNormal {
        /// σ of the logarithm.
        sigma: f64,
    },
    /// Exponential with the centre as its mean.
    Exponential,
    /// Uniform over `centre ± width / 2`.
    Uniform {
        /// The interval's width.
        width: f64,
    },
}

/// An attribute: a key and a typed value.
#[derive(Clone, Debug, PartialEq)]
pub struct KeyValue<'a> {
    /// Attribute key.
    pub key: Cow<'a, str>,
    /// Attribute value.
    pub value: AttrValue<'a>,
}

/// An attribute value, typed as written in the YAML.
#[derive(Clone, Debug, PartialEq)]
pub enum AttrValue<'a> {
    /// A string.
    Str(Cow<'a, str>),
    /// An integer.
    Int(i64),
    /// A float.
    Double(f64),
    /// A boolean.
    Bool(bool),
    /// A list.
    Array(Cow<'a, [AttrValue<'a>]>),
    /// A map, in the order written.
    KvList(Cow<'a, [KeyValue<'a>]>),
}

impl From<&str> for AttrValue<'static> {
    fn from(s: &str) -> Self {
        AttrValue::Str(Cow::Owned(s.to_owned()))
    }
}

impl From<String> for AttrValue<'static> {
    fn from(s: String) -> Self {
        AttrValue::Str(Cow::Owned(s))
    }
}

impl From<i64> for AttrValue<'static> {
    fn from(v: i64) -> Self {
        AttrValue::Int(v)
    }
}

impl From<f64> for AttrValue<'static> {
    fn from(v: f64) -> Self {
        AttrValue::Double(v)
    }
}

impl From<bool> for AttrValue<'static> {
    fn from(v: bool) -> Self {
        AttrValue::Bool(v)
    }
}
