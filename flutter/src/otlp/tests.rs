//! The encoder checked against an independent decoder (`opentelemetry-proto`).

use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::collector::metrics::v1::{ExportMetricsPartialSuccess, ExportMetricsServiceResponse};
use opentelemetry_proto::tonic::common::v1::{
    AnyValue, ArrayValue, InstrumentationScope, KeyValue, KeyValueList, any_value,
};
use opentelemetry_proto::tonic::metrics::v1::{
    AggregationTemporality, Gauge, Metric, NumberDataPoint, ResourceMetrics, ScopeMetrics, Sum, metric,
    number_data_point,
};
use opentelemetry_proto::tonic::resource::v1::Resource;
use prost::Message;

use super::*;
use crate::batch::PointBuffer;
use crate::delivery::PartialAcceptance;
use crate::scenario::Scenario;
use crate::{Engine, RngKind, RunConfig, Timestamp};

const SCENARIO: &str = "
duration: 20s
script:
  - {type: metricEmitter, name: c, spec: {type: constant, value: 2.5}}
  - type: metric
    name: cpu-a
    spec:
      type: gauge
      name: pod.cpu.usage
      unit: '%'
      frequency: 10s
      emitters: [c]
      attributes:
        resource: {host: a, replicas: 3}
        datapoint: {core: 0}
  - type: metric
    name: requests
    spec:
      type: counter
      name: http.requests
      description: Requests served
      emitters: [c]
      attributes:
        resource: {host: b}
        scope: {team: web}
        datapoint: {ok: true, ratio: 0.5, tags: [x, 7], nested: {k: v}, neg: -3}
  - type: metric
    name: cpu-b
    spec:
      type: gauge
      name: pod.cpu.usage
      unit: '%'
      emitters: [c]
      attributes:
        resource: {host: a, replicas: 3}
        datapoint: {core: 1}
";

fn kv(key: &str, value: any_value::Value) -> KeyValue {
    KeyValue { key: key.into(), value: Some(AnyValue { value: Some(value) }), ..Default::default() }
}

fn s(v: &str) -> any_value::Value {
    any_value::Value::StringValue(v.into())
}

fn point(attrs: Vec<KeyValue>, start: u64, time: u64, v: f64) -> NumberDataPoint {
    NumberDataPoint {
        attributes: attrs,
        start_time_unix_nano: start,
        time_unix_nano: time,
        value: Some(number_data_point::Value::AsDouble(v)),
        ..Default::default()
    }
}

/// Plays the scenario and encodes both ticks into one request.
fn encoded() -> (Vec<u8>, i64) {
    let scenario = Scenario::from_yaml("otlp.yaml", SCENARIO).unwrap();
    let t0 = 1_700_000_000_000_000_000;
    let mut engine =
        Engine::new(&scenario, RunConfig { seed: 1, rng: RngKind::ChaCha, wallclock_start: Timestamp(t0) });
    let mut encoder = Encoder::new();
    let mut points = PointBuffer::new();
    while let Some(batch) = engine.next_batch() {
        encoder.add_streams(batch.metrics.streams);
        points.extend(batch.metrics.points);
    }
    let mut out = Vec::new();
    encoder.encode(points.all(), &mut out);
    (out, t0)
}

