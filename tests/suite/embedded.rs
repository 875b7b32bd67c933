//! Embedded scenarios with exact expected values at given times.

use flutter::{GoDuration, Scenario};
use flutter_macros::{include_scenario, scenario};

static CHECKOUT: Scenario<'static> = include_scenario!("../fixtures/checkout.yaml");
static CHECKOUT_WITH_SPIKE: Scenario<'static> =
    include_scenario!("../fixtures/checkout.yaml", "../fixtures/spike.yaml");

fn at(text: &str) -> GoDuration {
    GoDuration::parse(text).unwrap()
}

#[test]
fn ramps_and_constants_at_given_times() {
    let points = CHECKOUT.simulate();
    let pay = points.metric("checkout.latency").with_attr("route", "/pay");
    // 120 ms plus a sale ramp: up to +380 over 5m, then down over 10m from where it is.
    assert_eq!(pay.at(at("30s")), Some(158.0));
    assert_eq!(pay.at(at("2m30s")), Some(310.0));
    assert_eq!(pay.at(at("5m")), Some(500.0));
    assert_eq!(pay.at(at("10m")), Some(310.0));
    assert_eq!(pay.at(at("15m")), Some(120.0));
    assert_eq!(pay.at(at("20m")), Some(120.0));
    assert_eq!(pay.at(at("45s")), None, "every 30s only");
    assert_eq!(pay.len(), 40);
    let first_minute: Vec<(GoDuration, f64)> = pay.between(at("0s"), at("1m"));
    assert_eq!(first_minute, vec![(at("30s"), 158.0), (at("1m"), 196.0)]);
}

#[test]
fn counters_accumulate_rates() {
    let points = CHECKOUT.simulate();
    let requests = points.metric("checkout.requests").with_attr("service.name", "checkout");
    assert_eq!(requests.at(at("1m")), Some(2400.0));
    assert_eq!(requests.at(at("20m")), Some(48_000.0));
    let errors = points.metric("checkout.errors");
    // 2.5 errors/s for the seconds from 10m to 12m, nothing before or after:
    // the point at 10m covers the seconds before it.
    assert_eq!(errors.at(at("9m")), Some(0.0));
    assert_eq!(errors.at(at("10m")), Some(0.0));
    assert_eq!(errors.at(at("11m")), Some(150.0));
    assert_eq!(errors.at(at("12m")), Some(300.0));
    assert_eq!(errors.at(at("20m")), Some(300.0));
    // A cumulative counter's start time is its creation time.
    let start = CHECKOUT.wallclock_start.unwrap().unix_nanos();
    assert!(errors.points().iter().all(|p| p.start_unix_nanos == start));
}

#[test]
fn merged_files_change_the_rate_from_their_time() {
    let requests = CHECKOUT_WITH_SPIKE.simulate();
    let requests = requests.metric("checkout.requests");
    assert_eq!(requests.at(at("14m")), Some(33_600.0));
    // 40/s before 15m, 80/s from 15m on.
    assert_eq!(requests.at(at("15m")), Some(36_000.0));
    assert_eq!(requests.at(at("20m")), Some(60_000.0));
    assert_eq!(CHECKOUT_WITH_SPIKE.script.len(), CHECKOUT.script.len() + 1);
}

#[test]
fn random_walks_are_reproducible_and_bounded() {
    let first = CHECKOUT.simulate();
    let again = CHECKOUT.simulate();
    let cart = first.metric("checkout.latency").with_attr("route", "/cart").values();
    assert_eq!(cart, again.metric("checkout.latency").with_attr("route", "/cart").values());
    let pay = first.metric("checkout.latency").with_attr("route", "/pay").values();
    assert_eq!(cart.len(), pay.len());
    for ((t, noisy), (_, smooth)) in cart.iter().zip(&pay) {
        assert!((noisy - smooth).abs() <= 15.0, "{t}: {noisy} vs {smooth}");
    }
    assert!(cart.iter().zip(&pay).any(|(a, b)| a.1 != b.1), "the walk moves");
    // Its values are locked: a change to the streams or the engine shows here.
    assert_eq!(cart[0], (at("30s"), 154.6285121200809));
}

static INLINE: Scenario<'static> = scenario!(
    r#"
duration: 1m
script:
  - {type: metricEmitter, name: level, spec: {type: constant, value: 3}}
  - {type: metric, name: queue.depth, spec: {type: gauge, frequency: 20s, emitters: [level]}}
  - {type: metricEmitter, at: 30s, name: level, spec: {value: 7}}
"#
);

#[test]
fn inline_scenarios() {
    let points = INLINE.simulate();
    assert_eq!(points.metric("queue.depth").values(), vec![(at("20s"), 3.0), (at("40s"), 7.0), (at("1m"), 7.0)]);
    assert_eq!(INLINE.seed, None);
    assert_eq!(INLINE.duration, at("1m"));
}

/// The expansion is a constant expression: usable in `const` items too.
const AS_CONST: Scenario<'static> = scenario!("script:\n  - {type: metricEmitter, name: c, spec: {type: constant}}\n");

#[test]
fn usable_as_const() {
    assert_eq!(AS_CONST.script.len(), 1);
    assert_eq!(AS_CONST.duration, at("1s"));
}

/// A million series, compiled as their expressions: the macro writes the
/// strings, not the expansion, so the binary holds one metric spec.
static FLEET: Scenario<'static> = scenario!(
    "script:\n  - {type: metricEmitter, name: c, spec: {type: constant, value: 1}}\n  \
     - {type: metric, name: m, spec: {type: gauge, emitters: [c], attributes: {resource: {host: 'host-{000000..999999}'}}}}\n"
);

#[test]
fn a_set_compiles_as_its_expressions() {
    let plan = flutter::plan::plan(&FLEET);
    assert_eq!(plan.metrics[0].series, 1_000_000);
    let flutter::scenario::ActionKind::Metric(spec) = &FLEET.script[1].kind else { panic!() };
    let resource = spec.resource.as_deref().unwrap();
    assert_eq!(resource[0].value, flutter::scenario::AttrValue::from("host-{000000..999999}"));
}
