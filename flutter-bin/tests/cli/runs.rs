//! Runs of every sample, seeds, and `--check`.

use crate::util::{Run, TempDir, flutter, flutter_cmd, sample, signalled};

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
    assert!(run.stderr.contains("flutter: 12 points from 1 stream over 2m0s simulated"), "{}", run.stderr);
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
        ("1m15s", 453.75),
        ("1m30s", 776.25),
        ("1m45s", 1267.5),
        ("2m0s", 1927.5),
        ("2m15s", 2677.5),
        ("2m30s", 3427.5),
        ("2m45s", 4177.5),
        ("3m0s", 4927.5),
        ("3m15s", 5002.5),
        ("3m30s", 5077.5),
        ("3m45s", 5152.5),
        ("4m0s", 5227.5),
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
fn check_prints_a_plan() {
    let run = flutter(&["--check", &sample("sample-dryrun.yaml"), &sample("sample-config.yaml")]).ok();
    assert_eq!(
        run.stdout,
        "scenario: ../samples/sample-dryrun.yaml + ../samples/sample-config.yaml (valid)\n\
         duration: 2m0s (121 ticks)\nseed: 123456789\nrng: chacha\nactions: 4\n\
         emitters: 2 (constant10, random5)\nmetrics: 1 (1 series)\n  \
         pod.cpu.usage  gauge  1 series  12 points  peak 0.1 points/s\n\
         points: 12 (12 with a value, 0 staleness markers), peak 0.1 points/s, 1 stream\n\
         output: log lines on stdout (dry run)\n"
    );
    assert!(run.stderr.is_empty());
    // A scenario without a seed prints none, and --check never waits for the clock.
    let run = flutter(&["--check", &sample("sample-loop.yaml"), "--seed", "5"]).ok();
    assert!(run.stdout.contains("seed: 5\n") && run.stdout.contains("points: 72 "), "{}", run.stdout);
}

#[test]
fn check_resolves_the_destination_as_a_run_does() {
    let dir = TempDir::new("check-dest");
    let yaml = "duration: 1m\notlpDestination:\n  endpoint: http://127.0.0.1:9/otlp\n  compression: gzip\n  \
                headers: {Authorization: \"Bearer ${FLUTTER_TEST_TOKEN}\"}\nscript:\n  \
                - {type: metricEmitter, name: c, spec: {type: constant, value: 1}}\n  \
                - {type: metric, name: a, spec: {type: gauge, emitters: [c]}}\n  \
                - {type: metric, name: b, spec: {type: counter, to: 30s, emitters: [c]}}\n";
    let file = dir.write("dest.yaml", yaml);
    // An unset variable stops --check as it stops a run.
    let run: Run = flutter_cmd(&["--check", &file]).env_remove("FLUTTER_TEST_TOKEN").output().unwrap().into();
    assert_eq!(run.code, Some(2));
    assert!(run.stderr.contains("`FLUTTER_TEST_TOKEN` is not set"), "{}", run.stderr);
    let run: Run = flutter_cmd(&["--check", &file]).env("FLUTTER_TEST_TOKEN", "s3cret").output().unwrap().into();
    let run = run.ok();
    assert!(!run.stdout.contains("s3cret"), "a header value is never shown");
    assert!(
        run.stdout.contains(
            "output: OTLP to http://127.0.0.1:9/otlp/v1/metrics (from otlpDestination.endpoint), gzip, headers \
             Authorization=<redacted>\n"
        ),
        "{}",
        run.stdout
    );
    // 6 + 3 points and b's end at 31 s, one tick's worth per request in real time.
    assert!(run.stdout.contains("points: 10 (9 with a value, 1 staleness marker), peak 0.2 points/s, 2 streams\n"));
    assert!(run.stdout.contains(" in 7 requests\n"), "{}", run.stdout);
    let fast: Run = flutter_cmd(&["--check", "--fast", &file]).env("FLUTTER_TEST_TOKEN", "x").output().unwrap().into();
    assert!(fast.ok().stdout.contains(" in 1 request\n"));
    // A malformed endpoint is an error before anything else.
    let run = flutter(&["--check", &file, "--endpoint", "localhost:4318"]);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
}

