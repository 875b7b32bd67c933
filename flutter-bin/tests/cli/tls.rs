//! TLS as users configure it, against a local HTTPS receiver with a
//! throwaway certificate authority made by the test (rcgen): trusted through
//! `tls.caFile` or the environment, untrusted, mutual TLS with and without a
//! client certificate, and files that cannot be used.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use crate::util::{Run, TempDir, flutter_cmd};

/// A certificate authority, a server certificate for 127.0.0.1 and a client
/// certificate, all signed by it, as PEM files in `dir`.
pub struct Pki {
    pub ca: String,
    client_cert: String,
    client_key: String,
    pub server_cert: String,
    pub server_key: String,
    ca_der: CertificateDer<'static>,
}

pub fn pki(dir: &TempDir) -> Pki {
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
    let leaf = |names: Vec<String>| {
        let key = KeyPair::generate().unwrap();
        let cert = CertificateParams::new(names).unwrap().signed_by(&key, &ca).unwrap();
        (cert.pem(), key.serialize_pem())
    };
    let (server_cert, server_key) = leaf(vec!["127.0.0.1".into(), "localhost".into()]);
    let (client_cert, client_key) = leaf(vec!["flutter-client".into()]);
    Pki {
        ca: dir.write("ca.pem", &ca.pem()),
        client_cert: dir.write("client.pem", &client_cert),
        client_key: dir.write("client-key.pem", &client_key),
        server_cert: dir.write("server.pem", &server_cert),
        server_key: dir.write("server-key.pem", &server_key),
        ca_der: ca.der().clone(),
    }
}

/// An HTTPS receiver on 127.0.0.1 answering every request 200; counts them.
struct TlsReceiver {
    addr: SocketAddr,
    requests: Arc<AtomicUsize>,
}

impl TlsReceiver {
    /// `client_ca`: require a client certificate signed by it (mutual TLS).
    fn start(pki: &Pki, client_ca: bool) -> TlsReceiver {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .unwrap();
        let builder = if client_ca {
            let mut roots = rustls::RootCertStore::empty();
            roots.add(pki.ca_der.clone()).unwrap();
            let verifier =
                rustls::server::WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider).build().unwrap();
            builder.with_client_cert_verifier(verifier)
        } else {
            builder.with_no_client_auth()
        };
        let chain: Vec<_> = CertificateDer::pem_file_iter(&pki.server_cert).unwrap().map(Result::unwrap).collect();
        let key = PrivateKeyDer::from_pem_file(&pki.server_key).unwrap();
        let config = Arc::new(builder.with_single_cert(chain, key).unwrap());
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let requests = Arc::new(AtomicUsize::new(0));
        let counted = requests.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let (config, counted) = (config.clone(), counted.clone());
                std::thread::spawn(move || {
                    let conn = rustls::ServerConnection::new(config).unwrap();
                    let mut tls = rustls::StreamOwned::new(conn, stream);
                    // A failed handshake ends this connection; the client says why.
                    while serve_one(&mut tls) {
                        counted.fetch_add(1, Ordering::SeqCst);
                    }
                });
            }
        });
        TlsReceiver { addr, requests }
    }

    fn endpoint(&self) -> String {
        format!("https://{}", self.addr)
    }

    fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

/// Reads one HTTP request and answers 200; `false` when the connection ends.
fn serve_one(stream: &mut (impl Read + Write)) -> bool {
    let mut reader = BufReader::new(&mut *stream);
    let mut length = 0usize;
    let mut first = true;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return false;
        }
        let line = line.trim_end();
        if line.is_empty() && !first {
            break;
        }
        first = false;
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0; length];
    if reader.read_exact(&mut body).is_err() {
        return false;
    }
    drop(reader);
    stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n").is_ok() && stream.flush().is_ok()
}

