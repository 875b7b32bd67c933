//! `poissonNoise`: Poisson-distributed counts.

use super::{ChainValue, Direction, EmitterKind, SeriesState, ValueRange};
use crate::distributions::{RandomBits, poisson};
use crate::go::duration::GoDuration;
use crate::scenario::spec::{DefaultValue, Field, Rule};

/// `poissonNoise`: `k ~ Poisson(target)`, clamped to `max`, negated for `negative`.
#[derive(Clone, Debug, Default, PartialEq)]
#[cfg_attr(feature = "bake", derive(serde::Serialize))]
pub struct PoissonNoiseSpec {
    /// λ, the mean (≥ 0, default 0).
    pub target: Option<f64>,
    /// Largest sample.
    pub max: Option<f64>,
    /// `positive` (default) or `negative`.
    pub direction: Option<Direction>,
}

impl PoissonNoiseSpec {
    const DEFAULT_TARGET: f64 = 0.0;
}

type F = Field<PoissonNoiseSpec>;

/// `poissonNoise`'s current configuration.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct PoissonNoise {
    pub lambda: f64,
    pub max: Option<f64>,
    pub negative: bool,
}

impl PoissonNoise {
    #[inline]
    pub fn sample(&self, rng: &mut impl RandomBits) -> f64 {
        let k = poisson(rng, self.lambda) as f64;
        let k = self.max.map_or(k, |m| k.min(m));
        if self.negative { -k } else { k }
    }
}

impl EmitterKind for PoissonNoise {
    type Spec = PoissonNoiseSpec;
    const NAME: &'static str = "poissonNoise";
    const DOC: &'static str = "an integer count `k ~ Poisson(target)`, at most `max`; negated for `negative`";
    const DRAWS: bool = true;
    const FIELDS: &'static [F] = &[
        F::number("target", Rule::NonNegative, |s, v| s.target = Some(v))
            .doc("λ, the mean count (≥ 0)")
            .default(DefaultValue::Number(PoissonNoiseSpec::DEFAULT_TARGET)),
        F::number("max", Rule::NonNegative, |s, v| s.max = Some(v)).doc("the largest sample"),
        F::choice("direction", Direction::ONE_WAY, |s, i| s.direction = Some(Direction::ALL[i + 1]))
            .doc("`positive` or `negative`")
            .default(DefaultValue::Word("positive")),
    ];

    fn new(spec: &PoissonNoiseSpec, at: GoDuration) -> Self {
        let mut p = PoissonNoise { lambda: PoissonNoiseSpec::DEFAULT_TARGET, max: None, negative: false };
        p.reconfigure(spec, at);
        p
    }

    fn reconfigure(&mut self, spec: &PoissonNoiseSpec, _: GoDuration) {
        self.lambda = spec.target.unwrap_or(self.lambda);
        self.max = spec.max.or(self.max);
        if let Some(d) = spec.direction {
            self.negative = d == Direction::Negative;
        }
    }

    #[inline(always)]
    fn apply(&self, v: &mut ChainValue, _: i64, _: &mut SeriesState, rng: &mut impl RandomBits) {
        v.value += self.sample(rng);
    }

    fn range(&self, before: ValueRange) -> ValueRange {
        let most = self.max.unwrap_or(f64::INFINITY);
        before.plus(if self.negative { ValueRange { lo: -most, hi: 0.0 } } else { ValueRange { lo: 0.0, hi: most } })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::ChaChaStream;

    #[test]
    fn mean_and_variance() {
        for lambda in [4.0, 45.0] {
            let noise =
                PoissonNoise::new(&PoissonNoiseSpec { target: Some(lambda), ..Default::default() }, GoDuration::ZERO);
            let mut s = ChaChaStream::new(20261125, "noise-test", &format!("poisson{lambda}"), 0);
            let xs: Vec<f64> = (0..100_000).map(|_| noise.sample(&mut s)).collect();
            let (mean, sd) = crate::distributions::mean_sd(&xs);
            assert!((mean / lambda - 1.0).abs() < 0.02, "λ={lambda} mean {mean}");
            assert!((sd * sd / lambda - 1.0).abs() < 0.02, "λ={lambda} variance {}", sd * sd);
        }
        let capped = PoissonNoise::new(
            &PoissonNoiseSpec { target: Some(10.0), max: Some(8.0), direction: Some(Direction::Negative) },
            GoDuration::ZERO,
        );
        let mut s = ChaChaStream::new(20261125, "noise-test", "capped", 0);
        assert!((0..1000).map(|_| capped.sample(&mut s)).all(|x| (-8.0..=0.0).contains(&x)));
    }
}
