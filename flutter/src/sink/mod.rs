//! Sinks: where each tick's output goes.
//!
//! A sink gets every [`Batch`] the engine produces, in time order, then one
//! call to [`Sink::finish`]. The contract (see [`crate::batch`]): a batch
//! borrows buffers the next tick reuses, so a sink that keeps points copies
//! them (into a [`PointBuffer`](crate::batch::PointBuffer)); streams only grow,
//! and a sink reads histogram data through [`Points::value`](crate::batch::Points::value).
//!
//! ```
//! use flutter::{Batch, Sink, SinkError, ValueRef};
//!
//! /// Adds up every gauge and counter value it sees.
//! #[derive(Default)]
//! struct Total(f64);
//!
//! impl Sink for Total {
//!     fn tick(&mut self, batch: &Batch<'_>) -> Result<(), SinkError> {
//!         let points = batch.metrics.points;
//!         for p in points.iter() {
//!             if let ValueRef::Double(v) = points.value(p) {
//!                 self.0 += v;
//!             }
//!         }
//!         Ok(())
//!     }
//! }
//! ```

pub(crate) mod json;
mod log;
mod memory;
mod query;
mod records;
mod spans;

pub(crate) use log::attributes_text;
pub use log::{LineFormat, LogSink};
pub use memory::{MemorySink, RecordedPoint, RecordedStream, RecordedValue, SeriesView};
pub use query::{Query, Ticked};
pub use records::{LogQuery, RecordedLog};
pub use spans::{RecordedSpan, SpanQuery};

use crate::batch::Batch;

/// `s` in double quotes, with `"`, `\`, line breaks and tabs escaped as Go
/// and JSON both write them, and every other control character by
/// `control`: their forms differ (`\x1b` in Go, `\u001b` in JSON).
fn push_quoted(out: &mut String, s: &str, control: impl Fn(&mut String, char)) {
    out.push('"');
    // Most strings (names, keys, values) need no escape: copied at once.
    if s.bytes().all(|b| (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\') {
        out.push_str(s);
        out.push('"');
        return;
    }
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => control(out, c),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Why a sink could not take points.
#[derive(Debug, thiserror::Error)]
pub enum SinkError {
    /// Writing failed (for example a closed stdout).
    #[error("writing points failed: {0}")]
    Io(#[from] std::io::Error),
    /// Delivery to a destination failed for good.
    #[error("{0}")]
    Delivery(String),
}

/// Takes the output of each tick, in time order.
pub trait Sink {
    /// The output of one tick that produced any.
    fn tick(&mut self, batch: &Batch<'_>) -> Result<(), SinkError>;

    /// The run is over (or stopped): flush what is buffered.
    fn finish(&mut self) -> Result<(), SinkError> {
        Ok(())
    }
}

/// A sink that counts points and drops them (for benchmarks).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct CountingSink {
    /// Points seen.
    pub points: u64,
    /// Ticks that had points, spans or records.
    pub ticks: u64,
    /// Spans seen.
    pub spans: u64,
    /// Log records seen.
    pub records: u64,
}

impl Sink for CountingSink {
    fn tick(&mut self, batch: &Batch<'_>) -> Result<(), SinkError> {
        self.points += batch.metrics.points.len() as u64;
        self.spans += batch.spans.spans.len() as u64;
        self.records += batch.logs.records.len() as u64;
        self.ticks += u64::from(!batch.more);
        Ok(())
    }
}
