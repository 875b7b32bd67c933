//! Runs of every sample, seeds, and `--check`.

use crate::util::{TempDir, flutter, sample};

const README: [(&str, &str); 12] = [
    ("10s", "8.603450562309138"),
    ("20s", "8.9923406286904"),
    ("30s", "9.15036693509603"),
    ("40s", "7.507197702329614"),
    ("50s", "9.966095793585012"),
    ("1m0s", "61.27401607743047"),
    ("1m10s", "62.90178020482533"),
    ("1m20s", "58.31397815651833"),
    ("1m30s", "61.26050101150872"),
    ("1m40s", "60.841981633174264"),
    ("1m50s", "58.18683152763096"),
    ("2m0s", "60.589915194816385"),
];

fn readme_lines() -> Vec<String> {
    README.iter().map(|(ts, v)| format!("INFO MetricGauge Emit ts={ts} metricName=pod.cpu.usage value={v}")).collect()
}

#[test]
fn readme_example_with_rng_go_flag() {
    let run = flutter(&[&sample("sample-dryrun.yaml"), &sample("sample-config.yaml"), "--rng", "go"]).ok();
    assert_eq!(run.points(), readme_lines());
    assert!(run.stderr.contains("flutter: 12 points from 1 streams over 2m0s simulated"), "{}", run.stderr);
    assert!(!run.stderr.contains("seed"), "the seed is set: {}", run.stderr);
}

#[test]
fn readme_example_with_rng_go_in_a_file() {
    let tmp = TempDir::new("rng");
    let go = tmp.write("go.yaml", "rng: go\n");
    let run = flutter(&[&sample("sample-dryrun.yaml"), &sample("sample-config.yaml"), &go, "-q"]).ok();
    assert_eq!(run.points(), readme_lines());
    assert!(run.stderr.is_empty());
}

#[test]
fn readme_example_default_streams_same_shape_and_reproducible() {
    let args = [sample("sample-dryrun.yaml"), sample("sample-config.yaml")];
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let first = flutter(&args).ok();
    let values = first.ts_values();
    assert_eq!(values.len(), 12);
    for (i, (_, v)) in values.iter().enumerate() {
        let centre = if i < 5 { 10.0 } else { 60.0 };
        assert!((v - centre).abs() <= 10.0, "{v}");
    }
    assert_ne!(first.points(), readme_lines());
    assert_eq!(flutter(&args).ok().points(), first.points());
}

#[test]
fn seeds_replay_and_differ() {
    let cfg = sample("sample-config.yaml");
    let with = |seed: &str| flutter(&["--dryrun", &cfg, "--seed", seed, "-q"]).ok().points();
    assert_eq!(with("7"), with("7"));
    assert_ne!(with("7"), with("8"));
}

#[test]
fn a_drawn_seed_is_printed_and_replays_the_run() {
    let tmp = TempDir::new("seed");
    let cfg = tmp.write(
        "noseed.yaml",
        "duration: 1m\ndryrun: true\nscript:\n  - {type: metricEmitter, name: w, spec: {type: randomWalk, stepSize: 1, variation: 5}}\n  \
         - {type: metric, name: m, spec: {type: gauge, emitters: [w]}}\n",
    );
    let first = flutter(&[&cfg]).ok();
    let line = first.stderr.lines().find(|l| l.starts_with("flutter: seed ")).expect(&first.stderr);
    let seed = line.split(' ').nth(2).unwrap();
    assert!(line.ends_with(&format!("(replay with --seed {seed})")));
    let replay = flutter(&[&cfg, "--seed", seed]).ok();
    assert_eq!(replay.points(), first.points());
    assert!(!replay.stderr.contains("flutter: seed"));
    let quiet = flutter(&[&cfg, "-q"]).ok();
    assert!(quiet.stderr.is_empty(), "{}", quiet.stderr);
}

