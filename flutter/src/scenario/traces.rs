//! Reading a trace's `spec`: its rate, resource and span tree, each field
//! checked where it is written.

use std::borrow::Cow;

use super::attributes::read_attributes;
use super::file::RawAction;
use super::read::{Reader, list, opt};
use super::set_sources::{self, SetSources};
use super::spec::Context;
use super::yaml::{Node, Value};
use crate::kinds::distribution::Distribution;
use crate::scenario::KeyValue;
use crate::traces::{Amount, Repeat, SpanDuration, SpanKind, SpanTemplate, TimeUnit, TraceSpec};

/// The keys of a trace's `spec`.
pub(crate) const TRACE_KEYS: &[(&str, &str)] = &[
    ("rate", "rate"),
    ("resource", "resource"),
    ("root", "root"),
    ("spanMetrics", "spanMetrics"),
    ("frequency", "frequency"),
];

/// The keys of a span.
pub(crate) const SPAN_KEYS: &[(&str, &str)] = &[
    ("name", "name"),
    ("kind", "kind"),
    ("duration", "duration"),
    ("attributes", "attributes"),
    ("resource", "resource"),
    ("children", "children"),
    ("parallel", "parallel"),
    ("probability", "probability"),
    ("repeat", "repeat"),
    ("error", "error"),
    ("errorMessage", "errorMessage"),
    ("propagate", "propagate"),
    ("logs", "logs"),
];

/// The keys of a drawn `duration`.
pub(crate) const DURATION_KEYS: &[(&str, &str)] =
    &[("emitters", "emitters"), ("unit", "unit"), ("distribution", "distribution")];

/// The most times one span may repeat.
pub(crate) const MAX_REPEAT: u32 = 1_000;

/// The most spans one trace may have.
pub(crate) const MAX_SPANS: u64 = 100_000;

/// The status message of a failed span that gives none.
const DEFAULT_ERROR_MESSAGE: &str = "error";

/// Reads the spec of trace `a.name`; `defining` means the action defines it,
/// so `rate` and `root` must be there.
pub(crate) fn read(
    r: &mut Reader<'_>,
    spec: &Node,
    a: &RawAction<'_>,
    defining: bool,
    ctx: &Context<'_>,
) -> Option<TraceSpec<'static>> {
    let what = format!("trace `{}`", a.name);
    let f = r.fields(spec, &format!("the spec of {what}"), TRACE_KEYS)?;
    let t = TraceReader { what: &what, ctx };
    let rate = opt(r, &f, "rate", |r, n| t.amount(r, n, "`rate`", crate::traces::MAX_RATE));
    let resource = opt(r, &f, "resource", |r, n| t.attributes(r, n, "resource attributes"));
    let root = opt(r, &f, "root", |r, n| t.span(r, n, "`root`"));
    let span_metrics = opt(r, &f, "spanMetrics", |r, n| r.boolean(n, "`spanMetrics`"));
    let frequency = opt(r, &f, "frequency", |r, n| super::metrics::whole_seconds(r, n, "`frequency`"));
    let mut ok = true;
    // A definition's frequency without span metrics would do nothing.
    if let (true, Some(node), Some(None | Some(false))) = (defining, f.get("frequency"), &span_metrics) {
        r.error(node, format!("`frequency` is how often {what}'s span metrics get a point: set `spanMetrics: true`"));
        ok = false;
    }
    if defining {
        ok &= needs(r, &f, &what, &[("rate", "`rate: 5` (traces per second)"), ("root", "`root: {name: GET /}`")]);
    }
    let spec =
        TraceSpec { rate: rate?, resource: resource?, root: root?, span_metrics: span_metrics?, frequency: frequency? };
    if let (Some(Amount::Fixed(rate)), Some(root), Some(node)) = (&spec.rate, &spec.root, f.get("rate")) {
        let per_second = rate * root.most_spans() as f64;
        if per_second > crate::traces::MAX_SPANS_PER_SECOND {
            r.error(
                node,
                format!(
                    "{what} would make up to {per_second} spans a second ({rate} traces of up to {} spans); the most is \
                     {}: a lower `rate`, or fewer `repeat`s",
                    root.most_spans(),
                    crate::traces::MAX_SPANS_PER_SECOND
                ),
            );
            ok = false;
        }
    }
    if let (Some(root), Some(node)) = (&spec.root, f.get("root")) {
        let spans = root.most_spans();
        if spans > MAX_SPANS {
            r.error(
                node,
                format!(
                    "{what} may have up to {spans} spans in one trace (with its `repeat` counts); the most is \
                     {MAX_SPANS}"
                ),
            );
            ok = false;
        }
    }
    ok.then_some(spec)
}

