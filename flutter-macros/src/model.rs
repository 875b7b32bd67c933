//! The scenario model written as a Rust constant expression.
//!
//! Every struct is taken apart with an exhaustive pattern, so a field added to
//! the model is a compile error here until it is written too.
//!
//! The shape is chosen for compile time (README, "Compile cost"). rustc's cost
//! is per body and per temporary with drop glue (every `Cow`), and grows faster
//! than linearly inside one huge body, so:
//! * each action is its own small `const` item, named by a hash of its text:
//!   identical actions are written once, and an edit elsewhere in the YAML
//!   leaves the compiler's incremental results for the others valid;
//! * a slice or key–value that occurs more than once is one shared `const`;
//! * the code is built as text and parsed once, which is much cheaper than
//!   building hundreds of thousands of tokens one by one.
//!
//! Slices are `Cow::Borrowed(&[…])`, made `'static` by temporary lifetime
//! extension in `const` and `static` initializers.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt::Write as _;

use flutter::scenario::{
    Action, ActionKind, AttrValue, ClampSpec, Compression, ConstantSpec, Direction, Distribution, EmitterSpec, Header,
    KeyValue, MetricKind, MetricSpec, NormalNoiseSpec, OtlpDestination, PeriodicSpec, PoissonNoiseSpec, RampSpec,
    RandomWalkSpec, Rate, RoundSpec, ScaleSpec, Scenario, SeqStep, SequenceSpec, Shape, SpikyNoiseSpec, Temporality,
    Timestamp, ValueType,
};
use flutter::{GoDuration, RngKind};

/// Writes a scenario as a block expression: shared and per-action `const`
/// items, then the `Scenario` value.
pub fn scenario_expr(scenario: &Scenario<'_>) -> String {
    // First pass: count repeated slices and key–values; second: write.
    let mut w = Writer { mode: Mode::Count, ..Writer::default() };
    scenario.write(&mut w, &mut String::new());
    w.mode = Mode::Emit;
    let mut value = String::new();
    scenario.write(&mut w, &mut value);
    format!("{{{PRELUDE}{}{value}}}", w.items)
}

/// Short names for the paths the expansion uses over and over: fewer tokens to
/// lex and parse. They live inside the expansion's block only.
const PRELUDE: &str = "use ::std::borrow::Cow as __C; use ::core::option::Option::{Some as __S, None as __N}; \
                       use ::flutter::scenario as __F; use ::flutter::GoDuration as __G;";

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Mode {
    /// Plain text, nothing shared (the key of a value).
    #[default]
    Inline,
    /// Counting how often each shareable value occurs.
    Count,
    /// Writing, with repeated values replaced by shared items.
    Emit,
}

/// Collects the shared `const` items while the scenario is written.
#[derive(Default)]
struct Writer {
    mode: Mode,
    /// Occurrences of each shareable value, by its inline text.
    counts: BTreeMap<String, usize>,
    /// Names of the items written so far, by inline text (or action text).
    names: BTreeMap<String, String>,
    /// Every item name used, so a hash collision cannot define one twice.
    used: std::collections::BTreeSet<String>,
    /// The `const` items.
    items: String,
}

impl Writer {
    /// Appends a shareable value of type `ty` to `out`: `emitted` as it is, or
    /// the name of the shared item holding it when it occurs more than once.
    /// `value` rewrites it inline, for its key.
    fn share(&mut self, ty: &str, emitted: String, value: &dyn Write, out: &mut String) {
        // The type is part of the key: `&[]` is an empty list of any element type.
        let key = match self.mode {
            Mode::Inline => return out.push_str(&emitted),
            // While counting nothing is replaced, so the text is the inline text.
            Mode::Count => {
                *self.counts.entry(format!("{ty}={emitted}")).or_default() += 1;
                return out.push_str(&emitted);
            }
            Mode::Emit => {
                let mut key = format!("{ty}=");
                value.write(&mut Writer::default(), &mut key);
                key
            }
        };
        if self.counts.get(&key).copied().unwrap_or(0) < 2 {
            return out.push_str(&emitted);
        }
        if let Some(name) = self.names.get(&key) {
            return out.push_str(name);
        }
        let name = self.fresh_name("SHARED", &key);
        let _ = write!(self.items, "const {name}: {ty} = {emitted};");
        out.push_str(&name);
        self.names.insert(key, name);
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

    /// Appends the name of a `const` item holding `code`, an action.
    fn action(&mut self, code: String, out: &mut String) {
        if self.mode != Mode::Emit {
            return out.push_str(&code);
        }
        if let Some(name) = self.names.get(&code) {
            return out.push_str(name);
        }
        let name = self.fresh_name("ACTION", &code);
        let _ = write!(self.items, "const {name}: __F::Action<'static> = {code};");
        out.push_str(&name);
        self.names.insert(code, name);
    }
}

/// A value that can be written as a constant expression.
trait Write {
    fn write(&self, w: &mut Writer, out: &mut String);
}

/// The Rust type of a model value (for shared `const` items).
trait Named {
    const TYPE: &'static str;
}

impl Named for Cow<'_, str> {
    const TYPE: &'static str = "__C<'static, str>";
}

