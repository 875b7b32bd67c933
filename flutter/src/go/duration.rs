//! Durations in Go's syntax: `10s`, `1m30s`, `1.5h`, `500ms`, `0`.
//!
//! A port of Go's `time.ParseDuration` and `Duration.String`, because scenario
//! files written for the Go tool must mean the same here and the log lines print
//! times the Go way (`1m0s`). No crate matches Go's grammar exactly.

use std::fmt;

/// A signed span of time in nanoseconds, written and printed the way Go does.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "bake", derive(serde::Serialize), serde(rename = "GoDuration::from_nanos"))]
pub struct GoDuration(i64);

const NANOSECOND: u64 = 1;
const MICROSECOND: u64 = 1_000 * NANOSECOND;
const MILLISECOND: u64 = 1_000 * MICROSECOND;
const SECOND: u64 = 1_000 * MILLISECOND;
const MINUTE: u64 = 60 * SECOND;
const HOUR: u64 = 60 * MINUTE;

/// Why a text is not a Go duration.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DurationError {
    /// Empty text, a stray character or a lone sign.
    #[error("`{0}` is not a duration (expected e.g. `10s`, `1m30s`, `500ms`)")]
    Invalid(String),
    /// A number without a unit, such as `10`.
    #[error("duration needs a unit, e.g. `10s` (got `{0}`)")]
    MissingUnit(String),
    /// A unit Go does not know, such as `d` or `min`.
    #[error("unknown unit `{unit}` in duration `{text}` (units: ns, us, µs, ms, s, m, h)")]
    UnknownUnit {
        /// The unit as written.
        unit: String,
        /// The whole text.
        text: String,
    },
    /// More than about 292 years.
    #[error("duration `{0}` is too long")]
    Overflow(String),
}

impl GoDuration {
    /// Zero.
    pub const ZERO: GoDuration = GoDuration(0);

    /// A duration of `nanos` nanoseconds.
    pub const fn from_nanos(nanos: i64) -> Self {
        GoDuration(nanos)
    }

    /// A duration of whole seconds.
    pub const fn from_secs(secs: i64) -> Self {
        GoDuration(secs * SECOND as i64)
    }

    /// A duration of whole milliseconds.
    pub const fn from_millis(millis: i64) -> Self {
        GoDuration(millis * MILLISECOND as i64)
    }

    /// The length in nanoseconds.
    pub const fn as_nanos(self) -> i64 {
        self.0
    }

