//! The contract between the engine and the sinks.
//!
//! The engine plays one tick at a time and hands each tick that produced
//! anything to the sinks as a [`Batch`]: the tick, its simulated wall clock, and
//! a section per signal: metric points, spans and log records. A sink reads points through [`Points`], which resolves a
//! histogram's counts for it ([`Points::value`]); no sink indexes the arena the
//! engine writes histogram data into.
//!
//! Lifetimes: a batch borrows the engine's buffers, which the next tick
//! reuses, so a sink that keeps points past [`Sink::tick`](crate::Sink::tick)
//! copies them into a [`PointBuffer`] of its own. Streams (a series' exported
//! identity) only ever grow during a run: a sink that pre-processes them sees
//! the new ones as those beyond the length it saw last.

mod streams;

use std::borrow::Cow;
use std::ops::Range;

pub(crate) use streams::SetSource;
pub use streams::Streams;

use crate::go::duration::GoDuration;
use crate::kinds::metrics::MetricKind;
use crate::scenario::{KeyValue, Temporality};
use crate::traces::SpanKind;

/// What one tick produced.
#[derive(Clone, Copy, Debug)]
pub struct Batch<'a> {
    /// Seconds since tick 0.
    pub tick: u64,
    /// The tick's simulated wall clock.
    pub unix_nanos: i64,
    /// The earliest tick after this one that has a batch: until then the
    /// run's time is this tick's (a real-time sink may spend it waiting for
    /// its receiver).
    pub next_tick: u64,
    /// Whether more of this tick's points follow in the next batch: a tick
    /// of many points comes in parts of about [`Batch::PART_POINTS`], so its
    /// points are not all held at once. Its spans and records come in its last part.
    pub more: bool,
    /// The tick's metric points.
    pub metrics: MetricSection<'a>,
    /// The spans of the traces that started in the second from this tick.
    pub spans: SpanSection<'a>,
    /// The log records of the second from this tick.
    pub logs: LogSection<'a>,
}

impl Batch<'_> {
    /// About how many points a part of a tick holds (it may hold more: a
    /// series' points, and those a tick's actions make, stay in one part).
    pub const PART_POINTS: usize = 65_536;

    /// The tick as a duration since tick 0.
    pub fn time(&self) -> GoDuration {
        GoDuration::from_secs(self.tick as i64)
    }

    /// Whether the tick produced nothing.
    pub fn is_empty(&self) -> bool {
        self.metrics.points.is_empty() && self.spans.spans.is_empty() && self.logs.records.is_empty()
    }
}

/// A batch's log records, in time order within each log action (a span's
/// records with its trace's spans).
#[derive(Clone, Copy, Debug, Default)]
pub struct LogSection<'a> {
    /// The records.
    pub records: &'a [LogRecord<'a>],
    /// The resources the records refer to ([`LogRecord::resource`]): the
    /// spans' table, shared.
    pub resources: &'a [Cow<'a, [KeyValue<'static>]>],
}

/// One generated log record.
#[derive(Clone, Debug, PartialEq)]
pub struct LogRecord<'r> {
    /// The log action's name (for a span's record, the trace action's).
    pub log: &'r str,
    /// When it happened.
    pub time_unix_nanos: i64,
    /// Its severity.
    pub severity: crate::logs::Severity,
    /// Its body, the template's holes filled.
    pub body: Cow<'r, str>,
    /// Its attributes.
    pub attributes: Cow<'r, [KeyValue<'static>]>,
    /// A span's record: the span's trace and span IDs.
    pub span: Option<([u8; 16], [u8; 8])>,
    /// Index of its resource in [`LogSection::resources`].
    pub resource: u32,
}

/// A batch's spans, each trace's in tree order (a parent before its children),
/// traces in the order they start.
#[derive(Clone, Copy, Debug, Default)]
pub struct SpanSection<'a> {
    /// The spans.
    pub spans: &'a [Span<'a>],
    /// The resources the spans refer to ([`Span::resource`]); no two are equal.
    pub resources: &'a [Cow<'a, [KeyValue<'static>]>],
}