impl Named for KeyValue<'_> {
    const TYPE: &'static str = "__F::KeyValue<'static>";
}

impl Named for AttrValue<'_> {
    const TYPE: &'static str = "__F::AttrValue<'static>";
}

impl Named for Header<'_> {
    const TYPE: &'static str = "__F::Header<'static>";
}

impl Named for f64 {
    const TYPE: &'static str = "f64";
}

impl Named for SeqStep {
    const TYPE: &'static str = "__F::SeqStep";
}

/// Writes `name: value,` inside a struct expression.
fn write_field(w: &mut Writer, out: &mut String, name: &str, value: &impl Write) {
    out.push_str(name);
    out.push_str(": ");
    value.write(w, out);
    out.push(',');
}

/// Writes `path { field: value, … }`.
macro_rules! write_struct {
    ($w:expr, $out:expr, $path:literal { $($field:ident),* $(,)? }) => {{
        $out.push_str(concat!($path, " {"));
        $(write_field($w, $out, stringify!($field), $field);)*
        $out.push('}');
    }};
}

/// A struct whose optional fields are written only when set, the rest taken
/// from `$unset` (`..Type::UNSET`): less for rustc to check per item.
macro_rules! write_struct_unset {
    ($w:expr, $out:expr, $path:literal, $unset:literal { $($field:ident),* ; $($opt:ident),* $(,)? }) => {{
        $out.push_str(concat!($path, " {"));
        $(write_field($w, $out, stringify!($field), $field);)*
        $(
            if $opt.is_some() {
                write_field($w, $out, stringify!($opt), $opt);
            }
        )*
        $out.push_str(concat!("..", $unset, "}"));
    }};
}

impl Write for bool {
    fn write(&self, _: &mut Writer, out: &mut String) {
        out.push_str(if *self { "true" } else { "false" });
    }
}

impl Write for u32 {
    fn write(&self, _: &mut Writer, out: &mut String) {
        let _ = write!(out, "{self}u32");
    }
}

impl Write for i32 {
    fn write(&self, _: &mut Writer, out: &mut String) {
        let _ = if *self < 0 { write!(out, "({}u32 as i32)", *self as u32) } else { write!(out, "{self}i32") };
    }
}

impl Write for u64 {
    fn write(&self, _: &mut Writer, out: &mut String) {
        let _ = write!(out, "{self}u64");
    }
}

impl Write for i64 {
    /// A negative value goes through `u64`, so `i64::MIN` needs no negation
    /// of an out-of-range literal.
    fn write(&self, _: &mut Writer, out: &mut String) {
        let _ = if *self < 0 { write!(out, "({}u64 as i64)", *self as u64) } else { write!(out, "{self}i64") };
    }
}

impl Write for f64 {
    /// Rust prints the shortest text that parses back to the same float; the
    /// loader already rejected NaN and infinities.
    fn write(&self, _: &mut Writer, out: &mut String) {
        if self.is_sign_negative() {
            out.push('-');
        }
        let _ = write!(out, "{:?}f64", self.abs());
    }
}

impl Write for Cow<'_, str> {
    /// `{:?}` of a `str` is a valid Rust string literal.
    fn write(&self, _: &mut Writer, out: &mut String) {
        let _ = write!(out, "__C::Borrowed({:?})", &**self);
    }
}

impl<T: Write + Named + Clone> Write for Cow<'_, [T]> {
    fn write(&self, w: &mut Writer, out: &mut String) {
        let mut code = String::from("__C::Borrowed(&[");
        for item in self.iter() {
            item.write(w, &mut code);
            code.push(',');
        }
        code.push_str("])");
        let ty = format!("__C<'static, [{}]>", T::TYPE);
        w.share(&ty, code, self, out);
    }
}

impl<T: Write> Write for Option<T> {
    fn write(&self, w: &mut Writer, out: &mut String) {
        match self {
            Some(v) => {
                out.push_str("__S(");
                v.write(w, out);
                out.push(')');
            }
            None => out.push_str("__N"),
        }
    }
}

impl Write for GoDuration {
    fn write(&self, w: &mut Writer, out: &mut String) {
        out.push_str("__G::from_nanos(");
        self.as_nanos().write(w, out);
        out.push(')');
    }
}

impl Write for Timestamp {
    fn write(&self, w: &mut Writer, out: &mut String) {
        out.push_str("::flutter::Timestamp(");
        self.unix_nanos().write(w, out);
        out.push(')');
    }
}

