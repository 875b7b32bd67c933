//! OTLP delivery against a scripted receiver: retries, rejections, timeouts,
//! gzip, headers, one connection, real-time queueing, Ctrl-C.

use std::time::{Duration, Instant};

use opentelemetry_proto::tonic::collector::metrics::v1::{ExportMetricsPartialSuccess, ExportMetricsServiceResponse};
use prost::Message;

use crate::receiver::{Receiver, Reply};
use crate::util::{Run, TempDir, flutter_cmd, signalled};

/// Two metrics, one point each per second for 20 s: 40 points.
fn scenario(dir: &TempDir, endpoint: &str, otlp_extra: &str) -> String {
    let mut yaml = format!(
        "duration: 20s\nseed: 11\nwallclockStart: 2025-06-01T00:00:00Z\notlpDestination:\n  endpoint: {endpoint}\n"
    );
    for line in otlp_extra.lines().filter(|l| !l.trim().is_empty()) {
        yaml.push_str(&format!("  {line}\n"));
    }
    yaml.push_str(
        "script:\n  - {type: metricEmitter, name: w, spec: {type: randomWalk, stepSize: 1, variation: 5}}\n  \
         - {type: metric, name: g, spec: {type: gauge, frequency: 1s, emitters: [w], attributes: {datapoint: {k: v}}}}\n  \
         - {type: metric, name: c, spec: {type: counter, frequency: 1s, emitters: [w]}}\n",
    );
    dir.write("otlp.yaml", &yaml)
}

fn run(args: &[&str]) -> Run {
    flutter_cmd(args).output().expect("flutter-bin runs").into()
}

fn summary(run: &Run) -> &str {
    run.stderr.lines().find(|l| l.contains(" points generated, ")).unwrap_or_else(|| panic!("{}", run.stderr))
}

/// The summary line up to its elapsed time, which is the only part that varies.
fn summary_head(run: &Run) -> &str {
    let line = summary(run);
    &line[..line.rfind("; ").unwrap_or(line.len())]
}

/// Asserts the summary line up to its time: `counts` (points generated,
/// delivered, rejected, lost; requests and retries) then the bytes `rx` got.
fn assert_summary(run: &Run, rx: &Receiver, counts: &str) {
    assert_eq!(summary_head(run), format!("flutter: {counts}, {} bytes sent", bytes_received(rx)), "{}", run.stderr);
}

/// The bytes a receiver got, as the summary counts them.
fn bytes_received(rx: &Receiver) -> usize {
    rx.requests().iter().map(|r| r.raw.len()).sum()
}

#[test]
fn retries_503_twice_then_delivers() {
    let rx = Receiver::start(vec![Reply::status(503), Reply::status(503)]);
    let dir = TempDir::new("503");
    let cfg = scenario(&dir, &rx.endpoint(), "");
    let out = run(&["--fast", &cfg]).ok();
    assert_summary(&out, &rx, "40 points generated, 40 delivered, 0 rejected, 0 lost; 3 requests, 2 retries");
    let reqs = rx.requests();
    assert_eq!(reqs.len(), 3);
    assert!(reqs.iter().all(|r| r.body == reqs[0].body && r.path == "/v1/metrics"));
    assert_eq!(reqs[2].points(), 40);
    assert!(out.stderr.contains("delivery attempt 1 failed (HTTP 503: status 503 from the test receiver)"));
    assert!(out.stderr.contains("flutter: delivered after 2 failed attempts"));
}

#[test]
fn retry_after_is_respected() {
    let rx = Receiver::start(vec![Reply::Status(429, vec![("Retry-After", "1".into())], vec![])]);
    let dir = TempDir::new("429");
    run(&["--fast", &scenario(&dir, &rx.endpoint(), "")]).ok();
    let reqs = rx.requests();
    assert_eq!(reqs.len(), 2);
    let gap = reqs[1].at - reqs[0].at;
    assert!(gap >= Duration::from_secs(1) && gap < Duration::from_millis(1900), "waited {gap:?}");
}

#[test]
fn bad_request_is_rejected_reported_once_and_exits_1() {
    let rx = Receiver::start(vec![Reply::status(400), Reply::status(400)]);
    let dir = TempDir::new("400");
    let out = run(&["--fast", &scenario(&dir, &rx.endpoint(), "maxPointsPerRequest: 10")]);
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    assert_summary(&out, &rx, "40 points generated, 20 delivered, 20 rejected, 0 lost; 4 requests, 0 retries");
    let reports: Vec<&str> = out.stderr.lines().filter(|l| l.contains("rejected 10 points with HTTP 400")).collect();
    assert_eq!(reports, ["flutter: the receiver rejected 10 points with HTTP 400: status 400 from the test receiver"]);
    assert_eq!(rx.requests().len(), 4, "rejected requests are not retried");
}

