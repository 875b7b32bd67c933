//! Compile-time flutter scenarios.
//!
//! [`include_scenario!`] reads YAML files when the crate compiles, checks them
//! with flutter's own loader (the same rules and messages as `flutter-bin`), and
//! expands to a constant [`flutter::Scenario<'static>`] usable in `static` and
//! `const` items. [`scenario!`] does the same for YAML written inline.
//!
//! ```ignore
//! static CHECKOUT: flutter::Scenario<'static> = flutter_macros::include_scenario!("fixtures/checkout.yaml");
//! ```
//!
//! Paths are relative to the file that invokes the macro, as with
//! `include_str!`. Every scenario error is a compile error on the path's string
//! literal, with the file, line, column and the offending line. Each file is
//! included with `include_bytes!`, so editing it rebuilds the crate.

mod expand;
mod writer;

use proc_macro::TokenStream;

/// Loads, merges and checks scenario files at compile time; expands to a
/// `flutter::Scenario<'static>` constant expression.
///
/// `include_scenario!("base.yaml", "spike.yaml")` merges the files exactly as
/// `flutter-bin base.yaml spike.yaml` does.
#[proc_macro]
pub fn include_scenario(input: TokenStream) -> TokenStream {
    expand::include_scenario(input.into()).into()
}

/// Checks an inline YAML scenario at compile time; expands to a
/// `flutter::Scenario<'static>` constant expression.
///
/// ```
/// static S: flutter::Scenario<'static> = flutter_macros::scenario!(r#"
/// duration: 30s
/// script:
///   - {type: metricEmitter, name: one, spec: {type: constant, value: 1}}
///   - {type: metric, name: m, spec: {type: gauge, emitters: [one]}}
/// "#);
///
/// let points = S.simulate();
/// assert_eq!(points.metric("m").at(flutter::GoDuration::from_secs(20)), Some(1.0));
/// ```
#[proc_macro]
pub fn scenario(input: TokenStream) -> TokenStream {
    expand::inline_scenario(input.into()).into()
}
