//! `flutter-bin`: loads scenario files, then plays them into log lines or OTLP.

mod args;
mod plot;
mod progress;
mod report;
mod signals;

use std::io::{self, Write};
use std::path::Path;
use std::process::ExitCode;
use std::sync::atomic::Ordering;
use std::time::Instant;

use clap::Parser;
use flutter::delivery::{DeliveryStats, Mode};
use flutter::otlp::{self, JsonLinesSink, OtlpSettings};
use flutter::plan;
use flutter::printable::printable;
use flutter::scenario::Source;
use flutter::shard::{self, Shard};
use flutter::{Engine, LogSink, OtlpSink, Pacing, RunConfig, Scenario, Sink, SinkError, SystemClock, Timestamp};

use args::Args;

/// Exit status of a run stopped without a known signal, as shells report SIGINT.
const INTERRUPTED: u8 = 130;

fn main() -> ExitCode {
    let args = Args::parse();
    if let Some(command) = &args.command {
        return print_command(command);
    }
    let mut shard_played = None;
    let sources = match sources(&args) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}\nflutter: nothing was run");
            return ExitCode::from(2);
        }
    };
    let mut scenario = match Scenario::load(sources) {
        Ok(s) => s,
        Err(e) => {
            let _ = io::stderr().lock().write_all(e.report().as_bytes());
            return ExitCode::from(2);
        }
    };
    for attr in &args.attrs {
        if let Err(e) = scenario.set_attribute(attr) {
            eprintln!("error: --attr {}.{}: {e}\nflutter: nothing was run", attr.level.name(), attr.key);
            return ExitCode::from(2);
        }
    }
    if let Some(seed) = args.seed {
        scenario.seed = Some(seed);
    }
    if let Some(rng) = args.rng {
        scenario.rng = rng.into();
    }
    if args.dryrun {
        scenario.dryrun = true;
    }
    if let Some(text) = &args.start_at {
        match Timestamp::parse_start_at(text, Timestamp::now()) {
            Ok(t) => scenario.wallclock_start = Some(t),
            Err(e) => {
                eprintln!("error: --start-at {e}\nflutter: nothing was run");
                return ExitCode::from(2);
            }
        }
    }
    let shard = match (args.shard, args.shards) {
        (Some(s), _) => Some(Ok(s)),
        (None, Some(n)) => Some(Shard::from_job_index(n, std::env::var(shard::ENV_JOB_INDEX).ok().as_deref())),
        (None, None) => None,
    };
    if let Some(shard) = shard {
        match shard.and_then(|s| scenario.shard(s).map(|sharded| (s, sharded))) {
            Ok((s, sharded)) => {
                if !args.quiet && !args.check {
                    eprintln!("flutter: shard {s}: {}", sharded_metrics(&scenario, &sharded));
                }
                scenario = sharded;
                shard_played = Some(s);
            }
            Err(e) => {
                eprintln!("error: {e}\nflutter: nothing was run");
                return ExitCode::from(2);
            }
        }
    }
    let config = RunConfig::from_scenario(&scenario);
    // A start the scenario leaves to the clock is only known now.
    if let Err(e) = config.wallclock_start.run_end(scenario.duration) {
        eprintln!("error: {e}\nflutter: nothing was run");
        return ExitCode::from(2);
    }
    if let Some(path) = &args.plot {
        return preview(&args, path, &scenario, config);
    }
    // Remote write when the command line or the scenario asks for it, unless
    // --endpoint asks for OTLP.
    let remote_write = args.endpoint.is_none() && (args.remote_write.is_some() || scenario.remote_write.is_some());
    // Resolved before any point is generated: a bad endpoint or an unset
    // `${VAR}` in a header stops the run (and --check) here.
    let destination = if scenario.dryrun {
        for (flag, given) in [
            ("--endpoint", args.endpoint.is_some()),
            ("--remote-write", args.remote_write.is_some()),
            ("--connections", args.connections.is_some()),
            ("--header", !args.headers.is_empty()),
        ] {
            if given {
                eprintln!("flutter: warning: {flag} is ignored in a dry run: points are printed, not sent");
            }
        }
        None
    } else {
        let env = |k: &str| std::env::var(k).ok();
        let resolved = if remote_write {
            if scenario.otlp.is_some() {
                report::warn("`otlpDestination` is not used: points go by remote write");
            }
            otlp::destination::resolve_remote_write(scenario.remote_write.as_ref(), args.remote_write.as_deref(), env)
        } else {
            if scenario.remote_write.is_some() {
                report::warn("`remoteWrite` is not used: --endpoint sends OTLP");
            }
            otlp::resolve(scenario.otlp.as_ref(), args.endpoint.as_deref(), env)
        };
        match resolved {
            Ok(mut d) => {
                if let Some(d) = d.as_mut() {
                    if let Some(n) = args.connections {
                        d.connections = n as usize;
                    }
                    for (name, value) in &args.headers {
                        d.set_header(name.clone(), value.clone());
                    }
                } else if !args.headers.is_empty() {
                    eprintln!(
                        "flutter: warning: --header is ignored: no OTLP destination (give --endpoint or otlpDestination)"
                    );
                }
                d
            }
            Err(e) => {
                eprintln!("error: {e}\nflutter: nothing was run");
                return ExitCode::from(2);
            }
        }
    };
    for warning in destination.iter().flat_map(|d| &d.warnings) {
        report::warn(warning);
    }
    if destination.is_some()
        && remote_write
        && let Some(e) = remote_write_refusal(&scenario)
    {
        eprintln!("error: remote write: {e}\nflutter: nothing was run");
        return ExitCode::from(2);
    }
    if args.output.as_deref().is_some_and(is_dash) && args.print {
        eprintln!("error: --output - and --print both write to stdout: give --output a file\nflutter: nothing was run");
        return ExitCode::from(2);
    }
    if args.check {
        return check(&args, &scenario, (destination, remote_write), shard_played);
    }
    if config.seed_was_drawn(&scenario) && !args.quiet {
        eprintln!("flutter: seed {} (replay with --seed {})", config.seed, config.seed);
    }
    play(&args, &scenario, config, (destination, remote_write))
}

