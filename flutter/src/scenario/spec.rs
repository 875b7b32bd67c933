//! Spec tables: each kind states its fields once, as data.
//!
//! A kind's file holds a `&[Field<Spec>]` table: for every key its type, range,
//! default, documentation and where its value goes in the spec. The loader reads
//! any spec from its table ([`read_fields`]), so one kind's keys are written in
//! one file only; `--check`, the README and (later) the JSON Schema read the
//! same tables.

use std::borrow::Cow;
use std::collections::BTreeMap;

use super::diagnostic::Span;
use super::read::{Fields, Reader, list_all};
use super::yaml::Node;
use crate::go::duration::GoDuration;
use crate::go::float::go_float;
use crate::kinds::emitters::{DrawSink, PerSeries, is_draw, read_draw};

/// One key of a spec.
pub(crate) struct Field<S: 'static> {
    /// The key as written in YAML.
    pub key: &'static str,
    /// What it means, in one line.
    pub doc: &'static str,
    /// Its type, and where the value goes.
    pub value: FieldValue<S>,
    /// A definition must give it.
    pub required: bool,
    /// The value used when a definition leaves it out (for docs).
    pub default: Option<DefaultValue>,
    /// An example, for "needs …" messages (`duration: 5m`).
    pub example: &'static str,
    /// How messages name a value of this key (default: the key in backticks).
    pub label: Option<&'static str>,
    /// A duration each series may draw for itself (number fields always may).
    pub per_series: bool,
}

/// A field's type, and the setter that puts a read value into the spec.
pub(crate) enum FieldValue<S: 'static> {
    /// A finite number in a range.
    Number(Rule, fn(&mut S, f64)),
    /// A Go duration in a range.
    Duration(DurationRule, fn(&mut S, GoDuration)),
    /// `true` or `false`.
    Bool(fn(&mut S, bool)),
    /// One of a fixed set of words; the setter gets the word's index.
    Choice(&'static [&'static str], fn(&mut S, usize)),
    /// Anything else, read by the kind's own function (which reports its own
    /// errors); `shape` says what it takes, for docs and the schema.
    Custom { shape: CustomShape, read: CustomRead<S> },
}

/// Reads a custom field into the spec; `None` when it reported a problem.
pub(crate) type CustomRead<S> = fn(&mut Reader<'_>, &Node, &Context<'_>, &mut S) -> Option<()>;

impl<S> Field<S> {
    const fn new(key: &'static str, value: FieldValue<S>) -> Self {
        Field { key, doc: "", value, required: false, default: None, example: "", label: None, per_series: false }
    }

    /// A number field.
    pub const fn number(key: &'static str, rule: Rule, set: fn(&mut S, f64)) -> Self {
        Self::new(key, FieldValue::Number(rule, set))
    }

    /// A duration field.
    pub const fn duration(key: &'static str, rule: DurationRule, set: fn(&mut S, GoDuration)) -> Self {
        Self::new(key, FieldValue::Duration(rule, set))
    }

    /// A boolean field.
    pub const fn boolean(key: &'static str, set: fn(&mut S, bool)) -> Self {
        Self::new(key, FieldValue::Bool(set))
    }

