//! Span and log record throughput, flutter beside the OpenTelemetry Rust SDK
//! doing the same work in the same run.
//!
//! * spans: a tick of 2,000 checkout traces (five spans each: attributes on
//!   every span, a resource from a brace set, a lognormal duration, a 1 %
//!   failure), generated, and generated then encoded as OTLP protobuf; the
//!   SDK's tracer making the same trees (same names, kinds and attributes)
//!   into its in-memory exporter (a simple processor: no encoding at all).
//! * logs: a tick of 10,000 records (weighted severities, a body template
//!   filled from a picked attribute and an emitter), generated then encoded;
//!   the SDK's logger emitting records with the same body, severity and
//!   attributes into its in-memory exporter.
//!
//! `cargo bench -p flutter --bench signals`

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use flutter::{Engine, RngKind, RunConfig, Scenario, Timestamp};
use opentelemetry::KeyValue;
use opentelemetry::logs::{LogRecord as _, Logger as _, LoggerProvider as _, Severity};
use opentelemetry::trace::{Span as _, SpanKind, TraceContextExt as _, Tracer as _, TracerProvider as _};

const TRACES_PER_SECOND: u64 = 2_000;
const SPANS_PER_TRACE: u64 = 5;
const RECORDS_PER_SECOND: u64 = 10_000;

fn scenario() -> Scenario<'static> {
    let yaml = format!(
        r#"duration: 10000h
script:
  - {{type: metricEmitter, name: db-ms, spec: {{type: constant, value: 3}}}}
  - type: trace
    name: checkout
    spec:
      rate: {TRACES_PER_SECOND}
      resource: {{service.name: frontend, service.instance.id: "frontend-{{0..9}}"}}
      root:
        name: POST /checkout
        kind: server
        duration: 5ms
        attributes: {{http.request.method: POST, http.route: /checkout, http.response.status_code: 200}}
        children:
          - {{name: GetCart, kind: client, duration: 1ms, attributes: {{rpc.system: grpc}}}}
          - name: PlaceOrder
            kind: client
            duration: 2ms
            resource: {{service.name: checkout}}
            children:
              - {{name: INSERT orders, kind: client, attributes: {{db.system: postgresql}}, duration: {{emitters: [db-ms], unit: ms, distribution: {{type: lognormal, sigma: 0.4}}}}}}
              - {{name: Charge, kind: client, duration: 4ms, error: 0.01, attributes: {{peer.service: payments}}}}
"#
    );
    Scenario::from_yaml("bench.yaml", &yaml).expect("benchmark scenario loads")
}

fn log_scenario() -> Scenario<'static> {
    let yaml = format!(
        r#"duration: 10000h
script:
  - {{type: metricEmitter, name: pay-ms, spec: {{type: constant, value: 80}}}}
  - type: log
    name: payments
    spec:
      rate: {RECORDS_PER_SECOND}
      resource: {{service.name: payments}}
      severity: {{INFO: 0.9, WARN: 0.08, ERROR: 0.02}}
      body: "payment {{payment.id}} took {{pay-ms}} ms"
      attributes: {{payment.id: "pay-{{0..99999}}", payment.method: card}}
"#
    );
    Scenario::from_yaml("bench-logs.yaml", &yaml).expect("benchmark scenario loads")
}

fn config() -> RunConfig {
    RunConfig { seed: 1, rng: RngKind::ChaCha, wallclock_start: Timestamp(1_767_225_600_000_000_000) }
}

/// One checkout trace through the SDK's tracer: the same five spans.
fn sdk_trace(tracer: &opentelemetry_sdk::trace::SdkTracer) {
    let root = tracer
        .span_builder("POST /checkout")
        .with_kind(SpanKind::Server)
        .with_attributes([
            KeyValue::new("http.request.method", "POST"),
            KeyValue::new("http.route", "/checkout"),
            KeyValue::new("http.response.status_code", 200),
        ])
        .start(tracer);
    let cx = opentelemetry::Context::current_with_span(root);
    let child = |name: &'static str, attr: KeyValue, cx: &opentelemetry::Context| {
        tracer.span_builder(name).with_kind(SpanKind::Client).with_attributes([attr]).start_with_context(tracer, cx)
    };
    child("GetCart", KeyValue::new("rpc.system", "grpc"), &cx).end();
    let place = tracer.span_builder("PlaceOrder").with_kind(SpanKind::Client).start_with_context(tracer, &cx);
    let place_cx = cx.with_span(place);
    child("INSERT orders", KeyValue::new("db.system", "postgresql"), &place_cx).end();
    child("Charge", KeyValue::new("peer.service", "payments"), &place_cx).end();
    place_cx.span().end();
    cx.span().end();
}

fn bench_spans(c: &mut Criterion) {
    let scenario = scenario();
    let mut engine = Engine::new(&scenario, config());
    let mut out = Vec::new();
    let exporter = opentelemetry_sdk::trace::InMemorySpanExporter::default();
    let provider = opentelemetry_sdk::trace::SdkTracerProvider::builder()
        .with_resource(opentelemetry_sdk::Resource::builder_empty().with_service_name("frontend").build())
        .with_simple_exporter(exporter.clone())
        .build();
    let tracer = provider.tracer("bench");
    let mut group = c.benchmark_group("spans");
    group.throughput(Throughput::Elements(TRACES_PER_SECOND * SPANS_PER_TRACE));
    group.bench_function("flutter_generate_10000", |b| {
        b.iter(|| engine.next_batch().expect("a tick").spans.spans.len())
    });
    group.bench_function("flutter_generate_and_encode_10000", |b| {
        b.iter(|| {
            let batch = engine.next_batch().expect("a tick");
            out.clear();
            flutter::otlp::traces::encode_spans(&batch.spans, &mut out);
            out.len()
        })
    });
    group.bench_function("otel_sdk_in_memory_10000", |b| {
        b.iter(|| {
            exporter.reset();
            for _ in 0..TRACES_PER_SECOND {
                sdk_trace(&tracer);
            }
        })
    });
    group.finish();
}

fn bench_logs(c: &mut Criterion) {
    let scenario = log_scenario();
    let mut engine = Engine::new(&scenario, config());
    let mut out = Vec::new();
    let exporter = opentelemetry_sdk::logs::InMemoryLogExporter::default();
    let provider = opentelemetry_sdk::logs::SdkLoggerProvider::builder()
        .with_resource(opentelemetry_sdk::Resource::builder_empty().with_service_name("payments").build())
        .with_simple_exporter(exporter.clone())
        .build();
    let logger = provider.logger("bench");
    let mut group = c.benchmark_group("logs");
    group.throughput(Throughput::Elements(RECORDS_PER_SECOND));
    group.bench_function("flutter_generate_and_encode_10000", |b| {
        b.iter(|| {
            let batch = engine.next_batch().expect("a tick");
            out.clear();
            flutter::otlp::logs::encode_logs(&batch.logs, &mut out);
            out.len()
        })
    });
    group.bench_function("otel_sdk_in_memory_10000", |b| {
        b.iter(|| {
            exporter.reset();
            for i in 0..RECORDS_PER_SECOND {
                let mut record = logger.create_log_record();
                let id = format!("pay-{}", i % 100_000);
                record.set_body(format!("payment {id} took 80 ms").into());
                record.set_severity_number(Severity::Info);
                record.set_severity_text("INFO");
                record.add_attribute("payment.id", id);
                record.add_attribute("payment.method", "card");
                logger.emit(record);
            }
        })
    });
    group.finish();
}

criterion_group!(benches, bench_spans, bench_logs);
criterion_main!(benches);
