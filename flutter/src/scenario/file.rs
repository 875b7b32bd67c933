//! One scenario file's top level, and the merge of several files.

use super::diagnostic::Span;
use super::model::{Compression, Timestamp};
use super::read::Reader;
use super::yaml::{Node, Value};
use crate::duration::GoDuration;
use crate::rng::RngKind;

/// What a file's action does, before its spec is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RawKind {
    Emitter,
    Metric,
    Disable,
    Enable,
}

/// An action whose `at`, `type` and `name` were read; its spec is read later,
/// when the actions before it (in time) say what its emitter's type is.
#[derive(Debug)]
pub(crate) struct RawAction<'n> {
    pub at: GoDuration,
    /// Where `at` is written, or the action itself when it has none.
    pub at_span: Span,
    pub kind: RawKind,
    pub name: String,
    pub name_span: Span,
    pub spec: Option<&'n Node>,
    pub span: Span,
    /// Something about the action was already reported; it still names its
    /// component, so references to that name do not cascade into more errors.
    pub broken: bool,
}

/// `otlpDestination` as one file gives it.
#[derive(Debug, Default)]
pub(crate) struct RawOtlp {
    pub endpoint: Option<String>,
    pub headers: Vec<(String, String)>,
    pub timeout: Option<GoDuration>,
    pub compression: Option<Compression>,
    pub max_points_per_request: Option<u32>,
    pub queue_duration: Option<GoDuration>,
    pub flush_timeout: Option<GoDuration>,
    pub retry_budget: Option<GoDuration>,
}

/// One file's settings and actions; `None` means the file does not set it.
#[derive(Debug, Default)]
pub(crate) struct RawFile<'n> {
    pub duration: Option<(GoDuration, Span)>,
    pub seed: Option<u64>,
    pub wallclock_start: Option<Timestamp>,
    pub dryrun: Option<bool>,
    pub rng: Option<RngKind>,
    pub otlp: Option<RawOtlp>,
    pub script: Vec<RawAction<'n>>,
    /// Items under `script:`, readable or not.
    pub script_items: usize,
    /// The file or its `script` has the wrong shape, so its action count is unknown.
    pub script_unknown: bool,
}

const TOP_KEYS: &[(&str, &str)] = &[
    ("duration", "duration"),
    ("seed", "seed"),
    ("wallclockStart", "wallclockStart"),
    ("dryrun", "dryrun"),
    ("rng", "rng"),
    ("otlpDestination", "otlpDestination"),
    ("script", "script"),
];

const OTLP_KEYS: &[(&str, &str)] = &[
    ("endpoint", "endpoint"),
    ("headers", "headers"),
    ("timeout", "timeout"),
    ("compression", "compression"),
    ("maxPointsPerRequest", "maxPointsPerRequest"),
    ("queueDuration", "queueDuration"),
    ("flushTimeout", "flushTimeout"),
    ("retryBudget", "retryBudget"),
];

/// Headers flutter sets itself.
const RESERVED_HEADERS: &[&str] = &["content-type", "content-encoding", "content-length", "host", "transfer-encoding"];

/// The largest `maxPointsPerRequest` accepted.
const MAX_POINTS_PER_REQUEST: u64 = 1_000_000;

const ACTION_KEYS: &[(&str, &str)] = &[("at", "at"), ("type", "type"), ("name", "name"), ("spec", "spec")];

/// Action types and what they mean.
pub(crate) const ACTION_TYPES: &[(&str, RawKind)] = &[
    ("metricEmitter", RawKind::Emitter),
    ("metricGenerator", RawKind::Emitter),
    ("metric", RawKind::Metric),
    ("disableMetric", RawKind::Disable),
    ("enableMetric", RawKind::Enable),
];

pub(crate) const RNG_KINDS: &[(&str, RngKind)] = &[("chacha", RngKind::ChaCha), ("go", RngKind::Go)];

const COMPRESSIONS: &[(&str, Compression)] = &[("none", Compression::None), ("gzip", Compression::Gzip)];

