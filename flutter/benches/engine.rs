//! Dry-run throughput: 10,000 gauge series (constant + randomWalk, normalNoise
//! or periodic), one hour at 10 s frequency (3.6 M points), into a sink that
//! counts and discards; the same with counters (which sample their rate every
//! second: 36 M samples for the 3.6 M points); and histogram observations per
//! second.
//!
//! `cargo bench -p flutter --bench engine`

use std::fmt::Write;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use flutter::{CountingSink, Engine, Pacing, RngKind, RunConfig, Scenario, SystemClock, Timestamp};

const SERIES: usize = 10_000;

/// 10k gauges fed by `emitters` (YAML specs by name), one hour long.
fn scenario(emitters: &[(&str, &str)]) -> Scenario<'static> {
    scenario_of("gauge", emitters)
}

/// 10k metrics of `kind` fed by `emitters`, one hour long.
fn scenario_of(kind: &str, emitters: &[(&str, &str)]) -> Scenario<'static> {
    let mut yaml = String::from("duration: 1h\nseed: 1\nscript:\n");
    for (name, spec) in emitters {
        let _ = writeln!(yaml, "  - {{type: metricEmitter, name: {name}, spec: {spec}}}");
    }
    let names: Vec<&str> = emitters.iter().map(|(n, _)| *n).collect();
    for i in 0..SERIES {
        let _ = writeln!(
            yaml,
            "  - {{type: metric, name: m{i}, spec: {{type: {kind}, name: bench.{kind}, frequency: 10s, \
             emitters: [{}], attributes: {{datapoint: {{series: s{i}}}}}}}}}",
            names.join(", ")
        );
    }
    Scenario::from_yaml("bench.yaml", &yaml).expect("benchmark scenario loads")
}

fn dry_run(scenario: &Scenario<'static>, rng: RngKind) -> u64 {
    dry_run_keeping(scenario, rng, false)
}

/// A dry run; `favour_memory`: as a real-time run keeps its random streams (positions only).
fn dry_run_keeping(scenario: &Scenario<'static>, rng: RngKind, favour_memory: bool) -> u64 {
    let config = RunConfig { seed: 1, rng, wallclock_start: Timestamp(1_767_225_600_000_000_000) };
    let mut engine = Engine::new(scenario, config);
    if favour_memory {
        engine.favour_memory();
    }
    let mut sink = CountingSink::default();
    flutter::run(&mut engine, Pacing::Fast, &mut SystemClock::start(), &mut [&mut sink]).expect("counting never fails");
    sink.points
}

fn bench_dry_run(c: &mut Criterion) {
    let shapes = [
        ("constant+randomWalk", "{type: randomWalk, stepSize: 2, elasticity: 0.1, variation: 20}"),
        ("constant+normalNoise", "{type: normalNoise, stdDev: 3, variation: 9}"),
        ("constant+periodic", "{type: periodic, shape: sine, period: 5m, amplitude: 10}"),
    ];
    let mut group = c.benchmark_group("dry_run_10k_series_1h");
    group.throughput(Throughput::Elements(3_600_000));
    group.sample_size(20);
    for (name, spec) in shapes {
        let s = scenario(&[("base", "{type: constant, value: 50}"), ("shape", spec)]);
        assert_eq!(dry_run(&s, RngKind::ChaCha), 3_600_000);
        for rng in [RngKind::ChaCha, RngKind::Go] {
            group.bench_with_input(BenchmarkId::new(name, rng.name()), &rng, |b, &rng| b.iter(|| dry_run(&s, rng)));
        }
        if name != "constant+periodic" {
            let id = BenchmarkId::new(name, "chacha-favouring-memory");
            group.bench_function(id, |b| b.iter(|| dry_run_keeping(&s, RngKind::ChaCha, true)));
        }
    }
    group.finish();
}

