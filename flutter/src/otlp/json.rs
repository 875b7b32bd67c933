//! OTLP protobuf → OTLP JSON, the format of the OpenTelemetry Collector's
//! file exporter and `otlpjsonfile` receiver: lowerCamelCase keys, 64-bit
//! integers as decimal strings, enums as integers, fields left out of the
//! protobuf left out of the JSON.
//!
//! The JSON is transcoded from the very bytes the OTLP sink sends, walking
//! them with a table of the messages flutter writes, so the two formats
//! cannot disagree. A field the table does not know is an error, not
//! something dropped.

use super::proto::{FIXED64, LEN, VARINT, get_varint};
use super::tag;
use crate::sink::json::{push_number, push_string};

/// How a field's value is read from the wire and written as JSON.
#[derive(Clone, Copy, Debug)]
enum Kind {
    /// `string`: a JSON string.
    Str,
    /// `bool`.
    Bool,
    /// `uint32`: a number.
    Uint32,
    /// An enum: its number.
    Enum,
    /// `sint32` (zigzag): a number.
    Sint32,
    /// `int64`: a decimal string.
    Int64,
    /// `uint64`: a decimal string.
    Uint64,
    /// `fixed64`: a decimal string.
    Fixed64,
    /// `sfixed64`: a decimal string.
    Sfixed64,
    /// `double`: a number, or `"NaN"`, `"Infinity"`, `"-Infinity"`.
    Double,
    /// A message.
    Message(&'static Message),
}

/// One field of a message.
#[derive(Debug)]
struct Field {
    number: u8,
    /// The JSON key (the field's lowerCamelCase name).
    name: &'static str,
    kind: Kind,
    repeated: bool,
}

/// A message: its fields.
type Message = [Field];

const fn one(number: u8, name: &'static str, kind: Kind) -> Field {
    Field { number, name, kind, repeated: false }
}

const fn many(number: u8, name: &'static str, kind: Kind) -> Field {
    Field { number, name, kind, repeated: true }
}

/// `ExportMetricsServiceRequest`.
static METRICS_REQUEST: [Field; 1] =
    [many(tag::request::RESOURCE_METRICS, "resourceMetrics", Kind::Message(&RESOURCE_METRICS))];

static RESOURCE_METRICS: [Field; 2] = [
    one(tag::resource_metrics::RESOURCE, "resource", Kind::Message(&RESOURCE)),
    many(tag::resource_metrics::SCOPE_METRICS, "scopeMetrics", Kind::Message(&SCOPE_METRICS)),
];

static RESOURCE: [Field; 1] = [many(tag::resource::ATTRIBUTES, "attributes", Kind::Message(&KEY_VALUE))];

static SCOPE_METRICS: [Field; 2] = [
    one(tag::scope_metrics::SCOPE, "scope", Kind::Message(&SCOPE)),
    many(tag::scope_metrics::METRICS, "metrics", Kind::Message(&METRIC)),
];

static SCOPE: [Field; 2] =
    [one(tag::scope::NAME, "name", Kind::Str), many(tag::scope::ATTRIBUTES, "attributes", Kind::Message(&KEY_VALUE))];

static METRIC: [Field; 7] = [
    one(tag::metric::NAME, "name", Kind::Str),
    one(tag::metric::DESCRIPTION, "description", Kind::Str),
    one(tag::metric::UNIT, "unit", Kind::Str),
    one(tag::metric::GAUGE, "gauge", Kind::Message(&GAUGE)),
    one(tag::metric::SUM, "sum", Kind::Message(&SUM)),
    one(tag::metric::HISTOGRAM, "histogram", Kind::Message(&HISTOGRAM)),
    one(tag::metric::EXPONENTIAL_HISTOGRAM, "exponentialHistogram", Kind::Message(&EXP_HISTOGRAM)),
];

static GAUGE: [Field; 1] = [many(tag::data::DATA_POINTS, "dataPoints", Kind::Message(&NUMBER_POINT))];

static SUM: [Field; 3] = [
    many(tag::data::DATA_POINTS, "dataPoints", Kind::Message(&NUMBER_POINT)),
    one(tag::data::AGGREGATION_TEMPORALITY, "aggregationTemporality", Kind::Enum),
    one(tag::data::IS_MONOTONIC, "isMonotonic", Kind::Bool),
];

static HISTOGRAM: [Field; 2] = [
    many(tag::data::DATA_POINTS, "dataPoints", Kind::Message(&HISTOGRAM_POINT)),
    one(tag::data::AGGREGATION_TEMPORALITY, "aggregationTemporality", Kind::Enum),
];

static EXP_HISTOGRAM: [Field; 2] = [
    many(tag::data::DATA_POINTS, "dataPoints", Kind::Message(&EXP_HISTOGRAM_POINT)),
    one(tag::data::AGGREGATION_TEMPORALITY, "aggregationTemporality", Kind::Enum),
];

static NUMBER_POINT: [Field; 6] = {
    use tag::number_point as f;
    [
        many(f::ATTRIBUTES, "attributes", Kind::Message(&KEY_VALUE)),
        one(f::START_TIME, "startTimeUnixNano", Kind::Fixed64),
        one(f::TIME, "timeUnixNano", Kind::Fixed64),
        one(f::AS_DOUBLE, "asDouble", Kind::Double),
        one(f::AS_INT, "asInt", Kind::Sfixed64),
        one(f::FLAGS, "flags", Kind::Uint32),
    ]
};

static HISTOGRAM_POINT: [Field; 10] = {
    use tag::histogram_point as f;
    [
        many(f::ATTRIBUTES, "attributes", Kind::Message(&KEY_VALUE)),
        one(f::START_TIME, "startTimeUnixNano", Kind::Fixed64),
        one(f::TIME, "timeUnixNano", Kind::Fixed64),
        one(f::COUNT, "count", Kind::Fixed64),
        one(f::SUM, "sum", Kind::Double),
        many(f::BUCKET_COUNTS, "bucketCounts", Kind::Fixed64),
        many(f::EXPLICIT_BOUNDS, "explicitBounds", Kind::Double),
        one(f::FLAGS, "flags", Kind::Uint32),
        one(f::MIN, "min", Kind::Double),
        one(f::MAX, "max", Kind::Double),
    ]
};

static EXP_HISTOGRAM_POINT: [Field; 12] = {
    use tag::exp_histogram_point as f;
    [
        many(f::ATTRIBUTES, "attributes", Kind::Message(&KEY_VALUE)),
        one(f::START_TIME, "startTimeUnixNano", Kind::Fixed64),
        one(f::TIME, "timeUnixNano", Kind::Fixed64),
        one(f::COUNT, "count", Kind::Fixed64),
        one(f::SUM, "sum", Kind::Double),
        one(f::SCALE, "scale", Kind::Sint32),
        one(f::ZERO_COUNT, "zeroCount", Kind::Fixed64),
        one(f::POSITIVE, "positive", Kind::Message(&BUCKETS)),
        one(f::NEGATIVE, "negative", Kind::Message(&BUCKETS)),
        one(f::FLAGS, "flags", Kind::Uint32),
        one(f::MIN, "min", Kind::Double),
        one(f::MAX, "max", Kind::Double),
    ]
};

static BUCKETS: [Field; 2] = [
    one(tag::buckets::OFFSET, "offset", Kind::Sint32),
    many(tag::buckets::BUCKET_COUNTS, "bucketCounts", Kind::Uint64),
];

static KEY_VALUE: [Field; 2] =
    [one(tag::key_value::KEY, "key", Kind::Str), one(tag::key_value::VALUE, "value", Kind::Message(&ANY_VALUE))];

static ANY_VALUE: [Field; 6] = {
    use tag::any_value as f;
    [
        one(f::STRING, "stringValue", Kind::Str),
        one(f::BOOL, "boolValue", Kind::Bool),
        one(f::INT, "intValue", Kind::Int64),
        one(f::DOUBLE, "doubleValue", Kind::Double),
        one(f::ARRAY, "arrayValue", Kind::Message(&ARRAY_VALUE)),
        one(f::KVLIST, "kvlistValue", Kind::Message(&KEY_VALUE_LIST)),
    ]
};

static ARRAY_VALUE: [Field; 1] = [many(tag::list::VALUES, "values", Kind::Message(&ANY_VALUE))];

static KEY_VALUE_LIST: [Field; 1] = [many(tag::list::VALUES, "values", Kind::Message(&KEY_VALUE))];

/// Bytes that are not an OTLP message flutter writes (a bug, never an input).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not an OTLP message flutter writes: {0}")]
pub struct Malformed(&'static str);

/// Appends an `ExportMetricsServiceRequest` protobuf body as one JSON object
/// (no line break).
pub fn metrics_request(body: &[u8], out: &mut String) -> Result<(), Malformed> {
    write_message(&METRICS_REQUEST, body, out)
}

/// One field's value on the wire.
#[derive(Clone, Copy)]
enum Wire<'a> {
    Varint(u64),
    Fixed64(u64),
    Len(&'a [u8]),
}

fn next_field<'a>(bytes: &mut &'a [u8]) -> Result<(u8, Wire<'a>), Malformed> {
    let key = get_varint(bytes).ok_or(Malformed("truncated field key"))?;
    let number = u8::try_from(key >> 3).map_err(|_| Malformed("field number out of range"))?;
    let value = match (key & 7) as u8 {
        VARINT => Wire::Varint(get_varint(bytes).ok_or(Malformed("truncated varint"))?),
        FIXED64 => {
            let (head, rest) = bytes.split_first_chunk::<8>().ok_or(Malformed("truncated fixed64"))?;
            *bytes = rest;
            Wire::Fixed64(u64::from_le_bytes(*head))
        }
        LEN => {
            let n = get_varint(bytes).and_then(|n| usize::try_from(n).ok()).ok_or(Malformed("truncated length"))?;
            let (head, rest) = bytes.split_at_checked(n).ok_or(Malformed("truncated field"))?;
            *bytes = rest;
            Wire::Len(head)
        }
        _ => return Err(Malformed("unexpected wire type")),
    };
    Ok((number, value))
}

/// Writes a message's fields in wire order (JSON key order does not
/// matter), a repeated field's run of occurrences as one array; flutter
/// writes each repeated field's occurrences together, so a field that
/// comes back after another is malformed (it would be a duplicate key).
fn write_message(message: &Message, mut bytes: &[u8], out: &mut String) -> Result<(), Malformed> {
    out.push('{');
    let mut seen = 0u128;
    // The repeated field whose array is open.
    let mut open: Option<(u8, &Field)> = None;
    let mut first_item = true;
    while !bytes.is_empty() {
        let (number, wire) = next_field(&mut bytes)?;
        if let Some((n, field)) = open {
            if n == number {
                write_repeated(field.kind, wire, &mut first_item, out)?;
                continue;
            }
            out.push(']');
            open = None;
        }
        let field =
            message.iter().find(|f| f.number == number).ok_or(Malformed("a field the JSON mapping does not know"))?;
        // A known field: its number is below 16.
        let bit = 1u128 << (number & 127);
        if seen & bit != 0 {
            return Err(Malformed("a field written twice"));
        }
        if seen != 0 {
            out.push(',');
        }
        seen |= bit;
        // Names are plain identifiers: nothing to escape.
        out.push('"');
        out.push_str(field.name);
        out.push_str("\":");
        if field.repeated {
            out.push('[');
            first_item = true;
            write_repeated(field.kind, wire, &mut first_item, out)?;
            open = Some((number, field));
        } else {
            write_value(field.kind, wire, out)?;
        }
    }
    if open.is_some() {
        out.push(']');
    }
    out.push('}');
    Ok(())
}

/// One occurrence of a repeated field: a message, a scalar, or a packed run of scalars.
fn write_repeated(kind: Kind, wire: Wire<'_>, first: &mut bool, out: &mut String) -> Result<(), Malformed> {
    let mut item = |wire: Wire<'_>, out: &mut String| {
        if !std::mem::take(first) {
            out.push(',');
        }
        write_value(kind, wire, out)
    };
    match (kind, wire) {
        (Kind::Fixed64 | Kind::Sfixed64 | Kind::Double, Wire::Len(packed)) => {
            let (chunks, rest) = packed.as_chunks::<8>();
            if !rest.is_empty() {
                return Err(Malformed("packed fixed64 values of a length not a multiple of 8"));
            }
            chunks.iter().try_for_each(|c| item(Wire::Fixed64(u64::from_le_bytes(*c)), out))
        }
        (Kind::Bool | Kind::Uint32 | Kind::Enum | Kind::Sint32 | Kind::Int64 | Kind::Uint64, Wire::Len(mut packed)) => {
            while !packed.is_empty() {
                item(Wire::Varint(get_varint(&mut packed).ok_or(Malformed("truncated packed varint"))?), out)?;
            }
            Ok(())
        }
        _ => item(wire, out),
    }
}

