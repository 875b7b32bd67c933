//! One embedded scenario per second-stage emitter and metric type, through the
//! macro, asserted on exact values where the math is exact.

use flutter::{GoDuration, RecordedValue, Scenario};
use flutter_macros::scenario;

fn t(s: i64) -> GoDuration {
    GoDuration::from_secs(s)
}

fn values(s: &Scenario<'static>, metric: &str) -> Vec<f64> {
    s.simulate().metric(metric).values().into_iter().map(|(_, v)| v).collect()
}

static NORMAL: Scenario<'static> = scenario!(
    "duration: 1h\nseed: 5\nscript:\n  - {type: metricEmitter, name: n, spec: {type: gaussianNoise, target: 100, stdDev: 4, variation: 10}}\n  \
     - {type: metric, name: m, spec: {type: gauge, frequency: 1s, emitters: [n]}}\n"
);

#[test]
fn normal_noise() {
    let v = values(&NORMAL, "m");
    assert_eq!(v.len(), 3600);
    assert!(v.iter().all(|x| (90.0..=110.0).contains(x)), "clamped to target ± variation");
    let mean = v.iter().sum::<f64>() / v.len() as f64;
    assert!((mean - 100.0).abs() < 0.3, "{mean}");
    assert_eq!(values(&NORMAL, "m"), v, "reproducible");
}

static POISSON: Scenario<'static> = scenario!(
    "duration: 10m\nseed: 5\nscript:\n  - {type: metricEmitter, name: p, spec: {type: poissonNoise, target: 3, max: 6, direction: negative}}\n  \
     - {type: metric, name: m, spec: {type: gauge, frequency: 1s, emitters: [p]}}\n"
);

#[test]
fn poisson_noise() {
    let v = values(&POISSON, "m");
    assert!(v.iter().all(|x| x.fract() == 0.0 && (-6.0..=0.0).contains(x)), "whole, negated, capped");
    assert!(v.contains(&-6.0) && v.contains(&0.0));
}

static SPIKY: Scenario<'static> = scenario!(
    "duration: 10m\nseed: 5\nscript:\n  - {type: metricEmitter, name: s, spec: {type: spikyNoise, pStart: 0.1, pEnd: 0.5, peakTarget: 50, variation: 5}}\n  \
     - {type: metric, name: m, spec: {type: gauge, frequency: 1s, emitters: [s]}}\n"
);

#[test]
fn spiky_noise() {
    let v = values(&SPIKY, "m");
    assert!(v.iter().all(|x| *x == 0.0 || (1.0..=55.0).contains(x)));
    let on = v.iter().filter(|x| **x > 0.0).count() as f64 / v.len() as f64;
    // pStart / (pStart + pEnd − pStart·pEnd) = 0.1 / 0.55.
    assert!((on - 0.1 / 0.55).abs() < 0.05, "{on}");
}

static PERIODIC: Scenario<'static> = scenario!(
    "duration: 1m\nscript:\n  - {type: metricEmitter, name: w, spec: {type: periodic, shape: triangle, period: 20s, phase: 5s, amplitude: 10, offset: 50}}\n  \
     - {type: metric, name: m, spec: {type: gauge, frequency: 5s, emitters: [w]}}\n"
);

#[test]
fn periodic() {
    // u = (t + 5) / 20: 0.5 (peak), 0.75, 0 (trough), 0.25, …
    assert_eq!(values(&PERIODIC, "m")[..5], [60.0, 50.0, 40.0, 50.0, 60.0]);
}

static SEQUENCE: Scenario<'static> = scenario!(
    "duration: 9s\nscript:\n  - {type: metricEmitter, name: s, spec: {type: sequence, values: \"10-3x2 _ stale 7\", repeat: true}}\n  \
     - {type: metric, name: m, spec: {type: gauge, frequency: 1s, emitters: [s]}}\n"
);

#[test]
fn sequence() {
    let points = SEQUENCE.simulate();
    let m = points.metric("m");
    assert_eq!(
        m.values(),
        vec![(t(1), 10.0), (t(2), 7.0), (t(3), 4.0), (t(6), 7.0), (t(7), 10.0), (t(8), 7.0), (t(9), 4.0)]
    );
    assert_eq!(m.point_at(t(5)).unwrap().value, RecordedValue::Stale);
    assert!(m.point_at(t(4)).is_none(), "a missing point is not sent");
}

