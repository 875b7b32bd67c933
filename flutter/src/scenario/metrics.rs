//! Reading a metric's `spec`: the fields every metric has, then its kind's
//! settings through the kinds' registry.

use std::borrow::Cow;

use super::attributes::read_attributes;
use super::file::RawAction;
use super::model::{Churn, MetricSpec};
use super::read::{Reader, list, opt};
use super::set_sources::{self, SetSources};
use super::spec::Context;
use super::yaml::Node;
use crate::go::duration::GoDuration;
use crate::go::float::go_float;
use crate::kinds::metrics::{MetricKind, setting_keys};

/// The keys every metric spec may hold (aliases map to their field).
pub(crate) const COMMON_KEYS: &[(&str, &str)] = &[
    ("type", "type"),
    ("name", "name"),
    ("emitters", "emitters"),
    ("generators", "emitters"),
    ("frequency", "frequency"),
    ("unit", "unit"),
    ("description", "description"),
    ("attributes", "attributes"),
    ("to", "to"),
    ("churn", "churn"),
];
pub(crate) const CHURN_KEYS: &[(&str, &str)] =
    &[("every", "every"), ("fraction", "fraction"), ("attribute", "attribute")];
pub(crate) const ATTRIBUTE_KEYS: &[(&str, &str)] =
    &[("resource", "resource"), ("scope", "scope"), ("datapoint", "datapoint")];

/// Reads the spec of metric `a.name`, of kind `kind` (`None`: too broken to
/// tell). `defining` means the action defines the metric, so required fields
/// must be there. The strings of the levels it gives (attributes, name) come
/// with it, for the set the metric stands for.
pub(crate) fn read(
    r: &mut Reader<'_>,
    spec: &Node,
    a: &RawAction<'_>,
    kind: Option<MetricKind>,
    defining: bool,
    ctx: &Context<'_>,
) -> Option<(MetricSpec<'static>, SetSources)> {
    let settings = setting_keys();
    let allowed: Vec<(&str, &'static str)> =
        COMMON_KEYS.iter().copied().chain(settings.iter().map(|k| (*k, *k))).collect();
    let f = r.fields(spec, &format!("the spec of metric `{}`", a.name), &allowed)?;
    let mut ok = true;
    if let Some(kind) = kind {
        let own = kind.keys();
        for key in settings.iter().filter(|k| !own.contains(k)) {
            if let Some(node) = f.key(key) {
                let takers: Vec<&str> =
                    MetricKind::ALL.iter().filter(|k| k.keys().contains(key)).map(|k| k.type_name()).collect();
                r.error(node, format!("`{key}` applies to {} metrics, not to a {}", list(takers), kind.type_name()));
                ok = false;
            }
        }
    }
    let mut sets = SetSources::default();
    let name = opt(r, &f, "name", |r, n| {
        let name = r.name(n, "metric `name`")?;
        let mut sources = Vec::new();
        set_sources::parse(r, n.pos, &name, &mut sources).then_some(())?;
        sets.levels[set_sources::NAME] = Some(sources);
        Some(Cow::Owned(name))
    });
    if defining && f.get("name").is_none() {
        // The action's name is the exported name: it may hold expressions too.
        let mut sources = Vec::new();
        ok &= set_sources::parse(r, a.name_span.pos, &a.name, &mut sources);
        sets.levels[set_sources::NAME] = Some(sources);
    }
    let metric = format!("metric `{}`", ctx.name);
    let emitters = opt(r, &f, "emitters", |r, n| read_emitter_refs(r, n, ctx, (&metric, &metric)));
    if defining && f.get("emitters").is_none() {
        r.rep.error(f.span, format!("metric `{}` needs `emitters`: a list of at least one emitter name", a.name));
        ok = false;
    }
    let frequency = opt(r, &f, "frequency", |r, n| whole_seconds(r, n, "`frequency`"));
    let unit = opt(r, &f, "unit", |r, n| r.string(n, "`unit`").map(Cow::Owned));
    let description = opt(r, &f, "description", |r, n| r.string(n, "`description`").map(Cow::Owned));
    let (mut resource, mut scope, mut datapoint) = (Some(None), Some(None), Some(None));
    if let Some(n) = f.get("attributes") {
        match r.fields(n, "`attributes`", ATTRIBUTE_KEYS) {
            Some(af) => {
                let mut level = |r: &mut Reader<'_>, level: usize, key: &str, what: &str| {
                    let mut sources = Vec::new();
                    let read = opt(r, &af, key, |r, n| read_attributes(r, n, what, &mut sources));
                    if af.get(key).is_some() {
                        sets.levels[level] = Some(sources);
                    }
                    read
                };
                resource = level(r, set_sources::RESOURCE, "resource", "resource attributes");
                scope = level(r, set_sources::SCOPE, "scope", "scope attributes");
                datapoint = level(r, set_sources::DATAPOINT, "datapoint", "datapoint attributes");
            }
            None => resource = None,
        }
    }
    let to = opt(r, &f, "to", |r, n| {
        let to = r.non_negative_duration(n, "`to`")?;
        if to < a.at {
            r.error(n, format!("`to` {to} is before this action's `at` ({})", a.at));
            return None;
        }
        Some(to)
    });
    let churn = opt(r, &f, "churn", read_churn);
    let kind = kind.and_then(|k| k.read(r, &f, ctx, defining));
    let spec = MetricSpec {
        kind: kind?,
        name: name?,
        emitters: emitters?,
        frequency: frequency?,
        unit: unit?,
        description: description?,
        resource: resource?,
        scope: scope?,
        datapoint: datapoint?,
        to: to?,
        churn: churn?,
    };
    ok.then_some((spec, sets))
}

