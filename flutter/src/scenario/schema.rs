//! The scenario language as a JSON Schema (draft-07, the version
//! yaml-language-server reads), made from the loader's own tables: every
//! kind's fields with their docs, ranges and defaults from the registries, and
//! every section's keys from the tables its reader checks against.
//!
//! The loader stays the judge. The schema says what an editor can know from a
//! file alone: it cannot tell a definition from a later change (so it requires
//! no kind's fields), nor see that an emitter is defined, that brace
//! expressions parse or that a `frequency` is whole seconds.

use serde_json::{Map, Value, json};

use super::file::{ACTION_TYPES, RNG_KINDS, RawKind};
use super::spec::{CustomShape, DurationRule, FieldDoc, FieldShape, KindDoc, Rule};
use crate::kinds::distribution::TYPES as DISTRIBUTIONS;
use crate::kinds::{emitters, metrics};
use crate::otlp::destination::{COMPRESSIONS, MAX_CONNECTIONS, MAX_POINTS_PER_REQUEST, PROTOCOLS, Section};

/// The schema, as pretty-printed JSON.
pub fn json_schema() -> String {
    format!("{:#}\n", schema())
}

/// A Go duration: numbers with units, or a bare `0`.
const DURATION: &str = r"^[-+]?(0|(([0-9]+(\.[0-9]*)?|\.[0-9]+)(ns|us|µs|μs|ms|s|m|h))+)$";
/// A duration that is zero however it is written (`0`, `0s`, `0m0.0s`).
const ZERO_DURATION: &str = r"^[-+]?(0|((0+(\.0*)?|\.0+)(ns|us|µs|μs|ms|s|m|h))+)$";
const DURATION_DOC: &str = "a Go duration such as `90s`, `1m30s` or `1.5h` (units ns, us, ms, s, m, h)";

fn schema() -> Value {
    let mut definitions = Map::new();
    definitions.insert("duration".into(), json!({"type": "string", "pattern": DURATION, "description": DURATION_DOC}));
    definitions.insert(
        "nonNegativeDuration".into(),
        json!({
            "type": "string",
            "allOf": [{"pattern": DURATION}, {"anyOf": [{"not": {"pattern": "^-"}}, {"pattern": ZERO_DURATION}]}],
            "description": DURATION_DOC,
        }),
    );
    definitions.insert(
        "positiveDuration".into(),
        json!({
            "type": "string",
            "allOf": [{"pattern": DURATION}, {"not": {"pattern": "^-"}}, {"not": {"pattern": ZERO_DURATION}}],
            "description": format!("{DURATION_DOC}, above zero"),
        }),
    );
    definitions.insert("name".into(), json!({"type": "string", "pattern": r"\S"}));
    definitions.insert("attributes".into(), attributes());
    definitions.insert("attributeValue".into(), attribute_value());
    definitions.insert("distribution".into(), distribution());
    definitions.insert("tls".into(), tls());
    definitions.insert("otlpDestination".into(), destination(Section::Otlp));
    definitions.insert("remoteWrite".into(), destination(Section::RemoteWrite));
    definitions.insert("emitterSpec".into(), emitter_spec(&emitters::catalog()));
    definitions.insert("metricSpec".into(), metric_spec(&metrics::catalog()));
    definitions.insert("traceSpec".into(), trace_spec());
    definitions.insert("span".into(), span());
    definitions.insert("logSpec".into(), log_spec());
    definitions.insert("action".into(), action());
    let mut top = Map::new();
    top.insert("$schema".into(), "http://json-schema.org/draft-07/schema#".into());
    top.insert("title".into(), "flutter scenario".into());
    top.insert(
        "description".into(),
        "A flutter scenario: settings, and a script of actions that define emitters (value shapes) and metrics \
         fed by them, at simulated times."
            .into(),
    );
    top.insert("type".into(), json!(["object", "null"]));
    top.insert("properties".into(), properties(&top_level()));
    top.insert("additionalProperties".into(), false.into());
    top.insert("definitions".into(), definitions.into());
    top.into()
}

