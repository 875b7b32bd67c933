//! Ends: a series past its `to`, disabled, or replaced by a new identity sends
//! one staleness marker; a new identity starts from nothing.

use flutter::RecordedValue;
use flutter::scenario::AttrValue;

use crate::util::{play, series, values};

/// `(second, start second, value)` of an exported metric's points.
fn points(sink: &flutter::MemorySink, metric: &str) -> Vec<(i64, i64, Option<f64>)> {
    let s = 1_000_000_000;
    sink.metric(metric)
        .points()
        .iter()
        .map(|p| (p.time().as_nanos() / s, p.start_unix_nanos / s, p.value.as_f64()))
        .collect()
}

#[test]
fn a_new_identity_is_a_new_series_from_zero() {
    // The deploy of the issue: service.version 1.0 → 1.1 at 1m.
    let sink = play(
        "duration: 90s\nscript:\n  - {type: metricEmitter, name: r, spec: {type: constant, value: 10}}\n  \
         - {type: metric, name: req, spec: {type: counter, name: http.requests, emitters: [r], \
         attributes: {resource: {service.version: '1.0'}}}}\n  \
         - {type: metric, at: 1m, name: req, spec: {attributes: {resource: {service.version: '1.1'}}}}\n",
    );
    let streams = sink.streams();
    assert_eq!(streams.len(), 2);
    let version = |i: usize| format!("{:?}", streams[i].resource[0].value);
    assert!(version(0).contains("1.0") && version(1).contains("1.1"));
    let all = points(&sink, "http.requests");
    // 1.0: 10/s from 0 s, its last point at 50 s, ended at 60 s with a marker.
    assert_eq!(
        all[..6],
        [
            (10, 0, Some(100.0)),
            (20, 0, Some(200.0)),
            (30, 0, Some(300.0)),
            (40, 0, Some(400.0)),
            (50, 0, Some(500.0)),
            (60, 0, None)
        ]
    );
    // 1.1: created at 60 s (its start time), from 0.
    assert_eq!(all[6..], [(60, 60, Some(0.0)), (70, 60, Some(100.0)), (80, 60, Some(200.0)), (90, 60, Some(300.0))]);
    let by_stream: Vec<u32> = sink.series("req").points().iter().map(|p| p.stream).collect();
    assert_eq!(by_stream, [0, 0, 0, 0, 0, 0, 1, 1, 1, 1]);
}

#[test]
fn a_new_unit_or_description_is_the_same_series() {
    let sink = play(
        "duration: 30s\nscript:\n  - {type: metricEmitter, name: r, spec: {type: constant, value: 1}}\n  \
         - {type: metric, name: c, spec: {type: counter, unit: s, emitters: [r]}}\n  \
         - {type: metric, at: 15s, name: c, spec: {unit: ms, description: now in ms}}\n",
    );
    // No end, no restart: the total carries on (in a stream that describes it anew).
    assert_eq!(series(&sink, "c"), [(10, Some(10.0)), (20, Some(20.0)), (30, Some(30.0))]);
    assert_eq!(sink.streams().len(), 2);
    assert_eq!(sink.streams()[1].unit, "ms");
}

#[test]
fn a_series_without_a_point_ends_without_a_marker() {
    let sink = play(
        "duration: 1m\nscript:\n  - {type: metricEmitter, name: r, spec: {type: constant, value: 1}}\n  \
         - {type: metric, name: short, spec: {type: gauge, to: 5s, emitters: [r]}}\n  \
         - {type: metric, name: off, spec: {type: counter, emitters: [r]}}\n  \
         - {type: disableMetric, at: 5s, name: off}\n  \
         - {type: metric, name: kept, spec: {type: gauge, emitters: [r]}}\n",
    );
    assert!(sink.series("short").points().is_empty());
    assert!(sink.series("off").points().is_empty());
    // The run's end is not a series' end: no marker for what runs to the end.
    assert_eq!(values(&sink, "kept").len(), 6);
    assert!(sink.points().iter().all(|p| p.value != RecordedValue::Stale));
}

#[test]
fn a_delta_sum_ends_with_its_interval_start() {
    let sink = play(
        "duration: 1m\nscript:\n  - {type: metricEmitter, name: r, spec: {type: constant, value: 2}}\n  \
         - {type: metric, name: d, spec: {type: counter, temporality: delta, to: 25s, emitters: [r]}}\n",
    );
    assert_eq!(points(&sink, "d"), [(10, 0, Some(20.0)), (20, 10, Some(20.0)), (26, 20, None)]);
}

