//! A progress line on stderr for a run on a terminal: simulated time, points
//! generated, delivered, retries and (in real time) how far behind the wall
//! clock the run is. Drawn at most a few times a second, cleared at the end.

use std::sync::OnceLock;
use std::time::Instant;

use flutter::delivery::DeliveryWatch;
use flutter::{Batch, GoDuration, Sink, SinkError};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// The bar being shown, so that lines printed meanwhile go above it.
static SHOWN: OnceLock<ProgressBar> = OnceLock::new();

/// Prints `line` on stderr, above the progress line if one is shown.
pub fn above(line: &str) {
    match SHOWN.get() {
        Some(bar) if !bar.is_hidden() => bar.suspend(|| eprintln!("{line}")),
        _ => eprintln!("{line}"),
    }
}

/// A sink that only shows how the run goes.
pub struct Progress {
    bar: ProgressBar,
    last_tick: u64,
    points: u64,
    delivery: Option<DeliveryWatch>,
    /// In real time: when tick 0 was due.
    started: Option<Instant>,
}

impl Progress {
    /// A bar over ticks `0..=last_tick`; `real_time` shows the lag.
    pub fn new(last_tick: u64, delivery: Option<DeliveryWatch>, real_time: bool) -> Progress {
        let bar = ProgressBar::with_draw_target(Some(last_tick), ProgressDrawTarget::stderr_with_hz(4));
        let style =
            ProgressStyle::with_template("{spinner} [{bar:24}] {msg}").expect("a valid template").progress_chars("=> ");
        bar.set_style(style);
        let _ = SHOWN.set(bar.clone());
        Progress { bar, last_tick, points: 0, delivery, started: real_time.then(Instant::now) }
    }

    fn message(&self, tick: u64) -> String {
        let mut msg = format!(
            "{} of {} simulated, {} points",
            GoDuration::from_secs(tick as i64),
            GoDuration::from_secs(self.last_tick as i64),
            self.points
        );
        if let Some(stats) = self.delivery.as_ref().map(DeliveryWatch::stats) {
            msg.push_str(&format!(", {} delivered, {} retries", stats.delivered, stats.retries));
            if stats.rejected + stats.lost > 0 {
                msg.push_str(&format!(", {} rejected, {} lost", stats.rejected, stats.lost));
            }
        }
        if let Some(started) = self.started {
            let lag = started.elapsed().as_secs_f64() - tick as f64;
            msg.push_str(&format!(", lag {:.1}s", lag.max(0.0)));
        }
        msg
    }
}

impl Sink for Progress {
    fn tick(&mut self, batch: &Batch<'_>) -> Result<(), SinkError> {
        self.points += batch.metrics.points.len() as u64;
        // The message costs a format: only when the bar may draw.
        if !self.bar.is_hidden() {
            self.bar.set_message(self.message(batch.tick));
        }
        self.bar.set_position(batch.tick);
        Ok(())
    }

    fn finish(&mut self) -> Result<(), SinkError> {
        self.bar.finish_and_clear();
        Ok(())
    }
}
