//! Points → `ExportMetricsServiceRequest` protobuf bytes.
//!
//! Everything about a stream that does not change between points (its resource,
//! scope, metric head and data point attributes) is encoded once, when the
//! stream first appears. A request then only writes timestamps and values
//! around those bytes. Points are grouped resource → scope → metric in the order
//! streams were defined (never hash order), so the same run gives the same bytes.
//! Sizes are computed in a first pass, so every length prefix is minimal.

use std::collections::BTreeMap;

use super::proto::{FIXED64, LEN, VARINT, key, len_field_size, put_bytes, put_fixed64, put_len_header, put_varint};
use crate::engine::{Point, PointValue, Stream};
use crate::scenario::{AttrValue, KeyValue, MetricKind};

/// The instrumentation scope name flutter reports.
pub const SCOPE_NAME: &str = "flutter";

/// OTLP `AGGREGATION_TEMPORALITY_CUMULATIVE`.
const CUMULATIVE: u64 = 2;

/// A point with the wall-clock time of its tick.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TimedPoint {
    /// OTLP `time_unix_nano`.
    pub time_unix_nanos: i64,
    /// The point.
    pub point: Point,
}

#[derive(Debug)]
struct ScopeGroup {
    /// `InstrumentationScope` message content.
    body: Vec<u8>,
}

#[derive(Debug)]
struct MetricGroup {
    resource: u32,
    scope: u32,
    /// `Metric` fields before the data: name, description, unit.
    head: Vec<u8>,
    kind: MetricKind,
}

#[derive(Debug)]
struct StreamCode {
    metric: u32,
    /// The data point's `attributes` fields, ready to copy.
    attrs: Vec<u8>,
}

/// Encodes points into OTLP requests; keeps the pre-encoded parts of every
/// stream it has seen.
#[derive(Debug, Default)]
pub struct Encoder {
    /// `Resource` message contents, by resource id.
    resources: Vec<Vec<u8>>,
    resource_ids: BTreeMap<Vec<u8>, u32>,
    scopes: Vec<ScopeGroup>,
    scope_ids: BTreeMap<(u32, Vec<u8>), u32>,
    metrics: Vec<MetricGroup>,
    metric_ids: BTreeMap<(u32, Vec<u8>, u8), u32>,
    streams: Vec<StreamCode>,
    /// Per request: the indices of its points, by metric id.
    buckets: Vec<Vec<u32>>,
    /// Per request: the metric ids that have points, in output order.
    touched: Vec<u32>,
    /// Per request: each touched metric's encoded size, and its data's.
    metric_sizes: Vec<(usize, usize)>,
}

