//! Series sets: one metric spec standing for many series through brace
//! expressions in its attribute values and exported name (SCENARIO.md,
//! *Series sets*).
//!
//! The expressions of a spec, in set order (resource, scope, then datapoint
//! attributes, keys in file order and depth first, then `name`), multiply: the
//! set is their cartesian product, the last varying fastest, and a series'
//! position `i` is its index in that order. Nothing is expanded ahead of time:
//! a [`SeriesSet`] renders the identity of the series at a position when the
//! engine creates it, so a set of a million series is as small in a scenario
//! (and in an `include_scenario!` binary) as a set of one.

mod expr;

use std::borrow::Cow;

pub(crate) use expr::Template;
use expr::{Op, POSITION, Part, Values};

use crate::rng::fnv1a64;
use crate::scenario::{AttrValue, Churn, KeyValue};
use crate::shard::Shard;

/// The most series one metric spec may stand for.
pub const MAX_SERIES: u64 = 10_000_000;

/// The separator of a series' expanded values (in its random key and shard key).
pub const VALUE_SEPARATOR: char = '\u{1f}';

/// A problem with a spec's expressions as a whole: `template` is the index of
/// the string (in set order) it is in, `offset` the character in it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SetProblem {
    pub template: usize,
    pub offset: usize,
    pub message: String,
}

/// A piece of a resolved template.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Piece {
    Text(String),
    /// The value of expression `n`.
    Value(usize),
    /// Derived from expression `n`'s position (`None`: from the series' position).
    Derived {
        expr: Option<usize>,
        op: Op,
        width: usize,
    },
    /// The value text of expression `n`, used by name.
    Named(usize),
}

/// One series of a set: its position, and how many times churn has replaced
/// the series there (each successor takes its churned range's next unused value).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Member {
    pub position: u64,
    pub generation: u64,
}

impl From<u64> for Member {
    /// The first series at `position`.
    fn from(position: u64) -> Self {
        Member { position, generation: 0 }
    }
}

/// A metric's churn as it runs: when it next replaces series, and how many so far.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ChurnClock {
    /// Seconds between replacements.
    pub every: u64,
    /// Range values replaced each time.
    pub per_time: u64,
    /// The tick of the next replacement.
    pub next: u64,
    /// Range values replaced so far.
    pub replaced: u64,
}

impl ChurnClock {
    /// `churn` given at `tick` to `set` (churning): replacements every `every`
    /// from then on, continuing the count of `before`'s.
    pub fn start(churn: &Churn<'_>, set: &SeriesSet, tick: u64, before: Option<ChurnClock>) -> ChurnClock {
        let len = set.churn_axis().map_or(1, |(len, _)| len);
        let every = churn.every.floor_secs().max(1);
        let replaced = before.map_or(0, |c| c.replaced);
        ChurnClock { every, per_time: churn.per_time(len), next: tick + every, replaced }
    }

    /// Past the replacements due at `next`.
    pub fn advance(&mut self) {
        self.replaced += self.per_time;
        self.next += self.every;
    }
}

/// The expressions of one spec, resolved: how many series they stand for and
/// how to render any one of them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SeriesSet {
    exprs: Vec<Values>,
    /// The range churn replaces values of: a member's generation moves its
    /// value on by the range's length per replacement.
    churned: Option<usize>,
    /// For each expression, the product of the sizes of those after it.
    strides: Vec<u64>,
    count: u64,
    /// Every string of the spec in set order; `None` for a plain one.
    templates: Vec<Option<Vec<Piece>>>,
}