#[test]
fn refused_connection_is_retried_until_the_receiver_starts() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let dir = TempDir::new("refused");
    let cfg = scenario(&dir, &format!("http://{addr}"), "");
    let mut cmd = flutter_cmd(&["--fast", &cfg]);
    let child = cmd.stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped()).spawn().unwrap();
    std::thread::sleep(Duration::from_millis(1200));
    let rx = Receiver::start_on(std::net::TcpListener::bind(addr).expect("rebind the port"), vec![]);
    let out: Run = child.wait_with_output().unwrap().into();
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert!(summary(&out).starts_with("flutter: 40 points generated, 40 delivered, 0 rejected, 0 lost;"));
    assert!(out.stderr.contains("delivery attempt 1 failed (connection failed"), "{}", out.stderr);
    assert_eq!(rx.requests().len(), 1);
}

#[test]
fn a_stalled_receiver_times_out_and_the_request_is_retried() {
    let rx = Receiver::start(vec![Reply::Stall(Duration::from_secs(4))]);
    let dir = TempDir::new("stall");
    let out = run(&["--fast", &scenario(&dir, &rx.endpoint(), "timeout: 1s")]).ok();
    let reqs = rx.requests();
    assert_eq!(reqs.len(), 2);
    let gap = reqs[1].at - reqs[0].at;
    assert!(gap >= Duration::from_secs(1) && gap < Duration::from_millis(2500), "retried after {gap:?}");
    assert!(out.stderr.contains("(no answer within 1s)"), "{}", out.stderr);
    assert_summary(&out, &rx, "40 points generated, 40 delivered, 0 rejected, 0 lost; 2 requests, 1 retry");
}

#[test]
fn gzip_bodies_decode_to_the_same_request() {
    let dir = TempDir::new("gzip");
    let plain = Receiver::start(vec![]);
    run(&["--fast", &scenario(&dir, &plain.endpoint(), "")]).ok();
    let zipped = Receiver::start(vec![]);
    let out = run(&["--fast", &scenario(&dir, &zipped.endpoint(), "compression: gzip")]).ok();
    let (p, z) = (&plain.requests()[0], &zipped.requests()[0]);
    assert_eq!(p.header("content-encoding"), None);
    assert_eq!(z.header("content-encoding"), Some("gzip"));
    assert_eq!(z.body, p.body);
    assert!(z.raw.len() < p.raw.len() / 2, "{} vs {}", z.raw.len(), p.raw.len());
    assert_eq!(
        summary_head(&out),
        format!(
            "flutter: 40 points generated, 40 delivered, 0 rejected, 0 lost; 1 request, 0 retries, {} bytes sent",
            z.raw.len()
        )
    );
}

#[test]
fn many_requests_share_one_connection() {
    let rx = Receiver::start(vec![]);
    let dir = TempDir::new("keepalive");
    let out = run(&["--fast", &scenario(&dir, &rx.endpoint(), "maxPointsPerRequest: 5")]).ok();
    assert_eq!(rx.requests().len(), 8);
    assert!(rx.requests().iter().all(|r| r.points() == 5));
    assert_eq!(rx.connections(), 1);
    assert_summary(&out, &rx, "40 points generated, 40 delivered, 0 rejected, 0 lost; 8 requests, 0 retries");
}

#[test]
fn headers_are_sent_as_configured_and_never_printed() {
    let rx = Receiver::start(vec![]);
    let dir = TempDir::new("headers");
    let cfg = scenario(
        &dir,
        &rx.endpoint(),
        "headers:\n  authorization: \"Bearer ${FLUTTER_TEST_TOKEN}\"\n  x-scope: tenant-1",
    );
    let out: Run = flutter_cmd(&["--fast", &cfg])
        .env("FLUTTER_TEST_TOKEN", "s3cr3t-value")
        .env("OTEL_EXPORTER_OTLP_HEADERS", "x-from-env=yes%21,x-scope=env")
        .output()
        .unwrap()
        .into();
    let out = out.ok();
    let req = &rx.requests()[0];
    assert_eq!(req.header("authorization"), Some("Bearer s3cr3t-value"));
    assert_eq!(req.header("x-scope"), Some("tenant-1"));
    assert_eq!(req.header("x-from-env"), Some("yes!"));
    assert_eq!(req.header("content-type"), Some("application/x-protobuf"));
    assert!(!out.stderr.contains("s3cr3t") && !out.stdout.contains("s3cr3t"));
}

