//! Command-line arguments.

use std::path::PathBuf;

use clap::{Parser, ValueEnum};

/// Plays telemetry scenarios written in YAML: metrics whose values follow
/// scripted shapes, printed as log lines or sent as OTLP/HTTP.
#[derive(Debug, Parser)]
#[command(name = "flutter-bin", version, about, long_about = None)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
#[command(after_help = "Files are merged in order: a later file's settings win, scripts are appended.\n\
Exit status: 0 success, 1 the run failed or points were rejected or lost, 2 bad usage or an invalid\n\
scenario, 130/143/129 stopped by SIGINT (Ctrl-C)/SIGTERM/SIGHUP.")]
pub struct Args {
    /// Something other than a run.
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Scenario files (YAML), merged in order; `-` reads one from stdin.
    #[arg(value_name = "CONFIG", required = true)]
    pub configs: Vec<PathBuf>,

    /// The run's length (overrides `duration`), as a Go duration: `90s`, `1h30m`.
    #[arg(long, value_name = "D")]
    pub duration: Option<String>,

    /// Send nothing and do not wait for the wall clock (as `dryrun: true`).
    #[arg(long)]
    pub dryrun: bool,

    /// Do not wait for the wall clock; points keep their simulated timestamps.
    #[arg(long)]
    pub fast: bool,

    /// Seed for all randomness (overrides `seed`).
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,

    /// Random streams (overrides `rng`): `go` reproduces the Go tool's values.
    #[arg(long, value_enum, value_name = "RNG")]
    pub rng: Option<RngArg>,

    /// Load and validate only; print a summary and exit.
    #[arg(long)]
    pub check: bool,

    /// Draw every metric's series over the run to FILE (.svg or .png) and
    /// exit: a preview, nothing is sent or printed.
    #[arg(long, value_name = "FILE", conflicts_with = "check")]
    pub plot: Option<PathBuf>,

    /// Send OTLP to this base URL (`<URL>/v1/metrics`); overrides the scenario
    /// and the OTEL_EXPORTER_OTLP_* environment.
    #[arg(long, value_name = "URL")]
    pub endpoint: Option<String>,

    /// An HTTP header for every request, `NAME=VALUE` (repeatable; replaces
    /// a header of the same name from the scenario or the environment).
    #[arg(long = "header", short = 'H', value_name = "NAME=VALUE", value_parser = parse_header)]
    pub headers: Vec<(String, String)>,

    /// An attribute on every series, `resource.KEY=VALUE`, `scope.KEY=VALUE`
    /// or `datapoint.KEY=VALUE` (repeatable): `true`/`false` a boolean, a
    /// number a number, `"…"` or other text a string.
    #[arg(long = "attr", short = 'a', value_name = "LEVEL.KEY=VALUE", value_parser = parse_attr)]
    pub attrs: Vec<flutter::scenario::AttributeOverride>,

    /// Send by Prometheus remote write 1.0 to this URL, as it is (for
    /// example `http://localhost:9090/api/v1/write`), instead of OTLP.
    #[arg(long, value_name = "URL", conflicts_with = "endpoint")]
    pub remote_write: Option<String>,

    /// Requests sent at once, each over its own connection (overrides
    /// `otlpDestination.connections`; default 1).
    #[arg(long, value_name = "N", value_parser = parse_connections)]
    pub connections: Option<u32>,

    /// Play only shard K of N (1 ≤ K ≤ N): the union of the N shards' points is
    /// the points of one unsharded run.
    #[arg(long, value_name = "K/N", value_parser = parse_shard, conflicts_with = "shards")]
    pub shard: Option<flutter::shard::Shard>,

    /// Play shard JOB_COMPLETION_INDEX + 1 of N (a Kubernetes Indexed Job).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub shards: Option<u32>,

    /// Start the simulated clock here instead of `wallclockStart`: an RFC 3339
    /// time, or a signed duration from now (`-24h`, `+30s`); a real-time run
    /// waits for a future start.
    #[arg(long, value_name = "T", allow_hyphen_values = true)]
    pub start_at: Option<String>,

    /// How point lines look: `go` (the Go tool's line), `wide` (plus the
    /// simulated time and the series' attributes) or `json` (an object per point).
    #[arg(long, value_enum, value_name = "FORMAT", default_value = "go")]
    pub log_format: LogFormatArg,

    /// Also write every request as a line of OTLP JSON (the Collector's file
    /// exporter format) to FILE, or to stdout with `-`; works in a dry run.
    #[arg(long, short = 'o', value_name = "FILE", allow_hyphen_values = true)]
    pub output: Option<PathBuf>,

    /// Print point lines even when points go to a destination or `--output`.
    #[arg(long)]
    pub print: bool,

    /// No summary or seed lines on stderr.
    #[arg(short, long)]
    pub quiet: bool,
}

/// What flutter-bin can do besides playing a scenario.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Print a shell completion script (`source <(flutter-bin completions bash)`).
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff: `flutter-bin man | man -l -`).
    Man,
    /// Print the JSON Schema of scenario files (draft-07, for editors:
    /// `# yaml-language-server: $schema=PATH` as a file's first line).
    Schema,
}

/// `--rng` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum RngArg {
    /// One ChaCha8 stream per series and emitter (the default).
    Chacha,
    /// The Go tool's single PCG stream.
    Go,
}

impl From<RngArg> for flutter::RngKind {
    fn from(r: RngArg) -> Self {
        match r {
            RngArg::Chacha => flutter::RngKind::ChaCha,
            RngArg::Go => flutter::RngKind::Go,
        }
    }
}

fn parse_connections(text: &str) -> Result<u32, String> {
    let n: u64 = text.parse().map_err(|_| format!("`{text}` is not a whole number"))?;
    flutter::otlp::destination::check_connections(n)
}

fn parse_header(text: &str) -> Result<(String, String), String> {
    flutter::otlp::destination::parse_header(text)
}

fn parse_attr(text: &str) -> Result<flutter::scenario::AttributeOverride, String> {
    flutter::scenario::AttributeOverride::parse(text)
}

fn parse_shard(text: &str) -> Result<flutter::shard::Shard, String> {
    flutter::shard::Shard::parse(text).map_err(|e| e.to_string())
}

/// `--log-format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormatArg {
    Go,
    Wide,
    Json,
}

impl From<LogFormatArg> for flutter::LineFormat {
    fn from(f: LogFormatArg) -> Self {
        match f {
            LogFormatArg::Go => flutter::LineFormat::Go,
            LogFormatArg::Wide => flutter::LineFormat::Wide,
            LogFormatArg::Json => flutter::LineFormat::Json,
        }
    }
}