#[test]
fn decodes_to_the_expected_request_and_re_encodes_byte_for_byte() {
    let (bytes, t0) = encoded();
    let t0 = t0 as u64;
    let (t10, t20) = (t0 + 10_000_000_000, t0 + 20_000_000_000);
    let decoded = ExportMetricsServiceRequest::decode(bytes.as_slice()).unwrap();
    let scope = |attrs: Vec<KeyValue>| InstrumentationScope {
        name: SCOPE_NAME.into(),
        attributes: attrs,
        ..Default::default()
    };
    let host_a = Resource {
        attributes: vec![kv("host", s("a")), kv("replicas", any_value::Value::IntValue(3))],
        ..Default::default()
    };
    let gauge = Metric {
        name: "pod.cpu.usage".into(),
        unit: "%".into(),
        data: Some(metric::Data::Gauge(Gauge {
            data_points: vec![
                point(vec![kv("core", any_value::Value::IntValue(0))], t10, t10, 2.5),
                point(vec![kv("core", any_value::Value::IntValue(1))], t10, t10, 2.5),
                point(vec![kv("core", any_value::Value::IntValue(0))], t20, t20, 2.5),
                point(vec![kv("core", any_value::Value::IntValue(1))], t20, t20, 2.5),
            ],
        })),
        ..Default::default()
    };
    let counter_attrs = vec![
        kv("ok", any_value::Value::BoolValue(true)),
        kv("ratio", any_value::Value::DoubleValue(0.5)),
        kv(
            "tags",
            any_value::Value::ArrayValue(ArrayValue {
                values: vec![AnyValue { value: Some(s("x")) }, AnyValue { value: Some(any_value::Value::IntValue(7)) }],
            }),
        ),
        kv("nested", any_value::Value::KvlistValue(KeyValueList { values: vec![kv("k", s("v"))] })),
        kv("neg", any_value::Value::IntValue(-3)),
    ];
    let counter = Metric {
        name: "http.requests".into(),
        description: "Requests served".into(),
        data: Some(metric::Data::Sum(Sum {
            data_points: vec![point(counter_attrs.clone(), t0, t10, 25.0), point(counter_attrs.clone(), t0, t20, 50.0)],
            aggregation_temporality: AggregationTemporality::Cumulative as i32,
            is_monotonic: true,
        })),
        ..Default::default()
    };
    let want = ExportMetricsServiceRequest {
        resource_metrics: vec![
            ResourceMetrics {
                resource: Some(host_a),
                scope_metrics: vec![ScopeMetrics {
                    scope: Some(scope(vec![])),
                    metrics: vec![gauge],
                    ..Default::default()
                }],
                ..Default::default()
            },
            ResourceMetrics {
                resource: Some(Resource { attributes: vec![kv("host", s("b"))], ..Default::default() }),
                scope_metrics: vec![ScopeMetrics {
                    scope: Some(scope(vec![kv("team", s("web"))])),
                    metrics: vec![counter],
                    ..Default::default()
                }],
                ..Default::default()
            },
        ],
    };
    assert_eq!(decoded, want);
    // prost writes canonical protobuf; ours must be the same bytes.
    assert_eq!(want.encode_to_vec(), bytes);
}

#[test]
fn same_run_same_bytes() {
    assert_eq!(encoded().0, encoded().0);
}

#[test]
fn partial_success_is_read_from_a_response() {
    let response = ExportMetricsServiceResponse {
        partial_success: Some(ExportMetricsPartialSuccess { rejected_data_points: 3, error_message: "too old".into() }),
    };
    let got = decode_partial_success(&response.encode_to_vec());
    assert_eq!(got, Some(PartialAcceptance { rejected: 3, message: "too old".into() }));
    let empty = ExportMetricsServiceResponse { partial_success: None };
    assert_eq!(decode_partial_success(&empty.encode_to_vec()), None);
    assert_eq!(decode_partial_success(b""), None);
    assert_eq!(decode_partial_success(b"{\"partialSuccess\":{}}"), None);
}

