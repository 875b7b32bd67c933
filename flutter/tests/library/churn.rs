//! Churn: a set's series replaced over time (SCENARIO.md, *Churn and
//! changing sets*), through the public API.

use std::collections::BTreeMap;

use flutter::scenario::AttrValue;
use flutter::shard::Shard;
use flutter::{MemorySink, Scenario};

use crate::util::load;

fn attr(attrs: &[flutter::scenario::KeyValue<'_>], key: &str) -> String {
    match attrs.iter().find(|kv| kv.key == key).map(|kv| &kv.value) {
        Some(AttrValue::Str(s)) => s.to_string(),
        other => panic!("{key}: {other:?}"),
    }
}

/// Every point as (second, pod, node, value or `None` for a staleness marker), in order.
fn points(sink: &MemorySink, metric: &str) -> Vec<(i64, String, String, Option<f64>)> {
    let streams = sink.streams();
    sink.points()
        .iter()
        .filter(|p| streams[p.stream as usize].name == metric)
        .map(|p| {
            let st = &streams[p.stream as usize];
            (
                p.time().as_nanos() / 1_000_000_000,
                attr(&st.resource, "pod"),
                attr(&st.resource, "node"),
                p.value.as_f64(),
            )
        })
        .collect()
}

/// The pods with a value at `second`, and those ended (a marker) then.
fn at(points: &[(i64, String, String, Option<f64>)], second: i64) -> (Vec<String>, Vec<String>) {
    let mut alive = Vec::new();
    let mut ended = Vec::new();
    for (t, pod, _, v) in points.iter().filter(|p| p.0 == second) {
        let _ = t;
        if v.is_some() { alive.push(pod.clone()) } else { ended.push(pod.clone()) }
    }
    alive.sort();
    ended.sort();
    (alive, ended)
}

/// A point's start, in seconds since tick 0.
fn start(p: &flutter::sink::RecordedPoint) -> i64 {
    p.tick as i64 + (p.start_unix_nanos - p.unix_nanos) / 1_000_000_000
}

fn pods(range: std::ops::Range<u32>) -> Vec<String> {
    range.map(|i| format!("checkout-{i:02}")).collect()
}

const CHECKOUT: &str = "duration: 5m\nseed: 9\nwallclockStart: 2026-01-01T00:00:00Z\nscript:\n  \
     - {type: metricEmitter, name: level, spec: {type: constant, value: {uniform: [0, 100]}}}\n  \
     - {type: metric, name: up, spec: {type: gauge, frequency: 30s, emitters: [level], churn: {every: 1m, \
     fraction: 0.1}, attributes: {resource: {pod: 'checkout-{pod=00..49}', node: 'node-{pod/5}'}}}}\n";

#[test]
fn a_rolling_replacement_ends_the_oldest_and_continues_the_range() {
    let sink = load(CHECKOUT).simulate();
    let points = points(&sink, "up");
    // 0.1 × 50: five pods a minute, oldest first, successors 50, 51, …
    let (alive, ended) = at(&points, 30);
    assert_eq!((alive, ended), (pods(0..50), vec![]));
    let (alive, ended) = at(&points, 60);
    assert_eq!(ended, pods(0..5), "the replaced pods end with a staleness marker at once");
    assert_eq!(alive, [pods(5..50), pods(50..55)].concat());
    let (alive, ended) = at(&points, 120);
    assert_eq!(ended, pods(5..10));
    assert_eq!(alive, [pods(10..50), pods(50..60)].concat());
    let (alive, _) = at(&points, 300);
    assert_eq!(alive, [pods(25..50), pods(50..75)].concat());
    // A successor keeps its predecessor's positions: checkout-50 runs on checkout-00's node.
    let node = |pod: &str| points.iter().find(|p| p.1 == pod).map(|p| p.2.clone()).unwrap();
    assert_eq!(
        (node("checkout-00"), node("checkout-50"), node("checkout-57")),
        ("node-0".into(), "node-0".into(), "node-1".into())
    );
    // Its values are those of a series of that identity: its level is the
    // draw of checkout-52 in a set that simply holds it.
    let plain =
        load(&CHECKOUT.replace("churn: {every: 1m, fraction: 0.1}, ", "").replace("{pod=00..49}", "{pod=00..99}"));
    let level = |sink: &MemorySink, pod: &str| sink.metric("up").with_attr("pod", pod).values()[0].1;
    assert_eq!(level(&sink, "checkout-52"), level(&plain.simulate(), "checkout-52"));
    // Successors start their schedule when created: a point at once, then every 30 s.
    let times: Vec<i64> = points.iter().filter(|p| p.1 == "checkout-52").map(|p| p.0).collect();
    assert_eq!(times, [60, 90, 120, 150, 180, 210, 240, 270, 300]);
}

#[test]
fn a_successor_is_a_new_series_with_a_new_total_and_start() {
    let yaml = "duration: 2m\nwallclockStart: 2026-01-01T00:00:00Z\nscript:\n  \
         - {type: metricEmitter, name: one, spec: {type: constant, value: 1}}\n  \
         - {type: metric, name: c, spec: {type: counter, frequency: 10s, emitters: [one], churn: {every: 45s, \
         fraction: 1}, attributes: {resource: {pod: 'p-{0..1}'}}}}\n";
    let sink = load(yaml).simulate();
    let series = |pod: &str| sink.metric("c").with_attr("pod", pod).points();
    let p0: Vec<(i64, i64, Option<f64>)> =
        series("p-0").iter().map(|p| (start(p), p.tick as i64, p.value.as_f64())).collect();
    let mut expected: Vec<(i64, i64, Option<f64>)> = (1..=4).map(|k| (0, 10 * k, Some(10.0 * k as f64))).collect();
    expected.push((0, 45, None));
    assert_eq!(p0, expected);
    // p-2 replaces p-0 at 45 s, p-4 replaces p-2 at 90 s: each from 0, from its own start.
    let p2: Vec<(i64, i64, Option<f64>)> =
        series("p-2").iter().map(|p| (start(p), p.tick as i64, p.value.as_f64())).collect();
    assert_eq!(
        p2,
        [
            (45, 45, Some(0.0)),
            (45, 55, Some(10.0)),
            (45, 65, Some(20.0)),
            (45, 75, Some(30.0)),
            (45, 85, Some(40.0)),
            (45, 90, None)
        ]
    );
    assert_eq!(series("p-4").len(), 4, "90 s, 100 s, 110 s, 120 s");
}

/// Each point as (name, attributes, second, value) in a canonical order.
fn canonical(sink: &MemorySink) -> Vec<(String, String, i64, Option<u64>)> {
    let streams = sink.streams();
    let mut out: Vec<_> = sink
        .points()
        .iter()
        .map(|p| {
            let st = &streams[p.stream as usize];
            let attrs = format!("{:?}", st.resource);
            (st.name.to_string(), attrs, p.time().as_nanos(), p.value.as_f64().map(f64::to_bits))
        })
        .map(|(n, a, t, v)| (n, a, t / 1_000_000_000, v))
        .collect();
    out.sort();
    out
}

#[test]
fn the_shards_of_a_churned_set_add_up_to_the_whole_run() {
    let whole = load(CHECKOUT);
    let all = canonical(&whole.simulate());
    assert!(all.len() > 500);
    for count in [1, 2, 3, 7] {
        let mut union = Vec::new();
        let mut plan_points = 0;
        for index in 1..=count {
            let shard: Scenario<'static> = whole.shard(Shard { index, count }).unwrap();
            let sink = shard.simulate();
            plan_points += flutter::plan::plan(&shard).total_points();
            assert_eq!(flutter::plan::plan(&shard).total_points(), sink.points().len() as u64, "{index}/{count}");
            union.extend(canonical(&sink));
        }
        union.sort();
        assert_eq!(union, all, "{count} shards");
        assert_eq!(plan_points, all.len() as u64);
    }
}

#[test]
fn the_plan_counts_churned_points_and_markers_exactly() {
    // Frequencies that do not divide the churn's period, a disabled stretch
    // and a later change of the churn: the planner's cohorts follow each.
    let yaml = "duration: 10m\nwallclockStart: 2026-01-01T00:00:00Z\nscript:\n  \
         - {type: metricEmitter, name: one, spec: {type: constant, value: 1}}\n  \
         - {type: metric, name: g, spec: {type: gauge, frequency: 20s, emitters: [one], churn: {every: 35s, \
         fraction: 0.3}, attributes: {resource: {pod: 'p-{0..9}'}, datapoint: {cpu: '{0..2}'}}}}\n  \
         - {type: metric, name: s, spec: {type: counter, frequency: 15s, emitters: [one], attributes: {resource: \
         {pod: 'q-{00..19}', zone: '{a,b}'}}}}\n  \
         - {type: metric, at: 1m, name: s, spec: {churn: {every: 50s, fraction: 0.25}}}\n  \
         - {type: disableMetric, at: 3m, name: g}\n  \
         - {type: enableMetric, at: 4m10s, name: g}\n  \
         - {type: metric, at: 6m, name: g, spec: {frequency: 30s, churn: {every: 1m, fraction: 1}}}\n";
    let scenario = load(yaml);
    let sink = scenario.simulate();
    let plan = flutter::plan::plan(&scenario);
    let mut counted: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    for p in sink.points() {
        let name = sink.streams()[p.stream as usize].name.to_string();
        let e = counted.entry(name).or_default();
        if p.value.as_f64().is_some() { e.0 += 1 } else { e.1 += 1 }
    }
    for m in &plan.metrics {
        assert_eq!(counted[m.exported], (m.points, m.markers), "{}", m.name);
    }
    assert!(counted["g"].1 > 30 && counted["s"].1 > 30, "{counted:?}");
    for count in [2, 5] {
        for index in 1..=count {
            let shard = scenario.shard(Shard { index, count }).unwrap();
            assert_eq!(flutter::plan::plan(&shard).total_points(), shard.simulate().points().len() as u64);
        }
    }
}
