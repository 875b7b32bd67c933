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

/// A run that cannot keep up says so while it runs, once, and its summary
/// gives the worst lateness. Here the reader of its output stalls for 3.5 s
/// (so writing a tick's lines blocks), as a slow terminal or pipe would.
#[test]
fn falling_behind_is_reported() {
    let tmp = TempDir::new("late");
    let mut yaml =
        String::from("duration: 6s\nscript:\n  - {type: metricEmitter, name: c, spec: {type: constant, value: 1}}\n");
    // About 100 KB of lines a tick: more than a pipe holds.
    for i in 0..1000 {
        yaml.push_str(&format!(
            "  - {{type: metric, name: metric-{i}, spec: {{type: gauge, frequency: 1s, emitters: [c]}}}}\n"
        ));
    }
    let cfg = tmp.write("late.yaml", &yaml);
    let child = crate::util::flutter_cmd(&["--seed", "1", &cfg])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(3500));
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    let warnings: Vec<&str> = stderr.lines().filter(|l| l.contains("falling behind")).collect();
    assert_eq!(warnings.len(), 1, "{stderr}");
    assert!(warnings[0].starts_with("flutter: warning: falling behind: tick "), "{stderr}");
    let summary = stderr.lines().find(|l| l.starts_with("flutter: pacing: worst lateness ")).unwrap();
    let worst: f64 = summary["flutter: pacing: worst lateness ".len()..].split('s').next().unwrap().parse().unwrap();
    assert!(worst > 1.0 && summary.contains(" started more than 1s late"), "{summary}");
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 6000);
}