/// 10k counters fed a constant + random walk rate, one hour at 10 s: 3.6 M
/// points, each carrying ten per-second samples (throughput in points).
fn bench_counters(c: &mut Criterion) {
    let mut group = c.benchmark_group("dry_run_10k_counters_1h");
    group.throughput(Throughput::Elements(3_600_000));
    group.sample_size(10);
    let walk = "{type: randomWalk, stepSize: 2, elasticity: 0.1, variation: 20}";
    let s = scenario_of("counter", &[("base", "{type: constant, value: 50}"), ("shape", walk)]);
    assert_eq!(dry_run(&s, RngKind::ChaCha), 3_600_000);
    group.bench_function("constant+randomWalk/chacha", |b| b.iter(|| dry_run(&s, RngKind::ChaCha)));
    group.finish();
}

/// 100 histograms at 10,000 observations per second for one minute: 60 M
/// observations (throughput is counted in observations).
fn bench_histograms(c: &mut Criterion) {
    let mut group = c.benchmark_group("histogram_observations");
    group.sample_size(10);
    for (kind, extra) in [("histogram", ""), ("exponentialHistogram", ", maxSize: 160")] {
        let mut yaml = String::from(
            "duration: 1m\nseed: 1\nscript:\n  - {type: metricEmitter, name: c, spec: {type: constant, value: 100}}\n",
        );
        for i in 0..100 {
            let _ = writeln!(
                yaml,
                "  - {{type: metric, name: h{i}, spec: {{type: {kind}, rate: 10000, \
                 distribution: {{type: lognormal, sigma: 0.5}}, emitters: [c]{extra}}}}}"
            );
        }
        let s = Scenario::from_yaml("hist.yaml", &yaml).expect("histogram scenario loads");
        // Cumulative: the last point of each series holds all its observations.
        let sink = s.simulate();
        let last = sink.points().iter().filter(|p| p.tick == 60);
        let observations: u64 = last.map(|p| p.value.summary().map_or(0, |h| h.count)).sum();
        assert!((59_000_000..61_000_000).contains(&observations), "{observations}");
        group.throughput(Throughput::Elements(60 * 10_000 * 100));
        group.bench_function(kind, |b| b.iter(|| dry_run(&s, RngKind::ChaCha)));
    }
    group.finish();
}

/// A set of 100,000 series from one metric spec (`pod-{00000..99999}` on
/// nodes derived from it): making its series (throughput in series: a run of
/// 0 s creates every series and sends nothing), and playing ten minutes at
/// 10 s with a drawn baseline and a walk (6 M points, throughput in points).
fn bench_sets(c: &mut Criterion) {
    const SET: u64 = 100_000;
    let yaml = |duration: &str| {
        format!(
            "duration: {duration}\nseed: 1\nscript:\n  \
             - {{type: metricEmitter, name: base, spec: {{type: constant, value: {{uniform: [10, 90]}}}}}}\n  \
             - {{type: metricEmitter, name: walk, spec: {{type: randomWalk, stepSize: 2, elasticity: 0.1, \
             variation: 20}}}}\n  \
             - {{type: metric, name: cpu, spec: {{type: gauge, frequency: 10s, emitters: [base, walk], attributes: \
             {{resource: {{k8s.pod.name: 'pod-{{pod=00000..99999}}', k8s.node.name: 'node-{{pod/100}}'}}}}}}}}\n"
        )
    };
    let mut group = c.benchmark_group("set_100k_series");
    group.sample_size(10);
    let make = Scenario::from_yaml("set.yaml", &yaml("0s")).expect("set scenario loads");
    group.throughput(Throughput::Elements(SET));
    group.bench_function("make_series", |b| {
        b.iter(|| {
            let config =
                RunConfig { seed: 1, rng: RngKind::ChaCha, wallclock_start: Timestamp(1_767_225_600_000_000_000) };
            let mut engine = Engine::new(&make, config);
            assert!(engine.next_batch().is_none());
            engine.streams().len()
        })
    });
    let play = Scenario::from_yaml("set.yaml", &yaml("10m")).expect("set scenario loads");
    assert_eq!(dry_run(&play, RngKind::ChaCha), 60 * SET);
    group.throughput(Throughput::Elements(60 * SET));
    group.bench_function("dry_run_10m", |b| b.iter(|| dry_run(&play, RngKind::ChaCha)));
    group.finish();
}

criterion_group!(benches, bench_dry_run, bench_counters, bench_histograms, bench_sets);
criterion_main!(benches);
