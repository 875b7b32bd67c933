//! Engine behaviour with exact expected values.

use flutter::{Engine, RngKind, RunConfig, Scenario, Timestamp};

use crate::util::{load, play_with, sample, secs, series, values};

const README_VALUES: [f64; 12] = [
    8.603450562309138,
    8.9923406286904,
    9.15036693509603,
    7.507197702329614,
    9.966095793585012,
    61.27401607743047,
    62.90178020482533,
    58.31397815651833,
    61.26050101150872,
    60.841981633174264,
    58.18683152763096,
    60.589915194816385,
];

#[test]
fn readme_example_with_go_streams() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../samples");
    let s = Scenario::load_files(&[root.join("sample-dryrun.yaml"), root.join("sample-config.yaml")]).unwrap();
    assert!(s.dryrun);
    let sink = play_with(&s, 123456789, RngKind::Go);
    let got = values(&sink, "pod.cpu.usage");
    let want: Vec<(i64, f64)> = (1..=12).map(|i| i * 10).zip(README_VALUES).collect();
    assert_eq!(got, want);
}

#[test]
fn readme_example_with_chacha_has_the_same_shape() {
    let s = Scenario::load_files(&sample("sample-config.yaml")).unwrap();
    let got = values(&play_with(&s, 123456789, RngKind::ChaCha), "pod.cpu.usage");
    assert_eq!(got.len(), 12);
    for (t, v) in got {
        let centre = if t < 60 { 10.0 } else { 60.0 };
        assert!((v - centre).abs() <= 10.0, "{t}s: {v}");
    }
}

#[test]
fn ramp_sample_test_vectors() {
    let s = Scenario::load_files(&sample("sample-ramp.yaml")).unwrap();
    let sink = play_with(&s, 1, RngKind::ChaCha);
    let view = sink.metric("pod.cpu.usage");
    let want = [
        (10, 0.08333333333333333),
        (20, 0.16666666666666666),
        (60, 0.5),
        (110, 0.9166666666666666),
        (120, 1.0),
        (130, 0.9947916666666666),
        (170, 0.9739583333333334),
        (180, 0.96875),
        (190, 0.9154861111111111),
        (200, 0.8622222222222222),
        (350, 0.0632638888888889),
    ];
    for (t, v) in want {
        assert_eq!(view.at(secs(t)), Some(v), "at {t}s");
    }
    for t in (360..=600).step_by(10) {
        assert_eq!(view.at(secs(t)), Some(0.01), "at {t}s");
    }
    assert_eq!(view.len(), 60);
}

const TWO_WALKS: &str = "
duration: 5m
script:
  - {type: metricEmitter, name: walk, spec: {type: randomWalk, stepSize: 3, elasticity: 0.1, variation: 20}}
  - {type: metric, name: a, spec: {type: gauge, emitters: [walk]}}
  - {type: metric, name: b, spec: {type: gauge, frequency: 5s, emitters: [walk]}}
";

#[test]
fn same_seed_same_values_other_seed_differs() {
    let s = load(TWO_WALKS);
    for rng in [RngKind::ChaCha, RngKind::Go] {
        let first = play_with(&s, 99, rng);
        let again = play_with(&s, 99, rng);
        assert_eq!(first, again);
        let other = play_with(&s, 100, rng);
        assert_ne!(values(&first, "a"), values(&other, "a"));
    }
}

#[test]
fn chacha_series_do_not_depend_on_other_metrics() {
    let alone = load(TWO_WALKS);
    let extra = TWO_WALKS.replace(
        "script:\n",
        "script:\n  - {type: metric, name: noise, spec: {type: gauge, frequency: 1s, emitters: [walk]}}\n",
    ) + "  - {type: metric, at: 30s, name: late, spec: {type: gauge, frequency: 3s, emitters: [walk]}}\n";
    let extra = load(&extra);
    let (x, y) = (play_with(&alone, 5, RngKind::ChaCha), play_with(&extra, 5, RngKind::ChaCha));
    assert_eq!(values(&x, "a"), values(&y, "a"));
    assert_eq!(values(&x, "b"), values(&y, "b"));
    // Two series using one walk each walk on their own.
    assert_ne!(x.metric("a").at(secs(10)), x.metric("b").at(secs(10)));
}

#[test]
fn first_point_and_frequency_rules() {
    let s = load(
        "
duration: 1m
script:
  - {type: metricEmitter, name: one, spec: {type: constant, value: 1}}
  - {type: metric, name: at0, spec: {type: gauge, emitters: [one]}}
  - {type: metric, at: 50s, name: at50, spec: {type: gauge, emitters: [one]}}
  - {type: metric, at: 15s, name: at15, spec: {type: gauge, emitters: [one]}}
  - {type: metric, at: 2500ms, name: between, spec: {type: gauge, frequency: 1s, emitters: [one]}}
  - {type: metric, at: 30s, name: at15, spec: {frequency: 4s}}
",
    );
    let sink = play_with(&s, 1, RngKind::ChaCha);
    let ticks = |m: &str| -> Vec<i64> { values(&sink, m).into_iter().map(|(t, _)| t).collect() };
    assert_eq!(ticks("at0"), vec![10, 20, 30, 40, 50, 60]);
    assert_eq!(ticks("at50"), vec![50, 60]);
    // 15, 25, then at 30s the frequency becomes 4s: next due 25 + 4 = 29 is past, so at once.
    assert_eq!(ticks("at15"), vec![15, 25, 30, 34, 38, 42, 46, 50, 54, 58]);
    assert_eq!(ticks("between")[..3], [3, 4, 5]);
}

