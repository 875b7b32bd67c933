//! Data points: each point type's encoded size and its writing, side by side
//! (they must agree byte for byte). Attributes and bounds are the stream's
//! pre-encoded bytes; a point writes its times and values around them.

use super::super::proto::{FIXED64, VARINT, key, len_field_size, put_fixed64, put_len_header, put_varint, varint_len};
use super::super::tag::{buckets, data, exp_histogram_point as exp, histogram_point as hist, number_point as num};
use super::streams::DataKind;
use super::{Encoder, FLAG_NO_RECORDED_VALUE};
use crate::batch::{Point, PointValue, Points, Summary, ValueRef};

impl Encoder {
    /// A data point message's content size.
    #[inline]
    pub(super) fn point_len(&self, p: &Point, points: &Points<'_>) -> usize {
        let (attrs, bounds) = self.stream_parts(p.stream);
        let (attrs, bounds) = (attrs.len(), bounds.len());
        let times = fixed_len(p.start_unix_nanos) + fixed_len(p.time_unix_nanos);
        match p.value() {
            PointValue::Double(_) | PointValue::Int(_) => return times + 9 + attrs,
            // A stale explicit histogram point still carries its bounds.
            PointValue::Stale => return times + attrs + 2 + bounds,
            PointValue::Histogram(_) | PointValue::ExpHistogram(_) => {}
        }
        match points.value(p) {
            ValueRef::Double(_) | ValueRef::Int(_) | ValueRef::Stale => unreachable!("handled above"),
            ValueRef::Histogram(h) => {
                let counts = h.counts.len();
                times
                    + fixed_len_u(h.summary.count)
                    + 9
                    + if counts > 0 { len_field_size(8 * counts) } else { 0 }
                    + bounds
                    + attrs
                    + min_max_len(&h.summary)
            }
            ValueRef::ExpHistogram(h) => {
                attrs
                    + times
                    + fixed_len_u(h.summary.count)
                    + 9
                    + if h.scale != 0 { 1 + varint_len(zigzag(h.scale)) } else { 0 }
                    + fixed_len_u(h.zero_count)
                    + len_field_size(buckets_len(h.positive_offset, h.positive))
                    + len_field_size(buckets_len(h.negative_offset, h.negative))
                    + min_max_len(&h.summary)
            }
        }
    }

    /// Writes one data point field whose content is `len` bytes ([`Self::point_len`]).
    #[inline]
    pub(super) fn write_point(&self, p: &Point, len: usize, points: &Points<'_>, out: &mut Vec<u8>) {
        let (attrs, bounds) = self.stream_parts(p.stream);
        put_len_header(out, data::DATA_POINTS, len);
        let (start, time) = (p.start_unix_nanos, p.time_unix_nanos);
        // Number points need no lookup of histogram data.
        let value = match p.value() {
            PointValue::Double(v) => ValueRef::Double(v),
            PointValue::Int(v) => ValueRef::Int(v),
            PointValue::Stale => ValueRef::Stale,
            PointValue::Histogram(_) | PointValue::ExpHistogram(_) => points.value(p),
        };
        match value {
            // The common case, written in one copy.
            ValueRef::Double(v) if start != 0 && time != 0 => {
                let mut fields = [0u8; 27];
                for (i, (field, bits)) in
                    [(num::START_TIME, start as u64), (num::TIME, time as u64), (num::AS_DOUBLE, v.to_bits())]
                        .into_iter()
                        .enumerate()
                {
                    fields[9 * i] = key(field, FIXED64);
                    fields[9 * i + 1..9 * i + 9].copy_from_slice(&bits.to_le_bytes());
                }
                out.extend_from_slice(&fields);
                out.extend_from_slice(attrs);
            }
            ValueRef::Double(v) => {
                put_times(out, start, time);
                put_fixed64(out, num::AS_DOUBLE, v.to_bits());
                out.extend_from_slice(attrs);
            }
            ValueRef::Int(v) => {
                put_times(out, start, time);
                put_fixed64(out, num::AS_INT, v as u64);
                out.extend_from_slice(attrs);
            }
            ValueRef::Stale => match self.metrics[self.streams[p.stream as usize].metric as usize].data {
                DataKind::ExpHistogram { .. } => {
                    out.extend_from_slice(attrs);
                    put_times(out, start, time);
                    put_flags(out, exp::FLAGS);
                }
                DataKind::Histogram { .. } => {
                    put_times(out, start, time);
                    out.extend_from_slice(bounds);
                    out.extend_from_slice(attrs);
                    put_flags(out, hist::FLAGS);
                }
                _ => {
                    put_times(out, start, time);
                    out.extend_from_slice(attrs);
                    put_flags(out, num::FLAGS);
                }
            },
            ValueRef::Histogram(h) => {
                put_times(out, start, time);
                put_fixed64_nonzero(out, hist::COUNT, h.summary.count);
                put_fixed64(out, hist::SUM, h.summary.sum.to_bits());
                if !h.counts.is_empty() {
                    put_len_header(out, hist::BUCKET_COUNTS, 8 * h.counts.len());
                    for c in h.counts {
                        out.extend_from_slice(&c.to_le_bytes());
                    }
                }
                out.extend_from_slice(bounds);
                out.extend_from_slice(attrs);
                put_min_max(out, &h.summary, hist::MIN, hist::MAX);
            }
            ValueRef::ExpHistogram(h) => {
                out.extend_from_slice(attrs);
                put_times(out, start, time);
                put_fixed64_nonzero(out, exp::COUNT, h.summary.count);
                put_fixed64(out, exp::SUM, h.summary.sum.to_bits());
                if h.scale != 0 {
                    out.push(key(exp::SCALE, VARINT));
                    put_varint(out, zigzag(h.scale));
                }
                put_fixed64_nonzero(out, exp::ZERO_COUNT, h.zero_count);
                put_buckets(out, exp::POSITIVE, h.positive_offset, h.positive);
                put_buckets(out, exp::NEGATIVE, h.negative_offset, h.negative);
                put_min_max(out, &h.summary, exp::MIN, exp::MAX);
            }
        }
    }
}