impl SeriesSet {
    /// Resolves parsed templates (every string of a spec, in set order):
    /// names defined once and used anywhere, `i` reserved, at most
    /// [`MAX_SERIES`] series. Every problem is reported.
    pub fn resolve(templates: &[Template]) -> Result<SeriesSet, Vec<SetProblem>> {
        let mut problems = Vec::new();
        let mut exprs = Vec::new();
        let mut names: Vec<(&str, usize)> = Vec::new();
        for (t, template) in templates.iter().enumerate() {
            for part in &template.parts {
                if let Part::Expr(e) = part {
                    if let Some(name) = &e.name {
                        if names.iter().any(|(n, _)| n == name) {
                            problems.push(SetProblem {
                                template: t,
                                offset: e.offset,
                                message: format!(
                                    "the expression name `{name}` is defined twice in this metric: a name is defined \
                                     once (`{{{name}=…}}`) and used anywhere as `{{{name}}}`"
                                ),
                            });
                        }
                        names.push((name, exprs.len()));
                    }
                    exprs.push(e.values.clone());
                }
            }
        }
        let mut next = 0;
        let mut resolved = Vec::with_capacity(templates.len());
        for (t, template) in templates.iter().enumerate() {
            if template.verbatim {
                resolved.push(None);
                continue;
            }
            let mut pieces = Vec::with_capacity(template.parts.len());
            for part in &template.parts {
                pieces.push(match part {
                    Part::Text(s) => Piece::Text(s.clone()),
                    Part::Expr(_) => {
                        next += 1;
                        Piece::Value(next - 1)
                    }
                    Part::Ref(r) => {
                        let expr = match &r.name {
                            None => None,
                            Some(name) => match names.iter().find(|(n, _)| n == name) {
                                Some(&(_, e)) => Some(e),
                                None => {
                                    let hint = match crate::scenario::did_you_mean(
                                        name,
                                        names.iter().map(|(n, _)| *n).chain([POSITION]),
                                    ) {
                                        Some(s) => format!("; did you mean `{s}`?"),
                                        None => String::new(),
                                    };
                                    problems.push(SetProblem {
                                        template: t,
                                        offset: r.offset,
                                        message: format!(
                                            "no expression in this metric is named `{name}` (name one with \
                                             `{{{name}=0..9}}`; `{{{POSITION}}}` is the series' position){hint}"
                                        ),
                                    });
                                    continue;
                                }
                            },
                        };
                        match (expr, r.op) {
                            (Some(e), Op::Text) => Piece::Named(e),
                            (expr, op) => Piece::Derived { expr, op, width: r.width },
                        }
                    }
                });
            }
            resolved.push(Some(pieces));
        }
        let mut strides = vec![1u64; exprs.len()];
        let mut count: u128 = 1;
        for (e, values) in exprs.iter().enumerate().rev() {
            strides[e] = u64::try_from(count).unwrap_or(u64::MAX);
            count = count.saturating_mul(u128::from(values.len()));
        }
        if count > u128::from(MAX_SERIES) {
            let first = templates.iter().position(|t| t.parts.iter().any(|p| matches!(p, Part::Expr(_)))).unwrap_or(0);
            let offset = templates[first].parts.iter().find_map(|p| match p {
                Part::Expr(e) => Some(e.offset),
                _ => None,
            });
            problems.push(SetProblem {
                template: first,
                offset: offset.unwrap_or(0),
                message: format!(
                    "this metric's brace expressions make {count} series, more than the {MAX_SERIES} one metric may \
                     stand for: split it into several metrics (or shard the run)"
                ),
            });
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(SeriesSet { exprs, churned: None, strides, count: count as u64, templates: resolved })
    }

    /// The set of a spec whose strings are `strings`, in set order. The
    /// loader has checked them; a string that does not parse (a scenario built
    /// by hand) is taken as its literal text.
    pub fn of<'s>(strings: impl IntoIterator<Item = &'s str>) -> SeriesSet {
        let strings: Vec<&str> = strings.into_iter().collect();
        let templates: Vec<Template> =
            strings.iter().map(|s| Template::parse(s).unwrap_or_else(|_| Template::literal(s))).collect();
        SeriesSet::resolve(&templates).unwrap_or_else(|_| {
            let literal: Vec<Template> = strings.iter().map(|s| Template::literal(s)).collect();
            SeriesSet::resolve(&literal).expect("plain templates resolve")
        })
    }

    /// Whether `other` has the same expressions (so the same series positions
    /// and expanded values).
    pub fn same_expressions(&self, other: &SeriesSet) -> bool {
        self.exprs == other.exprs
    }

    /// The positions of the series of metric action `metric` that `shard`
    /// plays (all of them without a shard), in set order.
    pub fn positions_in<'a>(&'a self, metric: &'a str, shard: Option<Shard>) -> impl Iterator<Item = u64> + 'a {
        (0..self.count).filter(move |&p| shard.is_none_or(|s| s.holds(metric, &self.values(p))))
    }

    /// How many series.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Whether it has expressions (else it is one series with its strings as written).
    pub fn is_plain(&self) -> bool {
        self.exprs.is_empty() && self.templates.iter().all(Option::is_none)
    }

    /// Expression `e`'s value position for the series at `position`.
    fn ordinal(&self, e: usize, position: u64) -> u64 {
        (position / self.strides[e]) % self.exprs[e].len().max(1)
    }

    /// The ordinal of expression `e`'s value text for `member`: its position's,
    /// moved on past the range once per replacement when `e` is churned.
    fn value_ordinal(&self, e: usize, member: Member) -> u64 {
        let base = self.ordinal(e, member.position);
        if self.churned == Some(e) { base + member.generation * self.exprs[e].len() } else { base }
    }