/// One key of a section: its name and its schema (with a description).
type Key = (&'static str, Value);

/// A schema's `properties` from keys in order.
fn properties(keys: &[Key]) -> Value {
    keys.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect::<Map<_, _>>().into()
}

fn reference(name: &str, description: &str) -> Value {
    // draft-07 ignores keywords beside `$ref`, so the reference sits in `allOf`.
    json!({"allOf": [{"$ref": format!("#/definitions/{name}")}], "description": description})
}

fn described(mut schema: Value, description: &str) -> Value {
    if let Value::Object(m) = &mut schema {
        m.insert("description".into(), description.into());
    }
    schema
}

fn words<'a>(names: impl IntoIterator<Item = &'a str>) -> Value {
    names.into_iter().collect::<Vec<_>>().into()
}

fn top_level() -> Vec<Key> {
    let rng = words(RNG_KINDS.iter().map(|(w, _)| *w));
    vec![
        ("duration", reference("nonNegativeDuration", "how much simulated time the scenario plays")),
        ("seed", json!({"type": "integer", "minimum": 0, "description": "the seed: the same seed, the same data"})),
        (
            "wallclockStart",
            json!({"type": "string", "format": "date-time", "description": "the simulated clock's start, RFC 3339 \
                   (default: now)"}),
        ),
        ("dryrun", json!({"type": "boolean", "description": "print the points instead of sending them"})),
        ("rng", json!({"enum": rng, "description": "the random generator: `chacha` (default) or the Go tool's `go`"})),
        ("otlpDestination", reference("otlpDestination", "where and how the OTLP/HTTP requests go")),
        ("remoteWrite", reference("remoteWrite", "send Prometheus remote write 1.0 instead of OTLP")),
        (
            "script",
            json!({"type": "array", "items": {"$ref": "#/definitions/action"}, "description": "the actions, each at \
                   its simulated time `at`"}),
        ),
    ]
}

fn action() -> Value {
    let types = |kinds: &[RawKind]| words(ACTION_TYPES.iter().filter(|(_, k)| kinds.contains(k)).map(|(w, _)| *w));
    let keys: Vec<Key> = vec![
        ("at", reference("nonNegativeDuration", "when the action happens, in simulated time (default 0s)")),
        (
            "type",
            json!({"enum": types(&[RawKind::Emitter, RawKind::Metric, RawKind::Disable, RawKind::Enable, RawKind::Trace, RawKind::Log]),
                   "description": "`metricEmitter` defines or changes an emitter, `metric` a metric; \
                                   `disableMetric` and `enableMetric` stop and restart one; `trace` defines or \
                                   changes a trace template, `log` a log"}),
        ),
        ("name", reference("name", "the emitter's or the metric's name (a metric's may hold brace expressions)")),
        ("spec", json!({"description": "what the emitter or metric is, or what changes"})),
    ];
    let when = |kinds: &[RawKind], then: Value| json!({"if": {"properties": {"type": {"enum": types(kinds)}}, "required": ["type"]}, "then": then});
    json!({
        "type": "object",
        "properties": properties(&keys),
        "required": ["type", "name"],
        "additionalProperties": false,
        "allOf": [
            when(&[RawKind::Emitter], json!({"required": ["spec"], "properties": {"spec": {"$ref": "#/definitions/emitterSpec"}}})),
            when(&[RawKind::Metric], json!({"required": ["spec"], "properties": {"spec": {"$ref": "#/definitions/metricSpec"}}})),
            when(&[RawKind::Trace], json!({"required": ["spec"], "properties": {"spec": {"$ref": "#/definitions/traceSpec"}}})),
            when(&[RawKind::Log], json!({"required": ["spec"], "properties": {"spec": {"$ref": "#/definitions/logSpec"}}})),
            when(&[RawKind::Disable, RawKind::Enable], json!({"not": {"required": ["spec"]}})),
        ],
    })
}