const EVERY_TYPE: &str = "
duration: 60s
seed: 4
wallclockStart: 2025-03-01T00:00:00Z
script:
  - {type: metricEmitter, name: c, spec: {type: constant, value: 4}}
  - {type: metricEmitter, name: wave, spec: {type: periodic, shape: sine, period: 30s, amplitude: 3}}
  - {type: metricEmitter, name: seq, spec: {type: sequence, values: \"1 2 stale 4 _ 6\", repeat: true}}
  - {type: metric, name: g, spec: {type: gauge, frequency: 5s, emitters: [c, wave, seq]}}
  - {type: metric, name: gi, spec: {type: gauge, valueType: int, frequency: 5s, emitters: [c, wave]}}
  - {type: metric, name: cc, spec: {type: counter, frequency: 5s, emitters: [c, wave]}}
  - {type: metric, name: cd, spec: {type: counter, temporality: delta, frequency: 5s, emitters: [c, wave]}}
  - {type: metric, name: uc, spec: {type: upDownCounter, frequency: 5s, emitters: [wave]}}
  - {type: metric, name: ud, spec: {type: upDownCounter, temporality: delta, frequency: 5s, emitters: [wave]}}
  - {type: metric, name: hc, spec: {type: histogram, frequency: 5s, rate: 20, buckets: [2, 4, 6], distribution: {type: normal, stdDev: 2}, emitters: [c]}}
  - {type: metric, name: hd, spec: {type: histogram, temporality: delta, frequency: 5s, rate: 20, distribution: {type: exponential}, emitters: [c]}}
  - {type: metric, name: ec, spec: {type: exponentialHistogram, frequency: 5s, rate: 40, maxSize: 20, distribution: {type: normal, stdDev: 3}, emitters: [c]}}
  - {type: metric, name: ed, spec: {type: exponentialHistogram, temporality: delta, frequency: 5s, rate: 40, distribution: {type: uniform, width: 10}, emitters: [c]}}
  - {type: metric, at: 20s, name: late, spec: {type: counter, temporality: delta, frequency: 5s, emitters: [c]}}
  - {type: disableMetric, at: 30s, name: cd}
  - {type: enableMetric, at: 45s, name: cd}
";

/// Encodes each tick of a run with every metric type as its own request.
fn every_type_requests() -> (Vec<Vec<u8>>, u64) {
    let scenario = Scenario::from_yaml("every.yaml", EVERY_TYPE).unwrap();
    let config = scenario.reproducible_config();
    let mut engine = Engine::new(&scenario, config);
    let mut encoder = Encoder::new();
    let mut bodies = Vec::new();
    while let Some(batch) = engine.next_batch() {
        encoder.add_streams(batch.metrics.streams);
        let mut out = Vec::new();
        encoder.encode(batch.metrics.points, &mut out);
        bodies.push(out);
    }
    (bodies, config.wallclock_start.unix_nanos() as u64)
}

#[test]
fn every_type_decodes_and_keeps_the_data_model_invariants() {
    use std::collections::BTreeMap;

    use opentelemetry_proto::tonic::metrics::v1::metric::Data;
    use opentelemetry_proto::tonic::metrics::v1::{exponential_histogram_data_point, number_data_point};

    let (bodies, t0) = every_type_requests();
    let sec = 1_000_000_000u64;
    // Per metric: (start, time) of every point, in order.
    let mut times: BTreeMap<String, Vec<(u64, u64)>> = BTreeMap::new();
    let mut kinds: BTreeMap<String, (i32, bool)> = BTreeMap::new();
    let (mut stale, mut ints, mut histograms, mut exponentials) = (0, 0, 0, 0);
    let mut ends = Vec::new();
    for body in &bodies {
        let req = ExportMetricsServiceRequest::decode(body.as_slice()).unwrap();
        assert_eq!(&req.encode_to_vec(), body, "canonical bytes");
        for m in req.resource_metrics.iter().flat_map(|r| &r.scope_metrics).flat_map(|s| &s.metrics) {
            let t = times.entry(m.name.clone()).or_default();
            match m.data.as_ref().unwrap() {
                Data::Gauge(g) => {
                    for p in &g.data_points {
                        t.push((p.start_time_unix_nano, p.time_unix_nano));
                        match p.value {
                            None => {
                                assert_eq!(p.flags, FLAG_NO_RECORDED_VALUE as u32);
                                stale += 1;
                            }
                            Some(number_data_point::Value::AsInt(_)) => ints += 1,
                            Some(number_data_point::Value::AsDouble(_)) => assert_eq!(p.flags, 0),
                        }
                    }
                }
                Data::Sum(s) => {
                    kinds.insert(m.name.clone(), (s.aggregation_temporality, s.is_monotonic));
                    for p in &s.data_points {
                        if p.flags == FLAG_NO_RECORDED_VALUE as u32 {
                            // A series' end (no value): not part of the intervals.
                            assert!(p.value.is_none());
                            ends.push((m.name.clone(), p.time_unix_nano));
                        } else {
                            t.push((p.start_time_unix_nano, p.time_unix_nano));
                        }
                    }
                }
                Data::Histogram(h) => {
                    kinds.insert(m.name.clone(), (h.aggregation_temporality, false));
                    for p in &h.data_points {
                        t.push((p.start_time_unix_nano, p.time_unix_nano));
                        assert_eq!(p.bucket_counts.iter().sum::<u64>(), p.count, "{}", m.name);
                        assert_eq!(p.bucket_counts.len(), p.explicit_bounds.len() + 1);
                        assert!(p.count == 0 || p.min.unwrap() <= p.max.unwrap());
                        histograms += 1;
                    }
                }
                Data::ExponentialHistogram(h) => {
                    kinds.insert(m.name.clone(), (h.aggregation_temporality, false));
                    for p in &h.data_points {
                        t.push((p.start_time_unix_nano, p.time_unix_nano));
                        let buckets = |b: &Option<exponential_histogram_data_point::Buckets>| -> (u64, usize) {
                            let b = b.as_ref().unwrap();
                            (b.bucket_counts.iter().sum(), b.bucket_counts.len())
                        };
                        let (pos, pos_len) = buckets(&p.positive);
                        let (neg, neg_len) = buckets(&p.negative);
                        assert_eq!(pos + neg + p.zero_count, p.count, "{}", m.name);
                        let max_size = if m.name == "ec" { 20 } else { 160 };
                        assert!(pos_len <= max_size && neg_len <= max_size);
                        assert!(p.scale <= 20);
                        exponentials += 1;
                    }
                }
                other => panic!("unexpected {other:?}"),
            }
        }
    }
    assert!(stale > 0 && ints > 0 && histograms > 0 && exponentials > 0);
    // Temporality 1 = delta, 2 = cumulative; only counters are monotonic.
    assert_eq!(kinds["cc"], (2, true));
    assert_eq!(kinds["cd"], (1, true));
    assert_eq!(kinds["uc"], (2, false));
    assert_eq!(kinds["ud"], (1, false));
    assert_eq!((kinds["hc"].0, kinds["hd"].0, kinds["ec"].0, kinds["ed"].0), (2, 1, 2, 1));
    for (name, points) in &times {
        let delta = ["cd", "ud", "hd", "ed", "late"].contains(&name.as_str());
        let cumulative = ["cc", "uc", "hc", "ec"].contains(&name.as_str());
        if delta {
            // Each start is the previous point's time; the first is the creation time.
            let created = if name == "late" { t0 + 20 * sec } else { t0 };
            assert_eq!(points[0].0, created, "{name}");
            for w in points.windows(2) {
                assert_eq!(w[1].0, w[0].1, "{name}: delta start times are contiguous");
            }
        } else if cumulative {
            assert!(points.iter().all(|(start, _)| *start == t0), "{name}: cumulative start is fixed");
        } else {
            assert!(points.iter().all(|(start, time)| start == time), "{name}: a gauge's start is its time");
        }
    }
    // cd was disabled from 30 s to 45 s: it ended with a staleness marker then, sent no
    // points until 45 s, and its delta intervals stay contiguous.
    assert_eq!(ends, [("cd".to_string(), t0 + 30 * sec)]);
    assert!(!times["cd"].iter().any(|(_, t)| (t0 + 31 * sec..t0 + 45 * sec).contains(t)));
}

/// Every data point of a request with what it belongs to, in order: resource,
/// scope, metric head (everything but its points), the point.
fn flattened(body: &[u8]) -> Vec<String> {
    let request = ExportMetricsServiceRequest::decode(body).unwrap();
    let mut out = Vec::new();
    for rm in &request.resource_metrics {
        for sm in &rm.scope_metrics {
            for m in &sm.metrics {
                let head = |data: String| {
                    format!("{:?} {:?} {} {} {} {data}", rm.resource, sm.scope, m.name, m.unit, m.description)
                };
                match &m.data {
                    Some(metric::Data::Gauge(g)) => {
                        out.extend(g.data_points.iter().map(|p| head(format!("gauge {p:?}"))))
                    }
                    Some(metric::Data::Sum(s)) => out.extend(
                        s.data_points
                            .iter()
                            .map(|p| head(format!("sum {} {} {p:?}", s.aggregation_temporality, s.is_monotonic))),
                    ),
                    Some(metric::Data::Histogram(h)) => out.extend(
                        h.data_points.iter().map(|p| head(format!("histogram {} {p:?}", h.aggregation_temporality))),
                    ),
                    Some(metric::Data::ExponentialHistogram(h)) => out
                        .extend(h.data_points.iter().map(|p| head(format!("exp {} {p:?}", h.aggregation_temporality)))),
                    other => panic!("unexpected {other:?}"),
                }
            }
        }
    }
    out
}

/// Splits `body` down to one point per request, in order.
fn split_down(body: Vec<u8>, points: u64, pieces: &mut Vec<Vec<u8>>) {
    match split::split_request(&body) {
        Some([(a, n), (b, m)]) => {
            assert_eq!((n + m, n), (points, points / 2));
            split_down(a, n, pieces);
            split_down(b, m, pieces);
        }
        None => {
            assert_eq!(points, 1, "only a single point is not split");
            pieces.push(body);
        }
    }
}

#[test]
fn a_split_request_holds_the_same_points_in_the_same_order() {
    let (body, _) = encoded();
    let (requests, _) = every_type_requests();
    for body in std::iter::once(body).chain(requests) {
        let all = flattened(&body);
        if all.len() < 2 {
            assert_eq!(split::split_request(&body), None);
            continue;
        }
        let [(a, n), (b, m)] = split::split_request(&body).unwrap();
        assert_eq!((n, m), ((all.len() / 2) as u64, (all.len() - all.len() / 2) as u64));
        assert_eq!([flattened(&a), flattened(&b)].concat(), all);
        let mut pieces = Vec::new();
        split_down(body, all.len() as u64, &mut pieces);
        assert_eq!(pieces.len(), all.len());
        assert_eq!(pieces.iter().flat_map(|p| flattened(p)).collect::<Vec<_>>(), all);
    }
    assert_eq!(split::split_request(b"not protobuf \xff"), None);
}

#[test]
fn empty_data_points_are_points_too() {
    // Found by fuzzing: a request whose data points are empty messages.
    let point = |v: &mut Vec<u8>| v.extend_from_slice(&[0x0a, 0x00]); // Gauge.data_points = {}
    let mut gauge = Vec::new();
    for _ in 0..3 {
        point(&mut gauge);
    }
    let mut metric = vec![0x0a, 0x01, b'g', 0x2a, gauge.len() as u8];
    metric.extend_from_slice(&gauge);
    let mut scope = vec![0x12, metric.len() as u8];
    scope.extend_from_slice(&metric);
    let mut resource = vec![0x12, scope.len() as u8];
    resource.extend_from_slice(&scope);
    let mut body = vec![0x0a, resource.len() as u8];
    body.extend_from_slice(&resource);
    let [(a, n), (b, m)] = split::split_request(&body).unwrap();
    assert_eq!((n, m), (1, 2));
    assert_eq!(flattened(&a).len() + flattened(&b).len(), 3);
    assert_eq!(split::split_request(&b).map(|[(_, x), (_, y)]| (x, y)), Some((1, 1)));
}

/// Every key of a JSON value, with its path, for comparing key sets.
fn keys(value: &serde_json::Value, path: &str, out: &mut std::collections::BTreeSet<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                let path = format!("{path}.{k}");
                keys(v, &path, out);
                out.insert(path);
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| keys(v, &format!("{path}[]"), out)),
        _ => {}
    }
}

