static S: flutter::Scenario<'static> = flutter_macros::include_scenario!("yaml/yaml-syntax.yaml");

fn main() {}
