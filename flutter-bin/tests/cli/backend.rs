//! Scenarios sent with `--fast` to a real VictoriaMetrics and read back: what it
//! stores must be what the engine produced, series by series, point by point.

use std::collections::BTreeMap;
use std::path::PathBuf;

use flutter::go::float::go_float;
use flutter::scenario::AttrValue;
use flutter::{Engine, MemorySink, Pacing, RecordedValue, RunConfig, Scenario, SystemClock};

use crate::util::{Run, TempDir, flutter_cmd, package_dir};
use crate::vm::{Series, VictoriaMetrics};

/// VictoriaMetrics keeps about 12 significant digits and truncates, relative
/// to the largest value of a block of a series (its values share an exponent),
/// so a total that comes back to nearly 0 keeps only its first digits.
const REL_TOLERANCE: f64 = 1e-11;

fn label_text(v: &AttrValue<'_>) -> String {
    match v {
        AttrValue::Str(s) => s.to_string(),
        AttrValue::Int(i) => i.to_string(),
        AttrValue::Bool(b) => b.to_string(),
        other => panic!("the backend tests use string, integer and boolean attributes only: {other:?}"),
    }
}

/// What the engine produces for these files and seed, as VictoriaMetrics
/// stores it: the metric name plus resource and data point attributes as
/// labels; explicit histograms as cumulative `_bucket{le}` series with `_sum`
/// and `_count`; exponential histograms as `_bucket{vmrange}` series.
pub fn expected(files: &[PathBuf], seed: u64) -> (Series, usize) {
    let scenario = Scenario::load_files(files).expect("scenario loads");
    let config = RunConfig { seed, ..RunConfig::from_scenario(&scenario) };
    let mut engine = Engine::new(&scenario, config);
    let mut sink = MemorySink::new();
    flutter::run(&mut engine, Pacing::Fast, &mut SystemClock::start(), &mut [&mut sink]).unwrap();
    let mut out = Series::new();
    for p in sink.points() {
        let s = &sink.streams()[p.stream as usize];
        let mut labels: BTreeMap<String, String> = BTreeMap::new();
        for kv in s.resource.iter().chain(&s.datapoint) {
            labels.insert(kv.key.to_string(), label_text(&kv.value));
        }
        let ms = p.unix_nanos / 1_000_000;
        let mut put = |suffix: &str, extra: Option<(&str, String)>, value: Option<f64>| {
            let mut labels = labels.clone();
            labels.insert("__name__".into(), format!("{}{suffix}", s.name));
            if let Some((k, v)) = extra {
                labels.insert(k.into(), v);
            }
            out.entry(labels).or_default().push((ms, value));
        };
        match &p.value {
            RecordedValue::Double(v) => put("", None, Some(*v)),
            RecordedValue::Int(v) => put("", None, Some(*v as f64)),
            RecordedValue::Stale => put("", None, None),
            RecordedValue::Histogram { summary, counts } => {
                let mut cumulative = 0;
                for (bound, count) in s.bounds.iter().zip(counts) {
                    cumulative += count;
                    put("_bucket", Some(("le", go_float(*bound))), Some(cumulative as f64));
                }
                put("_bucket", Some(("le", "+Inf".into())), Some(summary.count as f64));
                put("_sum", None, Some(summary.sum));
                put("_count", None, Some(summary.count as f64));
            }
            RecordedValue::ExpHistogram { summary, scale, positive_offset, positive, .. } => {
                let base = |i: i32| 2f64.powf(f64::from(i) * 2f64.powi(-scale));
                for (i, &count) in positive.iter().enumerate().filter(|(_, c)| **c > 0) {
                    let index = positive_offset + i as i32;
                    let range = format!("{}...{}", go_exp(base(index)), go_exp(base(index + 1)));
                    put("_bucket", Some(("vmrange", range)), Some(count as f64));
                }
                put("_sum", None, Some(summary.sum));
                put("_count", None, Some(summary.count as f64));
            }
        }
    }
    (out, sink.points().len())
}

/// Go's `%.3e`: `1.414e+00`.
fn go_exp(x: f64) -> String {
    let text = format!("{x:.3e}");
    let (mantissa, exp) = text.split_once('e').unwrap();
    let exp: i32 = exp.parse().unwrap();
    format!("{mantissa}e{}{:02}", if exp < 0 { '-' } else { '+' }, exp.unsigned_abs())
}

