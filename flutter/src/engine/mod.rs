//! The engine: plays a scenario on a simulated clock, one tick per second.
//!
//! At each tick every due action is applied first, then every due series is
//! sampled once, in definition order. The engine never does I/O: it yields each
//! tick's points as a [`Batch`], and [`run`](crate::run) hands batches to sinks,
//! pacing them in real time or as fast as possible.

mod histogram;
mod series;

use std::collections::BTreeMap;

use crate::distributions::{Source, exponential, poisson, standard_normal};
use crate::duration::GoDuration;
use crate::emitter::{ChainValue, Draw, Emitter, Mark, Slot, SlotSource};
use crate::rng::{ChaChaStream, GoPcg, RngKind};
use crate::scenario::{
    Action, ActionKind, DEFAULT_BUCKETS, DEFAULT_MAX_SCALE, DEFAULT_MAX_SIZE, Distribution, EmitterSpec, KeyValue,
    MetricKind, MetricSpec, Rate, Scenario, Temporality, Timestamp, ValueType,
};
pub use histogram::Summary;
use histogram::{Buckets, Explicit, Exponential};
use series::{HistState, Identity, Link, NEVER, RateSource, Series, SeriesInfo};

/// Default time between a metric's points.
pub const DEFAULT_FREQUENCY: GoDuration = GoDuration::from_secs(10);

/// The reserved emitter name keying a histogram's observation stream.
const OBSERVATIONS: &str = "\u{0}observations";

/// The settings a run resolves before it starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunConfig {
    /// The seed of every random stream.
    pub seed: u64,
    /// Which random streams to use.
    pub rng: RngKind,
    /// The simulated wall clock of tick 0.
    pub wallclock_start: Timestamp,
}

impl RunConfig {
    /// The scenario's own settings; a seed or start time it leaves out is drawn
    /// from the real clock (see [`RunConfig::seed_was_drawn`]).
    pub fn from_scenario(scenario: &Scenario<'_>) -> RunConfig {
        RunConfig {
            seed: scenario.seed.unwrap_or_else(draw_seed),
            rng: scenario.rng,
            wallclock_start: scenario.wallclock_start.unwrap_or_else(Timestamp::now),
        }
    }

    /// Whether a run of `scenario` with this config uses a seed it did not set.
    pub fn seed_was_drawn(&self, scenario: &Scenario<'_>) -> bool {
        scenario.seed != Some(self.seed)
    }
}

/// A seed from the clock and the process id, mixed (splitmix64) so runs started
/// close together still differ.
fn draw_seed() -> u64 {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64);
    let mut z = nanos ^ (u64::from(std::process::id()) << 32);
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// One exported stream: a metric name with its unit, description, attributes
/// and data model. A series gets a new stream when a reconfiguration changes
/// its name, unit, description or attributes.
#[derive(Clone, Debug, PartialEq)]
pub struct Stream<'r> {
    /// The metric action's name (the series).
    pub series: &'r str,
    /// The exported metric name.
    pub name: &'r str,
    /// The metric's type.
    pub kind: MetricKind,
    /// OTLP unit.
    pub unit: &'r str,
    /// OTLP description.
    pub description: &'r str,
    /// OTLP resource attributes.
    pub resource: &'r [KeyValue<'static>],
    /// OTLP scope attributes.
    pub scope: &'r [KeyValue<'static>],
    /// OTLP data point attributes.
    pub datapoint: &'r [KeyValue<'static>],
    /// Sums and histograms: cumulative or delta.
    pub temporality: Temporality,
    /// Gauges: doubles or integers.
    pub value_type: ValueType,
    /// Explicit histograms: the bucket bounds.
    pub bounds: &'r [f64],
}

impl Stream<'_> {
    /// Whether a sum only grows (a counter).
    pub fn monotonic(&self) -> bool {
        self.kind == MetricKind::Counter
    }
}

