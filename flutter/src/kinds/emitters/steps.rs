//! `steps`: a list of values, each held for `every` of simulated time since
//! the emitter was set, cycling or holding the last — the "CSV wave" of
//! dashboards' test data sources.

use std::borrow::Cow;
use std::sync::Arc;

use super::{ChainValue, EmitterKind, SeriesState, ValueRange};
use crate::distributions::RandomBits;
use crate::go::duration::GoDuration;
use crate::scenario::read::Reader;
use crate::scenario::spec::{Context, CustomShape, DefaultValue, DurationRule, Field};
use crate::scenario::yaml::Node;

/// `steps`: value number `floor(e / every)` of `values`, `e` the time since the
/// action that last set it.
#[derive(Clone, Debug, Default, PartialEq)]
#[cfg_attr(feature = "bake", derive(serde::Serialize))]
pub struct StepsSpec<'a> {
    /// The values, in order (required on definition, at least one).
    pub values: Option<Cow<'a, [f64]>>,
    /// How long each value holds (required on definition, > 0).
    pub every: Option<GoDuration>,
    /// Start again after the last value (default true), or hold it.
    pub repeat: Option<bool>,
}

impl StepsSpec<'_> {
    const DEFAULT_REPEAT: bool = true;
}

type F = Field<StepsSpec<'static>>;

/// A `steps` emitter's current configuration; times in nanoseconds since tick 0.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Steps {
    values: Arc<[f64]>,
    every_ns: i64,
    repeat: bool,
    /// The time of the action that last set it.
    at_ns: i64,
}

impl Steps {
    /// The value at `t_ns`.
    #[inline]
    fn value_at(&self, t_ns: i64) -> f64 {
        let Some(&last) = self.values.last() else { return 0.0 };
        // Whole steps since the action (none before it).
        let step = (t_ns - self.at_ns).max(0) / self.every_ns;
        let len = self.values.len() as i64;
        let index = if self.repeat { step % len } else { step.min(len - 1) };
        self.values.get(index as usize).copied().unwrap_or(last)
    }
}

impl EmitterKind for Steps {
    type Spec = StepsSpec<'static>;
    const NAME: &'static str = "steps";
    const DOC: &'static str = "each of `values` in turn, held for `every` of simulated time since the emitter was \
                               set; cycling (`repeat: true`) or holding the last; stateless";
    const FIELDS: &'static [F] = &[
        F::custom("values", CustomShape::NumberList { non_empty: true }, read_values)
            .doc("the values, in order (at least one)")
            .required("values: [10, 50, 20]"),
        F::duration("every", DurationRule::Positive, |s, v| s.every = Some(v))
            .doc("how long each value holds (> 0)")
            .label("steps `every`")
            .required("every: 1m"),
        F::boolean("repeat", |s, v| s.repeat = Some(v))
            .doc("start again after the last value (otherwise hold it)")
            .default(DefaultValue::Bool(StepsSpec::DEFAULT_REPEAT)),
    ];

    /// The loader guarantees `values` and `every` on definition.
    fn new(spec: &StepsSpec<'static>, at: GoDuration) -> Self {
        let mut s = Steps { values: Arc::new([]), every_ns: 1, repeat: StepsSpec::DEFAULT_REPEAT, at_ns: 0 };
        s.reconfigure(spec, at);
        s
    }

    /// Given fields replace the current ones; the steps count again from `at`.
    fn reconfigure(&mut self, spec: &StepsSpec<'static>, at: GoDuration) {
        if let Some(values) = &spec.values {
            self.values = Arc::from(values.as_ref());
        }
        self.every_ns = spec.every.map_or(self.every_ns, GoDuration::as_nanos);
        self.repeat = spec.repeat.unwrap_or(self.repeat);
        self.at_ns = at.as_nanos();
    }

    #[inline(always)]
    fn apply(&self, v: &mut ChainValue, t_ns: i64, _: &mut SeriesState, _: &mut impl RandomBits) {
        v.value += self.value_at(t_ns);
    }

    fn range(&self, before: ValueRange) -> ValueRange {
        let (lo, hi) = self.values.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &v| (l.min(v), h.max(v)));
        if lo > hi { before } else { before.plus(ValueRange { lo, hi }) }
    }
}

/// `values`: a non-empty list of finite numbers.
fn read_values(r: &mut Reader<'_>, n: &Node, _: &Context<'_>, spec: &mut StepsSpec<'static>) -> Option<()> {
    let items = r.seq(n, "`values`")?;
    if items.is_empty() {
        r.error(n, "steps `values` needs at least one value, e.g. `[10, 50, 20]`");
        return None;
    }
    let mut values = Vec::with_capacity(items.len());
    let mut ok = true;
    for item in items {
        match r.float(item, "a steps value") {
            Some(v) => values.push(v),
            None => ok = false,
        }
    }
    spec.values = Some(Cow::Owned(values));
    ok.then_some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: i64) -> i64 {
        s * 1_000_000_000
    }

    fn steps(values: &[f64], every: i64, repeat: bool, at: i64) -> Steps {
        Steps { values: Arc::from(values), every_ns: secs(every), repeat, at_ns: secs(at) }
    }

    #[test]
    fn each_value_holds_for_every_then_cycles() {
        let s = steps(&[10.0, 50.0, 20.0], 60, true, 0);
        let at = |t| s.value_at(secs(t));
        assert_eq!([0, 59, 60, 119, 120, 179, 180, 245].map(at), [10.0, 10.0, 50.0, 50.0, 20.0, 20.0, 10.0, 50.0]);
    }

    #[test]
    fn without_repeat_the_last_value_holds() {
        let s = steps(&[1.0, 2.0], 10, false, 0);
        assert_eq!([0, 10, 20, 1000].map(|t| s.value_at(secs(t))), [1.0, 2.0, 2.0, 2.0]);
    }

    #[test]
    fn time_counts_from_the_action_that_set_it() {
        let mut s = steps(&[1.0, 2.0, 3.0], 10, true, 0);
        let spec = StepsSpec { values: Some(Cow::Borrowed(&[5.0, 6.0])), every: None, repeat: None };
        // Reconfigured at 25 s: 5 from 25 s, 6 from 35 s, 5 again from 45 s.
        s.reconfigure(&spec, GoDuration::from_secs(25));
        assert_eq!([25, 34, 35, 45].map(|t| s.value_at(secs(t))), [5.0, 5.0, 6.0, 5.0]);
        // An action between ticks: at 2.5 s, the first step ends at 12.5 s.
        let late = Steps { at_ns: 2_500_000_000, ..steps(&[1.0, 2.0], 10, true, 0) };
        assert_eq!([3, 12, 13].map(|t| late.value_at(secs(t))), [1.0, 1.0, 2.0]);
    }
}
