//! Reading an emitter's `spec`: its fields, their types and their ranges.

use std::borrow::Cow;

use super::model::{
    ClampSpec, ConstantSpec, Direction, EmitterSpec, NormalNoiseSpec, PeriodicSpec, PoissonNoiseSpec, RampSpec,
    RandomWalkSpec, RoundSpec, ScaleSpec, SequenceSpec, Shape, SpikyNoiseSpec,
};
use super::read::{Fields, Reader, list};
use super::sequence;
use super::yaml::{Node, Pos, Value};

/// Emitter types.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum EmitterType {
    Constant,
    Ramp,
    RandomWalk,
    NormalNoise,
    PoissonNoise,
    SpikyNoise,
    Periodic,
    Sequence,
    Clamp,
    Scale,
    Round,
    Abs,
}

/// Emitter type names, aliases included.
pub(crate) const EMITTER_TYPES: &[(&str, EmitterType)] = &[
    ("constant", EmitterType::Constant),
    ("ramp", EmitterType::Ramp),
    ("randomWalk", EmitterType::RandomWalk),
    ("normalNoise", EmitterType::NormalNoise),
    ("gaussianNoise", EmitterType::NormalNoise),
    ("poissonNoise", EmitterType::PoissonNoise),
    ("spikyNoise", EmitterType::SpikyNoise),
    ("periodic", EmitterType::Periodic),
    ("sequence", EmitterType::Sequence),
    ("clamp", EmitterType::Clamp),
    ("scale", EmitterType::Scale),
    ("round", EmitterType::Round),
    ("abs", EmitterType::Abs),
];

const DIRECTIONS: &[(&str, Direction)] =
    &[("both", Direction::Both), ("positive", Direction::Positive), ("negative", Direction::Negative)];
const ONE_WAY: &[(&str, Direction)] = &[("positive", Direction::Positive), ("negative", Direction::Negative)];
const SHAPES: &[(&str, Shape)] =
    &[("sine", Shape::Sine), ("square", Shape::Square), ("sawtooth", Shape::Sawtooth), ("triangle", Shape::Triangle)];

/// The accepted keys of each type (every spelling maps to itself).
fn keys(ty: EmitterType) -> &'static [(&'static str, &'static str)] {
    match ty {
        EmitterType::Constant => &[("type", "type"), ("value", "value")],
        EmitterType::Ramp => &[("type", "type"), ("start", "start"), ("target", "target"), ("duration", "duration")],
        EmitterType::RandomWalk => &[
            ("type", "type"),
            ("target", "target"),
            ("elasticity", "elasticity"),
            ("stepSize", "stepSize"),
            ("variation", "variation"),
        ],
        EmitterType::NormalNoise => &[
            ("type", "type"),
            ("target", "target"),
            ("stdDev", "stdDev"),
            ("variation", "variation"),
            ("direction", "direction"),
        ],
        EmitterType::PoissonNoise => {
            &[("type", "type"), ("target", "target"), ("max", "max"), ("direction", "direction")]
        }
        EmitterType::SpikyNoise => &[
            ("type", "type"),
            ("pStart", "pStart"),
            ("pEnd", "pEnd"),
            ("peakTarget", "peakTarget"),
            ("variation", "variation"),
            ("direction", "direction"),
        ],
        EmitterType::Periodic => &[
            ("type", "type"),
            ("shape", "shape"),
            ("period", "period"),
            ("amplitude", "amplitude"),
            ("offset", "offset"),
            ("phase", "phase"),
            ("duty", "duty"),
        ],
        EmitterType::Sequence => &[("type", "type"), ("values", "values"), ("repeat", "repeat")],
        EmitterType::Clamp => &[("type", "type"), ("min", "min"), ("max", "max")],
        EmitterType::Scale => &[("type", "type"), ("factor", "factor")],
        EmitterType::Round => &[("type", "type"), ("step", "step")],
        EmitterType::Abs => &[("type", "type")],
    }
}

/// What the script pass remembers of an emitter's configuration for checks that
/// span several actions.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct Remembered {
    /// A clamp's current limits.
    pub clamp: (Option<f64>, Option<f64>),
}

/// Reads fields of one spec, remembering whether any was bad and which
/// required ones are missing.
struct SpecReader<'f, 'n> {
    f: &'f Fields<'n>,
    fresh: bool,
    ok: bool,
    missing: Vec<&'static str>,
}

impl SpecReader<'_, '_> {
    fn num(&mut self, r: &mut Reader<'_>, key: &str, rule: Rule) -> Option<f64> {
        let n = self.f.get(key)?;
        let v = r.float(n, &format!("`{key}`")).and_then(|v| rule.check(r, n, key, v));
        self.ok &= v.is_some();
        v
    }