/// A point's value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum PointValue {
    /// A float (a gauge's value, a sum's total or delta).
    Double(f64),
    /// An integer (a gauge with `valueType: int`).
    Int(i64),
    /// A staleness marker: no recorded value (OTLP `FLAG_NO_RECORDED_VALUE`).
    Stale,
    /// Index into the batch's `histograms`.
    Histogram(u32),
    /// Index into the batch's `exp_histograms`.
    ExpHistogram(u32),
}

impl PointValue {
    /// The value as a float; `None` for stale points and histograms.
    pub fn as_f64(self) -> Option<f64> {
        match self {
            PointValue::Double(v) => Some(v),
            PointValue::Int(v) => Some(v as f64),
            _ => None,
        }
    }
}

/// One generated point.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Point {
    /// Index into the batch's `streams`.
    pub stream: u32,
    /// OTLP `start_time_unix_nano`: the tick's time for a gauge, the creation
    /// time for cumulative data, the previous point's time for delta data.
    pub start_unix_nanos: i64,
    /// The value.
    pub value: PointValue,
}

/// A run of bucket counts in a batch's `bucket_counts`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CountsRef {
    /// First index.
    pub start: u32,
    /// How many.
    pub len: u32,
}

impl CountsRef {
    /// The counts this refers to.
    pub fn of<'c>(&self, all: &'c [u64]) -> &'c [u64] {
        &all[self.start as usize..(self.start + self.len) as usize]
    }
}

/// An explicit-bucket histogram point; its bounds are its stream's.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct HistogramPoint {
    /// Count, sum, min, max.
    pub summary: Summary,
    /// One count per bucket: `bounds.len() + 1` of them.
    pub counts: CountsRef,
}

/// An exponential histogram point.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ExpHistogramPoint {
    /// Count, sum, min, max.
    pub summary: Summary,
    /// Bucket `i` holds `(base^i, base^(i+1)]`, `base = 2^(2^-scale)`.
    pub scale: i32,
    /// Observations of exactly 0.
    pub zero_count: u64,
    /// Index of the first positive bucket.
    pub positive_offset: i32,
    /// Positive bucket counts.
    pub positive: CountsRef,
    /// Index of the first negative bucket (by magnitude).
    pub negative_offset: i32,
    /// Negative bucket counts.
    pub negative: CountsRef,
}

/// The points of one tick.
#[derive(Clone, Copy, Debug)]
pub struct Batch<'a> {
    /// Seconds since tick 0.
    pub tick: u64,
    /// The tick's simulated wall clock.
    pub unix_nanos: i64,
    /// The points, series in definition order.
    pub points: &'a [Point],
    /// Every stream so far; points index into it.
    pub streams: &'a [Stream<'a>],
    /// Histogram points' data.
    pub histograms: &'a [HistogramPoint],
    /// Exponential histogram points' data.
    pub exp_histograms: &'a [ExpHistogramPoint],
    /// Bucket counts of both kinds of histograms.
    pub bucket_counts: &'a [u64],
}

impl Batch<'_> {
    /// The tick as a duration since tick 0.
    pub fn time(&self) -> GoDuration {
        GoDuration::from_secs(self.tick as i64)
    }
}

#[derive(Debug)]
struct EmitterState<'r> {
    name: &'r str,
    emitter: Emitter<'r>,
    /// Bumped on every (re)configuration; series reset their state when it changes.
    epoch: u32,
}

impl EmitterState<'_> {
    /// Passes `v` through the emitter for one series, first resetting the
    /// series' state if the emitter was reconfigured since the series last used it.
    #[inline(always)]
    fn apply<D: Draw>(&self, v: &mut ChainValue, t_ns: i64, slot: &mut Slot, draw: &mut D) -> f64 {
        if slot.epoch != self.epoch {
            self.emitter.reset(slot);
            slot.epoch = self.epoch;
        }
        self.emitter.apply(v, t_ns, slot, draw)
    }
}

