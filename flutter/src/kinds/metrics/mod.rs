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
use crate::distributions::{RandomBits, binomial, poisson, standard_normal};
use crate::go::float::go_float;
use crate::kinds::distribution::Distribution;
use crate::kinds::emitters::Problem;
use crate::scenario::read::{Fields, Reader};
use crate::scenario::spec::{Context, CustomShape, DefaultValue, Field, KindDoc, read_spec};
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

    /// Exponential histograms: the most buckets a point has (per sign), for
    /// estimates of a run's size.
    fn max_buckets(spec: &Self::Spec) -> u32 {
        let _ = spec;
        0
    }

    /// Histograms: observations per second, when this spec sets it.
    fn rate(spec: &Self::Spec) -> Option<&Rate<'static>> {
        let _ = spec;
        None
    }

    /// Histograms: how observations spread, when this spec sets it.
    fn distribution(spec: &Self::Spec) -> Option<Distribution> {
        let _ = spec;
        None
    }

    /// A new series' state, from its definition.
    fn new_state(spec: &Self::Spec) -> Self::State<'_>;

    /// A reconfiguration of the series' settings.
    fn reconfigure<'r>(state: &mut Self::State<'r>, spec: &'r Self::Spec) {
        let _ = (state, spec);
    }

    /// Forgets what accrued, keeping the settings: the series' new identity
    /// (its attributes changed) starts from nothing.
    fn restart(state: &mut Self::State<'_>);

    /// Whether its chain is sampled every tick, each sample accruing its second
    /// (sums and histograms integrate every second), not only at its points.
    const ACCRUES: bool = false;

    /// Accrues one tick's sample, for the second `[t, t + 1)`: a rate per
    /// second (sums), or a centre and `sample.rate` observations (histograms).
    /// A warning (at most one per series, worded about it) goes into `warnings`.
    fn accrue(state: &mut Self::State<'_>, sample: Sample, rng: &mut impl RandomBits, warnings: &mut Warnings) {
        let _ = (state, sample, rng, warnings);
    }

    /// The point of a due sample of a kind that does not accrue (gauges),
    /// from the chain's value alone: the engine's fast path. `None` drops the
    /// point as not finite. Kinds that accrue make their points in
    /// [`point`](Self::point) instead.
    #[inline(always)]
    fn direct(state: &Self::State<'_>, value: f64) -> Option<PointValue> {
        let _ = (state, value);
        None
    }

    /// The point at a due tick: what accrued before it (cumulative: since the
    /// series was created; delta: since its previous point, starting afresh),
    /// histogram data into `out`. `None` when its value is not finite (it is
    /// not sent).
    fn point(state: &mut Self::State<'_>, input: PointInput, out: &mut PointBuffer) -> Option<PointValue>;
}

/// What a kind makes a point from (small and `Copy`: passed in registers).
#[derive(Clone, Copy, Debug)]
pub(crate) struct PointInput {
    /// The chain's value at the point's tick.
    pub value: f64,
    /// Delta temporality: the point carries what happened since the previous one.
    pub delta: bool,
}

/// One tick's sample, for a kind that accrues.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Sample {
    /// The series, as the index its warnings are kept under.
    pub series: usize,
    /// The chain's value: a rate per second, or the observations' centre.
    pub value: f64,
    /// Observations in this second's Poisson mean, for kinds with a rate.
    pub rate: f64,
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
    Field::custom("rate", CustomShape::NumberOrEmitter { max: MAX_RATE }, read)
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
            if !(0.0..=MAX_RATE).contains(&v) {
                let message = format!(
                    "`rate` must be from 0 to {} observations per second, found {}",
                    go_float(MAX_RATE),
                    go_float(v)
                );
                r.error(n, message);
                return None;
            }
            Some(Rate::PerSecond(v))
        }
    }
}

/// The `distribution` field of a kind whose spec has one.
const fn distribution_field<S>(read: crate::scenario::spec::CustomRead<S>) -> Field<S> {
    Field::custom("distribution", CustomShape::Distribution, read)
        .doc("how observations spread around the chain's value: `{type: normal, stdDev}`, `{type: lognormal, sigma}`, `{type: exponential}` or `{type: uniform, width}`")
}

