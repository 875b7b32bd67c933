//! Keeps every point in memory, with queries by metric, attributes and time.

use super::{Sink, SinkError};
use crate::duration::GoDuration;
use crate::engine::{Batch, PointValue};
use crate::scenario::{AttrValue, KeyValue, MetricKind};

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
}

/// A point as recorded.
#[derive(Clone, Copy, Debug, PartialEq)]
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
    pub value: PointValue,
}

impl RecordedPoint {
    /// The point's time since tick 0.
    pub fn time(&self) -> GoDuration {
        GoDuration::from_secs(self.tick as i64)
    }
}

/// Records every point of a run.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MemorySink {
    streams: Vec<RecordedStream>,
    points: Vec<RecordedPoint>,
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
        for s in &batch.streams[self.streams.len().min(batch.streams.len())..] {
            self.streams.push(RecordedStream {
                series: s.series.to_owned(),
                name: s.name.to_owned(),
                kind: s.kind,
                unit: s.unit.to_owned(),
                description: s.description.to_owned(),
                resource: s.resource.to_vec(),
                scope: s.scope.to_vec(),
                datapoint: s.datapoint.to_vec(),
            });
        }
        self.points.extend(batch.points.iter().map(|p| RecordedPoint {
            stream: p.stream,
            tick: batch.tick,
            unix_nanos: batch.unix_nanos,
            start_unix_nanos: p.start_unix_nanos,
            value: p.value,
        }));
        Ok(())
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

    /// `(time, value)` of every matching point.
    pub fn values(&self) -> Vec<(GoDuration, f64)> {
        self.points().into_iter().map(|p| (p.time(), p.value.as_f64())).collect()
    }

    /// The value at time `t`, when exactly one matching point is there.
    pub fn at(&self, t: impl Into<GoDuration>) -> Option<f64> {
        let t = t.into();
        let mut found = self.points().into_iter().filter(|p| p.time() == t);
        match (found.next(), found.next()) {
            (Some(p), None) => Some(p.value.as_f64()),
            _ => None,
        }
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
