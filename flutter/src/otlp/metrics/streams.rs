//! Pre-encoding a stream when it first appears: its resource, scope and metric
//! head are shared with other streams (deduplicated by their bytes), its data
//! point attributes and histogram bounds kept as bytes to splice into points.

use super::super::common::put_attributes;
use super::super::proto::{VARINT, key, put_bytes, put_len_header, put_varint};
use super::super::tag;
use super::{Encoder, NOT_TOUCHED, SCOPE_NAME};
use crate::batch::{DataModel, Stream};
use crate::scenario::Temporality;

/// The OTLP data message a metric holds, with what is fixed about it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum DataKind {
    Gauge,
    Sum { temporality: u8, monotonic: bool },
    Histogram { temporality: u8 },
    ExpHistogram { temporality: u8 },
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
                put_varint(out, temporality.into());
                if monotonic {
                    out.push(key(tag::data::IS_MONOTONIC, VARINT));
                    out.push(1);
                }
            }
            DataKind::Histogram { temporality } | DataKind::ExpHistogram { temporality } => {
                out.push(key(tag::data::AGGREGATION_TEMPORALITY, VARINT));
                put_varint(out, temporality.into());
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

/// One resource's `ScopeMetrics` of one scope.
#[derive(Clone, Copy, Debug)]
pub(super) struct ScopeGroup {
    /// Its `InstrumentationScope` message content, in the encoder's `scope_bodies`.
    pub body: u32,
}

/// One scope's `Metric` of one name and data type (small: a million series
/// that each have a resource of their own have a million of these).
#[derive(Clone, Copy, Debug)]
pub(super) struct MetricGroup {
    pub resource: u32,
    pub scope: u32,
    /// Its `Metric` fields before the data (name, description, unit), in the encoder's `heads`.
    pub head: u32,
    pub data: DataKind,
}

/// Byte strings, each kept once, back to back: by id, and found by their
/// bytes through their FNV-1a hash (no copy of the bytes as a key).
#[derive(Debug, Default)]
pub(super) struct Interned {
    bytes: Vec<u8>,
    /// Where each string starts; it ends where the next one starts.
    starts: Vec<u32>,
    /// Every string's (hash, id).
    index: std::collections::BTreeSet<(u64, u32)>,
}

impl Interned {
    /// The id of `bytes`, kept now if new.
    pub fn id(&mut self, bytes: &[u8]) -> u32 {
        let hash = crate::rng::fnv1a64_bytes(bytes);
        let same = self.index.range((hash, 0)..=(hash, u32::MAX)).find(|&&(_, id)| self.get(id) == bytes);
        if let Some(&(_, id)) = same {
            return id;
        }
        let id = u32::try_from(self.starts.len()).expect("fewer than 4 billion resources");
        let start = u32::try_from(self.bytes.len()).expect("the streams' resources below 4 GiB encoded");
        self.starts.push(start);
        self.bytes.extend_from_slice(bytes);
        self.index.insert((hash, id));
        id
    }

    /// String `id`.
    #[inline]
    pub fn get(&self, id: u32) -> &[u8] {
        let i = id as usize;
        let end = self.starts.get(i + 1).map_or(self.bytes.len(), |&e| e as usize);
        &self.bytes[self.starts[i] as usize..end]
    }
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
        let mut bytes = std::mem::take(&mut self.scratch);
        bytes.clear();
        put_attributes(&mut bytes, tag::resource::ATTRIBUTES, &s.resource);
        let resource_id = self.resources.id(&bytes);

        bytes.clear();
        put_bytes(&mut bytes, tag::scope::NAME, SCOPE_NAME.as_bytes());
        put_attributes(&mut bytes, tag::scope::ATTRIBUTES, &s.scope);
        let body = self.scope_bodies.id(&bytes);
        let next = self.scopes.len() as u32;
        let scope_id = *self.scope_ids.entry((resource_id, body)).or_insert(next);
        if scope_id == next {
            self.scopes.push(ScopeGroup { body });
        }

        bytes.clear();
        put_string(&mut bytes, tag::metric::NAME, &s.name);
        put_string(&mut bytes, tag::metric::DESCRIPTION, s.description);
        put_string(&mut bytes, tag::metric::UNIT, s.unit);
        let head = self.heads.id(&bytes);
        self.scratch = bytes;
        let data = DataKind::of(s);
        let next = self.metrics.len() as u32;
        let metric_id = *self.metric_ids.entry((scope_id, head, data)).or_insert(next);
        if metric_id == next {
            self.metrics.push(MetricGroup { resource: resource_id, scope: scope_id, head, data });
            self.bucket_of.push(NOT_TOUCHED);
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
        assert_eq!(std::mem::size_of::<super::MetricGroup>(), 16);
    }

    #[test]
    fn interned_strings_are_kept_once_each_in_order() {
        let mut interned = super::Interned::default();
        let ids: Vec<u32> = [&b"abc"[..], b"", b"abcd", b"abc", b""].iter().map(|b| interned.id(b)).collect();
        assert_eq!(ids, [0, 1, 2, 0, 1]);
        assert_eq!((interned.get(0), interned.get(1), interned.get(2)), (&b"abc"[..], &b""[..], &b"abcd"[..]));
    }
}
