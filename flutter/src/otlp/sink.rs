//! The OTLP sink: encodes each tick's points and hands requests to the sender.

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use super::encode::{Encoder, TimedPoint};
use super::sender::{DeliveryEvent, DeliveryStats, EventHandler, Mode, Request, Sender};
use super::settings::OtlpSettings;
use super::transport::Transport;
use crate::engine::Batch;
use crate::run::Pacing;
use crate::scenario::Compression;
use crate::sink::{Sink, SinkError};

/// Sends points as OTLP/HTTP protobuf.
///
/// In real time each tick becomes a request (split at `maxPointsPerRequest`)
/// and the engine never waits for the network. With [`Pacing::Fast`], ticks are
/// batched into requests of `maxPointsPerRequest` points and the engine waits
/// for delivery when two requests are already waiting.
#[derive(Debug)]
pub struct OtlpSink {
    settings: OtlpSettings,
    pacing: Pacing,
    encoder: Encoder,
    pending: Vec<TimedPoint>,
    pending_ticks: (u64, u64),
    buf: Vec<u8>,
    sender: Option<Sender>,
    interrupt: Option<Arc<AtomicBool>>,
    result: Option<(DeliveryStats, Option<String>)>,
}

impl OtlpSink {
    /// Starts the sender thread; `events` hears about retries, rejections and losses.
    pub fn new(
        settings: OtlpSettings,
        pacing: Pacing,
        events: impl Fn(&DeliveryEvent) + Send + Sync + 'static,
    ) -> Self {
        let mode = match pacing {
            Pacing::RealTime => Mode::RealTime { window: settings.queue_duration.as_secs() },
            Pacing::Fast => Mode::Fast { depth: 2, budget: settings.retry_budget },
        };
        let events: EventHandler = Arc::new(events);
        let sender = Sender::start(Transport::new(&settings), mode, events);
        OtlpSink {
            settings,
            pacing,
            encoder: Encoder::new(),
            pending: Vec::new(),
            pending_ticks: (0, 0),
            buf: Vec::new(),
            sender: Some(sender),
            interrupt: None,
            result: None,
        }
    }

    /// When `flag` is set at [`finish`](Sink::finish) (Ctrl-C), waiting data
    /// gets only the flush timeout, even in a `--fast` run.
    pub fn with_interrupt(mut self, flag: Arc<AtomicBool>) -> Self {
        self.interrupt = Some(flag);
        self
    }

    /// What happened to every point, once [`finish`](Sink::finish) has run.
    pub fn stats(&self) -> Option<DeliveryStats> {
        self.result.as_ref().map(|(s, _)| *s)
    }

    /// The settings in use.
    pub fn settings(&self) -> &OtlpSettings {
        &self.settings
    }

    /// Encodes the first `n` pending points into one request and queues it.
    fn send_pending(&mut self, n: usize) -> Result<(), SinkError> {
        let Some(sender) = &self.sender else { return Err(SinkError::Other("delivery has stopped".into())) };
        let points: Vec<TimedPoint> = self.pending.drain(..n).collect();
        self.buf.clear();
        self.encoder.encode(&points, &mut self.buf);
        let body = match self.settings.compression {
            Compression::None => self.buf.clone(),
            Compression::Gzip => gzip(&self.buf)?,
        };
        let (first_tick, last_tick) = self.pending_ticks;
        let request = Request { body, points: points.len() as u64, first_tick, last_tick };
        sender.push(request).map_err(|e| SinkError::Other(format!("OTLP delivery failed: {e}")))
    }
}

/// gzip at a fast level: the default level costs about 8× the encoding.
fn gzip(bytes: &[u8]) -> Result<Vec<u8>, SinkError> {
    let mut enc = flate2::write::GzEncoder::new(Vec::with_capacity(bytes.len() / 4), flate2::Compression::fast());
    enc.write_all(bytes)?;
    Ok(enc.finish()?)
}

impl Sink for OtlpSink {
    fn tick(&mut self, batch: &Batch<'_>) -> Result<(), SinkError> {
        self.encoder.add_streams(batch.streams);
        if let Some(sender) = &self.sender {
            sender.count_generated(batch.points.len() as u64);
        }
        if self.pending.is_empty() {
            self.pending_ticks.0 = batch.tick;
        }
        self.pending_ticks.1 = batch.tick;
        self.pending.extend(batch.points.iter().map(|p| TimedPoint { time_unix_nanos: batch.unix_nanos, point: *p }));
        let max = self.settings.max_points_per_request;
        while self.pending.len() >= max {
            self.send_pending(max)?;
        }
        if self.pacing == Pacing::RealTime && !self.pending.is_empty() {
            self.send_pending(self.pending.len())?;
        }
        Ok(())
    }

    fn finish(&mut self) -> Result<(), SinkError> {
        let flushed = if self.pending.is_empty() { Ok(()) } else { self.send_pending(self.pending.len()) };
        let Some(sender) = self.sender.take() else { return flushed };
        self.close(sender, flushed)
    }
}

impl OtlpSink {
    fn close(&mut self, sender: Sender, flushed: Result<(), SinkError>) -> Result<(), SinkError> {
        let interrupted = self.interrupt.as_ref().is_some_and(|f| f.load(Ordering::SeqCst));
        let deadline = match (self.pacing, interrupted) {
            (Pacing::Fast, false) => None,
            _ => Some(Instant::now() + self.settings.flush_timeout),
        };
        let (stats, failure) = sender.close(deadline);
        self.result = Some((stats, failure.clone()));
        match failure {
            Some(f) => Err(SinkError::Other(format!("OTLP delivery failed: {f}"))),
            None => flushed,
        }
    }
}
