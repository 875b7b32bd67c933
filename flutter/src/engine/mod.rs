//! The engine: plays a scenario on a simulated clock, one tick per second.
//!
//! At each tick every due action is applied first ([`actions`]), then every due
//! series is sampled once, in definition order ([`sample`]). The engine never
//! does I/O and never reads a clock: it yields each tick's output as a
//! [`Batch`], and [`run`](crate::run) hands batches to sinks, pacing them in
//! real time or as fast as possible.

mod actions;
mod churn;
mod draws;
mod logs;
mod sample;
mod series;
mod span_metrics;
mod traces;

use std::collections::{BTreeMap, BTreeSet};

use crate::batch::{Batch, LogSection, MetricSection, PointBuffer, SpanSection, Streams};
use crate::go::duration::GoDuration;
use crate::kinds::emitters::{ChainValue, Emitter, SeriesState};
use crate::kinds::metrics::Warnings;
use crate::rng::{ChaChaStream, GoPcg, RngKind};
use crate::run::RunConfig;
use crate::scenario::{Action, EmitterAction, Scenario};
use crate::shard::Shard;
use draws::{Draws, PairStreams, SlotRng};
use series::{Group, Link, NO_OWN, RetiredSlots, Series, SeriesInfo, Slot};
pub(crate) use series::{Identity, set_change};

/// An emitter's configuration, shared by every series that uses it.
#[derive(Debug)]
struct EmitterState<'r> {
    /// FNV-1a-64 of its name, which keys its series' random streams.
    name_hash: u64,
    emitter: Emitter,
    /// Bumped on every (re)configuration; series reset their state when it changes.
    epoch: u32,
    /// The actions that configured it, in order (`epoch` of them): a series
    /// that draws fields of its own replays them with its draws.
    actions: Vec<(&'r EmitterAction<'static>, GoDuration)>,
    /// Some action draws fields per series: each series configures its own copy.
    drawn: bool,
    /// A shared emitter's one state, and its value at this tick.
    shared: Option<Box<SharedState>>,
}

/// The state of a `shared: true` emitter: advanced once per tick, read by every series.
#[derive(Debug)]
struct SharedState {
    epoch: u32,
    state: SeriesState,
    /// Keyed by the seed and the emitter's name alone.
    rng: ChaChaStream,
    value: ChainValue,
}

impl EmitterState<'_> {
    /// Passes `v` through the emitter for one series, first catching the
    /// series up if the emitter was (re)configured since the series last used it.
    #[inline(always)]
    fn apply(&self, v: &mut ChainValue, t_ns: i64, slot: &mut Slot, own: &mut Vec<Emitter>, draws: &mut Draws<'_, '_>) {
        if let Some(shared) = &self.shared {
            v.value += shared.value.value;
            v.mark(shared.value.mark);
            return;
        }
        if slot.epoch != self.epoch {
            self.catch_up(slot, own, draws);
        }
        let Slot { rng, state, own: mine, .. } = slot;
        let emitter = if *mine == NO_OWN { &self.emitter } else { &own[*mine as usize] };
        emitter.apply(v, t_ns, state, || SlotRng { draws, rng, emitter: self.name_hash });
    }

    /// Brings a series' slot to the emitter's current configuration: a series
    /// that draws fields of its own replays the actions it has not seen (all of
    /// them, the first time) on its own copy, drawing from its own stream; then
    /// its state is reset.
    #[cold]
    #[inline(never)]
    fn catch_up(&self, slot: &mut Slot, own: &mut Vec<Emitter>, draws: &mut Draws<'_, '_>) {
        if self.drawn {
            // Epoch 0: new, or renewed by churn (its copy, if any, is made again).
            let seen = if slot.own == NO_OWN { 0 } else { slot.epoch as usize };
            let mut rng = SlotRng { draws, rng: &mut slot.rng, emitter: self.name_hash };
            for (k, &(action, at)) in self.actions.iter().enumerate().skip(seen) {
                let spec = action.drawn_spec(&mut rng);
                if k > 0 {
                    own[slot.own as usize].reconfigure(&spec, at);
                } else if slot.own == NO_OWN {
                    own.push(Emitter::new(&spec, at));
                    slot.own = own.len() as u32 - 1;
                } else {
                    own[slot.own as usize] = Emitter::new(&spec, at);
                }
            }
        }
        let emitter = if slot.own == NO_OWN { &self.emitter } else { &own[slot.own as usize] };
        emitter.reset(&mut slot.state);
        slot.epoch = self.epoch;
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
    /// The series' own copies of emitters they draw fields for ([`Slot::own`]).
    own_emitters: Vec<Emitter>,
    /// The shared emitters, in definition order: every tick is played to advance them.
    shared: Vec<u32>,
    /// The groups that churn, in definition order.
    churning: Vec<u32>,
    series: Vec<Series<'r>>,
    series_info: Vec<SeriesInfo>,
    groups: Vec<Group<'r>>,
    group_index: BTreeMap<&'r str, u32>,
    /// The shard played, if the run is sharded.
    shard: Option<Shard>,
    /// Warnings already given, per metric (a set's series warn once for it).
    warned: BTreeSet<(u32, String)>,
    links: Vec<Link>,
    slots: Vec<Slot>,
    retired: RetiredSlots,
    /// What histogram series keep besides ([`Series::observing`]).
    observing: Vec<series::Observing>,
    rngs: PairStreams,
    streams: Streams<'r>,
    out: PointBuffer,
    /// The trace templates, in definition order, and where each is by name.
    tracers: Vec<traces::Tracer<'r>>,
    tracer_index: BTreeMap<&'r str, u32>,
    loggers: Vec<logs::Logger<'r>>,
    logger_index: BTreeMap<&'r str, u32>,
    /// The tick's spans and log records, and their resources.
    signals: traces::SignalOut<'r>,
    /// Warnings about trace templates, in the order raised.
    trace_warnings: Vec<String>,
    go: GoPcg,
    warnings: Warnings,
    /// Points dropped because their value was not a finite number.
    invalid: sample::InvalidPoints,
    next_tick: u64,
    last_tick: u64,
    /// The run's duration in nanoseconds: traces start before it.
    duration_ns: i64,
    /// The tick being played in parts, when one is.
    part: Option<TickPart>,
    /// Whether [`Engine::favour_memory`] was called.
    favouring_memory: bool,
}

