//! Spans and log records as a user sends them: decoded from the wire
//! exactly, stored by a real trace store (Arize Phoenix, started by the test,
//! the environment `scripts/provision-test-deps` installs), through a real
//! collector's gRPC receiver (rotel) into that store, and all three signals
//! through rotel's OTLP/HTTP receiver; remote write, which carries neither,
//! counts them as lost.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use flutter::scenario::{AttrValue, KeyValue, Scenario};
use flutter::sink::{RecordedLog, RecordedSpan};
use flutter::{Engine, MemorySink, Pacing, RunConfig, SystemClock};

use crate::grpc::Rotel;
use crate::receiver::Receiver;
use crate::util::{Run, TempDir, flutter_cmd, http_get, test_dep};

/// Two services, a brace set of instances, attributes of every type, a
/// repeated child, parallel children, errors of its own and propagated.
const SCENARIO: &str = r#"
duration: 2m
wallclockStart: 2025-04-30T10:00:00Z
script:
  - {type: metricEmitter, name: load, spec: {type: constant, value: 3}}
  - type: trace
    name: checkout
    spec:
      rate: load
      resource: {service.name: frontend, service.instance.id: "frontend-{0..2}"}
      root:
        name: POST /checkout
        kind: server
        duration: 5ms
        attributes: {http.route: /checkout, http.response.status_code: 200, retry: false, weight: 0.5}
        children:
          - name: INSERT orders
            kind: client
            duration: 1ms
            repeat: "1..3"
          - name: Charge
            kind: client
            resource: {service.name: payments}
            duration: {emitters: [load], unit: ms, distribution: {type: lognormal, sigma: 0.4}}
            error: 0.2
            errorMessage: card declined
            propagate: true
            parallel: true
            children:
              - {name: fraud check, duration: 2ms, kind: internal}
              - {name: ledger, duration: 1ms, kind: producer}
"#;

/// A metric beside the traces (Phoenix takes no metrics).
const METRIC: &str = "  - {type: metric, name: up, spec: {type: gauge, emitters: [load], frequency: 10s}}\n";

/// A log beside the traces, with records the spans carry.
const LOG: &str = r#"  - type: log
    name: app
    spec:
      rate: 4
      resource: {service.name: app}
      severity: {INFO: 3, ERROR: 1}
      body: "user {user} waited {load} s"
      attributes: {user: "u{0..3}", attempt: 2}
"#;

/// What the engine makes of `files` with `seed`.
fn simulated(files: &[PathBuf], seed: u64) -> MemorySink {
    let scenario = Scenario::load_files(files).expect("scenario loads");
    let config = RunConfig { seed, ..RunConfig::from_scenario(&scenario) };
    let mut engine = Engine::new(&scenario, config);
    let mut sink = MemorySink::new();
    flutter::run(&mut engine, Pacing::Fast, &mut SystemClock::start(), &mut [&mut sink]).unwrap();
    sink
}

/// The spans the engine makes of `files` with `seed`.
fn expected(files: &[PathBuf], seed: u64) -> Vec<RecordedSpan> {
    simulated(files, seed).all_spans().to_vec()
}

