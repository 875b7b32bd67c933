//! The OTLP destination, in one place: what a scenario's `otlpDestination`
//! holds, how it is read and merged across files, and how it is resolved with
//! the `--endpoint` flag and the OpenTelemetry environment variables when a run
//! starts.
//!
//! Order, highest first:
//! * endpoint: `--endpoint` → `otlpDestination.endpoint` →
//!   `OTEL_EXPORTER_OTLP_METRICS_ENDPOINT` (a full URL, used as is) →
//!   `OTEL_EXPORTER_OTLP_ENDPOINT` (a base URL; `/v1/metrics` is appended);
//! * the traces (logs) endpoint: `--endpoint` or `otlpDestination.endpoint` (base
//!   URLs; `/v1/traces` (`/v1/logs`) is appended) → `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`
//!   (`…_LOGS_ENDPOINT`, used as is) → `OTEL_EXPORTER_OTLP_ENDPOINT`; over gRPC, the
//!   metrics server;
//! * headers, merged name by name: `otlpDestination.headers` →
//!   `OTEL_EXPORTER_OTLP_METRICS_HEADERS` → `OTEL_EXPORTER_OTLP_HEADERS`;
//! * timeout: `otlpDestination.timeout` → `OTEL_EXPORTER_OTLP_METRICS_TIMEOUT` →
//!   `OTEL_EXPORTER_OTLP_TIMEOUT` (milliseconds) → 5s;
//! * compression: `otlpDestination.compression` →
//!   `OTEL_EXPORTER_OTLP_METRICS_COMPRESSION` → `OTEL_EXPORTER_OTLP_COMPRESSION` → none.
//!
//! Points are sent when any of these names an endpoint (and the run is not dry).

use std::borrow::Cow;
use std::time::Duration;

use super::endpoint::{Endpoint, LOGS_PATH, METRICS_PATH, TRACES_PATH, check, percent_decode};
use super::tls::{self, TlsError, TlsFiles, TlsSettings};
use crate::go::duration::GoDuration;
use crate::header_template::{TemplateError, check_template, expand};
use crate::scenario::read::Reader;
use crate::scenario::yaml::{Node, Value};

/// `OTEL_EXPORTER_OTLP_ENDPOINT`: a base URL for every signal.
pub const ENV_ENDPOINT: &str = "OTEL_EXPORTER_OTLP_ENDPOINT";
/// `OTEL_EXPORTER_OTLP_METRICS_ENDPOINT`: the full URL for metrics.
pub const ENV_METRICS_ENDPOINT: &str = "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT";
/// `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`: the full URL for traces.
pub const ENV_TRACES_ENDPOINT: &str = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT";
/// `OTEL_EXPORTER_OTLP_LOGS_ENDPOINT`: the full URL for logs.
pub const ENV_LOGS_ENDPOINT: &str = "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT";
/// `OTEL_EXPORTER_OTLP_HEADERS`: `name=value,…` for every signal.
pub const ENV_HEADERS: &str = "OTEL_EXPORTER_OTLP_HEADERS";
/// `OTEL_EXPORTER_OTLP_METRICS_HEADERS`: `name=value,…` for metrics.
pub const ENV_METRICS_HEADERS: &str = "OTEL_EXPORTER_OTLP_METRICS_HEADERS";
/// `OTEL_EXPORTER_OTLP_TIMEOUT`: milliseconds, for every signal.
pub const ENV_TIMEOUT: &str = "OTEL_EXPORTER_OTLP_TIMEOUT";
/// `OTEL_EXPORTER_OTLP_METRICS_TIMEOUT`: milliseconds, for metrics.
pub const ENV_METRICS_TIMEOUT: &str = "OTEL_EXPORTER_OTLP_METRICS_TIMEOUT";
/// `OTEL_EXPORTER_OTLP_COMPRESSION`: `gzip` or `none`, for every signal.
pub const ENV_COMPRESSION: &str = "OTEL_EXPORTER_OTLP_COMPRESSION";
/// `OTEL_EXPORTER_OTLP_METRICS_COMPRESSION`: `gzip` or `none`, for metrics.
pub const ENV_METRICS_COMPRESSION: &str = "OTEL_EXPORTER_OTLP_METRICS_COMPRESSION";
/// `OTEL_EXPORTER_OTLP_PROTOCOL`: only `http/protobuf` is supported.
pub const ENV_PROTOCOL: &str = "OTEL_EXPORTER_OTLP_PROTOCOL";
/// `OTEL_EXPORTER_OTLP_METRICS_PROTOCOL`: only `http/protobuf` is supported.
pub const ENV_METRICS_PROTOCOL: &str = "OTEL_EXPORTER_OTLP_METRICS_PROTOCOL";

/// Default per-request timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);
/// Default largest request, in points.
pub const DEFAULT_MAX_POINTS_PER_REQUEST: usize = 8192;

/// Default amount of simulated time that may wait for delivery in real time.
pub const DEFAULT_QUEUE_DURATION: Duration = Duration::from_secs(300);
/// Default time waiting data still gets after the last tick.
pub const DEFAULT_FLUSH_TIMEOUT: Duration = Duration::from_secs(30);
/// Default time one request may be retried in a `--fast` run.
pub const DEFAULT_RETRY_BUDGET: Duration = Duration::from_secs(300);

/// The most connections a destination may use.
pub const MAX_CONNECTIONS: u64 = 64;

/// `connections` (the key or `--connections`): from 1 to [`MAX_CONNECTIONS`].
pub fn check_connections(n: u64) -> Result<u32, String> {
    if (1..=MAX_CONNECTIONS).contains(&n) {
        Ok(n as u32)
    } else {
        Err(format!("must be from 1 to {MAX_CONNECTIONS}, found {n}"))
    }
}

