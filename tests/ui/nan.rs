static S: flutter::Scenario<'static> = flutter_macros::include_scenario!("yaml/nan.yaml");

fn main() {}