/// The records of every `/v1/logs` request, as recorded records (without
/// the log's name and tick, which the wire does not carry).
fn decoded_logs(receiver: &Receiver) -> Vec<RecordedLog> {
    use opentelemetry_proto::tonic::common::v1::any_value::Value;
    let mut out = Vec::new();
    for req in receiver.requests().iter().filter(|r| r.path == "/v1/logs") {
        for rl in req.decode_logs().resource_logs {
            let resource = attrs(&rl.resource.as_ref().unwrap().attributes);
            for sl in rl.scope_logs {
                assert_eq!(sl.scope.as_ref().unwrap().name, "flutter");
                for r in sl.log_records {
                    let severity = flutter::logs::Severity::ALL
                        .into_iter()
                        .map(|(_, s)| s)
                        .find(|s| s.number() as i32 == r.severity_number)
                        .unwrap_or_else(|| panic!("severity {}", r.severity_number));
                    assert_eq!(r.severity_text, severity.name());
                    assert_eq!(r.observed_time_unix_nano, r.time_unix_nano);
                    let Some(Value::StringValue(body)) = r.body.and_then(|b| b.value) else { panic!("a string body") };
                    let span = (!r.trace_id.is_empty())
                        .then(|| (r.trace_id.as_slice().try_into().unwrap(), r.span_id.as_slice().try_into().unwrap()));
                    out.push(RecordedLog {
                        log: String::new(),
                        tick: 0,
                        time_unix_nanos: r.time_unix_nano as i64,
                        severity,
                        body,
                        attributes: attrs(&r.attributes),
                        span,
                        resource: resource.clone(),
                    });
                }
            }
        }
    }
    out
}

/// Records in one order for comparing.
fn by_time(mut records: Vec<RecordedLog>) -> Vec<RecordedLog> {
    for r in &mut records {
        r.log.clear();
        r.tick = 0;
    }
    records.sort_by(|a, b| (a.time_unix_nanos, &a.body).cmp(&(b.time_unix_nanos, &b.body)));
    records
}

/// Spans in one order for comparing, without what the wire does not carry.
fn comparable(spans: Vec<RecordedSpan>) -> Vec<RecordedSpan> {
    let mut spans = by_id(spans);
    for s in &mut spans {
        s.trace.clear();
        s.tick = 0;
    }
    spans
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// An OTLP `AnyValue` as the scenario's attribute value.
fn attr(v: Option<&opentelemetry_proto::tonic::common::v1::AnyValue>) -> AttrValue<'static> {
    use opentelemetry_proto::tonic::common::v1::any_value::Value;
    match v.and_then(|v| v.value.as_ref()) {
        Some(Value::StringValue(s)) => AttrValue::Str(s.clone().into()),
        Some(Value::BoolValue(b)) => AttrValue::Bool(*b),
        Some(Value::IntValue(i)) => AttrValue::Int(*i),
        Some(Value::DoubleValue(d)) => AttrValue::Double(*d),
        other => panic!("an attribute flutter does not send: {other:?}"),
    }
}

fn attrs(kvs: &[opentelemetry_proto::tonic::common::v1::KeyValue]) -> Vec<KeyValue<'static>> {
    kvs.iter().map(|kv| KeyValue { key: kv.key.clone().into(), value: attr(kv.value.as_ref()) }).collect()
}

/// The spans of every `/v1/traces` request, as recorded spans (without the
/// trace's name and tick, which the wire does not carry).
fn decoded(receiver: &Receiver) -> Vec<RecordedSpan> {
    use opentelemetry_proto::tonic::trace::v1::status::StatusCode;
    let mut out = Vec::new();
    for req in receiver.requests().iter().filter(|r| r.path == "/v1/traces") {
        for rs in req.decode_traces().resource_spans {
            let resource = attrs(&rs.resource.as_ref().unwrap().attributes);
            for ss in rs.scope_spans {
                assert_eq!(ss.scope.as_ref().unwrap().name, "flutter");
                for s in ss.spans {
                    let status = s.status.clone().unwrap_or_default();
                    let error = (status.code == StatusCode::Error as i32).then(|| status.message.clone());
                    let exception = match s.events.as_slice() {
                        [] => false,
                        [e] => {
                            assert_eq!((e.name.as_str(), e.time_unix_nano), ("exception", s.end_time_unix_nano));
                            let message = KeyValue {
                                key: "exception.message".into(),
                                value: AttrValue::Str(status.message.clone().into()),
                            };
                            assert_eq!(attrs(&e.attributes), vec![message]);
                            true
                        }
                        more => panic!("more events than an exception: {more:?}"),
                    };
                    out.push(RecordedSpan {
                        trace: String::new(),
                        trace_id: s.trace_id.as_slice().try_into().unwrap(),
                        span_id: s.span_id.as_slice().try_into().unwrap(),
                        parent_span_id: (!s.parent_span_id.is_empty())
                            .then(|| s.parent_span_id.as_slice().try_into().unwrap()),
                        name: s.name.clone(),
                        kind: flutter::traces::SpanKind::ALL
                            .into_iter()
                            .map(|(_, k)| k)
                            .find(|k| k.otlp() as i32 == s.kind)
                            .unwrap_or_else(|| panic!("span kind {}", s.kind)),
                        tick: 0,
                        start_unix_nanos: s.start_time_unix_nano as i64,
                        end_unix_nanos: s.end_time_unix_nano as i64,
                        error,
                        exception,
                        attributes: attrs(&s.attributes),
                        resource: resource.clone(),
                    });
                }
            }
        }
    }
    out
}