static TRANSFORMS: Scenario<'static> = scenario!(
    "duration: 30s\nscript:\n  - {type: metricEmitter, name: s, spec: {type: sequence, values: \"-7.4 3.3 12\"}}\n  \
     - {type: metricEmitter, name: abs, spec: {type: abs}}\n  - {type: metricEmitter, name: x3, spec: {type: scale, factor: 3}}\n  \
     - {type: metricEmitter, name: cap, spec: {type: clamp, max: 30}}\n  - {type: metricEmitter, name: r, spec: {type: round, step: 2}}\n  \
     - {type: metric, name: m, spec: {type: gauge, emitters: [s, abs, x3, cap, r]}}\n"
);

#[test]
fn transforms() {
    // |-7.4|·3 = 22.2 → 22;  3.3·3 = 9.9 → 10;  12·3 = 36 → 30.
    assert_eq!(values(&TRANSFORMS, "m"), vec![22.0, 10.0, 30.0]);
}

static INT_GAUGE: Scenario<'static> = scenario!(
    "duration: 20s\nscript:\n  - {type: metricEmitter, name: s, spec: {type: sequence, values: \"41.5 -0.5\"}}\n  \
     - {type: metric, name: m, spec: {type: gauge, valueType: int, emitters: [s]}}\n"
);

#[test]
fn integer_gauge() {
    let points = INT_GAUGE.simulate();
    let v: Vec<RecordedValue> = points.metric("m").points().iter().map(|p| p.value.clone()).collect();
    assert_eq!(v, vec![RecordedValue::Int(42), RecordedValue::Int(-1)]);
}

static UP_DOWN: Scenario<'static> = scenario!(
    "duration: 30s\nwallclockStart: 2025-01-01T00:00:00Z\nscript:\n  - {type: metricEmitter, name: r, spec: {type: steps, every: 10s, values: [5, -8, 1]}}\n  \
     - {type: metric, name: total, spec: {type: upDownCounter, emitters: [r]}}\n  \
     - {type: metric, name: delta, spec: {type: upDownCounter, temporality: delta, emitters: [r]}}\n"
);

#[test]
fn up_down_counters_both_temporalities() {
    assert_eq!(values(&UP_DOWN, "total"), vec![50.0, -30.0, -20.0]);
    assert_eq!(values(&UP_DOWN, "delta"), vec![50.0, -80.0, 10.0]);
    let t0 = UP_DOWN.wallclock_start.unwrap().unix_nanos();
    let points = UP_DOWN.simulate();
    let starts: Vec<i64> =
        points.metric("delta").points().iter().map(|p| (p.start_unix_nanos - t0) / 1_000_000_000).collect();
    assert_eq!(starts, vec![0, 10, 20]);
}

static HISTOGRAMS: Scenario<'static> = scenario!(
    "duration: 1m\nseed: 9\nscript:\n  - {type: metricEmitter, name: c, spec: {type: constant, value: 30}}\n  \
     - {type: metricEmitter, name: load, spec: {type: ramp, start: 10, target: 100, duration: 1m}}\n  \
     - {type: metric, name: h, spec: {type: histogram, rate: load, buckets: [20, 30, 40], distribution: {type: uniform, width: 20}, emitters: [c]}}\n  \
     - {type: metric, name: e, spec: {type: exponentialHistogram, temporality: delta, rate: 20, maxSize: 10, distribution: {type: normal, stdDev: 5}, emitters: [c]}}\n"
);

#[test]
fn histograms() {
    let points = HISTOGRAMS.simulate();
    let mut last = 0;
    for p in points.metric("h").points() {
        let RecordedValue::Histogram { summary, counts } = &p.value else { panic!("histogram") };
        assert_eq!(counts.len(), 4);
        assert_eq!(counts[3], 0, "uniform 20..40 never passes 40");
        assert_eq!(counts.iter().sum::<u64>(), summary.count);
        assert!(summary.count > last, "the rate emitter drives the count up");
        last = summary.count;
    }
    for p in points.metric("e").points() {
        let RecordedValue::ExpHistogram { summary, zero_count, positive, negative, .. } = &p.value else {
            panic!("exponential histogram")
        };
        assert!(positive.len() <= 10 && negative.len() <= 10);
        assert_eq!(positive.iter().chain(negative).sum::<u64>() + zero_count, summary.count);
    }
}

static LIFETIMES: Scenario<'static> = scenario!(
    "duration: 1m\nscript:\n  - {type: metricEmitter, name: one, spec: {type: constant, value: 1}}\n  \
     - {type: metric, name: c, spec: {type: counter, emitters: [one], to: 50s}}\n  \
     - {type: disableMetric, at: 15s, name: c}\n  - {type: enableMetric, at: 31s, name: c}\n"
);

#[test]
fn lifetimes() {
    let points = LIFETIMES.simulate();
    // 10 s–15 s counts, 15 s–31 s (disabled) does not.
    assert_eq!(points.metric("c").values(), vec![(t(10), 10.0), (t(31), 15.0), (t(41), 25.0)]);
}