/// Plays a scenario tick by tick. Borrow a scenario, then call
/// [`next_batch`](Engine::next_batch) until it returns `None`.
///
/// The state the per-tick loop walks is laid out densely, in definition order
/// (series, chain links, slots, ChaCha states), so sampling 10k series streams
/// through memory instead of chasing pointers.
#[derive(Debug)]
pub struct Engine<'r> {
    config: RunConfig,
    actions: Vec<&'r Action<'static>>,
    next_action: usize,
    emitters: Vec<EmitterState<'r>>,
    emitter_index: BTreeMap<&'r str, u32>,
    series: Vec<Series>,
    series_info: Vec<SeriesInfo<'r>>,
    series_index: BTreeMap<&'r str, usize>,
    hists: Vec<HistState<'r>>,
    links: Vec<Link>,
    slots: Vec<Slot>,
    chacha: Vec<ChaChaStream>,
    streams: Vec<Stream<'r>>,
    out: Output,
    go: GoPcg,
    warnings: Vec<String>,
    next_tick: u64,
    last_tick: u64,
}

/// The buffers a batch is made of, reused tick after tick.
#[derive(Debug, Default)]
struct Output {
    points: Vec<Point>,
    histograms: Vec<HistogramPoint>,
    exp_histograms: Vec<ExpHistogramPoint>,
    bucket_counts: Vec<u64>,
}

impl Output {
    fn clear(&mut self) {
        self.points.clear();
        self.histograms.clear();
        self.exp_histograms.clear();
        self.bucket_counts.clear();
    }

    fn counts(&mut self, counts: impl IntoIterator<Item = u64>) -> CountsRef {
        let start = self.bucket_counts.len() as u32;
        self.bucket_counts.extend(counts);
        CountsRef { start, len: self.bucket_counts.len() as u32 - start }
    }
}

