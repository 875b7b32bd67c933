//! Applying the script's actions: emitters defined and reconfigured, metrics
//! defined, reconfigured, disabled and enabled.
//!
//! A metric action acts on every series of its set (in this shard), in set
//! order. A series a set gains later (by churn or a changed set) starts from
//! its group's prototype, which carries the metric's current settings.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::series::{
    Group, Identity, Link, NO_LINK, NOT_OBSERVING, Series, SeriesInfo, Slot, StartFrom, Tick, identity_text, set_change,
};
use super::{EmitterState, Engine, SharedState};
use crate::batch::{Point, PointValue, SetSource};
use crate::go::duration::GoDuration;
use crate::kinds::emitters::{ChainValue, Emitter, SeriesState};
use crate::kinds::metrics::{MetricState, Rate};
use crate::rng::{ChaChaStream, fnv1a64};
use crate::scenario::{ActionKind, EmitterAction, MetricSpec};
use crate::sets::{Member, SeriesSet};

impl<'r> Engine<'r> {
    /// Applies every action due at `tick`: the emitters' first, so a metric
    /// may use an emitter defined at its own `at` wherever the files put it;
    /// otherwise in order.
    pub(super) fn apply_due_actions(&mut self, tick: u64) {
        let first = self.next_action;
        while let Some(action) = self.actions.get(self.next_action) {
            // An `at` between ticks takes effect at the next whole tick.
            if action.at.ceil_secs() > tick {
                break;
            }
            self.next_action += 1;
        }
        let due = first..self.next_action;
        for i in due.clone() {
            let action = self.actions[i];
            if let ActionKind::Emitter(emitter) = &action.kind {
                self.apply_emitter(&action.name, emitter, action.at);
            }
        }
        for i in due {
            let action = self.actions[i];
            match &action.kind {
                ActionKind::Emitter(_) => {}
                ActionKind::Trace(spec) => self.apply_trace(&action.name, spec, tick),
                ActionKind::Log(spec) => self.apply_log(&action.name, spec),
                ActionKind::Metric(spec) => self.apply_metric(&action.name, spec, action.at, tick),
                ActionKind::DisableMetric | ActionKind::EnableMetric => {
                    let enable = matches!(action.kind, ActionKind::EnableMetric);
                    let &g = self.group_index.get(action.name.as_ref()).expect("the loader checked the metric exists");
                    self.groups[g as usize].proto.enabled = enable;
                    for m in 0..self.groups[g as usize].members.len() {
                        let i = self.groups[g as usize].members[m] as usize;
                        if !enable {
                            self.end_series(i, tick);
                        }
                        // Enabled again, it carries on: same stream, totals and start time.
                        let s = &mut self.series[i];
                        s.enabled = enable;
                        s.reschedule(tick);
                    }
                }
            }
        }
    }

    /// Ends series `index`'s current stream at `tick` with a staleness marker,
    /// if a backend shows a value of it.
    pub(super) fn end_series(&mut self, index: usize, tick: u64) {
        let now = self.unix_nanos(tick);
        let s = &mut self.series[index];
        if s.live {
            s.live = false;
            let start = self.config.wallclock_start.offset(GoDuration::from_secs(s.start_tick(tick) as i64));
            self.out.push(Point::new(s.stream, start.unix_nanos(), now, PointValue::Stale));
        }
    }

    fn apply_log(&mut self, name: &'r str, spec: &'r crate::logs::LogSpec<'static>) {
        let seed = self.config.seed;
        match self.logger_index.get(name) {
            Some(&i) => self.loggers[i as usize].reconfigure(spec, seed, &self.emitter_index),
            None => {
                self.logger_index.insert(name, self.loggers.len() as u32);
                self.loggers.push(super::logs::Logger::new(name, spec, seed, &self.emitter_index));
            }
        }
    }

    fn apply_trace(&mut self, name: &'r str, spec: &'r crate::traces::TraceSpec<'static>, tick: u64) {
        let seed = self.config.seed;
        let i = match self.tracer_index.get(name) {
            Some(&i) => {
                self.tracers[i as usize].reconfigure(spec, seed, &self.emitter_index);
                i as usize
            }
            None => {
                self.tracer_index.insert(name, self.tracers.len() as u32);
                self.tracers.push(super::traces::Tracer::new(name, spec, seed, &self.emitter_index));
                self.tracers.len() - 1
            }
        };
        let every = spec.frequency.map(|f| f.floor_secs());
        let start = self.unix_nanos(tick);
        let tracer = &mut self.tracers[i];
        match (spec.span_metrics, &mut tracer.metrics) {
            (Some(true), None) => {
                let every = every.unwrap_or(crate::traces::DEFAULT_SPAN_METRICS_FREQUENCY.floor_secs());
                tracer.metrics = Some(super::span_metrics::SpanMetrics::new(every, tick, start));
            }
            (_, Some(m)) => {
                if let Some(every) = every {
                    m.set_every(every);
                }
            }
            _ => {}
        }
        if let Some(on) = spec.span_metrics {
            tracer.metrics_on = on;
        }
    }

