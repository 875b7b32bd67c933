//! Running an engine into sinks, paced by a clock.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::engine::Engine;
use crate::rng::RngKind;
use crate::scenario::Scenario;
use crate::sink::{Sink, SinkError};
use crate::timestamp::Timestamp;

/// The settings a run resolves before it starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunConfig {
    /// The seed of every random stream.
    pub seed: u64,
    /// Which random streams to use.
    pub rng: RngKind,
    /// The simulated wall clock of tick 0.
    pub wallclock_start: Timestamp,
}

impl RunConfig {
    /// The scenario's own settings; a seed or start time it leaves out is drawn
    /// from the real clock (see [`RunConfig::seed_was_drawn`]).
    pub fn from_scenario(scenario: &Scenario<'_>) -> RunConfig {
        RunConfig {
            seed: scenario.seed.unwrap_or_else(draw_seed),
            rng: scenario.rng,
            wallclock_start: scenario.wallclock_start.unwrap_or_else(Timestamp::now),
        }
    }

    /// The scenario's own seed, rng and start time, with 0 and the Unix epoch
    /// for the ones it leaves out: the same points every time.
    pub fn reproducible(scenario: &Scenario<'_>) -> RunConfig {
        RunConfig {
            seed: scenario.seed.unwrap_or(0),
            rng: scenario.rng,
            wallclock_start: scenario.wallclock_start.unwrap_or(Timestamp(0)),
        }
    }

    /// Whether a run of `scenario` with this config uses a seed it did not set.
    pub fn seed_was_drawn(&self, scenario: &Scenario<'_>) -> bool {
        scenario.seed != Some(self.seed)
    }
}

/// A seed from the clock and the process id, mixed (splitmix64) so runs started
/// close together still differ.
fn draw_seed() -> u64 {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64);
    let mut z = nanos ^ (u64::from(std::process::id()) << 32);
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// How ticks are paced against the wall clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pacing {
    /// Tick t is handed to sinks at (start + t): absolute deadlines, no drift.
    RealTime,
    /// As fast as possible (dry runs and backfills); points keep their simulated times.
    Fast,
}

/// A monotonic clock the runner waits on. Tests use a fake one.
pub trait Clock {
    /// Time since the clock's origin.
    fn now(&self) -> Duration;
    /// Returns once `now() >= deadline` (at once if it is already past), or
    /// early when the run is interrupted.
    fn sleep_until(&mut self, deadline: Duration);
    /// Whether the run should stop now (Ctrl-C).
    fn interrupted(&self) -> bool {
        false
    }
}

/// The real monotonic clock, with its origin when it was made.
#[derive(Debug, Clone)]
pub struct SystemClock {
    origin: Instant,
    stop: Option<Arc<AtomicBool>>,
}

impl SystemClock {
    /// A clock whose origin is now.
    pub fn start() -> Self {
        SystemClock { origin: Instant::now(), stop: None }
    }

    /// Ends waits and the run early once `flag` is set (by a Ctrl-C handler).
    pub fn with_stop_flag(mut self, flag: Arc<AtomicBool>) -> Self {
        self.stop = Some(flag);
        self
    }
}

/// How long a sleep goes before it looks at the stop flag again.
const STOP_POLL: Duration = Duration::from_millis(50);

impl Clock for SystemClock {
    fn now(&self) -> Duration {
        self.origin.elapsed()
    }

    fn sleep_until(&mut self, deadline: Duration) {
        loop {
            let now = self.now();
            if deadline <= now || self.interrupted() {
                return;
            }
            let left = deadline - now;
            std::thread::sleep(if self.stop.is_some() { left.min(STOP_POLL) } else { left });
        }
    }

    fn interrupted(&self) -> bool {
        self.stop.as_ref().is_some_and(|f| f.load(Ordering::SeqCst))
    }
}

/// What a run did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RunReport {
    /// Points handed to the sinks.
    pub points: u64,
    /// Ticks that had points, spans or records.
    pub ticks: u64,
    /// Spans handed to the sinks.
    pub spans: u64,
    /// Log records handed to the sinks.
    pub records: u64,
    /// The run stopped early (Ctrl-C).
    pub interrupted: bool,
    /// In real time: how late the latest tick started (past its deadline).
    pub worst_lateness: Duration,
    /// In real time: ticks that started more than [`LATE`] after their deadline.
    pub late_ticks: u64,
}

/// How late a real-time tick may start before the run counts it as falling behind.
pub const LATE: Duration = Duration::from_secs(1);

/// A real-time tick that started more than [`LATE`] after its deadline.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lateness {
    /// The tick.
    pub tick: u64,
    /// How late it started.
    pub by: Duration,
}

/// Plays the engine to its end, handing each tick's points to every sink in
/// order. In real time, tick t is delivered at `clock` origin + t seconds, and
/// the run lasts until the scenario's last tick even if it has no points.
pub fn run(
    engine: &mut Engine<'_>,
    pacing: Pacing,
    clock: &mut dyn Clock,
    sinks: &mut [&mut dyn Sink],
) -> Result<RunReport, SinkError> {
    run_with(engine, pacing, clock, sinks, &mut |_| {})
}

