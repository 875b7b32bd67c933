//! A scenario's plan: what a run would send, worked out from its actions
//! alone, without playing a tick (`--check`).
//!
//! Each series' points are counted in closed form between the actions that
//! change its schedule, by the engine's own rule ([`crate::schedule`]), so the
//! cost is linear in the script and does not depend on the duration: a
//! 100-year scenario plans as fast as a minute. The plan counts *scheduled*
//! points: a run sends fewer when a sample is missing (`_` in a sequence) or
//! not a finite number, which only playing shows.

use std::collections::BTreeMap;

use crate::batch::Stream;
use crate::engine::{Identity, set_change};
use crate::go::duration::GoDuration;
use crate::go::float::go_float;
use crate::kinds::distribution::Distribution;
use crate::kinds::emitters::{Emitter, ValueRange};
use crate::kinds::metrics::{MAX_RATE, MetricKind, Rate};
use crate::scenario::{ActionKind, MetricSpec, Scenario};
use crate::schedule::{NEVER, next_due};
use crate::sets::{ChurnClock, SeriesSet};

/// What a run of a scenario would send.
#[derive(Debug)]
pub struct Plan<'r> {
    /// The run's last tick (its duration in whole seconds).
    pub last_tick: u64,
    /// Every emitter, in definition order.
    pub emitters: Vec<&'r str>,
    /// Every metric, in definition order.
    pub metrics: Vec<MetricPlan<'r>>,
    /// Every trace, in definition order, as first defined.
    pub traces: Vec<TracePlan<'r>>,
    /// Every log action's name and rate as first defined, in definition order.
    pub logs: Vec<(&'r str, &'r crate::traces::Amount<'static>)>,
    /// Every stream a run would create, in the engine's order.
    pub streams: Vec<Stream<'r>>,
    /// The points (staleness markers included) each of `streams` would get.
    pub stream_points: Vec<u64>,
    /// Exponential histograms: the most buckets a point of each of `streams` has.
    pub stream_buckets: Vec<u32>,
    /// Points with a value, as scheduled.
    pub points: u64,
    /// Staleness markers at series' ends.
    pub markers: u64,
    /// Points per second at the busiest time of the run.
    pub peak_rate: f64,
    /// What a run would warn about, as far as it can be known without playing.
    pub warnings: Vec<String>,
    /// Runs of points: (first tick, frequency, count) → how many series share it.
    runs: BTreeMap<(u64, u64, u64), u64>,
    /// Staleness markers: tick → how many.
    ends: BTreeMap<u64, u64>,
}

/// One metric's part of a plan.
#[derive(Clone, Debug, PartialEq)]
pub struct MetricPlan<'r> {
    /// The metric action's name.
    pub name: &'r str,
    /// The name it is exported as (its first).
    pub exported: &'r str,
    /// Its kind.
    pub kind: MetricKind,
    /// How many series it stands for (its set's; the most at once if its set changes).
    pub series: u64,
    /// Points with a value, as scheduled.
    pub points: u64,
    /// Staleness markers at its series' ends.
    pub markers: u64,
    /// Points per second at its peak (its series over its shortest frequency).
    pub peak_rate: f64,
}

/// One trace's part of a plan: traces are drawn, so the plan tells their shape, not their count.
#[derive(Clone, Debug, PartialEq)]
pub struct TracePlan<'r> {
    /// The trace action's name.
    pub name: &'r str,
    /// Traces per second, as first defined.
    pub rate: &'r crate::traces::Amount<'static>,
    /// The most spans one trace can have.
    pub most_spans: u64,
    /// How often span metrics get a point, when the definition turns them on.
    pub span_metrics: Option<GoDuration>,
}

/// How many requests a run would make.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Requests {
    /// The count, or a bound on it.
    pub count: u64,
    /// Whether `count` is exact (else an upper bound).
    pub exact: bool,
}

