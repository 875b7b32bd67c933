//! Log records as an OTLP `ExportLogsServiceRequest`: one `ResourceLogs` per
//! resource (in the order the tick's records first use them), one scope, the
//! records in order. As for spans, several ticks' encodings appended are one
//! request.

use super::common::{attributes_len, put_attributes};
use super::metrics::SCOPE_NAME;
use super::proto::{VARINT, key, len_field_size, put_bytes, put_fixed64, put_len_header, put_varint};
use super::tag;
use crate::batch::{LogRecord, LogSection};

/// Appends `section`'s records to `out` as `resource_logs` fields of an
/// `ExportLogsServiceRequest`.
pub fn encode_logs(section: &LogSection<'_>, out: &mut Vec<u8>) {
    let mut order: Vec<u32> = Vec::new();
    for r in section.records {
        if !order.contains(&r.resource) {
            order.push(r.resource);
        }
    }
    let mut scope = Vec::new();
    put_bytes(&mut scope, tag::scope::NAME, SCOPE_NAME.as_bytes());
    let (mut scope_logs, mut record) = (Vec::new(), Vec::new());
    for res in order {
        scope_logs.clear();
        put_bytes(&mut scope_logs, tag::scope_logs::SCOPE, &scope);
        for r in section.records.iter().filter(|r| r.resource == res) {
            record.clear();
            encode_record(r, &mut record);
            put_bytes(&mut scope_logs, tag::scope_logs::LOG_RECORDS, &record);
        }
        let attrs = &section.resources[res as usize];
        let resource_len = attributes_len(attrs);
        let len = len_field_size(resource_len) + len_field_size(scope_logs.len());
        put_len_header(out, tag::logs_request::RESOURCE_LOGS, len);
        put_len_header(out, tag::resource_logs::RESOURCE, resource_len);
        put_attributes(out, tag::resource::ATTRIBUTES, attrs);
        put_bytes(out, tag::resource_logs::SCOPE_LOGS, &scope_logs);
    }
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