/// Whether a definition's spec `f` gives every key of `keys` (each with an
/// example for the message); reports the missing ones.
pub(super) fn needs(r: &mut Reader<'_>, f: &super::read::Fields<'_>, what: &str, keys: &[(&str, &str)]) -> bool {
    let mut ok = true;
    for (key, example) in keys {
        if f.get(key).is_none() {
            r.rep.error(f.span, format!("{what} is defined here, so its `spec` needs {example}"));
            ok = false;
        }
    }
    ok
}

/// What every read of one trace (or log) action shares.
pub(super) struct TraceReader<'a> {
    /// "trace `checkout`", for messages.
    pub what: &'a str,
    pub ctx: &'a Context<'a>,
}

impl TraceReader<'_> {
    /// A number in [0, `max`], or an emitter's name.
    pub(super) fn amount(&self, r: &mut Reader<'_>, n: &Node, key: &str, max: f64) -> Option<Amount<'static>> {
        if let Value::Str(name) = &n.value {
            return self.ctx.check_ref(r, n, name, self.what).then(|| Amount::Emitter(Cow::Owned(name.clone())));
        }
        if !matches!(n.value, Value::Int(_) | Value::Float(_)) {
            let found = n.value.kind();
            r.error(n, format!("{key} must be a number or an emitter's name, found {found}"));
            return None;
        }
        let v = r.float(n, key)?;
        if !(0.0..=max).contains(&v) {
            r.error(n, format!("{key} must be from 0 to {max}, found {v}"));
            return None;
        }
        Some(Amount::Fixed(v))
    }

    /// Attributes whose strings may hold brace expressions (one value picked per span).
    pub(super) fn attributes(
        &self,
        r: &mut Reader<'_>,
        n: &Node,
        what: &str,
    ) -> Option<Cow<'static, [KeyValue<'static>]>> {
        let mut sources = Vec::new();
        let attrs = read_attributes(r, n, what, &mut sources)?;
        let mut sets = SetSources::default();
        sets.levels[set_sources::RESOURCE] = Some(sources);
        sets.check_for(r.rep, self.what)?;
        Some(attrs)
    }

    /// One span and its subtree; `what` names it in messages.
    fn span(&self, r: &mut Reader<'_>, n: &Node, what: &str) -> Option<SpanTemplate<'static>> {
        let f = r.fields(n, &format!("{what} of {}", self.what), SPAN_KEYS)?;
        let mut ok = true;
        let name = match f.get("name") {
            Some(node) => r.name(node, "a span's `name`"),
            None => {
                r.rep.error(f.span, format!("{what} of {} needs a `name`", self.what));
                None
            }
        };
        let kind = match f.get("kind") {
            Some(node) => r.choice(node, "span kind", &SpanKind::ALL),
            None => Some(SpanKind::Internal),
        };
        let duration = match f.get("duration") {
            Some(node) => self.duration(r, node),
            None => Some(SpanDuration::Fixed(crate::GoDuration::ZERO)),
        };
        let attributes = match f.get("attributes") {
            Some(node) => self.attributes(r, node, "span attributes"),
            None => Some(Cow::Borrowed(&[][..])),
        };
        let resource = opt(r, &f, "resource", |r, node| self.attributes(r, node, "resource attributes"));
        let logs = match (f.get("logs"), &attributes) {
            (Some(node), Some(attrs)) => {
                let span = format!("`{}` of {}", name.as_deref().unwrap_or("?"), self.what);
                super::logs::span_logs(r, node, attrs, self.ctx, &span)
            }
            (Some(_), None) => None,
            (None, _) => Some(Vec::new()),
        };
        let children = match f.get("children") {
            Some(node) => r.seq(node, "`children`").map(|items| {
                let mut out = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    match self.span(r, item, &format!("child {} of `{}`", i + 1, name.as_deref().unwrap_or("?"))) {
                        Some(s) => out.push(s),
                        None => ok = false,
                    }
                }
                out
            }),
            None => Some(Vec::new()),
        };
        let flag =
            |r: &mut Reader<'_>, key: &str| f.get(key).map_or(Some(false), |n| r.boolean(n, &format!("`{key}`")));
        let parallel = flag(r, "parallel");
        let propagate = flag(r, "propagate");
        let probability = match f.get("probability") {
            Some(node) => probability(r, node, "`probability`"),
            None => Some(1.0),
        };
        let repeat = f.get("repeat").map_or(Some(Repeat::ONCE), |node| read_repeat(r, node));
        let error = match f.get("error") {
            Some(node) => self.amount(r, node, "`error`", 1.0),
            None => Some(Amount::Fixed(0.0)),
        };
        let error_message = match f.get("errorMessage") {
            Some(node) => r.string(node, "`errorMessage`").map(Cow::Owned),
            None => Some(Cow::Borrowed(DEFAULT_ERROR_MESSAGE)),
        };
        let span = SpanTemplate {
            name: Cow::Owned(name?),
            kind: kind?,
            duration: duration?,
            attributes: attributes?,
            resource: resource?,
            children: Cow::Owned(children?),
            parallel: parallel?,
            probability: probability?,
            repeat: repeat?,
            error: error?,
            error_message: error_message?,
            propagate: propagate?,
            logs: Cow::Owned(logs?),
        };
        ok.then_some(span)
    }

    /// `5ms`, or `{emitters: [pay-ms], unit: ms, distribution: {…}}`.
    fn duration(&self, r: &mut Reader<'_>, n: &Node) -> Option<SpanDuration<'static>> {
        match &n.value {
            Value::Str(_) => r.non_negative_duration(n, "a span's `duration`").map(SpanDuration::Fixed),
            Value::Map(_) => {
                let f = r.fields(n, "a span's `duration`", DURATION_KEYS)?;
                let emitters = match f.get("emitters") {
                    Some(node) => {
                        let whose = format!("a drawn `duration` of {}", self.what);
                        super::metrics::read_emitter_refs(r, node, self.ctx, (self.what, &whose))
                    }
                    None => {
                        r.rep.error(f.span, "a drawn `duration` needs `emitters`: a list of at least one emitter name");
                        None
                    }
                };
                let units: Vec<&str> = TimeUnit::ALL.iter().map(|(u, _)| *u).collect();
                let unit = match f.get("unit") {
                    Some(node) => r.choice(node, "duration unit", &TimeUnit::ALL),
                    None => {
                        r.rep.error(f.span, format!("a drawn `duration` needs a `unit` ({})", list(units)));
                        None
                    }
                };
                let distribution = opt(r, &f, "distribution", Distribution::read);
                Some(SpanDuration::Drawn { emitters: emitters?, unit: unit?, distribution: distribution? })
            }
            _ => {
                let found = n.value.kind();
                r.error(
                    n,
                    format!(
                        "a span's `duration` must be a duration such as `5ms`, or a map such as \
                         `{{emitters: [latency], unit: ms}}`, found {found}"
                    ),
                );
                None
            }
        }
    }
}