/// How many series of metric `name`, defined by `spec`, the scenario's shard plays.
fn series_in_shard(scenario: &Scenario<'static>, name: &str, spec: &MetricSpec<'static>) -> u64 {
    let set = Identity::new(name).overlay(spec).set();
    match scenario.shard {
        None => set.count(),
        shard => set.positions_in(name, shard).count() as u64,
    }
}

/// Plans a run of `scenario`.
pub fn plan<'r>(scenario: &'r Scenario<'static>) -> Plan<'r> {
    Planner::new(scenario).finish()
}

/// The warning of a run that sends nothing: the usual cause, and the fix.
pub fn no_points_warning(duration: GoDuration) -> String {
    format!(
        "the run sends no point: every metric's first point would come after its end ({duration}); the usual cause \
         is the default `duration` (the last action's `at` + 1s) with a `frequency` longer than that, so set \
         `duration`"
    )
}

impl Plan<'_> {
    /// Every point a run would hand to its sinks: values and markers.
    pub fn total_points(&self) -> u64 {
        self.points + self.markers
    }

    /// The requests an OTLP run would make with at most `max_points` points
    /// each: in real time one tick's points per request (exact when the run
    /// is short enough to count tick by tick), otherwise full requests.
    pub fn requests(&self, max_points: u64, real_time: bool) -> Requests {
        let max = max_points.max(1);
        let total = self.total_points();
        if !real_time {
            return Requests { count: total.div_ceil(max), exact: true };
        }
        // Count points tick by tick when that is cheap: the runs' points
        // (shared runs once) and the ticks fit in memory.
        const MOST_TICKS: u64 = 1 << 24;
        const MOST_WORK: u64 = 1 << 26;
        let work: u64 = self.runs.keys().map(|&(_, _, n)| n).fold(self.ends.len() as u64, u64::saturating_add);
        if self.last_tick < MOST_TICKS && work <= MOST_WORK {
            let mut per_tick = vec![0u64; self.last_tick as usize + 1];
            for (&(first, every, n), &series) in &self.runs {
                for k in 0..n {
                    per_tick[(first + k * every) as usize] += series;
                }
            }
            for (&tick, &markers) in &self.ends {
                per_tick[tick as usize] += markers;
            }
            let count = per_tick.iter().map(|&c| c.div_ceil(max)).sum();
            return Requests { count, exact: true };
        }
        // At most one tick's worth per tick with points, plus the splits.
        let ticks = work.min(self.last_tick + 1);
        Requests { count: ticks.saturating_add(total / max), exact: false }
    }
}

/// A metric as the planner follows it.
#[derive(Debug)]
struct Planned<'r> {
    plan: MetricPlan<'r>,
    identity: Identity<'r>,
    stream: usize,
    frequency: u64,
    /// Its series by schedule, oldest first: churn ends the oldest.
    cohorts: Vec<Cohort>,
    /// Churn, once an action gave it.
    churn: Option<PlannedChurn>,
    /// After its set changed: each series' cohort, by its identity text
    /// (else every series is in the one cohort).
    cohort_of: Option<BTreeMap<String, usize>>,
    /// After its set changed: its moved series (the engine's `SetChange::moved`).
    moved: BTreeMap<String, String>,
    enabled: bool,
    to: u64,
    /// Ticks before this are counted.
    counted: u64,
    chain: Vec<u32>,
    /// Histograms: how observations spread, and an emitter rate.
    distribution: Option<Distribution>,
    rate_emitter: Option<u32>,
    warned_centre: bool,
    warned_rate: bool,
    temporality: crate::scenario::Temporality,
    bounds: &'r [f64],
    max_buckets: u32,
}

/// Series of one metric that share a schedule (created by the same action or churn).
#[derive(Clone, Copy, Debug, PartialEq)]
struct Cohort {
    series: u64,
    created: u64,
    last_point: u64,
    /// The tick its next point is due ([`NEVER`] while disabled).
    next_point: u64,
    /// It has sent a point since its last end.
    live: bool,
}

