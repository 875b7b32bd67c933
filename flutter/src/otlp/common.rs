//! OTLP's common messages (`common.v1`): attributes as `KeyValue`s of
//! `AnyValue`s, shared by every signal.

use super::proto::{VARINT, key, put_bytes, put_fixed64, put_varint};
use super::tag;
use crate::scenario::{AttrValue, KeyValue};

/// Each attribute as one `KeyValue` field numbered `field`.
pub(crate) fn put_attributes(out: &mut Vec<u8>, field: u8, attrs: &[KeyValue<'_>]) {
    for kv in attrs {
        put_bytes(out, field, &key_value(kv));
    }
}

fn key_value(kv: &KeyValue<'_>) -> Vec<u8> {
    let mut out = Vec::new();
    put_bytes(&mut out, tag::key_value::KEY, kv.key.as_bytes());
    put_bytes(&mut out, tag::key_value::VALUE, &any_value(&kv.value));
    out
}

/// An `AnyValue` message's content.
fn any_value(v: &AttrValue<'_>) -> Vec<u8> {
    use tag::any_value as f;
    let mut out = Vec::new();
    match v {
        AttrValue::Str(s) => put_bytes(&mut out, f::STRING, s.as_bytes()),
        AttrValue::Bool(b) => {
            out.push(key(f::BOOL, VARINT));
            out.push(u8::from(*b));
        }
        AttrValue::Int(i) => {
            out.push(key(f::INT, VARINT));
            // int64: negative values are sign-extended to ten bytes.
            put_varint(&mut out, *i as u64);
        }
        AttrValue::Double(d) => put_fixed64(&mut out, f::DOUBLE, d.to_bits()),
        AttrValue::Array(items) => {
            let mut array = Vec::new();
            for item in items.iter() {
                put_bytes(&mut array, tag::list::VALUES, &any_value(item));
            }
            put_bytes(&mut out, f::ARRAY, &array);
        }
        AttrValue::KvList(kvs) => {
            let mut list = Vec::new();
            put_attributes(&mut list, tag::list::VALUES, kvs);
            put_bytes(&mut out, f::KVLIST, &list);
        }
    }
    out
}