#[test]
fn check_warns_as_a_run_would() {
    let dir = TempDir::new("check-warn");
    // The usual mistake: no `duration` (so 1s) and the default 10s frequency.
    let file = dir.write(
        "short.yaml",
        "script:\n  - {type: metricEmitter, name: c, spec: {type: constant, value: 1}}\n  \
         - {type: metric, name: g, spec: {type: gauge, emitters: [c]}}\n",
    );
    let check = flutter(&["--check", &file]).ok();
    let warnings = [
        "flutter: warning: metric `g`: its frequency (10s) is longer than the run (1s), so it sends no point",
        "flutter: warning: the run sends no point: every metric's first point would come after its end (1s); the \
         usual cause is the default `duration` (the last action's `at` + 1s) with a `frequency` longer than that, \
         so set `duration`",
    ];
    assert_eq!(check.stderr.lines().collect::<Vec<_>>(), warnings);
    assert!(check.stdout.contains("points: 0 (0 with a value, 0 staleness markers)"), "{}", check.stdout);
    // The run itself says so too.
    let run = flutter(&["--dryrun", &file]).ok();
    assert!(run.stderr.contains(warnings[1]), "{}", run.stderr);
}

/// `(ts, value)` of the lines of one metric.
fn lines_of(run: &crate::util::Run, metric: &str) -> Vec<(String, String)> {
    run.points()
        .iter()
        .filter(|l| l.contains(&format!(" metricName={metric} ")))
        .map(|l| {
            let field = |k: &str| l.split(' ').find_map(|f| f.strip_prefix(k)).unwrap_or("").to_owned();
            (field("ts="), field("value="))
        })
        .collect()
}

fn value_at(run: &crate::util::Run, metric: &str, ts: &str) -> String {
    lines_of(run, metric).into_iter().find(|(t, _)| t == ts).map(|(_, v)| v).unwrap_or_else(|| panic!("{metric} {ts}"))
}

#[test]
fn periodic_sample_waves_at_exact_times() {
    let run = flutter(&["--dryrun", &sample("sample-periodic.yaml"), "-q"]).ok();
    // 1m0s: the sine (4 min period) peaks and the 2 min square is in its off part.
    assert_eq!(value_at(&run, "http.server.request_rate", "1m0s"), "140");
    // 3m0s: the sine's trough; 4m0s: the sine's centre and the square's on part.
    assert_eq!(value_at(&run, "http.server.request_rate", "3m0s"), "60");
    assert_eq!(value_at(&run, "http.server.request_rate", "4m0s"), "130");
    // The sawtooth, 90 s ahead: 1m30s starts a period, 2m15s is a quarter in.
    assert_eq!(value_at(&run, "cache.fill_ratio", "1m30s"), "0");
    assert_eq!(value_at(&run, "cache.fill_ratio", "2m15s"), "25");
    assert_eq!(lines_of(&run, "cache.fill_ratio").len(), 40);
}

#[test]
fn spiky_sample_is_integer_non_negative_and_bursts() {
    let run = flutter(&["--dryrun", &sample("sample-spiky.yaml"), "-q"]).ok();
    let values: Vec<i64> = lines_of(&run, "queue.depth").iter().map(|(_, v)| v.parse().unwrap()).collect();
    assert_eq!(values.len(), 180);
    assert!(values.iter().all(|v| *v >= 0));
    // Calm around 24 (20 + Poisson(4)), with bursts of 60 and more.
    let bursts = values.iter().filter(|v| **v >= 60).count();
    assert!(bursts >= 3, "{bursts} bursts");
    let calm = values.iter().filter(|v| (10..=40).contains(*v)).count();
    assert!(calm > values.len() / 2, "{values:?}");
}

#[test]
fn sequence_sample_expands_the_notation() {
    let run = flutter(&["--dryrun", &sample("sample-sequence.yaml"), "-q"]).ok();
    let got: Vec<(String, String)> = lines_of(&run, "http.server.error_percent");
    let want = [
        ("10s", "1"),
        ("20s", "1"),
        ("30s", "1"),
        ("40s", "1"),
        ("50s", "1"),
        ("1m0s", "1"),
        ("1m10s", "2"),
        ("1m20s", "6"),
        ("1m30s", "10"),
        ("1m40s", "14"),
        ("1m50s", "18"),
        ("2m0s", "22"),
        // 2m10s and 2m20s are missing scrapes: no line.
        ("2m30s", "25"),
        ("2m40s", "25"),
        ("2m50s", "25"),
        ("3m0s", "25"),
        ("3m10s", "stale"),
        ("3m20s", "22"),
        ("3m30s", "17"),
        ("3m40s", "12"),
        ("3m50s", "7"),
        ("4m0s", "2"),
        // The last value is held.
        ("4m10s", "2"),
        ("4m20s", "2"),
        ("4m30s", "2"),
        ("4m40s", "2"),
        ("4m50s", "2"),
        ("5m0s", "2"),
    ];
    let want: Vec<(String, String)> = want.iter().map(|(t, v)| (t.to_string(), v.to_string())).collect();
    assert_eq!(got, want);
    let deploys: Vec<String> = lines_of(&run, "deploy.in_progress").into_iter().map(|(_, v)| v).collect();
    // "0 1 0x2" is 0, 1, 0, 0, 0 (0x2 is three zeros), repeated.
    assert_eq!(deploys, ["0", "1", "0", "0", "0", "0", "1", "0", "0", "0"]);
}