/// Plays the scenario into its sinks, prints the summary, picks the exit code.
fn play(
    args: &Args,
    scenario: &Scenario<'static>,
    config: RunConfig,
    (destination, remote_write): (Option<OtlpSettings>, bool),
) -> ExitCode {
    let started = Instant::now();
    let pacing = if scenario.dryrun || args.fast { Pacing::Fast } else { Pacing::RealTime };
    let signals = signals::watch(destination.as_ref().map(|d| d.flush_timeout));
    let stop = signals.flag.clone();
    if pacing == Pacing::RealTime
        && let Some(code) = wait_for_start(config.wallclock_start, &signals, args.quiet)
    {
        return code;
    }
    let mut clock = SystemClock::start().with_stop_flag(stop.clone());
    let mut engine = Engine::new(scenario, config);

    let print_points = (destination.is_none() && args.output.is_none()) || args.print;
    let max_points = otlp::destination::max_points_per_request(scenario.otlp.as_ref());
    let mut json = match args.output.as_deref().map(open_output).transpose() {
        Ok(out) => out.map(|out| JsonLinesSink::new(out, max_points, pacing)),
        Err(e) => {
            eprintln!("error: {e}\nflutter: nothing was run");
            return ExitCode::from(2);
        }
    };
    let mut log = LogSink::new(io::BufWriter::new(io::stdout().lock()), pacing == Pacing::RealTime)
        .with_format(args.log_format.into());
    let (has_traces, has_logs) = (scenario.has_traces(), scenario.has_logs());
    if (has_traces || has_logs) && args.output.is_some() {
        report::warn("the OTLP JSON file (--output) holds metrics only: spans and log records are not written to it");
    }
    let mut otlp = destination.map(|settings| {
        if !args.quiet {
            eprintln!("flutter: sending to {} (from {})", settings.shown_url, settings.source.describe());
        }
        let signals = [
            (has_traces, "spans", &settings.traces_url, otlp::destination::ENV_TRACES_ENDPOINT),
            (has_logs, "log records", &settings.logs_url, otlp::destination::ENV_LOGS_ENDPOINT),
        ];
        for (has, what, url, var) in signals {
            match (url, remote_write) {
                _ if !has => {}
                (_, true) => report::warn(&format!(
                    "remote write carries metrics only: the {what} are not sent (counted as lost)"
                )),
                (None, _) => report::warn(&format!(
                    "nothing names where {what} go (the metrics URL comes from {}): set {var} or {}; the {what} are \
                     counted as lost",
                    settings.source.describe(),
                    otlp::destination::ENV_ENDPOINT
                )),
                (Some(url), _) if !args.quiet => eprintln!("flutter: sending {what} to {url}"),
                _ => {}
            }
        }
        let mode = match pacing {
            Pacing::RealTime => Mode::real_time(settings.queue_duration),
            Pacing::Fast => Mode::fast(settings.retry_budget),
        };
        let sink = if remote_write {
            OtlpSink::remote_write(settings, mode, report::print_event)
        } else {
            OtlpSink::new(settings, mode, report::print_event)
        };
        sink.with_interrupt(stop.clone())
    });
    // On a terminal only, and not over point lines printed to the same one.
    use std::io::IsTerminal;
    let show_progress = !args.quiet && io::stderr().is_terminal() && !(print_points && io::stdout().is_terminal());
    let mut progress = show_progress.then(|| {
        let watch = otlp.as_ref().and_then(OtlpSink::watch);
        progress::Progress::new(engine.last_tick(), watch, pacing == Pacing::RealTime)
    });
    let mut sinks: Vec<&mut dyn Sink> = Vec::new();
    if print_points {
        sinks.push(&mut log);
    }
    if let Some(o) = otlp.as_mut() {
        sinks.push(o);
    }
    if let Some(j) = json.as_mut() {
        sinks.push(j);
    }
    if let Some(p) = progress.as_mut() {
        sinks.push(p);
    }
    let mut warned_late = false;
    let mut on_late = |late: flutter::Lateness| {
        if !std::mem::replace(&mut warned_late, true) {
            progress::above(&format!(
                "flutter: warning: falling behind: tick {} started {:.2}s late, so the run cannot keep up in real time \
                 (fewer series, or --fast for a backfill); later late ticks are counted in the summary",
                flutter::GoDuration::from_secs(late.tick as i64),
                late.by.as_secs_f64()
            ));
        }
    };
    let result = flutter::run_with(&mut engine, pacing, &mut clock, &mut sinks, &mut on_late);
    drop(sinks);
    for warning in engine.take_warnings() {
        report::warn(&warning);
    }
    if result.as_ref().is_ok_and(|r| r.points == 0 && r.spans == 0 && r.records == 0 && !r.interrupted) {
        report::warn(&plan::no_points_warning(scenario.duration));
    }
    let invalid = engine.invalid_points();
    if invalid > 0 {
        eprintln!(
            "flutter: {invalid} invalid point{} (not a finite number) dropped, not sent",
            report::plural(invalid)
        );
    }
    let interrupted = stop.load(Ordering::SeqCst) || result.as_ref().is_ok_and(|r| r.interrupted);
    let delivery = otlp.as_ref().and_then(OtlpSink::stats);
    let span_delivery = otlp.as_ref().and_then(OtlpSink::span_stats);
    let log_delivery = otlp.as_ref().and_then(OtlpSink::log_stats);
    let lost = |d: Option<DeliveryStats>| d.is_some_and(|d| d.rejected + d.lost > 0);

    if let Err(e) = &result {
        // The reader went away (`| head`): stop quietly, as other tools do.
        if matches!(e, SinkError::Io(io) if io.kind() == io::ErrorKind::BrokenPipe) && delivery.is_none() {
            return ExitCode::SUCCESS;
        }
        eprintln!("flutter: run failed: {e}");
    }
    if interrupted {
        eprintln!("flutter: interrupted{}", signals.name().map(|n| format!(" by {n}")).unwrap_or_default());
    }
    if !args.quiet || lost(delivery) || lost(span_delivery) || lost(log_delivery) {
        match (&delivery, &result) {
            (Some(d), _) => {
                // A line per signal the run had (points' even when it had none
                // at all), the elapsed time on the last.
                let others = [(span_delivery, "span"), (log_delivery, "log record")];
                let mut lines: Vec<String> =
                    others.iter().filter_map(|(s, noun)| s.as_ref().map(|s| report::signal_summary(s, noun))).collect();
                if d.generated > 0 || lines.is_empty() {
                    lines.insert(0, report::signal_summary(d, "point"));
                }
                if let Some(last) = lines.last_mut() {
                    last.push_str(&format!("; {:.3}s", started.elapsed().as_secs_f64()));
                }
                for line in lines {
                    eprintln!("{line}");
                }
            }
            (None, Ok(r)) => eprintln!(
                "flutter: {} from {}{} over {} simulated in {:.3}s",
                report::count(r.points, "point"),
                report::count(engine.streams().len() as u64, "stream"),
                signals_text(r),
                scenario.duration,
                started.elapsed().as_secs_f64()
            ),
            (None, Err(_)) => {}
        }
    }
    if let (Some(j), Some(path), false) = (&json, &args.output, args.quiet) {
        eprintln!(
            "flutter: {} in {} of OTLP JSON written to {}",
            report::count(j.points(), "point"),
            report::count(j.lines(), "line"),
            output_name(path)
        );
    }
    if let (Ok(r), Pacing::RealTime, false) = (&result, pacing, args.quiet) {
        eprintln!("{}", report::pacing_summary(r));
    }
    if interrupted {
        ExitCode::from(signals.exit_status().unwrap_or(INTERRUPTED))
    } else if result.is_err() || lost(delivery) || lost(span_delivery) || lost(log_delivery) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// ` and 3 spans and 2 log records` after a dry run's points.
fn signals_text(r: &flutter::RunReport) -> String {
    let mut out = String::new();
    for (n, noun) in [(r.spans, "span"), (r.records, "log record")] {
        if n > 0 {
            out.push_str(&format!(" and {}", report::count(n, noun)));
        }
    }
    out
}

/// `--check`: what a run would do, planned without playing it, on stdout;
/// what it would warn about on stderr.
fn check(
    args: &Args,
    scenario: &Scenario<'static>,
    (destination, remote_write): (Option<OtlpSettings>, bool),
    shard: Option<Shard>,
) -> ExitCode {
    let plan = plan::plan(scenario);
    let real_time = !(scenario.dryrun || args.fast);
    let files: Vec<String> =
        args.configs.iter().map(|p| if is_dash(p) { STDIN_NAME.to_owned() } else { p.display().to_string() }).collect();
    let mut out = String::new();
    // Names come from files and the command line: shown, never obeyed by the terminal.
    out.push_str(&format!("scenario: {} (valid)\n", printable(&files.join(" + "))));
    out.push_str(&format!("duration: {} ({})\n", scenario.duration, report::count(plan.last_tick + 1, "tick")));
    if let Some(seed) = scenario.seed {
        out.push_str(&format!("seed: {seed}\n"));
    }
    out.push_str(&format!("rng: {}\n", scenario.rng.name()));
    if let Some(s) = shard {
        out.push_str(&format!("shard: {s} (this shard's series, traces and records)\n"));
    }
    out.push_str(&format!("actions: {}\n", scenario.script.len()));
    out.push_str(&format!("emitters: {} ({})\n", plan.emitters.len(), printable(&plan.emitters.join(", "))));
    out.push_str(&report::metrics_table(&plan));
    for t in &plan.traces {
        out.push_str(&format!(
            "trace {}: {} traces/s, up to {} each{}\n",
            printable(t.name),
            t.rate,
            report::count(t.most_spans, "span"),
            t.span_metrics
                .map(|every| format!(", span metrics every {every} (their points are not in the count below)"))
                .unwrap_or_default()
        ));
    }
    for (name, rate) in &plan.logs {
        out.push_str(&format!("log {}: {rate} records/s\n", printable(name)));
    }
    out.push_str(&format!(
        "points: {} ({} with a value, {}), peak {} points/s, {}\n",
        plan.total_points(),
        plan.points,
        report::count(plan.markers, "staleness marker"),
        report::rate(plan.peak_rate),
        report::count(plan.streams.len() as u64, "stream")
    ));
    out.push_str(&match &destination {
        None if args.output.is_some() && !args.print => String::new(),
        None if scenario.dryrun => "output: log lines on stdout (dry run)\n".to_owned(),
        None => "output: log lines on stdout (no OTLP destination)\n".to_owned(),
        Some(d) if remote_write => {
            let requests = plan.requests(d.max_points_per_request as u64, real_time);
            let bound = if requests.exact { "" } else { "at most " };
            format!(
                "output: Prometheus remote write 1.0 to {} (snappy), in {bound}{}\n",
                d.shown_url,
                report::count(requests.count, "request")
            )
        }
        Some(d) => {
            let requests = plan.requests(d.max_points_per_request as u64, real_time);
            let bytes = otlp::estimate_bytes(&plan.streams, &plan.stream_points, &plan.stream_buckets, requests.count);
            report::destination(d, bytes, requests)
        }
    });
    if let Some(d) = &destination {
        let signals = [
            ("spans", scenario.has_traces(), &d.traces_url, otlp::destination::ENV_TRACES_ENDPOINT),
            ("log records", scenario.has_logs(), &d.logs_url, otlp::destination::ENV_LOGS_ENDPOINT),
        ];
        for (what, has, url, var) in signals {
            out.push_str(&match url {
                _ if !has => continue,
                _ if remote_write => format!("{what}: not sent (remote write carries metrics only)\n"),
                Some(url) => format!("{what}: OTLP to {url}\n"),
                None => format!("{what}: not sent (nothing names their endpoint; set {var})\n"),
            });
        }
    }
    if let Some(path) = &args.output {
        let max_points = otlp::destination::max_points_per_request(scenario.otlp.as_ref());
        let lines = plan.requests(max_points as u64, real_time);
        let bound = if lines.exact { "" } else { "at most " };
        out.push_str(&format!(
            "output: OTLP JSON to {}, {bound}{}\n",
            output_name(path),
            report::count(lines.count, "line")
        ));
    }
    let mut stdout = io::stdout().lock();
    if stdout.write_all(out.as_bytes()).and_then(|()| stdout.flush()).is_err() {
        return ExitCode::from(1);
    }
    for warning in &plan.warnings {
        report::warn(warning);
    }
    ExitCode::SUCCESS
}

/// The scenario sources: every CONFIG (`-` is stdin), then `--duration` as
/// one more source, merged last, so the loader checks it as it checks a file.
fn sources(args: &Args) -> Result<Vec<Source<'static>>, String> {
    let mut sources = Vec::with_capacity(args.configs.len() + 1);
    let mut stdin_read = false;
    for path in &args.configs {
        if !is_dash(path) {
            sources.push(Source::read(path));
            continue;
        }
        if std::mem::replace(&mut stdin_read, true) {
            return Err("`-` (stdin) is given twice".to_owned());
        }
        let mut bytes = Vec::new();
        io::Read::read_to_end(&mut io::stdin().lock(), &mut bytes).map_err(|e| format!("cannot read stdin: {e}"))?;
        sources.push(Source { name: STDIN_NAME.into(), bytes: Ok(bytes.into()) });
    }
    if let Some(d) = &args.duration {
        if d.chars().any(|c| c.is_control() || c == '"' || c == '\\') {
            return Err(format!("--duration {}: not a duration", printable(d)));
        }
        let yaml = format!("duration: \"{d}\"\n");
        sources.push(Source { name: "--duration".into(), bytes: Ok(yaml.into_bytes().into()) });
    }
    Ok(sources)
}

