//! Span metrics (`spanMetrics: true`): a calls counter and a duration
//! histogram made from the very spans a trace template generates, with the
//! names and attributes of the OpenTelemetry Collector's span-metrics
//! connector, so a dashboard built on the connector's output can be checked
//! against flutter's traces.
//!
//! Each (service, span name, kind, status) seen gets a pair of cumulative
//! streams when its first span comes. Points go out every `frequency` from
//! the template's definition and at the run's last tick, so the last points
//! count every span sent.

use std::borrow::Cow;
use std::collections::BTreeMap;

use crate::batch::{Point, PointBuffer, PointValue, Span, Stream, Streams, Summary};
use crate::kinds::metrics::{MetricKind, Temporality};
use crate::scenario::{AttrValue, KeyValue};
use crate::traces::SpanKind;

/// The calls counter's name.
pub const CALLS: &str = "traces.span.metrics.calls";
/// The duration histogram's name.
pub const DURATION: &str = "traces.span.metrics.duration";
/// The duration histogram's bucket bounds in milliseconds: the connector's defaults.
pub const DURATION_BOUNDS_MS: &[f64] =
    &[2.0, 4.0, 6.0, 8.0, 10.0, 50.0, 100.0, 200.0, 400.0, 800.0, 1000.0, 1400.0, 2000.0, 5000.0, 10000.0, 15000.0];
/// The service of spans whose resource names none (OpenTelemetry's default).
const UNKNOWN_SERVICE: &str = "unknown_service";

/// What one pair of streams counts.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Key<'r> {
    service: String,
    name: &'r str,
    kind: SpanKind,
    error: bool,
}

/// One pair of streams and what they have counted so far.
#[derive(Debug)]
struct Counted {
    calls: u32,
    duration: u32,
    summary: Summary,
    buckets: Vec<u64>,
}

/// A template's span metrics.
#[derive(Debug)]
pub(super) struct SpanMetrics<'r> {
    /// Points every this many ticks…
    every: u64,
    /// …counted from this tick (the template's definition).
    from: u64,
    /// The start time of every stream (cumulative).
    start_unix_nanos: i64,
    keys: BTreeMap<Key<'r>, usize>,
    counted: Vec<Counted>,
}

impl<'r> SpanMetrics<'r> {
    /// Span metrics of a template defined at `tick` (whose time is
    /// `start_unix_nanos`), a point every `every` seconds.
    pub fn new(every: u64, tick: u64, start_unix_nanos: i64) -> Self {
        SpanMetrics { every: every.max(1), from: tick, start_unix_nanos, keys: BTreeMap::new(), counted: Vec::new() }
    }

    /// Sets how often points go out.
    pub fn set_every(&mut self, every: u64) {
        self.every = every.max(1);
    }

    /// Whether `tick` gets points.
    pub fn due(&self, tick: u64) -> bool {
        tick >= self.from && (tick - self.from).is_multiple_of(self.every)
    }

    /// Counts `spans` (of template `series`, their resources in
    /// `resources`); a combination seen first gets its streams in `streams`.
    pub fn count(
        &mut self,
        series: &'r str,
        spans: &[Span<'r>],
        resources: &[Cow<'r, [KeyValue<'static>]>],
        streams: &mut Streams<'r>,
    ) {
        for s in spans {
            let service = match resources[s.resource as usize].iter().find(|kv| kv.key == "service.name") {
                Some(KeyValue { value: AttrValue::Str(name), .. }) => name.to_string(),
                Some(KeyValue { value: AttrValue::Int(i), .. }) => i.to_string(),
                Some(KeyValue { value: AttrValue::Bool(b), .. }) => b.to_string(),
                Some(KeyValue { value: AttrValue::Double(d), .. }) => d.to_string(),
                _ => UNKNOWN_SERVICE.to_owned(),
            };
            let key = Key { service, name: s.name, kind: s.kind, error: s.error.is_some() };
            let i = match self.keys.get(&key) {
                Some(&i) => i,
                None => {
                    let (calls, duration) = push_streams(series, &key, streams);
                    let buckets = vec![0; DURATION_BOUNDS_MS.len() + 1];
                    self.counted.push(Counted { calls, duration, summary: Summary::default(), buckets });
                    self.keys.insert(key, self.counted.len() - 1);
                    self.counted.len() - 1
                }
            };
            let c = &mut self.counted[i];
            let ms = (s.end_unix_nanos - s.start_unix_nanos) as f64 / 1e6;
            c.summary.record(ms);
            // Bucket i holds (bounds[i-1], bounds[i]].
            c.buckets[DURATION_BOUNDS_MS.partition_point(|&b| b < ms)] += 1;
        }
    }

    /// Every stream's point at `time_unix_nanos`, in the order the streams were made.
    pub fn points(&self, time_unix_nanos: i64, out: &mut PointBuffer) {
        for c in &self.counted {
            let start = self.start_unix_nanos;
            out.push(Point::new(c.calls, start, time_unix_nanos, PointValue::Int(c.summary.count as i64)));
            let value = out.histogram(c.summary, c.buckets.iter().copied());
            out.push(Point::new(c.duration, start, time_unix_nanos, value));
        }
    }
}

/// The calls and duration streams of `key`.
fn push_streams<'r>(series: &'r str, key: &Key<'r>, streams: &mut Streams<'r>) -> (u32, u32) {
    let service = KeyValue { key: "service.name".into(), value: AttrValue::Str(key.service.clone().into()) };
    let status = if key.error { "STATUS_CODE_ERROR" } else { "STATUS_CODE_UNSET" };
    let datapoint = vec![
        service.clone(),
        KeyValue { key: "span.name".into(), value: AttrValue::Str(key.name.to_owned().into()) },
        KeyValue { key: "span.kind".into(), value: AttrValue::Str(key.kind.otlp_name().into()) },
        KeyValue { key: "status.code".into(), value: AttrValue::Str(status.into()) },
    ];
    let stream = |name: &'static str, kind, unit, bounds| Stream {
        series,
        name: Cow::Borrowed(name),
        kind,
        unit,
        description: "",
        resource: Cow::Owned(vec![service.clone()]),
        scope: Cow::Borrowed(&[]),
        datapoint: Cow::Owned(datapoint.clone()),
        temporality: Temporality::Cumulative,
        bounds,
    };
    let calls = streams.push(stream(CALLS, MetricKind::Counter, "1", &[]));
    (calls, streams.push(stream(DURATION, MetricKind::Histogram, "ms", DURATION_BOUNDS_MS)))
}
