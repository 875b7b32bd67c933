//! Traces on the engine's clock: at every tick, each trace template starts
//! `Poisson(rate)` traces spread over that second and generates all their
//! spans at once (SCENARIO.md, *Traces*).
//!
//! A span's children start after the first half of its self time, one after
//! another (or all at once when `parallel`), and it ends its other half after
//! the last of them: spans always nest. Every draw of a template — counts,
//! start times, IDs, durations, failures, picks from brace sets — comes from
//! the template's own stream, in tree order, so the same seed gives the same
//! traces whatever else the scenario holds.

use std::borrow::Cow;
use std::collections::BTreeMap;

use super::EmitterState;
use super::span_metrics::SpanMetrics;
use crate::batch::{LogRecord, Span};
use crate::distributions::poisson;
use crate::go::duration::GoDuration;
use crate::kinds::emitters::{ChainValue, Emitter, Mark, SeriesState};
use crate::logs::When;
use crate::rng::ChaChaStream;
use crate::scenario::KeyValue;
use crate::sets::{Member, SeriesSet, render_attributes, visit_strings};
use crate::shard::Shard;
use crate::traces::{Amount, MAX_RATE, MAX_SPANS_PER_SECOND, SpanDuration, SpanTemplate, TraceSpec};

/// The key of the template's own stream beside its name (no emitter has it).
const TRACE_STREAM: &str = "\u{0}trace";

/// One emitter as a trace template reads it: as one series of its own, with
/// its own state, its own copy when the emitter draws fields per series, and
/// its own stream.
#[derive(Debug)]
struct TraceLink {
    emitter: u32,
    epoch: u32,
    state: SeriesState,
    own: Option<Emitter>,
    rng: ChaChaStream,
}

impl TraceLink {
    /// Passes `v` through the emitter, catching up with its (re)configurations first.
    fn apply(&mut self, e: &EmitterState<'_>, v: &mut ChainValue, t_ns: i64) {
        if let Some(shared) = &e.shared {
            v.value += shared.value.value;
            v.mark(shared.value.mark);
            return;
        }
        let TraceLink { epoch, state, own, rng, .. } = self;
        if *epoch != e.epoch {
            if e.drawn {
                let seen = if own.is_none() { 0 } else { *epoch as usize };
                for (k, &(action, at)) in e.actions.iter().enumerate().skip(seen) {
                    let spec = action.drawn_spec(rng);
                    match own {
                        Some(own) if k > 0 => own.reconfigure(&spec, at),
                        _ => *own = Some(Emitter::new(&spec, at)),
                    }
                }
            }
            own.as_ref().unwrap_or(&e.emitter).reset(state);
            *epoch = e.epoch;
        }
        own.as_ref().unwrap_or(&e.emitter).apply(v, t_ns, state, || &mut *rng);
    }
}

/// A chain of emitters a template reads, and its value at this tick (0 when
/// the chain gives none: no traces, no failures, no self time).
#[derive(Debug)]
pub(super) struct Chain {
    links: Vec<TraceLink>,
    value: f64,
}

/// A number, or the value of one of the template's chains.
#[derive(Clone, Copy, Debug)]
pub(super) enum Source {
    Fixed(f64),
    Chain(u32),
}

impl Chain {
    /// A chain of no emitters (a placeholder while one is moved).
    pub fn empty() -> Chain {
        Chain { links: Vec::new(), value: 0.0 }
    }
}

impl Source {
    /// The number, or the chain's value at this tick.
    pub fn value(self, chains: &[Chain]) -> f64 {
        match self {
            Source::Fixed(v) => v,
            Source::Chain(c) => chains[c as usize].value,
        }
    }
}

/// A span template compiled for generation.
#[derive(Debug)]
struct Node<'r> {
    template: &'r SpanTemplate<'static>,
    children: Vec<u32>,
    /// Self time in nanoseconds (a chain's value is in the template's unit).
    duration: Source,
    error: Source,
    /// The set its attributes stand for, when they hold brace expressions.
    attributes: Option<SeriesSet>,
    /// The set its resource stands for, when it sets one.
    resource: Option<SeriesSet>,
    /// The chains of each of its logs' emitter holes.
    log_holes: Vec<Vec<Source>>,
}

