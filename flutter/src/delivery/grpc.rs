//! One OTLP/gRPC `Export` call of an encoded request over HTTP/2 (plaintext,
//! or TLS with ALPN `h2`), and what its status means. The engine and the sender threads stay synchronous: the
//! transport owns a one-worker tokio runtime that drives its HTTP/2
//! connection, and each sender thread blocks on its own call (the calls of
//! several sender threads share the connection as concurrent streams).

use std::sync::Mutex;
use std::time::Duration;

use bytes::Bytes;
use h2::client::SendRequest;
use http::{HeaderMap, HeaderName, HeaderValue, Request};

use super::http::{dns_failure, excerpt, host_not_found, tls_failure};
use super::{Attempt, PartialAcceptance, RejectStatus, Transport};
use crate::otlp::proto::{LEN, VARINT, get_varint, skip};
use crate::otlp::tls::TlsSettings;
use crate::printable::printable;

/// The OTLP metrics service's one method.
pub(crate) const METRICS_EXPORT: &str = "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export";

/// The method traces are exported by.
pub(crate) const TRACES_EXPORT: &str = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";

/// The method logs are exported by.
pub(crate) const LOGS_EXPORT: &str = "/opentelemetry.proto.collector.logs.v1.LogsService/Export";

/// Calls `Export` on one `http(s)://host:port` over one HTTP/2 connection,
/// opened on first use and again after it fails.
#[derive(Debug)]
pub(crate) struct GrpcTransport {
    runtime: Option<tokio::runtime::Runtime>,
    /// `http(s)://host:port`, for messages.
    url: String,
    /// The method called: metrics' `Export` unless [`GrpcTransport::for_traces`].
    method: &'static str,
    /// For `https://`: what TLS trusts and presents (or why it cannot).
    tls: Option<Result<std::sync::Arc<rustls::ClientConfig>, String>>,
    host: String,
    port: u16,
    /// The user's headers, then gRPC's own.
    headers: HeaderMap,
    /// The bodies are gzip-compressed messages (`grpc-encoding: gzip`).
    compressed: bool,
    timeout: Duration,
    connection: Mutex<Option<SendRequest<Bytes>>>,
    /// Reads an accepted call's response message: what was refused, if anything.
    accepted: fn(&[u8]) -> Option<PartialAcceptance>,
}

