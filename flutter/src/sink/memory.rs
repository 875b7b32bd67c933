//! Keeps every point in memory, with queries by metric, attributes and time.

use super::records::{LogQuery, RecordedLog};
use super::spans::{RecordedSpan, SpanQuery};
use super::{Sink, SinkError};
use crate::batch::{Batch, Stream, Summary, ValueRef};
use crate::go::duration::GoDuration;
use crate::scenario::{AttrValue, KeyValue, MetricKind, Temporality};

/// A stream as recorded: owned, so the sink outlives the engine.
#[derive(Clone, Debug, PartialEq)]
pub struct RecordedStream {
    /// The metric action's name.
    pub series: String,
    /// The exported metric name.
    pub name: String,
    /// The metric's type.
    pub kind: MetricKind,
    /// OTLP unit.
    pub unit: String,
    /// OTLP description.
    pub description: String,
    /// Resource attributes.
    pub resource: Vec<KeyValue<'static>>,
    /// Scope attributes.
    pub scope: Vec<KeyValue<'static>>,
    /// Data point attributes.
    pub datapoint: Vec<KeyValue<'static>>,
    /// Sums and histograms: cumulative or delta.
    pub temporality: Temporality,
    /// Explicit histograms: the bucket bounds.
    pub bounds: Vec<f64>,
}

/// A recorded point's value, owned.
#[derive(Clone, Debug, PartialEq)]
pub enum RecordedValue {
    /// A float.
    Double(f64),
    /// An integer gauge value.
    Int(i64),
    /// A staleness marker.
    Stale,
    /// An explicit-bucket histogram: one count per bucket (bounds in the stream).
    Histogram {
        /// Count, sum, min, max.
        summary: Summary,
        /// Bucket counts.
        counts: Vec<u64>,
    },
    /// An exponential histogram.
    ExpHistogram {
        /// Count, sum, min, max.
        summary: Summary,
        /// The scale.
        scale: i32,
        /// Observations of exactly 0.
        zero_count: u64,
        /// Index of the first positive bucket.
        positive_offset: i32,
        /// Positive bucket counts.
        positive: Vec<u64>,
        /// Index of the first negative bucket.
        negative_offset: i32,
        /// Negative bucket counts.
        negative: Vec<u64>,
    },
}

impl RecordedValue {
    /// The value as a float; `None` for stale points and histograms.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            RecordedValue::Double(v) => Some(*v),
            RecordedValue::Int(v) => Some(*v as f64),
            _ => None,
        }
    }

    /// A histogram's count, sum, min and max.
    pub fn summary(&self) -> Option<&Summary> {
        match self {
            RecordedValue::Histogram { summary, .. } | RecordedValue::ExpHistogram { summary, .. } => Some(summary),
            _ => None,
        }
    }
}

/// A point as recorded.
#[derive(Clone, Debug, PartialEq)]
pub struct RecordedPoint {
    /// Index into [`MemorySink::streams`].
    pub stream: u32,
    /// Seconds since tick 0.
    pub tick: u64,
    /// The tick's simulated wall clock.
    pub unix_nanos: i64,
    /// OTLP start time.
    pub start_unix_nanos: i64,
    /// The value.
    pub value: RecordedValue,
}

impl RecordedPoint {
    /// The point's time since tick 0.
    pub fn time(&self) -> GoDuration {
        GoDuration::from_secs(self.tick as i64)
    }
}

/// Records every point and span of a run.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MemorySink {
    streams: Vec<RecordedStream>,
    points: Vec<RecordedPoint>,
    spans: Vec<RecordedSpan>,
    records: Vec<RecordedLog>,
}

impl MemorySink {
    /// An empty sink.
    pub fn new() -> Self {
        Self::default()
    }

    /// Every stream seen, in creation order.
    pub fn streams(&self) -> &[RecordedStream] {
        &self.streams
    }

    /// Every point, in time order (series in definition order within a tick).
    pub fn points(&self) -> &[RecordedPoint] {
        &self.points
    }

    /// Every span, in the order generated (each trace's in tree order).
    pub fn all_spans(&self) -> &[RecordedSpan] {
        &self.spans
    }

    /// The spans of trace action `trace`, to narrow further
    /// (`spans("checkout").named("PlaceOrder")`).
    pub fn spans(&self, trace: &str) -> SpanQuery<'_> {
        SpanQuery::new(self.spans.iter().filter(|s| s.trace == trace))
    }

    /// Every log record, in the order generated.
    pub fn all_logs(&self) -> &[RecordedLog] {
        &self.records
    }

    /// The records of log action `log` (or the records the spans of trace
    /// action `log` carry), to narrow further (`logs("payments").severity(Severity::Error)`).
    pub fn logs(&self, log: &str) -> LogQuery<'_> {
        LogQuery::new(self.records.iter().filter(|r| r.log == log))
    }

    /// The points of every stream exported under `name`.
    pub fn metric(&self, name: &str) -> SeriesView<'_> {
        SeriesView { sink: self, name: Name::Exported(name.to_owned()), attrs: Vec::new() }
    }

    /// The points of the metric defined by the action called `series`.
    pub fn series(&self, series: &str) -> SeriesView<'_> {
        SeriesView { sink: self, name: Name::Series(series.to_owned()), attrs: Vec::new() }
    }
}

