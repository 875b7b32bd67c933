//! Points gathered into OTLP requests the way a destination is sent them: in
//! real time each tick's points at once (split at the request size), in a
//! fast run requests filled to that size across ticks. One home for both the
//! sink that sends them and the one that writes them to a file.

use crate::batch::{Batch, PointBuffer, Points, Stream};
use crate::run::Pacing;
use crate::sink::SinkError;

/// What turns points into a request body (OTLP, remote write).
pub(crate) trait RequestEncoder {
    /// Takes the streams it has not seen yet (streams only ever grow).
    fn add_streams(&mut self, streams: &[Stream<'_>]);
    /// Appends one request holding `points` to `out`.
    fn encode(&mut self, points: Points<'_>, out: &mut Vec<u8>);
}

impl RequestEncoder for super::metrics::Encoder {
    fn add_streams(&mut self, streams: &[Stream<'_>]) {
        super::metrics::Encoder::add_streams(self, streams);
    }
    fn encode(&mut self, points: Points<'_>, out: &mut Vec<u8>) {
        super::metrics::Encoder::encode(self, points, out);
    }
}

impl RequestEncoder for crate::remote_write::Encoder {
    fn add_streams(&mut self, streams: &[Stream<'_>]) {
        crate::remote_write::Encoder::add_streams(self, streams);
    }
    fn encode(&mut self, points: Points<'_>, out: &mut Vec<u8>) {
        crate::remote_write::Encoder::encode(self, points, out);
    }
}

/// The ticks a request's points come from, first and last.
pub(crate) type TickRange = (u64, u64);

#[derive(Debug)]
pub(crate) struct Requests<E> {
    pub encoder: E,
    pending: PointBuffer,
    ticks: TickRange,
    max: usize,
    per_tick: bool,
}

impl<E: RequestEncoder> Requests<E> {
    /// Requests of at most `max` points (at least 1) encoded by `encoder`,
    /// formed as `pacing` sends them.
    pub fn new(encoder: E, max: usize, pacing: Pacing) -> Self {
        Requests {
            encoder,
            pending: PointBuffer::new(),
            ticks: (0, 0),
            max: max.max(1),
            per_tick: pacing == Pacing::RealTime,
        }
    }

    /// Takes a tick's points, then hands every request now ready to `send`.
    pub fn tick(
        &mut self,
        batch: &Batch<'_>,
        send: impl FnMut(&mut E, Points<'_>, TickRange) -> Result<(), SinkError>,
    ) -> Result<(), SinkError> {
        let metrics = &batch.metrics;
        self.encoder.add_streams(metrics.streams);
        if self.pending.is_empty() {
            self.ticks.0 = batch.tick;
        }
        self.ticks.1 = batch.tick;
        self.pending.extend(metrics.points);
        self.flush(self.per_tick, send)
    }

    /// Hands `send` every full request's worth of pending points (all of
    /// them, with `all`), then drops what was handed over, once; stops at
    /// the first error.
    pub fn flush(
        &mut self,
        all: bool,
        mut send: impl FnMut(&mut E, Points<'_>, TickRange) -> Result<(), SinkError>,
    ) -> Result<(), SinkError> {
        let len = self.pending.len();
        let mut sent = 0;
        let mut result = Ok(());
        while result.is_ok() && (len - sent >= self.max || (all && sent < len)) {
            let end = (sent + self.max).min(len);
            result = send(&mut self.encoder, self.pending.slice(sent..end), self.ticks);
            sent = end;
        }
        self.pending.drop_front(sent);
        result
    }
}
