//! YAML text → a tree of nodes that keep their line and column.
//!
//! serde-saphyr stops at its first error, so it is used only for the syntax: it
//! builds this tree (anchors, aliases and merge keys resolved), and the checks of
//! keys, types and values run as a separate pass over it that collects every
//! error. All YAML-specific code stays in this file, so the parser can be swapped.

use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

/// A 1-based line and column (in characters) in a scenario file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pos {
    /// 1-based line.
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
}

/// A YAML value with its position.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// The value.
    pub value: Value,
    /// Where it is written (for an alias: where the alias is).
    pub pos: Pos,
}

/// A YAML value: scalars resolved by the YAML 1.2 core schema (strict booleans).
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// `~`, `null` or nothing.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// An integer (wide enough for any u64 or i64).
    Int(i128),
    /// A float, possibly NaN or infinite (rejected later, with a position).
    Float(f64),
    /// Any other scalar, quoted or not.
    Str(String),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, in the order written; duplicate keys are kept (and reported later).
    Map(Vec<(Node, Node)>),
}

impl Value {
    /// A short name of the value's type for "expected X, found Y" messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Null => "nothing (null)",
            Value::Bool(_) => "a boolean",
            Value::Int(_) => "an integer",
            Value::Float(_) => "a float",
            Value::Str(_) => "a string",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a map",
        }
    }
}

/// A YAML syntax error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    /// Where the parser stopped, when it knows.
    pub pos: Option<Pos>,
    /// What is wrong.
    pub message: String,
}

/// Parses one YAML document into a [`Node`] tree. An empty document is `Null`.
pub fn parse(text: &str) -> Result<Node, SyntaxError> {
    let options = serde_saphyr::options! {
        // Load tests write scenarios with tens of thousands of series; the
        // parser's defaults (250k nodes) are meant for small config files. The
        // alias-amplification limits stay as they are.
        budget: serde_saphyr::budget! {
            max_nodes: 50_000_000,
            max_events: 100_000_000,
            max_merge_keys: 1_000_000,
        },
        strict_booleans: true,
        duplicate_keys: serde_saphyr::DuplicateKeyPolicy::PassThrough,
        non_finite_float_policy: serde_saphyr::NonFiniteFloatPolicy::PassThrough,
        with_snippet: false,
    };
    serde_saphyr::from_str_with_options::<Node>(text, options).map_err(|err| {
        let pos = err.location().and_then(|loc| {
            let line = u32::try_from(loc.line()).ok()?;
            let column = u32::try_from(loc.column()).ok()?;
            (line > 0).then_some(Pos { line, column: column.max(1) })
        });
        let plain = serde_saphyr::render_options! { snippets: serde_saphyr::SnippetMode::Off };
        SyntaxError { pos, message: clean_message(&err.render_with_options(plain)) }
    })
}

