//! Shards: one scenario played by N processes, each playing the series of
//! its shard, so that the union of their points is the points of one
//! unsharded run (SCENARIO.md, *Shards*).
//!
//! A series belongs to shard `(FNV-1a-64 of (its metric action's name,
//! U+001F, its expanded values) mod N) + 1`. Every series' values depend only
//! on the seed, its metric action's name and its emitters' names (the ChaCha
//! streams are keyed by them), so leaving the other shards' series out
//! changes nothing in the ones played. A metric without brace expressions is
//! a set of one series whose expanded values are empty.

use crate::rng::{RngKind, fnv1a64};
use crate::scenario::Scenario;

/// Shard `index` of `count` (1 ≤ index ≤ count).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "bake", derive(serde::Serialize))]
pub struct Shard {
    /// Which shard, from 1.
    pub index: u32,
    /// How many shards.
    pub count: u32,
}

/// Why a shard cannot be played.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ShardError {
    /// Not `K/N` with 1 ≤ K ≤ N.
    #[error("`{0}` is not a shard: write K/N with 1 ≤ K ≤ N, e.g. 2/8")]
    Malformed(String),
    /// `--shards N` without a usable `JOB_COMPLETION_INDEX`.
    #[error(
        "--shards {count} takes its shard from JOB_COMPLETION_INDEX (0 to {last}, as a Kubernetes Indexed Job sets \
         it), which is {found}",
        last = count - 1
    )]
    JobIndex {
        /// The shard count.
        count: u32,
        /// What the variable holds, described.
        found: String,
    },
    /// `rng: go` is one stream for the whole run: a shard would draw other values.
    #[error(
        "`rng: go` draws every series from one stream for the run, so a shard would not give the values of the \
         whole run: use `rng: chacha` (the default) to shard"
    )]
    GoStream,
}

/// The variable a Kubernetes Indexed Job sets in each pod: its 0-based index.
pub const ENV_JOB_INDEX: &str = "JOB_COMPLETION_INDEX";

impl Shard {
    /// `K/N`, as `--shard` takes it.
    pub fn parse(text: &str) -> Result<Shard, ShardError> {
        let malformed = || ShardError::Malformed(crate::printable::printable(text).into_owned());
        let (k, n) = text.trim().split_once('/').ok_or_else(malformed)?;
        let (index, count) =
            (k.trim().parse::<u32>().map_err(|_| malformed())?, n.trim().parse::<u32>().map_err(|_| malformed())?);
        if index == 0 || index > count {
            return Err(malformed());
        }
        Ok(Shard { index, count })
    }

    /// Shard `JOB_COMPLETION_INDEX + 1` of `count`; `job_index` is the
    /// variable's value, if it is set.
    pub fn from_job_index(count: u32, job_index: Option<&str>) -> Result<Shard, ShardError> {
        let found = match job_index.map(str::trim) {
            None => "not set".to_owned(),
            Some(text) => match text.parse::<u32>() {
                Ok(i) if i < count => return Ok(Shard { index: i + 1, count }),
                _ => format!("`{}`", crate::printable::printable(text)),
            },
        };
        Err(ShardError::JobIndex { count, found })
    }

    /// Whether the series of the metric action `metric` with expanded values
    /// `values` (joined with U+001F; empty without expressions) is in this shard.
    pub fn holds(&self, metric: &str, values: &str) -> bool {
        let key = format!("{metric}\u{1f}{values}");
        fnv1a64(&key) % u64::from(self.count) + 1 == u64::from(self.index)
    }
}

impl Shard {
    /// Whether the trace or log record with the uniformly drawn `key` (a
    /// trace ID's first half, a record's key) is in this shard: every shard
    /// plays every trace template and log, and keeps its part.
    pub fn holds_key(&self, key: u64) -> bool {
        key % u64::from(self.count) + 1 == u64::from(self.index)
    }

    /// Whether this is the first shard (the one that sends what is counted
    /// over the whole run, such as span metrics).
    pub fn is_first(&self) -> bool {
        self.index == 1
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl Scenario<'static> {
    /// This scenario playing only the series of `shard`: every action stays,
    /// and each metric plays the series of its set that are in the shard.
    pub fn shard(&self, shard: Shard) -> Result<Scenario<'static>, ShardError> {
        if shard.count > 1 && self.rng == RngKind::Go {
            return Err(ShardError::GoStream);
        }
        Ok(Scenario { shard: Some(shard), ..self.clone() })
    }
}
