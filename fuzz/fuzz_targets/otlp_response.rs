//! Whatever a receiver answers: `partial_success` read, or nothing, never a
//! panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|body: &[u8]| {
    if let Some(p) = flutter::otlp::decode_partial_success(body) {
        // What is printed has no control characters left.
        assert!(!p.message.chars().any(|c| c.is_control() && c != '\t'));
    }
});
