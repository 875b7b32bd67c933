static S: flutter::Scenario<'static> = flutter_macros::include_scenario!("yaml/emitter-defined-too-late.yaml");

fn main() {}
