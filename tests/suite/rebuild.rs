//! Editing an embedded YAML file rebuilds the crate that embeds it.
//!
//! A scratch crate (in `target/rebuild-probe`, so its dependencies stay built
//! between runs) prints a value from an embedded scenario; the test edits the
//! YAML and builds again.

use std::path::{Path, PathBuf};
use std::process::Command;

fn scenario(seed: u64) -> String {
    format!("seed: {seed}\nscript:\n  - {{type: metricEmitter, name: c, spec: {{type: constant, value: {seed}}}}}\n")
}

fn cargo_run(dir: &Path, target: &Path) -> String {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args(["run", "--quiet", "--offline"])
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target)
        .output()
        .expect("cargo runs");
    assert!(out.status.success(), "scratch build failed:\n{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn editing_the_yaml_rebuilds_the_embedding_crate() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let base = root.join("target/rebuild-probe");
    let dir = base.join("crate");
    std::fs::create_dir_all(dir.join("src")).unwrap();
    let manifest = format!(
        "[package]\nname = \"rebuild-probe\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
         [dependencies]\nflutter = {{ path = {:?}, default-features = false }}\nflutter-macros = {{ path = {:?} }}\n\n\
         # Its own workspace, not a member of flutter's.\n[workspace]\n",
        root.join("flutter"),
        root.join("flutter-macros"),
    );
    std::fs::write(dir.join("Cargo.toml"), manifest).unwrap();
    // Same dependency versions as the workspace, resolved without the network.
    std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
    std::fs::write(
        dir.join("src/main.rs"),
        "static S: flutter::Scenario<'static> = flutter_macros::include_scenario!(\"../probe.yaml\");\n\
         fn main() { println!(\"seed {}\", S.seed.unwrap()); }\n",
    )
    .unwrap();
    let yaml = dir.join("probe.yaml");
    let target = base.join("target");

    std::fs::write(&yaml, scenario(41)).unwrap();
    assert_eq!(cargo_run(&dir, &target), "seed 41\n");
    std::fs::write(&yaml, scenario(42)).unwrap();
    assert_eq!(cargo_run(&dir, &target), "seed 42\n", "the edit must rebuild the crate");
}
