//! `histogram`: observations around the chain's value, in explicit buckets.

use std::borrow::Cow;

use super::{
    MetricKindDef, Observations, Observer, PointInput, Rate, Sample, Temporality, Warnings, distribution_field,
    rate_field, read_distribution, read_rate, require_distribution, spread, temporality, temporality_changed,
    temporality_field,
};
use crate::batch::{DataModel, PointBuffer, PointValue, Summary};
use crate::distributions::RandomBits;
use crate::go::float::go_float;
use crate::kinds::distribution::Distribution;
use crate::kinds::emitters::Problem;
use crate::scenario::read::Reader;
use crate::scenario::spec::{Context, CustomShape, Field};
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
    /// The observations since creation, or (delta) since the previous point.
    totals: Explicit<'r>,
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
        F::custom("buckets", CustomShape::NumberList { non_empty: false }, read_buckets)
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

    fn distribution(spec: &Self::Spec) -> Option<Distribution> {
        spec.distribution
    }

    fn new_state<'r>(spec: &'r HistogramSpec<'static>) -> Box<State<'r>> {
        Box::new(State { observer: Observer::new(spec.distribution), totals: Explicit::new(Self::bounds(spec)) })
    }

    fn reconfigure<'r>(state: &mut Box<State<'r>>, spec: &'r HistogramSpec<'static>) {
        state.observer.reconfigure(spec.distribution);
    }

    fn restart(state: &mut Box<State<'_>>) {
        state.totals = Explicit::new(state.totals.bounds);
    }

    const ACCRUES: bool = true;

    #[inline(never)]
    fn accrue(state: &mut Box<State<'_>>, sample: Sample, rng: &mut impl RandomBits, warnings: &mut Warnings) {
        let State { observer, totals, .. } = &mut **state;
        observer.observe(sample, rng, warnings, totals);
    }

    #[inline(never)]
    fn point(state: &mut Box<State<'_>>, input: PointInput, out: &mut PointBuffer) -> Option<PointValue> {
        let totals = &mut state.totals;
        let value =
            totals.summary.sum.is_finite().then(|| out.histogram(totals.summary, totals.counts.iter().copied()));
        if input.delta {
            *totals = Explicit::new(totals.bounds);
        }
        value
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
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Explicit<'r> {
    pub bounds: &'r [f64],
    pub summary: Summary,
    pub counts: Vec<u64>,
}

impl<'r> Explicit<'r> {
    pub fn new(bounds: &'r [f64]) -> Self {
        Explicit { bounds, summary: Summary::default(), counts: vec![0; bounds.len() + 1] }
    }

    /// The bucket of `v`.
    fn bucket(&self, v: f64) -> usize {
        self.bounds.partition_point(|b| *b < v)
    }
}

impl Observations for Explicit<'_> {
    #[inline]
    fn record(&mut self, v: f64) {
        let i = self.bucket(v);
        self.counts[i] += 1;
        self.summary.record(v);
    }

    fn record_many(&mut self, count: u64, lo: f64, hi: f64, d: Distribution, centre: f64, rng: &mut impl RandomBits) {
        // The buckets from lo's to hi's, each cut to [lo, hi].
        let (first, last) = (self.bucket(lo), self.bucket(hi));
        let intervals: Vec<(f64, f64)> = (first..=last)
            .map(|i| {
                let a = if i == first { lo } else { self.bounds[i - 1] };
                let b = if i == last { hi } else { self.bounds[i] };
                (a, b)
            })
            .collect();
        let Explicit { summary, counts, .. } = self;
        spread(count, &intervals, d, centre, rng, |i, c, sum| {
            counts[first + i] += c;
            summary.count += c;
            summary.sum += sum;
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinds::metrics::Observer;
    use crate::rng::ChaChaStream;

    /// A minute at 10^9 observations a second: what is recorded is exactly
    /// what the Poisson draws gave, in count and in buckets, and consistent.
    #[test]
    fn a_billion_a_second_is_counted_exactly() {
        let bounds = [90.0, 95.0, 100.0, 105.0, 110.0];
        let mut h = Explicit::new(&bounds);
        let mut observer = Observer::new(Some(Distribution::Normal { std_dev: 5.0 }));
        let mut rng = ChaChaStream::new(1, "h", "observations", 0);
        let mut warnings = Vec::new();
        let mut drawn = 0;
        for _ in 0..60 {
            let sample = Sample { series: 0, value: 100.0, rate: 1e9 };
            drawn += observer.observe(sample, &mut rng, &mut warnings, &mut h);
        }
        assert!(warnings.is_empty());
        assert_eq!(h.summary.count, drawn);
        assert_eq!(h.counts.iter().sum::<u64>(), drawn);
        // Poisson(6·10^10): within 6 standard deviations.
        assert!((drawn as f64 - 6e10).abs() < 6.0 * 6e10f64.sqrt(), "{drawn}");
        let (min, max) = (h.summary.min.unwrap(), h.summary.max.unwrap());
        // The extremes of 6·10^10 normal draws lie about 6.7 standard deviations out.
        assert!((60.0..70.0).contains(&min) && (130.0..140.0).contains(&max), "{min} {max}");
        let mean = h.summary.sum / drawn as f64;
        assert!((mean - 100.0).abs() < 1e-3, "{mean}");
    }

    #[test]
    fn explicit_buckets_are_upper_inclusive() {
        let bounds = [0.0, 5.0, 10.0];
        let mut h = Explicit::new(&bounds);
        for v in [-1.0, 0.0, 0.1, 5.0, 7.0, 10.0, 10.5, 99.0] {
            h.record(v);
        }
        assert_eq!(h.counts, vec![2, 2, 2, 2]);
        assert_eq!(h.summary, Summary { count: 8, sum: 130.6, min: Some(-1.0), max: Some(99.0) });
    }
}
