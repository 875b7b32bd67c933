//! The sender thread: takes encoded requests from a queue and delivers them
//! over one connection, retrying what is worth retrying, and accounting for
//! every point: delivered, rejected by the receiver, or lost.
//!
//! Real time: the engine never waits. The queue holds at most `queue_duration`
//! of simulated time; when it holds more, the oldest requests are dropped and
//! their points counted as lost. `--fast`: the queue holds two requests and the
//! engine waits for room (back-pressure); a request that cannot be delivered
//! within the retry budget fails the run.

use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::transport::{Attempt, Transport};

/// One encoded request.
#[derive(Debug)]
pub(crate) struct Request {
    pub body: Vec<u8>,
    pub points: u64,
    pub first_tick: u64,
    pub last_tick: u64,
}

/// How the queue behaves when the receiver is slow or down.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Never block; keep at most `window` seconds of simulated time.
    RealTime { window: u64 },
    /// Block the engine while `depth` requests wait; give a request up after `budget`.
    Fast { depth: usize, budget: Duration },
}

/// What happened to the points handed to an OTLP sink.
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
        /// The HTTP status.
        status: u16,
        /// The start of the answer's body.
        body: String,
        /// Points in the request.
        points: u64,
        /// Whether this is the first time this status came back.
        first_for_status: bool,
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

#[derive(Default)]
struct State {
    queue: VecDeque<Request>,
    /// The newest tick handed over so far.
    newest_tick: u64,
    /// Set when no more requests come: deliver what is queued until then.
    closing: Option<Instant>,
    /// Set when delivery cannot go on.
    failure: Option<String>,
    stats: DeliveryStats,
    reported_statuses: Vec<u16>,
}

struct Shared {
    state: Mutex<State>,
    changed: Condvar,
    mode: Mode,
    events: EventHandler,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic elsewhere cannot leave the counters half-written.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn emit(&self, event: DeliveryEvent) {
        (self.events)(&event);
    }
}

/// The handle the sink holds: push requests, then close.
pub(crate) struct Sender {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Sender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sender").field("mode", &self.shared.mode).finish_non_exhaustive()
    }
}

impl Sender {
    pub fn start(transport: Transport, mode: Mode, events: EventHandler) -> Sender {
        let shared = Arc::new(Shared { state: Mutex::default(), changed: Condvar::new(), mode, events });
        let worker = shared.clone();
        let thread = std::thread::Builder::new()
            .name("flutter-otlp".into())
            .spawn(move || deliver_loop(&worker, &transport))
            .ok();
        if thread.is_none() {
            shared.lock().failure = Some("could not start the delivery thread".into());
        }
        Sender { shared, thread }
    }

    /// Counts points handed to the sink.
    pub fn count_generated(&self, points: u64) {
        self.shared.lock().stats.generated += points;
    }

    /// Queues a request. Real time: never waits, drops the oldest data beyond
    /// the window. Fast: waits for room. `Err` once delivery has failed.
    pub fn push(&self, request: Request) -> Result<(), String> {
        let mut st = self.shared.lock();
        match self.shared.mode {
            Mode::RealTime { window } => {
                if let Some(f) = st.failure.clone() {
                    st.stats.lost += request.points;
                    return Err(f);
                }
                st.newest_tick = st.newest_tick.max(request.last_tick);
                st.queue.push_back(request);
                while let Some(front) = st.queue.front() {
                    if st.newest_tick - front.first_tick <= window {
                        break;
                    }
                    let points = front.points;
                    st.queue.pop_front();
                    st.stats.lost += points;
                    let cause = DropCause::QueueFull { window_secs: window };
                    self.shared.emit(DeliveryEvent::Dropped { points, cause, detail: String::new() });
                }
            }
            Mode::Fast { depth, .. } => {
                while st.queue.len() >= depth && st.failure.is_none() {
                    st = self.shared.changed.wait(st).unwrap_or_else(|e| e.into_inner());
                }
                if let Some(f) = st.failure.clone() {
                    st.stats.lost += request.points;
                    return Err(f);
                }
                st.newest_tick = st.newest_tick.max(request.last_tick);
                st.queue.push_back(request);
            }
        }
        drop(st);
        self.shared.changed.notify_all();
        Ok(())
    }

    /// No more requests: delivers what is queued (until `deadline`, if any),
    /// stops the thread, and returns the final counts and any failure.
    pub fn close(mut self, deadline: Option<Instant>) -> (DeliveryStats, Option<String>) {
        {
            let mut st = self.shared.lock();
            st.closing = Some(deadline.unwrap_or_else(far_future));
        }
        self.shared.changed.notify_all();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        let mut st = self.shared.lock();
        // Anything the thread left behind (a failure, or no thread) is lost.
        let left: u64 = st.queue.drain(..).map(|r| r.points).sum();
        st.stats.lost += left;
        (st.stats, st.failure.clone())
    }
}

fn far_future() -> Instant {
    Instant::now() + Duration::from_secs(100 * 365 * 24 * 3600)
}

