//! Logs: arrivals, severity weights, bodies filled from attributes and
//! emitters, records a span carries, reconfiguration, and determinism.

use std::collections::{BTreeMap, BTreeSet};

use flutter::logs::Severity;
use flutter::scenario::AttrValue;
use flutter::{MemorySink, Scenario};

fn simulate(yaml: &str) -> MemorySink {
    Scenario::from_yaml("logs.yaml", yaml).unwrap_or_else(|e| panic!("{e}")).simulate()
}

fn within(got: f64, want: f64, tolerance: f64, what: &str) {
    assert!((got - want).abs() <= tolerance * want, "{what}: {got}, expected {want} within {}%", tolerance * 100.0);
}

const MANY: &str = r#"
duration: 1000s
seed: 4
script:
  - {type: metricEmitter, name: latency, spec: {type: constant, value: 12.5}}
  - type: log
    name: app
    spec:
      rate: 100
      resource: {service.name: app, host: "h{0..3}"}
      severity: {INFO: 0.7, WARN: 0.2, ERROR: 0.1}
      body: "user {user} took {latency} ms, {{not a hole}}"
      attributes: {user: "u{0..9}", region: eu}
"#;

#[test]
fn records_arrive_at_the_rate_with_severities_by_weight_and_bodies_filled() {
    let sink = simulate(MANY);
    let records = sink.logs("app");
    // Poisson(100) a second over 1,000 s: mean and variance within 2 %.
    let mut per_second = vec![0f64; 1000];
    for r in records.records() {
        per_second[r.tick as usize] += 1.0;
    }
    let mean = per_second.iter().sum::<f64>() / 1000.0;
    let var = per_second.iter().map(|c| (c - mean).powi(2)).sum::<f64>() / 999.0;
    within(mean, 100.0, 0.02, "records per second");
    within(var, 100.0, 0.1, "variance of records per second");
    let n = records.len() as f64;
    for (severity, weight) in [(Severity::Info, 0.7), (Severity::Warn, 0.2), (Severity::Error, 0.1)] {
        let share = sink.logs("app").severity(severity).len() as f64 / n;
        within(share, weight, 0.02, severity.name());
    }
    // Every body names its own record's user and the emitter's value.
    let mut users = BTreeSet::new();
    let mut hosts = BTreeSet::new();
    for r in records.records() {
        let Some(AttrValue::Str(user)) = r.attr("user") else { panic!("{r:?}") };
        assert_eq!(r.body, format!("user {user} took 12.5 ms, {{not a hole}}"));
        assert_eq!(r.attr("region"), Some(&AttrValue::Str("eu".into())));
        users.insert(user.to_string());
        hosts.insert(format!("{:?}", r.attr("host")));
        assert!(r.span.is_none());
    }
    assert_eq!((users.len(), hosts.len()), (10, 4));
    // Times inside their second, in order.
    let times: Vec<i64> = records.records().iter().map(|r| r.time_unix_nanos).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]));
    let start = sink.all_logs()[0].time_unix_nanos - sink.all_logs()[0].time_unix_nanos % 1_000_000_000;
    for r in records.records() {
        let second = (r.time_unix_nanos - start).div_euclid(1_000_000_000) as u64;
        assert_eq!(second, r.tick);
    }
    // The same seed, the same records; another seed, others.
    assert_eq!(simulate(MANY).all_logs(), sink.all_logs());
    assert_ne!(simulate(&MANY.replace("seed: 4", "seed: 5")).all_logs(), sink.all_logs());
}

#[test]
fn spans_carry_their_records_and_the_incident_raises_the_error_share() {
    let sink = Scenario::load_files(&crate::util::sample("sample-logs.yaml")).unwrap().simulate();
    let spans: BTreeMap<([u8; 16], [u8; 8]), &flutter::sink::RecordedSpan> =
        sink.all_spans().iter().map(|s| ((s.trace_id, s.span_id), s)).collect();
    let carried = sink.logs("checkout");
    assert_eq!(carried.len(), carried.clone().of_spans().len());
    // One DEBUG record per root, at its start; one ERROR per failed Charge, at its end.
    let roots = sink.spans("checkout").roots();
    let debug = sink.logs("checkout").severity(Severity::Debug);
    assert_eq!(debug.len(), roots.len());
    let failed = sink.spans("checkout").named("Charge").failed();
    let errors = sink.logs("checkout").severity(Severity::Error);
    assert_eq!(errors.len(), failed.len());
    assert!(failed.len() > 20, "{} failed charges", failed.len());
    for r in carried.records() {
        let s = spans[&r.span.unwrap()];
        assert_eq!(r.resource, s.resource);
        match r.severity {
            Severity::Debug => {
                assert_eq!((s.name.as_str(), r.time_unix_nanos), ("POST /checkout", s.start_unix_nanos));
                assert_eq!(r.body, "checkout /checkout started");
            }
            Severity::Error => {
                assert_eq!((s.name.as_str(), r.time_unix_nanos), ("Charge", s.end_unix_nanos));
                assert!(s.error.is_some() && s.exception);
                assert_eq!(r.body, "charge at acme failed: card declined");
            }
            other => panic!("{other:?}"),
        }
    }
    // Payments' ERROR share: 2 % before 4m, 25 % from 4m to 7m.
    let share = |from: u64, to: u64| {
        let all = sink
            .logs("payments")
            .between(flutter::GoDuration::from_secs(from as i64), flutter::GoDuration::from_secs(to as i64));
        all.clone().severity(Severity::Error).len() as f64 / all.len() as f64
    };
    let (before, during, after) = (share(0, 239), share(240, 419), share(420, 599));
    assert!(before < 0.05 && (0.2..0.3).contains(&during) && after < 0.05, "{before} {during} {after}");
}
