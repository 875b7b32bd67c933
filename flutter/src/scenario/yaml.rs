//! YAML text → a tree of nodes that keep their line and column.
//!
//! The tree is built from granit-parser's events (the YAML 1.2 scanner serde-
//! saphyr uses, without serde's per-node machinery: a million-action file
//! loads in seconds): anchors, aliases and merge keys resolved, plain scalars
//! typed by the YAML 1.2 core schema. It stops at the first syntax error; the
//! checks of keys, types and values run as a separate pass over the tree that
//! collects every error. All YAML-specific code stays in this file, so the
//! parser can be swapped.

use std::borrow::Cow;

use granit_parser::{Event, Parser, ScalarStyle, ScanError, Span, Tag};

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

/// A YAML value: scalars resolved by the YAML 1.2 core schema.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// `~`, `null` or nothing.
    Null,
    /// `true` or `false` (`yes`, `on` and the like are strings).
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

/// The most nodes a file may expand to (aliases counted each time they are
/// used): generous for load tests, a stop for alias "billion laughs".
const MAX_NODES: usize = 100_000_000;

/// The most values aliases may add by repeating their anchors (each use
/// counts everything the anchor holds): room for a large scenario sharing
/// specs by anchors, a stop long before an alias "billion laughs" fills memory.
const MAX_ALIAS_NODES: usize = 10_000_000;

/// The deepest nesting of lists and maps.
const MAX_DEPTH: usize = 256;

/// Parses one YAML document into a [`Node`] tree. An empty document is `Null`.
pub fn parse(text: &str) -> Result<Node, SyntaxError> {
    let mut b = Builder { events: Parser::new_from_str(text), anchors: Vec::new(), nodes: 0, alias_nodes: 0 };
    let mut root = None;
    while let Some((event, span)) = b.next()? {
        match event {
            Event::StreamStart | Event::DocumentEnd | Event::StreamEnd => {}
            Event::DocumentStart(..) if root.is_some() => {
                return Err(syntax(span, "a scenario file holds one YAML document (remove `---`)".into()));
            }
            Event::DocumentStart(..) => root = Some(Node { value: Value::Null, pos: pos(span) }),
            event if event.is_node() => {
                let node = b.node(event, span, 0)?;
                root = Some(node);
            }
            _ => {}
        }
    }
    Ok(root.unwrap_or(Node { value: Value::Null, pos: Pos { line: 1, column: 1 } }))
}

/// Builds nodes from the parser's events.
struct Builder<'t> {
    events: Parser<'t, granit_parser::StrInput<'t>>,
    /// Anchored nodes by anchor id (ids start at 1).
    anchors: Vec<Option<Node>>,
    /// Nodes made so far, aliases' copies included.
    nodes: usize,
    /// Nodes made by aliases so far.
    alias_nodes: usize,
}

impl<'t> Builder<'t> {
    fn next(&mut self) -> Result<Option<(Event<'t>, Span)>, SyntaxError> {
        match self.events.next() {
            None => Ok(None),
            Some(Ok(e)) => Ok(Some(e)),
            Some(Err(e)) => Err(scan_error(&e)),
        }
    }

    /// The next event that is a node (comments and the like skipped).
    fn next_node_event(&mut self) -> Result<(Event<'t>, Span), SyntaxError> {
        loop {
            match self.next()? {
                Some((e, span)) if e.is_node() || matches!(e, Event::SequenceEnd | Event::MappingEnd) => {
                    return Ok((e, span));
                }
                Some(_) => {}
                None => return Err(SyntaxError { pos: None, message: "YAML syntax error: unexpected end".into() }),
            }
        }
    }

    fn count(&mut self, n: usize, span: Span) -> Result<(), SyntaxError> {
        self.nodes += n;
        if self.nodes > MAX_NODES {
            return Err(syntax(
                span,
                format!("the file expands to more than {MAX_NODES} YAML values (its aliases repeat too much)"),
            ));
        }
        Ok(())
    }

    fn anchor(&mut self, id: usize, node: &Node) {
        if id == 0 {
            return;
        }
        if self.anchors.len() <= id {
            self.anchors.resize(id + 1, None);
        }
        self.anchors[id] = Some(node.clone());
    }

