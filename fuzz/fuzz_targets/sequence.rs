//! The sequence notation (`1+2x3 _ stale …`) as a scenario's `values`: an
//! error at its place or a sequence that plays, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let quoted = flutter_fuzz::yaml_quoted(text);
    let yaml = format!(
        "duration: 30s\nscript:\n  - {{type: metricEmitter, name: s, spec: {{type: sequence, values: {quoted}}}}}\n  \
         - {{type: metric, name: m, spec: {{type: gauge, frequency: 1s, emitters: [s]}}}}\n"
    );
    if let Ok(scenario) = flutter::Scenario::from_yaml("fuzz.yaml", &yaml) {
        let _ = scenario.simulate();
    }
});
