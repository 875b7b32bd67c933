//! Any bytes as a scenario file: loaded (an error is fine, a panic or a hang
//! is not), and a scenario that loads is planned, as `--check` does.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    match flutter::Scenario::from_yaml("fuzz.yaml", &text) {
        Ok(scenario) => {
            let _ = flutter::plan::plan(&scenario);
        }
        Err(e) => {
            // Every error names the file and renders.
            assert!(!e.diagnostics.is_empty());
            let _ = e.report();
        }
    }
});
