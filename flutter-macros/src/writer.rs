//! The scenario model written as a Rust constant expression, driven by the
//! model's own `serde::Serialize` (flutter's `bake` feature): this file knows
//! no model type, so a field or a kind added to the model needs no edit here.
//!
//! The rules, from serde's data model:
//!
//! | serde call | written as |
//! |---|---|
//! | struct `Name` | `__F::Name { field: value, … }` |
//! | struct `Name#unset` | only the fields that are not `None`, then `..__F::Name::UNSET` |
//! | struct `Name#item` | its own `const` item, named by a hash of its text |
//! | struct `Name#shared` | as a struct, shared when it repeats |
//! | newtype struct `Name` (or `Name::ctor`) | `__F::Name(value)` (or `__F::Name::ctor(value)`) |
//! | unit / newtype / struct variant | `__F::Enum::Variant`, `…(value)`, `… { … }` |
//! | `Some` / `None` | `__S(value)` / `__N` |
//! | sequence (every one is a `Cow<[T]>`) | `__C::Borrowed(&[…])` |
//! | string (every one is a `Cow<str>`) | `__C::Borrowed("…")` |
//! | number | a suffixed literal |
//!
//! where `__F` is `::flutter::scenario`, which re-exports the whole model.
//!
//! The shape is chosen for compile time (README, "Compile cost"). rustc's cost
//! is per body and per temporary with drop glue (every `Cow`), and grows faster
//! than linearly inside one huge body, so:
//! * each action is its own small `const` item, named by a hash of its text:
//!   identical actions are written once, and an edit elsewhere in the YAML
//!   leaves the compiler's incremental results for the others valid;
//! * a slice, or a struct marked `#shared` (attributes), that occurs more than
//!   once is one shared `const`;
//! * the code is built as text and parsed once, which is much cheaper than
//!   building hundreds of thousands of tokens one by one.
//!
//! Slices are `Cow::Borrowed(&[…])`, made `'static` by temporary lifetime
//! extension in `const` and `static` initializers; the items' types leave their
//! lifetimes out, which in a `const` item means `'static`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::{self, Write as _};

use flutter::Scenario;
use serde::ser::{self, Serialize};

/// Writes a scenario as a block expression: shared and per-action `const`
/// items, then the `Scenario` value.
pub fn scenario_expr(scenario: &Scenario<'_>) -> String {
    // First pass: count repeated values; second: write.
    let mut w = Writer { mode: Mode::Count, ..Writer::default() };
    let _ = scenario.serialize(Ser::root(&mut w, &mut String::new(), &mut String::new()));
    w.mode = Mode::Emit;
    let mut value = String::new();
    // Writing into Strings cannot fail, and every model type serializes.
    let _ = scenario.serialize(Ser::root(&mut w, &mut value, &mut String::new()));
    format!("{{{PRELUDE}{}{value}}}", w.items)
}

/// Short names for the paths the expansion uses over and over: fewer tokens to
/// lex and parse. They live inside the expansion's block only.
const PRELUDE: &str = "use ::std::borrow::Cow as __C; use ::core::option::Option::{Some as __S, None as __N}; \
                       use ::flutter::scenario as __F;";

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Mode {
    /// Counting how often each shareable value occurs.
    #[default]
    Count,
    /// Writing, with repeated values replaced by shared items.
    Emit,
}

/// Collects the shared `const` items while the scenario is written.
#[derive(Default)]
struct Writer {
    mode: Mode,
    /// Occurrences of each shareable value, by type and inline text.
    counts: BTreeMap<String, usize>,
    /// Names of the items written so far, by key (or action text).
    names: BTreeMap<String, String>,
    /// Every item name used, so a hash collision cannot define one twice.
    used: BTreeSet<String>,
    /// The `const` items.
    items: String,
}

impl Writer {
    /// The text for a shareable value of type `ty`: `emitted` as it is, or the
    /// name of the shared item holding it when it occurs more than once.
    /// `inline` is its text with nothing replaced (the key).
    fn share(&mut self, ty: &str, emitted: String, inline: &str) -> String {
        // The type is part of the key: the same text may be of two types.
        let key = format!("{ty}={inline}");
        if self.mode == Mode::Count {
            *self.counts.entry(key).or_default() += 1;
            return emitted;
        }
        if self.counts.get(&key).copied().unwrap_or(0) < 2 {
            return emitted;
        }
        if let Some(name) = self.names.get(&key) {
            return name.clone();
        }
        let name = self.fresh_name("SHARED", &key);
        let _ = write!(self.items, "const {name}: {ty} = {emitted};");
        self.names.insert(key, name.clone());
        name
    }

