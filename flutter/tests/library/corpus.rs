//! The malformed-scenario corpus, in process: every file in `tests/corpus` is
//! rejected, and what a user sees (the full report: every error with its file,
//! line, column and source line) equals the file's `NAME.stderr` snapshot.
//! Each file's first line also says `# expect: LINE:COL fragment`, checked on
//! its own. `FLUTTER_BLESS=1 cargo test -p flutter --test library corpus`
//! rewrites the snapshots (review the diff).

use std::path::{Path, PathBuf};

use flutter::Scenario;
use flutter::scenario::Source;

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus")
}

/// The report for one corpus entry, with the path written as the tests name it.
fn report(name: &str) -> String {
    let path = corpus_dir().join(name);
    let shown = format!("tests/corpus/{name}");
    match Scenario::load(vec![Source::read_as(&path, shown)]) {
        Ok(_) => panic!("{name} loaded, but it is malformed"),
        Err(e) => e.report(),
    }
}

fn check_snapshot(name: &str, got: &str) -> Result<(), String> {
    let snapshot = corpus_dir().join(format!("{}.stderr", name.trim_end_matches(".yaml")));
    if std::env::var_os("FLUTTER_BLESS").is_some() {
        std::fs::write(&snapshot, got).unwrap();
        return Ok(());
    }
    match std::fs::read_to_string(&snapshot) {
        Ok(want) if want == got => Ok(()),
        Ok(want) => {
            Err(format!("{name}: the report differs from {}\n--- want\n{want}--- got\n{got}", snapshot.display()))
        }
        Err(_) => Err(format!("{name}: no snapshot {} (FLUTTER_BLESS=1 writes it)\n{got}", snapshot.display())),
    }
}

#[test]
fn every_corpus_file_is_rejected_with_its_snapshot() {
    let mut names: Vec<String> = std::fs::read_dir(corpus_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".yaml"))
        .collect();
    names.sort();
    let mut failures = Vec::new();
    for name in &names {
        let got = report(name);
        assert!(!got.contains("panicked"), "{got}");
        // The `# expect:` line: this error at this place (empty.yaml has none).
        let text = std::fs::read(corpus_dir().join(name)).unwrap();
        let first = String::from_utf8_lossy(&text).lines().next().unwrap_or_default().to_owned();
        if let Some(expect) = first.strip_prefix("# expect: ") {
            let (loc, fragment) = expect.split_once(' ').unwrap();
            let wanted = format!("error: tests/corpus/{name}:{loc}: ");
            let line = got.lines().find(|l| l.starts_with(&wanted));
            let line = line.unwrap_or_else(|| panic!("no `{wanted}` in:\n{got}"));
            assert!(line.contains(fragment), "`{fragment}` not in `{line}`");
        } else {
            assert_eq!(name, "empty.yaml", "{name} has no `# expect:` line");
        }
        if let Err(e) = check_snapshot(name, &got) {
            failures.push(e);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert!(names.len() >= 70, "only {} corpus files", names.len());
}

#[test]
fn a_directory_and_a_missing_file() {
    for name in ["a-directory", "no-such-file.yaml"] {
        let got = report(name);
        check_snapshot(name, &got).unwrap_or_else(|e| panic!("{e}"));
    }
}
