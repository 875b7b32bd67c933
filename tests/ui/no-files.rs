static S: flutter::Scenario<'static> = flutter_macros::include_scenario!();

fn main() {}
