static S: flutter::Scenario<'static> = flutter_macros::include_scenario!("yaml/no-such-file.yaml");

fn main() {}