    /// The name of a `const` item of type `ty` holding `code` (an action).
    fn item(&mut self, ty: &str, code: String) -> String {
        if self.mode != Mode::Emit {
            return code;
        }
        if let Some(name) = self.names.get(&code) {
            return name.clone();
        }
        let name = self.fresh_name("ACTION", &code);
        let _ = write!(self.items, "const {name}: {ty} = {code};");
        self.names.insert(code, name.clone());
        name
    }

    /// `__FLUTTER_<KIND>_<hash of text>`: stable while the text is, so other
    /// edits of the YAML do not rename (and so recompile) this item.
    fn fresh_name(&mut self, kind: &str, text: &str) -> String {
        let mut name = format!("__FLUTTER_{kind}_{:016x}", flutter::rng::fnv1a64(text));
        while self.used.contains(&name) {
            name.push('_');
        }
        self.used.insert(name.clone());
        name
    }
}

/// Why writing stopped (it never does: every model type serializes).
#[derive(Debug)]
struct Error(String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl ser::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Error(msg.to_string())
    }
}

/// Writes one value: into `out` with shared values replaced by their names,
/// and into `inline` as it is. `ty` receives the value's Rust type, when it is
/// an element of a slice (for the slice's shared item).
struct Ser<'a> {
    w: &'a mut Writer,
    out: &'a mut String,
    inline: &'a mut String,
    ty: Option<&'a mut Option<String>>,
}

impl<'a> Ser<'a> {
    fn root(w: &'a mut Writer, out: &'a mut String, inline: &'a mut String) -> Self {
        Ser { w, out, inline, ty: None }
    }

    /// Appends the same text to both outputs.
    fn both(self, text: &str, ty: impl FnOnce() -> String) -> Result<(), Error> {
        self.out.push_str(text);
        self.inline.push_str(text);
        if let Some(slot) = self.ty {
            *slot = Some(ty());
        }
        Ok(())
    }

    /// A child value written into fresh buffers: (emitted, inline).
    fn child<T: Serialize + ?Sized>(w: &mut Writer, value: &T, ty: Option<&mut Option<String>>) -> (String, String) {
        let (mut out, mut inline) = (String::new(), String::new());
        let _ = value.serialize(Ser { w, out: &mut out, inline: &mut inline, ty });
        (out, inline)
    }

    /// Writes `prefix`, the child value, then `suffix`, to both outputs.
    fn wrap<T: Serialize + ?Sized>(
        self,
        prefix: &str,
        value: &T,
        suffix: &str,
        ty: Option<String>,
    ) -> Result<(), Error> {
        let (out, inline) = Self::child(self.w, value, None);
        for (buf, text) in [(self.out, out), (self.inline, inline)] {
            buf.push_str(prefix);
            buf.push_str(&text);
            buf.push_str(suffix);
        }
        if let (Some(slot), Some(ty)) = (self.ty, ty) {
            *slot = Some(ty);
        }
        Ok(())
    }
}

/// A struct's serde name, split into its Rust name and its writing rule.
fn split_name(name: &str) -> (&str, Option<&str>) {
    match name.split_once('#') {
        Some((base, rule)) => (base, Some(rule)),
        None => (name, None),
    }
}

/// The type of a value written as `__F::Name(…)` or `__F::Name::ctor(…)`.
fn type_of(name: &str) -> String {
    format!("__F::{}", name.split("::").next().unwrap_or(name))
}