    /// A field whose value is one of `names`.
    pub const fn choice(key: &'static str, names: &'static [&'static str], set: fn(&mut S, usize)) -> Self {
        Self::new(key, FieldValue::Choice(names, set))
    }

    /// A field read by the kind's own function.
    pub const fn custom(key: &'static str, shape: CustomShape, read: CustomRead<S>) -> Self {
        Self::new(key, FieldValue::Custom { shape, read })
    }

    /// Its documentation.
    pub const fn doc(mut self, doc: &'static str) -> Self {
        self.doc = doc;
        self
    }

    /// Required on a definition; `example` shows how to write it.
    pub const fn required(mut self, example: &'static str) -> Self {
        self.required = true;
        self.example = example;
        self
    }

    /// The default: the same constant the runtime falls back on.
    pub const fn default(mut self, default: DefaultValue) -> Self {
        self.default = Some(default);
        self
    }

    /// How messages name its value, e.g. ``ramp `duration` ``.
    pub const fn label(mut self, label: &'static str) -> Self {
        self.label = Some(label);
        self
    }

    /// A duration field each series may draw for itself (`phase`).
    pub const fn per_series(mut self) -> Self {
        self.per_series = true;
        self
    }

    /// What the field is, for docs; `drawable` says the spec is an emitter's,
    /// whose number fields (and `per_series` ones) each series may draw.
    pub(crate) fn describe(&self, drawable: bool) -> FieldDoc {
        let shape = self.shape();
        FieldDoc {
            key: self.key,
            ty: shape.word(),
            doc: self.doc,
            default: self.default.map(|d| d.to_string()),
            required: self.required,
            per_series: drawable && (matches!(shape, FieldShape::Number(_)) || self.per_series),
            shape,
        }
    }

    /// What the field takes.
    fn shape(&self) -> FieldShape {
        match &self.value {
            FieldValue::Number(rule, _) => FieldShape::Number(*rule),
            FieldValue::Duration(rule, _) => FieldShape::Duration(*rule),
            FieldValue::Bool(_) => FieldShape::Bool,
            FieldValue::Choice(names, _) => FieldShape::Word(names),
            FieldValue::Custom { shape, .. } => FieldShape::Custom(*shape),
        }
    }
}

/// What a field's value may be: the loader's rule, as data for the docs and
/// the JSON Schema (the loader stays the judge; the schema may be looser).
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub enum FieldShape {
    /// A finite number in a range.
    Number(Rule),
    /// A Go duration (`90s`, `1h30m`) in a range.
    Duration(DurationRule),
    /// `true` or `false`.
    Bool,
    /// One of these words.
    Word(&'static [&'static str]),
    /// Something a kind reads itself.
    Custom(CustomShape),
}

impl FieldShape {
    /// The type in a word or two, for docs.
    pub fn word(self) -> &'static str {
        match self {
            FieldShape::Number(_) => "number",
            FieldShape::Duration(_) => "duration",
            FieldShape::Bool => "boolean",
            FieldShape::Word(_) => "word",
            FieldShape::Custom(c) => c.word(),
        }
    }
}

/// The values a kind's own reader takes.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub enum CustomShape {
    /// An integer from `min` to `max`.
    Integer {
        /// The least.
        min: i64,
        /// The greatest.
        max: i64,
    },
    /// A list of numbers.
    NumberList {
        /// It needs at least one.
        non_empty: bool,
    },
    /// Prometheus' rule-test notation: a string (a lone number also reads).
    SequenceNotation,
    /// A number from 0 to `max`, or an emitter's name.
    NumberOrEmitter {
        /// The greatest number.
        max: f64,
    },
    /// `{type: normal, stdDev: 5}` and the like.
    Distribution,
}

impl CustomShape {
    /// The type in a word or two, for docs.
    pub fn word(self) -> &'static str {
        match self {
            CustomShape::Integer { .. } => "integer",
            CustomShape::NumberList { .. } => "list of numbers",
            CustomShape::SequenceNotation => "sequence notation",
            CustomShape::NumberOrEmitter { .. } => "number or emitter name",
            CustomShape::Distribution => "distribution",
        }
    }
}

/// One field of a kind, as documentation (the README, `--check`, a schema).
#[derive(Clone, Debug, PartialEq)]
pub struct FieldDoc {
    /// The key as written in YAML.
    pub key: &'static str,
    /// Its type, in a word or two (`number`, `duration`, `word`, …).
    pub ty: &'static str,
    /// What it means.
    pub doc: &'static str,
    /// Its default, if it has one.
    pub default: Option<String>,
    /// Whether a definition must give it.
    pub required: bool,
    /// What it takes.
    pub shape: FieldShape,
    /// Whether each series may draw it (`{uniform: [a, b]}`, `{normal: [m, s]}`).
    pub per_series: bool,
}