impl<'r> Engine<'r> {
    /// An engine at tick 0 of `scenario`.
    pub fn new(scenario: &'r Scenario<'static>, config: RunConfig) -> Engine<'r> {
        let mut actions: Vec<&'r Action<'static>> = scenario.script.iter().collect();
        // Stable: actions sharing an `at` keep their order in the merged files.
        actions.sort_by_key(|a| a.at);
        Engine {
            config,
            actions,
            next_action: 0,
            emitters: Vec::new(),
            emitter_index: BTreeMap::new(),
            series: Vec::new(),
            series_info: Vec::new(),
            series_index: BTreeMap::new(),
            hists: Vec::new(),
            links: Vec::new(),
            slots: Vec::new(),
            chacha: Vec::new(),
            streams: Vec::new(),
            out: Output::default(),
            go: GoPcg::new(config.seed, config.seed),
            warnings: Vec::new(),
            next_tick: 0,
            last_tick: scenario.duration.floor_secs(),
        }
    }

    /// The settings of this run.
    pub fn config(&self) -> &RunConfig {
        &self.config
    }

    /// The last tick of the run (the scenario's duration, in whole seconds).
    pub fn last_tick(&self) -> u64 {
        self.last_tick
    }

    /// Every stream created so far.
    pub fn streams(&self) -> &[Stream<'r>] {
        &self.streams
    }

    /// Warnings raised since the last call (for example a histogram centre a
    /// distribution cannot take), each once per metric.
    pub fn take_warnings(&mut self) -> Vec<String> {
        std::mem::take(&mut self.warnings)
    }

    /// Advances to the next tick that has points and returns them; `None` once
    /// the run is over. Ticks without points are skipped.
    pub fn next_batch(&mut self) -> Option<Batch<'_>> {
        while self.next_tick <= self.last_tick {
            let tick = self.next_tick;
            self.apply_due_actions(tick);
            let next_due = self.sample_due_series(tick);
            let next_action = self.actions.get(self.next_action).map_or(u64::MAX, |a| a.at.ceil_secs());
            self.next_tick = next_due.min(next_action).max(tick + 1);
            if !self.out.points.is_empty() {
                return Some(Batch {
                    tick,
                    unix_nanos: self.unix_nanos(tick),
                    points: &self.out.points,
                    streams: &self.streams,
                    histograms: &self.out.histograms,
                    exp_histograms: &self.out.exp_histograms,
                    bucket_counts: &self.out.bucket_counts,
                });
            }
        }
        None
    }

    fn unix_nanos(&self, tick: u64) -> i64 {
        self.config.wallclock_start.offset(GoDuration::from_secs(tick as i64)).unix_nanos()
    }

    fn apply_due_actions(&mut self, tick: u64) {
        while let Some(&action) = self.actions.get(self.next_action) {
            // An `at` between ticks takes effect at the next whole tick.
            if action.at.ceil_secs() > tick {
                break;
            }
            self.next_action += 1;
            match &action.kind {
                ActionKind::Emitter(spec) => self.apply_emitter(&action.name, spec, action.at),
                ActionKind::Metric(spec) => self.apply_metric(&action.name, spec, action.at, tick),
                ActionKind::DisableMetric | ActionKind::EnableMetric => {
                    let enable = matches!(action.kind, ActionKind::EnableMetric);
                    // The loader guarantees the metric exists by now.
                    if let Some(&i) = self.series_index.get(action.name.as_ref()) {
                        let s = &mut self.series[i];
                        s.set_enabled(enable, tick);
                        s.reschedule(tick);
                    }
                }
            }
        }
    }

    fn apply_emitter(&mut self, name: &'r str, spec: &'r EmitterSpec<'static>, at: GoDuration) {
        match self.emitter_index.get(name) {
            Some(&i) => {
                let state = &mut self.emitters[i as usize];
                state.emitter.reconfigure(spec, at);
                state.epoch += 1;
            }
            None => {
                self.emitter_index.insert(name, self.emitters.len() as u32);
                self.emitters.push(EmitterState { name, emitter: Emitter::new(spec, at), epoch: 1 });
            }
        }
    }

    /// The slot series `index` keeps for `emitter`, made on first use.
    fn slot_for(&mut self, index: usize, emitter: u32) -> u32 {
        let info = &mut self.series_info[index];
        if let Some(&(_, slot)) = info.slot_of.iter().find(|(e, _)| *e == emitter) {
            return slot;
        }
        self.slots.push(Slot::new());
        let slot = self.slots.len() as u32 - 1;
        info.slot_of.push((emitter, slot));
        slot
    }

    fn apply_metric(&mut self, name: &'r str, spec: &'r MetricSpec<'static>, at: GoDuration, tick: u64) {
        let index = match self.series_index.get(name) {
            Some(&i) => i,
            None => self.define_metric(name, spec, at),
        };
        if let Some(to) = spec.to {
            self.series[index].to = to.floor_secs();
        }
        if let Some(f) = spec.frequency {
            self.series[index].frequency = f.floor_secs().max(1);
        }
        let series = &mut self.series[index];
        if spec.frequency.is_some() || series.last_point == NEVER {
            series.reschedule(tick);
        }
        if let Some(names) = &spec.emitters {
            // A new chain goes at the end of `links`; a series keeps the slot of
            // every emitter it used before, so their state carries on.
            let chain_start = self.links.len() as u32;
            let ids: Vec<u32> = names.iter().filter_map(|n| self.emitter_index.get(n.as_ref()).copied()).collect();
            for emitter in ids {
                let slot = self.slot_for(index, emitter);
                self.links.push(Link { emitter, slot });
            }
            let series = &mut self.series[index];
            series.chain_start = chain_start;
            series.chain_len = self.links.len() as u32 - chain_start;
        }
        let hist = self.series[index].hist;
        if hist != u32::MAX {
            if let Some(rate) = &spec.rate {
                let rate = match rate {
                    Rate::PerSecond(r) => RateSource::PerSecond(*r),
                    Rate::Emitter(e) => {
                        let emitter = self.emitter_index.get(e.as_ref()).copied().unwrap_or(0);
                        RateSource::Emitter { emitter, slot: self.slot_for(index, emitter) }
                    }
                };
                self.hists[hist as usize].rate = rate;
            }
            if let Some(d) = spec.distribution {
                self.hists[hist as usize].distribution = d;
            }
        }
        let (series, info) = (&mut self.series[index], &mut self.series_info[index]);
        let identity = info.identity.overlay(spec);
        if series.stream == u32::MAX || identity != info.identity {
            info.identity = identity;
            series.stream = self.streams.len() as u32;
            let bounds = if hist == u32::MAX { &[][..] } else { self.hists[hist as usize].bounds };
            self.streams.push(Stream {
                series: info.name,
                name: identity.name,
                kind: series.kind,
                unit: identity.unit,
                description: identity.description,
                resource: identity.resource,
                scope: identity.scope,
                datapoint: identity.datapoint,
                temporality: series.temporality,
                value_type: if series.int_values { ValueType::Int } else { ValueType::Double },
                bounds,
            });
        }
    }

    /// A new series for the metric action `name` (settings fixed by the
    /// definition are taken here).
    fn define_metric(&mut self, name: &'r str, spec: &'r MetricSpec<'static>, at: GoDuration) -> usize {
        let created_tick = at.ceil_secs();
        let hist = if spec.kind.is_histogram() {
            let bounds: &'r [f64] = spec.buckets.as_deref().unwrap_or(DEFAULT_BUCKETS);
            let max_size = spec.max_size.unwrap_or(DEFAULT_MAX_SIZE);
            let max_scale = spec.max_scale.unwrap_or(DEFAULT_MAX_SCALE);
            self.hists.push(HistState {
                rate: RateSource::PerSecond(1.0),
                distribution: spec.distribution.unwrap_or(Distribution::Normal { std_dev: 0.0 }),
                bounds,
                max_size,
                max_scale,
                stream: Slot::NO_STREAM,
                explicit: Explicit::new(bounds),
                exponential: Exponential::new(max_size, max_scale),
                warned: false,
            });
            self.hists.len() as u32 - 1
        } else {
            u32::MAX
        };
        self.series_index.insert(name, self.series.len());
        self.series.push(Series {
            next_due: 0,
            frequency: DEFAULT_FREQUENCY.floor_secs(),
            created_tick,
            last_point: NEVER,
            to: NEVER,
            enabled: true,
            off_since: NEVER,
            off_seconds: 0,
            total: 0.0,
            chain_start: 0,
            chain_len: 0,
            stream: u32::MAX,
            kind: spec.kind,
            temporality: spec.temporality.unwrap_or_default(),
            int_values: spec.value_type == Some(ValueType::Int),
            hist,
        });
        self.series_info.push(SeriesInfo { name, identity: Identity::new(name), slot_of: Vec::new() });
        self.series.len() - 1
    }

    /// Samples every series due at `tick` into the output; returns the
    /// earliest tick at which any series is due next.
    fn sample_due_series(&mut self, tick: u64) -> u64 {
        self.out.clear();
        let t_ns = GoDuration::from_secs(tick as i64).as_nanos();
        let now_unix = self.unix_nanos(tick);
        let start_unix = self.config.wallclock_start.unix_nanos();
        let unix_at = |t: u64| start_unix + GoDuration::from_secs(t as i64).as_nanos();
        let Engine { series, series_info, emitters, links, slots, chacha, go, out, config, hists, warnings, .. } = self;
        let mut next_due = u64::MAX;
        for (index, s) in series.iter_mut().enumerate() {
            // Labelled so a point that is not sent still reaches the bookkeeping below.
            'point: {
                if s.next_due > tick {
                    break 'point;
                }
                s.next_due = tick + s.frequency;
                if tick > s.to {
                    // Past its `to`: no more points.
                    s.next_due = NEVER;
                    break 'point;
                }
                let mut v = ChainValue::default();
                let chain = &links[s.chain_start as usize..(s.chain_start + s.chain_len) as usize];
                for link in chain {
                    let state = &emitters[link.emitter as usize];
                    let mut draw = Draws { config, go, chacha, series_info, series: index, emitter: state.name };
                    state.apply(&mut v, t_ns, &mut slots[link.slot as usize], &mut draw);
                }
                if v.mark == Mark::Missing {
                    break 'point;
                }
                let since = s.take_enabled_seconds(tick);
                let start = match (s.kind, s.temporality) {
                    (MetricKind::Gauge, _) => now_unix,
                    (_, Temporality::Cumulative) => unix_at(s.created_tick),
                    // The previous point's time (creation for the first): contiguous intervals.
                    (_, Temporality::Delta) => unix_at(s.interval_start()),
                };
                s.last_point = tick;
                let value = if v.mark == Mark::Stale {
                    PointValue::Stale
                } else {
                    match s.kind {
                        MetricKind::Gauge if s.int_values => PointValue::Int(round_to_i64(v.value)),
                        MetricKind::Gauge => PointValue::Double(v.value),
                        MetricKind::Counter | MetricKind::UpDownCounter => {
                            let rate = if s.kind == MetricKind::Counter { v.value.max(0.0) } else { v.value };
                            let increment = rate * since as f64;
                            s.total += increment;
                            PointValue::Double(if s.temporality == Temporality::Delta { increment } else { s.total })
                        }
                        MetricKind::Histogram | MetricKind::ExponentialHistogram => {
                            let h = &mut hists[s.hist as usize];
                            let rate = match h.rate {
                                RateSource::PerSecond(r) => r,
                                RateSource::Emitter { emitter, slot } => {
                                    let state = &emitters[emitter as usize];
                                    let mut draw =
                                        Draws { config, go, chacha, series_info, series: index, emitter: state.name };
                                    state.apply(&mut ChainValue::default(), t_ns, &mut slots[slot as usize], &mut draw)
                                }
                            };
                            let mut draw =
                                Draws { config, go, chacha, series_info, series: index, emitter: OBSERVATIONS };
                            let mut stream = h.stream;
                            let mut src = SlotSource { draw: &mut draw, stream: &mut stream };
                            let n = poisson(&mut src, rate.max(0.0) * since as f64);
                            let centre = v.value;
                            let possible = match h.distribution {
                                Distribution::LogNormal { .. } | Distribution::Exponential => centre > 0.0,
                                _ => true,
                            };
                            if !possible && n > 0 && !h.warned {
                                h.warned = true;
                                warnings.push(format!(
                                    "metric `{}`: a {} distribution cannot be centred on {}; points get no observations then",
                                    series_info[index].name,
                                    distribution_name(h.distribution),
                                    crate::gofmt::go_float(centre)
                                ));
                            }
                            let n = if possible { n } else { 0 };
                            let value = record_histogram(s.kind, s.temporality, h, n, centre, &mut src, out);
                            h.stream = stream;
                            value
                        }
                    }
                };
                out.points.push(Point { stream: s.stream, start_unix_nanos: start, value });
            }
            next_due = next_due.min(s.next_due);
        }
        next_due
    }
}

