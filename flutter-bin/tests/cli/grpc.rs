//! OTLP/gRPC through a real collector: rotel's gRPC receiver (started by the
//! test, the binary `scripts/provision-test-deps` installs) forwarding to a
//! real VictoriaMetrics, whose store must hold exactly what the engine made.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::backend::{assert_same, expected};
use crate::util::{Run, TempDir, flutter_cmd, package_dir, test_dep};
use crate::vm::{Series, VictoriaMetrics};

/// A running rotel-agent: OTLP/gRPC in, OTLP/HTTP out; killed when dropped.
pub(crate) struct Rotel {
    child: Child,
    grpc_port: u16,
    http_port: u16,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl Rotel {
    /// Forwards to `otlp_http` (a base URL; rotel appends `/v1/metrics`).
    pub(crate) fn start(otlp_http: &str) -> Rotel {
        let binary = test_dep("rotel-0.0.1a15/rotel-agent");
        assert!(binary.exists(), "{} is missing: run `bash scripts/provision-test-deps`", binary.display());
        let (grpc_port, http_port) = (free_port(), free_port());
        let child = Command::new(&binary)
            .args(["start", "--otlp-grpc-endpoint", &format!("127.0.0.1:{grpc_port}")])
            .args(["--otlp-http-endpoint", &format!("127.0.0.1:{http_port}")])
            .args(["--exporter", "otlp", "--otlp-exporter-protocol", "http"])
            // rotel 0.0.1a15's batching moves some points of large requests
            // (the fleet sample's) into a ResourceMetrics without their
            // resource, whether they came by gRPC or HTTP: it forwards each
            // request as it came instead.
            .arg("--disable-batching")
            .args(["--otlp-exporter-endpoint", otlp_http])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start rotel-agent");
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", grpc_port)).is_err() {
            assert!(started.elapsed() < Duration::from_secs(30), "rotel did not start listening");
            std::thread::sleep(Duration::from_millis(50));
        }
        Rotel { child, grpc_port, http_port }
    }

    pub(crate) fn grpc_endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.grpc_port)
    }

    /// Its OTLP/HTTP receiver, a base URL.
    pub(crate) fn http_endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.http_port)
    }
}

