//! Points → `ExportMetricsServiceRequest` protobuf bytes.
//!
//! Everything about a stream that does not change between points (its resource,
//! scope, metric head, data point attributes, histogram bounds) is encoded once,
//! when the stream first appears. A request then only writes timestamps and
//! values around those bytes. Points are grouped resource → scope → metric in
//! the order streams were defined (never hash order), so the same run gives the
//! same bytes. Sizes are computed in a first pass, so every length prefix is
//! minimal, and fields are written as prost writes them (in tag order, proto3
//! defaults left out): the bytes are canonical.

use std::collections::BTreeMap;

use super::proto::{
    FIXED64, LEN, VARINT, key, len_field_size, put_bytes, put_fixed64, put_len_header, put_varint, varint_len,
};
use crate::engine::{Batch, ExpHistogramPoint, HistogramPoint, Point, PointValue, Stream};
use crate::scenario::{AttrValue, KeyValue, MetricKind, Temporality};

/// The instrumentation scope name flutter reports.
pub const SCOPE_NAME: &str = "flutter";

/// OTLP `DataPointFlags.FLAG_NO_RECORDED_VALUE_MASK`.
pub const FLAG_NO_RECORDED_VALUE: u64 = 1;

/// A point with the wall-clock time of its tick.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TimedPoint {
    /// OTLP `time_unix_nano`.
    pub time_unix_nanos: i64,
    /// The point; histogram values index into the [`PointData`] encoded with it.
    pub point: Point,
}

/// Histogram data that points refer to.
#[derive(Clone, Copy, Debug, Default)]
pub struct PointData<'a> {
    /// Explicit histograms.
    pub histograms: &'a [HistogramPoint],
    /// Exponential histograms.
    pub exp_histograms: &'a [ExpHistogramPoint],
    /// Bucket counts of both.
    pub bucket_counts: &'a [u64],
}

impl<'a> PointData<'a> {
    /// The data of a batch.
    pub fn of(batch: &Batch<'a>) -> Self {
        PointData {
            histograms: batch.histograms,
            exp_histograms: batch.exp_histograms,
            bucket_counts: batch.bucket_counts,
        }
    }
}

/// The OTLP data message a metric holds, with what is fixed about it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum DataKind {
    Gauge,
    Sum { temporality: u64, monotonic: bool },
    Histogram { temporality: u64 },
    ExpHistogram { temporality: u64 },
}

impl DataKind {
    fn of(s: &Stream<'_>) -> DataKind {
        let temporality = match s.temporality {
            Temporality::Delta => 1,
            Temporality::Cumulative => 2,
        };
        match s.kind {
            MetricKind::Gauge => DataKind::Gauge,
            MetricKind::Counter => DataKind::Sum { temporality, monotonic: true },
            MetricKind::UpDownCounter => DataKind::Sum { temporality, monotonic: false },
            MetricKind::Histogram => DataKind::Histogram { temporality },
            MetricKind::ExponentialHistogram => DataKind::ExpHistogram { temporality },
        }
    }

    /// The `Metric` field that holds the data.
    fn field(self) -> u8 {
        match self {
            DataKind::Gauge => 5,
            DataKind::Sum { .. } => 7,
            DataKind::Histogram { .. } => 9,
            DataKind::ExpHistogram { .. } => 10,
        }
    }

    /// The data message's fields after its data points.
    fn extra_len(self) -> usize {
        match self {
            DataKind::Gauge => 0,
            DataKind::Sum { monotonic, .. } => 2 + if monotonic { 2 } else { 0 },
            DataKind::Histogram { .. } | DataKind::ExpHistogram { .. } => 2,
        }
    }

    fn write_extra(self, out: &mut Vec<u8>) {
        match self {
            DataKind::Gauge => {}
            DataKind::Sum { temporality, monotonic } => {
                out.push(key(2, VARINT));
                put_varint(out, temporality);
                if monotonic {
                    out.push(key(3, VARINT));
                    out.push(1);
                }
            }
            DataKind::Histogram { temporality } | DataKind::ExpHistogram { temporality } => {
                out.push(key(2, VARINT));
                put_varint(out, temporality);
            }
        }
    }
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
    data: DataKind,
}

