//! Macro input → flutter's loader → tokens (or compile errors).

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use flutter::scenario::{Diagnostic, Source};
use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::LitStr;
use syn::parse::Parser;
use syn::punctuated::Punctuated;

/// The name messages use for YAML written inside `scenario!`.
const INLINE_NAME: &str = "<inline>";

pub fn include_scenario(input: TokenStream) -> TokenStream {
    let parser = Punctuated::<LitStr, syn::Token![,]>::parse_terminated;
    let literals = match parser.parse2(input) {
        Ok(l) => l,
        Err(e) => return e.to_compile_error(),
    };
    if literals.is_empty() {
        return syn::Error::new(
            Span::call_site(),
            "include_scenario! needs at least one scenario file, e.g. \
             include_scenario!(\"fixtures/checkout.yaml\")",
        )
        .to_compile_error();
    }
    let files: Vec<(LitStr, PathBuf)> = literals
        .into_iter()
        .map(|lit| {
            let path = resolve(&lit);
            (lit, path)
        })
        .collect();
    let sources = files.iter().map(|(lit, path)| Source::read_as(path, lit.value())).collect();
    // `include_bytes!` makes rustc list each file as an input, so editing one
    // rebuilds the crate; the bytes themselves are not used.
    let tracked = files.iter().filter(|(_, path)| path.is_file()).map(|(_, path)| {
        let path = path.display().to_string();
        quote! { const _: &[u8] = ::core::include_bytes!(#path); }
    });
    let tracked: Vec<TokenStream> = tracked.collect();
    let spans: Vec<(String, Span)> = files.iter().map(|(lit, _)| (lit.value(), lit.span())).collect();
    expand(sources, &spans, &tracked)
}

pub fn inline_scenario(input: TokenStream) -> TokenStream {
    let lit: LitStr = match syn::parse2(input) {
        Ok(l) => l,
        Err(e) => return e.to_compile_error(),
    };
    let text = lit.value();
    let source = Source { name: Cow::Borrowed(INLINE_NAME), bytes: Ok(Cow::Borrowed(text.as_bytes())) };
    expand(vec![source], &[(INLINE_NAME.to_owned(), lit.span())], &[])
}

fn expand(sources: Vec<Source<'_>>, spans: &[(String, Span)], tracked: &[TokenStream]) -> TokenStream {
    match flutter::Scenario::load(sources) {
        Ok(scenario) => {
            let text = crate::writer::scenario_expr(&scenario);
            // Debugging aid: FLUTTER_MACRO_DUMP=path writes the expansion there.
            if let Some(path) = std::env::var_os("FLUTTER_MACRO_DUMP") {
                let _ = std::fs::write(path, &text);
            }
            match text.parse::<TokenStream>() {
                Ok(value) => quote! { { #(#tracked)* #value } },
                Err(e) => syn::Error::new(Span::call_site(), format!("flutter-macros wrote invalid Rust: {e}"))
                    .to_compile_error(),
            }
        }
        Err(e) => {
            let errors = e.diagnostics.iter().map(|d| compile_error(d, spans));
            // `loop {}` has type `!`: no second error about the expression's type.
            quote! { { #(#tracked)* #(#errors)* loop {} } }
        }
    }
}

/// A diagnostic as a compile error on the literal of the file it names.
fn compile_error(d: &Diagnostic, spans: &[(String, Span)]) -> TokenStream {
    let span =
        spans.iter().find(|(name, _)| *name == d.file).or(spans.first()).map_or_else(Span::call_site, |(_, s)| *s);
    syn::Error::new(span, d.to_string()).to_compile_error()
}

/// The file a literal names: relative to the file that invokes the macro (as
/// `include_str!` does), or to the crate's manifest directory when the
/// compiler cannot say which file that is.
fn resolve(lit: &LitStr) -> PathBuf {
    let written = PathBuf::from(lit.value());
    if written.is_absolute() {
        return written;
    }
    let invoking_dir = lit.span().unwrap().local_file().and_then(|f| f.parent().map(Path::to_path_buf));
    let base = match invoking_dir {
        Some(dir) => dir,
        None => PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default()),
    };
    let joined = base.join(&written);
    // rustc names the invoking file relative to its working directory.
    std::fs::canonicalize(&joined)
        .unwrap_or_else(|_| std::env::current_dir().map(|cwd| cwd.join(&joined)).unwrap_or(joined))
}