/// One kind (of emitter or metric), as documentation.
#[derive(Clone, Debug, PartialEq)]
pub struct KindDoc {
    /// Its name in scenario files.
    pub name: &'static str,
    /// Other names accepted for it.
    pub aliases: &'static [&'static str],
    /// What it does, in one line.
    pub doc: &'static str,
    /// Its spec's fields (for a metric kind: the settings only it takes).
    pub fields: Vec<FieldDoc>,
}

/// A field's default, for docs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum DefaultValue {
    Number(f64),
    Duration(GoDuration),
    Bool(bool),
    Word(&'static str),
    /// Derived from other fields, described in words.
    Derived(&'static str),
}

impl std::fmt::Display for DefaultValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DefaultValue::Number(v) => f.write_str(&go_float(*v)),
            DefaultValue::Duration(d) => write!(f, "{d}"),
            DefaultValue::Bool(b) => write!(f, "{b}"),
            DefaultValue::Word(w) | DefaultValue::Derived(w) => f.write_str(w),
        }
    }
}

/// Ranges a number may need to be in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    /// Any finite number.
    Any,
    /// At least 0.
    NonNegative,
    /// Above 0.
    Positive,
    /// [0, 1]
    Unit,
    /// (0, 1)
    OpenUnit,
}

impl Rule {
    fn check(self, v: f64) -> Result<(), &'static str> {
        let (ok, rule) = match self {
            Rule::Any => (true, ""),
            Rule::NonNegative => (v >= 0.0, "at least 0"),
            Rule::Positive => (v > 0.0, "greater than 0"),
            Rule::Unit => ((0.0..=1.0).contains(&v), "from 0 to 1"),
            Rule::OpenUnit => (v > 0.0 && v < 1.0, "between 0 and 1 (exclusive)"),
        };
        if ok { Ok(()) } else { Err(rule) }
    }

    /// Reads a number in this range; `what` names it in messages.
    pub(crate) fn read(self, r: &mut Reader<'_>, n: &Node, key: &str) -> Option<f64> {
        let v = r.float(n, &format!("`{key}`"))?;
        match self.check(v) {
            Ok(()) => Some(v),
            Err(rule) => {
                r.error(n, format!("`{key}` must be {rule}, found {}", go_float(v)));
                None
            }
        }
    }
}

/// Ranges a duration may need to be in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DurationRule {
    /// Any duration, negative too.
    Any,
    /// Above zero.
    Positive,
}

impl DurationRule {
    /// Reads a duration in this range; `what` names it in messages.
    pub(crate) fn read(self, r: &mut Reader<'_>, n: &Node, what: &str) -> Option<GoDuration> {
        match self {
            DurationRule::Any => r.duration(n, what),
            DurationRule::Positive => r.positive_duration(n, what),
        }
    }
}

/// Where an emitter is first defined (for references to it).
#[derive(Clone, Copy, Debug)]
pub(crate) struct FirstDefinition {
    pub at: GoDuration,
    pub span: Span,
}

/// What a spec's custom fields may need to know about the action they are in.
pub(crate) struct Context<'a> {
    /// The action's `name`.
    pub name: &'a str,
    /// The action's `at`.
    pub at: GoDuration,
    /// Where each emitter is first defined.
    pub emitters: &'a BTreeMap<&'a str, FirstDefinition>,
}

