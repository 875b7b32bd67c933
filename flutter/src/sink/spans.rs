//! Spans as a [`MemorySink`](super::MemorySink) keeps them, and queries over them.

use super::query::{Query, Ticked};
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
pub type SpanQuery<'s> = Query<'s, RecordedSpan>;

impl Ticked for RecordedSpan {
    fn tick(&self) -> u64 {
        self.tick
    }
}

impl<'s> Query<'s, RecordedSpan> {
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

    /// The spans, in the order generated.
    pub fn spans(&self) -> &[&'s RecordedSpan] {
        self.items()
    }

    /// Their durations, in order.
    pub fn durations(&self) -> Vec<GoDuration> {
        self.items().iter().map(|s| s.duration()).collect()
    }
}