#[test]
fn an_unset_header_variable_stops_the_run_before_any_point() {
    let rx = Receiver::start(vec![]);
    let dir = TempDir::new("unset");
    let cfg = scenario(&dir, &rx.endpoint(), "headers:\n  authorization: \"Bearer ${FLUTTER_TEST_UNSET_XYZ}\"");
    let out = run(&["--fast", &cfg]);
    assert_eq!(out.code, Some(2));
    assert!(
        out.stderr.contains("error: header `authorization`: environment variable `FLUTTER_TEST_UNSET_XYZ` is not set"),
        "{}",
        out.stderr
    );
    assert!(out.stdout.is_empty());
    assert!(rx.requests().is_empty());
}

#[test]
fn partial_success_is_reported_and_counted() {
    let answer = ExportMetricsServiceResponse {
        partial_success: Some(ExportMetricsPartialSuccess { rejected_data_points: 3, error_message: "too old".into() }),
    };
    let rx = Receiver::start(vec![Reply::Status(200, vec![], answer.encode_to_vec())]);
    let dir = TempDir::new("partial");
    let out = run(&["--fast", &scenario(&dir, &rx.endpoint(), "")]);
    assert_eq!(out.code, Some(1));
    assert!(out.stderr.contains("flutter: the receiver refused 3 points of a request: too old"), "{}", out.stderr);
    assert_summary(&out, &rx, "40 points generated, 37 delivered, 3 rejected, 0 lost; 1 request, 0 retries");
}

#[test]
fn a_fast_run_fails_when_the_retry_budget_runs_out() {
    let rx = Receiver::start(vec![Reply::status(503); 100]);
    let dir = TempDir::new("budget");
    let started = Instant::now();
    let out = run(&["--fast", &scenario(&dir, &rx.endpoint(), "retryBudget: 1s\nmaxPointsPerRequest: 10")]);
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(out.code, Some(1));
    assert!(out.stderr.contains("flutter: delivery failed: gave up after"), "{}", out.stderr);
    assert!(out.stderr.contains("flutter: run failed: OTLP delivery failed"));
    // Every generated point is accounted for.
    let s = summary(&out);
    let n = |label: &str| -> u64 {
        let at = s.find(label).unwrap();
        s[..at].trim_end().rsplit([' ', ',']).next().unwrap().parse().unwrap()
    };
    let generated = n(" points generated");
    assert!(generated > 0 && n(" lost") > 0);
    assert_eq!(generated, n(" delivered") + n(" rejected") + n(" lost"), "{s}");
}

#[test]
fn real_time_queue_drops_the_oldest_data_and_the_schedule_holds() {
    let rx = Receiver::start(vec![Reply::status(503); 1000]);
    let dir = TempDir::new("overflow");
    let yaml = "duration: 5s\nseed: 1\notlpDestination:\n  endpoint: ENDPOINT\n  queueDuration: 2s\n  flushTimeout: 1s\n\
                script:\n  - {type: metricEmitter, name: c, spec: {type: constant, value: 1}}\n  \
                - {type: metric, name: g, spec: {type: gauge, frequency: 1s, emitters: [c]}}\n";
    let cfg = dir.write("rt.yaml", &yaml.replace("ENDPOINT", &rx.endpoint()));
    let started = Instant::now();
    let out = run(&[&cfg]);
    let took = started.elapsed();
    assert_eq!(out.code, Some(1));
    assert!(took >= Duration::from_secs(5) && took < Duration::from_millis(7500), "took {took:?}");
    assert!(
        out.stderr.contains("1 point lost: older than the queue allows (2s of data) while the receiver was behind"),
        "{}",
        out.stderr
    );
    let drop_lines = out.stderr.lines().filter(|l| l.contains(" lost: ")).count();
    assert!(drop_lines <= 2, "one line per cause:\n{}", out.stderr);
    assert!(summary(&out).starts_with("flutter: 5 points generated, 0 delivered, 0 rejected, 5 lost;"));
}

