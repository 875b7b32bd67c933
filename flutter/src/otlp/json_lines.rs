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
    out: W,
    requests: Requests<Encoder>,
    body: Vec<u8>,
    line: String,
    lines: u64,
    points: u64,
}

impl<W: Write> JsonLinesSink<W> {
    /// Lines of at most `max_points_per_request` points, one request per line
    /// as `pacing` sends them (real time: each tick's points; fast: requests
    /// filled across ticks).
    pub fn new(out: W, max_points_per_request: usize, pacing: Pacing) -> Self {
        JsonLinesSink {
            out,
            requests: Requests::new(Encoder::new(), max_points_per_request, pacing),
            body: Vec::new(),
            line: String::new(),
            lines: 0,
            points: 0,
        }
    }

    /// Lines written so far.
    pub fn lines(&self) -> u64 {
        self.lines
    }

    /// Points written so far.
    pub fn points(&self) -> u64 {
        self.points
    }

    /// The writer, once the sink is done with it.
    pub fn into_inner(self) -> W {
        self.out
    }
}

/// Appends the request of `points` to `out` as one line.
fn write_line(
    encoder: &mut Encoder,
    points: Points<'_>,
    (body, line): (&mut Vec<u8>, &mut String),
    out: &mut impl Write,
) -> Result<(), SinkError> {
    body.clear();
    RequestEncoder::encode(encoder, points, body);
    line.clear();
    // JSON takes about four times the protobuf's bytes: one allocation, not many.
    line.reserve(body.len() * 4);
    json::metrics_request(body, line).map_err(io::Error::other)?;
    line.push('\n');
    out.write_all(line.as_bytes())?;
    Ok(())
}

impl<W: Write> JsonLinesSink<W> {
    fn write_ready(&mut self, batch: Option<&Batch<'_>>) -> Result<(), SinkError> {
        let (out, lines, points) = (&mut self.out, &mut self.lines, &mut self.points);
        let buffers = (&mut self.body, &mut self.line);
        let mut write = |encoder: &mut Encoder, p: Points<'_>, _| {
            let n = p.len() as u64;
            write_line(encoder, p, (&mut *buffers.0, &mut *buffers.1), out)?;
            *lines += 1;
            *points += n;
            Ok(())
        };
        match batch {
            Some(batch) => self.requests.tick(batch, &mut write),
            None => self.requests.flush(true, &mut write),
        }
    }
}

impl<W: Write> Sink for JsonLinesSink<W> {
    fn tick(&mut self, batch: &Batch<'_>) -> Result<(), SinkError> {
        self.write_ready(Some(batch))
    }

    fn finish(&mut self) -> Result<(), SinkError> {
        self.write_ready(None)?;
        self.out.flush()?;
        Ok(())
    }
}