/// The largest `maxPointsPerRequest` accepted.
pub(crate) const MAX_POINTS_PER_REQUEST: u64 = 1_000_000;

/// Headers flutter sets itself on every OTLP request.
pub(crate) const RESERVED_HEADERS: &[&str] =
    &["content-type", "content-encoding", "content-length", "host", "transfer-encoding"];

/// Where and how OTLP is sent, as a scenario gives it.
#[derive(Clone, Debug, Default, PartialEq)]
#[cfg_attr(feature = "bake", derive(serde::Serialize))]
pub struct OtlpDestination<'a> {
    /// Base URL; metrics go to `<endpoint>/v1/metrics`.
    pub endpoint: Option<Cow<'a, str>>,
    /// Headers sent with every request; values may name `${ENV_VARS}`.
    pub headers: Cow<'a, [Header<'a>]>,
    /// Per-request timeout.
    pub timeout: Option<GoDuration>,
    /// Request body compression.
    pub compression: Option<Compression>,
    /// Largest request, in points (default 8,192).
    pub max_points_per_request: Option<u32>,
    /// In real time, how much data (in simulated time) may wait for delivery
    /// before the oldest is dropped (default 5m).
    pub queue_duration: Option<GoDuration>,
    /// After the last tick, how long waiting data may still be delivered (default 30s).
    pub flush_timeout: Option<GoDuration>,
    /// In `--fast` runs, how long one request may be retried before the run
    /// fails (default 5m).
    pub retry_budget: Option<GoDuration>,
    /// What TLS trusts and presents.
    pub tls: Option<TlsFiles<'a>>,
    /// Requests sent at once, each over its own connection (default 1).
    pub connections: Option<u32>,
    /// OTLP over HTTP with protobuf bodies (default), or over gRPC.
    pub protocol: Option<Protocol>,
}

/// How OTLP goes to the destination.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "bake", derive(serde::Serialize))]
pub enum Protocol {
    /// `http/protobuf`: POSTs to `<endpoint>/v1/metrics`.
    #[default]
    HttpProtobuf,
    /// `grpc`: `MetricsService/Export` calls over HTTP/2 to `<endpoint>`.
    Grpc,
}

/// The protocols by the names OTel's configuration gives them.
pub(crate) const PROTOCOLS: &[(&str, Protocol)] =
    &[("http/protobuf", Protocol::HttpProtobuf), ("grpc", Protocol::Grpc)];

/// An HTTP header as written in the scenario (the value is expanded at run time).
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "bake", derive(serde::Serialize))]
pub struct Header<'a> {
    /// Header name.
    pub name: Cow<'a, str>,
    /// Header value, possibly with `${NAME}` references.
    pub value: Cow<'a, str>,
}

/// Request body compression.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "bake", derive(serde::Serialize))]
pub enum Compression {
    /// Bodies are sent as they are.
    #[default]
    None,
    /// Bodies are gzip-compressed (`Content-Encoding: gzip`).
    Gzip,
}

const KEYS: &[(&str, &str)] = &[
    ("endpoint", "endpoint"),
    ("headers", "headers"),
    ("timeout", "timeout"),
    ("compression", "compression"),
    ("maxPointsPerRequest", "maxPointsPerRequest"),
    ("queueDuration", "queueDuration"),
    ("flushTimeout", "flushTimeout"),
    ("retryBudget", "retryBudget"),
    ("tls", "tls"),
    ("connections", "connections"),
    ("protocol", "protocol"),
];

/// The scenario sections that hold a destination.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Section {
    /// `otlpDestination`: `endpoint` is a base URL.
    Otlp,
    /// `remoteWrite`: `url` is the full URL; bodies are always snappy.
    RemoteWrite,
}

impl Section {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Section::Otlp => "otlpDestination",
            Section::RemoteWrite => "remoteWrite",
        }
    }

    fn url_key(self) -> &'static str {
        match self {
            Section::Otlp => "endpoint",
            Section::RemoteWrite => "url",
        }
    }

    /// Its keys: `otlpDestination`'s, or for `remoteWrite` the same with
    /// `url` for `endpoint` and no `compression` (always snappy) or `protocol`.
    pub(crate) fn keys(self) -> Vec<(&'static str, &'static str)> {
        let rename = |&(k, v): &(&'static str, &'static str)| match (self, k) {
            (Section::RemoteWrite, "endpoint") => Some(("url", "url")),
            (Section::RemoteWrite, "compression" | "protocol") => None,
            _ => Some((k, v)),
        };
        KEYS.iter().filter_map(rename).collect()
    }
}

pub(crate) const COMPRESSIONS: &[(&str, Compression)] = &[("none", Compression::None), ("gzip", Compression::Gzip)];