#[test]
fn real_time_retries_do_not_shift_the_schedule() {
    let rx = Receiver::start(vec![Reply::Status(503, vec![("Retry-After", "2".into())], vec![])]);
    let dir = TempDir::new("rt-retry");
    let yaml = "duration: 5s\nseed: 1\nwallclockStart: 2025-01-01T00:00:00Z\notlpDestination: {endpoint: ENDPOINT}\n\
                script:\n  - {type: metricEmitter, name: c, spec: {type: constant, value: 1}}\n  \
                - {type: metric, name: g, spec: {type: gauge, frequency: 1s, emitters: [c]}}\n";
    let cfg = dir.write("rt.yaml", &yaml.replace("ENDPOINT", &rx.endpoint()));
    let started = Instant::now();
    let out = run(&[&cfg]).ok();
    assert!(started.elapsed() < Duration::from_millis(5600), "took {:?}", started.elapsed());
    assert_summary(&out, &rx, "5 points generated, 5 delivered, 0 rejected, 0 lost; 6 requests, 1 retry");
    // The tick-5 request leaves on time although tick 1's waited 2 s.
    let reqs = rx.requests();
    let last = reqs.last().unwrap();
    let since_start = last.at.duration_since(started);
    assert!(since_start >= Duration::from_millis(4900) && since_start < Duration::from_millis(5400), "{since_start:?}");
    let times: Vec<u64> = reqs
        .iter()
        .skip(1)
        .flat_map(|r| {
            use opentelemetry_proto::tonic::metrics::v1::metric::Data;
            let req = r.decode();
            let m = &req.resource_metrics[0].scope_metrics[0].metrics[0];
            match &m.data {
                Some(Data::Gauge(g)) => g.data_points.iter().map(|p| p.time_unix_nano).collect::<Vec<_>>(),
                _ => vec![],
            }
        })
        .collect();
    let t0 = 1_735_689_600_000_000_000u64;
    assert_eq!(times, (1..=5).map(|s| t0 + s * 1_000_000_000).collect::<Vec<_>>());
}

/// Starts a one-minute real-time run against `rx` and sends it `signals`
/// after 2.5 s; returns the finished run and how long it took to stop.
fn signalled_run(rx: &Receiver, name: &str, signals: &[&str]) -> (Run, Duration) {
    let dir = TempDir::new(name);
    let yaml = "duration: 1m\nseed: 1\notlpDestination: {endpoint: ENDPOINT}\n\
                script:\n  - {type: metricEmitter, name: c, spec: {type: constant, value: 1}}\n  \
                - {type: metric, name: g, spec: {type: gauge, frequency: 1s, emitters: [c]}}\n";
    let cfg = dir.write("long.yaml", &yaml.replace("ENDPOINT", &rx.endpoint()));
    signalled(flutter_cmd(&[&cfg]), Duration::from_millis(2500), signals)
}

#[test]
fn a_signal_flushes_what_was_generated_and_exits_as_the_shell_reports_it() {
    for (signal, code) in [("INT", 130), ("TERM", 143), ("HUP", 129)] {
        let rx = Receiver::start(vec![]);
        let (out, took) = signalled_run(&rx, signal, &[signal]);
        assert!(took < Duration::from_secs(2), "SIG{signal}: stopped in {took:?}");
        assert_eq!(out.code, Some(code), "SIG{signal}: {}", out.stderr);
        let announced = format!(
            "flutter: SIG{signal}: stopping; what was generated gets at most 30s to be delivered (flushTimeout); \
             a second signal stops at once"
        );
        assert!(out.stderr.lines().any(|l| l == announced), "{}", out.stderr);
        assert!(out.stderr.lines().any(|l| l == format!("flutter: interrupted by SIG{signal}")), "{}", out.stderr);
        assert_eq!(
            summary_head(&out),
            format!(
                "flutter: 2 points generated, 2 delivered, 0 rejected, 0 lost; 2 requests, 0 retries, {} bytes sent",
                bytes_received(&rx)
            ),
            "SIG{signal}"
        );
        assert_eq!(rx.requests().len(), 2);
    }
}

#[test]
fn a_second_signal_stops_at_once() {
    // The receiver takes the first request, then never answers: the flush would wait 30 s.
    let rx = Receiver::start(vec![Reply::ok(), Reply::Stall(Duration::from_secs(60))]);
    let (out, took) = signalled_run(&rx, "twice", &["TERM", "TERM"]);
    assert!(took < Duration::from_secs(3), "stopped in {took:?}");
    assert_eq!(out.code, Some(143), "{}", out.stderr);
    assert!(!out.stderr.contains(" points generated, "), "no summary after the second signal: {}", out.stderr);
}

