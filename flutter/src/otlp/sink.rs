//! The sink that sends: encodes each tick's points (as OTLP, or as
//! Prometheus remote write) and spans (OTLP) and hands requests to the
//! delivery layer, one sender per signal.

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use super::destination::{Compression, OtlpSettings};
use super::metrics::Encoder;
use super::requests::{RequestEncoder, Requests, TickRange};
use super::response::decode_partial_success;
use super::signal::{Channel, Signal};
use super::split::split_request;
use crate::batch::{Batch, LogSection, Points, SpanSection};
use crate::delivery::{
    DeliveryEvent, DeliveryStats, HttpTransport, Mode, Patience, Request, Sender, Splitter, Transport,
};
use crate::sink::{Sink, SinkError};

/// Sends points as OTLP, over HTTP with protobuf bodies or over gRPC as the
/// settings' protocol says ([`OtlpSink::new`]), or as Prometheus remote write
/// ([`OtlpSink::remote_write`]), through one delivery layer.
///
/// In [`Mode::RealTime`] each tick becomes a request (split at
/// `maxPointsPerRequest`); the engine waits for the network only while its
/// next tick is not due (so a large tick is not held encoded at once). In
/// [`Mode::Fast`], ticks are batched into requests of `maxPointsPerRequest`
/// points and the engine waits for delivery when the queue is full.
#[derive(Debug)]
pub struct OtlpSink {
    settings: OtlpSettings,
    mode: Mode,
    requests: Requests<Wire>,
    body: Body,
    buf: Vec<u8>,
    sender: Option<Sender>,
    spans: Channel,
    logs: Channel,
    interrupt: Option<Arc<AtomicBool>>,
    /// Real time: the tick played and until when its requests may wait for room.
    patience: Option<(u64, Instant)>,
    result: Option<(DeliveryStats, Option<String>)>,
}

impl OtlpSink {
    /// Starts the delivery threads for OTLP (HTTP or gRPC); `events` hears
    /// about retries, rejections and losses.
    pub fn new(settings: OtlpSettings, mode: Mode, events: impl Fn(&DeliveryEvent) + Send + Sync + 'static) -> Self {
        let (body, encoding) = match settings.compression {
            Compression::None => (Body::Plain, None),
            Compression::Gzip => (Body::Gzip, Some("gzip")),
        };
        let split: Splitter = match body {
            Body::Gzip => Arc::new(|body: &[u8]| {
                let [(a, n), (b, m)] = split_request(&gunzip(body)?)?;
                Some([(gzip(&a).ok()?, n), (gzip(&b).ok()?, m)])
            }),
            _ => Arc::new(split_request),
        };
        let content = [Some(("Content-Type", "application/x-protobuf")), encoding.map(|e| ("Content-Encoding", e))];
        let wire = Wire::Otlp(Box::new(Encoder::new()));
        #[cfg(feature = "grpc")]
        if settings.protocol == super::destination::Protocol::Grpc {
            // gRPC frames the same message (gzip-compressed with `grpc-encoding`).
            let compressed = body == Body::Gzip;
            let transport = crate::delivery::GrpcTransport::new(
                &settings.url,
                &settings.headers,
                (settings.timeout, compressed),
                &settings.tls,
                decode_partial_success,
            );
            return Self::with_transport(settings, mode, Arc::new(events), (wire, body), transport, None);
        }
        Self::start(settings, mode, Arc::new(events), (wire, body), &content, decode_partial_success, Some(split))
    }

    /// Starts the delivery thread for Prometheus remote write 1.0 (snappy
    /// protobuf `WriteRequest`s) to the settings' URL as it is.
    pub fn remote_write(
        settings: OtlpSettings,
        mode: Mode,
        events: impl Fn(&DeliveryEvent) + Send + Sync + 'static,
    ) -> Self {
        let content = [
            Some(("Content-Type", "application/x-protobuf")),
            Some(("Content-Encoding", "snappy")),
            Some(("X-Prometheus-Remote-Write-Version", "0.1.0")),
        ];
        let wire = Wire::RemoteWrite(Box::new(crate::remote_write::Encoder::new()));
        Self::start(settings, mode, Arc::new(events), (wire, Body::Snappy), &content, |_| None, None)
    }