    /// Appends the rendering of string `t` (in set order) for `member`; `None`
    /// when that string is plain (it stays as written). Derived values come
    /// from positions, so a successor keeps them (its pod stays on its node).
    pub fn render(&self, t: usize, member: impl Into<Member>, out: &mut String) -> Option<()> {
        use std::fmt::Write;
        let member = member.into();
        let pieces = self.templates.get(t)?.as_ref()?;
        for piece in pieces {
            match *piece {
                Piece::Text(ref s) => out.push_str(s),
                Piece::Value(e) | Piece::Named(e) => self.exprs[e].push_text(self.value_ordinal(e, member), out),
                Piece::Derived { expr, op, width } => {
                    let base = expr.map_or(member.position, |e| self.ordinal(e, member.position));
                    let _ = write!(out, "{:0width$}", op.apply(base));
                }
            }
        }
        Some(())
    }

    /// The series' expanded values: each expression's value text, joined with
    /// [`VALUE_SEPARATOR`], in set order (empty without expressions).
    pub fn values(&self, member: impl Into<Member>) -> String {
        let member = member.into();
        let mut out = String::new();
        for (e, values) in self.exprs.iter().enumerate() {
            if e > 0 {
                out.push(VALUE_SEPARATOR);
            }
            values.push_text(self.value_ordinal(e, member), &mut out);
        }
        out
    }

    /// The fourth word of the series' random key: FNV-1a-64 of its expanded
    /// values, 0 for a spec without expressions (so such a metric draws what
    /// it drew before sets existed).
    pub fn key(&self, member: impl Into<Member>) -> u64 {
        if self.exprs.is_empty() { 0 } else { fnv1a64(&self.values(member)) }
    }

    /// The first range expression in the strings `templates` (set order), for churn.
    pub fn first_range(&self, templates: std::ops::Range<usize>) -> Option<usize> {
        self.templates.get(templates)?.iter().flatten().flatten().find_map(|piece| match *piece {
            Piece::Value(e) if matches!(self.exprs[e], Values::Range { .. }) => Some(e),
            _ => None,
        })
    }

    /// This set with churn replacing values of expression `e` (from [`SeriesSet::first_range`]).
    pub fn churning(mut self, e: usize) -> SeriesSet {
        self.churned = Some(e);
        self
    }

    /// This set churning the range `other` churns (a set of the same
    /// expressions, resolved again for new literal text).
    pub fn churning_like(mut self, other: &SeriesSet) -> SeriesSet {
        self.churned = other.churned;
        self
    }

    /// This set churned by `churn`: the range it churns already, else the one
    /// [`churn_expression`] finds in `levels`; or what is wrong, for a message.
    pub fn with_churn(self, churn: &Churn<'_>, levels: [&[KeyValue<'static>]; 3]) -> Result<SeriesSet, String> {
        if self.churned.is_some() {
            return Ok(self);
        }
        let e = churn_expression(&self, levels, churn.attribute.as_deref())?;
        Ok(self.churning(e))
    }

    /// The churned expression's values (0 without churn), and its stride:
    /// positions `a·len·stride + v·stride + b` hold its value `v`.
    pub fn churn_axis(&self) -> Option<(u64, u64)> {
        let e = self.churned?;
        Some((self.exprs[e].len(), self.strides[e]))
    }

    /// What the replacements `clock` is due to make end and start, in order:
    /// the `q`-th takes the churned range's value `q mod R` for the `q / R + 1`-th
    /// time, ending every member holding it and starting its successor (the
    /// same position, the next generation).
    pub fn replacements(&self, clock: &ChurnClock) -> impl Iterator<Item = (Member, Member)> + '_ {
        let len = self.churn_axis().map_or(1, |(len, _)| len);
        (clock.replaced..clock.replaced + clock.per_time).flat_map(move |q| {
            let generation = q / len;
            self.positions_with(q % len)
                .map(move |position| (Member { position, generation }, Member { position, generation: generation + 1 }))
        })
    }

    /// The positions whose churned value is `v`, in set order.
    pub fn positions_with(&self, v: u64) -> impl Iterator<Item = u64> + '_ {
        let (len, stride) = self.churn_axis().unwrap_or((1, self.count.max(1)));
        let block = len * stride;
        (0..self.count / block.max(1)).flat_map(move |a| (0..stride).map(move |b| a * block + v * stride + b))
    }
}

impl Template {
    /// A template of `text` as written (no expressions).
    fn literal(text: &str) -> Template {
        Template { parts: vec![Part::Text(text.to_owned())], verbatim: true }
    }
}