#[test]
fn the_environment_and_the_flag_give_the_endpoint() {
    let rx = Receiver::start(vec![]);
    let dir = TempDir::new("env");
    let yaml = "duration: 10s\nseed: 1\nscript:\n  - {type: metricEmitter, name: c, spec: {type: constant, value: 1}}\n  \
                - {type: metric, name: g, spec: {type: gauge, emitters: [c]}}\n";
    let cfg = dir.write("noendpoint.yaml", yaml);
    let out: Run = flutter_cmd(&["--fast", &cfg])
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", format!("{}/otlp/", rx.endpoint()))
        .output()
        .unwrap()
        .into();
    let out = out.ok();
    assert!(out.stderr.contains("/otlp/v1/metrics (from OTEL_EXPORTER_OTLP_ENDPOINT)"), "{}", out.stderr);
    assert_eq!(rx.requests()[0].path, "/otlp/v1/metrics");
    assert!(out.stdout.is_empty(), "points are not printed when they are sent");

    let other = Receiver::start(vec![]);
    let cfg = scenario(&dir, "http://127.0.0.1:9", "");
    let out = run(&["--fast", "--print", "--endpoint", &other.endpoint(), &cfg]).ok();
    assert_eq!(other.requests().len(), 1);
    assert_eq!(out.points().len(), 40, "--print prints the points too");
}

#[test]
fn a_dry_run_sends_nothing() {
    let rx = Receiver::start(vec![]);
    let dir = TempDir::new("dry");
    let out = run(&["--dryrun", &scenario(&dir, &rx.endpoint(), "")]).ok();
    assert_eq!(out.points().len(), 40);
    assert!(rx.requests().is_empty());
}

#[test]
fn a_redirect_is_a_rejection_that_names_where_it_points() {
    for status in [301, 302, 307, 308] {
        let location = ("Location", "http://user:pa55@elsewhere:4318/v1/metrics".to_owned());
        let rx = Receiver::start(vec![Reply::Status(status, vec![location], vec![])]);
        let dir = TempDir::new("redirect");
        let out = run(&["--fast", &scenario(&dir, &rx.endpoint(), "")]);
        assert_eq!(out.code, Some(1), "{}", out.stderr);
        assert_eq!(rx.requests().len(), 1, "a redirect is not followed, by a POST or a GET");
        let expected = format!(
            "flutter: the receiver rejected 40 points with HTTP {status}: a redirect to \
             http://***@elsewhere:4318/v1/metrics; flutter does not follow redirects with a POST (the points would \
             not arrive): set the endpoint to the address it redirects to"
        );
        assert!(out.stderr.lines().any(|l| l == expected), "{}", out.stderr);
        assert!(!out.stderr.contains("pa55"));
        assert_summary(&out, &rx, "40 points generated, 0 delivered, 40 rejected, 0 lost; 1 request, 0 retries");
    }
}

#[test]
fn a_408_is_retried() {
    let rx = Receiver::start(vec![Reply::status(408)]);
    let dir = TempDir::new("408");
    let out = run(&["--fast", &scenario(&dir, &rx.endpoint(), "")]).ok();
    assert_summary(&out, &rx, "40 points generated, 40 delivered, 0 rejected, 0 lost; 2 requests, 1 retry");
}

#[test]
fn a_host_that_does_not_exist_fails_at_once() {
    let dir = TempDir::new("dns");
    let started = Instant::now();
    let out = run(&["--fast", &scenario(&dir, "http://no-such-host.invalid:4318", "")]);
    assert!(started.elapsed() < Duration::from_secs(20), "not retried for the 5-minute budget");
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    assert!(
        out.stderr.contains(
            "flutter: delivery failed: the host of http://no-such-host.invalid:4318/v1/metrics does not exist \
             (DNS): check the endpoint's host name"
        ),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("retrying"), "{}", out.stderr);
    assert!(
        summary(&out)
            .starts_with("flutter: 40 points generated, 0 delivered, 0 rejected, 40 lost; 1 request, 0 retries")
    );
}

#[test]
fn https_to_a_plain_http_port_fails_at_once() {
    // What an HTTP server answers to a TLS ClientHello: a plain-text 400.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            use std::io::Write;
            let Ok(mut stream) = stream else { continue };
            let _ = stream.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        }
    });
    let dir = TempDir::new("https-to-http");
    let started = Instant::now();
    let out = run(&["--fast", &scenario(&dir, &format!("https://{addr}"), "")]);
    assert!(started.elapsed() < Duration::from_secs(20), "not retried for the 5-minute budget");
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    let failed = out
        .stderr
        .lines()
        .find(|l| l.starts_with("flutter: delivery failed: "))
        .unwrap_or_else(|| panic!("{}", out.stderr));
    assert!(failed.starts_with("flutter: delivery failed: TLS handshake failed ("), "{failed}");
    assert!(failed.ends_with("): is the endpoint a plain http:// port? Then write http://, not https://"), "{failed}");
    assert!(
        summary(&out)
            .starts_with("flutter: 40 points generated, 0 delivered, 0 rejected, 40 lost; 1 request, 0 retries")
    );
}