/// Where a tick's spans and log records go, and their resources, each once.
#[derive(Debug, Default)]
pub(super) struct SignalOut<'r> {
    pub spans: Vec<Span<'r>>,
    pub records: Vec<LogRecord<'r>>,
    pub resources: Vec<Cow<'r, [KeyValue<'static>]>>,
    /// Each resource's index, by (template — a log's with [`LOG_OWNER`] set —,
    /// span template or `u32::MAX` for the action's own, series of its set).
    pub index: BTreeMap<(u32, u32, u64), u32>,
    /// Rendered attribute lists and bodies of the last tick's records, kept
    /// to be written over (a log makes millions a second: no allocation each).
    pub spare_attributes: Vec<Vec<KeyValue<'static>>>,
    pub spare_bodies: Vec<String>,
}

/// The bit that tells a log action's resources from a trace template's.
pub(super) const LOG_OWNER: u32 = 1 << 31;

impl SignalOut<'_> {
    pub fn clear(&mut self) {
        self.spans.clear();
        for r in self.records.drain(..) {
            if let Cow::Owned(attributes) = r.attributes {
                self.spare_attributes.push(attributes);
            }
            if let Cow::Owned(body) = r.body {
                self.spare_bodies.push(body);
            }
        }
        self.resources.clear();
        self.index.clear();
    }
}

impl<'r> SignalOut<'r> {
    /// The index of the resource `key` — (owner, span template or
    /// `u32::MAX`, series) — names: `attrs` rendered for that series of `set`,
    /// made the first time the tick uses it.
    pub fn resource(&mut self, key: (u32, u32, u64), set: &SeriesSet, attrs: &'r [KeyValue<'static>]) -> u32 {
        if let Some(&i) = self.index.get(&key) {
            return i;
        }
        self.resources.push(render_attributes(set, attrs, Member::from(key.2), &mut 0));
        let i = self.resources.len() as u32 - 1;
        self.index.insert(key, i);
        i
    }
}

/// A uniform pick among `count` series (no draw when there is one).
pub(super) fn pick(rng: &mut ChaChaStream, count: u64) -> u64 {
    if count <= 1 { 0 } else { ((rng.uniform() * count as f64) as u64).min(count - 1) }
}

impl SignalOut<'_> {
    /// Keeps, of the spans from `spans` and the records from `records`, those
    /// of the traces in `shard`.
    pub fn keep_shard(&mut self, shard: Shard, spans: usize, records: usize) {
        let held = |trace: &[u8; 16]| shard.holds_key(u64::from_be_bytes(trace[..8].try_into().expect("8 bytes")));
        retain_from(&mut self.spans, spans, |_, s| held(&s.trace_id));
        retain_from(&mut self.records, records, |_, r| r.span.as_ref().is_none_or(|(trace, _)| held(trace)));
    }

    /// Keeps, of the records from `from` (log `log`'s at `tick`), those in
    /// `shard`: the `n`th record of a tick is keyed by the log, the tick and `n`.
    pub fn keep_records_of_shard(&mut self, shard: Shard, log: &str, tick: u64, from: usize) {
        let base = crate::rng::fnv1a64(log) ^ tick.wrapping_mul(0x9e37_79b9_7f4a_7c15);
        retain_from(&mut self.records, from, |n, _| shard.holds_key(crate::rng::splitmix64(base.wrapping_add(n))));
    }
}

/// Keeps, of `items` from `from` on, the `n`th (counted from `from`) when
/// `keep(n, item)`, in order; those before `from` stay.
fn retain_from<T>(items: &mut Vec<T>, from: usize, mut keep: impl FnMut(u64, &T) -> bool) {
    let mut k = from;
    for i in from..items.len() {
        if keep((i - from) as u64, &items[i]) {
            items.swap(i, k);
            k += 1;
        }
    }
    items.truncate(k);
}

/// `Poisson(rate × within / 1 s)` offsets in [0, `within`) nanoseconds, in order.
pub(super) fn arrivals(rng: &mut ChaChaStream, rate: f64, within: i64) -> Vec<i64> {
    let n = poisson(rng, rate * within as f64 / 1e9);
    let mut offsets: Vec<i64> = (0..n).map(|_| (rng.uniform() * within as f64) as i64).collect();
    offsets.sort_unstable();
    offsets
}