/// A spec whose `type` names its kind: each kind's own keys when `type` is
/// given; without it (a later change keeps the type), any kind's keys.
fn kinds_spec(kinds: &[KindDoc], common: &[Key], drawable: bool, type_doc: &str) -> Value {
    let names: Vec<&str> =
        kinds.iter().flat_map(|k| std::iter::once(k.name).chain(k.aliases.iter().copied())).collect();
    let mut all: Vec<&str> = vec!["type"];
    all.extend(common.iter().map(|(k, _)| *k));
    let mut cases = Vec::new();
    for kind in kinds {
        let mut keys: Vec<Key> = vec![("type", json!({"description": kind.doc}))];
        keys.extend(common.iter().cloned());
        keys.extend(kind.fields.iter().map(|f| (f.key, field(f, drawable))));
        all.extend(kind.fields.iter().map(|f| f.key).filter(|k| !all.contains(k)).collect::<Vec<_>>());
        let own = words(std::iter::once(kind.name).chain(kind.aliases.iter().copied()));
        cases.push(json!({
            "if": {"properties": {"type": {"enum": own}}, "required": ["type"]},
            "then": {"properties": properties(&keys), "additionalProperties": false},
        }));
    }
    json!({
        "type": "object",
        "properties": {"type": {"enum": names, "description": type_doc}},
        "propertyNames": {"enum": all},
        "allOf": cases,
    })
}

fn emitter_spec(kinds: &[KindDoc]) -> Value {
    let shared = json!({"type": "boolean", "description": "one value for every series of a set (fixed by the \
                        definition; only for kinds that add a value of their own)"});
    let doc = "the emitter's kind (needed where it is defined)";
    kinds_spec(kinds, &[("shared", shared)], true, doc)
}

fn metric_spec(kinds: &[KindDoc]) -> Value {
    let emitters = json!({"type": "array", "minItems": 1, "items": {"$ref": "#/definitions/name"},
                          "description": "the emitters whose values, chained in order, feed the metric"});
    let levels: Vec<Key> = vec![
        ("resource", reference("attributes", "resource attributes (brace expressions make a set of series)")),
        ("scope", reference("attributes", "instrumentation scope attributes")),
        ("datapoint", reference("attributes", "each point's attributes")),
    ];
    let churn: Vec<Key> = vec![
        ("every", reference("positiveDuration", "how often a part of the set is replaced (whole seconds)")),
        (
            "fraction",
            json!({"type": "number", "exclusiveMinimum": 0, "maximum": 1, "description": "the part replaced each time"}),
        ),
        (
            "attribute",
            reference(
                "name",
                "the attribute whose values the successors continue (default: the last \
                                          varying one)",
            ),
        ),
    ];
    let common: Vec<Key> = vec![
        ("name", reference("name", "the exported name (default: the action's name)")),
        ("emitters", emitters.clone()),
        ("generators", described(emitters, "the Go tool's name for `emitters`")),
        ("frequency", reference("positiveDuration", "the time between points, whole seconds (default 1s)")),
        ("unit", json!({"type": "string", "description": "the unit, UCUM (`ms`, `By`, `1`)"})),
        ("description", json!({"type": "string", "description": "the metric's description"})),
        (
            "attributes",
            json!({"type": "object", "properties": properties(&levels), "additionalProperties": false,
                   "description": "attributes at each level"}),
        ),
        ("to", reference("nonNegativeDuration", "when the metric stops (staleness markers end its series)")),
        (
            "churn",
            json!({"type": "object", "properties": properties(&churn), "required": ["every", "fraction"],
                   "additionalProperties": false, "description": "rolling replacement of the set's series"}),
        ),
    ];
    kinds_spec(kinds, &common, false, "the metric's kind (needed where it is defined; fixed by the definition)")
}

