//! `upDownCounter`: a running total of a rate per second that may fall.

use super::{
    MetricKindDef, PointInput, Sample, SumState, Temporality, Warnings, temporality, temporality_changed,
    temporality_field,
};
use crate::batch::{DataModel, PointBuffer, PointValue};
use crate::distributions::RandomBits;
use crate::scenario::spec::Field;

/// An up-down counter's settings.
#[derive(Clone, Debug, Default, PartialEq)]
#[cfg_attr(feature = "bake", derive(serde::Serialize))]
pub struct UpDownCounterSpec {
    /// Running totals or per-interval values (fixed by the definition; default cumulative).
    pub temporality: Option<Temporality>,
}

/// The `upDownCounter` kind.
#[derive(Debug)]
pub(crate) struct UpDownCounter;

impl MetricKindDef for UpDownCounter {
    type Spec = UpDownCounterSpec;
    type State<'r> = SumState;
    const NAME: &'static str = "upDownCounter";
    const DOC: &'static str = "a running total of `rate × seconds`, which may fall (OTLP Sum, not monotonic)";
    const LOG_NAME: &'static str = "MetricUpDownCounter";
    const DATA: DataModel = DataModel::Sum { monotonic: false };
    const FIELDS: &'static [Field<UpDownCounterSpec>] = &[temporality_field(|s, i| s.temporality = temporality(i))];

    fn changed(defined: &UpDownCounterSpec, later: &UpDownCounterSpec) -> Vec<&'static str> {
        if temporality_changed(defined.temporality, later.temporality) { vec!["temporality"] } else { Vec::new() }
    }

    fn temporality(spec: &UpDownCounterSpec) -> Temporality {
        spec.temporality.unwrap_or_default()
    }

    fn new_state(spec: &Self::Spec) -> SumState {
        let _ = spec;
        SumState::default()
    }

    fn restart(sum: &mut SumState) {
        *sum = SumState::default();
    }

    const ACCRUES: bool = true;

    #[inline(always)]
    fn accrue(sum: &mut SumState, sample: Sample, _: &mut impl RandomBits, _: &mut Warnings) {
        sum.accrue(sample.value);
    }

    #[inline(always)]
    fn point(sum: &mut SumState, input: PointInput, _: &mut PointBuffer) -> Option<PointValue> {
        sum.point(input)
    }
}