impl GrpcTransport {
    /// `url` is `http(s)://host[:port]` (a path is not used: gRPC names the
    /// method); `headers` were checked as HTTP header names and values when
    /// resolved, `tls` read and checked (it is used for `https://` only).
    pub fn new(
        url: &str,
        headers: &[(String, String)],
        (timeout, compressed): (Duration, bool),
        tls: &TlsSettings,
        accepted: fn(&[u8]) -> Option<PartialAcceptance>,
    ) -> Self {
        let parsed = url::Url::parse(url).ok();
        let host = parsed.as_ref().and_then(|u| u.host_str()).unwrap_or("").trim_matches(['[', ']']).to_owned();
        let port = parsed.as_ref().and_then(url::Url::port_or_known_default).unwrap_or(80);
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            if let (Ok(n), Ok(v)) = (HeaderName::from_bytes(name.as_bytes()), HeaderValue::from_str(value)) {
                map.append(n, v);
            }
        }
        let fixed = [
            ("content-type", "application/grpc"),
            ("te", "trailers"),
            ("user-agent", concat!("flutter/", env!("CARGO_PKG_VERSION"))),
        ];
        for (n, v) in fixed {
            map.insert(HeaderName::from_static(n), HeaderValue::from_static(v));
        }
        if compressed {
            map.insert(HeaderName::from_static("grpc-encoding"), HeaderValue::from_static("gzip"));
        }
        // gRPC's own deadline: the receiver may give up too.
        if let Ok(v) = HeaderValue::from_str(&format!("{}m", timeout.as_millis().max(1))) {
            map.insert(HeaderName::from_static("grpc-timeout"), v);
        }
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("flutter-grpc")
            .enable_io()
            .enable_time()
            .build()
            .ok();
        let https = url.starts_with("https://");
        GrpcTransport {
            runtime,
            url: format!("{}://{}", if https { "https" } else { "http" }, authority(&host, port)),
            method: METRICS_EXPORT,
            tls: https.then(|| tls_connector(tls)),
            host,
            port,
            headers: map,
            compressed,
            timeout,
            connection: Mutex::new(None),
            accepted,
        }
    }

    /// Calls `method` (a service's `Export`) instead of metrics'.
    pub fn calling(mut self, method: &'static str) -> Self {
        self.method = method;
        self
    }

    fn forget_connection(&self) {
        *self.connection.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = None;
    }

    /// The open connection, or a new one.
    async fn connect(&self) -> Result<SendRequest<Bytes>, Attempt> {
        if let Some(c) = self.connection.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone() {
            return Ok(c);
        }
        let retry = |reason: String| Attempt::Retry { reason, after: None };
        let tcp = match tokio::net::TcpStream::connect((self.host.as_str(), self.port)).await {
            Ok(tcp) => tcp,
            Err(io) => {
                let why = dns_failure(&io, &self.url).or_else(|| {
                    // tokio resolves before it connects: an unknown host reads as "failed to lookup".
                    let text = io.to_string();
                    (text.contains("lookup") || text.contains("resolve")).then(|| host_not_found(&self.url))
                });
                return Err(match why {
                    Some(why) => Attempt::Fatal(why),
                    None => retry(format!("connection failed: {io}")),
                });
            }
        };
        let _ = tcp.set_nodelay(true);
        let handshake_failed = |e: h2::Error| retry(format!("HTTP/2 handshake failed: {e}"));
        // The connection runs on the runtime's worker until it closes.
        let send = match &self.tls {
            None => {
                let (send, connection) = h2::client::handshake(tcp).await.map_err(handshake_failed)?;
                tokio::spawn(async move {
                    let _ = connection.await;
                });
                send
            }
            Some(Err(why)) => return Err(Attempt::Fatal(why.clone())),
            Some(Ok(config)) => {
                let connector = tokio_rustls::TlsConnector::from(config.clone());
                let name = rustls::pki_types::ServerName::try_from(self.host.clone())
                    .map_err(|e| Attempt::Fatal(format!("TLS: the endpoint's host is not a server name: {e}")))?;
                let stream = connector.connect(name, tcp).await.map_err(|io| match tls_failure(&io) {
                    Some(why) => Attempt::Fatal(why),
                    None => retry(format!("TLS connection failed: {io}")),
                })?;
                if stream.get_ref().1.alpn_protocol() != Some(b"h2") {
                    return Err(Attempt::Fatal(format!(
                        "TLS: {} did not agree to HTTP/2 (ALPN h2), which gRPC needs: is it a gRPC endpoint?",
                        self.url
                    )));
                }
                let (send, connection) = h2::client::handshake(stream).await.map_err(handshake_failed)?;
                tokio::spawn(async move {
                    let _ = connection.await;
                });
                send
            }
        };
        *self.connection.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(send.clone());
        Ok(send)
    }

    async fn call(&self, body: &[u8]) -> Attempt {
        let send = match self.connect().await {
            Ok(s) => s,
            Err(attempt) => return attempt,
        };
        match self.exchange(send, body).await {
            Ok(attempt) => attempt,
            Err(e) => {
                // Whatever broke, the next attempt starts on a fresh connection.
                self.forget_connection();
                if matches!(e.reason(), Some(h2::Reason::FRAME_SIZE_ERROR | h2::Reason::PROTOCOL_ERROR))
                    && !e.is_remote()
                {
                    // What came back is not HTTP/2: another answer would not be either.
                    return Attempt::Fatal(format!(
                        "{} does not answer in HTTP/2, which gRPC needs ({e}): it may be an OTLP/HTTP port \
                         (usually 4318, where gRPC is usually 4317); or send `protocol: http/protobuf`",
                        self.url
                    ));
                }
                Attempt::Retry { reason: format!("connection failed: {e}"), after: None }
            }
        }
    }

    /// Sends the framed message and reads the answer: status, message, trailers.
    async fn exchange(&self, send: SendRequest<Bytes>, body: &[u8]) -> Result<Attempt, h2::Error> {
        let mut send = send.ready().await?;
        let mut request =
            Request::post(format!("{}{}", self.url, self.method)).body(()).unwrap_or_else(|_| Request::new(()));
        *request.headers_mut() = self.headers.clone();
        let (response, mut stream) = send.send_request(request, false)?;
        let mut frame = Vec::with_capacity(5 + body.len());
        frame.push(u8::from(self.compressed));
        frame.extend_from_slice(&(body.len() as u32).to_be_bytes());
        frame.extend_from_slice(body);
        stream.send_data(Bytes::from(frame), true)?;
        let (parts, mut answer) = response.await?.into_parts();
        let status = parts.status.as_u16();
        let mut data = Vec::new();
        while let Some(chunk) = answer.data().await {
            let chunk = chunk?;
            let _ = answer.flow_control().release_capacity(chunk.len());
            data.extend_from_slice(&chunk);
        }
        if status != 200 {
            // A proxy's answer, or a server that does not speak gRPC here.
            return Ok(match status {
                408 | 429 | 502 | 503 | 504 => {
                    Attempt::Retry { reason: format!("HTTP {status} {}", excerpt(&data)), after: None }
                }
                _ => Attempt::Rejected { status: RejectStatus::Http(status), detail: excerpt(&data) },
            });
        }
        // A call that fails at once answers with headers only ("trailers-only").
        let trailers = match parts.headers.contains_key("grpc-status") {
            true => parts.headers,
            false => answer.trailers().await?.unwrap_or_default(),
        };
        Ok(self.judge(&trailers, &data))
    }

    /// What the call's `grpc-status` (with its message and details) means.
    fn judge(&self, trailers: &HeaderMap, data: &[u8]) -> Attempt {
        let Some(code) = trailers.get("grpc-status").and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u8>().ok())
        else {
            return Attempt::Retry { reason: "broken answer: no grpc-status".into(), after: None };
        };
        let message = trailers
            .get("grpc-message")
            .map(|v| printable(&percent_decode(v.as_bytes())).into_owned())
            .unwrap_or_default();
        let retry_info = trailers.get("grpc-status-details-bin").and_then(|v| retry_delay(v.as_bytes()));
        let reason = || {
            let name = code_name(code);
            if message.is_empty() { format!("gRPC {name}") } else { format!("gRPC {name}: {message}") }
        };
        match code {
            0 => Attempt::Delivered(data.get(5..).and_then(self.accepted)),
            // The OTLP specification's retryable codes.
            1 | 4 | 10 | 11 | 14 | 15 => Attempt::Retry { reason: reason(), after: retry_info },
            // Retryable only when the server says when.
            8 if retry_info.is_some() => Attempt::Retry { reason: reason(), after: retry_info },
            _ => Attempt::Rejected { status: RejectStatus::Grpc(code), detail: message },
        }
    }
}

