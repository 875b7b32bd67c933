//! What the engine tests share: loading, playing, reading values by second.

use std::path::{Path, PathBuf};

use flutter::{Engine, GoDuration, MemorySink, Pacing, RngKind, RunConfig, Scenario, SystemClock, Timestamp};

/// A scenario from YAML text; a load error fails the test with its message.
pub fn load(yaml: &str) -> Scenario<'static> {
    Scenario::from_yaml("test.yaml", yaml).unwrap_or_else(|e| panic!("{e}"))
}

/// A sample file's path.
pub fn sample(name: &str) -> Vec<PathBuf> {
    vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("../samples").join(name)]
}

/// Plays YAML text reproducibly (seed 0 and the epoch unless it sets them).
pub fn play(yaml: &str) -> MemorySink {
    load(yaml).simulate()
}

/// Plays with a seed and random streams of the test's choosing.
pub fn play_with(scenario: &Scenario<'static>, seed: u64, rng: RngKind) -> MemorySink {
    let wallclock_start = scenario.wallclock_start.unwrap_or(Timestamp(1_700_000_000_000_000_000));
    let mut engine = Engine::new(scenario, RunConfig { seed, rng, wallclock_start });
    let mut sink = MemorySink::new();
    flutter::run(&mut engine, Pacing::Fast, &mut SystemClock::start(), &mut [&mut sink]).unwrap();
    sink
}

pub fn secs(s: i64) -> GoDuration {
    GoDuration::from_secs(s)
}

/// `(second, value)` of an exported metric's numeric points.
pub fn values(sink: &MemorySink, metric: &str) -> Vec<(i64, f64)> {
    sink.metric(metric).values().into_iter().map(|(t, v)| (t.as_nanos() / 1_000_000_000, v)).collect()
}

/// `(second, value)` of a series' points, `None` for stale ones.
pub fn series(sink: &MemorySink, series: &str) -> Vec<(i64, Option<f64>)> {
    sink.series(series).points().iter().map(|p| (p.time().as_nanos() / 1_000_000_000, p.value.as_f64())).collect()
}

/// The numbers of a series' points.
pub fn numbers(sink: &MemorySink, name: &str) -> Vec<f64> {
    series(sink, name).into_iter().map(|(_, v)| v.unwrap()).collect()
}
