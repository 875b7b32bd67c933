//! OTLP's common messages (`common.v1`): attributes as `KeyValue`s of
//! `AnyValue`s, shared by every signal. Written in one pass: each message's
//! length is computed before it is written, so nothing is encoded twice.

use std::borrow::Cow;

use super::proto::{VARINT, key, len_field_size, put_bytes, put_fixed64, put_len_header, put_varint, varint_len};
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

/// The field numbers of one signal's request nesting: the request's
/// `resource_*`, in it `resource` and `scope_*`, and in that `scope` and the items.
pub(crate) struct Nesting {
    pub request_resource: u8,
    pub resource: u8,
    pub scope_items: u8,
    pub scope: u8,
    pub items: u8,
}

/// `items` as `Resource*` messages appended to a request: one per resource
/// (`resource_of` an item, into `resources`), in the order the items first
/// use them, each with one scope (flutter's) holding its items in order.
pub(crate) fn put_by_resource<T>(
    out: &mut Vec<u8>,
    items: &[T],
    resources: &[Cow<'_, [KeyValue<'static>]>],
    (resource_of, nesting): (impl Fn(&T) -> u32, &Nesting),
    encode: impl Fn(&T, &mut Vec<u8>),
) {
    // Each resource's rank of first use, then the items by rank (stable: in order).
    let mut rank = vec![u32::MAX; resources.len()];
    let mut ranks = 0;
    for item in items {
        let r = &mut rank[resource_of(item) as usize];
        if *r == u32::MAX {
            *r = ranks;
            ranks += 1;
        }
    }
    let mut order: Vec<u32> = (0..items.len() as u32).collect();
    order.sort_by_key(|&i| rank[resource_of(&items[i as usize]) as usize]);
    let mut scope = Vec::new();
    put_bytes(&mut scope, tag::scope::NAME, super::metrics::SCOPE_NAME.as_bytes());
    let (mut scope_items, mut item) = (Vec::new(), Vec::new());
    let mut at = 0;
    while at < order.len() {
        let r = resource_of(&items[order[at] as usize]);
        scope_items.clear();
        put_bytes(&mut scope_items, nesting.scope, &scope);
        while at < order.len() && resource_of(&items[order[at] as usize]) == r {
            item.clear();
            encode(&items[order[at] as usize], &mut item);
            put_bytes(&mut scope_items, nesting.items, &item);
            at += 1;
        }
        let attrs = &resources[r as usize];
        let resource_len = attributes_len(attrs);
        put_len_header(out, nesting.request_resource, len_field_size(resource_len) + len_field_size(scope_items.len()));
        put_len_header(out, nesting.resource, resource_len);
        put_attributes(out, tag::resource::ATTRIBUTES, attrs);
        put_bytes(out, nesting.scope_items, &scope_items);
    }
}
