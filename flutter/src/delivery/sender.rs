//! The sender threads (one per connection): take encoded requests from one
//! queue and deliver them through a [`Transport`], retrying what is worth
//! retrying, and accounting for every point: delivered, rejected by the
//! receiver, or lost. With more than one connection, requests may arrive out
//! of order.
//!
//! Real time: the engine never falls behind the clock for the network. While
//! its next tick is not due it waits for room (a request per connection
//! queued), so a tick of a million points is encoded as the receiver takes
//! it rather than held whole; past that, it queues without waiting. The
//! queue holds at most `queue_duration` of simulated time; when it holds
//! more, the oldest requests are dropped and their points counted as lost.
//! `--fast`: the queue holds two requests and the engine waits for room
//! (back-pressure); a request that cannot be delivered within the retry
//! budget fails the run.

use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::{
    Attempt, DeliveryEvent, DeliveryStats, DropCause, EventHandler, Mode, RejectStatus, Request, Splitter, Transport,
};

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
    reported_statuses: Vec<RejectStatus>,
    /// Requests split after a 413 so far.
    splits: u64,
    /// The most points in a request accepted after a split.
    largest_after_split: Option<u64>,
    /// Bodies delivered, emptied, for the sink to encode into again: a fresh
    /// body of a few hundred kB each request costs the kernel new zeroed pages.
    spare: Vec<Vec<u8>>,
}

/// How long a real-time push may wait for room: until `until`, or until
/// `give_up` says so (the run was interrupted).
#[derive(Clone, Copy)]
pub(crate) struct Patience<'a> {
    pub until: Instant,
    pub give_up: &'a dyn Fn() -> bool,
}

/// How many emptied bodies wait to be reused.
const SPARE_BODIES: usize = 4;

struct Shared {
    state: Mutex<State>,
    changed: Condvar,
    mode: Mode,
    events: EventHandler,
    split: Option<Splitter>,
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
/// Reads a running delivery's counts (for a progress display).
#[derive(Clone)]
pub struct DeliveryWatch(Arc<Shared>);

impl std::fmt::Debug for DeliveryWatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("DeliveryWatch").field(&self.stats()).finish()
    }
}

impl DeliveryWatch {
    /// The counts so far.
    pub fn stats(&self) -> DeliveryStats {
        self.0.lock().stats
    }
}

pub(crate) struct Sender {
    shared: Arc<Shared>,
    threads: Vec<JoinHandle<()>>,
}

impl std::fmt::Debug for Sender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sender").field("mode", &self.shared.mode).finish_non_exhaustive()
    }
}

impl Sender {
    /// Starts `connections` delivery threads (at least one), each sending one
    /// request at a time; `split` halves a request a receiver finds too large.
    pub fn start(
        transport: impl Transport,
        mode: Mode,
        events: EventHandler,
        split: Option<Splitter>,
        connections: usize,
    ) -> Sender {
        let shared = Arc::new(Shared { state: Mutex::default(), changed: Condvar::new(), mode, events, split });
        let transport = Arc::new(transport);
        let threads: Vec<JoinHandle<()>> = (0..connections.max(1))
            .filter_map(|i| {
                let (worker, transport) = (shared.clone(), transport.clone());
                std::thread::Builder::new()
                    .name(format!("flutter-otlp-{i}"))
                    .spawn(move || deliver_loop(&worker, &*transport))
                    .ok()
            })
            .collect();
        if threads.is_empty() {
            shared.lock().failure = Some("could not start the delivery thread".into());
        }
        Sender { shared, threads }
    }

    /// A handle that reads the delivery's counts while it runs.
    pub fn watch(&self) -> DeliveryWatch {
        DeliveryWatch(self.shared.clone())
    }

    /// An empty buffer to encode the next body into: one a delivered
    /// request left, when there is one.
    pub fn spare_body(&self) -> Vec<u8> {
        self.shared.lock().spare.pop().unwrap_or_default()
    }

    /// Counts points handed to the sink.
    pub fn count_generated(&self, points: u64) {
        self.shared.lock().stats.generated += points;
    }

