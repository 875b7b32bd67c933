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
    let mut points = Vec::new();
    while let Some(batch) = engine.next_batch() {
        encoder.add_streams(batch.streams);
        points.extend(batch.points.iter().map(|p| TimedPoint { time_unix_nanos: batch.unix_nanos, point: *p }));
    }
    let mut out = Vec::new();
    encoder.encode(&points, PointData::default(), &mut out);
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
    assert_eq!(got, Some(PartialSuccess { rejected_points: 3, message: "too old".into() }));
    let empty = ExportMetricsServiceResponse { partial_success: None };
    assert_eq!(decode_partial_success(&empty.encode_to_vec()), None);
    assert_eq!(decode_partial_success(b""), None);
    assert_eq!(decode_partial_success(b"{\"partialSuccess\":{}}"), None);
}
