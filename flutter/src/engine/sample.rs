//! Sampling: every series visited at a tick runs its emitter chain once; its
//! kind turns the value into a point when one is due, and sums and histograms
//! accrue the value for the second that starts at the tick.

use super::draws::{Draws, SlotRng};
use super::series::{NO_RNG, RateSource, Slot, StartFrom, Tick};
use super::{EmitterState, Engine};
use crate::batch::{Point, PointValue};
use crate::go::duration::GoDuration;
use crate::kinds::emitters::{ChainValue, Emitter, Mark};
use crate::kinds::metrics::{PointInput, Sample, Warnings};

/// The name keying a series' own stream for its kind's draws (a histogram's
/// observations); no emitter can have it.
pub(super) const OBSERVATIONS: &str = "\u{0}observations";

/// The hash of [`OBSERVATIONS`] that keys those streams.
const OBSERVATIONS_HASH: u64 = crate::rng::fnv1a64(OBSERVATIONS);

impl Engine<'_> {
    /// Visits every series due at `tick` from series `from` on, their points
    /// going into the output, until it holds a part's points
    /// ([`Batch::PART_POINTS`](crate::Batch::PART_POINTS)). Returns the
    /// earliest tick at which any series visited, or not due, is to be visited
    /// next (`next_visit` for those before `from`), and the series to go on
    /// from when the part is full.
    pub(super) fn sample_due_series(&mut self, tick: u64, from: usize, next_visit: u64) -> (u64, Option<usize>) {
        let t_ns = GoDuration::from_secs(tick as i64).as_nanos();
        let now_unix = self.unix_nanos(tick);
        let start_unix = self.config.wallclock_start.unix_nanos();
        let unix_at = |t: u64| start_unix + GoDuration::from_secs(t as i64).as_nanos();
        let Engine {
            series,
            series_info,
            groups,
            emitters,
            own_emitters,
            links,
            slots,
            rngs,
            observing,
            go,
            out,
            config,
            warnings,
            invalid,
            ..
        } = self;
        let mut next_visit = next_visit;
        for (index, s) in series.iter_mut().enumerate().skip(from) {
            if out.len() >= crate::Batch::PART_POINTS && index > from {
                return (next_visit, Some(index));
            }
            if s.next_visit.get() > tick {
                next_visit = next_visit.min(s.next_visit.get());
                continue;
            }
            if tick > s.to.get() {
                // The tick after its `to`: the series ends.
                if s.live {
                    out.push(Point::new(s.stream, unix_at(s.start_tick(tick)), now_unix, PointValue::Stale));
                    s.live = false;
                }
                s.next_visit = Tick::NEVER;
                continue;
            }
            let mut draws = Draws { seed: config.seed, kind: config.rng, go, rngs, series_info, groups, series: index };
            let mut v = ChainValue::default();
            for link in &links[s.chain()] {
                emitters[link.emitter as usize].apply(
                    &mut v,
                    t_ns,
                    &mut slots[link.slot as usize],
                    own_emitters,
                    &mut draws,
                );
            }
            if !s.accrues() {
                // A gauge is visited only when a point is due: its own short path.
                s.last_point = Tick::new(tick);
                s.next_point = Tick::new(tick + u64::from(s.frequency));
                match v.mark {
                    Mark::Missing => {}
                    Mark::Stale => {
                        out.push(Point::new(s.stream, now_unix, now_unix, PointValue::Stale));
                        s.live = false;
                    }
                    Mark::Value => match s.state.direct(v.value) {
                        Some(value) => {
                            out.push(Point::new(s.stream, now_unix, now_unix, value));
                            s.live = true;
                        }
                        None => invalid.drop_point(index, tick, warnings),
                    },
                }
                s.next_visit = Tick::new(s.visit_after(tick));
                next_visit = next_visit.min(s.next_visit.get());
                continue;
            }
            if s.next_point.get() <= tick {
                s.last_point = Tick::new(tick);
                s.next_point = Tick::new(tick + u64::from(s.frequency));
                match v.mark {
                    // A missing sample sends nothing.
                    Mark::Missing => {}
                    Mark::Stale => {
                        out.push(Point::new(s.stream, unix_at(s.start_tick(tick)), now_unix, PointValue::Stale));
                        s.live = false;
                    }
                    Mark::Value => {
                        let input = PointInput { value: v.value, delta: s.start == StartFrom::Previous };
                        match s.state.point(input, out) {
                            Some(value) => {
                                out.push(Point::new(s.stream, unix_at(s.start_tick(tick)), now_unix, value));
                                s.live = true;
                            }
                            None => invalid.drop_point(index, tick, warnings),
                        }
                        // What accrued is reported (or dropped): a delta interval starts afresh.
                        s.delta_from = Tick::new(tick);
                    }
                }
            }
            // The second [tick, tick + 1), after the point (which covers the seconds before it).
            if s.accrues() && v.mark == Mark::Value {
                // Only the kinds that take a rate draw observations.
                let mut no_draws = NO_RNG;
                let (rate, observations) = if s.kind.has_rate() {
                    let o = s.observing_in(observing);
                    let info = &draws.series_info[index];
                    let source = o.rate_source(draws.groups[info.group as usize].per_second_rate());
                    (rate(source, (emitters, own_emitters), slots, t_ns, &mut draws), &mut o.rng)
                } else {
                    (0.0, &mut no_draws)
                };
                let mut rng = SlotRng { draws: &mut draws, rng: observations, emitter: OBSERVATIONS_HASH };
                s.state.accrue(Sample { series: index, value: v.value, rate }, &mut rng, warnings);
                debug_assert_eq!(no_draws, NO_RNG, "a kind without a rate drew observations");
            }
            // Enabled (a disabled series is never visited) and not past its `to`.
            s.next_visit = Tick::new(s.visit_after(tick));
            next_visit = next_visit.min(s.next_visit.get());
        }
        (next_visit, None)
    }
}

/// Points dropped because their value was not a finite number, and the
/// series warned about them (once each).
#[derive(Debug, Default)]
pub(super) struct InvalidPoints {
    pub count: u64,
    // Apart from the series' records: few series ever have one.
    warned: std::collections::BTreeSet<usize>,
}

impl InvalidPoints {
    /// Series `index`'s point at `tick` is dropped: counted, and warned about
    /// the first time for the series.
    #[cold]
    fn drop_point(&mut self, index: usize, tick: u64, warnings: &mut Warnings) {
        self.count += 1;
        if self.warned.insert(index) {
            let message = format!(
                "its point at {} is not a finite number, so it was dropped; every such point is counted as invalid \
                 in the summary",
                GoDuration::from_secs(tick as i64)
            );
            warnings.push((index, message));
        }
    }
}

/// A kind's observation rate at this tick: a number, or its emitter sampled
/// for this series. Out of the per-point loop, which most kinds never take.
#[inline(never)]
fn rate(
    source: RateSource,
    (emitters, own): (&[EmitterState<'_>], &mut Vec<Emitter>),
    slots: &mut [Slot],
    t_ns: i64,
    draws: &mut Draws<'_, '_>,
) -> f64 {
    match source {
        RateSource::PerSecond(r) => r,
        RateSource::Emitter(link) => {
            let mut r = ChainValue::default();
            emitters[link.emitter as usize].apply(&mut r, t_ns, &mut slots[link.slot as usize], own, draws);
            r.value
        }
    }
}