/// A stream's pre-encoded parts, as ranges of [`Encoder::stream_bytes`]: small
/// and dense, because the per-point loops read one for every point.
#[derive(Clone, Copy, Debug)]
struct StreamCode {
    metric: u32,
    /// The data point's `attributes` fields (numbered for its data point type).
    attrs_start: u32,
    attrs_len: u32,
    /// An explicit histogram's `explicit_bounds` field (empty for other types).
    bounds_start: u32,
    bounds_len: u32,
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
    metric_ids: BTreeMap<(u32, Vec<u8>, DataKind), u32>,
    streams: Vec<StreamCode>,
    /// Every stream's pre-encoded attributes and bounds, back to back.
    stream_bytes: Vec<u8>,
    /// Per request: the indices of its points, by metric id.
    buckets: Vec<Vec<u32>>,
    /// Per request: the metric ids that have points, in output order.
    touched: Vec<u32>,
    /// Per request: each touched metric's encoded size, and its data's.
    metric_sizes: Vec<(usize, usize)>,
    /// Per request: each point's encoded size, by its index (measured once, used twice).
    point_lens: Vec<u32>,
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
            let data = DataKind::of(s);
            let next = self.metrics.len() as u32;
            let metric_id = *self.metric_ids.entry((scope_id, head.clone(), data)).or_insert(next);
            if metric_id == next {
                self.metrics.push(MetricGroup { resource: resource_id, scope: scope_id, head, data });
                self.buckets.push(Vec::new());
            }