/// `v` in decimal, without the formatting machinery (a line has many).
fn push_unsigned(out: &mut String, mut v: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    out.extend(digits[i..].iter().map(|&d| char::from(d)));
}

fn push_integer(out: &mut String, v: i64) {
    if v < 0 {
        out.push('-');
    }
    push_unsigned(out, v.unsigned_abs());
}

fn write_value(kind: Kind, wire: Wire<'_>, out: &mut String) -> Result<(), Malformed> {
    match (kind, wire) {
        (Kind::Str, Wire::Len(b)) => {
            push_string(out, std::str::from_utf8(b).map_err(|_| Malformed("a string not in UTF-8"))?)
        }
        (Kind::Message(m), Wire::Len(b)) => write_message(m, b, out)?,
        (Kind::Bool, Wire::Varint(v)) => out.push_str(if v != 0 { "true" } else { "false" }),
        (Kind::Uint32 | Kind::Enum, Wire::Varint(v)) => push_integer(out, i64::from(v as u32)),
        (Kind::Sint32, Wire::Varint(v)) => {
            let v = v as u32;
            push_integer(out, i64::from(((v >> 1) as i32) ^ -((v & 1) as i32)));
        }
        (Kind::Int64, Wire::Varint(v)) | (Kind::Sfixed64, Wire::Fixed64(v)) => {
            out.push('"');
            push_integer(out, v as i64);
            out.push('"');
        }
        (Kind::Uint64, Wire::Varint(v)) | (Kind::Fixed64, Wire::Fixed64(v)) => {
            out.push('"');
            push_unsigned(out, v);
            out.push('"');
        }
        (Kind::Double, Wire::Fixed64(bits)) => {
            let v = f64::from_bits(bits);
            match v {
                _ if v.is_nan() => out.push_str("\"NaN\""),
                f64::INFINITY => out.push_str("\"Infinity\""),
                f64::NEG_INFINITY => out.push_str("\"-Infinity\""),
                _ => push_number(out, v),
            }
        }
        _ => return Err(Malformed("a field of the wrong wire type")),
    }
    Ok(())
}
