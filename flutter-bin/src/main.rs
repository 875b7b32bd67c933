//! `flutter-bin`: loads scenario files, then plays them into log lines or OTLP.

mod args;

use std::collections::BTreeSet;
use std::io::{self, Write};
use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;
use flutter::scenario::ActionKind;
use flutter::{CountingSink, Engine, LogSink, Pacing, RunConfig, Scenario, Sink, SinkError, SystemClock};

use args::Args;

fn main() -> ExitCode {
    let args = Args::parse();
    let mut scenario = match Scenario::load_files(&args.configs) {
        Ok(s) => s,
        Err(e) => {
            let mut err = io::stderr().lock();
            for d in &e.diagnostics {
                let _ = writeln!(err, "error: {d}\n");
            }
            let n = e.diagnostics.len();
            let _ =
                writeln!(err, "flutter: {n} error{} in the scenario; nothing was run", if n == 1 { "" } else { "s" });
            return ExitCode::from(2);
        }
    };
    if let Some(seed) = args.seed {
        scenario.seed = Some(seed);
    }
    if let Some(rng) = args.rng {
        scenario.rng = rng.into();
    }
    if args.dryrun {
        scenario.dryrun = true;
    }
    let config = RunConfig::from_scenario(&scenario);
    if args.check {
        return check(&args, &scenario, config);
    }
    if config.seed_was_drawn(&scenario) && !args.quiet {
        eprintln!("flutter: seed {} (replay with --seed {})", config.seed, config.seed);
    }
    match play(&args, &scenario, config) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("flutter: run failed: {e}");
            ExitCode::from(1)
        }
    }
}

/// Plays the scenario into its sinks and prints the summary.
fn play(args: &Args, scenario: &Scenario<'static>, config: RunConfig) -> Result<(), SinkError> {
    let started = Instant::now();
    let pacing = if scenario.dryrun || args.fast { Pacing::Fast } else { Pacing::RealTime };
    let mut engine = Engine::new(scenario, config);
    let stdout = io::stdout().lock();
    let mut log = LogSink::new(io::BufWriter::new(stdout), pacing == Pacing::RealTime);
    let mut sinks: Vec<&mut dyn Sink> = vec![&mut log];
    let mut clock = SystemClock::start();
    let report = match flutter::run(&mut engine, pacing, &mut clock, &mut sinks) {
        Ok(r) => r,
        // The reader went away (`| head`): stop quietly, as other tools do.
        Err(SinkError::Io(e)) if e.kind() == io::ErrorKind::BrokenPipe => return Ok(()),
        Err(e) => return Err(e),
    };
    if !args.quiet {
        eprintln!(
            "flutter: {} points from {} streams over {} simulated in {:.3}s",
            report.points,
            engine.streams().len(),
            scenario.duration,
            started.elapsed().as_secs_f64()
        );
    }
    Ok(())
}

/// `--check`: a summary of what the scenario would do, on stdout.
fn check(args: &Args, scenario: &Scenario<'static>, config: RunConfig) -> ExitCode {
    let mut emitters = BTreeSet::new();
    let mut metrics = Vec::new();
    for action in scenario.script.iter() {
        match &action.kind {
            ActionKind::Emitter(_) => {
                emitters.insert(action.name.as_ref());
            }
            ActionKind::Metric(_) => {
                if !metrics.contains(&action.name.as_ref()) {
                    metrics.push(action.name.as_ref());
                }
            }
        }
    }
    let mut engine = Engine::new(scenario, config);
    let mut counter = CountingSink::default();
    let mut clock = SystemClock::start();
    if let Err(e) = flutter::run(&mut engine, Pacing::Fast, &mut clock, &mut [&mut counter]) {
        eprintln!("flutter: {e}");
        return ExitCode::from(1);
    }
    let files: Vec<String> = args.configs.iter().map(|p| p.display().to_string()).collect();
    let mut out = String::new();
    out.push_str(&format!("scenario: {} (valid)\n", files.join(" + ")));
    out.push_str(&format!("duration: {} ({} ticks)\n", scenario.duration, scenario.duration.floor_secs() + 1));
    if let Some(seed) = scenario.seed {
        out.push_str(&format!("seed: {seed}\n"));
    }
    out.push_str(&format!("rng: {}\n", scenario.rng.name()));
    out.push_str(&format!("actions: {}\n", scenario.script.len()));
    let emitters: Vec<&str> = emitters.into_iter().collect();
    out.push_str(&format!("emitters: {} ({})\n", emitters.len(), emitters.join(", ")));
    out.push_str(&format!("metrics: {} ({})\n", metrics.len(), metrics.join(", ")));
    out.push_str(&format!("points: {}\n", counter.points));
    let mut stdout = io::stdout().lock();
    if stdout.write_all(out.as_bytes()).and_then(|()| stdout.flush()).is_err() {
        return ExitCode::from(1);
    }
    ExitCode::SUCCESS
}