/// `--plot`: the picture, and on stderr what it holds.
fn preview(args: &Args, path: &std::path::Path, scenario: &Scenario<'static>, config: RunConfig) -> ExitCode {
    if config.seed_was_drawn(scenario) && !args.quiet {
        eprintln!("flutter: seed {} (replay with --seed {})", config.seed, config.seed);
    }
    match plot::write(path, scenario, config) {
        Ok((panels, hidden)) => {
            if !args.quiet {
                let more = if hidden > 0 { format!(" ({hidden} more names not drawn)") } else { String::new() };
                eprintln!("flutter: drew {panels} panels to {}{more}; nothing was sent", path.display());
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}

/// `completions`, `man` and `schema`: printed on stdout.
fn print_command(command: &args::Command) -> ExitCode {
    use clap::CommandFactory;
    let mut cmd = Args::command();
    // Made in memory first: the generator panics when a write fails (`| head`).
    let mut text = Vec::new();
    let made = match command {
        args::Command::Completions { shell } => {
            clap_complete::generate(*shell, &mut cmd, "flutter-bin", &mut text);
            Ok(())
        }
        args::Command::Man => clap_mangen::Man::new(cmd).render(&mut text),
        args::Command::Schema => {
            text = flutter::scenario::json_schema().into_bytes();
            Ok(())
        }
    };
    let mut out = io::stdout().lock();
    match made.and_then(|()| out.write_all(&text)).and_then(|()| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: writing to stdout failed: {e}");
            ExitCode::from(1)
        }
    }
}

/// Why the scenario cannot go by remote write: the first metric that has no
/// remote write 1.0 form.
fn remote_write_refusal(scenario: &Scenario<'static>) -> Option<String> {
    let plan = plan::plan(scenario);
    plan.streams.iter().find_map(|s| {
        flutter::remote_write::unsupported(s).map(|why| {
            format!(
                "metric `{}` ({}) is {why}; send it over OTLP (--endpoint), or make it cumulative",
                printable(s.series),
                printable(&s.name)
            )
        })
    })
}

/// What a scenario read from stdin is called in messages.
const STDIN_NAME: &str = "<stdin>";

/// `-`: stdin as a CONFIG, stdout as `--output`.
fn is_dash(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// How `--output` is shown: the file, or stdout.
fn output_name(path: &Path) -> String {
    if is_dash(path) { "stdout".to_owned() } else { printable(&path.display().to_string()).into_owned() }
}

/// Where `--output` writes: the file created (or emptied), or stdout.
fn open_output(path: &Path) -> Result<Box<dyn Write>, String> {
    if is_dash(path) {
        return Ok(Box::new(io::BufWriter::new(io::stdout())));
    }
    let file = std::fs::File::create(path)
        .map_err(|e| format!("--output {}: cannot create the file: {e}", output_name(path)))?;
    Ok(Box::new(io::BufWriter::new(file)))
}

/// "3 of 10 series": how many of the scenario's series a shard plays.
fn sharded_metrics(whole: &Scenario<'static>, sharded: &Scenario<'static>) -> String {
    let series = |s: &Scenario<'static>| flutter::plan::plan(s).metrics.iter().map(|m| m.series).sum::<u64>();
    format!("{} of {} series", series(sharded), series(whole))
}

/// A real-time run whose start is in the future waits for it (shards given
/// one `--start-at` start their ticks together), with a countdown every ten
/// seconds; `Some(exit code)` when a signal stops it first.
fn wait_for_start(start: Timestamp, signals: &signals::Stop, quiet: bool) -> Option<ExitCode> {
    let left = |now: Timestamp| {
        std::time::Duration::from_nanos(start.unix_nanos().saturating_sub(now.unix_nanos()).max(0) as u64)
    };
    let mut shown = None;
    loop {
        let wait = left(Timestamp::now());
        if wait.is_zero() {
            return None;
        }
        if signals.flag.load(Ordering::SeqCst) {
            eprintln!("flutter: stopped before the start; nothing was generated");
            return Some(ExitCode::from(signals.exit_status().unwrap_or(INTERRUPTED)));
        }
        let secs = wait.as_secs_f64().ceil() as u64;
        if !quiet && shown.is_none_or(|last: u64| last >= secs + 10) {
            if shown.is_none() {
                eprintln!("flutter: starting at {start}, in {secs}s");
            } else {
                eprintln!("flutter: starting in {secs}s");
            }
            shown = Some(secs);
        }
        std::thread::sleep(wait.min(std::time::Duration::from_millis(100)));
    }
}
