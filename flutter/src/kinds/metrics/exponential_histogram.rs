//! `exponentialHistogram`: observations around the chain's value, in base-2
//! exponential buckets at the largest scale at which every observation fits.

use std::collections::VecDeque;

use super::{
    MetricKindDef, Observations, Observer, PointInput, Rate, Sample, Temporality, Warnings, distribution_field,
    rate_field, read_distribution, read_rate, require_distribution, spread, temporality, temporality_changed,
    temporality_field,
};
use crate::batch::{DataModel, PointBuffer, PointValue, Summary};
use crate::distributions::{RandomBits, binomial, extreme_tail};
use crate::kinds::distribution::Distribution;
use crate::kinds::emitters::Problem;
use crate::scenario::read::Reader;
use crate::scenario::spec::{Context, CustomShape, DefaultValue, Field};
use crate::scenario::yaml::{Node, Value};

/// An exponential histogram's settings.
#[derive(Clone, Debug, Default, PartialEq)]
#[cfg_attr(feature = "bake", derive(serde::Serialize))]
pub struct ExponentialHistogramSpec<'a> {
    /// Running totals or per-interval values (fixed by the definition; default cumulative).
    pub temporality: Option<Temporality>,
    /// Observations per second (default 1).
    pub rate: Option<Rate<'a>>,
    /// How observations spread around the chain's value (required on definition).
    pub distribution: Option<Distribution>,
    /// Most buckets per sign (fixed by the definition; default 160).
    pub max_size: Option<u32>,
    /// Finest scale (fixed by the definition; default 20).
    pub max_scale: Option<i32>,
}

impl ExponentialHistogramSpec<'_> {
    /// The OTel SDK's default bucket count per sign.
    pub const DEFAULT_MAX_SIZE: u32 = 160;
    /// The OTel SDK's default (finest) scale.
    pub const DEFAULT_MAX_SCALE: i32 = 20;
    const MAX_SIZE_RANGE: (i64, i64) = (2, 16384);
    const MAX_SCALE_RANGE: (i64, i64) = (-10, 20);
}

type S = ExponentialHistogramSpec<'static>;
type F = Field<S>;

/// The `exponentialHistogram` kind.
#[derive(Debug)]
pub(crate) struct ExponentialHistogram;

/// An exponential histogram series' state.
#[derive(Clone, Debug)]
pub(crate) struct State {
    observer: Observer,
    max_size: u32,
    max_scale: i32,
    /// The observations since creation, or (delta) since the previous point.
    totals: Exponential,
}

impl MetricKindDef for ExponentialHistogram {
    type Spec = S;
    // Boxed: series of every kind sit in one array, sized by its largest state.
    type State<'r> = Box<State>;
    const NAME: &'static str = "exponentialHistogram";
    const DOC: &'static str = "count, sum, min, max and base-2 exponential bucket counts of observations around the \
                               chain's value, at the largest scale at which all fit (OTLP ExponentialHistogram)";
    const LOG_NAME: &'static str = "MetricExponentialHistogram";
    const DATA: DataModel = DataModel::ExponentialHistogram;
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
        F::custom("maxSize", integer(S::MAX_SIZE_RANGE), read_max_size)
            .doc("the most buckets per sign, 2 to 16384; fixed by the definition")
            .default(DefaultValue::Number(S::DEFAULT_MAX_SIZE as f64)),
        F::custom("maxScale", integer(S::MAX_SCALE_RANGE), read_max_scale)
            .doc("the finest scale, -10 to 20; fixed by the definition")
            .default(DefaultValue::Number(S::DEFAULT_MAX_SCALE as f64)),
    ];

    fn check(name: &str, spec: &S, fresh: bool) -> Option<Problem> {
        require_distribution(name, spec.distribution.is_some(), fresh)
    }

    fn changed(defined: &S, later: &S) -> Vec<&'static str> {
        let mut bad = Vec::new();
        if temporality_changed(defined.temporality, later.temporality) {
            bad.push("temporality");
        }
        if later.max_size.is_some() && later.max_size != defined.max_size {
            bad.push("maxSize");
        }
        if later.max_scale.is_some() && later.max_scale != defined.max_scale {
            bad.push("maxScale");
        }
        bad
    }

    fn temporality(spec: &S) -> Temporality {
        spec.temporality.unwrap_or_default()
    }

    fn max_buckets(spec: &S) -> u32 {
        spec.max_size.unwrap_or(S::DEFAULT_MAX_SIZE)
    }

    fn rate(spec: &S) -> Option<&Rate<'static>> {
        spec.rate.as_ref()
    }

    fn distribution(spec: &Self::Spec) -> Option<Distribution> {
        spec.distribution
    }

    fn new_state(spec: &S) -> Box<State> {
        let max_size = spec.max_size.unwrap_or(S::DEFAULT_MAX_SIZE);
        let max_scale = spec.max_scale.unwrap_or(S::DEFAULT_MAX_SCALE);
        let totals = Exponential::new(max_size, max_scale);
        Box::new(State { observer: Observer::new(spec.distribution), max_size, max_scale, totals })
    }

    fn reconfigure(state: &mut Box<State>, spec: &S) {
        state.observer.reconfigure(spec.distribution);
    }

    fn restart(state: &mut Box<State>) {
        state.totals = Exponential::new(state.max_size, state.max_scale);
    }

    const ACCRUES: bool = true;

    #[inline(never)]
    fn accrue(state: &mut Box<State>, sample: Sample, rng: &mut impl RandomBits, warnings: &mut Warnings) {
        let State { observer, totals, .. } = &mut **state;
        observer.observe(sample, rng, warnings, totals);
    }

    #[inline(never)]
    fn point(state: &mut Box<State>, input: PointInput, out: &mut PointBuffer) -> Option<PointValue> {
        let e = &state.totals;
        let value = e.summary.sum.is_finite().then(|| {
            out.exp_histogram(
                e.summary,
                e.scale,
                e.zero_count,
                (e.positive.offset, e.positive.counts.iter().copied()),
                (e.negative.offset, e.negative.counts.iter().copied()),
            )
        });
        if input.delta {
            state.totals = Exponential::new(state.max_size, state.max_scale);
        }
        value
    }
}

