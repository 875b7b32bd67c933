//! One metric's running state: schedule, emitter chain, totals, identity.
//!
//! What the per-tick loop reads is kept small ([`Series`]); names, attributes,
//! the emitter-to-slot map and histogram state live apart, touched only when
//! actions apply or a histogram point is made.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Arc;

use crate::batch::DataModel;
use crate::batch::Stream;
use crate::kinds::emitters::SeriesState;
use crate::kinds::metrics::{MetricKind, MetricState, Rate, Temporality};
use crate::scenario::{KeyValue, MetricSpec};
use crate::schedule::next_due;
use crate::sets::{ChurnClock, Member, SeriesSet, render_attributes, visit_strings};
use crate::shard::Shard;

pub(crate) use crate::schedule::{MAX_TICK, NEVER};

/// A tick as a series keeps it: 32 bits, [`NEVER`] and any tick past the
/// run's last as `u32::MAX` (a million series keep seven each).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Tick(u32);

impl Tick {
    pub const NEVER: Tick = Tick(u32::MAX);

    #[inline(always)]
    pub fn new(tick: u64) -> Tick {
        Tick(u32::try_from(tick).unwrap_or(u32::MAX))
    }

    #[inline(always)]
    pub fn get(self) -> u64 {
        if self.0 == u32::MAX { NEVER } else { u64::from(self.0) }
    }
}

/// The per-tick state of one metric (one series).
#[derive(Clone, Debug)]
pub(crate) struct Series<'r> {
    /// The next tick the engine must visit it at: a point, a second to
    /// accrue, or its end ([`NEVER`]: not until an action changes it).
    pub next_visit: Tick,
    /// The tick its next point is due ([`NEVER`] while disabled).
    pub next_point: Tick,
    /// Seconds between points (at most `u32::MAX`: longer is past any run's end).
    pub frequency: u32,
    /// The tick its current identity was created at.
    pub created_tick: Tick,
    /// The tick its last point was due, or [`NEVER`].
    pub last_point: Tick,
    /// Where a delta point's interval starts: its last valued point, or creation.
    pub delta_from: Tick,
    /// No points after this tick ([`NEVER`]: no end).
    pub to: Tick,
    pub enabled: bool,
    /// Whether its current stream has a value a backend shows: the series'
    /// end then sends a staleness marker.
    pub live: bool,
    /// The emitter chain: `links[chain_start .. chain_start + chain_len]`.
    pub chain_start: u32,
    pub chain_len: u32,
    /// The stream (exported identity) its points currently belong to.
    pub stream: u32,
    pub kind: MetricKind,
    /// Where a point's start time is (fixed by the kind and temporality).
    pub start: StartFrom,
    /// What its kind keeps between points (a sum's total, a histogram's buckets).
    pub state: MetricState<'r>,
    /// Kinds that take an observation rate (histograms): its [`Observing`]
    /// in the engine's `observing`, or [`NOT_OBSERVING`] until it needs one.
    pub observing: u32,
}

