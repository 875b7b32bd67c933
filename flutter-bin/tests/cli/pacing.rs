//! Real-time pacing of a whole process.

use std::time::Instant;

use crate::util::{TempDir, flutter};

/// A 10-second scenario (ticks 0 … 10) takes 10 s of wall time, and each point
/// line appears when its tick comes.
#[test]
fn ten_second_scenario_takes_ten_seconds() {
    let tmp = TempDir::new("pace");
    let cfg = tmp.write(
        "ten.yaml",
        "duration: 10s\nseed: 1\nscript:\n  - {type: metricEmitter, name: c, spec: {type: constant, value: 1}}\n  \
         - {type: metric, name: m, spec: {type: gauge, frequency: 2s, emitters: [c]}}\n",
    );
    let started = Instant::now();
    let run = flutter(&[&cfg, "-q"]).ok();
    let took = started.elapsed().as_secs_f64();
    assert!((9.7..=10.3).contains(&took), "took {took:.3}s");
    assert_eq!(run.points().len(), 5);
}
