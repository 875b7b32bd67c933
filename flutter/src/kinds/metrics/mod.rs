//! Metric kinds: what a series' samples become (a gauge's value, a sum's total,
//! a histogram's observations).
//!
//! Each kind is one file: its settings (the spec fields only it takes, with
//! their defaults), its field table, its OTLP data model, its log name, and the
//! state a series of it keeps and how that state makes a point. The registry
//! below names every kind once; the model's [`MetricKindSpec`], the kind id
//! [`MetricKind`], the runtime [`MetricState`] and their dispatch come from it.
//!
//! # Adding a metric kind
//!
//! 1. Write `kinds/metrics/<kind>.rs`: its `<Kind>Spec`, its `FIELDS` table and a
//!    unit type implementing [`MetricKindDef`] (settings shared with other kinds,
//!    such as `temporality` or `rate`, have field constructors here).
//! 2. Add one line to `metric_kinds!` below.
//! 3. Document it in the README's metric table, and add a sample.
//!
//! A kind whose points are numbers or histograms needs nothing else; a new
//! shape of point also needs a [`PointValue`](crate::batch::PointValue)
//! variant and its encodings in the sinks.

mod counter;
mod exponential_histogram;
mod gauge;
mod histogram;
mod up_down_counter;

use std::borrow::Cow;

use crate::batch::{DataModel, PointBuffer, PointValue};
use crate::distributions::{RandomBits, poisson};
use crate::go::float::go_float;
use crate::kinds::distribution::Distribution;
use crate::kinds::emitters::Problem;
use crate::scenario::read::{Fields, Reader};
use crate::scenario::spec::{Context, DefaultValue, Field, KindDoc, read_spec};
use crate::scenario::yaml::{Node, Value};

/// One metric kind: its name, settings, data model and behaviour.
pub(crate) trait MetricKindDef {
    /// The settings only this kind takes, as a scenario holds them.
    type Spec: Clone + Default + 'static;
    /// What a series of this kind keeps between points.
    type State<'r>;
    /// The kind's name in scenario files.
    const NAME: &'static str;
    /// What it is, in one line.
    const DOC: &'static str;
    /// The word the Go tool's log lines use (`MetricGauge`).
    const LOG_NAME: &'static str;
    /// The OTLP data its points go in.
    const DATA: DataModel;
    /// Whether its points need an observation rate (`rate`, sampled by the engine).
    const HAS_RATE: bool = false;
    /// Its settings' keys.
    const FIELDS: &'static [Field<Self::Spec>];

    /// Checks on a definition (`fresh`) or a reconfiguration.
    fn check(name: &str, spec: &Self::Spec, fresh: bool) -> Option<Problem> {
        let _ = (name, spec, fresh);
        None
    }

    /// The keys a later action gives differently from the definition, which
    /// fixes them.
    fn changed(defined: &Self::Spec, later: &Self::Spec) -> Vec<&'static str> {
        let _ = (defined, later);
        Vec::new()
    }

    /// Sums and histograms: cumulative or delta.
    fn temporality(spec: &Self::Spec) -> Temporality {
        let _ = spec;
        Temporality::Cumulative
    }

    /// Explicit histograms: the bucket bounds.
    fn bounds(spec: &Self::Spec) -> &[f64] {
        let _ = spec;
        &[]
    }

    /// Histograms: observations per second, when this spec sets it.
    fn rate(spec: &Self::Spec) -> Option<&Rate<'static>> {
        let _ = spec;
        None
    }

    /// A new series' state, from its definition.
    fn new_state(spec: &Self::Spec) -> Self::State<'_>;

    /// A reconfiguration of the series' settings.
    fn reconfigure<'r>(state: &mut Self::State<'r>, spec: &'r Self::Spec) {
        let _ = (state, spec);
    }

    /// The point of a due sample when it depends on the chain's value alone
    /// (gauges): the engine's fast path, which builds no [`PointInput`] and no
    /// random source. `None` (the default) sends it to [`point`](Self::point).
    #[inline(always)]
    fn direct(state: &Self::State<'_>, value: f64) -> Option<PointValue> {
        let _ = (state, value);
        None
    }

    /// Makes the point of a due sample; histogram data goes into `out`, and a
    /// warning (at most one per series, worded about it) into `warnings`.
    fn point(
        state: &mut Self::State<'_>,
        input: PointInput,
        rng: &mut impl RandomBits,
        out: &mut PointBuffer,
        warnings: &mut Warnings,
    ) -> PointValue;
}

