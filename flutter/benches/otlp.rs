//! OTLP encoding throughput: gauge points with three data point attributes,
//! 8,192 points per request (the default request size), from 10,000 streams;
//! as protobuf, gzip'd protobuf and an OTLP JSON line.
//!
//! `cargo bench -p flutter --bench otlp`

use std::fmt::Write as _;
use std::io::Write as _;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use flutter::batch::PointBuffer;
use flutter::otlp::Encoder;
use flutter::{Engine, RngKind, RunConfig, Scenario, Timestamp};

const SERIES: usize = 10_000;
const REQUEST: usize = 8192;

fn scenario() -> Scenario<'static> {
    let mut yaml = String::from(
        "duration: 10s\nscript:\n  - {type: metricEmitter, name: w, spec: {type: randomWalk, stepSize: 2, variation: 20}}\n",
    );
    for i in 0..SERIES {
        let _ = writeln!(
            yaml,
            "  - {{type: metric, name: m{i}, spec: {{type: gauge, name: system.cpu.utilization, emitters: [w], \
             attributes: {{resource: {{host.name: bench-host}}, datapoint: {{cpu: {}, state: user, series: s{i:05}}}}}}}}}",
            i % 64
        );
    }
    Scenario::from_yaml("bench.yaml", &yaml).expect("benchmark scenario loads")
}

fn bench_encode(c: &mut Criterion) {
    let scenario = scenario();
    let config = RunConfig { seed: 1, rng: RngKind::ChaCha, wallclock_start: Timestamp(1_767_225_600_000_000_000) };
    let mut engine = Engine::new(&scenario, config);
    let batch = engine.next_batch().expect("one tick of points");
    let mut encoder = Encoder::new();
    encoder.add_streams(batch.metrics.streams);
    let mut buffer = PointBuffer::new();
    buffer.extend(batch.metrics.points);
    let points = buffer.slice(0..REQUEST);
    let mut out = Vec::new();
    encoder.encode(points, &mut out);
    let bytes = out.len();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&out).unwrap();
    let gz_bytes = gz.finish().unwrap().len();
    let mut line = String::new();
    flutter::otlp::json::metrics_request(&out, &mut line).unwrap();
    let (mut rw, mut rw_body) = (flutter::remote_write::Encoder::new(), Vec::new());
    rw.add_streams(batch.metrics.streams);
    rw.encode(points, &mut rw_body);
    let rw_snappy = snap::raw::Encoder::new().compress_vec(&rw_body).unwrap().len();
    eprintln!(
        "remote write request: {} bytes = {:.2} B/point; snappy {rw_snappy} bytes = {:.2} B/point",
        rw_body.len(),
        rw_body.len() as f64 / REQUEST as f64,
        rw_snappy as f64 / REQUEST as f64
    );
    eprintln!(
        "otlp request: {REQUEST} points, {bytes} bytes = {:.2} B/point; gzip (fast) {gz_bytes} bytes = {:.2} B/point; \
         OTLP JSON {} bytes = {:.2} B/point",
        bytes as f64 / REQUEST as f64,
        gz_bytes as f64 / REQUEST as f64,
        line.len(),
        line.len() as f64 / REQUEST as f64
    );

    let mut group = c.benchmark_group("otlp_encode_gauge_3_attrs");
    group.throughput(Throughput::Elements(REQUEST as u64));
    group.bench_function("encode_8192_points", |b| {
        b.iter(|| {
            out.clear();
            encoder.encode(points, &mut out);
            out.len()
        })
    });
    group.bench_function("encode_and_gzip_fast_8192_points", |b| {
        b.iter(|| {
            out.clear();
            encoder.encode(points, &mut out);
            let mut gz = flate2::write::GzEncoder::new(Vec::with_capacity(out.len() / 3), flate2::Compression::fast());
            gz.write_all(&out).unwrap();
            gz.finish().unwrap().len()
        })
    });
    group.bench_function("encode_as_json_line_8192_points", |b| {
        let mut line = String::new();
        b.iter(|| {
            out.clear();
            encoder.encode(points, &mut out);
            line.clear();
            line.reserve(out.len() * 4);
            flutter::otlp::json::metrics_request(&out, &mut line).unwrap();
            line.len()
        })
    });
    let mut rw = flutter::remote_write::Encoder::new();
    rw.add_streams(batch.metrics.streams);
    group.bench_function("encode_as_remote_write_8192_points", |b| {
        b.iter(|| {
            out.clear();
            rw.encode(points, &mut out);
            out.len()
        })
    });
    group.bench_function("encode_as_remote_write_and_snappy_8192_points", |b| {
        b.iter(|| {
            out.clear();
            rw.encode(points, &mut out);
            snap::raw::Encoder::new().compress_vec(&out).unwrap().len()
        })
    });
    group.finish();
}

criterion_group!(benches, bench_encode);
criterion_main!(benches);