#[test]
fn all_due_actions_apply_before_emission() {
    let s = load(
        "
duration: 20s
script:
  - {type: metricEmitter, name: c, spec: {type: constant, value: 1}}
  - {type: metric, name: m, spec: {type: gauge, emitters: [c]}}
  - {type: metricEmitter, at: 10s, name: c, spec: {value: 2}}
  - {type: metricEmitter, at: 10s, name: c, spec: {value: 3}}
  - {type: metricEmitter, at: 19500ms, name: c, spec: {value: 4}}
",
    );
    let sink = play_with(&s, 1, RngKind::ChaCha);
    assert_eq!(values(&sink, "m"), vec![(10, 3.0), (20, 4.0)]);
}

#[test]
fn reconfigured_emitter_of_another_type_is_replaced() {
    let s = load(
        "
duration: 1m
script:
  - {type: metricEmitter, name: e, spec: {type: ramp, start: 0, target: 100, duration: 100s}}
  - {type: metric, name: m, spec: {type: gauge, emitters: [e]}}
  - {type: metricEmitter, at: 20s, name: e, spec: {type: ramp, target: 10, duration: 10s}}
  - {type: metricEmitter, at: 40s, name: e, spec: {type: constant, value: 7}}
  - {type: metricEmitter, at: 50s, name: e, spec: {type: ramp, start: 5, target: 15, duration: 20s}}
",
    );
    let sink = play_with(&s, 1, RngKind::ChaCha);
    // At 20s the same type continues from 20 down to 10 over 10s.
    assert_eq!(values(&sink, "m"), vec![(10, 10.0), (20, 20.0), (30, 10.0), (40, 7.0), (50, 5.0), (60, 10.0)]);
}

#[test]
fn random_walk_resets_on_reconfiguration_and_pins_with_zero_variation() {
    let s = load(
        "
duration: 1m
script:
  - {type: metricEmitter, name: w, spec: {type: randomWalk, target: 5, stepSize: 2, variation: 0}}
  - {type: metric, name: m, spec: {type: gauge, emitters: [w]}}
  - {type: metricEmitter, at: 30s, name: w, spec: {target: 50}}
",
    );
    let sink = play_with(&s, 3, RngKind::ChaCha);
    assert_eq!(values(&sink, "m"), vec![(10, 5.0), (20, 5.0), (30, 50.0), (40, 50.0), (50, 50.0), (60, 50.0)]);
}

#[test]
fn counter_accumulates_rate_times_seconds() {
    let s = load(
        "
duration: 1m
wallclockStart: 2025-01-01T00:00:00Z
script:
  - {type: metricEmitter, name: rate, spec: {type: constant, value: 2}}
  - {type: metric, name: c, spec: {type: counter, frequency: 10s, emitters: [rate]}}
  - {type: metricEmitter, at: 20s, name: rate, spec: {value: -5}}
  - {type: metricEmitter, at: 30s, name: rate, spec: {value: 0.5}}
  - {type: metric, at: 25s, name: late, spec: {type: counter, frequency: 5s, emitters: [rate]}}
  - {type: metric, at: 40s, name: c, spec: {frequency: 20s, attributes: {datapoint: {}}}}
",
    );
    let sink = play_with(&s, 1, RngKind::ChaCha);
    // Each second accrues its own rate: 2/s for seconds 0–19, −5 (nothing) for
    // 20–29, 0.5/s from 30. The frequency change at 40s makes the next point due
    // at the last one (30s) + 20s; an empty attribute map is the same identity.
    assert_eq!(values(&sink, "c"), vec![(10, 20.0), (20, 40.0), (30, 40.0), (50, 50.0)]);
    // Created at 25s, first point on its creation tick: starts at 0; the rate
    // change at 30s counts from second 30 on.
    assert_eq!(values(&sink, "late")[..4], [(25, 0.0), (30, 0.0), (35, 2.5), (40, 5.0)]);
    let start = Timestamp::parse_rfc3339("2025-01-01T00:00:00Z").unwrap().unix_nanos();
    let late_start = start + 25_000_000_000;
    assert!(sink.series("c").points().iter().all(|p| p.start_unix_nanos == start));
    assert!(sink.series("late").points().iter().all(|p| p.start_unix_nanos == late_start));
}