/// `Write` for field-less enums: each variant as its path, `<module>::<Type>::<Variant>`.
macro_rules! write_unit_enums {
    ($($ty:ident in $module:literal: [$($variant:ident),+];)+) => {$(
        impl Write for $ty {
            fn write(&self, _: &mut Writer, out: &mut String) {
                out.push_str(match self {
                    $($ty::$variant => concat!($module, "::", stringify!($ty), "::", stringify!($variant)),)+
                });
            }
        }
    )+};
}

write_unit_enums! {
    RngKind in "::flutter": [ChaCha, Go];
    Compression in "__F": [None, Gzip];
    MetricKind in "__F": [Gauge, Counter, UpDownCounter, Histogram, ExponentialHistogram];
    Temporality in "__F": [Cumulative, Delta];
    ValueType in "__F": [Double, Int];
    Direction in "__F": [Both, Positive, Negative];
    Shape in "__F": [Sine, Square, Sawtooth, Triangle];
}

impl Write for Rate<'_> {
    fn write(&self, w: &mut Writer, out: &mut String) {
        match self {
            Rate::PerSecond(r) => {
                out.push_str("__F::Rate::PerSecond(");
                r.write(w, out);
            }
            Rate::Emitter(name) => {
                out.push_str("__F::Rate::Emitter(");
                name.write(w, out);
            }
        }
        out.push(')');
    }
}

impl Write for Distribution {
    fn write(&self, w: &mut Writer, out: &mut String) {
        match self {
            Distribution::Normal { std_dev } => write_struct!(w, out, "__F::Distribution::Normal" { std_dev }),
            Distribution::LogNormal { sigma } => write_struct!(w, out, "__F::Distribution::LogNormal" { sigma }),
            Distribution::Exponential => out.push_str("__F::Distribution::Exponential"),
            Distribution::Uniform { width } => write_struct!(w, out, "__F::Distribution::Uniform" { width }),
        }
    }
}

impl Write for SeqStep {
    fn write(&self, w: &mut Writer, out: &mut String) {
        match self {
            SeqStep::Values { start, step, count } => {
                write_struct!(w, out, "__F::SeqStep::Values" { start, step, count })
            }
            SeqStep::Missing { count } => write_struct!(w, out, "__F::SeqStep::Missing" { count }),
            SeqStep::Stale => out.push_str("__F::SeqStep::Stale"),
        }
    }
}

impl Write for Scenario<'_> {
    fn write(&self, w: &mut Writer, out: &mut String) {
        let Scenario { duration, seed, wallclock_start, dryrun, rng, otlp, script } = self;
        let mut actions = String::from("__C::Borrowed(&[");
        for action in script.iter() {
            let mut code = String::new();
            action.write(w, &mut code);
            w.action(code, &mut actions);
            actions.push(',');
        }
        actions.push_str("])");
        out.push_str("::flutter::Scenario {");
        for (field, value) in [
            ("duration", duration as &dyn Write),
            ("seed", seed),
            ("wallclock_start", wallclock_start),
            ("dryrun", dryrun),
            ("rng", rng),
            ("otlp", otlp),
        ] {
            out.push_str(field);
            out.push_str(": ");
            value.write(w, out);
            out.push(',');
        }
        out.push_str("script: ");
        out.push_str(&actions);
        out.push('}');
    }
}

impl Write for OtlpDestination<'_> {
    fn write(&self, w: &mut Writer, out: &mut String) {
        let OtlpDestination {
            endpoint,
            headers,
            timeout,
            compression,
            max_points_per_request,
            queue_duration,
            flush_timeout,
            retry_budget,
        } = self;
        write_struct!(w, out, "__F::OtlpDestination" {
            endpoint, headers, timeout, compression, max_points_per_request, queue_duration, flush_timeout, retry_budget,
        });
    }
}

impl Write for Header<'_> {
    /// The value is written as it is in the YAML: `${NAME}` is expanded when a
    /// run starts, never here, so no secret is compiled into a binary.
    fn write(&self, w: &mut Writer, out: &mut String) {
        let Header { name, value } = self;
        write_struct!(w, out, "__F::Header" { name, value });
    }
}

impl Write for Action<'_> {
    fn write(&self, w: &mut Writer, out: &mut String) {
        let Action { at, name, kind } = self;
        write_struct!(w, out, "__F::Action" { at, name, kind });
    }
}

impl Write for ActionKind<'_> {
    fn write(&self, w: &mut Writer, out: &mut String) {
        match self {
            ActionKind::Emitter(spec) => {
                out.push_str("__F::ActionKind::Emitter(");
                spec.write(w, out);
            }
            ActionKind::Metric(spec) => {
                out.push_str("__F::ActionKind::Metric(");
                spec.write(w, out);
            }
            ActionKind::DisableMetric => return out.push_str("__F::ActionKind::DisableMetric"),
            ActionKind::EnableMetric => return out.push_str("__F::ActionKind::EnableMetric"),
        }
        out.push(')');
    }
}

