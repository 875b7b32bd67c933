//! Queries over what a [`MemorySink`](super::MemorySink) recorded beside its
//! points — spans, log records — narrowed step by step; each signal adds
//! its own filters ([`SpanQuery`](super::SpanQuery), [`LogQuery`](super::LogQuery)).

use crate::go::duration::GoDuration;

/// Something recorded in the second from a tick.
pub trait Ticked {
    /// The tick whose second it belongs to.
    fn tick(&self) -> u64;
}

/// Recorded items, narrowed step by step.
#[derive(Clone, Debug)]
pub struct Query<'s, T> {
    items: Vec<&'s T>,
}

impl<'s, T: Ticked> Query<'s, T> {
    pub(super) fn new(items: impl Iterator<Item = &'s T>) -> Self {
        Query { items: items.collect() }
    }

    /// Only items of the seconds from `from` to `to` (a span: its trace's start).
    pub fn between(self, from: impl Into<GoDuration>, to: impl Into<GoDuration>) -> Self {
        let (from, to) = (from.into(), to.into());
        self.filter(|item| {
            let t = GoDuration::from_secs(item.tick() as i64);
            t >= from && t <= to
        })
    }

    /// Only items for which `keep` holds.
    pub fn filter(mut self, keep: impl Fn(&T) -> bool) -> Self {
        self.items.retain(|item| keep(item));
        self
    }

    /// The items, in the order generated.
    pub fn items(&self) -> &[&'s T] {
        &self.items
    }

    /// How many.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}