/// A number from 0 to `max`, or an emitter's name.
fn number_or_emitter(max: f64, description: &str) -> Value {
    let schema = json!({"anyOf": [{"type": "number", "minimum": 0, "maximum": max}, {"$ref": "#/definitions/name"}]});
    described(schema, description)
}

/// The keys of a trace's `spec`.
fn trace_keys() -> Vec<Key> {
    vec![
        ("rate", number_or_emitter(crate::traces::MAX_RATE, "traces started per second: a number or an emitter")),
        ("resource", reference("attributes", "the spans' resource (a brace set: one series picked per trace)")),
        ("root", reference("span", "the root span, and below it the tree")),
        (
            "spanMetrics",
            json!({"type": "boolean", "description": "also send calls and duration metrics made from the spans, \
                   as the collector's span-metrics connector names them (default: false)"}),
        ),
        ("frequency", reference("positiveDuration", "how often span metrics get a point, whole seconds (default 10s)")),
    ]
}

fn trace_spec() -> Value {
    json!({"type": "object", "properties": properties(&trace_keys()), "additionalProperties": false})
}

/// The keys of a span.
fn span_keys() -> Vec<Key> {
    let kinds = words(crate::traces::SpanKind::ALL.iter().map(|(w, _)| *w));
    let units = words(crate::traces::TimeUnit::ALL.iter().map(|(w, _)| *w));
    let drawn: Vec<Key> = vec![
        (
            "emitters",
            json!({"type": "array", "minItems": 1, "items": {"$ref": "#/definitions/name"},
                            "description": "the emitters whose values, chained in order, are the centre"}),
        ),
        ("unit", json!({"enum": units, "description": "what the chain's value counts"})),
        ("distribution", reference("distribution", "how durations spread around the centre (default: none)")),
    ];
    vec![
        ("name", reference("name", "the span's name")),
        ("kind", json!({"enum": kinds, "description": "the span kind (default: internal)"})),
        (
            "duration",
            json!({"anyOf": [
                {"$ref": "#/definitions/nonNegativeDuration"},
                {"type": "object", "properties": properties(&drawn), "required": ["emitters", "unit"],
                 "additionalProperties": false},
            ], "description": "self time: a duration, or drawn around an emitter chain (default: 0s)"}),
        ),
        ("attributes", reference("attributes", "span attributes (a brace expression picks one value per span)")),
        ("resource", reference("attributes", "the resource of this span and its descendants")),
        (
            "children",
            json!({"type": "array", "items": {"$ref": "#/definitions/span"}, "description": "the calls it makes"}),
        ),
        ("parallel", json!({"type": "boolean", "description": "children run at once (default: one after another)"})),
        (
            "probability",
            json!({"type": "number", "minimum": 0, "maximum": 1, "description": "the share of traces it happens in"}),
        ),
        (
            "repeat",
            json!({"anyOf": [{"type": "integer", "minimum": 0, "maximum": super::traces::MAX_REPEAT},
                             {"type": "string", "pattern": r"^\s*[0-9]+\s*(\.\.\s*[0-9]+\s*)?$"}],
                   "description": "how many times it happens: a count, or a range `\"1..3\"`"}),
        ),
        ("error", number_or_emitter(1.0, "the probability it fails: a number or an emitter")),
        ("errorMessage", json!({"type": "string", "description": "a failed span's status message (default: error)"})),
        ("propagate", json!({"type": "boolean", "description": "a failure marks every ancestor failed too"})),
        (
            "logs",
            json!({"type": "array", "items": {"type": "object", "properties": properties(&span_log_keys()),
                                               "required": ["body"], "additionalProperties": false},
                   "description": "log records the span carries, with its trace and span IDs"}),
        ),
    ]
}

fn severity_names() -> Value {
    words(crate::logs::Severity::ALL.iter().map(|(w, _)| *w))
}