/// The largest observation rate a histogram takes (per second); a numeric
/// `rate` above it is a load error, an emitter's value is capped to it.
pub(crate) const MAX_RATE: f64 = 1e12;

/// Above this many observations in a second, a histogram counts them into its
/// buckets at once (a multinomial draw) instead of drawing each: the cost of a
/// second stops growing with the rate.
const ONE_BY_ONE: u64 = 1000;

/// Where a histogram puts its observations.
pub(crate) trait Observations {
    /// One observation.
    fn record(&mut self, v: f64);

    /// `count` observations of `d` around `centre`, all known to lie in
    /// `[lo, hi]` (finite), counted into the buckets at once.
    fn record_many(&mut self, count: u64, lo: f64, hi: f64, d: Distribution, centre: f64, rng: &mut impl RandomBits);
}

/// What both histogram kinds keep besides their buckets: how observations
/// spread, and which warnings were given.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Observer {
    distribution: Distribution,
    warned_centre: bool,
    warned_rate: bool,
}

impl Observer {
    fn new(distribution: Option<Distribution>) -> Self {
        Observer {
            distribution: distribution.unwrap_or(Distribution::DEFAULT),
            warned_centre: false,
            warned_rate: false,
        }
    }

    fn reconfigure(&mut self, distribution: Option<Distribution>) {
        self.distribution = distribution.unwrap_or(self.distribution);
    }

    /// Draws one second's observations: `Poisson(rate)` of them around the
    /// sample's centre, into `into`; many at once when there are more than
    /// [`ONE_BY_ONE`]: the smallest and the largest drawn exactly, the rest
    /// (between them) counted into the buckets by a multinomial draw. A centre
    /// the distribution cannot take gives none, and a warning the first time.
    /// Returns how many were recorded.
    #[inline]
    fn observe(
        &mut self,
        sample: Sample,
        rng: &mut impl RandomBits,
        warnings: &mut Warnings,
        into: &mut impl Observations,
    ) -> u64 {
        let mut rate = sample.rate.max(0.0);
        if rate > MAX_RATE {
            rate = MAX_RATE;
            if !self.warned_rate {
                self.warned_rate = true;
                let message = format!(
                    "its rate reached {} observations per second; it is capped at {}",
                    go_float(sample.rate),
                    go_float(MAX_RATE)
                );
                warnings.push((sample.series, message));
            }
        }
        let n = poisson(rng, rate);
        let (d, centre) = (self.distribution, sample.value);
        if !d.accepts(centre) {
            if n > 0 && !self.warned_centre {
                self.warned_centre = true;
                let message = format!(
                    "a {} distribution cannot be centred on {}; points get no observations then",
                    d.type_name(),
                    go_float(centre)
                );
                warnings.push((sample.series, message));
            }
            return 0;
        }
        if n <= ONE_BY_ONE {
            for _ in 0..n {
                into.record(d.observe(centre, rng));
            }
            return n;
        }
        let (min, max) = d.extremes(centre, n, rng);
        into.record(min);
        into.record(max);
        into.record_many(n - 2, min, max, d, centre, rng);
        n
    }
}

/// Spreads `count` observations of `d` around `centre` over consecutive
/// intervals `(a, b]` that cover where they lie, in order: each interval's
/// count is a binomial draw given what is left (an exact multinomial). `add`
/// gets each interval's index, count and sum (the sum drawn around the
/// interval's conditional mean with its variance, kept inside the interval).
pub(crate) fn spread(
    count: u64,
    intervals: &[(f64, f64)],
    d: Distribution,
    centre: f64,
    rng: &mut impl RandomBits,
    mut add: impl FnMut(usize, u64, f64),
) {
    let Some(&(_, end)) = intervals.last() else { return };
    let mut left = count;
    for (i, &(a, b)) in intervals.iter().enumerate() {
        if left == 0 {
            break;
        }
        let c = if i + 1 == intervals.len() {
            left
        } else {
            let rest = d.mass(centre, a, end);
            if rest <= 0.0 { 0 } else { binomial(rng, left, (d.mass(centre, a, b) / rest).min(1.0)) }
        };
        if c == 0 {
            continue;
        }
        left -= c;
        let (mean, var) = d.truncated_moments(centre, a, b);
        let cf = c as f64;
        let sum = (cf * mean + (cf * var).sqrt() * standard_normal(rng)).clamp(cf * a, cf * b);
        add(i, c, sum);
    }
}

