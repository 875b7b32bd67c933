//! Typed reads from the YAML tree. Each read reports its own error (at the
//! node's line and column) and returns `None`, so one pass finds every problem.

use super::diagnostic::{FileId, Reporter, Span, did_you_mean};
use super::yaml::{Node, Pos, Value};
use crate::go::duration::{DurationError, GoDuration};

/// Reads nodes of one file, reporting problems into a [`Reporter`].
pub(crate) struct Reader<'r> {
    pub rep: &'r mut Reporter,
    pub file: FileId,
}

/// The known keys of a mapping, after unknown and duplicate keys were reported.
pub(crate) struct Fields<'n> {
    entries: Vec<(&'static str, &'n Node, &'n Node)>,
    /// Where the mapping itself is written.
    pub span: Span,
}

impl<'n> Fields<'n> {
    /// The value of `key`, if given (a null value counts as not given).
    pub fn get(&self, key: &str) -> Option<&'n Node> {
        self.entries.iter().find(|(k, _, v)| *k == key && v.value != Value::Null).map(|(_, _, v)| *v)
    }

    /// Where `key` itself is written, if it is (even with a null value).
    pub fn key(&self, key: &str) -> Option<&'n Node> {
        self.entries.iter().find(|(k, _, _)| *k == key).map(|(_, k, _)| *k)
    }
}

impl Reader<'_> {
    pub fn span(&self, node: &Node) -> Span {
        Span { file: self.file, pos: node.pos }
    }

    pub fn error(&mut self, node: &Node, message: impl Into<String>) {
        let span = self.span(node);
        self.rep.error(span, message);
    }

    /// Reports a problem at a position in this file (inside a scalar, say).
    pub fn error_at(&mut self, pos: super::yaml::Pos, message: impl Into<String>) {
        self.rep.error(Span { file: self.file, pos }, message);
    }

    fn wrong_type(&mut self, node: &Node, what: &str, expected: &str) {
        let found = node.value.kind();
        let hint = if expected == "a string" { self.flow_map_hint(node) } else { String::new() };
        self.error(node, format!("{what} must be {expected}, found {found}{hint}"));
    }

    /// For a map written `{…}` where a string belongs: how to write a brace
    /// expression instead (YAML reads an unquoted `{0..3}` as a map).
    pub fn flow_map_hint(&self, node: &Node) -> String {
        let Value::Map(_) = node.value else { return String::new() };
        let Some(line) = self.rep.source_line(self.file, node.pos.line) else { return String::new() };
        let from: String = line.chars().skip(node.pos.column.saturating_sub(1) as usize).collect();
        if !from.starts_with('{') {
            return String::new();
        }
        let written: String = match from.find('}') {
            Some(end) => from[..=end].to_owned(),
            None => "{…}".to_owned(),
        };
        format!(
            "; YAML reads an unquoted `{{` as the start of a map: for a brace expression write the string in quotes, \
             \"{written}\""
        )
    }

    /// Where character `offset` of the one-line scalar at `pos` whose value
    /// is `text` is in the file (see [`Reporter::pos_in`]).
    pub fn pos_in(&self, pos: Pos, text: &str, offset: usize) -> Pos {
        self.rep.pos_in(self.file, pos, text, offset)
    }

    /// A mapping's entries whose keys are among `allowed`; unknown keys (with a
    /// suggestion), duplicate keys and non-string keys are reported. `allowed`
    /// pairs each accepted spelling with the field it means (aliases share one).
    pub fn fields<'n>(&mut self, node: &'n Node, what: &str, allowed: &[(&str, &'static str)]) -> Option<Fields<'n>> {
        let Value::Map(entries) = &node.value else {
            self.wrong_type(node, what, "a map");
            return None;
        };
        let mut fields = Fields { entries: Vec::new(), span: self.span(node) };
        let mut seen: Vec<(&'static str, &Node)> = Vec::new();
        for (key, value) in entries {
            let Value::Str(name) = &key.value else {
                self.error(key, format!("keys in {what} must be strings, found {}", key.value.kind()));
                continue;
            };
            let Some(&(_, field)) = allowed.iter().find(|(spelling, _)| *spelling == name) else {
                let spellings = allowed.iter().map(|(s, _)| *s);
                let hint = match did_you_mean(name, spellings) {
                    Some(s) => format!("; did you mean `{s}`?"),
                    None => format!("; expected one of {}", list(allowed.iter().map(|(s, _)| *s))),
                };
                self.error(key, format!("unknown key `{name}` in {what}{hint}"));
                continue;
            };
            if let Some((_, first)) = seen.iter().find(|(f, _)| *f == field) {
                let first = self.rep.describe(self.span(first));
                self.error(key, format!("`{name}` is given twice in {what} (first at {first})"));
                continue;
            }
            seen.push((field, key));
            fields.entries.push((field, key, value));
        }
        Some(fields)
    }

    /// A string scalar.
    pub fn string(&mut self, node: &Node, what: &str) -> Option<String> {
        match &node.value {
            Value::Str(s) => Some(s.clone()),
            _ => {
                self.wrong_type(node, what, "a string");
                None
            }
        }
    }

    /// A non-empty string scalar.
    pub fn name(&mut self, node: &Node, what: &str) -> Option<String> {
        let s = self.string(node, what)?;
        if s.trim().is_empty() {
            self.error(node, format!("{what} must not be empty"));
            return None;
        }
        Some(s)
    }

    /// A finite number (integers are accepted as floats).
    pub fn float(&mut self, node: &Node, what: &str) -> Option<f64> {
        let x = match node.value {
            Value::Int(i) => i as f64,
            Value::Float(f) => f,
            _ => {
                self.wrong_type(node, what, "a number");
                return None;
            }
        };
        if !x.is_finite() {
            self.error(node, format!("{what} must be a finite number, found {}", non_finite_name(x)));
            return None;
        }
        Some(x)
    }

    /// A boolean (`true` or `false` only).
    pub fn boolean(&mut self, node: &Node, what: &str) -> Option<bool> {
        match &node.value {
            Value::Bool(b) => Some(*b),
            Value::Str(s) if ["yes", "no", "on", "off", "y", "n"].contains(&s.to_ascii_lowercase().as_str()) => {
                self.error(node, format!("{what} must be `true` or `false`; `{s}` is a string here (YAML 1.2)"));
                None
            }
            _ => {
                self.wrong_type(node, what, "`true` or `false`");
                None
            }
        }
    }

    /// An unsigned 64-bit integer.
    pub fn u64(&mut self, node: &Node, what: &str) -> Option<u64> {
        match node.value {
            Value::Int(i) => match u64::try_from(i) {
                Ok(v) => Some(v),
                Err(_) => {
                    self.error(node, format!("{what} must be an integer from 0 to {}, found {i}", u64::MAX));
                    None
                }
            },
            _ => {
                self.wrong_type(node, what, "an integer");
                None
            }
        }
    }

    /// A Go duration string such as `10s` (never a bare number).
    pub fn duration(&mut self, node: &Node, what: &str) -> Option<GoDuration> {
        match &node.value {
            Value::Str(s) => match GoDuration::parse(s) {
                Ok(d) => Some(d),
                Err(e) => {
                    self.error(node, format!("{what}: {e}"));
                    None
                }
            },
            Value::Int(i) => {
                let e = DurationError::MissingUnit(i.to_string());
                self.error(node, format!("{what}: {e}"));
                None
            }
            Value::Float(f) => {
                let e = DurationError::MissingUnit(f.to_string());
                self.error(node, format!("{what}: {e}"));
                None
            }
            _ => {
                self.wrong_type(node, what, "a duration such as `10s`");
                None
            }
        }
    }

    /// A duration that is not negative.
    pub fn non_negative_duration(&mut self, node: &Node, what: &str) -> Option<GoDuration> {
        let d = self.duration(node, what)?;
        if d.as_nanos() < 0 {
            self.error(node, format!("{what} must not be negative, found {d}"));
            return None;
        }
        Some(d)
    }

    /// A duration greater than zero.
    pub fn positive_duration(&mut self, node: &Node, what: &str) -> Option<GoDuration> {
        let d = self.duration(node, what)?;
        if d.as_nanos() <= 0 {
            self.error(node, format!("{what} must be greater than 0, found {d}"));
            return None;
        }
        Some(d)
    }

    /// One of a fixed set of words; unknown words get a suggestion.
    pub fn choice<T: Copy>(&mut self, node: &Node, what: &str, choices: &[(&str, T)]) -> Option<T> {
        let word = self.string(node, what)?;
        if let Some((_, v)) = choices.iter().find(|(name, _)| *name == word) {
            return Some(*v);
        }
        let names = choices.iter().map(|(n, _)| *n);
        let hint = match did_you_mean(&word, names.clone()) {
            Some(s) => format!("; did you mean `{s}`?"),
            None => format!("; expected one of {}", list(names)),
        };
        self.error(node, format!("unknown {what} `{word}`{hint}"));
        None
    }

    /// A list's items.
    pub fn seq<'n>(&mut self, node: &'n Node, what: &str) -> Option<&'n [Node]> {
        match &node.value {
            Value::Seq(items) => Some(items),
            _ => {
                self.wrong_type(node, what, "a list");
                None
            }
        }
    }
}