impl Series<'_> {
    /// Sets the next point's tick at `now` (after a frequency change, an
    /// enable or a new identity): the last point plus the frequency (at once
    /// if that is past); before any point, the first tick ≥ max(creation,
    /// frequency). Then the next visit.
    pub fn reschedule(&mut self, now: u64) {
        self.next_point = if self.enabled {
            Tick::new(next_due(self.created_tick.get(), self.last_point.get(), self.frequency.into(), now))
        } else {
            Tick::NEVER
        };
        self.next_visit = Tick::new(self.visit_from(now));
    }

    /// The first tick from `tick` on to visit it at: every second while it
    /// accrues, else its next point; and the tick after its `to`, to end it.
    #[inline(always)]
    pub fn visit_from(&self, tick: u64) -> u64 {
        let end = self.to.get().saturating_add(1);
        if !self.enabled || tick > end {
            return NEVER;
        }
        let next = if self.accrues() { tick } else { self.next_point.get() };
        next.min(end)
    }

    /// The tick of its next visit after one at `tick` (what sampling it sets).
    #[inline(always)]
    pub fn visit_after(&self, tick: u64) -> u64 {
        if tick > self.to.get() {
            return NEVER;
        }
        let next = if self.accrues() { tick + 1 } else { tick + u64::from(self.frequency) };
        next.min(self.to.get().saturating_add(1))
    }

    /// Its [`Observing`] in `all`, made the first time it needs one.
    pub fn observing_in<'o>(&mut self, all: &'o mut Vec<Observing>) -> &'o mut Observing {
        if self.observing == NOT_OBSERVING {
            all.push(Observing { rng: NO_RNG, rate: NO_LINK });
            self.observing = u32::try_from(all.len() - 1).expect("fewer than 4 billion histogram series");
        }
        &mut all[self.observing as usize]
    }

    /// Whether its chain is sampled every second (sums and histograms).
    #[inline(always)]
    pub fn accrues(&self) -> bool {
        self.kind.accrues()
    }

    /// Where its chain's links are in the engine's `links`.
    #[inline(always)]
    pub fn chain(&self) -> std::ops::Range<usize> {
        self.chain_start as usize..(self.chain_start + self.chain_len) as usize
    }

    /// The tick a point at `tick` starts at.
    #[inline(always)]
    pub fn start_tick(&self, tick: u64) -> u64 {
        match self.start {
            StartFrom::Tick => tick,
            StartFrom::Creation => self.created_tick.get(),
            StartFrom::Previous => self.delta_from.get(),
        }
    }

    /// Starts a new identity at `tick`: nothing accrued, created now.
    pub fn restart(&mut self, tick: u64) {
        self.state.restart();
        self.created_tick = Tick::new(tick);
        self.delta_from = Tick::new(tick);
        self.last_point = Tick::NEVER;
        self.live = false;
        self.reschedule(tick);
    }
}

/// What tells one series from another when a set changes: its exported
/// name and attributes, as `stream` has them.
pub(crate) fn identity_text(stream: &Stream<'_>) -> String {
    format!("{}\u{1e}{}", stream.name, crate::sink::attributes_text(stream))
}

/// A metric's set changing to other expressions, worked out for every
/// series of the whole set (so each shard decides alike).
#[derive(Debug, Default)]
pub(crate) struct SetChange {
    /// The new set's series this shard plays, in set order: position,
    /// identity text, and whether the old set had it.
    pub members: Vec<(u64, String, bool)>,
    /// The new set's series created with other expanded values than the new
    /// set gives them (`k: a` become `k: '{a,b}'`), by identity text: those
    /// values. A carried series keeps its state and random streams, and the
    /// shard its first values give it.
    pub moved: BTreeMap<String, String>,
}

/// What a metric's set change from `old` to `new` keeps, ends and starts.
/// `moved` is the old set's [`SetChange::moved`]. A series whose identity is
/// in both sets carries on, in the shard its first values give it.
pub(crate) fn set_change(
    metric: &str,
    kind: MetricKind,
    temporality: Temporality,
    old: (&Identity<'_>, &SeriesSet),
    new: (&Identity<'_>, &SeriesSet),
    moved: &BTreeMap<String, String>,
    shard: Option<Shard>,
) -> SetChange {
    let text = |(identity, set): (&Identity<'_>, &SeriesSet), position: u64| {
        identity_text(&identity.member_stream(set, position.into(), metric, kind, temporality, &[]))
    };
    let before: BTreeMap<String, String> = (0..old.1.count())
        .map(|p| {
            let t = text(old, p);
            let values = moved.get(&t).cloned().unwrap_or_else(|| old.1.values(p));
            (t, values)
        })
        .collect();
    let mut change = SetChange::default();
    for p in 0..new.1.count() {
        let t = text(new, p);
        let own = new.1.values(p);
        let kept = before.get(&t);
        let first = kept.unwrap_or(&own);
        if shard.is_none_or(|s| s.holds(metric, first)) {
            change.members.push((p, t.clone(), kept.is_some()));
        }
        if *first != own {
            change.moved.insert(t, first.clone());
        }
    }
    change
}

/// Where a point's OTLP start time is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum StartFrom {
    /// The point's own tick (gauges).
    Tick,
    /// The series' creation (cumulative sums and histograms).
    Creation,
    /// The previous point, or the creation for the first (delta).
    Previous,
}

impl StartFrom {
    pub fn of(kind: MetricKind, temporality: Temporality) -> Self {
        match (kind.data_model(), temporality) {
            (DataModel::Gauge, _) => StartFrom::Tick,
            (_, Temporality::Cumulative) => StartFrom::Creation,
            (_, Temporality::Delta) => StartFrom::Previous,
        }
    }
}

/// One step of a chain: which emitter, and which slot holds this series' state for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Link {
    pub emitter: u32,
    pub slot: u32,
}