            let attrs_field = match data {
                DataKind::Gauge | DataKind::Sum { .. } => 7,
                DataKind::Histogram { .. } => 9,
                DataKind::ExpHistogram { .. } => 1,
            };
            let bytes = &mut self.stream_bytes;
            let attrs_start = bytes.len();
            put_attributes(bytes, attrs_field, s.datapoint);
            let bounds_start = bytes.len();
            if !s.bounds.is_empty() {
                put_len_header(bytes, 7, 8 * s.bounds.len());
                for b in s.bounds {
                    bytes.extend_from_slice(&b.to_bits().to_le_bytes());
                }
            }
            let end = bytes.len();
            // Offsets fit u32 unless the streams' attributes alone pass 4 GiB.
            let offset = |n: usize| u32::try_from(n).expect("pre-encoded stream attributes below 4 GiB");
            self.streams.push(StreamCode {
                metric: metric_id,
                attrs_start: offset(attrs_start),
                attrs_len: offset(bounds_start - attrs_start),
                bounds_start: offset(bounds_start),
                bounds_len: offset(end - bounds_start),
            });
        }
    }

    /// Appends one `ExportMetricsServiceRequest` holding `points` to `out`.
    /// Every point's stream must have been added with [`Encoder::add_streams`],
    /// and its histogram data must be in `data`.
    pub fn encode(&mut self, points: &[TimedPoint], data: PointData<'_>, out: &mut Vec<u8>) {
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

        // First pass: the size of every point and every touched metric.
        let mut point_lens = std::mem::take(&mut self.point_lens);
        point_lens.clear();
        point_lens.extend(points.iter().map(|p| self.point_len(p, &data) as u32));
        self.point_lens = point_lens;
        self.metric_sizes.clear();
        let mut total = 0;
        for &m in &self.touched {
            let group = &self.metrics[m as usize];
            let points_len: usize =
                self.buckets[m as usize].iter().map(|&p| len_field_size(self.point_lens[p as usize] as usize)).sum();
            let data_len = points_len + group.data.extra_len();
            let size = group.head.len() + len_field_size(data_len);
            total += len_field_size(size);
            self.metric_sizes.push((size, data_len));
        }
        // The metrics, and room for typical resource and scope wrappers: usually one allocation.
        out.reserve(total + self.touched.len() * 64);

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
                self.write_scope(j, scope_end, points, &data, out);
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

    fn write_scope(&self, from: usize, to: usize, points: &[TimedPoint], data: &PointData<'_>, out: &mut Vec<u8>) {
        let scope = self.metrics[self.touched[from] as usize].scope;
        put_len_header(out, 2, self.scope_len(from, to));
        put_bytes(out, 1, &self.scopes[scope as usize].body);
        for k in from..to {
            let m = self.touched[k];
            let group = &self.metrics[m as usize];
            let (size, data_len) = self.metric_sizes[k];
            put_len_header(out, 2, size);
            out.extend_from_slice(&group.head);
            put_len_header(out, group.data.field(), data_len);
            for &p in &self.buckets[m as usize] {
                self.write_point(&points[p as usize], self.point_lens[p as usize] as usize, data, out);
            }
            group.data.write_extra(out);
        }
    }

    /// A data point message's content size.
    #[inline]
    fn point_len(&self, p: &TimedPoint, data: &PointData<'_>) -> usize {
        let code = self.streams[p.point.stream as usize];
        let times = fixed_len(p.point.start_unix_nanos) + fixed_len(p.time_unix_nanos);
        let attrs = code.attrs_len as usize;
        match p.point.value {
            PointValue::Double(_) | PointValue::Int(_) => times + 9 + attrs,
            // A stale explicit histogram point still carries its bounds.
            PointValue::Stale => times + attrs + 2 + code.bounds_len as usize,
            PointValue::Histogram(i) => {
                let h = &data.histograms[i as usize];
                let counts = h.counts.len as usize;
                times
                    + fixed_len_u(h.summary.count)
                    + 9
                    + if counts > 0 { len_field_size(8 * counts) } else { 0 }
                    + code.bounds_len as usize
                    + attrs
                    + min_max_len(&h.summary)
            }
            PointValue::ExpHistogram(i) => {
                let h = &data.exp_histograms[i as usize];
                attrs
                    + times
                    + fixed_len_u(h.summary.count)
                    + 9
                    + if h.scale != 0 { 1 + varint_len(zigzag(h.scale)) } else { 0 }
                    + fixed_len_u(h.zero_count)
                    + len_field_size(buckets_len(h.positive_offset, h.positive.of(data.bucket_counts)))
                    + len_field_size(buckets_len(h.negative_offset, h.negative.of(data.bucket_counts)))
                    + min_max_len(&h.summary)
            }
        }
    }

    /// Writes one data point field whose content is `len` bytes ([`Self::point_len`]).
    #[inline]
    fn write_point(&self, p: &TimedPoint, len: usize, data: &PointData<'_>, out: &mut Vec<u8>) {
        let code = self.streams[p.point.stream as usize];
        let attrs = &self.stream_bytes[code.attrs_start as usize..][..code.attrs_len as usize];
        let bounds = &self.stream_bytes[code.bounds_start as usize..][..code.bounds_len as usize];
        put_len_header(out, 1, len);
        let (start, time) = (p.point.start_unix_nanos, p.time_unix_nanos);
        match p.point.value {
            // The common case, written in one copy: NumberDataPoint start 2, time 3, as_double 4.
            PointValue::Double(v) if start != 0 && time != 0 => {
                let mut fields = [0u8; 27];
                for (i, (field, bits)) in
                    [(2, start as u64), (3, time as u64), (4, v.to_bits())].into_iter().enumerate()
                {
                    fields[9 * i] = key(field, FIXED64);
                    fields[9 * i + 1..9 * i + 9].copy_from_slice(&bits.to_le_bytes());
                }
                out.extend_from_slice(&fields);
                out.extend_from_slice(attrs);
            }
            PointValue::Double(v) => {
                // NumberDataPoint: start 2, time 3, as_double 4, attributes 7.
                put_times(out, start, time);
                put_fixed64(out, 4, v.to_bits());
                out.extend_from_slice(attrs);
            }
            PointValue::Int(v) => {
                put_times(out, start, time);
                put_fixed64(out, 6, v as u64);
                out.extend_from_slice(attrs);
            }
            PointValue::Stale => match self.metrics[code.metric as usize].data {
                DataKind::ExpHistogram { .. } => {
                    out.extend_from_slice(attrs);
                    put_times(out, start, time);
                    put_flags(out, 10);
                }
                DataKind::Histogram { .. } => {
                    put_times(out, start, time);
                    out.extend_from_slice(bounds);
                    out.extend_from_slice(attrs);
                    put_flags(out, 10);
                }
                _ => {
                    put_times(out, start, time);
                    out.extend_from_slice(attrs);
                    put_flags(out, 8);
                }
            },
            PointValue::Histogram(i) => {
                // HistogramDataPoint: 2, 3, count 4, sum 5, bucket_counts 6,
                // explicit_bounds 7, attributes 9, min 11, max 12.
                let h = &data.histograms[i as usize];
                put_times(out, start, time);
                put_fixed64_nonzero(out, 4, h.summary.count);
                put_fixed64(out, 5, h.summary.sum.to_bits());
                let counts = h.counts.of(data.bucket_counts);
                if !counts.is_empty() {
                    put_len_header(out, 6, 8 * counts.len());
                    for c in counts {
                        out.extend_from_slice(&c.to_le_bytes());
                    }
                }
                out.extend_from_slice(bounds);
                out.extend_from_slice(attrs);
                put_min_max(out, &h.summary, 11);
            }
            PointValue::ExpHistogram(i) => {
                // ExponentialHistogramDataPoint: attributes 1, 2, 3, count 4,
                // sum 5, scale 6, zero_count 7, positive 8, negative 9, min 12, max 13.
                let h = &data.exp_histograms[i as usize];
                out.extend_from_slice(attrs);
                put_times(out, start, time);
                put_fixed64_nonzero(out, 4, h.summary.count);
                put_fixed64(out, 5, h.summary.sum.to_bits());
                if h.scale != 0 {
                    out.push(key(6, VARINT));
                    put_varint(out, zigzag(h.scale));
                }
                put_fixed64_nonzero(out, 7, h.zero_count);
                put_buckets(out, 8, h.positive_offset, h.positive.of(data.bucket_counts));
                put_buckets(out, 9, h.negative_offset, h.negative.of(data.bucket_counts));
                put_min_max(out, &h.summary, 12);
            }
        }
    }
}