impl Cohort {
    /// Whether the two behave alike from now on (so they can be counted as one).
    fn same_schedule(&self, other: &Cohort) -> bool {
        self.next_point == other.next_point
            && self.live == other.live
            && (self.last_point == other.last_point && (self.created == other.created || self.last_point != NEVER))
    }
}

/// A metric's churn, as the planner follows it (as [`crate::engine`]'s).
#[derive(Debug)]
struct PlannedChurn {
    /// The metric's set, churning.
    set: SeriesSet,
    clock: ChurnClock,
}

struct Planner<'r> {
    scenario: &'r Scenario<'static>,
    last_tick: u64,
    emitters: Vec<Emitter>,
    emitter_index: BTreeMap<&'r str, u32>,
    metrics: Vec<Planned<'r>>,
    metric_index: BTreeMap<&'r str, usize>,
    traces: Vec<TracePlan<'r>>,
    logs: Vec<(&'r str, &'r crate::traces::Amount<'static>)>,
    /// The histograms, whose values are checked when their emitters change.
    histograms: Vec<usize>,
    streams: Vec<Stream<'r>>,
    stream_points: Vec<u64>,
    stream_buckets: Vec<u32>,
    runs: BTreeMap<(u64, u64, u64), u64>,
    ends: BTreeMap<u64, u64>,
    warnings: Vec<String>,
}

impl<'r> Planner<'r> {
    fn new(scenario: &'r Scenario<'static>) -> Self {
        let mut planner = Planner {
            scenario,
            last_tick: scenario.duration.floor_secs(),
            emitters: Vec::new(),
            emitter_index: BTreeMap::new(),
            metrics: Vec::new(),
            metric_index: BTreeMap::new(),
            traces: Vec::new(),
            logs: Vec::new(),
            histograms: Vec::new(),
            streams: Vec::new(),
            stream_points: Vec::new(),
            stream_buckets: Vec::new(),
            runs: BTreeMap::new(),
            ends: BTreeMap::new(),
            warnings: Vec::new(),
        };
        let mut actions: Vec<_> = scenario.script.iter().collect();
        // As the engine: stable by `at`; at one tick, emitters first.
        actions.sort_by_key(|a| a.at);
        let mut i = 0;
        while i < actions.len() {
            let tick = actions[i].at.ceil_secs();
            let end = i + actions[i..].iter().take_while(|a| a.at.ceil_secs() == tick).count();
            let due = &actions[i..end];
            let mut touched: Vec<usize> = Vec::new();
            for a in due {
                // Ranges are judged on the spec, whose per-series fields hold their draws' centres.
                if let ActionKind::Emitter(action) = &a.kind {
                    match planner.emitter_index.get(a.name.as_ref()) {
                        Some(&e) => planner.emitters[e as usize].reconfigure(&action.spec, a.at),
                        None => {
                            planner.emitter_index.insert(&a.name, planner.emitters.len() as u32);
                            planner.emitters.push(Emitter::new(&action.spec, a.at));
                        }
                    }
                    // Histograms whose chain or rate reads it are checked again.
                    let e = planner.emitter_index[a.name.as_ref()];
                    let metrics = &planner.metrics;
                    let reads = |&m: &usize| metrics[m].chain.contains(&e) || metrics[m].rate_emitter == Some(e);
                    touched.extend(planner.histograms.iter().filter(|m| reads(m)));
                }
            }
            for a in due {
                match &a.kind {
                    ActionKind::Emitter(_) => {}
                    // Records are random in count, like traces.
                    ActionKind::Log(spec) => {
                        if let Some(rate) = &spec.rate
                            && !planner.logs.iter().any(|(n, _)| *n == a.name)
                        {
                            planner.logs.push((&a.name, rate));
                        }
                    }
                    // Traces are random in count: the plan tells their shape.
                    ActionKind::Trace(spec) => {
                        if let (Some(rate), Some(root)) = (&spec.rate, &spec.root)
                            && !planner.traces.iter().any(|t| t.name == a.name)
                        {
                            let every = spec.frequency.unwrap_or(crate::traces::DEFAULT_SPAN_METRICS_FREQUENCY);
                            planner.traces.push(TracePlan {
                                name: &a.name,
                                rate,
                                most_spans: root.most_spans(),
                                span_metrics: (spec.span_metrics == Some(true)).then_some(every),
                            });
                        }
                    }
                    ActionKind::Metric(spec) => touched.push(planner.metric(&a.name, spec, a.at, tick)),
                    ActionKind::DisableMetric | ActionKind::EnableMetric => {
                        let m = planner.metric_index[a.name.as_ref()];
                        planner.count_to(m, tick);
                        if matches!(a.kind, ActionKind::DisableMetric) {
                            planner.end(m, tick);
                            let p = &mut planner.metrics[m];
                            p.enabled = false;
                            p.cohorts.iter_mut().for_each(|c| c.next_point = NEVER);
                        } else {
                            let p = &mut planner.metrics[m];
                            p.enabled = true;
                            let f = p.frequency;
                            p.cohorts
                                .iter_mut()
                                .for_each(|c| c.next_point = next_due(c.created, c.last_point, f, tick));
                        }
                    }
                }
            }
            touched.sort_unstable();
            touched.dedup();
            for m in touched {
                planner.check_values(m);
            }
            i = end;
        }
        planner
    }

