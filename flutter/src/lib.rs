//! flutter: scripted, deterministic telemetry.
//!
//! A [`Scenario`] (YAML, loaded at run time or embedded at compile time) says
//! which metrics exist, which value shapes feed them and when those shapes
//! change. The engine plays it on a simulated clock and hands each tick's points
//! to sinks: log lines, memory, or OTLP.

// The macros expand to `::flutter::…` paths; this makes them work in flutter's own tests.
extern crate self as flutter;

pub mod distributions;
pub mod duration;
pub mod env;
pub mod gofmt;
pub mod otlp;
pub mod rng;
pub mod scenario;
mod simulate;

pub use duration::GoDuration;
pub use rng::RngKind;
pub use scenario::{LoadError, Scenario};
pub mod engine;
pub mod run;
pub mod sink;

mod emitter;

pub use engine::{Batch, Engine, Point, PointValue, RunConfig, Stream};
#[cfg(feature = "otlp")]
pub use otlp::OtlpSink;
pub use run::{Clock, Pacing, RunReport, SystemClock, run};
pub use scenario::Timestamp;
pub use sink::{CountingSink, LogSink, MemorySink, RecordedValue, Sink, SinkError};
