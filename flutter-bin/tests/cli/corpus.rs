//! The malformed-scenario corpus through the command line: every file exits
//! 2, runs nothing, and prints exactly the report the library's own corpus
//! test checks against `flutter/tests/corpus/NAME.stderr`.

use crate::util::{TempDir, flutter, package_dir, sample};

/// Where the corpus is, as the command line is given it from the package directory.
const CORPUS: &str = "../flutter/tests/corpus";

fn assert_rejected(run: &crate::util::Run, location: &str, fragment: &str) {
    assert_eq!(run.code, Some(2), "{location}: expected exit 2\n{}", run.stderr);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    assert!(run.stdout.is_empty(), "nothing may run: {}", run.stdout);
    let wanted = format!("error: {location}: ");
    let line = run.stderr.lines().find(|l| l.starts_with(&wanted));
    let line = line.unwrap_or_else(|| panic!("no `{wanted}` in:\n{}", run.stderr));
    assert!(line.contains(fragment), "`{fragment}` not in `{line}`");
}

#[test]
fn every_corpus_file_exits_2_with_the_library_report() {
    let dir = package_dir().join(CORPUS);
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.ends_with(".stderr"))
        .collect();
    names.sort();
    names.push("no-such-file.yaml".into());
    for name in &names {
        let run = flutter(&[&format!("{CORPUS}/{name}")]);
        assert_eq!(run.code, Some(2), "{name}: expected exit 2\n{}", run.stderr);
        assert!(run.stdout.is_empty(), "{name}: nothing may run: {}", run.stdout);
        let snapshot = dir.join(format!("{}.stderr", name.trim_end_matches(".yaml")));
        let want = std::fs::read_to_string(&snapshot).unwrap().replace("tests/corpus/", &format!("{CORPUS}/"));
        assert_eq!(run.stderr, want, "{name}");
    }
    assert!(names.len() >= 72, "only {} corpus files", names.len());
}

#[test]
fn empty_file_merged_with_a_scenario_contributes_nothing() {
    let run = flutter(&[&format!("{CORPUS}/empty.yaml"), &sample("sample-config.yaml"), "--dryrun"]).ok();
    assert_eq!(run.points().len(), 12);
}

#[test]
fn missing_file_and_directory() {
    let missing = format!("{CORPUS}/no-such-file.yaml");
    assert_rejected(&flutter(&[&missing]), &missing, "no such file");
    let dir = format!("{CORPUS}/a-directory");
    assert_rejected(&flutter(&[&dir]), &dir, "is a directory");
}

#[test]
fn all_errors_of_a_file_are_reported_together() {
    let tmp = TempDir::new("many");
    let path = tmp.write(
        "many.yaml",
        "duration: 30\nseed: x\nscript:\n  - {type: metricEmitter, name: c, spec: {type: constant, value: .inf}}\n  \
         - {type: metric, name: m, spec: {type: gauge, frequency: 0.5s, emitters: [d]}}\n",
    );
    let run = flutter(&[&path]);
    assert_eq!(run.code, Some(2));
    let errors: Vec<&str> = run.stderr.lines().filter(|l| l.starts_with("error: ")).collect();
    let places: Vec<String> = errors.iter().map(|l| l.split(": ").nth(1).unwrap().replace(&path, "F")).collect();
    assert_eq!(places, ["F:1:11", "F:2:7", "F:4:66", "F:5:60", "F:5:77"], "{}", run.stderr);
    assert!(run.stderr.contains("flutter: 5 errors in the scenario; nothing was run"));
}

#[test]
fn an_error_in_a_later_file_names_that_file() {
    let tmp = TempDir::new("merge");
    let bad = tmp.write("override.yaml", "seed: 1\ndryrun: maybe\n");
    let run = flutter(&[&sample("sample-config.yaml"), &bad]);
    assert_rejected(&run, &format!("{bad}:2:9"), "`dryrun` must be `true` or `false`");
    // References across files are checked after the merge.
    let extra =
        tmp.write("extra.yaml", "script:\n  - {type: metric, name: m2, spec: {type: gauge, emitters: [random6]}}\n");
    let run = flutter(&[&sample("sample-config.yaml"), &extra]);
    assert_rejected(&run, &format!("{extra}:2:61"), "did you mean `random5`?");
}

#[test]
fn a_syntax_error_in_one_file_does_not_hide_errors_in_another() {
    let tmp = TempDir::new("syntax");
    let a = tmp.write("a.yaml", "seed: [1\n");
    let b = tmp.write("b.yaml", "sed: 2\n");
    let run = flutter(&[&a, &b]);
    assert_eq!(run.code, Some(2));
    assert!(run.stderr.contains(&format!("error: {a}:1:7: YAML syntax error: unclosed bracket")), "{}", run.stderr);
    assert!(run.stderr.contains(&format!("error: {b}:1:1: unknown key `sed`")), "{}", run.stderr);
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(flutter(&[]).code, Some(2));
    assert_eq!(flutter(&["--no-such-flag", &sample("sample-config.yaml")]).code, Some(2));
    assert_eq!(flutter(&["--rng", "pcg", &sample("sample-config.yaml")]).code, Some(2));
    assert_eq!(flutter(&["--seed", "-3", &sample("sample-config.yaml")]).code, Some(2));
    let help = flutter(&["--help"]).ok();
    assert!(help.stdout.contains("--dryrun") && help.stdout.contains("--check"));
    let version = flutter(&["--version"]).ok();
    assert_eq!(version.stdout.trim(), format!("flutter-bin {}", env!("CARGO_PKG_VERSION")));
}
