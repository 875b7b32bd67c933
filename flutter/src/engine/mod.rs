//! The engine: plays a scenario on a simulated clock, one tick per second.
//!
//! At each tick every due action is applied first, then every due series is
//! sampled once, in definition order. The engine never does I/O: it yields each
//! tick's points as a [`Batch`], and [`run`](crate::run) hands batches to sinks,
//! pacing them in real time or as fast as possible.

mod series;

use std::collections::BTreeMap;

use crate::duration::GoDuration;
use crate::emitter::{Draw, Emitter, Slot};
use crate::rng::{ChaChaStream, GoPcg, RngKind};
use crate::scenario::{Action, ActionKind, EmitterSpec, KeyValue, MetricKind, MetricSpec, Scenario, Timestamp};
use series::{Identity, Link, Series, SeriesInfo};

/// Default time between a metric's points.
pub const DEFAULT_FREQUENCY: GoDuration = GoDuration::from_secs(10);

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

/// One exported stream: a metric name with its unit, description and attributes.
/// A series gets a new stream when a reconfiguration changes any of these.
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
}

/// A point's value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum PointValue {
    /// A float (a gauge's value, a counter's running total).
    Double(f64),
}

impl PointValue {
    /// The value as a float.
    pub fn as_f64(self) -> f64 {
        match self {
            PointValue::Double(v) => v,
        }
    }
}

