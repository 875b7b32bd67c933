//! Pre-encoding a stream when it first appears: its resource, scope and metric
//! head are shared with other streams (deduplicated by their bytes), its data
//! point attributes and histogram bounds kept as bytes to splice into points.

use super::super::common::put_attributes;
use super::super::proto::{VARINT, key, put_bytes, put_len_header, put_varint};
use super::super::tag;
use super::{Encoder, SCOPE_NAME};
use crate::batch::{DataModel, Stream};
use crate::scenario::Temporality;

/// The OTLP data message a metric holds, with what is fixed about it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum DataKind {
    Gauge,
    Sum { temporality: u64, monotonic: bool },
    Histogram { temporality: u64 },
    ExpHistogram { temporality: u64 },
}

impl DataKind {
    fn of(s: &Stream<'_>) -> DataKind {
        // AggregationTemporality: 1 delta, 2 cumulative.
        let temporality = match s.temporality {
            Temporality::Delta => 1,
            Temporality::Cumulative => 2,
        };
        match s.kind.data_model() {
            DataModel::Gauge => DataKind::Gauge,
            DataModel::Sum { monotonic } => DataKind::Sum { temporality, monotonic },
            DataModel::Histogram => DataKind::Histogram { temporality },
            DataModel::ExponentialHistogram => DataKind::ExpHistogram { temporality },
        }
    }

    /// The `Metric` field that holds the data.
    pub fn field(self) -> u8 {
        match self {
            DataKind::Gauge => tag::metric::GAUGE,
            DataKind::Sum { .. } => tag::metric::SUM,
            DataKind::Histogram { .. } => tag::metric::HISTOGRAM,
            DataKind::ExpHistogram { .. } => tag::metric::EXPONENTIAL_HISTOGRAM,
        }
    }

    /// The data message's fields after its data points.
    pub fn extra_len(self) -> usize {
        match self {
            DataKind::Gauge => 0,
            DataKind::Sum { monotonic, .. } => 2 + if monotonic { 2 } else { 0 },
            DataKind::Histogram { .. } | DataKind::ExpHistogram { .. } => 2,
        }
    }

    pub fn write_extra(self, out: &mut Vec<u8>) {
        match self {
            DataKind::Gauge => {}
            DataKind::Sum { temporality, monotonic } => {
                out.push(key(tag::data::AGGREGATION_TEMPORALITY, VARINT));
                put_varint(out, temporality);
                if monotonic {
                    out.push(key(tag::data::IS_MONOTONIC, VARINT));
                    out.push(1);
                }
            }
            DataKind::Histogram { temporality } | DataKind::ExpHistogram { temporality } => {
                out.push(key(tag::data::AGGREGATION_TEMPORALITY, VARINT));
                put_varint(out, temporality);
            }
        }
    }

    /// The field number of a data point's `attributes` in this kind's points.
    fn attributes_field(self) -> u8 {
        match self {
            DataKind::Gauge | DataKind::Sum { .. } => tag::number_point::ATTRIBUTES,
            DataKind::Histogram { .. } => tag::histogram_point::ATTRIBUTES,
            DataKind::ExpHistogram { .. } => tag::exp_histogram_point::ATTRIBUTES,
        }
    }
}

#[derive(Debug)]
pub(super) struct ScopeGroup {
    /// `InstrumentationScope` message content.
    pub body: Vec<u8>,
}

#[derive(Debug)]
pub(super) struct MetricGroup {
    pub resource: u32,
    pub scope: u32,
    /// `Metric` fields before the data: name, description, unit.
    pub head: Vec<u8>,
    pub data: DataKind,
}

/// A stream's pre-encoded parts: small and dense (12 bytes), because the
/// per-point loops read one for every point.
#[derive(Clone, Copy, Debug)]
pub(super) struct StreamCode {
    pub metric: u32,
    /// Where its data point's `attributes` fields (numbered for its data
    /// point type) start in the encoder's `stream_bytes`; they end where the
    /// next stream's start.
    pub attrs_start: u32,
    /// Its `explicit_bounds` field's index in the encoder's `bounds` (0, empty, for other types).
    pub bounds: u32,
}

impl Encoder {
    pub(super) fn add_stream(&mut self, s: &Stream<'_>) {
        let mut resource = Vec::new();
        put_attributes(&mut resource, tag::resource::ATTRIBUTES, &s.resource);
        let next = self.resources.len() as u32;
        let resource_id = *self.resource_ids.entry(resource.clone()).or_insert(next);
        if resource_id == next {
            self.resources.push(resource);
        }

        let mut scope = Vec::new();
        put_bytes(&mut scope, tag::scope::NAME, SCOPE_NAME.as_bytes());
        put_attributes(&mut scope, tag::scope::ATTRIBUTES, &s.scope);
        let next = self.scopes.len() as u32;
        let scope_id = *self.scope_ids.entry((resource_id, scope.clone())).or_insert(next);
        if scope_id == next {
            self.scopes.push(ScopeGroup { body: scope });
        }

        let mut head = Vec::new();
        put_string(&mut head, tag::metric::NAME, &s.name);
        put_string(&mut head, tag::metric::DESCRIPTION, s.description);
        put_string(&mut head, tag::metric::UNIT, s.unit);
        let data = DataKind::of(s);
        let next = self.metrics.len() as u32;
        let metric_id = *self.metric_ids.entry((scope_id, head.clone(), data)).or_insert(next);
        if metric_id == next {
            self.metrics.push(MetricGroup { resource: resource_id, scope: scope_id, head, data });
            self.buckets.push(Vec::new());
        }

        if self.bounds.is_empty() {
            self.bounds.push(Vec::new());
            self.bounds_ids.insert(Vec::new(), 0);
        }
        let mut bounds = Vec::new();
        if !s.bounds.is_empty() {
            put_len_header(&mut bounds, tag::histogram_point::EXPLICIT_BOUNDS, 8 * s.bounds.len());
            for b in s.bounds {
                bounds.extend_from_slice(&b.to_bits().to_le_bytes());
            }
        }
        let next = self.bounds.len() as u32;
        let bounds_id = *self.bounds_ids.entry(bounds.clone()).or_insert(next);
        if bounds_id == next {
            self.bounds.push(bounds);
        }

        let attrs_start = self.stream_bytes.len();
        put_attributes(&mut self.stream_bytes, data.attributes_field(), &s.datapoint);
        // Offsets fit u32 unless the streams' attributes alone pass 4 GiB.
        let attrs_start = u32::try_from(attrs_start).expect("pre-encoded stream attributes below 4 GiB");
        self.streams.push(StreamCode { metric: metric_id, attrs_start, bounds: bounds_id });
    }
}

/// A string field, left out when empty (proto3 default).
fn put_string(out: &mut Vec<u8>, field: u8, s: &str) {
    if !s.is_empty() {
        put_bytes(out, field, s.as_bytes());
    }
}

#[cfg(test)]
mod tests {
    /// What a million series cost the encoder beyond their attributes' bytes.
    #[test]
    fn a_streams_code_is_twelve_bytes() {
        assert_eq!(std::mem::size_of::<super::StreamCode>(), 12);
    }
}