    /// The length in seconds as a float.
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / SECOND as f64
    }

    /// Whether this is a whole number of seconds.
    pub const fn is_whole_seconds(self) -> bool {
        self.0 % SECOND as i64 == 0
    }

    /// The smallest whole number of seconds not shorter than this duration
    /// (negative durations give 0).
    pub const fn ceil_secs(self) -> u64 {
        if self.0 <= 0 { 0 } else { (self.0 as u64).div_ceil(SECOND) }
    }

    /// The whole seconds in this duration, rounded down (negative durations give 0).
    pub const fn floor_secs(self) -> u64 {
        if self.0 <= 0 { 0 } else { self.0 as u64 / SECOND }
    }

    /// Parses Go's duration syntax: an optional sign, then one or more
    /// `<decimal><unit>` groups; the lone text `0` needs no unit.
    pub fn parse(text: &str) -> Result<Self, DurationError> {
        let invalid = || DurationError::Invalid(text.to_owned());
        let mut s = text.as_bytes();
        let mut neg = false;
        if let Some(&c) = s.first()
            && (c == b'-' || c == b'+')
        {
            neg = c == b'-';
            s = &s[1..];
        }
        if s == b"0" {
            return Ok(GoDuration(0));
        }
        if s.is_empty() {
            return Err(invalid());
        }
        let mut total: u64 = 0;
        while !s.is_empty() {
            if !(s[0] == b'.' || s[0].is_ascii_digit()) {
                return Err(invalid());
            }
            let before = s.len();
            let (whole, rest) = leading_int(s).ok_or_else(|| DurationError::Overflow(text.to_owned()))?;
            s = rest;
            let pre = before != s.len();
            let mut frac = 0u64;
            let mut scale = 1f64;
            let mut post = false;
            if s.first() == Some(&b'.') {
                s = &s[1..];
                let before = s.len();
                let (f, sc, rest) = leading_fraction(s);
                frac = f;
                scale = sc;
                s = rest;
                post = before != s.len();
            }
            if !pre && !post {
                return Err(invalid());
            }
            let unit_len = s.iter().position(|c| *c == b'.' || c.is_ascii_digit()).unwrap_or(s.len());
            if unit_len == 0 {
                return Err(DurationError::MissingUnit(text.to_owned()));
            }
            let unit_text = &s[..unit_len];
            s = &s[unit_len..];
            let unit = unit_nanos(unit_text).ok_or_else(|| DurationError::UnknownUnit {
                unit: String::from_utf8_lossy(unit_text).into_owned(),
                text: text.to_owned(),
            })?;
            let overflow = || DurationError::Overflow(text.to_owned());
            if whole > (1u64 << 63) / unit {
                return Err(overflow());
            }
            let mut v = whole * unit;
            if frac > 0 {
                // Go computes the fraction in float64; nanosecond-exact for hours.
                v += (frac as f64 * (unit as f64 / scale)) as u64;
                if v > 1u64 << 63 {
                    return Err(overflow());
                }
            }
            total = total.checked_add(v).ok_or_else(overflow)?;
            if total > 1u64 << 63 {
                return Err(overflow());
            }
        }
        if neg {
            return Ok(GoDuration((total as i64).wrapping_neg()));
        }
        if total > i64::MAX as u64 {
            return Err(DurationError::Overflow(text.to_owned()));
        }
        Ok(GoDuration(total as i64))
    }
}

impl From<std::time::Duration> for GoDuration {
    /// Saturates at about 292 years.
    fn from(d: std::time::Duration) -> Self {
        GoDuration(i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
    }
}

fn unit_nanos(unit: &[u8]) -> Option<u64> {
    Some(match unit {
        b"ns" => NANOSECOND,
        b"us" => MICROSECOND,
        // U+00B5 micro sign and U+03BC Greek small mu.
        b"\xc2\xb5s" | b"\xce\xbcs" => MICROSECOND,
        b"ms" => MILLISECOND,
        b"s" => SECOND,
        b"m" => MINUTE,
        b"h" => HOUR,
        _ => return None,
    })
}

/// Consumes leading ASCII digits; `None` when the number exceeds 2^63.
fn leading_int(s: &[u8]) -> Option<(u64, &[u8])> {
    let mut x: u64 = 0;
    let mut i = 0;
    while i < s.len() && s[i].is_ascii_digit() {
        if x > (1u64 << 63) / 10 {
            return None;
        }
        x = x * 10 + u64::from(s[i] - b'0');
        if x > 1u64 << 63 {
            return None;
        }
        i += 1;
    }
    Some((x, &s[i..]))
}

/// Consumes leading digits of a fraction; stops accumulating precision on overflow.
fn leading_fraction(s: &[u8]) -> (u64, f64, &[u8]) {
    let mut x: u64 = 0;
    let mut scale = 1f64;
    let mut overflow = false;
    let mut i = 0;
    while i < s.len() && s[i].is_ascii_digit() {
        if !overflow {
            if x > (i64::MAX as u64) / 10 {
                overflow = true;
            } else {
                let y = x * 10 + u64::from(s[i] - b'0');
                if y > 1u64 << 63 {
                    overflow = true;
                } else {
                    x = y;
                    scale *= 10.0;
                }
            }
        }
        i += 1;
    }
    (x, scale, &s[i..])
}

impl fmt::Display for GoDuration {
    /// Go's `Duration.String`: `0s`, `1.5s`, `1m0s`, `1h2m3s`, `500ms`, `1µs`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut buf = [0u8; 32];
        let mut w = buf.len();
        let neg = self.0 < 0;
        let mut u = self.0.unsigned_abs();
        if u < SECOND {
            w -= 1;
            buf[w] = b's';
            w -= 1;
            let prec;
            if u == 0 {
                buf[w] = b'0';
                return f.pad(ascii(&buf[w..]));
            } else if u < MICROSECOND {
                prec = 0;
                buf[w] = b'n';
            } else if u < MILLISECOND {
                prec = 3;
                // 'µ' is two bytes in UTF-8.
                w -= 1;
                buf[w..w + 2].copy_from_slice("µ".as_bytes());
            } else {
                prec = 6;
                buf[w] = b'm';
            }
            let (nw, nu) = fmt_frac(&mut buf, w, u, prec);
            w = fmt_int(&mut buf, nw, nu);
        } else {
            w -= 1;
            buf[w] = b's';
            let (nw, nu) = fmt_frac(&mut buf, w, u, 9);
            w = nw;
            u = nu;
            w = fmt_int(&mut buf, w, u % 60);
            u /= 60;
            if u > 0 {
                w -= 1;
                buf[w] = b'm';
                w = fmt_int(&mut buf, w, u % 60);
                u /= 60;
                if u > 0 {
                    w -= 1;
                    buf[w] = b'h';
                    w = fmt_int(&mut buf, w, u);
                }
            }
        }
        if neg {
            w -= 1;
            buf[w] = b'-';
        }
        // `pad` honours width and alignment (`{:>6}`).
        f.pad(ascii(&buf[w..]))
    }
}

