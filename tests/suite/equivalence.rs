//! The macro and the runtime loader give the same scenario, and the same points, spans and records.

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
    assert!(!a.points().is_empty() || !a.all_spans().is_empty() || !a.all_logs().is_empty());
    assert_eq!(a, b, "{files:?}");
}

mod samples {
    include!(concat!(env!("OUT_DIR"), "/samples.rs"));
}

#[test]
fn every_sample_is_the_same_scenario_both_ways() {
    let names: Vec<&str> = samples::SAMPLES.iter().map(|(name, _)| *name).collect();
    assert!(names.len() >= 10, "{names:?}");
    for (name, embedded) in samples::SAMPLES {
        assert_equivalent(embedded, &[&format!("samples/{name}")]);
    }
    static README: Scenario<'static> =
        include_scenario!("../../samples/sample-dryrun.yaml", "../../samples/sample-config.yaml");
    assert_equivalent(&README, &["samples/sample-dryrun.yaml", "samples/sample-config.yaml"]);
    let config = samples::SAMPLES.iter().find(|(n, _)| *n == "sample-config.yaml").unwrap().1;
    assert!(README.dryrun && !config.dryrun);
    // Header templates stay templates: expanded only when a run starts.
    let otlp = samples::SAMPLES.iter().find(|(n, _)| *n == "sample-otlp.yaml").unwrap().1;
    assert_eq!(otlp.otlp.as_ref().unwrap().endpoint.as_deref(), Some("http://localhost:4318"));
}

#[test]
fn every_kind_of_value_survives_the_macro() {
    static EVERY: Scenario<'static> = include_scenario!("../fixtures/every-value.yaml");
    assert_equivalent(&EVERY, &["tests/fixtures/every-value.yaml"]);
    let otlp = EVERY.otlp.as_ref().unwrap();
    assert_eq!(otlp.headers[0].value, "Bearer ${FLUTTER_TOKEN}", "templates are never expanded at compile time");
    assert_eq!(otlp.connections, Some(3));
    let tls = otlp.tls.as_ref().unwrap();
    assert_eq!((tls.key_file.as_deref(), tls.insecure_skip_verify), (Some("certs/client-key.pem"), Some(false)));
    let flutter::scenario::ActionKind::Emitter(flutter::scenario::EmitterAction {
        spec: flutter::scenario::EmitterSpec::Constant(c),
        ..
    }) = &EVERY.script[0].kind
    else {
        panic!("first action is the constant")
    };
    assert!(c.value.unwrap().is_sign_negative(), "-0.0 keeps its sign");
}