#[test]
fn a_retry_after_beyond_the_budget_says_so() {
    let rx = Receiver::start(vec![Reply::Status(503, vec![("Retry-After", "30".into())], b"busy".to_vec())]);
    let dir = TempDir::new("retry-after-budget");
    let started = Instant::now();
    let out = run(&["--fast", &scenario(&dir, &rx.endpoint(), "retryBudget: 2s")]);
    assert!(started.elapsed() < Duration::from_secs(10), "it does not wait for what it will not use");
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    assert!(
        out.stderr.lines().any(|l| l
            == "flutter: delivery failed: HTTP 503: busy, and the receiver asks to wait 30.0s (Retry-After), \
                longer than the 2.0s left of the retry budget (2s); gave up after 1 attempt"),
        "{}",
        out.stderr
    );
    assert_summary(&out, &rx, "40 points generated, 0 delivered, 0 rejected, 40 lost; 1 request, 0 retries");
}

#[test]
fn a_header_variable_with_a_line_break_stops_the_run_before_any_point() {
    let rx = Receiver::start(vec![]);
    let dir = TempDir::new("header-crlf");
    let cfg = scenario(&dir, &rx.endpoint(), "headers:\n  authorization: \"Bearer ${FLUTTER_TEST_TOKEN}\"");
    let out: Run =
        flutter_cmd(&["--fast", &cfg]).env("FLUTTER_TEST_TOKEN", "t0ken\r\nX-Injected: 1").output().unwrap().into();
    assert_eq!(out.code, Some(2), "{}", out.stderr);
    assert_eq!(
        out.stderr,
        "error: header `authorization`: environment variable `FLUTTER_TEST_TOKEN` holds a line break or another \
         character a header value cannot carry (its value is not shown)\nflutter: nothing was run\n"
    );
    assert!(out.stdout.is_empty());
    assert!(rx.requests().is_empty());
}

#[test]
fn a_protocol_flutter_does_not_speak_is_an_error() {
    let rx = Receiver::start(vec![]);
    let dir = TempDir::new("protocol");
    let cfg = scenario(&dir, &rx.endpoint(), "");
    for args in [&["--fast", &cfg][..], &["--check", &cfg][..]] {
        let out: Run = flutter_cmd(args).env("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json").output().unwrap().into();
        assert_eq!(out.code, Some(2), "{}", out.stderr);
        assert!(
            out.stderr.contains(
                "error: environment variable OTEL_EXPORTER_OTLP_PROTOCOL: `http/json` is not supported: flutter sends \
                 OTLP as `http/protobuf` or `grpc`"
            ),
            "{}",
            out.stderr
        );
    }
    assert!(rx.requests().is_empty());
}

#[test]
fn grpc_to_a_server_that_answers_http_1_stops_at_once_with_a_hint() {
    // An OTLP/HTTP port: whatever comes, an HTTP/1.1 answer.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            use std::io::Write;
            let _ = stream.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        }
    });
    let dir = TempDir::new("grpc-http1");
    let cfg = scenario(&dir, &format!("http://{addr}"), "");
    let started = Instant::now();
    let out: Run = flutter_cmd(&["--fast", &cfg]).env("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc").output().unwrap().into();
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    assert!(started.elapsed() < Duration::from_secs(5), "no retries");
    assert!(
        out.stderr
            .contains(&format!("flutter: delivery failed: http://{addr} does not answer in HTTP/2, which gRPC needs"))
            && out.stderr.contains("it may be an OTLP/HTTP port (usually 4318, where gRPC is usually 4317)"),
        "{}",
        out.stderr
    );
    assert!(
        summary(&out).starts_with("flutter: 40 points generated, 0 delivered, 0 rejected, 40 lost"),
        "{}",
        out.stderr
    );
}

