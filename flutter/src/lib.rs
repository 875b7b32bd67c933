//! flutter: scripted, deterministic telemetry.
//!
//! A [`Scenario`] (YAML, loaded at run time or embedded at compile time) says
//! which metrics exist, which value shapes feed them and when those shapes
//! change. The [`Engine`] plays it on a simulated clock and hands each tick's
//! output, a [`Batch`], to [`Sink`]s: log lines, memory, or OTLP.
//!
//! Three ways in:
//! * [`Scenario::simulate`]: play a scenario at once into a [`MemorySink`] and
//!   query its points — the way tests use it;
//! * [`Engine`] + [`run`] + sinks: play it paced in real time or as fast as
//!   possible, as `flutter-bin` does;
//! * `flutter_macros::include_scenario!`: the same scenario checked when your
//!   crate compiles, as a `static`.
//!
//! ```
//! let s = flutter::Scenario::from_yaml("s.yaml", "
//! duration: 1m
//! script:
//!   - {type: metricEmitter, name: load, spec: {type: ramp, start: 0, target: 60, duration: 1m}}
//!   - {type: metric, name: cpu, spec: {type: gauge, emitters: [load]}}
//! ").unwrap();
//! assert_eq!(s.simulate().metric("cpu").at(flutter::GoDuration::from_secs(30)), Some(30.0));
//! ```

pub mod batch;
pub mod delivery;
pub mod distributions;
pub mod engine;
pub mod go;
pub mod header_template;
mod kinds;
pub mod logs;
pub mod otlp;
pub mod plan;
pub mod printable;
pub mod remote_write;
pub mod rng;
pub mod run;
pub mod scenario;
mod schedule;
pub mod sets;
pub mod shard;
mod simulate;
pub mod sink;
pub mod timestamp;
pub mod traces;

pub use batch::{Batch, Point, PointValue, Points, Span, Stream, Streams, Summary, ValueRef};
pub use engine::Engine;
pub use go::duration::GoDuration;
#[cfg(feature = "otlp")]
pub use otlp::OtlpSink;
pub use rng::RngKind;
pub use run::{Clock, LATE, Lateness, Pacing, RunConfig, RunReport, SystemClock, run, run_with};
pub use scenario::{LoadError, Scenario};
pub use sink::{CountingSink, LineFormat, LogSink, MemorySink, RecordedValue, Sink, SinkError};
pub use timestamp::{RunEndError, Timestamp};
