//! Reading a metric's `spec`.

use std::borrow::Cow;
use std::collections::BTreeMap;

use super::diagnostic::{Span, did_you_mean};
use super::file::RawAction;
use super::model::{AttrValue, Distribution, KeyValue, MetricKind, MetricSpec, Rate, Temporality, ValueType};
use super::read::{Fields, Reader, list};
use super::yaml::{Node, Value};
use crate::duration::GoDuration;

pub(crate) const METRIC_TYPES: &[(&str, MetricKind)] = &[
    ("gauge", MetricKind::Gauge),
    ("counter", MetricKind::Counter),
    ("upDownCounter", MetricKind::UpDownCounter),
    ("histogram", MetricKind::Histogram),
    ("exponentialHistogram", MetricKind::ExponentialHistogram),
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
    ("to", "to"),
    ("temporality", "temporality"),
    ("valueType", "valueType"),
    ("rate", "rate"),
    ("distribution", "distribution"),
    ("buckets", "buckets"),
    ("maxSize", "maxSize"),
    ("maxScale", "maxScale"),
];
const ATTRIBUTE_KEYS: &[(&str, &str)] = &[("resource", "resource"), ("scope", "scope"), ("datapoint", "datapoint")];
const TEMPORALITIES: &[(&str, Temporality)] = &[("cumulative", Temporality::Cumulative), ("delta", Temporality::Delta)];
const VALUE_TYPES: &[(&str, ValueType)] = &[("double", ValueType::Double), ("int", ValueType::Int)];
const DISTRIBUTIONS: &[(&str, &str)] =
    &[("normal", "normal"), ("lognormal", "lognormal"), ("exponential", "exponential"), ("uniform", "uniform")];

/// The OpenTelemetry SDK's default histogram bounds.
pub const DEFAULT_BUCKETS: &[f64] =
    &[0.0, 5.0, 10.0, 25.0, 50.0, 75.0, 100.0, 250.0, 500.0, 750.0, 1000.0, 2500.0, 5000.0, 7500.0, 10000.0];
/// The exponential histogram's default and allowed sizes and scales.
pub const DEFAULT_MAX_SIZE: u32 = 160;
pub const DEFAULT_MAX_SCALE: i32 = 20;
const MAX_SCALE_RANGE: (i32, i32) = (-10, 20);
const MAX_SIZE_RANGE: (u64, u64) = (2, 16384);

/// Which metric types a key applies to (`None`: all of them).
fn applies(key: &str) -> Option<&'static [MetricKind]> {
    use MetricKind::*;
    match key {
        "temporality" => Some(&[Counter, UpDownCounter, Histogram, ExponentialHistogram]),
        "valueType" => Some(&[Gauge]),
        "rate" | "distribution" => Some(&[Histogram, ExponentialHistogram]),
        "buckets" => Some(&[Histogram]),
        "maxSize" | "maxScale" => Some(&[ExponentialHistogram]),
        _ => None,
    }
}

/// Where an emitter is first defined.
pub(crate) struct FirstDefinition {
    pub at: GoDuration,
    pub span: Span,
}

/// Reads the spec of metric `a.name`, of type `kind`. `defining` means the
/// action defines the metric, so required fields must be there.
pub(crate) fn read(
    r: &mut Reader<'_>,
    spec: &Node,
    a: &RawAction<'_>,
    kind: Option<MetricKind>,
    defining: bool,
    first_defs: &BTreeMap<&str, FirstDefinition>,
) -> Option<MetricSpec<'static>> {
    let f = r.fields(spec, &format!("the spec of metric `{}`", a.name), METRIC_KEYS)?;
    let mut ok = true;
    if let Some(kind) = kind {
        for (key, _) in METRIC_KEYS {
            if let (Some(kinds), Some(node)) = (applies(key), f.key(key))
                && !kinds.contains(&kind)
            {
                let names: Vec<&str> = kinds.iter().map(|k| k.type_name()).collect();
                r.error(node, format!("`{key}` applies to {} metrics, not to a {}", list(names), kind.type_name()));
                ok = false;
            }
        }
    }
    let name = opt(r, &f, "name", |r, n| r.name(n, "metric `name`").map(Cow::Owned));
    let emitters = opt(r, &f, "emitters", |r, n| read_emitter_refs(r, n, a, first_defs));
    if defining && f.get("emitters").is_none() {
        r.rep.error(f.span, format!("metric `{}` needs `emitters`: a list of at least one emitter name", a.name));
        ok = false;
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
    let to = opt(r, &f, "to", |r, n| {
        let to = r.non_negative_duration(n, "`to`")?;
        if to < a.at {
            r.error(n, format!("`to` {to} is before this action's `at` ({})", a.at));
            return None;
        }
        Some(to)
    });
    let temporality = opt(r, &f, "temporality", |r, n| r.choice(n, "`temporality`", TEMPORALITIES));
    let value_type = opt(r, &f, "valueType", |r, n| r.choice(n, "`valueType`", VALUE_TYPES));
    let rate = opt(r, &f, "rate", |r, n| read_rate(r, n, a, first_defs));
    let distribution = opt(r, &f, "distribution", read_distribution);
    if defining && kind.is_some_and(MetricKind::is_histogram) && f.get("distribution").is_none() {
        r.rep.error(
            f.span,
            format!("histogram `{}` needs a `distribution`, e.g. `{{type: normal, stdDev: 5}}`", a.name),
        );
        ok = false;
    }
    let buckets = opt(r, &f, "buckets", read_buckets);
    let max_size = opt(r, &f, "maxSize", |r, n| {
        let v = r.u64(n, "`maxSize`")?;
        in_int_range(r, n, "maxSize", v as i128, MAX_SIZE_RANGE.0 as i128, MAX_SIZE_RANGE.1 as i128).map(|v| v as u32)
    });
    let max_scale = opt(r, &f, "maxScale", |r, n| {
        let Value::Int(v) = n.value else {
            r.error(n, format!("`maxScale` must be an integer, found {}", n.value.kind()));
            return None;
        };
        in_int_range(r, n, "maxScale", v, MAX_SCALE_RANGE.0 as i128, MAX_SCALE_RANGE.1 as i128).map(|v| v as i32)
    });
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
        temporality: temporality?,
        value_type: value_type?,
        rate: rate?,
        distribution: distribution?,
        buckets: buckets?,
        max_size: max_size?,
        max_scale: max_scale?,
    };
    ok.then_some(spec)
}

