//! Series sets through the public API: one metric spec, many series, each
//! with its own values that depend only on its own identity.

use flutter::{GoDuration, Scenario};

fn fleet(pods: &str, methods: &str) -> Scenario<'static> {
    let yaml = format!(
        "duration: 1m\nseed: 7\nwallclockStart: 2026-01-01T00:00:00Z\nscript:\n  \
         - {{type: metricEmitter, name: w, spec: {{type: randomWalk, stepSize: 1, variation: 5}}}}\n  \
         - {{type: metricEmitter, name: n, spec: {{type: normalNoise, stdDev: 2}}}}\n  \
         - {{type: metric, name: cpu, spec: {{type: gauge, emitters: [w, n], frequency: 10s, attributes: \
         {{resource: {{k8s.pod.name: 'checkout-{pods}', k8s.node.name: 'node-{{pod/2}}'}}, datapoint: {{method: '{methods}'}}}}}}}}\n"
    );
    Scenario::from_yaml("fleet.yaml", &yaml).unwrap_or_else(|e| panic!("{}", e.report()))
}

fn values(s: &Scenario<'static>, pod: &str, method: &str) -> Vec<(GoDuration, f64)> {
    let sink = s.simulate();
    sink.metric("cpu").with_attr("k8s.pod.name", pod).with_attr("method", method).values()
}

