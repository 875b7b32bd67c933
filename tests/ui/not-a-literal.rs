const PATH: &str = "yaml/unknown-key.yaml";
static S: flutter::Scenario<'static> = flutter_macros::include_scenario!(PATH);

fn main() {}
