//! Second-stage shapes and metric types, with exact expected values.

use flutter::{GoDuration, MemorySink, RecordedValue, Scenario};

use crate::util::{CHI2_999, chi_square, normal_cdf, numbers, play, probabilities, series};

const ONE_SECOND: &str = "duration: 12s\nscript:\n";

#[test]
fn every_sequence_form_expands_as_written() {
    let sink = play(&format!(
        "{ONE_SECOND}  - {{type: metricEmitter, name: s, spec: {{type: sequence, values: \"1+2x3 9-1.5x2 4x2 -3 0.5\"}}}}\n  \
         - {{type: metric, name: m, spec: {{type: gauge, frequency: 1s, emitters: [s]}}}}\n"
    ));
    // 1+2x3 → 1 3 5 7; 9-1.5x2 → 9 7.5 6; 4x2 → 4 4 4; -3; 0.5; then held.
    assert_eq!(numbers(&sink, "m"), vec![1.0, 3.0, 5.0, 7.0, 9.0, 7.5, 6.0, 4.0, 4.0, 4.0, -3.0, 0.5]);
}

#[test]
fn missing_and_stale_points_and_repeat() {
    let sink = play(&format!(
        "{ONE_SECOND}  - {{type: metricEmitter, name: s, spec: {{type: sequence, values: \"1 _ 2 _x1 stale 3\", repeat: true}}}}\n  \
         - {{type: metric, name: m, spec: {{type: gauge, frequency: 1s, emitters: [s]}}}}\n"
    ));
    // Ticks 1..12 walk: 1 _ 2 _ _ stale 3 | 1 _ 2 _ _ — missing points are not sent.
    assert_eq!(
        series(&sink, "m"),
        vec![(1, Some(1.0)), (3, Some(2.0)), (6, None), (7, Some(3.0)), (8, Some(1.0)), (10, Some(2.0))]
    );
    assert_eq!(sink.series("m").point_at(GoDuration::from_secs(6)).unwrap().value, RecordedValue::Stale);
}

#[test]
fn a_sequence_holds_its_last_value_and_restarts_when_reconfigured() {
    let sink = play(
        "duration: 8s\nscript:\n  - {type: metricEmitter, name: s, spec: {type: sequence, values: \"5 6\"}}\n  \
         - {type: metric, name: m, spec: {type: gauge, frequency: 1s, emitters: [s]}}\n  \
         - {type: metricEmitter, at: 5s, name: s, spec: {values: \"1+1x9\"}}\n",
    );
    assert_eq!(numbers(&sink, "m"), vec![5.0, 6.0, 6.0, 6.0, 1.0, 2.0, 3.0, 4.0]);
}

#[test]
fn periodic_shapes_with_phase_and_duty() {
    let sink = play(
        "duration: 60s\nscript:\n  \
         - {type: metricEmitter, name: sq, spec: {type: periodic, shape: square, period: 20s, duty: 0.25, amplitude: 3, offset: 10}}\n  \
         - {type: metricEmitter, name: tri, spec: {type: periodic, shape: triangle, period: 40s, phase: 10s}}\n  \
         - {type: metricEmitter, name: saw, spec: {type: periodic, shape: sawtooth, period: 8s, phase: -2s, amplitude: 4}}\n  \
         - {type: metricEmitter, name: sin, spec: {type: periodic, shape: sine, period: 60s, amplitude: 2}}\n  \
         - {type: metric, name: sq, spec: {type: gauge, frequency: 5s, emitters: [sq]}}\n  \
         - {type: metric, name: tri, spec: {type: gauge, frequency: 5s, emitters: [tri]}}\n  \
         - {type: metric, name: saw, spec: {type: gauge, frequency: 1s, emitters: [saw]}}\n  \
         - {type: metric, name: sin, spec: {type: gauge, frequency: 15s, emitters: [sin]}}\n",
    );
    // 25% of each 20 s period high: u = 0.25 at 5 s is already low; 20 s starts a period.
    assert_eq!(numbers(&sink, "sq")[..5], [7.0, 7.0, 7.0, 13.0, 7.0]);
    // With a 10 s phase, 5 s is u = 0.375, 10 s is u = 0.5 (the peak).
    assert_eq!(numbers(&sink, "tri")[..4], [0.5, 1.0, 0.5, 0.0]);
    // With −2 s, 1 s is u = 7/8: 2·(7/8) − 1 = 0.75, times 4.
    assert_eq!(numbers(&sink, "saw")[..4], [3.0, -4.0, -3.0, -2.0]);
    // Quarter periods are exact; at 60 s the period starts again (u = 0).
    assert_eq!(numbers(&sink, "sin"), vec![2.0, 2.0 * std::f64::consts::PI.sin(), -2.0, 0.0]);
}

