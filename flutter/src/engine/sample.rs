//! Sampling: every due series runs its emitter chain once, and its kind turns
//! the value into a point.

use super::Engine;
use super::draws::{Draws, SlotRng};
use super::series::{NEVER, RateSource};
use crate::batch::{DataModel, Point, PointValue};
use crate::go::duration::GoDuration;
use crate::kinds::emitters::{ChainValue, Mark};
use crate::kinds::metrics::{PointInput, Temporality};

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
                let mut draws = Draws { config, go, rngs, series_info, series: index };
                let mut v = ChainValue::default();
                for link in &links[s.chain_start as usize..(s.chain_start + s.chain_len) as usize] {
                    emitters[link.emitter as usize].apply(&mut v, t_ns, &mut slots[link.slot as usize], &mut draws);
                }
                if v.mark == Mark::Missing {
                    break 'point;
                }
                let seconds = s.take_enabled_seconds(tick);
                let start = match (s.kind.data_model(), s.temporality) {
                    (DataModel::Gauge, _) => now_unix,
                    (_, Temporality::Cumulative) => unix_at(s.created_tick),
                    // The previous point's time (creation for the first): contiguous intervals.
                    (_, Temporality::Delta) => unix_at(s.interval_start()),
                };
                s.last_point = tick;
                let value = if v.mark == Mark::Stale {
                    PointValue::Stale
                } else {
                    let rate = if s.kind.has_rate() {
                        match series_info[index].rate {
                            RateSource::PerSecond(r) => r,
                            RateSource::Emitter(link) => {
                                let mut r = ChainValue::default();
                                let slot = &mut slots[link.slot as usize];
                                emitters[link.emitter as usize].apply(&mut r, t_ns, slot, &mut draws);
                                r.value
                            }
                        }
                    } else {
                        0.0
                    };
                    let input = PointInput { value: v.value, seconds, rate };
                    let mut observations = series_info[index].observations_rng;
                    let mut rng = SlotRng { draws: &mut draws, rng: &mut observations, emitter: OBSERVATIONS };
                    let before = warnings.len();
                    let value = s.state.point(&input, &mut rng, out, warnings);
                    if warnings.len() > before {
                        name_warnings(&mut warnings[before..], series_info[index].name);
                    }
                    series_info[index].observations_rng = observations;
                    value
                };
                out.push(Point { stream: s.stream, start_unix_nanos: start, time_unix_nanos: now_unix, value });
            }
            next_due = next_due.min(s.next_due);
        }
        next_due
    }
}

/// Kinds word their warnings about the series; they are shown about the metric.
#[cold]
fn name_warnings(new: &mut [String], series: &str) {
    for w in new {
        *w = format!("metric `{series}`: {w}");
    }
}