/// One generated span. Its strings borrow the scenario; attributes that held
/// brace expressions are rendered for it.
#[derive(Clone, Debug, PartialEq)]
pub struct Span<'r> {
    /// The trace action's name.
    pub trace: &'r str,
    /// The trace ID (never all zero).
    pub trace_id: [u8; 16],
    /// The span ID (never all zero).
    pub span_id: [u8; 8],
    /// The parent's span ID; `None` for the root.
    pub parent_span_id: Option<[u8; 8]>,
    /// The span's name.
    pub name: &'r str,
    /// OTLP span kind.
    pub kind: SpanKind,
    /// When it starts.
    pub start_unix_nanos: i64,
    /// When it ends (at or after its start, at or before its parent's end).
    pub end_unix_nanos: i64,
    /// Status ERROR with this message, or `None` (status unset).
    pub error: Option<&'r str>,
    /// Whether the failure is its own (it carries an `exception` event), not
    /// one propagated from a descendant.
    pub exception: bool,
    /// Span attributes.
    pub attributes: Cow<'r, [KeyValue<'static>]>,
    /// Index of its resource in [`SpanSection::resources`].
    pub resource: u32,
}

impl Span<'_> {
    /// How long it lasts.
    pub fn duration(&self) -> GoDuration {
        GoDuration::from_nanos(self.end_unix_nanos - self.start_unix_nanos)
    }
}

/// A batch's metrics: its points, and every stream of the run so far.
#[derive(Clone, Copy, Debug)]
pub struct MetricSection<'a> {
    /// Every stream so far (points index into it); it only grows.
    pub streams: &'a Streams<'a>,
    /// The tick's points, series in definition order.
    pub points: Points<'a>,
}

/// One exported stream: a metric name with its unit, description, attributes
/// and data model. A series gets a new stream when a reconfiguration changes
/// its name, unit, description or attributes. A series of a set has its
/// brace expressions expanded here; the other fields borrow the scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct Stream<'r> {
    /// The metric action's name (the series).
    pub series: &'r str,
    /// The exported metric name.
    pub name: Cow<'r, str>,
    /// The metric's kind.
    pub kind: MetricKind,
    /// OTLP unit.
    pub unit: &'r str,
    /// OTLP description.
    pub description: &'r str,
    /// OTLP resource attributes.
    pub resource: Cow<'r, [KeyValue<'static>]>,
    /// OTLP scope attributes.
    pub scope: Cow<'r, [KeyValue<'static>]>,
    /// OTLP data point attributes.
    pub datapoint: Cow<'r, [KeyValue<'static>]>,
    /// Sums and histograms: cumulative or delta.
    pub temporality: Temporality,
    /// Explicit histograms: the bucket bounds.
    pub bounds: &'r [f64],
}

impl Stream<'_> {
    /// Whether a sum only grows (a counter).
    pub fn monotonic(&self) -> bool {
        self.kind.data_model() == DataModel::Sum { monotonic: true }
    }
}

/// The OTLP data message a metric's points go in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DataModel {
    /// `Gauge` of number points.
    Gauge,
    /// `Sum` of number points.
    Sum {
        /// Whether it only grows.
        monotonic: bool,
    },
    /// `Histogram` of explicit-bucket points.
    Histogram,
    /// `ExponentialHistogram`.
    ExponentialHistogram,
}

