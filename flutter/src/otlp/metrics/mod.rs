//! Points → `ExportMetricsServiceRequest` protobuf bytes.
//!
//! Everything about a stream that does not change between points (its resource,
//! scope, metric head, data point attributes, histogram bounds) is encoded once,
//! when the stream first appears ([`streams`]). A request then only writes
//! timestamps and values around those bytes ([`points`]). Points are grouped
//! resource → scope → metric in the order streams were defined (never hash
//! order), so the same run gives the same bytes. Sizes are computed in a first
//! pass, so every length prefix is minimal, and fields are written as prost
//! writes them (in tag order, proto3 defaults left out): the bytes are canonical.

mod points;
mod streams;

use std::collections::BTreeMap;

use super::proto::{len_field_size, put_bytes, put_len_header};
use super::tag;
use crate::batch::{DataModel, Point, PointBuffer, PointValue, Points, Stream, Streams, Summary};
use streams::{DataKind, Interned, MetricGroup, ScopeGroup, StreamCode};

/// The instrumentation scope name flutter reports.
pub const SCOPE_NAME: &str = "flutter";

/// A metric with no points in the request being encoded.
const NOT_TOUCHED: u32 = u32::MAX;

/// OTLP `DataPointFlags.FLAG_NO_RECORDED_VALUE_MASK`.
pub const FLAG_NO_RECORDED_VALUE: u64 = 1;

/// Encodes points into OTLP requests; keeps the pre-encoded parts of every
/// stream it has seen.
#[derive(Debug, Default)]
pub struct Encoder {
    /// `Resource` message contents, by resource id.
    resources: Interned,
    /// `InstrumentationScope` message contents.
    scope_bodies: Interned,
    /// A resource's scopes, by scope id, and where each (resource, body) is.
    scopes: Vec<ScopeGroup>,
    scope_ids: BTreeMap<(u32, u32), u32>,
    /// `Metric` fields before the data (name, description, unit).
    heads: Interned,
    /// A scope's metrics, by metric id, and where each (scope, head, data) is.
    metrics: Vec<MetricGroup>,
    metric_ids: BTreeMap<(u32, u32, DataKind), u32>,
    /// Per metric: its bucket in the request being encoded, or [`NOT_TOUCHED`].
    bucket_of: Vec<u32>,
    /// Where a stream's resource, scope and head are encoded before they are looked up.
    scratch: Vec<u8>,
    streams: Vec<StreamCode>,
    /// Every stream's pre-encoded data point attributes, back to back.
    stream_bytes: Vec<u8>,
    /// The explicit histograms' pre-encoded `explicit_bounds` fields, each
    /// once (the first empty, for other kinds), and where each is.
    bounds: Vec<Vec<u8>>,
    bounds_ids: BTreeMap<Vec<u8>, u32>,
    /// Per request: the indices of its points, a bucket per touched metric
    /// (in the order they were first touched).
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

    /// Stream `stream`'s pre-encoded data point attributes and bounds.
    #[inline(always)]
    fn stream_parts(&self, stream: u32) -> (&[u8], &[u8]) {
        let i = stream as usize;
        let start = self.streams[i].attrs_start as usize;
        // Its attributes end where the next stream's start.
        let end = self.streams.get(i + 1).map_or(self.stream_bytes.len(), |c| c.attrs_start as usize);
        (&self.stream_bytes[start..end], &self.bounds[self.streams[i].bounds as usize])
    }

    /// Appends one `ExportMetricsServiceRequest` holding `points` to `out`.
    /// Every point's stream must have been added with [`Encoder::add_streams`].
    pub fn encode(&mut self, points: Points<'_>, out: &mut Vec<u8>) {
        self.touched.clear();
        for (i, p) in points.iter().enumerate() {
            let metric = self.streams[p.stream as usize].metric;
            let bucket = &mut self.bucket_of[metric as usize];
            if *bucket == NOT_TOUCHED {
                *bucket = self.touched.len() as u32;
                self.touched.push(metric);
                if self.buckets.len() < self.touched.len() {
                    self.buckets.push(Vec::new());
                }
            }
            self.buckets[*bucket as usize].push(i as u32);
        }
        let metrics = &self.metrics;
        // Ids are given in definition order; this groups resource → scope → metric.
        self.touched.sort_unstable_by_key(|&m| (metrics[m as usize].resource, metrics[m as usize].scope, m));

        // First pass: the size of every point and every touched metric.
        let mut point_lens = std::mem::take(&mut self.point_lens);
        point_lens.clear();
        point_lens.extend(points.iter().map(|p| self.point_len(p, &points) as u32));
        self.point_lens = point_lens;
        self.metric_sizes.clear();
        let mut total = 0;
        for &m in &self.touched {
            let group = &self.metrics[m as usize];
            let points_len: usize =
                self.bucket(m).iter().map(|&p| len_field_size(self.point_lens[p as usize] as usize)).sum();
            let data_len = points_len + group.data.extra_len();
            let size = self.heads.get(group.head).len() + len_field_size(data_len);
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
            let mut rm_len = len_field_size(self.resources.get(resource).len());
            let mut j = i;
            while j < end {
                let scope_end = self.scope_run_end(j, end);
                rm_len += len_field_size(self.scope_len(j, scope_end));
                j = scope_end;
            }
            put_len_header(out, tag::request::RESOURCE_METRICS, rm_len);
            put_bytes(out, tag::resource_metrics::RESOURCE, self.resources.get(resource));
            let mut j = i;
            while j < end {
                let scope_end = self.scope_run_end(j, end);
                self.write_scope(j, scope_end, &points, out);
                j = scope_end;
            }
            i = end;
        }
        for &m in &self.touched {
            let bucket = std::mem::replace(&mut self.bucket_of[m as usize], NOT_TOUCHED);
            self.buckets[bucket as usize].clear();
        }
    }