    fn node(&mut self, event: Event<'t>, span: Span, depth: usize) -> Result<Node, SyntaxError> {
        if depth > MAX_DEPTH {
            return Err(syntax(span, format!("lists and maps are nested more than {MAX_DEPTH} deep")));
        }
        self.count(1, span)?;
        let at = pos(span);
        match event {
            Event::Scalar(text, style, anchor, tag) => {
                let node = Node { value: scalar(text, style, tag.as_deref(), span)?, pos: at };
                self.anchor(anchor, &node);
                Ok(node)
            }
            Event::Alias(id) => {
                let Some(target) = self.anchors.get_mut(id).and_then(Option::take) else {
                    return Err(syntax(span, "an alias (`*name`) refers to no anchor (`&name`) before it".into()));
                };
                // Counted before the copy is made: the copy is what fills memory.
                let copies = size(&target);
                self.alias_nodes += copies;
                let copy = (self.alias_nodes <= MAX_ALIAS_NODES).then(|| target.clone());
                self.anchors[id] = Some(target);
                let Some(copy) = copy else {
                    return Err(syntax(
                        span,
                        "the file's aliases repeat their anchors into more than 10 million YAML values, so flutter \
                         stops here (an alias of a list of aliases repeats all of them: a \"billion laughs\")"
                            .into(),
                    ));
                };
                self.count(copies, span)?;
                Ok(Node { pos: at, ..copy })
            }
            Event::SequenceStart(_, anchor, tag) => {
                check_collection_tag(tag.as_deref(), "seq", span)?;
                let mut items = Vec::new();
                loop {
                    let (e, s) = self.next_node_event()?;
                    if matches!(e, Event::SequenceEnd) {
                        break;
                    }
                    items.push(self.node(e, s, depth + 1)?);
                }
                // Exact sizes: a load test's tree holds millions of small lists.
                items.shrink_to_fit();
                let node = Node { value: Value::Seq(items), pos: at };
                self.anchor(anchor, &node);
                Ok(node)
            }
            Event::MappingStart(_, anchor, tag) => {
                check_collection_tag(tag.as_deref(), "map", span)?;
                let mut entries: Vec<(Node, Node)> = Vec::new();
                // Merge keys (`<<: *base`): where they were, what they bring.
                let mut merges: Vec<(usize, Vec<(Node, Node)>)> = Vec::new();
                loop {
                    let (e, s) = self.next_node_event()?;
                    if matches!(e, Event::MappingEnd) {
                        break;
                    }
                    let is_merge = matches!(&e, Event::Scalar(k, ScalarStyle::Plain, _, None) if k == "<<");
                    let key = self.node(e, s, depth + 1)?;
                    let (e, s) = self.next_node_event()?;
                    let value = self.node(e, s, depth + 1)?;
                    if is_merge {
                        merges.push((entries.len(), merged(value, s)?));
                    } else {
                        entries.push((key, value));
                    }
                }
                // Keys written in the map win; among merged maps, the first.
                for (at, brought) in merges.into_iter().rev() {
                    let mut kept: Vec<(Node, Node)> = Vec::new();
                    for (k, v) in brought {
                        let present = entries.iter().any(|(e, _)| e.value == k.value)
                            || kept.iter().any(|(e, _)| e.value == k.value);
                        if !present {
                            kept.push((k, v));
                        }
                    }
                    entries.splice(at..at, kept);
                }
                entries.shrink_to_fit();
                let node = Node { value: Value::Map(entries), pos: at };
                self.anchor(anchor, &node);
                Ok(node)
            }
            _ => Err(syntax(span, "YAML syntax error: unexpected element".into())),
        }
    }
}

/// What a merge key's value brings: a map's entries, or those of a list of maps.
fn merged(value: Node, span: Span) -> Result<Vec<(Node, Node)>, SyntaxError> {
    let not_a_map = || syntax(span, "a merge key (`<<`) takes a map or a list of maps".into());
    match value.value {
        Value::Map(entries) => Ok(entries),
        Value::Seq(items) => {
            let mut all = Vec::new();
            for item in items {
                let Value::Map(entries) = item.value else { return Err(not_a_map()) };
                all.extend(entries);
            }
            Ok(all)
        }
        _ => Err(not_a_map()),
    }
}

/// How many nodes `node` holds, itself included.
fn size(node: &Node) -> usize {
    1 + match &node.value {
        Value::Seq(items) => items.iter().map(size).sum(),
        Value::Map(entries) => entries.iter().map(|(k, v)| size(k) + size(v)).sum(),
        _ => 0,
    }
}

fn pos(span: Span) -> Pos {
    let line = u32::try_from(span.start.line()).unwrap_or(u32::MAX);
    let column = u32::try_from(span.start.col() + 1).unwrap_or(u32::MAX);
    Pos { line: line.max(1), column }
}

fn syntax(span: Span, message: String) -> SyntaxError {
    let message = if message.starts_with("YAML") { message } else { format!("YAML syntax error: {message}") };
    SyntaxError { pos: Some(pos(span)), message }
}

