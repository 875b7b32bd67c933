//! `--remote-write`: Prometheus remote write 1.0 into a real Prometheus 2.53
//! (its remote write receiver, read back with `/api/v1/series` and
//! `/api/v1/query_range`) and a real VictoriaMetrics (`/api/v1/write`, read
//! back exactly with its export API); the expected values come from the same
//! scenario's dry run, the expected names from the OTLP → Prometheus rules.

use std::collections::BTreeMap;

use crate::prometheus::{Labels, Prometheus};
use crate::receiver::Receiver;
use crate::util::{Run, TempDir, flutter, flutter_cmd};
use crate::vm::VictoriaMetrics;

const SCENARIO: &str = "\
seed: 5
wallclockStart: 2025-06-01T00:00:00Z
duration: 30s
script:
  - {type: metricEmitter, name: w, spec: {type: periodic, shape: sine, amplitude: 3, period: 1m, offset: 10}}
  - type: metric
    name: g
    spec:
      type: gauge
      name: pod.cpu.usage
      unit: '%'
      emitters: [w]
      attributes:
        resource: {service.name: api, service.namespace: shop, service.instance.id: i-1, host.name: h1, replicas: 3, ratio: 0.25}
        datapoint: {core: '{0..1}', http.route: /x, tags: [x, 7], a.b: one, a_b: two}
  - {type: metric, name: c, spec: {type: counter, name: http.requests, unit: '{request}', emitters: [w], attributes: {resource: {service.name: api}}}}
  - {type: metric, name: u, spec: {type: upDownCounter, name: queue.size, unit: By, emitters: [w]}}
  - {type: metric, name: r, spec: {type: gauge, name: cpu.util, unit: '1', emitters: [w]}}
  - type: metric
    name: h
    spec:
      type: histogram
      name: http.server.duration
      unit: ms
      rate: 20
      buckets: [5, 10, 20]
      distribution: {type: normal, stdDev: 2}
      emitters: [w]
      attributes: {resource: {service.name: api, host.name: h1}}
  - {type: disableMetric, at: 20s, name: r}
";

/// 2025-06-01T00:00:00Z in seconds.
const T0: i64 = 1_748_736_000;

