//! The malformed-scenario corpus: every file exits 2 with a message naming the
//! file, line and column; none panics. Each corpus file's first line says
//! `# expect: LINE:COL fragment`.

use crate::util::{TempDir, flutter, package_dir, sample};

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
fn every_corpus_file_is_rejected_at_its_place() {
    let dir = package_dir().join("tests/corpus");
    let mut files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    let mut checked = 0;
    for path in files.iter().filter(|p| p.extension().is_some_and(|e| e == "yaml")) {
        let name = path.file_name().unwrap().to_str().unwrap();
        let rel = format!("tests/corpus/{name}");
        let text = std::fs::read(path).unwrap();
        let first = String::from_utf8_lossy(&text).lines().next().unwrap_or_default().to_owned();
        let Some(expect) = first.strip_prefix("# expect: ") else {
            assert_eq!(name, "empty.yaml", "{name} has no `# expect:` line");
            continue;
        };
        let (loc, fragment) = expect.split_once(' ').unwrap();
        assert_rejected(&flutter(&[&rel]), &format!("{rel}:{loc}"), fragment);
        checked += 1;
    }
    assert!(checked >= 70, "only {checked} corpus files");
}

#[test]
fn empty_file_is_an_empty_script() {
    let run = flutter(&["tests/corpus/empty.yaml"]);
    assert_rejected(&run, "tests/corpus/empty.yaml", "empty script");
}

#[test]
fn empty_file_merged_with_a_scenario_contributes_nothing() {
    let run = flutter(&["tests/corpus/empty.yaml", &sample("sample-config.yaml"), "--dryrun"]).ok();
    assert_eq!(run.points().len(), 12);
}

#[test]
fn missing_file_and_directory() {
    let run = flutter(&["tests/corpus/no-such-file.yaml"]);
    assert_rejected(&run, "tests/corpus/no-such-file.yaml", "no such file");
    let run = flutter(&["tests/corpus/a-directory"]);
    assert_rejected(&run, "tests/corpus/a-directory", "is a directory");
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
