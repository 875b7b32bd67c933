//! Sinks: where each tick's points go.

mod log;
mod memory;

pub use log::LogSink;
pub use memory::{MemorySink, RecordedPoint, RecordedStream, RecordedValue, SeriesView};

use crate::engine::Batch;

/// Why a sink could not take points.
#[derive(Debug, thiserror::Error)]
pub enum SinkError {
    /// Writing failed (for example a closed stdout).
    #[error("writing points failed: {0}")]
    Io(#[from] std::io::Error),
    /// Any other failure, described.
    #[error("{0}")]
    Other(String),
}

/// Takes the points of each tick, in time order.
pub trait Sink {
    /// The points of one tick that has points.
    fn tick(&mut self, batch: &Batch<'_>) -> Result<(), SinkError>;

    /// The run is over (or stopped): flush what is buffered.
    fn finish(&mut self) -> Result<(), SinkError> {
        Ok(())
    }
}

/// A sink that counts points and drops them (for `--check` and benchmarks).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct CountingSink {
    /// Points seen.
    pub points: u64,
    /// Ticks that had points.
    pub ticks: u64,
}

impl Sink for CountingSink {
    fn tick(&mut self, batch: &Batch<'_>) -> Result<(), SinkError> {
        self.points += batch.points.len() as u64;
        self.ticks += 1;
        Ok(())
    }
}