impl Transport for GrpcTransport {
    fn post(&self, body: &[u8]) -> Attempt {
        let Some(runtime) = &self.runtime else {
            return Attempt::Fatal("the gRPC client's runtime could not start".into());
        };
        runtime.block_on(async {
            match tokio::time::timeout(self.timeout, self.call(body)).await {
                Ok(attempt) => attempt,
                Err(_) => {
                    self.forget_connection();
                    Attempt::Retry { reason: format!("no answer within {:?}", self.timeout), after: None }
                }
            }
        })
    }
}

/// A TLS client with the same trust as OTLP/HTTP's: the given roots or the
/// Mozilla ones built in, a client certificate if given, and ALPN `h2`.
fn tls_connector(tls: &TlsSettings) -> Result<std::sync::Arc<rustls::ClientConfig>, String> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    use std::sync::Arc;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS: {e}"))?;
    let builder = if tls.insecure_skip_verify {
        builder.dangerous().with_custom_certificate_verifier(Arc::new(AnyCertificate(provider)))
    } else {
        let mut roots = rustls::RootCertStore::empty();
        match &tls.roots {
            Some(pem) => {
                for cert in CertificateDer::pem_slice_iter(&pem.pem).flatten() {
                    roots.add(cert).map_err(|e| format!("TLS: {}: {e}", pem.path))?;
                }
            }
            None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
        }
        builder.with_root_certificates(roots)
    };
    let mut config = match &tls.client {
        Some((chain, key)) => {
            let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&chain.pem).flatten().collect();
            let key = PrivateKeyDer::from_pem_slice(&key.pem).map_err(|e| format!("TLS: {}: {e}", key.path))?;
            builder.with_client_auth_cert(chain, key).map_err(|e| format!("TLS: the client certificate: {e}"))?
        }
        None => builder.with_no_client_auth(),
    };
    config.alpn_protocols = vec![b"h2".to_vec()];
    Ok(Arc::new(config))
}