impl Write for EmitterSpec<'_> {
    fn write(&self, w: &mut Writer, out: &mut String) {
        match self {
            EmitterSpec::Constant(ConstantSpec { value }) => {
                out.push_str("__F::EmitterSpec::Constant(");
                write_struct!(w, out, "__F::ConstantSpec" { value });
            }
            EmitterSpec::Ramp(RampSpec { start, target, duration }) => {
                out.push_str("__F::EmitterSpec::Ramp(");
                write_struct!(w, out, "__F::RampSpec" { start, target, duration });
            }
            EmitterSpec::RandomWalk(RandomWalkSpec { target, elasticity, step_size, variation }) => {
                out.push_str("__F::EmitterSpec::RandomWalk(");
                write_struct!(w, out, "__F::RandomWalkSpec" { target, elasticity, step_size, variation });
            }
            EmitterSpec::NormalNoise(NormalNoiseSpec { target, std_dev, variation, direction }) => {
                out.push_str("__F::EmitterSpec::NormalNoise(");
                write_struct!(w, out, "__F::NormalNoiseSpec" { target, std_dev, variation, direction });
            }
            EmitterSpec::PoissonNoise(PoissonNoiseSpec { target, max, direction }) => {
                out.push_str("__F::EmitterSpec::PoissonNoise(");
                write_struct!(w, out, "__F::PoissonNoiseSpec" { target, max, direction });
            }
            EmitterSpec::SpikyNoise(SpikyNoiseSpec { p_start, p_end, peak_target, variation, direction }) => {
                out.push_str("__F::EmitterSpec::SpikyNoise(");
                write_struct!(w, out, "__F::SpikyNoiseSpec" { p_start, p_end, peak_target, variation, direction });
            }
            EmitterSpec::Periodic(PeriodicSpec { shape, period, amplitude, offset, phase, duty }) => {
                out.push_str("__F::EmitterSpec::Periodic(");
                write_struct!(w, out, "__F::PeriodicSpec" { shape, period, amplitude, offset, phase, duty });
            }
            EmitterSpec::Sequence(SequenceSpec { values, repeat }) => {
                out.push_str("__F::EmitterSpec::Sequence(");
                write_struct!(w, out, "__F::SequenceSpec" { values, repeat });
            }
            EmitterSpec::Clamp(ClampSpec { min, max }) => {
                out.push_str("__F::EmitterSpec::Clamp(");
                write_struct!(w, out, "__F::ClampSpec" { min, max });
            }
            EmitterSpec::Scale(ScaleSpec { factor }) => {
                out.push_str("__F::EmitterSpec::Scale(");
                write_struct!(w, out, "__F::ScaleSpec" { factor });
            }
            EmitterSpec::Round(RoundSpec { step }) => {
                out.push_str("__F::EmitterSpec::Round(");
                write_struct!(w, out, "__F::RoundSpec" { step });
            }
            EmitterSpec::Abs => return out.push_str("__F::EmitterSpec::Abs"),
        }
        out.push(')');
    }
}

impl Write for MetricSpec<'_> {
    fn write(&self, w: &mut Writer, out: &mut String) {
        let MetricSpec {
            kind,
            name,
            emitters,
            frequency,
            unit,
            description,
            resource,
            scope,
            datapoint,
            to,
            temporality,
            value_type,
            rate,
            distribution,
            buckets,
            max_size,
            max_scale,
        } = self;
        write_struct_unset!(w, out, "__F::MetricSpec", "__F::MetricSpec::UNSET" {
            kind; name, emitters, frequency, unit, description, resource, scope, datapoint, to, temporality,
            value_type, rate, distribution, buckets, max_size, max_scale,
        });
    }
}

impl Write for KeyValue<'_> {
    fn write(&self, w: &mut Writer, out: &mut String) {
        let KeyValue { key, value } = self;
        let mut code = String::new();
        write_struct!(w, &mut code, "__F::KeyValue" { key, value });
        w.share(Self::TYPE, code, self, out);
    }
}

impl Write for AttrValue<'_> {
    fn write(&self, w: &mut Writer, out: &mut String) {
        let (variant, value): (&str, &dyn Write) = match self {
            AttrValue::Str(s) => ("Str", s),
            AttrValue::Int(i) => ("Int", i),
            AttrValue::Double(d) => ("Double", d),
            AttrValue::Bool(b) => ("Bool", b),
            AttrValue::Array(items) => ("Array", items),
            AttrValue::KvList(kvs) => ("KvList", kvs),
        };
        out.push_str("__F::AttrValue::");
        out.push_str(variant);
        out.push('(');
        value.write(w, out);
        out.push(')');
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