/// [`run`], telling `late` about every real-time tick that starts more than
/// [`LATE`] after its deadline (the engine or the sinks cannot keep up), as
/// it happens.
pub fn run_with(
    engine: &mut Engine<'_>,
    pacing: Pacing,
    clock: &mut dyn Clock,
    sinks: &mut [&mut dyn Sink],
    late: &mut dyn FnMut(Lateness),
) -> Result<RunReport, SinkError> {
    let mut report = RunReport::default();
    if pacing == Pacing::RealTime {
        engine.favour_memory();
    }
    let last_tick = engine.last_tick();
    let mut failure = None;
    // A tick of many points comes in parts: the first is paced.
    let mut paced = None;
    'ticks: while let Some(batch) = engine.next_batch() {
        if pacing == Pacing::RealTime && paced.replace(batch.tick) != Some(batch.tick) {
            let deadline = Duration::from_secs(batch.tick);
            clock.sleep_until(deadline);
            let by = clock.now().saturating_sub(deadline);
            report.worst_lateness = report.worst_lateness.max(by);
            if by > LATE {
                report.late_ticks += 1;
                late(Lateness { tick: batch.tick, by });
            }
        }
        if clock.interrupted() {
            report.interrupted = true;
            break;
        }
        for sink in sinks.iter_mut() {
            if let Err(e) = sink.tick(&batch) {
                failure = Some(e);
                break 'ticks;
            }
        }
        report.points += batch.metrics.points.len() as u64;
        report.spans += batch.spans.spans.len() as u64;
        report.records += batch.logs.records.len() as u64;
        report.ticks += u64::from(!batch.more);
    }
    if pacing == Pacing::RealTime && !report.interrupted && failure.is_none() {
        clock.sleep_until(Duration::from_secs(last_tick));
        report.interrupted = clock.interrupted();
    }
    // Every sink flushes, even after an interruption or another sink's failure:
    // what was generated is delivered or counted.
    for sink in sinks.iter_mut() {
        if let Err(e) = sink.finish() {
            failure.get_or_insert(e);
        }
    }
    match failure {
        Some(e) => Err(e),
        None => Ok(report),
    }
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::rc::Rc;

    use super::*;
    use crate::batch::Batch;
    use crate::scenario::Scenario;
    use crate::{RunConfig, Timestamp};

    /// Virtual time: sleeping jumps to the deadline; sinks can spend time.
    #[derive(Default)]
    struct FakeTime {
        now: Duration,
        sleeps: Vec<Duration>,
    }

    struct FakeClock(Rc<RefCell<FakeTime>>);

    impl Clock for FakeClock {
        fn now(&self) -> Duration {
            self.0.borrow().now
        }
        fn sleep_until(&mut self, deadline: Duration) {
            let mut t = self.0.borrow_mut();
            t.sleeps.push(deadline);
            t.now = t.now.max(deadline);
        }
    }

    /// A sink whose work takes `cost` of virtual time per tick, and 3.5 s at 20s.
    struct SlowSink {
        time: Rc<RefCell<FakeTime>>,
        delivered: Vec<(u64, Duration)>,
    }

    impl Sink for SlowSink {
        fn tick(&mut self, batch: &Batch<'_>) -> Result<(), SinkError> {
            let mut t = self.time.borrow_mut();
            self.delivered.push((batch.tick, t.now));
            t.now += if batch.tick == 20 { Duration::from_millis(3500) } else { Duration::from_millis(300) };
            Ok(())
        }
    }

    #[test]
    fn deadlines_are_absolute_and_a_slow_tick_does_not_shift_later_ones() {
        let s = Scenario::from_yaml(
            "pace.yaml",
            "duration: 65s\nscript:\n  - {type: metricEmitter, name: c, spec: {type: constant}}\n  - {type: metric, name: m, spec: {type: gauge, emitters: [c]}}\n",
        )
        .unwrap();
        let config = RunConfig { seed: 1, rng: crate::RngKind::ChaCha, wallclock_start: Timestamp(0) };
        let mut engine = Engine::new(&s, config);
        let time = Rc::new(RefCell::new(FakeTime::default()));
        let mut clock = FakeClock(time.clone());
        let mut sink = SlowSink { time: time.clone(), delivered: Vec::new() };
        let report = run(&mut engine, Pacing::RealTime, &mut clock, &mut [&mut sink]).unwrap();
        assert_eq!(report.points, 6);
        let secs = Duration::from_secs;
        // Each tick is delivered at exactly origin + t, even after a 3.5 s tick.
        let want: Vec<(u64, Duration)> = (1..=6).map(|i| (i * 10, secs(i * 10))).collect();
        assert_eq!(sink.delivered, want);
        // The run lasts to its last tick (65s), though the last point is at 60s.
        assert_eq!(time.borrow().sleeps.last(), Some(&secs(65)));
        assert_eq!(time.borrow().now, secs(65));
    }

    /// A sink that spends `cost` of virtual time on one tick.
    struct StallingSink {
        time: Rc<RefCell<FakeTime>>,
        stall_at: u64,
        cost: Duration,
    }

    impl Sink for StallingSink {
        fn tick(&mut self, batch: &Batch<'_>) -> Result<(), SinkError> {
            if batch.tick == self.stall_at {
                self.time.borrow_mut().now += self.cost;
            }
            Ok(())
        }
    }

    #[test]
    fn a_tick_that_starts_late_is_reported_as_it_happens() {
        let s = Scenario::from_yaml(
            "late.yaml",
            "duration: 60s\nscript:\n  - {type: metricEmitter, name: c, spec: {type: constant}}\n  - {type: metric, name: m, spec: {type: gauge, frequency: 1s, emitters: [c]}}\n",
        )
        .unwrap();
        let mut engine = Engine::new(&s, RunConfig::reproducible(&s));
        let time = Rc::new(RefCell::new(FakeTime::default()));
        // Tick 20 takes 3.5 s: ticks 21 (2.5 s late) and 22 (1.5 s late) start
        // late, 23 just 0.5 s late, and 24 on time.
        let mut sink = StallingSink { time: time.clone(), stall_at: 20, cost: Duration::from_millis(3500) };
        let mut heard = Vec::new();
        let report =
            run_with(&mut engine, Pacing::RealTime, &mut FakeClock(time), &mut [&mut sink], &mut |l| heard.push(l))
                .unwrap();
        let ms = Duration::from_millis;
        assert_eq!(heard, [Lateness { tick: 21, by: ms(2500) }, Lateness { tick: 22, by: ms(1500) }]);
        assert_eq!((report.late_ticks, report.worst_lateness), (2, ms(2500)));
    }

    /// What a sink saw of each batch: tick, points, more to come, next tick, when.
    struct PartsSink {
        time: Rc<RefCell<FakeTime>>,
        seen: Vec<(u64, usize, bool, u64, Duration)>,
    }

    impl Sink for PartsSink {
        fn tick(&mut self, batch: &Batch<'_>) -> Result<(), SinkError> {
            let mut t = self.time.borrow_mut();
            self.seen.push((batch.tick, batch.metrics.points.len(), batch.more, batch.next_tick, t.now));
            // Each part takes 2 s: only a tick's first part is paced.
            t.now += Duration::from_secs(2);
            Ok(())
        }
    }

    #[test]
    fn a_tick_of_many_points_comes_in_parts_and_only_its_first_is_paced() {
        let s = Scenario::from_yaml(
            "parts.yaml",
            "duration: 30s\nscript:\n  - {type: metricEmitter, name: c, spec: {type: constant}}\n  - {type: metric, name: m, \
             spec: {type: gauge, emitters: [c], attributes: {datapoint: {host: 'h-{000000..099999}'}}}}\n",
        )
        .unwrap();
        let mut engine = Engine::new(&s, RunConfig::reproducible(&s));
        let time = Rc::new(RefCell::new(FakeTime::default()));
        let mut sink = PartsSink { time: time.clone(), seen: Vec::new() };
        let mut heard = Vec::new();
        let report =
            run_with(&mut engine, Pacing::RealTime, &mut FakeClock(time.clone()), &mut [&mut sink], &mut |l| {
                heard.push(l)
            })
            .unwrap();
        let secs = Duration::from_secs;
        let (first, rest) = (Batch::PART_POINTS, 100_000 - Batch::PART_POINTS);
        // Real time knows the next tick from the first part on (it favours memory).
        let want = vec![
            (10, first, true, 20, secs(10)),
            (10, rest, false, 20, secs(12)),
            (20, first, true, 30, secs(20)),
            (20, rest, false, 30, secs(22)),
            (30, first, true, 40, secs(30)),
            (30, rest, false, 40, secs(32)),
        ];
        assert_eq!(sink.seen, want);
        assert_eq!(time.borrow().sleeps, [secs(10), secs(20), secs(30), secs(30)]);
        assert!(heard.is_empty(), "a later part is not late: {heard:?}");
        assert_eq!((report.points, report.ticks, report.late_ticks), (300_000, 3, 0));
    }

    #[test]
    fn fast_pacing_never_sleeps() {
        let s = Scenario::from_yaml(
            "fast.yaml",
            "duration: 1h\nscript:\n  - {type: metricEmitter, name: c, spec: {type: constant}}\n  - {type: metric, name: m, spec: {type: gauge, emitters: [c]}}\n",
        )
        .unwrap();
        let mut engine = Engine::new(&s, RunConfig::from_scenario(&s));
        let time = Rc::new(RefCell::new(FakeTime::default()));
        let mut sink = crate::CountingSink::default();
        let report = run(&mut engine, Pacing::Fast, &mut FakeClock(time.clone()), &mut [&mut sink]).unwrap();
        assert_eq!(report.points, 360);
        assert!(time.borrow().sleeps.is_empty());
    }
}
