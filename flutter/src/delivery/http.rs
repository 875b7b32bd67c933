//! One HTTP POST of an encoded request, and what its answer means.

use std::time::Duration;

use super::{Attempt, PartialAcceptance, RejectStatus, Transport};
use crate::otlp::endpoint::redact_credentials;
use crate::otlp::tls::TlsSettings;
use crate::printable::printable;

/// How much of an error body is kept for the report.
pub const BODY_EXCERPT: usize = 512;

/// Posts requests to one URL over a pool of keep-alive connections (one per
/// sender thread).
#[derive(Debug)]
pub(crate) struct HttpTransport {
    agent: ureq::Agent,
    url: String,
    /// Sent with every request: the user's, then the format's own
    /// (`Content-Type`, `Content-Encoding`, …).
    headers: Vec<(String, String)>,
    timeout: Duration,
    /// Reads a 2xx answer's body: what the receiver refused, if anything.
    accepted: fn(&[u8]) -> Option<PartialAcceptance>,
}

impl HttpTransport {
    pub fn new(
        url: String,
        headers: Vec<(String, String)>,
        timeout: Duration,
        tls: &TlsSettings,
        connections: usize,
        accepted: fn(&[u8]) -> Option<PartialAcceptance>,
    ) -> Self {
        let config = ureq::Agent::config_builder();
        #[cfg(feature = "tls")]
        let config = config.tls_config(tls_config(tls));
        #[cfg(not(feature = "tls"))]
        let _ = tls; // Without TLS support there is nothing to configure.
        let config = config
            .timeout_global(Some(timeout))
            // 429 and 503 answers carry `Retry-After` and a body worth reading.
            .http_status_as_error(false)
            // A redirected POST loses its body (or becomes a GET that a
            // backend answers 200): a 3xx is the request's answer, not a hop.
            .max_redirects(0)
            .max_idle_connections(connections)
            .max_idle_connections_per_host(connections)
            .user_agent(concat!("flutter/", env!("CARGO_PKG_VERSION")))
            .build();
        HttpTransport { agent: config.into(), url, headers, timeout, accepted }
    }

    /// A request that got no HTTP answer: retried when the cause may pass (a
    /// refused or reset connection, a timeout), the run stopped at once when
    /// it cannot (a host that does not resolve, TLS that cannot succeed).
    fn classify_error(&self, e: ureq::Error) -> Attempt {
        use ureq::Error as E;
        let retry = |reason: String| Attempt::Retry { reason, after: None };
        match e {
            E::Timeout(_) => retry(format!("no answer within {:?}", self.timeout)),
            E::Io(io) => match tls_failure(&io).or_else(|| dns_failure(&io, &self.url)) {
                Some(why) => Attempt::Fatal(why),
                // TLS 1.3 servers check the client's certificate after the
                // handshake, so a refusal can reach flutter as a closed
                // connection before its alert can be read.
                None if self.url.starts_with("https://")
                    && matches!(io.kind(), std::io::ErrorKind::BrokenPipe | std::io::ErrorKind::ConnectionReset) =>
                {
                    retry(format!(
                        "connection failed: {io}; the server may be refusing flutter's TLS client certificate"
                    ))
                }
                None => retry(format!("connection failed: {io}")),
            },
            E::ConnectionFailed => retry("connection failed".into()),
            E::HostNotFound => Attempt::Fatal(host_not_found(&self.url)),
            E::Protocol(p) => retry(format!("broken answer: {p}")),
            E::Tls(what) => Attempt::Fatal(format!("TLS: {what}")),
            other => Attempt::Fatal(other.to_string()),
        }
    }
}

/// ureq's TLS configuration for these settings (files were checked when the
/// settings were resolved).
#[cfg(feature = "tls")]
fn tls_config(tls: &TlsSettings) -> ureq::tls::TlsConfig {
    use ureq::tls::{Certificate, ClientCert, PemItem, PrivateKey, RootCerts, TlsConfig, parse_pem};
    let certificates = |pem: &[u8]| -> Vec<Certificate<'static>> {
        parse_pem(pem)
            .filter_map(|item| match item {
                Ok(PemItem::Certificate(c)) => Some(c),
                _ => None,
            })
            .collect()
    };
    let mut config = TlsConfig::builder().disable_verification(tls.insecure_skip_verify);
    if let Some(roots) = &tls.roots {
        config = config.root_certs(RootCerts::new_with_certs(&certificates(&roots.pem)));
    }
    if let Some((chain, key)) = &tls.client
        && let Ok(key) = PrivateKey::from_pem(&key.pem)
    {
        config = config.client_cert(Some(ClientCert::new_with_certs(&certificates(&chain.pem), key)));
    }
    config.build()
}

/// A name lookup that says the host does not exist (not a lookup that could
/// not be made now, "Temporary failure in name resolution", which is retried).
/// std reports both as an uncategorised `io::Error` from `getaddrinfo`, told
/// apart only by its text.
pub(crate) fn dns_failure(io: &std::io::Error, url: &str) -> Option<String> {
    let text = io.to_string();
    (text.contains("failed to lookup address information") && !text.contains("Temporary failure"))
        .then(|| host_not_found(url))
}

pub(crate) fn host_not_found(url: &str) -> String {
    format!("the host of {} does not exist (DNS): check the endpoint's host name", redact_credentials(url))
}