/// A number in [0, 1].
fn probability(r: &mut Reader<'_>, n: &Node, key: &str) -> Option<f64> {
    let v = r.float(n, key)?;
    if !(0.0..=1.0).contains(&v) {
        r.error(n, format!("{key} is a probability, from 0 to 1, found {v}"));
        return None;
    }
    Some(v)
}

/// `repeat: 2`, or `repeat: "1..3"`.
fn read_repeat(r: &mut Reader<'_>, n: &Node) -> Option<Repeat> {
    let count = |r: &mut Reader<'_>, text: &str| -> Option<u32> {
        match text.trim().parse::<u32>() {
            Ok(v) if v <= MAX_REPEAT => Some(v),
            Ok(v) => {
                r.error(n, format!("`repeat` may be at most {MAX_REPEAT}, found {v}"));
                None
            }
            Err(_) => {
                r.error(
                    n,
                    format!("`repeat` must be a count such as `2` or a range such as `\"1..3\"`, found `{text}`"),
                );
                None
            }
        }
    };
    match &n.value {
        Value::Int(_) => {
            let v = r.u64(n, "`repeat`")?;
            let v = count(r, &v.to_string())?;
            Some(Repeat { min: v, max: v })
        }
        Value::Str(s) => {
            let Some((a, b)) = s.split_once("..") else {
                let v = count(r, s)?;
                return Some(Repeat { min: v, max: v });
            };
            let (min, max) = (count(r, a)?, count(r, b)?);
            if min > max {
                r.error(n, format!("`repeat` range `{s}` goes backwards: write the fewest first, `\"{max}..{min}\"`"));
                return None;
            }
            Some(Repeat { min, max })
        }
        _ => {
            let found = n.value.kind();
            r.error(n, format!("`repeat` must be a count such as `2` or a range such as `\"1..3\"`, found {found}"));
            None
        }
    }
}
