//! `--output`: OTLP JSON Lines, decoded with the official protobuf JSON
//! mapping (`opentelemetry-proto`'s serde types) and compared with the
//! protobuf bodies a receiver got from the same run.

use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;

use crate::receiver::{Receiver, points_in};
use crate::util::{Run, TempDir, flutter, flutter_cmd};

/// Every metric kind, every attribute type, a set, a disabled metric (staleness markers).
fn scenario(dir: &TempDir, otlp: &str, duration: &str) -> String {
    let yaml = format!(
        "duration: {duration}\nseed: 5\nwallclockStart: 2025-06-01T00:00:00Z\n{otlp}script:
  - {{type: metricEmitter, name: w, spec: {{type: periodic, shape: sine, amplitude: 3, period: 1m, offset: 10}}}}
  - {{type: metricEmitter, name: n, spec: {{type: normalNoise, stdDev: 1}}}}
  - type: metric
    name: g
    spec:
      type: gauge
      name: 'pod.{{a,b,c}}.cpu'
      unit: '%'
      frequency: 1s
      emitters: [w, n]
      attributes:
        resource: {{service.name: \"api \\\"quoted\\\"\", replicas: 3, ratio: 0.25, up: true}}
        scope: {{team: web}}
        datapoint: {{tags: [x, 7], nested: {{k: v}}, neg: -3, core: '{{0..3}}'}}
  - {{type: metric, name: gi, spec: {{type: gauge, valueType: int, emitters: [w]}}}}
  - {{type: metric, name: cc, spec: {{type: counter, description: Requests, frequency: 1s, emitters: [w]}}}}
  - {{type: metric, name: cd, spec: {{type: counter, temporality: delta, emitters: [w]}}}}
  - {{type: metric, name: ud, spec: {{type: upDownCounter, emitters: [n]}}}}
  - {{type: metric, name: h, spec: {{type: histogram, rate: 20, buckets: [5, 10, 20], distribution: {{type: normal, stdDev: 2}}, emitters: [w]}}}}
  - {{type: metric, name: e, spec: {{type: exponentialHistogram, rate: 30, distribution: {{type: normal, stdDev: 3}}, emitters: [w]}}}}
  - {{type: disableMetric, at: 3s, name: cc}}
  - {{type: enableMetric, at: 5s, name: cc}}
"
    );
    dir.write("every.yaml", &yaml)
}

/// Every line of `text`, decoded by the official JSON mapping.
fn decode_lines(text: &str) -> Vec<ExportMetricsServiceRequest> {
    text.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"))).collect()
}

fn summary_line(run: &Run) -> &str {
    run.stderr.lines().find(|l| l.contains("of OTLP JSON written to")).unwrap_or_else(|| panic!("{}", run.stderr))
}

#[test]
fn json_lines_equal_the_protobuf_bodies_of_the_same_run() {
    let dir = TempDir::new("json-lines");
    // Fast (requests filled across ticks) and real time (a request per tick, split), gzip or not.
    for (flags, otlp_extra, duration) in [
        (&["--fast"][..], "  maxPointsPerRequest: 7\n  compression: gzip\n", "12s"),
        (&[][..], "  maxPointsPerRequest: 10\n", "5s"),
    ] {
        let rx = Receiver::start(vec![]);
        let otlp = format!("otlpDestination:\n  endpoint: {}\n{otlp_extra}", rx.endpoint());
        let file = dir.path().join("out.jsonl");
        let mut args = vec!["--output", file.to_str().unwrap(), &scenario(&dir, &otlp, duration)]
            .into_iter()
            .map(str::to_owned)
            .collect::<Vec<_>>();
        args.extend(flags.iter().map(|f| f.to_string()));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let run = flutter(&args).ok();
        assert_eq!(run.stdout, "", "no point lines when points go to a destination");
        let lines = decode_lines(&std::fs::read_to_string(&file).unwrap());
        let bodies: Vec<_> = rx.requests().iter().map(|r| r.decode()).collect();
        assert!(bodies.len() > 3, "{}", bodies.len());
        assert_eq!(lines.len(), bodies.len());
        for (i, (line, body)) in lines.iter().zip(&bodies).enumerate() {
            assert_eq!(line, body, "request {i} ({flags:?})");
        }
        let points: usize = rx.requests().iter().map(|r| r.points()).sum();
        assert_eq!(
            summary_line(&run),
            format!("flutter: {points} points in {} lines of OTLP JSON written to {}", lines.len(), file.display())
        );
    }
}

#[test]
fn a_dry_run_writes_json_lines_to_stdout_and_check_counts_them() {
    let dir = TempDir::new("json-stdout");
    let config = scenario(&dir, "otlpDestination:\n  maxPointsPerRequest: 25\n", "1m");
    let run = flutter(&["--dryrun", "--output", "-", &config]).ok();
    let lines = decode_lines(&run.stdout);
    let points = points_in;
    // 12 gauge series and cc every second, 5 more metrics every 10 s; cc
    // stops at 3 s (a staleness marker) and starts again at 5 s.
    let total: usize = lines.iter().map(points).sum();
    assert_eq!(total, 12 * 60 + (60 - 2 + 1) + 5 * 6);
    assert_eq!(run.stdout.matches(r#""flags":1"#).count(), 1);
    assert!(
        run.stderr.contains(&format!("flutter: {total} points from 18 streams over 1m0s simulated")),
        "{}",
        run.stderr
    );
    assert!(lines.iter().all(|l| points(l) == 25) || lines.iter().rev().skip(1).all(|l| points(l) == 25));
    assert_eq!(lines.len(), total.div_ceil(25));
    assert_eq!(
        summary_line(&run),
        format!("flutter: {total} points in {} lines of OTLP JSON written to stdout", lines.len())
    );

    let check = flutter(&["--dryrun", "--check", "--output", "-", &config]).ok();
    assert!(
        check.stdout.ends_with(&format!("output: OTLP JSON to stdout, {} lines\n", lines.len())),
        "{}",
        check.stdout
    );
    assert!(!check.stdout.contains("log lines"), "{}", check.stdout);

    // Same seed, same lines; --print puts point lines beside a file.
    let file = dir.path().join("again.jsonl");
    let again = flutter(&["--dryrun", "--print", "-o", file.to_str().unwrap(), &config]).ok();
    assert_eq!(std::fs::read_to_string(&file).unwrap(), run.stdout);
    assert_eq!(again.stdout.lines().filter(|l| l.contains(" Emit ")).count(), total);
}

#[test]
fn output_errors_are_clear_and_run_nothing() {
    let dir = TempDir::new("json-errors");
    let config = scenario(&dir, "", "10s");
    let both = flutter(&["--dryrun", "--print", "--output", "-", &config]);
    assert_eq!(both.code, Some(2));
    assert_eq!(
        both.stderr,
        "error: --output - and --print both write to stdout: give --output a file\nflutter: nothing was run\n"
    );
    let missing = dir.path().join("no/such/dir/out.jsonl");
    let out: Run = flutter_cmd(&["--dryrun", "--output", missing.to_str().unwrap(), &config]).output().unwrap().into();
    assert_eq!(out.code, Some(2));
    assert!(
        out.stderr.starts_with(&format!("error: --output {}: cannot create the file: ", missing.display())),
        "{}",
        out.stderr
    );
    assert_eq!(out.stdout, "");
}
