//! `histogram`: observations around the chain's value, in explicit buckets.

use std::borrow::Cow;

use super::{
    MetricKindDef, Observer, PointInput, Rate, Temporality, Warnings, distribution_field, rate_field,
    read_distribution, read_rate, require_distribution, temporality, temporality_changed, temporality_field,
};
use crate::batch::{DataModel, PointBuffer, PointValue, Summary};
use crate::distributions::RandomBits;
use crate::go::float::go_float;
use crate::kinds::distribution::Distribution;
use crate::kinds::emitters::Problem;
use crate::scenario::read::Reader;
use crate::scenario::spec::{Context, Field};
use crate::scenario::yaml::Node;

/// An explicit-bucket histogram's settings.
#[derive(Clone, Debug, Default, PartialEq)]
#[cfg_attr(feature = "bake", derive(serde::Serialize))]
pub struct HistogramSpec<'a> {
    /// Running totals or per-interval values (fixed by the definition; default cumulative).
    pub temporality: Option<Temporality>,
    /// Observations per second (default 1).
    pub rate: Option<Rate<'a>>,
    /// How observations spread around the chain's value (required on definition).
    pub distribution: Option<Distribution>,
    /// Bucket bounds, strictly increasing (fixed by the definition; default the OTel SDK's).
    pub buckets: Option<Cow<'a, [f64]>>,
}

impl HistogramSpec<'_> {
    /// The OpenTelemetry SDK's default histogram bounds.
    pub const DEFAULT_BUCKETS: &'static [f64] =
        &[0.0, 5.0, 10.0, 25.0, 50.0, 75.0, 100.0, 250.0, 500.0, 750.0, 1000.0, 2500.0, 5000.0, 7500.0, 10000.0];
}

type F = Field<HistogramSpec<'static>>;

/// The `histogram` kind.
#[derive(Debug)]
pub(crate) struct Histogram;

/// A histogram series' state.
#[derive(Clone, Debug)]
pub(crate) struct State<'r> {
    observer: Observer,
    bounds: &'r [f64],
    delta: bool,
    /// Cumulative totals (delta histograms start afresh at every point).
    totals: Explicit,
}

impl MetricKindDef for Histogram {
    type Spec = HistogramSpec<'static>;
    // Boxed: series of every kind sit in one array, sized by its largest state.
    type State<'r> = Box<State<'r>>;
    const NAME: &'static str = "histogram";
    const DOC: &'static str = "count, sum, min, max and bucket counts of observations around the chain's value \
                               (OTLP Histogram)";
    const LOG_NAME: &'static str = "MetricHistogram";
    const DATA: DataModel = DataModel::Histogram;
    const HAS_RATE: bool = true;
    const FIELDS: &'static [F] = &[
        temporality_field(|s, i| s.temporality = temporality(i)),
        rate_field(|r, n, ctx, s| {
            s.rate = Some(read_rate(r, n, ctx)?);
            Some(())
        }),
        distribution_field(|r, n, _, s| {
            s.distribution = Some(read_distribution(r, n)?);
            Some(())
        }),
        F::custom("buckets", "list of numbers", read_buckets)
            .doc("bucket bounds, strictly increasing (default the OTel SDK's 0, 5, 10, 25, …, 10000); fixed by the definition"),
    ];

    fn check(name: &str, spec: &HistogramSpec<'static>, fresh: bool) -> Option<Problem> {
        require_distribution(name, spec.distribution.is_some(), fresh)
    }

    fn changed(defined: &HistogramSpec<'static>, later: &HistogramSpec<'static>) -> Vec<&'static str> {
        let mut bad = Vec::new();
        if temporality_changed(defined.temporality, later.temporality) {
            bad.push("temporality");
        }
        if later.buckets.is_some() && later.buckets != defined.buckets {
            bad.push("buckets");
        }
        bad
    }

    fn temporality(spec: &HistogramSpec<'static>) -> Temporality {
        spec.temporality.unwrap_or_default()
    }

    fn bounds(spec: &Self::Spec) -> &[f64] {
        spec.buckets.as_deref().unwrap_or(HistogramSpec::DEFAULT_BUCKETS)
    }

    fn rate(spec: &Self::Spec) -> Option<&Rate<'static>> {
        spec.rate.as_ref()
    }

    fn new_state<'r>(spec: &'r HistogramSpec<'static>) -> Box<State<'r>> {
        let bounds = Self::bounds(spec);
        Box::new(State {
            observer: Observer::new(spec.distribution),
            bounds,
            delta: spec.temporality == Some(Temporality::Delta),
            totals: Explicit::new(bounds),
        })
    }

    fn reconfigure<'r>(state: &mut Box<State<'r>>, spec: &'r HistogramSpec<'static>) {
        state.observer.reconfigure(spec.distribution);
    }

    #[inline(never)]
    fn point(
        state: &mut Box<State<'_>>,
        input: PointInput,
        rng: &mut impl RandomBits,
        out: &mut PointBuffer,
        warnings: &mut Warnings,
    ) -> PointValue {
        let State { observer, bounds, delta, totals } = &mut **state;
        if *delta {
            *totals = Explicit::new(bounds);
        }
        observer.observe(input, rng, warnings, |v| totals.record(bounds, v));
        out.histogram(totals.summary, totals.counts.iter().copied())
    }
}

/// Strictly increasing bucket bounds.
fn read_buckets(r: &mut Reader<'_>, n: &Node, _: &Context<'_>, spec: &mut HistogramSpec<'static>) -> Option<()> {
    let items = r.seq(n, "`buckets`")?;
    let mut bounds: Vec<f64> = Vec::with_capacity(items.len());
    for item in items {
        let v = r.float(item, "a bucket bound")?;
        if let Some(&last) = bounds.last()
            && v <= last
        {
            r.error(item, format!("bucket bounds must increase: {} comes after {}", go_float(v), go_float(last)));
            return None;
        }
        bounds.push(v);
    }
    spec.buckets = Some(Cow::Owned(bounds));
    Some(())
}

/// Observations in explicit buckets: bucket `i` counts `bounds[i-1] < v ≤ bounds[i]`
/// (the OTLP rule), the last one everything above the last bound.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Explicit {
    pub summary: Summary,
    pub counts: Vec<u64>,
}

impl Explicit {
    pub fn new(bounds: &[f64]) -> Self {
        Explicit { summary: Summary::default(), counts: vec![0; bounds.len() + 1] }
    }

    #[inline]
    pub fn record(&mut self, bounds: &[f64], v: f64) {
        self.counts[bounds.partition_point(|b| *b < v)] += 1;
        self.summary.record(v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explicit_buckets_are_upper_inclusive() {
        let bounds = [0.0, 5.0, 10.0];
        let mut h = Explicit::new(&bounds);
        for v in [-1.0, 0.0, 0.1, 5.0, 7.0, 10.0, 10.5, 99.0] {
            h.record(&bounds, v);
        }
        assert_eq!(h.counts, vec![2, 2, 2, 2]);
        assert_eq!(h.summary, Summary { count: 8, sum: 130.6, min: Some(-1.0), max: Some(99.0) });
    }
}
