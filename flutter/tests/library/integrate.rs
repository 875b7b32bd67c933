//! Sums and histograms integrate every second: totals that do not depend on
//! `frequency`, delta points that carry the seconds since the previous one,
//! histograms whose cost does not grow with their rate, values that are not
//! numbers never sent.

use std::borrow::Cow;

use flutter::scenario::Source;
use flutter::{Engine, MemorySink, Pacing, RecordedValue, Scenario, SystemClock};

use crate::util::{chi_square, chi2_999, normal_cdf, play, probabilities, sample, values};

/// `samples/sample-counter.yaml` with its counter's `frequency` overridden.
fn counter_sample_at(frequency: &str) -> MemorySink {
    let overlay = format!("script:\n  - {{type: metric, name: requests, spec: {{frequency: {frequency}}}}}\n");
    let sources = vec![
        Source::read(&sample("sample-counter.yaml")[0]),
        Source { name: Cow::Borrowed("overlay.yaml"), bytes: Ok(Cow::Borrowed(overlay.as_bytes())) },
    ];
    Scenario::load(sources).unwrap_or_else(|e| panic!("{e}")).simulate()
}

/// The sample's rate at second `s`: 5/s, plus a surge ramping from 0 to 45
/// over the second minute, held through the third, gone from 3m.
fn counter_sample_rate(s: u64) -> f64 {
    let surge = match s {
        60..=119 => 45.0 * (s - 60) as f64 / 60.0,
        120..=179 => 45.0,
        _ => 0.0,
    };
    5.0 + surge
}

#[test]
fn counter_totals_do_not_depend_on_frequency() {
    let runs: Vec<Vec<(i64, f64)>> =
        ["1s", "15s", "60s"].iter().map(|f| values(&counter_sample_at(f), "http.server.requests")).collect();
    assert_eq!(runs[0].len(), 240);
    assert_eq!(runs[1].len(), 16);
    assert_eq!(runs[2].len(), 4);
    // At every minute (a point time all three share) the totals are equal, and
    // equal to the per-second sum of the rate over the seconds before it.
    for minute in 1..=4 {
        let t = minute * 60;
        let at = |run: &[(i64, f64)]| run.iter().find(|(s, _)| *s == t).map(|(_, v)| *v);
        let by_hand: f64 = (0..t as u64).map(counter_sample_rate).sum();
        assert_eq!([at(&runs[0]), at(&runs[1]), at(&runs[2])], [Some(by_hand); 3], "at {t}s");
    }
    // 5 × 240 + the ramp (0.75 × (0 + 1 + … + 59)) + 45 × 60.
    assert_eq!(runs[2][3], (240, 5227.5));
    // And at every point of each run.
    for run in &runs {
        for &(t, v) in run {
            assert_eq!(v, (0..t as u64).map(counter_sample_rate).sum::<f64>(), "at {t}s");
        }
    }
}

#[test]
fn delta_points_carry_the_seconds_since_the_previous_point() {
    let sink = play(
        "duration: 2m\nscript:\n  - {type: metricEmitter, name: r, spec: {type: steps, every: 20s, values: [1, 4]}}\n  \
         - {type: metric, name: c, spec: {type: counter, frequency: 15s, emitters: [r]}}\n  \
         - {type: metric, name: d, spec: {type: counter, temporality: delta, frequency: 15s, emitters: [r]}}\n",
    );
    // Rate 1 for seconds 0–19, 4 for 20–39, 1 for 40–59, …
    let rate = |s: i64| if (s / 20) % 2 == 0 { 1.0 } else { 4.0 };
    let deltas = values(&sink, "d");
    let mut previous = 0;
    for &(t, v) in &deltas {
        assert_eq!(v, (previous..t).map(rate).sum::<f64>(), "at {t}s");
        previous = t;
    }
    assert_eq!(deltas[..3], [(15, 15.0), (30, 5.0 + 40.0), (45, 40.0 + 5.0 + 0.0)]);
    // The deltas add up to the cumulative totals.
    let mut total = 0.0;
    for ((t, delta), (tc, cumulative)) in deltas.iter().zip(values(&sink, "c")) {
        total += delta;
        assert_eq!((*t, total), (tc, cumulative));
    }
}

/// Plays `yaml`, returning the points, the invalid count and the warnings.
fn play_counting(yaml: &str) -> (MemorySink, u64, Vec<String>) {
    let s = Scenario::from_yaml("t.yaml", yaml).unwrap_or_else(|e| panic!("{e}"));
    let mut engine = Engine::new(&s, s.reproducible_config());
    let mut sink = MemorySink::new();
    flutter::run(&mut engine, Pacing::Fast, &mut SystemClock::start(), &mut [&mut sink]).unwrap();
    let (invalid, warnings) = (engine.invalid_points(), engine.take_warnings());
    (sink, invalid, warnings)
}

