//! Dry-run throughput: 10,000 gauge series (constant + randomWalk), one hour at
//! 10 s frequency (3.6 M points), into a sink that counts and discards.
//!
//! `cargo bench -p flutter --bench engine`

use std::fmt::Write;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use flutter::{CountingSink, Engine, Pacing, RngKind, RunConfig, Scenario, SystemClock, Timestamp};

const SERIES: usize = 10_000;

/// 10k gauges fed by `emitters` (YAML specs by name), one hour long.
fn scenario(emitters: &[(&str, &str)]) -> Scenario<'static> {
    let mut yaml = String::from("duration: 1h\nseed: 1\nscript:\n");
    for (name, spec) in emitters {
        let _ = writeln!(yaml, "  - {{type: metricEmitter, name: {name}, spec: {spec}}}");
    }
    let names: Vec<&str> = emitters.iter().map(|(n, _)| *n).collect();
    for i in 0..SERIES {
        let _ = writeln!(
            yaml,
            "  - {{type: metric, name: m{i}, spec: {{type: gauge, name: bench.gauge, frequency: 10s, \
             emitters: [{}], attributes: {{datapoint: {{series: s{i}}}}}}}}}",
            names.join(", ")
        );
    }
    Scenario::from_yaml("bench.yaml", &yaml).expect("benchmark scenario loads")
}

fn dry_run(scenario: &Scenario<'static>, rng: RngKind) -> u64 {
    let config = RunConfig { seed: 1, rng, wallclock_start: Timestamp(1_767_225_600_000_000_000) };
    let mut engine = Engine::new(scenario, config);
    let mut sink = CountingSink::default();
    flutter::run(&mut engine, Pacing::Fast, &mut SystemClock::start(), &mut [&mut sink]).expect("counting never fails");
    sink.points
}

fn bench_dry_run(c: &mut Criterion) {
    let walk = scenario(&[
        ("base", "{type: constant, value: 50}"),
        ("walk", "{type: randomWalk, stepSize: 2, elasticity: 0.1, variation: 20}"),
    ]);
    let points = dry_run(&walk, RngKind::ChaCha);
    assert_eq!(points, 3_600_000);
    let mut group = c.benchmark_group("dry_run_10k_series_1h");
    group.throughput(Throughput::Elements(points));
    group.sample_size(20);
    for rng in [RngKind::ChaCha, RngKind::Go] {
        group.bench_with_input(BenchmarkId::new("constant+randomWalk", rng.name()), &rng, |b, &rng| {
            b.iter(|| dry_run(&walk, rng))
        });
    }
    group.finish();
}

criterion_group!(benches, bench_dry_run);
criterion_main!(benches);
