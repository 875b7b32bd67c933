//! The script pass over the merged actions, in time order: reads each spec
//! (knowing the emitter's current type), checks references and types across
//! actions and files, and builds the model's actions.

use std::borrow::Cow;
use std::collections::BTreeMap;

use super::diagnostic::{Reporter, Span, did_you_mean};
use super::file::{Merged, RawAction, RawKind};
use super::model::{
    Action, ActionKind, AttrValue, ConstantSpec, EmitterSpec, KeyValue, MetricKind, MetricSpec, RampSpec,
    RandomWalkSpec,
};
use super::read::{Fields, Reader, list};
use super::yaml::{Node, Value};
use crate::duration::GoDuration;

/// Emitter types by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum EmitterType {
    Constant,
    Ramp,
    RandomWalk,
}

pub(crate) const EMITTER_TYPES: &[(&str, EmitterType)] =
    &[("constant", EmitterType::Constant), ("ramp", EmitterType::Ramp), ("randomWalk", EmitterType::RandomWalk)];

pub(crate) const METRIC_TYPES: &[(&str, MetricKind)] =
    &[("gauge", MetricKind::Gauge), ("counter", MetricKind::Counter)];

const CONSTANT_KEYS: &[(&str, &str)] = &[("type", "type"), ("value", "value")];
const RAMP_KEYS: &[(&str, &str)] =
    &[("type", "type"), ("start", "start"), ("target", "target"), ("duration", "duration")];
const RANDOM_WALK_KEYS: &[(&str, &str)] = &[
    ("type", "type"),
    ("target", "target"),
    ("elasticity", "elasticity"),
    ("stepSize", "stepSize"),
    ("variation", "variation"),
];
const METRIC_KEYS: &[(&str, &str)] = &[
    ("type", "type"),
    ("name", "name"),
    ("emitters", "emitters"),
    ("generators", "emitters"),
    ("frequency", "frequency"),
    ("unit", "unit"),
    ("description", "description"),
    ("attributes", "attributes"),
];
const ATTRIBUTE_KEYS: &[(&str, &str)] = &[("resource", "resource"), ("scope", "scope"), ("datapoint", "datapoint")];

/// What the pass knows about an emitter so far.
struct EmitterState {
    /// Its current type; `None` when its definition was too broken to tell.
    ty: Option<EmitterType>,
}

/// What the pass knows about a metric so far.
struct MetricState {
    kind: Option<MetricKind>,
}

/// Where an emitter is first defined.
struct FirstDefinition {
    at: GoDuration,
    span: Span,
}

/// The checked script (in merged-file order) and the run's duration.
pub(crate) struct CheckedScript {
    pub actions: Vec<Action<'static>>,
    pub duration: GoDuration,
}

/// Checks the merged script; `None` when anything was reported.
pub(crate) fn check(rep: &mut Reporter, merged: &Merged<'_>) -> Option<CheckedScript> {
    let script = &merged.script;
    let mut order: Vec<usize> = (0..script.len()).collect();
    // Stable: actions sharing an `at` keep their order in the merged files.
    order.sort_by_key(|&i| script[i].at);

    let mut first_defs: BTreeMap<&str, FirstDefinition> = BTreeMap::new();
    for &i in &order {
        let a = &script[i];
        if a.kind == RawKind::Emitter {
            first_defs.entry(a.name.as_str()).or_insert(FirstDefinition { at: a.at, span: a.name_span });
        }
    }

    let errors_before = rep.error_count();
    let mut emitters: BTreeMap<&str, EmitterState> = BTreeMap::new();
    let mut metrics: BTreeMap<&str, MetricState> = BTreeMap::new();
    let mut built: Vec<Option<Action<'static>>> = (0..script.len()).map(|_| None).collect();
    for &i in &order {
        let a = &script[i];
        let mut r = Reader { rep: &mut *rep, file: a.span.file };
        let kind = match a.kind {
            RawKind::Emitter => emitter_action(&mut r, a, &mut emitters).map(ActionKind::Emitter),
            RawKind::Metric => metric_action(&mut r, a, &mut metrics, &first_defs).map(ActionKind::Metric),
        };
        built[i] = kind.map(|kind| Action { at: a.at, name: Cow::Owned(a.name.clone()), kind });
    }

    let last = order.last().map(|&i| &script[i]);
    let duration = match (merged.duration, last) {
        (Some((d, span)), Some(last)) if d < last.at => {
            let where_at = rep.describe(last.at_span);
            rep.error(
                span,
                format!(
                    "`duration` {d} is shorter than the last action's `at` ({} at {where_at}); \
                     make it at least {} or leave it out",
                    last.at, last.at
                ),
            );
            d
        }
        (Some((d, _)), _) => d,
        (None, Some(last)) => {
            GoDuration::from_nanos(last.at.as_nanos().saturating_add(GoDuration::from_secs(1).as_nanos()))
        }
        (None, None) => GoDuration::from_secs(1),
    };
    if rep.error_count() > errors_before {
        return None;
    }
    let actions = built.into_iter().flatten().collect();
    Some(CheckedScript { actions, duration })
}

