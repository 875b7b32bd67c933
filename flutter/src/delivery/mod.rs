//! Delivery: requests, retries, back-off, `Retry-After`, queues,
//! back-pressure and the accounting of every point. It knows nothing of what a
//! body holds: OTLP and Prometheus remote write encode requests on top of it
//! and name a [`Transport`] that posts them.

#[cfg(feature = "grpc")]
mod grpc;
#[cfg(feature = "otlp")]
mod http;
#[cfg(feature = "otlp")]
mod sender;

use std::sync::Arc;
use std::time::Duration;

#[cfg(feature = "grpc")]
pub(crate) use grpc::{GrpcTransport, LOGS_EXPORT, TRACES_EXPORT};
#[cfg(feature = "otlp")]
pub use http::BODY_EXCERPT;
#[cfg(feature = "otlp")]
pub(crate) use http::HttpTransport;
#[cfg(feature = "otlp")]
pub use sender::DeliveryWatch;
#[cfg(feature = "otlp")]
pub(crate) use sender::{Patience, Sender};

/// Posts one request body; says what came of it. Called from the sender
/// threads, at the same time from as many as there are connections.
#[cfg(feature = "otlp")]
pub(crate) trait Transport: Send + Sync + 'static {
    fn post(&self, body: &[u8]) -> Attempt;
}

/// What one attempt came to.
#[cfg(feature = "otlp")]
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Attempt {
    /// Accepted, possibly with some points refused.
    Delivered(Option<PartialAcceptance>),
    /// Worth trying again: 408, 429, 502, 503, 504, a timeout, a refused or
    /// reset connection. `after` is the server's `Retry-After`.
    Retry { reason: String, after: Option<Duration> },
    /// 413: the request is too large for the receiver; it is split, if it can be.
    TooLarge { detail: String },
    /// Refused (a 3xx, or a 4xx or 5xx not worth retrying): the points are
    /// rejected. `detail` is the start of the answer's body, or what a
    /// redirect means.
    Rejected { status: RejectStatus, detail: String },
    /// Retrying cannot help (a host that does not exist, a TLS failure): the
    /// run stops.
    Fatal(String),
}

/// The status a receiver refused a request with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RejectStatus {
    /// An HTTP status (OTLP/HTTP, remote write, or a proxy before gRPC).
    Http(u16),
    /// A gRPC status code.
    Grpc(u8),
}

impl std::fmt::Display for RejectStatus {
    /// `HTTP 400`, `gRPC INVALID_ARGUMENT (3)`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RejectStatus::Http(status) => write!(f, "HTTP {status}"),
            #[cfg(feature = "grpc")]
            RejectStatus::Grpc(code) => write!(f, "gRPC {} ({code})", grpc::code_name(*code)),
            #[cfg(not(feature = "grpc"))]
            RejectStatus::Grpc(code) => write!(f, "gRPC status {code}"),
        }
    }
}

/// A receiver accepted a request but refused some of its points.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PartialAcceptance {
    /// Points the receiver refused.
    pub rejected: i64,
    /// Its explanation.
    pub message: String,
}

/// Splits an encoded request body into two holding the first and the second
/// half of its points (with their counts); `None` when it cannot be split.
/// The format layer provides it, so delivery needs to know no format.
#[cfg(feature = "otlp")]
pub(crate) type Splitter = Arc<dyn Fn(&[u8]) -> Option<[(Vec<u8>, u64); 2]> + Send + Sync>;

/// One encoded request: a body ready to send, and what it carries.
#[cfg(feature = "otlp")]
#[derive(Debug)]
pub(crate) struct Request {
    pub body: Vec<u8>,
    pub points: u64,
    pub first_tick: u64,
    pub last_tick: u64,
}