/// Each top-level attribute of the levels (resource, scope, datapoint) with
/// the set-order indices of its strings.
pub(crate) fn attribute_strings<'a>(levels: [&'a [KeyValue<'static>]; 3]) -> Vec<(&'a str, std::ops::Range<usize>)> {
    let mut out = Vec::new();
    let mut next = 0;
    for level in levels {
        for kv in level {
            let mut n = 0;
            visit_strings(std::slice::from_ref(kv), &mut |_| n += 1);
            out.push((kv.key.as_ref(), next..next + n));
            next += n;
        }
    }
    out
}

/// The expression churn replaces values of in `set`, whose attribute levels
/// (resource, scope, datapoint) are `levels`: the first range in attribute
/// `key`'s strings, or in the first attribute that holds one. Otherwise, what
/// is wrong, for a message.
pub(crate) fn churn_expression(
    set: &SeriesSet,
    levels: [&[KeyValue<'static>]; 3],
    key: Option<&str>,
) -> Result<usize, String> {
    let attributes = attribute_strings(levels);
    match key {
        Some(key) => {
            let Some((_, strings)) = attributes.iter().find(|(k, _)| *k == key) else {
                let keys = attributes.iter().map(|(k, _)| *k);
                let hint = match crate::scenario::did_you_mean(key, keys) {
                    Some(s) => format!("; did you mean `{s}`?"),
                    None => String::new(),
                };
                return Err(format!("churn `attribute` `{key}` is not an attribute of this metric{hint}"));
            };
            set.first_range(strings.clone())
                .ok_or_else(|| format!("churn `attribute` `{key}` holds no range (such as `pod-{{00..49}}`) to churn"))
        }
        None => attributes.iter().find_map(|(_, strings)| set.first_range(strings.clone())).ok_or_else(|| {
            "`churn` replaces the values of a range in an attribute (such as `pod-{00..49}`), and no attribute of \
             this metric holds one"
                .to_owned()
        }),
    }
}

/// Calls `f` with every string of `attrs`, depth first in order: the set
/// order of one attribute level.
pub(crate) fn visit_strings<'a>(attrs: &'a [KeyValue<'_>], f: &mut impl FnMut(&'a str)) {
    fn value<'a>(v: &'a AttrValue<'_>, f: &mut impl FnMut(&'a str)) {
        match v {
            AttrValue::Str(s) => f(s),
            AttrValue::Array(items) => items.iter().for_each(|i| value(i, f)),
            AttrValue::KvList(kvs) => visit_strings(kvs, f),
            AttrValue::Int(_) | AttrValue::Double(_) | AttrValue::Bool(_) => {}
        }
    }
    for kv in attrs {
        value(&kv.value, f);
    }
}

/// `attrs` with each string replaced by its rendering for the series at
/// `position`; `next` is the set-order index of the level's first string and
/// is advanced past them. Borrowed when no string of the level is a template.
pub(crate) fn render_attributes<'a>(
    set: &SeriesSet,
    attrs: &'a [KeyValue<'static>],
    position: Member,
    next: &mut usize,
) -> Cow<'a, [KeyValue<'static>]> {
    let first = *next;
    let mut strings = 0;
    visit_strings(attrs, &mut |_| strings += 1);
    *next += strings;
    if (first..first + strings).all(|t| set.templates.get(t).is_none_or(Option::is_none)) {
        return Cow::Borrowed(attrs);
    }
    let mut t = first;
    Cow::Owned(attrs.iter().map(|kv| render_kv(set, kv, position, &mut t)).collect())
}

fn render_kv(set: &SeriesSet, kv: &KeyValue<'static>, position: Member, t: &mut usize) -> KeyValue<'static> {
    KeyValue { key: kv.key.clone(), value: render_value(set, &kv.value, position, t) }
}

fn render_value(set: &SeriesSet, v: &AttrValue<'static>, position: Member, t: &mut usize) -> AttrValue<'static> {
    match v {
        AttrValue::Str(s) => {
            let mut out = String::new();
            let rendered = set.render(*t, position, &mut out).is_some();
            *t += 1;
            if rendered { AttrValue::Str(Cow::Owned(out)) } else { AttrValue::Str(s.clone()) }
        }
        AttrValue::Array(items) => {
            AttrValue::Array(Cow::Owned(items.iter().map(|i| render_value(set, i, position, t)).collect()))
        }
        AttrValue::KvList(kvs) => {
            AttrValue::KvList(Cow::Owned(kvs.iter().map(|kv| render_kv(set, kv, position, t)).collect()))
        }
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests;
