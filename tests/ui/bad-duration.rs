static S: flutter::Scenario<'static> = flutter_macros::include_scenario!("yaml/bad-duration.yaml");

fn main() {}
