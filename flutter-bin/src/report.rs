//! What flutter-bin tells the user about delivery, on stderr.

use std::sync::Mutex;

use flutter::delivery::{DeliveryEvent, DeliveryStats, DropCause};
use flutter::otlp::OtlpSettings;
use flutter::otlp::destination::{Compression, Protocol};
use flutter::plan::{Plan, Requests};

/// `eprintln!`, above the progress line when one is shown.
macro_rules! above {
    ($($t:tt)*) => {
        crate::progress::above(&format!($($t)*))
    };
}

/// Drop causes already reported.
static REPORTED_DROPS: Mutex<Vec<DropCause>> = Mutex::new(Vec::new());

/// Prints a delivery event. Rejections and losses are printed once per HTTP
/// status or cause (the summary counts them all); a long outage prints its
/// 1st, 2nd, 4th, 8th, … failed attempt.
pub fn print_event(event: &DeliveryEvent) {
    match event {
        DeliveryEvent::Retrying { attempt, reason, wait } if attempt.is_power_of_two() => {
            above!("flutter: delivery attempt {attempt} failed ({reason}); retrying in {:.2}s", wait.as_secs_f64());
        }
        DeliveryEvent::Retrying { .. } => {}
        DeliveryEvent::Recovered { attempts } => {
            above!("flutter: delivered after {attempts} failed attempt{}", plural(u64::from(*attempts)));
        }
        DeliveryEvent::Rejected { status, detail, points, first_for_status: true } => {
            let detail = if detail.is_empty() { String::new() } else { format!(": {detail}") };
            above!("flutter: the receiver rejected {} with {status}{detail}", count(*points, "point"));
        }
        DeliveryEvent::Rejected { .. } => {}
        DeliveryEvent::Splitting { points, first: true } => {
            above!(
                "flutter: the receiver refused a request of {} as too large (HTTP 413); splitting it in halves until \
                 it is accepted",
                count(*points, "point")
            );
        }
        DeliveryEvent::Splitting { .. } => {}
        DeliveryEvent::Split { largest_accepted: Some(n) } => {
            above!(
                "flutter: the receiver took at most {} a request after refusing larger ones: set \
                 `maxPointsPerRequest: {n}` (or less) to send requests it accepts at once",
                count(*n, "point")
            );
        }
        DeliveryEvent::Split { largest_accepted: None } => {
            above!("flutter: the receiver refused requests as too large down to single points");
        }
        DeliveryEvent::PartialSuccess { rejected, message } => {
            above!("flutter: the receiver refused {} of a request: {message}", count(rejected.unsigned_abs(), "point"));
        }
        DeliveryEvent::Dropped { points, cause, detail } => {
            let mut reported = REPORTED_DROPS.lock().unwrap_or_else(|e| e.into_inner());
            if !reported.contains(cause) {
                reported.push(*cause);
                let detail = if detail.is_empty() { String::new() } else { format!(" (last error: {detail})") };
                let lost = count(*points, "point");
                above!("flutter: {lost} lost: {cause}{detail}; further losses are counted in the summary");
            }
        }
        DeliveryEvent::Failed { reason } => {
            above!("flutter: delivery failed: {reason}");
        }
    }
}

/// A warning on stderr; what it quotes from files cannot drive the terminal.
pub fn warn(text: &str) {
    above!("flutter: warning: {}", flutter::printable::printable(text));
}

