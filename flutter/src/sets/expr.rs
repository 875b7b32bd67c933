//! Brace expressions in one string: `checkout-{pod=00..49}`, `{GET,POST}`,
//! `node-{pod/10}`, `{i:03}`, `{{` (SCENARIO.md, *Series sets*).
//!
//! A string parses into a [`Template`]: literal text, expressions that
//! multiply a set (ranges and alternatives, named or not) and references that
//! derive a value from a named expression or from the series' position. Names
//! are resolved across a whole metric spec by [`super::SetBuilder`], not here.

/// A string with its brace expressions parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Template {
    pub parts: Vec<Part>,
    /// It is its text as written: no expression, reference or escape.
    pub verbatim: bool,
}

/// One piece of a [`Template`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Part {
    /// Literal text (escapes already undone).
    Text(String),
    /// An expression that multiplies the set.
    Expr(Expr),
    /// A value derived from another expression or from the position `i`.
    Ref(Ref),
}

/// `{0..9}`, `{a,b}`, `{pod=00..49}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Expr {
    pub name: Option<String>,
    pub values: Values,
    /// Character offset of its `{` in the string.
    pub offset: usize,
}

/// What an expression ranges over.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Values {
    /// Integers from `first` towards `last` by `step`, padded to `width`
    /// (0: no padding).
    Range { first: i64, last: i64, step: u64, width: usize },
    /// The alternatives, as written.
    Alternatives(Vec<String>),
}

impl Values {
    /// How many values.
    pub fn len(&self) -> u64 {
        match self {
            Values::Range { first, last, step, .. } => ((*last as i128 - *first as i128).unsigned_abs()
                / *step as u128)
                .saturating_add(1)
                .try_into()
                .unwrap_or(u64::MAX),
            Values::Alternatives(a) => a.len() as u64,
        }
    }

    /// Appends the text of value `ordinal`. A range goes on past its last
    /// value in the same direction (churn's successors take the next unused
    /// values); alternatives wrap around.
    pub fn push_text(&self, ordinal: u64, out: &mut String) {
        use std::fmt::Write;
        match self {
            Values::Range { first, last, step, width } => {
                let delta = ordinal as i128 * *step as i128;
                let v = if last >= first { *first as i128 + delta } else { *first as i128 - delta };
                let _ = write!(out, "{v:0width$}");
            }
            Values::Alternatives(a) => out.push_str(&a[(ordinal % a.len() as u64) as usize]),
        }
    }
}

/// `{pod}`, `{pod/10}`, `{pod%4:02}`, `{i}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Ref {
    /// The named expression, or `None` for the position `i`.
    pub name: Option<String>,
    pub op: Op,
    /// `:0W`: pad the number to `W` digits.
    pub width: usize,
    /// Character offset of its `{` in the string.
    pub offset: usize,
}

/// What a reference makes of its expression.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Op {
    /// The named expression's value text (`{pod}`).
    Text,
    /// The position (`{i}`, `{pod:02}`).
    Position,
    /// The position divided by this (integer division).
    Div(u64),
    /// The position modulo this.
    Rem(u64),
}

impl Op {
    pub fn apply(self, position: u64) -> u64 {
        match self {
            Op::Text | Op::Position => position,
            Op::Div(k) => position / k,
            Op::Rem(k) => position % k,
        }
    }
}

/// The position of a series in its whole set.
pub(crate) const POSITION: &str = "i";

/// A bad expression: what is wrong, and at which character of the string.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ExprError {
    pub offset: usize,
    pub message: String,
}

/// The widest `:0W` accepted (a u64 has 20 digits).
const MAX_WIDTH: usize = 20;

impl Template {
    /// Parses `text`. Offsets in errors count characters.
    pub fn parse(text: &str) -> Result<Template, ExprError> {
        let chars: Vec<char> = text.chars().collect();
        let mut parts = Vec::new();
        let mut literal = String::new();
        let mut i = 0;
        let mut escaped = false;
        while i < chars.len() {
            match chars[i] {
                '{' if chars.get(i + 1) == Some(&'{') => {
                    literal.push('{');
                    escaped = true;
                    i += 2;
                }
                '}' if chars.get(i + 1) == Some(&'}') => {
                    literal.push('}');
                    escaped = true;
                    i += 2;
                }
                '}' => {
                    return Err(ExprError {
                        offset: i,
                        message: "a `}` that closes no brace expression: write `}}` for a literal `}`".into(),
                    });
                }
                '{' => {
                    let Some(len) = chars[i + 1..].iter().position(|&c| c == '}' || c == '{') else {
                        return Err(unclosed(i));
                    };
                    if chars[i + 1 + len] == '{' {
                        return Err(unclosed(i));
                    }
                    let body: String = chars[i + 1..i + 1 + len].iter().collect();
                    let part = parse_body(&body, i)?;
                    if !literal.is_empty() {
                        parts.push(Part::Text(std::mem::take(&mut literal)));
                    }
                    parts.push(part);
                    i += len + 2;
                }
                c => {
                    literal.push(c);
                    i += 1;
                }
            }
        }
        if !literal.is_empty() || parts.is_empty() {
            parts.push(Part::Text(literal));
        }
        let verbatim = !escaped && parts.len() == 1 && matches!(parts[0], Part::Text(_));
        Ok(Template { parts, verbatim })
    }
}

