//! `abs`: a transform that gives the incoming value's magnitude.

use super::{ChainValue, EmitterKind, SeriesState, ValueRange};
use crate::distributions::RandomBits;
use crate::go::duration::GoDuration;
use crate::scenario::spec::Field;

/// `abs`: |incoming|; it has no fields.
#[derive(Clone, Debug, Default, PartialEq)]
#[cfg_attr(feature = "bake", derive(serde::Serialize))]
pub struct AbsSpec {}

/// The `abs` transform.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Abs;

impl EmitterKind for Abs {
    type Spec = AbsSpec;
    const ADDS: bool = false;
    const NAME: &'static str = "abs";
    const DOC: &'static str = "|incoming|";
    const FIELDS: &'static [Field<AbsSpec>] = &[];

    fn new(_: &AbsSpec, _: GoDuration) -> Self {
        Abs
    }

    fn reconfigure(&mut self, _: &AbsSpec, _: GoDuration) {}

    #[inline(always)]
    fn apply(&self, v: &mut ChainValue, _: i64, _: &mut SeriesState, _: &mut impl RandomBits) {
        v.value = v.value.abs();
    }

    fn range(&self, before: ValueRange) -> ValueRange {
        let (lo, hi) = (before.lo.abs(), before.hi.abs());
        if before.lo <= 0.0 && before.hi >= 0.0 { ValueRange { lo: 0.0, hi: lo.max(hi) } } else { ValueRange::between(lo, hi) }
    }
}