#[test]
fn transforms_change_the_value_built_so_far() {
    let sink = play(
        "duration: 40s\nscript:\n  \
         - {type: metricEmitter, name: s, spec: {type: sequence, values: \"-17.3 2.6 12.4 31\"}}\n  \
         - {type: metricEmitter, name: clamp, spec: {type: clamp, min: -10, max: 25}}\n  \
         - {type: metricEmitter, name: double, spec: {type: scale, factor: 2}}\n  \
         - {type: metricEmitter, name: to5, spec: {type: round, step: 5}}\n  \
         - {type: metricEmitter, name: abs, spec: {type: abs}}\n  \
         - {type: metricEmitter, name: plus1, spec: {type: constant, value: 1}}\n  \
         - {type: metric, name: m, spec: {type: gauge, emitters: [s, clamp, double, to5, abs, plus1]}}\n",
    );
    // -17.3 → -10 → -20 → -20 → 20 → 21;  2.6 → 5.2 → 5 → 6;  12.4 → 24.8 → 25 → 26;  31 → 25 → 50 → 51.
    assert_eq!(numbers(&sink, "m"), vec![21.0, 6.0, 26.0, 51.0]);
}

#[test]
fn integer_gauges_round_halves_away_from_zero() {
    let sink = play(
        "duration: 40s\nscript:\n  - {type: metricEmitter, name: s, spec: {type: sequence, values: \"2.5 -2.5 2.4 -0.5\"}}\n  \
         - {type: metric, name: m, spec: {type: gauge, valueType: int, emitters: [s]}}\n",
    );
    let values: Vec<RecordedValue> = sink.series("m").points().iter().map(|p| p.value.clone()).collect();
    assert_eq!(values, [3, -3, 2, -1].map(RecordedValue::Int).to_vec());
}

const SUMS: &str = "duration: 40s\nwallclockStart: 2025-01-01T00:00:00Z\nscript:\n  \
    - {type: metricEmitter, name: r, spec: {type: steps, every: 10s, values: [3, -1, 2, -4]}}\n  \
    - {type: metric, name: c, spec: {type: counter, emitters: [r]}}\n  \
    - {type: metric, name: cd, spec: {type: counter, temporality: delta, emitters: [r]}}\n  \
    - {type: metric, name: u, spec: {type: upDownCounter, emitters: [r]}}\n  \
    - {type: metric, name: ud, spec: {type: upDownCounter, temporality: delta, emitters: [r]}}\n  \
    - {type: metric, at: 5s, name: late, spec: {type: upDownCounter, temporality: delta, emitters: [r]}}\n";

#[test]
fn counters_and_up_down_counters_in_both_temporalities() {
    let sink = play(SUMS);
    // Rates 3, -1, 2, -4 for 10 s each, accrued second by second: a counter
    // ignores negative rates.
    assert_eq!(numbers(&sink, "c"), vec![30.0, 30.0, 50.0, 50.0]);
    assert_eq!(numbers(&sink, "cd"), vec![30.0, 0.0, 20.0, 0.0]);
    assert_eq!(numbers(&sink, "u"), vec![30.0, 20.0, 40.0, 0.0]);
    assert_eq!(numbers(&sink, "ud"), vec![30.0, -10.0, 20.0, -40.0]);
    // Created at 5 s, first point at 10 s covers 5 s.
    assert_eq!(numbers(&sink, "late"), vec![15.0, -10.0, 20.0, -40.0]);
}

#[test]
fn start_times_cumulative_fixed_delta_contiguous() {
    let sink = play(SUMS);
    let t0 = flutter::Timestamp::parse_rfc3339("2025-01-01T00:00:00Z").unwrap().unix_nanos();
    let s = 1_000_000_000;
    let starts =
        |m: &str| -> Vec<i64> { sink.series(m).points().iter().map(|p| (p.start_unix_nanos - t0) / s).collect() };
    assert_eq!(starts("c"), vec![0, 0, 0, 0]);
    assert_eq!(starts("u"), vec![0, 0, 0, 0]);
    assert_eq!(starts("cd"), vec![0, 10, 20, 30]);
    assert_eq!(starts("ud"), vec![0, 10, 20, 30]);
    assert_eq!(starts("late"), vec![5, 10, 20, 30]);
}