impl OtlpDestination<'static> {
    /// Reads one file's `otlpDestination` or `remoteWrite` (whose `url` is
    /// held as `endpoint`); problems are reported at their place.
    pub(crate) fn read(r: &mut Reader<'_>, n: &Node, section: Section) -> Option<OtlpDestination<'static>> {
        let name = section.name();
        let f = r.fields(n, &format!("`{name}`"), &section.keys())?;
        let mut out = OtlpDestination::default();
        let url_key = section.url_key();
        if let Some(n) = f.get(url_key)
            && let Some(url) = r.string(n, &format!("`{name}.{url_key}`"))
        {
            // With a `${VAR}` in it, only the template can be checked now;
            // the URL is checked when the run starts.
            let checked = if url.contains("${") {
                check_template(&url).map_err(|e| format!(": {e}"))
            } else {
                check(&url).map_err(|e| format!(" {e}"))
            };
            match checked {
                Ok(()) => out.endpoint = Some(Cow::Owned(url)),
                Err(e) => r.error(n, format!("`{name}.{url_key}`{e}")),
            }
        }
        if let Some(n) = f.get("headers") {
            out.headers = Cow::Owned(read_headers(r, n, name));
        }
        if let Some(n) = f.get("timeout") {
            out.timeout = r.positive_duration(n, &format!("`{name}.timeout`"));
        }
        if let Some(n) = f.get("compression") {
            out.compression = r.choice(n, &format!("`{name}.compression`"), COMPRESSIONS);
        }
        if let Some(n) = f.get("maxPointsPerRequest")
            && let Some(v) = r.u64(n, &format!("`{name}.maxPointsPerRequest`"))
        {
            if (1..=MAX_POINTS_PER_REQUEST).contains(&v) {
                out.max_points_per_request = Some(v as u32);
            } else {
                let message =
                    format!("`{name}.maxPointsPerRequest` must be from 1 to {MAX_POINTS_PER_REQUEST}, found {v}");
                r.error(n, message);
            }
        }
        if let Some(n) = f.get("queueDuration") {
            out.queue_duration = r.positive_duration(n, &format!("`{name}.queueDuration`"));
        }
        if let Some(n) = f.get("flushTimeout") {
            out.flush_timeout = r.non_negative_duration(n, &format!("`{name}.flushTimeout`"));
        }
        if let Some(n) = f.get("retryBudget") {
            out.retry_budget = r.non_negative_duration(n, &format!("`{name}.retryBudget`"));
        }
        if let Some(n) = f.get("tls") {
            out.tls = TlsFiles::read(r, n, name);
        }
        if let Some(n) = f.get("protocol") {
            out.protocol = r.choice(n, &format!("`{name}.protocol`"), PROTOCOLS);
        }
        if let Some(n) = f.get("connections")
            && let Some(v) = r.u64(n, &format!("`{name}.connections`"))
        {
            match check_connections(v) {
                Ok(v) => out.connections = Some(v),
                Err(e) => r.error(n, format!("`{name}.connections` {e}")),
            }
        }
        Some(out)
    }

    /// A later file's destination over this one: each setting it gives wins,
    /// headers merge name by name (the later file winning).
    pub(crate) fn overlay(&mut self, later: OtlpDestination<'static>) {
        let OtlpDestination {
            endpoint,
            headers,
            timeout,
            compression,
            max_points_per_request,
            queue_duration,
            flush_timeout,
            retry_budget,
            tls,
            connections,
            protocol,
        } = later;
        self.connections = connections.or(self.connections);
        self.protocol = protocol.or(self.protocol);
        match (self.tls.as_mut(), tls) {
            (Some(mine), Some(theirs)) => mine.overlay(theirs),
            (None, Some(theirs)) => self.tls = Some(theirs),
            (_, None) => {}
        }
        self.endpoint = endpoint.or(self.endpoint.take());
        self.timeout = timeout.or(self.timeout);
        self.compression = compression.or(self.compression);
        self.max_points_per_request = max_points_per_request.or(self.max_points_per_request);
        self.queue_duration = queue_duration.or(self.queue_duration);
        self.flush_timeout = flush_timeout.or(self.flush_timeout);
        self.retry_budget = retry_budget.or(self.retry_budget);
        let mut merged: Vec<(String, String)> =
            self.headers.iter().map(|h| (h.name.to_string(), h.value.to_string())).collect();
        for h in headers.iter() {
            set_header(&mut merged, h.name.to_string(), h.value.to_string());
        }
        self.headers = Cow::Owned(
            merged
                .into_iter()
                .map(|(name, value)| Header { name: Cow::Owned(name), value: Cow::Owned(value) })
                .collect(),
        );
    }
}

/// Whether `name` is an HTTP header name (an RFC 9110 token).
fn is_header_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// Whether `value` can be sent as an HTTP header value (RFC 9110: visible
/// characters, spaces and tabs; no line breaks or other control characters).
fn is_header_value(value: &str) -> bool {
    value.bytes().all(|b| b == b'\t' || (b' '..=b'~').contains(&b) || b >= 0x80)
}

/// Sets a header, replacing one of the same name (names are case-insensitive).
fn set_header(headers: &mut Vec<(String, String)>, name: String, value: String) {
    match headers.iter_mut().find(|(n, _)| n.eq_ignore_ascii_case(&name)) {
        Some(slot) => *slot = (name, value),
        None => headers.push((name, value)),
    }
}

/// Reads a header given as `NAME=VALUE` (`--header`): a valid name that
/// flutter does not set itself, and a value that can be sent as it is.
pub fn parse_header(text: &str) -> Result<(String, String), String> {
    let (name, value) = text.split_once('=').ok_or_else(|| format!("`{text}` is not NAME=VALUE (no `=`)"))?;
    let name = name.trim();
    if !is_header_name(name) {
        return Err(format!("`{name}` is not a valid HTTP header name"));
    }
    if RESERVED_HEADERS.contains(&name.to_ascii_lowercase().as_str()) {
        return Err(format!("header `{name}` is set by flutter and cannot be configured"));
    }
    if !is_header_value(value) {
        return Err(format!("header `{name}` must not contain line breaks or other control characters"));
    }
    Ok((name.to_owned(), value.to_owned()))
}

impl OtlpSettings {
    /// Sets a header, replacing one of the same name (case-insensitive):
    /// what `--header` does, above the scenario and the environment.
    pub fn set_header(&mut self, name: String, value: String) {
        set_header(&mut self.headers, name, value);
    }
}

