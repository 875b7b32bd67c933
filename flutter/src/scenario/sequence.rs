//! The sequence notation of Prometheus' rule tests: `1+1x3 _ 5 stale 7x2 _x1`.

use super::model::SeqStep;

/// A token that is not part of the notation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SeqError {
    /// Characters from the start of the text to the token.
    pub offset: usize,
    pub message: String,
}

/// Parses space-separated tokens: `a+bxn` (n + 1 values from `a`, step `b`),
/// `a-bxn` (counting down), `axn` (`a`, n + 1 times), a plain number, `_` (a
/// missing point), `_xn` (n + 1 missing points) and `stale`.
pub(crate) fn parse(text: &str) -> Result<Vec<SeqStep>, SeqError> {
    let mut steps = Vec::new();
    let mut chars = 0;
    let mut rest = text;
    while !rest.is_empty() {
        let skipped = rest.len() - rest.trim_start().len();
        chars += rest[..skipped].chars().count();
        rest = &rest[skipped..];
        if rest.is_empty() {
            break;
        }
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let token = &rest[..end];
        steps.push(parse_token(token).map_err(|message| SeqError { offset: chars, message })?);
        chars += token.chars().count();
        rest = &rest[end..];
    }
    if steps.is_empty() {
        return Err(SeqError { offset: 0, message: "a sequence needs at least one value, e.g. `1+1x10`".into() });
    }
    Ok(steps)
}

fn parse_token(token: &str) -> Result<SeqStep, String> {
    if token == "stale" {
        return Ok(SeqStep::Stale);
    }
    let bad = || {
        format!(
            "`{token}` is not a sequence value (expected e.g. `5`, `1+1x10`, `9-2x3`, `0x5`, `_`, `_x3` or `stale`)"
        )
    };
    let (head, times) = match token.rsplit_once('x') {
        Some((head, n)) => {
            let n: u64 =
                n.parse().map_err(|_| format!("`{token}`: the repeat count after `x` must be a whole number"))?;
            let count = n.checked_add(1).ok_or_else(|| format!("`{token}`: the repeat count is too large"))?;
            (head, Some(count))
        }
        None => (token, None),
    };
    if head == "_" {
        return Ok(SeqStep::Missing { count: times.unwrap_or(1) });
    }
    let number = |s: &str| -> Result<f64, String> {
        match s.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(v),
            Ok(_) => Err(format!("`{token}`: values must be finite numbers")),
            Err(_) => Err(bad()),
        }
    };
    if head.parse::<f64>().is_ok() {
        let start = number(head)?;
        return Ok(SeqStep::Values { start, step: 0.0, count: times.unwrap_or(1) });
    }
    let Some(count) = times else { return Err(bad()) };
    // `a+b` or `a-b`: the sign after the first character that does not belong
    // to an exponent (`1e-3+2x4`).
    let bytes = head.as_bytes();
    let split = (1..bytes.len())
        .find(|&i| (bytes[i] == b'+' || bytes[i] == b'-') && !matches!(bytes[i - 1], b'e' | b'E'))
        .ok_or_else(bad)?;
    let start = number(&head[..split])?;
    let step = number(&head[split + 1..])?;
    let step = if bytes[split] == b'-' { -step } else { step };
    Ok(SeqStep::Values { start, step, count })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(start: f64, step: f64, count: u64) -> SeqStep {
        SeqStep::Values { start, step, count }
    }

    #[test]
    fn every_form() {
        let got = parse("1+1x3 _ 5 stale 7x2 _x1 9-2x2 -2+0.5x1 1e-3+2x0  ").unwrap();
        assert_eq!(
            got,
            vec![
                values(1.0, 1.0, 4),
                SeqStep::Missing { count: 1 },
                values(5.0, 0.0, 1),
                SeqStep::Stale,
                values(7.0, 0.0, 3),
                SeqStep::Missing { count: 2 },
                values(9.0, -2.0, 3),
                values(-2.0, 0.5, 2),
                values(0.001, 2.0, 1),
            ]
        );
    }

    #[test]
    fn bad_tokens_name_their_offset() {
        let err = parse("1 2 3+x4 5").unwrap_err();
        assert_eq!(err.offset, 4);
        assert!(err.message.contains("`3+x4`"), "{}", err.message);
        let err = parse("  1 two").unwrap_err();
        assert_eq!(err.offset, 4);
        assert_eq!(parse("1x-1").unwrap_err().offset, 0);
        assert!(parse("1x2.5").unwrap_err().message.contains("whole number"));
        assert!(parse("1 Inf").unwrap_err().message.contains("finite"));
        assert!(parse("   ").unwrap_err().message.contains("at least one value"));
        assert_eq!(parse("é 1 +").unwrap_err().offset, 0);
        assert_eq!(parse("1 é").unwrap_err().offset, 2);
    }
}
