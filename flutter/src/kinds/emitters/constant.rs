//! `constant`: adds a fixed value; reconfiguring jumps at once.

use super::{ChainValue, EmitterKind, SeriesState, ValueRange};
use crate::distributions::RandomBits;
use crate::go::duration::GoDuration;
use crate::scenario::spec::{DefaultValue, Field, Rule};

/// `constant`: adds `value`.
#[derive(Clone, Debug, Default, PartialEq)]
#[cfg_attr(feature = "bake", derive(serde::Serialize))]
pub struct ConstantSpec {
    /// The value added (default 0).
    pub value: Option<f64>,
}

impl ConstantSpec {
    const DEFAULT_VALUE: f64 = 0.0;
}

/// A constant emitter's current configuration.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Constant {
    pub value: f64,
}

impl EmitterKind for Constant {
    type Spec = ConstantSpec;
    const NAME: &'static str = "constant";
    const DOC: &'static str = "adds `value`; reconfiguring jumps at once";
    const FIELDS: &'static [Field<ConstantSpec>] = &[Field::<ConstantSpec>::number("value", Rule::Any, |s, v| {
        s.value = Some(v)
    })
    .doc("the value added")
    .default(DefaultValue::Number(ConstantSpec::DEFAULT_VALUE))];

    fn new(spec: &ConstantSpec, _: GoDuration) -> Self {
        Constant { value: spec.value.unwrap_or(ConstantSpec::DEFAULT_VALUE) }
    }

    fn reconfigure(&mut self, spec: &ConstantSpec, _: GoDuration) {
        self.value = spec.value.unwrap_or(self.value);
    }

    #[inline(always)]
    fn apply(&self, v: &mut ChainValue, _: i64, _: &mut SeriesState, _: &mut impl RandomBits) {
        v.value += self.value;
    }

    fn range(&self, before: ValueRange) -> ValueRange {
        before.plus(ValueRange::between(self.value, self.value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_and_overlay() {
        let mut c = Constant::new(&ConstantSpec { value: None }, GoDuration::ZERO);
        assert_eq!(c.value, 0.0);
        c.reconfigure(&ConstantSpec { value: Some(10.5) }, GoDuration::ZERO);
        assert_eq!(c.value, 10.5);
        c.reconfigure(&ConstantSpec { value: None }, GoDuration::ZERO);
        assert_eq!(c.value, 10.5);
    }
}