/// One generated point.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Point {
    /// Index into the batch's `streams`.
    pub stream: u32,
    /// OTLP `start_time_unix_nano`: the tick's time for a gauge, the creation
    /// time for a cumulative counter.
    pub start_unix_nanos: i64,
    /// The value.
    pub value: PointValue,
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
    emitter: Emitter,
    /// Bumped on every (re)configuration; series reset their state when it changes.
    epoch: u32,
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
    links: Vec<Link>,
    slots: Vec<Slot>,
    chacha: Vec<ChaChaStream>,
    streams: Vec<Stream<'r>>,
    points: Vec<Point>,
    go: GoPcg,
    next_tick: u64,
    last_tick: u64,
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
            links: Vec::new(),
            slots: Vec::new(),
            chacha: Vec::new(),
            streams: Vec::new(),
            points: Vec::new(),
            go: GoPcg::new(config.seed, config.seed),
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

    /// Advances to the next tick that has points and returns them; `None` once
    /// the run is over. Ticks without points are skipped.
    pub fn next_batch(&mut self) -> Option<Batch<'_>> {
        while self.next_tick <= self.last_tick {
            let tick = self.next_tick;
            self.apply_due_actions(tick);
            let next_due = self.sample_due_series(tick);
            let next_action = self.actions.get(self.next_action).map_or(u64::MAX, |a| a.at.ceil_secs());
            self.next_tick = next_due.min(next_action).max(tick + 1);
            if !self.points.is_empty() {
                return Some(Batch {
                    tick,
                    unix_nanos: self.unix_nanos(tick),
                    points: &self.points,
                    streams: &self.streams,
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
            }
        }
    }

    fn apply_emitter(&mut self, name: &'r str, spec: &EmitterSpec, at: GoDuration) {
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

    fn apply_metric(&mut self, name: &'r str, spec: &'r MetricSpec<'static>, at: GoDuration, tick: u64) {
        let index = match self.series_index.get(name) {
            Some(&i) => i,
            None => {
                self.series_index.insert(name, self.series.len());
                self.series.push(Series {
                    next_due: 0,
                    frequency: DEFAULT_FREQUENCY.floor_secs(),
                    created_tick: at.ceil_secs(),
                    last_point: Series::NEVER,
                    total: 0.0,
                    chain_start: 0,
                    chain_len: 0,
                    stream: u32::MAX,
                    kind: spec.kind,
                });
                self.series_info.push(SeriesInfo { name, identity: Identity::new(name), slot_of: Vec::new() });
                self.series.len() - 1
            }
        };
        let (series, info) = (&mut self.series[index], &mut self.series_info[index]);
        if let Some(f) = spec.frequency {
            series.frequency = f.floor_secs().max(1);
        }
        if spec.frequency.is_some() || series.last_point == Series::NEVER {
            series.reschedule(tick);
        }
        if let Some(names) = &spec.emitters {
            // A new chain goes at the end of `links`; a series keeps the slot of
            // every emitter it used before, so their state carries on.
            series.chain_start = self.links.len() as u32;
            series.chain_len = 0;
            for emitter in names.iter().filter_map(|n| self.emitter_index.get(n.as_ref()).copied()) {
                let slot = match info.slot_of.iter().find(|(e, _)| *e == emitter) {
                    Some(&(_, slot)) => slot,
                    None => {
                        self.slots.push(Slot::new());
                        let slot = self.slots.len() as u32 - 1;
                        info.slot_of.push((emitter, slot));
                        slot
                    }
                };
                self.links.push(Link { emitter, slot });
                series.chain_len += 1;
            }
        }
        let identity = info.identity.overlay(spec);
        if series.stream == u32::MAX || identity != info.identity {
            info.identity = identity;
            series.stream = self.streams.len() as u32;
            self.streams.push(Stream {
                series: info.name,
                name: identity.name,
                kind: series.kind,
                unit: identity.unit,
                description: identity.description,
                resource: identity.resource,
                scope: identity.scope,
                datapoint: identity.datapoint,
            });
        }
    }

    /// Samples every series due at `tick` into `points`; returns the earliest
    /// tick at which any series is due next.
    fn sample_due_series(&mut self, tick: u64) -> u64 {
        self.points.clear();
        let t_ns = GoDuration::from_secs(tick as i64).as_nanos();
        let now_unix = self.unix_nanos(tick);
        let start_unix = self.config.wallclock_start.unix_nanos();
        let Engine { series, series_info, emitters, links, slots, chacha, go, points, config, .. } = self;
        let mut next_due = u64::MAX;
        for (s, info) in series.iter_mut().zip(series_info.iter()) {
            if s.next_due <= tick {
                let mut value = 0.0;
                let chain = &links[s.chain_start as usize..(s.chain_start + s.chain_len) as usize];
                for link in chain {
                    let slot = &mut slots[link.slot as usize];
                    let state = &emitters[link.emitter as usize];
                    if slot.epoch != state.epoch {
                        state.emitter.reset(slot);
                        slot.epoch = state.epoch;
                    }
                    let mut draw = Draws { config, go, chacha, series: info.name, emitter: state.name };
                    value = state.emitter.apply(value, t_ns, slot, &mut draw);
                }
                let (value, start) = match s.kind {
                    MetricKind::Gauge => (value, now_unix),
                    MetricKind::Counter => {
                        let previous = if s.last_point == Series::NEVER { s.created_tick } else { s.last_point };
                        s.total += value.max(0.0) * (tick - previous) as f64;
                        let created = start_unix + GoDuration::from_secs(s.created_tick as i64).as_nanos();
                        (s.total, created)
                    }
                };
                points.push(Point { stream: s.stream, start_unix_nanos: start, value: PointValue::Double(value) });
                s.last_point = tick;
                s.next_due = tick + s.frequency;
            }
            next_due = next_due.min(s.next_due);
        }
        next_due
    }
}

/// The random draws of one link: the run's Go stream, or the slot's own ChaCha
/// stream (made the first time the pair draws, keyed by the two names).
struct Draws<'a, 'r> {
    config: &'a RunConfig,
    go: &'a mut GoPcg,
    chacha: &'a mut Vec<ChaChaStream>,
    series: &'r str,
    emitter: &'r str,
}

impl Draw for Draws<'_, '_> {
    #[inline]
    fn uniform(&mut self, slot: &mut Slot) -> f64 {
        match self.config.rng {
            RngKind::Go => self.go.uniform(),
            RngKind::ChaCha => {
                if slot.stream == Slot::NO_STREAM {
                    slot.stream = self.new_stream();
                }
                self.chacha[slot.stream as usize].uniform()
            }
        }
    }
}

impl Draws<'_, '_> {
    #[cold]
    fn new_stream(&mut self) -> u32 {
        self.chacha.push(ChaChaStream::new(self.config.seed, self.series, self.emitter, 0));
        self.chacha.len() as u32 - 1
    }
}

#[cfg(test)]
mod tests;
