//! `normalNoise` (alias `gaussianNoise`): normally distributed noise, clamped.

use super::{ChainValue, Direction, EmitterKind, Problem, SeriesState};
use crate::distributions::{RandomBits, standard_normal};
use crate::go::duration::GoDuration;
use crate::scenario::spec::{DefaultValue, Field, Rule};

/// `normalNoise`: `target + z`, `z ~ Normal(0, stdDev)`, clamped to `target ± variation`.
#[derive(Clone, Debug, Default, PartialEq)]
#[cfg_attr(feature = "bake", derive(serde::Serialize))]
pub struct NormalNoiseSpec {
    /// The centre (default 0).
    pub target: Option<f64>,
    /// Standard deviation (≥ 0; default `variation / 3`).
    pub std_dev: Option<f64>,
    /// Half-width of the clamp (≥ 0; default `3 · stdDev`).
    pub variation: Option<f64>,
    /// `both` (default), `positive` (|z|) or `negative` (−|z|).
    pub direction: Option<Direction>,
}

impl NormalNoiseSpec {
    const DEFAULT_TARGET: f64 = 0.0;
}

type F = Field<NormalNoiseSpec>;

/// `normalNoise`'s current configuration.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct NormalNoise {
    pub target: f64,
    /// As given: a missing one is derived from the other.
    pub std_dev: Option<f64>,
    pub variation: Option<f64>,
    pub direction: Direction,
}

impl NormalNoise {
    /// Standard deviation and clamp half-width in effect.
    pub fn params(&self) -> (f64, f64) {
        let sd = self.std_dev.unwrap_or_else(|| self.variation.unwrap_or(0.0) / 3.0);
        (sd, self.variation.unwrap_or(3.0 * sd))
    }

    #[inline]
    pub fn sample(&self, rng: &mut impl RandomBits) -> f64 {
        let (sd, variation) = self.params();
        let z = standard_normal(rng) * sd;
        let z = match self.direction {
            Direction::Both => z,
            Direction::Positive => z.abs(),
            Direction::Negative => -z.abs(),
        };
        (self.target + z).clamp(self.target - variation, self.target + variation)
    }
}

impl EmitterKind for NormalNoise {
    type Spec = NormalNoiseSpec;
    const NAME: &'static str = "normalNoise";
    const ALIASES: &'static [&'static str] = &["gaussianNoise"];
    const DOC: &'static str = "`target + z`, `z ~ Normal(0, stdDev)` (`positive`: |z|, `negative`: −|z|), clamped to \
                               `target ± variation`";
    const DRAWS: bool = true;
    const FIELDS: &'static [F] = &[
        F::number("target", Rule::Any, |s, v| s.target = Some(v))
            .doc("the centre")
            .default(DefaultValue::Number(NormalNoiseSpec::DEFAULT_TARGET)),
        F::number("stdDev", Rule::NonNegative, |s, v| s.std_dev = Some(v))
            .doc("the standard deviation (≥ 0); one of `stdDev` and `variation` is required")
            .default(DefaultValue::Derived("variation / 3")),
        F::number("variation", Rule::NonNegative, |s, v| s.variation = Some(v))
            .doc("half-width of the clamp around `target` (≥ 0)")
            .default(DefaultValue::Derived("3 · stdDev")),
        F::choice("direction", Direction::NAMES, |s, i| s.direction = Some(Direction::ALL[i]))
            .doc("`both`, `positive` (|z|) or `negative` (−|z|)")
            .default(DefaultValue::Word("both")),
    ];

    fn check(name: &str, spec: &NormalNoiseSpec, _: &mut NormalNoiseSpec, fresh: bool) -> Option<Problem> {
        (fresh && spec.std_dev.is_none() && spec.variation.is_none()).then(|| Problem {
            keys: &[],
            message: format!("normalNoise `{name}` needs `stdDev` or `variation` (or both)"),
        })
    }

    fn new(spec: &NormalNoiseSpec, at: GoDuration) -> Self {
        let mut n = NormalNoise {
            target: NormalNoiseSpec::DEFAULT_TARGET,
            std_dev: None,
            variation: None,
            direction: Direction::Both,
        };
        n.reconfigure(spec, at);
        n
    }

    fn reconfigure(&mut self, spec: &NormalNoiseSpec, _: GoDuration) {
        self.target = spec.target.unwrap_or(self.target);
        self.std_dev = spec.std_dev.or(self.std_dev);
        self.variation = spec.variation.or(self.variation);
        self.direction = spec.direction.unwrap_or(self.direction);
    }

    #[inline(always)]
    fn apply(&self, v: &mut ChainValue, _: i64, _: &mut SeriesState, rng: &mut impl RandomBits) {
        v.value += self.sample(rng);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::ChaChaStream;

    const N: usize = 100_000;

    fn noise(spec: NormalNoiseSpec) -> NormalNoise {
        NormalNoise::new(&spec, GoDuration::ZERO)
    }

    #[test]
    fn mean_and_standard_deviation() {
        // A wide variation so nothing is clamped.
        let n = noise(NormalNoiseSpec { target: Some(50.0), std_dev: Some(5.0), variation: Some(1e9), direction: None });
        let mut s = ChaChaStream::new(20261125, "noise-test", "normal", 0);
        let xs: Vec<f64> = (0..N).map(|_| n.sample(&mut s)).collect();
        let (mean, sd) = crate::distributions::mean_sd(&xs);
        assert!((mean / 50.0 - 1.0).abs() < 0.01, "mean {mean}");
        assert!((sd / 5.0 - 1.0).abs() < 0.01, "sd {sd}");
    }

    #[test]
    fn defaults_direction_and_clamp() {
        assert_eq!(noise(NormalNoiseSpec { variation: Some(6.0), ..Default::default() }).params(), (2.0, 6.0));
        assert_eq!(noise(NormalNoiseSpec { std_dev: Some(2.0), ..Default::default() }).params(), (2.0, 6.0));
        let positive = noise(NormalNoiseSpec {
            std_dev: Some(1.0),
            variation: Some(1.5),
            direction: Some(Direction::Positive),
            ..Default::default()
        });
        let mut s = ChaChaStream::new(20261125, "noise-test", "clamped", 0);
        let xs: Vec<f64> = (0..N).map(|_| positive.sample(&mut s)).collect();
        assert!(xs.iter().all(|x| (0.0..=1.5).contains(x)));
        // Beyond 1.5σ everything is pinned to the clamp: P(|z| > 1.5) ≈ 0.1336.
        let pinned = xs.iter().filter(|x| **x == 1.5).count() as f64 / N as f64;
        assert!((pinned - 0.1336).abs() < 0.005, "{pinned}");
    }
}
