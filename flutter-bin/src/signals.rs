//! Stopping on a signal: SIGINT (Ctrl-C), SIGTERM (`docker stop`, Kubernetes)
//! and SIGHUP (a closed terminal) all stop the run the same way — what was
//! generated gets the flush timeout, the summary is printed, and the exit
//! status is the shell's for that signal (130, 143, 129). A second signal
//! ends the process at once.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::time::Duration;

/// The signal that stopped the run, once one has.
#[derive(Clone, Debug, Default)]
pub struct Stop {
    /// Set at the first signal; the clock and the OTLP sink watch it.
    pub flag: Arc<AtomicBool>,
    signal: Arc<AtomicI32>,
}

impl Stop {
    /// The exit status for the signal received (128 + its number), if any.
    pub fn exit_status(&self) -> Option<u8> {
        let signal = self.signal.load(Ordering::SeqCst);
        (signal > 0).then(|| 128 + signal as u8)
    }

    /// The signal's name, for the summary.
    pub fn name(&self) -> Option<&'static str> {
        signal_name(self.signal.load(Ordering::SeqCst))
    }

    fn stop(&self, signal: i32, flush: Option<Duration>) {
        if self.flag.swap(true, Ordering::SeqCst) {
            std::process::exit(128 + signal);
        }
        self.signal.store(signal, Ordering::SeqCst);
        let name = signal_name(signal).unwrap_or("a signal");
        match flush {
            Some(timeout) => eprintln!(
                "flutter: {name}: stopping; what was generated gets at most {} to be delivered \
                 (flushTimeout); a second signal stops at once",
                flutter::GoDuration::from_nanos(timeout.as_nanos().min(i64::MAX as u128) as i64)
            ),
            None => eprintln!("flutter: {name}: stopping"),
        }
    }
}

fn signal_name(signal: i32) -> Option<&'static str> {
    match signal {
        1 => Some("SIGHUP"),
        2 => Some("SIGINT"),
        15 => Some("SIGTERM"),
        _ => None,
    }
}

/// Watches for SIGINT, SIGTERM and SIGHUP from now on. `flush` is how long
/// delivery may go on after one (none for a run that sends nothing).
#[cfg(unix)]
pub fn watch(flush: Option<Duration>) -> Stop {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let stop = Stop::default();
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]) else { return stop };
    let handler = stop.clone();
    let _ = std::thread::Builder::new().name("flutter-signals".into()).spawn(move || {
        for signal in signals.forever() {
            handler.stop(signal, flush);
        }
    });
    stop
}

/// Watches for Ctrl-C (the only signal other platforms share).
#[cfg(not(unix))]
pub fn watch(flush: Option<Duration>) -> Stop {
    let stop = Stop::default();
    let handler = stop.clone();
    let _ = ctrlc::set_handler(move || handler.stop(2, flush));
    stop
}
