//! Histogram aggregation: explicit buckets, and base-2 exponential buckets
//! that pick the largest scale at which every observation fits.

use std::collections::VecDeque;

/// Count, sum, min and max of a set of observations.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Summary {
    /// Observations.
    pub count: u64,
    /// Their sum.
    pub sum: f64,
    /// The smallest, when there was one.
    pub min: Option<f64>,
    /// The largest, when there was one.
    pub max: Option<f64>,
}

impl Summary {
    pub(crate) fn record(&mut self, v: f64) {
        self.count += 1;
        self.sum += v;
        self.min = Some(self.min.map_or(v, |m| m.min(v)));
        self.max = Some(self.max.map_or(v, |m| m.max(v)));
    }
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

    fn add(&mut self, index: i32) {
        if self.counts.is_empty() {
            self.offset = index;
            self.counts.push_back(1);
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
        self.counts[(index - self.offset) as usize] += 1;
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

    pub fn record(&mut self, v: f64) {
        self.summary.record(v);
        if v == 0.0 {
            self.zero_count += 1;
            return;
        }
        let mut index = map_to_index(v.abs(), self.scale);
        let range = if v > 0.0 { self.positive.range() } else { self.negative.range() };
        let (lo, hi) = range.map_or((index, index), |(lo, hi)| (lo.min(index), hi.max(index)));
        // The smallest downscale at which this sign's buckets fit in max_size.
        let mut by = 0u32;
        while i64::from((hi >> by) - (lo >> by)) + 1 > i64::from(self.max_size) {
            by += 1;
        }
        if by > 0 {
            self.scale -= by as i32;
            self.positive.downscale(by);
            self.negative.downscale(by);
            index >>= by;
        }
        if v > 0.0 { self.positive.add(index) } else { self.negative.add(index) }
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
    fn explicit_buckets_are_upper_inclusive() {
        let bounds = [0.0, 5.0, 10.0];
        let mut h = Explicit::new(&bounds);
        for v in [-1.0, 0.0, 0.1, 5.0, 7.0, 10.0, 10.5, 99.0] {
            h.record(&bounds, v);
        }
        assert_eq!(h.counts, vec![2, 2, 2, 2]);
        assert_eq!(h.summary, Summary { count: 8, sum: 130.6, min: Some(-1.0), max: Some(99.0) });
    }

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