#[test]
fn reconfigured_metric_identity_makes_a_new_stream() {
    let s = load(
        "
duration: 30s
script:
  - {type: metricEmitter, name: rate, spec: {type: constant, value: 1}}
  - type: metric
    name: c
    spec: {type: counter, unit: '1', emitters: [rate], attributes: {resource: {host: a}, datapoint: {k: v}}}
  - type: metric
    at: 15s
    name: c
    spec: {name: renamed, attributes: {datapoint: {k: w}}}
",
    );
    let sink = play_with(&s, 1, RngKind::ChaCha);
    assert_eq!(sink.streams().len(), 2);
    let second = &sink.streams()[1];
    assert_eq!((second.name.as_str(), second.unit.as_str()), ("renamed", "1"));
    assert_eq!(second.resource[0].key, "host");
    // The old identity ends at 15s with a staleness marker; the new one is
    // created then, from 0.
    assert_eq!(series(&sink, "c"), vec![(10, Some(10.0)), (15, None), (15, Some(0.0)), (25, Some(10.0))]);
    let old: Vec<_> =
        sink.metric("c").points().iter().map(|p| (p.time().as_nanos() / 1_000_000_000, p.value.as_f64())).collect();
    assert_eq!(old, vec![(10, Some(10.0)), (15, None)]);
    // The new one is a new series: created at 15s (its start time), from 0.
    assert_eq!(values(&sink, "renamed"), vec![(15, 0.0), (25, 10.0)]);
    let created = 1_700_000_000_000_000_000 + 15_000_000_000;
    assert!(sink.metric("renamed").points().iter().all(|p| p.start_unix_nanos == created));
    assert_eq!(sink.metric("renamed").with_attr("k", "w").len(), 2);
    assert_eq!(sink.metric("renamed").with_attr("k", "v").len(), 0);
    assert_eq!(sink.metric("c").with_attr("host", "a").at(secs(10)), Some(10.0));
}

#[test]
fn points_carry_the_simulated_wall_clock() {
    let s = load(
        "
duration: 20s
wallclockStart: 2000-01-01T00:00:00Z
script:
  - {type: metricEmitter, name: c, spec: {type: constant, value: 1}}
  - {type: metric, name: g, spec: {type: gauge, emitters: [c]}}
",
    );
    let mut engine = Engine::new(&s, RunConfig::from_scenario(&s));
    let batch = engine.next_batch().unwrap();
    assert_eq!(batch.tick, 10);
    assert_eq!(batch.unix_nanos, 946_684_810_000_000_000);
    assert_eq!(batch.metrics.points.as_slice()[0].start_unix_nanos, batch.unix_nanos);
    assert_eq!(engine.next_batch().map(|b| b.tick), Some(20));
    assert!(engine.next_batch().is_none());
}

/// Plays `scenario` into a memory sink batch by batch, favouring memory
/// (random streams keeping only their positions) from batch `favour_from` on.
fn play_favouring_memory(scenario: &Scenario<'static>, favour_from: Option<usize>) -> flutter::MemorySink {
    use flutter::Sink;
    let config = RunConfig { seed: 3, rng: RngKind::ChaCha, wallclock_start: Timestamp(1_700_000_000_000_000_000) };
    let mut engine = Engine::new(scenario, config);
    let mut sink = flutter::MemorySink::new();
    let mut batches = 0;
    loop {
        if favour_from == Some(batches) {
            engine.favour_memory();
        }
        let Some(batch) = engine.next_batch() else { break };
        sink.tick(&batch).unwrap();
        batches += 1;
    }
    sink
}

/// A real-time run keeps less per series (`Engine::favour_memory`): its
/// points are the same, whether it favours memory from the start or from a
/// point in the run on (the streams go on from where they are).
#[test]
fn favouring_memory_changes_no_point() {
    for name in
        ["sample-fleet.yaml", "sample-churn.yaml", "sample-histogram.yaml", "sample-spiky.yaml", "sample-counter.yaml"]
    {
        let scenario = Scenario::load_files(&sample(name)).unwrap();
        let kept = play_favouring_memory(&scenario, None);
        assert!(kept.points().len() > 10, "{name}: {} points", kept.points().len());
        for from in [0, 7] {
            assert!(play_favouring_memory(&scenario, Some(from)) == kept, "{name}, favouring memory from batch {from}");
        }
    }
}

/// A batch says when the next one comes at the earliest (a real-time sink
/// waits for its receiver only until then): never after the next batch's tick.
#[test]
fn a_batch_knows_the_next_batchs_earliest_tick() {
    for name in ["sample-churn.yaml", "sample-steps.yaml", "sample-traces.yaml"] {
        let scenario = Scenario::load_files(&sample(name)).unwrap();
        let mut engine = Engine::new(&scenario, RunConfig::reproducible(&scenario));
        let mut ticks = Vec::new();
        while let Some(batch) = engine.next_batch() {
            assert!(batch.next_tick > batch.tick, "{name} at {}", batch.tick);
            ticks.push((batch.tick, batch.next_tick));
        }
        assert!(ticks.len() > 5, "{name}");
        for pair in ticks.windows(2) {
            assert!(pair[0].1 <= pair[1].0, "{name}: {pair:?}");
        }
    }
}