    fn start(
        settings: OtlpSettings,
        mode: Mode,
        events: Arc<dyn Fn(&DeliveryEvent) + Send + Sync>,
        (wire, body): (Wire, Body),
        content: &[Option<(&str, &str)>],
        accepted: fn(&[u8]) -> Option<crate::delivery::PartialAcceptance>,
        split: Option<Splitter>,
    ) -> Self {
        let mut headers = settings.headers.clone();
        headers.extend(content.iter().flatten().map(|(k, v)| (k.to_string(), v.to_string())));
        let (url, connections) = (settings.url.clone(), settings.connections);
        let transport = HttpTransport::new(url, headers, settings.timeout, &settings.tls, connections, accepted);
        Self::with_transport(settings, mode, events, (wire, body), transport, split)
    }

    fn with_transport(
        settings: OtlpSettings,
        mode: Mode,
        events: Arc<dyn Fn(&DeliveryEvent) + Send + Sync>,
        (wire, body): (Wire, Body),
        transport: impl Transport,
        split: Option<Splitter>,
    ) -> Self {
        let sender = Sender::start(transport, mode, events.clone(), split, settings.connections);
        let requests = Requests::new(wire, settings.max_points_per_request, mode.pacing());
        let otlp = matches!(requests.encoder, Wire::Otlp(_));
        OtlpSink {
            settings,
            mode,
            requests,
            body,
            buf: Vec::new(),
            sender: Some(sender),
            spans: Channel::new(Signal::Traces, otlp, events.clone()),
            logs: Channel::new(Signal::Logs, otlp, events),
            interrupt: None,
            patience: None,
            result: None,
        }
    }

    /// What happened to every span, once [`finish`](Sink::finish) has run;
    /// `None` when the run made none. Spans with nowhere to go (remote
    /// write, no traces endpoint) are lost.
    pub fn span_stats(&self) -> Option<DeliveryStats> {
        self.spans.stats()
    }

    /// What happened to every log record, as [`span_stats`](Self::span_stats).
    pub fn log_stats(&self) -> Option<DeliveryStats> {
        self.logs.stats()
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

    /// Reads the delivery's counts while the run goes on (`None` once finished).
    pub fn watch(&self) -> Option<crate::delivery::DeliveryWatch> {
        self.sender.as_ref().map(Sender::watch)
    }

    /// The settings in use.
    pub fn settings(&self) -> &OtlpSettings {
        &self.settings
    }

    /// Sends every request ready (all pending points, with `all`).
    fn send_pending(&mut self, all: bool) -> Result<(), SinkError> {
        let (buf, sender, body) = (&mut self.buf, &self.sender, self.body);
        self.requests
            .flush(all, |encoder, points, ticks| send(encoder, points, ticks, buf, (sender.as_ref(), None), body))
    }
}

/// The request bodies a sink sends.
#[derive(Debug)]
enum Wire {
    // Boxed: a sink holds one, and the two differ in size.
    Otlp(Box<Encoder>),
    RemoteWrite(Box<crate::remote_write::Encoder>),
}

impl Wire {
    /// What a message calls it.
    fn name(&self) -> &'static str {
        match self {
            Wire::Otlp(_) => "OTLP",
            Wire::RemoteWrite(_) => "remote write",
        }
    }
}

impl RequestEncoder for Wire {
    fn add_streams(&mut self, streams: &crate::batch::Streams<'_>) {
        match self {
            Wire::Otlp(e) => e.add_streams(streams),
            Wire::RemoteWrite(e) => e.add_streams(streams),
        }
    }
    fn encode(&mut self, points: Points<'_>, out: &mut Vec<u8>) {
        match self {
            Wire::Otlp(e) => e.encode(points, out),
            Wire::RemoteWrite(e) => e.encode(points, out),
        }
    }
}

/// How a body is compressed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Body {
    Plain,
    Gzip,
    /// Snappy's block format, as remote write sends it.
    Snappy,
}

