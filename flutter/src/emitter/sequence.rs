//! `sequence`: walks a list written in Prometheus' rule-test notation.

use crate::scenario::{SeqStep, SequenceSpec};

/// What a sequence gives at a point.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum SeqValue {
    Value(f64),
    Missing,
    Stale,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Sequence<'r> {
    pub steps: &'r [SeqStep],
    pub repeat: bool,
}

impl<'r> Sequence<'r> {
    /// The loader guarantees `values` (non-empty) on definition.
    pub fn new(spec: &'r SequenceSpec<'static>) -> Self {
        let mut s = Sequence { steps: &[], repeat: false };
        s.reconfigure(spec);
        s
    }

    pub fn reconfigure(&mut self, spec: &'r SequenceSpec<'static>) {
        if let Some(values) = &spec.values {
            self.steps = values;
        }
        self.repeat = spec.repeat.unwrap_or(self.repeat);
    }

    /// The value at position (`step`, `within`), then moves the position on:
    /// after the last value it starts again, or stays on the last one.
    #[inline]
    pub fn next(&self, step: &mut u32, within: &mut u64) -> SeqValue {
        let Some(current) = self.steps.get(*step as usize) else { return SeqValue::Missing };
        let (value, count) = match *current {
            SeqStep::Values { start, step, count } => (SeqValue::Value(start + *within as f64 * step), count),
            SeqStep::Missing { count } => (SeqValue::Missing, count),
            SeqStep::Stale => (SeqValue::Stale, 1),
        };
        if *within + 1 < count {
            *within += 1;
        } else if (*step as usize) + 1 < self.steps.len() {
            *step += 1;
            *within = 0;
        } else if self.repeat {
            *step = 0;
            *within = 0;
        }
        value
    }
}