    fn read<T>(
        &mut self,
        r: &mut Reader<'_>,
        key: &str,
        read: impl FnOnce(&mut Reader<'_>, &Node) -> Option<T>,
    ) -> Option<T> {
        let n = self.f.get(key)?;
        let v = read(r, n);
        self.ok &= v.is_some();
        v
    }

    /// On a definition, `key` must be given.
    fn require(&mut self, key: &'static str) {
        if self.fresh && self.f.get(key).is_none() {
            self.missing.push(key);
        }
    }
}

/// Reads the spec of emitter `name`, of type `ty`. `fresh` means the action
/// defines the emitter (or replaces it with another type), so required fields
/// must be there. Reports every bad field and returns `None` if there was one.
pub(crate) fn read(
    r: &mut Reader<'_>,
    spec: &Node,
    name: &str,
    ty: EmitterType,
    fresh: bool,
    remembered: &mut Remembered,
) -> Option<EmitterSpec<'static>> {
    let what = format!("the spec of emitter `{name}`");
    let f = r.fields(spec, &what, keys(ty))?;
    let mut s = SpecReader { f: &f, fresh, ok: true, missing: Vec::new() };
    let out = match ty {
        EmitterType::Constant => EmitterSpec::Constant(ConstantSpec { value: s.num(r, "value", Rule::Any) }),
        EmitterType::Ramp => {
            let spec = RampSpec {
                start: s.num(r, "start", Rule::Any),
                target: s.num(r, "target", Rule::Any),
                duration: s.read(r, "duration", |r, n| r.positive_duration(n, "ramp `duration`")),
            };
            s.require("duration");
            EmitterSpec::Ramp(spec)
        }
        EmitterType::RandomWalk => {
            let spec = RandomWalkSpec {
                target: s.num(r, "target", Rule::Any),
                elasticity: s.num(r, "elasticity", Rule::Unit),
                step_size: s.num(r, "stepSize", Rule::Positive),
                variation: s.num(r, "variation", Rule::NonNegative),
            };
            s.require("stepSize");
            s.require("variation");
            EmitterSpec::RandomWalk(spec)
        }
        EmitterType::NormalNoise => {
            let spec = NormalNoiseSpec {
                target: s.num(r, "target", Rule::Any),
                std_dev: s.num(r, "stdDev", Rule::NonNegative),
                variation: s.num(r, "variation", Rule::NonNegative),
                direction: s.read(r, "direction", |r, n| r.choice(n, "`direction`", DIRECTIONS)),
            };
            if fresh && f.get("stdDev").is_none() && f.get("variation").is_none() {
                r.rep.error(f.span, format!("normalNoise `{name}` needs `stdDev` or `variation` (or both)"));
                s.ok = false;
            }
            EmitterSpec::NormalNoise(spec)
        }
        EmitterType::PoissonNoise => EmitterSpec::PoissonNoise(PoissonNoiseSpec {
            target: s.num(r, "target", Rule::NonNegative),
            max: s.num(r, "max", Rule::NonNegative),
            direction: s.read(r, "direction", |r, n| r.choice(n, "`direction`", ONE_WAY)),
        }),
        EmitterType::SpikyNoise => EmitterSpec::SpikyNoise(SpikyNoiseSpec {
            p_start: s.num(r, "pStart", Rule::Unit),
            p_end: s.num(r, "pEnd", Rule::Unit),
            peak_target: s.num(r, "peakTarget", Rule::NonNegative),
            variation: s.num(r, "variation", Rule::NonNegative),
            direction: s.read(r, "direction", |r, n| r.choice(n, "`direction`", ONE_WAY)),
        }),
        EmitterType::Periodic => {
            let spec = PeriodicSpec {
                shape: s.read(r, "shape", |r, n| r.choice(n, "periodic `shape`", SHAPES)),
                period: s.read(r, "period", |r, n| r.positive_duration(n, "periodic `period`")),
                amplitude: s.num(r, "amplitude", Rule::Any),
                offset: s.num(r, "offset", Rule::Any),
                phase: s.read(r, "phase", |r, n| r.duration(n, "periodic `phase`")),
                duty: s.num(r, "duty", Rule::OpenUnit),
            };
            s.require("shape");
            s.require("period");
            EmitterSpec::Periodic(spec)
        }
        EmitterType::Sequence => {
            let spec = SequenceSpec {
                values: s.read(r, "values", read_sequence).map(Cow::Owned),
                repeat: s.read(r, "repeat", |r, n| r.boolean(n, "`repeat`")),
            };
            s.require("values");
            EmitterSpec::Sequence(spec)
        }
        EmitterType::Clamp => {
            let (min, max) = (s.num(r, "min", Rule::Any), s.num(r, "max", Rule::Any));
            if fresh && f.get("min").is_none() && f.get("max").is_none() {
                r.rep.error(f.span, format!("clamp `{name}` needs `min` or `max` (or both)"));
                s.ok = false;
            }
            let limits = if fresh { (min, max) } else { (min.or(remembered.clamp.0), max.or(remembered.clamp.1)) };
            if let (Some(lo), Some(hi)) = limits
                && lo > hi
            {
                let at = f.get("min").or(f.get("max")).map_or(f.span, |n| r.span(n));
                let (lo, hi) = (crate::gofmt::go_float(lo), crate::gofmt::go_float(hi));
                r.rep.error(at, format!("clamp `{name}` would have `min` {lo} above `max` {hi}"));
                s.ok = false;
            }
            remembered.clamp = limits;
            EmitterSpec::Clamp(ClampSpec { min, max })
        }
        EmitterType::Scale => EmitterSpec::Scale(ScaleSpec { factor: s.num(r, "factor", Rule::Any) }),
        EmitterType::Round => EmitterSpec::Round(RoundSpec { step: s.num(r, "step", Rule::Positive) }),
        EmitterType::Abs => EmitterSpec::Abs,
    };
    if !s.missing.is_empty() {
        let missing = std::mem::take(&mut s.missing);
        let examples: Vec<&str> = missing.iter().map(|k| example(k)).collect();
        let message = format!("{} `{name}` needs {} (e.g. {})", out.type_name(), list(missing), examples.join(", "));
        r.rep.error(f.span, message);
        s.ok = false;
    }
    s.ok.then_some(out)
}