impl Context<'_> {
    /// Whether `emitter` is defined at or before this action.
    pub fn emitter_defined(&self, emitter: &str) -> bool {
        self.emitters.get(emitter).is_some_and(|def| def.at <= self.at)
    }

    /// Checks that `emitter`, used by this action (a metric), is defined at or
    /// before it; reports at `node` otherwise.
    pub fn check_emitter_ref(&self, r: &mut Reader<'_>, node: &Node, emitter: &str) -> bool {
        self.check_ref(r, node, emitter, &format!("metric `{}`", self.name))
    }

    /// [`check_emitter_ref`](Self::check_emitter_ref) for an action that is
    /// `user` in messages ("trace `checkout`").
    pub fn check_ref(&self, r: &mut Reader<'_>, node: &Node, emitter: &str, user: &str) -> bool {
        match self.emitters.get(emitter) {
            None => {
                let hint = match super::diagnostic::did_you_mean(emitter, self.emitters.keys().copied()) {
                    Some(s) => format!("; did you mean `{s}`?"),
                    None => String::new(),
                };
                r.error(node, format!("{user} uses emitter `{emitter}`, which is not defined{hint}"));
                false
            }
            Some(def) if def.at > self.at => {
                let where_def = r.rep.describe(def.span);
                r.error(
                    node,
                    format!(
                        "{user} uses emitter `{emitter}` at {}, but `{emitter}` is first defined at {} ({where_def})",
                        self.at, def.at
                    ),
                );
                false
            }
            Some(_) => true,
        }
    }
}

/// Reads every field of `table` that `f` gives into `spec`. `fresh` means the
/// action defines the component, so required fields must be there; a missing
/// one is reported at the spec as "`{what}` needs …" (`what` is e.g.
/// ``ramp `r` ``). Returns whether everything was fine.
fn read_fields<S>(
    r: &mut Reader<'_>,
    f: &Fields<'_>,
    table: &[Field<S>],
    ctx: &Context<'_>,
    spec: &mut S,
    mut draws: Option<&mut DrawSink>,
) -> bool {
    let mut ok = true;
    for field in table {
        let Some(n) = f.get(field.key) else { continue };
        ok &= read_one(r, n, field, ctx, spec, draws.as_deref_mut()).is_some();
    }
    ok
}

/// A problem a kind's own check found: reported at the first of `keys` the
/// action's spec gives, or at the spec itself.
#[derive(Debug)]
pub(crate) struct Problem {
    pub keys: &'static [&'static str],
    pub message: String,
}

/// Reads a spec of the kind `(name, table)` from the map's keys `f`: every
/// field, the kind's own `check`, and on a definition (`fresh`) its required
/// fields. `draws` takes the fields each series draws for itself (an
/// emitter's); without it, a field takes a value only. Every problem is
/// reported; `None` if there was one.
pub(crate) fn read_spec<S: std::default::Default>(
    r: &mut Reader<'_>,
    f: &Fields<'_>,
    (kind, table): (&str, &[Field<S>]),
    ctx: &Context<'_>,
    (fresh, draws): (bool, Option<&mut DrawSink>),
    check: impl FnOnce(&S) -> Option<Problem>,
) -> Option<S> {
    let mut spec = S::default();
    let mut ok = read_fields(r, f, table, ctx, &mut spec, draws);
    if let Some(p) = check(&spec) {
        let at = p.keys.iter().find_map(|k| f.get(k)).map_or(f.span, |n| r.span(n));
        r.rep.error(at, p.message);
        ok = false;
    }
    if fresh {
        ok &= require(r, f, table, &format!("{kind} `{}`", ctx.name));
    }
    ok.then_some(spec)
}

/// Reports the required fields of `table` that `f` leaves out, as one message:
/// "`{what}` needs `a` and `b` (e.g. `a: 1`, `b: 2`)".
fn require<S>(r: &mut Reader<'_>, f: &Fields<'_>, table: &[Field<S>], what: &str) -> bool {
    let missing: Vec<&Field<S>> = table.iter().filter(|fd| fd.required && f.get(fd.key).is_none()).collect();
    if missing.is_empty() {
        return true;
    }
    let keys = list_all(missing.iter().map(|fd| fd.key));
    let examples: Vec<String> = missing.iter().map(|fd| format!("`{}`", fd.example)).collect();
    r.rep.error(f.span, format!("{what} needs {keys} (e.g. {})", examples.join(", ")));
    false
}

