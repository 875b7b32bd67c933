//! Log records as an OTLP `ExportLogsServiceRequest`: one `ResourceLogs` per
//! resource (in the order the tick's records first use them), one scope, the
//! records in order. As for spans, several ticks' encodings appended are one
//! request.

use super::common::{Nesting, put_attributes, put_by_resource};
use super::proto::{VARINT, key, len_field_size, put_bytes, put_fixed64, put_len_header, put_varint};
use super::tag;
use crate::batch::{LogRecord, LogSection};

/// Appends `section`'s records to `out` as `resource_logs` fields of an
/// `ExportLogsServiceRequest`.
pub fn encode_logs(section: &LogSection<'_>, out: &mut Vec<u8>) {
    let nesting = Nesting {
        request_resource: tag::logs_request::RESOURCE_LOGS,
        resource: tag::resource_logs::RESOURCE,
        scope_items: tag::resource_logs::SCOPE_LOGS,
        scope: tag::scope_logs::SCOPE,
        items: tag::scope_logs::LOG_RECORDS,
    };
    put_by_resource(out, section.records, section.resources, (|r: &LogRecord<'_>| r.resource, &nesting), encode_record);
}

/// One `LogRecord` message's content.
fn encode_record(r: &LogRecord<'_>, out: &mut Vec<u8>) {
    use tag::log_record as f;
    put_fixed64(out, f::TIME, r.time_unix_nanos as u64);
    // Simulated: observed as it happened.
    put_fixed64(out, f::OBSERVED_TIME, r.time_unix_nanos as u64);
    out.push(key(f::SEVERITY_NUMBER, VARINT));
    put_varint(out, r.severity.number());
    put_bytes(out, f::SEVERITY_TEXT, r.severity.name().as_bytes());
    put_len_header(out, f::BODY, len_field_size(r.body.len()));
    put_bytes(out, tag::any_value::STRING, r.body.as_bytes());
    put_attributes(out, f::ATTRIBUTES, &r.attributes);
    if let Some((trace, span)) = &r.span {
        put_bytes(out, f::TRACE_ID, trace);
        put_bytes(out, f::SPAN_ID, span);
    }
}
