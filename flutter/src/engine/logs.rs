//! Logs on the engine's clock: at every tick, each log action makes
//! `Poisson(rate)` records spread over that second (SCENARIO.md, *Logs*).
//! Every draw — count, times, severities, picks from attribute and resource
//! sets — comes from the action's own stream, so the same seed gives the same
//! records whatever else the scenario holds. A body's emitter holes read
//! chains of their own.

use std::borrow::Cow;
use std::collections::BTreeMap;

use super::EmitterState;
use super::traces::{Chain, Compiler, LOG_OWNER, SignalOut, Source, advance, arrivals, pick, set_of};
use crate::batch::LogRecord;
use crate::logs::{Body, BodyPart, LogSpec, MAX_RATE, Severity};
use crate::rng::ChaChaStream;
use crate::scenario::{AttrValue, KeyValue};
use crate::sets::{Member, SeriesSet, render_attributes};

/// The key of a log action's own stream beside its name (no emitter has it).
const LOG_STREAM: &str = "\u{0}log";

/// One log action as it plays.
#[derive(Debug)]
pub(super) struct Logger<'r> {
    name: &'r str,
    rate: Source,
    /// Severities with their weights' running sums, and the total.
    severities: Vec<(Severity, f64)>,
    body: Option<&'r Body<'static>>,
    /// The chain of each emitter hole of the body, in order…
    holes: Vec<Source>,
    /// …and its value as text, this tick.
    hole_text: Vec<String>,
    attributes: &'r [KeyValue<'static>],
    attribute_set: Option<SeriesSet>,
    resource: &'r [KeyValue<'static>],
    resource_set: SeriesSet,
    chains: Vec<Chain>,
    rng: ChaChaStream,
    /// A rate above [`MAX_RATE`] was warned about.
    pub warned_rate: bool,
}

impl<'r> Logger<'r> {
    /// A log defined by `spec` (which gives `rate` and `body`).
    pub fn new(name: &'r str, spec: &'r LogSpec<'static>, seed: u64, emitters: &BTreeMap<&'r str, u32>) -> Self {
        let mut logger = Logger {
            name,
            rate: Source::Fixed(0.0),
            severities: vec![(Severity::Info, 1.0)],
            body: None,
            holes: Vec::new(),
            hole_text: Vec::new(),
            attributes: &[],
            attribute_set: None,
            resource: &[],
            resource_set: SeriesSet::of([]),
            chains: Vec::new(),
            rng: ChaChaStream::new(seed, name, LOG_STREAM, 0),
            warned_rate: false,
        };
        logger.reconfigure(spec, seed, emitters);
        logger
    }

    /// The log action's name.
    pub fn name(&self) -> &'r str {
        self.name
    }

    /// Takes the fields `spec` gives; the chains are read afresh.
    pub fn reconfigure(&mut self, spec: &'r LogSpec<'static>, seed: u64, emitters: &BTreeMap<&'r str, u32>) {
        if let Some(resource) = &spec.resource {
            self.resource = resource;
            self.resource_set = set_of(resource);
        }
        if let Some(attributes) = &spec.attributes {
            self.attributes = attributes;
            self.attribute_set = Some(set_of(attributes)).filter(|s| !s.is_plain());
        }
        if let Some(weights) = &spec.severity {
            let mut sum = 0.0;
            self.severities = weights
                .iter()
                .map(|w| {
                    sum += w.weight;
                    (w.severity, sum)
                })
                .collect();
        }
        if let Some(body) = &spec.body {
            self.body = Some(body);
        }
        let mut compiler = Compiler { seed, trace: self.name, emitters, chains: Vec::new() };
        self.rate = compiler.rate(spec.rate.as_ref(), self.rate, &mut self.chains);
        self.holes = self.body.map(|b| emitter_holes(b, &mut compiler)).unwrap_or_default();
        self.chains = compiler.chains;
    }

    /// The records of the `within` nanoseconds from `tick_unix` (at
    /// simulated time `t_ns`) into `out`; returns the rate (before it is held
    /// at [`MAX_RATE`]).
    pub fn play(
        &mut self,
        emitters: &[EmitterState<'_>],
        (t_ns, within): (i64, i64),
        tick_unix: i64,
        out: &mut SignalOut<'r>,
        me: u32,
    ) -> f64 {
        advance(&mut self.chains, emitters, t_ns);
        let rate = self.rate.value(&self.chains);
        // A hole's text is the same for every record of the tick.
        self.hole_text.resize(self.holes.len(), String::new());
        for (text, source) in self.hole_text.iter_mut().zip(&self.holes) {
            text.clear();
            let _ = crate::go::float::write_go_float(text, source.value(&self.chains));
        }
        let times = arrivals(&mut self.rng, rate.clamp(0.0, MAX_RATE), within);
        let total = self.severities.last().map_or(1.0, |&(_, sum)| sum);
        for offset in times {
            let u = self.rng.uniform() * total;
            let severity = self
                .severities
                .iter()
                .find(|&&(_, sum)| u < sum)
                .or(self.severities.last())
                .map_or(Severity::Info, |&(s, _)| s);
            let attributes = match &self.attribute_set {
                None => Cow::Borrowed(self.attributes),
                Some(set) => {
                    let member = Member::from(pick(&mut self.rng, set.count()));
                    let mut spare = out.spare_attributes.pop().unwrap_or_default();
                    render_into(set, self.attributes, member, &mut spare);
                    Cow::Owned(spare)
                }
            };
            let member = pick(&mut self.rng, self.resource_set.count());
            let resource = out.resource((me | LOG_OWNER, u32::MAX, member), &self.resource_set, self.resource);
            let texts = &self.hole_text;
            let body = match self.body {
                Some(b) => render_body(b, &attributes, &|k, text| text.push_str(&texts[k]), &mut out.spare_bodies),
                None => Cow::Borrowed(""),
            };
            out.records.push(LogRecord {
                log: self.name,
                time_unix_nanos: tick_unix + offset,
                severity,
                body,
                attributes,
                span: None,
                resource,
            });
        }
        rate
    }
}

