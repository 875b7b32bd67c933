//! Spans as an OTLP `ExportTraceServiceRequest`: one `ResourceSpans` per
//! resource (in the order the tick's spans first use them), one scope, the
//! spans in tree order. A request is only its repeated `resource_spans`, so
//! the encodings of several ticks, appended, are one request.

use super::common::{Nesting, put_attributes, put_by_resource};
use super::proto::{VARINT, key, put_bytes, put_fixed64, put_varint};
use super::tag;
use crate::batch::{Span, SpanSection};
use crate::scenario::{AttrValue, KeyValue};

/// The name of the event an own failure carries (OpenTelemetry's semantic conventions).
pub const EXCEPTION_EVENT: &str = "exception";

/// Appends `section`'s spans to `out` as `resource_spans` fields of an
/// `ExportTraceServiceRequest`.
pub fn encode_spans(section: &SpanSection<'_>, out: &mut Vec<u8>) {
    let nesting = Nesting {
        request_resource: tag::traces_request::RESOURCE_SPANS,
        resource: tag::resource_spans::RESOURCE,
        scope_items: tag::resource_spans::SCOPE_SPANS,
        scope: tag::scope_spans::SCOPE,
        items: tag::scope_spans::SPANS,
    };
    put_by_resource(out, section.spans, section.resources, (|s: &Span<'_>| s.resource, &nesting), encode_span);
}

/// One `Span` message's content.
fn encode_span(s: &Span<'_>, out: &mut Vec<u8>) {
    use tag::span as f;
    put_bytes(out, f::TRACE_ID, &s.trace_id);
    put_bytes(out, f::SPAN_ID, &s.span_id);
    if let Some(parent) = &s.parent_span_id {
        put_bytes(out, f::PARENT_SPAN_ID, parent);
    }
    put_bytes(out, f::NAME, s.name.as_bytes());
    out.push(key(f::KIND, VARINT));
    put_varint(out, s.kind.otlp());
    put_fixed64(out, f::START_TIME, s.start_unix_nanos as u64);
    put_fixed64(out, f::END_TIME, s.end_unix_nanos as u64);
    put_attributes(out, f::ATTRIBUTES, &s.attributes);
    let Some(message) = s.error else { return };
    if s.exception {
        // The failure happens as the span ends.
        let mut event = Vec::new();
        put_fixed64(&mut event, tag::event::TIME, s.end_unix_nanos as u64);
        put_bytes(&mut event, tag::event::NAME, EXCEPTION_EVENT.as_bytes());
        let attrs = [KeyValue { key: "exception.message".into(), value: AttrValue::Str(message.to_owned().into()) }];
        put_attributes(&mut event, tag::event::ATTRIBUTES, &attrs);
        put_bytes(out, f::EVENTS, &event);
    }
    let mut status = Vec::new();
    if !message.is_empty() {
        put_bytes(&mut status, tag::status::MESSAGE, message.as_bytes());
    }
    status.push(key(tag::status::CODE, VARINT));
    put_varint(&mut status, tag::status::ERROR);
    put_bytes(out, f::STATUS, &status);
}
