//! `sequence`: walks a list written in the notation of Prometheus' rule tests,
//! `1+1x3 _ 5 stale 7x2 _x1`, one value per sample.

use std::borrow::Cow;
use std::sync::Arc;

use super::{ChainValue, EmitterKind, Mark, SeriesState, ValueRange};
use crate::distributions::RandomBits;
use crate::go::duration::GoDuration;
use crate::scenario::read::Reader;
use crate::scenario::spec::{Context, CustomShape, DefaultValue, Field};
use crate::scenario::yaml::{Node, Value};

/// One step of a `sequence`, as written: `a+bxn`, `_xn`, `stale`, …
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "bake", derive(serde::Serialize))]
pub enum SeqStep {
    /// `count` values `start, start + step, …` (`a+bxn` gives n + 1 of them).
    Values {
        /// First value.
        start: f64,
        /// Added per value (negative for `a-bxn`, 0 for `axn`).
        step: f64,
        /// How many values.
        count: u64,
    },
    /// `count` points with no value (`_`, `_xn`).
    Missing {
        /// How many.
        count: u64,
    },
    /// A staleness marker (`stale`).
    Stale,
}

/// `sequence`: walks a list of values, one per sample.
#[derive(Clone, Debug, Default, PartialEq)]
#[cfg_attr(feature = "bake", derive(serde::Serialize))]
pub struct SequenceSpec<'a> {
    /// The expanded notation (required on definition).
    pub values: Option<Cow<'a, [SeqStep]>>,
    /// Start again after the last value (default false: hold the last value).
    pub repeat: Option<bool>,
}

impl SequenceSpec<'_> {
    const DEFAULT_REPEAT: bool = false;
}

type F = Field<SequenceSpec<'static>>;

/// What a sequence gives at a sample.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum SeqValue {
    Value(f64),
    Missing,
    Stale,
}

/// A sequence's current configuration; a series' place in it is its state
/// (word 0: the step, word 1: the value within the step).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Sequence {
    /// Shared with the spec's copies: a series' own copy of the emitter costs no list.
    pub steps: Arc<[SeqStep]>,
    pub repeat: bool,
}

impl Sequence {
    /// The value at position (`step`, `within`), then moves the position on:
    /// after the last value it starts again, or stays on the last one.
    #[inline]
    pub fn next(&self, step: &mut u64, within: &mut u64) -> SeqValue {
        let Some(current) = usize::try_from(*step).ok().and_then(|i| self.steps.get(i)) else {
            return SeqValue::Missing;
        };
        let (value, count) = match *current {
            SeqStep::Values { start, step, count } => (SeqValue::Value(start + *within as f64 * step), count),
            SeqStep::Missing { count } => (SeqValue::Missing, count),
            SeqStep::Stale => (SeqValue::Stale, 1),
        };
        if *within + 1 < count {
            *within += 1;
        } else if (*step as usize) + 1 < self.steps.len() {
            *step += 1;
            *within = 0;
        } else if self.repeat {
            *step = 0;
            *within = 0;
        }
        value
    }
}

impl EmitterKind for Sequence {
    type Spec = SequenceSpec<'static>;
    const NAME: &'static str = "sequence";
    const DOC: &'static str = "the listed values, one per sample (Prometheus rule-test notation: `1+2x3`, `_`, \
                               `stale`, …); after the last it holds it, or starts again with `repeat`";
    const FIELDS: &'static [F] = &[
        F::custom("values", CustomShape::SequenceNotation, read_values)
            .doc("the values in Prometheus' rule-test notation, e.g. `\"1+1x10 _ stale\"`")
            .required("values: \"1+1x10 _ stale\""),
        F::boolean("repeat", |s, v| s.repeat = Some(v))
            .doc("start again after the last value (otherwise hold it)")
            .default(DefaultValue::Bool(SequenceSpec::DEFAULT_REPEAT)),
    ];

    /// The loader guarantees `values` (non-empty) on definition.
    fn new(spec: &SequenceSpec<'static>, at: GoDuration) -> Self {
        let mut s = Sequence { steps: Arc::new([]), repeat: SequenceSpec::DEFAULT_REPEAT };
        s.reconfigure(spec, at);
        s
    }

    fn reconfigure(&mut self, spec: &SequenceSpec<'static>, _: GoDuration) {
        if let Some(values) = &spec.values {
            self.steps = Arc::from(values.as_ref());
        }
        self.repeat = spec.repeat.unwrap_or(self.repeat);
    }

    #[inline(always)]
    fn apply(&self, v: &mut ChainValue, _: i64, state: &mut SeriesState, _: &mut impl RandomBits) {
        let [mut step, mut within] = state.words();
        let next = self.next(&mut step, &mut within);
        state.set_words([step, within]);
        match next {
            SeqValue::Value(x) => v.value += x,
            SeqValue::Missing => v.mark(Mark::Missing),
            SeqValue::Stale => v.mark(Mark::Stale),
        }
    }

    fn range(&self, before: ValueRange) -> ValueRange {
        let mut all: Option<ValueRange> = None;
        for step in self.steps.iter() {
            if let SeqStep::Values { start, step, count } = *step {
                let last = start + step * count.saturating_sub(1) as f64;
                let r = ValueRange::between(start, last);
                all = Some(all.map_or(r, |a| ValueRange { lo: a.lo.min(r.lo), hi: a.hi.max(r.hi) }));
            }
        }
        all.map_or(before, |r| before.plus(r))
    }

    /// A reconfigured sequence starts again from its first value.
    fn reset(&self, state: &mut SeriesState) {
        *state = SeriesState::default();
    }
}

