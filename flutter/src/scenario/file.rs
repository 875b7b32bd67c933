//! One scenario file's top level, and the merge of several files.

use super::diagnostic::Span;
use super::read::Reader;
use super::yaml::{Node, Value};
use crate::go::duration::GoDuration;
use crate::otlp::destination::{OtlpDestination, Section};
use crate::rng::RngKind;
use crate::timestamp::Timestamp;

/// What a file's action does, before its spec is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RawKind {
    Emitter,
    Metric,
    Disable,
    Enable,
    Trace,
    Log,
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

/// The settings a file gives; `None` means the file does not set it.
#[derive(Debug, Default)]
pub(crate) struct Settings {
    pub duration: Option<(GoDuration, Span)>,
    pub seed: Option<u64>,
    pub wallclock_start: Option<(Timestamp, Span)>,
    pub dryrun: Option<bool>,
    pub rng: Option<RngKind>,
    pub otlp: Option<OtlpDestination<'static>>,
    pub remote_write: Option<OtlpDestination<'static>>,
}

impl Settings {
    /// A later file's settings over these: each one it sets wins.
    fn overlay(&mut self, later: Settings) {
        let Settings { duration, seed, wallclock_start, dryrun, rng, otlp, remote_write } = later;
        self.duration = duration.or(self.duration);
        self.seed = seed.or(self.seed);
        self.wallclock_start = wallclock_start.or(self.wallclock_start);
        self.dryrun = dryrun.or(self.dryrun);
        self.rng = rng.or(self.rng);
        if let Some(o) = otlp {
            self.otlp.get_or_insert_with(OtlpDestination::default).overlay(o);
        }
        if let Some(o) = remote_write {
            self.remote_write.get_or_insert_with(OtlpDestination::default).overlay(o);
        }
    }
}

/// One file's settings and actions.
#[derive(Debug, Default)]
pub(crate) struct RawFile<'n> {
    pub settings: Settings,
    pub script: Vec<RawAction<'n>>,
    /// Items under `script:`, readable or not.
    pub script_items: usize,
    /// The file or its `script` has the wrong shape, so its action count is unknown.
    pub script_unknown: bool,
}

pub(crate) const TOP_KEYS: &[(&str, &str)] = &[
    ("duration", "duration"),
    ("seed", "seed"),
    ("wallclockStart", "wallclockStart"),
    ("dryrun", "dryrun"),
    ("rng", "rng"),
    ("otlpDestination", "otlpDestination"),
    ("remoteWrite", "remoteWrite"),
    ("script", "script"),
];

pub(crate) const ACTION_KEYS: &[(&str, &str)] = &[("at", "at"), ("type", "type"), ("name", "name"), ("spec", "spec")];

/// Action types and what they mean.
pub(crate) const ACTION_TYPES: &[(&str, RawKind)] = &[
    ("metricEmitter", RawKind::Emitter),
    ("metricGenerator", RawKind::Emitter),
    ("metric", RawKind::Metric),
    ("disableMetric", RawKind::Disable),
    ("enableMetric", RawKind::Enable),
    ("trace", RawKind::Trace),
    ("log", RawKind::Log),
];

pub(crate) const RNG_KINDS: &[(&str, RngKind)] = &[("chacha", RngKind::ChaCha), ("go", RngKind::Go)];

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
    let s = &mut out.settings;
    if let Some(n) = top.get("duration") {
        s.duration = r.non_negative_duration(n, "`duration`").map(|d| (d, r.span(n)));
    }
    if let Some(n) = top.get("seed") {
        s.seed = r.u64(n, "`seed`");
    }
    if let Some(n) = top.get("wallclockStart") {
        s.wallclock_start = read_timestamp(r, n).map(|t| (t, r.span(n)));
    }
    if let Some(n) = top.get("dryrun") {
        s.dryrun = r.boolean(n, "`dryrun`");
    }
    if let Some(n) = top.get("rng") {
        s.rng = r.choice(n, "`rng`", RNG_KINDS);
    }
    if let Some(n) = top.get("otlpDestination") {
        s.otlp = OtlpDestination::read(r, n, Section::Otlp);
    }
    if let Some(n) = top.get("remoteWrite") {
        s.remote_write = OtlpDestination::read(r, n, Section::RemoteWrite);
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
                "script action needs a `type` (`metricEmitter`, `metric`, `disableMetric`, `enableMetric`, `trace` or `log`)",
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
    let takes_spec = matches!(kind, RawKind::Emitter | RawKind::Metric | RawKind::Trace | RawKind::Log);
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

/// Everything the files say, merged in order.
#[derive(Debug, Default)]
pub(crate) struct Merged<'n> {
    pub settings: Settings,
    pub script: Vec<RawAction<'n>>,
}

/// Merges files in order: settings replaced by a later file that sets them,
/// headers merged key by key (later wins), scripts appended.
pub(crate) fn merge<'n>(files: Vec<RawFile<'n>>) -> Merged<'n> {
    let mut m = Merged::default();
    for f in files {
        m.settings.overlay(f.settings);
        m.script.extend(f.script);
    }
    m
}

/// Where a file's `script:` key is, for the "empty script" error.
pub(crate) fn script_key(root: &Node) -> Option<&Node> {
    let Value::Map(entries) = &root.value else { return None };
    entries.iter().find(|(k, _)| k.value == Value::Str("script".into())).map(|(k, _)| k)
}
