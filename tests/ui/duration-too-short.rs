static S: flutter::Scenario<'static> = flutter_macros::include_scenario!("yaml/duration-too-short.yaml");

fn main() {}