/// Advances every chain to `t_ns`: each one's value (0 when it gives none).
pub(super) fn advance(chains: &mut [Chain], emitters: &[EmitterState<'_>], t_ns: i64) {
    for chain in chains {
        let mut v = ChainValue::default();
        for link in &mut chain.links {
            link.apply(&emitters[link.emitter as usize], &mut v, t_ns);
        }
        chain.value = if v.mark == Mark::Value && v.value.is_finite() { v.value } else { 0.0 };
    }
}

/// One trace template as it plays.
#[derive(Debug)]
pub(super) struct Tracer<'r> {
    name: &'r str,
    rate: Source,
    resource: &'r [KeyValue<'static>],
    resource_set: SeriesSet,
    nodes: Vec<Node<'r>>,
    chains: Vec<Chain>,
    rng: ChaChaStream,
    /// A rate above [`Tracer::max_rate`] was warned about.
    pub warned_rate: bool,
    /// The most spans one trace can have (at its tree's most repeats).
    most_spans: u64,
    /// Its span metrics, once `spanMetrics: true` has been set.
    pub metrics: Option<SpanMetrics<'r>>,
    /// Whether they count and send now (`spanMetrics: false` pauses them).
    pub metrics_on: bool,
}

/// The set a list of attributes stands for.
pub(super) fn set_of(attrs: &[KeyValue<'static>]) -> SeriesSet {
    let mut strings = Vec::new();
    visit_strings(attrs, &mut |s| strings.push(s));
    SeriesSet::of(strings)
}

impl<'r> Tracer<'r> {
    /// A template defined by `spec` (which gives `rate` and `root`).
    pub fn new(name: &'r str, spec: &'r TraceSpec<'static>, seed: u64, emitters: &BTreeMap<&'r str, u32>) -> Self {
        let mut tracer = Tracer {
            name,
            rate: Source::Fixed(0.0),
            resource: &[],
            resource_set: SeriesSet::of([]),
            nodes: Vec::new(),
            chains: Vec::new(),
            rng: ChaChaStream::new(seed, name, TRACE_STREAM, 0),
            warned_rate: false,
            most_spans: 1,
            metrics: None,
            metrics_on: false,
        };
        tracer.reconfigure(spec, seed, emitters);
        tracer
    }

    /// The trace action's name.
    pub fn name(&self) -> &'r str {
        self.name
    }

    /// The most traces it starts in a second: [`MAX_RATE`], or fewer when
    /// its traces are big ([`MAX_SPANS_PER_SECOND`]).
    pub fn max_rate(&self) -> f64 {
        MAX_RATE.min(MAX_SPANS_PER_SECOND / self.most_spans as f64)
    }

    /// Takes the fields `spec` gives; the chains are read afresh.
    pub fn reconfigure(&mut self, spec: &'r TraceSpec<'static>, seed: u64, emitters: &BTreeMap<&'r str, u32>) {
        if let Some(resource) = &spec.resource {
            self.resource = resource;
            self.resource_set = set_of(resource);
        }
        let mut compiler = Compiler { seed, trace: self.name, emitters, chains: Vec::new() };
        if let Some(root) = &spec.root {
            self.most_spans = root.most_spans().max(1);
            self.nodes.clear();
            compiler.node(root, &mut self.nodes);
        } else {
            // The tree stays; its chains are made again with the rate's.
            let nodes = std::mem::take(&mut self.nodes);
            compiler.node(nodes[0].template, &mut self.nodes);
        }
        self.rate = compiler.rate(spec.rate.as_ref(), self.rate, &mut self.chains);
        self.chains = compiler.chains;
    }

    /// The chains' values at `t_ns`, then the traces that start in the
    /// `within` nanoseconds (the second, or what of it is left of the run)
    /// from `tick_unix` into `out`; returns the rate (before it is held at [`Tracer::max_rate`]).
    pub fn play(
        &mut self,
        emitters: &[EmitterState<'_>],
        (t_ns, within): (i64, i64),
        tick_unix: i64,
        out: &mut SignalOut<'r>,
        me: u32,
    ) -> f64 {
        advance(&mut self.chains, emitters, t_ns);
        let rate = self.value(self.rate);
        let max = self.max_rate();
        for offset in arrivals(&mut self.rng, rate.clamp(0.0, max), within) {
            let trace_id = loop {
                let (a, b) = (self.rng.next_u64(), self.rng.next_u64());
                if a | b != 0 {
                    let mut id = [0u8; 16];
                    id[..8].copy_from_slice(&a.to_be_bytes());
                    id[8..].copy_from_slice(&b.to_be_bytes());
                    break id;
                }
            };
            let resource = self.pick_resource(me, u32::MAX, out);
            let ctx = TraceContext { trace: self.name, trace_id, me };
            self.span(&ctx, 0, tick_unix + offset, None, resource, out);
        }
        rate
    }

    fn value(&self, source: Source) -> f64 {
        source.value(&self.chains)
    }

    /// A uniform pick among `count` series.
    fn pick(&mut self, count: u64) -> u64 {
        pick(&mut self.rng, count)
    }

    /// The resource of the trace (`node` `u32::MAX`) or of span template
    /// `node`, one series of its set picked.
    fn pick_resource(&mut self, me: u32, node: u32, out: &mut SignalOut<'r>) -> u32 {
        let (attrs, count) = match node {
            u32::MAX => (self.resource, self.resource_set.count()),
            n => {
                let node = &self.nodes[n as usize];
                (
                    node.template.resource.as_deref().unwrap_or_default(),
                    node.resource.as_ref().map_or(1, SeriesSet::count),
                )
            }
        };
        let member = self.pick(count);
        let set = if node == u32::MAX {
            &self.resource_set
        } else {
            self.nodes[node as usize].resource.as_ref().expect("it sets one")
        };
        out.resource((me, node, member), set, attrs)
    }

    /// Generates span template `node` and its subtree starting at `start`;
    /// returns its end and, when a failure propagates up from it, the message.
    fn span(
        &mut self,
        ctx: &TraceContext<'r>,
        node: u32,
        start: i64,
        parent: Option<[u8; 8]>,
        resource: u32,
        out: &mut SignalOut<'r>,
    ) -> (i64, Option<&'r str>) {
        let span_id = loop {
            let id = self.rng.next_u64();
            if id != 0 {
                break id.to_be_bytes();
            }
        };
        let template = self.nodes[node as usize].template;
        let self_time = self.self_time(node);
        let resource = if template.resource.is_some() { self.pick_resource(ctx.me, node, out) } else { resource };
        let attributes = match self.nodes[node as usize].attributes.as_ref().map(SeriesSet::count) {
            None => Cow::Borrowed(&template.attributes[..]),
            Some(count) => {
                let member = self.pick(count);
                let set = self.nodes[node as usize].attributes.as_ref().expect("it has expressions");
                render_attributes(set, &template.attributes, Member::from(member), &mut 0)
            }
        };
        let p = self.value(self.nodes[node as usize].error).clamp(0.0, 1.0);
        let failed = p > 0.0 && self.rng.uniform() < p;
        let index = out.spans.len();
        out.spans.push(Span {
            trace: ctx.trace,
            trace_id: ctx.trace_id,
            span_id,
            parent_span_id: parent,
            name: &template.name,
            kind: template.kind,
            start_unix_nanos: start,
            end_unix_nanos: start,
            error: failed.then_some(&*template.error_message),
            exception: failed,
            attributes,
            resource,
        });
        let first_half = self_time / 2;
        let children_start = start.saturating_add(first_half);
        let (mut cursor, mut children_end) = (children_start, children_start);
        let mut propagated: Option<&'r str> = None;
        for k in 0..self.nodes[node as usize].children.len() {
            let child = self.nodes[node as usize].children[k];
            let t = self.nodes[child as usize].template;
            if t.probability < 1.0 && self.rng.uniform() >= t.probability {
                continue;
            }
            let times = t.repeat.min + self.pick(u64::from(t.repeat.max - t.repeat.min) + 1) as u32;
            for _ in 0..times {
                let at = if template.parallel { children_start } else { cursor };
                let (end, up) = self.span(ctx, child, at, Some(span_id), resource, out);
                cursor = end;
                children_end = children_end.max(end);
                propagated = propagated.or(up);
            }
        }
        let end = children_end.saturating_add(self_time - first_half);
        let span = &mut out.spans[index];
        span.end_unix_nanos = end;
        if span.error.is_none() {
            span.error = propagated;
        }
        for (k, log) in template.logs.iter().enumerate() {
            let time = match log.when {
                When::Always => start,
                When::Error if failed => end,
                When::Error => continue,
            };
            let (holes, chains) = (&self.nodes[node as usize].log_holes[k], &self.chains);
            let hole = |h: usize, text: &mut String| {
                let _ = crate::go::float::write_go_float(text, holes[h].value(chains));
            };
            let attributes = &out.spans[index].attributes;
            let body = super::logs::render_body(&log.body, attributes, &hole, &mut out.spare_bodies);
            out.records.push(LogRecord {
                log: ctx.trace,
                time_unix_nanos: time,
                severity: log.severity,
                body,
                attributes: Cow::Borrowed(&[]),
                span: Some((ctx.trace_id, span_id)),
                resource,
            });
        }
        let up = match failed {
            true if template.propagate => Some(&*template.error_message),
            _ => propagated,
        };
        (end, up)
    }

    /// Span template `node`'s self time for one span, in whole nanoseconds.
    fn self_time(&mut self, node: u32) -> i64 {
        let n = &self.nodes[node as usize];
        let nanos = match (&n.template.duration, n.duration) {
            (SpanDuration::Fixed(d), _) => return d.as_nanos().max(0),
            (SpanDuration::Drawn { unit, distribution, .. }, source) => {
                let centre = self.value(source) * unit.nanos();
                match distribution {
                    Some(d) if d.accepts(centre) => d.observe(centre, &mut self.rng),
                    _ => centre,
                }
            }
        };
        // Up to a day: a span longer than that is a mistake in the chain, not a span.
        nanos.clamp(0.0, GoDuration::from_secs(86_400).as_nanos() as f64).round() as i64
    }
}

/// What every span of one trace shares.
struct TraceContext<'r> {
    trace: &'r str,
    trace_id: [u8; 16],
    me: u32,
}

