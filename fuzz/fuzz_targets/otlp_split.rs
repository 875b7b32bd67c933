//! Splitting any bytes as an OTLP request (what the delivery layer does after
//! a 413): two halves whose points add up, or nothing, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|body: &[u8]| {
    if let Some([(a, n), (b, m)]) = flutter::otlp::split::split_request(body) {
        assert!(n >= 1 && m >= n);
        // Each half splits again, or holds a single point.
        for (half, points) in [(a, n), (b, m)] {
            if let Some([(_, x), (_, y)]) = flutter::otlp::split::split_request(&half) {
                assert_eq!(x + y, points);
            } else {
                assert_eq!(points, 1);
            }
        }
    }
});
