static S: flutter::Scenario<'static> = flutter_macros::include_scenario!("yaml/unknown-key.yaml");

fn main() {}
