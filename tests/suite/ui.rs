//! Every class of scenario error is a compile error with the CLI's message.

#[test]
fn scenario_errors_are_compile_errors() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
}