    fn apply_emitter(&mut self, name: &'r str, action: &'r EmitterAction<'static>, at: GoDuration) {
        match self.emitter_index.get(name) {
            Some(&i) => {
                let state = &mut self.emitters[i as usize];
                state.emitter.reconfigure(&action.spec, at);
                state.epoch += 1;
                state.actions.push((action, at));
                state.drawn |= !action.per_series.is_empty();
            }
            None => {
                self.emitter_index.insert(name, self.emitters.len() as u32);
                let shared = action.shared.then(|| {
                    let rng = ChaChaStream::new(self.config.seed, "", name, 0);
                    Box::new(SharedState { epoch: 0, state: SeriesState::default(), rng, value: ChainValue::default() })
                });
                if shared.is_some() {
                    self.shared.push(self.emitters.len() as u32);
                }
                self.emitters.push(EmitterState {
                    name_hash: fnv1a64(name),
                    emitter: Emitter::new(&action.spec, at),
                    epoch: 1,
                    actions: vec![(action, at)],
                    drawn: !action.per_series.is_empty(),
                    shared,
                });
            }
        }
    }

    /// Series `index`'s current chain links.
    fn chain_of(&self, index: usize) -> &[Link] {
        &self.links[self.series[index].chain()]
    }

    /// The slot series `index` keeps for `emitter`: its chain's, its rate's
    /// or a retired one, so an emitter's state carries on; made on first use.
    fn slot_for(&mut self, index: usize, emitter: u32) -> u32 {
        let rate = self.rate_link(index);
        let known = self.chain_of(index).iter().chain([&rate]).find(|l| l.emitter == emitter);
        if let Some(slot) = known.map(|l| l.slot).or_else(|| self.retired.slot(index, emitter)) {
            return slot;
        }
        self.slots.push(Slot::new());
        self.slots.len() as u32 - 1
    }

    /// Links series `index` to its group's current chain and rate; the slots
    /// of emitters they no longer name are retired, not dropped.
    fn link_series(&mut self, index: usize, chain: &[u32], rate: Option<&Rate<'static>>) {
        if !chain.is_empty() {
            // A new chain goes at the end of `links`; an emitter named twice
            // in it has one state for the series, as anywhere.
            let chain_start = self.links.len() as u32;
            for &emitter in chain {
                let named = self.links[chain_start as usize..].iter().find(|l| l.emitter == emitter);
                let slot = match named {
                    Some(l) => l.slot,
                    None => self.slot_for(index, emitter),
                };
                self.links.push(Link { emitter, slot });
            }
            let old = self.chain_of(index).to_vec();
            for link in old.into_iter().filter(|l| !chain.contains(&l.emitter)) {
                self.retired.retire(index, link);
            }
            let series = &mut self.series[index];
            series.chain_start = chain_start;
            series.chain_len = self.links.len() as u32 - chain_start;
        }
        if let Some(rate) = rate {
            let link = match rate {
                Rate::PerSecond(_) => NO_LINK,
                Rate::Emitter(e) => {
                    let emitter = self.emitter(e);
                    Link { emitter, slot: self.slot_for(index, emitter) }
                }
            };
            let old = self.rate_link(index);
            self.set_rate_link(index, link);
            if old.emitter != link.emitter && !self.chain_of(index).iter().any(|l| l.emitter == old.emitter) {
                self.retired.retire(index, old);
            }
        }
    }

    /// Series `index`'s rate: its emitter and slot, or [`NO_LINK`].
    pub(super) fn rate_link(&self, index: usize) -> Link {
        match self.series[index].observing {
            NOT_OBSERVING => NO_LINK,
            o => self.observing[o as usize].rate,
        }
    }

    /// Series `index`'s rate becomes `link` (its [`Observing`] made if it needs one).
    fn set_rate_link(&mut self, index: usize, link: Link) {
        if link != NO_LINK || self.series[index].observing != NOT_OBSERVING {
            self.series[index].observing_in(&mut self.observing).rate = link;
        }
    }

    fn emitter(&self, name: &str) -> u32 {
        *self.emitter_index.get(name).expect("the loader checked the emitter is defined")
    }