fn read_headers(r: &mut Reader<'_>, n: &Node, section: &str) -> Vec<Header<'static>> {
    let Value::Map(entries) = &n.value else {
        r.error(n, format!("`{section}.headers` must be a map of names to values, found {}", n.value.kind()));
        return Vec::new();
    };
    let mut out: Vec<Header<'static>> = Vec::new();
    for (k, v) in entries {
        let Some(name) = r.string(k, "a header name") else { continue };
        if !is_header_name(&name) {
            r.error(k, format!("`{name}` is not a valid HTTP header name"));
            continue;
        }
        if RESERVED_HEADERS.contains(&name.to_ascii_lowercase().as_str()) {
            r.error(k, format!("header `{name}` is set by flutter and cannot be configured"));
            continue;
        }
        if out.iter().any(|h| h.name.eq_ignore_ascii_case(&name)) {
            r.error(k, format!("header `{name}` is given twice"));
            continue;
        }
        let value = match &v.value {
            Value::Str(s) => s.clone(),
            Value::Int(i) => i.to_string(),
            _ => {
                r.error(v, format!("header `{name}` must be a string, found {}", v.value.kind()));
                continue;
            }
        };
        if let Err(e) = check_template(&value) {
            r.error(v, format!("header `{name}`: {e}"));
            continue;
        }
        if !is_header_value(&value) {
            r.error(v, format!("header `{name}` must not contain line breaks or other control characters"));
            continue;
        }
        out.push(Header { name: Cow::Owned(name), value: Cow::Owned(value) });
    }
    out
}

/// Where the endpoint came from (for messages).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EndpointSource {
    /// `--endpoint`.
    Flag,
    /// `otlpDestination.endpoint`.
    Scenario,
    /// `OTEL_EXPORTER_OTLP_METRICS_ENDPOINT`.
    EnvMetrics,
    /// `OTEL_EXPORTER_OTLP_ENDPOINT`.
    EnvBase,
    /// `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` (the traces URL only).
    EnvTraces,
    /// `OTEL_EXPORTER_OTLP_LOGS_ENDPOINT` (the logs URL only).
    EnvLogs,
    /// `--remote-write`.
    RemoteWrite,
    /// `remoteWrite.url`.
    RemoteWriteScenario,
}

impl EndpointSource {
    /// How a user would name it.
    pub fn describe(self) -> &'static str {
        match self {
            EndpointSource::Flag => "--endpoint",
            EndpointSource::Scenario => "otlpDestination.endpoint",
            EndpointSource::EnvMetrics => ENV_METRICS_ENDPOINT,
            EndpointSource::EnvBase => ENV_ENDPOINT,
            EndpointSource::EnvTraces => ENV_TRACES_ENDPOINT,
            EndpointSource::EnvLogs => ENV_LOGS_ENDPOINT,
            EndpointSource::RemoteWrite => "--remote-write",
            EndpointSource::RemoteWriteScenario => "remoteWrite.url",
        }
    }
}

/// Resolved delivery settings.
#[derive(Clone, PartialEq, Eq)]
pub struct OtlpSettings {
    /// The URL requests are POSTed to (credentials taken out of it).
    pub url: String,
    /// The URL as messages show it (`http://***@host/…` if it had credentials).
    pub shown_url: String,
    /// Where the URL came from.
    pub source: EndpointSource,
    /// Where spans go (over gRPC, the server), without credentials; `None`
    /// when nothing names it (remote write; a full metrics URL alone).
    pub traces_url: Option<String>,
    /// Where log records go, as `traces_url`.
    pub logs_url: Option<String>,
    /// What a run (and `--check`) should warn about these settings.
    pub warnings: Vec<String>,
    /// Headers, expanded (values are secrets: never printed).
    pub headers: Vec<(String, String)>,
    /// Per-request timeout.
    pub timeout: Duration,
    /// Request body compression.
    pub compression: Compression,
    /// Largest request, in points.
    pub max_points_per_request: usize,
    /// Real time: simulated time that may wait for delivery.
    pub queue_duration: Duration,
    /// Time waiting data still gets after the last tick.
    pub flush_timeout: Duration,
    /// `--fast`: time one request may be retried before the run fails.
    pub retry_budget: Duration,
    /// What TLS trusts and presents.
    pub tls: TlsSettings,
    /// Requests sent at once, each over its own connection.
    pub connections: usize,
    /// OTLP/HTTP or OTLP/gRPC (remote write: always HTTP).
    pub protocol: Protocol,
}

impl std::fmt::Debug for OtlpSettings {
    /// Header values are left out: they may be secrets.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.headers.iter().map(|(n, _)| n.as_str()).collect();
        f.debug_struct("OtlpSettings")
            .field("url", &self.shown_url)
            .field("source", &self.source)
            .field("header_names", &names)
            .field("timeout", &self.timeout)
            .field("compression", &self.compression)
            .field("max_points_per_request", &self.max_points_per_request)
            .field("queue_duration", &self.queue_duration)
            .field("flush_timeout", &self.flush_timeout)
            .field("retry_budget", &self.retry_budget)
            .field("tls", &self.tls)
            .field("connections", &self.connections)
            .field("protocol", &self.protocol)
            .finish()
    }
}

/// Why the settings cannot be resolved; the run stops before any point.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SettingsError {
    /// `otlpDestination` without an endpoint, and none from flag or environment.
    #[error(
        "`otlpDestination` has no endpoint: set `otlpDestination.endpoint`, --endpoint, or OTEL_EXPORTER_OTLP_ENDPOINT"
    )]
    NoEndpoint,
    /// `remoteWrite` without a `url`, and no `--remote-write`.
    #[error("`remoteWrite` has no url: set `remoteWrite.url` or --remote-write")]
    NoRemoteWriteUrl,
    /// An endpoint that is not an http(s) URL.
    #[error("{origin} {message}")]
    BadEndpoint {
        /// Where it came from.
        origin: &'static str,
        /// What is wrong.
        message: String,
    },
    /// An environment variable with a value that cannot be used.
    #[error("environment variable {var}: {message}")]
    BadEnv {
        /// The variable.
        var: &'static str,
        /// What is wrong.
        message: String,
    },
    /// The scenario's endpoint has a `${NAME}` that cannot be expanded.
    #[error("{origin}: {error}")]
    EndpointTemplate {
        /// The key.
        origin: &'static str,
        /// What is wrong.
        error: TemplateError,
    },
    /// A TLS file that cannot be read or used.
    #[error(transparent)]
    Tls(#[from] TlsError),
    /// A header whose `${NAME}` cannot be expanded.
    #[error("header `{name}`: {error}")]
    Header {
        /// The header's name.
        name: String,
        /// What is wrong.
        error: TemplateError,
    },
}

