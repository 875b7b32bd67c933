static S: flutter::Scenario<'static> = flutter_macros::include_scenario!("yaml/several-errors.yaml");

fn main() {}
