//! Span throughput: generating traces (a root with four children, five
//! spans, attributes on each, resources from a brace set) and encoding them
//! as OTLP, a tick of 2,000 traces (about 10,000 spans) at a time.
//!
//! `cargo bench -p flutter --bench traces`

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use flutter::{Engine, RngKind, RunConfig, Scenario, Timestamp};

const TRACES_PER_SECOND: u64 = 2_000;
const SPANS_PER_TRACE: u64 = 5;

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

fn bench_spans(c: &mut Criterion) {
    let scenario = scenario();
    let config = RunConfig { seed: 1, rng: RngKind::ChaCha, wallclock_start: Timestamp(1_767_225_600_000_000_000) };
    let mut engine = Engine::new(&scenario, config);
    let mut out = Vec::new();
    let mut group = c.benchmark_group("spans");
    group.throughput(Throughput::Elements(TRACES_PER_SECOND * SPANS_PER_TRACE));
    group.bench_function("generate_tick_of_10000_spans", |b| {
        b.iter(|| engine.next_batch().expect("a tick").spans.spans.len())
    });
    group.bench_function("generate_and_encode_tick_of_10000_spans", |b| {
        b.iter(|| {
            let batch = engine.next_batch().expect("a tick");
            out.clear();
            flutter::otlp::traces::encode_spans(&batch.spans, &mut out);
            out.len()
        })
    });
    group.finish();
}

criterion_group!(benches, bench_spans);
criterion_main!(benches);
