//! `round`: a transform that rounds the incoming value to a multiple of `step`.

use super::{ChainValue, EmitterKind, SeriesState, ValueRange};
use crate::distributions::RandomBits;
use crate::go::duration::GoDuration;
use crate::scenario::spec::{DefaultValue, Field, Rule};

/// `round`: the incoming value to the nearest multiple of `step`, halves away from zero.
#[derive(Clone, Debug, Default, PartialEq)]
#[cfg_attr(feature = "bake", derive(serde::Serialize))]
pub struct RoundSpec {
    /// The multiple (> 0, default 1).
    pub step: Option<f64>,
}

impl RoundSpec {
    const DEFAULT_STEP: f64 = 1.0;
}

/// A round's current step.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Round {
    pub step: f64,
}

/// Rounds to the nearest multiple of `step`, halves away from zero.
#[inline]
fn round_to(v: f64, step: f64) -> f64 {
    (v / step).round() * step
}

impl EmitterKind for Round {
    type Spec = RoundSpec;
    const ADDS: bool = false;
    const NAME: &'static str = "round";
    const DOC: &'static str = "the incoming value rounded to a multiple of `step`, halves away from zero";
    const FIELDS: &'static [Field<RoundSpec>] = &[Field::<RoundSpec>::number("step", Rule::Positive, |s, v| {
        s.step = Some(v)
    })
    .doc("the multiple (> 0)")
    .default(DefaultValue::Number(RoundSpec::DEFAULT_STEP))];

    fn new(spec: &RoundSpec, _: GoDuration) -> Self {
        Round { step: spec.step.unwrap_or(RoundSpec::DEFAULT_STEP) }
    }

    fn reconfigure(&mut self, spec: &RoundSpec, _: GoDuration) {
        self.step = spec.step.unwrap_or(self.step);
    }

    #[inline(always)]
    fn apply(&self, v: &mut ChainValue, _: i64, _: &mut SeriesState, _: &mut impl RandomBits) {
        v.value = round_to(v.value, self.step);
    }

    fn range(&self, before: ValueRange) -> ValueRange {
        before.map(|v| round_to(v, self.step))
    }
}

#[cfg(test)]
mod tests {
    use super::round_to;

    #[test]
    fn halves_away_from_zero() {
        assert_eq!([2.5, -2.5, 2.4, 7.0].map(|v| round_to(v, 1.0)), [3.0, -3.0, 2.0, 7.0]);
        assert_eq!([12.5, 17.4, -12.5].map(|v| round_to(v, 5.0)), [15.0, 15.0, -15.0]);
        assert_eq!(round_to(0.37, 0.25), 0.25);
    }
}
