//! The OTLP JSON Lines sink (`--output`): every request a destination would
//! be sent, as one line of OTLP JSON, the format of the OpenTelemetry
//! Collector's file exporter and `otlpjsonfile` receiver.

use std::io::{self, Write};

use super::json;
use super::metrics::Encoder;
use super::requests::{RequestEncoder, Requests};
use crate::batch::{Batch, Points};
use crate::run::Pacing;
use crate::sink::{Sink, SinkError};

/// Writes points as OTLP JSON Lines: one `ExportMetricsServiceRequest` per
/// line, formed as an OTLP destination is sent them with the same pacing and
/// `maxPointsPerRequest`, transcoded from the same protobuf bytes.
#[derive(Debug)]
pub struct JsonLinesSink<W: Write> {
    requests: Requests<Encoder>,
    lines: Lines<W>,
}

/// Where the lines go, the buffers they are made in, and what was written.
#[derive(Debug)]
struct Lines<W> {
    out: W,
    body: Vec<u8>,
    line: String,
    lines: u64,
    points: u64,
}

impl<W: Write> Lines<W> {
    /// Encodes `points` as one request and appends it to `out` as one line.
    fn write(&mut self, encoder: &mut Encoder, points: Points<'_>) -> Result<(), SinkError> {
        self.body.clear();
        let n = points.len() as u64;
        RequestEncoder::encode(encoder, points, &mut self.body);
        self.line.clear();
        // JSON takes about four times the protobuf's bytes: one allocation, not many.
        self.line.reserve(self.body.len() * 4);
        json::metrics_request(&self.body, &mut self.line).map_err(io::Error::other)?;
        self.line.push('\n');
        self.out.write_all(self.line.as_bytes())?;
        self.lines += 1;
        self.points += n;
        Ok(())
    }
}

impl<W: Write> JsonLinesSink<W> {
    /// Lines of at most `max_points_per_request` points, one request per line
    /// as `pacing` sends them (real time: each tick's points; fast: requests
    /// filled across ticks).
    pub fn new(out: W, max_points_per_request: usize, pacing: Pacing) -> Self {
        JsonLinesSink {
            requests: Requests::new(Encoder::new(), max_points_per_request, pacing),
            lines: Lines { out, body: Vec::new(), line: String::new(), lines: 0, points: 0 },
        }
    }

    /// Lines written so far.
    pub fn lines(&self) -> u64 {
        self.lines.lines
    }

    /// Points written so far.
    pub fn points(&self) -> u64 {
        self.lines.points
    }

    /// The writer, once the sink is done with it.
    pub fn into_inner(self) -> W {
        self.lines.out
    }
}

impl<W: Write> Sink for JsonLinesSink<W> {
    fn tick(&mut self, batch: &Batch<'_>) -> Result<(), SinkError> {
        let lines = &mut self.lines;
        self.requests.tick(batch, |encoder, points, _| lines.write(encoder, points))
    }

    fn finish(&mut self) -> Result<(), SinkError> {
        let lines = &mut self.lines;
        self.requests.flush(true, |encoder, points, _| lines.write(encoder, points))?;
        self.lines.out.flush()?;
        Ok(())
    }
}
