//! Reading a log's `spec` (its rate, resource, severities, body template and
//! attributes) and a span's `logs`, each field checked where it is written;
//! a body's holes are checked at their column.

use std::borrow::Cow;

use super::file::RawAction;
use super::read::{Reader, opt};
use super::spec::Context;
use super::traces::{TraceReader, needs};
use super::yaml::{Node, Value};
use crate::logs::{Body, BodyPart, LogSpec, Severity, SeverityWeight, SpanLog, When};
use crate::scenario::KeyValue;

/// The keys of a log's `spec`.
pub(crate) const LOG_KEYS: &[(&str, &str)] = &[
    ("rate", "rate"),
    ("resource", "resource"),
    ("severity", "severity"),
    ("body", "body"),
    ("attributes", "attributes"),
];

/// The keys of one of a span's `logs`.
pub(crate) const SPAN_LOG_KEYS: &[(&str, &str)] = &[("body", "body"), ("severity", "severity"), ("when", "when")];

/// What the loader knows of a log between its actions: its attributes' keys
/// and the keys its body's holes name, so a later action's body or
/// attributes are checked against the others.
#[derive(Debug, Default)]
pub(crate) struct LogShape {
    keys: Vec<String>,
    holes: Vec<String>,
}

/// Reads the spec of log `a.name`; `defining` means the action defines it,
/// so `rate` and `body` must be there; `shape` is the log's so far.
pub(crate) fn read(
    r: &mut Reader<'_>,
    spec: &Node,
    (a, defining, shape): (&RawAction<'_>, bool, &mut LogShape),
    ctx: &Context<'_>,
) -> Option<LogSpec<'static>> {
    let what = format!("log `{}`", a.name);
    let f = r.fields(spec, &format!("the spec of {what}"), LOG_KEYS)?;
    let t = TraceReader { what: &what, ctx };
    let rate = opt(r, &f, "rate", |r, n| t.amount(r, n, "`rate`", crate::logs::MAX_RATE));
    let resource = opt(r, &f, "resource", |r, n| t.attributes(r, n, "resource attributes"));
    let severity = opt(r, &f, "severity", severities);
    let attributes = opt(r, &f, "attributes", |r, n| t.attributes(r, n, "log attributes"));
    // The body's holes name the attributes in force: this spec's, else the log's so far.
    if let Some(Some(attrs)) = &attributes {
        shape.keys = attrs.iter().map(|kv| kv.key.to_string()).collect();
        if f.get("body").is_none()
            && let Some(lost) = shape.holes.iter().find(|h| !shape.keys.contains(h))
        {
            let node = f.get("attributes").expect("given");
            r.error(node, format!("the body of {what} names `{{{lost}}}`, which these attributes do not have: give it, or a new `body`"));
        }
    }
    let body = opt(r, &f, "body", |r, n| body(r, n, &shape.keys, ctx, &what));
    if let Some(Some(b)) = &body {
        shape.holes = b
            .parts
            .iter()
            .filter_map(|p| match p {
                BodyPart::Attribute(k) => Some(k.to_string()),
                _ => None,
            })
            .collect();
    }
    let ok = !defining
        || needs(r, &f, &what, &[("rate", "`rate: 5` (records per second)"), ("body", "`body: \"payment failed\"`")]);
    let spec = LogSpec { rate: rate?, resource: resource?, severity: severity?, body: body?, attributes: attributes? };
    ok.then_some(spec)
}

/// A span's `logs`: its attributes' keys are what the bodies' holes may name.
pub(crate) fn span_logs(
    r: &mut Reader<'_>,
    n: &Node,
    attributes: &[KeyValue<'static>],
    ctx: &Context<'_>,
    what: &str,
) -> Option<Vec<SpanLog<'static>>> {
    let items = r.seq(n, "`logs`")?;
    let keys: Vec<String> = attributes.iter().map(|kv| kv.key.to_string()).collect();
    let mut out = Vec::with_capacity(items.len());
    let mut ok = true;
    for (i, item) in items.iter().enumerate() {
        let Some(f) = r.fields(item, &format!("log {} of {what}", i + 1), SPAN_LOG_KEYS) else {
            ok = false;
            continue;
        };
        let when = match f.get("when") {
            Some(node) => r.choice(node, "`when`", &When::ALL),
            None => Some(When::Always),
        };
        let severity = match (f.get("severity"), when) {
            (Some(node), _) => r.choice(node, "severity", &Severity::ALL),
            (None, Some(When::Error)) => Some(Severity::Error),
            (None, _) => Some(Severity::Info),
        };
        let body = match f.get("body") {
            Some(node) => body(r, node, &keys, ctx, what),
            None => {
                r.rep.error(f.span, format!("log {} of {what} needs a `body`", i + 1));
                None
            }
        };
        match (body, severity, when) {
            (Some(body), Some(severity), Some(when)) => out.push(SpanLog { body, severity, when }),
            _ => ok = false,
        }
    }
    ok.then_some(out)
}