#[test]
fn histogram_sample_accumulates_observations() {
    let run = flutter(&["--dryrun", &sample("sample-histogram.yaml"), "-q"]).ok();
    assert_eq!(run.stdout.lines().filter(|l| l.contains("MetricHistogram Emit")).count(), 60);
    let counts: Vec<u64> = run
        .points()
        .iter()
        .filter(|l| l.contains("metricName=http.server.duration "))
        .map(|l| l.split(' ').find_map(|f| f.strip_prefix("count=")).unwrap().parse().unwrap())
        .collect();
    assert!(counts.windows(2).all(|w| w[0] <= w[1]), "cumulative counts never fall");
    // About 50 observations a second on average over ten minutes.
    assert!((25_000..35_000).contains(&counts[counts.len() - 1]), "{}", counts[counts.len() - 1]);
    let connections: Vec<String> =
        lines_of(&run, "db.client.connections.usage").into_iter().map(|(_, v)| v).take(10).collect();
    assert_eq!(connections, ["30", "60", "90", "120", "150", "180", "210", "240", "210", "180"]);
    assert!(
        run.points()
            .iter()
            .any(|l| l.starts_with("INFO MetricExponentialHistogram Emit ts=10s") && l.contains(" scale="))
    );
}

#[test]
fn lifetime_sample_starts_stops_and_pauses() {
    let run = flutter(&["--dryrun", &sample("sample-lifetime.yaml"), "-q"]).ok();
    let pods = lines_of(&run, "pod.cpu.usage");
    // pod-a: 10s … 10m (60 points); pod-b: 2m … 6m (25 points), then its end:
    // one staleness marker the second after its `to`.
    assert_eq!(pods.iter().filter(|(_, v)| v != "stale").count(), 85);
    let ends: Vec<&str> = pods.iter().filter(|(_, v)| v == "stale").map(|(t, _)| t.as_str()).collect();
    assert_eq!(ends, ["6m1s"]);
    let requests = lines_of(&run, "http.server.requests");
    // Disabled at 4m: a staleness marker then, nothing until 6m.
    assert_eq!(value_at(&run, "http.server.requests", "4m0s"), "stale");
    let times: Vec<&str> = requests.iter().map(|(t, _)| t.as_str()).collect();
    assert!(!times.contains(&"4m30s") && !times.contains(&"5m30s"), "off from 4m to 6m");
    assert_eq!(value_at(&run, "http.server.requests", "3m30s"), "5250");
    // 3m30s–4m was counted (25/s × 30 s), 4m–6m was not.
    assert_eq!(value_at(&run, "http.server.requests", "6m0s"), "6000", "nothing counted while off");
    assert_eq!(value_at(&run, "http.server.requests", "10m0s"), "12000");
}

/// Every sample in `samples/` (a new one included) checks, and plays dry
/// with points, through the command line.
#[test]
fn every_sample_checks_and_plays() {
    let dir = crate::util::package_dir().join("../samples");
    let mut names: Vec<String> =
        std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    for name in names.iter().filter(|n| n.ends_with(".yaml") && *n != "sample-dryrun.yaml") {
        let check = flutter(&["--check", &sample(name)]).ok();
        assert!(check.stdout.contains("(valid)"), "{name}: {}", check.stdout);
        let run = flutter(&["--dryrun", "-q", &sample(name)]).ok();
        assert!(!run.points().is_empty(), "{name} plays no point");
    }
}

#[test]
fn names_from_a_file_cannot_drive_the_terminal() {
    let dir = TempDir::new("escape-names");
    // YAML's own escapes put an ESC and a carriage return into the names.
    let file = dir.write(
        "names.yaml",
        "duration: 1s\nscript:\n  - {type: metricEmitter, name: \"e\\e[2J\", spec: {type: constant, value: 1}}\n  \
         - {type: metric, name: \"m\\r\", spec: {type: gauge, frequency: 10s, emitters: [\"e\\e[2J\"]}}\n",
    );
    let check = flutter(&["--check", &file]).ok();
    assert!(check.stdout.contains("emitters: 1 (e\\u{1b}[2J)\n"), "{}", check.stdout);
    assert!(check.stdout.contains("\n  m\\r  gauge  1 series"), "{}", check.stdout);
    assert!(check.stderr.contains("flutter: warning: metric `m\\r`: its frequency"), "{}", check.stderr);
    for text in [&check.stdout, &check.stderr] {
        assert!(!text.contains('\u{1b}') && !text.contains('\r'), "{text:?}");
    }
}