/// How the queue behaves when the receiver is slow or down.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Never make the engine late (it waits for room only while its next tick
    /// is not due); keep at most `window` seconds of simulated time.
    RealTime {
        /// Seconds of simulated time the queue may hold.
        window: u64,
    },
    /// Block the engine while `depth` requests wait; give a request up after `budget`.
    Fast {
        /// Requests that may wait.
        depth: usize,
        /// How long one request may be retried.
        budget: Duration,
    },
}

impl Mode {
    /// Real time, holding at most `queue` of simulated time.
    pub fn real_time(queue: Duration) -> Mode {
        Mode::RealTime { window: queue.as_secs() }
    }

    /// As fast as possible, two requests waiting at most, each retried for at
    /// most `retry_budget`.
    pub fn fast(retry_budget: Duration) -> Mode {
        Mode::Fast { depth: 2, budget: retry_budget }
    }

    /// The pacing this mode delivers for.
    pub fn pacing(self) -> crate::run::Pacing {
        match self {
            Mode::RealTime { .. } => crate::run::Pacing::RealTime,
            Mode::Fast { .. } => crate::run::Pacing::Fast,
        }
    }
}

/// What happened to the points handed to a sink that delivers them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DeliveryStats {
    /// Points generated (handed to the sink).
    pub generated: u64,
    /// Points the receiver accepted.
    pub delivered: u64,
    /// Points the receiver refused (a non-retryable status, or `partial_success`).
    pub rejected: u64,
    /// Points never delivered: dropped from a full queue, or given up on.
    pub lost: u64,
    /// HTTP requests made, retries included.
    pub requests: u64,
    /// Attempts that were retried.
    pub retries: u64,
    /// Request body bytes sent, retries included.
    pub bytes_sent: u64,
}

/// Something worth telling the user while points are delivered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeliveryEvent {
    /// An attempt failed in a way worth retrying.
    Retrying {
        /// Failed attempts so far for this request.
        attempt: u32,
        /// Why.
        reason: String,
        /// How long until the next attempt.
        wait: Duration,
    },
    /// A request went through after failed attempts.
    Recovered {
        /// Failed attempts before it went through.
        attempts: u32,
    },
    /// The receiver refused a request.
    Rejected {
        /// The HTTP or gRPC status.
        status: RejectStatus,
        /// The start of the answer's body, or what a redirect means.
        detail: String,
        /// Points in the request.
        points: u64,
        /// Whether this is the first time this status came back.
        first_for_status: bool,
    },
    /// The receiver refused a request as too large (413); it is split in two.
    Splitting {
        /// Points in the request.
        points: u64,
        /// Whether this is the first split of the run.
        first: bool,
    },
    /// Requests were split because the receiver found them too large; the
    /// largest one it accepted after that (given at the end of the run).
    Split {
        /// Points in the largest request accepted after a split.
        largest_accepted: Option<u64>,
    },
    /// The receiver accepted a request but refused some of its points.
    PartialSuccess {
        /// Points refused.
        rejected: i64,
        /// The receiver's message.
        message: String,
    },
    /// Points were dropped and count as lost.
    Dropped {
        /// How many.
        points: u64,
        /// Why.
        cause: DropCause,
        /// The last delivery error, if one is known.
        detail: String,
    },
    /// Delivery cannot go on; the run fails.
    Failed {
        /// Why.
        reason: String,
    },
}

/// Why points were dropped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DropCause {
    /// Real time: they were older than the queue allows while the receiver was behind.
    QueueFull {
        /// The queue's length in seconds of simulated time.
        window_secs: u64,
    },
    /// The flush timeout ran out before they were delivered.
    FlushTimeout,
}

impl std::fmt::Display for DropCause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DropCause::QueueFull { window_secs } => {
                write!(f, "older than the queue allows ({window_secs}s of data) while the receiver was behind")
            }
            DropCause::FlushTimeout => f.write_str("the flush timeout ran out before they were delivered"),
        }
    }
}

/// Receives [`DeliveryEvent`]s, from the sender thread.
pub type EventHandler = Arc<dyn Fn(&DeliveryEvent) + Send + Sync>;
