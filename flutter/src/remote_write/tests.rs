//! The remote write encoder checked by decoding its bytes with prost
//! (`prometheus.WriteRequest`'s fields, declared here).

use prost::Message;

use super::*;
use crate::scenario::Scenario;
use crate::{Engine, batch::PointBuffer};

#[derive(Clone, PartialEq, Message)]
struct WriteRequest {
    #[prost(message, repeated, tag = "1")]
    timeseries: Vec<TimeSeries>,
}

#[derive(Clone, PartialEq, Message)]
struct TimeSeries {
    #[prost(message, repeated, tag = "1")]
    labels: Vec<Label>,
    #[prost(message, repeated, tag = "2")]
    samples: Vec<Sample>,
}

#[derive(Clone, PartialEq, Message)]
struct Label {
    #[prost(string, tag = "1")]
    name: String,
    #[prost(string, tag = "2")]
    value: String,
}

#[derive(Clone, PartialEq, Message)]
struct Sample {
    #[prost(double, tag = "1")]
    value: f64,
    #[prost(int64, tag = "2")]
    timestamp: i64,
}

const SCENARIO: &str = "
duration: 20s
wallclockStart: 2025-01-01T00:00:00.0015Z
script:
  - {type: metricEmitter, name: c, spec: {type: constant, value: 2.5}}
  - type: metric
    name: g
    spec:
      type: gauge
      name: temp
      unit: Cel
      frequency: 5s
      emitters: [c]
      attributes: {resource: {service.name: s, region: eu}, datapoint: {Zone: a, 1x: b, kind: '', ok: true}}
  - {type: metric, name: h, spec: {type: histogram, frequency: 5s, rate: 4, buckets: [1, 3], distribution: {type: normal, stdDev: 1}, emitters: [c]}}
  - {type: disableMetric, at: 10s, name: g}
";

/// Each tick's request, decoded.
fn requests() -> Vec<WriteRequest> {
    let scenario = Scenario::from_yaml("rw.yaml", SCENARIO).unwrap();
    let mut engine = Engine::new(&scenario, scenario.reproducible_config());
    let mut encoder = Encoder::new();
    let mut out = Vec::new();
    while let Some(batch) = engine.next_batch() {
        encoder.add_streams(batch.metrics.streams);
        let mut buffer = PointBuffer::new();
        buffer.extend(batch.metrics.points);
        let mut body = Vec::new();
        encoder.encode(buffer.all(), &mut body);
        out.push(WriteRequest::decode(body.as_slice()).unwrap());
    }
    out
}

fn pairs(ts: &TimeSeries) -> Vec<(&str, &str)> {
    ts.labels.iter().map(|l| (l.name.as_str(), l.value.as_str())).collect()
}

#[test]
fn series_have_sorted_labels_millisecond_samples_and_stale_nans() {
    let reqs = requests();
    assert_eq!(reqs.len(), 4, "ticks 5s, 10s (with the gauge's marker), 15s and 20s");
    let first = &reqs[0];
    let names: Vec<Vec<(&str, &str)>> = first.timeseries.iter().map(pairs).collect();
    assert_eq!(
        names,
        vec![
            // Uppercase sorts before `__name__`; the empty value is left out.
            vec![("Zone", "a"), ("__name__", "temp_celsius"), ("job", "s"), ("key_1x", "b"), ("ok", "true")],
            vec![("__name__", "h_bucket"), ("le", "1")],
            vec![("__name__", "h_bucket"), ("le", "3")],
            vec![("__name__", "h_bucket"), ("le", "+Inf")],
            vec![("__name__", "h_sum")],
            vec![("__name__", "h_count")],
            vec![("__name__", "target_info"), ("job", "s"), ("region", "eu")],
        ]
    );
    // 00:00:05.0015 is 1735689605001 ms (truncated).
    let ms = 1_735_689_605_001;
    assert_eq!(first.timeseries[0].samples, vec![Sample { value: 2.5, timestamp: ms }]);
    assert_eq!(first.timeseries[6].samples, vec![Sample { value: 1.0, timestamp: ms }]);
    let buckets: Vec<f64> = first.timeseries[1..4].iter().map(|t| t.samples[0].value).collect();
    assert!(buckets.windows(2).all(|w| w[0] <= w[1]), "cumulative: {buckets:?}");
    assert_eq!(buckets[2], first.timeseries[5].samples[0].value, "+Inf is the count");
    // The gauge's marker at 10 s: Prometheus' stale NaN, bit for bit.
    let marker = &reqs[1].timeseries[0];
    assert_eq!(pairs(marker)[1], ("__name__", "temp_celsius"));
    assert_eq!(marker.samples[0].value.to_bits(), STALE_NAN);
    assert_eq!(marker.samples[0].timestamp, ms + 5000);
    // Without the gauge, no series of the resource with `region`: no target_info.
    let is_target_info = |t: &TimeSeries| t.labels.iter().any(|l| l.name == "__name__" && l.value == "target_info");
    assert!(!reqs[2].timeseries.iter().any(is_target_info));
}

#[test]
fn delta_and_exponential_metrics_are_named_unsupported() {
    let scenario = Scenario::from_yaml(
        "u.yaml",
        "script:\n  - {type: metricEmitter, name: c, spec: {type: constant, value: 1}}\n  \
         - {type: metric, name: d, spec: {type: counter, temporality: delta, emitters: [c]}}\n  \
         - {type: metric, name: e, spec: {type: exponentialHistogram, rate: 1, distribution: {type: normal, stdDev: 1}, emitters: [c]}}\n  \
         - {type: metric, name: ok, spec: {type: histogram, rate: 1, distribution: {type: normal, stdDev: 1}, emitters: [c]}}\n",
    )
    .unwrap();
    let plan = crate::plan::plan(&scenario);
    let why: Vec<Option<&str>> = plan.streams.iter().map(unsupported).collect();
    assert_eq!(
        why,
        vec![
            Some("a delta sum or histogram (Prometheus keeps cumulative series only)"),
            Some("an exponential histogram (remote write 1.0 has no native histograms here)"),
            None
        ]
    );
}