/// A scanner error, worded for users (the position is printed in front).
fn scan_error(e: &ScanError) -> SyntaxError {
    let m = e.marker();
    let line = u32::try_from(m.line()).unwrap_or(u32::MAX);
    let column = u32::try_from(m.col() + 1).unwrap_or(u32::MAX);
    let info = e.info();
    let text = info.lines().next().unwrap_or("").trim();
    let mut message = format!("YAML syntax error: {text}");
    if text.contains("tab") {
        message.push_str(" (YAML indents with spaces only)");
    }
    SyntaxError { pos: (line > 0).then_some(Pos { line, column }), message }
}

/// The core schema tag suffix of `tag` (`str`, `int`, …), or an error for
/// tags flutter does not read.
fn core_tag(tag: &Tag, span: Span) -> Result<&str, SyntaxError> {
    tag.core_suffix().ok_or_else(|| {
        syntax(
            span,
            format!("the tag `{}{}` is not supported: write the value without it", tag.original_handle(), tag.suffix()),
        )
    })
}

fn check_collection_tag(tag: Option<&Tag>, want: &str, span: Span) -> Result<(), SyntaxError> {
    match tag {
        None => Ok(()),
        Some(tag) if core_tag(tag, span)? == want => Ok(()),
        Some(tag) => Err(syntax(span, format!("the tag `!!{}` does not fit a {want}", tag.suffix()))),
    }
}

/// A scalar's value: quoted and block scalars are strings, plain ones are
/// typed by the YAML 1.2 core schema, tagged ones by their tag.
fn scalar(text: Cow<'_, str>, style: ScalarStyle, tag: Option<&Tag>, span: Span) -> Result<Value, SyntaxError> {
    if let Some(tag) = tag {
        let bad = |what: &str| syntax(span, format!("`{text}` is not {what} (tagged `!!{}`)", tag.suffix()));
        return match core_tag(tag, span)? {
            "str" => Ok(Value::Str(text.into_owned())),
            "null" => Ok(Value::Null),
            "bool" => match core_value(&text) {
                Some(v @ Value::Bool(_)) => Ok(v),
                _ => Err(bad("a boolean")),
            },
            "int" => match core_value(&text) {
                Some(v @ Value::Int(_)) => Ok(v),
                _ => Err(bad("an integer")),
            },
            "float" => match core_value(&text) {
                Some(Value::Int(i)) => Ok(Value::Float(i as f64)),
                Some(v @ Value::Float(_)) => Ok(v),
                _ => Err(bad("a number")),
            },
            other => Err(syntax(span, format!("the tag `!!{other}` does not fit a scalar"))),
        };
    }
    if style != ScalarStyle::Plain {
        return Ok(Value::Str(text.into_owned()));
    }
    Ok(core_value(&text).unwrap_or_else(|| Value::Str(text.into_owned())))
}

/// A plain scalar's value by the YAML 1.2 core schema, unless it is a string.
fn core_value(s: &str) -> Option<Value> {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return Some(Value::Null),
        "true" | "True" | "TRUE" => return Some(Value::Bool(true)),
        "false" | "False" | "FALSE" => return Some(Value::Bool(false)),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => return Some(Value::Float(f64::INFINITY)),
        "-.inf" | "-.Inf" | "-.INF" => return Some(Value::Float(f64::NEG_INFINITY)),
        ".nan" | ".NaN" | ".NAN" => return Some(Value::Float(f64::NAN)),
        _ => {}
    }
    let digits = |t: &str, radix: u32| !t.is_empty() && t.chars().all(|c| c.is_digit(radix));
    if let Some(hex) = s.strip_prefix("0x") {
        return digits(hex, 16).then(|| i128::from_str_radix(hex, 16).map_or(Value::Float(f64::INFINITY), Value::Int));
    }
    if let Some(oct) = s.strip_prefix("0o") {
        return digits(oct, 8).then(|| i128::from_str_radix(oct, 8).map_or(Value::Float(f64::INFINITY), Value::Int));
    }
    let unsigned = s.strip_prefix(['-', '+']).unwrap_or(s);
    if digits(unsigned, 10) {
        // Wider than i128: a float, as large integers are elsewhere.
        return Some(s.parse::<i128>().map_or_else(|_| Value::Float(s.parse().unwrap_or(f64::INFINITY)), Value::Int));
    }
    is_core_float(unsigned).then(|| Value::Float(s.parse().unwrap_or(f64::NAN)))
}

/// `(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`, the core schema's float.
fn is_core_float(s: &str) -> bool {
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let all_digits = |t: &str| t.chars().all(|c| c.is_ascii_digit());
    let mantissa_ok = match mantissa.split_once('.') {
        Some((int, frac)) => (!int.is_empty() || !frac.is_empty()) && all_digits(int) && all_digits(frac),
        None => !mantissa.is_empty() && all_digits(mantissa),
    };
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        !e.is_empty() && all_digits(e)
    });
    mantissa_ok && exponent_ok
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