/// "histogram `h` needs a `distribution`, …", on a definition without one.
fn require_distribution(name: &str, given: bool, fresh: bool) -> Option<Problem> {
    (fresh && !given).then(|| Problem {
        keys: &[],
        message: format!("histogram `{name}` needs a `distribution`, e.g. `{{type: normal, stdDev: 5}}`"),
    })
}

/// A sum's accruals (counters and up-down counters): since creation for
/// cumulative points, since the previous point for delta ones.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct SumState {
    total: f64,
}

impl SumState {
    /// One second at `rate`.
    #[inline]
    fn accrue(&mut self, rate: f64) {
        self.total += rate;
    }

    /// The total (a delta point starts the next interval at 0).
    #[inline]
    fn point(&mut self, input: PointInput) -> Option<PointValue> {
        let total = self.total;
        if input.delta {
            self.total = 0.0;
        }
        total.is_finite().then_some(PointValue::Double(total))
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

            /// Whether its chain is sampled every tick, each sample accruing its second.
            pub const fn accrues(self) -> bool {
                match self { $( MetricKind::$variant => $module::$kind::ACCRUES, )+ }
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

            /// Exponential histograms: the most buckets a point has (per sign).
            pub(crate) fn max_buckets(&self) -> u32 {
                match self { $( MetricKindSpec::$variant(s) => $module::$kind::max_buckets(s), )+ }
            }

            /// Histograms: the observation rate, when this spec sets it.
            pub(crate) fn rate(&self) -> Option<&Rate<'static>> {
                match self { $( MetricKindSpec::$variant(s) => $module::$kind::rate(s), )+ }
            }

            /// Histograms: how observations spread, when this spec sets it.
            pub(crate) fn distribution(&self) -> Option<Distribution> {
                match self { $( MetricKindSpec::$variant(s) => $module::$kind::distribution(s), )+ }
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

            /// The point of a due sample of a kind that does not accrue
            /// ([`MetricKindDef::direct`]); `None`: not finite.
            #[inline(always)]
            pub fn direct(&self, value: f64) -> Option<PointValue> {
                match self { $( MetricState::$variant(st) => $module::$kind::direct(st, value), )+ }
            }

            /// The point at a due tick from what accrued; `None` if not finite.
            #[inline(always)]
            pub fn point(&mut self, input: PointInput, out: &mut PointBuffer) -> Option<PointValue> {
                match self { $( MetricState::$variant(st) => $module::$kind::point(st, input, out), )+ }
            }

            /// Accrues one tick's sample (kinds that accrue).
            #[inline(always)]
            pub fn accrue(&mut self, sample: Sample, rng: &mut impl RandomBits, warnings: &mut Warnings) {
                match self { $( MetricState::$variant(st) => $module::$kind::accrue(st, sample, rng, warnings), )+ }
            }

            /// Forgets what accrued, keeping the settings (a new identity).
            pub fn restart(&mut self) {
                match self { $( MetricState::$variant(st) => $module::$kind::restart(st), )+ }
            }
        }

        /// Every metric kind, as documentation, in registry order.
        pub fn catalog() -> Vec<KindDoc> {
            vec![$( KindDoc {
                name: $module::$kind::NAME,
                aliases: &[],
                doc: $module::$kind::DOC,
                fields: $module::$kind::FIELDS.iter().map(|f| f.describe(false)).collect(),
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
    read_spec(r, f, (K::NAME, K::FIELDS), ctx, (fresh, None), |spec| K::check(ctx.name, spec, fresh))
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