/// Twelve gauges and a set of twenty counters, 30 s at 5 s.
fn fleet_file(dir: &TempDir) -> String {
    let mut yaml = String::from(
        "duration: 30s\nseed: 4\nwallclockStart: 2026-01-01T00:00:00Z\nscript:\n  - {type: metricEmitter, name: w, spec: {type: randomWalk, stepSize: 1, variation: 5}}\n",
    );
    for i in 0..12 {
        yaml.push_str(&format!(
            "  - {{type: metric, name: m{i}, spec: {{type: gauge, frequency: 5s, emitters: [w]}}}}\n"
        ));
    }
    yaml.push_str(
        "  - {type: metric, name: pods, spec: {type: counter, frequency: 5s, emitters: [w], attributes: {resource: {pod: 'pod-{00..09}'}, datapoint: {method: '{GET,POST}'}}}}\n",
    );
    dir.write("fleet.yaml", &yaml)
}

fn lines_without_clock(run: &Run) -> Vec<String> {
    // `points()` has already left the local time out.
    let mut lines = run.points();
    lines.sort();
    lines
}

#[test]
fn shards_split_a_run_and_add_up_to_it() {
    let dir = TempDir::new("shards");
    let file = fleet_file(&dir);
    // Wide lines name each series' attributes, so a point in two shards would show.
    let whole = lines_without_clock(&flutter(&["--dryrun", "--log-format", "wide", &file]).ok());
    assert_eq!(whole.len(), (12 + 20) * 6);
    assert!(whole.iter().any(|l| l.ends_with(" resource.pod=pod-07 method=POST")), "{whole:?}");
    let mut sorted = whole.clone();
    sorted.dedup();
    assert_eq!(sorted.len(), whole.len(), "every point of the whole run is its own");
    for n in [1, 2, 3, 7] {
        let mut union = Vec::new();
        let mut counts = Vec::new();
        for k in 1..=n {
            let shard = format!("{k}/{n}");
            let run = flutter(&["--dryrun", "--log-format", "wide", "--shard", &shard, &file]).ok();
            let line = run.stderr.lines().find(|l| l.starts_with(&format!("flutter: shard {shard}: "))).unwrap();
            counts.push(line.to_owned());
            union.extend(lines_without_clock(&run));
            if n == 3 {
                // A Kubernetes Indexed Job's pod k-1 plays the same shard.
                let job: Run = flutter_cmd(&["--dryrun", "--log-format", "wide", "--shards", "3", &file])
                    .env("JOB_COMPLETION_INDEX", (k - 1).to_string())
                    .output()
                    .unwrap()
                    .into();
                assert_eq!(lines_without_clock(&job.ok()), lines_without_clock(&run));
            }
        }
        union.sort();
        assert_eq!(union, whole, "{n} shards");
        let played: u64 = counts.iter().map(|l| l.split(' ').nth(3).unwrap().parse::<u64>().unwrap()).sum();
        assert_eq!(played, 32, "{counts:?}");
        assert!(counts.iter().all(|l| l.ends_with(" of 32 series")), "{counts:?}");
    }

    let check = flutter(&["--check", "--shard", "2/3", &file]).ok();
    assert!(check.stdout.contains("\nshard: 2/3 (this shard's series, traces and records)\n"), "{}", check.stdout);
    for (args, error) in [
        (
            vec!["--shards", "3"],
            "error: --shards 3 takes its shard from JOB_COMPLETION_INDEX (0 to 2, as a Kubernetes Indexed Job sets it), which is not set",
        ),
        (vec!["--shard", "1/2", "--rng", "go"], "error: `rng: go` draws every series from one stream for the run"),
        (
            vec!["--shard", "4/3"],
            "error: invalid value '4/3' for '--shard <K/N>': `4/3` is not a shard: write K/N with 1 ≤ K ≤ N, e.g. 2/8",
        ),
    ] {
        let mut all = vec!["--dryrun"];
        all.extend(args);
        all.push(&file);
        let out = flutter(&all);
        assert_eq!(out.code, Some(2), "{all:?}");
        assert!(out.stderr.starts_with(error), "{}", out.stderr);
    }
}

