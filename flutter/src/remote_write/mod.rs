//! Prometheus remote write 1.0: points → a protobuf `WriteRequest`
//! (`prometheus.WriteRequest`: time series of sorted labels and samples),
//! named and labelled as Prometheus' own OTLP translation does it:
//!
//! * the metric name by [`names::metric_name`] (`_total` on counters, unit
//!   suffixes); data point attributes as labels ([`names::label_name`];
//!   two keys that become one label join their values with `;`), `job` from
//!   `service.namespace/service.name`, `instance` from `service.instance.id`;
//! * an explicit histogram as `_bucket` series (cumulative, `le` with `+Inf`),
//!   `_sum` and `_count`;
//! * the other resource attributes once per request and resource as a
//!   `target_info` sample of 1 at the resource's latest point, when the
//!   resource has a `job` or `instance`;
//! * a staleness marker as Prometheus' stale NaN in every series of the point.
//!
//! Delta sums and exponential histograms have no remote write 1.0 form
//! ([`unsupported`] names them before a run starts).

pub mod names;

use std::collections::BTreeMap;

use crate::batch::{DataModel, Points, Stream, Streams, ValueRef};
use crate::otlp::proto::{VARINT, key, put_bytes, put_fixed64, put_len_header, put_varint, varint_len};
use crate::scenario::{AttrValue, KeyValue, Temporality};
use names::{NameKind, label_name, metric_name};

/// Prometheus' staleness marker: a NaN with this bit pattern.
pub const STALE_NAN: u64 = 0x7ff0_0000_0000_0002;

/// `prometheus.WriteRequest.timeseries`.
const TIMESERIES: u8 = 1;
/// `TimeSeries.labels` and `TimeSeries.samples`.
const LABELS: u8 = 1;
const SAMPLES: u8 = 2;
/// `Label.name`, `Label.value`.
const NAME: u8 = 1;
const VALUE: u8 = 2;
/// `Sample.value` (double), `Sample.timestamp` (int64, milliseconds).
const SAMPLE_VALUE: u8 = 1;
const SAMPLE_TIMESTAMP: u8 = 2;

