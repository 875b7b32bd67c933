//! What flutter-bin tells the user about delivery, on stderr.

use std::sync::Mutex;
use std::time::Duration;

use flutter::delivery::{DeliveryEvent, DeliveryStats, DropCause};

/// Drop causes already reported.
static REPORTED_DROPS: Mutex<Vec<DropCause>> = Mutex::new(Vec::new());

/// Prints a delivery event. Rejections and losses are printed once per HTTP
/// status or cause (the summary counts them all); a long outage prints its
/// 1st, 2nd, 4th, 8th, … failed attempt.
pub fn print_event(event: &DeliveryEvent) {
    match event {
        DeliveryEvent::Retrying { attempt, reason, wait } if attempt.is_power_of_two() => {
            eprintln!("flutter: delivery attempt {attempt} failed ({reason}); retrying in {:.2}s", wait.as_secs_f64());
        }
        DeliveryEvent::Retrying { .. } => {}
        DeliveryEvent::Recovered { attempts } => {
            eprintln!("flutter: delivered after {attempts} failed attempt{}", plural(u64::from(*attempts)));
        }
        DeliveryEvent::Rejected { status, body, points, first_for_status: true } => {
            let body = if body.is_empty() { String::new() } else { format!(": {body}") };
            eprintln!("flutter: the receiver rejected {points} points with HTTP {status}{body}");
        }
        DeliveryEvent::Rejected { .. } => {}
        DeliveryEvent::PartialSuccess { rejected, message } => {
            eprintln!("flutter: the receiver refused {rejected} points of a request: {message}");
        }
        DeliveryEvent::Dropped { points, cause, detail } => {
            let mut reported = REPORTED_DROPS.lock().unwrap_or_else(|e| e.into_inner());
            if !reported.contains(cause) {
                reported.push(*cause);
                let detail = if detail.is_empty() { String::new() } else { format!(" (last error: {detail})") };
                eprintln!("flutter: {points} points lost: {cause}{detail}; further losses are counted in the summary");
            }
        }
        DeliveryEvent::Failed { reason } => {
            eprintln!("flutter: delivery failed: {reason}");
        }
    }
}

/// The end-of-run line for an OTLP run.
pub fn delivery_summary(d: &DeliveryStats, elapsed: Duration) -> String {
    format!(
        "flutter: {} points generated, {} delivered, {} rejected, {} lost; {} request{}, {} retr{}, {} bytes sent; {:.3}s",
        d.generated,
        d.delivered,
        d.rejected,
        d.lost,
        d.requests,
        plural(d.requests),
        d.retries,
        if d.retries == 1 { "y" } else { "ies" },
        d.bytes_sent,
        elapsed.as_secs_f64()
    )
}

/// The plural ending for `n` things.
pub fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// `1 point`, `2 points`.
pub fn count(n: u64, noun: &str) -> String {
    format!("{n} {noun}{}", plural(n))
}