    /// Applies a metric action at `tick`, as the engine does; returns the metric.
    fn metric(&mut self, name: &'r str, spec: &'r MetricSpec<'static>, at: GoDuration, tick: u64) -> usize {
        let m = match self.metric_index.get(name) {
            Some(&m) => {
                self.count_to(m, tick);
                m
            }
            None => {
                let series = series_in_shard(self.scenario, name, spec);
                self.metric_index.insert(name, self.metrics.len());
                self.metrics.push(Planned {
                    plan: MetricPlan {
                        name,
                        exported: spec.name.as_deref().unwrap_or(name),
                        kind: spec.kind.kind(),
                        series,
                        points: 0,
                        markers: 0,
                        peak_rate: 0.0,
                    },
                    identity: Identity::new(name),
                    stream: usize::MAX,
                    frequency: MetricSpec::DEFAULT_FREQUENCY.floor_secs(),
                    cohorts: vec![Cohort {
                        series,
                        created: at.ceil_secs(),
                        last_point: NEVER,
                        next_point: NEVER,
                        live: false,
                    }],
                    churn: None,
                    cohort_of: None,
                    moved: BTreeMap::new(),
                    enabled: true,
                    to: NEVER,
                    counted: tick,
                    chain: Vec::new(),
                    distribution: None,
                    rate_emitter: None,
                    warned_centre: false,
                    warned_rate: false,
                    temporality: spec.kind.temporality(),
                    bounds: spec.kind.bounds(),
                    max_buckets: spec.kind.max_buckets(),
                });
                if spec.kind.kind().is_histogram() {
                    self.histograms.push(self.metrics.len() - 1);
                }
                self.metrics.len() - 1
            }
        };
        let emitter_index = &self.emitter_index;
        let p = &mut self.metrics[m];
        if let Some(to) = spec.to {
            p.to = to.floor_secs();
        }
        if let Some(f) = spec.frequency {
            p.frequency = f.floor_secs().max(1);
        }
        let (f, enabled) = (p.frequency, p.enabled);
        for c in &mut p.cohorts {
            if spec.frequency.is_some() || c.last_point == NEVER {
                c.next_point = if enabled { next_due(c.created, c.last_point, f, tick) } else { NEVER };
            }
        }
        if let Some(names) = &spec.emitters {
            p.chain = names.iter().map(|n| emitter_index[n.as_ref()]).collect();
        }
        if let Some(d) = spec.kind.distribution() {
            p.distribution = Some(d);
        }
        match spec.kind.rate() {
            Some(Rate::Emitter(e)) => p.rate_emitter = Some(emitter_index[e.as_ref()]),
            Some(Rate::PerSecond(_)) => p.rate_emitter = None,
            None => {}
        }
        let old = p.identity;
        let identity = old.overlay(spec);
        if p.stream != usize::MAX && !identity.set().same_expressions(&old.set()) {
            self.resize(m, old, identity, tick);
        } else if p.stream != usize::MAX && !identity.same_series(&old) {
            // New series: the old ones end here, the new ones start afresh, together.
            self.end(m, tick);
            let p = &mut self.metrics[m];
            let series = p.cohorts.iter().map(|c| c.series).sum();
            let next_point = if p.enabled { next_due(tick, NEVER, p.frequency, tick) } else { NEVER };
            p.cohorts = vec![Cohort { series, created: tick, last_point: NEVER, next_point, live: false }];
            p.cohort_of = None;
        }
        if let Some(churn) = &spec.churn {
            let p = &mut self.metrics[m];
            let before = p.churn.take();
            let set = match &before {
                Some(c) => identity.set().churning_like(&c.set),
                None => identity.set(),
            };
            let set = set.with_churn(churn, identity.levels()).expect("the loader checked the churned attribute");
            let clock = ChurnClock::start(churn, &set, tick, before.map(|c| c.clock));
            p.churn = Some(PlannedChurn { set, clock });
        }
        let p = &mut self.metrics[m];
        if p.stream == usize::MAX || identity != old {
            p.identity = identity;
            p.stream = self.streams.len();
            self.streams.push(identity.stream(name, p.plan.kind, p.temporality, p.bounds));
            self.stream_points.push(0);
            self.stream_buckets.push(p.max_buckets);
        }
        m
    }

