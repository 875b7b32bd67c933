static S: flutter::Scenario<'static> = flutter_macros::include_scenario!("yaml/empty-script.yaml");

fn main() {}