#[test]
fn lifetimes_to_disable_enable() {
    let sink = play(
        "duration: 60s\nwallclockStart: 2025-01-01T00:00:00Z\nscript:\n  \
         - {type: metricEmitter, name: one, spec: {type: constant, value: 1}}\n  \
         - {type: metric, name: c, spec: {type: counter, emitters: [one]}}\n  \
         - {type: metric, name: cd, spec: {type: counter, temporality: delta, emitters: [one]}}\n  \
         - {type: metric, name: g, spec: {type: gauge, emitters: [one], to: 30s}}\n  \
         - {type: disableMetric, at: 15s, name: c}\n  \
         - {type: disableMetric, at: 15s, name: cd}\n  \
         - {type: enableMetric, at: 35s, name: c}\n  \
         - {type: enableMetric, at: 35s, name: cd}\n",
    );
    // `to` is inclusive; the series ends the second after it, with a staleness marker.
    assert_eq!(series(&sink, "g"), vec![(10, Some(1.0)), (20, Some(1.0)), (30, Some(1.0)), (31, None)]);
    // Disabled from 15 s to 35 s: a staleness marker at 15 s, then no points;
    // nothing accrues, the total is kept; re-enabled it is due at once (35 s),
    // then every 10 s. The point at 35 s carries the 5 enabled seconds between
    // 10 s and the disable.
    let c = [(10, Some(10.0)), (15, None), (35, Some(15.0)), (45, Some(25.0)), (55, Some(35.0))];
    assert_eq!(series(&sink, "c"), c);
    let cd = [(10, Some(10.0)), (15, None), (35, Some(5.0)), (45, Some(10.0)), (55, Some(10.0))];
    assert_eq!(series(&sink, "cd"), cd);
    let t0 = flutter::Timestamp::parse_rfc3339("2025-01-01T00:00:00Z").unwrap().unix_nanos();
    let starts: Vec<i64> =
        sink.series("cd").points().iter().map(|p| (p.start_unix_nanos - t0) / 1_000_000_000).collect();
    // Delta starts stay contiguous over the values; the marker has its interval's start.
    assert_eq!(starts, vec![0, 10, 10, 35, 45]);
    assert!(sink.series("c").points().iter().all(|p| p.start_unix_nanos == t0), "the start time is kept");
}

#[test]
fn histograms_count_sum_min_max_and_buckets() {
    let sink = play(
        "duration: 20s\nseed: 5\nscript:\n  - {type: metricEmitter, name: centre, spec: {type: constant, value: 10}}\n  \
         - {type: metric, name: h, spec: {type: histogram, rate: 30, buckets: [9, 10, 11], distribution: {type: uniform, width: 4}, emitters: [centre]}}\n  \
         - {type: metric, name: hd, spec: {type: histogram, temporality: delta, rate: 30, buckets: [9, 10, 11], distribution: {type: uniform, width: 4}, emitters: [centre]}}\n",
    );
    let points = sink.series("h").points();
    let mut previous = 0;
    for p in &points {
        let RecordedValue::Histogram { summary, counts } = &p.value else { panic!("histogram") };
        assert_eq!(counts.iter().sum::<u64>(), summary.count);
        assert!(summary.count >= previous, "cumulative counts never fall");
        previous = summary.count;
        let (min, max) = (summary.min.unwrap(), summary.max.unwrap());
        assert!((8.0..=12.0).contains(&min) && (8.0..=12.0).contains(&max) && min <= max);
        assert!(summary.sum >= min * summary.count as f64 && summary.sum <= max * summary.count as f64);
    }
    // Delta points hold only their own interval's observations (about 300).
    for p in sink.series("hd").points() {
        let RecordedValue::Histogram { summary, counts } = &p.value else { panic!("histogram") };
        assert_eq!(counts.iter().sum::<u64>(), summary.count);
        assert!((200..400).contains(&summary.count), "{}", summary.count);
    }
}

/// Plays a 10 s histogram at 10,000 observations per second (about 100,000
/// observations in one delta point) and returns its bucket counts.
fn observed(distribution: &str, centre: f64, buckets: &[f64]) -> Vec<u64> {
    let bounds: Vec<String> = buckets.iter().map(f64::to_string).collect();
    let sink = play(&format!(
        "duration: 10s\nseed: 77\nscript:\n  - {{type: metricEmitter, name: c, spec: {{type: constant, value: {centre}}}}}\n  \
         - {{type: metric, name: h, spec: {{type: histogram, temporality: delta, rate: 10000, buckets: [{}], \
         distribution: {distribution}, emitters: [c]}}}}\n",
        bounds.join(", ")
    ));
    let points = sink.series("h").points();
    let RecordedValue::Histogram { counts, .. } = &points[0].value else { panic!("one histogram point") };
    counts.clone()
}