    /// Counts metric `m`'s points at the ticks before `end` (and not after
    /// its `to` or the run), advancing its schedule past them; its churn's
    /// replacements before `end` are made on the way, in order.
    fn count_to(&mut self, m: usize, end: u64) {
        while let Some(c) = &self.metrics[m].churn
            && c.clock.next < end
        {
            let at = c.clock.next;
            self.count_cohorts(m, at);
            self.churn(m, at);
        }
        self.count_cohorts(m, end);
    }

    fn count_cohorts(&mut self, m: usize, end: u64) {
        let p = &mut self.metrics[m];
        let last = end.saturating_sub(1).min(p.to).min(self.last_tick);
        if end > p.counted {
            let alive: u64 = p.cohorts.iter().map(|c| c.series).sum();
            for c in p.cohorts.iter_mut().filter(|c| c.next_point <= last && c.series > 0) {
                let n = (last - c.next_point) / p.frequency + 1;
                *self.runs.entry((c.next_point, p.frequency, n)).or_default() += c.series;
                p.plan.points += n * c.series;
                p.plan.peak_rate = p.plan.peak_rate.max(alive as f64 / p.frequency as f64);
                self.stream_points[p.stream] += n * c.series;
                c.live = true;
                c.last_point = c.next_point + (n - 1) * p.frequency;
                c.next_point = c.last_point + p.frequency;
            }
        }
        p.counted = p.counted.max(end);
    }

