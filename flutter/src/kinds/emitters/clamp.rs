//! `clamp`: a transform that limits the incoming value to `[min, max]`.

use super::{ChainValue, EmitterKind, Problem, SeriesState, ValueRange};
use crate::distributions::RandomBits;
use crate::go::duration::GoDuration;
use crate::go::float::go_float;
use crate::scenario::spec::{Field, Rule};

/// `clamp`: the incoming value limited to `[min, max]`.
#[derive(Clone, Debug, Default, PartialEq)]
#[cfg_attr(feature = "bake", derive(serde::Serialize))]
pub struct ClampSpec {
    /// Lower limit.
    pub min: Option<f64>,
    /// Upper limit.
    pub max: Option<f64>,
}

type F = Field<ClampSpec>;

/// A clamp's current limits.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Clamp {
    pub min: Option<f64>,
    pub max: Option<f64>,
}

impl Clamp {
    #[inline]
    pub fn limit(&self, v: f64) -> f64 {
        let v = self.min.map_or(v, |m| v.max(m));
        self.max.map_or(v, |m| v.min(m))
    }
}

impl EmitterKind for Clamp {
    type Spec = ClampSpec;
    const ADDS: bool = false;
    const NAME: &'static str = "clamp";
    const DOC: &'static str = "the incoming value clamped to `[min, max]` (at least one of them)";
    const FIELDS: &'static [F] = &[
        F::number("min", Rule::Any, |s, v| s.min = Some(v)).doc("the lower limit"),
        F::number("max", Rule::Any, |s, v| s.max = Some(v)).doc("the upper limit"),
    ];

    /// A definition needs a limit; across reconfigurations `min` never passes `max`.
    fn check(name: &str, spec: &ClampSpec, kept: &mut ClampSpec, fresh: bool) -> Option<Problem> {
        if fresh && spec.min.is_none() && spec.max.is_none() {
            return Some(Problem { keys: &[], message: format!("clamp `{name}` needs `min` or `max` (or both)") });
        }
        kept.min = spec.min.or(kept.min);
        kept.max = spec.max.or(kept.max);
        match (kept.min, kept.max) {
            (Some(lo), Some(hi)) if lo > hi => Some(Problem {
                keys: &["min", "max"],
                message: format!("clamp `{name}` would have `min` {} above `max` {}", go_float(lo), go_float(hi)),
            }),
            _ => None,
        }
    }

    fn new(spec: &ClampSpec, _: GoDuration) -> Self {
        Clamp { min: spec.min, max: spec.max }
    }

    fn reconfigure(&mut self, spec: &ClampSpec, _: GoDuration) {
        self.min = spec.min.or(self.min);
        self.max = spec.max.or(self.max);
    }

    #[inline(always)]
    fn apply(&self, v: &mut ChainValue, _: i64, _: &mut SeriesState, _: &mut impl RandomBits) {
        v.value = self.limit(v.value);
    }

    fn range(&self, before: ValueRange) -> ValueRange {
        before.map(|v| self.limit(v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits() {
        let c = Clamp { min: Some(0.0), max: Some(10.0) };
        assert_eq!([-1.0, 5.5, 11.0].map(|v| c.limit(v)), [0.0, 5.5, 10.0]);
        let only_max = Clamp { min: None, max: Some(3.0) };
        assert_eq!(only_max.limit(-7.0), -7.0);
    }
}