/// Distribution YAML, its centre, bucket bounds and the expected CDF.
type Case = (&'static str, f64, Vec<f64>, Box<dyn Fn(f64) -> f64>);

#[test]
fn histogram_buckets_follow_the_distribution() {
    let cases: Vec<Case> = vec![
        (
            "{type: normal, stdDev: 10}",
            100.0,
            vec![80.0, 90.0, 95.0, 100.0, 105.0, 110.0, 120.0],
            Box::new(|x| normal_cdf((x - 100.0) / 10.0)),
        ),
        (
            "{type: lognormal, sigma: 0.5}",
            10.0,
            vec![4.0, 7.0, 10.0, 14.0, 20.0, 30.0],
            Box::new(|x: f64| normal_cdf((x.ln() - 10f64.ln()) / 0.5)),
        ),
        (
            "{type: exponential}",
            10.0,
            vec![1.0, 3.0, 7.0, 12.0, 20.0, 35.0],
            Box::new(|x: f64| 1.0 - (-x / 10.0).exp()),
        ),
        (
            "{type: uniform, width: 20}",
            50.0,
            vec![42.0, 45.0, 50.0, 55.0, 58.0],
            Box::new(|x: f64| ((x - 40.0) / 20.0).clamp(0.0, 1.0)),
        ),
    ];
    for (distribution, centre, buckets, cdf) in cases {
        let counts = observed(distribution, centre, &buckets);
        let mut probs = probabilities(&buckets, cdf);
        // The uniform has no mass outside its interval: drop those buckets.
        let keep: Vec<usize> = (0..probs.len()).filter(|&i| probs[i] > 0.0).collect();
        assert!(keep.iter().all(|&i| counts[i] > 0));
        assert_eq!((0..counts.len()).filter(|i| !keep.contains(i)).map(|i| counts[i]).sum::<u64>(), 0);
        let counts: Vec<u64> = keep.iter().map(|&i| counts[i]).collect();
        probs = keep.iter().map(|&i| probs[i]).collect();
        let stat = chi_square(&counts, &probs);
        let critical = CHI2_999[counts.len() - 2];
        assert!(stat < critical, "{distribution}: chi-square {stat:.2} ≥ {critical} with {counts:?}");
        assert!(counts.iter().sum::<u64>() > 95_000);
    }
}

/// A centre a distribution cannot take gives no observations and one warning.
#[test]
fn impossible_centres_give_no_observations_and_one_warning() {
    let s = Scenario::from_yaml(
        "w.yaml",
        "duration: 30s\nscript:\n  - {type: metricEmitter, name: c, spec: {type: constant, value: -1}}\n  \
         - {type: metric, name: h, spec: {type: histogram, rate: 5, distribution: {type: lognormal, sigma: 1}, emitters: [c]}}\n",
    )
    .unwrap();
    let mut engine = flutter::Engine::new(&s, s.reproducible_config());
    let mut sink = MemorySink::new();
    flutter::run(&mut engine, flutter::Pacing::Fast, &mut flutter::SystemClock::start(), &mut [&mut sink]).unwrap();
    assert!(sink.series("h").points().iter().all(|p| p.value.summary().unwrap().count == 0));
    let warnings = engine.take_warnings();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].contains("lognormal distribution cannot be centred on -1"), "{}", warnings[0]);
}

/// Locks the first observations' summary: an algorithm change shows here.
#[test]
fn golden_histogram_observations() {
    let sink = play(
        "duration: 10s\nseed: 1\nscript:\n  - {type: metricEmitter, name: c, spec: {type: constant, value: 10}}\n  \
         - {type: metric, name: h, spec: {type: exponentialHistogram, rate: 0.5, distribution: {type: normal, stdDev: 2}, emitters: [c]}}\n",
    );
    let points = sink.series("h").points();
    let RecordedValue::ExpHistogram { summary, scale, positive_offset, positive, .. } = &points[0].value else {
        panic!("exponential histogram")
    };
    assert_eq!((summary.count, summary.sum, *scale, *positive_offset), GOLDEN_EXP);
    assert_eq!(positive.iter().sum::<u64>(), summary.count);
}

// Per-second draws (Poisson(0.5) for each of seconds 0–9), since the third stage.
const GOLDEN_EXP: (u64, f64, i32, i32) = (6, 57.3427840044974, 7, 317);