/// Finds the `type` entry of a spec map without judging the other keys yet.
fn type_entry(spec: &Node) -> Option<&Node> {
    let Value::Map(entries) = &spec.value else { return None };
    entries.iter().find(|(k, v)| k.value == Value::Str("type".into()) && v.value != Value::Null).map(|(_, v)| v)
}

fn emitter_action<'s>(
    r: &mut Reader<'_>,
    a: &'s RawAction<'_>,
    emitters: &mut BTreeMap<&'s str, EmitterState>,
) -> Option<EmitterSpec> {
    let current = emitters.get(a.name.as_str()).map(|s| s.ty);
    let Some(spec) = a.spec.filter(|_| !a.broken) else {
        // Already reported; still defines the name so references to it do not cascade.
        emitters.entry(&a.name).or_insert(EmitterState { ty: None });
        return None;
    };
    if !matches!(spec.value, Value::Map(_)) {
        r.error(spec, format!("`spec` of emitter `{}` must be a map, found {}", a.name, spec.value.kind()));
        emitters.entry(&a.name).or_insert(EmitterState { ty: None });
        return None;
    }
    let given = type_entry(spec).map(|n| (r.choice(n, "emitter type", EMITTER_TYPES), n));
    let ty = match (given, current) {
        (Some((Some(ty), _)), _) => Some(ty),
        (Some((None, _)), _) => None,
        (None, Some(current)) => current,
        (None, None) => {
            r.error(
                spec,
                format!(
                    "emitter `{}` is defined here, so its `spec` needs a `type` ({})",
                    a.name,
                    list(EMITTER_TYPES.iter().map(|(n, _)| *n))
                ),
            );
            None
        }
    };
    // A new emitter, or a different type, starts from scratch: required fields apply.
    let fresh = match current {
        None => true,
        Some(cur) => ty.is_some() && cur != ty,
    };
    emitters.insert(&a.name, EmitterState { ty });
    let ty = ty?;
    let what = format!("the spec of emitter `{}`", a.name);
    match ty {
        EmitterType::Constant => {
            let f = r.fields(spec, &what, CONSTANT_KEYS)?;
            let value = opt(r, &f, "value", |r, n| r.float(n, "`value`"))?;
            Some(EmitterSpec::Constant(ConstantSpec { value }))
        }
        EmitterType::Ramp => {
            let f = r.fields(spec, &what, RAMP_KEYS)?;
            let start = opt(r, &f, "start", |r, n| r.float(n, "`start`"));
            let target = opt(r, &f, "target", |r, n| r.float(n, "`target`"));
            let duration = opt(r, &f, "duration", |r, n| r.positive_duration(n, "ramp `duration`"));
            if fresh && f.get("duration").is_none() {
                r.rep.error(f.span, format!("ramp `{}` needs a `duration` (e.g. `duration: 5m`)", a.name));
                return None;
            }
            Some(EmitterSpec::Ramp(RampSpec { start: start?, target: target?, duration: duration? }))
        }
        EmitterType::RandomWalk => {
            let f = r.fields(spec, &what, RANDOM_WALK_KEYS)?;
            let target = opt(r, &f, "target", |r, n| r.float(n, "`target`"));
            let elasticity = opt(r, &f, "elasticity", |r, n| {
                let e = r.float(n, "`elasticity`")?;
                in_range(r, n, e, "`elasticity`", (0.0..=1.0).contains(&e), "from 0 to 1")
            });
            let step_size = opt(r, &f, "stepSize", |r, n| {
                let s = r.float(n, "`stepSize`")?;
                in_range(r, n, s, "`stepSize`", s > 0.0, "greater than 0")
            });
            let variation = opt(r, &f, "variation", |r, n| {
                let v = r.float(n, "`variation`")?;
                in_range(r, n, v, "`variation`", v >= 0.0, "at least 0")
            });
            if fresh {
                let missing: Vec<&str> = ["stepSize", "variation"].into_iter().filter(|k| f.get(k).is_none()).collect();
                if !missing.is_empty() {
                    r.rep.error(f.span, format!("randomWalk `{}` needs {}", a.name, list(missing)));
                    return None;
                }
            }
            Some(EmitterSpec::RandomWalk(RandomWalkSpec {
                target: target?,
                elasticity: elasticity?,
                step_size: step_size?,
                variation: variation?,
            }))
        }
    }
}