/// Rounds halves away from zero; saturates outside the i64 range.
fn round_to_i64(v: f64) -> i64 {
    // `as` saturates, and the loader keeps NaN out.
    v.round() as i64
}

fn distribution_name(d: Distribution) -> &'static str {
    match d {
        Distribution::Normal { .. } => "normal",
        Distribution::LogNormal { .. } => "lognormal",
        Distribution::Exponential => "exponential",
        Distribution::Uniform { .. } => "uniform",
    }
}

/// One observation around `centre`.
#[inline]
fn observe(d: Distribution, centre: f64, src: &mut impl Source) -> f64 {
    match d {
        Distribution::Normal { std_dev } => centre + std_dev * standard_normal(src),
        Distribution::LogNormal { sigma } => centre * (sigma * standard_normal(src)).exp(),
        Distribution::Exponential => exponential(src, centre),
        Distribution::Uniform { width } => centre + (src.uniform() - 0.5) * width,
    }
}

/// Draws `n` observations into the histogram (cumulative totals, or a fresh
/// one for delta temporality) and writes the point's data to the output.
fn record_histogram(
    kind: MetricKind,
    temporality: Temporality,
    h: &mut HistState<'_>,
    n: u64,
    centre: f64,
    src: &mut impl Source,
    out: &mut Output,
) -> PointValue {
    let fresh = temporality == Temporality::Delta;
    if kind == MetricKind::Histogram {
        if fresh {
            h.explicit = Explicit::new(h.bounds);
        }
        for _ in 0..n {
            let v = observe(h.distribution, centre, src);
            h.explicit.record(h.bounds, v);
        }
        let counts = out.counts(h.explicit.counts.iter().copied());
        out.histograms.push(HistogramPoint { summary: h.explicit.summary, counts });
        PointValue::Histogram(out.histograms.len() as u32 - 1)
    } else {
        if fresh {
            h.exponential = Exponential::new(h.max_size, h.max_scale);
        }
        for _ in 0..n {
            let v = observe(h.distribution, centre, src);
            h.exponential.record(v);
        }
        let e = &h.exponential;
        let mut side = |b: &Buckets| (b.offset, out.counts(b.counts.iter().copied()));
        let (positive_offset, positive) = side(&e.positive);
        let (negative_offset, negative) = side(&e.negative);
        out.exp_histograms.push(ExpHistogramPoint {
            summary: e.summary,
            scale: e.scale,
            zero_count: e.zero_count,
            positive_offset,
            positive,
            negative_offset,
            negative,
        });
        PointValue::ExpHistogram(out.exp_histograms.len() as u32 - 1)
    }
}

