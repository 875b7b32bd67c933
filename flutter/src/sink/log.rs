//! Point lines in the Go tool's format:
//! `2025/04/30 10:44:12 INFO MetricGauge Emit ts=1m10s metricName=pod.cpu.usage value=62.90178020482533`.

use std::fmt::Write as _;
use std::io::Write;

use super::{Sink, SinkError};
use crate::batch::{Batch, Summary, ValueRef};
use crate::go::float::write_go_float;

/// Writes one line per point: real local time of printing, `MetricGauge` or
/// `MetricCounter`, the tick as a Go duration, the exported name, the value.
#[derive(Debug)]
pub struct LogSink<W: Write> {
    out: W,
    line: String,
    clock: LocalSecond,
    flush_each_tick: bool,
}

impl<W: Write> LogSink<W> {
    /// Lines go to `out`; with `flush_each_tick`, each tick's lines are flushed
    /// (for real-time runs, so lines appear when their tick happens).
    pub fn new(out: W, flush_each_tick: bool) -> Self {
        LogSink { out, line: String::with_capacity(128), clock: LocalSecond::default(), flush_each_tick }
    }

    /// The writer back.
    pub fn into_inner(self) -> W {
        self.out
    }
}

impl<W: Write> Sink for LogSink<W> {
    fn tick(&mut self, batch: &Batch<'_>) -> Result<(), SinkError> {
        let stamp = self.clock.now();
        let points = batch.metrics.points;
        for p in points.iter() {
            let stream = &batch.metrics.streams[p.stream as usize];
            self.line.clear();
            // Writing into a String cannot fail.
            let _ = write!(self.line, "{stamp} INFO {} Emit ts={} metricName=", stream.kind.log_name(), batch.time());
            push_slog_value(&mut self.line, stream.name);
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
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
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