impl Drop for Rotel {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What VictoriaMetrics holds once every expected sample has come through
/// rotel's batching (or 30 s have passed).
fn stored(vm: &VictoriaMetrics, want: &Series, from_ms: i64) -> Series {
    let last = want.values().flat_map(|p| p.iter().map(|(t, _)| *t)).max().unwrap();
    let total: usize = want.values().map(Vec::len).sum();
    let started = Instant::now();
    loop {
        let got = vm.export(from_ms, last);
        if got.values().map(Vec::len).sum::<usize>() >= total || started.elapsed() > Duration::from_secs(30) {
            return got;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn grpc_through_rotel_stores_exactly_what_was_generated() {
    let vm = VictoriaMetrics::start();
    let rotel = Rotel::start(&vm.otlp_endpoint());
    let dir = TempDir::new("grpc");
    let samples = ["sample-config.yaml", "sample-counter.yaml", "sample-lifetime.yaml", "sample-fleet.yaml"];
    for (day, sample) in samples.iter().enumerate() {
        let start = format!("2024-06-{:02}T00:00:00Z", day + 1);
        let start_ms = flutter::Timestamp::parse_rfc3339(&start).unwrap().unix_nanos() / 1_000_000;
        // The first two by the environment, the others by the scenario's own
        // section, gzip-compressed.
        let by_env = day < 2;
        let overlay = if by_env {
            format!("wallclockStart: {start}\n")
        } else {
            format!(
                "wallclockStart: {start}\notlpDestination: {{endpoint: '{}', protocol: grpc, compression: gzip}}\n",
                rotel.grpc_endpoint()
            )
        };
        let overlay = dir.write(&format!("start-{day}.yaml"), &overlay);
        let files = [package_dir().join("../samples").join(sample), PathBuf::from(overlay)];
        let mut cmd =
            flutter_cmd(&["--fast", "--seed", "99", &files[0].display().to_string(), &files[1].display().to_string()]);
        if by_env {
            cmd.env("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc").env("OTEL_EXPORTER_OTLP_ENDPOINT", rotel.grpc_endpoint());
        }
        let run: Run = cmd.output().unwrap().into();
        let run = run.ok();
        let (want, points) = expected(&files, 99);
        assert!(
            run.stderr.contains(&format!("{points} points generated, {points} delivered, 0 rejected, 0 lost")),
            "{sample}: {}",
            run.stderr
        );
        let got = stored(&vm, &want, start_ms);
        assert_same(&got, &want);
    }
}

/// How the scripted receiver answers a call.
#[derive(Clone)]
enum Answer {
    /// `grpc-status: 0` with this response message.
    Ok(Vec<u8>),
    /// A failed call (trailers only): code, message, and a RetryInfo delay.
    Status(u8, &'static str, Option<Duration>),
}

/// One call as the scripted receiver got it.
struct Call {
    path: String,
    headers: http::HeaderMap,
    compressed: bool,
    message: Vec<u8>,
}

/// A scripted OTLP/gRPC receiver on HTTP/2: answers calls in turn (the last
/// answer repeats) and records them. For faults only; rotel is the real one.
struct ScriptedGrpc {
    port: u16,
    calls: std::sync::Arc<std::sync::Mutex<Vec<Call>>>,
    _runtime: tokio::runtime::Runtime,
}

impl ScriptedGrpc {
    fn start(answers: Vec<Answer>) -> ScriptedGrpc {
        Self::serve(answers, None)
    }

    /// Over TLS with the server certificate of `pki` (ALPN `h2`).
    fn start_tls(answers: Vec<Answer>, pki: &crate::tls::Pki) -> ScriptedGrpc {
        use rustls::pki_types::pem::PemObject;
        use rustls::pki_types::{CertificateDer, PrivateKeyDer};
        let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
        let chain: Vec<_> = CertificateDer::pem_file_iter(&pki.server_cert).unwrap().map(Result::unwrap).collect();
        let key = PrivateKeyDer::from_pem_file(&pki.server_key).unwrap();
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .unwrap();
        config.alpn_protocols = vec![b"h2".to_vec()];
        Self::serve(answers, Some(tokio_rustls::TlsAcceptor::from(std::sync::Arc::new(config))))
    }

    fn serve(answers: Vec<Answer>, tls: Option<tokio_rustls::TlsAcceptor>) -> ScriptedGrpc {
        use std::sync::{Arc, Mutex};
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let calls: Arc<Mutex<Vec<Call>>> = Arc::default();
        let (log, answers) = (calls.clone(), Arc::new(answers));
        runtime.spawn(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            while let Ok((socket, _)) = listener.accept().await {
                let (log, answers, tls) = (log.clone(), answers.clone(), tls.clone());
                tokio::spawn(async move {
                    match tls {
                        None => serve_connection(socket, log, answers).await,
                        Some(acceptor) => {
                            if let Ok(stream) = acceptor.accept(socket).await {
                                serve_connection(stream, log, answers).await;
                            }
                        }
                    }
                });
            }
        });
        ScriptedGrpc { port, calls, _runtime: runtime }
    }

    fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn calls(&self) -> std::sync::MutexGuard<'_, Vec<Call>> {
        self.calls.lock().unwrap()
    }
}

async fn serve_connection<IO: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static>(
    io: IO,
    log: std::sync::Arc<std::sync::Mutex<Vec<Call>>>,
    answers: std::sync::Arc<Vec<Answer>>,
) {
    let Ok(mut connection) = h2::server::handshake(io).await else { return };
    while let Some(Ok((request, respond))) = connection.accept().await {
        tokio::spawn(answer_call(request, respond, log.clone(), answers.clone()));
    }
}

async fn answer_call(
    request: http::Request<h2::RecvStream>,
    mut respond: h2::server::SendResponse<bytes::Bytes>,
    log: std::sync::Arc<std::sync::Mutex<Vec<Call>>>,
    answers: std::sync::Arc<Vec<Answer>>,
) {
    let (parts, mut body) = request.into_parts();
    let mut frame = Vec::new();
    while let Some(Ok(chunk)) = body.data().await {
        let _ = body.flow_control().release_capacity(chunk.len());
        frame.extend_from_slice(&chunk);
    }
    let (compressed, len) = (frame[0] == 1, u32::from_be_bytes(frame[1..5].try_into().unwrap()) as usize);
    assert_eq!(frame.len(), 5 + len, "one length-prefixed message");
    let call =
        Call { path: parts.uri.path().to_owned(), headers: parts.headers, compressed, message: frame[5..].to_vec() };
    let answer = {
        let mut calls = log.lock().unwrap();
        calls.push(call);
        answers[(calls.len() - 1).min(answers.len() - 1)].clone()
    };
    let response = |trailers_only: Option<http::HeaderMap>| {
        let mut r = http::Response::builder().status(200).header("content-type", "application/grpc").body(()).unwrap();
        if let Some(h) = trailers_only {
            r.headers_mut().extend(h);
        }
        r
    };
    match answer {
        Answer::Ok(message) => {
            let mut stream = respond.send_response(response(None), false).unwrap();
            let mut out = vec![0];
            out.extend((message.len() as u32).to_be_bytes());
            out.extend(message);
            stream.send_data(out.into(), false).unwrap();
            let mut trailers = http::HeaderMap::new();
            trailers.insert("grpc-status", "0".parse().unwrap());
            stream.send_trailers(trailers).unwrap();
        }
        Answer::Status(code, message, delay) => {
            let mut h = http::HeaderMap::new();
            h.insert("grpc-status", code.to_string().parse().unwrap());
            h.insert("grpc-message", message.replace(' ', "%20").parse().unwrap());
            if let Some(d) = delay {
                h.insert("grpc-status-details-bin", retry_info(code, d).parse().unwrap());
            }
            respond.send_response(response(Some(h)), true).unwrap();
        }
    }
}

/// `google.rpc.Status{code, details: [Any(RetryInfo{retry_delay: d})]}`, in
/// base64 without padding, as gRPC servers send it.
fn retry_info(code: u8, d: Duration) -> String {
    use prost::Message;
    #[derive(Clone, PartialEq, prost::Message)]
    struct ProtoDuration {
        #[prost(int64, tag = "1")]
        seconds: i64,
        #[prost(int32, tag = "2")]
        nanos: i32,
    }
    #[derive(Clone, PartialEq, prost::Message)]
    struct RetryInfo {
        #[prost(message, optional, tag = "1")]
        retry_delay: Option<ProtoDuration>,
    }
    #[derive(Clone, PartialEq, prost::Message)]
    struct Any {
        #[prost(string, tag = "1")]
        type_url: String,
        #[prost(bytes = "vec", tag = "2")]
        value: Vec<u8>,
    }
    #[derive(Clone, PartialEq, prost::Message)]
    struct Status {
        #[prost(int32, tag = "1")]
        code: i32,
        #[prost(message, repeated, tag = "3")]
        details: Vec<Any>,
    }
    let duration = ProtoDuration { seconds: d.as_secs() as i64, nanos: d.subsec_nanos() as i32 };
    let any = Any {
        type_url: "type.googleapis.com/google.rpc.RetryInfo".into(),
        value: RetryInfo { retry_delay: Some(duration) }.encode_to_vec(),
    };
    let bytes = Status { code: i32::from(code), details: vec![any] }.encode_to_vec();
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

fn scenario(dir: &TempDir, endpoint: &str, extra: &str) -> String {
    let yaml = format!(
        "duration: 20s\nseed: 11\nwallclockStart: 2025-06-01T00:00:00Z\n\
         otlpDestination: {{endpoint: '{endpoint}', protocol: grpc, retryBudget: 10s{extra}}}\nscript:\n  \
         - {{type: metricEmitter, name: w, spec: {{type: randomWalk, stepSize: 1, variation: 5}}}}\n  \
         - {{type: metric, name: g, spec: {{type: gauge, frequency: 1s, emitters: [w], attributes: {{datapoint: {{k: v}}}}}}}}\n  \
         - {{type: metric, name: c, spec: {{type: counter, frequency: 1s, emitters: [w]}}}}\n"
    );
    dir.write("grpc.yaml", &yaml)
}

fn points_in(message: &[u8]) -> usize {
    use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
    use opentelemetry_proto::tonic::metrics::v1::metric::Data;
    use prost::Message;
    let request = ExportMetricsServiceRequest::decode(message).expect("an ExportMetricsServiceRequest");
    let metrics = request.resource_metrics.iter().flat_map(|r| &r.scope_metrics).flat_map(|s| &s.metrics);
    metrics
        .map(|m| match &m.data {
            Some(Data::Gauge(g)) => g.data_points.len(),
            Some(Data::Sum(s)) => s.data_points.len(),
            _ => 0,
        })
        .sum()
}

#[test]
fn grpc_unavailable_with_retry_info_waits_as_told_then_delivers() {
    let rx = ScriptedGrpc::start(vec![
        Answer::Status(14, "busy now", Some(Duration::from_millis(1500))),
        Answer::Ok(vec![]),
    ]);
    let dir = TempDir::new("grpc-retry");
    let started = Instant::now();
    let out: Run =
        flutter_cmd(&["--fast", "-H", "x-tenant=blue", &scenario(&dir, &rx.endpoint(), "")]).output().unwrap().into();
    let out = out.ok();
    assert!(started.elapsed() >= Duration::from_millis(1500));
    assert!(
        out.stderr.contains("delivery attempt 1 failed (gRPC UNAVAILABLE: busy now); retrying in 1.50s"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("40 points generated, 40 delivered, 0 rejected, 0 lost; 2 requests, 1 retry"),
        "{}",
        out.stderr
    );
    let calls = rx.calls();
    assert_eq!(calls.len(), 2);
    for call in calls.iter() {
        assert_eq!(call.path, "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export");
        assert_eq!(call.headers["content-type"], "application/grpc");
        assert_eq!(call.headers["te"], "trailers");
        assert_eq!(call.headers["x-tenant"], "blue");
        // The per-request timeout (5s by default) as gRPC's deadline.
        assert_eq!(call.headers["grpc-timeout"], "5000m");
        assert!(!call.compressed && !call.headers.contains_key("grpc-encoding"));
        assert_eq!(points_in(&call.message), 40);
    }
    assert_eq!(calls[0].message, calls[1].message);
}

#[test]
fn grpc_statuses_are_judged_as_the_otlp_specification_says() {
    use opentelemetry_proto::tonic::collector::metrics::v1::{
        ExportMetricsPartialSuccess, ExportMetricsServiceResponse,
    };
    use prost::Message;
    let dir = TempDir::new("grpc-statuses");
    // Not retryable: rejected, reported once with its name.
    let rx = ScriptedGrpc::start(vec![Answer::Status(3, "bad data", None)]);
    let out: Run =
        flutter_cmd(&["--fast", &scenario(&dir, &rx.endpoint(), ", maxPointsPerRequest: 10")]).output().unwrap().into();
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    let reports: Vec<&str> = out.stderr.lines().filter(|l| l.contains("rejected 10 points")).collect();
    assert_eq!(reports, ["flutter: the receiver rejected 10 points with gRPC INVALID_ARGUMENT (3): bad data"]);
    assert!(
        out.stderr.contains("40 points generated, 0 delivered, 40 rejected, 0 lost; 4 requests, 0 retries"),
        "{}",
        out.stderr
    );
    // RESOURCE_EXHAUSTED is retried only when the server says when.
    let rx = ScriptedGrpc::start(vec![Answer::Status(8, "quota", None)]);
    let out: Run = flutter_cmd(&["--fast", &scenario(&dir, &rx.endpoint(), "")]).output().unwrap().into();
    assert!(out.stderr.contains("rejected 40 points with gRPC RESOURCE_EXHAUSTED (8): quota"), "{}", out.stderr);
    assert_eq!(rx.calls().len(), 1);
    let rx =
        ScriptedGrpc::start(vec![Answer::Status(8, "quota", Some(Duration::from_millis(200))), Answer::Ok(vec![])]);
    let out: Run = flutter_cmd(&["--fast", &scenario(&dir, &rx.endpoint(), "")]).output().unwrap().into();
    assert!(out.stderr.contains("40 delivered, 0 rejected, 0 lost; 2 requests, 1 retry"), "{}", out.stderr);
    // Partial success, gzip-compressed messages.
    let answer = ExportMetricsServiceResponse {
        partial_success: Some(ExportMetricsPartialSuccess { rejected_data_points: 3, error_message: "too old".into() }),
    };
    let rx = ScriptedGrpc::start(vec![Answer::Ok(answer.encode_to_vec())]);
    let out: Run =
        flutter_cmd(&["--fast", &scenario(&dir, &rx.endpoint(), ", compression: gzip")]).output().unwrap().into();
    assert_eq!(out.code, Some(1));
    assert!(out.stderr.contains("flutter: the receiver refused 3 points of a request: too old"), "{}", out.stderr);
    assert!(out.stderr.contains("40 points generated, 37 delivered, 3 rejected, 0 lost"), "{}", out.stderr);
    let calls = rx.calls();
    assert!(calls[0].compressed && calls[0].headers["grpc-encoding"] == "gzip");
    let mut message = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&calls[0].message[..]), &mut message).unwrap();
    assert_eq!(points_in(&message), 40);
}

#[test]
fn grpc_over_tls_trusts_what_otlp_http_trusts() {
    let dir = TempDir::new("grpc-tls");
    let pki = crate::tls::pki(&dir);
    let rx = ScriptedGrpc::start_tls(vec![Answer::Ok(vec![])], &pki);
    let endpoint = format!("https://127.0.0.1:{}", rx.port);
    // Trusted through `tls.caFile`: delivered.
    let extra = format!(", tls: {{caFile: '{}'}}", pki.ca);
    let out: Run = flutter_cmd(&["--fast", &scenario(&dir, &endpoint, &extra)]).output().unwrap().into();
    let out = out.ok();
    assert!(out.stderr.contains("40 points generated, 40 delivered, 0 rejected, 0 lost; 1 request"), "{}", out.stderr);
    assert_eq!(points_in(&rx.calls()[0].message), 40);
    // Not trusted: the run stops at once, saying what to give.
    let out: Run = flutter_cmd(&["--fast", &scenario(&dir, &endpoint, "")]).output().unwrap().into();
    assert_eq!(out.code, Some(1));
    assert!(
        out.stderr
            .contains("delivery failed: TLS: the server's certificate is not signed by an authority flutter trusts"),
        "{}",
        out.stderr
    );
    assert_eq!(rx.calls().len(), 1);
    // `insecureSkipVerify` takes it.
    let out: Run = flutter_cmd(&["--fast", &scenario(&dir, &endpoint, ", tls: {insecureSkipVerify: true}")])
        .output()
        .unwrap()
        .into();
    out.ok();
    assert_eq!(rx.calls().len(), 2);
}

#[test]
fn grpc_settings_are_checked_before_the_run() {
    let dir = TempDir::new("grpc-settings");
    let out: Run =
        flutter_cmd(&["--check", &scenario(&dir, "http://127.0.0.1:4317/v1/metrics", "")]).output().unwrap().into();
    let out = out.ok();
    assert!(out.stdout.contains("output: OTLP/gRPC to http://127.0.0.1:4317/v1/metrics"), "{}", out.stdout);
    assert!(
        out.stderr.contains("has a path (/v1/metrics), which gRPC does not use: calls go to http://127.0.0.1:4317"),
        "{}",
        out.stderr
    );
    let mut cmd =
        flutter_cmd(&["--check", "--endpoint", "http://127.0.0.1:4317", &crate::util::sample("sample-config.yaml")]);
    let out: Run = cmd.env("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json").output().unwrap().into();
    assert_eq!(out.code, Some(2));
    assert!(
        out.stderr.contains(
            "OTEL_EXPORTER_OTLP_PROTOCOL: `http/json` is not supported: flutter sends OTLP as `http/protobuf` or `grpc`"
        ),
        "{}",
        out.stderr
    );
}
