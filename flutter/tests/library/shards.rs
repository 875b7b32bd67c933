//! Shards: the union of N shards' points is the points of the whole run.

use flutter::Scenario;
use flutter::shard::{Shard, ShardError};

/// Twelve metrics of every type, with reconfigurations, ends and a disabled stretch.
fn fleet() -> Scenario<'static> {
    let mut yaml = String::from(
        "duration: 2m\nseed: 9\nscript:\n  - {type: metricEmitter, name: w, spec: {type: randomWalk, stepSize: 1, variation: 5}}\n  \
         - {type: metricEmitter, name: n, spec: {type: normalNoise, stdDev: 2}}\n",
    );
    for i in 0..12 {
        let kind =
            ["gauge", "counter", "upDownCounter", "histogram, distribution: {type: normal, stdDev: 1}, rate: 5"][i % 4];
        yaml.push_str(&format!(
            "  - {{type: metric, name: m{i}, spec: {{type: {kind}, frequency: 5s, emitters: [w, n], attributes: {{datapoint: {{k: v{i}}}}}}}}}\n"
        ));
    }
    yaml.push_str(
        "  - {type: metric, at: 30s, name: m3, spec: {attributes: {datapoint: {k: changed}}}}\n  \
         - {type: disableMetric, at: 40s, name: m5}\n  - {type: enableMetric, at: 70s, name: m5}\n  \
         - {type: metric, at: 50s, name: m7, spec: {to: 90s}}\n  \
         - {type: metric, name: pods, spec: {type: counter, emitters: [w], attributes: {resource: {pod: \"pod-{p=00..19}\", node: \"node-{p/5}\"}, datapoint: {method: \"{GET,POST}\"}}}}\n  \
         - {type: metric, at: 20s, name: pods, spec: {attributes: {datapoint: {method: \"{GET,POST}-v2\"}}}}\n  \
         - {type: disableMetric, at: 60s, name: pods}\n",
    );
    Scenario::from_yaml("fleet.yaml", &yaml).unwrap()
}

/// Every point as text: its stream, tick, start and value, sorted.
pub(crate) fn points(s: &Scenario<'static>) -> Vec<String> {
    let sink = s.simulate();
    let mut out: Vec<String> = sink
        .points()
        .iter()
        .map(|p| format!("{:?} {} {} {:?}", sink.streams()[p.stream as usize], p.tick, p.start_unix_nanos, p.value))
        .collect();
    out.sort();
    out
}

#[test]
fn the_union_of_the_shards_is_the_whole_run() {
    let whole = fleet();
    let all = points(&whole);
    assert!(all.len() > 200);
    let series = |s: &Scenario<'static>| flutter::plan::plan(s).metrics.iter().map(|m| m.series).sum::<u64>();
    assert_eq!(series(&whole), 12 + 40);
    for count in [1, 2, 3, 5, 7] {
        let mut union = Vec::new();
        let mut played = 0;
        for index in 1..=count {
            let shard = whole.shard(Shard { index, count }).unwrap();
            played += series(&shard);
            union.extend(points(&shard));
        }
        union.sort();
        assert_eq!(played, 52, "each series in exactly one of {count} shards");
        assert_eq!(union, all, "{count} shards");
    }
}

#[test]
fn shards_are_parsed_and_checked() {
    assert_eq!(Shard::parse("2/8"), Ok(Shard { index: 2, count: 8 }));
    for bad in ["0/3", "4/3", "1", "a/b", "1/0", ""] {
        assert_eq!(Shard::parse(bad), Err(ShardError::Malformed(bad.into())), "{bad}");
    }
    assert_eq!(Shard::from_job_index(4, Some("3")), Ok(Shard { index: 4, count: 4 }));
    assert_eq!(
        Shard::from_job_index(4, Some("4")).unwrap_err().to_string(),
        "--shards 4 takes its shard from JOB_COMPLETION_INDEX (0 to 3, as a Kubernetes Indexed Job sets it), which is `4`"
    );
    assert_eq!(
        Shard::from_job_index(4, None).unwrap_err().to_string(),
        "--shards 4 takes its shard from JOB_COMPLETION_INDEX (0 to 3, as a Kubernetes Indexed Job sets it), which is not set"
    );
    let mut go = fleet();
    go.rng = flutter::RngKind::Go;
    assert_eq!(go.shard(Shard { index: 1, count: 2 }), Err(ShardError::GoStream));
    assert!(go.shard(Shard { index: 1, count: 1 }).is_ok());
}

#[test]
fn the_shards_split_traces_and_logs_and_the_first_sends_the_span_metrics() {
    let load = |name: &str| Scenario::load_files(&crate::util::sample(name)).unwrap();
    let key_span =
        |s: &flutter::sink::RecordedSpan| format!("{:?}", (s.trace_id, s.span_id, &s.name, s.start_unix_nanos));
    let key_log = |r: &flutter::sink::RecordedLog| format!("{:?}", (r.time_unix_nanos, &r.body, r.span));
    let whole = load("sample-logs.yaml");
    let all = whole.simulate();
    let mut spans: Vec<String> = Vec::new();
    let mut logs: Vec<String> = Vec::new();
    for index in 1..=3 {
        let part = whole.shard(Shard { index, count: 3 }).unwrap().simulate();
        assert!(part.all_spans().len() * 5 > all.all_spans().len(), "shard {index} has about a third");
        // A trace is whole in its shard, with the records its spans carry.
        let ids: std::collections::BTreeSet<[u8; 16]> = part.all_spans().iter().map(|s| s.trace_id).collect();
        assert!(part.all_logs().iter().filter_map(|r| r.span).all(|(t, _)| ids.contains(&t)));
        spans.extend(part.all_spans().iter().map(key_span));
        logs.extend(part.all_logs().iter().map(key_log));
    }
    let (mut want_spans, mut want_logs): (Vec<String>, Vec<String>) =
        (all.all_spans().iter().map(key_span).collect(), all.all_logs().iter().map(key_log).collect());
    for v in [&mut spans, &mut logs, &mut want_spans, &mut want_logs] {
        v.sort();
    }
    assert_eq!(spans, want_spans);
    assert_eq!(logs, want_logs);
    // Span metrics: the first shard sends the whole run's, the others none.
    let traces = load("sample-traces.yaml");
    let first = traces.shard(Shard { index: 1, count: 2 }).unwrap().simulate();
    let second = traces.shard(Shard { index: 2, count: 2 }).unwrap().simulate();
    assert_eq!(first.points(), traces.simulate().points());
    assert!(second.points().is_empty() && !second.all_spans().is_empty());
}
