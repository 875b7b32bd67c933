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

/// Φ(x), the standard normal's distribution function.
pub fn normal_cdf(x: f64) -> f64 {
    0.5 * libm::erfc(-x / std::f64::consts::SQRT_2)
}

/// Pearson's chi-square of observed counts against bucket probabilities.
pub fn chi_square(counts: &[u64], probabilities: &[f64]) -> f64 {
    let n: u64 = counts.iter().sum();
    counts.iter().zip(probabilities).map(|(&o, &p)| (o as f64 - n as f64 * p).powi(2) / (n as f64 * p)).sum()
}

/// Bucket probabilities from a CDF: (−∞, b0], (b0, b1], …, (bk, ∞).
pub fn probabilities(buckets: &[f64], cdf: impl Fn(f64) -> f64) -> Vec<f64> {
    let mut edges = vec![0.0];
    edges.extend(buckets.iter().map(|&b| cdf(b)));
    edges.push(1.0);
    edges.windows(2).map(|w| w[1] - w[0]).collect()
}

/// 99.9th percentiles of chi-square with 1 to 8 degrees of freedom (p = 0.001).
pub const CHI2_999: [f64; 8] = [10.828, 13.816, 16.266, 18.467, 20.515, 22.458, 24.322, 26.124];

/// The 99.9th percentile of chi-square with `k` degrees of freedom: the table,
/// then Wilson and Hilferty's cube (within 0.5% from 9 degrees on).
pub fn chi2_999(k: usize) -> f64 {
    if let Some(&c) = CHI2_999.get(k.wrapping_sub(1)) {
        return c;
    }
    let (k, z) = (k as f64, 3.090_232_306_167_813);
    let h = 2.0 / (9.0 * k);
    k * (1.0 - h + z * h.sqrt()).powi(3)
}
