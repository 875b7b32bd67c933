//! Logs (SCENARIO.md, *Logs*): the model of a `type: log` action — how many
//! records a second, their severities, body template, attributes and
//! resource — and of the records a span carries (`logs:` on a span). The
//! loader reads it in `scenario::logs`, the engine plays it in
//! `engine::logs`, and its records reach the sinks in the batch's
//! [`LogSection`](crate::batch::LogSection).

use std::borrow::Cow;

use crate::scenario::KeyValue;
use crate::traces::Amount;

/// The most records a log action makes in one second; a rate emitter above
/// it is held there (with a warning).
pub const MAX_RATE: f64 = 1_000_000.0;

/// A log action's definition or reconfiguration; `None` fields keep their
/// values (a definition gives `rate` and `body`).
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "bake", derive(serde::Serialize))]
pub struct LogSpec<'a> {
    /// Records per second.
    pub rate: Option<Amount<'a>>,
    /// The records' resource; a brace set picks one series per record.
    pub resource: Option<Cow<'a, [KeyValue<'a>]>>,
    /// Each record's severity, drawn by weight.
    pub severity: Option<Cow<'a, [SeverityWeight]>>,
    /// The body: text with `{name}` holes.
    pub body: Option<Body<'a>>,
    /// The records' attributes; a brace expression picks one value per record.
    pub attributes: Option<Cow<'a, [KeyValue<'a>]>>,
}

/// A severity and how often it is drawn, relative to the others.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "bake", derive(serde::Serialize))]
pub struct SeverityWeight {
    /// The severity.
    pub severity: Severity,
    /// Its weight (at least 0).
    pub weight: f64,
}

/// A body template: text, and holes filled per record.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "bake", derive(serde::Serialize))]
pub struct Body<'a> {
    /// The template as written (`{{` for a brace), for messages.
    pub text: Cow<'a, str>,
    /// Its parts, in order.
    pub parts: Cow<'a, [BodyPart<'a>]>,
}

/// A part of a body template.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "bake", derive(serde::Serialize))]
pub enum BodyPart<'a> {
    /// Text as it is (`{{` already made `{`).
    Text(Cow<'a, str>),
    /// The record's attribute of this key, as text.
    Attribute(Cow<'a, str>),
    /// This emitter's value at the record's tick (as one series gets it).
    Emitter(Cow<'a, str>),
}

/// A record a span carries.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "bake", derive(serde::Serialize))]
pub struct SpanLog<'a> {
    /// The body; its holes name the span's attributes or emitters.
    pub body: Body<'a>,
    /// The record's severity.
    pub severity: Severity,
    /// Which spans carry it.
    pub when: When,
}

/// Which spans carry a span's record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "bake", derive(serde::Serialize))]
pub enum When {
    /// Every span of the template (at its start).
    Always,
    /// Only spans that fail themselves (at their end, with the exception).
    Error,
}

impl When {
    /// Every choice with its name in scenario files.
    pub const ALL: [(&'static str, When); 2] = [("always", When::Always), ("error", When::Error)];
}

/// OpenTelemetry's severities (the first number of each range).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "bake", derive(serde::Serialize))]
pub enum Severity {
    /// `TRACE` (1).
    Trace,
    /// `DEBUG` (5).
    Debug,
    /// `INFO` (9).
    Info,
    /// `WARN` (13).
    Warn,
    /// `ERROR` (17).
    Error,
    /// `FATAL` (21).
    Fatal,
}

impl Severity {
    /// Every severity with its name in scenario files (and OTLP's `severity_text`).
    pub const ALL: [(&'static str, Severity); 6] = [
        ("TRACE", Severity::Trace),
        ("DEBUG", Severity::Debug),
        ("INFO", Severity::Info),
        ("WARN", Severity::Warn),
        ("ERROR", Severity::Error),
        ("FATAL", Severity::Fatal),
    ];

    /// The name, as `severity_text` and log lines show it.
    pub fn name(self) -> &'static str {
        Self::ALL[self as usize].0
    }

    /// OTLP's `SeverityNumber`.
    pub fn number(self) -> u64 {
        self as u64 * 4 + 1
    }
}
