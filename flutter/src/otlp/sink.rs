//! The OTLP sink: encodes each tick's points and hands requests to the sender.

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use super::encode::{Encoder, PointData, TimedPoint};
use super::sender::{DeliveryEvent, DeliveryStats, EventHandler, Mode, Request, Sender};
use super::settings::OtlpSettings;
use super::transport::Transport;
use crate::engine::{Batch, CountsRef, ExpHistogramPoint, HistogramPoint, PointValue};
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
    pending: Pending,
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
            pending: Pending::default(),
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
        self.buf.clear();
        self.encoder.encode(&self.pending.points[..n], self.pending.data(), &mut self.buf);
        self.pending.consume(n);
        let body = match self.settings.compression {
            // The encoded body itself goes: no copy (the encoder sizes the next one up front).
            Compression::None => std::mem::take(&mut self.buf),
            Compression::Gzip => gzip(&self.buf)?,
        };
        let (first_tick, last_tick) = self.pending_ticks;
        let request = Request { body, points: n as u64, first_tick, last_tick };
        sender.push(request).map_err(|e| SinkError::Other(format!("OTLP delivery failed: {e}")))
    }
}

/// Points waiting to be sent, with their histogram data copied out of the
/// batches they came from (a batch's buffers are reused at the next tick).
#[derive(Debug, Default)]
struct Pending {
    points: Vec<TimedPoint>,
    histograms: Vec<HistogramPoint>,
    exp_histograms: Vec<ExpHistogramPoint>,
    bucket_counts: Vec<u64>,
}

impl Pending {
    fn data(&self) -> PointData<'_> {
        PointData {
            histograms: &self.histograms,
            exp_histograms: &self.exp_histograms,
            bucket_counts: &self.bucket_counts,
        }
    }

    fn push(&mut self, batch: &Batch<'_>) {
        let from = PointData::of(batch);
        for p in batch.points {
            let point = self.adopt(*p, &from);
            self.points.push(TimedPoint { time_unix_nanos: batch.unix_nanos, point });
        }
    }

    /// The point with its histogram data copied here from `from`.
    fn adopt(&mut self, mut p: crate::engine::Point, from: &PointData<'_>) -> crate::engine::Point {
        let copy = |counts: CountsRef, all: &mut Vec<u64>| {
            let start = all.len() as u32;
            all.extend_from_slice(counts.of(from.bucket_counts));
            CountsRef { start, len: counts.len }
        };
        match p.value {
            PointValue::Histogram(i) => {
                let mut h = from.histograms[i as usize];
                h.counts = copy(h.counts, &mut self.bucket_counts);
                self.histograms.push(h);
                p.value = PointValue::Histogram(self.histograms.len() as u32 - 1);
            }
            PointValue::ExpHistogram(i) => {
                let mut h = from.exp_histograms[i as usize];
                h.positive = copy(h.positive, &mut self.bucket_counts);
                h.negative = copy(h.negative, &mut self.bucket_counts);
                self.exp_histograms.push(h);
                p.value = PointValue::ExpHistogram(self.exp_histograms.len() as u32 - 1);
            }
            _ => {}
        }
        p
    }

    /// Drops the first `n` points (sent), keeping the data of the rest.
    fn consume(&mut self, n: usize) {
        self.points.drain(..n);
        if self.histograms.is_empty() && self.exp_histograms.is_empty() {
            return;
        }
        // Re-adopt the rest, so the histogram arenas hold only what they still use.
        let old = std::mem::take(self);
        for t in &old.points {
            let point = self.adopt(t.point, &old.data());
            self.points.push(TimedPoint { time_unix_nanos: t.time_unix_nanos, point });
        }
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
        if self.pending.points.is_empty() {
            self.pending_ticks.0 = batch.tick;
        }
        self.pending_ticks.1 = batch.tick;
        self.pending.push(batch);
        let max = self.settings.max_points_per_request;
        while self.pending.points.len() >= max {
            self.send_pending(max)?;
        }
        if self.pacing == Pacing::RealTime && !self.pending.points.is_empty() {
            self.send_pending(self.pending.points.len())?;
        }
        Ok(())
    }

    fn finish(&mut self) -> Result<(), SinkError> {
        let flushed =
            if self.pending.points.is_empty() { Ok(()) } else { self.send_pending(self.pending.points.len()) };
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Scenario;
    use crate::{Engine, RngKind, RunConfig, Timestamp};

    /// Every pending point with its histogram data resolved (arena indices left out).
    fn resolved(p: &Pending) -> Vec<String> {
        let data = p.data();
        let counts = |c: CountsRef| c.of(data.bucket_counts).to_vec();
        p.points
            .iter()
            .map(|t| match t.point.value {
                PointValue::Histogram(i) => {
                    let h = data.histograms[i as usize];
                    format!("{} {:?} {:?}", t.time_unix_nanos, h.summary, counts(h.counts))
                }
                PointValue::ExpHistogram(i) => {
                    let h = data.exp_histograms[i as usize];
                    let (pos, neg) = (counts(h.positive), counts(h.negative));
                    format!("{} {:?} {} {} {:?} {:?}", t.time_unix_nanos, h.summary, h.scale, h.zero_count, pos, neg)
                }
                v => format!("{} {} {v:?}", t.time_unix_nanos, t.point.stream),
            })
            .collect()
    }

    #[test]
    fn sent_points_leave_and_the_rest_keep_their_histogram_data() {
        let s = Scenario::from_yaml(
            "p.yaml",
            "duration: 20s\nscript:\n  - {type: metricEmitter, name: c, spec: {type: constant, value: 3}}\n  \
             - {type: metric, name: g, spec: {type: gauge, frequency: 1s, emitters: [c]}}\n  \
             - {type: metric, name: h, spec: {type: histogram, frequency: 2s, rate: 5, buckets: [2, 3, 4], \
             distribution: {type: normal, stdDev: 1}, emitters: [c]}}\n  \
             - {type: metric, name: e, spec: {type: exponentialHistogram, frequency: 3s, rate: 5, \
             distribution: {type: uniform, width: 6}, emitters: [c]}}\n",
        )
        .unwrap();
        let fill = || {
            let config = RunConfig { seed: 1, rng: RngKind::ChaCha, wallclock_start: Timestamp(0) };
            let mut engine = Engine::new(&s, config);
            let mut pending = Pending::default();
            while let Some(batch) = engine.next_batch() {
                pending.push(&batch);
            }
            pending
        };
        let all = resolved(&fill());
        assert!(all.iter().any(|p| p.contains('[')), "histogram points with counts");
        for n in [0, 1, 7, all.len() / 2, all.len() - 1, all.len()] {
            let mut pending = fill();
            pending.consume(n);
            assert_eq!(resolved(&pending), all[n..], "after sending {n}");
            let used: usize = pending.histograms.iter().map(|h| h.counts.len as usize).sum::<usize>()
                + pending.exp_histograms.iter().map(|h| (h.positive.len + h.negative.len) as usize).sum::<usize>();
            assert_eq!(pending.bucket_counts.len(), used, "the arena keeps only counts still pending");
        }
    }
}
