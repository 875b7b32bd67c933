//! Per-series parameters (`{uniform: …}`, `{normal: …}`) and shared emitters,
//! through the public API, against draws computed from the streams the
//! contract names.

use flutter::rng::{ChaChaStream, GoPcg};
use flutter::shard::Shard;

use crate::util::{load, play, values};

const HEAD: &str = "duration: 1m\nseed: 11\nwallclockStart: 2026-01-01T00:00:00Z\n";

/// `(second, value)` of one series of `metric`, picked by its `pod`.
fn pod(sink: &flutter::MemorySink, metric: &str, pod: &str) -> Vec<(i64, f64)> {
    let points = sink.metric(metric).with_attr("pod", pod).values();
    points.into_iter().map(|(t, v)| (t.as_nanos() / 1_000_000_000, v)).collect()
}

#[test]
fn a_series_draws_its_own_value_from_its_own_stream_at_each_action_that_asks() {
    let yaml = format!(
        "{HEAD}script:\n  \
         - {{type: metricEmitter, name: base, spec: {{type: constant, value: {{uniform: [10, 20]}}}}}}\n  \
         - {{type: metric, name: m, spec: {{type: gauge, emitters: [base], frequency: 10s}}}}\n  \
         - {{type: metricEmitter, at: 30s, name: base, spec: {{value: {{uniform: [100, 110]}}}}}}\n"
    );
    // A metric without expressions has key 0; a constant draws nothing else.
    let mut rng = ChaChaStream::new(11, "m", "base", 0);
    let first = 10.0 + rng.uniform() * 10.0;
    let second = 100.0 + rng.uniform() * 10.0;
    let expected: Vec<(i64, f64)> =
        [(10, first), (20, first), (30, second), (40, second), (50, second), (60, second)].into();
    assert_eq!(values(&play(&yaml), "m"), expected);

    // On `rng: go` the draws come from the run's one stream.
    let go = yaml.replacen("seed: 11\n", "seed: 11\nrng: go\n", 1);
    let mut rng = GoPcg::new(11, 11);
    let first = 10.0 + rng.uniform() * 10.0;
    assert_eq!(values(&play(&go), "m")[0], (10, first));
}

fn fleet(pods: &str) -> String {
    format!(
        "{HEAD}script:\n  \
         - {{type: metricEmitter, name: base, spec: {{type: constant, value: {{uniform: [0, 100]}}}}}}\n  \
         - {{type: metricEmitter, name: walk, spec: {{type: randomWalk, target: {{normal: [50, 10]}}, stepSize: 1, \
         variation: 5}}}}\n  \
         - {{type: metric, name: cpu, spec: {{type: gauge, emitters: [base, walk], frequency: 10s, attributes: \
         {{resource: {{pod: 'pod-{pods}'}}}}}}}}\n"
    )
}

#[test]
fn each_series_of_a_set_draws_its_own_line_independent_of_the_set_and_its_shards() {
    let small = play(&fleet("{00..09}"));
    let firsts: Vec<f64> = (0..10).map(|i| pod(&small, "cpu", &format!("pod-{i:02}"))[0].1).collect();
    let mut distinct = firsts.clone();
    distinct.sort_by(f64::total_cmp);
    distinct.dedup();
    assert_eq!(distinct.len(), 10, "every pod draws its own: {firsts:?}");
    let seven = pod(&small, "cpu", "pod-07");
    assert_eq!(seven.len(), 6);
    assert_eq!(pod(&play(&fleet("{00..99}")), "cpu", "pod-07"), seven);
    let whole = load(&fleet("{00..99}"));
    for count in [2, 3, 7] {
        let found: Vec<_> = (1..=count)
            .map(|index| pod(&whole.shard(Shard { index, count }).unwrap().simulate(), "cpu", "pod-07"))
            .filter(|v| !v.is_empty())
            .collect();
        assert_eq!(found, std::slice::from_ref(&seven), "{count} shards");
    }
}

/// A tick of more points than a batch part holds comes in parts: a series in
/// a later part draws what it draws in a small set (one part).
#[test]
fn a_series_of_a_large_set_played_in_parts_draws_its_own_line() {
    let large = play(&fleet("{000000..149999}"));
    assert_eq!(large.points().len(), 6 * 150_000);
    // Past the second part's start (at 2 × 65,536 points).
    let line = pod(&large, "cpu", "pod-149995");
    assert_eq!(line.len(), 6);
    assert_eq!(line, pod(&play(&fleet("{149990..149999}")), "cpu", "pod-149995"));
    // In order: each tick's points in set order, parts and all.
    let streams: Vec<u32> = large.points().iter().take(150_000).map(|p| p.stream).collect();
    assert!(streams.windows(2).all(|w| w[0] < w[1]));
}

#[test]
fn a_series_created_later_replays_the_emitters_actions_with_its_own_draws() {
    // A ramp whose start each series draws, then turned mid-way: a series
    // created after the turn ramps from its own start, turned at the same time.
    let script = |metric_at: &str| {
        format!(
            "{HEAD}script:\n  \
             - {{type: metricEmitter, name: r, spec: {{type: ramp, start: {{uniform: [0, 50]}}, target: 100, \
             duration: 1m}}}}\n  \
             - {{type: metricEmitter, at: 20s, name: r, spec: {{target: 0}}}}\n  \
             - {{type: metric, at: {metric_at}, name: m, spec: {{type: gauge, emitters: [r], frequency: 10s}}}}\n"
        )
    };
    let early = values(&play(&script("0s")), "m");
    let late = values(&play(&script("30s")), "m");
    assert_eq!(early.len(), 6);
    assert_eq!(late[..], early[2..], "from 30 s on, the late series is the early one");
    let start = 50.0 * ChaChaStream::new(11, "m", "r", 0).uniform();
    let at_20 = start + (100.0 - start) * (20.0 / 60.0);
    assert!((early[1].1 - at_20).abs() < 1e-9, "{early:?} {at_20}");
}