    fn apply_metric(&mut self, name: &'r str, spec: &'r MetricSpec<'static>, at: GoDuration, tick: u64) {
        let (g, defining) = match self.group_index.get(name) {
            Some(&g) => (g as usize, false),
            None => (self.define_group(name, spec, at), true),
        };
        // The settings, on the prototype and on every member alike.
        let group = &mut self.groups[g];
        if let Some(names) = &spec.emitters {
            group.chain = names.iter().map(|n| self.emitter_index[n.as_ref()]).collect();
        }
        if let Some(rate) = spec.kind.rate() {
            group.rate = Some(rate);
        }
        let chain = if spec.emitters.is_some() { group.chain.clone() } else { Vec::new() };
        let rate = if spec.kind.rate().is_some() { group.rate } else { None };
        settle(&mut group.proto, spec, defining, tick);
        let members = std::mem::take(&mut group.members);
        for &i in &members {
            settle(&mut self.series[i as usize], spec, defining, tick);
            self.link_series(i as usize, &chain, rate);
        }
        self.groups[g].members = members;

        let old = self.groups[g].template;
        let template = old.overlay(spec);
        self.groups[g].template = template;
        if template != old {
            // New members' streams come from the new identity.
            self.groups[g].source = None;
        }
        if let Some(churn) = &spec.churn {
            self.start_churn(g, churn, tick);
        }
        if defining {
            let set = self.group_set(g);
            let positions: Vec<u64> = set.positions_in(name, self.shard).collect();
            self.groups[g].replace_set(set);
            self.reserve(positions.len(), self.groups[g].chain.len());
            for position in positions {
                let i = self.new_member(g, position.into(), tick);
                self.groups[g].members.push(i);
            }
        } else if !template.same_series(&old) {
            self.change_set(g, old, tick);
        } else if template != old {
            // A new unit or description: the same series, described anew.
            for m in 0..self.groups[g].members.len() {
                let i = self.groups[g].members[m] as usize;
                self.series[i].stream = self.push_stream(g, self.series_info[i].member());
            }
        }
    }

    /// Room for `n` more series with chains of `links` emitters, made at
    /// once: a million series would otherwise grow each array by doubling,
    /// holding the old and the new one at the peak.
    fn reserve(&mut self, n: usize, links: usize) {
        self.series.reserve_exact(n);
        self.series_info.reserve_exact(n);
        self.streams.reserve_exact(n);
        self.slots.reserve_exact(n * links);
        self.links.reserve_exact(n * links);
    }

    /// The set of group `g`'s current identity (churning the range its set churns).
    pub(super) fn group_set(&self, g: usize) -> SeriesSet {
        let group = &self.groups[g];
        group.template.set().churning_like(&group.set)
    }

    /// A new stream for `member` of group `g`'s set, as its identity is now:
    /// a one-series metric's held whole, a set member's by its place in the set.
    pub(super) fn push_stream(&mut self, g: usize, member: Member) -> u32 {
        let group = &mut self.groups[g];
        let (kind, temporality, bounds) = (group.proto.kind, group.temporality, group.bounds);
        if group.set.is_plain() {
            return self.streams.push(group.template.stream(group.name, kind, temporality, bounds));
        }
        let source = match group.source {
            Some(source) => source,
            None => {
                let source =
                    SetSource::new(group.template, Arc::clone(&group.set), group.name, kind, temporality, bounds);
                *group.source.insert(self.streams.push_source(source))
            }
        };
        self.streams.push_member(source, member)
    }

    /// A new series of group `g`, `member` of its set, from the metric's
    /// current settings, at `tick` (its definition's, or a churn's).
    pub(super) fn new_member(&mut self, g: usize, member: Member, tick: u64) -> u32 {
        let index = self.series.len();
        let group = &self.groups[g];
        let mut info = group.proto_info.clone();
        info.set_member(member);
        info.set_key(group.set.key(member));
        self.series.push(group.proto.clone());
        self.series_info.push(info);
        // Taken for the call, not copied per series.
        let chain = std::mem::take(&mut self.groups[g].chain);
        self.link_series(index, &chain, self.groups[g].rate.or(Some(&Rate::DEFAULT)));
        self.groups[g].chain = chain;
        self.series[index].stream = self.push_stream(g, member);
        let s = &mut self.series[index];
        s.next_visit = Tick::new(s.visit_from(tick));
        index as u32
    }

    /// Group `g`'s name or attributes changed at `tick`. With the same
    /// expressions each series is a new one in place, as a one-series metric
    /// is: it ends and starts anew, its emitters carrying on (their random
    /// streams are keyed by the series' values, which did not change).
    fn change_set(&mut self, g: usize, old: Identity<'r>, tick: u64) {
        let set = self.group_set(g);
        if !set.same_expressions(&self.groups[g].set) {
            return self.resize_set(g, old, set, tick);
        }
        self.groups[g].replace_set(set);
        for m in 0..self.groups[g].members.len() {
            let i = self.groups[g].members[m] as usize;
            self.end_series(i, tick);
            self.series[i].restart(tick);
            self.series[i].stream = self.push_stream(g, self.series_info[i].member());
        }
    }

