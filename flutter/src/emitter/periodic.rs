//! `periodic`: a wave of simulated time.

use crate::go::duration::GoDuration;
use crate::scenario::{PeriodicSpec, Shape};

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Periodic {
    pub shape: Shape,
    pub period_ns: i64,
    pub amplitude: f64,
    pub offset: f64,
    pub phase_ns: i64,
    pub duty: f64,
}

impl Periodic {
    /// The loader guarantees `shape` and `period` on definition.
    pub fn new(spec: &PeriodicSpec) -> Self {
        let mut p = Periodic { shape: Shape::Sine, period_ns: 1, amplitude: 1.0, offset: 0.0, phase_ns: 0, duty: 0.5 };
        p.reconfigure(spec);
        p
    }

    pub fn reconfigure(&mut self, spec: &PeriodicSpec) {
        let PeriodicSpec { shape, period, amplitude, offset, phase, duty } = spec;
        self.shape = shape.unwrap_or(self.shape);
        self.period_ns = period.map_or(self.period_ns, GoDuration::as_nanos);
        self.amplitude = amplitude.unwrap_or(self.amplitude);
        self.offset = offset.unwrap_or(self.offset);
        self.phase_ns = phase.map_or(self.phase_ns, GoDuration::as_nanos);
        self.duty = duty.unwrap_or(self.duty);
    }

    /// `offset + amplitude · shape(u)` with `u` the fraction of the period at `t_ns`.
    #[inline]
    pub fn value_at(&self, t_ns: i64) -> f64 {
        // Whole nanoseconds first, so `u` is exact at whole fractions of the period;
        // i128 (a slow division) only where the sum leaves i64.
        let into = match t_ns.checked_add(self.phase_ns) {
            Some(t) => t.rem_euclid(self.period_ns),
            None => (i128::from(t_ns) + i128::from(self.phase_ns)).rem_euclid(i128::from(self.period_ns)) as i64,
        };
        let u = into as f64 / self.period_ns as f64;
        let wave = match self.shape {
            Shape::Sine => (2.0 * std::f64::consts::PI * u).sin(),
            Shape::Square => {
                if u < self.duty {
                    1.0
                } else {
                    -1.0
                }
            }
            Shape::Sawtooth => 2.0 * u - 1.0,
            Shape::Triangle => 1.0 - 4.0 * (u - 0.5).abs(),
        };
        self.offset + self.amplitude * wave
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wave(shape: Shape, phase: i64, duty: f64) -> Periodic {
        Periodic { shape, period_ns: 60_000_000_000, amplitude: 2.0, offset: 10.0, phase_ns: phase, duty }
    }

    fn secs(s: i64) -> i64 {
        s * 1_000_000_000
    }

    #[test]
    fn shapes_at_chosen_times() {
        let sine = wave(Shape::Sine, 0, 0.5);
        assert_eq!(sine.value_at(0), 10.0);
        assert_eq!(sine.value_at(secs(15)), 12.0);
        assert_eq!(sine.value_at(secs(45)), 8.0);
        let square = wave(Shape::Square, 0, 0.25);
        assert_eq!([0, 14, 15, 59, 60].map(|s| square.value_at(secs(s))), [12.0, 12.0, 8.0, 8.0, 12.0]);
        let saw = wave(Shape::Sawtooth, 0, 0.5);
        assert_eq!([0, 15, 30, 45, 60].map(|s| saw.value_at(secs(s))), [8.0, 9.0, 10.0, 11.0, 8.0]);
        let tri = wave(Shape::Triangle, 0, 0.5);
        assert_eq!([0, 15, 30, 45, 60].map(|s| tri.value_at(secs(s))), [8.0, 10.0, 12.0, 10.0, 8.0]);
    }

    #[test]
    fn phase_shifts_the_wave_both_ways() {
        let ahead = wave(Shape::Sawtooth, secs(15), 0.5);
        assert_eq!(ahead.value_at(0), 9.0);
        let behind = wave(Shape::Sawtooth, -secs(15), 0.5);
        assert_eq!(behind.value_at(0), 11.0);
        assert_eq!(behind.value_at(secs(15)), 8.0);
    }

    #[test]
    fn a_phase_that_overflows_the_sum_still_wraps_exactly() {
        // i64::MAX ns = 153722867 periods of 60 s + 16.854775807 s.
        let far = wave(Shape::Sawtooth, i64::MAX, 0.5);
        let expected = |t: i64| 8.0 + 4.0 * ((16_854_775_807 + t) % 60_000_000_000) as f64 / 60e9;
        assert_eq!(far.value_at(0), expected(0), "no overflow");
        assert_eq!(far.value_at(secs(20)), expected(secs(20)), "the sum passes i64::MAX");
    }
}