/// Spans in one order for comparing: by trace and span ID.
fn by_id(mut spans: Vec<RecordedSpan>) -> Vec<RecordedSpan> {
    spans.sort_by_key(|s| (s.trace_id, s.span_id));
    spans
}

#[test]
fn spans_are_sent_exactly_as_generated_gzip_in_requests_of_at_most_the_limit() {
    let receiver = Receiver::start(vec![]);
    let dir = TempDir::new("traces-wire");
    let file = PathBuf::from(dir.write("traces.yaml", &format!("{SCENARIO}{METRIC}")));
    let want = expected(std::slice::from_ref(&file), 5);
    assert!(want.len() > 1000, "{} spans", want.len());
    let run: Run =
        flutter_cmd(&["--fast", "--seed", "5", "--endpoint", &receiver.endpoint(), &file.display().to_string()])
            .env("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip")
            .env("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://127.0.0.1:1/not-used")
            .output()
            .unwrap()
            .into();
    let run = run.ok();
    let n = want.len();
    assert!(
        run.stderr.contains(&format!("flutter: {n} spans generated, {n} delivered, 0 rejected, 0 lost")),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains(&format!("sending spans to {}/v1/traces", receiver.endpoint())), "{}", run.stderr);
    let requests = receiver.requests();
    let traces: Vec<_> = requests.iter().filter(|r| r.path == "/v1/traces").collect();
    assert!(traces.iter().all(|r| r.header("content-encoding") == Some("gzip")));
    // --fast fills requests up to maxPointsPerRequest (8192) spans.
    assert_eq!(traces.len(), n.div_ceil(8192).max(1), "{} spans", n);
    assert!(requests.iter().any(|r| r.path == "/v1/metrics"));
    // Resources are grouped per request, so the order is compared by ID.
    let got = by_id(decoded(&receiver));
    let want = comparable(want);
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(&want) {
        assert_eq!(g, w);
    }
    // The set did its work: three frontends, and payments.
    let services: std::collections::BTreeSet<String> =
        got.iter().flat_map(|s| s.resource.iter().map(|kv| format!("{}={:?}", kv.key, kv.value))).collect();
    assert_eq!(services.len(), 5, "{services:?}");
    assert!(got.iter().any(|s| s.error.is_some() && !s.exception), "a propagated error");
}

#[test]
fn the_signal_variables_name_full_urls_and_real_time_sends_each_tick() {
    let receiver = Receiver::start(vec![]);
    let dir = TempDir::new("traces-env");
    let file = dir.write(
        "t.yaml",
        "duration: 3s\nscript:\n  - {type: trace, name: t, spec: {rate: 50, root: {name: x}}}\n  - {type: log, name: l, \
         spec: {rate: 50, body: hi}}\n",
    );
    let run: Run = flutter_cmd(&[&file])
        .env("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", format!("{}/m", receiver.endpoint()))
        .env("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", format!("{}/custom/spans", receiver.endpoint()))
        .env("OTEL_EXPORTER_OTLP_LOGS_ENDPOINT", format!("{}/custom/records", receiver.endpoint()))
        .output()
        .unwrap()
        .into();
    let run = run.ok();
    let paths: Vec<String> = receiver.requests().iter().map(|r| r.path.clone()).collect();
    // Three seconds of traces and records (ticks 0, 1, 2), a request each a
    // second; the last tick's second is past the end.
    assert_eq!(paths.iter().filter(|p| *p == "/custom/spans").count(), 3, "{paths:?}\n{}", run.stderr);
    assert_eq!(paths.iter().filter(|p| *p == "/custom/records").count(), 3, "{paths:?}\n{}", run.stderr);
    assert!(paths.iter().all(|p| ["/custom/spans", "/custom/records", "/m"].contains(&p.as_str())), "{paths:?}");
}

