//! Point lines in the Go tool's format:
//! `2025/04/30 10:44:12 INFO MetricGauge Emit ts=1m10s metricName=pod.cpu.usage value=62.90178020482533`.

use std::fmt::Write as _;
use std::io::Write;

use super::json;
use super::{Sink, SinkError};
use crate::batch::{Batch, LogRecord, Span, Stream, Summary, ValueRef};
use crate::go::float::write_go_float;
use crate::scenario::AttrValue;
use crate::scenario::KeyValue;
use crate::timestamp::Timestamp;

/// How point lines look.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LineFormat {
    /// The Go tool's line, unchanged.
    #[default]
    Go,
    /// The Go line, then the simulated time (RFC 3339) and the series'
    /// attributes (`resource.KEY=…`, `scope.KEY=…`, `KEY=…`), so a fleet's
    /// lines can be told apart.
    Wide,
    /// One JSON object per point: `time`, `ts`, `name`, `series`, `kind`,
    /// `resource`, `scope`, `attributes`, and `value` (`null` with `stale`), or
    /// a histogram's `count`, `sum`, `min`, `max` and buckets.
    Json,
}

/// Writes one line per point: real local time of printing, `MetricGauge` or
/// `MetricCounter`, the tick as a Go duration, the exported name, the value
/// (or the same point in another [`LineFormat`]).
#[derive(Debug)]
pub struct LogSink<W: Write> {
    out: W,
    line: String,
    clock: LocalSecond,
    flush_each_tick: bool,
    format: LineFormat,
}

impl<W: Write> LogSink<W> {
    /// Lines go to `out`; with `flush_each_tick`, each tick's lines are flushed
    /// (for real-time runs, so lines appear when their tick happens).
    pub fn new(out: W, flush_each_tick: bool) -> Self {
        let line = String::with_capacity(128);
        LogSink { out, line, clock: LocalSecond::default(), flush_each_tick, format: LineFormat::Go }
    }

    /// Lines in `format` instead of the Go tool's.
    pub fn with_format(mut self, format: LineFormat) -> Self {
        self.format = format;
        self
    }

    /// The writer back.
    pub fn into_inner(self) -> W {
        self.out
    }
}

impl<W: Write> Sink for LogSink<W> {
    fn tick(&mut self, batch: &Batch<'_>) -> Result<(), SinkError> {
        let stamp = self.clock.now().to_owned();
        let stamp = stamp.as_str();
        let points = batch.metrics.points;
        // The simulated time, formatted once a tick (only the wide and JSON lines show it).
        let (time, ts) = match self.format {
            LineFormat::Go => (String::new(), String::new()),
            _ => (Timestamp(batch.unix_nanos).to_string(), batch.time().to_string()),
        };
        let streams = batch.metrics.streams;
        for p in points.iter() {
            let i = p.stream as usize;
            self.line.clear();
            if self.format == LineFormat::Json {
                json::push_point(&mut self.line, &streams.get(i), &time, &ts, points.value(p));
                self.line.push('\n');
                self.out.write_all(self.line.as_bytes())?;
                continue;
            }
            // Writing into a String cannot fail.
            // Go's lines show only the name and kind: a set member's stream is not rendered whole for them.
            let _ =
                write!(self.line, "{stamp} INFO {} Emit ts={} metricName=", streams.kind(i).log_name(), batch.time());
            push_slog_value(&mut self.line, &streams.name(i));
            match points.value(p) {
                ValueRef::Double(v) => {
                    self.line.push_str(" value=");
                    let _ = write_go_float(&mut self.line, v);
                }
                ValueRef::Int(v) => {
                    let _ = write!(self.line, " value={v}");
                }
                ValueRef::Stale => self.line.push_str(" value=stale"),
                ValueRef::Histogram(h) => push_summary(&mut self.line, &h.summary),
                ValueRef::ExpHistogram(h) => {
                    push_summary(&mut self.line, &h.summary);
                    let _ = write!(self.line, " scale={}", h.scale);
                }
            }
            if self.format == LineFormat::Wide {
                push_wide(&mut self.line, &streams.get(i), &time);
            }
            self.line.push('\n');
            self.out.write_all(self.line.as_bytes())?;
        }
        let ts = batch.time().to_string();
        for span in batch.spans.spans {
            let resource = &batch.spans.resources[span.resource as usize];
            self.line.clear();
            match self.format {
                LineFormat::Json => json::push_span(&mut self.line, span, resource, &ts),
                _ => push_span(&mut self.line, stamp, &ts, span),
            }
            if self.format == LineFormat::Wide {
                push_item_wide(&mut self.line, span.start_unix_nanos, resource, &span.attributes);
            }
            self.line.push('\n');
            self.out.write_all(self.line.as_bytes())?;
        }
        for record in batch.logs.records {
            let resource = &batch.logs.resources[record.resource as usize];
            self.line.clear();
            match self.format {
                LineFormat::Json => json::push_record(&mut self.line, record, resource, &ts),
                _ => push_record(&mut self.line, stamp, &ts, record),
            }
            if self.format == LineFormat::Wide {
                push_item_wide(&mut self.line, record.time_unix_nanos, resource, &record.attributes);
            }
            self.line.push('\n');
            self.out.write_all(self.line.as_bytes())?;
        }
        if self.flush_each_tick {
            self.out.flush()?;
        }
        Ok(())
    }

    fn finish(&mut self) -> Result<(), SinkError> {
        self.out.flush()?;
        Ok(())
    }
}