    /// Queues a request. Real time: waits for room until `patience` (when
    /// given) while every connection has a request queued, then drops the
    /// oldest data beyond the window. Fast: waits for room. `Err` once
    /// delivery has failed.
    pub fn push(&self, request: Request, patience: Option<Patience<'_>>) -> Result<(), String> {
        let mut st = self.shared.lock();
        match self.shared.mode {
            Mode::RealTime { window } => {
                if let Some(p) = patience {
                    let room = self.threads.len().max(1);
                    while st.queue.len() >= room && st.failure.is_none() && !(p.give_up)() {
                        let Some(left) = p.until.checked_duration_since(Instant::now()) else { break };
                        // In slices, so that an interruption is heard while a receiver is stuck.
                        let slice = left.min(Duration::from_millis(100));
                        st = self.shared.changed.wait_timeout(st, slice).unwrap_or_else(|e| e.into_inner()).0;
                    }
                }
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
        for thread in std::mem::take(&mut self.threads) {
            let _ = thread.join();
        }
        let mut st = self.shared.lock();
        // Anything the threads left behind (a failure, or no thread) is lost.
        let left: u64 = st.queue.drain(..).map(|r| r.points).sum();
        st.stats.lost += left;
        if st.splits > 0 {
            self.shared.emit(DeliveryEvent::Split { largest_accepted: st.largest_after_split });
        }
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

/// "1 attempt", "3 attempts".
fn attempts_text(n: u32) -> String {
    format!("{n} attempt{}", if n == 1 { "" } else { "s" })
}

fn deliver_loop(shared: &Shared, transport: &impl Transport) {
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
        if !deliver(shared, transport, &request, false) {
            shared.changed.notify_all();
            return;
        }
        let mut body = request.body;
        body.clear();
        let mut st = shared.lock();
        if st.spare.len() < SPARE_BODIES {
            st.spare.push(body);
        }
    }
}

/// Delivers one request, retrying, and splitting it when the receiver finds
/// it too large (`half`: it is a part of one that was); `false` when delivery
/// must stop altogether.
fn deliver(shared: &Shared, transport: &impl Transport, request: &Request, half: bool) -> bool {
    let mut attempts = 0u32;
    let mut first_failure: Option<Instant> = None;
    loop {
        let attempt = transport.post(&request.body);
        let mut st = shared.lock();
        st.stats.requests += 1;
        st.stats.bytes_sent += request.body.len() as u64;
        match attempt {
            Attempt::Delivered(partial) => {
                let refused = partial.as_ref().map_or(0, |p| p.rejected.clamp(0, request.points as i64) as u64);
                st.stats.delivered += request.points - refused;
                st.stats.rejected += refused;
                if attempts > 0 {
                    shared.emit(DeliveryEvent::Recovered { attempts });
                }
                if let Some(p) = partial {
                    shared.emit(DeliveryEvent::PartialSuccess { rejected: p.rejected, message: p.message });
                }
                if half {
                    st.largest_after_split = st.largest_after_split.max(Some(request.points));
                }
                return true;
            }
            Attempt::TooLarge { detail } => {
                let halves = shared.split.as_ref().and_then(|split| split(&request.body));
                let Some(halves) = halves else {
                    // One point, or a body that cannot be split: refused.
                    drop(st);
                    return reject(shared, request, RejectStatus::Http(413), detail);
                };
                st.splits += 1;
                shared.emit(DeliveryEvent::Splitting { points: request.points, first: st.splits == 1 });
                drop(st);
                let [(first, n), (second, m)] = halves;
                let part = |body, points| Request {
                    body,
                    points,
                    first_tick: request.first_tick,
                    last_tick: request.last_tick,
                };
                if !deliver(shared, transport, &part(first, n), true) {
                    // Delivery stopped: the second half was never sent.
                    shared.lock().stats.lost += m;
                    return false;
                }
                return deliver(shared, transport, &part(second, m), true);
            }
            Attempt::Rejected { status, detail } => {
                drop(st);
                return reject(shared, request, status, detail);
            }
            Attempt::Fatal(reason) => {
                st.stats.lost += request.points;
                shared.emit(DeliveryEvent::Failed { reason: reason.clone() });
                st.failure = Some(reason);
                return false;
            }
            Attempt::Retry { reason, after } => {
                attempts += 1;
                let now = Instant::now();
                let since = now - *first_failure.get_or_insert(now);
                let wait = after.unwrap_or_else(|| backoff(attempts));
                let drop_cause = match shared.mode {
                    Mode::Fast { budget, .. } if since + wait > budget => {
                        let why = match after {
                            Some(asked) => format!(
                                "{reason}, and the receiver asks to wait {:.1}s (Retry-After), longer than the {:.1}s \
                                 left of the retry budget ({budget:?}); gave up after {}",
                                asked.as_secs_f64(),
                                budget.saturating_sub(since).as_secs_f64(),
                                attempts_text(attempts)
                            ),
                            None => format!(
                                "gave up after {} in {:.1}s (retry budget {budget:?}): {reason}",
                                attempts_text(attempts),
                                since.as_secs_f64()
                            ),
                        };
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
                // Counted only now: an attempt given up on was not retried.
                st.stats.retries += 1;
                shared.emit(DeliveryEvent::Retrying { attempt: attempts, reason: reason.clone(), wait });
                let until = now + wait;
                loop {
                    let now = Instant::now();
                    if now >= until {
                        break;
                    }
                    // Another connection's failure stops the run.
                    if st.failure.is_some() {
                        st.stats.lost += request.points;
                        return false;
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

/// Counts a request's points as rejected with `status`; reports the first of
/// each status.
fn reject(shared: &Shared, request: &Request, status: RejectStatus, detail: String) -> bool {
    let mut st = shared.lock();
    st.stats.rejected += request.points;
    let first_for_status = !st.reported_statuses.contains(&status);
    if first_for_status {
        st.reported_statuses.push(status);
    }
    shared.emit(DeliveryEvent::Rejected { status, detail, points: request.points, first_for_status });
    true
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

    use super::*;

    /// A receiver that takes each request only once its gate is open.
    #[derive(Default)]
    struct Gate {
        posts: AtomicUsize,
        open: Mutex<bool>,
        opened: Condvar,
    }

    impl Transport for Arc<Gate> {
        fn post(&self, _: &[u8]) -> Attempt {
            self.posts.fetch_add(1, Ordering::SeqCst);
            let mut open = self.open.lock().unwrap();
            while !*open {
                open = self.opened.wait(open).unwrap();
            }
            Attempt::Delivered(None)
        }
    }

    fn request(tick: u64) -> Request {
        Request { body: vec![1, 2, 3], points: 10, first_tick: tick, last_tick: tick }
    }

    fn patience(secs: u64, give_up: &dyn Fn() -> bool) -> Option<Patience<'_>> {
        Some(Patience { until: Instant::now() + Duration::from_secs(secs), give_up })
    }

    /// Real time: a push waits while every connection has a request queued
    /// and its patience lasts (a tick's bodies are made as the receiver takes
    /// them); past its patience, or told to give up, it queues at once.
    #[test]
    fn a_real_time_push_waits_for_room_only_while_patient() {
        let gate = Arc::new(Gate::default());
        let sender = Sender::start(gate.clone(), Mode::real_time(Duration::from_secs(60)), Arc::new(|_| {}), None, 1);
        let never = || false;
        // The one connection takes the first; the second waits in the queue.
        sender.push(request(0), patience(600, &never)).unwrap();
        while gate.posts.load(Ordering::SeqCst) < 1 {
            std::thread::yield_now();
        }
        sender.push(request(0), patience(600, &never)).unwrap();
        // No room for a third: it waits until the receiver takes one.
        let opener = {
            let gate = gate.clone();
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(200));
                *gate.open.lock().unwrap() = true;
                gate.opened.notify_all();
            })
        };
        sender.push(request(0), patience(600, &never)).unwrap();
        assert!(*gate.open.lock().unwrap(), "it waited for the receiver to take the first");
        opener.join().unwrap();
        *gate.open.lock().unwrap() = false;
        // The gate shut again: with no patience left, or told to give up, no wait
        // (a wait would last the 30 s of patience).
        let given_up = AtomicBool::new(true);
        let give_up = || given_up.load(Ordering::SeqCst);
        let started = Instant::now();
        for _ in 0..3 {
            sender.push(request(1), patience(0, &never)).unwrap();
            sender.push(request(1), patience(30, &give_up)).unwrap();
        }
        assert!(started.elapsed() < Duration::from_secs(20), "pushed without waiting");
        *gate.open.lock().unwrap() = true;
        gate.opened.notify_all();
        let (stats, failure) = sender.close(None);
        assert_eq!(failure, None);
        assert_eq!((stats.delivered, stats.lost), (90, 0));
    }
}