/// Reads the top level of one file whose YAML parsed.
pub(crate) fn read_file<'n>(r: &mut Reader<'_>, root: &'n Node) -> RawFile<'n> {
    let mut out = RawFile::default();
    if root.value == Value::Null {
        return out; // an empty file contributes nothing
    }
    if !matches!(root.value, Value::Map(_)) {
        out.script_unknown = true;
        r.error(
            root,
            format!(
                "a scenario file must be a map of settings (`duration`, `seed`, `script`, …), found {}",
                root.value.kind()
            ),
        );
        return out;
    }
    let Some(top) = r.fields(root, "the scenario", TOP_KEYS) else {
        out.script_unknown = true;
        return out;
    };
    if let Some(n) = top.get("duration") {
        out.duration = r.non_negative_duration(n, "`duration`").map(|d| (d, r.span(n)));
    }
    if let Some(n) = top.get("seed") {
        out.seed = r.u64(n, "`seed`");
    }
    if let Some(n) = top.get("wallclockStart") {
        out.wallclock_start = read_timestamp(r, n);
    }
    if let Some(n) = top.get("dryrun") {
        out.dryrun = r.boolean(n, "`dryrun`");
    }
    if let Some(n) = top.get("rng") {
        out.rng = r.choice(n, "`rng`", RNG_KINDS);
    }
    if let Some(n) = top.get("otlpDestination") {
        out.otlp = read_otlp(r, n);
    }
    if let Some(n) = top.get("script") {
        match r.seq(n, "`script`") {
            Some(items) => {
                out.script_items = items.len();
                out.script = items.iter().filter_map(|item| read_action(r, item)).collect();
            }
            None => out.script_unknown = true,
        }
    }
    out
}

fn read_timestamp(r: &mut Reader<'_>, n: &Node) -> Option<Timestamp> {
    let text = r.string(n, "`wallclockStart`")?;
    match Timestamp::parse_rfc3339(&text) {
        Ok(ts) => Some(ts),
        Err(e) => {
            r.error(n, format!("`wallclockStart` must be an RFC 3339 timestamp such as `2025-04-30T10:44:12Z`: {e}"));
            None
        }
    }
}

fn read_otlp(r: &mut Reader<'_>, n: &Node) -> Option<RawOtlp> {
    let f = r.fields(n, "`otlpDestination`", OTLP_KEYS)?;
    let mut out = RawOtlp::default();
    if let Some(n) = f.get("endpoint")
        && let Some(url) = r.string(n, "`otlpDestination.endpoint`")
    {
        if let Err(e) = check_endpoint(&url) {
            r.error(n, format!("`otlpDestination.endpoint` {e}"));
        } else {
            out.endpoint = Some(url);
        }
    }
    if let Some(n) = f.get("headers") {
        out.headers = read_headers(r, n);
    }
    if let Some(n) = f.get("timeout") {
        out.timeout = r.positive_duration(n, "`otlpDestination.timeout`");
    }
    if let Some(n) = f.get("compression") {
        out.compression = r.choice(n, "`otlpDestination.compression`", COMPRESSIONS);
    }
    if let Some(n) = f.get("maxPointsPerRequest")
        && let Some(v) = r.u64(n, "`otlpDestination.maxPointsPerRequest`")
    {
        if (1..=MAX_POINTS_PER_REQUEST).contains(&v) {
            out.max_points_per_request = Some(v as u32);
        } else {
            r.error(
                n,
                format!("`otlpDestination.maxPointsPerRequest` must be from 1 to {MAX_POINTS_PER_REQUEST}, found {v}"),
            );
        }
    }
    if let Some(n) = f.get("queueDuration") {
        out.queue_duration = r.positive_duration(n, "`otlpDestination.queueDuration`");
    }
    if let Some(n) = f.get("flushTimeout") {
        out.flush_timeout = r.non_negative_duration(n, "`otlpDestination.flushTimeout`");
    }
    if let Some(n) = f.get("retryBudget") {
        out.retry_budget = r.non_negative_duration(n, "`otlpDestination.retryBudget`");
    }
    Some(out)
}

/// An endpoint is an `http://` or `https://` URL with a host.
pub(crate) fn check_endpoint(url: &str) -> Result<(), String> {
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))
        .ok_or_else(|| format!("must be an http:// or https:// URL, found `{url}`"))?;
    if rest.is_empty() || rest.starts_with('/') {
        return Err(format!("has no host: `{url}`"));
    }
    if url.chars().any(char::is_whitespace) {
        return Err(format!("must not contain spaces: `{url}`"));
    }
    Ok(())
}