/// Where a series' observation rate comes from (histograms).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum RateSource {
    PerSecond(f64),
    /// An emitter sampled at each point, with this series' slot for it.
    Emitter(Link),
}

/// A link to no emitter: a series whose rate is a number (or that has none).
pub(crate) const NO_LINK: Link = Link { emitter: u32::MAX, slot: u32::MAX };

/// What a series whose kind takes an observation rate (a histogram) keeps
/// besides: apart from the records every series keeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Observing {
    /// The stream its kind's own draws (observations) come from, or [`NO_RNG`].
    pub rng: u32,
    /// Its rate's emitter and its slot for it ([`NO_LINK`] when the rate is the group's number).
    pub rate: Link,
}

/// A series without an [`Observing`] (yet).
pub(crate) const NOT_OBSERVING: u32 = u32::MAX;

impl Observing {
    /// Where its observation rate comes from, its group's rate being `per_second` when a number.
    pub fn rate_source(&self, per_second: f64) -> RateSource {
        if self.rate == NO_LINK { RateSource::PerSecond(per_second) } else { RateSource::Emitter(self.rate) }
    }
}

/// The state one series keeps for one emitter, with its random stream: small
/// and `Copy`, so a run's slots sit densely in one array (the ChaCha states
/// live in their own).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Slot {
    /// The emitter's configuration generation this state belongs to; a newer
    /// one means the emitter was reconfigured and the state must be reset.
    pub epoch: u32,
    /// Index of this (series, emitter) pair's ChaCha stream, or [`NO_RNG`].
    pub rng: u32,
    /// The series' own copy of the emitter (in the engine's `own_emitters`)
    /// when it draws fields of its own, or [`NO_OWN`].
    pub own: u32,
    /// The emitter kind's per-series state.
    pub state: SeriesState,
}

/// An own-emitter index meaning "the series uses the shared configuration".
pub(crate) const NO_OWN: u32 = u32::MAX;

/// A random stream index meaning "not made yet".
pub(crate) const NO_RNG: u32 = u32::MAX;

impl Slot {
    pub fn new() -> Self {
        // epoch 0 is never an emitter's generation, so the first use resets.
        Slot { epoch: 0, rng: NO_RNG, own: NO_OWN, state: SeriesState::default() }
    }
}

/// What the engine needs of a series only when actions apply and blocks of
/// random draws are due (what its metric's series share is its [`Group`]'s).
/// A million series keep a million of these: 20 bytes (tested).
#[derive(Clone, Debug)]
pub(crate) struct SeriesInfo {
    /// Its metric's group.
    pub group: u32,
    /// Its place in its metric's set ([`SeriesInfo::member`]): a set has at
    /// most 10,000,000 series, and a run churns at most once a second for
    /// less than 2^32 seconds, so both fit 32 bits.
    position: u32,
    generation: u32,
    /// The fourth word of its random streams' key (its expanded values'
    /// hash), as two halves (the record then needs only 4-byte alignment).
    key: [u32; 2],
}

impl SeriesInfo {
    /// The record of a series of group `group` at `member` of its set, keyed by `key`.
    pub fn new(group: u32, member: Member, key: u64) -> Self {
        let mut info = SeriesInfo { group, position: 0, generation: 0, key: [0; 2] };
        info.set_member(member);
        info.set_key(key);
        info
    }

    /// Its place in its metric's set.
    pub fn member(&self) -> Member {
        Member { position: u64::from(self.position), generation: u64::from(self.generation) }
    }

