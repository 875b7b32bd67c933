//! The delivery of one more signal (traces, logs) beside the points: its own
//! URL and sender, started by its first items, its requests filled as points'
//! are (each tick in real time, else up to `maxPointsPerRequest` items), so
//! it has the points' retries, queue and accounting.

use std::time::Instant;

use super::destination::OtlpSettings;
use super::requests::TickRange;
use super::response::decode_partial_success;
use crate::delivery::{DeliveryStats, EventHandler, HttpTransport, Mode, Request, Sender};
use crate::sink::SinkError;

/// A signal sent beside the points.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Signal {
    Traces,
    Logs,
}

impl Signal {
    /// What a message calls its delivery.
    fn name(self) -> &'static str {
        match self {
            Signal::Traces => "OTLP trace",
            Signal::Logs => "OTLP log",
        }
    }

    /// Its URL in `settings`.
    fn url(self, settings: &OtlpSettings) -> Option<&str> {
        match self {
            Signal::Traces => settings.traces_url.as_deref(),
            Signal::Logs => settings.logs_url.as_deref(),
        }
    }

    #[cfg(feature = "grpc")]
    fn grpc_method(self) -> &'static str {
        match self {
            Signal::Traces => crate::delivery::TRACES_EXPORT,
            Signal::Logs => crate::delivery::LOGS_EXPORT,
        }
    }
}

/// One signal's delivery.
pub(super) struct Channel {
    signal: Signal,
    /// Whether its items go anywhere (OTLP with the signal's URL).
    sendable: bool,
    events: EventHandler,
    sender: Option<Sender>,
    /// Encoded `resource_*` fields of the items not yet sent: one request.
    pending: Vec<u8>,
    count: u64,
    ticks: TickRange,
    /// Items with nowhere to go (remote write, no URL): lost.
    unsent: u64,
    result: Option<(DeliveryStats, Option<String>)>,
}

impl std::fmt::Debug for Channel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Channel").field("signal", &self.signal).field("pending", &self.count).finish_non_exhaustive()
    }
}

impl Channel {
    /// A channel for `signal`; `sendable` when the sink speaks OTLP.
    pub fn new(signal: Signal, sendable: bool, events: EventHandler) -> Self {
        Channel {
            signal,
            sendable,
            events,
            sender: None,
            pending: Vec::new(),
            count: 0,
            ticks: (0, 0),
            unsent: 0,
            result: None,
        }
    }

    /// The sender, started on first use; `None` when the items go nowhere.
    fn sender(&mut self, s: &OtlpSettings, mode: Mode, gzip: bool) -> Option<&Sender> {
        let url = self.signal.url(s).filter(|_| self.sendable)?;
        if self.sender.is_none() {
            let events = self.events.clone();
            #[cfg(feature = "grpc")]
            if s.protocol == super::destination::Protocol::Grpc {
                let transport = crate::delivery::GrpcTransport::new(
                    url,
                    &s.headers,
                    (s.timeout, gzip),
                    &s.tls,
                    decode_partial_success,
                )
                .calling(self.signal.grpc_method());
                return Some(self.sender.insert(Sender::start(transport, mode, events, None, s.connections)));
            }
            let mut headers = s.headers.clone();
            headers.push(("Content-Type".into(), "application/x-protobuf".into()));
            if gzip {
                headers.push(("Content-Encoding".into(), "gzip".into()));
            }
            let accepted = decode_partial_success;
            let transport = HttpTransport::new(url.to_owned(), headers, s.timeout, &s.tls, s.connections, accepted);
            self.sender = Some(Sender::start(transport, mode, events, None, s.connections));
        }
        self.sender.as_ref()
    }

    /// Takes a tick's `n` items, which `encode` appends to a request (a
    /// range of them at a time); sends a request whenever it holds
    /// `maxPointsPerRequest` items, and what is left at the end of each tick
    /// in real time.
    pub fn take(
        &mut self,
        (settings, mode, gzip): (&OtlpSettings, Mode, bool),
        tick: u64,
        n: usize,
        encode: impl Fn(std::ops::Range<usize>, &mut Vec<u8>),
    ) -> Result<(), SinkError> {
        if n == 0 {
            return Ok(());
        }
        let Some(sender) = self.sender(settings, mode, gzip) else {
            self.unsent += n as u64;
            return Ok(());
        };
        sender.count_generated(n as u64);
        let max = settings.max_points_per_request.max(1) as u64;
        let mut at = 0;
        while at < n {
            if self.count == 0 {
                self.ticks.0 = tick;
            }
            self.ticks.1 = tick;
            let chunk = ((max - self.count) as usize).min(n - at);
            encode(at..at + chunk, &mut self.pending);
            self.count += chunk as u64;
            at += chunk;
            if self.count >= max {
                self.send(gzip)?;
            }
        }
        if mode.pacing() == crate::run::Pacing::RealTime { self.send(gzip) } else { Ok(()) }
    }

    /// Sends the pending items as one request.
    pub fn send(&mut self, gzip: bool) -> Result<(), SinkError> {
        let (Some(sender), count) = (&self.sender, self.count) else { return Ok(()) };
        if count == 0 {
            return Ok(());
        }
        let raw = std::mem::take(&mut self.pending);
        let body = if gzip { super::sink::gzip(&raw)? } else { raw };
        let (first_tick, last_tick) = self.ticks;
        self.count = 0;
        let request = Request { body, points: count, first_tick, last_tick };
        sender
            .push(request, None)
            .map_err(|e| SinkError::Delivery(format!("{} delivery failed: {e}", self.signal.name())))
    }

    /// Waits for delivery until `deadline`; the failure, if any.
    pub fn close(&mut self, deadline: Option<Instant>) -> Option<String> {
        let (stats, failure) = self.sender.take()?.close(deadline);
        self.result = Some((stats, failure.clone()));
        failure.map(|f| format!("{} delivery failed: {f}", self.signal.name()))
    }

    /// What happened to every item, once closed; `None` when there were none.
    /// Items with nowhere to go are lost.
    pub fn stats(&self) -> Option<DeliveryStats> {
        let mut stats = self.result.as_ref().map(|(s, _)| *s).unwrap_or_default();
        stats.generated += self.unsent;
        stats.lost += self.unsent;
        (stats.generated > 0).then_some(stats)
    }
}