fn read_headers(r: &mut Reader<'_>, n: &Node) -> Vec<(String, String)> {
    let Value::Map(entries) = &n.value else {
        r.error(n, format!("`otlpDestination.headers` must be a map of names to values, found {}", n.value.kind()));
        return Vec::new();
    };
    let mut out: Vec<(String, String)> = Vec::new();
    for (k, v) in entries {
        let Some(name) = r.string(k, "a header name") else { continue };
        if name.is_empty() || !name.bytes().all(is_token_byte) {
            r.error(k, format!("`{name}` is not a valid HTTP header name"));
            continue;
        }
        if RESERVED_HEADERS.contains(&name.to_ascii_lowercase().as_str()) {
            r.error(k, format!("header `{name}` is set by flutter and cannot be configured"));
            continue;
        }
        if out.iter().any(|(n, _)| n.eq_ignore_ascii_case(&name)) {
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
        if let Err(e) = crate::env::check_template(&value) {
            r.error(v, format!("header `{name}`: {e}"));
            continue;
        }
        if value.chars().any(|c| c == '\r' || c == '\n') {
            r.error(v, format!("header `{name}` must not contain line breaks"));
            continue;
        }
        out.push((name, value));
    }
    out
}

fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

fn read_action<'n>(r: &mut Reader<'_>, item: &'n Node) -> Option<RawAction<'n>> {
    let f = r.fields(item, "a script action", ACTION_KEYS)?;
    let span = r.span(item);
    let (at, at_span) = match f.get("at") {
        Some(n) => (r.non_negative_duration(n, "`at`"), r.span(n)),
        None => (Some(GoDuration::ZERO), span),
    };
    let kind = match f.get("type") {
        Some(n) => r.choice(n, "action type", ACTION_TYPES).map(|k| (k, n)),
        None => {
            r.error(
                item,
                "script action needs a `type` (`metricEmitter`, `metric`, `disableMetric` or `enableMetric`)",
            );
            None
        }
    };
    let name = match f.get("name") {
        Some(n) => r.name(n, "`name`").map(|s| (s, r.span(n))),
        None => {
            r.error(item, "script action needs a `name`");
            None
        }
    };
    let spec = f.get("spec");
    let (Some((kind, type_node)), Some((name, name_span))) = (kind, name) else {
        return None;
    };
    let type_word = match &type_node.value {
        Value::Str(s) => s.clone(),
        _ => String::new(),
    };
    let mut broken = at.is_none();
    let takes_spec = matches!(kind, RawKind::Emitter | RawKind::Metric);
    if takes_spec && spec.is_none() {
        r.error(item, format!("`{type_word}` action `{name}` needs a `spec`"));
        broken = true;
    }
    if !takes_spec && let Some(node) = f.key("spec") {
        r.error(node, format!("`{type_word}` takes only a `name` (and `at`), no `spec`"));
        broken = true;
    }
    let at = at.unwrap_or(GoDuration::ZERO);
    Some(RawAction { at, at_span, kind, name, name_span, spec, span, broken })
}

/// Settings merged over all files: a later file that sets a key wins.
#[derive(Debug, Default)]
pub(crate) struct Merged<'n> {
    pub duration: Option<(GoDuration, Span)>,
    pub seed: Option<u64>,
    pub wallclock_start: Option<Timestamp>,
    pub dryrun: Option<bool>,
    pub rng: Option<RngKind>,
    pub otlp: Option<RawOtlp>,
    pub script: Vec<RawAction<'n>>,
}

/// Merges files in order: scalars replaced by a later file that sets them,
/// headers merged key by key (later wins), scripts appended.
pub(crate) fn merge<'n>(files: Vec<RawFile<'n>>) -> Merged<'n> {
    let mut m = Merged::default();
    for f in files {
        m.duration = f.duration.or(m.duration);
        m.seed = f.seed.or(m.seed);
        m.wallclock_start = f.wallclock_start.or(m.wallclock_start);
        m.dryrun = f.dryrun.or(m.dryrun);
        m.rng = f.rng.or(m.rng);
        if let Some(o) = f.otlp {
            let into = m.otlp.get_or_insert_with(RawOtlp::default);
            into.endpoint = o.endpoint.or(into.endpoint.take());
            into.timeout = o.timeout.or(into.timeout);
            into.compression = o.compression.or(into.compression);
            into.max_points_per_request = o.max_points_per_request.or(into.max_points_per_request);
            into.queue_duration = o.queue_duration.or(into.queue_duration);
            into.flush_timeout = o.flush_timeout.or(into.flush_timeout);
            into.retry_budget = o.retry_budget.or(into.retry_budget);
            for (name, value) in o.headers {
                match into.headers.iter_mut().find(|(n, _)| n.eq_ignore_ascii_case(&name)) {
                    Some(slot) => *slot = (name, value),
                    None => into.headers.push((name, value)),
                }
            }
        }
        m.script.extend(f.script);
    }
    m
}

/// Where a file's `script:` key is, for the "empty script" error.
pub(crate) fn script_key(root: &Node) -> Option<&Node> {
    let Value::Map(entries) = &root.value else { return None };
    entries.iter().find(|(k, _)| k.value == Value::Str("script".into())).map(|(k, _)| k)
}