/// Encodes `points` into one request and queues it (waiting for room as `patience` allows).
fn send(
    encoder: &mut Wire,
    points: Points<'_>,
    (first_tick, last_tick): TickRange,
    buf: &mut Vec<u8>,
    (sender, patience): (Option<&Sender>, Option<Patience<'_>>),
    body: Body,
) -> Result<(), SinkError> {
    let Some(sender) = sender else { return Err(SinkError::Delivery("delivery has stopped".into())) };
    buf.clear();
    let count = points.len() as u64;
    encoder.encode(points, buf);
    let body = match body {
        // The encoded body itself goes: no copy (the encoder sizes the next one up front).
        Body::Plain => std::mem::replace(buf, sender.spare_body()),
        Body::Gzip => gzip(buf)?,
        Body::Snappy => snap::raw::Encoder::new()
            .compress_vec(buf)
            .map_err(|e| SinkError::Delivery(format!("snappy compression failed: {e}")))?,
    };
    let request = Request { body, points: count, first_tick, last_tick };
    sender.push(request, patience).map_err(|e| SinkError::Delivery(format!("{} delivery failed: {e}", encoder.name())))
}

/// Real time: until when a tick's requests may wait for the receiver to take
/// them — nine tenths of the time to the next tick, so the engine is not
/// late for it (a million points' bodies are then made as the receiver takes
/// them, not all held at once). `None` in a fast run (it always waits).
fn real_time_patience(mode: Mode, batch: &Batch<'_>) -> Option<Instant> {
    let Mode::RealTime { .. } = mode else { return None };
    // More than an hour ahead is as good as an hour.
    let gap = batch.next_tick.saturating_sub(batch.tick).min(3600);
    Some(Instant::now() + Duration::from_secs(gap).mul_f64(0.9))
}

/// A gzip body undone (to split it).
fn gunzip(body: &[u8]) -> Option<Vec<u8>> {
    use std::io::Read;
    let mut out = Vec::with_capacity(body.len() * 4);
    flate2::read::GzDecoder::new(body).read_to_end(&mut out).ok()?;
    Some(out)
}

/// gzip at a fast level: the default level costs about 8× the encoding.
pub(super) fn gzip(bytes: &[u8]) -> Result<Vec<u8>, SinkError> {
    let mut enc = flate2::write::GzEncoder::new(Vec::with_capacity(bytes.len() / 4), flate2::Compression::fast());
    enc.write_all(bytes)?;
    Ok(enc.finish()?)
}

impl Sink for OtlpSink {
    fn tick(&mut self, batch: &Batch<'_>) -> Result<(), SinkError> {
        if let Some(sender) = &self.sender {
            sender.count_generated(batch.metrics.points.len() as u64);
        }
        let (buf, sender, body) = (&mut self.buf, &self.sender, self.body);
        // Worked out at a tick's first part: its later parts wait until the same time.
        if self.patience.is_none_or(|(tick, _)| tick != batch.tick) {
            self.patience = real_time_patience(self.mode, batch).map(|until| (batch.tick, until));
        }
        let interrupted = || self.interrupt.as_ref().is_some_and(|f| f.load(Ordering::SeqCst));
        let patience = self.patience.map(|(_, until)| Patience { until, give_up: &interrupted });
        let to = (sender.as_ref(), patience);
        self.requests.tick(batch, |encoder, points, ticks| send(encoder, points, ticks, buf, to, body))?;
        let how = (&self.settings, self.mode, self.body == Body::Gzip);
        let s = &batch.spans;
        self.spans.take(how, batch.tick, s.spans.len(), |range, out| {
            super::traces::encode_spans(&SpanSection { spans: &s.spans[range], resources: s.resources }, out)
        })?;
        let l = &batch.logs;
        self.logs.take(how, batch.tick, l.records.len(), |range, out| {
            super::logs::encode_logs(&LogSection { records: &l.records[range], resources: l.resources }, out)
        })
    }

    fn finish(&mut self) -> Result<(), SinkError> {
        let gzip = self.body == Body::Gzip;
        let flushed = self.send_pending(true).and(self.spans.send(gzip)).and(self.logs.send(gzip));
        let Some(sender) = self.sender.take() else { return flushed };
        let interrupted = self.interrupt.as_ref().is_some_and(|f| f.load(Ordering::SeqCst));
        let deadline = match (self.mode, interrupted) {
            (Mode::Fast { .. }, false) => None,
            _ => Some(Instant::now() + self.settings.flush_timeout),
        };
        // Both signals wait at once: the span sender drains while the points' does.
        let (stats, failure) = sender.close(deadline);
        self.result = Some((stats, failure.clone()));
        let others = [self.spans.close(deadline), self.logs.close(deadline)];
        match (failure, others.into_iter().flatten().next()) {
            (Some(f), _) => Err(SinkError::Delivery(format!("{} delivery failed: {f}", self.requests.encoder.name()))),
            (None, Some(f)) => Err(SinkError::Delivery(f)),
            (None, None) => flushed,
        }
    }
}
