//! The progress line: shown on a terminal (a pseudo-terminal made by
//! util-linux `script`), never in a pipe, not with `-q`, not over point lines.

use std::process::Command;

use crate::receiver::Receiver;
use crate::util::{TempDir, flutter};

const SCENARIO: &str = "duration: 3s\nscript:\n  - {type: metricEmitter, name: c, spec: {type: constant, value: 1}}\n  \
                        - {type: metric, name: m, spec: {type: gauge, frequency: 1s, emitters: [c]}}\n";

/// Runs flutter-bin with `args` on a pseudo-terminal; what the terminal showed.
fn on_terminal(args: &[&str]) -> String {
    let bin = env!("CARGO_BIN_EXE_flutter-bin");
    let line = std::iter::once(bin).chain(args.iter().copied()).map(|a| format!("'{a}'")).collect::<Vec<_>>().join(" ");
    let out = Command::new("script").args(["-qfec", &line, "/dev/null"]).output().expect("util-linux script runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn a_terminal_shows_progress_and_a_pipe_does_not() {
    let rx = Receiver::start(vec![]);
    let dir = TempDir::new("progress");
    let config = dir.write("p.yaml", SCENARIO);
    let shown = on_terminal(&["--endpoint", &rx.endpoint(), &config]);
    // Simulated time, points, delivery and lag, redrawn in place, then cleared
    // before the summary.
    assert!(shown.contains("] 3s of 3s simulated, 3 points, "), "{shown:?}");
    assert!(shown.contains(" delivered, 0 retries, lag 0."), "{shown:?}");
    let summary = shown.find("flutter: 3 points generated, 3 delivered").unwrap_or_else(|| panic!("{shown:?}"));
    let last_bar = shown.rfind("simulated,").unwrap();
    assert!(last_bar < summary && shown[last_bar..summary].contains("\u{1b}[2K"), "cleared first: {shown:?}");

    let quiet = on_terminal(&["-q", "--fast", "--endpoint", &rx.endpoint(), &config]);
    assert!(!quiet.contains("simulated,"), "{quiet:?}");
    // Point lines on the same terminal: no progress line over them.
    let dry = on_terminal(&["--dryrun", &config]);
    assert!(dry.contains("metricName=m value=1") && !dry.contains("simulated,"), "{dry:?}");
    // A file for the points: the terminal shows progress (no lag in a dry run).
    let file = dir.path().join("out.jsonl");
    let to_file = on_terminal(&["--dryrun", "-o", file.to_str().unwrap(), &config]);
    assert!(to_file.contains("] 3s of 3s simulated, 3 points ") && !to_file.contains("lag"), "{to_file:?}");

    let piped = flutter(&["--fast", "--endpoint", &rx.endpoint(), &config]).ok();
    assert!(!piped.stderr.contains("simulated,") && !piped.stderr.contains('\u{1b}'), "{}", piped.stderr);
}
