//! Traces: the shape of every generated tree, the statistics of arrivals,
//! durations, failures, probabilities and repeats, and determinism.

use std::collections::{BTreeMap, BTreeSet};

use flutter::sink::RecordedSpan;
use flutter::{GoDuration, MemorySink, Scenario};

fn simulate(yaml: &str) -> MemorySink {
    Scenario::from_yaml("traces.yaml", yaml).unwrap_or_else(|e| panic!("{e}")).simulate()
}

/// Each trace's spans, by trace ID, in the order generated.
fn by_trace(spans: &[RecordedSpan]) -> BTreeMap<[u8; 16], Vec<&RecordedSpan>> {
    let mut out: BTreeMap<[u8; 16], Vec<&RecordedSpan>> = BTreeMap::new();
    for s in spans {
        out.entry(s.trace_id).or_default().push(s);
    }
    out
}

const TREE: &str = "
duration: 999s
seed: 11
script:
  - {type: metricEmitter, name: db-ms, spec: {type: constant, value: 4}}
  - type: trace
    name: shop
    spec:
      rate: 10
      resource: {service.name: web, host: \"web-{0..3}\"}
      root:
        name: GET /
        kind: server
        duration: 2ms
        children:
          - name: auth
            duration: 1ms
            probability: 0.5
          - name: fan-out
            parallel: true
            duration: 1ms
            children:
              - {name: shard, kind: client, repeat: \"2..4\", duration: {emitters: [db-ms], unit: ms, distribution: {type: exponential}}}
          - name: render
            duration: 3ms
            children:
              - {name: template, duration: 500us}
";

#[test]
fn every_trace_is_a_tree_that_nests_in_time() {
    let sink = simulate(TREE);
    let traces = by_trace(sink.all_spans());
    assert!(traces.len() >= 9_500, "10 a second for 1,000 s: {} traces", traces.len());
    let mut span_ids = BTreeSet::new();
    for (id, spans) in &traces {
        assert_ne!(*id, [0; 16], "a trace ID is never zero");
        let roots: Vec<_> = spans.iter().filter(|s| s.parent_span_id.is_none()).collect();
        assert_eq!(roots.len(), 1, "one root");
        assert_eq!(roots[0].name, "GET /");
        let by_id: BTreeMap<[u8; 8], &RecordedSpan> = spans.iter().map(|s| (s.span_id, *s)).collect();
        assert_eq!(by_id.len(), spans.len(), "span IDs are unique within a trace");
        for s in spans {
            assert_ne!(s.span_id, [0; 8]);
            assert!(span_ids.insert(s.span_id), "span IDs are unique across traces");
            assert!(s.start_unix_nanos <= s.end_unix_nanos);
            if let Some(p) = s.parent_span_id {
                let parent = by_id.get(&p).expect("every parent is in the trace");
                assert!(parent.start_unix_nanos <= s.start_unix_nanos && s.end_unix_nanos <= parent.end_unix_nanos);
            }
        }
        // The root's children run one after another, each starting where the last ended.
        let root = roots[0];
        let children: Vec<_> = spans.iter().filter(|s| s.parent_span_id == Some(root.span_id)).collect();
        assert_eq!(children.first().map(|c| c.start_unix_nanos), Some(root.start_unix_nanos + 1_000_000));
        for w in children.windows(2) {
            assert_eq!(w[0].end_unix_nanos, w[1].start_unix_nanos, "sequential children follow one another");
        }
        // The root lasts its self time plus its children's.
        let last = children.last().unwrap();
        assert_eq!(root.end_unix_nanos, last.end_unix_nanos + 1_000_000);
        // Parallel children all start at once, after half the parent's self time.
        let fan = spans.iter().find(|s| s.name == "fan-out").unwrap();
        let shards: Vec<_> = spans.iter().filter(|s| s.parent_span_id == Some(fan.span_id)).collect();
        assert!((2..=4).contains(&shards.len()));
        assert!(shards.iter().all(|s| s.start_unix_nanos == fan.start_unix_nanos + 500_000));
        let longest = shards.iter().map(|s| s.end_unix_nanos).max().unwrap();
        assert_eq!(fan.end_unix_nanos, longest + 500_000);
        // A trace's start is inside the second of the tick it belongs to.
        let second = root.tick as i64 * 1_000_000_000;
        assert!((second..second + 1_000_000_000).contains(&root.start_unix_nanos));
        // Every span of a trace has its resource; the resource is picked from the set.
        let host = root.attr("host").unwrap();
        assert!(spans.iter().all(|s| s.attr("host") == Some(host)));
    }
}

#[test]
fn the_same_seed_gives_the_same_traces_and_another_seed_others() {
    let a = simulate(TREE);
    let b = simulate(TREE);
    assert_eq!(a.all_spans(), b.all_spans());
    let c = simulate(&TREE.replace("seed: 11", "seed: 12"));
    let ids = |s: &MemorySink| s.all_spans().iter().map(|s| s.trace_id).collect::<BTreeSet<_>>();
    assert!(ids(&a).is_disjoint(&ids(&c)));
    // A metric added beside the trace changes none of its spans.
    let with_metric = TREE.replace(
        "  - type: trace",
        "  - {type: metricEmitter, name: w, spec: {type: randomWalk, target: 5, stepSize: 1, variation: 4}}\n  - {type: metric, name: m, spec: {type: gauge, emitters: [w], frequency: 1s}}\n  - type: trace",
    );
    let d = simulate(&with_metric);
    assert!(!d.metric("m").is_empty());
    assert_eq!(a.all_spans(), d.all_spans());
}

/// Mean and variance of the traces started per second.
fn per_second(spans: &[RecordedSpan], seconds: u64) -> (f64, f64) {
    let mut counts = vec![0f64; seconds as usize];
    for s in spans.iter().filter(|s| s.parent_span_id.is_none()) {
        counts[s.tick as usize] += 1.0;
    }
    let n = counts.len() as f64;
    let mean = counts.iter().sum::<f64>() / n;
    let var = counts.iter().map(|c| (c - mean) * (c - mean)).sum::<f64>() / (n - 1.0);
    (mean, var)
}

fn within(got: f64, want: f64, tolerance: f64, what: &str) {
    assert!((got - want).abs() <= tolerance * want, "{what}: {got}, expected {want} within {}%", tolerance * 100.0);
}

#[test]
fn arrivals_durations_failures_probabilities_and_repeats_follow_the_template() {
    // 100 traces a second for 1,000 s: 100,000 traces.
    let sink = simulate(
        "
duration: 999s
seed: 5
script:
  - {type: metricEmitter, name: rate, spec: {type: constant, value: 100}}
  - {type: metricEmitter, name: call-ms, spec: {type: constant, value: 40}}
  - type: trace
    name: api
    spec:
      rate: rate
      resource: {service.name: api}
      root:
        name: handle
        error: 0.1
        errorMessage: boom
        children:
          - {name: cache, probability: 0.3}
          - {name: query, repeat: \"1..4\"}
          - {name: call, duration: {emitters: [call-ms], unit: ms, distribution: {type: lognormal, sigma: 0.5}}}
",
    );
    let (mean, var) = per_second(sink.all_spans(), 1000);
    within(mean, 100.0, 0.02, "traces per second");
    // A Poisson count's variance is its mean; over 1,000 seconds its estimate is within ±9 % (2σ).
    within(var, 100.0, 0.09, "variance of traces per second");
    let roots = sink.spans("api").roots();
    let n = roots.len() as f64;
    within(roots.clone().failed().len() as f64 / n, 0.1, 0.02 * 10.0, "error fraction");
    assert!(roots.clone().failed().spans().iter().all(|s| s.error.as_deref() == Some("boom") && s.exception));
    within(sink.spans("api").named("cache").len() as f64 / n, 0.3, 0.02, "probability 0.3");
    let queries = sink.spans("api").named("query");
    within(queries.len() as f64 / n, 2.5, 0.02, "mean repeat of 1..4");
    let mut per_trace: BTreeMap<[u8; 16], usize> = BTreeMap::new();
    for q in queries.spans() {
        *per_trace.entry(q.trace_id).or_default() += 1;
    }
    for k in 1..=4 {
        let share = per_trace.values().filter(|&&c| c == k).count() as f64 / n;
        within(share, 0.25, 0.04, &format!("traces with {k} queries"));
    }
    let mut calls: Vec<i64> = sink.spans("api").named("call").durations().iter().map(|d| d.as_nanos()).collect();
    calls.sort_unstable();
    within(calls[calls.len() / 2] as f64, 40e6, 0.02, "lognormal median duration");
}

#[test]
fn an_incident_slows_one_span_and_a_failure_propagates_to_the_root() {
    let sink = Scenario::load_files(&crate::util::sample("sample-traces.yaml")).unwrap().simulate();
    let charge = |from: i64, to: i64| {
        let spans =
            sink.spans("checkout").named("Charge").between(GoDuration::from_secs(from), GoDuration::from_secs(to));
        let mut d: Vec<i64> = spans.durations().iter().map(|d| d.as_nanos()).collect();
        d.sort_unstable();
        (d[d.len() / 2] as f64 / 1e6, spans.failed().len() as f64 / d.len() as f64)
    };
    let (before, errors_before) = charge(0, 20 * 60 - 1);
    let (during, errors_during) = charge(20 * 60, 35 * 60 - 1);
    assert!((70.0..90.0).contains(&before), "median Charge before the incident: {before} ms");
    assert!((700.0..900.0).contains(&during), "median Charge during the incident: {during} ms");
    assert!(errors_before < 0.03 && (0.15..0.25).contains(&errors_during), "{errors_before} {errors_during}");
    // Every failed Charge marks its parents, up to the root, without an exception of their own.
    let spans = sink.all_spans();
    let by_id: BTreeMap<[u8; 8], &RecordedSpan> = spans.iter().map(|s| (s.span_id, s)).collect();
    let failed: Vec<_> = spans.iter().filter(|s| s.name == "Charge" && s.error.is_some()).collect();
    assert!(failed.len() > 100);
    for s in failed {
        let mut up = s.parent_span_id;
        while let Some(p) = up {
            let parent = by_id[&p];
            assert_eq!(parent.error.as_deref(), Some("card declined"), "{} above a failed Charge", parent.name);
            assert!(!parent.exception);
            up = parent.parent_span_id;
        }
    }
    // Resources: the frontend's instances are picked from the set, payments has one.
    let services: BTreeSet<&str> = spans.iter().filter_map(|s| s.service()).collect();
    assert_eq!(services, BTreeSet::from(["checkout", "frontend", "payments"]));
    let instances: BTreeSet<String> = sink
        .spans("checkout")
        .service("frontend")
        .spans()
        .iter()
        .map(|s| format!("{:?}", s.attr("service.instance.id")))
        .collect();
    assert_eq!(instances.len(), 5);
}

#[test]
fn span_metrics_count_exactly_the_spans_sent() {
    use flutter::sink::RecordedValue;
    let sink = Scenario::load_files(&crate::util::sample("sample-traces.yaml")).unwrap().simulate();
    let spans = sink.all_spans();
    // What the spans say, per (service, span name, kind, status): calls, and
    // durations in the connector's buckets.
    let bounds =
        [2.0, 4.0, 6.0, 8.0, 10.0, 50.0, 100.0, 200.0, 400.0, 800.0, 1000.0, 1400.0, 2000.0, 5000.0, 10000.0, 15000.0];
    let mut want: BTreeMap<Vec<String>, (i64, Vec<u64>)> = BTreeMap::new();
    for s in spans {
        let status = if s.error.is_some() { "STATUS_CODE_ERROR" } else { "STATUS_CODE_UNSET" };
        let key =
            vec![s.service().unwrap().to_owned(), s.name.clone(), s.kind.otlp_name().to_owned(), status.to_owned()];
        let entry = want.entry(key).or_insert_with(|| (0, vec![0; bounds.len() + 1]));
        entry.0 += 1;
        let ms = s.duration().as_nanos() as f64 / 1e6;
        entry.1[bounds.iter().position(|&b| ms <= b).unwrap_or(bounds.len())] += 1;
    }
    assert_eq!(want.len(), 8, "{want:?}");
    // The last point of each stream.
    let key_of = |stream: u32| {
        let s = &sink.streams()[stream as usize];
        let text = |k: &str| match s.datapoint.iter().find(|kv| kv.key == k).map(|kv| &kv.value) {
            Some(flutter::scenario::AttrValue::Str(v)) => v.to_string(),
            other => panic!("{k}: {other:?}"),
        };
        assert_eq!(s.resource.len(), 1);
        (s.name.to_string(), vec![text("service.name"), text("span.name"), text("span.kind"), text("status.code")])
    };
    let mut last: BTreeMap<(String, Vec<String>), &flutter::sink::RecordedPoint> = BTreeMap::new();
    let mut ticks = BTreeSet::new();
    for p in sink.points() {
        ticks.insert(p.tick);
        last.insert(key_of(p.stream), p);
    }
    // Every 10s from the definition, and the run's last tick.
    let want_ticks: BTreeSet<u64> = (1..=270).map(|k| k * 10).collect();
    assert_eq!(ticks, want_ticks);
    assert_eq!(last.len(), want.len() * 2);
    let start = sink.points()[0].start_unix_nanos;
    for (key, (calls, buckets)) in &want {
        let c = last[&("traces.span.metrics.calls".to_owned(), key.clone())];
        assert_eq!((c.tick, &c.value, c.start_unix_nanos), (2700, &RecordedValue::Int(*calls), start), "{key:?}");
        match &last[&("traces.span.metrics.duration".to_owned(), key.clone())].value {
            RecordedValue::Histogram { summary, counts } => {
                assert_eq!((summary.count, counts), (*calls as u64, buckets), "{key:?}");
            }
            other => panic!("{other:?}"),
        }
    }
    let total: i64 = want.values().map(|(c, _)| c).sum();
    assert_eq!(total as usize, spans.len());
}
