//! The scenario model: what a loaded, validated scenario is.
//!
//! Every borrowed field is a `Cow<'a, …>`, so the same types hold a scenario the
//! loader built at run time (`Cow::Owned`) and one `include_scenario!` wrote as a
//! `static` literal (`Cow::Borrowed`). Fields that a later action may leave out
//! are `Option`s: `None` means "not given here, keep the current value".
//!
//! The specs of each emitter and metric kind live in that kind's own file
//! (`kinds/`) and are re-exported here, so the whole model is reachable as
//! `flutter::scenario::…`.
//!
//! With the `bake` feature (which only `flutter-macros` turns on) every model
//! type derives `serde::Serialize`; the macro's writer turns that into a Rust
//! constant expression. The serde name of a type says how it is written where
//! the plain rule (a struct literal of the type, a call of the variant) would
//! not do: `Name#item` is written as its own `const` item, `Name#shared` is
//! shared when it repeats, `Name#unset` writes only its fields that are set and
//! takes the rest from `Name::UNSET`, and a newtype named `Name::ctor` is
//! written as a call of that constructor.

use std::borrow::Cow;

use crate::distributions::RandomBits;
use crate::go::duration::GoDuration;
use crate::kinds::emitters::{EmitterSpec, PerSeries};
use crate::kinds::metrics::MetricKindSpec;
use crate::otlp::destination::OtlpDestination;
use crate::rng::RngKind;
use crate::shard::Shard;
use crate::timestamp::Timestamp;

/// A validated scenario: settings and a script of timed actions.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "bake", derive(serde::Serialize))]
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
    /// Where Prometheus remote write goes, if anywhere (its `endpoint` holds
    /// `remoteWrite.url`, the full URL).
    pub remote_write: Option<OtlpDestination<'a>>,
    /// The actions, in the order of the merged files (not sorted by `at`).
    pub script: Cow<'a, [Action<'a>]>,
    /// Play only this shard's series (`--shard`); `None` plays them all.
    pub shard: Option<Shard>,
}

/// One timed step of the script.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "bake", derive(serde::Serialize), serde(rename = "Action#item"))]
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
#[cfg_attr(feature = "bake", derive(serde::Serialize))]
pub enum ActionKind<'a> {
    /// Define an emitter (first action with its name) or reconfigure it.
    Emitter(EmitterAction<'a>),
    /// Define a metric (first action with its name) or reconfigure it in place.
    Metric(MetricSpec<'a>),
    /// Stop a metric's points (it keeps its running totals).
    DisableMetric,
    /// Resume a disabled metric's points.
    EnableMetric,
    /// Define a trace template (first action with its name) or reconfigure it.
    Trace(crate::traces::TraceSpec<'a>),
    /// Define a log (first action with its name) or reconfigure it.
    Log(crate::logs::LogSpec<'a>),
}

/// An emitter's definition or reconfiguration.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "bake", derive(serde::Serialize))]
pub struct EmitterAction<'a> {
    /// The kind and its fields; a per-series field holds its draw's centre.
    pub spec: EmitterSpec<'a>,
    /// One state for the whole run, advanced every tick, instead of one per
    /// series (fixed by the emitter's definition; every action repeats it).
    pub shared: bool,
    /// The fields each series draws for itself, in the order written.
    pub per_series: Cow<'a, [PerSeries<'a>]>,
}

impl EmitterAction<'static> {
    /// An action that gives `spec` alone: not shared, nothing drawn per series.
    pub fn new(spec: EmitterSpec<'static>) -> Self {
        EmitterAction { spec, shared: false, per_series: Cow::Borrowed(&[]) }
    }

    /// The spec one series configures its own copy of the emitter with: each
    /// per-series field drawn from `rng`, in order.
    pub(crate) fn drawn_spec(&self, rng: &mut impl RandomBits) -> Cow<'_, EmitterSpec<'static>> {
        if self.per_series.is_empty() {
            return Cow::Borrowed(&self.spec);
        }
        let mut spec = self.spec.clone();
        for p in self.per_series.iter() {
            let known = spec.set_drawn(&p.key, p.draw.sample(rng));
            debug_assert!(known, "the loader reads per-series fields from the kind's table");
        }
        Cow::Owned(spec)
    }
}

/// A metric's definition or reconfiguration; `None` fields keep their values.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "bake", derive(serde::Serialize), serde(rename = "MetricSpec#unset"))]
pub struct MetricSpec<'a> {
    /// The metric's kind (fixed by its definition) and that kind's settings.
    pub kind: MetricKindSpec<'a>,
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
    /// Series replaced over time, as by a rolling deploy.
    pub churn: Option<Churn<'a>>,
}

/// `churn`: at every `every` after the action that gives it, the next
/// ⌈`fraction` × R⌉ values of the churned range (R values long), oldest first,
/// are replaced: their series end and successors take the range's next
/// unused values.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "bake", derive(serde::Serialize))]
pub struct Churn<'a> {
    /// Time between replacements (whole seconds, at least 1s).
    pub every: GoDuration,
    /// The share of the range's values replaced each time, in (0, 1].
    pub fraction: f64,
    /// The attribute whose first range is churned (default: the first attribute holding a range).
    pub attribute: Option<Cow<'a, str>>,
}

impl Churn<'_> {
    /// How many of a range's `len` values each replacement takes: ⌈fraction × len⌉, at least 1.
    pub fn per_time(&self, len: u64) -> u64 {
        let x = self.fraction * len as f64;
        // 0.1 × 30 is 3.0000000000000004 in floats: a product that is a whole
        // number up to rounding takes that number, not the next.
        let whole = x.round();
        let n = if (x - whole).abs() <= 1e-9 * x.max(1.0) { whole } else { x.ceil() };
        (n as u64).clamp(1, len.max(1))
    }
}

impl MetricSpec<'static> {
    /// The default time between a metric's points.
    pub const DEFAULT_FREQUENCY: GoDuration = GoDuration::from_secs(10);

    /// A gauge spec with every optional field unset: what the macros'
    /// expansions complete with `..MetricSpec::UNSET`, so only the fields a
    /// scenario gives are written (and type-checked) per metric.
    #[doc(hidden)]
    pub const UNSET: MetricSpec<'static> = MetricSpec {
        kind: MetricKindSpec::Gauge(crate::kinds::metrics::GaugeSpec::NONE),
        name: None,
        emitters: None,
        frequency: None,
        unit: None,
        description: None,
        resource: None,
        scope: None,
        datapoint: None,
        to: None,
        churn: None,
    };
}

/// An attribute: a key and a typed value.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "bake", derive(serde::Serialize), serde(rename = "KeyValue#shared"))]
pub struct KeyValue<'a> {
    /// Attribute key.
    pub key: Cow<'a, str>,
    /// Attribute value.
    pub value: AttrValue<'a>,
}

/// An attribute value, typed as written in the YAML.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "bake", derive(serde::Serialize))]
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