/// The keys of one of a span's `logs`.
fn span_log_keys() -> Vec<Key> {
    let when = words(crate::logs::When::ALL.iter().map(|(w, _)| *w));
    vec![
        (
            "body",
            json!({"type": "string", "description": "the record's body: `{key}` is a span attribute or an emitter's value, `{{` a brace"}),
        ),
        (
            "severity",
            json!({"enum": severity_names(), "description": "the record's severity (default INFO, ERROR for `when: error`)"}),
        ),
        (
            "when",
            json!({"enum": when, "description": "`always` (at the span's start) or `error` (when it fails itself, at its end)"}),
        ),
    ]
}

/// The keys of a log's `spec`.
fn log_keys() -> Vec<Key> {
    let names = severity_names();
    let weights: Map<String, Value> = crate::logs::Severity::ALL
        .iter()
        .map(|(n, _)| ((*n).to_owned(), json!({"type": "number", "minimum": 0})))
        .collect();
    vec![
        ("rate", number_or_emitter(crate::logs::MAX_RATE, "records per second: a number or an emitter")),
        ("resource", reference("attributes", "the records' resource (a brace set: one series picked per record)")),
        (
            "severity",
            json!({"anyOf": [{"enum": names}, {"type": "object", "properties": weights, "additionalProperties": false}],
                   "description": "one severity, or weights such as {INFO: 0.9, ERROR: 0.1} (default INFO)"}),
        ),
        (
            "body",
            json!({"type": "string", "description": "the body: `{key}` is an attribute of the record or an emitter's value, `{{` a brace"}),
        ),
        (
            "attributes",
            reference("attributes", "the records' attributes (a brace expression picks one value per record)"),
        ),
    ]
}

fn log_spec() -> Value {
    json!({"type": "object", "properties": properties(&log_keys()), "additionalProperties": false})
}

fn span() -> Value {
    json!({"type": "object", "properties": properties(&span_keys()), "required": ["name"], "additionalProperties": false})
}

/// One kind field's schema, with its doc, default and whether a definition needs it.
fn field(f: &FieldDoc, drawable: bool) -> Value {
    let value = match f.shape {
        FieldShape::Number(rule) => number(rule),
        FieldShape::Duration(DurationRule::Any) => json!({"$ref": "#/definitions/duration"}),
        FieldShape::Duration(DurationRule::Positive) => json!({"$ref": "#/definitions/positiveDuration"}),
        FieldShape::Bool => json!({"type": "boolean"}),
        FieldShape::Word(names) => json!({"enum": names}),
        FieldShape::Custom(c) => custom(c),
    };
    let value = if drawable && f.per_series { json!({"anyOf": [value.clone(), draw(&value)]}) } else { value };
    let mut doc = f.doc.to_owned();
    if let Some(d) = &f.default {
        doc.push_str(&format!(" (default: {d})"));
    }
    if f.required {
        doc.push_str(" (needed where it is defined)");
    }
    let mut out = Map::new();
    out.insert("allOf".into(), json!([value]));
    out.insert("description".into(), doc.into());
    out.into()
}