#[test]
fn json_lines_decode_by_the_official_mapping_to_the_protobuf_requests() {
    let (mut bodies, _) = every_type_requests();
    bodies.push(encoded().0);
    let (mut ints, mut stale, mut exponentials) = (0, 0, 0);
    for body in &bodies {
        let mut line = String::new();
        json::metrics_request(body, &mut line).unwrap();
        assert!(!line.contains('\n'), "{line}");
        let from_json: ExportMetricsServiceRequest =
            serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"));
        let from_proto = ExportMetricsServiceRequest::decode(body.as_slice()).unwrap();
        assert_eq!(from_json, from_proto, "{line}");
        // No key the official mapping would not write (a misspelt key would be ignored when read).
        let ours: serde_json::Value = serde_json::from_str(&line).unwrap();
        let theirs = serde_json::to_value(&from_proto).unwrap();
        let (mut our_keys, mut their_keys) = Default::default();
        keys(&ours, "", &mut our_keys);
        keys(&theirs, "", &mut their_keys);
        let unknown: Vec<_> = our_keys.difference(&their_keys).collect();
        assert!(unknown.is_empty(), "{unknown:?} in {line}");
        ints += line.matches("\"asInt\":\"").count();
        stale += line.matches("\"flags\":1").count();
        exponentials += line.matches("\"exponentialHistogram\":{\"dataPoints\"").count();
    }
    assert!(ints > 0 && stale > 0 && exponentials > 0, "{ints} {stale} {exponentials}");
}