/// A duration of whole seconds, at least 1s (the engine's ticks).
pub(super) fn whole_seconds(r: &mut Reader<'_>, n: &Node, what: &str) -> Option<GoDuration> {
    let d = r.duration(n, what)?;
    if d.as_nanos() < GoDuration::from_secs(1).as_nanos() || !d.is_whole_seconds() {
        r.error(n, format!("{what} must be a whole number of seconds, at least 1s, found {d}"));
        return None;
    }
    Some(d)
}

/// `churn: {every: 15m, fraction: 0.1, attribute: k8s.pod.name}`.
fn read_churn(r: &mut Reader<'_>, n: &Node) -> Option<Churn<'static>> {
    let f = r.fields(n, "`churn`", CHURN_KEYS)?;
    let every = opt(r, &f, "every", |r, n| whole_seconds(r, n, "churn `every`"));
    let fraction = opt(r, &f, "fraction", |r, n| {
        let x = r.float(n, "churn `fraction`")?;
        if !(x > 0.0 && x <= 1.0) {
            r.error(n, format!("churn `fraction` must be above 0 and at most 1, found {}", go_float(x)));
            return None;
        }
        Some(x)
    });
    let attribute = opt(r, &f, "attribute", |r, n| r.name(n, "churn `attribute`").map(Cow::Owned));
    let (every, fraction, attribute) = (every?, fraction?, attribute?);
    let (Some(every), Some(fraction)) = (every, fraction) else {
        r.rep.error(f.span, "`churn` needs `every` and `fraction` (e.g. `churn: {every: 15m, fraction: 0.1}`)");
        return None;
    };
    Some(Churn { every, fraction, attribute })
}

/// An `emitters` list of at least one emitter, each defined by this action's
/// `at`: `user` names who uses them, `whose` what needs the list, in messages.
pub(super) fn read_emitter_refs(
    r: &mut Reader<'_>,
    n: &Node,
    ctx: &Context<'_>,
    (user, whose): (&str, &str),
) -> Option<Cow<'static, [Cow<'static, str>]>> {
    let items = r.seq(n, "`emitters`")?;
    if items.is_empty() {
        r.error(n, format!("{whose} needs at least one emitter in `emitters`"));
        return None;
    }
    let mut names = Vec::with_capacity(items.len());
    let mut ok = true;
    for item in items {
        match r.name(item, "an emitter name") {
            Some(name) if ctx.check_ref(r, item, &name, user) => names.push(Cow::Owned(name)),
            _ => ok = false,
        }
    }
    ok.then_some(Cow::Owned(names))
}