fn number(rule: Rule) -> Value {
    match rule {
        Rule::Any => json!({"type": "number"}),
        Rule::NonNegative => json!({"type": "number", "minimum": 0}),
        Rule::Positive => json!({"type": "number", "exclusiveMinimum": 0}),
        Rule::Unit => json!({"type": "number", "minimum": 0, "maximum": 1}),
        Rule::OpenUnit => json!({"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1}),
    }
}

fn custom(c: CustomShape) -> Value {
    match c {
        CustomShape::Integer { min, max } => json!({"type": "integer", "minimum": min, "maximum": max}),
        CustomShape::NumberList { non_empty } => {
            json!({"type": "array", "items": {"type": "number"}, "minItems": usize::from(non_empty)})
        }
        CustomShape::SequenceNotation => json!({"type": ["string", "number"]}),
        CustomShape::NumberOrEmitter { max } => {
            json!({"anyOf": [{"type": "number", "minimum": 0, "maximum": max}, {"$ref": "#/definitions/name"}]})
        }
        CustomShape::Distribution => json!({"$ref": "#/definitions/distribution"}),
    }
}

/// `{uniform: [a, b]}` or `{normal: [mean, stdDev]}`, each bound a `value`.
fn draw(value: &Value) -> Value {
    let pair = |second: &Value| json!({"type": "array", "items": [value, second], "minItems": 2, "maxItems": 2});
    json!({
        "type": "object",
        "properties": {
            "uniform": described(pair(value), "each series draws from [a, b) alike"),
            "normal": described(pair(&json!({"type": "number", "minimum": 0})), "each series draws from a normal \
                                 distribution [mean, stdDev]"),
        },
        "minProperties": 1,
        "maxProperties": 1,
        "additionalProperties": false,
    })
}

fn attributes() -> Value {
    json!({"type": "object", "additionalProperties": {"$ref": "#/definitions/attributeValue"},
           "description": "names to values (strings, numbers, booleans, lists or maps)"})
}

fn attribute_value() -> Value {
    json!({"anyOf": [
        {"type": "string"},
        {"type": "number"},
        {"type": "boolean"},
        {"type": "array", "items": {"$ref": "#/definitions/attributeValue"}},
        {"$ref": "#/definitions/attributes"},
    ]})
}

fn distribution() -> Value {
    let cases: Vec<Value> = DISTRIBUTIONS
        .iter()
        .map(|(name, param, _)| {
            let mut keys: Vec<Key> = vec![("type", json!({"const": name}))];
            keys.extend(param.map(|p| (p, json!({"type": "number", "minimum": 0}))));
            let required: Vec<&str> = std::iter::once("type").chain(*param).collect();
            json!({"properties": properties(&keys), "required": required, "additionalProperties": false})
        })
        .collect();
    json!({"type": "object", "oneOf": cases,
           "description": "how observations spread around the chain's value"})
}

fn tls() -> Value {
    let keys: Vec<Key> = vec![
        ("caFile", json!({"type": "string", "minLength": 1, "description": "trusted CA certificates (PEM file)"})),
        (
            "certFile",
            json!({"type": "string", "minLength": 1, "description": "the client certificate (PEM), with `keyFile`"}),
        ),
        ("keyFile", json!({"type": "string", "minLength": 1, "description": "the client certificate's key (PEM)"})),
        ("insecureSkipVerify", json!({"type": "boolean", "description": "accept any server certificate (tests only)"})),
    ];
    json!({"type": "object", "properties": properties(&keys), "additionalProperties": false})
}

/// The keys of `otlpDestination` or `remoteWrite`, as its reader takes them.
fn destination_keys(section: Section) -> Vec<Key> {
    let url = match section {
        Section::Otlp => ("endpoint", "the base URL; `/v1/metrics` is added (`${VAR}` reads the environment)"),
        Section::RemoteWrite => ("url", "the full URL, e.g. `http://localhost:9090/api/v1/write`"),
    };
    let mut keys: Vec<Key> = vec![
        (url.0, json!({"type": "string", "description": url.1})),
        (
            "headers",
            json!({"type": "object", "additionalProperties": {"type": ["string", "integer"]},
                   "description": "extra HTTP headers (`${VAR}` reads the environment)"}),
        ),
        ("timeout", reference("positiveDuration", "how long one request may take")),
    ];
    if section == Section::Otlp {
        let names = words(COMPRESSIONS.iter().map(|(w, _)| *w));
        keys.push(("compression", json!({"enum": names, "description": "the bodies' compression"})));
    }
    keys.extend([
        (
            "maxPointsPerRequest",
            json!({"type": "integer", "minimum": 1, "maximum": MAX_POINTS_PER_REQUEST,
                   "description": "the most points in one request"}),
        ),
        ("queueDuration", reference("positiveDuration", "how much data waits for delivery, in simulated time")),
        ("flushTimeout", reference("nonNegativeDuration", "how long the end of a run waits for delivery")),
        ("retryBudget", reference("nonNegativeDuration", "how long one request is retried")),
        ("tls", reference("tls", "trusted certificates and a client certificate")),
        (
            "connections",
            json!({"type": "integer", "minimum": 1, "maximum": MAX_CONNECTIONS,
                   "description": "requests in flight at once"}),
        ),
    ]);
    if section == Section::Otlp {
        let names = words(PROTOCOLS.iter().map(|(w, _)| *w));
        let doc = "`http/protobuf` (POSTs to `<endpoint>/v1/metrics`) or `grpc` (calls to the endpoint as given, `http://host:4317`)";
        keys.push(("protocol", json!({"enum": names, "description": doc})));
    }
    keys
}

fn destination(section: Section) -> Value {
    json!({"type": "object", "properties": properties(&destination_keys(section)), "additionalProperties": false})
}

#[cfg(test)]
mod tests {
    use super::super::file::{ACTION_KEYS, TOP_KEYS};
    use super::super::metrics::{ATTRIBUTE_KEYS, CHURN_KEYS, COMMON_KEYS};
    use super::*;

    fn names(keys: &[Key]) -> Vec<&str> {
        keys.iter().map(|(k, _)| *k).collect()
    }

    fn table(keys: &[(&'static str, &'static str)]) -> Vec<&'static str> {
        keys.iter().map(|(k, _)| *k).collect()
    }

    /// Every section lists exactly the keys its reader takes, in its order.
    #[test]
    fn sections_have_the_readers_keys() {
        assert_eq!(names(&top_level()), table(TOP_KEYS));
        let Value::Object(action) = action() else { panic!() };
        let action_keys: Vec<&str> = action["properties"].as_object().unwrap().keys().map(String::as_str).collect();
        let mut expected = table(ACTION_KEYS);
        expected.sort_unstable();
        assert_eq!(action_keys, expected);
        for section in [Section::Otlp, Section::RemoteWrite] {
            assert_eq!(names(&destination_keys(section)), table(&section.keys()), "{section:?}");
        }
        let tls = tls();
        let mut tls_keys: Vec<&str> = tls["properties"].as_object().unwrap().keys().map(String::as_str).collect();
        tls_keys.sort_unstable();
        let mut expected = table(crate::otlp::tls::KEYS);
        expected.sort_unstable();
        assert_eq!(tls_keys, expected);
        let spec = metric_spec(&metrics::catalog());
        let gauge = &spec["allOf"][0]["then"]["properties"];
        for (key, _) in COMMON_KEYS.iter().chain(ATTRIBUTE_KEYS).chain(CHURN_KEYS) {
            let found = gauge.get(key).is_some()
                || gauge["attributes"]["properties"].get(key).is_some()
                || gauge["churn"]["properties"].get(key).is_some();
            assert!(found, "{key}");
        }
        assert_eq!(gauge.as_object().unwrap().len(), COMMON_KEYS.len() + metrics::catalog()[0].fields.len());
        use super::super::traces::{DURATION_KEYS, SPAN_KEYS, TRACE_KEYS};
        assert_eq!(names(&trace_keys()), table(TRACE_KEYS));
        assert_eq!(names(&span_keys()), table(SPAN_KEYS));
        use super::super::logs::{LOG_KEYS, SPAN_LOG_KEYS};
        assert_eq!(names(&log_keys()), table(LOG_KEYS));
        assert_eq!(names(&span_log_keys()), table(SPAN_LOG_KEYS));
        let duration = &span()["properties"]["duration"]["anyOf"][1]["properties"];
        let mut drawn: Vec<&str> = duration.as_object().unwrap().keys().map(String::as_str).collect();
        drawn.sort_unstable();
        let mut expected = table(DURATION_KEYS);
        expected.sort_unstable();
        assert_eq!(drawn, expected);
    }
}