impl<'a> ser::Serializer for Ser<'a> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Seq<'a>;
    type SerializeTuple = ser::Impossible<(), Error>;
    type SerializeTupleStruct = ser::Impossible<(), Error>;
    type SerializeTupleVariant = ser::Impossible<(), Error>;
    type SerializeMap = ser::Impossible<(), Error>;
    type SerializeStruct = Struct<'a>;
    type SerializeStructVariant = Struct<'a>;

    fn serialize_bool(self, v: bool) -> Result<(), Error> {
        self.both(if v { "true" } else { "false" }, || "bool".into())
    }

    fn serialize_i8(self, v: i8) -> Result<(), Error> {
        self.serialize_i64(i64::from(v))
    }

    fn serialize_i16(self, v: i16) -> Result<(), Error> {
        self.serialize_i64(i64::from(v))
    }

    fn serialize_i32(self, v: i32) -> Result<(), Error> {
        // A negative value goes through `u32`: no negation of an out-of-range literal.
        let text = if v < 0 { format!("({}u32 as i32)", v as u32) } else { format!("{v}i32") };
        self.both(&text, || "i32".into())
    }

    fn serialize_i64(self, v: i64) -> Result<(), Error> {
        let text = if v < 0 { format!("({}u64 as i64)", v as u64) } else { format!("{v}i64") };
        self.both(&text, || "i64".into())
    }

    fn serialize_u8(self, v: u8) -> Result<(), Error> {
        self.both(&format!("{v}u8"), || "u8".into())
    }

    fn serialize_u16(self, v: u16) -> Result<(), Error> {
        self.both(&format!("{v}u16"), || "u16".into())
    }

    fn serialize_u32(self, v: u32) -> Result<(), Error> {
        self.both(&format!("{v}u32"), || "u32".into())
    }

    fn serialize_u64(self, v: u64) -> Result<(), Error> {
        self.both(&format!("{v}u64"), || "u64".into())
    }

    fn serialize_f32(self, v: f32) -> Result<(), Error> {
        self.serialize_f64(f64::from(v))
    }

    /// Rust prints the shortest text that parses back to the same float; the
    /// loader already rejected NaN and infinities. The sign is kept (`-0.0`).
    fn serialize_f64(self, v: f64) -> Result<(), Error> {
        let sign = if v.is_sign_negative() { "-" } else { "" };
        self.both(&format!("{sign}{:?}f64", v.abs()), || "f64".into())
    }

    fn serialize_char(self, v: char) -> Result<(), Error> {
        self.both(&format!("{v:?}"), || "char".into())
    }

    /// `{:?}` of a `str` is a valid Rust string literal.
    fn serialize_str(self, v: &str) -> Result<(), Error> {
        self.both(&format!("__C::Borrowed({v:?})"), || "__C<str>".into())
    }

    fn serialize_bytes(self, _: &[u8]) -> Result<(), Error> {
        Err(Error("the model has no byte strings".into()))
    }

    fn serialize_none(self) -> Result<(), Error> {
        self.both("__N", || "Option".into())
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Error> {
        self.wrap("__S(", value, ")", None)
    }

    fn serialize_unit(self) -> Result<(), Error> {
        self.both("()", || "()".into())
    }

    fn serialize_unit_struct(self, name: &'static str) -> Result<(), Error> {
        self.both(&format!("__F::{name}"), || type_of(name))
    }

    fn serialize_unit_variant(self, name: &'static str, _: u32, variant: &'static str) -> Result<(), Error> {
        self.both(&format!("__F::{name}::{variant}"), || type_of(name))
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, name: &'static str, value: &T) -> Result<(), Error> {
        self.wrap(&format!("__F::{name}("), value, ")", Some(type_of(name)))
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.wrap(&format!("__F::{name}::{variant}("), value, ")", Some(type_of(name)))
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Seq<'a>, Error> {
        Ok(Seq { ser: self, out: String::new(), inline: String::new(), elem: None })
    }

    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Error> {
        Err(Error("the model has no tuples".into()))
    }

    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeTupleStruct, Error> {
        Err(Error("the model has no tuple structs".into()))
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Error> {
        Err(Error("the model has no tuple variants".into()))
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Error> {
        Err(Error("the model has no maps".into()))
    }

    fn serialize_struct(self, name: &'static str, _: usize) -> Result<Struct<'a>, Error> {
        let (base, rule) = split_name(name);
        Ok(Struct { ser: self, path: format!("__F::{base}"), ty: type_of(base), rule, fields: Vec::new() })
    }

    fn serialize_struct_variant(
        self,
        name: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Struct<'a>, Error> {
        Ok(Struct {
            ser: self,
            path: format!("__F::{name}::{variant}"),
            ty: type_of(name),
            rule: None,
            fields: Vec::new(),
        })
    }
}

/// A slice being written: `__C::Borrowed(&[…])`, shared if it repeats.
struct Seq<'a> {
    ser: Ser<'a>,
    out: String,
    inline: String,
    /// The elements' Rust type, from the first one.
    elem: Option<String>,
}

impl ser::SerializeSeq for Seq<'_> {
    type Ok = ();
    type Error = Error;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        let mut ty = None;
        let (out, inline) = Ser::child(self.ser.w, value, Some(&mut ty));
        if self.elem.is_none() {
            self.elem = ty;
        }
        self.out.push_str(&out);
        self.out.push(',');
        self.inline.push_str(&inline);
        self.inline.push(',');
        Ok(())
    }

    fn end(self) -> Result<(), Error> {
        let Seq { ser, out, inline, elem } = self;
        let (out, inline) = (format!("__C::Borrowed(&[{out}])"), format!("__C::Borrowed(&[{inline}])"));
        let ty = elem.map(|e| format!("__C<[{e}]>"));
        // An empty slice has no element to name its type, and nothing to share.
        let emitted = match &ty {
            Some(ty) => ser.w.share(ty, out, &inline),
            None => out,
        };
        ser.out.push_str(&emitted);
        ser.inline.push_str(&inline);
        if let (Some(slot), Some(ty)) = (ser.ty, ty) {
            *slot = Some(ty);
        }
        Ok(())
    }
}