/// Reads an optional field: `Some(None)` when absent, `None` when present but bad.
fn opt<T>(
    r: &mut Reader<'_>,
    f: &Fields<'_>,
    key: &str,
    read: impl FnOnce(&mut Reader<'_>, &Node) -> Option<T>,
) -> Option<Option<T>> {
    match f.get(key) {
        None => Some(None),
        Some(n) => read(r, n).map(Some),
    }
}

fn in_range(r: &mut Reader<'_>, n: &Node, x: f64, what: &str, ok: bool, rule: &str) -> Option<f64> {
    if ok {
        Some(x)
    } else {
        r.error(n, format!("{what} must be {rule}, found {}", crate::gofmt::go_float(x)));
        None
    }
}

fn metric_action<'s>(
    r: &mut Reader<'_>,
    a: &'s RawAction<'_>,
    metrics: &mut BTreeMap<&'s str, MetricState>,
    first_defs: &BTreeMap<&str, FirstDefinition>,
) -> Option<MetricSpec<'static>> {
    let current = metrics.get(a.name.as_str()).map(|m| m.kind);
    let Some(spec) = a.spec.filter(|_| !a.broken) else {
        metrics.entry(&a.name).or_insert(MetricState { kind: None });
        return None;
    };
    let given = type_entry(spec).map(|n| (r.choice(n, "metric type", METRIC_TYPES), n));
    let kind = match (given, current) {
        (Some((Some(k), n)), Some(Some(cur))) if k != cur => {
            r.error(
                n,
                format!(
                    "metric `{}` is a {}; a later action cannot change it to a {}",
                    a.name,
                    cur.type_name(),
                    k.type_name()
                ),
            );
            None
        }
        (Some((k, _)), _) => k,
        (None, Some(cur)) => cur,
        (None, None) => {
            if matches!(spec.value, Value::Map(_)) {
                r.error(
                    spec,
                    format!(
                        "metric `{}` is defined here, so its `spec` needs a `type` ({})",
                        a.name,
                        list(METRIC_TYPES.iter().map(|(n, _)| *n))
                    ),
                );
            }
            None
        }
    };
    let defining = current.is_none();
    if defining {
        metrics.insert(&a.name, MetricState { kind });
    }
    let f = r.fields(spec, &format!("the spec of metric `{}`", a.name), METRIC_KEYS)?;
    let name = opt(r, &f, "name", |r, n| r.name(n, "metric `name`").map(Cow::Owned));
    let emitters = opt(r, &f, "emitters", |r, n| read_emitter_refs(r, n, a, first_defs));
    if defining && f.get("emitters").is_none() {
        r.rep.error(f.span, format!("metric `{}` needs `emitters`: a list of at least one emitter name", a.name));
    }
    let frequency = opt(r, &f, "frequency", |r, n| {
        let d = r.duration(n, "`frequency`")?;
        if d.as_nanos() < GoDuration::from_secs(1).as_nanos() || !d.is_whole_seconds() {
            r.error(n, format!("`frequency` must be a whole number of seconds, at least 1s, found {d}"));
            return None;
        }
        Some(d)
    });
    let unit = opt(r, &f, "unit", |r, n| r.string(n, "`unit`").map(Cow::Owned));
    let description = opt(r, &f, "description", |r, n| r.string(n, "`description`").map(Cow::Owned));
    let (mut resource, mut scope, mut datapoint) = (Some(None), Some(None), Some(None));
    if let Some(n) = f.get("attributes") {
        match r.fields(n, "`attributes`", ATTRIBUTE_KEYS) {
            Some(af) => {
                resource = opt(r, &af, "resource", |r, n| read_attributes(r, n, "resource attributes"));
                scope = opt(r, &af, "scope", |r, n| read_attributes(r, n, "scope attributes"));
                datapoint = opt(r, &af, "datapoint", |r, n| read_attributes(r, n, "datapoint attributes"));
            }
            None => resource = None,
        }
    }
    Some(MetricSpec {
        kind: kind?,
        name: name?,
        emitters: emitters?,
        frequency: frequency?,
        unit: unit?,
        description: description?,
        resource: resource?,
        scope: scope?,
        datapoint: datapoint?,
    })
}

