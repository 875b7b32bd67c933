//! Per-series parameters: an emitter field written `{uniform: [a, b]}` or
//! `{normal: [mean, stdDev]}` instead of a value, so each series of a set
//! draws its own (200 pods do not draw the same line).
//!
//! The loader records each such field beside the action's spec, whose field
//! holds the draw's centre (what the kind's own checks and `--check` see). A
//! series that uses the emitter draws every such field once, from its own
//! stream, and configures a copy of the emitter of its own with the result.

use std::borrow::Cow;

use crate::distributions::{RandomBits, standard_normal};
use crate::go::float::go_float;
use crate::scenario::read::Reader;
use crate::scenario::yaml::{Node, Value};

/// One field each series draws for itself.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "bake", derive(serde::Serialize))]
pub struct PerSeries<'a> {
    /// The field's key, as its kind's table spells it.
    pub key: Cow<'a, str>,
    /// What each series draws it from.
    pub draw: Draw,
}

/// A distribution a per-series field is drawn from, in the field's unit (a
/// duration field's in nanoseconds).
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "bake", derive(serde::Serialize))]
pub enum Draw {
    /// `{uniform: [low, high]}`: every value in [low, high) alike.
    Uniform {
        /// The lowest value.
        low: f64,
        /// The upper bound (never drawn unless equal to `low`).
        high: f64,
    },
    /// `{normal: [mean, stdDev]}`.
    Normal {
        /// The centre.
        mean: f64,
        /// The spread (≥ 0).
        std_dev: f64,
    },
}

impl Draw {
    /// One series' value: one uniform draw, or one standard normal draw.
    pub fn sample(self, rng: &mut impl RandomBits) -> f64 {
        match self {
            Draw::Uniform { low, high } => low + rng.uniform() * (high - low),
            Draw::Normal { mean, std_dev } => mean + std_dev * standard_normal(rng),
        }
    }

    /// The value the spec holds in the draw's place: its centre.
    pub fn centre(self) -> f64 {
        match self {
            Draw::Uniform { low, high } => low + (high - low) / 2.0,
            Draw::Normal { mean, .. } => mean,
        }
    }
}

/// Where a spec's per-series fields go while it is read, or why it may have none.
pub(crate) enum DrawSink {
    /// An emitter that may draw per series.
    Collect(Vec<PerSeries<'static>>),
    /// One that may not: the reason, said at the draw.
    Refuse(String),
}

/// Whether `n` is written as a per-series draw (a map where a value belongs).
pub(crate) fn is_draw(n: &Node) -> bool {
    matches!(n.value, Value::Map(_))
}

/// Reads `{uniform: [a, b]}` or `{normal: [mean, stdDev]}` at `n` for the field
/// `key`. `bound` reads one bound in the field's unit, with the field's own
/// range check; `bounded` says the field has a range a normal could leave.
pub(crate) fn read_draw(
    r: &mut Reader<'_>,
    n: &Node,
    key: &str,
    bounded: bool,
    mut bound: impl FnMut(&mut Reader<'_>, &Node) -> Option<f64>,
) -> Option<Draw> {
    let what = format!("the per-series `{key}`");
    let f = r.fields(n, &what, &[("uniform", "uniform"), ("normal", "normal")])?;
    let (name, pair) = match (f.get("uniform"), f.get("normal")) {
        (Some(u), None) => ("uniform", u),
        (None, Some(n)) => ("normal", n),
        (Some(_), Some(_)) => {
            r.rep.error(f.span, format!("{what} takes one of `uniform` and `normal`, not both"));
            return None;
        }
        (None, None) => {
            // Keys other than these were reported as unknown already.
            if matches!(&n.value, Value::Map(entries) if entries.is_empty()) {
                r.rep.error(f.span, format!("{what} needs `uniform: [a, b]` or `normal: [mean, stdDev]`"));
            }
            return None;
        }
    };
    let example = if name == "uniform" { "[a, b]" } else { "[mean, stdDev]" };
    let items = r.seq(pair, &format!("`{name}`"))?;
    let [a, b] = items else {
        r.error(pair, format!("`{name}` takes two numbers, {example}; found {}", items.len()));
        return None;
    };
    if name == "uniform" {
        let (low, high) = (bound(r, a)?, bound(r, b)?);
        if low > high {
            r.error(pair, format!("`uniform` takes [a, b] with a ≤ b, found [{}, {}]", go_float(low), go_float(high)));
            return None;
        }
        return Some(Draw::Uniform { low, high });
    }
    if bounded {
        r.error(
            pair,
            format!("`{key}` has a range, which a normal distribution can leave: draw it from `{{uniform: [a, b]}}`"),
        );
        return None;
    }
    let mean = bound(r, a)?;
    let std_dev = r.float(b, "a normal's `stdDev`")?;
    if std_dev < 0.0 {
        r.error(b, format!("a normal's `stdDev` must be at least 0, found {}", go_float(std_dev)));
        return None;
    }
    Some(Draw::Normal { mean, std_dev })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::ChaChaStream;

    #[test]
    fn draws_stay_in_their_range_and_centre_on_it() {
        let mut rng = ChaChaStream::new(1, "m", "e", 0);
        let uniform = Draw::Uniform { low: 10.0, high: 20.0 };
        let xs: Vec<f64> = (0..10_000).map(|_| uniform.sample(&mut rng)).collect();
        assert!(xs.iter().all(|x| (10.0..20.0).contains(x)));
        let mean = xs.iter().sum::<f64>() / xs.len() as f64;
        assert!((mean - 15.0).abs() < 0.1, "{mean}");
        assert_eq!(uniform.centre(), 15.0);
        let normal = Draw::Normal { mean: 5.0, std_dev: 2.0 };
        let ys: Vec<f64> = (0..10_000).map(|_| normal.sample(&mut rng)).collect();
        let mean = ys.iter().sum::<f64>() / ys.len() as f64;
        let var = ys.iter().map(|y| (y - mean).powi(2)).sum::<f64>() / ys.len() as f64;
        assert!((mean - 5.0).abs() < 0.06 && (var.sqrt() - 2.0).abs() < 0.06, "{mean} {var}");
        assert_eq!(Draw::Uniform { low: 3.0, high: 3.0 }.sample(&mut rng), 3.0);
        assert_eq!(Draw::Normal { mean: 3.0, std_dev: 0.0 }.sample(&mut rng), 3.0);
    }
}