#[test]
fn values_that_are_not_numbers_are_dropped_counted_and_warned_once() {
    let (sink, invalid, warnings) = play_counting(
        "duration: 1m\nscript:\n  - {type: metricEmitter, name: huge, spec: {type: constant, value: 1e308}}\n  \
         - {type: metricEmitter, name: wide, spec: {type: ramp, start: -1e308, target: 1e308, duration: 1m}}\n  \
         - {type: metricEmitter, name: one, spec: {type: constant, value: 1}}\n  \
         - {type: metric, name: c, spec: {type: counter, emitters: [huge]}}\n  \
         - {type: metric, name: g, spec: {type: gauge, emitters: [wide]}}\n  \
         - {type: metric, name: ok, spec: {type: counter, emitters: [one]}}\n",
    );
    // 1e308 a second overflows in the second second: every point is +Inf.
    assert!(sink.series("c").points().is_empty());
    // The ramp's span (2e308) is not a number either, until it holds its target.
    assert_eq!(values(&sink, "g"), [(60, 1e308)]);
    assert_eq!(values(&sink, "ok").len(), 6);
    assert_eq!(invalid, 6 + 5);
    assert_eq!(
        warnings,
        [
            "metric `c`: its point at 10s is not a finite number, so it was dropped; every such point is counted as \
             invalid in the summary",
            "metric `g`: its point at 10s is not a finite number, so it was dropped; every such point is counted as \
             invalid in the summary",
        ]
    );
}

#[test]
fn an_emitter_rate_above_the_bound_is_capped_with_a_warning() {
    let (sink, _, warnings) = play_counting(
        "duration: 3s\nscript:\n  - {type: metricEmitter, name: c, spec: {type: constant, value: 5}}\n  \
         - {type: metricEmitter, name: flood, spec: {type: constant, value: 1e15}}\n  \
         - {type: metric, name: h, spec: {type: histogram, frequency: 3s, rate: flood, \
         distribution: {type: normal, stdDev: 1}, emitters: [c]}}\n",
    );
    assert_eq!(warnings, ["metric `h`: its rate reached 1e+15 observations per second; it is capped at 1e+12"]);
    let RecordedValue::Histogram { summary, counts } = &sink.series("h").points()[0].value else { panic!() };
    // Three seconds at 10^12: Poisson(3·10^12), within 6 standard deviations.
    assert!((summary.count as f64 - 3e12).abs() < 6.0 * 3e12f64.sqrt(), "{}", summary.count);
    assert_eq!(counts.iter().sum::<u64>(), summary.count);
}

/// 60 s at 10^9 observations a second, in one cumulative point at 60 s.
const BILLION: &str = "duration: 1m\nseed: 12\nscript:\n  \
    - {type: metricEmitter, name: centre, spec: {type: constant, value: 100}}\n  \
    - {type: metric, name: h, spec: {type: histogram, frequency: 1m, rate: 1e9, buckets: [85, 90, 95, 98, 100, 102, 105, 110, 115], \
    distribution: {type: normal, stdDev: 5}, emitters: [centre]}}\n  \
    - {type: metric, name: e, spec: {type: exponentialHistogram, frequency: 1m, rate: 1e9, maxSize: 40, \
    distribution: {type: lognormal, sigma: 0.5}, emitters: [centre]}}\n";

#[test]
fn a_billion_observations_a_second_follow_the_distribution() {
    let sink = play(BILLION);
    let points = sink.series("h").points();
    assert_eq!(points.len(), 1);
    let RecordedValue::Histogram { summary, counts } = &points[0].value else { panic!("histogram") };
    let n = summary.count;
    assert_eq!(counts.iter().sum::<u64>(), n);
    assert!((n as f64 - 6e10).abs() < 6.0 * 6e10f64.sqrt(), "{n}");
    let bounds = [85.0, 90.0, 95.0, 98.0, 100.0, 102.0, 105.0, 110.0, 115.0];
    let probs = probabilities(&bounds, |x| normal_cdf((x - 100.0) / 5.0));
    let stat = chi_square(counts, &probs);
    assert!(stat < chi2_999(counts.len() - 1), "chi-square {stat} with {counts:?}");
    let (min, max) = (summary.min.unwrap(), summary.max.unwrap());
    assert!(min < 70.0 && max > 130.0 && summary.sum > min * n as f64 && summary.sum < max * n as f64);
    // The mean of 6·10^10 draws is within 6 standard errors of the centre.
    let mean = summary.sum / n as f64;
    assert!((mean - 100.0).abs() < 6.0 * 5.0 / (n as f64).sqrt(), "{mean}");

    let RecordedValue::ExpHistogram { summary, scale, positive_offset, positive, zero_count, negative, .. } =
        &sink.series("e").points()[0].value
    else {
        panic!("exponential histogram")
    };
    assert_eq!(*zero_count, 0);
    assert!(negative.is_empty());
    assert_eq!(positive.iter().sum::<u64>(), summary.count);
    assert!(positive.len() <= 40);
    // Bucket i holds (base^i, base^(i+1)]: its lognormal probability.
    let base = 2f64.powf(2f64.powi(-scale));
    let cdf = |x: f64| normal_cdf((x.ln() - 100f64.ln()) / 0.5);
    let edges: Vec<f64> = (0..=positive.len()).map(|k| base.powi(positive_offset + k as i32)).collect();
    // Buckets expected to hold at least 100 observations, the rest pooled in the tails.
    let (mut observed, mut expected) = (Vec::new(), Vec::new());
    let (mut tail_o, mut tail_p) = (0u64, 0.0);
    for (k, &count) in positive.iter().enumerate() {
        let p = cdf(edges[k + 1]) - cdf(edges[k]);
        if p * summary.count as f64 >= 100.0 {
            observed.push(count);
            expected.push(p);
        } else {
            tail_o += count;
            tail_p += p;
        }
    }
    observed.push(tail_o);
    expected.push(tail_p + cdf(edges[0]) + (1.0 - cdf(edges[positive.len()])));
    let stat = chi_square(&observed, &expected);
    assert!(stat < chi2_999(observed.len() - 1), "chi-square {stat} with {observed:?}");
}