#[test]
fn a_set_is_the_product_of_its_expressions_in_order() {
    let s = fleet("{pod=00..05}", "{GET,POST}");
    let sink = s.simulate();
    let names: Vec<String> = sink
        .streams()
        .iter()
        .map(|st| {
            let attr = |a: &[flutter::scenario::KeyValue<'_>], k: &str| {
                a.iter().find(|kv| kv.key == k).map(|kv| format!("{:?}", kv.value)).unwrap()
            };
            format!(
                "{} {} {}",
                attr(&st.resource, "k8s.pod.name"),
                attr(&st.resource, "k8s.node.name"),
                attr(&st.datapoint, "method")
            )
        })
        .collect();
    assert_eq!(names.len(), 12);
    assert_eq!(names[0], r#"Str("checkout-00") Str("node-0") Str("GET")"#);
    assert_eq!(names[1], r#"Str("checkout-00") Str("node-0") Str("POST")"#);
    assert_eq!(names[5], r#"Str("checkout-02") Str("node-1") Str("POST")"#);
    assert_eq!(names[11], r#"Str("checkout-05") Str("node-2") Str("POST")"#);
    // Every series samples at every point time: 12 series × 6 points.
    assert_eq!(sink.points().len(), 72);
    assert_eq!(flutter::plan::plan(&s).metrics[0].series, 12);
}

#[test]
fn a_series_values_depend_only_on_its_own_identity() {
    let small = values(&fleet("{pod=00..09}", "{GET,POST}"), "checkout-07", "POST");
    let large = values(&fleet("{pod=00..99}", "{GET,POST}"), "checkout-07", "POST");
    let reordered = values(&fleet("{pod=00..99}", "{POST,GET}"), "checkout-07", "POST");
    assert_eq!(small.len(), 6);
    assert_eq!(small, large);
    assert_eq!(small, reordered);
    // Another series draws other values.
    assert_ne!(small, values(&fleet("{pod=00..09}", "{GET,POST}"), "checkout-08", "POST"));
    // And in every shard layout the series has the same values.
    for count in [2, 3, 7] {
        let whole = fleet("{pod=00..99}", "{GET,POST}");
        let shard = (1..=count)
            .map(|index| whole.shard(flutter::shard::Shard { index, count }).unwrap())
            .find(|s| !values(s, "checkout-07", "POST").is_empty())
            .unwrap();
        assert_eq!(values(&shard, "checkout-07", "POST"), small, "{count} shards");
    }
}

#[test]
fn a_metric_without_expressions_keeps_its_values() {
    // The fourth key word is 0 without expressions: the values of a plain
    // metric are those it had before sets existed (the same as `{x}` would
    // give a one-value set only by chance, so a set of one differs).
    let plain = Scenario::from_yaml(
        "p.yaml",
        "duration: 30s\nseed: 3\nscript:\n  - {type: metricEmitter, name: n, spec: {type: normalNoise, stdDev: 1}}\n  \
         - {type: metric, name: m, spec: {type: gauge, emitters: [n], frequency: 10s, attributes: {resource: {pod: a}}}}\n",
    )
    .unwrap();
    let set = Scenario::from_yaml(
        "s.yaml",
        "duration: 30s\nseed: 3\nscript:\n  - {type: metricEmitter, name: n, spec: {type: normalNoise, stdDev: 1}}\n  \
         - {type: metric, name: m, spec: {type: gauge, emitters: [n], frequency: 10s, attributes: {resource: {pod: '{a,b}'}}}}\n",
    )
    .unwrap();
    let p = plain.simulate().metric("m").values();
    let s = set.simulate().metric("m").with_attr("pod", "a").values();
    assert_eq!(p.len(), 3);
    assert_ne!(p, s, "a set's series is keyed by its values");
    // The plain metric's first noise draw, from its stream keyed with word 0.
    let mut rng = flutter::rng::ChaChaStream::new(3, "m", "n", 0);
    let z = flutter::distributions::standard_normal(&mut rng);
    assert_eq!(p[0].1, z);
}

#[test]
fn a_reconfiguration_renames_every_series_of_a_set() {
    let s = Scenario::from_yaml(
        "r.yaml",
        "duration: 40s\nseed: 3\nwallclockStart: 2026-01-01T00:00:00Z\nscript:\n  - {type: metricEmitter, name: c, spec: {type: constant, value: 1}}\n  \
         - {type: metric, name: m, spec: {type: counter, emitters: [c], frequency: 10s, attributes: {resource: {pod: 'p-{0..2}'}}}}\n  \
         - {type: metric, at: 20s, name: m, spec: {attributes: {resource: {pod: 'v2-{0..2}'}}}}\n",
    )
    .unwrap();
    let sink = s.simulate();
    for i in 0..3 {
        let old = sink.metric("m").with_attr("pod", format!("p-{i}").as_str()).points();
        let text: Vec<String> = old.iter().map(|p| format!("{} {:?}", p.time(), p.value)).collect();
        // 0 at creation, 10 at 10s, then the staleness marker as it ends at 20s.
        assert_eq!(text, ["10s Double(10.0)", "20s Stale"].map(str::to_owned)[..], "p-{i}");
        let new = sink.metric("m").with_attr("pod", format!("v2-{i}").as_str()).values();
        assert_eq!(
            new,
            [(GoDuration::from_secs(20), 0.0), (GoDuration::from_secs(30), 10.0), (GoDuration::from_secs(40), 20.0)]
        );
    }
}

/// A counter of rate 1 per second at 10s over pods as the set changes:
/// grown at 25s, shrunk and moved at 45s, its datapoint set grown at 65s,
/// grown again at 70s.
fn changing() -> Scenario<'static> {
    Scenario::from_yaml(
        "c.yaml",
        "duration: 80s\nseed: 3\nwallclockStart: 2026-01-01T00:00:00Z\nscript:\n  \
         - {type: metricEmitter, name: c, spec: {type: constant, value: 1}}\n  \
         - {type: metricEmitter, name: w, spec: {type: randomWalk, stepSize: 1, variation: 5}}\n  \
         - {type: metric, name: m, spec: {type: counter, emitters: [c], frequency: 10s, attributes: {resource: {pod: 'p-{0..2}'}, datapoint: {k: a}}}}\n  \
         - {type: metric, at: 25s, name: m, spec: {attributes: {resource: {pod: 'p-{0..4}'}}}}\n  \
         - {type: metric, at: 45s, name: m, spec: {attributes: {resource: {pod: 'p-{3..5}'}}}}\n  \
         - {type: metric, at: 65s, name: m, spec: {attributes: {datapoint: {k: '{a,b}'}}}}\n  \
         - {type: metric, at: 70s, name: m, spec: {attributes: {resource: {pod: 'p-{3..6}'}}}}\n  \
         - {type: metric, name: g, spec: {type: gauge, emitters: [w], frequency: 10s, attributes: {resource: {pod: 'p-{0..3}'}}}}\n  \
         - {type: metric, at: 30s, name: g, spec: {attributes: {resource: {pod: 'p-{0..9}'}}}}\n",
    )
    .unwrap_or_else(|e| panic!("{}", e.report()))
}

fn texts(sink: &flutter::MemorySink, metric: &str, pod: &str, k: &str) -> Vec<String> {
    let points = sink.metric(metric).with_attr("pod", pod).with_attr("k", k).points();
    points.iter().map(|p| format!("{} {:?}", p.time(), p.value)).collect()
}

#[test]
fn a_set_that_grows_shrinks_or_moves_keeps_the_series_in_both() {
    let s = changing();
    let sink = s.simulate();
    let text = |pod: &str, k: &str| texts(&sink, "m", pod, k);
    let list = |items: &[&str]| items.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    // In the first set only: carried through the growth, ended by the shrink.
    for pod in ["p-0", "p-1", "p-2"] {
        let expected = ["10s Double(10.0)", "20s Double(20.0)", "30s Double(30.0)", "40s Double(40.0)", "45s Stale"];
        assert_eq!(text(pod, "a"), list(&expected), "{pod}");
    }
    // Gained at 25s: created then (a point of 0), carried through the shrink
    // and through the datapoint set's growth (k: a is in both).
    for pod in ["p-3", "p-4"] {
        let expected = [
            "25s Double(0.0)",
            "35s Double(10.0)",
            "45s Double(20.0)",
            "55s Double(30.0)",
            "1m5s Double(40.0)",
            "1m15s Double(50.0)",
        ];
        assert_eq!(text(pod, "a"), list(&expected), "{pod}");
    }
    assert_eq!(
        text("p-5", "a"),
        list(&["45s Double(0.0)", "55s Double(10.0)", "1m5s Double(20.0)", "1m15s Double(30.0)"])
    );
    for pod in ["p-3", "p-4", "p-5"] {
        assert_eq!(text(pod, "b"), list(&["1m5s Double(0.0)", "1m15s Double(10.0)"]), "{pod}");
    }
    for k in ["a", "b"] {
        assert_eq!(text("p-6", k), list(&["1m10s Double(0.0)", "1m20s Double(10.0)"]), "p-6 {k}");
    }
    assert_eq!(sink.metric("m").with_attr("pod", "p-7").points().len(), 0);
    // A gauge's kept series carries its walk on: the same values as in a set
    // that had it from the start.
    let walk = |s: &Scenario<'static>, pod: &str| s.simulate().metric("g").with_attr("pod", pod).values();
    let whole = Scenario::from_yaml(
        "w.yaml",
        "duration: 80s\nseed: 3\nwallclockStart: 2026-01-01T00:00:00Z\nscript:\n  \
         - {type: metricEmitter, name: w, spec: {type: randomWalk, stepSize: 1, variation: 5}}\n  \
         - {type: metric, name: g, spec: {type: gauge, emitters: [w], frequency: 10s, attributes: {resource: {pod: 'p-{0..9}'}}}}\n",
    )
    .unwrap();
    assert_eq!(walk(&s, "p-2").len(), 8);
    assert_eq!(walk(&s, "p-2"), walk(&whole, "p-2"));
    // A gained one starts at 30s with its walk from the start.
    let gained = walk(&s, "p-7");
    assert_eq!(gained.first().map(|v| v.0), Some(GoDuration::from_secs(30)));
    assert_eq!(gained.len(), 6);
    let plan = flutter::plan::plan(&s);
    assert_eq!(plan.metrics.iter().map(|m| (m.name, m.series)).collect::<Vec<_>>(), [("m", 8), ("g", 10)]);
    assert_eq!(plan.total_points(), sink.points().len() as u64);
    assert_eq!(plan.markers, 3);
}

#[test]
fn a_changing_set_plays_the_same_in_every_shard_layout() {
    let whole = changing();
    let all = crate::shards::points(&whole);
    for count in [1, 2, 3, 7] {
        let mut union = Vec::new();
        let mut planned = 0;
        for index in 1..=count {
            let shard = whole.shard(flutter::shard::Shard { index, count }).unwrap();
            planned += flutter::plan::plan(&shard).total_points();
            union.extend(crate::shards::points(&shard));
        }
        union.sort();
        assert_eq!(union, all, "{count} shards");
        assert_eq!(planned, all.len() as u64, "{count} shards planned");
    }
}