#[test]
fn a_dry_run_prints_a_line_per_span_and_record() {
    let file = crate::util::sample("sample-logs.yaml");
    let sink = simulated(&[PathBuf::from(&file)], 3);
    let run = crate::util::flutter(&["--fast", "--seed", "3", &file]).ok();
    let lines = |kind: &str| run.stdout.lines().filter(|l| l.contains(kind)).count();
    assert_eq!((lines(" Span Emit "), lines(" Log Emit ")), (sink.all_spans().len(), sink.all_logs().len()));
    let first = sink.all_logs().iter().find(|r| r.log == "payments").unwrap();
    let line = format!("log=payments severity={} body=\"{}\"", first.severity.name(), first.body);
    assert!(run.stdout.contains(&line), "{line}");
    let summary = format!("{} spans and {} log records over 10m0s", sink.all_spans().len(), sink.all_logs().len());
    assert!(run.stderr.contains(&summary), "{}", run.stderr);
}

#[test]
fn remote_write_and_a_metrics_only_url_count_spans_as_lost() {
    let receiver = Receiver::start(vec![]);
    let dir = TempDir::new("traces-lost");
    let file = dir.write(
        "t.yaml",
        "duration: 2s\nseed: 1\nscript:\n  - {type: trace, name: t, spec: {rate: 20, root: {name: x}}}\n",
    );
    let want = expected(&[PathBuf::from(&file)], 1).len();
    let url = format!("{}/api/v1/write", receiver.endpoint());
    let rw: Run = flutter_cmd(&["--fast", "--seed", "1", "--remote-write", &url, &file]).output().unwrap().into();
    assert_eq!(rw.code, Some(1), "{}", rw.stderr);
    assert!(rw.stderr.contains("remote write carries metrics only"), "{}", rw.stderr);
    assert!(
        rw.stderr.contains(&format!("{want} spans generated, 0 delivered, 0 rejected, {want} lost")),
        "{}",
        rw.stderr
    );
    let only: Run = flutter_cmd(&["--fast", "--seed", "1", &file])
        .env("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", format!("{}/v1/metrics", receiver.endpoint()))
        .output()
        .unwrap()
        .into();
    assert_eq!(only.code, Some(1), "{}", only.stderr);
    assert!(only.stderr.contains("nothing names where spans go"), "{}", only.stderr);
    assert!(only.stderr.contains(&format!("{want} lost")), "{}", only.stderr);
    assert!(receiver.requests().iter().all(|r| !r.path.contains("traces")));
}