/// Ten points over ten seconds, sent to `endpoint` with `tls` (YAML flow map) if any.
fn scenario(dir: &TempDir, endpoint: &str, tls: &str) -> String {
    let tls = if tls.is_empty() { String::new() } else { format!("\n  tls: {tls}") };
    dir.write(
        "tls.yaml",
        &format!(
            "duration: 10s\nseed: 3\nwallclockStart: 2025-06-01T00:00:00Z\notlpDestination:\n  endpoint: {endpoint}{tls}\n\
             script:\n  - {{type: metricEmitter, name: c, spec: {{type: constant, value: 1}}}}\n  \
             - {{type: metric, name: g, spec: {{type: gauge, frequency: 1s, emitters: [c]}}}}\n"
        ),
    )
}

fn run(args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = flutter_cmd(args);
    // The machine's own trust store is not the test's.
    cmd.env_remove("SSL_CERT_FILE");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("flutter-bin runs").into()
}

fn summary(run: &Run) -> &str {
    run.stderr.lines().find(|l| l.contains(" points generated, ")).unwrap_or_else(|| panic!("{}", run.stderr))
}

const DELIVERED: &str = "flutter: 10 points generated, 10 delivered, 0 rejected, 0 lost; 1 request, 0 retries";
const LOST: &str = "flutter: 10 points generated, 0 delivered, 0 rejected, 10 lost; 1 request, 0 retries";

#[test]
fn a_server_trusted_through_ca_file_or_the_environment_gets_the_points() {
    let dir = TempDir::new("tls-trusted");
    let pki = pki(&dir);
    let rx = TlsReceiver::start(&pki, false);
    let out = run(&["--fast", &scenario(&dir, &rx.endpoint(), &format!("{{caFile: {}}}", pki.ca))], &[]).ok();
    assert!(summary(&out).starts_with(DELIVERED), "{}", out.stderr);
    for var in ["OTEL_EXPORTER_OTLP_CERTIFICATE", "OTEL_EXPORTER_OTLP_METRICS_CERTIFICATE", "SSL_CERT_FILE"] {
        let out = run(&["--fast", &scenario(&dir, &rx.endpoint(), "")], &[(var, &pki.ca)]).ok();
        assert!(summary(&out).starts_with(DELIVERED), "{var}: {}", out.stderr);
    }
    assert_eq!(rx.requests(), 4);
}

#[test]
fn an_untrusted_server_fails_at_once_with_what_to_do() {
    let dir = TempDir::new("tls-untrusted");
    let pki = pki(&dir);
    let rx = TlsReceiver::start(&pki, false);
    let started = std::time::Instant::now();
    let out = run(&["--fast", &scenario(&dir, &rx.endpoint(), "")], &[]);
    assert!(started.elapsed() < std::time::Duration::from_secs(20), "not retried for the budget");
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    assert!(
        out.stderr.lines().any(|l| l
            == "flutter: delivery failed: TLS: the server's certificate is not signed by an authority flutter \
                trusts: give the certificate of the authority that signed it with `tls.caFile` (or \
                OTEL_EXPORTER_OTLP_CERTIFICATE)"),
        "{}",
        out.stderr
    );
    assert!(summary(&out).starts_with(LOST), "{}", out.stderr);
    assert_eq!(rx.requests(), 0);
    // insecureSkipVerify accepts it (and is what it says).
    let out = run(&["--fast", &scenario(&dir, &rx.endpoint(), "{insecureSkipVerify: true}")], &[]).ok();
    assert!(summary(&out).starts_with(DELIVERED), "{}", out.stderr);
}