/// One generated point. Its value's histogram data, if any, lives beside it in
/// the [`Points`] it came in: read it with [`Points::value`].
///
/// 32 bytes: the value is kept as a tag and 64 bits (see [`Point::value`]), so
/// a tick's points stream through memory as densely as they can.
#[derive(Clone, Copy, PartialEq)]
pub struct Point {
    /// Index into the run's streams.
    pub stream: u32,
    /// OTLP `start_time_unix_nano`: the tick's time for a gauge, the creation
    /// time for cumulative data, the previous point's time for delta data.
    pub start_unix_nanos: i64,
    /// OTLP `time_unix_nano`: the simulated wall clock of the point's tick.
    pub time_unix_nanos: i64,
    tag: ValueTag,
    bits: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ValueTag {
    Double,
    Int,
    Stale,
    Histogram,
    ExpHistogram,
}

impl Point {
    /// A point of `stream` with its times and value.
    pub fn new(stream: u32, start_unix_nanos: i64, time_unix_nanos: i64, value: PointValue) -> Point {
        let (tag, bits) = match value {
            PointValue::Double(v) => (ValueTag::Double, v.to_bits()),
            PointValue::Int(v) => (ValueTag::Int, v as u64),
            PointValue::Stale => (ValueTag::Stale, 0),
            PointValue::Histogram(HistogramIndex(i)) => (ValueTag::Histogram, u64::from(i)),
            PointValue::ExpHistogram(HistogramIndex(i)) => (ValueTag::ExpHistogram, u64::from(i)),
        };
        Point { stream, start_unix_nanos, time_unix_nanos, tag, bits }
    }

    /// The value (histogram data is resolved by [`Points::value`]).
    #[inline]
    pub fn value(&self) -> PointValue {
        match self.tag {
            ValueTag::Double => PointValue::Double(f64::from_bits(self.bits)),
            ValueTag::Int => PointValue::Int(self.bits as i64),
            ValueTag::Stale => PointValue::Stale,
            ValueTag::Histogram => PointValue::Histogram(HistogramIndex(self.bits as u32)),
            ValueTag::ExpHistogram => PointValue::ExpHistogram(HistogramIndex(self.bits as u32)),
        }
    }
}

impl std::fmt::Debug for Point {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Point")
            .field("stream", &self.stream)
            .field("start_unix_nanos", &self.start_unix_nanos)
            .field("time_unix_nanos", &self.time_unix_nanos)
            .field("value", &self.value())
            .finish()
    }
}

/// A point's value as stored; histograms refer into their buffer's arena.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum PointValue {
    /// A float (a gauge's value, a sum's total or delta).
    Double(f64),
    /// An integer (a gauge with `valueType: int`).
    Int(i64),
    /// A staleness marker: no recorded value (OTLP `FLAG_NO_RECORDED_VALUE`).
    Stale,
    /// An explicit-bucket histogram (data in the buffer).
    Histogram(HistogramIndex),
    /// An exponential histogram (data in the buffer).
    ExpHistogram(HistogramIndex),
}

/// Where a histogram point's data is in its buffer (opaque to sinks).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HistogramIndex(u32);

impl PointValue {
    /// The value as a float; `None` for stale points and histograms.
    pub fn as_f64(self) -> Option<f64> {
        match self {
            PointValue::Double(v) => Some(v),
            PointValue::Int(v) => Some(v as f64),
            _ => None,
        }
    }
}

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
    /// Adds one observation.
    #[inline]
    pub fn record(&mut self, v: f64) {
        self.count += 1;
        self.sum += v;
        self.min = Some(self.min.map_or(v, |m| m.min(v)));
        self.max = Some(self.max.map_or(v, |m| m.max(v)));
    }
}

/// A point's value with its histogram data resolved.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ValueRef<'a> {
    /// A float.
    Double(f64),
    /// An integer gauge value.
    Int(i64),
    /// A staleness marker.
    Stale,
    /// An explicit-bucket histogram.
    Histogram(HistogramRef<'a>),
    /// An exponential histogram.
    ExpHistogram(ExpHistogramRef<'a>),
}

/// An explicit-bucket histogram point; its bounds are its stream's.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct HistogramRef<'a> {
    /// Count, sum, min, max.
    pub summary: Summary,
    /// One count per bucket: `bounds.len() + 1` of them.
    pub counts: &'a [u64],
}

/// An exponential histogram point.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ExpHistogramRef<'a> {
    /// Count, sum, min, max.
    pub summary: Summary,
    /// Bucket `i` holds `(base^i, base^(i+1)]`, `base = 2^(2^-scale)`.
    pub scale: i32,
    /// Observations of exactly 0.
    pub zero_count: u64,
    /// Index of the first positive bucket.
    pub positive_offset: i32,
    /// Positive bucket counts.
    pub positive: &'a [u64],
    /// Index of the first negative bucket (by magnitude).
    pub negative_offset: i32,
    /// Negative bucket counts.
    pub negative: &'a [u64],
}

