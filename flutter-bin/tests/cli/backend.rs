//! Scenarios sent with `--fast` to a real VictoriaMetrics and read back: what it
//! stores must be what the engine produced, series by series, point by point.

use std::collections::BTreeMap;
use std::path::PathBuf;

use flutter::scenario::AttrValue;
use flutter::{Engine, MemorySink, Pacing, RunConfig, Scenario, SystemClock};

use crate::util::{Run, TempDir, flutter_cmd, package_dir};
use crate::vm::{Series, VictoriaMetrics};

/// VictoriaMetrics keeps about 12 significant digits and truncates.
const REL_TOLERANCE: f64 = 1e-11;

fn label_text(v: &AttrValue<'_>) -> String {
    match v {
        AttrValue::Str(s) => s.to_string(),
        AttrValue::Int(i) => i.to_string(),
        AttrValue::Bool(b) => b.to_string(),
        other => panic!("the backend tests use string, integer and boolean attributes only: {other:?}"),
    }
}

/// What the engine produces for these files and seed, as VictoriaMetrics would
/// label it: the metric name plus resource and data point attributes.
fn expected(files: &[PathBuf], seed: u64) -> Series {
    let scenario = Scenario::load_files(files).expect("scenario loads");
    let config = RunConfig { seed, ..RunConfig::from_scenario(&scenario) };
    let mut engine = Engine::new(&scenario, config);
    let mut sink = MemorySink::new();
    flutter::run(&mut engine, Pacing::Fast, &mut SystemClock::start(), &mut [&mut sink]).unwrap();
    let mut out = Series::new();
    for p in sink.points() {
        let s = &sink.streams()[p.stream as usize];
        let mut labels: BTreeMap<String, String> = BTreeMap::new();
        labels.insert("__name__".into(), s.name.clone());
        for kv in s.resource.iter().chain(&s.datapoint) {
            labels.insert(kv.key.to_string(), label_text(&kv.value));
        }
        let value = p.value.as_f64().expect("these scenarios have numeric points only");
        out.entry(labels).or_default().push((p.unix_nanos / 1_000_000, value));
    }
    out
}

fn assert_same(got: &Series, want: &Series) {
    assert_eq!(got.keys().collect::<Vec<_>>(), want.keys().collect::<Vec<_>>(), "series (labels) differ");
    for (labels, want_points) in want {
        let got_points = &got[labels];
        assert_eq!(got_points.len(), want_points.len(), "point count of {labels:?}");
        for ((gt, gv), (wt, wv)) in got_points.iter().zip(want_points) {
            assert_eq!(gt, wt, "timestamp in {labels:?}");
            let close = gv == wv || (gv - wv).abs() <= REL_TOLERANCE * gv.abs().max(wv.abs());
            assert!(close, "{labels:?} at {gt}: stored {gv}, generated {wv}");
        }
    }
}

/// Sends `files` (plus an overlay fixing the start time) and compares.
fn round_trip(vm: &VictoriaMetrics, files: &[PathBuf], start_ms: i64, seed: u64) -> Run {
    let mut args: Vec<String> = vec!["--fast".into(), "--seed".into(), seed.to_string()];
    args.extend(files.iter().map(|f| f.display().to_string()));
    args.extend(["--endpoint".into(), vm.otlp_endpoint()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let run: Run = flutter_cmd(&args).output().unwrap().into();
    let run = run.ok();
    let want = expected(files, seed);
    let last_ms = want.values().flat_map(|p| p.iter().map(|(t, _)| *t)).max().unwrap();
    let got = vm.export(start_ms, last_ms);
    assert_same(&got, &want);
    let points: usize = want.values().map(Vec::len).sum();
    assert!(
        run.stderr.contains(&format!("{points} points generated, {points} delivered, 0 rejected, 0 lost")),
        "{}",
        run.stderr
    );
    run
}

#[test]
fn every_sample_round_trips_through_victoria_metrics() {
    let vm = VictoriaMetrics::start();
    let dir = TempDir::new("samples");
    let samples =
        ["sample-config.yaml", "sample-ramp.yaml", "sample-loop.yaml", "sample-counter.yaml", "sample-otlp.yaml"];
    for (day, sample) in samples.iter().enumerate() {
        // Each sample gets its own day, so samples sharing a metric do not mix.
        let start = format!("2024-03-{:02}T00:00:00Z", day + 1);
        let overlay = dir.write(&format!("start-{day}.yaml"), &format!("wallclockStart: {start}\n"));
        let files = [package_dir().join("../samples").join(sample), PathBuf::from(overlay)];
        let start_ms = flutter::Timestamp::parse_rfc3339(&start).unwrap().unix_nanos() / 1_000_000;
        round_trip(&vm, &files, start_ms, 424242);
    }
}

#[test]
fn a_day_of_counters_and_gauges_backfills_exactly() {
    let vm = VictoriaMetrics::start();
    let dir = TempDir::new("day");
    let yesterday = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(25);
    let start = yesterday.round(jiff::Unit::Hour).unwrap();
    let mut yaml = format!("duration: 24h\nwallclockStart: {start}\nscript:\n");
    yaml.push_str(
        "  - {type: metricEmitter, name: load, spec: {type: ramp, start: 10, target: 500, duration: 12h}}\n  \
         - {type: metricEmitter, name: noise, spec: {type: randomWalk, stepSize: 3, elasticity: 0.05, variation: 40}}\n  \
         - {type: metricEmitter, at: 12h, name: load, spec: {target: 20, duration: 6h}}\n",
    );
    for i in 0..5 {
        yaml.push_str(&format!(
            "  - {{type: metric, name: cpu{i}, spec: {{type: gauge, name: node.cpu, emitters: [load, noise], \
             attributes: {{resource: {{host: h{i}, rack: {}}}, datapoint: {{cpu: {i}}}}}}}}}\n  \
             - {{type: metric, name: req{i}, spec: {{type: counter, name: http.requests, unit: '{{request}}', \
             emitters: [load, noise], attributes: {{resource: {{host: h{i}}}, datapoint: {{code: 200, ok: true}}}}}}}}\n",
            i % 2
        ));
    }
    let cfg = PathBuf::from(dir.write("day.yaml", &yaml));
    let start_ms = start.as_millisecond();
    let run = round_trip(&vm, &[cfg], start_ms, 7);
    // 10 series × 8,640 points: a day of data in a few seconds.
    assert!(run.stderr.contains("86400 points generated, 86400 delivered"), "{}", run.stderr);
}
