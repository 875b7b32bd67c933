//! Endpoints, parsed by a real URL parser (the `url` crate, WHATWG URLs): a
//! port out of range, an unclosed `[`, an empty host, a query or a fragment
//! are errors before any point, and credentials written in the URL are taken
//! out of it — sent as Basic auth, never printed.

use crate::printable::printable;

/// The path a base URL gets for metrics.
pub const METRICS_PATH: &str = "/v1/metrics";

/// The path a base URL gets for traces.
pub const TRACES_PATH: &str = "/v1/traces";

/// The path a base URL gets for logs.
pub const LOGS_PATH: &str = "/v1/logs";

/// An endpoint as requests use it.
#[derive(Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// The URL requests go to, without credentials.
    pub url: String,
    /// `user:password` from the URL, percent-decoded (a secret).
    pub credentials: Option<String>,
}

impl Endpoint {
    /// Parses `text`; with `append`, `text` is a base URL and that path
    /// ([`METRICS_PATH`], [`TRACES_PATH`]) is appended to its path.
    pub fn parse(text: &str, append: Option<&str>) -> Result<Endpoint, String> {
        let mut url = parse_url(text)?;
        let credentials = (!url.username().is_empty() || url.password().is_some()).then(|| {
            let user = percent_decode(url.username());
            let password = url.password().map(percent_decode).unwrap_or_default();
            format!("{user}:{password}")
        });
        // Never fails for an http(s) URL with a host.
        let _ = url.set_username("");
        let _ = url.set_password(None);
        if let Some(signal) = append {
            let path = format!("{}{signal}", url.path().trim_end_matches('/'));
            url.set_path(&path);
        }
        Ok(Endpoint { url: url.into(), credentials })
    }

    /// The URL as messages show it: `http://***@host/…` when it had credentials.
    pub fn shown(&self) -> String {
        match (&self.credentials, self.url.split_once("://")) {
            (Some(_), Some((scheme, rest))) => format!("{scheme}://***@{rest}"),
            _ => self.url.clone(),
        }
    }

    /// `Authorization: Basic …` for the URL's credentials.
    pub fn basic_auth(&self) -> Option<String> {
        self.credentials.as_ref().map(|c| format!("Basic {}", base64(c.as_bytes())))
    }
}

impl std::fmt::Debug for Endpoint {
    /// Credentials are left out: they are secrets.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Endpoint").field("url", &self.shown()).finish_non_exhaustive()
    }
}

/// `scheme://***@host…` for any URL text with credentials in it (a redirect's
/// `Location`, say); others unchanged.
pub fn redact_credentials(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_owned() };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{scheme}://***{}", &rest[at..]),
        None => url.to_owned(),
    }
}

/// Checks an endpoint's text (as a load does, before any `${VAR}` is known).
pub(crate) fn check(text: &str) -> Result<(), String> {
    parse_url(text).map(|_| ())
}

fn parse_url(text: &str) -> Result<url::Url, String> {
    let shown = printable(text);
    // The WHATWG parser forgives `http:/host` and `http:host`; an endpoint is
    // written out in full.
    let scheme_end = text.find("://").filter(|&i| {
        let scheme = &text[..i];
        scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https")
    });
    let Some(scheme_end) = scheme_end else {
        return Err(format!("must be an http:// or https:// URL, found `{shown}`"));
    };
    if text.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!("must not contain spaces or control characters: `{shown}`"));
    }
    let after = &text[scheme_end + 3..];
    if after.is_empty() || after.starts_with(['/', '?', '#']) {
        return Err(format!("has no host: `{shown}`"));
    }
    let url = url::Url::parse(text).map_err(|e| format!("is not a valid URL ({e}): `{shown}`"))?;
    if url.host_str().is_none_or(str::is_empty) {
        return Err(format!("has no host: `{shown}`"));
    }
    if url.query().is_some() {
        return Err(format!("must not have a query (`?…`): `{shown}`"));
    }
    if url.fragment().is_some() {
        return Err(format!("must not have a fragment (`#…`): `{shown}`"));
    }
    Ok(url)
}

