static S: flutter::Scenario<'static> = flutter_macros::include_scenario!("yaml/unknown-metric-type.yaml");

fn main() {}