#[test]
fn start_at_moves_the_clock_and_a_future_start_is_waited_for() {
    let dir = TempDir::new("start-at");
    let file = dir.write(
        "short.yaml",
        "duration: 1s\nseed: 1\nscript:\n  - {type: metricEmitter, name: c, spec: {type: constant, value: 1}}\n  \
         - {type: metric, name: g, spec: {type: gauge, frequency: 1s, emitters: [c]}}\n",
    );
    let started = std::time::Instant::now();
    let run = flutter(&["--start-at", "+2s", &file]).ok();
    let took = started.elapsed();
    assert!(took >= std::time::Duration::from_millis(2900), "waited for the start and played 1 s: {took:?}");
    assert!(
        run.stderr.lines().any(|l| l.starts_with("flutter: starting at ") && l.ends_with(", in 2s")),
        "{}",
        run.stderr
    );
    assert_eq!(run.points(), ["INFO MetricGauge Emit ts=1s metricName=g value=1"]);

    // A signal during the countdown stops it; nothing is generated.
    let (out, _) =
        signalled(flutter_cmd(&["--start-at", "+30s", &file]), std::time::Duration::from_millis(700), &["TERM"]);
    assert_eq!(out.code, Some(143), "{}", out.stderr);
    assert!(out.stderr.contains("flutter: stopped before the start; nothing was generated"), "{}", out.stderr);
    assert!(out.stdout.is_empty());

    for bad in ["tomorrow", "+1x"] {
        let out = flutter(&["--start-at", bad, &file]);
        assert_eq!(out.code, Some(2));
        assert!(out.stderr.starts_with(&format!("error: --start-at `{bad}`")), "{}", out.stderr);
    }
}

#[test]
fn log_formats_tell_a_fleets_series_apart() {
    let dir = TempDir::new("log-format");
    let file = dir.write(
        "fleet.yaml",
        "duration: 20s\nseed: 1\nwallclockStart: 2025-01-01T00:00:00Z\nscript:\n  \
         - {type: metricEmitter, name: c, spec: {type: constant, value: 1.5}}\n  \
         - {type: metric, name: a, spec: {type: gauge, name: cpu, frequency: 10s, emitters: [c], attributes: {resource: {host.name: \"h 1\"}, datapoint: {cpu: 3, tags: [x, 1]}}}}\n  \
         - {type: metric, name: b, spec: {type: gauge, name: cpu, frequency: 10s, emitters: [c], attributes: {resource: {host.name: h2}}}}\n  \
         - {type: metric, name: h, spec: {type: histogram, frequency: 20s, rate: 3, buckets: [1, 2], distribution: {type: normal, stdDev: 0.5}, emitters: [c]}}\n  \
         - {type: metric, name: b, at: 15s, spec: {to: 15s}}\n",
    );
    let wide = flutter(&["--dryrun", "-q", "--log-format", "wide", &file]).ok();
    assert_eq!(
        wide.points()[..2],
        [
            "INFO MetricGauge Emit ts=10s metricName=cpu value=1.5 time=2025-01-01T00:00:10Z resource.host.name=\"h 1\" cpu=3 tags=\"[\\\"x\\\",1]\"",
            "INFO MetricGauge Emit ts=10s metricName=cpu value=1.5 time=2025-01-01T00:00:10Z resource.host.name=h2",
        ]
    );
    let json = flutter(&["--dryrun", "-q", "--log-format", "json", &file]).ok();
    let objects: Vec<serde_json::Value> = json.stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(objects.len(), 5);
    assert_eq!(
        objects[0],
        serde_json::json!({"time": "2025-01-01T00:00:10Z", "ts": "10s", "name": "cpu", "series": "a", "kind": "gauge",
            "resource": {"host.name": "h 1"}, "scope": {}, "attributes": {"cpu": 3, "tags": ["x", 1]}, "value": 1.5})
    );
    let stale = &objects[2];
    assert_eq!(
        (&stale["series"], &stale["ts"], &stale["value"], &stale["stale"]),
        (&"b".into(), &"16s".into(), &serde_json::Value::Null, &true.into())
    );
    let histogram = objects.iter().find(|o| o["kind"] == "histogram").unwrap();
    let counts: u64 = histogram["counts"].as_array().unwrap().iter().map(|c| c.as_u64().unwrap()).sum();
    assert_eq!(histogram["count"].as_u64(), Some(counts));
    assert_eq!(histogram["bounds"], serde_json::json!([1, 2]));
    // The default stays the Go tool's line.
    let go = flutter(&["--dryrun", "-q", &file]).ok();
    assert_eq!(go.points()[0], "INFO MetricGauge Emit ts=10s metricName=cpu value=1.5");
}