fn read_one<S>(
    r: &mut Reader<'_>,
    n: &Node,
    field: &Field<S>,
    ctx: &Context<'_>,
    spec: &mut S,
    draws: Option<&mut DrawSink>,
) -> Option<()> {
    let label = || field.label.map_or_else(|| format!("`{}`", field.key), str::to_owned);
    let drawable = matches!(field.value, FieldValue::Number(..)) || field.per_series;
    if let Some(sink) = draws
        && is_draw(n)
    {
        if !drawable {
            let message = format!("{} cannot be drawn per series: only number fields and `phase` can", label());
            r.error(n, message);
            return None;
        }
        match &field.value {
            FieldValue::Number(rule, set) => {
                let bounded = *rule != Rule::Any;
                set(spec, read_draw_into(r, n, field.key, sink, bounded, |r, b| rule.read(r, b, field.key))?);
            }
            _ => {
                let nanos = |r: &mut Reader<'_>, b: &Node| {
                    let FieldValue::Duration(rule, _) = &field.value else { return None };
                    rule.read(r, b, &label()).map(|d| d.as_nanos() as f64)
                };
                let bounded = !matches!(field.value, FieldValue::Duration(DurationRule::Any, _));
                let centre = read_draw_into(r, n, field.key, sink, bounded, nanos)?;
                set_duration(field, spec, centre);
            }
        }
        return Some(());
    }
    match &field.value {
        FieldValue::Number(rule, set) => set(spec, rule.read(r, n, field.key)?),
        FieldValue::Duration(rule, set) => set(spec, rule.read(r, n, &label())?),
        FieldValue::Bool(set) => set(spec, r.boolean(n, &label())?),
        FieldValue::Choice(names, set) => {
            let choices: Vec<(&str, usize)> = names.iter().enumerate().map(|(i, w)| (*w, i)).collect();
            set(spec, r.choice(n, &label(), &choices)?)
        }
        FieldValue::Custom { read, .. } => read(r, n, ctx, spec)?,
    }
    Some(())
}

/// Reads a per-series draw for `key` into `sink` (or reports why the spec may
/// not draw); returns the draw's centre, for the spec's field.
fn read_draw_into(
    r: &mut Reader<'_>,
    n: &Node,
    key: &'static str,
    sink: &mut DrawSink,
    bounded: bool,
    bound: impl FnMut(&mut Reader<'_>, &Node) -> Option<f64>,
) -> Option<f64> {
    match sink {
        DrawSink::Refuse(why) => {
            let message = format!("`{key}` cannot be drawn per series here: {why}");
            r.error(n, message);
            None
        }
        DrawSink::Collect(list) => {
            let draw = read_draw(r, n, key, bounded, bound)?;
            list.push(PerSeries { key: Cow::Borrowed(key), draw });
            Some(draw.centre())
        }
    }
}

/// Sets a duration field from a value in nanoseconds (a per-series draw).
fn set_duration<S>(field: &Field<S>, spec: &mut S, nanos: f64) {
    if let FieldValue::Duration(_, set) = &field.value {
        set(spec, GoDuration::from_nanos(nanos.round() as i64));
    }
}

/// Sets the field `key` of `spec` to a drawn `value` (in nanoseconds for a
/// duration); `false` if the table has no such number or duration field.
pub(crate) fn set_drawn<S>(table: &[Field<S>], spec: &mut S, key: &str, value: f64) -> bool {
    match table.iter().find(|f| f.key == key) {
        Some(field @ Field { value: FieldValue::Duration(..), .. }) => set_duration(field, spec, value),
        Some(Field { value: FieldValue::Number(_, set), .. }) => set(spec, value),
        _ => return false,
    }
    true
}

/// The keys of a table, `type` first: what a spec map may hold.
pub(crate) fn keys_with_type<S>(table: &[Field<S>]) -> Vec<(&'static str, &'static str)> {
    std::iter::once(("type", "type")).chain(table.iter().map(|f| (f.key, f.key))).collect()
}
