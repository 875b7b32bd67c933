//! The OTLP sink: encodes each tick's points and hands requests to the
//! delivery layer.

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use super::destination::{Compression, OtlpSettings};
use super::metrics::Encoder;
use super::requests::{Requests, TickRange};
use super::response::decode_partial_success;
use super::split::split_request;
use crate::batch::{Batch, Points};
use crate::delivery::{DeliveryEvent, DeliveryStats, HttpTransport, Mode, Request, Sender, Splitter};
use crate::sink::{Sink, SinkError};

/// Sends points as OTLP/HTTP protobuf.
///
/// In [`Mode::RealTime`] each tick becomes a request (split at
/// `maxPointsPerRequest`) and the engine never waits for the network. In
/// [`Mode::Fast`], ticks are batched into requests of `maxPointsPerRequest`
/// points and the engine waits for delivery when the queue is full.
#[derive(Debug)]
pub struct OtlpSink {
    settings: OtlpSettings,
    mode: Mode,
    requests: Requests,
    buf: Vec<u8>,
    sender: Option<Sender>,
    interrupt: Option<Arc<AtomicBool>>,
    result: Option<(DeliveryStats, Option<String>)>,
}

impl OtlpSink {
    /// Starts the delivery thread; `events` hears about retries, rejections and losses.
    pub fn new(settings: OtlpSettings, mode: Mode, events: impl Fn(&DeliveryEvent) + Send + Sync + 'static) -> Self {
        let mut headers = settings.headers.clone();
        headers.push(("Content-Type".into(), "application/x-protobuf".into()));
        if settings.compression == Compression::Gzip {
            headers.push(("Content-Encoding".into(), "gzip".into()));
        }
        let (url, connections) = (settings.url.clone(), settings.connections);
        let transport =
            HttpTransport::new(url, headers, settings.timeout, &settings.tls, connections, decode_partial_success);
        let split: Splitter = match settings.compression {
            Compression::None => Arc::new(split_request),
            Compression::Gzip => Arc::new(|body: &[u8]| {
                let [(a, n), (b, m)] = split_request(&gunzip(body)?)?;
                Some([(gzip(&a).ok()?, n), (gzip(&b).ok()?, m)])
            }),
        };
        let sender = Sender::start(transport, mode, Arc::new(events), Some(split), connections);
        let requests = Requests::new(settings.max_points_per_request, mode.pacing());
        OtlpSink { settings, mode, requests, buf: Vec::new(), sender: Some(sender), interrupt: None, result: None }
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

    /// Sends every request ready (all pending points, with `all`).
    fn send_pending(&mut self, all: bool) -> Result<(), SinkError> {
        let (buf, sender, compression) = (&mut self.buf, &self.sender, self.settings.compression);
        self.requests
            .flush(all, |encoder, points, ticks| send(encoder, points, ticks, buf, sender.as_ref(), compression))
    }
}

/// Encodes `points` into one request and queues it.
fn send(
    encoder: &mut Encoder,
    points: Points<'_>,
    (first_tick, last_tick): TickRange,
    buf: &mut Vec<u8>,
    sender: Option<&Sender>,
    compression: Compression,
) -> Result<(), SinkError> {
    let Some(sender) = sender else { return Err(SinkError::Delivery("delivery has stopped".into())) };
    buf.clear();
    let count = points.len() as u64;
    encoder.encode(points, buf);
    let body = match compression {
        // The encoded body itself goes: no copy (the encoder sizes the next one up front).
        Compression::None => std::mem::take(buf),
        Compression::Gzip => gzip(buf)?,
    };
    let request = Request { body, points: count, first_tick, last_tick };
    sender.push(request).map_err(|e| SinkError::Delivery(format!("OTLP delivery failed: {e}")))
}

/// A gzip body undone (to split it).
fn gunzip(body: &[u8]) -> Option<Vec<u8>> {
    use std::io::Read;
    let mut out = Vec::with_capacity(body.len() * 4);
    flate2::read::GzDecoder::new(body).read_to_end(&mut out).ok()?;
    Some(out)
}

/// gzip at a fast level: the default level costs about 8× the encoding.
fn gzip(bytes: &[u8]) -> Result<Vec<u8>, SinkError> {
    let mut enc = flate2::write::GzEncoder::new(Vec::with_capacity(bytes.len() / 4), flate2::Compression::fast());
    enc.write_all(bytes)?;
    Ok(enc.finish()?)
}

impl Sink for OtlpSink {
    fn tick(&mut self, batch: &Batch<'_>) -> Result<(), SinkError> {
        if let Some(sender) = &self.sender {
            sender.count_generated(batch.metrics.points.len() as u64);
        }
        let (buf, sender, compression) = (&mut self.buf, &self.sender, self.settings.compression);
        self.requests
            .tick(batch, |encoder, points, ticks| send(encoder, points, ticks, buf, sender.as_ref(), compression))
    }

    fn finish(&mut self) -> Result<(), SinkError> {
        let flushed = self.send_pending(true);
        let Some(sender) = self.sender.take() else { return flushed };
        let interrupted = self.interrupt.as_ref().is_some_and(|f| f.load(Ordering::SeqCst));
        let deadline = match (self.mode, interrupted) {
            (Mode::Fast { .. }, false) => None,
            _ => Some(Instant::now() + self.settings.flush_timeout),
        };
        let (stats, failure) = sender.close(deadline);
        self.result = Some((stats, failure.clone()));
        match failure {
            Some(f) => Err(SinkError::Delivery(format!("OTLP delivery failed: {f}"))),
            None => flushed,
        }
    }
}