/// An example of a required field, for messages.
fn example(key: &str) -> &'static str {
    match key {
        "duration" => "`duration: 5m`",
        "stepSize" => "`stepSize: 1`",
        "variation" => "`variation: 5`",
        "shape" => "`shape: sine`",
        "period" => "`period: 1m`",
        "values" => "`values: \"1+1x10 _ stale\"`",
        _ => "…",
    }
}

/// Ranges a number field may need to be in.
#[derive(Clone, Copy)]
enum Rule {
    Any,
    NonNegative,
    Positive,
    /// [0, 1]
    Unit,
    /// (0, 1)
    OpenUnit,
}

impl Rule {
    fn check(self, r: &mut Reader<'_>, n: &Node, key: &str, v: f64) -> Option<f64> {
        let (ok, rule) = match self {
            Rule::Any => (true, ""),
            Rule::NonNegative => (v >= 0.0, "at least 0"),
            Rule::Positive => (v > 0.0, "greater than 0"),
            Rule::Unit => ((0.0..=1.0).contains(&v), "from 0 to 1"),
            Rule::OpenUnit => (v > 0.0 && v < 1.0, "between 0 and 1 (exclusive)"),
        };
        if ok {
            return Some(v);
        }
        r.error(n, format!("`{key}` must be {rule}, found {}", crate::gofmt::go_float(v)));
        None
    }
}

/// The `values` notation, with a bad token reported at its own column.
fn read_sequence(r: &mut Reader<'_>, n: &Node) -> Option<Vec<super::model::SeqStep>> {
    let text = match &n.value {
        Value::Str(s) => s.clone(),
        // A lone number is a one-value sequence.
        Value::Int(i) => i.to_string(),
        Value::Float(f) => f.to_string(),
        _ => {
            r.error(n, format!("`values` must be a string such as \"1+1x10 _ stale\", found {}", n.value.kind()));
            return None;
        }
    };
    match sequence::parse(&text) {
        Ok(steps) => Some(steps),
        Err(e) => {
            let pos = token_pos(r, n, &text, e.offset);
            let span = super::diagnostic::Span { file: r.file, pos };
            r.rep.error(span, format!("sequence `values`: {}", e.message));
            None
        }
    }
}

/// Where character `offset` of a one-line scalar is in the file (the scalar's
/// start when the mapping is unclear, as for a scalar spread over lines).
fn token_pos(r: &Reader<'_>, n: &Node, text: &str, offset: usize) -> Pos {
    let Some(line) = r.rep.source_line(r.file, n.pos.line) else { return n.pos };
    let from: String = line.chars().skip(n.pos.column.saturating_sub(1) as usize).collect();
    let quote = usize::from(from.starts_with('"') || from.starts_with('\''));
    let body: String = from.chars().skip(quote).collect();
    if !body.starts_with(text.trim_end()) && !body.starts_with(&text.chars().take(offset + 1).collect::<String>()) {
        return n.pos;
    }
    Pos { line: n.pos.line, column: n.pos.column + (quote + offset) as u32 }
}
