//! When a series' points are due: one rule, for the engine that plays a
//! scenario and for the plan that counts its points without playing it.

/// Tick value meaning "never" (no point yet, no end, not due).
pub(crate) const NEVER: u64 = u64::MAX;

/// The last tick a run may have: a series keeps its ticks in 32 bits,
/// `u32::MAX` standing for [`NEVER`], so a run lasts at most 2^32 − 2 seconds
/// (about 136 years; the loader says so, and the engine holds a scenario
/// built by hand to it).
pub(crate) const MAX_TICK: u64 = u32::MAX as u64 - 1;

/// The tick a series' next point is due at, decided at tick `now` (its
/// creation, a frequency change, an enable): its last point plus the
/// frequency, at once if that is past; before any point, the first tick ≥
/// max(creation, frequency).
pub(crate) fn next_due(created: u64, last_point: u64, frequency: u64, now: u64) -> u64 {
    let due = if last_point == NEVER { created.max(frequency) } else { last_point + frequency };
    due.max(now)
}
