//! Sampling: every due series runs its emitter chain once, and its kind turns
//! the value into a point.

use super::draws::{Draws, SlotRng};
use super::series::{NEVER, RateSource, Slot, StartFrom};
use super::{EmitterState, Engine};
use crate::batch::{Point, PointValue};
use crate::go::duration::GoDuration;
use crate::kinds::emitters::{ChainValue, Mark};
use crate::kinds::metrics::PointInput;

/// The name keying a series' own stream for its kind's draws (a histogram's
/// observations); no emitter can have it.
const OBSERVATIONS: &str = "\u{0}observations";

impl Engine<'_> {
    /// Samples every series due at `tick` into the output; returns the
    /// earliest tick at which any series is due next.
    pub(super) fn sample_due_series(&mut self, tick: u64) -> u64 {
        self.out.clear();
        let t_ns = GoDuration::from_secs(tick as i64).as_nanos();
        let now_unix = self.unix_nanos(tick);
        let start_unix = self.config.wallclock_start.unix_nanos();
        let unix_at = |t: u64| start_unix + GoDuration::from_secs(t as i64).as_nanos();
        let Engine { series, series_info, emitters, links, slots, rngs, go, out, config, warnings, .. } = self;
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
                let mut draws = Draws { seed: config.seed, kind: config.rng, go, rngs, series_info, series: index };
                let mut v = ChainValue::default();
                for link in &links[s.chain_start as usize..(s.chain_start + s.chain_len) as usize] {
                    emitters[link.emitter as usize].apply(&mut v, t_ns, &mut slots[link.slot as usize], &mut draws);
                }
                if v.mark == Mark::Missing {
                    break 'point;
                }
                let seconds = s.take_enabled_seconds(tick);
                let start = match s.start {
                    StartFrom::Tick => now_unix,
                    StartFrom::Creation => unix_at(s.created_tick),
                    // The previous point's time (creation for the first): contiguous intervals.
                    StartFrom::Previous => unix_at(s.interval_start()),
                };
                s.last_point = tick;
                let value = if v.mark == Mark::Stale {
                    PointValue::Stale
                } else if let Some(value) = s.state.direct(v.value) {
                    value
                } else {
                    let rate =
                        if s.has_rate { rate(series_info[index].rate, emitters, slots, t_ns, &mut draws) } else { 0.0 };
                    let input = PointInput {
                        series: index,
                        value: v.value,
                        seconds,
                        rate,
                        delta: s.start == StartFrom::Previous,
                    };
                    let mut rng = SlotRng { draws: &mut draws, rng: &mut s.observations_rng, emitter: OBSERVATIONS };
                    s.state.point(input, &mut rng, out, warnings)
                };
                out.push(Point::new(s.stream, start, now_unix, value));
            }
            next_due = next_due.min(s.next_due);
        }
        next_due
    }
}

/// A kind's observation rate at this tick: a number, or its emitter sampled
/// for this series. Out of the per-point loop, which most kinds never take.
#[inline(never)]
fn rate(
    source: RateSource,
    emitters: &[EmitterState<'_>],
    slots: &mut [Slot],
    t_ns: i64,
    draws: &mut Draws<'_, '_>,
) -> f64 {
    match source {
        RateSource::PerSecond(r) => r,
        RateSource::Emitter(link) => {
            let mut r = ChainValue::default();
            emitters[link.emitter as usize].apply(&mut r, t_ns, &mut slots[link.slot as usize], draws);
            r.value
        }
    }
}