    /// Group `g`'s set becomes `set`, of other expressions (grown, shrunk or
    /// renamed), at `tick`: a series whose identity is in both carries on
    /// (state, schedule, totals, start time, random streams); one only in the
    /// old set ends; one only in the new set starts as a churn successor does.
    fn resize_set(&mut self, g: usize, old_template: Identity<'r>, set: SeriesSet, tick: u64) {
        let group = &self.groups[g];
        let (kind, temporality) = (group.proto.kind, group.temporality);
        let change = set_change(
            group.name,
            kind,
            temporality,
            (&old_template, &group.set),
            (&group.template, &set),
            &group.moved,
            self.shard,
        );
        let mut old: BTreeMap<String, u32> = group
            .members
            .iter()
            .map(|&i| (identity_text(&self.streams.get(self.series[i as usize].stream as usize)), i))
            .collect();
        self.groups[g].replace_set(set);
        self.groups[g].moved = change.moved;
        // The same name and attributes: only a new unit or description makes a kept series' stream anew.
        let template = self.groups[g].template;
        let described_anew = (template.unit, template.description) != (old_template.unit, old_template.description);
        let mut members = Vec::with_capacity(change.members.len());
        for (position, text, kept) in change.members {
            let member = Member::from(position);
            let i = match old.remove(&text) {
                Some(i) => {
                    self.series_info[i as usize].set_member(member);
                    if described_anew {
                        self.series[i as usize].stream = self.push_stream(g, member);
                    }
                    i
                }
                None => {
                    debug_assert!(!kept, "a kept series stays in its shard");
                    let i = self.new_member(g, member, tick);
                    self.series[i as usize].restart(tick);
                    i
                }
            };
            members.push(i);
        }
        // Those left are only in the old set.
        for i in old.into_values() {
            self.end_series(i as usize, tick);
            let s = &mut self.series[i as usize];
            s.enabled = false;
            s.next_visit = Tick::NEVER;
        }
        self.groups[g].members = members;
    }

    /// A new group for the metric action `name` (settings fixed by the
    /// definition are taken here).
    fn define_group(&mut self, name: &'r str, spec: &'r MetricSpec<'static>, at: GoDuration) -> usize {
        self.group_index.insert(name, self.groups.len() as u32);
        let kind = spec.kind.kind();
        let proto = Series {
            next_visit: Tick::NEVER,
            next_point: Tick::NEVER,
            frequency: seconds(MetricSpec::DEFAULT_FREQUENCY),
            created_tick: Tick::new(at.ceil_secs()),
            last_point: Tick::NEVER,
            delta_from: Tick::new(at.ceil_secs()),
            to: Tick::NEVER,
            enabled: true,
            live: false,
            chain_start: 0,
            chain_len: 0,
            stream: u32::MAX,
            kind,
            start: StartFrom::of(kind, spec.kind.temporality()),
            state: MetricState::new(&spec.kind),
            observing: NOT_OBSERVING,
        };
        let proto_info = SeriesInfo::new(self.groups.len() as u32, Member::default(), 0);
        self.groups.push(Group {
            name,
            name_hash: fnv1a64(name),
            template: Identity::new(name),
            set: Arc::new(SeriesSet::of([name])),
            source: None,
            members: Vec::new(),
            churn: None,
            moved: BTreeMap::new(),
            chain: Vec::new(),
            rate: None,
            proto,
            proto_info,
            temporality: spec.kind.temporality(),
            bounds: spec.kind.bounds(),
        });
        self.groups.len() - 1
    }
}

/// Applies a metric action's schedule and kind settings to one series (or
/// its group's prototype) at `tick`.
fn settle<'r>(series: &mut Series<'r>, spec: &'r MetricSpec<'static>, defining: bool, tick: u64) {
    if !defining {
        series.state.reconfigure(&spec.kind);
    }
    if let Some(to) = spec.to {
        series.to = Tick::new(to.floor_secs());
    }
    if let Some(f) = spec.frequency {
        series.frequency = seconds(f).max(1);
    }
    if spec.frequency.is_some() || series.last_point == Tick::NEVER {
        series.reschedule(tick);
    }
    series.next_visit = Tick::new(series.visit_from(tick));
}

/// A frequency in whole seconds as a series keeps it: one longer than
/// `u32::MAX` seconds is past any run's end either way.
fn seconds(frequency: GoDuration) -> u32 {
    u32::try_from(frequency.floor_secs()).unwrap_or(u32::MAX)
}
