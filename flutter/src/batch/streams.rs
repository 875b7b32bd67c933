//! Every stream of a run, held as small as it can be: a one-series metric's
//! stream whole, a set member's as its set and its place in it (12 bytes),
//! rendered when a sink asks. A million series of one set then cost a
//! million small entries, not a million copies of their names and attributes.

use std::borrow::Cow;
use std::sync::Arc;

use super::Stream;
use crate::engine::Identity;
use crate::kinds::metrics::MetricKind;
use crate::scenario::Temporality;
use crate::sets::{Member, SeriesSet};

/// The streams of a run so far, by index ([`Point::stream`](super::Point::stream)).
/// They only ever grow: a sink that pre-processes streams takes those past
/// the count it saw last ([`Streams::since`]).
#[derive(Clone, Debug, Default)]
pub struct Streams<'r> {
    entries: Vec<Entry>,
    whole: Vec<Stream<'r>>,
    sources: Vec<SetSource<'r>>,
}

/// One stream: `whole[index]`, or member (`index`, `generation`) of `sources[source]`.
#[derive(Clone, Copy, Debug)]
struct Entry {
    source: u32,
    generation: u32,
    // A set has at most 10,000,000 series.
    index: u32,
}

impl Entry {
    /// A member entry's place in its set.
    fn member(self) -> Member {
        Member { position: u64::from(self.index), generation: u64::from(self.generation) }
    }
}

/// A stream as held: whole, or a set source's member.
enum Of<'a, 'r> {
    Whole(&'a Stream<'r>),
    Member(&'a SetSource<'r>, Member),
}

/// An entry's `source` meaning "held whole".
const WHOLE: u32 = u32::MAX;

/// What the streams of one set's members share: the identity with its brace
/// expressions as written, and the set that expands them.
#[derive(Clone, Debug)]
pub(crate) struct SetSource<'r> {
    identity: Identity<'r>,
    set: Arc<SeriesSet>,
    series: &'r str,
    kind: MetricKind,
    temporality: Temporality,
    bounds: &'r [f64],
    /// The name's index among the identity's strings (set order: attributes, then name).
    name_at: usize,
}

impl<'r> SetSource<'r> {
    /// What the streams of metric action `series`'s members share, with identity `identity` expanded by `set`.
    pub fn new(
        identity: Identity<'r>,
        set: Arc<SeriesSet>,
        series: &'r str,
        kind: MetricKind,
        temporality: Temporality,
        bounds: &'r [f64],
    ) -> Self {
        let name_at = identity.strings().len() - 1;
        SetSource { identity, set, series, kind, temporality, bounds, name_at }
    }

    fn render(&self, member: Member) -> Stream<'r> {
        self.identity.member_stream(&self.set, member, self.series, self.kind, self.temporality, self.bounds)
    }
}

impl<'r> Streams<'r> {
    /// No streams.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many streams there are.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Stream `i`: borrowed when held whole, rendered for a set's member.
    ///
    /// # Panics
    /// If `i` is not below [`Streams::len`].
    pub fn get(&self, i: usize) -> Cow<'_, Stream<'r>> {
        match self.of(i) {
            Of::Whole(s) => Cow::Borrowed(s),
            Of::Member(s, member) => Cow::Owned(s.render(member)),
        }
    }