/// A struct (or struct variant) being written.
struct Struct<'a> {
    ser: Ser<'a>,
    /// What the literal starts with: `__F::Name` or `__F::Enum::Variant`.
    path: String,
    /// Its Rust type.
    ty: String,
    rule: Option<&'static str>,
    /// (name, emitted, inline) of each field.
    fields: Vec<(&'static str, String, String)>,
}

impl Struct<'_> {
    fn field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) {
        let (out, inline) = Ser::child(self.ser.w, value, None);
        // `#unset`: a field left `None` comes from `UNSET`.
        if self.rule == Some("unset") && out == "__N" {
            return;
        }
        self.fields.push((key, out, inline));
    }

    fn finish(self) -> Result<(), Error> {
        let Struct { ser, path, ty, rule, fields } = self;
        let tail = if rule == Some("unset") { format!("..{path}::UNSET") } else { String::new() };
        let text = |inline: bool| {
            let mut t = format!("{path} {{");
            for (name, out, plain) in &fields {
                t.push_str(name);
                t.push_str(": ");
                t.push_str(if inline { plain } else { out });
                t.push(',');
            }
            t.push_str(&tail);
            t.push('}');
            t
        };
        let (out, inline) = (text(false), text(true));
        let emitted = match rule {
            Some("item") => ser.w.item(&ty, out),
            Some("shared") => ser.w.share(&ty, out, &inline),
            _ => out,
        };
        ser.out.push_str(&emitted);
        ser.inline.push_str(&inline);
        if let Some(slot) = ser.ty {
            *slot = Some(ty);
        }
        Ok(())
    }
}

impl ser::SerializeStruct for Struct<'_> {
    type Ok = ();
    type Error = Error;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<(), Error> {
        self.field(key, value);
        Ok(())
    }

    fn end(self) -> Result<(), Error> {
        self.finish()
    }
}

impl ser::SerializeStructVariant for Struct<'_> {
    type Ok = ();
    type Error = Error;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<(), Error> {
        self.field(key, value);
        Ok(())
    }

    fn end(self) -> Result<(), Error> {
        self.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::scenario_expr;

    fn expr(yaml: &str) -> String {
        scenario_expr(&flutter::Scenario::from_yaml("t.yaml", yaml).unwrap())
    }

    const TWO_METRICS: &str = "script:\n  - {type: metricEmitter, name: c, spec: {type: constant, value: 1}}\n  \
        - {type: metric, name: a, spec: {type: gauge, emitters: [c], attributes: {resource: {host: h}, datapoint: {k: 1}}}}\n  \
        - {type: metric, name: b, spec: {type: gauge, emitters: [c], attributes: {resource: {host: h}, datapoint: {k: 2}}}}\n  \
        - {type: metricEmitter, at: 5s, name: c, spec: {value: 2}}\n  \
        - {type: metricEmitter, at: 5s, name: c, spec: {value: 2}}\n";

    #[test]
    fn repeated_values_and_actions_are_written_once() {
        let text = expr(TWO_METRICS);
        // The emitter list [c] and the resource {host: h} (and its one key–value).
        assert_eq!(text.matches("const __FLUTTER_SHARED_").count(), 3, "{text}");
        // Five actions, two of them identical.
        assert_eq!(text.matches("const __FLUTTER_ACTION_").count(), 4, "{text}");
        assert_eq!(text.matches("\"host\"").count(), 1, "{text}");
    }

    #[test]
    fn names_depend_on_content_only() {
        let name_of_b = |text: &str| {
            let at = text.find("Borrowed(\"b\")").unwrap();
            let start = text[..at].rfind("const __FLUTTER_ACTION_").unwrap();
            text[start..start + 40].to_owned()
        };
        let before = expr(TWO_METRICS);
        let with_more = expr(&TWO_METRICS.replace(
            "script:\n",
            "script:\n  - {type: metricEmitter, name: z, spec: {type: constant}}\n  \
             - {type: metric, name: zz, spec: {type: gauge, emitters: [z], attributes: {resource: {host: x}}}}\n",
        ));
        assert_eq!(name_of_b(&before), name_of_b(&with_more));
    }
}