    /// Metric `m`'s churn replaces series at `tick` (counted up to it): the
    /// oldest end, their successors start as a new cohort.
    fn churn(&mut self, m: usize, tick: u64) {
        let shard = self.scenario.shard;
        let p = &mut self.metrics[m];
        let c = p.churn.as_mut().expect("churning");
        let (mut ended, mut started) = (0u64, 0u64);
        if tick <= p.to {
            match shard {
                // Each replaced value is held by count / R series: no need to list them.
                None => {
                    let (len, _) = c.set.churn_axis().expect("a churned set");
                    ended = c.clock.per_time * (c.set.count() / len);
                    started = ended;
                }
                Some(s) => {
                    for (predecessor, successor) in c.set.replacements(&c.clock) {
                        ended += u64::from(s.holds(p.plan.name, &c.set.values(predecessor)));
                        started += u64::from(s.holds(p.plan.name, &c.set.values(successor)));
                    }
                }
            }
        }
        c.clock.advance();
        let mut markers = 0;
        let mut left = ended;
        for cohort in p.cohorts.iter_mut() {
            let take = left.min(cohort.series);
            cohort.series -= take;
            left -= take;
            if cohort.live {
                markers += take;
            }
        }
        p.cohorts.retain(|c| c.series > 0);
        let next_point = if p.enabled { next_due(tick, NEVER, p.frequency, tick) } else { NEVER };
        let new = Cohort { series: started, created: tick, last_point: NEVER, next_point, live: false };
        match p.cohorts.last_mut() {
            Some(last) if last.same_schedule(&new) => last.series += started,
            _ if started > 0 => p.cohorts.push(new),
            _ => {}
        }
        if markers > 0 && tick <= self.last_tick {
            p.plan.markers += markers;
            self.stream_points[p.stream] += markers;
            *self.ends.entry(tick).or_default() += markers;
        }
    }

    /// Metric `m`'s set changes from `old`'s to `new`'s (other expressions) at
    /// `tick`, as the engine changes it: the series in both keep their
    /// cohorts, the others end (a marker each if live), the new ones are a
    /// new cohort.
    fn resize(&mut self, m: usize, old: Identity<'r>, new: Identity<'r>, tick: u64) {
        let shard = self.scenario.shard;
        let p = &mut self.metrics[m];
        let (kind, name) = (p.plan.kind, p.plan.name);
        let (old_set, new_set) = (old.set(), new.set());
        // Without an earlier change every series is in the one cohort.
        let before = p.cohort_of.take();
        debug_assert!(before.is_some() || p.cohorts.len() == 1, "a metric whose set never changed and does not churn");
        let change = set_change(name, kind, p.temporality, (&old, &old_set), (&new, &new_set), &p.moved, shard);
        p.moved = change.moved;
        let fresh = p.cohorts.len();
        let mut kept = vec![0u64; fresh + 1];
        let after: BTreeMap<String, usize> = change
            .members
            .into_iter()
            .map(|(_, text, in_old)| {
                let c = match (&before, in_old) {
                    (_, false) => fresh,
                    (None, true) => 0,
                    (Some(map), true) => map.get(&text).copied().unwrap_or(fresh),
                };
                kept[c] += 1;
                (text, c)
            })
            .collect();
        let mut markers = 0;
        for (c, cohort) in p.cohorts.iter_mut().enumerate() {
            if cohort.live {
                markers += cohort.series - kept[c];
            }
            cohort.series = kept[c];
        }
        let next_point = if p.enabled { next_due(tick, NEVER, p.frequency, tick) } else { NEVER };
        p.cohorts.push(Cohort { series: kept[fresh], created: tick, last_point: NEVER, next_point, live: false });
        // Empty cohorts go; the map follows the others' new places.
        let mut place = vec![usize::MAX; fresh + 1];
        let mut n = 0;
        for (c, &k) in kept.iter().enumerate() {
            if k > 0 {
                place[c] = n;
                n += 1;
            }
        }
        p.cohorts.retain(|c| c.series > 0);
        p.cohort_of = Some(after.into_iter().map(|(k, c)| (k, place[c])).collect());
        p.plan.series = p.plan.series.max(p.cohorts.iter().map(|c| c.series).sum());
        if markers > 0 && tick <= self.last_tick {
            p.plan.markers += markers;
            self.stream_points[p.stream] += markers;
            *self.ends.entry(tick).or_default() += markers;
        }
    }

    /// Metric `m` ends at `tick`: a staleness marker for each series with a value out.
    fn end(&mut self, m: usize, tick: u64) {
        let p = &mut self.metrics[m];
        if tick > self.last_tick {
            return;
        }
        for c in p.cohorts.iter_mut().filter(|c| c.live) {
            c.live = false;
            p.plan.markers += c.series;
            self.stream_points[p.stream] += c.series;
            *self.ends.entry(tick).or_default() += c.series;
        }
    }

