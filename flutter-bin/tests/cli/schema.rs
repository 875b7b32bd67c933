//! `flutter-bin schema`: the committed schema is the one printed, every
//! sample names it and passes it, and scenarios the loader refuses for what a
//! file alone shows are refused by a real validator too.

use serde_json::{Value, json};

use crate::util::{TempDir, flutter, package_dir};

/// Where the samples' `$schema` line points, from `samples/`.
const SCHEMA_LINE: &str = "# yaml-language-server: $schema=../schema/scenario.schema.json";

fn printed_schema() -> String {
    flutter(&["schema"]).ok().stdout
}

fn validator() -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(&printed_schema()).expect("the schema is JSON");
    jsonschema::draft7::meta::validate(&schema).expect("the schema is a valid draft-07 schema");
    jsonschema::draft7::new(&schema).expect("the schema compiles")
}

fn yaml(text: &str) -> Value {
    serde_saphyr::from_str(text).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

fn errors(v: &jsonschema::Validator, doc: &Value) -> Vec<String> {
    v.iter_errors(doc).map(|e| format!("{} at {}", e, e.instance_path())).collect()
}

#[test]
fn committed_schema_is_the_printed_one() {
    let printed = printed_schema();
    let path = package_dir().join("../schema/scenario.schema.json");
    if std::env::var_os("FLUTTER_BLESS").is_some() {
        std::fs::write(&path, &printed).unwrap();
    }
    let committed = std::fs::read_to_string(&path).expect("schema/scenario.schema.json is committed");
    assert!(committed == printed, "schema/scenario.schema.json is stale: run with FLUTTER_BLESS=1");
}

#[test]
fn every_sample_names_the_schema_and_passes_it() {
    let v = validator();
    let mut samples: Vec<_> = std::fs::read_dir(package_dir().join("../samples"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    samples.sort();
    assert!(samples.len() >= 14, "{samples:?}");
    for path in samples {
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().next(), Some(SCHEMA_LINE), "{}", path.display());
        let problems = errors(&v, &yaml(&text));
        assert!(problems.is_empty(), "{}: {problems:#?}", path.display());
    }
}

/// Each case is refused by the loader (`--check`) and by the schema, and the
/// fixed case (`ok`) passes both: the schema refuses it for that key.
#[test]
fn schema_and_loader_refuse_the_same_mistakes() {
    let head = "duration: 1m\nscript:\n";
    let emitter = "  - {type: metricEmitter, name: e, spec: {type: constant, value: 1}}\n";
    let cases: &[(&str, &str, &str)] = &[
        ("unknown top-level key", "durations: 1m\nscript:\n", "duration: 1m\nscript:\n"),
        (
            "action without a name",
            "  - {type: metricEmitter, spec: {type: constant, value: 1}}\n",
            "  - {type: metricEmitter, name: e, spec: {type: constant, value: 1}}\n",
        ),
        (
            "unknown emitter type",
            "  - {type: metricEmitter, name: e, spec: {type: rampp, value: 1}}\n",
            "  - {type: metricEmitter, name: e, spec: {type: constant, value: 1}}\n",
        ),
        (
            "another kind's key",
            "  - {type: metricEmitter, name: e, spec: {type: constant, value: 1, stdDev: 2}}\n",
            "  - {type: metricEmitter, name: e, spec: {type: normalNoise, target: 1, stdDev: 2}}\n",
        ),
        (
            "an alias's kind",
            "  - {type: metricEmitter, name: e, spec: {type: gaussianNoise, stdDev: -2}}\n",
            "  - {type: metricEmitter, name: e, spec: {type: gaussianNoise, stdDev: 2}}\n",
        ),
        (
            "a unit-range number",
            "  - {type: metricEmitter, name: e, spec: {type: randomWalk, stepSize: 1, variation: 5, elasticity: 1.5}}\n",
            "  - {type: metricEmitter, name: e, spec: {type: randomWalk, stepSize: 1, variation: 5, elasticity: 0.5}}\n",
        ),
        (
            "an open-unit number",
            "  - {type: metricEmitter, name: e, spec: {type: periodic, shape: square, period: 1m, duty: 1}}\n",
            "  - {type: metricEmitter, name: e, spec: {type: periodic, shape: square, period: 1m, duty: 0.5}}\n",
        ),
        (
            "a duration without a unit",
            "  - {type: metricEmitter, name: e, spec: {type: ramp, duration: 5 minutes, target: 1}}\n",
            "  - {type: metricEmitter, name: e, spec: {type: ramp, duration: 5m, target: 1}}\n",
        ),
        (
            "a per-series draw with one bound",
            "  - {type: metricEmitter, name: e, spec: {type: constant, value: {uniform: [1]}}}\n",
            "  - {type: metricEmitter, name: e, spec: {type: constant, value: {uniform: [1, 2]}}}\n",
        ),
        (
            "a draw of a field that cannot be drawn",
            "  - {type: metricEmitter, name: e, spec: {type: steps, every: {uniform: [1m, 2m]}, values: [1]}}\n",
            "  - {type: metricEmitter, name: e, spec: {type: steps, every: 1m, values: [1]}}\n",
        ),
        (
            "a metric setting of another kind",
            "  - {type: metric, name: m, spec: {type: gauge, emitters: [e], buckets: [1, 2]}}\n",
            "  - {type: metric, name: m, spec: {type: histogram, emitters: [e], buckets: [1, 2], \
             distribution: {type: normal, stdDev: 1}}}\n",
        ),
        (
            "a distribution's wrong parameter",
            "  - {type: metric, name: m, spec: {type: histogram, emitters: [e], distribution: {type: lognormal, \
             stdDev: 1}}}\n",
            "  - {type: metric, name: m, spec: {type: histogram, emitters: [e], distribution: {type: lognormal, \
             sigma: 1}}}\n",
        ),
        (
            "a zero frequency",
            "  - {type: metric, name: m, spec: {type: gauge, emitters: [e], frequency: 0s}}\n",
            "  - {type: metric, name: m, spec: {type: gauge, emitters: [e], frequency: 10s}}\n",
        ),
        (
            "churn without a fraction",
            "  - {type: metric, name: 'm', spec: {type: gauge, emitters: [e], attributes: {resource: {pod: 'p-{0..9}'}}, \
             churn: {every: 1m}}}\n",
            "  - {type: metric, name: 'm', spec: {type: gauge, emitters: [e], attributes: {resource: {pod: 'p-{0..9}'}}, \
             churn: {every: 1m, fraction: 0.1}}}\n",
        ),
        (
            "an attribute without a value",
            "  - {type: metric, name: m, spec: {type: gauge, emitters: [e], attributes: {resource: {host: }}}}\n",
            "  - {type: metric, name: m, spec: {type: gauge, emitters: [e], attributes: {resource: {host: a}}}}\n",
        ),
        (
            "a spec on disableMetric",
            "  - {type: metric, name: m, spec: {type: gauge, emitters: [e]}}\n  - {at: 10s, type: disableMetric, \
             name: m, spec: {}}\n",
            "  - {type: metric, name: m, spec: {type: gauge, emitters: [e]}}\n  - {at: 10s, type: disableMetric, \
             name: m}\n",
        ),
        (
            "an exponential histogram's maxScale",
            "  - {type: metric, name: m, spec: {type: exponentialHistogram, emitters: [e], maxScale: 21, \
             distribution: {type: exponential}}}\n",
            "  - {type: metric, name: m, spec: {type: exponentialHistogram, emitters: [e], maxScale: 20, \
             distribution: {type: exponential}}}\n",
        ),
    ];
    let v = validator();
    let dir = TempDir::new("schema-cases");
    let tails = [
        (
            "otlpDestination: {endpoint: 'http://127.0.0.1:1', compression: brotli}\n",
            "otlpDestination: {endpoint: 'http://127.0.0.1:1', compression: gzip}\n",
        ),
        (
            "remoteWrite: {url: 'http://127.0.0.1:1/w', compression: gzip}\n",
            "remoteWrite: {url: 'http://127.0.0.1:1/w'}\n",
        ),
        (
            "otlpDestination: {endpoint: 'http://127.0.0.1:1', connections: 0}\n",
            "otlpDestination: {endpoint: 'http://127.0.0.1:1', connections: 2}\n",
        ),
    ];
    let mut all: Vec<(String, String, String)> = Vec::new();
    for (what, bad, ok) in cases {
        let (bad, ok) = if bad.starts_with("duration") {
            (format!("{bad}{emitter}"), format!("{ok}{emitter}"))
        } else if bad.contains("metricEmitter") {
            (format!("{head}{bad}"), format!("{head}{ok}"))
        } else {
            (format!("{head}{emitter}{bad}"), format!("{head}{emitter}{ok}"))
        };
        all.push(((*what).to_owned(), bad, ok));
    }
    for (bad, ok) in tails {
        all.push((bad.to_owned(), format!("{head}{emitter}{bad}"), format!("{head}{emitter}{ok}")));
    }
    for (what, bad, ok) in &all {
        let ok_file = dir.write("ok.yaml", ok);
        let run = flutter(&["--check", "-q", &ok_file]);
        assert_eq!(run.code, Some(0), "{what}: the loader refuses the fixed case:\n{ok}\n{}", run.stderr);
        let problems = errors(&v, &yaml(ok));
        assert!(problems.is_empty(), "{what}: the schema refuses the fixed case:\n{ok}\n{problems:#?}");
        let bad_file = dir.write("bad.yaml", bad);
        let run = flutter(&["--check", "-q", &bad_file]);
        assert_eq!(run.code, Some(2), "{what}: the loader takes it:\n{bad}\n{}", run.stderr);
        assert!(!v.is_valid(&yaml(bad)), "{what}: the schema takes it:\n{bad}");
    }
}

/// The duration patterns agree with the loader's Go duration parser.
#[test]
fn schema_durations_are_go_durations() {
    use flutter::scenario::GoDuration;
    let v = validator();
    let texts = [
        "0", "5s", "1h30m", "1.5h", ".5s", "5.s", "-5s", "+0", "+5s", "-0", "12µs", "12μs", "100ns", "1us", "0s",
        "0m0.0s", ".0h", "", "5", "5 s", "s", "1d", "5sm", "1.2.3s", "--5s", ".s", "1h-5m",
    ];
    for text in texts {
        let parsed = GoDuration::parse(text);
        // `duration` (non-negative) and a metric's `frequency` (positive).
        let non_negative = parsed.as_ref().is_ok_and(|d| d.as_nanos() >= 0);
        let positive = parsed.as_ref().is_ok_and(|d| d.as_nanos() > 0);
        let top = json!({"duration": text});
        assert_eq!(v.is_valid(&top), non_negative, "duration {text:?}");
        let frequency = json!({"script": [{"type": "metric", "name": "m",
                                           "spec": {"type": "gauge", "frequency": text}}]});
        assert_eq!(v.is_valid(&frequency), positive, "frequency {text:?}");
    }
}