#[test]
fn ramp_sample_prints_the_test_vectors() {
    let run = flutter(&["--dryrun", &sample("sample-ramp.yaml"), "-q"]).ok();
    let got = run.ts_values();
    assert_eq!(got.len(), 60);
    let want = [
        ("10s", 0.08333333333333333),
        ("20s", 0.16666666666666666),
        ("1m0s", 0.5),
        ("1m50s", 0.9166666666666666),
        ("2m0s", 1.0),
        ("2m10s", 0.9947916666666666),
        ("3m0s", 0.96875),
        ("3m10s", 0.9154861111111111),
        ("3m20s", 0.8622222222222222),
        ("5m50s", 0.0632638888888889),
    ];
    for (ts, v) in want {
        assert!(got.contains(&(ts.to_owned(), v)), "{ts} {v}");
    }
    assert!(got[35..].iter().all(|(_, v)| *v == 0.01), "from 6m0s on: 0.01");
    assert_eq!(got[35].0, "6m0s");
}

#[test]
fn counter_sample_prints_running_totals() {
    let run = flutter(&["--dryrun", &sample("sample-counter.yaml"), "-q"]).ok();
    let got = run.ts_values();
    let want = [
        ("15s", 75.0),
        ("30s", 150.0),
        ("45s", 225.0),
        ("1m0s", 300.0),
        ("1m15s", 543.75),
        ("1m30s", 956.25),
        ("1m45s", 1537.5),
        ("2m0s", 2287.5),
        ("2m15s", 3037.5),
        ("2m30s", 3787.5),
        ("2m45s", 4537.5),
        ("3m0s", 4612.5),
        ("3m15s", 4687.5),
        ("3m30s", 4762.5),
        ("3m45s", 4837.5),
        ("4m0s", 4912.5),
    ];
    let want: Vec<(String, f64)> = want.iter().map(|(t, v)| (t.to_string(), *v)).collect();
    assert_eq!(got, want);
    assert!(run.points()[0].starts_with("INFO MetricCounter Emit ts=15s metricName=http.server.requests value=75"));
}

#[test]
fn loop_sample_goes_up_and_down_three_times() {
    let run = flutter(&["--dryrun", &sample("sample-loop.yaml"), "-q"]).ok();
    let got = run.ts_values();
    assert_eq!(got.len(), 72);
    // The ramp turns every 2m; jitter is at most ±3 around it.
    let at = |ts: &str| got.iter().find(|(t, _)| t == ts).map(|(_, v)| *v).unwrap();
    for peak in ["2m0s", "6m0s", "10m0s"] {
        assert!((at(peak) - 90.0).abs() <= 3.0, "peak {peak}: {}", at(peak));
    }
    for trough in ["4m0s", "8m0s", "12m0s"] {
        assert!((at(trough) - 10.0).abs() <= 3.0, "trough {trough}: {}", at(trough));
    }
}

#[test]
fn otlp_sample_plays_dry() {
    let run = flutter(&["--dryrun", &sample("sample-otlp.yaml"), "-q"]).ok();
    let points = run.points();
    assert_eq!(points.len(), 120);
    assert!(points.iter().any(|l| l.starts_with("INFO MetricCounter Emit ts=10m0s metricName=http.server.requests")));
}

#[test]
fn dryrun_sample_alone_is_an_overlay_without_a_script() {
    let run = flutter(&[&sample("sample-dryrun.yaml")]);
    assert_eq!(run.code, Some(2));
    assert!(run.stderr.contains("../samples/sample-dryrun.yaml: empty script"), "{}", run.stderr);
}

#[test]
fn check_prints_a_summary() {
    let run = flutter(&["--check", &sample("sample-dryrun.yaml"), &sample("sample-config.yaml")]).ok();
    assert_eq!(
        run.stdout,
        "scenario: ../samples/sample-dryrun.yaml + ../samples/sample-config.yaml (valid)\n\
         duration: 2m0s (121 ticks)\nseed: 123456789\nrng: chacha\nactions: 4\n\
         emitters: 2 (constant10, random5)\nmetrics: 1 (pod.cpu.usage)\npoints: 12\n"
    );
    assert!(run.stderr.is_empty());
    // A scenario without a seed prints none, and --check never waits for the clock.
    let run = flutter(&["--check", &sample("sample-loop.yaml"), "--seed", "5"]).ok();
    assert!(run.stdout.contains("seed: 5\n") && run.stdout.contains("points: 72\n"), "{}", run.stdout);
}