fn non_finite_name(x: f64) -> &'static str {
    if x.is_nan() {
        "NaN"
    } else if x > 0.0 {
        "infinity"
    } else {
        "-infinity"
    }
}

/// `a`, `b` or `c` as an English list of code words.
pub(crate) fn list<'a>(words: impl IntoIterator<Item = &'a str>) -> String {
    join_words(words, "or")
}

/// `a`, `b` and `c` as an English list of code words.
pub(crate) fn list_all<'a>(words: impl IntoIterator<Item = &'a str>) -> String {
    join_words(words, "and")
}

fn join_words<'a>(words: impl IntoIterator<Item = &'a str>, last: &str) -> String {
    let words: Vec<String> = words.into_iter().map(|w| format!("`{w}`")).collect();
    match words.len() {
        0 => String::new(),
        1 => words[0].clone(),
        n => format!("{} {last} {}", words[..n - 1].join(", "), words[n - 1]),
    }
}

/// Reads an optional field: `Some(None)` when absent, `None` when present but bad.
pub(crate) fn opt<T>(
    r: &mut Reader<'_>,
    f: &Fields<'_>,
    key: &str,
    read: impl FnOnce(&mut Reader<'_>, &Node) -> Option<T>,
) -> Option<Option<T>> {
    match f.get(key) {
        None => Some(None),
        Some(n) => read(r, n).map(Some),
    }
}
