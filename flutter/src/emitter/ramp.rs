//! `ramp`: linear from `start` to `target` over `duration`, from the time of the
//! action that last set it.

use crate::go::duration::GoDuration;
use crate::scenario::RampSpec;

/// A ramp's current configuration; times in nanoseconds since tick 0.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Ramp {
    pub start: f64,
    pub target: f64,
    pub duration_ns: i64,
    /// The time of the action that last set it.
    pub at_ns: i64,
}

impl Ramp {
    /// A new ramp set at `at`. The loader guarantees `duration` on definition.
    pub fn new(spec: &RampSpec, at: GoDuration) -> Self {
        Ramp {
            start: spec.start.unwrap_or(0.0),
            target: spec.target.unwrap_or(0.0),
            duration_ns: spec.duration.map_or(1, GoDuration::as_nanos),
            at_ns: at.as_nanos(),
        }
    }

    /// The value at `t_ns`: `start` until the action's time, then linear, then `target`.
    #[inline]
    pub fn value_at(&self, t_ns: i64) -> f64 {
        let elapsed = t_ns - self.at_ns;
        if elapsed <= 0 {
            self.start
        } else if elapsed >= self.duration_ns {
            self.target
        } else {
            // In this order, in f64 from integer nanoseconds (the test vectors depend on it).
            self.start + (self.target - self.start) * (elapsed as f64 / self.duration_ns as f64)
        }
    }

    /// Reconfigured at `at`: given fields replace; without a `start` the new ramp
    /// starts from the value the old one had at that moment.
    pub fn reconfigure(&mut self, spec: &RampSpec, at: GoDuration) {
        let current = self.value_at(at.as_nanos());
        self.start = spec.start.unwrap_or(current);
        if let Some(t) = spec.target {
            self.target = t;
        }
        if let Some(d) = spec.duration {
            self.duration_ns = d.as_nanos();
        }
        self.at_ns = at.as_nanos();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mins(m: i64) -> GoDuration {
        GoDuration::from_secs(m * 60)
    }

    fn ramp(start: f64, target: f64, duration: GoDuration, at: GoDuration) -> Ramp {
        Ramp::new(&RampSpec { start: Some(start), target: Some(target), duration: Some(duration) }, at)
    }

    #[test]
    fn test_vectors() {
        let up = ramp(0.0, 100.0, mins(10), GoDuration::ZERO);
        assert_eq!(up.value_at(mins(0).as_nanos()), 0.0);
        assert_eq!(up.value_at(mins(5).as_nanos()), 50.0);
        assert_eq!(up.value_at(mins(10).as_nanos()), 100.0);
        assert_eq!(up.value_at(mins(15).as_nanos()), 100.0);
        let down = ramp(100.0, 0.0, mins(10), GoDuration::ZERO);
        assert_eq!(down.value_at(mins(5).as_nanos()), 50.0);
        let late = ramp(0.0, 100.0, mins(10), mins(5));
        assert_eq!(late.value_at(mins(3).as_nanos()), 0.0);
    }

    #[test]
    fn reconfigured_later_starts_from_current_value() {
        let mut r = ramp(0.0, 100.0, mins(10), mins(5));
        r.reconfigure(&RampSpec { start: None, target: Some(200.0), duration: Some(mins(15)) }, mins(7));
        assert_eq!(r, Ramp { start: 20.0, target: 200.0, duration_ns: mins(15).as_nanos(), at_ns: mins(7).as_nanos() });
    }

    #[test]
    fn explicit_start_is_honoured() {
        let mut r = ramp(0.0, 100.0, mins(10), GoDuration::ZERO);
        r.reconfigure(&RampSpec { start: Some(5.0), target: None, duration: None }, mins(5));
        assert_eq!(r.value_at(mins(5).as_nanos()), 5.0);
        assert_eq!(r.value_at(mins(15).as_nanos()), 100.0);
    }
}
