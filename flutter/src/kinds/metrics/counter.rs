//! `counter`: a monotonic running total of a rate per second.

use super::{
    MetricKindDef, PointInput, Sample, SumState, Temporality, Warnings, temporality, temporality_changed,
    temporality_field,
};
use crate::batch::{DataModel, PointBuffer, PointValue};
use crate::distributions::RandomBits;
use crate::scenario::spec::Field;

/// A counter's settings.
#[derive(Clone, Debug, Default, PartialEq)]
#[cfg_attr(feature = "bake", derive(serde::Serialize))]
pub struct CounterSpec {
    /// Running totals or per-interval values (fixed by the definition; default cumulative).
    pub temporality: Option<Temporality>,
}

/// The `counter` kind.
#[derive(Debug)]
pub(crate) struct Counter;

impl MetricKindDef for Counter {
    type Spec = CounterSpec;
    type State<'r> = SumState;
    const NAME: &'static str = "counter";
    const DOC: &'static str = "a running total of `max(rate, 0) × seconds`, the chain being a rate per second (OTLP \
                               Sum, monotonic)";
    const LOG_NAME: &'static str = "MetricCounter";
    const DATA: DataModel = DataModel::Sum { monotonic: true };
    const FIELDS: &'static [Field<CounterSpec>] = &[temporality_field(|s, i| s.temporality = temporality(i))];

    fn changed(defined: &CounterSpec, later: &CounterSpec) -> Vec<&'static str> {
        if temporality_changed(defined.temporality, later.temporality) { vec!["temporality"] } else { Vec::new() }
    }

    fn temporality(spec: &CounterSpec) -> Temporality {
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
        // A negative rate counts as 0.
        sum.accrue(sample.value.max(0.0));
    }

    #[inline(always)]
    fn point(sum: &mut SumState, input: PointInput, _: &mut PointBuffer) -> Option<PointValue> {
        sum.point(input)
    }
}
