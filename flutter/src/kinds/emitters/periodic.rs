//! `periodic`: a wave of simulated time.

use super::{ChainValue, EmitterKind, SeriesState, ValueRange};
use crate::distributions::RandomBits;
use crate::go::duration::GoDuration;
use crate::scenario::spec::{DefaultValue, DurationRule, Field, Rule};

/// The shape of a `periodic` emitter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "bake", derive(serde::Serialize))]
pub enum Shape {
    /// `sin(2πu)`.
    Sine,
    /// 1 while `u < duty`, else −1.
    Square,
    /// `2u − 1`.
    Sawtooth,
    /// `1 − 4·|u − 0.5|`.
    Triangle,
}

impl Shape {
    const ALL: [Shape; 4] = [Shape::Sine, Shape::Square, Shape::Sawtooth, Shape::Triangle];
    const NAMES: &'static [&'static str] = &["sine", "square", "sawtooth", "triangle"];
}

/// `periodic`: `offset + amplitude · shape(u)`, `u = frac((t + phase) / period)`.
#[derive(Clone, Debug, Default, PartialEq)]
#[cfg_attr(feature = "bake", derive(serde::Serialize))]
pub struct PeriodicSpec {
    /// The wave (required on definition).
    pub shape: Option<Shape>,
    /// Its period (required on definition, > 0).
    pub period: Option<GoDuration>,
    /// Default 1.
    pub amplitude: Option<f64>,
    /// The centre, default 0.
    pub offset: Option<f64>,
    /// Shifts the wave in time, default 0.
    pub phase: Option<GoDuration>,
    /// For `square`: the fraction of the period at +1, in (0, 1), default 0.5.
    pub duty: Option<f64>,
}

impl PeriodicSpec {
    const DEFAULT_AMPLITUDE: f64 = 1.0;
    const DEFAULT_OFFSET: f64 = 0.0;
    const DEFAULT_PHASE: GoDuration = GoDuration::ZERO;
    const DEFAULT_DUTY: f64 = 0.5;
}

type F = Field<PeriodicSpec>;

/// A wave's current configuration; times in nanoseconds.
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
    /// `offset + amplitude · shape(u)` with `u` the fraction of the period at `t_ns`.
    #[inline(always)]
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

impl EmitterKind for Periodic {
    type Spec = PeriodicSpec;
    const NAME: &'static str = "periodic";
    const DOC: &'static str = "`offset + amplitude · shape(u)` with `u` the fractional part of `(t + phase) / \
                               period`: `sin 2πu`; 1 while `u < duty`, else −1; `2u − 1`; `1 − 4·|u − ½|`; \
                               stateless, so every series and every run agree";
    const FIELDS: &'static [F] = &[
        F::choice("shape", Shape::NAMES, |s, i| s.shape = Some(Shape::ALL[i]))
            .doc("`sine`, `square`, `sawtooth` or `triangle`")
            .label("periodic `shape`")
            .required("shape: sine"),
        F::duration("period", DurationRule::Positive, |s, v| s.period = Some(v))
            .doc("the wave's period (> 0)")
            .label("periodic `period`")
            .required("period: 1m"),
        F::number("amplitude", Rule::Any, |s, v| s.amplitude = Some(v))
            .doc("the wave's half-height")
            .default(DefaultValue::Number(PeriodicSpec::DEFAULT_AMPLITUDE)),
        F::number("offset", Rule::Any, |s, v| s.offset = Some(v))
            .doc("the wave's centre")
            .default(DefaultValue::Number(PeriodicSpec::DEFAULT_OFFSET)),
        F::duration("phase", DurationRule::Any, |s, v| s.phase = Some(v))
            .doc("shifts the wave in time")
            .label("periodic `phase`")
            .per_series()
            .default(DefaultValue::Duration(PeriodicSpec::DEFAULT_PHASE)),
        F::number("duty", Rule::OpenUnit, |s, v| s.duty = Some(v))
            .doc("for `square`: the fraction of the period at +1, in (0, 1)")
            .default(DefaultValue::Number(PeriodicSpec::DEFAULT_DUTY)),
    ];

    /// A wave's name is a shape of `periodic`, not a kind of its own.
    fn type_hint(word: &str) -> Option<String> {
        Shape::NAMES
            .contains(&word)
            .then(|| format!("`{word}` is a shape of the `periodic` emitter: `type: periodic, shape: {word}, period: 1m`"))
    }

    /// The loader guarantees `shape` and `period` on definition.
    fn new(spec: &PeriodicSpec, at: GoDuration) -> Self {
        let mut p = Periodic {
            shape: Shape::Sine,
            period_ns: 1,
            amplitude: PeriodicSpec::DEFAULT_AMPLITUDE,
            offset: PeriodicSpec::DEFAULT_OFFSET,
            phase_ns: PeriodicSpec::DEFAULT_PHASE.as_nanos(),
            duty: PeriodicSpec::DEFAULT_DUTY,
        };
        p.reconfigure(spec, at);
        p
    }

    fn reconfigure(&mut self, spec: &PeriodicSpec, _: GoDuration) {
        self.shape = spec.shape.unwrap_or(self.shape);
        self.period_ns = spec.period.map_or(self.period_ns, GoDuration::as_nanos);
        self.amplitude = spec.amplitude.unwrap_or(self.amplitude);
        self.offset = spec.offset.unwrap_or(self.offset);
        self.phase_ns = spec.phase.map_or(self.phase_ns, GoDuration::as_nanos);
        self.duty = spec.duty.unwrap_or(self.duty);
    }

    #[inline(always)]
    fn apply(&self, v: &mut ChainValue, t_ns: i64, _: &mut SeriesState, _: &mut impl RandomBits) {
        v.value += self.value_at(t_ns);
    }

    fn range(&self, before: ValueRange) -> ValueRange {
        before.plus(ValueRange::between(self.offset - self.amplitude, self.offset + self.amplitude))
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
