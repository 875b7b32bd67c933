//! Attributes set on every series from outside the scenario (`--attr`), as
//! telemetrygen's `--otlp-attributes` and `--telemetry-attributes` do.

use std::borrow::Cow;
use std::collections::BTreeSet;

use super::model::{ActionKind, AttrValue, KeyValue, Scenario};
use crate::sets::SeriesSet;

/// The attribute level an override sets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttributeLevel {
    /// Resource attributes.
    Resource,
    /// Instrumentation scope attributes.
    Scope,
    /// Data point attributes.
    Datapoint,
}

impl AttributeLevel {
    const ALL: [(&'static str, AttributeLevel); 3] = [
        ("resource", AttributeLevel::Resource),
        ("scope", AttributeLevel::Scope),
        ("datapoint", AttributeLevel::Datapoint),
    ];

    /// Its name in the scenario (`resource`, `scope`, `datapoint`).
    pub fn name(self) -> &'static str {
        Self::ALL.iter().find(|(_, l)| *l == self).map_or("", |(n, _)| n)
    }
}

/// One attribute for every series: `LEVEL.KEY=VALUE`.
#[derive(Clone, Debug, PartialEq)]
pub struct AttributeOverride {
    /// Where it goes.
    pub level: AttributeLevel,
    /// Its key.
    pub key: String,
    /// Its value: literal text, never a set expression.
    pub value: AttrValue<'static>,
}

impl AttributeOverride {
    /// Reads `LEVEL.KEY=VALUE`: `true`/`false` is a boolean, a whole number
    /// an integer, another number a float, text in double quotes that text,
    /// anything else a string as written.
    pub fn parse(text: &str) -> Result<AttributeOverride, String> {
        let (path, value) = text.split_once('=').ok_or_else(|| format!("`{text}` is not LEVEL.KEY=VALUE (no `=`)"))?;
        let (level, key) = AttributeLevel::ALL
            .iter()
            .find_map(|&(name, level)| path.strip_prefix(name)?.strip_prefix('.').map(|key| (level, key)))
            .ok_or_else(|| {
                format!("`{path}` does not start with `resource.`, `scope.` or `datapoint.` (the attribute's level)")
            })?;
        if key.is_empty() {
            return Err(format!("`{text}` has no attribute key after `{}.`", level.name()));
        }
        let value = match value {
            "true" => AttrValue::Bool(true),
            "false" => AttrValue::Bool(false),
            v if v.len() >= 2 && v.starts_with('"') && v.ends_with('"') => AttrValue::from(&v[1..v.len() - 1]),
            v => match (v.parse::<i64>(), v.parse::<f64>()) {
                (Ok(i), _) => AttrValue::Int(i),
                (_, Ok(f)) if f.is_finite() && v.bytes().any(|b| b.is_ascii_digit()) => AttrValue::Double(f),
                _ => AttrValue::from(v),
            },
        };
        Ok(AttributeOverride { level, key: key.to_owned(), value })
    }

    /// The value as the model holds it: braces doubled, so a string is
    /// literal text and not a series set expression.
    fn model_value(&self) -> AttrValue<'static> {
        match &self.value {
            AttrValue::Str(s) => AttrValue::from(s.replace('{', "{{").replace('}', "}}")),
            v => v.clone(),
        }
    }
}

/// Why an override cannot be applied.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "metric `{metric}`: {level} attribute `{key}` is a series set expression (`{text}`); \
     an override would replace the set's series with one"
)]
pub struct OverrideError {
    /// The metric action.
    pub metric: String,
    /// The level.
    pub level: &'static str,
    /// The attribute.
    pub key: String,
    /// Its text in the scenario.
    pub text: String,
}

impl Scenario<'static> {
    /// Sets attribute `o` on every series: it replaces the attribute of the
    /// same key at its level, or is added to that level, in each metric's
    /// definition and in every later action that gives that level. An
    /// attribute that holds a series set expression is not replaced.
    pub fn set_attribute(&mut self, o: &AttributeOverride) -> Result<(), OverrideError> {
        let mut order: Vec<usize> = (0..self.script.len()).collect();
        // Definitions are the first action of each name in time order.
        order.sort_by_key(|&i| self.script[i].at);
        let mut defined = BTreeSet::new();
        let value = o.model_value();
        let script = self.script.to_mut();
        for i in order {
            let action = &mut script[i];
            let ActionKind::Metric(spec) = &mut action.kind else { continue };
            let first = defined.insert(action.name.to_string());
            let level = match o.level {
                AttributeLevel::Resource => &mut spec.resource,
                AttributeLevel::Scope => &mut spec.scope,
                AttributeLevel::Datapoint => &mut spec.datapoint,
            };
            let attrs = match level {
                Some(attrs) => attrs.to_mut(),
                None if first => level.insert(Cow::Owned(Vec::new())).to_mut(),
                None => continue,
            };
            match attrs.iter_mut().find(|kv| kv.key == o.key.as_str()) {
                Some(kv) => {
                    let mut strings = Vec::new();
                    crate::sets::visit_strings(std::slice::from_ref(kv), &mut |s| strings.push(s.to_owned()));
                    if !SeriesSet::of(strings.iter().map(String::as_str)).is_plain() {
                        return Err(OverrideError {
                            metric: action.name.to_string(),
                            level: o.level.name(),
                            key: o.key.clone(),
                            text: strings.join(", "),
                        });
                    }
                    kv.value = value.clone();
                }
                None => attrs.push(KeyValue { key: Cow::Owned(o.key.clone()), value: value.clone() }),
            }
        }
        Ok(())
    }
}
