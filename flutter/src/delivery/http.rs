//! One HTTP POST of an encoded request, and what its answer means.

use std::time::Duration;

use super::{Attempt, PartialAcceptance, Transport};

/// How much of an error body is kept for the report.
pub const BODY_EXCERPT: usize = 512;

/// Posts requests to one URL over one pooled keep-alive connection.
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
        accepted: fn(&[u8]) -> Option<PartialAcceptance>,
    ) -> Self {
        let config = ureq::Agent::config_builder()
            .timeout_global(Some(timeout))
            // 429 and 503 answers carry `Retry-After` and a body worth reading.
            .http_status_as_error(false)
            .max_idle_connections(1)
            .max_idle_connections_per_host(1)
            .user_agent(concat!("flutter/", env!("CARGO_PKG_VERSION")))
            .build();
        HttpTransport { agent: config.into(), url, headers, timeout, accepted }
    }

    fn classify_error(&self, e: ureq::Error) -> Attempt {
        use ureq::Error as E;
        match e {
            E::Timeout(_) => Attempt::Retry { reason: format!("no answer within {:?}", self.timeout), after: None },
            E::Io(io) => Attempt::Retry { reason: format!("connection failed: {io}"), after: None },
            E::ConnectionFailed => Attempt::Retry { reason: "connection failed".into(), after: None },
            E::HostNotFound => Attempt::Retry { reason: "host not found".into(), after: None },
            E::Protocol(p) => Attempt::Retry { reason: format!("broken answer: {p}"), after: None },
            other => Attempt::Fatal(other.to_string()),
        }
    }
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
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| parse_retry_after(v, jiff::Timestamp::now()));
        // Read to the end, so the connection goes back to the pool.
        let body = response.body_mut().with_config().limit(16 << 20).read_to_vec().unwrap_or_default();
        match status {
            200..=299 => Attempt::Delivered((self.accepted)(&body)),
            429 | 502 | 503 | 504 => {
                let reason = format!("HTTP {status}{}", excerpt_suffix(&body));
                Attempt::Retry { reason, after: retry_after }
            }
            _ => Attempt::Rejected { status, body: excerpt(&body) },
        }
    }
}

/// The first [`BODY_EXCERPT`] bytes of a body as text.
pub(crate) fn excerpt(body: &[u8]) -> String {
    let cut = &body[..body.len().min(BODY_EXCERPT)];
    let mut text = String::from_utf8_lossy(cut).trim().to_owned();
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
        let long = vec![b'x'; 2000];
        assert_eq!(excerpt(&long).chars().count(), BODY_EXCERPT + 1);
    }
}