#[test]
fn credentials_in_the_endpoint_are_sent_as_basic_auth_and_never_shown() {
    let rx = Receiver::start(vec![]);
    let dir = TempDir::new("userinfo");
    let endpoint = format!("http://us%40er:pa55@{}", rx.addr);
    let out = run(&["--fast", &scenario(&dir, &endpoint, "")]).ok();
    // base64("us@er:pa55")
    assert_eq!(rx.requests()[0].header("authorization"), Some("Basic dXNAZXI6cGE1NQ=="));
    assert_eq!(rx.requests()[0].path, "/v1/metrics");
    let sending = format!("flutter: sending to http://***@{}/v1/metrics (from otlpDestination.endpoint)", rx.addr);
    assert!(out.stderr.lines().any(|l| l == sending), "{}", out.stderr);
    assert!(!out.stderr.contains("pa55") && !out.stdout.contains("pa55"));
    let check = run(&["--check", &scenario(&dir, &endpoint, "")]).ok();
    assert!(check.stdout.contains(&format!("output: OTLP to http://***@{}/v1/metrics", rx.addr)), "{}", check.stdout);
    assert!(!check.stdout.contains("pa55"));
}

#[test]
fn the_endpoint_takes_a_variable_and_warns_when_it_would_be_doubled() {
    let rx = Receiver::start(vec![]);
    let dir = TempDir::new("endpoint-var");
    let cfg = scenario(&dir, "\"${FLUTTER_TEST_ENDPOINT}/v1/metrics\"", "");
    let out: Run = flutter_cmd(&["--fast", &cfg]).env("FLUTTER_TEST_ENDPOINT", rx.endpoint()).output().unwrap().into();
    let out = out.ok();
    let warning = format!(
        "flutter: warning: the endpoint from otlpDestination.endpoint already ends in /v1/metrics, and flutter \
         appends /v1/metrics to a base URL, so requests go to {}/v1/metrics/v1/metrics: give the base URL, or the \
         full URL in OTEL_EXPORTER_OTLP_METRICS_ENDPOINT",
        rx.endpoint()
    );
    assert!(out.stderr.lines().any(|l| l == warning), "{}", out.stderr);
    assert_eq!(rx.requests()[0].path, "/v1/metrics/v1/metrics");

    let unset = run(&["--fast", &cfg]);
    assert_eq!(unset.code, Some(2));
    assert_eq!(
        unset.stderr,
        "error: otlpDestination.endpoint: environment variable `FLUTTER_TEST_ENDPOINT` is not set\n\
         flutter: nothing was run\n"
    );
}

#[test]
fn a_bad_endpoint_flag_stops_before_any_point() {
    for (flag, why) in [
        ("http://127.0.0.1:99999", "is not a valid URL (invalid port number): `http://127.0.0.1:99999`"),
        ("http://[::1", "is not a valid URL (invalid IPv6 address): `http://[::1`"),
        ("http://", "has no host: `http://`"),
        ("http://h:4318/?x=1", "must not have a query (`?…`): `http://h:4318/?x=1`"),
    ] {
        let dir = TempDir::new("bad-flag");
        let out = run(&["--fast", "--endpoint", flag, &scenario(&dir, "http://127.0.0.1:9", "")]);
        assert_eq!(out.code, Some(2), "{flag}");
        assert_eq!(out.stderr, format!("error: --endpoint {why}\nflutter: nothing was run\n"));
    }
}

#[test]
fn a_dry_run_says_the_endpoint_flag_is_ignored() {
    let rx = Receiver::start(vec![]);
    let dir = TempDir::new("dry-endpoint");
    let out = run(&["--dryrun", "--endpoint", &rx.endpoint(), &scenario(&dir, &rx.endpoint(), "")]).ok();
    assert!(
        out.stderr
            .lines()
            .any(|l| l == "flutter: warning: --endpoint is ignored in a dry run: points are printed, not sent"),
        "{}",
        out.stderr
    );
    assert_eq!(out.points().len(), 40);
    assert!(rx.requests().is_empty());
}

#[test]
fn a_request_too_large_is_split_until_accepted() {
    // 40 points: refused; its first half (20) refused; 10, 10 and the second 20 accepted.
    let rx = Receiver::start(vec![Reply::status(413), Reply::status(413)]);
    let dir = TempDir::new("413");
    let out = run(&["--fast", &scenario(&dir, &rx.endpoint(), "")]).ok();
    let sizes: Vec<usize> = rx.requests().iter().map(|r| r.points()).collect();
    assert_eq!(sizes, [40, 20, 10, 10, 20]);
    // The accepted parts hold the refused request's points, in order.
    let parts: Vec<_> = rx.requests()[2..].iter().flat_map(|r| r.point_times()).collect();
    assert_eq!(parts, rx.requests()[0].point_times());
    let lines: Vec<&str> =
        out.stderr.lines().filter(|l| l.contains("too large") || l.contains("maxPointsPerRequest")).collect();
    assert_eq!(
        lines,
        [
            "flutter: the receiver refused a request of 40 points as too large (HTTP 413); splitting it in halves \
             until it is accepted",
            "flutter: the receiver took at most 20 points a request after refusing larger ones: set \
             `maxPointsPerRequest: 20` (or less) to send requests it accepts at once",
        ]
    );
    assert_summary(&out, &rx, "40 points generated, 40 delivered, 0 rejected, 0 lost; 5 requests, 0 retries");
}