/// What a kind makes a point from (small and `Copy`: passed in registers).
#[derive(Clone, Copy, Debug)]
pub(crate) struct PointInput {
    /// The series, as the index its warnings are kept under.
    pub series: usize,
    /// The chain's value.
    pub value: f64,
    /// Seconds the point accounts for (enabled, since the previous point).
    pub seconds: u64,
    /// Observations per second, for kinds with a rate.
    pub rate: f64,
    /// Delta temporality: the point carries what happened since the previous one.
    pub delta: bool,
}

/// Warnings raised while points are made: (series index, message about it).
pub(crate) type Warnings = Vec<(usize, String)>;

/// How sums and histograms report.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "bake", derive(serde::Serialize))]
pub enum Temporality {
    /// Running totals since the metric's creation (start time fixed).
    #[default]
    Cumulative,
    /// What happened since the previous point (start time = previous point).
    Delta,
}

impl Temporality {
    const ALL: [Temporality; 2] = [Temporality::Cumulative, Temporality::Delta];
    const NAMES: &'static [&'static str] = &["cumulative", "delta"];
}

/// How a gauge's value is sent.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "bake", derive(serde::Serialize))]
pub enum ValueType {
    /// As a double.
    #[default]
    Double,
    /// Rounded (halves away from zero) to a 64-bit integer.
    Int,
}

/// Observations per second: a number, or an emitter's value.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "bake", derive(serde::Serialize))]
pub enum Rate<'a> {
    /// A fixed number of observations per second.
    PerSecond(f64),
    /// The value of an emitter, sampled at each point.
    Emitter(Cow<'a, str>),
}

impl Rate<'_> {
    /// The default rate: one observation per second.
    pub(crate) const DEFAULT: Rate<'static> = Rate::PerSecond(1.0);
}

/// The `temporality` field of a kind whose spec has one.
const fn temporality_field<S>(set: fn(&mut S, usize)) -> Field<S> {
    Field::choice("temporality", Temporality::NAMES, set)
        .doc("`cumulative` (running totals) or `delta` (per interval); fixed by the definition")
        .default(DefaultValue::Word("cumulative"))
}

/// `temporality`'s value for a setter's index.
fn temporality(i: usize) -> Option<Temporality> {
    Some(Temporality::ALL[i])
}

/// The `rate` field of a kind whose spec has one.
const fn rate_field<S>(read: crate::scenario::spec::CustomRead<S>) -> Field<S> {
    Field::custom("rate", "number or emitter name", read)
        .doc("observations per second: a number, or an emitter's name (sampled at each point)")
        .default(DefaultValue::Number(1.0))
}

/// `distribution`'s reader, for a field's setter.
fn read_distribution(r: &mut Reader<'_>, n: &Node) -> Option<Distribution> {
    Distribution::read(r, n)
}

/// `rate`: a number of observations per second, or an emitter's name.
fn read_rate(r: &mut Reader<'_>, n: &Node, ctx: &Context<'_>) -> Option<Rate<'static>> {
    match &n.value {
        Value::Str(name) => ctx.check_emitter_ref(r, n, name).then(|| Rate::Emitter(Cow::Owned(name.clone()))),
        _ => {
            let v = r.float(n, "`rate`")?;
            if v < 0.0 {
                r.error(n, format!("`rate` must be at least 0, found {}", go_float(v)));
                return None;
            }
            Some(Rate::PerSecond(v))
        }
    }
}

/// The `distribution` field of a kind whose spec has one.
const fn distribution_field<S>(read: crate::scenario::spec::CustomRead<S>) -> Field<S> {
    Field::custom("distribution", "distribution", read)
        .doc("how observations spread around the chain's value: `{type: normal, stdDev}`, `{type: lognormal, sigma}`, `{type: exponential}` or `{type: uniform, width}`")
}

/// What both histogram kinds keep besides their buckets: how observations
/// spread, and whether the impossible-centre warning was given.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Observer {
    distribution: Distribution,
    warned: bool,
}

impl Observer {
    fn new(distribution: Option<Distribution>) -> Self {
        Observer { distribution: distribution.unwrap_or(Distribution::DEFAULT), warned: false }
    }

    fn reconfigure(&mut self, distribution: Option<Distribution>) {
        self.distribution = distribution.unwrap_or(self.distribution);
    }

    /// Draws the point's observations: `Poisson(rate × seconds)` of them around
    /// the chain's value, each passed to `record`. A centre the distribution
    /// cannot take gives none, and a warning the first time.
    #[inline]
    fn observe(
        &mut self,
        input: PointInput,
        rng: &mut impl RandomBits,
        warnings: &mut Warnings,
        mut record: impl FnMut(f64),
    ) {
        let n = poisson(rng, input.rate.max(0.0) * input.seconds as f64);
        let centre = input.value;
        let possible = self.distribution.accepts(centre);
        if !possible && n > 0 && !self.warned {
            self.warned = true;
            let message = format!(
                "a {} distribution cannot be centred on {}; points get no observations then",
                self.distribution.type_name(),
                go_float(centre)
            );
            warnings.push((input.series, message));
        }
        if possible {
            for _ in 0..n {
                record(self.distribution.observe(centre, rng));
            }
        }
    }
}