/// ` time=… resource.KEY=… scope.KEY=… KEY=…`: the wide line's tail.
fn push_wide(out: &mut String, stream: &Stream<'_>, time: &str) {
    out.push_str(" time=");
    out.push_str(time);
    push_attributes(out, stream);
}

/// ` time=… resource.KEY=… KEY=…`: a span's or a record's wide tail.
fn push_item_wide(out: &mut String, unix_nanos: i64, resource: &[KeyValue<'_>], attributes: &[KeyValue<'_>]) {
    out.push_str(" time=");
    out.push_str(&Timestamp(unix_nanos).to_string());
    push_level(out, "resource.", resource);
    push_level(out, "", attributes);
}

/// A stream's attributes as the wide line writes them: `resource.KEY=… KEY=…`.
pub(crate) fn attributes_text(stream: &Stream<'_>) -> String {
    let mut out = String::new();
    push_attributes(&mut out, stream);
    out.trim_start().to_owned()
}

fn push_attributes(out: &mut String, stream: &Stream<'_>) {
    for (prefix, attrs) in [("resource.", &stream.resource), ("scope.", &stream.scope), ("", &stream.datapoint)] {
        push_level(out, prefix, attrs);
    }
}

/// `{stamp} INFO Span Emit ts=… traceId=… spanId=… parentSpanId=… name=… duration=… status=…`,
/// and `message=…` for a failed span.
fn push_span(out: &mut String, stamp: &str, ts: &str, span: &Span<'_>) {
    let parent = span.parent_span_id.map(|p| json::hex(&p)).unwrap_or_default();
    let (trace, id) = (json::hex(&span.trace_id), json::hex(&span.span_id));
    let _ = write!(out, "{stamp} INFO Span Emit ts={ts} traceId={trace} spanId={id} parentSpanId=");
    push_slog_value(out, &parent);
    out.push_str(" name=");
    push_slog_value(out, span.name);
    let _ = write!(out, " duration={}", span.duration());
    match span.error {
        Some(message) => {
            out.push_str(" status=error message=");
            push_slog_value(out, message);
        }
        None => out.push_str(" status=unset"),
    }
}

/// `{stamp} INFO Log Emit ts=… severity=… body=…`, and `traceId=… spanId=…`
/// for a span's record.
fn push_record(out: &mut String, stamp: &str, ts: &str, record: &LogRecord<'_>) {
    let _ = write!(out, "{stamp} INFO Log Emit ts={ts} log=");
    push_slog_value(out, record.log);
    let _ = write!(out, " severity={} body=", record.severity.name());
    push_slog_value(out, &record.body);
    if let Some((trace, span)) = &record.span {
        let _ = write!(out, " traceId={} spanId={}", json::hex(trace), json::hex(span));
    }
}

/// One level of attributes as the wide line writes them: ` PREFIXKEY=VALUE…`.
fn push_level(out: &mut String, prefix: &str, attrs: &[KeyValue<'_>]) {
    {
        for kv in attrs.iter() {
            out.push(' ');
            push_slog_value(out, &format!("{prefix}{}", kv.key));
            out.push('=');
            match &kv.value {
                AttrValue::Str(s) => push_slog_value(out, s),
                AttrValue::Int(i) => {
                    let _ = write!(out, "{i}");
                }
                AttrValue::Double(d) => {
                    let _ = write_go_float(out, *d);
                }
                AttrValue::Bool(b) => {
                    let _ = write!(out, "{b}");
                }
                // Lists and maps as their JSON text.
                other => {
                    let mut text = String::new();
                    json::push_attr_value(&mut text, other);
                    push_slog_value(out, &text);
                }
            }
        }
    }
}

/// ` count=N sum=S min=A max=B` (min and max only when there were observations).
fn push_summary(out: &mut String, s: &Summary) {
    let _ = write!(out, " count={} sum=", s.count);
    let _ = write_go_float(out, s.sum);
    if let (Some(min), Some(max)) = (s.min, s.max) {
        out.push_str(" min=");
        let _ = write_go_float(out, min);
        out.push_str(" max=");
        let _ = write_go_float(out, max);
    }
}

/// slog's text handler: a string is written bare unless it is empty or holds a
/// space, `=`, `"` or a non-printable character; then it is Go-quoted.
fn push_slog_value(out: &mut String, s: &str) {
    let needs_quotes = s.is_empty() || s.chars().any(|c| c == ' ' || c == '=' || c == '"' || c.is_control());
    if !needs_quotes {
        out.push_str(s);
        return;
    }
    super::push_quoted(out, s, |out, c| {
        let _ = write!(out, "\\x{:02x}", c as u32);
    });
}

/// The local time as `YYYY/MM/DD HH:MM:SS`, formatted once per second.
#[derive(Debug, Default)]
struct LocalSecond {
    second: i64,
    text: String,
}

impl LocalSecond {
    fn now(&mut self) -> &str {
        let now = jiff::Timestamp::now();
        if now.as_second() != self.second || self.text.is_empty() {
            self.second = now.as_second();
            let zoned = now.to_zoned_datetime(jiff::tz::TimeZone::system());
            self.text = zoned.strftime("%Y/%m/%d %H:%M:%S").to_string();
        }
        &self.text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slog_quoting() {
        let mut s = String::new();
        push_slog_value(&mut s, "pod.cpu.usage");
        assert_eq!(s, "pod.cpu.usage");
        s.clear();
        push_slog_value(&mut s, "a b=\"c\"");
        assert_eq!(s, r#""a b=\"c\"""#);
        s.clear();
        push_slog_value(&mut s, "");
        assert_eq!(s, r#""""#);
    }
}