fn zigzag(v: i32) -> u64 {
    u64::from(((v << 1) ^ (v >> 31)) as u32)
}

/// A fixed64 field left out when zero (the proto3 default).
fn fixed_len(v: i64) -> usize {
    if v == 0 { 0 } else { 9 }
}

fn fixed_len_u(v: u64) -> usize {
    if v == 0 { 0 } else { 9 }
}

fn put_fixed64_nonzero(out: &mut Vec<u8>, field: u8, v: u64) {
    if v != 0 {
        put_fixed64(out, field, v);
    }
}

/// Start and time: fields 2 and 3 of every data point type.
#[inline]
fn put_times(out: &mut Vec<u8>, start: i64, time: i64) {
    const _: () = assert!(num::START_TIME == hist::START_TIME && hist::START_TIME == exp::START_TIME);
    const _: () = assert!(num::TIME == hist::TIME && hist::TIME == exp::TIME);
    put_fixed64_nonzero(out, num::START_TIME, start as u64);
    put_fixed64_nonzero(out, num::TIME, time as u64);
}

fn put_flags(out: &mut Vec<u8>, field: u8) {
    out.push(key(field, VARINT));
    put_varint(out, FLAG_NO_RECORDED_VALUE);
}

fn min_max_len(s: &Summary) -> usize {
    9 * (usize::from(s.min.is_some()) + usize::from(s.max.is_some()))
}

fn put_min_max(out: &mut Vec<u8>, s: &Summary, min_field: u8, max_field: u8) {
    if let Some(min) = s.min {
        put_fixed64(out, min_field, min.to_bits());
    }
    if let Some(max) = s.max {
        put_fixed64(out, max_field, max.to_bits());
    }
}

/// `Buckets { offset: sint32, bucket_counts: packed uint64 }` content size.
fn buckets_len(offset: i32, counts: &[u64]) -> usize {
    let offset_len = if offset != 0 { 1 + varint_len(zigzag(offset)) } else { 0 };
    let counts_len: usize = counts.iter().map(|&c| varint_len(c)).sum();
    offset_len + if counts.is_empty() { 0 } else { len_field_size(counts_len) }
}

fn put_buckets(out: &mut Vec<u8>, field: u8, offset: i32, counts: &[u64]) {
    put_len_header(out, field, buckets_len(offset, counts));
    if offset != 0 {
        out.push(key(buckets::OFFSET, VARINT));
        put_varint(out, zigzag(offset));
    }
    if !counts.is_empty() {
        put_len_header(out, buckets::BUCKET_COUNTS, counts.iter().map(|&c| varint_len(c)).sum());
        for &c in counts {
            put_varint(out, c);
        }
    }
}
