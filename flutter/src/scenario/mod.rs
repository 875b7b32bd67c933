//! Scenarios: the model, and loading YAML files into it with every problem
//! reported at its file, line and column.
//!
//! The pipeline: [`yaml`] parses each file into a tree of nodes that keep their
//! positions; `file` reads each file's top level (settings, and the actions'
//! `at`, `type` and `name`) and merges the files; `script` walks the merged
//! actions in time order, reading each spec knowing what it reconfigures
//! (emitter specs through the kinds' registry, metric specs through
//! `metrics`), and builds the [`model`]. Every read reports its own problem
//! through a `Reporter` and the load fails once, at the end, with all of them.
//!
//! Adding a top-level key: `file` (its reader, and `Settings::overlay` for the
//! merge), then the [`Scenario`] field and its build in [`Scenario::load`].
//! Adding a field to a kind: that kind's file only.

mod attributes;
mod diagnostic;
mod file;
mod logs;
mod metrics;
mod model;
mod overrides;
pub(crate) mod read;
mod schema;
mod script;
mod set_sources;
pub(crate) mod spec;
mod traces;
pub(crate) mod yaml;

use std::borrow::Cow;
use std::path::Path;

pub(crate) use diagnostic::did_you_mean;
pub use diagnostic::{Diagnostic, LoadError};
pub use model::{Action, ActionKind, AttrValue, Churn, EmitterAction, KeyValue, MetricSpec, Scenario};
pub use overrides::{AttributeLevel, AttributeOverride, OverrideError};
pub use spec::{CustomShape, DurationRule, FieldDoc, FieldShape, KindDoc, Rule};
pub use yaml::Pos;

// The rest of the model, from where it lives: every kind's spec (and the types
// it uses), the OTLP destination, and the leaf types.
pub use crate::go::duration::GoDuration;
pub use crate::kinds::distribution::Distribution;
pub use crate::kinds::emitters::*;
pub use crate::kinds::metrics::*;

/// Every emitter kind and every metric kind, as the registries describe them.
pub fn catalog() -> (Vec<KindDoc>, Vec<KindDoc>) {
    (crate::kinds::emitters::catalog(), crate::kinds::metrics::catalog())
}
pub use crate::logs::{Body, BodyPart, LogSpec, Severity, SeverityWeight, SpanLog, When};
pub use crate::otlp::destination::{Compression, Header, OtlpDestination, Protocol};
pub use crate::otlp::tls::TlsFiles;
pub use crate::rng::RngKind;
pub use crate::timestamp::Timestamp;
pub use crate::traces::{Amount, Repeat, SpanDuration, SpanKind, SpanTemplate, TimeUnit, TraceSpec};
pub use schema::json_schema;

use diagnostic::{Reporter, Span};
use read::Reader;

/// One scenario file to load: the name to report it by, and its bytes (or why
/// they could not be read).
#[derive(Debug)]
pub struct Source<'a> {
    /// The name used in messages (the path as the user wrote it).
    pub name: Cow<'a, str>,
    /// The file's bytes, or the error reading it.
    pub bytes: Result<Cow<'a, [u8]>, SourceError>,
}

/// Why a source's bytes are missing.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SourceError {
    /// No file at that path.
    #[error("no such file")]
    NotFound,
    /// A directory where a file was expected.
    #[error("is a directory, not a scenario file")]
    IsDirectory,
    /// Any other read error.
    #[error("cannot read the file: {0}")]
    Io(String),
}

impl Source<'static> {
    /// Reads a file; the path as given is the name used in messages.
    pub fn read(path: impl AsRef<Path>) -> Source<'static> {
        let path = path.as_ref();
        Self::read_as(path, path.display().to_string())
    }

    /// Reads a file, named `name` in messages (for example the path as a user
    /// wrote it, relative to somewhere else).
    pub fn read_as(path: impl AsRef<Path>, name: String) -> Source<'static> {
        Source { name: Cow::Owned(name), bytes: read_bytes(path.as_ref()).map(Cow::Owned) }
    }
}

fn read_bytes(path: &Path) -> Result<Vec<u8>, SourceError> {
    if path.is_dir() {
        return Err(SourceError::IsDirectory);
    }
    std::fs::read(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => SourceError::NotFound,
        std::io::ErrorKind::IsADirectory => SourceError::IsDirectory,
        _ => SourceError::Io(e.to_string()),
    })
}

impl Scenario<'_> {
    /// Whether it has a trace action (a run makes spans).
    pub fn has_traces(&self) -> bool {
        self.script.iter().any(|a| matches!(a.kind, ActionKind::Trace(_)))
    }

    /// Whether a run makes log records: it has a log action, or spans that carry records.
    pub fn has_logs(&self) -> bool {
        self.script.iter().any(|a| match &a.kind {
            ActionKind::Log(_) => true,
            ActionKind::Trace(t) => t.root.as_ref().is_some_and(SpanTemplate::has_logs),
            _ => false,
        })
    }
}