/// Why a stream cannot go by remote write 1.0.
pub fn unsupported(stream: &Stream<'_>) -> Option<&'static str> {
    match stream.kind.data_model() {
        DataModel::ExponentialHistogram => {
            Some("an exponential histogram (remote write 1.0 has no native histograms here)")
        }
        DataModel::Sum { .. } | DataModel::Histogram if stream.temporality == Temporality::Delta => {
            Some("a delta sum or histogram (Prometheus keeps cumulative series only)")
        }
        _ => None,
    }
}

/// A stream's series, pre-encoded: small and dense, read once per point.
#[derive(Clone, Copy, Debug)]
struct StreamCode {
    resource: u32,
    /// Its series in the encoder's `series` (one for a number; the buckets,
    /// `_sum` and `_count` for a histogram).
    series_start: u32,
    series_count: u32,
}

/// Encodes points into remote write requests; keeps every stream's labels
/// encoded once.
#[derive(Debug, Default)]
pub struct Encoder {
    streams: Vec<StreamCode>,
    /// Each series' `labels` fields (sorted by name), as a range of `label_bytes`.
    series: Vec<(u32, u32)>,
    /// Every series' labels, back to back in definition order (scattered
    /// allocations cost a cache miss per point).
    label_bytes: Vec<u8>,
    /// Per resource: `target_info`'s labels, when it has one.
    target_info: Vec<Option<Vec<u8>>>,
    resource_ids: BTreeMap<Vec<(String, String)>, u32>,
    /// Per request: each stream's points as a list through `next` (its
    /// first and last point, by stream), in the order streams first appear.
    first: Vec<u32>,
    last: Vec<u32>,
    next: Vec<u32>,
    touched: Vec<u32>,
    /// Per resource: its latest point's time (ms) in the request being encoded.
    latest: Vec<i64>,
    touched_resources: Vec<u32>,
}

impl Encoder {
    /// An encoder that has seen no stream yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Takes the streams it has not seen yet (streams only ever grow).
    pub fn add_streams(&mut self, streams: &Streams<'_>) {
        for s in streams.since(self.streams.len()) {
            self.add_stream(&s);
        }
    }

    fn add_stream(&mut self, s: &Stream<'_>) {
        let resource: Vec<(String, String)> =
            s.resource.iter().map(|kv| (kv.key.to_string(), label_value(&kv.value))).collect();
        let next = self.resource_ids.len() as u32;
        let resource_id = *self.resource_ids.entry(resource.clone()).or_insert(next);
        if resource_id == next {
            self.target_info.push(target_info(&resource));
            self.latest.push(UNTOUCHED);
        }
        let mut labels = attribute_labels(&s.datapoint);
        labels.extend(identity(&resource));
        let kind = match s.kind.data_model() {
            DataModel::Gauge => NameKind::Gauge,
            DataModel::Sum { monotonic: true } => NameKind::Counter,
            _ => NameKind::Other,
        };
        let name = metric_name(&s.name, s.unit, kind);
        let series = if s.kind.data_model() == DataModel::Histogram {
            let mut series: Vec<Vec<u8>> = s
                .bounds
                .iter()
                .map(|b| format!("{b}"))
                .chain(["+Inf".to_owned()])
                .map(|le| {
                    let mut l = labels.clone();
                    l.push(("le".to_owned(), le));
                    encode_labels(&format!("{name}_bucket"), l)
                })
                .collect();
            series.push(encode_labels(&format!("{name}_sum"), labels.clone()));
            series.push(encode_labels(&format!("{name}_count"), labels));
            series
        } else {
            vec![encode_labels(&name, labels)]
        };
        let series_start = self.series.len() as u32;
        for labels in &series {
            // Offsets fit u32 unless the labels alone pass 4 GiB.
            let start = u32::try_from(self.label_bytes.len()).expect("remote write labels below 4 GiB");
            self.label_bytes.extend_from_slice(labels);
            self.series.push((start, labels.len() as u32));
        }
        let series_count = series.len() as u32;
        self.streams.push(StreamCode { resource: resource_id, series_start, series_count });
        self.first.push(NONE);
        self.last.push(NONE);
    }

    /// Appends one `WriteRequest` holding `points` (uncompressed) to `out`.
    /// Every point's stream must have been added.
    pub fn encode(&mut self, points: Points<'_>, out: &mut Vec<u8>) {
        self.touched.clear();
        self.touched_resources.clear();
        self.next.clear();
        self.next.resize(points.len(), NONE);
        for (i, p) in points.iter().enumerate() {
            let (s, i) = (p.stream as usize, i as u32);
            match self.last[s] {
                NONE => {
                    self.first[s] = i;
                    self.touched.push(p.stream);
                }
                last => self.next[last as usize] = i,
            }
            self.last[s] = i;
            let resource = self.streams[s].resource as usize;
            let latest = &mut self.latest[resource];
            if *latest == UNTOUCHED {
                self.touched_resources.push(resource as u32);
            }
            *latest = (*latest).max(millis(p.time_unix_nanos));
        }
        let all = points.as_slice();
        let next = &self.next;
        let chain =
            |first: u32| std::iter::successors(Some(first), move |&i| Some(next[i as usize]).filter(|&n| n != NONE));
        for &s in &self.touched {
            let code = self.streams[s as usize];
            let first = self.first[s as usize];
            let samples: usize = chain(first).map(|i| sample_len(millis(all[i as usize].time_unix_nanos))).sum();
            let of = code.series_count as usize;
            for k in 0..of {
                let (start, len) = self.series[code.series_start as usize + k];
                let labels = &self.label_bytes[start as usize..][..len as usize];
                put_len_header(out, TIMESERIES, labels.len() + samples);
                out.extend_from_slice(labels);
                for i in chain(first) {
                    let p = &all[i as usize];
                    put_sample(out, sample_value(points.value(p), k, of), millis(p.time_unix_nanos));
                }
            }
        }
        // In resource order: the same points, the same bytes.
        self.touched_resources.sort_unstable();
        for &resource in &self.touched_resources {
            let ms = std::mem::replace(&mut self.latest[resource as usize], UNTOUCHED);
            if let Some(labels) = &self.target_info[resource as usize] {
                put_len_header(out, TIMESERIES, labels.len() + sample_len(ms));
                out.extend_from_slice(labels);
                put_sample(out, 1.0, ms);
            }
        }
        for &s in &self.touched {
            (self.first[s as usize], self.last[s as usize]) = (NONE, NONE);
        }
    }
}

/// No point.
const NONE: u32 = u32::MAX;

/// `latest` of a resource without points in the request.
const UNTOUCHED: i64 = i64::MIN;

/// Series `k` of `of` of a point: a number's value; a histogram's
/// cumulative bucket `k`, then its sum, then its count; stale NaN for a marker.
fn sample_value(value: ValueRef<'_>, k: usize, of: usize) -> f64 {
    match value {
        ValueRef::Double(v) => v,
        ValueRef::Int(v) => v as f64,
        ValueRef::Stale => f64::from_bits(STALE_NAN),
        ValueRef::Histogram(h) if k + 2 == of => h.summary.sum,
        ValueRef::Histogram(h) if k + 1 == of => h.summary.count as f64,
        ValueRef::Histogram(h) => h.counts[..=k].iter().sum::<u64>() as f64,
        // Refused before the run (`unsupported`).
        ValueRef::ExpHistogram(_) => f64::NAN,
    }
}

/// OTLP nanoseconds → Prometheus milliseconds.
fn millis(nanos: i64) -> i64 {
    nanos.div_euclid(1_000_000)
}

/// A `samples` field's size.
fn sample_len(ms: i64) -> usize {
    let timestamp = if ms != 0 { 1 + varint_len(ms as u64) } else { 0 };
    2 + 9 + timestamp
}

fn put_sample(out: &mut Vec<u8>, value: f64, ms: i64) {
    // Written in place, its size known up front: a request has one per point.
    put_len_header(out, SAMPLES, sample_len(ms) - 2);
    put_fixed64(out, SAMPLE_VALUE, value.to_bits());
    if ms != 0 {
        out.push(key(SAMPLE_TIMESTAMP, VARINT));
        put_varint(out, ms as u64);
    }
}

/// An attribute value as a label value: text as it is, numbers in decimal,
/// lists and maps as JSON (as OTLP's `AsString` writes them).
fn label_value(v: &AttrValue<'_>) -> String {
    match v {
        AttrValue::Str(s) => s.to_string(),
        AttrValue::Int(i) => i.to_string(),
        AttrValue::Double(d) => format!("{d}"),
        AttrValue::Bool(b) => b.to_string(),
        AttrValue::Array(_) | AttrValue::KvList(_) => {
            let mut out = String::new();
            crate::sink::json::push_attr_value(&mut out, v);
            out
        }
    }
}

/// Data point attributes as labels: keys in order, values of keys that
/// become the same label joined by `;`.
fn attribute_labels(attrs: &[KeyValue<'_>]) -> Vec<(String, String)> {
    let mut sorted: Vec<&KeyValue<'_>> = attrs.iter().collect();
    sorted.sort_by(|a, b| a.key.cmp(&b.key));
    let mut labels: Vec<(String, String)> = Vec::new();
    for kv in sorted {
        let (name, value) = (label_name(&kv.key), label_value(&kv.value));
        match labels.iter_mut().find(|(n, _)| *n == name) {
            Some((_, v)) => {
                v.push(';');
                v.push_str(&value);
            }
            None => labels.push((name, value)),
        }
    }
    labels
}

const SERVICE_NAME: &str = "service.name";
const SERVICE_NAMESPACE: &str = "service.namespace";
const SERVICE_INSTANCE_ID: &str = "service.instance.id";

/// `job` and `instance` from a resource's service attributes.
fn identity(resource: &[(String, String)]) -> Vec<(String, String)> {
    let get = |k: &str| resource.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str());
    let mut out = Vec::new();
    if let Some(name) = get(SERVICE_NAME) {
        let job = match get(SERVICE_NAMESPACE) {
            Some(ns) => format!("{ns}/{name}"),
            None => name.to_owned(),
        };
        out.push(("job".to_owned(), job));
    }
    if let Some(instance) = get(SERVICE_INSTANCE_ID) {
        out.push(("instance".to_owned(), instance.to_owned()));
    }
    out
}

/// `target_info`'s labels for a resource: its attributes but the service
/// ones, with `job` and `instance`; none without other attributes or
/// without `job` or `instance`.
fn target_info(resource: &[(String, String)]) -> Option<Vec<u8>> {
    let others: Vec<KeyValue<'static>> = resource
        .iter()
        .filter(|(k, _)| ![SERVICE_NAME, SERVICE_NAMESPACE, SERVICE_INSTANCE_ID].contains(&k.as_str()))
        .map(|(k, v)| KeyValue { key: k.clone().into(), value: AttrValue::from(v.as_str()) })
        .collect();
    let ids = identity(resource);
    if others.is_empty() || ids.is_empty() {
        return None;
    }
    let mut labels = attribute_labels(&others);
    labels.extend(ids);
    Some(encode_labels("target_info", labels))
}

/// The `labels` fields of a series: `__name__` and `labels`, later labels
/// winning a name, sorted by name (as remote write requires).
fn encode_labels(name: &str, labels: Vec<(String, String)>) -> Vec<u8> {
    let mut by_name: BTreeMap<String, String> = BTreeMap::new();
    for (k, v) in labels {
        by_name.insert(k, v);
    }
    by_name.insert("__name__".to_owned(), name.to_owned());
    let mut out = Vec::new();
    for (k, v) in by_name.iter().filter(|(_, v)| !v.is_empty()) {
        let mut label = Vec::with_capacity(k.len() + v.len() + 4);
        put_bytes(&mut label, NAME, k.as_bytes());
        put_bytes(&mut label, VALUE, v.as_bytes());
        put_bytes(&mut out, LABELS, &label);
    }
    out
}

#[cfg(test)]
mod tests;
