//! An embedded scenario, checked when this example compiles, played by the
//! same engine as `flutter-bin`, and queried like a test would.
//!
//! `cargo run --example embedded`

use flutter::{GoDuration, RngKind, Scenario};
use flutter_macros::include_scenario;

/// The original README's example; a typo in the YAML would stop the build.
static README: Scenario<'static> = include_scenario!("../samples/sample-dryrun.yaml", "../samples/sample-config.yaml");

fn main() {
    // With the Go-compatible stream the values are exactly the Go README's.
    let config = flutter::RunConfig { rng: RngKind::Go, ..README.reproducible_config() };
    let points = README.simulate_with(config);
    let cpu = points.metric("pod.cpu.usage").with_attr("k8s.pod.name", "fakepod");
    println!("pod.cpu.usage (seed {}, rng go):", README.seed.unwrap_or(0));
    for (t, v) in cpu.values() {
        println!("  {t:>6}  {v}");
    }
    let after_jump = cpu.between(GoDuration::from_secs(60), GoDuration::from_secs(120));
    let mean = after_jump.iter().map(|(_, v)| v).sum::<f64>() / after_jump.len() as f64;
    println!("mean from 1m0s on: {mean:.3} (the constant jumps from 10 to 60 at 1m0s)");
}