    /// Warnings a run would give about histogram `m`'s values, from the
    /// ranges its emitters can give.
    fn check_values(&mut self, m: usize) {
        let p = &self.metrics[m];
        let Some(d) = p.distribution else { return };
        let range = |chain: &[u32]| chain.iter().fold(ValueRange::ZERO, |r, &e| self.emitters[e as usize].range(r));
        let centre = range(&p.chain);
        let mut warnings = Vec::new();
        // A lower bound the chain is known to reach (or an upper one below 0).
        let bad = if centre.lo.is_finite() { centre.lo } else { centre.hi };
        if !p.warned_centre && !d.accepts(bad) {
            warnings.push((
                true,
                format!(
                    "a {} distribution cannot be centred on {} (its chain's values reach it), so points get no \
                     observations then",
                    d.type_name(),
                    go_float(bad)
                ),
            ));
        }
        if let Some(e) = p.rate_emitter
            && !p.warned_rate
        {
            let rate = range(&[e]);
            if rate.hi > MAX_RATE {
                warnings.push((
                    false,
                    format!(
                        "its rate can reach {} observations per second; it is capped at {}",
                        go_float(rate.hi),
                        go_float(MAX_RATE)
                    ),
                ));
            }
        }
        let name = p.plan.name;
        for (centre, w) in warnings {
            let p = &mut self.metrics[m];
            if centre {
                p.warned_centre = true
            } else {
                p.warned_rate = true
            }
            self.warnings.push(format!("metric `{name}`: {w}"));
        }
    }

    fn finish(mut self) -> Plan<'r> {
        let end = self.last_tick + 1;
        for m in 0..self.metrics.len() {
            self.count_to(m, end);
            let to = self.metrics[m].to;
            if to < self.last_tick {
                self.end(m, to + 1);
            }
        }
        let duration = self.scenario.duration;
        let mut warnings = self.warnings;
        for p in &self.metrics {
            let created = p.cohorts.first().map_or(NEVER, |c| c.created);
            if p.plan.points == 0 && p.frequency > self.last_tick && created <= self.last_tick {
                warnings.push(format!(
                    "metric `{}`: its frequency ({}) is longer than the run ({duration}), so it sends no point",
                    p.plan.name,
                    GoDuration::from_secs(p.frequency as i64)
                ));
            }
        }
        let points: u64 = self.metrics.iter().map(|p| p.plan.points).sum();
        if points == 0 && self.traces.is_empty() && self.logs.is_empty() {
            warnings.push(no_points_warning(duration));
        }
        // The busiest time: every run adds its rate from its first point to its
        // last (markers are one-offs, not a rate).
        let mut changes: Vec<(u64, f64)> = Vec::with_capacity(self.runs.len() * 2);
        for (&(first, every, n), &series) in &self.runs {
            let rate = series as f64 / every as f64;
            changes.push((first, rate));
            changes.push((first + (n - 1) * every + 1, -rate));
        }
        changes.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
        let (mut now, mut peak) = (0.0f64, 0.0f64);
        for (_, change) in changes {
            now += change;
            peak = peak.max(now);
        }
        let mut emitters: Vec<(u32, &str)> = self.emitter_index.iter().map(|(&n, &i)| (i, n)).collect();
        emitters.sort_unstable();
        Plan {
            last_tick: self.last_tick,
            emitters: emitters.into_iter().map(|(_, n)| n).collect(),
            markers: self.metrics.iter().map(|p| p.plan.markers).sum(),
            points,
            metrics: self.metrics.into_iter().map(|p| p.plan).collect(),
            traces: self.traces,
            logs: self.logs,
            streams: self.streams,
            stream_points: self.stream_points,
            stream_buckets: self.stream_buckets,
            peak_rate: peak,
            warnings,
            runs: self.runs,
            ends: self.ends,
        }
    }
}
