//! The engine: plays a scenario on a simulated clock, one tick per second.
//!
//! At each tick every due action is applied first ([`actions`]), then every due
//! series is sampled once, in definition order ([`sample`]). The engine never
//! does I/O and never reads a clock: it yields each tick's output as a
//! [`Batch`], and [`run`](crate::run) hands batches to sinks, pacing them in
//! real time or as fast as possible.

mod actions;
mod draws;
mod sample;
mod series;

use std::collections::{BTreeMap, BTreeSet};

use crate::batch::{Batch, MetricSection, PointBuffer, Stream};
use crate::go::duration::GoDuration;
use crate::kinds::emitters::{ChainValue, Emitter};
use crate::kinds::metrics::Warnings;
use crate::rng::{ChaChaStream, GoPcg};
use crate::run::RunConfig;
use crate::scenario::{Action, Scenario};
use crate::shard::Shard;
use draws::{Draws, SlotRng};
pub(crate) use series::Identity;
use series::{Group, Link, Series, SeriesInfo, Slot};

/// An emitter's configuration, shared by every series that uses it.
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
    fn apply(&self, v: &mut ChainValue, t_ns: i64, slot: &mut Slot, draws: &mut Draws<'_, '_>) {
        if slot.epoch != self.epoch {
            self.emitter.reset(&mut slot.state);
            slot.epoch = self.epoch;
        }
        let Slot { rng, state, .. } = slot;
        self.emitter.apply(v, t_ns, state, || SlotRng { draws, rng, emitter: self.name });
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
    series: Vec<Series<'r>>,
    series_info: Vec<SeriesInfo<'r>>,
    groups: Vec<Group<'r>>,
    group_index: BTreeMap<&'r str, u32>,
    /// The shard played, if the run is sharded.
    shard: Option<Shard>,
    /// Warnings already given, per metric (a set's series warn once for it).
    warned: BTreeSet<(u32, String)>,
    links: Vec<Link>,
    slots: Vec<Slot>,
    rngs: Vec<ChaChaStream>,
    streams: Vec<Stream<'r>>,
    out: PointBuffer,
    go: GoPcg,
    warnings: Warnings,
    /// Points dropped because their value was not a finite number.
    invalid: u64,
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
            groups: Vec::new(),
            group_index: BTreeMap::new(),
            shard: scenario.shard,
            warned: BTreeSet::new(),
            links: Vec::new(),
            slots: Vec::new(),
            rngs: Vec::new(),
            streams: Vec::new(),
            out: PointBuffer::new(),
            go: GoPcg::new(config.seed, config.seed),
            warnings: Vec::new(),
            invalid: 0,
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
    /// distribution cannot take), each once per metric: the series of a set
    /// warn once for it (numbers aside, the same warning is not repeated).
    pub fn take_warnings(&mut self) -> Vec<String> {
        let warnings = std::mem::take(&mut self.warnings);
        let mut out = Vec::new();
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
                let stream = &self.streams[self.series[i].stream as usize];
                format!(" (first in series `{}` {})", stream.name, crate::sink::attributes_text(stream))
            };
            out.push(format!("metric `{}`{which}: {w}", info.name));
        }
        out
    }

    /// Points dropped so far because their value was not a finite number (a
    /// counter's total that overflowed, a ramp past the float range): they
    /// are never sent as numbers.
    pub fn invalid_points(&self) -> u64 {
        self.invalid
    }

    /// Advances to the next tick that has points and returns them; `None` once
    /// the run is over. Ticks without points are skipped.
    pub fn next_batch(&mut self) -> Option<Batch<'_>> {
        while self.next_tick <= self.last_tick {
            let tick = self.next_tick;
            self.out.clear();
            self.apply_due_actions(tick);
            let next_due = self.sample_due_series(tick);
            let next_action = self.actions.get(self.next_action).map_or(u64::MAX, |a| a.at.ceil_secs());
            self.next_tick = next_due.min(next_action).max(tick + 1);
            if !self.out.is_empty() {
                return Some(Batch {
                    tick,
                    unix_nanos: self.unix_nanos(tick),
                    metrics: MetricSection { streams: &self.streams, points: self.out.all() },
                });
            }
        }
        None
    }

    fn unix_nanos(&self, tick: u64) -> i64 {
        self.config.wallclock_start.offset(GoDuration::from_secs(tick as i64)).unix_nanos()
    }
}