/// Builds a template's nodes and chains (and a log action's chains).
pub(super) struct Compiler<'a, 'r> {
    pub seed: u64,
    /// The action's name: its chains' streams are keyed by it.
    pub trace: &'r str,
    pub emitters: &'a BTreeMap<&'r str, u32>,
    pub chains: Vec<Chain>,
}

impl<'r> Compiler<'_, 'r> {
    /// Compiles `t` and its subtree into `nodes` (preorder); returns its index.
    fn node(&mut self, t: &'r SpanTemplate<'static>, nodes: &mut Vec<Node<'r>>) -> u32 {
        let index = nodes.len() as u32;
        let duration = match &t.duration {
            SpanDuration::Fixed(_) => Source::Fixed(0.0),
            SpanDuration::Drawn { emitters, .. } => self.chain(emitters),
        };
        let error = self.amount(&t.error);
        let attributes = Some(set_of(&t.attributes)).filter(|s| !s.is_plain());
        let resource = t.resource.as_deref().map(set_of);
        let log_holes = t.logs.iter().map(|log| super::logs::emitter_holes(&log.body, self)).collect();
        nodes.push(Node { template: t, children: Vec::new(), duration, error, attributes, resource, log_holes });
        for child in t.children.iter() {
            let c = self.node(child, nodes);
            nodes[index as usize].children.push(c);
        }
        index
    }

    /// A reconfiguration's rate: `given`, else `old` — a chain moved over
    /// from `chains` with its state, so a rate emitter carries on.
    pub fn rate(&mut self, given: Option<&'r Amount<'static>>, old: Source, chains: &mut [Chain]) -> Source {
        match (given, old) {
            (Some(rate), _) => self.amount(rate),
            (None, Source::Chain(c)) => {
                self.chains.push(std::mem::replace(&mut chains[c as usize], Chain::empty()));
                Source::Chain(self.chains.len() as u32 - 1)
            }
            (None, fixed) => fixed,
        }
    }

    pub fn amount(&mut self, a: &'r Amount<'static>) -> Source {
        match a {
            Amount::Fixed(v) => Source::Fixed(*v),
            Amount::Emitter(name) => self.chain(std::slice::from_ref(name)),
        }
    }

    /// A chain of `names`; its streams are keyed by the template, the
    /// emitter and the chain's place, so two chains never share draws.
    pub fn chain(&mut self, names: &'r [Cow<'static, str>]) -> Source {
        let place = self.chains.len() as u64;
        let links = names
            .iter()
            .map(|name| TraceLink {
                emitter: self.emitters[name.as_ref()],
                epoch: 0,
                state: SeriesState::default(),
                own: None,
                rng: ChaChaStream::new(self.seed, self.trace, name, place + 1),
            })
            .collect();
        self.chains.push(Chain { links, value: 0.0 });
        Source::Chain(self.chains.len() as u32 - 1)
    }
}
