//! What an OTLP receiver answers: an `Export*ServiceResponse`, whose
//! `partial_success` says how many items it refused.

use super::proto::{LEN, VARINT, get_varint, skip};
use super::tag::response as f;
use crate::delivery::PartialAcceptance;
use crate::printable::printable;

/// Reads `partial_success` from a response body; `None` when there is none, or
/// the body is not a protobuf response (some receivers answer with text).
pub fn decode_partial_success(mut body: &[u8]) -> Option<PartialAcceptance> {
    let mut found = None;
    while !body.is_empty() {
        let k = get_varint(&mut body)?;
        let (field, wire) = (k >> 3, (k & 7) as u8);
        if field == f::PARTIAL_SUCCESS && wire == LEN {
            let n = usize::try_from(get_varint(&mut body)?).ok()?;
            let (mut inner, rest) = (body.get(..n)?, body.get(n..)?);
            body = rest;
            let mut ps = PartialAcceptance::default();
            while !inner.is_empty() {
                let k = get_varint(&mut inner)?;
                match (k >> 3, (k & 7) as u8) {
                    (f::REJECTED, VARINT) => ps.rejected = get_varint(&mut inner)? as i64,
                    (f::ERROR_MESSAGE, LEN) => {
                        let n = usize::try_from(get_varint(&mut inner)?).ok()?;
                        // A server's words, printed to a terminal: escaped.
                        ps.message = printable(&String::from_utf8_lossy(inner.get(..n)?)).into_owned();
                        inner = inner.get(n..)?;
                    }
                    (_, w) => skip(&mut inner, w)?,
                }
            }
            found = Some(ps);
        } else {
            skip(&mut body, wire)?;
        }
    }
    found.filter(|ps| ps.rejected != 0 || !ps.message.is_empty())
}