#[test]
fn mutual_tls_needs_the_client_certificate() {
    let dir = TempDir::new("tls-mutual");
    let pki = pki(&dir);
    let rx = TlsReceiver::start(&pki, true);
    let with = format!("{{caFile: {}, certFile: {}, keyFile: {}}}", pki.ca, pki.client_cert, pki.client_key);
    let out = run(&["--fast", &scenario(&dir, &rx.endpoint(), &with)], &[]).ok();
    assert!(summary(&out).starts_with(DELIVERED), "{}", out.stderr);
    let env = [
        ("OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE", &*pki.client_cert),
        ("OTEL_EXPORTER_OTLP_CLIENT_KEY", &*pki.client_key),
    ];
    let out = run(&["--fast", &scenario(&dir, &rx.endpoint(), &format!("{{caFile: {}}}", pki.ca))], &env).ok();
    assert!(summary(&out).starts_with(DELIVERED), "{}", out.stderr);
    assert_eq!(rx.requests(), 2);

    // A short retry budget: a refusal may only ever show as closed connections (below).
    let without = format!("{{caFile: {}}}\n  retryBudget: 3s", pki.ca);
    let out = run(&["--fast", &scenario(&dir, &rx.endpoint(), &without)], &[]);
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    // With TLS 1.3 the server checks the client after the request is written:
    // an attempt may end in a closed connection before the alert is read,
    // and is retried with a hint; on a loaded machine every attempt can.
    for retried in out.stderr.lines().filter(|l| l.contains("delivery attempt")) {
        assert!(retried.contains("; the server may be refusing flutter's TLS client certificate)"), "{retried}");
    }
    let failed = out
        .stderr
        .lines()
        .find(|l| l.starts_with("flutter: delivery failed: "))
        .unwrap_or_else(|| panic!("{}", out.stderr));
    let alert_read = failed
        .starts_with("flutter: delivery failed: TLS: the server refused flutter's client certificate, or wants one (")
        && failed.ends_with("): give one it trusts with `tls.certFile` and `tls.keyFile`");
    let hint = "; the server may be refusing flutter's TLS client certificate";
    let only_closed = failed.starts_with("flutter: delivery failed: gave up after ")
        && ["Broken pipe (os error 32)", "Connection reset by peer (os error 104)"]
            .iter()
            .any(|io| failed.ends_with(&format!("(retry budget 3s): connection failed: {io}{hint}")));
    assert!(alert_read || only_closed, "{failed}");
    assert!(
        summary(&out).starts_with("flutter: 10 points generated, 0 delivered, 0 rejected, 10 lost; "),
        "{}",
        out.stderr
    );
}

#[test]
fn tls_files_that_cannot_be_used_stop_the_run_before_any_point() {
    let dir = TempDir::new("tls-files");
    let pki = pki(&dir);
    let missing = dir.path().join("missing.pem").display().to_string();
    let not_pem = dir.write("not.pem", "hello\n");
    let cases = [
        (
            format!("{{caFile: {missing}}}"),
            format!("otlpDestination.tls.caFile: cannot read `{missing}`: No such file or directory (os error 2)"),
        ),
        (
            format!("{{caFile: {not_pem}}}"),
            format!("otlpDestination.tls.caFile: `{not_pem}` holds no PEM certificate (`-----BEGIN CERTIFICATE-----`)"),
        ),
        (
            format!("{{certFile: {}, keyFile: {}}}", pki.client_cert, pki.ca),
            format!("otlpDestination.tls.keyFile: `{}` holds no PEM private key", pki.ca),
        ),
    ];
    for (tls, error) in cases {
        let cfg = scenario(&dir, "https://127.0.0.1:9", &tls);
        for mode in ["--fast", "--check"] {
            let out = run(&[mode, &cfg], &[]);
            assert_eq!(out.code, Some(2), "{}", out.stderr);
            assert_eq!(out.stderr, format!("error: {error}\nflutter: nothing was run\n"), "{mode}");
        }
    }
    let out = run(
        &["--fast", &scenario(&dir, "https://127.0.0.1:9", "")],
        &[("OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE", &pki.client_cert)],
    );
    assert_eq!(
        out.stderr,
        "error: OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE: needs OTEL_EXPORTER_OTLP_CLIENT_KEY beside it\nflutter: nothing was run\n"
    );
}