    /// Stream `i`'s exported name, rendering only it.
    pub fn name(&self, i: usize) -> Cow<'_, str> {
        let (s, member) = match self.of(i) {
            Of::Whole(s) => return Cow::Borrowed(&s.name),
            Of::Member(s, member) => (s, member),
        };
        let mut name = String::new();
        match s.set.render(s.name_at, member, &mut name) {
            Some(()) => Cow::Owned(name),
            None => Cow::Borrowed(s.identity.name),
        }
    }

    /// Stream `i`'s metric kind, without rendering it.
    pub fn kind(&self, i: usize) -> MetricKind {
        match self.of(i) {
            Of::Whole(s) => s.kind,
            Of::Member(s, _) => s.kind,
        }
    }

    /// Stream `i`'s temporality, without rendering it.
    pub fn temporality(&self, i: usize) -> Temporality {
        match self.of(i) {
            Of::Whole(s) => s.temporality,
            Of::Member(s, _) => s.temporality,
        }
    }

    /// Where stream `i` is held.
    fn of(&self, i: usize) -> Of<'_, 'r> {
        let e = self.entries[i];
        if e.source == WHOLE {
            Of::Whole(&self.whole[e.index as usize])
        } else {
            Of::Member(&self.sources[e.source as usize], e.member())
        }
    }

    /// Streams `start..`, in order (none when `start` is past the end).
    pub fn since(&self, start: usize) -> impl Iterator<Item = Cow<'_, Stream<'r>>> {
        (start.min(self.len())..self.len()).map(|i| self.get(i))
    }

    /// Every stream, in order.
    pub fn iter(&self) -> impl Iterator<Item = Cow<'_, Stream<'r>>> {
        self.since(0)
    }

    /// Adds a stream held whole; returns its index.
    pub fn push(&mut self, stream: Stream<'r>) -> u32 {
        self.whole.push(stream);
        let index = u32::try_from(self.whole.len() - 1).expect("fewer than 4 billion streams");
        self.push_entry(Entry { source: WHOLE, generation: 0, index })
    }

    /// Adds what a set's members' streams share; returns its id for [`Streams::push_member`].
    pub(crate) fn push_source(&mut self, source: SetSource<'r>) -> u32 {
        self.sources.push(source);
        u32::try_from(self.sources.len() - 1).expect("fewer than 4 billion set sources")
    }

    /// Adds the stream of `member` of source `source`; returns its index.
    pub(crate) fn push_member(&mut self, source: u32, member: Member) -> u32 {
        match (u32::try_from(member.generation), u32::try_from(member.position)) {
            (Ok(generation), Ok(index)) => self.push_entry(Entry { source, generation, index }),
            // A churn past 4 billion generations: held whole instead.
            _ => {
                let stream = self.sources[source as usize].render(member);
                self.push(stream)
            }
        }
    }

    /// Room for `n` more streams.
    pub(crate) fn reserve_exact(&mut self, n: usize) {
        self.entries.reserve_exact(n);
    }

    fn push_entry(&mut self, entry: Entry) -> u32 {
        self.entries.push(entry);
        u32::try_from(self.entries.len() - 1).expect("fewer than 4 billion streams")
    }
}

impl<'r> FromIterator<Stream<'r>> for Streams<'r> {
    fn from_iter<I: IntoIterator<Item = Stream<'r>>>(iter: I) -> Self {
        let mut streams = Streams::new();
        for s in iter {
            streams.push(s);
        }
        streams
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Identity;
    use crate::scenario::{AttrValue, KeyValue};

    #[test]
    fn a_members_stream_is_rendered_from_its_set_and_costs_twelve_bytes() {
        assert_eq!(std::mem::size_of::<Entry>(), 12);
        let datapoint = [KeyValue { key: "host".into(), value: AttrValue::Str("h-{00..99}".into()) }];
        let identity = Identity { datapoint: &datapoint, ..Identity::new("cpu") };
        let set = Arc::new(identity.set());
        let source = SetSource::new(identity, set, "hosts", MetricKind::Gauge, Temporality::Cumulative, &[]);
        let mut streams = Streams::new();
        let whole = streams.push(Identity::new("one").stream("one", MetricKind::Gauge, Temporality::Cumulative, &[]));
        let source = streams.push_source(source);
        let member = streams.push_member(source, Member::from(7));
        assert_eq!((whole, member, streams.len()), (0, 1, 2));
        let s = streams.get(1);
        assert_eq!((s.series, s.name.as_ref()), ("hosts", "cpu"));
        assert_eq!((streams.name(1), streams.kind(1)), (Cow::Borrowed("cpu"), MetricKind::Gauge));
        assert_eq!(s.datapoint[0].value, AttrValue::Str("h-07".into()));
        assert!(matches!(streams.get(0), Cow::Borrowed(s) if s.name == "one"));
        let names: Vec<String> = streams.since(1).map(|s| format!("{:?}", s.datapoint[0].value)).collect();
        assert_eq!(names, [format!("{:?}", AttrValue::Str("h-07".into()))]);
        assert_eq!(streams.since(5).count(), 0);
    }
}