/// A chain for each emitter hole of `body`, in order.
pub(super) fn emitter_holes<'r>(body: &'r Body<'static>, compiler: &mut Compiler<'_, 'r>) -> Vec<Source> {
    body.parts
        .iter()
        .filter_map(|p| match p {
            BodyPart::Emitter(name) => Some(compiler.chain(std::slice::from_ref(name))),
            _ => None,
        })
        .collect()
}

/// `body` with its holes filled: attributes from `attributes`, emitter
/// hole `k` by `hole(k, text)`; written into one of `spares` (a body of
/// one text is borrowed).
pub(super) fn render_body<'r>(
    body: &'r Body<'static>,
    attributes: &[KeyValue<'_>],
    hole: &dyn Fn(usize, &mut String),
    spares: &mut Vec<String>,
) -> Cow<'r, str> {
    if let [BodyPart::Text(text)] = &body.parts[..] {
        return Cow::Borrowed(text);
    }
    let mut out = spares.pop().unwrap_or_default();
    out.clear();
    let mut k = 0;
    for part in body.parts.iter() {
        match part {
            BodyPart::Text(t) => out.push_str(t),
            BodyPart::Attribute(key) => {
                if let Some(kv) = attributes.iter().find(|kv| kv.key == *key) {
                    push_value(&kv.value, &mut out);
                }
            }
            BodyPart::Emitter(_) => {
                hole(k, &mut out);
                k += 1;
            }
        }
    }
    Cow::Owned(out)
}

/// `attrs` rendered for `member` of `set` into `out`, writing over what `out`
/// holds (a spare list of the same attributes keeps its strings' buffers).
fn render_into(set: &SeriesSet, attrs: &[KeyValue<'static>], member: Member, out: &mut Vec<KeyValue<'static>>) {
    out.truncate(attrs.len());
    let mut t = 0;
    for (i, kv) in attrs.iter().enumerate() {
        match &kv.value {
            AttrValue::Str(plain) => {
                if i == out.len() {
                    out.push(KeyValue { key: Cow::Borrowed(""), value: AttrValue::Str(Cow::Borrowed("")) });
                }
                let slot = &mut out[i];
                let key = slot.key.to_mut();
                key.clear();
                key.push_str(&kv.key);
                if !matches!(slot.value, AttrValue::Str(_)) {
                    slot.value = AttrValue::Str(Cow::Borrowed(""));
                }
                let AttrValue::Str(text) = &mut slot.value else { unreachable!("made a string above") };
                let text = text.to_mut();
                text.clear();
                if set.render(t, member, text).is_none() {
                    text.push_str(plain);
                }
                t += 1;
            }
            _ => {
                // Lists and maps (rare in records) are rendered afresh.
                // (`render_attributes` moves `t` past the attribute's strings.)
                let rendered = render_attributes(set, std::slice::from_ref(kv), member, &mut t);
                let kv = rendered.into_owned().pop().expect("one attribute");
                if i == out.len() { out.push(kv) } else { out[i] = kv }
            }
        }
    }
}

/// An attribute's value as body text.
fn push_value(v: &AttrValue<'_>, out: &mut String) {
    use std::fmt::Write;
    match v {
        AttrValue::Str(s) => out.push_str(s),
        AttrValue::Bool(b) => {
            let _ = write!(out, "{b}");
        }
        AttrValue::Int(i) => {
            let _ = write!(out, "{i}");
        }
        AttrValue::Double(d) => out.push_str(&crate::go::float::go_float(*d)),
        AttrValue::Array(items) => {
            out.push('[');
            for (k, item) in items.iter().enumerate() {
                if k > 0 {
                    out.push_str(", ");
                }
                push_value(item, out);
            }
            out.push(']');
        }
        AttrValue::KvList(kvs) => {
            out.push('{');
            for (k, kv) in kvs.iter().enumerate() {
                if k > 0 {
                    out.push_str(", ");
                }
                out.push_str(&kv.key);
                out.push_str(": ");
                push_value(&kv.value, out);
            }
            out.push('}');
        }
    }
}
