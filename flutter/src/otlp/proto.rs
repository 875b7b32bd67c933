//! Protobuf wire format: just what OTLP metrics need.

/// Wire type 0 (varint).
pub const VARINT: u8 = 0;
/// Wire type 1 (8 bytes).
pub const FIXED64: u8 = 1;
/// Wire type 2 (length-delimited).
pub const LEN: u8 = 2;

/// A field key: `(field << 3) | wire type` (every field used here is < 16).
pub const fn key(field: u8, wire: u8) -> u8 {
    (field << 3) | wire
}

/// How many bytes `v` takes as a varint.
#[inline]
pub fn varint_len(v: u64) -> usize {
    // 1 byte per started group of 7 bits; 0 takes 1 byte.
    (64 - (v | 1).leading_zeros() as usize).div_ceil(7)
}

#[inline]
pub fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

#[inline]
pub fn put_fixed64(out: &mut Vec<u8>, field: u8, v: u64) {
    out.push(key(field, FIXED64));
    out.extend_from_slice(&v.to_le_bytes());
}

/// Writes the key and length of a length-delimited field of `len` bytes.
#[inline]
pub fn put_len_header(out: &mut Vec<u8>, field: u8, len: usize) {
    out.push(key(field, LEN));
    put_varint(out, len as u64);
}

/// A length-delimited field with its content.
pub fn put_bytes(out: &mut Vec<u8>, field: u8, bytes: &[u8]) {
    put_len_header(out, field, bytes.len());
    out.extend_from_slice(bytes);
}

/// The size of a length-delimited field with `len` bytes of content.
#[inline]
pub fn len_field_size(len: usize) -> usize {
    1 + varint_len(len as u64) + len
}

/// Reads a varint; `None` when truncated or too long.
pub fn get_varint(buf: &mut &[u8]) -> Option<u64> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let (&b, rest) = buf.split_first()?;
        *buf = rest;
        v |= u64::from(b & 0x7f) << shift;
        if b < 0x80 {
            return Some(v);
        }
    }
    None
}

/// Skips one field's value of wire type `wire`; `None` when malformed.
pub fn skip(buf: &mut &[u8], wire: u8) -> Option<()> {
    match wire {
        VARINT => get_varint(buf).map(|_| ()),
        FIXED64 => {
            *buf = buf.get(8..)?;
            Some(())
        }
        LEN => {
            let n = usize::try_from(get_varint(buf)?).ok()?;
            *buf = buf.get(n..)?;
            Some(())
        }
        5 => {
            *buf = buf.get(4..)?;
            Some(())
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_round_trip() {
        for v in [0u64, 1, 127, 128, 300, 16_383, 16_384, u32::MAX as u64, u64::MAX] {
            let mut out = Vec::new();
            put_varint(&mut out, v);
            assert_eq!(out.len(), varint_len(v), "{v}");
            assert_eq!(get_varint(&mut out.as_slice()), Some(v));
        }
        assert_eq!(get_varint(&mut [0x80u8, 0x80].as_slice()), None);
    }
}