/// An integer field's shape, for docs and the schema.
const fn integer((min, max): (i64, i64)) -> CustomShape {
    CustomShape::Integer { min, max }
}

fn read_max_size(r: &mut Reader<'_>, n: &Node, _: &Context<'_>, spec: &mut S) -> Option<()> {
    let v = r.u64(n, "`maxSize`")?;
    let (lo, hi) = S::MAX_SIZE_RANGE;
    if !(lo as u64..=hi as u64).contains(&v) {
        r.error(n, format!("`maxSize` must be from {lo} to {hi}, found {v}"));
        return None;
    }
    spec.max_size = Some(v as u32);
    Some(())
}

fn read_max_scale(r: &mut Reader<'_>, n: &Node, _: &Context<'_>, spec: &mut S) -> Option<()> {
    let Value::Int(v) = n.value else {
        r.error(n, format!("`maxScale` must be an integer, found {}", n.value.kind()));
        return None;
    };
    let (lo, hi) = S::MAX_SCALE_RANGE;
    if !(i128::from(lo)..=i128::from(hi)).contains(&v) {
        r.error(n, format!("`maxScale` must be from {lo} to {hi}, found {v}"));
        return None;
    }
    spec.max_scale = Some(v as i32);
    Some(())
}

/// One sign's buckets: `counts[i]` is bucket `offset + i`.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Buckets {
    pub offset: i32,
    pub counts: VecDeque<u64>,
}

impl Buckets {
    fn range(&self) -> Option<(i32, i32)> {
        (!self.counts.is_empty()).then(|| (self.offset, self.offset + self.counts.len() as i32 - 1))
    }

    /// Adds `n` to bucket `index`.
    fn add(&mut self, index: i32, n: u64) {
        if self.counts.is_empty() {
            self.offset = index;
            self.counts.push_back(n);
            return;
        }
        while index < self.offset {
            self.counts.push_front(0);
            self.offset -= 1;
        }
        let end = self.offset + self.counts.len() as i32;
        for _ in end..=index {
            self.counts.push_back(0);
        }
        self.counts[(index - self.offset) as usize] += n;
    }

    /// Merges buckets pairwise `by` times (each halves the scale's resolution).
    fn downscale(&mut self, by: u32) {
        if by == 0 || self.counts.is_empty() {
            return;
        }
        let mut merged: VecDeque<u64> = VecDeque::new();
        let new_offset = self.offset >> by;
        for (i, c) in self.counts.iter().enumerate() {
            let idx = ((self.offset + i as i32) >> by) - new_offset;
            if idx as usize >= merged.len() {
                merged.resize(idx as usize + 1, 0);
            }
            merged[idx as usize] += c;
        }
        self.offset = new_offset;
        self.counts = merged;
    }
}

/// Observations in base-2 exponential buckets (OTLP ExponentialHistogram).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Exponential {
    pub summary: Summary,
    pub scale: i32,
    pub max_size: u32,
    pub zero_count: u64,
    pub positive: Buckets,
    pub negative: Buckets,
}