fn ascii(bytes: &[u8]) -> &str {
    // Only digits, unit letters and 'µ' are ever written.
    std::str::from_utf8(bytes).unwrap_or("?")
}

/// Writes the fraction of `v / 10^prec` (without trailing zeros, and without the
/// point when it is zero) before index `w`; returns the new start and `v / 10^prec`.
fn fmt_frac(buf: &mut [u8], mut w: usize, mut v: u64, prec: usize) -> (usize, u64) {
    let mut print = false;
    for _ in 0..prec {
        let digit = v % 10;
        print = print || digit != 0;
        if print {
            w -= 1;
            buf[w] = digit as u8 + b'0';
        }
        v /= 10;
    }
    if print {
        w -= 1;
        buf[w] = b'.';
    }
    (w, v)
}

fn fmt_int(buf: &mut [u8], mut w: usize, mut v: u64) -> usize {
    if v == 0 {
        w -= 1;
        buf[w] = b'0';
    } else {
        while v > 0 {
            w -= 1;
            buf[w] = (v % 10) as u8 + b'0';
            v /= 10;
        }
    }
    w
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Go's own `ParseDuration` table, plus the cases the reference probe compared.
    #[test]
    fn parses_like_go() {
        let ok: &[(&str, i64)] = &[
            ("0", 0),
            ("5s", 5 * SECOND as i64),
            ("30s", 30 * SECOND as i64),
            ("1478s", 1478 * SECOND as i64),
            ("-5s", -5 * SECOND as i64),
            ("+5s", 5 * SECOND as i64),
            ("-0", 0),
            ("+0", 0),
            ("5.0s", 5 * SECOND as i64),
            ("5.6s", 5 * SECOND as i64 + 600 * MILLISECOND as i64),
            ("5.s", 5 * SECOND as i64),
            (".5s", 500 * MILLISECOND as i64),
            ("1.0s", SECOND as i64),
            ("1.00s", SECOND as i64),
            ("1.004s", SECOND as i64 + 4 * MILLISECOND as i64),
            ("1.0040s", SECOND as i64 + 4 * MILLISECOND as i64),
            ("100.00100s", 100 * SECOND as i64 + MILLISECOND as i64),
            ("10ns", 10),
            ("11us", 11 * MICROSECOND as i64),
            ("12µs", 12 * MICROSECOND as i64),
            ("12μs", 12 * MICROSECOND as i64),
            ("13ms", 13 * MILLISECOND as i64),
            ("14s", 14 * SECOND as i64),
            ("15m", 15 * MINUTE as i64),
            ("16h", 16 * HOUR as i64),
            ("3h30m", 3 * HOUR as i64 + 30 * MINUTE as i64),
            ("10.5s4m", 4 * MINUTE as i64 + 10 * SECOND as i64 + 500 * MILLISECOND as i64),
            ("-2m3.4s", -(2 * MINUTE as i64 + 3 * SECOND as i64 + 400 * MILLISECOND as i64)),
            ("1h2m3s4ms5us6ns", 3_723_004_005_006),
            ("39h9m14.425s", 140_954_425 * MILLISECOND as i64),
            ("52763797000ns", 52_763_797_000),
            ("0.3333333333333333333h", 20 * MINUTE as i64),
            ("9007199254740993ns", 9_007_199_254_740_993),
            ("9223372036854775807ns", i64::MAX),
            ("9223372036854775.807us", i64::MAX),
            ("9223372036s854ms775us807ns", i64::MAX),
            ("-9223372036854775808ns", i64::MIN),
            ("-9223372036854775.808us", i64::MIN),
            ("0.100000000000000000000h", 6 * MINUTE as i64),
            ("0.830103483285477580700h", 49 * MINUTE as i64 + 48 * SECOND as i64 + 372_539_827),
            ("1m1m", 2 * MINUTE as i64),
            ("1.5h", 90 * MINUTE as i64),
        ];
        for (text, nanos) in ok {
            assert_eq!(GoDuration::parse(text), Ok(GoDuration(*nanos)), "{text}");
        }
    }

    #[test]
    fn rejects_like_go() {
        for text in [
            "",
            "3",
            "-",
            "s",
            ".",
            "-.",
            ".s",
            "+.s",
            "1d",
            "1H",
            "1 s",
            "1h 30m",
            "1min",
            "9223372036854775808ns",
            "9223372036854775.808us",
            "9223372036854ms775us808ns",
            "-9223372036854775809ns",
            "3000000h",
        ] {
            assert!(GoDuration::parse(text).is_err(), "{text:?} should be rejected");
        }
        assert_eq!(GoDuration::parse("10"), Err(DurationError::MissingUnit("10".into())));
        assert_eq!(GoDuration::parse("1d"), Err(DurationError::UnknownUnit { unit: "d".into(), text: "1d".into() }));
    }

    #[test]
    fn prints_like_go() {
        let cases: &[(i64, &str)] = &[
            (0, "0s"),
            (1, "1ns"),
            (1100, "1.1µs"),
            (2_200_000, "2.2ms"),
            (3_300_000_000, "3.3s"),
            (4 * MINUTE as i64 + 5 * SECOND as i64, "4m5s"),
            (4 * MINUTE as i64 + 5_001 * MILLISECOND as i64, "4m5.001s"),
            (5 * HOUR as i64 + 6 * MINUTE as i64 + 7_001 * MILLISECOND as i64, "5h6m7.001s"),
            (8 * MINUTE as i64 + 1, "8m0.000000001s"),
            (i64::MAX, "2562047h47m16.854775807s"),
            (i64::MIN, "-2562047h47m16.854775808s"),
            (10 * SECOND as i64, "10s"),
            (60 * SECOND as i64, "1m0s"),
            (HOUR as i64, "1h0m0s"),
            (150 * SECOND as i64, "2m30s"),
            (1500 * MILLISECOND as i64, "1.5s"),
            (500 * MILLISECOND as i64, "500ms"),
            (-10 * SECOND as i64, "-10s"),
        ];
        for (nanos, text) in cases {
            assert_eq!(GoDuration(*nanos).to_string(), *text);
        }
        assert_eq!(format!("[{:>6}]", GoDuration::from_secs(70)), "[ 1m10s]");
    }

    #[test]
    fn seconds_helpers() {
        let d = GoDuration::parse("1.5s").unwrap();
        assert_eq!(d.ceil_secs(), 2);
        assert_eq!(d.floor_secs(), 1);
        assert!(!d.is_whole_seconds());
        assert!(GoDuration::from_secs(3).is_whole_seconds());
        assert_eq!(GoDuration::from_secs(-3).ceil_secs(), 0);
    }
}
