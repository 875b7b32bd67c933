static S: flutter::Scenario<'static> = flutter_macros::include_scenario!("yaml/undefined-emitter.yaml");

fn main() {}