fn zigzag(v: i32) -> u64 {
    u64::from(((v << 1) ^ (v >> 31)) as u32)
}

/// A fixed64 field left out when zero (the proto3 default).
fn fixed_len(v: i64) -> usize {
    if v == 0 { 0 } else { 9 }
}

fn fixed_len_u(v: u64) -> usize {
    if v == 0 { 0 } else { 9 }
}

fn put_fixed64_nonzero(out: &mut Vec<u8>, field: u8, v: u64) {
    if v != 0 {
        put_fixed64(out, field, v);
    }
}

#[inline]
fn put_times(out: &mut Vec<u8>, start: i64, time: i64) {
    put_fixed64_nonzero(out, 2, start as u64);
    put_fixed64_nonzero(out, 3, time as u64);
}

fn put_flags(out: &mut Vec<u8>, field: u8) {
    out.push(key(field, VARINT));
    put_varint(out, FLAG_NO_RECORDED_VALUE);
}

fn min_max_len(s: &crate::engine::Summary) -> usize {
    9 * (usize::from(s.min.is_some()) + usize::from(s.max.is_some()))
}

fn put_min_max(out: &mut Vec<u8>, s: &crate::engine::Summary, min_field: u8) {
    if let Some(min) = s.min {
        put_fixed64(out, min_field, min.to_bits());
    }
    if let Some(max) = s.max {
        put_fixed64(out, min_field + 1, max.to_bits());
    }
}

/// `Buckets { offset: sint32 = 1, bucket_counts: packed uint64 = 2 }` content size.
fn buckets_len(offset: i32, counts: &[u64]) -> usize {
    let offset_len = if offset != 0 { 1 + varint_len(zigzag(offset)) } else { 0 };
    let counts_len: usize = counts.iter().map(|&c| varint_len(c)).sum();
    offset_len + if counts.is_empty() { 0 } else { len_field_size(counts_len) }
}

fn put_buckets(out: &mut Vec<u8>, field: u8, offset: i32, counts: &[u64]) {
    put_len_header(out, field, buckets_len(offset, counts));
    if offset != 0 {
        out.push(key(1, VARINT));
        put_varint(out, zigzag(offset));
    }
    if !counts.is_empty() {
        put_len_header(out, 2, counts.iter().map(|&c| varint_len(c)).sum());
        for &c in counts {
            put_varint(out, c);
        }
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
