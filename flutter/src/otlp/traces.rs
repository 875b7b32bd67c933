//! Spans as an OTLP `ExportTraceServiceRequest`: one `ResourceSpans` per
//! resource (in the order the tick's spans first use them), one scope, the
//! spans in tree order. A request is only its repeated `resource_spans`, so
//! the encodings of several ticks, appended, are one request.

use super::common::{attributes_len, put_attributes};
use super::metrics::SCOPE_NAME;
use super::proto::{VARINT, key, len_field_size, put_bytes, put_fixed64, put_len_header, put_varint};
use super::tag;
use crate::batch::{Span, SpanSection};
use crate::scenario::{AttrValue, KeyValue};

/// The name of the event an own failure carries (OpenTelemetry's semantic conventions).
pub const EXCEPTION_EVENT: &str = "exception";

/// Appends `section`'s spans to `out` as `resource_spans` fields of an
/// `ExportTraceServiceRequest`.
pub fn encode_spans(section: &SpanSection<'_>, out: &mut Vec<u8>) {
    // Resource indices in first-use order; spans keep theirs within a resource.
    let mut order: Vec<u32> = Vec::new();
    for s in section.spans {
        if !order.contains(&s.resource) {
            order.push(s.resource);
        }
    }
    let mut scope = Vec::new();
    put_bytes(&mut scope, tag::scope::NAME, SCOPE_NAME.as_bytes());
    let (mut scope_spans, mut span) = (Vec::new(), Vec::new());
    for r in order {
        scope_spans.clear();
        put_bytes(&mut scope_spans, tag::scope_spans::SCOPE, &scope);
        for s in section.spans.iter().filter(|s| s.resource == r) {
            span.clear();
            encode_span(s, &mut span);
            put_bytes(&mut scope_spans, tag::scope_spans::SPANS, &span);
        }
        let attrs = &section.resources[r as usize];
        let resource_len = attributes_len(attrs);
        let len = len_field_size(resource_len) + len_field_size(scope_spans.len());
        put_len_header(out, tag::traces_request::RESOURCE_SPANS, len);
        put_len_header(out, tag::resource_spans::RESOURCE, resource_len);
        put_attributes(out, tag::resource::ATTRIBUTES, attrs);
        put_bytes(out, tag::resource_spans::SCOPE_SPANS, &scope_spans);
    }
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