    /// Its place becomes `member`.
    pub fn set_member(&mut self, member: Member) {
        self.position = u32::try_from(member.position).expect("a set has at most 10,000,000 series");
        self.generation = u32::try_from(member.generation).expect("at most one churn a second in a run of 2^32 s");
    }

    /// The fourth word of its random streams' key.
    #[inline(always)]
    pub fn key(&self) -> u64 {
        u64::from(self.key[0]) | (u64::from(self.key[1]) << 32)
    }

    /// Its random streams' key word becomes `key`.
    pub fn set_key(&mut self, key: u64) {
        self.key = [key as u32, (key >> 32) as u32];
    }
}

/// The (emitter, slot) pairs series used before and their chains and rates
/// no longer name, so an emitter taken back carries its state on. Apart from
/// the series' records: few series ever drop an emitter.
#[derive(Debug, Default)]
pub(crate) struct RetiredSlots(BTreeMap<u32, Vec<Link>>);

impl RetiredSlots {
    /// Series `series`' retired slot for `emitter`, if any.
    pub fn slot(&self, series: usize, emitter: u32) -> Option<u32> {
        self.links(series).iter().find(|l| l.emitter == emitter).map(|l| l.slot)
    }

    /// Keeps `link`'s slot for when its emitter comes back to series `series`.
    pub fn retire(&mut self, series: usize, link: Link) {
        if link != NO_LINK && self.slot(series, link.emitter).is_none() {
            self.0.entry(series as u32).or_default().push(link);
        }
    }

    /// Series `series`' retired links.
    pub fn links(&self, series: usize) -> &[Link] {
        self.0.get(&(series as u32)).map_or(&[], Vec::as_slice)
    }
}

/// One metric action's series: the set they come from and what every member
/// shares. `proto` carries the metric's current settings, so a series the
/// set gains at a reconfiguration starts from them.
#[derive(Debug)]
pub(crate) struct Group<'r> {
    pub name: &'r str,
    /// FNV-1a-64 of the name, which keys its series' random streams.
    pub name_hash: u64,
    /// The identity as written (brace expressions unexpanded).
    pub template: Identity<'r>,
    /// Shared with the streams of its members ([`SetSource`](crate::batch::SetSource)).
    pub set: Arc<SeriesSet>,
    /// The stream source of its current identity and set, once a member's
    /// stream was made from them (`None` again when either changes).
    pub source: Option<u32>,
    /// The series of this shard, in set order.
    pub members: Vec<u32>,
    /// Churn, once an action gave it.
    pub churn: Option<ChurnClock>,
    /// After set changes: its moved series ([`SetChange::moved`]).
    pub moved: BTreeMap<String, String>,
    /// The current chain's emitters.
    pub chain: Vec<u32>,
    /// The current rate, once an action gave one (histograms).
    pub rate: Option<&'r Rate<'static>>,
    pub proto: Series<'r>,
    pub proto_info: SeriesInfo,
    /// Sums and histograms: cumulative or delta (fixed by the definition).
    pub temporality: Temporality,
    /// Explicit histograms: the bucket bounds (fixed by the definition).
    pub bounds: &'r [f64],
}

impl Group<'_> {
    /// Its set becomes `set`: new members' streams come from a new source.
    pub fn replace_set(&mut self, set: SeriesSet) {
        self.set = Arc::new(set);
        self.source = None;
    }

    /// Its observation rate when that is a number (the default's without one);
    /// a rate from an emitter is read through each series' link instead.
    pub fn per_second_rate(&self) -> f64 {
        match self.rate.unwrap_or(&Rate::DEFAULT) {
            Rate::PerSecond(r) => *r,
            Rate::Emitter(_) => 0.0,
        }
    }
}

/// What makes a series' points one OTLP stream.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Identity<'r> {
    pub name: &'r str,
    pub unit: &'r str,
    pub description: &'r str,
    pub resource: &'r [KeyValue<'static>],
    pub scope: &'r [KeyValue<'static>],
    pub datapoint: &'r [KeyValue<'static>],
}