    /// The indices of metric `m`'s points in the request being encoded.
    #[inline]
    fn bucket(&self, m: u32) -> &[u32] {
        &self.buckets[self.bucket_of[m as usize] as usize]
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
        len_field_size(self.scope_bodies.get(self.scopes[scope as usize].body).len()) + metrics
    }

    fn write_scope(&self, from: usize, to: usize, points: &Points<'_>, out: &mut Vec<u8>) {
        let scope = self.metrics[self.touched[from] as usize].scope;
        put_len_header(out, tag::resource_metrics::SCOPE_METRICS, self.scope_len(from, to));
        put_bytes(out, tag::scope_metrics::SCOPE, self.scope_bodies.get(self.scopes[scope as usize].body));
        let all = points.as_slice();
        for k in from..to {
            let m = self.touched[k];
            let group = &self.metrics[m as usize];
            let (size, data_len) = self.metric_sizes[k];
            put_len_header(out, tag::scope_metrics::METRICS, size);
            out.extend_from_slice(self.heads.get(group.head));
            put_len_header(out, group.data.field(), data_len);
            for &p in self.bucket(m) {
                self.write_point(&all[p as usize], self.point_lens[p as usize] as usize, points, out);
            }
            group.data.write_extra(out);
        }
    }
}

impl Encoder {
    /// Pre-encodes the streams it has not seen yet (streams only ever grow).
    pub fn add_streams(&mut self, streams: &Streams<'_>) {
        self.streams.reserve_exact(streams.len().saturating_sub(self.streams.len()));
        for s in streams.since(self.streams.len()) {
            self.add_stream(&s);
        }
    }
}

/// An estimate of the protobuf bytes a run sends: `points[i]` points of each
/// stream `streams[i]`, in `requests` requests. Each point costs its encoded
/// size for a typical value of its type (a histogram with every bucket
/// counted; an exponential one with `buckets[i]` of them, as a cumulative one
/// soon has), and each stream its share of the resource, scope and metric
/// wrappers in every request it has points in.
pub fn estimate_bytes(streams: &[Stream<'_>], points: &[u64], buckets: &[u32], requests: u64) -> u64 {
    if streams.is_empty() {
        return 0;
    }
    let mut encoder = Encoder::new();
    for s in streams {
        encoder.add_stream(s);
    }
    let (start, time) = (1_700_000_000_000_000_000, 1_700_000_010_000_000_000);
    let mut typical = PointBuffer::new();
    for (i, s) in streams.iter().enumerate() {
        let summary = Summary { count: 1000, sum: 12_345.678, min: Some(0.5), max: Some(987.6) };
        let value = match s.kind.data_model() {
            DataModel::Gauge | DataModel::Sum { .. } => PointValue::Double(1234.5678),
            DataModel::Histogram => typical.histogram(summary, vec![100; s.bounds.len() + 1]),
            DataModel::ExponentialHistogram => {
                let counts = std::iter::repeat_n(50, buckets[i] as usize);
                typical.exp_histogram(summary, 3, 0, (10, counts), (0, std::iter::empty()))
            }
        };
        typical.push(Point::new(i as u32, start, time, value));
    }
    let all = typical.all();
    let sizes: Vec<u64> = all.iter().map(|p| len_field_size(encoder.point_len(p, &all)) as u64).collect();
    let mut body = Vec::new();
    encoder.encode(all, &mut body);
    // What one request holding one point of every stream spends besides the points.
    let wrappers = (body.len() as u64).saturating_sub(sizes.iter().sum());
    let share = wrappers as f64 / streams.len() as f64;
    let bytes: f64 =
        sizes.iter().zip(points).map(|(&size, &n)| (n * size) as f64 + n.min(requests) as f64 * share).sum();
    bytes.round() as u64
}
