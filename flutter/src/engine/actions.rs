//! Applying the script's actions: emitters defined and reconfigured, metrics
//! defined, reconfigured, disabled and enabled.

use super::series::{Identity, Link, NEVER, NO_RNG, RateSource, Series, SeriesInfo, Slot, StartFrom};
use super::{EmitterState, Engine};
use crate::batch::{Point, PointValue};
use crate::go::duration::GoDuration;
use crate::kinds::emitters::{Emitter, EmitterSpec};
use crate::kinds::metrics::{MetricState, Rate};
use crate::scenario::{ActionKind, MetricSpec};

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
            if let ActionKind::Emitter(spec) = &action.kind {
                self.apply_emitter(&action.name, spec, action.at);
            }
        }
        for i in due {
            let action = self.actions[i];
            match &action.kind {
                ActionKind::Emitter(_) => {}
                ActionKind::Metric(spec) => self.apply_metric(&action.name, spec, action.at, tick),
                ActionKind::DisableMetric | ActionKind::EnableMetric => {
                    let enable = matches!(action.kind, ActionKind::EnableMetric);
                    let &i = self.series_index.get(action.name.as_ref()).expect("the loader checked the metric exists");
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

    /// Ends series `index`'s current stream at `tick` with a staleness marker,
    /// if a backend shows a value of it.
    fn end_series(&mut self, index: usize, tick: u64) {
        let now = self.unix_nanos(tick);
        let s = &mut self.series[index];
        if s.live {
            s.live = false;
            let start = self.config.wallclock_start.offset(GoDuration::from_secs(s.start_tick(tick) as i64));
            self.out.push(Point::new(s.stream, start.unix_nanos(), now, PointValue::Stale));
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

    /// The link of series `index` to the emitter `name`.
    fn link(&mut self, index: usize, name: &str) -> Link {
        let &emitter = self.emitter_index.get(name).expect("the loader checked the emitter is defined");
        Link { emitter, slot: self.slot_for(index, emitter) }
    }

    fn apply_metric(&mut self, name: &'r str, spec: &'r MetricSpec<'static>, at: GoDuration, tick: u64) {
        let (index, defining) = match self.series_index.get(name) {
            Some(&i) => {
                self.series[i].state.reconfigure(&spec.kind);
                (i, false)
            }
            None => (self.define_metric(name, spec, at), true),
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
        series.next_visit = series.visit_from(tick);
        if let Some(names) = &spec.emitters {
            // A new chain goes at the end of `links`; a series keeps the slot of
            // every emitter it used before, so their state carries on.
            let chain_start = self.links.len() as u32;
            for n in names.iter() {
                let link = self.link(index, n);
                self.links.push(link);
            }
            let series = &mut self.series[index];
            series.chain_start = chain_start;
            series.chain_len = self.links.len() as u32 - chain_start;
        }
        if let Some(rate) = spec.kind.rate().or(defining.then_some(&Rate::DEFAULT)) {
            self.series_info[index].rate = match rate {
                Rate::PerSecond(r) => RateSource::PerSecond(*r),
                Rate::Emitter(e) => RateSource::Emitter(self.link(index, e)),
            };
        }
        let identity = self.series_info[index].identity.overlay(spec);
        let old = self.series_info[index].identity;
        if self.series[index].stream != u32::MAX && !identity.same_series(&old) {
            // A new identity is a new series: the old one ends, the new one
            // starts here from nothing (its emitters carry on: their random
            // streams are keyed by the metric, not by its attributes).
            self.end_series(index, tick);
            self.series[index].restart(tick);
        }
        let (series, info) = (&mut self.series[index], &mut self.series_info[index]);
        if series.stream == u32::MAX || identity != old {
            info.identity = identity;
            series.stream = self.streams.len() as u32;
            self.streams.push(identity.stream(info.name, series.kind, info.temporality, info.bounds));
        }
    }

    /// A new series for the metric action `name` (settings fixed by the
    /// definition are taken here).
    fn define_metric(&mut self, name: &'r str, spec: &'r MetricSpec<'static>, at: GoDuration) -> usize {
        self.series_index.insert(name, self.series.len());
        let kind = spec.kind.kind();
        self.series.push(Series {
            next_visit: NEVER,
            next_point: NEVER,
            frequency: MetricSpec::DEFAULT_FREQUENCY.floor_secs(),
            created_tick: at.ceil_secs(),
            last_point: NEVER,
            delta_from: at.ceil_secs(),
            to: NEVER,
            enabled: true,
            live: false,
            accrues: kind.accrues(),
            warned_invalid: false,
            has_rate: kind.has_rate(),
            chain_start: 0,
            chain_len: 0,
            stream: u32::MAX,
            kind,
            start: StartFrom::of(kind, spec.kind.temporality()),
            state: MetricState::new(&spec.kind),
            observations_rng: NO_RNG,
        });
        self.series_info.push(SeriesInfo {
            name,
            identity: Identity::new(name),
            slot_of: Vec::new(),
            rate: RateSource::PerSecond(0.0),
            temporality: spec.kind.temporality(),
            bounds: spec.kind.bounds(),
        });
        self.series.len() - 1
    }
}
