//! The command line as telemetrygen and promtool users expect it: a scenario
//! on stdin, `--duration`, `--header`, `--attr`, shell completions, a man page.

use std::io::Write;
use std::process::Stdio;

use crate::receiver::Receiver;
use crate::util::{Run, TempDir, flutter, flutter_cmd};

const SCENARIO: &str = "\
seed: 3
wallclockStart: 2025-01-01T00:00:00Z
duration: 1m
script:
  - {type: metricEmitter, name: c, spec: {type: constant, value: 2}}
  - type: metric
    name: m
    spec: {type: gauge, emitters: [c], attributes: {resource: {service.name: api}, datapoint: {pod: 'p-{1..2}', zone: a}}}
  - {type: metric, name: bare, spec: {type: counter, emitters: [c]}}
  - {type: metric, at: 30s, name: m, spec: {attributes: {resource: {service.name: api}, datapoint: {pod: 'p-{1..2}', zone: b}}}}
";

/// Runs flutter-bin with `stdin` as its standard input.
fn with_stdin(args: &[&str], stdin: &str) -> Run {
    let mut child =
        flutter_cmd(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap().into()
}

fn json_points(run: &Run) -> Vec<serde_json::Value> {
    run.stdout.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"))).collect()
}

#[test]
fn a_scenario_on_stdin_plays_as_the_same_file_does() {
    let dir = TempDir::new("stdin");
    let file = dir.write("s.yaml", SCENARIO);
    let from_file = flutter(&["--dryrun", "--log-format", "json", &file]).ok();
    let from_stdin = with_stdin(&["--dryrun", "--log-format", "json", "-"], SCENARIO).ok();
    assert_eq!(from_stdin.stdout, from_file.stdout);
    // m's two pods every 10 s, with staleness markers and new series when
    // its `zone` changes at 30 s, and `bare` every 10 s.
    assert_eq!(json_points(&from_stdin).len(), 2 * 6 + 2 + 6);
    // Errors name it `<stdin>`, at the line and column.
    let bad = with_stdin(&["--dryrun", "-"], "duration: 1m\nscrpit: []\n");
    assert_eq!(bad.code, Some(2));
    assert!(
        bad.stderr.contains("\nerror: <stdin>:2:1: unknown key `scrpit` in the scenario; did you mean `script`?"),
        "{}",
        bad.stderr
    );
    let twice = with_stdin(&["--dryrun", "-", "-"], SCENARIO);
    assert_eq!(
        (twice.code, twice.stderr.as_str()),
        (Some(2), "error: `-` (stdin) is given twice\nflutter: nothing was run\n")
    );
    let check = with_stdin(&["--check", "-"], SCENARIO).ok();
    assert!(check.stdout.starts_with("scenario: <stdin> (valid)\n"), "{}", check.stdout);
}

#[test]
fn duration_overrides_the_scenario_and_is_checked_as_it_is() {
    let dir = TempDir::new("duration");
    let file = dir.write("s.yaml", SCENARIO);
    let longer = flutter(&["--dryrun", "--log-format", "json", "--duration", "2m", &file]).ok();
    assert_eq!(json_points(&longer).len(), 2 * 12 + 2 + 12);
    assert!(longer.stderr.contains("over 2m0s simulated"), "{}", longer.stderr);
    let short = flutter(&["--dryrun", "--duration", "20s", &file]);
    assert_eq!(short.code, Some(2));
    assert!(
        short.stderr.starts_with(&format!(
            "error: --duration:1:11: `duration` 20s is shorter than the last action's `at` (30s at {file}:10:"
        )),
        "{}",
        short.stderr
    );
    let bad = flutter(&["--dryrun", "--duration", "3x", &file]);
    assert_eq!(bad.code, Some(2));
    assert!(
        bad.stderr.starts_with("error: --duration:1:11: `duration`: unknown unit `x` in duration `3x`"),
        "{}",
        bad.stderr
    );
}

#[test]
fn attr_sets_an_attribute_on_every_series() {
    let dir = TempDir::new("attr");
    let file = dir.write("s.yaml", SCENARIO);
    let run = flutter(&[
        "--dryrun",
        "--log-format",
        "json",
        "--attr",
        "resource.service.name=checkout",
        "-a",
        "resource.deployment.environment=\"true\"",
        "-a",
        "scope.tier=1.5",
        "-a",
        "datapoint.zone=c",
        "-a",
        "datapoint.literal={a,b}",
        "-a",
        "datapoint.canary=false",
        "-a",
        "datapoint.n=-3",
        &file,
    ])
    .ok();
    let points = json_points(&run);
    // Still 2 + 1 series: the literal braces are text, not a set; and
    // `zone` no longer changes at 30 s, so no series ends there.
    assert_eq!(points.len(), 18);
    for p in &points {
        assert_eq!(p["resource"]["service.name"], "checkout", "{p}");
        assert_eq!(p["resource"]["deployment.environment"], "true", "{p}");
        assert_eq!(p["scope"]["tier"], 1.5, "{p}");
        let attrs = &p["attributes"];
        // The definition's `zone` and the reconfiguration's both replaced.
        assert_eq!(
            (&attrs["zone"], &attrs["literal"], &attrs["canary"], &attrs["n"]),
            (&"c".into(), &"{a,b}".into(), &false.into(), &(-3).into()),
            "{p}"
        );
    }
    let pods: Vec<_> = points
        .iter()
        .filter(|p| p["name"] == "m")
        .map(|p| p["attributes"]["pod"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(pods.iter().filter(|p| *p == "p-1").count(), 6);
    assert_eq!(pods.iter().filter(|p| *p == "p-2").count(), 6);

    let set = flutter(&["--dryrun", "--attr", "datapoint.pod=x", &file]);
    assert_eq!(set.code, Some(2));
    assert_eq!(
        set.stderr,
        "error: --attr datapoint.pod: metric `m`: datapoint attribute `pod` is a series set expression (`p-{1..2}`); \
         an override would replace the set's series with one\nflutter: nothing was run\n"
    );
    for (bad, says) in [
        ("pod=x", "`pod` does not start with `resource.`, `scope.` or `datapoint.` (the attribute's level)"),
        ("datapoint.pod", "`datapoint.pod` is not LEVEL.KEY=VALUE (no `=`)"),
        ("resource.=1", "`resource.=1` has no attribute key after `resource.`"),
    ] {
        let out = flutter(&["--dryrun", "--attr", bad, &file]);
        assert_eq!(out.code, Some(2));
        assert!(
            out.stderr.starts_with(&format!("error: invalid value '{bad}' for '--attr <LEVEL.KEY=VALUE>': {says}")),
            "{}",
            out.stderr
        );
    }
}

#[test]
fn header_adds_and_replaces_request_headers() {
    let rx = Receiver::start(vec![]);
    let dir = TempDir::new("header");
    let file = dir.write(
        "s.yaml",
        &format!(
            "{SCENARIO}otlpDestination:\n  endpoint: {}\n  headers: {{x-scope: tenant-1, x-keep: yes}}\n",
            rx.endpoint()
        ),
    );
    let out: Run = flutter_cmd(&["--fast", "-H", "X-Scope=tenant-2", "--header", "authorization=Bearer t0k3n", &file])
        .env("OTEL_EXPORTER_OTLP_HEADERS", "authorization=from-env")
        .output()
        .unwrap()
        .into();
    let out = out.ok();
    let req = &rx.requests()[0];
    assert_eq!(req.header("x-scope"), Some("tenant-2"));
    assert_eq!(req.header("x-keep"), Some("yes"));
    assert_eq!(req.header("authorization"), Some("Bearer t0k3n"));
    assert!(!out.stderr.contains("t0k3n"), "{}", out.stderr);
    let reserved = flutter(&["--fast", "-H", "Content-Encoding=br", &file]);
    assert_eq!(reserved.code, Some(2));
    assert!(
        reserved.stderr.contains("header `Content-Encoding` is set by flutter and cannot be configured"),
        "{}",
        reserved.stderr
    );
    let dry = flutter(&["--dryrun", "-H", "x-a=1", &file]).ok();
    assert!(dry.stderr.contains("flutter: warning: --header is ignored in a dry run"), "{}", dry.stderr);
}

#[test]
fn completions_complete_and_the_man_page_renders() {
    let bash = flutter(&["completions", "bash"]).ok();
    // The script, sourced in a real bash, completes a partial option.
    let probe = format!(
        "{}\nCOMP_WORDS=(flutter-bin --out); COMP_CWORD=1; COMP_LINE='flutter-bin --out'; COMP_POINT=17\n\
         _flutter__bin flutter-bin --out flutter-bin; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        bash.stdout
    );
    let completed = std::process::Command::new("bash").arg("-c").arg(&probe).output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&completed.stdout),
        "--output\n",
        "{}",
        String::from_utf8_lossy(&completed.stderr)
    );
    let zsh = flutter(&["completions", "zsh"]).ok();
    assert!(zsh.stdout.starts_with("#compdef flutter-bin\n") && zsh.stdout.contains("--start-at"), "{}", zsh.stdout);
    let fish = flutter(&["completions", "fish"]).ok();
    assert!(
        fish.stdout.contains("complete -c flutter-bin -n \"__fish_flutter_bin_needs_command\" -s a -l attr"),
        "{}",
        fish.stdout
    );
    let bad = flutter(&["completions", "tcsh"]);
    assert_eq!(bad.code, Some(2));

    let man = flutter(&["man"]).ok();
    assert!(man.stdout.contains(".TH flutter-bin 1"), "{}", man.stdout);
    for option in ["\\-\\-output", "\\-\\-duration", "\\-\\-header", "\\-\\-attr", "\\-\\-shard"] {
        assert!(man.stdout.contains(option), "{option} in {}", man.stdout);
    }
    // Rendered by the machine's groff (as `man -l` does, UTF-8 input), when it has one: no warnings.
    if std::path::Path::new("/usr/bin/groff").exists() {
        let mut groff = std::process::Command::new("groff")
            .args(["-k", "-man", "-Tutf8", "-ww", "-z"])
            .stdin(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        groff.stdin.take().unwrap().write_all(man.stdout.as_bytes()).unwrap();
        let out = groff.wait_with_output().unwrap();
        assert!(out.status.success() && out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
    }
}
