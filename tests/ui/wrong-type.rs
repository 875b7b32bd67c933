static S: flutter::Scenario<'static> = flutter_macros::include_scenario!("yaml/wrong-type.yaml");

fn main() {}