impl Scenario<'static> {
    /// Loads and merges scenario files in order (see the merge rules).
    pub fn load_files<P: AsRef<Path>>(paths: &[P]) -> Result<Scenario<'static>, LoadError> {
        Self::load(paths.iter().map(Source::read).collect())
    }

    /// Loads one scenario from YAML text; `name` is used in messages.
    pub fn from_yaml(name: &str, text: &str) -> Result<Scenario<'static>, LoadError> {
        Self::load(vec![Source { name: Cow::Borrowed(name), bytes: Ok(Cow::Borrowed(text.as_bytes())) }])
    }

    /// Loads and merges sources in order. A YAML syntax error stops that file at
    /// its first error; every other problem in every file is reported together.
    pub fn load(sources: Vec<Source<'_>>) -> Result<Scenario<'static>, LoadError> {
        let mut rep = Reporter::default();
        let total = sources.len();
        let mut parsed = Vec::with_capacity(total);
        for source in &sources {
            let bytes = match &source.bytes {
                Ok(b) => b,
                Err(e) => {
                    let id = rep.add_file(&source.name, None);
                    rep.file_error(id, e.to_string());
                    continue;
                }
            };
            let text = match std::str::from_utf8(bytes) {
                Ok(t) => t,
                Err(e) => {
                    let good = &bytes[..e.valid_up_to()];
                    let lossy = String::from_utf8_lossy(bytes).into_owned();
                    let id = rep.add_file(&source.name, Some(lossy));
                    let pos = position_of(good);
                    let bad = bytes.get(e.valid_up_to()).copied().unwrap_or(0);
                    rep.error(Span { file: id, pos }, format!("the file is not valid UTF-8 (byte 0x{bad:02x})"));
                    continue;
                }
            };
            let id = rep.add_file(&source.name, Some(text.to_owned()));
            match yaml::parse(text) {
                Ok(root) => parsed.push((id, root)),
                Err(e) => match e.pos {
                    Some(pos) => rep.error(Span { file: id, pos }, e.message),
                    None => rep.file_error(id, e.message),
                },
            }
        }
        if total == 0 {
            return Err(LoadError {
                diagnostics: vec![Diagnostic {
                    file: String::new(),
                    pos: None,
                    message: "no scenario file given".into(),
                    source_line: None,
                }],
            });
        }
        let mut raw_files = Vec::with_capacity(parsed.len());
        let mut script_items = 0;
        let mut script_unknown = false;
        for (id, root) in &parsed {
            let raw = file::read_file(&mut Reader { rep: &mut rep, file: *id }, root);
            script_items += raw.script_items;
            script_unknown |= raw.script_unknown;
            raw_files.push(raw);
        }
        let all_parsed = parsed.len() == total;
        let merged = file::merge(raw_files);
        if all_parsed && !script_unknown && script_items == 0 {
            report_empty_script(&mut rep, &parsed);
        }
        // Cross-file checks only make sense when every file could be read.
        let checked = if all_parsed && !merged.script.is_empty() { script::check(&mut rep, &merged) } else { None };
        match checked {
            Some(checked) if !rep.has_errors() => {
                let s = merged.settings;
                Ok(Scenario {
                    duration: checked.duration,
                    seed: s.seed,
                    wallclock_start: s.wallclock_start.map(|(t, _)| t),
                    dryrun: s.dryrun.unwrap_or(false),
                    rng: s.rng.unwrap_or_default(),
                    otlp: s.otlp,
                    remote_write: s.remote_write,
                    script: Cow::Owned(checked.actions),
                    shard: None,
                })
            }
            _ => Err(LoadError { diagnostics: rep.finish() }),
        }
    }
}

fn report_empty_script(rep: &mut Reporter, parsed: &[(diagnostic::FileId, yaml::Node)]) {
    let message = if parsed.len() == 1 {
        "empty script: a scenario needs at least one action under `script:`".to_owned()
    } else {
        format!("empty script: none of the {} files has an action under `script:`", parsed.len())
    };
    let at_key = parsed.iter().find_map(|(id, root)| file::script_key(root).map(|k| (*id, k.pos)));
    match at_key {
        Some((file, pos)) => rep.error(Span { file, pos }, message),
        None => rep.file_error(parsed[parsed.len() - 1].0, message),
    }
}

/// The line and column just after `prefix`.
fn position_of(prefix: &[u8]) -> Pos {
    let text = String::from_utf8_lossy(prefix);
    let line = text.matches('\n').count() + 1;
    let column = text.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    Pos { line: u32::try_from(line).unwrap_or(u32::MAX), column: u32::try_from(column).unwrap_or(u32::MAX) }
}