/// The end-of-run line for one signal's delivery: `noun`s (points, spans, log records).
pub fn signal_summary(d: &DeliveryStats, noun: &str) -> String {
    format!(
        "flutter: {} generated, {} delivered, {} rejected, {} lost; {} request{}, {} retr{}, {} bytes sent",
        count(d.generated, noun),
        d.delivered,
        d.rejected,
        d.lost,
        d.requests,
        plural(d.requests),
        d.retries,
        if d.retries == 1 { "y" } else { "ies" },
        d.bytes_sent,
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

/// How many metrics `--check` lists one by one before a total line.
const LISTED: usize = 20;

/// `--check`'s metrics: a count line, then one aligned line per metric (the
/// first [`LISTED`]) and a line for the rest.
pub fn metrics_table(plan: &Plan<'_>) -> String {
    let series: u64 = plan.metrics.iter().map(|m| m.series).sum();
    let mut out = format!("metrics: {} ({series} series)\n", plan.metrics.len());
    let rows: Vec<[String; 5]> = plan
        .metrics
        .iter()
        .take(LISTED)
        .map(|m| {
            [
                // Names come from the file: shown, never obeyed by the terminal.
                flutter::printable::printable(m.name).into_owned(),
                m.kind.type_name().to_owned(),
                format!("{} series", m.series),
                count(m.points + m.markers, "point"),
                format!("peak {} points/s", rate(m.peak_rate)),
            ]
        })
        .collect();
    let widths: Vec<usize> = (0..5).map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0)).collect();
    for row in &rows {
        let cells: Vec<String> = row
            .iter()
            .zip(&widths)
            .enumerate()
            // Counts to the right, words to the left.
            .map(|(c, (cell, &w))| if c == 2 || c == 3 { format!("{cell:>w$}") } else { format!("{cell:<w$}") })
            .collect();
        out.push_str(&format!("  {}\n", cells.join("  ").trim_end()));
    }
    if plan.metrics.len() > LISTED {
        let rest = &plan.metrics[LISTED..];
        let series: u64 = rest.iter().map(|m| m.series).sum();
        let points: u64 = rest.iter().map(|m| m.points + m.markers).sum();
        out.push_str(&format!(
            "  … and {} more ({series} series, {})\n",
            count(rest.len() as u64, "metric"),
            count(points, "point")
        ));
    }
    out
}

/// A rate in points per second, to three significant digits.
pub fn rate(r: f64) -> String {
    if r >= 100.0 {
        return format!("{r:.0}");
    }
    if r <= 0.0 {
        return "0".to_owned();
    }
    let digits = (2 - r.abs().log10().floor() as i32).clamp(0, 6) as usize;
    let text = format!("{r:.digits$}");
    if text.contains('.') { text.trim_end_matches('0').trim_end_matches('.').to_owned() } else { text }
}

/// `--check`'s output line for an OTLP destination (header values redacted).
pub fn destination(d: &OtlpSettings, bytes: u64, requests: Requests) -> String {
    let headers: Vec<String> = d.headers.iter().map(|(name, _)| format!("{name}=<redacted>")).collect();
    let headers = if headers.is_empty() { String::new() } else { format!(", headers {}", headers.join(", ")) };
    let connections = if d.connections > 1 { format!(", {} connections", d.connections) } else { String::new() };
    let bound = if requests.exact { "" } else { "at most " };
    format!(
        "output: OTLP{} to {} (from {}), {}{headers}{connections}\n  about {} before compression, in {bound}{}\n",
        if d.protocol == Protocol::Grpc { "/gRPC" } else { "" },
        d.shown_url,
        d.source.describe(),
        match d.compression {
            Compression::None => "uncompressed",
            Compression::Gzip => "gzip",
        },
        human_bytes(bytes),
        count(requests.count, "request")
    )
}

/// `1.2 MB (1234567 bytes)`.
fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["kB", "MB", "GB", "TB", "PB"];
    let mut value = n as f64;
    let mut unit = None;
    for u in UNITS {
        if value < 1000.0 {
            break;
        }
        value /= 1000.0;
        unit = Some(u);
    }
    match unit {
        None => count(n, "byte"),
        Some(u) => format!("{value:.1} {u} ({n} bytes)"),
    }
}

/// The end-of-run line about real-time pacing: the worst lateness, and how
/// many ticks started more than a second late.
pub fn pacing_summary(r: &flutter::RunReport) -> String {
    let late = match r.late_ticks {
        0 => format!("no tick started more than {}s late", flutter::LATE.as_secs()),
        n => format!("{} started more than {}s late", count(n, "tick"), flutter::LATE.as_secs()),
    };
    format!("flutter: pacing: worst lateness {:.3}s, {late}", r.worst_lateness.as_secs_f64())
}