/// The delay before retry `attempt` (1-based): 250 ms doubling to at most 10 s,
/// with ±20 % jitter so many senders do not retry in step.
fn backoff(attempt: u32) -> Duration {
    let base = 250u64.saturating_mul(1 << attempt.saturating_sub(1).min(6)).min(10_000);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    let jitter = 0.8 + 0.4 * (f64::from(nanos % 1000) / 1000.0);
    Duration::from_millis((base as f64 * jitter) as u64)
}

fn deliver_loop(shared: &Shared, transport: &Transport) {
    loop {
        let request = {
            let mut st = shared.lock();
            loop {
                if st.failure.is_some() {
                    return;
                }
                if let Some(deadline) = st.closing
                    && Instant::now() >= deadline
                {
                    let lost: u64 = st.queue.drain(..).map(|r| r.points).sum();
                    if lost > 0 {
                        st.stats.lost += lost;
                        let cause = DropCause::FlushTimeout;
                        shared.emit(DeliveryEvent::Dropped { points: lost, cause, detail: String::new() });
                    }
                    return;
                }
                if let Some(r) = st.queue.pop_front() {
                    break r;
                }
                if st.closing.is_some() {
                    return;
                }
                st = shared.changed.wait(st).unwrap_or_else(|e| e.into_inner());
            }
        };
        // Room for the engine to push the next request.
        shared.changed.notify_all();
        if !deliver(shared, transport, &request) {
            shared.changed.notify_all();
            return;
        }
    }
}

/// Delivers one request, retrying; `false` when delivery must stop altogether.
fn deliver(shared: &Shared, transport: &Transport, request: &Request) -> bool {
    let mut attempts = 0u32;
    let mut first_failure: Option<Instant> = None;
    loop {
        let attempt = transport.post(&request.body);
        let mut st = shared.lock();
        st.stats.requests += 1;
        st.stats.bytes_sent += request.body.len() as u64;
        match attempt {
            Attempt::Delivered(partial) => {
                let refused = partial.as_ref().map_or(0, |p| p.rejected_points.clamp(0, request.points as i64) as u64);
                st.stats.delivered += request.points - refused;
                st.stats.rejected += refused;
                if attempts > 0 {
                    shared.emit(DeliveryEvent::Recovered { attempts });
                }
                if let Some(p) = partial {
                    shared.emit(DeliveryEvent::PartialSuccess { rejected: p.rejected_points, message: p.message });
                }
                return true;
            }
            Attempt::Rejected { status, body } => {
                st.stats.rejected += request.points;
                let first_for_status = !st.reported_statuses.contains(&status);
                if first_for_status {
                    st.reported_statuses.push(status);
                }
                shared.emit(DeliveryEvent::Rejected { status, body, points: request.points, first_for_status });
                return true;
            }
            Attempt::Fatal(reason) => {
                st.stats.lost += request.points;
                shared.emit(DeliveryEvent::Failed { reason: reason.clone() });
                st.failure = Some(reason);
                return false;
            }
            Attempt::Retry { reason, after } => {
                attempts += 1;
                st.stats.retries += 1;
                let now = Instant::now();
                let since = now - *first_failure.get_or_insert(now);
                let wait = after.unwrap_or_else(|| backoff(attempts));
                let drop_cause = match shared.mode {
                    Mode::Fast { budget, .. } if since + wait > budget => {
                        let why = format!(
                            "gave up after {attempts} attempts in {:.1}s (retry budget {budget:?}): {reason}",
                            since.as_secs_f64()
                        );
                        st.stats.lost += request.points;
                        shared.emit(DeliveryEvent::Failed { reason: why.clone() });
                        st.failure = Some(why);
                        return false;
                    }
                    Mode::RealTime { window } if st.newest_tick.saturating_sub(request.first_tick) > window => {
                        Some(DropCause::QueueFull { window_secs: window })
                    }
                    _ if st.closing.is_some_and(|d| now + wait > d) => Some(DropCause::FlushTimeout),
                    _ => None,
                };
                if let Some(cause) = drop_cause {
                    st.stats.lost += request.points;
                    shared.emit(DeliveryEvent::Dropped { points: request.points, cause, detail: reason });
                    return true;
                }
                shared.emit(DeliveryEvent::Retrying { attempt: attempts, reason: reason.clone(), wait });
                let until = now + wait;
                loop {
                    let now = Instant::now();
                    if now >= until {
                        break;
                    }
                    // Closing with a deadline that comes before the next attempt.
                    if st.closing.is_some_and(|d| d <= now) {
                        st.stats.lost += request.points;
                        let cause = DropCause::FlushTimeout;
                        shared.emit(DeliveryEvent::Dropped { points: request.points, cause, detail: reason });
                        return true;
                    }
                    let end = st.closing.map_or(until, |d| d.min(until));
                    st = shared.changed.wait_timeout(st, end - now).unwrap_or_else(|e| e.into_inner()).0;
                }
            }
        }
    }
}