fn labels(pairs: &[(&str, &str)]) -> Labels {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

/// The Prometheus series of each exported name and series of the scenario,
/// as its OTLP translation names them (without `__name__` and `le`).
fn series_labels(name: &str, core: Option<&str>) -> (String, Labels) {
    let pod =
        [("a_b", "one;two"), ("http_route", "/x"), ("instance", "i-1"), ("job", "shop/api"), ("tags", "[\"x\",7]")];
    match name {
        "pod.cpu.usage" => {
            let mut l = labels(&pod);
            l.insert("core".into(), core.unwrap().into());
            ("pod_cpu_usage_percent".into(), l)
        }
        "http.requests" => ("http_requests_total".into(), labels(&[("job", "api")])),
        "queue.size" => ("queue_size_bytes".into(), labels(&[])),
        "cpu.util" => ("cpu_util_ratio".into(), labels(&[])),
        "http.server.duration" => ("http_server_duration_milliseconds".into(), labels(&[("job", "api")])),
        other => panic!("{other}"),
    }
}

/// Every sample remote write should carry: full labels → (ms, value), a
/// staleness marker as `None`, from the dry run's JSON point lines.
fn expected() -> BTreeMap<Labels, Vec<(i64, Option<f64>)>> {
    let dir = TempDir::new("rw-expected");
    let dry = flutter(&["--dryrun", "--log-format", "json", &dir.write("s.yaml", SCENARIO)]).ok();
    let mut out: BTreeMap<Labels, Vec<(i64, Option<f64>)>> = BTreeMap::new();
    let mut add = |name: &str, base: &Labels, extra: &[(&str, String)], ms: i64, v: Option<f64>| {
        let mut l = base.clone();
        l.insert("__name__".into(), name.into());
        l.extend(extra.iter().map(|(k, v)| (k.to_string(), v.clone())));
        out.entry(l).or_default().push((ms, v));
    };
    for line in dry.stdout.lines() {
        let p: serde_json::Value = serde_json::from_str(line).unwrap();
        let ms = (T0 + p["ts"].as_str().unwrap().trim_end_matches('s').parse::<i64>().unwrap()) * 1000;
        let (name, base) = series_labels(p["name"].as_str().unwrap(), p["attributes"]["core"].as_str());
        if p["kind"] == "histogram" {
            let counts: Vec<u64> = p["counts"].as_array().unwrap().iter().map(|c| c.as_u64().unwrap()).collect();
            let bounds = ["5", "10", "20", "+Inf"];
            for (k, le) in bounds.iter().enumerate() {
                let cumulative = counts[..=k].iter().sum::<u64>() as f64;
                add(&format!("{name}_bucket"), &base, &[("le", le.to_string())], ms, Some(cumulative));
            }
            add(&format!("{name}_sum"), &base, &[], ms, p["sum"].as_f64());
            add(&format!("{name}_count"), &base, &[], ms, p["count"].as_f64());
        } else {
            add(&name, &base, &[], ms, p["value"].as_f64());
        }
    }
    // The resources with attributes besides the service ones, once at the
    // request's latest point (one request: the run's last tick).
    for l in [
        labels(&[("host_name", "h1"), ("instance", "i-1"), ("job", "shop/api"), ("ratio", "0.25"), ("replicas", "3")]),
        labels(&[("host_name", "h1"), ("job", "api")]),
    ] {
        add("target_info", &l, &[], (T0 + 30) * 1000, Some(1.0));
    }
    out
}

fn send(url: &str) -> Run {
    let dir = TempDir::new("rw-send");
    flutter(&["--fast", "--remote-write", url, &dir.write("s.yaml", SCENARIO)]).ok()
}

#[test]
fn remote_write_into_prometheus_is_named_and_valued_as_its_otlp_translation() {
    let prometheus = Prometheus::start();
    let run = send(&prometheus.remote_write_url());
    let expected = expected();
    assert!(
        run.stderr.contains("flutter: 17 points generated, 17 delivered, 0 rejected, 0 lost; 1 request"),
        "{}",
        run.stderr
    );
    let stored = prometheus.series(T0, T0 + 60);
    assert_eq!(stored, expected.keys().cloned().collect::<Vec<_>>());
    // Every series' values at each 10 s step, as PromQL sees them: a
    // staleness marker ends a series at once (no 5-minute look-back).
    let mut got: BTreeMap<Labels, Vec<(i64, Option<f64>)>> = BTreeMap::new();
    for (l, values) in prometheus.query_range("{__name__=~\".+\"}", T0, T0 + 30, 10) {
        let mut full = l;
        // query_range drops __name__ only for functions; a selector keeps it.
        assert!(full.contains_key("__name__"));
        got.entry(std::mem::take(&mut full)).or_default().extend(values.into_iter().map(|(t, v)| (t * 1000, Some(v))));
    }
    let visible: BTreeMap<Labels, Vec<(i64, Option<f64>)>> = expected
        .into_iter()
        .map(|(l, samples)| (l, samples.into_iter().filter(|(_, v)| v.is_some()).collect()))
        .collect();
    assert_eq!(got, visible);
}

#[test]
fn remote_write_into_victoria_metrics_stores_every_sample_and_marker() {
    let vm = VictoriaMetrics::start();
    send(&vm.remote_write_url());
    let stored = vm.export(T0 * 1000, (T0 + 60) * 1000);
    let expected = expected();
    assert_eq!(stored.keys().collect::<Vec<_>>(), expected.keys().collect::<Vec<_>>());
    for (l, want) in &expected {
        let got = &stored[l];
        assert_eq!(
            got.iter().map(|(t, v)| (*t, v.is_some())).collect::<Vec<_>>(),
            want.iter().map(|(t, v)| (*t, v.is_some())).collect::<Vec<_>>(),
            "{l:?}"
        );
        // VictoriaMetrics keeps 12 significant decimal digits of a value.
        for ((_, g), (_, w)) in got.iter().zip(want) {
            if let (Some(g), Some(w)) = (g, w) {
                assert!((g - w).abs() <= 1e-11 * w.abs(), "{l:?}: {g} stored for {w}");
            }
        }
    }
}

#[test]
fn remote_write_requests_say_what_they_are_and_what_cannot_go() {
    let rx = Receiver::start(vec![]);
    send(&rx.endpoint());
    let req = &rx.requests()[0];
    assert_eq!(req.path, "/");
    assert_eq!(req.header("content-encoding"), Some("snappy"));
    assert_eq!(req.header("content-type"), Some("application/x-protobuf"));
    assert_eq!(req.header("x-prometheus-remote-write-version"), Some("0.1.0"));

    let dir = TempDir::new("rw-refused");
    for (spec, why) in [
        (
            "{type: counter, temporality: delta, emitters: [c]}",
            "a delta sum or histogram (Prometheus keeps cumulative series only)",
        ),
        (
            "{type: exponentialHistogram, rate: 5, distribution: {type: normal, stdDev: 1}, emitters: [c]}",
            "an exponential histogram (remote write 1.0 has no native histograms here)",
        ),
    ] {
        let yaml = format!(
            "duration: 10s\nscript:\n  - {{type: metricEmitter, name: c, spec: {{type: constant, value: 1}}}}\n  \
             - {{type: metric, name: m, spec: {spec}}}\n"
        );
        let out = flutter(&["--fast", "--remote-write", &rx.endpoint(), &dir.write("bad.yaml", &yaml)]);
        assert_eq!(out.code, Some(2));
        assert_eq!(
            out.stderr,
            format!(
                "error: remote write: metric `m` (m) is {why}; send it over OTLP (--endpoint), or make it cumulative\n\
                 flutter: nothing was run\n"
            )
        );
    }
    assert_eq!(rx.requests().len(), 1);
}

#[test]
fn a_scenario_remote_write_section_sends_with_its_own_settings() {
    let (rx, other) = (Receiver::start(vec![]), Receiver::start(vec![]));
    let dir = TempDir::new("rw-section");
    let yaml = format!(
        "{SCENARIO}remoteWrite:\n  url: {}/api/v1/push\n  headers: {{x-scope-orgid: \"${{TENANT}}\"}}\n  maxPointsPerRequest: 5\n\
         otlpDestination:\n  endpoint: {}\n",
        rx.endpoint(),
        other.endpoint()
    );
    let config = dir.write("s.yaml", &yaml);
    let out: Run = flutter_cmd(&["--fast", &config])
        .env("TENANT", "team-7")
        .env("OTEL_EXPORTER_OTLP_HEADERS", "x-otel=1")
        .output()
        .unwrap()
        .into();
    let out = out.ok();
    assert!(
        out.stderr.contains("flutter: warning: `otlpDestination` is not used: points go by remote write\n"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains(&format!("flutter: sending to {}/api/v1/push (from remoteWrite.url)\n", rx.endpoint())),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("flutter: 17 points generated, 17 delivered, 0 rejected, 0 lost; 4 requests"),
        "{}",
        out.stderr
    );
    let reqs = rx.requests();
    assert_eq!(reqs.len(), 4);
    for r in &reqs {
        assert_eq!(
            (r.path.as_str(), r.header("x-scope-orgid"), r.header("x-otel")),
            ("/api/v1/push", Some("team-7"), None)
        );
    }
    assert!(other.requests().is_empty());

    // --endpoint asks for OTLP instead.
    let otlp: Run =
        flutter_cmd(&["--fast", "--endpoint", &other.endpoint(), &config]).env("TENANT", "t").output().unwrap().into();
    let otlp = otlp.ok();
    assert!(
        otlp.stderr.contains("flutter: warning: `remoteWrite` is not used: --endpoint sends OTLP\n"),
        "{}",
        otlp.stderr
    );
    assert_eq!(other.requests()[0].path, "/v1/metrics");
    assert_eq!(rx.requests().len(), 4);

    // --check plans it in real time: ticks of 6, 6 and 5 points in requests of at most 5.
    let check: Run = flutter_cmd(&["--check", &config]).env("TENANT", "t").output().unwrap().into();
    let check = check.ok();
    assert!(
        check.stdout.contains(&format!(
            "output: Prometheus remote write 1.0 to {}/api/v1/push (snappy), in 5 requests\n",
            rx.endpoint()
        )),
        "{}",
        check.stdout
    );
    let unset = flutter(&["--fast", &config]);
    assert_eq!(unset.code, Some(2));
    assert!(
        unset.stderr.contains("header `x-scope-orgid`: environment variable `TENANT` is not set"),
        "{}",
        unset.stderr
    );
}