impl Exponential {
    pub fn new(max_size: u32, max_scale: i32) -> Self {
        Exponential {
            summary: Summary::default(),
            scale: max_scale,
            max_size,
            zero_count: 0,
            positive: Buckets::default(),
            negative: Buckets::default(),
        }
    }

    /// Lowers the scale until one sign's buckets, widened to hold the
    /// magnitudes `lo..=hi` (> 0), fit in `max_size`.
    fn fit(&mut self, positive: bool, lo: f64, hi: f64) {
        let (lo, hi) = (map_to_index(lo, self.scale), map_to_index(hi, self.scale));
        let range = if positive { self.positive.range() } else { self.negative.range() };
        let (lo, hi) = range.map_or((lo, hi), |(a, b)| (a.min(lo), b.max(hi)));
        // The smallest downscale at which this sign's buckets fit in max_size.
        let mut by = 0u32;
        while i64::from((hi >> by) - (lo >> by)) + 1 > i64::from(self.max_size) {
            by += 1;
        }
        if by > 0 {
            self.scale -= by as i32;
            self.positive.downscale(by);
            self.negative.downscale(by);
        }
    }

    /// `count` observations on one side of 0, with magnitudes in `[lo, hi]`
    /// (`lo > 0`), counted into buckets at once.
    /// (`law`: the distribution and its centre.)
    fn record_side(
        &mut self,
        positive: bool,
        count: u64,
        lo: f64,
        hi: f64,
        law: (Distribution, f64),
        rng: &mut impl RandomBits,
    ) {
        let (d, centre) = law;
        self.fit(positive, lo, hi);
        let (first, last) = (map_to_index(lo, self.scale), map_to_index(hi, self.scale));
        let factor = f64::from(self.scale).exp2();
        let edge = |i: i32| (f64::from(i) / factor).exp2();
        // Each bucket's magnitudes (base^i, base^(i+1)], cut to [lo, hi], as
        // increasing intervals of values.
        let mut intervals: Vec<(f64, f64, i32)> = (first..=last)
            .map(|i| {
                let a = if i == first { lo } else { edge(i) };
                let b = if i == last { hi } else { edge(i + 1) };
                if positive { (a, b, i) } else { (-b, -a, i) }
            })
            .collect();
        if !positive {
            intervals.reverse();
        }
        let spans: Vec<(f64, f64)> = intervals.iter().map(|&(a, b, _)| (a, b)).collect();
        let Exponential { summary, positive: pos, negative: neg, .. } = self;
        let buckets = if positive { pos } else { neg };
        spread(count, &spans, d, centre, rng, |k, c, sum| {
            buckets.add(intervals[k].2, c);
            summary.count += c;
            summary.sum += sum;
        });
    }
}

impl Observations for Exponential {
    fn record(&mut self, v: f64) {
        self.summary.record(v);
        if v == 0.0 {
            self.zero_count += 1;
            return;
        }
        let positive = v > 0.0;
        self.fit(positive, v.abs(), v.abs());
        let index = map_to_index(v.abs(), self.scale);
        if positive { self.positive.add(index, 1) } else { self.negative.add(index, 1) }
    }

    fn record_many(&mut self, count: u64, lo: f64, hi: f64, d: Distribution, centre: f64, rng: &mut impl RandomBits) {
        if lo == hi {
            // A degenerate distribution: every observation is the same value.
            for _ in 0..count.min(1) {
                self.record(lo);
            }
            if count > 1 {
                self.summary.count += count - 1;
                self.summary.sum += (count - 1) as f64 * lo;
                match lo.partial_cmp(&0.0) {
                    Some(std::cmp::Ordering::Greater) => self.positive.add(map_to_index(lo, self.scale), count - 1),
                    Some(std::cmp::Ordering::Less) => self.negative.add(map_to_index(-lo, self.scale), count - 1),
                    _ => self.zero_count += count - 1,
                }
            }
            return;
        }
        // How many fall below 0 (none is exactly 0: the distributions are continuous).
        let below = if hi <= 0.0 {
            count
        } else if lo >= 0.0 {
            0
        } else {
            let all = d.mass(centre, lo, hi);
            if all <= 0.0 { 0 } else { binomial(rng, count, d.mass(centre, lo, 0.0) / all) }
        };
        let (cut_lo, cut_hi) = (d.cdf(centre, lo), d.cdf(centre, hi));
        let at_zero = d.cdf(centre, 0.0);
        if below > 0 {
            // Magnitudes from the one nearest 0 (drawn exactly when the side reaches 0) to |lo|.
            let (mut n, mut near) = (below, -hi);
            if hi > 0.0 {
                near = -d.quantile(centre, at_zero - (at_zero - cut_lo) * extreme_tail(rng, below));
                self.record(-near);
                n -= 1;
            }
            if n > 0 {
                self.record_side(false, n, near, -lo, (d, centre), rng);
            }
        }
        let above = count - below;
        if above > 0 {
            let (mut n, mut near) = (above, lo);
            if lo < 0.0 {
                near = d.quantile(centre, at_zero + (cut_hi - at_zero) * extreme_tail(rng, above));
                self.record(near);
                n -= 1;
            }
            if n > 0 {
                self.record_side(true, n, near.max(f64::MIN_POSITIVE), hi, (d, centre), rng);
            }
        }
    }
}

