static S: flutter::Scenario<'static> = flutter_macros::include_scenario!("yaml/unknown-emitter-type.yaml");

fn main() {}
