//! Embeds every standalone sample (`samples/*.yaml` with a `script:`) with
//! `include_scenario!`, for the macro/loader equivalence test: a new sample is
//! covered without an edit.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let root = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let samples = Path::new(&root).join("samples");
    println!("cargo:rerun-if-changed={}", samples.display());
    let mut names: Vec<String> = std::fs::read_dir(&samples)
        .expect("samples/ exists")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".yaml"))
        .collect();
    names.sort();
    let mut code = String::from("/// Every standalone sample: its file name and the scenario the macro built.\n");
    code.push_str("pub static SAMPLES: &[(&str, &::flutter::Scenario<'static>)] = &[\n");
    for name in names {
        let path = samples.join(&name);
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        // An overlay (such as sample-dryrun.yaml) only makes sense merged with another file.
        if !text.lines().any(|l| l.starts_with("script:")) {
            continue;
        }
        let _ =
            writeln!(code, "    ({name:?}, &::flutter_macros::include_scenario!({:?})),", path.display().to_string());
    }
    code.push_str("];\n");
    let out = Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("samples.rs");
    std::fs::write(out, code).expect("OUT_DIR is writable");
}