impl Encoder {
    /// An encoder that has seen no stream yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Pre-encodes the streams it has not seen yet (streams only ever grow).
    pub fn add_streams(&mut self, streams: &[Stream<'_>]) {
        for s in streams.iter().skip(self.streams.len()) {
            let mut resource = Vec::new();
            put_attributes(&mut resource, 1, s.resource);
            let next = self.resources.len() as u32;
            let resource_id = *self.resource_ids.entry(resource.clone()).or_insert(next);
            if resource_id == next {
                self.resources.push(resource);
            }

            let mut scope = Vec::new();
            put_bytes(&mut scope, 1, SCOPE_NAME.as_bytes());
            put_attributes(&mut scope, 3, s.scope);
            let next = self.scopes.len() as u32;
            let scope_id = *self.scope_ids.entry((resource_id, scope.clone())).or_insert(next);
            if scope_id == next {
                self.scopes.push(ScopeGroup { body: scope });
            }

            let mut head = Vec::new();
            put_string(&mut head, 1, s.name);
            put_string(&mut head, 2, s.description);
            put_string(&mut head, 3, s.unit);
            let kind_tag = kind_tag(s.kind);
            let next = self.metrics.len() as u32;
            let metric_id = *self.metric_ids.entry((scope_id, head.clone(), kind_tag)).or_insert(next);
            if metric_id == next {
                self.metrics.push(MetricGroup { resource: resource_id, scope: scope_id, head, kind: s.kind });
                self.buckets.push(Vec::new());
            }

            let mut attrs = Vec::new();
            put_attributes(&mut attrs, 7, s.datapoint);
            self.streams.push(StreamCode { metric: metric_id, attrs });
        }
    }

    /// Appends one `ExportMetricsServiceRequest` holding `points` to `out`.
    /// Every point's stream must have been added with [`Encoder::add_streams`].
    pub fn encode(&mut self, points: &[TimedPoint], out: &mut Vec<u8>) {
        self.touched.clear();
        for (i, p) in points.iter().enumerate() {
            let metric = self.streams[p.point.stream as usize].metric;
            let bucket = &mut self.buckets[metric as usize];
            if bucket.is_empty() {
                self.touched.push(metric);
            }
            bucket.push(i as u32);
        }
        let metrics = &self.metrics;
        // Ids are given in definition order; this groups resource → scope → metric.
        self.touched.sort_unstable_by_key(|&m| (metrics[m as usize].resource, metrics[m as usize].scope, m));

        // First pass: the size of every touched metric.
        self.metric_sizes.clear();
        for &m in &self.touched {
            let group = &self.metrics[m as usize];
            let data = self.data_len(m, points) + kind_extra_len(group.kind);
            self.metric_sizes.push((group.head.len() + len_field_size(data), data));
        }

        // Second pass: write, one resource run and one scope run at a time.
        let mut i = 0;
        while i < self.touched.len() {
            let resource = self.metrics[self.touched[i] as usize].resource;
            let end = self.run_end(i, |g| g.resource == resource);
            let mut rm_len = len_field_size(self.resources[resource as usize].len());
            let mut j = i;
            while j < end {
                let scope_end = self.scope_run_end(j, end);
                rm_len += len_field_size(self.scope_len(j, scope_end));
                j = scope_end;
            }
            put_len_header(out, 1, rm_len);
            put_bytes(out, 1, &self.resources[resource as usize]);
            let mut j = i;
            while j < end {
                let scope_end = self.scope_run_end(j, end);
                self.write_scope(j, scope_end, points, out);
                j = scope_end;
            }
            i = end;
        }
        for &m in &self.touched {
            self.buckets[m as usize].clear();
        }
    }

    /// The end of the run of touched metrics from `start` whose groups match.
    fn run_end(&self, start: usize, same: impl Fn(&MetricGroup) -> bool) -> usize {
        let mut end = start;
        while end < self.touched.len() && same(&self.metrics[self.touched[end] as usize]) {
            end += 1;
        }
        end
    }

    fn scope_run_end(&self, start: usize, limit: usize) -> usize {
        let scope = self.metrics[self.touched[start] as usize].scope;
        self.run_end(start, |g| g.scope == scope).min(limit)
    }

    /// `ScopeMetrics` content size for touched metrics `from..to` (one scope).
    fn scope_len(&self, from: usize, to: usize) -> usize {
        let scope = self.metrics[self.touched[from] as usize].scope;
        let metrics: usize = self.metric_sizes[from..to].iter().map(|&(n, _)| len_field_size(n)).sum();
        len_field_size(self.scopes[scope as usize].body.len()) + metrics
    }

    fn write_scope(&self, from: usize, to: usize, points: &[TimedPoint], out: &mut Vec<u8>) {
        let scope = self.metrics[self.touched[from] as usize].scope;
        put_len_header(out, 2, self.scope_len(from, to));
        put_bytes(out, 1, &self.scopes[scope as usize].body);
        for k in from..to {
            let m = self.touched[k];
            let group = &self.metrics[m as usize];
            let (size, data) = self.metric_sizes[k];
            put_len_header(out, 2, size);
            out.extend_from_slice(&group.head);
            put_len_header(out, kind_tag(group.kind), data);
            for &p in &self.buckets[m as usize] {
                self.write_point(&points[p as usize], out);
            }
            if group.kind == MetricKind::Counter {
                out.push(key(2, VARINT));
                put_varint(out, CUMULATIVE);
                out.push(key(3, VARINT));
                out.push(1);
            }
        }
    }

    /// The size of metric `m`'s `data_points` fields in this request.
    fn data_len(&self, m: u32, points: &[TimedPoint]) -> usize {
        self.buckets[m as usize].iter().map(|&p| len_field_size(self.point_len(&points[p as usize]))).sum()
    }

    #[inline]
    fn point_len(&self, p: &TimedPoint) -> usize {
        // start, time and value: a key byte and 8 bytes each.
        self.streams[p.point.stream as usize].attrs.len() + 27
    }

    #[inline]
    fn write_point(&self, p: &TimedPoint, out: &mut Vec<u8>) {
        let code = &self.streams[p.point.stream as usize];
        put_len_header(out, 1, code.attrs.len() + 27);
        // Fields in tag order, as prost writes them: 2, 3, 4, then 7.
        put_fixed64(out, 2, p.point.start_unix_nanos as u64);
        put_fixed64(out, 3, p.time_unix_nanos as u64);
        match p.point.value {
            PointValue::Double(v) => put_fixed64(out, 4, v.to_bits()),
        }
        out.extend_from_slice(&code.attrs);
    }
}

/// The `Metric` field holding the data: 5 = gauge, 7 = sum.
const fn kind_tag(kind: MetricKind) -> u8 {
    match kind {
        MetricKind::Gauge => 5,
        MetricKind::Counter => 7,
    }
}

/// Bytes after the data points: a sum's temporality and monotonic flag.
const fn kind_extra_len(kind: MetricKind) -> usize {
    match kind {
        MetricKind::Gauge => 0,
        MetricKind::Counter => 4,
    }
}

/// A string field, left out when empty (proto3 default).
fn put_string(out: &mut Vec<u8>, field: u8, s: &str) {
    if !s.is_empty() {
        put_bytes(out, field, s.as_bytes());
    }
}

/// Each attribute as one `KeyValue` field numbered `field`.
fn put_attributes(out: &mut Vec<u8>, field: u8, attrs: &[KeyValue<'_>]) {
    for kv in attrs {
        put_bytes(out, field, &key_value(kv));
    }
}

fn key_value(kv: &KeyValue<'_>) -> Vec<u8> {
    let mut out = Vec::new();
    put_bytes(&mut out, 1, kv.key.as_bytes());
    put_bytes(&mut out, 2, &any_value(&kv.value));
    out
}

/// An `AnyValue` message's content.
fn any_value(v: &AttrValue<'_>) -> Vec<u8> {
    let mut out = Vec::new();
    match v {
        AttrValue::Str(s) => put_bytes(&mut out, 1, s.as_bytes()),
        AttrValue::Bool(b) => {
            out.push(key(2, VARINT));
            out.push(u8::from(*b));
        }
        AttrValue::Int(i) => {
            out.push(key(3, VARINT));
            // int64: negative values are sign-extended to ten bytes.
            put_varint(&mut out, *i as u64);
        }
        AttrValue::Double(d) => put_fixed64(&mut out, 4, d.to_bits()),
        AttrValue::Array(items) => {
            let mut array = Vec::new();
            for item in items.iter() {
                put_bytes(&mut array, 1, &any_value(item));
            }
            put_bytes(&mut out, 5, &array);
        }
        AttrValue::KvList(kvs) => {
            let mut list = Vec::new();
            put_attributes(&mut list, 1, kvs);
            put_bytes(&mut out, 6, &list);
        }
    }
    out
}

/// What an OTLP receiver answered in an `ExportMetricsServiceResponse`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PartialSuccess {
    /// Points the receiver rejected.
    pub rejected_points: i64,
    /// Its explanation.
    pub message: String,
}

/// Reads `partial_success` from a response body; `None` when there is none, or
/// the body is not a protobuf response (some receivers answer with text).
pub fn decode_partial_success(mut body: &[u8]) -> Option<PartialSuccess> {
    use super::proto::{get_varint, skip};
    let mut found = None;
    while !body.is_empty() {
        let k = get_varint(&mut body)?;
        let (field, wire) = (k >> 3, (k & 7) as u8);
        if field == 1 && wire == LEN {
            let n = usize::try_from(get_varint(&mut body)?).ok()?;
            let (mut inner, rest) = (body.get(..n)?, body.get(n..)?);
            body = rest;
            let mut ps = PartialSuccess::default();
            while !inner.is_empty() {
                let k = get_varint(&mut inner)?;
                match (k >> 3, (k & 7) as u8) {
                    (1, VARINT) => ps.rejected_points = get_varint(&mut inner)? as i64,
                    (2, LEN) => {
                        let n = usize::try_from(get_varint(&mut inner)?).ok()?;
                        ps.message = String::from_utf8_lossy(inner.get(..n)?).into_owned();
                        inner = inner.get(n..)?;
                    }
                    (_, w) => skip(&mut inner, w)?,
                }
            }
            found = Some(ps);
        } else {
            skip(&mut body, wire)?;
        }
    }
    found.filter(|ps| ps.rejected_points != 0 || !ps.message.is_empty())
}

// The key helpers above must agree with the wire types they write.
const _: () = assert!(key(2, FIXED64) == 0x11 && key(1, LEN) == 0x0a);