/// "histogram `h` needs a `distribution`, …", on a definition without one.
fn require_distribution(name: &str, given: bool, fresh: bool) -> Option<Problem> {
    (fresh && !given).then(|| Problem {
        keys: &[],
        message: format!("histogram `{name}` needs a `distribution`, e.g. `{{type: normal, stdDev: 5}}`"),
    })
}

/// A sum's running total (counters and up-down counters).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct SumState {
    total: f64,
}

impl SumState {
    /// Accrues `rate × seconds`; the point is the total, or for delta the increment.
    #[inline]
    fn point(&mut self, rate: f64, input: PointInput) -> PointValue {
        let increment = rate * input.seconds as f64;
        self.total += increment;
        PointValue::Double(if input.delta { increment } else { self.total })
    }
}

/// `temporality` fixed by a definition: a later one must agree with it.
fn temporality_changed(defined: Option<Temporality>, later: Option<Temporality>) -> bool {
    later.is_some_and(|t| t != defined.unwrap_or_default())
}

/// Generates the model's settings enum, the kind id, the runtime state and
/// their dispatch from the list of kinds: `Variant => module::Kind(Spec)`.
macro_rules! metric_kinds {
    ($( $(#[$doc:meta])* $variant:ident => $module:ident :: $kind:ident ( $spec:ident $(<$sl:lifetime>)? ), )+) => {
        $( pub use $module::$spec; )+

        /// A metric's kind, with the settings only that kind takes; `None`
        /// fields were not given and keep their current (or default) values.
        #[derive(Clone, Debug, PartialEq)]
        #[cfg_attr(feature = "bake", derive(serde::Serialize))]
        pub enum MetricKindSpec<'a> {
            $( $(#[$doc])* $variant($spec $(<$sl>)?), )+
        }

        /// A metric's kind.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum MetricKind {
            $( $(#[$doc])* $variant, )+
        }

        impl MetricKind {
            /// Every kind, in registry order.
            pub const ALL: &'static [MetricKind] = &[$( MetricKind::$variant, )+];

            /// The kind's name as written in scenario files.
            pub const fn type_name(self) -> &'static str {
                match self { $( MetricKind::$variant => $module::$kind::NAME, )+ }
            }

            /// What the kind is, in one line.
            pub const fn doc(self) -> &'static str {
                match self { $( MetricKind::$variant => $module::$kind::DOC, )+ }
            }

            /// The word the Go tool's log lines use (`MetricGauge`).
            pub const fn log_name(self) -> &'static str {
                match self { $( MetricKind::$variant => $module::$kind::LOG_NAME, )+ }
            }

            /// The OTLP data its points go in.
            pub const fn data_model(self) -> DataModel {
                match self { $( MetricKind::$variant => $module::$kind::DATA, )+ }
            }

            /// Whether its points need an observation rate.
            pub(crate) const fn has_rate(self) -> bool {
                match self { $( MetricKind::$variant => $module::$kind::HAS_RATE, )+ }
            }

            /// Whether points carry observations rather than one value.
            pub const fn is_histogram(self) -> bool {
                matches!(self.data_model(), DataModel::Histogram | DataModel::ExponentialHistogram)
            }

            /// The keys of this kind's settings.
            pub(crate) fn keys(self) -> Vec<&'static str> {
                match self { $( MetricKind::$variant => $module::$kind::FIELDS.iter().map(|f| f.key).collect(), )+ }
            }

            /// Reads this kind's settings from a metric spec's keys `f`.
            pub(crate) fn read(
                self,
                r: &mut Reader<'_>,
                f: &Fields<'_>,
                ctx: &Context<'_>,
                fresh: bool,
            ) -> Option<MetricKindSpec<'static>> {
                match self {
                    $( MetricKind::$variant => read_kind::<$module::$kind>(r, f, ctx, fresh).map(MetricKindSpec::$variant), )+
                }
            }
        }

        impl MetricKindSpec<'_> {
            /// The kind.
            pub const fn kind(&self) -> MetricKind {
                match self { $( MetricKindSpec::$variant(_) => MetricKind::$variant, )+ }
            }
        }

        impl MetricKindSpec<'static> {
            /// The keys `later` gives differently from this definition.
            pub(crate) fn changed(&self, later: &MetricKindSpec<'static>) -> Vec<&'static str> {
                match (self, later) {
                    $( (MetricKindSpec::$variant(d), MetricKindSpec::$variant(l)) => $module::$kind::changed(d, l), )+
                    _ => Vec::new(),
                }
            }

            /// Sums and histograms: cumulative or delta.
            pub(crate) fn temporality(&self) -> Temporality {
                match self { $( MetricKindSpec::$variant(s) => $module::$kind::temporality(s), )+ }
            }

            /// Explicit histograms: the bucket bounds.
            pub(crate) fn bounds(&self) -> &[f64] {
                match self { $( MetricKindSpec::$variant(s) => $module::$kind::bounds(s), )+ }
            }

            /// Histograms: the observation rate, when this spec sets it.
            pub(crate) fn rate(&self) -> Option<&Rate<'static>> {
                match self { $( MetricKindSpec::$variant(s) => $module::$kind::rate(s), )+ }
            }
        }

        /// What a series keeps for its kind.
        #[derive(Clone, Debug)]
        pub(crate) enum MetricState<'r> {
            $( $variant(<$module::$kind as MetricKindDef>::State<'r>), )+
        }

        impl<'r> MetricState<'r> {
            /// A new series' state from its definition.
            pub fn new(spec: &'r MetricKindSpec<'static>) -> Self {
                match spec { $( MetricKindSpec::$variant(s) => MetricState::$variant($module::$kind::new_state(s)), )+ }
            }

            /// A reconfiguration (the loader keeps the kind unchanged).
            pub fn reconfigure(&mut self, spec: &'r MetricKindSpec<'static>) {
                match (self, spec) {
                    $( (MetricState::$variant(st), MetricKindSpec::$variant(s)) => $module::$kind::reconfigure(st, s), )+
                    _ => debug_assert!(false, "the loader keeps a metric's kind"),
                }
            }

            /// The point of a due sample when the kind makes it from the value
            /// alone ([`MetricKindDef::direct`]); `None`: call [`Self::point`].
            #[inline(always)]
            pub fn direct(&self, value: f64) -> Option<PointValue> {
                match self { $( MetricState::$variant(st) => $module::$kind::direct(st, value), )+ }
            }

            /// Makes the point of a due sample.
            #[inline(always)]
            pub fn point(
                &mut self,
                input: PointInput,
                rng: &mut impl RandomBits,
                out: &mut PointBuffer,
                warnings: &mut Warnings,
            ) -> PointValue {
                match self { $( MetricState::$variant(st) => $module::$kind::point(st, input, rng, out, warnings), )+ }
            }
        }

        /// Every metric kind, as documentation, in registry order.
        pub fn catalog() -> Vec<KindDoc> {
            vec![$( KindDoc {
                name: $module::$kind::NAME,
                aliases: &[],
                doc: $module::$kind::DOC,
                fields: $module::$kind::FIELDS.iter().map(Field::describe).collect(),
            }, )+]
        }

        /// Every kind's settings keys, each once, in registry order.
        pub(crate) fn setting_keys() -> Vec<&'static str> {
            let mut keys: Vec<&'static str> = Vec::new();
            $( for f in $module::$kind::FIELDS {
                if !keys.contains(&f.key) {
                    keys.push(f.key);
                }
            } )+
            keys
        }
    };
}

/// Reads one kind's settings: its fields, its checks and, on a definition, its
/// required fields. Every problem is reported; `None` if there was one.
fn read_kind<K: MetricKindDef>(r: &mut Reader<'_>, f: &Fields<'_>, ctx: &Context<'_>, fresh: bool) -> Option<K::Spec> {
    read_spec(r, f, (K::NAME, K::FIELDS), ctx, fresh, |spec| K::check(ctx.name, spec, fresh))
}

metric_kinds! {
    /// The chain's value at each point (OTLP Gauge).
    Gauge => gauge::Gauge(GaugeSpec),
    /// A running total of `max(rate, 0) × seconds` (OTLP Sum, monotonic).
    Counter => counter::Counter(CounterSpec),
    /// A running total of `rate × seconds` (OTLP Sum, not monotonic).
    UpDownCounter => up_down_counter::UpDownCounter(UpDownCounterSpec),
    /// Observations in explicit buckets (OTLP Histogram).
    Histogram => histogram::Histogram(HistogramSpec<'a>),
    /// Observations in base-2 exponential buckets (OTLP ExponentialHistogram).
    ExponentialHistogram => exponential_histogram::ExponentialHistogram(ExponentialHistogramSpec<'a>),
}
