//! Attributes as a scenario writes them: maps of names to typed values.

use std::borrow::Cow;

use super::model::{AttrValue, KeyValue};
use super::read::Reader;
use super::set_sources::{self, Source};
use super::yaml::{Node, Value};

/// Reads a map of attributes (`what` names it in messages: "resource
/// attributes"); every string value, parsed for brace expressions, goes to
/// `sets` in set order (file order, depth first).
pub(crate) fn read_attributes(
    r: &mut Reader<'_>,
    n: &Node,
    what: &str,
    sets: &mut Vec<Source>,
) -> Option<Cow<'static, [KeyValue<'static>]>> {
    read_kvlist(r, n, what, sets).map(Cow::Owned)
}

fn read_kvlist(r: &mut Reader<'_>, n: &Node, what: &str, sets: &mut Vec<Source>) -> Option<Vec<KeyValue<'static>>> {
    let Value::Map(entries) = &n.value else {
        r.error(n, format!("{what} must be a map of names to values, found {}", n.value.kind()));
        return None;
    };
    let mut out: Vec<KeyValue<'static>> = Vec::with_capacity(entries.len());
    let mut ok = true;
    for (k, v) in entries {
        let Some(key) = r.name(k, "an attribute name") else {
            ok = false;
            continue;
        };
        if out.iter().any(|kv| kv.key == key.as_str()) {
            r.error(k, format!("attribute `{key}` is given twice in {what}"));
            ok = false;
            continue;
        }
        match read_attr_value(r, v, &key, sets) {
            Some(value) => out.push(KeyValue { key: Cow::Owned(key), value }),
            None => ok = false,
        }
    }
    ok.then_some(out)
}

fn read_attr_value(r: &mut Reader<'_>, n: &Node, key: &str, sets: &mut Vec<Source>) -> Option<AttrValue<'static>> {
    let what = format!("attribute `{key}`");
    Some(match &n.value {
        Value::Str(s) => {
            if !set_sources::parse(r, n.pos, s, sets) {
                return None;
            }
            AttrValue::Str(Cow::Owned(s.clone()))
        }
        Value::Bool(b) => AttrValue::Bool(*b),
        Value::Int(i) => match i64::try_from(*i) {
            Ok(v) => AttrValue::Int(v),
            Err(_) => {
                r.error(n, format!("{what} does not fit a 64-bit signed integer: {i}"));
                return None;
            }
        },
        Value::Float(_) => AttrValue::Double(r.float(n, &what)?),
        Value::Seq(items) => {
            let mut values = Vec::with_capacity(items.len());
            let mut ok = true;
            for item in items {
                match read_attr_value(r, item, key, sets) {
                    Some(v) => values.push(v),
                    None => ok = false,
                }
            }
            if !ok {
                return None;
            }
            AttrValue::Array(Cow::Owned(values))
        }
        Value::Map(entries) => {
            if !entries.is_empty() && entries.iter().all(|(_, v)| v.value == Value::Null) {
                // `cpu: {0..3}`: YAML made a map of what was meant as a brace expression.
                let hint = r.flow_map_hint(n);
                if !hint.is_empty() {
                    r.error(n, format!("{what} is a map whose entries have no values{hint}"));
                    return None;
                }
            }
            AttrValue::KvList(Cow::Owned(read_kvlist(r, n, &what, sets)?))
        }
        Value::Null => {
            r.error(n, format!("{what} has no value; write `\"\"` for an empty string"));
            return None;
        }
    })
}