fn read_emitter_refs(
    r: &mut Reader<'_>,
    n: &Node,
    a: &RawAction<'_>,
    first_defs: &BTreeMap<&str, FirstDefinition>,
) -> Option<Cow<'static, [Cow<'static, str>]>> {
    let items = r.seq(n, "`emitters`")?;
    if items.is_empty() {
        r.error(n, format!("metric `{}` needs at least one emitter in `emitters`", a.name));
        return None;
    }
    let mut names = Vec::with_capacity(items.len());
    let mut ok = true;
    for item in items {
        let Some(name) = r.name(item, "an emitter name") else {
            ok = false;
            continue;
        };
        match first_defs.get(name.as_str()) {
            None => {
                let hint = match did_you_mean(&name, first_defs.keys().copied()) {
                    Some(s) => format!("; did you mean `{s}`?"),
                    None => String::new(),
                };
                r.error(item, format!("metric `{}` uses emitter `{name}`, which is not defined{hint}", a.name));
                ok = false;
            }
            Some(def) if def.at > a.at => {
                let where_def = r.rep.describe(def.span);
                r.error(
                    item,
                    format!(
                        "metric `{}` uses emitter `{name}` at {}, but `{name}` is first defined at {} ({where_def})",
                        a.name, a.at, def.at
                    ),
                );
                ok = false;
            }
            Some(_) => names.push(Cow::Owned(name)),
        }
    }
    ok.then_some(Cow::Owned(names))
}

fn read_attributes(r: &mut Reader<'_>, n: &Node, what: &str) -> Option<Cow<'static, [KeyValue<'static>]>> {
    read_kvlist(r, n, what).map(Cow::Owned)
}

fn read_kvlist(r: &mut Reader<'_>, n: &Node, what: &str) -> Option<Vec<KeyValue<'static>>> {
    let Value::Map(entries) = &n.value else {
        r.error(n, format!("{what} must be a map of names to values, found {}", n.value.kind()));
        return None;
    };
    let mut out: Vec<KeyValue<'static>> = Vec::with_capacity(entries.len());
    let mut ok = true;
    for (k, v) in entries {
        let Some(key) = r.name(k, "an attribute name") else {
            ok = false;
            continue;
        };
        if out.iter().any(|kv| kv.key == key.as_str()) {
            r.error(k, format!("attribute `{key}` is given twice in {what}"));
            ok = false;
            continue;
        }
        match read_attr_value(r, v, &key) {
            Some(value) => out.push(KeyValue { key: Cow::Owned(key), value }),
            None => ok = false,
        }
    }
    ok.then_some(out)
}

fn read_attr_value(r: &mut Reader<'_>, n: &Node, key: &str) -> Option<AttrValue<'static>> {
    let what = format!("attribute `{key}`");
    Some(match &n.value {
        Value::Str(s) => AttrValue::Str(Cow::Owned(s.clone())),
        Value::Bool(b) => AttrValue::Bool(*b),
        Value::Int(i) => match i64::try_from(*i) {
            Ok(v) => AttrValue::Int(v),
            Err(_) => {
                r.error(n, format!("{what} does not fit a 64-bit signed integer: {i}"));
                return None;
            }
        },
        Value::Float(_) => AttrValue::Double(r.float(n, &what)?),
        Value::Seq(items) => {
            let mut values = Vec::with_capacity(items.len());
            let mut ok = true;
            for item in items {
                match read_attr_value(r, item, key) {
                    Some(v) => values.push(v),
                    None => ok = false,
                }
            }
            if !ok {
                return None;
            }
            AttrValue::Array(Cow::Owned(values))
        }
        Value::Map(_) => AttrValue::KvList(Cow::Owned(read_kvlist(r, n, &what)?)),
        Value::Null => {
            r.error(n, format!("{what} has no value; write `\"\"` for an empty string"));
            return None;
        }
    })
}