/// The bucket of `v` > 0 at `scale`: bucket `i` holds `(base^i, base^(i+1)]`
/// with `base = 2^(2^-scale)`.
pub(crate) fn map_to_index(v: f64, scale: i32) -> i32 {
    let bits = v.to_bits();
    let exponent = ((bits >> 52) & 0x7ff) as i32;
    let mantissa = bits & ((1u64 << 52) - 1);
    if scale <= 0 {
        // Exact: from the binary exponent (powers of two belong to the bucket below).
        let e = if exponent == 0 {
            // Subnormal: v = mantissa × 2^-1074.
            -1074 + (63 - mantissa.leading_zeros() as i32)
        } else {
            exponent - 1023
        };
        let power_of_two = mantissa == 0 && exponent != 0 || exponent == 0 && mantissa.is_power_of_two();
        let e = if power_of_two { e - 1 } else { e };
        return e >> -scale;
    }
    if mantissa == 0 && exponent != 0 {
        // An exact power of two ends its bucket.
        return ((exponent - 1023) << scale) - 1;
    }
    let factor = f64::from(1u32 << scale);
    let mut index = (v.log2() * factor).ceil() as i32 - 1;
    // Correct floating-point error at bucket edges.
    let lower = |i: i32| (f64::from(i) / factor).exp2();
    if v <= lower(index) {
        index -= 1;
    } else if v > lower(index + 1) {
        index += 1;
    }
    index
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_mapping() {
        // Scale 0: buckets (1, 2], (2, 4], …; powers of two close their bucket.
        assert_eq!(map_to_index(1.0, 0), -1);
        assert_eq!(map_to_index(1.5, 0), 0);
        assert_eq!(map_to_index(2.0, 0), 0);
        assert_eq!(map_to_index(3.0, 0), 1);
        assert_eq!(map_to_index(0.75, 0), -1);
        assert_eq!(map_to_index(4.0, -1), 0);
        assert_eq!(map_to_index(5.0, -1), 1);
        // Scale 1: base √2.
        assert_eq!(map_to_index(2.0, 1), 1);
        assert_eq!(map_to_index(1.5, 1), 1);
        assert_eq!(map_to_index(1.4, 1), 0);
        assert_eq!(map_to_index(f64::MIN_POSITIVE / 4.0, 0), -1025);
        // Every index, checked against the bucket's definition.
        for scale in [1, 3, 8, 20] {
            for v in [1.000001, 1.1, 2.5, 3.7, 100.0, 0.003, 12345.678, 1e300, 1e-300] {
                let i = map_to_index(v, scale);
                let base = 2f64.powf(2f64.powi(-scale));
                assert!(base.powi(i) < v * (1.0 + 1e-12) && v <= base.powi(i + 1) * (1.0 + 1e-12), "{v} at {scale}");
            }
        }
    }

    #[test]
    fn exponential_picks_the_largest_scale_that_fits() {
        let mut h = Exponential::new(4, 20);
        for v in [1.0, 2.0, 4.0, 8.0, 16.0, 0.0, -3.0] {
            h.record(v);
        }
        // Buckets at scale 0 would be -1..3 (5 of them): one downscale.
        assert_eq!(h.scale, -1);
        let total: u64 = h.positive.counts.iter().chain(&h.negative.counts).sum::<u64>() + h.zero_count;
        assert_eq!(total, h.summary.count);
        assert_eq!(h.zero_count, 1);
        assert!(h.positive.counts.len() <= 4);
        assert_eq!(h.summary.count, 7);
        // Every positive value sits in the bucket its index says.
        let mut fresh = Exponential::new(160, 20);
        fresh.record(10.0);
        assert_eq!(fresh.scale, 20);
        fresh.record(10_000.0);
        assert!(fresh.scale < 20 && fresh.positive.counts.len() <= 160);
        assert_eq!(map_to_index(10.0, fresh.scale) - fresh.positive.offset, 0);
    }
}
