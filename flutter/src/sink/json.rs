//! Point lines as JSON objects (`--log-format json`), one per line, for `jq`
//! and tests: name, series, kind, the simulated time, attributes by level
//! and the value (a histogram's summary and buckets).

use std::fmt::Write as _;

use crate::batch::{Span, Stream, Summary, ValueRef};
use crate::go::float::write_go_float;
use crate::scenario::{AttrValue, KeyValue};

/// Appends one point as a JSON object (no line break). `time` is the tick's
/// simulated wall clock in RFC 3339, `ts` the tick since the start.
pub(super) fn push_point(out: &mut String, stream: &Stream<'_>, time: &str, ts: &str, value: ValueRef<'_>) {
    out.push_str("{\"time\":");
    push_string(out, time);
    out.push_str(",\"ts\":");
    push_string(out, ts);
    out.push_str(",\"name\":");
    push_string(out, &stream.name);
    out.push_str(",\"series\":");
    push_string(out, stream.series);
    out.push_str(",\"kind\":");
    push_string(out, stream.kind.type_name());
    for (key, attrs) in [("resource", &stream.resource), ("scope", &stream.scope), ("attributes", &stream.datapoint)] {
        let _ = write!(out, ",\"{key}\":");
        push_map(out, attrs);
    }
    match value {
        ValueRef::Double(v) => push_number_field(out, "value", v),
        ValueRef::Int(v) => {
            let _ = write!(out, ",\"value\":{v}");
        }
        ValueRef::Stale => out.push_str(",\"value\":null,\"stale\":true"),
        ValueRef::Histogram(h) => {
            push_summary(out, &h.summary);
            out.push_str(",\"bounds\":");
            push_numbers(out, stream.bounds.iter().copied());
            out.push_str(",\"counts\":");
            push_numbers(out, h.counts.iter().map(|&c| c as f64));
        }
        ValueRef::ExpHistogram(h) => {
            push_summary(out, &h.summary);
            let _ = write!(out, ",\"scale\":{},\"zeroCount\":{}", h.scale, h.zero_count);
            for (key, offset, counts) in
                [("positive", h.positive_offset, h.positive), ("negative", h.negative_offset, h.negative)]
            {
                let _ = write!(out, ",\"{key}\":{{\"offset\":{offset},\"counts\":");
                push_numbers(out, counts.iter().map(|&c| c as f64));
                out.push('}');
            }
        }
    }
    out.push('}');
}

/// Appends one span as a JSON object (no line break): its trace action,
/// IDs in hex (`parentSpanId` empty for a root), name, kind, start and end
/// (RFC 3339 with nanoseconds), status, resource and attributes.
pub(super) fn push_span(out: &mut String, span: &Span<'_>, resource: &[KeyValue<'_>], ts: &str) {
    out.push_str("{\"ts\":");
    push_string(out, ts);
    out.push_str(",\"trace\":");
    push_string(out, span.trace);
    let _ = write!(
        out,
        ",\"traceId\":\"{}\",\"spanId\":\"{}\",\"parentSpanId\":\"",
        hex(&span.trace_id),
        hex(&span.span_id)
    );
    if let Some(parent) = span.parent_span_id {
        out.push_str(&hex(&parent));
    }
    out.push_str("\",\"name\":");
    push_string(out, span.name);
    let _ = write!(out, ",\"kind\":\"{}\",\"start\":", span.kind.name());
    push_string(out, &crate::Timestamp(span.start_unix_nanos).to_string());
    out.push_str(",\"end\":");
    push_string(out, &crate::Timestamp(span.end_unix_nanos).to_string());
    let _ = write!(out, ",\"durationNanos\":{}", span.end_unix_nanos - span.start_unix_nanos);
    match span.error {
        Some(message) => {
            out.push_str(",\"status\":\"error\",\"message\":");
            push_string(out, message);
        }
        None => out.push_str(",\"status\":\"unset\""),
    }
    out.push_str(",\"resource\":");
    push_map(out, resource);
    out.push_str(",\"attributes\":");
    push_map(out, &span.attributes);
    out.push('}');
}

/// One log record as a JSON object (the JSON log format's record line).
pub(super) fn push_record(out: &mut String, record: &crate::batch::LogRecord<'_>, resource: &[KeyValue<'_>], ts: &str) {
    out.push_str("{\"ts\":");
    push_string(out, ts);
    out.push_str(",\"log\":");
    push_string(out, record.log);
    out.push_str(",\"time\":");
    push_string(out, &crate::Timestamp(record.time_unix_nanos).to_string());
    let _ = write!(out, ",\"severity\":\"{}\",\"body\":", record.severity.name());
    push_string(out, &record.body);
    if let Some((trace, span)) = &record.span {
        let _ = write!(out, ",\"traceId\":\"{}\",\"spanId\":\"{}\"", hex(trace), hex(span));
    }
    out.push_str(",\"resource\":");
    push_map(out, resource);
    out.push_str(",\"attributes\":");
    push_map(out, &record.attributes);
    out.push('}');
}

/// Bytes as lowercase hex, as OTLP JSON and every trace UI write IDs.
pub(crate) fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out
}

fn push_summary(out: &mut String, s: &Summary) {
    let _ = write!(out, ",\"count\":{}", s.count);
    push_number_field(out, "sum", s.sum);
    if let (Some(min), Some(max)) = (s.min, s.max) {
        push_number_field(out, "min", min);
        push_number_field(out, "max", max);
    }
}

fn push_number_field(out: &mut String, key: &str, v: f64) {
    let _ = write!(out, ",\"{key}\":");
    push_number(out, v);
}

/// A finite number as JSON (Go's shortest form is valid JSON); a value that
/// is not finite never reaches a sink, but would be `null`, not invalid JSON.
pub(crate) fn push_number(out: &mut String, v: f64) {
    if v.is_finite() {
        let _ = write_go_float(out, v);
    } else {
        out.push_str("null");
    }
}

fn push_numbers(out: &mut String, values: impl Iterator<Item = f64>) {
    out.push('[');
    for (i, v) in values.enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_number(out, v);
    }
    out.push(']');
}

fn push_map(out: &mut String, attrs: &[KeyValue<'_>]) {
    out.push('{');
    for (i, kv) in attrs.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_string(out, &kv.key);
        out.push(':');
        push_attr_value(out, &kv.value);
    }
    out.push('}');
}

/// An attribute value as JSON.
pub(crate) fn push_attr_value(out: &mut String, v: &AttrValue<'_>) {
    match v {
        AttrValue::Str(s) => push_string(out, s),
        AttrValue::Int(i) => {
            let _ = write!(out, "{i}");
        }
        AttrValue::Double(d) => push_number(out, *d),
        AttrValue::Bool(b) => {
            let _ = write!(out, "{b}");
        }
        AttrValue::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                push_attr_value(out, item);
            }
            out.push(']');
        }
        AttrValue::KvList(kvs) => push_map(out, kvs),
    }
}

/// A JSON string: `"`, `\` and control characters escaped.
pub(crate) fn push_string(out: &mut String, s: &str) {
    super::push_quoted(out, s, |out, c| {
        let _ = write!(out, "\\u{:04x}", c as u32);
    });
}