impl Sink for MemorySink {
    fn tick(&mut self, batch: &Batch<'_>) -> Result<(), SinkError> {
        let streams = batch.metrics.streams;
        self.streams.extend(streams.since(self.streams.len()).map(|s| RecordedStream::from(s.as_ref())));
        let points = batch.metrics.points;
        self.points.extend(points.iter().map(|p| RecordedPoint {
            stream: p.stream,
            tick: batch.tick,
            unix_nanos: p.time_unix_nanos,
            start_unix_nanos: p.start_unix_nanos,
            value: RecordedValue::from(points.value(p)),
        }));
        super::spans::record(&batch.spans, batch.tick, &mut self.spans);
        super::records::record(&batch.logs, batch.tick, &mut self.records);
        Ok(())
    }
}

impl From<&Stream<'_>> for RecordedStream {
    fn from(s: &Stream<'_>) -> Self {
        RecordedStream {
            series: s.series.to_owned(),
            name: s.name.to_string(),
            kind: s.kind,
            unit: s.unit.to_owned(),
            description: s.description.to_owned(),
            resource: s.resource.to_vec(),
            scope: s.scope.to_vec(),
            datapoint: s.datapoint.to_vec(),
            temporality: s.temporality,
            bounds: s.bounds.to_vec(),
        }
    }
}

impl From<ValueRef<'_>> for RecordedValue {
    /// The value with its histogram data copied.
    fn from(value: ValueRef<'_>) -> Self {
        match value {
            ValueRef::Double(v) => RecordedValue::Double(v),
            ValueRef::Int(v) => RecordedValue::Int(v),
            ValueRef::Stale => RecordedValue::Stale,
            ValueRef::Histogram(h) => RecordedValue::Histogram { summary: h.summary, counts: h.counts.to_vec() },
            ValueRef::ExpHistogram(h) => RecordedValue::ExpHistogram {
                summary: h.summary,
                scale: h.scale,
                zero_count: h.zero_count,
                positive_offset: h.positive_offset,
                positive: h.positive.to_vec(),
                negative_offset: h.negative_offset,
                negative: h.negative.to_vec(),
            },
        }
    }
}

#[derive(Clone, Debug)]
enum Name {
    Exported(String),
    Series(String),
}

/// A query over a [`MemorySink`]: one metric, optionally narrowed by attributes.
#[derive(Clone, Debug)]
pub struct SeriesView<'s> {
    sink: &'s MemorySink,
    name: Name,
    attrs: Vec<(String, AttrValue<'static>)>,
}

impl<'s> SeriesView<'s> {
    /// Only streams with this attribute (resource, scope or data point).
    pub fn with_attr(mut self, key: &str, value: impl Into<AttrValue<'static>>) -> Self {
        self.attrs.push((key.to_owned(), value.into()));
        self
    }

    fn matches(&self, s: &RecordedStream) -> bool {
        let named = match &self.name {
            Name::Exported(n) => &s.name == n,
            Name::Series(n) => &s.series == n,
        };
        named
            && self.attrs.iter().all(|(k, v)| {
                [&s.resource, &s.scope, &s.datapoint]
                    .iter()
                    .any(|set| set.iter().any(|kv| kv.key == k.as_str() && &kv.value == v))
            })
    }

    /// The matching points, in time order.
    pub fn points(&self) -> Vec<&'s RecordedPoint> {
        let wanted: Vec<bool> = self.sink.streams.iter().map(|s| self.matches(s)).collect();
        self.sink.points.iter().filter(|p| wanted[p.stream as usize]).collect()
    }

    /// `(time, value)` of every matching point that has a number (not stale
    /// markers or histograms: see [`points`](Self::points)).
    pub fn values(&self) -> Vec<(GoDuration, f64)> {
        self.points().into_iter().filter_map(|p| Some((p.time(), p.value.as_f64()?))).collect()
    }

    /// The point at time `t`, when exactly one matching point is there.
    pub fn point_at(&self, t: impl Into<GoDuration>) -> Option<&'s RecordedPoint> {
        let t = t.into();
        let mut found = self.points().into_iter().filter(|p| p.time() == t);
        match (found.next(), found.next()) {
            (Some(p), None) => Some(p),
            _ => None,
        }
    }

    /// The number at time `t`, when exactly one matching point is there and it has one.
    pub fn at(&self, t: impl Into<GoDuration>) -> Option<f64> {
        self.point_at(t)?.value.as_f64()
    }

    /// `(time, value)` of the matching points with `from ≤ time ≤ to`.
    pub fn between(&self, from: impl Into<GoDuration>, to: impl Into<GoDuration>) -> Vec<(GoDuration, f64)> {
        let (from, to) = (from.into(), to.into());
        self.values().into_iter().filter(|(t, _)| *t >= from && *t <= to).collect()
    }

    /// How many points match.
    pub fn len(&self) -> usize {
        self.points().len()
    }

    /// Whether no point matches.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