/// `severity: INFO`, or weights `{INFO: 0.9, ERROR: 0.1}`.
fn severities(r: &mut Reader<'_>, n: &Node) -> Option<Cow<'static, [SeverityWeight]>> {
    if let Value::Str(_) = n.value {
        let one = |severity| Cow::Owned(vec![SeverityWeight { severity, weight: 1.0 }]);
        return r.choice(n, "severity", &Severity::ALL).map(one);
    }
    let Value::Map(entries) = &n.value else {
        r.error(n, format!("`severity` must be a severity such as `INFO`, or weights such as `{{INFO: 0.9, ERROR: 0.1}}`, found {}", n.value.kind()));
        return None;
    };
    let mut out: Vec<SeverityWeight> = Vec::with_capacity(entries.len());
    let mut ok = true;
    for (k, v) in entries {
        let severity = r.choice(k, "severity", &Severity::ALL);
        let weight = r.float(v, "a severity's weight").filter(|w| {
            let good = w.is_finite() && *w >= 0.0;
            if !good {
                r.error(v, format!("a severity's weight must be a number of at least 0, found {w}"));
            }
            good
        });
        match (severity, weight) {
            (Some(s), Some(_)) if out.iter().any(|seen| seen.severity == s) => {
                r.error(k, format!("severity `{}` is given twice", s.name()));
                ok = false;
            }
            (Some(severity), Some(weight)) => out.push(SeverityWeight { severity, weight }),
            _ => ok = false,
        }
    }
    if ok && out.iter().map(|w| w.weight).sum::<f64>() <= 0.0 {
        r.error(n, "the severities' weights must not all be 0");
        return None;
    }
    ok.then_some(Cow::Owned(out))
}

/// A body template: `{name}` names one of `keys` (an attribute) or an
/// emitter; `{{` and `}}` are braces.
fn body(r: &mut Reader<'_>, n: &Node, keys: &[String], ctx: &Context<'_>, what: &str) -> Option<Body<'static>> {
    let text = r.string(n, "`body`")?;
    let mut parts: Vec<BodyPart<'static>> = Vec::new();
    let mut literal = String::new();
    let mut chars = text.char_indices().peekable();
    let mut ok = true;
    while let Some((i, c)) = chars.next() {
        match c {
            '{' if chars.peek().map(|&(_, c)| c) == Some('{') => {
                chars.next();
                literal.push('{');
            }
            '}' if chars.peek().map(|&(_, c)| c) == Some('}') => {
                chars.next();
                literal.push('}');
            }
            '{' => {
                let Some(len) = text[i + 1..].find('}') else {
                    let pos = r.pos_in(n.pos, &text, text[..i].chars().count());
                    r.error_at(pos, "this `{` is not closed: write `{name}` for a value, or `{{` for a brace");
                    return None;
                };
                let name = &text[i + 1..i + 1 + len];
                for _ in 0..name.chars().count() + 1 {
                    chars.next();
                }
                let part = if keys.iter().any(|k| k == name) {
                    Some(BodyPart::Attribute(Cow::Owned(name.to_owned())))
                } else if ctx.emitter_defined(name) {
                    Some(BodyPart::Emitter(Cow::Owned(name.to_owned())))
                } else {
                    let pos = r.pos_in(n.pos, &text, text[..i].chars().count());
                    let known = if keys.is_empty() {
                        String::new()
                    } else {
                        format!(" (its attributes: {})", super::read::list(keys.iter().map(String::as_str)))
                    };
                    let candidates = keys.iter().map(String::as_str).chain(ctx.emitters.keys().copied());
                    let hint = match super::diagnostic::did_you_mean(name, candidates) {
                        Some(s) => format!("did you mean `{{{s}}}`? "),
                        None => String::new(),
                    };
                    r.error_at(
                        pos,
                        format!(
                            "`{{{name}}}` in the body of {what} names neither an attribute{known} nor an emitter; \
                             {hint}write `{{{{` for a brace"
                        ),
                    );
                    ok = false;
                    None
                };
                if let Some(part) = part {
                    if !literal.is_empty() {
                        parts.push(BodyPart::Text(Cow::Owned(std::mem::take(&mut literal))));
                    }
                    parts.push(part);
                }
            }
            '}' => {
                let pos = r.pos_in(n.pos, &text, text[..i].chars().count());
                r.error_at(pos, "this `}` closes nothing: write `}}` for a brace");
                ok = false;
            }
            c => literal.push(c),
        }
    }
    if !literal.is_empty() {
        parts.push(BodyPart::Text(Cow::Owned(literal)));
    }
    ok.then_some(Body { text: Cow::Owned(text), parts: Cow::Owned(parts) })
}