#[test]
fn a_drawn_phase_shifts_each_series_wave() {
    let wave = |phase: &str| {
        format!(
            "{HEAD}script:\n  \
             - {{type: metricEmitter, name: w, spec: {{type: periodic, shape: sine, period: 1m, amplitude: 10, \
             phase: {phase}}}}}\n  \
             - {{type: metric, name: m, spec: {{type: gauge, emitters: [w], frequency: 10s}}}}\n"
        )
    };
    let drawn = values(&play(&wave("{uniform: [0s, 1m]}")), "m");
    let phase_ns = (60e9 * ChaChaStream::new(11, "m", "w", 0).uniform()).round() as i64;
    assert_eq!(drawn, values(&play(&wave(&format!("{phase_ns}ns"))), "m"));
    assert_ne!(drawn, values(&play(&wave("0s")), "m"));
}

fn traffic(pods: &str) -> String {
    format!(
        "{HEAD}script:\n  \
         - {{type: metricEmitter, name: traffic, spec: {{type: randomWalk, target: 100, stepSize: 5, variation: 50, \
         shared: true}}}}\n  \
         - {{type: metricEmitter, name: ratio, spec: {{type: scale, factor: 0.01}}}}\n  \
         - {{type: metric, name: req, spec: {{type: gauge, emitters: [traffic], frequency: 10s, attributes: \
         {{resource: {{pod: 'p-{pods}'}}}}}}}}\n  \
         - {{type: metric, name: err, spec: {{type: gauge, emitters: [traffic, ratio], frequency: 10s, attributes: \
         {{resource: {{pod: 'p-{pods}'}}}}}}}}\n  \
         - {{type: metric, name: every, spec: {{type: gauge, emitters: [traffic], frequency: 1s}}}}\n"
    )
}

#[test]
fn a_shared_emitter_steps_once_a_second_and_every_series_reads_the_same_value() {
    let sink = play(&traffic("{0..4}"));
    // The walk of the stream keyed by the seed and the emitter's name alone,
    // one step per tick from tick 0.
    let mut rng = ChaChaStream::new(11, "", "traffic", 0);
    let mut x = 100.0_f64;
    let walk: Vec<f64> = (0..=60)
        .map(|_| {
            x = (x + (2.0 * rng.uniform() - 1.0) * 5.0).clamp(50.0, 150.0);
            x
        })
        .collect();
    let every = values(&sink, "every");
    assert_eq!(every.len(), 60);
    assert!(every.iter().all(|&(t, v)| v == walk[t as usize]), "{every:?}");
    for p in 0..5 {
        let req = pod(&sink, "req", &format!("p-{p}"));
        let expected: Vec<(i64, f64)> = (1..=6).map(|k| (10 * k, walk[10 * k as usize])).collect();
        assert_eq!(req, expected, "p-{p} reads the shared walk");
        let err = pod(&sink, "err", &format!("p-{p}"));
        let ratio: Vec<(i64, f64)> = req.iter().map(|&(t, v)| (t, v * 0.01)).collect();
        assert_eq!(err, ratio, "errors are exactly 1 % of requests");
    }
    // Every shard plays the shared emitter, and sees the same values.
    let whole = load(&traffic("{0..4}"));
    for index in 1..=3 {
        let shard = whole.shard(Shard { index, count: 3 }).unwrap().simulate();
        for st in shard.streams().iter().filter(|s| s.name == "req") {
            let p = st.resource.iter().find(|kv| kv.key == "pod").map(|kv| kv.value.clone()).unwrap();
            let flutter::scenario::AttrValue::Str(p) = p else { panic!() };
            assert_eq!(pod(&shard, "req", &p), pod(&sink, "req", &p), "shard {index}/3, {p}");
        }
    }
}

#[test]
fn the_fleet_sample_has_an_exact_error_ratio_and_a_level_per_pod() {
    let scenario = flutter::Scenario::load_files(&crate::util::sample("sample-fleet.yaml")).unwrap();
    let sink = scenario.simulate();
    assert_eq!(sink.streams().len(), 600);
    let series = |metric: &str, pod: &str, route: &str| {
        sink.metric(metric).with_attr("k8s.pod.name", pod).with_attr("http.route", route).values()
    };
    let first = series("http.server.requests", "checkout-00", "/api/cart");
    assert_eq!(first.len(), 40, "a point every 15 s from 15 s to 10 m");
    for p in [0, 7, 49] {
        for route in ["/api/cart", "/api/search"] {
            let pod = format!("checkout-{p:02}");
            let requests = series("http.server.requests", &pod, route);
            assert_eq!(requests, first, "every series reads the one shared demand");
            let errors = series("http.server.errors", &pod, route);
            assert_eq!(errors.len(), requests.len());
            for ((t, e), (_, r)) in errors.iter().zip(&requests) {
                assert!((e - 0.02 * r).abs() <= 1e-12 * r.abs(), "{pod} {route} at {t}: {e} vs {r}");
            }
        }
    }
    let level =
        |pod: &str| sink.metric("k8s.pod.cpu.usage").with_attr("k8s.pod.name", pod).with_attr("cpu", "0").values();
    let mut levels: Vec<f64> = (0..50).map(|p| level(&format!("checkout-{p:02}"))[0].1).collect();
    levels.sort_by(f64::total_cmp);
    levels.dedup();
    assert_eq!(levels.len(), 50, "each pod its own baseline and phase");
    assert!(levels.iter().all(|&v| (0.0..1.2).contains(&v)), "{levels:?}");
}