/// The random draws of one link: the run's Go stream, or the slot's own ChaCha
/// stream (made the first time the pair draws, keyed by the two names).
struct Draws<'a, 'r> {
    config: &'a RunConfig,
    go: &'a mut GoPcg,
    chacha: &'a mut Vec<ChaChaStream>,
    /// The series' name is looked up only to make a stream: the per-point loop
    /// never touches the (large, cold) series info otherwise.
    series_info: &'a [SeriesInfo<'r>],
    series: usize,
    emitter: &'r str,
}

impl Draw for Draws<'_, '_> {
    #[inline]
    fn next_u64(&mut self, stream: &mut u32) -> u64 {
        match self.config.rng {
            RngKind::Go => self.go.next_u64(),
            RngKind::ChaCha => self.stream(stream).next_u64(),
        }
    }

    #[inline]
    fn uniform(&mut self, stream: &mut u32) -> f64 {
        match self.config.rng {
            RngKind::Go => self.go.uniform(),
            RngKind::ChaCha => self.stream(stream).uniform(),
        }
    }
}

impl Draws<'_, '_> {
    #[inline]
    fn stream(&mut self, stream: &mut u32) -> &mut ChaChaStream {
        if *stream == Slot::NO_STREAM {
            *stream = self.new_stream();
        }
        &mut self.chacha[*stream as usize]
    }

    #[cold]
    fn new_stream(&mut self) -> u32 {
        let series = self.series_info[self.series].name;
        self.chacha.push(ChaChaStream::new(self.config.seed, series, self.emitter, 0));
        self.chacha.len() as u32 - 1
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
/// Shapes, transforms, metric types, lifetimes and histograms, value by value.
mod tests_shapes;
