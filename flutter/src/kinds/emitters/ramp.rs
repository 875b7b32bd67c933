//! `ramp`: linear from `start` to `target` over `duration`, from the time of the
//! action that last set it.

use super::{ChainValue, EmitterKind, SeriesState, ValueRange};
use crate::distributions::RandomBits;
use crate::go::duration::GoDuration;
use crate::scenario::spec::{DefaultValue, DurationRule, Field, Rule};

/// `ramp`: linear from `start` to `target` over `duration`.
#[derive(Clone, Debug, Default, PartialEq)]
#[cfg_attr(feature = "bake", derive(serde::Serialize))]
pub struct RampSpec {
    /// Value before and at the action's time (default 0, or the current value
    /// when a ramp is reconfigured without one).
    pub start: Option<f64>,
    /// Value after `duration` (default 0).
    pub target: Option<f64>,
    /// How long the ramp takes (required on definition, > 0).
    pub duration: Option<GoDuration>,
}

impl RampSpec {
    const DEFAULT_START: f64 = 0.0;
    const DEFAULT_TARGET: f64 = 0.0;
}

type F = Field<RampSpec>;

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
}

impl EmitterKind for Ramp {
    type Spec = RampSpec;
    const NAME: &'static str = "ramp";
    const DOC: &'static str = "`start` before the action's time, then linear to `target` over `duration`, then \
                               `target`; reconfigured without `start`, it starts from its current value";
    const FIELDS: &'static [F] = &[
        F::number("start", Rule::Any, |s, v| s.start = Some(v))
            .doc("the value before and at the action's time (reconfigured: the current value)")
            .default(DefaultValue::Number(RampSpec::DEFAULT_START)),
        F::number("target", Rule::Any, |s, v| s.target = Some(v))
            .doc("the value after `duration`")
            .default(DefaultValue::Number(RampSpec::DEFAULT_TARGET)),
        F::duration("duration", DurationRule::Positive, |s, v| s.duration = Some(v))
            .doc("how long the ramp takes (> 0)")
            .label("ramp `duration`")
            .required("duration: 5m"),
    ];

    /// The loader guarantees `duration` on definition.
    fn new(spec: &RampSpec, at: GoDuration) -> Self {
        Ramp {
            start: spec.start.unwrap_or(RampSpec::DEFAULT_START),
            target: spec.target.unwrap_or(RampSpec::DEFAULT_TARGET),
            duration_ns: spec.duration.map_or(1, GoDuration::as_nanos),
            at_ns: at.as_nanos(),
        }
    }

    /// Reconfigured at `at`: given fields replace; without a `start` the new ramp
    /// starts from the value the old one had at that moment.
    fn reconfigure(&mut self, spec: &RampSpec, at: GoDuration) {
        let current = self.value_at(at.as_nanos());
        self.start = spec.start.unwrap_or(current);
        self.target = spec.target.unwrap_or(self.target);
        self.duration_ns = spec.duration.map_or(self.duration_ns, GoDuration::as_nanos);
        self.at_ns = at.as_nanos();
    }

    #[inline(always)]
    fn apply(&self, v: &mut ChainValue, t_ns: i64, _: &mut SeriesState, _: &mut impl RandomBits) {
        v.value += self.value_at(t_ns);
    }

    fn range(&self, before: ValueRange) -> ValueRange {
        before.plus(ValueRange::between(self.start, self.target))
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
