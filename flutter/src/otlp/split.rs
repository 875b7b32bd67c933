//! Splitting an encoded `ExportMetricsServiceRequest` in two, for a receiver
//! that answers 413 (too large): the first half gets the first half of the
//! data points, in order; each half repeats the resource, scope and metric
//! heads its points need. It works on the encoded bytes, so the delivery
//! layer can split what it holds without the encoder.

use super::proto::{LEN, get_varint, put_bytes, skip};
use super::tag::{data, metric, request, resource_metrics, scope_metrics};

/// The fields that hold the children at each level, from the request down to
/// the data points' container; every other field is a head, copied into each
/// half that has children.
const LEVELS: &[&[u64]] = &[
    &[request::RESOURCE_METRICS as u64],
    &[resource_metrics::SCOPE_METRICS as u64],
    &[scope_metrics::METRICS as u64],
    &[metric::GAUGE as u64, metric::SUM as u64, metric::HISTOGRAM as u64, metric::EXPONENTIAL_HISTOGRAM as u64],
    &[data::DATA_POINTS as u64],
];

/// `body` as two requests of `first` and `points − first` data points (plus
/// their counts); `None` when it is not a request flutter encoded, or holds
/// fewer than two points.
pub fn split_request(body: &[u8]) -> Option<[(Vec<u8>, u64); 2]> {
    let points = count(body, 0)?;
    if points < 2 {
        return None;
    }
    let first = points / 2;
    let mut left = first;
    let (a, b) = split(body, 0, &mut left)?;
    Some([(a?, first), (b?, points - first)])
}

/// How many data points `message` (at `level`) holds.
fn count(message: &[u8], level: usize) -> Option<u64> {
    let Some(children) = LEVELS.get(level) else { return Some(1) };
    let mut n = 0;
    for_each_field(message, |field, wire, value, _| {
        if wire == LEN && children.contains(&field) {
            n += count(value, level + 1)?;
        }
        Some(())
    })?;
    Some(n)
}

/// A part of a message: its bytes, or `None` when it holds no points.
type Part = Option<Vec<u8>>;

/// The part of `message` (at `level`) holding its first `*left` points, and
/// the part holding the rest (`None`: no points); `*left` goes down by the
/// points given to the first.
fn split(message: &[u8], level: usize, left: &mut u64) -> Option<(Part, Part)> {
    let Some(children) = LEVELS.get(level) else {
        // A data point (even an empty one): whole, to the side that still needs points.
        return Some(if *left > 0 {
            *left -= 1;
            (Some(message.to_vec()), None)
        } else {
            (None, Some(message.to_vec()))
        });
    };
    let (mut head, mut a, mut b): (Vec<u8>, Part, Part) = (Vec::new(), None, None);
    for_each_field(message, |field, wire, value, whole| {
        if wire == LEN && children.contains(&field) {
            let (x, y) = split(value, level + 1, left)?;
            if let Some(x) = x {
                put_bytes(a.get_or_insert_with(Vec::new), field as u8, &x);
            }
            if let Some(y) = y {
                put_bytes(b.get_or_insert_with(Vec::new), field as u8, &y);
            }
        } else {
            head.extend_from_slice(whole);
        }
        Some(())
    })?;
    // Heads first, as the encoder writes them.
    let with_head = |children: Part| children.map(|c| [head.as_slice(), &c].concat());
    Some((with_head(a), with_head(b)))
}

/// Calls `f(field, wire type, value, whole field)` for each field of
/// `message`, where `value` is a length-delimited field's content, or else
/// the field's encoded value, and the whole field includes its key.
fn for_each_field(mut message: &[u8], mut f: impl FnMut(u64, u8, &[u8], &[u8]) -> Option<()>) -> Option<()> {
    while !message.is_empty() {
        let start = message;
        let key = get_varint(&mut message)?;
        let (field, wire) = (key >> 3, (key & 7) as u8);
        let value = if wire == LEN {
            let n = usize::try_from(get_varint(&mut message)?).ok()?;
            let value = message.get(..n)?;
            message = message.get(n..)?;
            value
        } else {
            let before = message;
            skip(&mut message, wire)?;
            &before[..before.len() - message.len()]
        };
        f(field, wire, value, &start[..start.len() - message.len()])?;
    }
    Some(())
}
