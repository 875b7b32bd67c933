//! `flutter::plan`: the points a run would send, counted without playing,
//! equal to what playing sends, stream by stream.

use flutter::plan::plan;
use flutter::{RecordedValue, Scenario};

use crate::util::{load, sample};

/// Plays `s` and checks the plan against it: points (values and markers) per
/// stream, and the totals.
fn plan_matches_the_run(s: &Scenario<'static>) {
    let p = plan(s);
    if p.traces.iter().any(|t| t.span_metrics.is_some()) {
        // Span metrics' streams are the combinations the drawn spans happen
        // to have: a plan cannot know them (`--check` says so).
        assert_eq!(p.total_points(), 0, "a trace sample with metrics of its own");
        return;
    }
    let sink = s.simulate();
    let mut per_stream = vec![0u64; sink.streams().len()];
    let mut markers = 0;
    for point in sink.points() {
        per_stream[point.stream as usize] += 1;
        markers += u64::from(point.value == RecordedValue::Stale);
    }
    let sets = p.metrics.iter().any(|m| m.series > 1);
    if sets {
        // The plan's streams are a set's, as written: compare per metric.
        let per_metric = |names: Vec<&str>, counts: &[u64]| {
            let mut out = std::collections::BTreeMap::<String, u64>::new();
            for (n, c) in names.into_iter().zip(counts) {
                *out.entry(n.to_owned()).or_default() += c;
            }
            out
        };
        let planned = per_metric(p.streams.iter().map(|s| s.series).collect(), &p.stream_points);
        let played = per_metric(sink.streams().iter().map(|s| s.series.as_str()).collect(), &per_stream);
        assert_eq!(planned, played, "points per metric");
    } else {
        assert_eq!(p.streams.len(), per_stream.len(), "streams");
        assert_eq!(p.stream_points, per_stream, "points per stream");
    }
    assert_eq!(p.total_points(), sink.points().len() as u64);
    // A sample's `stale` is a point the plan counts as a value.
    assert!(p.markers <= markers);
}

#[test]
fn the_plan_of_every_sample_is_its_run() {
    for name in std::fs::read_dir(sample("")[0].clone()).unwrap().map(|e| e.unwrap().file_name()) {
        let name = name.to_string_lossy().into_owned();
        if !name.ends_with(".yaml") || name == "sample-dryrun.yaml" {
            continue;
        }
        let s = Scenario::load_files(&sample(&name)).unwrap_or_else(|e| panic!("{e}"));
        if name == "sample-sequence.yaml" {
            // Its `_ _` samples are scheduled points a run leaves out.
            let run = s.simulate().points().len() as u64;
            assert!(plan(&s).total_points() > run, "{name}");
        } else {
            plan_matches_the_run(&s);
        }
    }
}

#[test]
fn schedules_that_change_plan_as_they_play() {
    let s = load(
        "duration: 10m\nscript:\n  - {type: metricEmitter, name: one, spec: {type: constant, value: 1}}\n  \
         - {type: metric, name: g, spec: {type: gauge, frequency: 7s, emitters: [one]}}\n  \
         - {type: metric, at: 45s, name: g, spec: {frequency: 20s}}\n  \
         - {type: metric, at: 1m3s, name: g, spec: {frequency: 3s, attributes: {datapoint: {v: '2'}}}}\n  \
         - {type: disableMetric, at: 2m, name: g}\n  \
         - {type: enableMetric, at: 2m30s, name: g}\n  \
         - {type: metric, at: 3m, name: g, spec: {to: 5m, unit: s}}\n  \
         - {type: metric, name: c, spec: {type: counter, emitters: [one], to: 9m59s}}\n  \
         - {type: disableMetric, at: 5s, name: c}\n  \
         - {type: enableMetric, at: 15s, name: c}\n  \
         - {type: metric, at: 4m, name: late, spec: {type: histogram, frequency: 1m, distribution: {type: normal, stdDev: 1}, emitters: [one]}}\n  \
         - {type: metric, at: 9m59s, name: last, spec: {type: gauge, frequency: 1s, emitters: [one]}}\n",
    );
    plan_matches_the_run(&s);
    let p = plan(&s);
    let g = &p.metrics[0];
    assert_eq!((g.name, g.series), ("g", 1));
    // Its busiest frequency is 3s.
    assert!((g.peak_rate - 1.0 / 3.0).abs() < 1e-12);
}

#[test]
fn a_century_at_one_second_plans_at_once() {
    let s = load(
        "duration: 876000h\nscript:\n  - {type: metricEmitter, name: one, spec: {type: constant, value: 1}}\n  \
         - {type: metric, name: a, spec: {type: gauge, frequency: 1s, emitters: [one]}}\n  \
         - {type: metric, name: b, spec: {type: counter, emitters: [one]}}\n",
    );
    let p = plan(&s);
    let ticks = 876_000 * 3600;
    assert_eq!(p.last_tick, ticks);
    assert_eq!(p.metrics[0].points, ticks);
    assert_eq!(p.metrics[1].points, ticks / 10);
    assert!((p.peak_rate - 1.1).abs() < 1e-12);
    // Fast requests of 8192 points; in real time, one or more a tick with points.
    assert_eq!(p.requests(8192, false).count, (ticks + ticks / 10).div_ceil(8192));
    let real_time = p.requests(8192, true);
    assert!(!real_time.exact && real_time.count >= ticks);
}

#[test]
fn warnings_a_run_would_give() {
    let s = load(
        "script:\n  - {type: metricEmitter, name: zero, spec: {type: constant, value: 0}}\n  \
         - {type: metricEmitter, name: flood, spec: {type: steps, every: 1s, values: [5, 3e12]}}\n  \
         - {type: metric, name: h, spec: {type: histogram, rate: flood, distribution: {type: lognormal, sigma: 1}, emitters: [zero]}}\n",
    );
    let p = plan(&s);
    assert_eq!(p.total_points(), 0);
    assert_eq!(
        p.warnings,
        [
            "metric `h`: a lognormal distribution cannot be centred on 0 (its chain's values reach it), so points get \
             no observations then",
            "metric `h`: its rate can reach 3e+12 observations per second; it is capped at 1e+12",
            "metric `h`: its frequency (10s) is longer than the run (1s), so it sends no point",
            "the run sends no point: every metric's first point would come after its end (1s); the usual cause is the \
             default `duration` (the last action's `at` + 1s) with a `frequency` longer than that, so set `duration`",
        ]
    );
    // A positive chain (a clamp at 1 on a walk) warns of nothing.
    let s = load(
        "duration: 1m\nscript:\n  - {type: metricEmitter, name: w, spec: {type: randomWalk, stepSize: 3, variation: 5}}\n  \
         - {type: metricEmitter, name: floor, spec: {type: clamp, min: 1}}\n  \
         - {type: metric, name: h, spec: {type: histogram, distribution: {type: exponential}, emitters: [w, floor]}}\n",
    );
    assert_eq!(plan(&s).warnings, Vec::<String>::new());
}