/// A run of bucket counts in a buffer's arena.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct CountsAt {
    start: u32,
    len: u32,
}

#[derive(Clone, Copy, Debug, PartialEq)]
struct HistogramData {
    summary: Summary,
    counts: CountsAt,
}

#[derive(Clone, Copy, Debug, PartialEq)]
struct ExpHistogramData {
    summary: Summary,
    scale: i32,
    zero_count: u64,
    positive_offset: i32,
    positive: CountsAt,
    negative_offset: i32,
    negative: CountsAt,
}

/// Points and the histogram data they refer to, owned: the engine's per-tick
/// output, or a sink's points waiting to be sent.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PointBuffer {
    points: Vec<Point>,
    histograms: Vec<HistogramData>,
    exp_histograms: Vec<ExpHistogramData>,
    counts: Vec<u64>,
}

impl PointBuffer {
    /// An empty buffer.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many points it holds.
    pub fn len(&self) -> usize {
        self.points.len()
    }

    /// Whether it holds no point.
    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }

    /// Every point, as a view that resolves values.
    pub fn all(&self) -> Points<'_> {
        Points { points: &self.points, buffer: self }
    }

    /// Some of the points, as a view that resolves values.
    pub fn slice(&self, range: Range<usize>) -> Points<'_> {
        Points { points: &self.points[range], buffer: self }
    }

    /// Drops every point (keeping the allocations).
    pub fn clear(&mut self) {
        self.points.clear();
        self.histograms.clear();
        self.exp_histograms.clear();
        self.counts.clear();
    }

    /// Adds a point; a histogram value must come from this buffer's
    /// [`histogram`](Self::histogram) or [`exp_histogram`](Self::exp_histogram).
    pub(crate) fn push(&mut self, point: Point) {
        self.points.push(point);
    }

    fn counts_at(&mut self, counts: impl IntoIterator<Item = u64>) -> CountsAt {
        let start = self.counts.len() as u32;
        self.counts.extend(counts);
        CountsAt { start, len: self.counts.len() as u32 - start }
    }

    /// The value of an explicit-bucket histogram point, stored here.
    pub(crate) fn histogram(&mut self, summary: Summary, counts: impl IntoIterator<Item = u64>) -> PointValue {
        let counts = self.counts_at(counts);
        self.histograms.push(HistogramData { summary, counts });
        PointValue::Histogram(HistogramIndex(self.histograms.len() as u32 - 1))
    }

    /// The value of an exponential histogram point, stored here.
    pub(crate) fn exp_histogram(
        &mut self,
        summary: Summary,
        scale: i32,
        zero_count: u64,
        positive: (i32, impl IntoIterator<Item = u64>),
        negative: (i32, impl IntoIterator<Item = u64>),
    ) -> PointValue {
        let (positive_offset, positive) = (positive.0, self.counts_at(positive.1));
        let (negative_offset, negative) = (negative.0, self.counts_at(negative.1));
        self.exp_histograms.push(ExpHistogramData {
            summary,
            scale,
            zero_count,
            positive_offset,
            positive,
            negative_offset,
            negative,
        });
        PointValue::ExpHistogram(HistogramIndex(self.exp_histograms.len() as u32 - 1))
    }

    /// Copies `points` (from another buffer) here, with their histogram data.
    pub fn extend(&mut self, points: Points<'_>) {
        self.points.reserve(points.len());
        for p in points.iter() {
            let value = match points.value(p) {
                ValueRef::Histogram(h) => self.histogram(h.summary, h.counts.iter().copied()),
                ValueRef::ExpHistogram(h) => self.exp_histogram(
                    h.summary,
                    h.scale,
                    h.zero_count,
                    (h.positive_offset, h.positive.iter().copied()),
                    (h.negative_offset, h.negative.iter().copied()),
                ),
                _ => p.value(),
            };
            self.points.push(Point::new(p.stream, p.start_unix_nanos, p.time_unix_nanos, value));
        }
    }

    /// Drops the first `n` points, keeping the rest and only the histogram data
    /// they still use.
    pub fn drop_front(&mut self, n: usize) {
        if n >= self.points.len() {
            return self.clear();
        }
        if self.histograms.is_empty() && self.exp_histograms.is_empty() {
            self.points.drain(..n);
            return;
        }
        let old = std::mem::take(self);
        self.extend(old.slice(n..old.len()));
    }
}