/// `insecureSkipVerify`: every server certificate is taken (signatures are
/// still checked, so the handshake itself is sound).
#[derive(Debug)]
struct AnyCertificate(std::sync::Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _: &rustls::pki_types::CertificateDer<'_>,
        _: &[rustls::pki_types::CertificateDer<'_>],
        _: &rustls::pki_types::ServerName<'_>,
        _: &[u8],
        _: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

fn authority(host: &str, port: u16) -> String {
    if host.contains(':') { format!("[{host}]:{port}") } else { format!("{host}:{port}") }
}

/// gRPC's status code names.
pub(crate) fn code_name(code: u8) -> &'static str {
    const NAMES: [&str; 17] = [
        "OK",
        "CANCELLED",
        "UNKNOWN",
        "INVALID_ARGUMENT",
        "DEADLINE_EXCEEDED",
        "NOT_FOUND",
        "ALREADY_EXISTS",
        "PERMISSION_DENIED",
        "RESOURCE_EXHAUSTED",
        "FAILED_PRECONDITION",
        "ABORTED",
        "OUT_OF_RANGE",
        "UNIMPLEMENTED",
        "INTERNAL",
        "UNAVAILABLE",
        "DATA_LOSS",
        "UNAUTHENTICATED",
    ];
    NAMES.get(usize::from(code)).copied().unwrap_or("an unknown status")
}

/// `grpc-message` is percent-encoded.
fn percent_decode(v: &[u8]) -> String {
    let mut out = Vec::with_capacity(v.len());
    let mut i = 0;
    while i < v.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (v[i], v.get(i + 1).copied().and_then(hex), v.get(i + 2).copied().and_then(hex)) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (b, ..) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Base64 as gRPC sends binary headers (padding optional).
fn base64_decode(text: &[u8]) -> Option<Vec<u8>> {
    let value = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        } as u32)
    };
    let text: Vec<u8> = text.iter().copied().filter(|&c| c != b'=').collect();
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    for chunk in text.chunks(4) {
        let mut n = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            n |= value(c)? << (18 - 6 * i);
        }
        let bytes = n.to_be_bytes();
        out.extend_from_slice(&bytes[1..chunk.len()]);
    }
    Some(out)
}

