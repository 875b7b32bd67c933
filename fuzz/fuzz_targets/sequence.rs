//! The sequence notation (`1+2x3 _ stale …`) as a scenario's `values`: an
//! error at its place or a sequence that plays, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    // A JSON string is a YAML double-quoted scalar.
    let mut quoted = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => quoted.push_str("\\\""),
            '\\' => quoted.push_str("\\\\"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => quoted.push_str(&format!("\\u{:04x}", c as u32)),
            c => quoted.push(c),
        }
    }
    quoted.push('"');
    let yaml = format!(
        "duration: 30s\nscript:\n  - {{type: metricEmitter, name: s, spec: {{type: sequence, values: {quoted}}}}}\n  \
         - {{type: metric, name: m, spec: {{type: gauge, frequency: 1s, emitters: [s]}}}}\n"
    );
    if let Ok(scenario) = flutter::Scenario::from_yaml("fuzz.yaml", &yaml) {
        let _ = scenario.simulate();
    }
});