/// A view of points with the data their values refer to.
#[derive(Clone, Copy, Debug)]
pub struct Points<'a> {
    points: &'a [Point],
    buffer: &'a PointBuffer,
}

impl<'a> Points<'a> {
    /// How many points.
    pub fn len(&self) -> usize {
        self.points.len()
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }

    /// The points, in order.
    pub fn iter(&self) -> std::slice::Iter<'a, Point> {
        self.points.iter()
    }

    /// The points as a slice.
    pub fn as_slice(&self) -> &'a [Point] {
        self.points
    }

    /// Some of the points, with the same data.
    pub fn slice(&self, range: Range<usize>) -> Points<'a> {
        Points { points: &self.points[range], buffer: self.buffer }
    }

    /// A point's value with its histogram data resolved. `p` must be one of
    /// these points (or of the same buffer).
    pub fn value(&self, p: &Point) -> ValueRef<'a> {
        let counts = |c: CountsAt| &self.buffer.counts[c.start as usize..(c.start + c.len) as usize];
        match p.value() {
            PointValue::Double(v) => ValueRef::Double(v),
            PointValue::Int(v) => ValueRef::Int(v),
            PointValue::Stale => ValueRef::Stale,
            PointValue::Histogram(HistogramIndex(i)) => {
                let h = self.buffer.histograms[i as usize];
                ValueRef::Histogram(HistogramRef { summary: h.summary, counts: counts(h.counts) })
            }
            PointValue::ExpHistogram(HistogramIndex(i)) => {
                let h = self.buffer.exp_histograms[i as usize];
                ValueRef::ExpHistogram(ExpHistogramRef {
                    summary: h.summary,
                    scale: h.scale,
                    zero_count: h.zero_count,
                    positive_offset: h.positive_offset,
                    positive: counts(h.positive),
                    negative_offset: h.negative_offset,
                    negative: counts(h.negative),
                })
            }
        }
    }
}

impl<'a> IntoIterator for Points<'a> {
    type Item = &'a Point;
    type IntoIter = std::slice::Iter<'a, Point>;

    fn into_iter(self) -> Self::IntoIter {
        self.points.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(stream: u32, value: PointValue) -> Point {
        Point::new(stream, 1, 2, value)
    }

    /// Every point with its data resolved, as text.
    fn resolved(b: &PointBuffer) -> Vec<String> {
        let all = b.all();
        all.iter().map(|p| format!("{} {:?}", p.stream, all.value(p))).collect()
    }

    #[test]
    fn dropped_points_leave_and_the_rest_keep_their_histogram_data() {
        let mut b = PointBuffer::new();
        for i in 0..12u32 {
            let summary = Summary { count: u64::from(i), sum: f64::from(i), min: None, max: None };
            let value = match i % 3 {
                0 => PointValue::Double(f64::from(i)),
                1 => b.histogram(summary, [u64::from(i), 1, 2]),
                _ => b.exp_histogram(summary, i as i32, 3, (-1, [u64::from(i)]), (2, [5, 6])),
            };
            b.points.push(point(i, value));
        }
        let all = resolved(&b);
        for n in [0, 1, 5, 11, 12] {
            let mut rest = b.clone();
            rest.drop_front(n);
            assert_eq!(resolved(&rest), all[n..], "after dropping {n}");
            let used: usize = rest.histograms.iter().map(|h| h.counts.len as usize).sum::<usize>()
                + rest.exp_histograms.iter().map(|h| (h.positive.len + h.negative.len) as usize).sum::<usize>();
            assert_eq!(rest.counts.len(), used, "the arena keeps only counts still used");
        }
        let mut copy = PointBuffer::new();
        copy.extend(b.slice(3..7));
        assert_eq!(resolved(&copy), all[3..7]);
    }
}