/// A running Phoenix with a scratch working directory; killed when dropped.
struct Phoenix {
    child: Child,
    port: u16,
    _dir: TempDir,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl Phoenix {
    fn start() -> Phoenix {
        let binary = test_dep("phoenix-20.26.1/bin/phoenix");
        assert!(binary.exists(), "{} is missing: run `bash scripts/provision-test-deps`", binary.display());
        let (port, grpc_port) = (free_port(), free_port());
        let dir = TempDir::new("phoenix");
        let child = Command::new(&binary)
            .arg("serve")
            .env("PHOENIX_WORKING_DIR", dir.path())
            .env("PHOENIX_HOST", "127.0.0.1")
            .env("PHOENIX_PORT", port.to_string())
            .env("PHOENIX_GRPC_PORT", grpc_port.to_string())
            .env("PHOENIX_TELEMETRY_ENABLED", "false")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start phoenix");
        let phoenix = Phoenix { child, port, _dir: dir };
        let started = Instant::now();
        while http_get(port, "/healthz").is_none() {
            assert!(started.elapsed() < Duration::from_secs(120), "Phoenix did not start");
            std::thread::sleep(Duration::from_millis(200));
        }
        phoenix
    }

    fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Every span of the default project, through the span API's pages.
    fn spans(&self) -> Vec<serde_json::Value> {
        let mut out = Vec::new();
        let mut cursor = String::new();
        loop {
            let path = format!("/v1/projects/default/spans?limit=1000{cursor}");
            let page: serde_json::Value = serde_json::from_str(&http_get(self.port, &path).expect("span API")).unwrap();
            out.extend(page["data"].as_array().unwrap().iter().cloned());
            match page["next_cursor"].as_str() {
                Some(next) => cursor = format!("&cursor={next}"),
                None => return out,
            }
        }
    }

    /// The spans once `count` are stored (or 60 s have passed).
    fn stored(&self, count: usize) -> Vec<serde_json::Value> {
        let started = Instant::now();
        loop {
            let spans = self.spans();
            if spans.len() >= count || started.elapsed() > Duration::from_secs(60) {
                return spans;
            }
            std::thread::sleep(Duration::from_millis(500));
        }
    }
}

impl Drop for Phoenix {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A span as Phoenix's API shows it: IDs in hex, times in microseconds.
type StoredSpan =
    (String, String, Option<String>, String, i64, i64, String, String, BTreeMap<String, String>, Vec<String>);

fn stored_span(v: &serde_json::Value) -> StoredSpan {
    let micros = |key: &str| {
        let text = v[key].as_str().unwrap();
        flutter::Timestamp::parse_rfc3339(text).unwrap_or_else(|e| panic!("{text}: {e}")).unix_nanos() / 1000
    };
    let attributes = flat(&v["attributes"], "");
    let events = v["events"].as_array().unwrap().iter().map(|e| e["name"].as_str().unwrap().to_owned()).collect();
    (
        v["context"]["trace_id"].as_str().unwrap().to_owned(),
        v["context"]["span_id"].as_str().unwrap().to_owned(),
        v["parent_id"].as_str().map(str::to_owned),
        v["name"].as_str().unwrap().to_owned(),
        micros("start_time"),
        micros("end_time"),
        v["status_code"].as_str().unwrap().to_owned(),
        v["status_message"].as_str().unwrap_or_default().to_owned(),
        attributes,
        events,
    )
}

/// Phoenix nests dotted keys (`http.route` → `{http: {route}}`): flattened back.
fn flat(v: &serde_json::Value, prefix: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (k, v) in v.as_object().into_iter().flatten() {
        let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
        match v {
            serde_json::Value::Object(_) => out.extend(flat(v, &key)),
            other => {
                out.insert(key, other.to_string());
            }
        }
    }
    out
}

fn expected_stored(s: &RecordedSpan) -> StoredSpan {
    let attributes = s
        .attributes
        .iter()
        .map(|kv| {
            let v = match &kv.value {
                AttrValue::Str(t) => serde_json::Value::from(t.to_string()),
                AttrValue::Bool(b) => (*b).into(),
                AttrValue::Int(i) => (*i).into(),
                AttrValue::Double(d) => (*d).into(),
                other => panic!("{other:?}"),
            };
            (kv.key.to_string(), v.to_string())
        })
        .collect();
    (
        hex(&s.trace_id),
        hex(&s.span_id),
        s.parent_span_id.map(|p| hex(&p)),
        s.name.clone(),
        s.start_unix_nanos / 1000,
        s.end_unix_nanos / 1000,
        if s.error.is_some() { "ERROR" } else { "UNSET" }.to_owned(),
        s.error.clone().unwrap_or_default(),
        attributes,
        if s.exception { vec!["exception".to_owned()] } else { vec![] },
    )
}

/// Phoenix holds exactly the spans the engine made, sent by `cmd` (to an
/// endpoint that reaches it).
fn assert_stored(phoenix: &Phoenix, want: &[RecordedSpan], run: Run) {
    let run = run.ok();
    let n = want.len();
    assert!(run.stderr.contains(&format!("{n} spans generated, {n} delivered, 0 rejected, 0 lost")), "{}", run.stderr);
    let mut got: Vec<StoredSpan> = phoenix.stored(n).iter().map(stored_span).collect();
    let mut want: Vec<StoredSpan> = want.iter().map(expected_stored).collect();
    got.sort();
    want.sort();
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter_mut().zip(&want) {
        // Phoenix turns nanoseconds into a float of seconds on the way in:
        // its microseconds may be one off.
        for (t, want) in [(&mut g.4, w.4), (&mut g.5, w.5)] {
            if (*t - want).abs() <= 1 {
                *t = want;
            }
        }
        assert_eq!(g, w);
    }
}

#[test]
fn phoenix_stores_exactly_the_spans_generated_over_http_and_through_rotel_over_grpc() {
    let dir = TempDir::new("traces-phoenix");
    let file = PathBuf::from(dir.write("traces.yaml", SCENARIO));
    let file_arg = file.display().to_string();
    {
        let phoenix = Phoenix::start();
        let want = expected(std::slice::from_ref(&file), 11);
        let run = flutter_cmd(&["--fast", "--seed", "11", "--endpoint", &phoenix.endpoint(), &file_arg]);
        assert_stored(&phoenix, &want, run_of(run));
    }
    // gRPC into rotel, which forwards to Phoenix over OTLP/HTTP.
    let phoenix = Phoenix::start();
    let rotel = Rotel::start(&phoenix.endpoint());
    let want = expected(std::slice::from_ref(&file), 12);
    let mut cmd = flutter_cmd(&["--fast", "--seed", "12", &file_arg]);
    cmd.env("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc").env("OTEL_EXPORTER_OTLP_ENDPOINT", rotel.grpc_endpoint());
    assert_stored(&phoenix, &want, run_of(cmd));
}

fn run_of(mut cmd: Command) -> Run {
    cmd.output().unwrap().into()
}

#[test]
fn traces_logs_and_metrics_through_rotel_arrive_as_generated() {
    let receiver = Receiver::start(vec![]);
    let rotel = Rotel::start(&receiver.endpoint());
    let dir = TempDir::new("signals-rotel");
    let file = PathBuf::from(dir.write("all.yaml", &format!("{SCENARIO}{METRIC}{LOG}")));
    let sink = simulated(std::slice::from_ref(&file), 21);
    let (spans, records, points) = (sink.all_spans().len(), sink.all_logs().len(), sink.points().len());
    assert!(spans > 1000 && records > 300 && points > 0, "{spans} {records} {points}");
    let run: Run =
        flutter_cmd(&["--fast", "--seed", "21", "--endpoint", &rotel.http_endpoint(), &file.display().to_string()])
            .output()
            .unwrap()
            .into();
    let run = run.ok();
    for (n, noun) in [(points, "points"), (spans, "spans"), (records, "log records")] {
        assert!(
            run.stderr.contains(&format!("{n} {noun} generated, {n} delivered, 0 rejected, 0 lost")),
            "{}",
            run.stderr
        );
    }
    // What rotel forwards, once all of it has come.
    let started = Instant::now();
    let (mut got_spans, mut got_logs) = (Vec::new(), Vec::new());
    while started.elapsed() < Duration::from_secs(30) {
        (got_spans, got_logs) = (decoded(&receiver), decoded_logs(&receiver));
        if got_spans.len() >= spans && got_logs.len() >= records {
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let (got_spans, want_spans) = (by_id(got_spans), comparable(sink.all_spans().to_vec()));
    assert_eq!(got_spans.len(), want_spans.len());
    for (g, w) in got_spans.iter().zip(&want_spans) {
        assert_eq!(g, w);
    }
    let (got_logs, want_logs) = (by_time(got_logs), by_time(sink.all_logs().to_vec()));
    assert_eq!(got_logs.len(), want_logs.len());
    for (g, w) in got_logs.iter().zip(&want_logs) {
        assert_eq!(g, w);
    }
    assert!(want_logs.iter().any(|r| r.body.starts_with("user u") && r.body.ends_with(" waited 3 s")));
    let forwarded: usize = receiver.requests().iter().filter(|r| r.path == "/v1/metrics").map(|r| r.points()).sum();
    assert_eq!(forwarded, points);
}

#[test]
fn requests_of_spans_and_records_hold_at_most_max_points_per_request() {
    let receiver = Receiver::start(vec![]);
    let dir = TempDir::new("signals-max");
    let overlay = format!("otlpDestination: {{endpoint: '{}', maxPointsPerRequest: 100}}\n", receiver.endpoint());
    let file = PathBuf::from(dir.write("all.yaml", &format!("{overlay}{SCENARIO}{LOG}")));
    let sink = simulated(std::slice::from_ref(&file), 8);
    let (spans, records) = (sink.all_spans().len(), sink.all_logs().len());
    let run: Run = flutter_cmd(&["--fast", "--seed", "8", &file.display().to_string()]).output().unwrap().into();
    run.ok();
    let requests = receiver.requests();
    let sizes = |path: &str, count: &dyn Fn(&crate::receiver::Received) -> usize| -> Vec<usize> {
        requests.iter().filter(|r| r.path == path).map(count).collect()
    };
    let span_sizes = sizes("/v1/traces", &|r| {
        r.decode_traces().resource_spans.iter().flat_map(|rs| &rs.scope_spans).map(|ss| ss.spans.len()).sum()
    });
    let log_sizes = sizes("/v1/logs", &|r| {
        r.decode_logs().resource_logs.iter().flat_map(|rl| &rl.scope_logs).map(|sl| sl.log_records.len()).sum()
    });
    // Full requests of 100 across ticks, then the rest.
    assert_eq!(span_sizes.len(), spans.div_ceil(100));
    assert!(span_sizes.iter().all(|&n| n <= 100) && span_sizes.iter().sum::<usize>() == spans, "{span_sizes:?}");
    assert_eq!(log_sizes.len(), records.div_ceil(100));
    assert!(log_sizes.iter().all(|&n| n <= 100) && log_sizes.iter().sum::<usize>() == records, "{log_sizes:?}");
}

#[test]
fn check_lists_traces_and_logs_and_where_they_would_go() {
    let logs = crate::util::sample("sample-logs.yaml");
    let run = crate::util::flutter(&["--check", "--endpoint", "http://collector:4318", &logs]).ok();
    for line in [
        "\ntrace checkout: 2 traces/s, up to 2 spans each\n",
        "\nlog payments: 5 records/s\n",
        "\nspans: OTLP to http://collector:4318/v1/traces\n",
        "\nlog records: OTLP to http://collector:4318/v1/logs\n",
    ] {
        assert!(run.stdout.contains(line), "{line:?} in\n{}", run.stdout);
    }
    // The traces sample has no records; remote write carries no spans.
    let traces = crate::util::sample("sample-traces.yaml");
    let run = crate::util::flutter(&["--check", "--remote-write", "http://tsdb:9090/api/v1/write", &traces]).ok();
    assert!(run.stdout.contains("\nspans: not sent (remote write carries metrics only)\n"), "{}", run.stdout);
    assert!(run.stdout.contains(", span metrics every 10s (their points are not in the count below)\n"));
    assert!(!run.stdout.contains("log records"), "{}", run.stdout);
}