pub fn assert_same(got: &Series, want: &Series) {
    assert_eq!(got.keys().collect::<Vec<_>>(), want.keys().collect::<Vec<_>>(), "series (labels) differ");
    for (labels, want_points) in want {
        let got_points = &got[labels];
        assert_eq!(got_points.len(), want_points.len(), "point count of {labels:?}");
        let scale = want_points.iter().filter_map(|(_, v)| *v).fold(0.0f64, |m, v| m.max(v.abs()));
        for ((gt, gv), (wt, wv)) in got_points.iter().zip(want_points) {
            assert_eq!(gt, wt, "timestamp in {labels:?}");
            let close = match (gv, wv) {
                (Some(g), Some(w)) => g == w || (g - w).abs() <= REL_TOLERANCE * scale,
                (None, None) => true,
                _ => false,
            };
            assert!(close, "{labels:?} at {gt}: stored {gv:?}, generated {wv:?}");
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
    let (want, points) = expected(files, seed);
    let last_ms = want.values().flat_map(|p| p.iter().map(|(t, _)| *t)).max().unwrap();
    let got = vm.export(start_ms, last_ms);
    assert_same(&got, &want);
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
    let samples = [
        "sample-config.yaml",
        "sample-ramp.yaml",
        "sample-loop.yaml",
        "sample-counter.yaml",
        "sample-otlp.yaml",
        "sample-fleet.yaml",
    ];
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

#[test]
fn every_metric_type_round_trips_through_victoria_metrics() {
    let vm = VictoriaMetrics::start();
    let dir = TempDir::new("types");
    // Cumulative data only: VictoriaMetrics 1.112 drops delta sums and
    // histograms (it counts them in vm_protoparser_rows_dropped_total).
    let yaml = "duration: 10m\nwallclockStart: 2024-05-01T00:00:00Z\nscript:
  - {type: metricEmitter, name: base, spec: {type: constant, value: 40}}
  - {type: metricEmitter, name: wave, spec: {type: periodic, shape: triangle, period: 4m, amplitude: 15}}
  - {type: metricEmitter, name: noise, spec: {type: normalNoise, stdDev: 2, variation: 6}}
  - {type: metricEmitter, name: spikes, spec: {type: spikyNoise, pStart: 0.1, peakTarget: 20}}
  - {type: metricEmitter, name: steps, spec: {type: sequence, values: \"5 5 stale 7+1x20 _x2\", repeat: true}}
  - {type: metricEmitter, name: floor, spec: {type: clamp, min: 0.5}}
  - {type: metric, name: g, spec: {type: gauge, name: svc.load, emitters: [base, wave, noise, floor], attributes: {resource: {service.name: api}, datapoint: {zone: a}}}}
  - {type: metric, name: gi, spec: {type: gauge, name: svc.queue, valueType: int, emitters: [steps], attributes: {resource: {service.name: api}}}}
  - {type: metric, name: c, spec: {type: counter, name: svc.requests, emitters: [base, spikes], attributes: {resource: {service.name: api}, datapoint: {code: 200}}}}
  - {type: metric, name: u, spec: {type: upDownCounter, name: svc.connections, frequency: 15s, emitters: [wave]}}
  - {type: metric, name: h, spec: {type: histogram, name: svc.latency, rate: 8, buckets: [10, 25, 50, 100], distribution: {type: lognormal, sigma: 0.4}, emitters: [base, wave, floor], attributes: {resource: {service.name: api}}}}
  - {type: metric, name: e, spec: {type: exponentialHistogram, name: svc.size, rate: 6, maxSize: 40, distribution: {type: exponential}, emitters: [base, floor]}}
  - {type: disableMetric, at: 3m, name: c}
  - {type: enableMetric, at: 5m, name: c}
  - {type: metric, at: 2m, name: late, spec: {type: gauge, name: svc.late, to: 8m, emitters: [wave, floor]}}
";
    let cfg = PathBuf::from(dir.write("types.yaml", yaml));
    let start_ms = flutter::Timestamp::parse_rfc3339("2024-05-01T00:00:00Z").unwrap().unix_nanos() / 1_000_000;
    round_trip(&vm, &[cfg], start_ms, 99);
}

/// A series that ends — past its `to`, disabled, or replaced by a new identity —
/// sends a staleness marker then, so PromQL stops counting it at once instead
/// of five minutes later.
#[test]
fn ended_series_leave_promql_at_once() {
    let vm = VictoriaMetrics::start();
    let dir = TempDir::new("ends");
    let yaml = "duration: 3m\nwallclockStart: 2024-06-01T00:00:00Z\nscript:
  - {type: metricEmitter, name: one, spec: {type: constant, value: 1}}
  - {type: metric, name: a, spec: {type: gauge, name: svc.up, emitters: [one], attributes: {datapoint: {pod: a}}}}
  - {type: metric, name: b, spec: {type: gauge, name: svc.up, to: 1m, emitters: [one], attributes: {datapoint: {pod: b}}}}
  - {type: metric, name: c, spec: {type: gauge, name: svc.up, emitters: [one], attributes: {datapoint: {pod: c}}}}
  - {type: metric, name: d, spec: {type: counter, name: svc.requests, emitters: [one], attributes: {resource: {service.version: '1.0'}}}}
  - {type: disableMetric, at: 1m, name: c}
  - {type: metric, at: 1m, name: d, spec: {attributes: {resource: {service.version: '1.1'}}}}
";
    let cfg = PathBuf::from(dir.write("ends.yaml", yaml));
    let start_ms = flutter::Timestamp::parse_rfc3339("2024-06-01T00:00:00Z").unwrap().unix_nanos() / 1_000_000;
    round_trip(&vm, &[cfg], start_ms, 1);
    let count =
        |q: &str, at_s: i64| -> Vec<f64> { vm.query(q, start_ms + at_s * 1000).into_iter().map(|(_, v)| v).collect() };
    let up = "count({__name__=\"svc.up\"})";
    let requests = "count({__name__=\"svc.requests\"})";
    // Before the ends: three pods, one version.
    assert_eq!(count(up, 59), [3.0]);
    assert_eq!(count(requests, 59), [1.0]);
    // b's marker is at 61 s (the second after its `to`), c's at 60 s (its disable),
    // version 1.0's at 60 s (when 1.1 replaced it).
    assert_eq!(count(up, 61), [1.0]);
    assert_eq!(count(requests, 61), [1.0]);
    let export = vm.export(start_ms, start_ms + 180_000);
    let markers: Vec<(String, i64)> = export
        .iter()
        .flat_map(|(labels, points)| {
            let who = labels.get("pod").or(labels.get("service.version")).cloned().unwrap_or_default();
            points.iter().filter(|(_, v)| v.is_none()).map(move |(t, _)| (who.clone(), (t - start_ms) / 1000))
        })
        .collect();
    assert_eq!(markers, [("1.0".to_string(), 60), ("b".to_string(), 61), ("c".to_string(), 60)]);
    // The new version starts from 0 at 1m, with 1m as its start.
    let new: Vec<(i64, Option<f64>)> = export
        .iter()
        .find(|(l, _)| l.get("service.version").map(String::as_str) == Some("1.1"))
        .map(|(_, p)| p.iter().map(|(t, v)| ((t - start_ms) / 1000, *v)).collect())
        .unwrap();
    assert_eq!(new[..3], [(60, Some(0.0)), (70, Some(10.0)), (80, Some(20.0))]);
}

/// Churn through a real backend: at every minute two pods end (their
/// staleness markers drop them from PromQL at once) and two new ones start.
#[test]
fn churned_series_come_and_go_in_victoria_metrics() {
    let vm = VictoriaMetrics::start();
    let dir = TempDir::new("churn");
    let start = "2024-07-01T00:00:00Z";
    let overlay = dir.write("start.yaml", &format!("wallclockStart: {start}\n"));
    let files = [package_dir().join("../samples/sample-churn.yaml"), PathBuf::from(overlay)];
    let start_ms = flutter::Timestamp::parse_rfc3339(start).unwrap().unix_nanos() / 1_000_000;
    round_trip(&vm, &files, start_ms, 7);
    let pod = |v: u32| format!("checkout-{v:02}");
    let up_at = |s: i64| -> Vec<String> {
        let mut pods: Vec<String> =
            vm.query("up", start_ms + s * 1000).into_iter().map(|(l, _)| l["k8s.pod.name"].clone()).collect();
        pods.sort();
        pods
    };
    // Minute m has had 2m replacements: pods 2m … 2m + 19 are up, no others.
    for m in 0..10 {
        let expected: Vec<String> = (2 * m..2 * m + 20).map(pod).collect();
        assert_eq!(up_at(60 * i64::from(m) + 30), expected, "at {m}m30s");
        assert_eq!(vm.query("count(up)", start_ms + (60 * i64::from(m) + 59) * 1000)[0].1, 20.0);
    }
    assert_eq!(up_at(600), (20..40).map(pod).collect::<Vec<_>>());
    // Over the run, 40 pods: pod v (v < 20) until its replacement at minute
    // v/2 + 1, its successor v + 20 from then to the end, a point every 15 s.
    let mut over: Vec<(String, f64)> = vm
        .query("count_over_time(up[10m])", start_ms + 600_000)
        .into_iter()
        .map(|(l, v)| (l["k8s.pod.name"].clone(), v))
        .collect();
    over.sort_by(|a, b| a.0.cmp(&b.0));
    let mut expected: Vec<(String, f64)> = Vec::new();
    for v in 0..20 {
        let j = f64::from(v / 2 + 1);
        expected.push((pod(v), 4.0 * j - 1.0));
    }
    for v in 0..20 {
        let j = f64::from(v / 2 + 1);
        expected.push((pod(v + 20), 41.0 - 4.0 * j));
    }
    assert_eq!(over, expected);
    assert_eq!(vm.query("count(count_over_time(up[10m]))", start_ms + 600_000)[0].1, 40.0);
    // The staleness markers: each first-generation pod at its replacement, on its own node.
    let export = vm.export(start_ms, start_ms + 600_000);
    let mut markers: Vec<(String, String, i64)> = export
        .iter()
        .filter(|(l, _)| l["__name__"] == "up")
        .flat_map(|(l, points)| {
            let who = (l["k8s.pod.name"].clone(), l["k8s.node.name"].clone());
            points
                .iter()
                .filter(|(_, v)| v.is_none())
                .map(move |(t, _)| (who.0.clone(), who.1.clone(), (t - start_ms) / 1000))
        })
        .collect();
    markers.sort();
    let expected: Vec<(String, String, i64)> =
        (0..20).map(|v| (pod(v), format!("node-{}", v / 5), 60 * i64::from(v / 2 + 1))).collect();
    assert_eq!(markers, expected);
    // A successor runs on its predecessor's node, and counts its requests from 0.
    let first = |name: &str, p: &str| {
        export.iter().find(|(l, _)| l["__name__"] == name && l["k8s.pod.name"] == p).map(|(l, pts)| (l.clone(), pts[0]))
    };
    let (labels, (t, v)) = first("http.server.requests", "checkout-27").unwrap();
    assert_eq!((labels["k8s.node.name"].as_str(), (t - start_ms) / 1000, v), ("node-1", 240, Some(0.0)));
}

/// `--check`'s estimate of the bytes a run sends is close to what it sends.
#[test]
fn check_estimates_the_bytes_a_run_sends() {
    let vm = VictoriaMetrics::start();
    let bytes_in = |text: &str, after: &str| -> f64 {
        let at = text.find(after).unwrap_or_else(|| panic!("no `{after}` in {text}"));
        let digits: String = text[at + after.len()..].chars().take_while(char::is_ascii_digit).collect();
        digits.parse().unwrap()
    };
    for sample in ["sample-otlp.yaml", "sample-histogram.yaml", "sample-lifetime.yaml"] {
        let file = package_dir().join("../samples").join(sample).display().to_string();
        let args = ["--fast", "--seed", "3", &file, "--endpoint", &vm.otlp_endpoint()];
        let check: Run = flutter_cmd(&[&["--check"], &args[..]].concat()).output().unwrap().into();
        let check = check.ok();
        let run: Run = flutter_cmd(&args).output().unwrap().into();
        let run = run.ok();
        let estimate = bytes_in(&check.stdout, "kB (");
        let sent = bytes_in(&run.stderr, "retries, ");
        assert!((estimate / sent - 1.0).abs() < 0.05, "{sample}: estimated {estimate}, sent {sent}");
    }
}
