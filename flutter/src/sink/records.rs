//! Log records as the memory sink keeps them, and queries over them.

use super::query::{Query, Ticked};
use crate::batch::LogSection;
use crate::logs::Severity;
use crate::scenario::{AttrValue, KeyValue};

/// A log record, owned.
#[derive(Clone, Debug, PartialEq)]
pub struct RecordedLog {
    /// The log action's name (for a span's record, the trace action's).
    pub log: String,
    /// The tick whose second it happened in.
    pub tick: u64,
    /// When, Unix nanoseconds.
    pub time_unix_nanos: i64,
    /// Its severity.
    pub severity: Severity,
    /// Its body.
    pub body: String,
    /// Its attributes.
    pub attributes: Vec<KeyValue<'static>>,
    /// A span's record: the span's trace and span IDs.
    pub span: Option<([u8; 16], [u8; 8])>,
    /// Its resource's attributes.
    pub resource: Vec<KeyValue<'static>>,
}

impl RecordedLog {
    /// The value of attribute `key` (the record's, then its resource's).
    pub fn attr(&self, key: &str) -> Option<&AttrValue<'static>> {
        self.attributes.iter().chain(&self.resource).find(|kv| kv.key == key).map(|kv| &kv.value)
    }
}

/// Copies a batch's records.
pub(super) fn record(section: &LogSection<'_>, tick: u64, out: &mut Vec<RecordedLog>) {
    out.extend(section.records.iter().map(|r| RecordedLog {
        log: r.log.to_owned(),
        tick,
        time_unix_nanos: r.time_unix_nanos,
        severity: r.severity,
        body: r.body.to_string(),
        attributes: r.attributes.to_vec(),
        span: r.span,
        resource: section.resources[r.resource as usize].to_vec(),
    }));
}

/// A query over recorded log records: one log action's, narrowed step by step.
pub type LogQuery<'s> = Query<'s, RecordedLog>;

impl Ticked for RecordedLog {
    fn tick(&self) -> u64 {
        self.tick
    }
}

impl<'s> Query<'s, RecordedLog> {
    /// Only records of this severity.
    pub fn severity(self, severity: Severity) -> Self {
        self.filter(|r| r.severity == severity)
    }

    /// Only records whose body holds `text`.
    pub fn containing(self, text: &str) -> Self {
        self.filter(|r| r.body.contains(text))
    }

    /// Only records a span carries.
    pub fn of_spans(self) -> Self {
        self.filter(|r| r.span.is_some())
    }

    /// The records, in the order generated.
    pub fn records(&self) -> &[&'s RecordedLog] {
        self.items()
    }
}