/// Drops the parser's own " at line L, column C" suffix (positions are printed
/// in front, the same way for every error) and its advice about its own options.
fn clean_message(message: &str) -> String {
    let mut text = message.trim();
    if let Some(idx) = text.rfind(" at line ") {
        text = &text[..idx];
    }
    if let Some(rest) = text.strip_prefix("error: ") {
        text = rest;
    }
    let text = text.split(", set DuplicateKeyPolicy").next().unwrap_or(text);
    let text = text.split("; use from_str_multiple").next().unwrap_or(text);
    let mut out = format!("YAML syntax error: {text}");
    if text.contains("tab") {
        out.push_str(" (YAML indents with spaces only)");
    }
    if text.contains("multiple YAML documents") {
        out = "YAML syntax error: a scenario file holds one YAML document (remove `---`)".into();
    }
    out
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let spanned = Spanned::<Value>::deserialize(deserializer)?;
        let loc = spanned.referenced;
        let pos = Pos {
            line: u32::try_from(loc.line()).unwrap_or(u32::MAX),
            column: u32::try_from(loc.column()).unwrap_or(u32::MAX),
        };
        Ok(Node { value: spanned.value, pos })
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        Value::deserialize(d)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Int(i128::from(v)))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Int(i128::from(v)))
    }
    fn visit_i128<E>(self, v: i128) -> Result<Value, E> {
        Ok(Value::Int(v))
    }
    fn visit_u128<E>(self, v: u128) -> Result<Value, E> {
        Ok(i128::try_from(v).map(Value::Int).unwrap_or(Value::Float(v as f64)))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Float(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::Str(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::Str(v))
    }
    fn visit_bytes<E>(self, v: &[u8]) -> Result<Value, E> {
        Ok(Value::Str(String::from_utf8_lossy(v).into_owned()))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(node) = seq.next_element::<Node>()? {
            items.push(node);
        }
        Ok(Value::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<Node>()? {
            let value = map.next_value::<Node>()?;
            entries.push((key, value));
        }
        Ok(Value::Map(entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(line: u32, column: u32) -> Pos {
        Pos { line, column }
    }

    #[test]
    fn keeps_positions_and_types() {
        let node = parse("a: 10s\nb: 10\nc: \"10\"\nd: .nan\ne: yes\nf: [1, 2.5]\ng: ~\n").unwrap();
        let Value::Map(entries) = node.value else { panic!("not a map") };
        let values: Vec<(&Value, Pos)> = entries.iter().map(|(_, v)| (&v.value, v.pos)).collect();
        assert_eq!(values[0], (&Value::Str("10s".into()), at(1, 4)));
        assert_eq!(values[1], (&Value::Int(10), at(2, 4)));
        assert_eq!(values[2], (&Value::Str("10".into()), at(3, 4)));
        assert!(matches!(values[3].0, Value::Float(f) if f.is_nan()));
        assert_eq!(values[4], (&Value::Str("yes".into()), at(5, 4)));
        assert!(matches!(values[5].0, Value::Seq(items) if items.len() == 2 && items[1].pos == at(6, 8)));
        assert_eq!(values[6], (&Value::Null, at(7, 4)));
        assert_eq!(entries[1].0.pos, at(2, 1));
    }

    #[test]
    fn keeps_duplicate_keys_for_the_checker() {
        let node = parse("a: 1\na: 2\n").unwrap();
        let Value::Map(entries) = node.value else { panic!("not a map") };
        assert_eq!(entries.len(), 2);
    }

    #[test]
    fn resolves_aliases_and_merge_keys() {
        let node = parse("base: &b {x: 1}\nuse:\n  <<: *b\n  y: 2\n").unwrap();
        let Value::Map(entries) = node.value else { panic!("not a map") };
        let Value::Map(merged) = &entries[1].1.value else { panic!("not a map") };
        let keys: Vec<&Value> = merged.iter().map(|(k, _)| &k.value).collect();
        assert!(keys.contains(&&Value::Str("x".into())));
        assert!(keys.contains(&&Value::Str("y".into())));
    }

    #[test]
    fn syntax_errors_have_positions() {
        let err = parse("a: 1\nb:\n\t- c\n").unwrap_err();
        assert_eq!(err.pos.map(|p| p.line), Some(3));
        assert!(err.message.contains("tab"), "{}", err.message);
        let err = parse("a: [1, 2\nb: 3\n").unwrap_err();
        assert_eq!(err.pos.map(|p| p.line), Some(2));
        assert!(!err.message.contains(" at line "), "{}", err.message);
    }

    #[test]
    fn large_scenarios_fit_the_parser_budget() {
        let mut text = String::from("script:\n");
        // About 13 nodes a line: 20,000 lines pass the old 250k-node limit.
        for i in 0..20_000 {
            text.push_str(&format!("  - {{type: metric, name: m{i}, spec: {{type: gauge, emitters: [a, b]}}}}\n"));
        }
        let node = parse(&text).unwrap();
        let Value::Map(entries) = node.value else { panic!("not a map") };
        assert!(matches!(&entries[0].1.value, Value::Seq(items) if items.len() == 20_000));
    }

    #[test]
    fn empty_document_is_null() {
        assert_eq!(parse("").unwrap().value, Value::Null);
        assert_eq!(parse("# just a comment\n").unwrap().value, Value::Null);
    }
}
