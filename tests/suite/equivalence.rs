//! The macro and the runtime loader give the same scenario, and the same points.

use std::path::Path;

use flutter::Scenario;
use flutter_macros::include_scenario;

fn runtime(files: &[&str]) -> Scenario<'static> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let paths: Vec<_> = files.iter().map(|f| root.join(f)).collect();
    Scenario::load_files(&paths).unwrap()
}

fn assert_equivalent(embedded: &Scenario<'static>, files: &[&str]) {
    let loaded = runtime(files);
    assert_eq!(*embedded, loaded, "{files:?}");
    let (a, b) = (embedded.simulate(), loaded.simulate());
    assert!(!a.points().is_empty());
    assert_eq!(a, b, "{files:?}");
}

#[test]
fn every_sample_is_the_same_scenario_both_ways() {
    static CONFIG: Scenario<'static> = include_scenario!("../../samples/sample-config.yaml");
    static README: Scenario<'static> =
        include_scenario!("../../samples/sample-dryrun.yaml", "../../samples/sample-config.yaml");
    static RAMP: Scenario<'static> = include_scenario!("../../samples/sample-ramp.yaml");
    static LOOP: Scenario<'static> = include_scenario!("../../samples/sample-loop.yaml");
    static COUNTER: Scenario<'static> = include_scenario!("../../samples/sample-counter.yaml");
    static OTLP: Scenario<'static> = include_scenario!("../../samples/sample-otlp.yaml");
    static PERIODIC: Scenario<'static> = include_scenario!("../../samples/sample-periodic.yaml");
    static SPIKY: Scenario<'static> = include_scenario!("../../samples/sample-spiky.yaml");
    static SEQUENCE: Scenario<'static> = include_scenario!("../../samples/sample-sequence.yaml");
    static HISTOGRAM: Scenario<'static> = include_scenario!("../../samples/sample-histogram.yaml");
    static LIFETIME: Scenario<'static> = include_scenario!("../../samples/sample-lifetime.yaml");
    assert_equivalent(&CONFIG, &["samples/sample-config.yaml"]);
    assert_equivalent(&README, &["samples/sample-dryrun.yaml", "samples/sample-config.yaml"]);
    assert_equivalent(&RAMP, &["samples/sample-ramp.yaml"]);
    assert_equivalent(&LOOP, &["samples/sample-loop.yaml"]);
    assert_equivalent(&COUNTER, &["samples/sample-counter.yaml"]);
    assert_equivalent(&OTLP, &["samples/sample-otlp.yaml"]);
    assert_equivalent(&PERIODIC, &["samples/sample-periodic.yaml"]);
    assert_equivalent(&SPIKY, &["samples/sample-spiky.yaml"]);
    assert_equivalent(&SEQUENCE, &["samples/sample-sequence.yaml"]);
    assert_equivalent(&HISTOGRAM, &["samples/sample-histogram.yaml"]);
    assert_equivalent(&LIFETIME, &["samples/sample-lifetime.yaml"]);
    assert!(README.dryrun && !CONFIG.dryrun);
    // Header templates stay templates: expanded only when a run starts.
    assert_eq!(OTLP.otlp.as_ref().unwrap().endpoint.as_deref(), Some("http://localhost:4318"));
}

#[test]
fn every_kind_of_value_survives_the_macro() {
    static EVERY: Scenario<'static> = include_scenario!("../fixtures/every-value.yaml");
    assert_equivalent(&EVERY, &["tests/fixtures/every-value.yaml"]);
    let otlp = EVERY.otlp.as_ref().unwrap();
    assert_eq!(otlp.headers[0].value, "Bearer ${FLUTTER_TOKEN}", "templates are never expanded at compile time");
    let flutter::scenario::ActionKind::Emitter(flutter::scenario::EmitterSpec::Constant(c)) = &EVERY.script[0].kind
    else {
        panic!("first action is the constant")
    };
    assert!(c.value.unwrap().is_sign_negative(), "-0.0 keeps its sign");
}

#[test]
fn every_sample_file_is_covered() {
    let mut samples: Vec<String> = std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("samples"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    samples.sort();
    let source = include_str!("equivalence.rs");
    for s in samples {
        assert!(source.contains(&format!("../../samples/{s}\"")), "{s} has no macro equivalence check");
    }
}