/// The `values` notation, with a bad token reported at its own column.
fn read_values(r: &mut Reader<'_>, n: &Node, _: &Context<'_>, spec: &mut SequenceSpec<'static>) -> Option<()> {
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
    match parse(&text) {
        Ok(steps) => {
            spec.values = Some(Cow::Owned(steps));
            Some(())
        }
        Err(e) => {
            let pos = r.pos_in(n.pos, &text, e.offset);
            r.error_at(pos, format!("sequence `values`: {}", e.message));
            None
        }
    }
}

/// A token that is not part of the notation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeqError {
    /// Characters from the start of the text to the token.
    pub offset: usize,
    pub message: String,
}

/// Parses space-separated tokens: `a+bxn` (n + 1 values from `a`, step `b`),
/// `a-bxn` (counting down), `axn` (`a`, n + 1 times), a plain number, `_` (a
/// missing point), `_xn` (n + 1 missing points) and `stale`.
pub fn parse(text: &str) -> Result<Vec<SeqStep>, SeqError> {
    let mut steps = Vec::new();
    let mut chars = 0;
    let mut rest = text;
    while !rest.is_empty() {
        let skipped = rest.len() - rest.trim_start().len();
        chars += rest[..skipped].chars().count();
        rest = &rest[skipped..];
        if rest.is_empty() {
            break;
        }
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let token = &rest[..end];
        steps.push(parse_token(token).map_err(|message| SeqError { offset: chars, message })?);
        chars += token.chars().count();
        rest = &rest[end..];
    }
    if steps.is_empty() {
        return Err(SeqError { offset: 0, message: "a sequence needs at least one value, e.g. `1+1x10`".into() });
    }
    Ok(steps)
}

fn parse_token(token: &str) -> Result<SeqStep, String> {
    if token == "stale" {
        return Ok(SeqStep::Stale);
    }
    let bad = || {
        format!(
            "`{token}` is not a sequence value (expected e.g. `5`, `1+1x10`, `9-2x3`, `0x5`, `_`, `_x3` or `stale`)"
        )
    };
    let (head, times) = match token.rsplit_once('x') {
        Some((head, n)) => {
            let n: u64 =
                n.parse().map_err(|_| format!("`{token}`: the repeat count after `x` must be a whole number"))?;
            let count = n.checked_add(1).ok_or_else(|| format!("`{token}`: the repeat count is too large"))?;
            (head, Some(count))
        }
        None => (token, None),
    };
    if head == "_" {
        return Ok(SeqStep::Missing { count: times.unwrap_or(1) });
    }
    let number = |s: &str| -> Result<f64, String> {
        match s.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(v),
            Ok(_) => Err(format!("`{token}`: values must be finite numbers")),
            Err(_) => Err(bad()),
        }
    };
    if head.parse::<f64>().is_ok() {
        let start = number(head)?;
        return Ok(SeqStep::Values { start, step: 0.0, count: times.unwrap_or(1) });
    }
    let Some(count) = times else { return Err(bad()) };
    // `a+b` or `a-b`: the sign after the first character that does not belong
    // to an exponent (`1e-3+2x4`).
    let bytes = head.as_bytes();
    let split = (1..bytes.len())
        .find(|&i| (bytes[i] == b'+' || bytes[i] == b'-') && !matches!(bytes[i - 1], b'e' | b'E'))
        .ok_or_else(bad)?;
    let start = number(&head[..split])?;
    let step = number(&head[split + 1..])?;
    let step = if bytes[split] == b'-' { -step } else { step };
    Ok(SeqStep::Values { start, step, count })
}

#[cfg(test)]
mod notation_tests {
    use super::*;

    fn values(start: f64, step: f64, count: u64) -> SeqStep {
        SeqStep::Values { start, step, count }
    }

    #[test]
    fn every_form() {
        let got = parse("1+1x3 _ 5 stale 7x2 _x1 9-2x2 -2+0.5x1 1e-3+2x0  ").unwrap();
        assert_eq!(
            got,
            vec![
                values(1.0, 1.0, 4),
                SeqStep::Missing { count: 1 },
                values(5.0, 0.0, 1),
                SeqStep::Stale,
                values(7.0, 0.0, 3),
                SeqStep::Missing { count: 2 },
                values(9.0, -2.0, 3),
                values(-2.0, 0.5, 2),
                values(0.001, 2.0, 1),
            ]
        );
    }

    #[test]
    fn bad_tokens_name_their_offset() {
        let err = parse("1 2 3+x4 5").unwrap_err();
        assert_eq!(err.offset, 4);
        assert!(err.message.contains("`3+x4`"), "{}", err.message);
        let err = parse("  1 two").unwrap_err();
        assert_eq!(err.offset, 4);
        assert_eq!(parse("1x-1").unwrap_err().offset, 0);
        assert!(parse("1x2.5").unwrap_err().message.contains("whole number"));
        assert!(parse("1 Inf").unwrap_err().message.contains("finite"));
        assert!(parse("   ").unwrap_err().message.contains("at least one value"));
        assert_eq!(parse("é 1 +").unwrap_err().offset, 0);
        assert_eq!(parse("1 é").unwrap_err().offset, 2);
    }
}
