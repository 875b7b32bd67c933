//! `scale`: a transform that multiplies the incoming value.

use super::{ChainValue, EmitterKind, SeriesState, ValueRange};
use crate::distributions::RandomBits;
use crate::go::duration::GoDuration;
use crate::scenario::spec::{DefaultValue, Field, Rule};

/// `scale`: the incoming value times `factor`.
#[derive(Clone, Debug, Default, PartialEq)]
#[cfg_attr(feature = "bake", derive(serde::Serialize))]
pub struct ScaleSpec {
    /// The multiplier (default 1).
    pub factor: Option<f64>,
}

impl ScaleSpec {
    const DEFAULT_FACTOR: f64 = 1.0;
}

/// A scale's current factor.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Scale {
    pub factor: f64,
}

impl EmitterKind for Scale {
    type Spec = ScaleSpec;
    const ADDS: bool = false;
    const NAME: &'static str = "scale";
    const DOC: &'static str = "the incoming value × `factor`";
    const FIELDS: &'static [Field<ScaleSpec>] = &[Field::<ScaleSpec>::number("factor", Rule::Any, |s, v| {
        s.factor = Some(v)
    })
    .doc("the multiplier")
    .default(DefaultValue::Number(ScaleSpec::DEFAULT_FACTOR))];

    fn new(spec: &ScaleSpec, _: GoDuration) -> Self {
        Scale { factor: spec.factor.unwrap_or(ScaleSpec::DEFAULT_FACTOR) }
    }

    fn reconfigure(&mut self, spec: &ScaleSpec, _: GoDuration) {
        self.factor = spec.factor.unwrap_or(self.factor);
    }

    #[inline(always)]
    fn apply(&self, v: &mut ChainValue, _: i64, _: &mut SeriesState, _: &mut impl RandomBits) {
        v.value *= self.factor;
    }

    fn range(&self, before: ValueRange) -> ValueRange {
        if self.factor == 0.0 { ValueRange::ZERO } else { before.map(|v| v * self.factor) }
    }
}