#[test]
fn a_single_point_too_large_is_rejected() {
    let rx = Receiver::start(vec![Reply::status(413); 100]);
    let dir = TempDir::new("413-all");
    let out = run(&["--fast", &scenario(&dir, &rx.endpoint(), "compression: gzip")]);
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    // 40 points split down to 40 single points: 39 splits, 79 requests.
    assert_eq!(rx.requests().len(), 79);
    assert!(
        out.stderr.contains("flutter: the receiver rejected 1 point with HTTP 413: status 413 from the test receiver")
    );
    assert!(out.stderr.contains("flutter: the receiver refused requests as too large down to single points"));
    assert_summary(&out, &rx, "40 points generated, 0 delivered, 40 rejected, 0 lost; 79 requests, 0 retries");
}

#[test]
fn connections_send_requests_at_once_and_account_for_every_point() {
    for (extra, flag, n) in [("connections: 2", None, 2), ("connections: 2", Some("3"), 3)] {
        // Every answer takes 300 ms: eight requests over n connections.
        let rx = Receiver::start(vec![Reply::Slow(Duration::from_millis(300)); 8]);
        let dir = TempDir::new("connections");
        let cfg = scenario(&dir, &rx.endpoint(), &format!("maxPointsPerRequest: 5\n{extra}"));
        let mut args = vec!["--fast"];
        if let Some(flag) = flag {
            args.extend(["--connections", flag]);
        }
        args.push(&cfg);
        let started = Instant::now();
        let out = run(&args).ok();
        let took = started.elapsed();
        assert_eq!((rx.connections(), rx.most_in_flight()), (n, n), "{}", out.stderr);
        assert!(took < Duration::from_millis(300 * 8), "not one at a time: {took:?}");
        assert_summary(&out, &rx, "40 points generated, 40 delivered, 0 rejected, 0 lost; 8 requests, 0 retries");
        // Every point arrived once.
        let mut times: Vec<(String, u64)> = rx.requests().iter().flat_map(|r| r.point_times()).collect();
        times.sort();
        times.dedup();
        assert_eq!(times.len(), 40);
    }
    let dir = TempDir::new("connections-bad");
    let out = run(&["--fast", "--connections", "0", &scenario(&dir, "http://127.0.0.1:9", "")]);
    assert_eq!(out.code, Some(2));
    assert!(
        out.stderr.contains("invalid value '0' for '--connections <N>': must be from 1 to 64, found 0"),
        "{}",
        out.stderr
    );
}

#[test]
fn start_at_sets_the_points_times() {
    let dir = TempDir::new("start-at-otlp");
    let first_time = |rx: &Receiver| rx.requests()[0].point_times()[0].1;
    let rx = Receiver::start(vec![]);
    run(&["--fast", "--start-at", "2024-02-29T12:00:00Z", &scenario(&dir, &rx.endpoint(), "")]).ok();
    // The scenario's wallclockStart (2025-06-01) is overridden; its first gauge point is at 1s.
    assert_eq!(first_time(&rx), 1_709_208_000_000_000_000 + 1_000_000_000);
    let rx = Receiver::start(vec![]);
    let before = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64;
    run(&["--fast", "--start-at", "-24h", &scenario(&dir, &rx.endpoint(), "")]).ok();
    let day = 86_400_000_000_000u64;
    let start = first_time(&rx) - 1_000_000_000;
    assert!(start >= before - day && start < before - day + 5_000_000_000, "{start} vs {before}");
}

#[test]
fn a_split_request_that_cannot_be_delivered_is_lost_whole() {
    // Refused as too large, then its first half never goes through: both halves are lost.
    let mut script = vec![Reply::status(413)];
    script.extend(vec![Reply::status(503); 100]);
    let rx = Receiver::start(script);
    let dir = TempDir::new("413-lost");
    let out = run(&["--fast", &scenario(&dir, &rx.endpoint(), "retryBudget: 1s")]);
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    assert!(
        summary(&out).starts_with("flutter: 40 points generated, 0 delivered, 0 rejected, 40 lost; "),
        "{}",
        out.stderr
    );
}