/// The delay of the `google.rpc.RetryInfo` among a `google.rpc.Status`'s
/// details (`grpc-status-details-bin`), if there is one.
fn retry_delay(header: &[u8]) -> Option<Duration> {
    const RETRY_INFO: &[u8] = b"type.googleapis.com/google.rpc.RetryInfo";
    let status = base64_decode(header)?;
    let mut body = &status[..];
    while !body.is_empty() {
        let k = get_varint(&mut body)?;
        let (field, wire) = (k >> 3, (k & 7) as u8);
        if field == 3 && wire == LEN {
            // `details`: an Any {type_url = 1, value = 2}.
            let any = length_delimited(&mut body)?;
            let (mut type_url, mut value) = (&[][..], &[][..]);
            let mut inner = any;
            while !inner.is_empty() {
                let k = get_varint(&mut inner)?;
                match (k >> 3, (k & 7) as u8) {
                    (1, LEN) => type_url = length_delimited(&mut inner)?,
                    (2, LEN) => value = length_delimited(&mut inner)?,
                    (_, w) => skip(&mut inner, w)?,
                }
            }
            if type_url == RETRY_INFO {
                return duration_field(value);
            }
        } else {
            skip(&mut body, wire)?;
        }
    }
    None
}

/// `RetryInfo { retry_delay = 1: Duration { seconds = 1, nanos = 2 } }`.
fn duration_field(mut retry_info: &[u8]) -> Option<Duration> {
    let mut delay = None;
    while !retry_info.is_empty() {
        let k = get_varint(&mut retry_info)?;
        match (k >> 3, (k & 7) as u8) {
            (1, LEN) => {
                let mut d = length_delimited(&mut retry_info)?;
                let (mut secs, mut nanos) = (0u64, 0u32);
                while !d.is_empty() {
                    let k = get_varint(&mut d)?;
                    match (k >> 3, (k & 7) as u8) {
                        (1, VARINT) => secs = get_varint(&mut d)?,
                        (2, VARINT) => nanos = get_varint(&mut d)? as u32,
                        (_, w) => skip(&mut d, w)?,
                    }
                }
                delay = Some(Duration::new(secs.min(86_400), nanos.min(999_999_999)));
            }
            (_, w) => skip(&mut retry_info, w)?,
        }
    }
    delay
}

fn length_delimited<'a>(buf: &mut &'a [u8]) -> Option<&'a [u8]> {
    let n = usize::try_from(get_varint(buf)?).ok()?;
    let (field, rest) = (buf.get(..n)?, buf.get(n..)?);
    *buf = rest;
    Some(field)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_info_is_read_from_the_status_details() {
        // google.rpc.Status{code: 8, details: [Any{RetryInfo{retry_delay: {seconds: 3, nanos: 500000000}}}]},
        // base64 as Python's `base64.b64encode` writes it.
        let b64 = "CAgaNgoodHlwZS5nb29nbGVhcGlzLmNvbS9nb29nbGUucnBjLlJldHJ5SW5mbxIKCggIAxCAyrXuAQ==";
        assert_eq!(retry_delay(b64.as_bytes()), Some(Duration::from_millis(3500)));
        assert_eq!(retry_delay(b64.trim_end_matches('=').as_bytes()), Some(Duration::from_millis(3500)));
        // A status without details, and a header that is not base64.
        assert_eq!(retry_delay(b"CAg="), None);
        assert_eq!(retry_delay(b"!!"), None);
    }

    #[test]
    fn messages_and_codes_read_as_grpc_writes_them() {
        assert_eq!(percent_decode(b"bad%20request%3A %E2%9C%93"), "bad request: \u{2713}");
        assert_eq!(percent_decode(b"100%"), "100%");
        assert_eq!(
            (code_name(14), code_name(8), code_name(16), code_name(99)),
            ("UNAVAILABLE", "RESOURCE_EXHAUSTED", "UNAUTHENTICATED", "an unknown status")
        );
        assert_eq!(base64_decode(b"aGVsbG8=").unwrap(), b"hello");
        assert_eq!(base64_decode(b"aGVsbG8").unwrap(), b"hello");
    }
}