impl<'r> Identity<'r> {
    /// The default identity of a metric defined by action `name`.
    pub fn new(name: &'r str) -> Self {
        Identity { name, unit: "", description: "", resource: &[], scope: &[], datapoint: &[] }
    }

    /// Whether `other` names the same series (the same series set): the same
    /// exported name and attributes as written (a new unit or description
    /// only describes it anew).
    pub fn same_series(&self, other: &Identity<'_>) -> bool {
        self.name == other.name
            && self.resource == other.resource
            && self.scope == other.scope
            && self.datapoint == other.datapoint
    }

    /// The stream of a series with this identity, made by metric action `series`.
    pub fn stream(&self, series: &'r str, kind: MetricKind, temporality: Temporality, bounds: &'r [f64]) -> Stream<'r> {
        Stream {
            series,
            name: Cow::Borrowed(self.name),
            kind,
            unit: self.unit,
            description: self.description,
            resource: Cow::Borrowed(self.resource),
            scope: Cow::Borrowed(self.scope),
            datapoint: Cow::Borrowed(self.datapoint),
            temporality,
            bounds,
        }
    }

    /// Its attribute levels: resource, scope, datapoint.
    pub fn levels(&self) -> [&'r [KeyValue<'static>]; 3] {
        [self.resource, self.scope, self.datapoint]
    }

    /// Every string of it in set order: resource, scope, datapoint, name.
    pub fn strings(&self) -> Vec<&'r str> {
        let mut out = Vec::new();
        for level in self.levels() {
            visit_strings(level, &mut |s| out.push(s));
        }
        out.push(self.name);
        out
    }

    /// The set these strings stand for.
    pub fn set(&self) -> SeriesSet {
        SeriesSet::of(self.strings())
    }

    /// The stream of the series `position` of `set` (this identity's set).
    pub fn member_stream(
        &self,
        set: &SeriesSet,
        position: Member,
        series: &'r str,
        kind: MetricKind,
        temporality: Temporality,
        bounds: &'r [f64],
    ) -> Stream<'r> {
        let mut stream = self.stream(series, kind, temporality, bounds);
        if set.is_plain() {
            return stream;
        }
        let mut next = 0;
        stream.resource = render_attributes(set, self.resource, position, &mut next);
        stream.scope = render_attributes(set, self.scope, position, &mut next);
        stream.datapoint = render_attributes(set, self.datapoint, position, &mut next);
        let mut name = String::new();
        if set.render(next, position, &mut name).is_some() {
            stream.name = Cow::Owned(name);
        }
        stream
    }

    /// The identity after `spec`'s given fields replace this one's.
    pub fn overlay(mut self, spec: &'r MetricSpec<'static>) -> Self {
        if let Some(n) = &spec.name {
            self.name = n;
        }
        if let Some(u) = &spec.unit {
            self.unit = u;
        }
        if let Some(d) = &spec.description {
            self.description = d;
        }
        if let Some(a) = &spec.resource {
            self.resource = a;
        }
        if let Some(a) = &spec.scope {
            self.scope = a;
        }
        if let Some(a) = &spec.datapoint {
            self.datapoint = a;
        }
        self
    }
}

#[cfg(test)]
mod tests {
    /// What a million series cost: the records the engine keeps per series.
    #[test]
    fn a_tick_keeps_32_bits_and_never() {
        use super::{MAX_TICK, NEVER, Tick};
        assert_eq!(Tick::new(0).get(), 0);
        assert_eq!(Tick::new(MAX_TICK).get(), MAX_TICK);
        assert_eq!(Tick::new(NEVER).get(), NEVER);
        assert_eq!(Tick::new(MAX_TICK + 1).get(), NEVER, "past any run: never");
        assert_eq!(Tick::NEVER.get(), NEVER);
    }

    #[test]
    fn per_series_records_stay_small() {
        use std::mem::size_of;
        assert_eq!(size_of::<super::SeriesInfo>(), 20);
        assert_eq!(size_of::<super::Series<'static>>(), 64);
        assert_eq!(size_of::<super::Slot>(), 28);
        assert_eq!(size_of::<crate::rng::KeyedStream>(), 72);
    }
}
