//! Points in time: the simulated wall clock's type.

use std::fmt;

use crate::go::duration::GoDuration;

/// A point in time: nanoseconds since the Unix epoch (UTC).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "bake", derive(serde::Serialize))]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// Nanoseconds since the Unix epoch.
    pub const fn unix_nanos(self) -> i64 {
        self.0
    }

    /// Parses an RFC 3339 timestamp such as `2025-04-30T10:44:12Z`.
    pub fn parse_rfc3339(text: &str) -> Result<Timestamp, String> {
        let ts: jiff::Timestamp = text.parse().map_err(|e: jiff::Error| e.to_string())?;
        let nanos = ts.as_nanosecond();
        if nanos < 0 {
            return Err("it is before 1970-01-01T00:00:00Z, which OTLP cannot carry".into());
        }
        i64::try_from(nanos).map(Timestamp).map_err(|_| "it is after the year 2262".into())
    }

    /// `--start-at`: an RFC 3339 timestamp, or a signed Go duration from `now`
    /// (`-24h` a day ago, `+30s` in thirty seconds).
    pub fn parse_start_at(text: &str, now: Timestamp) -> Result<Timestamp, String> {
        let text = text.trim();
        let Some(sign) = text.chars().next().filter(|c| *c == '+' || *c == '-') else {
            return Timestamp::parse_rfc3339(text).map_err(|e| {
                format!("`{text}` is neither an RFC 3339 timestamp (such as 2025-04-30T10:44:12Z: {e}) nor a signed duration (-24h, +30s)")
            });
        };
        let d = GoDuration::parse(&text[1..]).map_err(|e| format!("`{text}`: {e}"))?;
        let nanos = if sign == '+' { now.0.checked_add(d.as_nanos()) } else { now.0.checked_sub(d.as_nanos()) };
        match nanos {
            Some(n) if n >= 0 => Ok(Timestamp(n)),
            _ => Err(format!("`{text}` from now is outside 1970 to 2262")),
        }
    }

    /// The current real time.
    pub fn now() -> Timestamp {
        let nanos = jiff::Timestamp::now().as_nanosecond();
        Timestamp(i64::try_from(nanos).unwrap_or(i64::MAX))
    }

    /// The last time a timestamp can hold (2262-04-11T23:47:16.854775807Z).
    pub const MAX: Timestamp = Timestamp(i64::MAX);

    /// This time plus a duration (saturating: see [`Timestamp::run_end`]).
    pub const fn offset(self, d: GoDuration) -> Timestamp {
        Timestamp(self.0.saturating_add(d.as_nanos()))
    }

    /// The end of a run that starts at this time and lasts `duration`, if a
    /// timestamp can hold it: checked when a run's start is known, so no
    /// point's time ever saturates.
    pub fn run_end(self, duration: GoDuration) -> Result<Timestamp, RunEndError> {
        match self.0.checked_add(duration.as_nanos()) {
            Some(end) => Ok(Timestamp(end)),
            None => Err(RunEndError { start: self, duration }),
        }
    }
}

/// A run that would end after [`Timestamp::MAX`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "a run of {duration} from {start} would end after {}, the last time a timestamp can hold \
     (nanoseconds since 1970 in 64 bits); shorten `duration` or start earlier",
    Timestamp::MAX
)]
pub struct RunEndError {
    /// The run's start.
    pub start: Timestamp,
    /// Its duration.
    pub duration: GoDuration,
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match jiff::Timestamp::from_nanosecond(i128::from(self.0)) {
            Ok(ts) => write!(f, "{ts}"),
            Err(_) => write!(f, "{}ns", self.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_at_is_a_time_or_a_duration_from_now() {
        let now = Timestamp::parse_rfc3339("2026-12-02T06:00:00Z").unwrap();
        let at = |t| Timestamp::parse_start_at(t, now).map(|t| t.to_string());
        assert_eq!(at("-24h").unwrap(), "2026-12-01T06:00:00Z");
        assert_eq!(at("+30s").unwrap(), "2026-12-02T06:00:30Z");
        assert_eq!(at("2025-04-30T10:44:12Z").unwrap(), "2025-04-30T10:44:12Z");
        assert!(at("tomorrow").unwrap_err().starts_with("`tomorrow` is neither an RFC 3339 timestamp"));
        assert_eq!(at("+1x").unwrap_err(), "`+1x`: unknown unit `x` in duration `1x` (units: ns, us, µs, ms, s, m, h)");
        assert_eq!(at("-1000000h").unwrap_err(), "`-1000000h` from now is outside 1970 to 2262");
    }
}
