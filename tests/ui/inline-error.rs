static S: flutter::Scenario<'static> = flutter_macros::scenario!(
    r#"
script:
  - {type: metricEmitter, name: c, spec: {type: ramp, target: 3}}
"#
);

fn main() {}
