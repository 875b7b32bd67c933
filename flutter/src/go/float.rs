//! Float text the way Go's `strconv.FormatFloat(x, 'g', -1, 64)` writes it.
//!
//! The Go tool's log lines print values with slog, which uses that format: the
//! shortest digits that read back to the same float, in exponent form when the
//! decimal exponent is below −4 or at least 6 (`1e+06`, `1.234567e+06`, `1e-05`).
//! Rust's `{}` differs (`1000000`, `0.00001`), so lines would not match byte for byte.

use std::fmt::{self, Write};

/// Writes `x` as Go's `%v`/slog would.
pub fn write_go_float<W: Write + ?Sized>(out: &mut W, x: f64) -> fmt::Result {
    if x.is_nan() {
        return out.write_str("NaN");
    }
    if x.is_infinite() {
        return out.write_str(if x > 0.0 { "+Inf" } else { "-Inf" });
    }
    // Rust's `{:e}` gives the shortest round-trip digits: "-1.2345e-7", "6e0".
    let mut sci = ArrayBuf::new();
    write!(sci, "{x:e}")?;
    let text = sci.as_str();
    let (mantissa, exp) = text.split_once('e').unwrap_or((text, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let (neg, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => (true, m),
        None => (false, mantissa),
    };
    let mut digits = ArrayBuf::new();
    for c in mantissa.chars().filter(char::is_ascii_digit) {
        digits.push(c);
    }
    let digits = digits.as_str();
    if neg {
        out.write_char('-')?;
    }
    if x == 0.0 {
        return out.write_char('0');
    }
    if !(-4..6).contains(&exp) {
        out.write_str(&digits[..1])?;
        if digits.len() > 1 {
            out.write_char('.')?;
            out.write_str(&digits[1..])?;
        }
        out.write_char('e')?;
        out.write_char(if exp < 0 { '-' } else { '+' })?;
        write!(out, "{:02}", exp.unsigned_abs())
    } else if exp < 0 {
        out.write_str("0.")?;
        for _ in 0..(-exp - 1) {
            out.write_char('0')?;
        }
        out.write_str(digits)
    } else {
        let int_len = exp as usize + 1;
        if digits.len() <= int_len {
            out.write_str(digits)?;
            for _ in digits.len()..int_len {
                out.write_char('0')?;
            }
            Ok(())
        } else {
            out.write_str(&digits[..int_len])?;
            out.write_char('.')?;
            out.write_str(&digits[int_len..])
        }
    }
}

/// `x` as Go's `%v`/slog would print it.
pub fn go_float(x: f64) -> String {
    let mut s = String::new();
    // Writing into a String cannot fail.
    let _ = write_go_float(&mut s, x);
    s
}

/// A small stack buffer: a float's `{:e}` text is at most 25 bytes.
struct ArrayBuf {
    buf: [u8; 32],
    len: usize,
}

impl ArrayBuf {
    fn new() -> Self {
        ArrayBuf { buf: [0; 32], len: 0 }
    }
    fn push(&mut self, c: char) {
        if self.len < self.buf.len() && c.is_ascii() {
            self.buf[self.len] = c as u8;
            self.len += 1;
        }
    }
    fn as_str(&self) -> &str {
        std::str::from_utf8(&self.buf[..self.len]).unwrap_or("")
    }
}

impl Write for ArrayBuf {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let end = self.len + s.len();
        if end > self.buf.len() {
            return Err(fmt::Error);
        }
        self.buf[self.len..end].copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::go_float;

    #[test]
    fn matches_go_strconv_g_shortest() {
        let cases: &[(f64, &str)] = &[
            (0.0, "0"),
            (-0.0, "-0"),
            (1.0, "1"),
            (10.0, "10"),
            (15000.0, "15000"),
            (250000.0, "250000"),
            (999999.0, "999999"),
            (1e6, "1e+06"),
            (1234567.0, "1.234567e+06"),
            (123456789.0, "1.23456789e+08"),
            (1e21, "1e+21"),
            (0.0001, "0.0001"),
            (0.00012, "0.00012"),
            (1e-5, "1e-05"),
            (1.5e-7, "1.5e-07"),
            (1e-100, "1e-100"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
            (5e-324, "5e-324"),
            (0.1, "0.1"),
            (62.90178020482533, "62.90178020482533"),
            (8.9923406286904, "8.9923406286904"),
            (-1.786129868786042, "-1.786129868786042"),
            (0.08333333333333333, "0.08333333333333333"),
            (100.5, "100.5"),
            (f64::NAN, "NaN"),
            (f64::INFINITY, "+Inf"),
            (f64::NEG_INFINITY, "-Inf"),
        ];
        for (x, text) in cases {
            assert_eq!(go_float(*x), *text, "{x:e}");
        }
    }

    #[test]
    fn round_trips() {
        let mut x = 1.234e-9_f64;
        while x < 1e12 {
            assert_eq!(go_float(x).parse::<f64>().unwrap(), x);
            x *= 3.7;
        }
    }
}
