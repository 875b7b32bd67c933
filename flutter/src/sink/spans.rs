//! Spans as a [`MemorySink`](super::MemorySink) keeps them, and queries over them.

use crate::batch::SpanSection;
use crate::go::duration::GoDuration;
use crate::scenario::{AttrValue, KeyValue};
use crate::traces::SpanKind;

/// A span as recorded: owned, so the sink outlives the engine.
#[derive(Clone, Debug, PartialEq)]
pub struct RecordedSpan {
    /// The trace action's name.
    pub trace: String,
    /// The trace ID.
    pub trace_id: [u8; 16],
    /// The span ID.
    pub span_id: [u8; 8],
    /// The parent's span ID; `None` for a root.
    pub parent_span_id: Option<[u8; 8]>,
    /// The span's name.
    pub name: String,
    /// OTLP span kind.
    pub kind: SpanKind,
    /// The tick whose second the trace started in.
    pub tick: u64,
    /// Start, Unix nanoseconds.
    pub start_unix_nanos: i64,
    /// End, Unix nanoseconds.
    pub end_unix_nanos: i64,
    /// Status ERROR with this message, or `None`.
    pub error: Option<String>,
    /// Whether the failure is the span's own (with an `exception` event).
    pub exception: bool,
    /// Span attributes.
    pub attributes: Vec<KeyValue<'static>>,
    /// Resource attributes.
    pub resource: Vec<KeyValue<'static>>,
}

impl RecordedSpan {
    /// How long it lasts.
    pub fn duration(&self) -> GoDuration {
        GoDuration::from_nanos(self.end_unix_nanos - self.start_unix_nanos)
    }

    /// The value of attribute `key` (span attributes, then resource).
    pub fn attr(&self, key: &str) -> Option<&AttrValue<'static>> {
        self.attributes.iter().chain(&self.resource).find(|kv| kv.key == key).map(|kv| &kv.value)
    }

    /// The resource's `service.name`, if it is a string.
    pub fn service(&self) -> Option<&str> {
        match self.resource.iter().find(|kv| kv.key == "service.name").map(|kv| &kv.value) {
            Some(AttrValue::Str(s)) => Some(s),
            _ => None,
        }
    }
}

/// Copies a batch's spans.
pub(super) fn record(section: &SpanSection<'_>, tick: u64, out: &mut Vec<RecordedSpan>) {
    out.extend(section.spans.iter().map(|s| RecordedSpan {
        trace: s.trace.to_owned(),
        trace_id: s.trace_id,
        span_id: s.span_id,
        parent_span_id: s.parent_span_id,
        name: s.name.to_owned(),
        kind: s.kind,
        tick,
        start_unix_nanos: s.start_unix_nanos,
        end_unix_nanos: s.end_unix_nanos,
        error: s.error.map(str::to_owned),
        exception: s.exception,
        attributes: s.attributes.to_vec(),
        resource: section.resources[s.resource as usize].to_vec(),
    }));
}

/// A query over recorded spans: one trace action's, narrowed step by step.
#[derive(Clone, Debug)]
pub struct SpanQuery<'s> {
    spans: Vec<&'s RecordedSpan>,
}

impl<'s> SpanQuery<'s> {
    pub(super) fn new(spans: impl Iterator<Item = &'s RecordedSpan>) -> Self {
        SpanQuery { spans: spans.collect() }
    }

    /// Only spans called `name`.
    pub fn named(self, name: &str) -> Self {
        self.filter(|s| s.name == name)
    }

    /// Only spans of the service `service` (resource `service.name`).
    pub fn service(self, service: &str) -> Self {
        self.filter(|s| s.service() == Some(service))
    }

    /// Only failed spans (status ERROR).
    pub fn failed(self) -> Self {
        self.filter(|s| s.error.is_some())
    }

    /// Only roots.
    pub fn roots(self) -> Self {
        self.filter(|s| s.parent_span_id.is_none())
    }

    /// Only spans of traces started in the seconds from `from` to `to`.
    pub fn between(self, from: impl Into<GoDuration>, to: impl Into<GoDuration>) -> Self {
        let (from, to) = (from.into(), to.into());
        self.filter(|s| {
            let t = GoDuration::from_secs(s.tick as i64);
            t >= from && t <= to
        })
    }

    /// Only spans for which `keep` holds.
    pub fn filter(mut self, keep: impl Fn(&RecordedSpan) -> bool) -> Self {
        self.spans.retain(|s| keep(s));
        self
    }

    /// The spans, in the order generated.
    pub fn spans(&self) -> &[&'s RecordedSpan] {
        &self.spans
    }

    /// How many.
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// Their durations, in order.
    pub fn durations(&self) -> Vec<GoDuration> {
        self.spans.iter().map(|s| s.duration()).collect()
    }
}
