//! Go duration text: parsed without panicking, and what parses prints back to
//! text that parses to the same duration.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Ok(d) = flutter::GoDuration::parse(text) {
        let printed = d.to_string();
        assert_eq!(flutter::GoDuration::parse(&printed).ok(), Some(d), "{text:?} printed as {printed:?}");
    }
});
