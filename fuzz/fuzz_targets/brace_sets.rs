//! Brace expressions (`pod-{p=00..49}`, `{GET,POST}`, `{p/10:02}`, `{{`) as a
//! data point attribute's value and as the exported name: an error at its
//! place, or a set of at most 10,000,000 series whose plan and (when small)
//! run agree — one point per series at 1s — never a panic or a hang.
#![no_main]

use flutter_fuzz::yaml_quoted as quoted;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    // A first line break splits the attribute's text from the name's.
    let (attribute, name) = text.split_once('\n').unwrap_or((text, "m"));
    let yaml = format!(
        "duration: 1s\nseed: 1\nwallclockStart: 2026-01-01T00:00:00Z\nscript:\n  \
         - {{type: metricEmitter, name: c, spec: {{type: constant, value: 1}}}}\n  \
         - {{type: metric, name: m, spec: {{type: gauge, name: {}, frequency: 1s, emitters: [c], \
         attributes: {{datapoint: {{k: {}}}}}}}}}\n",
        quoted(name),
        quoted(attribute)
    );
    let scenario = match flutter::Scenario::from_yaml("fuzz.yaml", &yaml) {
        Ok(s) => s,
        Err(e) => {
            assert!(e.report().contains("error: fuzz.yaml:"), "a refusal says where: {}", e.report());
            return;
        }
    };
    let plan = flutter::plan::plan(&scenario);
    let series = plan.metrics[0].series;
    assert!((1..=10_000_000).contains(&series), "{series} series");
    assert_eq!(plan.total_points(), series, "one point per series at 1s");
    if series <= 2_000 {
        assert_eq!(scenario.simulate().points().len() as u64, series);
    }
});