/// What a TLS failure means for the user, if `io` is one. Every TLS error is
/// permanent for a run: the same handshake with the same server fails again.
#[cfg(feature = "tls")]
pub(crate) fn tls_failure(io: &std::io::Error) -> Option<String> {
    use rustls::{AlertDescription, CertificateError, Error as T};
    let e = io.get_ref()?.downcast_ref::<T>()?;
    Some(match e {
        T::InvalidCertificate(CertificateError::UnknownIssuer) => {
            "TLS: the server's certificate is not signed by an authority flutter trusts: give the certificate \
             of the authority that signed it with `tls.caFile` (or OTEL_EXPORTER_OTLP_CERTIFICATE)"
                .to_owned()
        }
        T::InvalidCertificate(CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. }) => {
            "TLS: the server's certificate is not valid for the endpoint's host name".to_owned()
        }
        T::InvalidCertificate(c) => format!("TLS: the server's certificate is not valid ({c:?})"),
        T::InvalidMessage(_) | T::InappropriateHandshakeMessage { .. } | T::InappropriateMessage { .. } => format!(
            "TLS handshake failed ({e}): is the endpoint a plain http:// port? Then write http://, not https://"
        ),
        T::AlertReceived(
            alert @ (AlertDescription::CertificateRequired
            | AlertDescription::BadCertificate
            | AlertDescription::UnknownCA),
        ) => format!(
            "TLS: the server refused flutter's client certificate, or wants one ({alert:?}): give one it trusts \
             with `tls.certFile` and `tls.keyFile`"
        ),
        T::AlertReceived(alert) => format!("TLS: the server refused the handshake ({alert:?})"),
        other => format!("TLS: {other}"),
    })
}

#[cfg(not(feature = "tls"))]
pub(crate) fn tls_failure(_: &std::io::Error) -> Option<String> {
    None
}

impl Transport for HttpTransport {
    /// POSTs one encoded (and, if configured, compressed) request body.
    fn post(&self, body: &[u8]) -> Attempt {
        let mut request = self.agent.post(&self.url);
        for (name, value) in &self.headers {
            request = request.header(name.as_str(), value.as_str());
        }
        let mut response = match request.send(body) {
            Ok(r) => r,
            Err(e) => return self.classify_error(e),
        };
        let status = response.status().as_u16();
        let location = response.headers().get("location").map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| parse_retry_after(v, jiff::Timestamp::now()));
        // Read to the end, so the connection goes back to the pool.
        let body = response.body_mut().with_config().limit(16 << 20).read_to_vec().unwrap_or_default();
        match status {
            200..=299 => Attempt::Delivered((self.accepted)(&body)),
            408 | 429 | 502 | 503 | 504 => {
                let reason = format!("HTTP {status}{}", excerpt_suffix(&body));
                Attempt::Retry { reason, after: retry_after }
            }
            300..=399 => {
                Attempt::Rejected { status: RejectStatus::Http(status), detail: redirect_detail(location.as_deref()) }
            }
            413 => Attempt::TooLarge { detail: excerpt(&body) },
            _ => Attempt::Rejected { status: RejectStatus::Http(status), detail: excerpt(&body) },
        }
    }
}

/// What a redirect means: flutter does not follow it with a POST.
fn redirect_detail(location: Option<&str>) -> String {
    let to = location.map_or_else(
        || "somewhere it does not say (no Location)".to_owned(),
        |l| printable(&redact_credentials(l)).into_owned(),
    );
    format!(
        "a redirect to {to}; flutter does not follow redirects with a POST (the points would not arrive): \
         set the endpoint to the address it redirects to"
    )
}

/// The first [`BODY_EXCERPT`] bytes of a body as text, control characters
/// escaped (it is printed to a terminal).
pub(crate) fn excerpt(body: &[u8]) -> String {
    let cut = &body[..body.len().min(BODY_EXCERPT)];
    let mut text = printable(String::from_utf8_lossy(cut).trim()).into_owned();
    if body.len() > BODY_EXCERPT {
        text.push('…');
    }
    text
}

fn excerpt_suffix(body: &[u8]) -> String {
    let text = excerpt(body);
    if text.is_empty() { String::new() } else { format!(": {text}") }
}

/// `Retry-After`: delay-seconds, or an HTTP date (a date in the past is 0).
pub(crate) fn parse_retry_after(value: &str, now: jiff::Timestamp) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let date = jiff::fmt::rfc2822::parse(value).ok()?.timestamp();
    let wait = date.duration_since(now);
    Some(Duration::try_from(wait).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_forms() {
        let now: jiff::Timestamp = "2015-10-21T07:28:00Z".parse().unwrap();
        assert_eq!(parse_retry_after("1", now), Some(Duration::from_secs(1)));
        assert_eq!(parse_retry_after(" 120 ", now), Some(Duration::from_secs(120)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now), Some(Duration::from_secs(30)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:27:00 GMT", now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-5", now), None);
    }

    #[test]
    fn excerpts_are_bounded() {
        assert_eq!(excerpt(b"  bad request \n"), "bad request");
        assert_eq!(excerpt(b"\x1b]0;pwned\x07 no\r\nway"), "\\u{1b}]0;pwned\\u{7} no\\r\\nway");
        let long = vec![b'x'; 2000];
        assert_eq!(excerpt(&long).chars().count(), BODY_EXCERPT + 1);
    }
}