fn unclosed(offset: usize) -> ExprError {
    ExprError {
        offset,
        message: "a `{` that starts no brace expression (it is not closed by `}`): write `{{` for a literal `{`".into(),
    }
}

/// The body of `{…}` that starts at character `offset`.
fn parse_body(body: &str, offset: usize) -> Result<Part, ExprError> {
    let err = |message: String| ExprError { offset, message };
    if body.contains(',') {
        return Ok(Part::Expr(Expr { name: None, values: Values::Alternatives(split(body)), offset }));
    }
    if let Some((name, rest)) = body.split_once('=')
        && is_name(name)
    {
        if name == POSITION {
            return Err(err(format!(
                "`{POSITION}` is the series' position in its set and cannot name an expression: choose another name"
            )));
        }
        let values = if rest.contains(',') {
            Values::Alternatives(split(rest))
        } else {
            let shape = || {
                err(format!(
                    "`{{{body}}}`: after `{name}=` write a range such as `00..49` or alternatives such as `a,b`"
                ))
            };
            range(rest).ok_or_else(shape)?.map_err(err)?
        };
        return Ok(Part::Expr(Expr { name: Some(name.to_owned()), values, offset }));
    }
    if let Some(values) = range(body) {
        return Ok(Part::Expr(Expr { name: None, values: values.map_err(err)?, offset }));
    }
    reference(body, offset).ok_or_else(|| {
        err(format!(
            "`{{{body}}}` is not a brace expression (a range `0..9`, alternatives `a,b`, a name `pod=0..9` or a \
             derived value `{{pod/10}}`, `{{i}}`): write `{{{{` for a literal `{{`"
        ))
    })?
}

fn split(body: &str) -> Vec<String> {
    body.split(',').map(str::to_owned).collect()
}

/// `A..B` or `A..B..STEP`: `None` when it is not range-shaped, an error when
/// it is but is wrong.
fn range(text: &str) -> Option<Result<Values, String>> {
    let pieces: Vec<&str> = text.split("..").collect();
    if !(2..=3).contains(&pieces.len()) || !pieces.iter().all(|p| is_integer(p)) {
        return None;
    }
    let bound =
        |p: &str| p.parse::<i64>().map_err(|_| format!("the range bound `{p}` does not fit a 64-bit signed integer"));
    let (first, last) = match (bound(pieces[0]), bound(pieces[1])) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => return Some(Err(e)),
    };
    let step = match pieces.get(2) {
        None => 1,
        Some(s) => match s.parse::<u64>() {
            Ok(0) | Err(_) => return Some(Err(format!("the range step `{s}` must be a whole number above 0"))),
            Ok(s) => s,
        },
    };
    let padded = |p: &str| {
        let digits = p.trim_start_matches('-');
        digits.len() > 1 && digits.starts_with('0')
    };
    let width = if padded(pieces[0]) || padded(pieces[1]) { pieces[0].len().max(pieces[1].len()) } else { 0 };
    Some(Ok(Values::Range { first, last, step, width }))
}

/// `pod`, `pod/10`, `pod%4`, `pod/10:02`, `i:03`.
fn reference(body: &str, offset: usize) -> Option<Result<Part, ExprError>> {
    let (head, width) = match body.split_once(':') {
        Some((head, w)) => (head, Some(w)),
        None => (body, None),
    };
    let (name, op) = match head.find(['/', '%']) {
        Some(at) => (&head[..at], Some((&head[at..at + 1], &head[at + 1..]))),
        None => (head, None),
    };
    if !is_name(name) {
        return None;
    }
    let err = |message: String| Some(Err(ExprError { offset, message }));
    let op = match op {
        None if width.is_none() && name != POSITION => Op::Text,
        None => Op::Position,
        Some((sign, k)) => match k.parse::<u64>() {
            Ok(k) if k > 0 => {
                if sign == "/" {
                    Op::Div(k)
                } else {
                    Op::Rem(k)
                }
            }
            _ => return err(format!("`{{{body}}}`: `{sign}` takes a whole number above 0, found `{k}`")),
        },
    };
    let width = match width {
        None => 0,
        Some(w) => match (w.strip_prefix('0'), w.parse::<usize>()) {
            (Some(_), Ok(n)) if (1..=MAX_WIDTH).contains(&n) => n,
            _ => {
                return err(format!("`{{{body}}}`: a width is written `:0W` with W from 1 to {MAX_WIDTH}, e.g. `:02`"));
            }
        },
    };
    let name = (name != POSITION).then(|| name.to_owned());
    Some(Ok(Part::Ref(Ref { name, op, width, offset })))
}

fn is_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn is_integer(s: &str) -> bool {
    let digits = s.strip_prefix('-').unwrap_or(s);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}
