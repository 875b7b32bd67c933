//! OTLP's common messages (`common.v1`): attributes as `KeyValue`s of
//! `AnyValue`s, shared by every signal. Written in one pass: each message's
//! length is computed before it is written, so nothing is encoded twice.

use super::proto::{VARINT, key, len_field_size, put_fixed64, put_len_header, put_varint, varint_len};
use super::tag;
use crate::scenario::{AttrValue, KeyValue};

/// Each attribute as one `KeyValue` field numbered `field`.
pub(crate) fn put_attributes(out: &mut Vec<u8>, field: u8, attrs: &[KeyValue<'_>]) {
    for kv in attrs {
        put_len_header(out, field, key_value_len(kv));
        put_key_value(out, kv);
    }
}

/// The bytes of `attrs` as `KeyValue` fields (for a parent's length).
pub(crate) fn attributes_len(attrs: &[KeyValue<'_>]) -> usize {
    attrs.iter().map(|kv| len_field_size(key_value_len(kv))).sum()
}

fn key_value_len(kv: &KeyValue<'_>) -> usize {
    len_field_size(kv.key.len()) + len_field_size(any_value_len(&kv.value))
}

fn put_key_value(out: &mut Vec<u8>, kv: &KeyValue<'_>) {
    put_len_header(out, tag::key_value::KEY, kv.key.len());
    out.extend_from_slice(kv.key.as_bytes());
    put_len_header(out, tag::key_value::VALUE, any_value_len(&kv.value));
    put_any_value(out, &kv.value);
}

/// The length of an `AnyValue` message's content.
pub(crate) fn any_value_len(v: &AttrValue<'_>) -> usize {
    match v {
        AttrValue::Str(s) => len_field_size(s.len()),
        AttrValue::Bool(_) => 2,
        AttrValue::Int(i) => 1 + varint_len(*i as u64),
        AttrValue::Double(_) => 9,
        AttrValue::Array(items) => len_field_size(items.iter().map(|i| len_field_size(any_value_len(i))).sum()),
        AttrValue::KvList(kvs) => len_field_size(attributes_len(kvs)),
    }
}

/// An `AnyValue` message's content.
pub(crate) fn put_any_value(out: &mut Vec<u8>, v: &AttrValue<'_>) {
    use tag::any_value as f;
    match v {
        AttrValue::Str(s) => {
            put_len_header(out, f::STRING, s.len());
            out.extend_from_slice(s.as_bytes());
        }
        AttrValue::Bool(b) => {
            out.push(key(f::BOOL, VARINT));
            out.push(u8::from(*b));
        }
        AttrValue::Int(i) => {
            out.push(key(f::INT, VARINT));
            // int64: negative values are sign-extended to ten bytes.
            put_varint(out, *i as u64);
        }
        AttrValue::Double(d) => put_fixed64(out, f::DOUBLE, d.to_bits()),
        AttrValue::Array(items) => {
            put_len_header(out, f::ARRAY, items.iter().map(|i| len_field_size(any_value_len(i))).sum());
            for item in items.iter() {
                put_len_header(out, tag::list::VALUES, any_value_len(item));
                put_any_value(out, item);
            }
        }
        AttrValue::KvList(kvs) => {
            put_len_header(out, f::KVLIST, attributes_len(kvs));
            put_attributes(out, tag::list::VALUES, kvs);
        }
    }
}