/// The most points in one request: the destination's `maxPointsPerRequest`,
/// or [`DEFAULT_MAX_POINTS_PER_REQUEST`].
pub fn max_points_per_request(dest: Option<&OtlpDestination<'_>>) -> usize {
    dest.and_then(|d| d.max_points_per_request).map_or(DEFAULT_MAX_POINTS_PER_REQUEST, |n| n as usize)
}

/// Resolves the settings; `Ok(None)` when nothing names an endpoint or a
/// destination (points are only printed). `env` reads an environment variable.
pub fn resolve(
    dest: Option<&OtlpDestination<'_>>,
    endpoint_flag: Option<&str>,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Option<OtlpSettings>, SettingsError> {
    let raw_env = env;
    let env = |var: &str| raw_env(var).filter(|v| !v.trim().is_empty());
    // (text, source, whether it is a base URL that gets `/v1/metrics`)
    let (text, source, base) = if let Some(flag) = endpoint_flag {
        (flag.trim().to_owned(), EndpointSource::Flag, true)
    } else if let Some(ep) = dest.and_then(|d| d.endpoint.as_deref()) {
        let text = expand(ep, &raw_env)
            .map_err(|error| SettingsError::EndpointTemplate { origin: "otlpDestination.endpoint", error })?;
        (text, EndpointSource::Scenario, true)
    } else if let Some(full) = env(ENV_METRICS_ENDPOINT) {
        (full.trim().to_owned(), EndpointSource::EnvMetrics, false)
    } else if let Some(base) = env(ENV_ENDPOINT) {
        (base.trim().to_owned(), EndpointSource::EnvBase, true)
    } else if dest.is_some() {
        return Err(SettingsError::NoEndpoint);
    } else {
        return Ok(None);
    };
    resolve_url(text, source, base, (dest, Section::Otlp), &raw_env, &raw_env).map(Some)
}

/// Resolves the remote write destination: `--remote-write` (`flag`), else
/// the scenario's `remoteWrite.url` (with its `${VAR}`s expanded), used as
/// given; `Ok(None)` when neither is set. The `OTEL_EXPORTER_OTLP_*`
/// variables do not apply (`SSL_CERT_FILE` does).
pub fn resolve_remote_write(
    dest: Option<&OtlpDestination<'_>>,
    flag: Option<&str>,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Option<OtlpSettings>, SettingsError> {
    let (text, source) = match (flag, dest.and_then(|d| d.endpoint.as_deref())) {
        (Some(flag), _) => (flag.trim().to_owned(), EndpointSource::RemoteWrite),
        (None, Some(url)) => {
            let text = expand(url, &env)
                .map_err(|error| SettingsError::EndpointTemplate { origin: "remoteWrite.url", error })?;
            (text, EndpointSource::RemoteWriteScenario)
        }
        (None, None) if dest.is_some() => return Err(SettingsError::NoRemoteWriteUrl),
        (None, None) => return Ok(None),
    };
    let system_only = |var: &str| if var == tls::ENV_SSL_CERT_FILE { env(var) } else { None };
    resolve_url(text, source, false, (dest, Section::RemoteWrite), &system_only, &env).map(Some)
}

/// The settings for URL `text` (from `source`; `base`: `/v1/metrics` is
/// appended) with the rest from `dest` (read from `section`), then the
/// environment `otel_env`; `vars` expands `${VAR}`s in headers.
fn resolve_url(
    text: String,
    source: EndpointSource,
    base: bool,
    (dest, section): (Option<&OtlpDestination<'_>>, Section),
    otel_env: &dyn Fn(&str) -> Option<String>,
    vars: &dyn Fn(&str) -> Option<String>,
) -> Result<OtlpSettings, SettingsError> {
    let env = |var: &str| otel_env(var).filter(|v| !v.trim().is_empty());
    let mut protocol = dest.and_then(|d| d.protocol);
    for var in [ENV_METRICS_PROTOCOL, ENV_PROTOCOL] {
        if protocol.is_none()
            && let Some(text) = env(var)
        {
            protocol = Some(env_protocol(var, text.trim())?);
        }
    }
    let protocol = protocol.unwrap_or_default();
    let grpc = protocol == Protocol::Grpc;
    // gRPC names its method: the endpoint is the server, used as given.
    let base = base && !grpc;
    let endpoint = Endpoint::parse(&text, base.then_some(METRICS_PATH))
        .map_err(|message| SettingsError::BadEndpoint { origin: source.describe(), message })?;
    let signal_url = |path: &'static str, var: &'static str, var_source: EndpointSource| {
        if grpc {
            return Ok(Some(endpoint.url.clone()));
        }
        // An endpoint given as a base (the flag, the scenario) serves every
        // signal; else the signal's variable (a full URL), else the base variable.
        let given = (base && source != EndpointSource::EnvBase).then(|| (text.clone(), Some(path), source));
        let full = || env(var).map(|t| (t, None, var_source));
        let base_env = || env(ENV_ENDPOINT).map(|t| (t, Some(path), EndpointSource::EnvBase));
        match given.or_else(full).or_else(base_env) {
            None => Ok(None),
            Some((text, path, source)) => Endpoint::parse(text.trim(), path)
                .map(|e| Some(e.url))
                .map_err(|message| SettingsError::BadEndpoint { origin: source.describe(), message }),
        }
    };
    let traces_url = signal_url(TRACES_PATH, ENV_TRACES_ENDPOINT, EndpointSource::EnvTraces)?;
    let logs_url = signal_url(LOGS_PATH, ENV_LOGS_ENDPOINT, EndpointSource::EnvLogs)?;
    let mut warnings = Vec::new();
    if grpc {
        check_grpc_endpoint(&endpoint.url, source, &mut warnings)?;
    }
    if base && text.trim_end_matches('/').ends_with(METRICS_PATH) {
        warnings.push(format!(
            "the endpoint from {} already ends in {METRICS_PATH}, and flutter appends {METRICS_PATH} to a base URL, \
             so requests go to {}: give the base URL, or the full URL in {ENV_METRICS_ENDPOINT}",
            source.describe(),
            endpoint.shown()
        ));
    }
    let mut headers: Vec<(String, String)> = Vec::new();
    for var in [ENV_HEADERS, ENV_METRICS_HEADERS] {
        if let Some(text) = env(var) {
            for (name, value) in parse_env_headers(var, &text)? {
                set_header(&mut headers, name, value);
            }
        }
    }
    for h in dest.map(|d| &d.headers[..]).unwrap_or_default() {
        let header_error = |error| SettingsError::Header { name: h.name.to_string(), error };
        // The scenario's own text was checked at load; a bad byte now can only
        // come from a variable, which is named (its value never is).
        let mut unusable = None;
        let value = expand(&h.value, |var| {
            let value = vars(var)?;
            if !is_header_value(&value) {
                unusable.get_or_insert_with(|| var.to_owned());
            }
            Some(value)
        })
        .map_err(header_error)?;
        if let Some(var) = unusable {
            return Err(header_error(TemplateError::NotAHeaderValue(var)));
        }
        set_header(&mut headers, h.name.to_string(), value);
    }

    if let Some(auth) = endpoint.basic_auth() {
        if headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("authorization")) {
            warnings.push(format!(
                "the credentials in the endpoint ({}) are not used: an `authorization` header is set",
                endpoint.shown()
            ));
        } else {
            headers.push(("authorization".into(), auth));
        }
    }

    // TLS files are read only for an https:// endpoint (SSL_CERT_FILE, set on
    // many systems, would otherwise be read by every run).
    let tls_files = dest.and_then(|d| d.tls.as_ref());
    let tls = if endpoint.url.starts_with("https://") {
        tls::resolve(tls_files, section.name(), &env)?
    } else {
        if tls_files.is_some() {
            let name = section.name();
            warnings.push(format!("`{name}.tls` is not used: the endpoint {} is not https://", endpoint.shown()));
        }
        TlsSettings::default()
    };

    let timeout = match dest.and_then(|d| d.timeout) {
        Some(t) => std_duration(t),
        None => env_millis(&env, ENV_METRICS_TIMEOUT)?.or(env_millis(&env, ENV_TIMEOUT)?).unwrap_or(DEFAULT_TIMEOUT),
    };
    let compression = match dest.and_then(|d| d.compression) {
        Some(c) => c,
        None => env_compression(&env, ENV_METRICS_COMPRESSION)?
            .or(env_compression(&env, ENV_COMPRESSION)?)
            .unwrap_or_default(),
    };
    let duration = |d: Option<GoDuration>, default: Duration| d.map_or(default, std_duration);
    Ok(OtlpSettings {
        url: endpoint.url.clone(),
        shown_url: endpoint.shown(),
        source,
        traces_url,
        logs_url,
        warnings,
        headers,
        timeout,
        compression,
        max_points_per_request: max_points_per_request(dest),
        queue_duration: duration(dest.and_then(|d| d.queue_duration), DEFAULT_QUEUE_DURATION),
        flush_timeout: duration(dest.and_then(|d| d.flush_timeout), DEFAULT_FLUSH_TIMEOUT),
        retry_budget: duration(dest.and_then(|d| d.retry_budget), DEFAULT_RETRY_BUDGET),
        tls,
        connections: dest.and_then(|d| d.connections).map_or(1, |n| n as usize),
        protocol,
    })
}

fn std_duration(d: GoDuration) -> Duration {
    Duration::from_nanos(d.as_nanos().max(0) as u64)
}

/// `OTEL_EXPORTER_OTLP_PROTOCOL`: `http/protobuf` or `grpc`; anything else
/// (`http/json`) is an error, never silently another protocol.
fn env_protocol(var: &'static str, text: &str) -> Result<Protocol, SettingsError> {
    match PROTOCOLS.iter().find(|(name, _)| *name == text) {
        Some(&(_, p)) => Ok(p),
        None => Err(SettingsError::BadEnv {
            var,
            message: format!("`{text}` is not supported: flutter sends OTLP as `http/protobuf` or `grpc`"),
        }),
    }
}

/// A gRPC endpoint is `http(s)://host:port`, its path unused.
fn check_grpc_endpoint(url: &str, source: EndpointSource, warnings: &mut Vec<String>) -> Result<(), SettingsError> {
    let origin = source.describe();
    if !cfg!(feature = "grpc") {
        let message = "asks for OTLP/gRPC, but this flutter was built without its `grpc` feature".to_owned();
        return Err(SettingsError::BadEndpoint { origin, message });
    }
    if let Ok(u) = url::Url::parse(url)
        && u.path() != "/"
        && !u.path().is_empty()
    {
        warnings.push(format!(
            "the gRPC endpoint from {origin} has a path ({}), which gRPC does not use: calls go to \
             {}://{}{}",
            u.path(),
            u.scheme(),
            u.host_str().unwrap_or(""),
            u.port().map(|p| format!(":{p}")).unwrap_or_default()
        ));
    }
    Ok(())
}

/// `key1=value1,key2=value2`, values percent-decoded (the OTel convention).
fn parse_env_headers(var: &'static str, text: &str) -> Result<Vec<(String, String)>, SettingsError> {
    let mut out = Vec::new();
    for pair in text.split(',').filter(|p| !p.trim().is_empty()) {
        let (name, value) = pair.split_once('=').ok_or_else(|| SettingsError::BadEnv {
            var,
            message: format!("`{}` is not `name=value`", pair.split('=').next().unwrap_or("").trim()),
        })?;
        let name = percent_decode(name.trim());
        if !is_header_name(&name) {
            return Err(SettingsError::BadEnv { var, message: format!("`{name}` is not a valid header name") });
        }
        let value = percent_decode(value.trim());
        if !is_header_value(&value) {
            let message = format!(
                "the value of header `{name}` holds a line break or another character a header value cannot carry \
                 (it is not shown)"
            );
            return Err(SettingsError::BadEnv { var, message });
        }
        out.push((name, value));
    }
    Ok(out)
}

fn env_millis(env: &impl Fn(&str) -> Option<String>, var: &'static str) -> Result<Option<Duration>, SettingsError> {
    let Some(text) = env(var) else { return Ok(None) };
    match text.trim().parse::<u64>() {
        Ok(0) | Err(_) => Err(SettingsError::BadEnv {
            var,
            message: format!("`{text}` is not a timeout in milliseconds (e.g. 10000)"),
        }),
        Ok(ms) => Ok(Some(Duration::from_millis(ms))),
    }
}

fn env_compression(
    env: &impl Fn(&str) -> Option<String>,
    var: &'static str,
) -> Result<Option<Compression>, SettingsError> {
    let Some(text) = env(var) else { return Ok(None) };
    match text.trim() {
        "gzip" => Ok(Some(Compression::Gzip)),
        "none" => Ok(Some(Compression::None)),
        other => Err(SettingsError::BadEnv { var, message: format!("`{other}` is not `gzip` or `none`") }),
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;
    use std::collections::BTreeMap;

    use super::*;
    use crate::GoDuration;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
        let map: BTreeMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |k: &str| map.get(k).cloned()
    }

    fn dest(endpoint: Option<&'static str>) -> OtlpDestination<'static> {
        OtlpDestination { endpoint: endpoint.map(Cow::Borrowed), ..Default::default() }
    }

    #[test]
    fn endpoint_order() {
        let e = env(&[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://base:4318/"),
            ("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "http://full:4318/custom/path"),
        ]);
        let d = dest(Some("http://scenario:4318/otlp/"));
        let got = |d: Option<&OtlpDestination>, flag, e: &dyn Fn(&str) -> Option<String>| {
            resolve(d, flag, e).unwrap().map(|s| (s.url, s.source))
        };
        assert_eq!(
            got(Some(&d), Some("http://flag:1"), &e),
            Some(("http://flag:1/v1/metrics".into(), EndpointSource::Flag))
        );
        assert_eq!(
            got(Some(&d), None, &e),
            Some(("http://scenario:4318/otlp/v1/metrics".into(), EndpointSource::Scenario))
        );
        assert_eq!(
            got(Some(&dest(None)), None, &e),
            Some(("http://full:4318/custom/path".into(), EndpointSource::EnvMetrics))
        );
        let base_only = env(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "http://base:4318/")]);
        assert_eq!(got(None, None, &base_only), Some(("http://base:4318/v1/metrics".into(), EndpointSource::EnvBase)));
        assert_eq!(got(None, None, &env(&[])), None);
        assert_eq!(resolve(Some(&dest(None)), None, env(&[])), Err(SettingsError::NoEndpoint));
        assert!(matches!(resolve(None, Some("localhost:4318"), env(&[])), Err(SettingsError::BadEndpoint { .. })));
    }

    #[test]
    fn traces_endpoint_order() {
        let traces = |d: Option<&OtlpDestination>, flag, vars: &[(&str, &str)]| {
            resolve(d, flag, env(vars)).unwrap().and_then(|s| s.traces_url)
        };
        let full = ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://spans:4318/custom");
        let base = ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://base:4318/otlp");
        let metrics = ("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "http://full:4318/m");
        // A base given by the flag or the scenario serves both signals.
        assert_eq!(traces(None, Some("http://flag:1/"), &[full]).as_deref(), Some("http://flag:1/v1/traces"));
        let d = dest(Some("http://scenario:4318/otlp/"));
        assert_eq!(traces(Some(&d), None, &[full]).as_deref(), Some("http://scenario:4318/otlp/v1/traces"));
        // Else the traces variable, as is; else the base variable.
        assert_eq!(traces(None, None, &[full, base]).as_deref(), Some("http://spans:4318/custom"));
        assert_eq!(traces(None, None, &[base]).as_deref(), Some("http://base:4318/otlp/v1/traces"));
        assert_eq!(traces(None, None, &[metrics, base]).as_deref(), Some("http://base:4318/otlp/v1/traces"));
        assert_eq!(traces(None, None, &[metrics]), None);
        // gRPC: the same server.
        let grpc = [("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"), ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4317")];
        assert_eq!(traces(None, None, &grpc).as_deref(), Some("http://collector:4317/"));
        let bad = resolve(None, None, env(&[base, ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://[::1")]));
        assert!(matches!(bad, Err(SettingsError::BadEndpoint { origin: ENV_TRACES_ENDPOINT, .. })), "{bad:?}");
    }

    #[test]
    fn headers_timeout_compression_order() {
        let e = env(&[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://base:4318"),
            ("OTEL_EXPORTER_OTLP_HEADERS", "api-key=env%20key,x-tenant=env"),
            ("OTEL_EXPORTER_OTLP_METRICS_HEADERS", "X-Tenant=metrics"),
            ("OTEL_EXPORTER_OTLP_TIMEOUT", "2500"),
            ("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip"),
        ]);
        let s = resolve(None, None, &e).unwrap().unwrap();
        assert_eq!(s.headers, vec![("api-key".into(), "env key".into()), ("X-Tenant".into(), "metrics".into())]);
        assert_eq!(s.timeout, Duration::from_millis(2500));
        assert_eq!(s.compression, Compression::Gzip);
        let d = OtlpDestination {
            headers: Cow::Owned(vec![Header { name: "API-KEY".into(), value: "scenario".into() }]),
            timeout: Some(GoDuration::from_secs(1)),
            compression: Some(Compression::None),
            ..Default::default()
        };
        let s = resolve(Some(&d), None, &e).unwrap().unwrap();
        assert_eq!(s.headers[0], ("API-KEY".into(), "scenario".into()));
        assert_eq!((s.timeout, s.compression), (Duration::from_secs(1), Compression::None));
        assert_eq!(s.max_points_per_request, DEFAULT_MAX_POINTS_PER_REQUEST);
        assert_eq!((s.queue_duration, s.flush_timeout), (DEFAULT_QUEUE_DURATION, DEFAULT_FLUSH_TIMEOUT));
        let debug = format!("{s:?}");
        assert!(debug.contains("API-KEY") && !debug.contains("scenario\""), "{debug}");
    }

    #[test]
    fn bad_environment_values_are_errors() {
        let base = ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://base:4318");
        for (var, value) in [
            ("OTEL_EXPORTER_OTLP_TIMEOUT", "5s"),
            ("OTEL_EXPORTER_OTLP_COMPRESSION", "zstd"),
            ("OTEL_EXPORTER_OTLP_HEADERS", "novalue"),
        ] {
            let err = resolve(None, None, env(&[base, (var, value)])).unwrap_err();
            assert!(matches!(err, SettingsError::BadEnv { var: v, .. } if v == var), "{err}");
        }
    }

    #[test]
    fn unset_header_variable_stops_the_run() {
        let d = OtlpDestination {
            endpoint: Some("http://x:1".into()),
            headers: Cow::Owned(vec![Header {
                name: "authorization".into(),
                value: "Bearer ${FLUTTER_TEST_UNSET_VAR}".into(),
            }]),
            ..Default::default()
        };
        let err = resolve(Some(&d), None, env(&[])).unwrap_err();
        assert_eq!(err.to_string(), "header `authorization`: environment variable `FLUTTER_TEST_UNSET_VAR` is not set");
    }

    #[test]
    fn a_variable_that_breaks_a_header_is_named_never_shown() {
        let d = OtlpDestination {
            endpoint: Some("http://x:1".into()),
            headers: Cow::Owned(vec![Header { name: "authorization".into(), value: "Bearer ${TOKEN}".into() }]),
            ..Default::default()
        };
        for bad in ["s3cret\n", "s3\rcret", "s3cret\u{1b}[2J", "nul\0"] {
            let err = resolve(Some(&d), None, env(&[("TOKEN", bad)])).unwrap_err().to_string();
            assert_eq!(
                err,
                "header `authorization`: environment variable `TOKEN` holds a line break or another character \
                 a header value cannot carry (its value is not shown)"
            );
        }
        let ok = resolve(Some(&d), None, env(&[("TOKEN", "s3cret\twith tab, ünïcode")])).unwrap().unwrap();
        assert_eq!(ok.headers, vec![("authorization".into(), "Bearer s3cret\twith tab, ünïcode".into())]);
        let base = ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://base:4318");
        let err = resolve(None, None, env(&[base, ("OTEL_EXPORTER_OTLP_HEADERS", "api-key=ab%0Acd")])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "environment variable OTEL_EXPORTER_OTLP_HEADERS: the value of header `api-key` holds a line break \
             or another character a header value cannot carry (it is not shown)"
        );
    }

    #[test]
    fn the_protocol_comes_from_the_scenario_then_the_environment() {
        let base = ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://base:4317");
        let grpc = resolve(None, None, env(&[base, ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")])).unwrap().unwrap();
        // gRPC takes the endpoint as it is: no `/v1/metrics`.
        assert_eq!((grpc.protocol, grpc.url.as_str()), (Protocol::Grpc, "http://base:4317/"));
        let metrics = ("OTEL_EXPORTER_OTLP_METRICS_PROTOCOL", "http/json");
        let err = resolve(None, None, env(&[base, metrics, ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")]));
        assert_eq!(
            err.unwrap_err().to_string(),
            "environment variable OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: `http/json` is not supported: flutter sends \
             OTLP as `http/protobuf` or `grpc`"
        );
        // The signal's own variable wins, as for every other setting.
        let ok = env(&[
            base,
            ("OTEL_EXPORTER_OTLP_METRICS_PROTOCOL", "http/protobuf"),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
        ]);
        let http = resolve(None, None, ok).unwrap().unwrap();
        assert_eq!((http.protocol, http.url.as_str()), (Protocol::HttpProtobuf, "http://base:4317/v1/metrics"));
        // The scenario's key wins over both.
        let dest = OtlpDestination { protocol: Some(Protocol::Grpc), ..OtlpDestination::default() };
        let s = resolve(Some(&dest), None, env(&[base, ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")]));
        assert_eq!(s.unwrap().unwrap().protocol, Protocol::Grpc);
        // Over TLS too, with an https:// endpoint as given.
        let tls = env(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "https://base:4317"), ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")]);
        assert_eq!(resolve(None, None, tls).unwrap().unwrap().url, "https://base:4317/");
    }
}