#[test]
fn an_emitter_dropped_from_a_chain_and_taken_back_carries_on() {
    // Each series of the set keeps its sequence's place while the chain is
    // the constant alone, and a rate emitter's state likewise.
    let sink = play(
        "duration: 70s\nscript:\n  - {type: metricEmitter, name: seq, spec: {type: sequence, values: '1+1x20'}}\n  \
         - {type: metricEmitter, name: c, spec: {type: constant, value: 100}}\n  \
         - {type: metric, name: g, spec: {type: gauge, emitters: [seq], attributes: {datapoint: {k: '{a,b}'}}}}\n  \
         - {type: metric, at: 25s, name: g, spec: {emitters: [c]}}\n  \
         - {type: metric, at: 45s, name: g, spec: {emitters: [c, seq]}}\n",
    );
    let of = |k: &str| -> Vec<(i64, Option<f64>)> {
        sink.series("g")
            .with_attr("k", k.to_owned())
            .points()
            .iter()
            .map(|p| (p.time().as_nanos() / 1_000_000_000, p.value.as_f64()))
            .collect()
    };
    let want = [
        (10, Some(1.0)),
        (20, Some(2.0)),
        (30, Some(100.0)),
        (40, Some(100.0)),
        (50, Some(103.0)),
        (60, Some(104.0)),
        (70, Some(105.0)),
    ];
    assert_eq!(of("a"), want);
    assert_eq!(of("b"), want);
}

#[test]
fn a_rate_emitter_dropped_and_taken_back_carries_on() {
    // The rate's sequence keeps its place while the rate is a number: the
    // counts below were those of the engine that kept every slot in a list.
    let sink = play(
        "duration: 40s\nseed: 7\nscript:\n  - {type: metricEmitter, name: r, spec: {type: sequence, values: '100+100x50'}}\n  \
         - {type: metricEmitter, name: c, spec: {type: constant, value: 10}}\n  \
         - {type: metric, name: h, spec: {type: histogram, emitters: [c], rate: r, distribution: {type: normal, stdDev: 1}, attributes: {datapoint: {k: '{a,b}'}}}}\n  \
         - {type: metric, at: 15s, name: h, spec: {rate: 1}}\n  \
         - {type: metric, at: 25s, name: h, spec: {rate: r}}\n",
    );
    let counts: Vec<(String, i64, u64)> = sink
        .series("h")
        .points()
        .iter()
        .map(|p| {
            let k = format!("{:?}", sink.streams()[p.stream as usize].datapoint[0].value);
            let count = match &p.value {
                RecordedValue::Histogram { summary, .. } => summary.count,
                other => panic!("{other:?}"),
            };
            (k, p.time().as_nanos() / 1_000_000_000, count)
        })
        .collect();
    // Each 10 s: the sequence's 100, 200, … a second for 0–14 s and 25–40 s
    // (1,600 at 25 s: not restarted at 100), 1 a second between.
    let want = [("a", 10, 5644), ("b", 10, 5582), ("a", 20, 12208), ("b", 20, 12075), ("a", 30, 21143)];
    let want = want.into_iter().chain([("b", 30, 21000), ("a", 40, 46504), ("b", 40, 46754)]);
    let want: Vec<(String, i64, u64)> =
        want.map(|(k, t, n)| (format!("{:?}", AttrValue::Str(k.into())), t, n)).collect();
    assert_eq!(counts, want);
}

#[test]
fn an_emitter_named_twice_in_a_chain_has_one_state_for_the_series() {
    // The walk steps twice a point, from one state and one random stream
    // (the values of the engine that kept every slot in a list).
    let sink = play(
        "duration: 30s\nseed: 1\nscript:\n  \
         - {type: metricEmitter, name: w, spec: {type: randomWalk, stepSize: 1, variation: 5}}\n  \
         - {type: metric, name: m, spec: {type: gauge, emitters: [w, w]}}\n",
    );
    assert_eq!(values(&sink, "m"), [(10, -1.8073928136758548), (20, -3.2854375810001866), (30, -5.063266988985262)]);
}