/// Reads an optional field: `Some(None)` when absent, `None` when present but bad.
pub(crate) fn opt<T>(
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

fn in_int_range(r: &mut Reader<'_>, n: &Node, key: &str, v: i128, lo: i128, hi: i128) -> Option<i128> {
    if (lo..=hi).contains(&v) {
        Some(v)
    } else {
        r.error(n, format!("`{key}` must be from {lo} to {hi}, found {v}"));
        None
    }
}

/// Checks that `name`, used by `a`, is an emitter defined at or before `a.at`.
fn check_emitter_ref(
    r: &mut Reader<'_>,
    item: &Node,
    name: &str,
    a: &RawAction<'_>,
    first_defs: &BTreeMap<&str, FirstDefinition>,
) -> bool {
    match first_defs.get(name) {
        None => {
            let hint = match did_you_mean(name, first_defs.keys().copied()) {
                Some(s) => format!("; did you mean `{s}`?"),
                None => String::new(),
            };
            r.error(item, format!("metric `{}` uses emitter `{name}`, which is not defined{hint}", a.name));
            false
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
            false
        }
        Some(_) => true,
    }
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
        match r.name(item, "an emitter name") {
            Some(name) if check_emitter_ref(r, item, &name, a, first_defs) => names.push(Cow::Owned(name)),
            _ => ok = false,
        }
    }
    ok.then_some(Cow::Owned(names))
}

/// `rate`: a number of observations per second, or an emitter's name.
fn read_rate(
    r: &mut Reader<'_>,
    n: &Node,
    a: &RawAction<'_>,
    first_defs: &BTreeMap<&str, FirstDefinition>,
) -> Option<Rate<'static>> {
    match &n.value {
        Value::Str(name) => {
            check_emitter_ref(r, n, name, a, first_defs).then(|| Rate::Emitter(Cow::Owned(name.clone())))
        }
        _ => {
            let v = r.float(n, "`rate`")?;
            if v < 0.0 {
                r.error(n, format!("`rate` must be at least 0, found {}", crate::gofmt::go_float(v)));
                return None;
            }
            Some(Rate::PerSecond(v))
        }
    }
}

fn read_distribution(r: &mut Reader<'_>, n: &Node) -> Option<Distribution> {
    let Value::Map(entries) = &n.value else {
        r.error(
            n,
            format!("`distribution` must be a map such as `{{type: normal, stdDev: 5}}`, found {}", n.value.kind()),
        );
        return None;
    };
    let Some(type_node) = entries.iter().find(|(k, _)| k.value == Value::Str("type".into())).map(|(_, v)| v) else {
        r.error(n, "`distribution` needs a `type` (`normal`, `lognormal`, `exponential` or `uniform`)");
        return None;
    };
    let ty = r.choice(type_node, "distribution type", DISTRIBUTIONS)?;
    let (param, keys): (Option<&str>, &[(&str, &str)]) = match ty {
        "normal" => (Some("stdDev"), &[("type", "type"), ("stdDev", "stdDev")]),
        "lognormal" => (Some("sigma"), &[("type", "type"), ("sigma", "sigma")]),
        "uniform" => (Some("width"), &[("type", "type"), ("width", "width")]),
        _ => (None, &[("type", "type")]),
    };
    let f = r.fields(n, &format!("a {ty} `distribution`"), keys)?;
    let value = match param {
        None => 0.0,
        Some(p) => {
            let Some(node) = f.get(p) else {
                r.error(n, format!("a {ty} `distribution` needs `{p}`"));
                return None;
            };
            let v = r.float(node, &format!("`{p}`"))?;
            if v < 0.0 {
                r.error(node, format!("`{p}` must be at least 0, found {}", crate::gofmt::go_float(v)));
                return None;
            }
            v
        }
    };
    Some(match ty {
        "normal" => Distribution::Normal { std_dev: value },
        "lognormal" => Distribution::LogNormal { sigma: value },
        "uniform" => Distribution::Uniform { width: value },
        _ => Distribution::Exponential,
    })
}

fn read_buckets(r: &mut Reader<'_>, n: &Node) -> Option<Cow<'static, [f64]>> {
    let items = r.seq(n, "`buckets`")?;
    let mut bounds: Vec<f64> = Vec::with_capacity(items.len());
    for item in items {
        let v = r.float(item, "a bucket bound")?;
        if let Some(&last) = bounds.last()
            && v <= last
        {
            let (v, last) = (crate::gofmt::go_float(v), crate::gofmt::go_float(last));
            r.error(item, format!("bucket bounds must increase: {v} comes after {last}"));
            return None;
        }
        bounds.push(v);
    }
    Some(Cow::Owned(bounds))
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