/// `%XX` decoded (a URL's user name and password are percent-encoded).
pub(crate) fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push((h * 16 + l) as u8);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Standard base64 with padding (RFC 4648), for Basic auth.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], chunk.get(1).copied().unwrap_or(0), chunk.get(2).copied().unwrap_or(0)];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        Endpoint::parse(text, Some(METRICS_PATH)).unwrap_err()
    }

    #[test]
    fn bad_endpoints_are_errors() {
        assert_eq!(err("http://127.0.0.1:99999"), "is not a valid URL (invalid port number): `http://127.0.0.1:99999`");
        assert_eq!(err("http://[::1"), "is not a valid URL (invalid IPv6 address): `http://[::1`");
        assert_eq!(err("http://"), "has no host: `http://`");
        assert_eq!(err("http:///v1"), "has no host: `http:///v1`");
        assert_eq!(err("http://:4318"), "is not a valid URL (empty host): `http://:4318`");
        assert_eq!(err("localhost:4318"), "must be an http:// or https:// URL, found `localhost:4318`");
        assert_eq!(err("ftp://host"), "must be an http:// or https:// URL, found `ftp://host`");
        assert_eq!(err("http:/host"), "must be an http:// or https:// URL, found `http:/host`");
        assert_eq!(err("http://host/?tenant=a"), "must not have a query (`?…`): `http://host/?tenant=a`");
        assert_eq!(err("http://host/#x"), "must not have a fragment (`#…`): `http://host/#x`");
        assert_eq!(err("http://ho st"), "must not contain spaces or control characters: `http://ho st`");
        assert_eq!(
            err("http://host\u{1b}[2J"),
            "must not contain spaces or control characters: `http://host\\u{1b}[2J`"
        );
    }

    #[test]
    fn schemes_and_hosts_are_case_insensitive_and_paths_joined() {
        let e = Endpoint::parse("HTTP://Collector.Example:4318/otlp/", Some(METRICS_PATH)).unwrap();
        assert_eq!(e.url, "http://collector.example:4318/otlp/v1/metrics");
        assert_eq!(Endpoint::parse("https://h", Some(METRICS_PATH)).unwrap().url, "https://h/v1/metrics");
        assert_eq!(Endpoint::parse("https://h/otlp/", Some(TRACES_PATH)).unwrap().url, "https://h/otlp/v1/traces");
        assert_eq!(
            Endpoint::parse("http://[::1]:4318", Some(METRICS_PATH)).unwrap().url,
            "http://[::1]:4318/v1/metrics"
        );
        assert_eq!(Endpoint::parse("http://h:4318/custom/path", None).unwrap().url, "http://h:4318/custom/path");
    }

    #[test]
    fn credentials_leave_the_url_for_basic_auth() {
        let e = Endpoint::parse("http://us%40er:p%3Ass@host:4318", Some(METRICS_PATH)).unwrap();
        assert_eq!(e.url, "http://host:4318/v1/metrics");
        assert_eq!(e.shown(), "http://***@host:4318/v1/metrics");
        assert_eq!(e.credentials.as_deref(), Some("us@er:p:ss"));
        assert_eq!(e.basic_auth().as_deref(), Some("Basic dXNAZXI6cDpzcw=="));
        assert!(!format!("{e:?}").contains("p:ss"));
        let plain = Endpoint::parse("http://host", Some(METRICS_PATH)).unwrap();
        assert_eq!((plain.shown(), plain.basic_auth()), ("http://host/v1/metrics".into(), None));
    }

    #[test]
    fn credentials_are_redacted() {
        assert_eq!(redact_credentials("http://user:pass@host:4318/v1/metrics"), "http://***@host:4318/v1/metrics");
        assert_eq!(redact_credentials("https://a@b@host"), "https://***@host");
        assert_eq!(redact_credentials("http://host/path@x"), "http://host/path@x");
        assert_eq!(redact_credentials("/relative/v1/metrics"), "/relative/v1/metrics");
    }

    #[test]
    fn base64_pads() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"Aladdin:open sesame"), "QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
    }
}