#[test]
fn json_writes_64_bit_integers_as_strings_and_enums_as_numbers() {
    let (body, _) = encoded();
    let mut line = String::new();
    json::metrics_request(&body, &mut line).unwrap();
    assert!(line.starts_with(r#"{"resourceMetrics":[{"resource":{"attributes":[{"key":"host","value":{"stringValue":"a"}},{"key":"replicas","value":{"intValue":"3"}}]},"scopeMetrics":[{"scope":{"name":"flutter"},"metrics":[{"name":"pod.cpu.usage","unit":"%","gauge":{"dataPoints":[{"startTimeUnixNano":"1700000010000000000","timeUnixNano":"1700000010000000000","asDouble":2.5,"attributes":[{"key":"core","value":{"intValue":"0"}}]}"#), "{line}");
    assert!(line.contains(r#""aggregationTemporality":2,"isMonotonic":true"#), "{line}");
    assert!(line.contains(r#"{"key":"ratio","value":{"doubleValue":0.5}}"#), "{line}");
    assert!(line.contains(r#"{"key":"neg","value":{"intValue":"-3"}}"#), "{line}");
    assert!(
        line.contains(r#"{"key":"tags","value":{"arrayValue":{"values":[{"stringValue":"x"},{"intValue":"7"}]}}}"#),
        "{line}"
    );
    assert!(
        line.contains(
            r#"{"key":"nested","value":{"kvlistValue":{"values":[{"key":"k","value":{"stringValue":"v"}}]}}}"#
        ),
        "{line}"
    );
}

#[test]
fn json_refuses_bytes_it_does_not_know() {
    let mut line = String::new();
    // Field 9 of the request does not exist; a truncated length; a string that is not UTF-8.
    for body in
        [&[0x4a, 0x00][..], &[0x0a, 0x05, 0x0a][..], &[0x0a, 0x08, 0x12, 0x06, 0x12, 0x04, 0x0a, 0x02, 0xff, 0xfe][..]]
    {
        line.clear();
        assert!(json::metrics_request(body, &mut line).is_err(), "{body:?} gave {line}");
    }
}