/// A tick whose points come in parts: where its sampling goes on from.
#[derive(Clone, Copy, Debug)]
struct TickPart {
    tick: u64,
    /// The next series to sample.
    from: usize,
    /// The earliest next visit of the series sampled so far.
    next_visit: u64,
    /// The next tick any group churns at.
    next_churn: u64,
    /// The tick after this one, once worked out for its first part.
    upcoming: Option<u64>,
}

impl<'r> Engine<'r> {
    /// An engine at tick 0 of `scenario`. A run lasts at most
    /// `1193046h28m14s` (2^32 − 2 seconds; the loader rejects a longer
    /// `duration`): a longer scenario built by hand ends there.
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
            own_emitters: Vec::new(),
            shared: Vec::new(),
            churning: Vec::new(),
            series: Vec::new(),
            series_info: Vec::new(),
            groups: Vec::new(),
            group_index: BTreeMap::new(),
            shard: scenario.shard,
            warned: BTreeSet::new(),
            links: Vec::new(),
            slots: Vec::new(),
            retired: RetiredSlots::default(),
            observing: Vec::new(),
            rngs: PairStreams::Blocks(Vec::new()),
            streams: Streams::new(),
            out: PointBuffer::new(),
            tracers: Vec::new(),
            tracer_index: BTreeMap::new(),
            loggers: Vec::new(),
            logger_index: BTreeMap::new(),
            signals: traces::SignalOut::default(),
            trace_warnings: Vec::new(),
            go: GoPcg::new(config.seed, config.seed),
            warnings: Vec::new(),
            invalid: sample::InvalidPoints::default(),
            next_tick: 0,
            // A scenario built by hand may be longer than the loader allows.
            last_tick: scenario.duration.floor_secs().min(series::MAX_TICK),
            duration_ns: scenario.duration.as_nanos(),
            part: None,
            favouring_memory: false,
        }
    }

    /// The settings of this run.
    pub fn config(&self) -> &RunConfig {
        &self.config
    }

    /// Keeps per-series state small at some CPU cost, for the rest of the
    /// run: a series' random stream for an emitter keeps only its position
    /// (8 bytes, where it kept its current block in 72) and computes a block
    /// at each draw; a tick in parts works out the next tick at its first
    /// part ([`Batch::next_tick`], for a real-time sink's patience). The
    /// points are the same. Real-time runs ([`run`](crate::run) with
    /// [`Pacing::RealTime`](crate::Pacing::RealTime)) favour memory: their
    /// CPU waits for the clock.
    pub fn favour_memory(&mut self) {
        self.rngs.keep_positions();
        self.favouring_memory = true;
    }

    /// The last tick of the run (the scenario's duration, in whole seconds).
    pub fn last_tick(&self) -> u64 {
        self.last_tick
    }

    /// Every stream created so far.
    pub fn streams(&self) -> &Streams<'r> {
        &self.streams
    }

    /// Warnings raised since the last call (for example a histogram centre a
    /// distribution cannot take), each once per metric: the series of a set
    /// warn once for it (numbers aside, the same warning is not repeated).
    pub fn take_warnings(&mut self) -> Vec<String> {
        let warnings = std::mem::take(&mut self.warnings);
        let mut out = std::mem::take(&mut self.trace_warnings);
        for (i, w) in warnings {
            let info = &self.series_info[i];
            let shape: String = w.chars().filter(|c| !c.is_ascii_digit()).collect();
            if !self.warned.insert((info.group, shape)) {
                continue;
            }
            let group = &self.groups[info.group as usize];
            let which = if group.set.is_plain() {
                String::new()
            } else {
                let stream = self.streams.get(self.series[i].stream as usize);
                format!(" (first in series `{}` {})", stream.name, crate::sink::attributes_text(&stream))
            };
            out.push(format!("metric `{}`{which}: {w}", group.name));
        }
        out
    }

    /// Points dropped so far because their value was not a finite number (a
    /// counter's total that overflowed, a ramp past the float range): they
    /// are never sent as numbers.
    pub fn invalid_points(&self) -> u64 {
        self.invalid.count
    }

    /// Advances to the next tick that has points and returns them; `None` once
    /// the run is over. Ticks without points are skipped; a tick of many
    /// points comes in parts ([`Batch::more`]).
    pub fn next_batch(&mut self) -> Option<Batch<'_>> {
        loop {
            self.out.clear();
            let part = match self.part.take() {
                Some(part) => part,
                None => {
                    if self.next_tick > self.last_tick {
                        return None;
                    }
                    let tick = self.next_tick;
                    self.signals.clear();
                    self.apply_due_actions(tick);
                    let next_churn = self.churn_due(tick);
                    self.advance_shared(tick);
                    TickPart { tick, from: 0, next_visit: u64::MAX, next_churn, upcoming: None }
                }
            };
            let tick = part.tick;
            let (next_visit, resume) = self.sample_due_series(tick, part.from, part.next_visit);
            let next_action = self.actions.get(self.next_action).map_or(u64::MAX, |a| a.at.ceil_secs());
            // Shared emitters advance, and traces start, every second.
            let every_second = !self.shared.is_empty() || !self.tracers.is_empty() || !self.loggers.is_empty();
            let next_second = if every_second { tick + 1 } else { u64::MAX };
            let others = next_action.min(next_second).min(part.next_churn);
            if let Some(from) = resume {
                // The tick after this one, for a real-time sink's patience:
                // worked out once for the tick when favouring memory (real
                // time), else only the earliest it can be.
                let upcoming = part.upcoming.unwrap_or_else(|| match self.favouring_memory {
                    true => self.upcoming_visit(tick).min(others).max(tick + 1),
                    false => tick + 1,
                });
                self.part = Some(TickPart { from, next_visit, upcoming: Some(upcoming), ..part });
                return Some(self.batch(tick, upcoming, true));
            }
            self.play_traces(tick);
            self.play_logs(tick);
            self.next_tick = next_visit.min(others).max(tick + 1);
            if !self.out.is_empty() || !self.signals.spans.is_empty() || !self.signals.records.is_empty() {
                return Some(self.batch(tick, self.next_tick, false));
            }
        }
    }

    /// The batch of `tick`'s points made so far.
    fn batch(&self, tick: u64, next_tick: u64, more: bool) -> Batch<'_> {
        Batch {
            tick,
            unix_nanos: self.unix_nanos(tick),
            next_tick,
            more,
            metrics: MetricSection { streams: &self.streams, points: self.out.all() },
            spans: SpanSection { spans: &self.signals.spans, resources: &self.signals.resources },
            logs: LogSection { records: &self.signals.records, resources: &self.signals.resources },
        }
    }

    /// The earliest tick after `tick` any series is to be visited at, those
    /// still to be sampled at `tick` included.
    fn upcoming_visit(&self, tick: u64) -> u64 {
        let upcoming =
            |s: &Series<'_>| if s.next_visit.get() > tick { s.next_visit.get() } else { s.visit_after(tick) };
        self.series.iter().map(upcoming).min().unwrap_or(u64::MAX)
    }

    /// Advances every shared emitter by one tick: its value for every series
    /// that reads it at `tick` (on `rng: go`, in definition order, before any series draws).
    fn advance_shared(&mut self, tick: u64) {
        let t_ns = GoDuration::from_secs(tick as i64).as_nanos();
        let Engine { emitters, go, config, shared: indices, .. } = self;
        for &i in indices.iter() {
            let e = &mut emitters[i as usize];
            let Some(shared) = e.shared.as_deref_mut() else { continue };
            if shared.epoch != e.epoch {
                e.emitter.reset(&mut shared.state);
                shared.epoch = e.epoch;
            }
            let mut v = ChainValue::default();
            match config.rng {
                RngKind::Go => e.emitter.apply(&mut v, t_ns, &mut shared.state, || &mut *go),
                RngKind::ChaCha => e.emitter.apply(&mut v, t_ns, &mut shared.state, || &mut shared.rng),
            }
            shared.value = v;
        }
    }

    /// Tick `tick`'s simulated time in nanoseconds, and how much of its
    /// second is inside the run: traces start and records happen only there
    /// (the last tick's second is past the run's end).
    fn second_inside(&self, tick: u64) -> (i64, i64) {
        let t_ns = GoDuration::from_secs(tick as i64).as_nanos();
        (t_ns, (self.duration_ns - t_ns).min(1_000_000_000))
    }

    /// Starts every trace template's traces of the second from `tick`.
    fn play_traces(&mut self, tick: u64) {
        let (t_ns, within) = self.second_inside(tick);
        let tick_unix = self.unix_nanos(tick);
        let last = tick == self.last_tick;
        let Engine { tracers, emitters, signals, trace_warnings, streams, out, shard, .. } = self;
        let shard = *shard;
        for (i, tracer) in tracers.iter_mut().enumerate() {
            // Span metrics count the traces started before their point's
            // time, the run's last points all of them; in a sharded run, the
            // first shard counts and sends them for every shard's spans.
            let on = tracer.metrics_on && shard.is_none_or(|s| s.is_first());
            if let Some(m) = tracer.metrics.as_ref().filter(|m| on && m.due(tick) && !last) {
                m.points(tick_unix, out);
            }
            if within > 0 {
                let (from, records_from) = (signals.spans.len(), signals.records.len());
                let rate = tracer.play(emitters, (t_ns, within), tick_unix, signals, i as u32);
                let name = tracer.name();
                if let Some(m) = tracer.metrics.as_mut().filter(|_| on) {
                    m.count(name, &signals.spans[from..], &signals.resources, streams);
                }
                if let Some(s) = shard {
                    signals.keep_shard(s, from, records_from);
                }
                let max = tracer.max_rate();
                if rate > max && !std::mem::replace(&mut tracer.warned_rate, true) {
                    trace_warnings.push(format!(
                        "trace `{}`: its rate at {} is {}, above the most it starts in a second ({} traces, or {} \
                         spans), so it was held there",
                        tracer.name(),
                        GoDuration::from_secs(tick as i64),
                        crate::go::float::go_float(rate),
                        max.floor(),
                        crate::traces::MAX_SPANS_PER_SECOND
                    ));
                }
            }
            if let Some(m) = tracer.metrics.as_ref().filter(|_| on && last) {
                m.points(tick_unix, out);
            }
        }
    }

    fn play_logs(&mut self, tick: u64) {
        let (t_ns, within) = self.second_inside(tick);
        if within <= 0 {
            return;
        }
        let tick_unix = self.unix_nanos(tick);
        let Engine { loggers, emitters, signals, trace_warnings, shard, .. } = self;
        for (i, logger) in loggers.iter_mut().enumerate() {
            let from = signals.records.len();
            let rate = logger.play(emitters, (t_ns, within), tick_unix, signals, i as u32);
            if let Some(s) = shard {
                signals.keep_records_of_shard(*s, logger.name(), tick, from);
            }
            if rate > crate::logs::MAX_RATE && !std::mem::replace(&mut logger.warned_rate, true) {
                trace_warnings.push(format!(
                    "log `{}`: its rate at {} is {}, above the most records a log makes in a second, so it was \
                     held at {}",
                    logger.name(),
                    GoDuration::from_secs(tick as i64),
                    crate::go::float::go_float(rate),
                    crate::logs::MAX_RATE
                ));
            }
        }
    }

    fn unix_nanos(&self, tick: u64) -> i64 {
        self.config.wallclock_start.offset(GoDuration::from_secs(tick as i64)).unix_nanos()
    }
}
