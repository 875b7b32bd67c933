//! `randomWalk`: a mean-reverting walk, clamped to `target ± variation`.

use super::{ChainValue, EmitterKind, SeriesState};
use crate::distributions::RandomBits;
use crate::go::duration::GoDuration;
use crate::scenario::spec::{DefaultValue, Field, Rule};

/// `randomWalk`: `x ← x + elasticity·(target − x) + (2u − 1)·stepSize`, clamped.
#[derive(Clone, Debug, Default, PartialEq)]
#[cfg_attr(feature = "bake", derive(serde::Serialize))]
pub struct RandomWalkSpec {
    /// The centre the walk returns to (default 0).
    pub target: Option<f64>,
    /// How strongly it returns, 0 to 1 (default 0).
    pub elasticity: Option<f64>,
    /// Largest random step (required on definition, > 0).
    pub step_size: Option<f64>,
    /// Half-width of the allowed band around `target` (required on definition, ≥ 0).
    pub variation: Option<f64>,
}

impl RandomWalkSpec {
    const DEFAULT_TARGET: f64 = 0.0;
    const DEFAULT_ELASTICITY: f64 = 0.0;
}

type F = Field<RandomWalkSpec>;

/// A random walk's current configuration (the walk's position is per series).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct RandomWalk {
    pub target: f64,
    pub elasticity: f64,
    pub step_size: f64,
    pub variation: f64,
}

impl RandomWalk {
    /// One step from `x` with the uniform draw `u` in [0, 1).
    #[inline]
    pub fn step(&self, x: f64, u: f64) -> f64 {
        let next = x + self.elasticity * (self.target - x) + (2.0 * u - 1.0) * self.step_size;
        let (lo, hi) = (self.target - self.variation, self.target + self.variation);
        if next < lo {
            lo
        } else if next > hi {
            hi
        } else {
            next
        }
    }
}

impl EmitterKind for RandomWalk {
    type Spec = RandomWalkSpec;
    const NAME: &'static str = "randomWalk";
    const DOC: &'static str = "`x ← x + elasticity·(target − x) + (2u − 1)·stepSize`, clamped to `target ± \
                               variation`; `x` starts at `target` and resets on any reconfiguration";
    const DRAWS: bool = true;
    const FIELDS: &'static [F] = &[
        F::number("target", Rule::Any, |s, v| s.target = Some(v))
            .doc("the centre the walk returns to")
            .default(DefaultValue::Number(RandomWalkSpec::DEFAULT_TARGET)),
        F::number("elasticity", Rule::Unit, |s, v| s.elasticity = Some(v))
            .doc("how strongly it returns, 0 to 1")
            .default(DefaultValue::Number(RandomWalkSpec::DEFAULT_ELASTICITY)),
        F::number("stepSize", Rule::Positive, |s, v| s.step_size = Some(v))
            .doc("the largest random step (> 0)")
            .required("stepSize: 1"),
        F::number("variation", Rule::NonNegative, |s, v| s.variation = Some(v))
            .doc("half-width of the band around `target` (≥ 0; 0 pins the walk to it)")
            .required("variation: 5"),
    ];

    /// The loader guarantees `stepSize` and `variation` on definition.
    fn new(spec: &RandomWalkSpec, _: GoDuration) -> Self {
        RandomWalk {
            target: spec.target.unwrap_or(RandomWalkSpec::DEFAULT_TARGET),
            elasticity: spec.elasticity.unwrap_or(RandomWalkSpec::DEFAULT_ELASTICITY),
            step_size: spec.step_size.unwrap_or(1.0),
            variation: spec.variation.unwrap_or(0.0),
        }
    }

    fn reconfigure(&mut self, spec: &RandomWalkSpec, _: GoDuration) {
        self.target = spec.target.unwrap_or(self.target);
        self.elasticity = spec.elasticity.unwrap_or(self.elasticity);
        self.step_size = spec.step_size.unwrap_or(self.step_size);
        self.variation = spec.variation.unwrap_or(self.variation);
    }

    #[inline(always)]
    fn apply(&self, v: &mut ChainValue, _: i64, state: &mut SeriesState, rng: &mut impl RandomBits) {
        let x = self.step(state.float(), rng.uniform());
        state.set_float(x);
        v.value += x;
    }

    /// The walk starts again from `target`.
    fn reset(&self, state: &mut SeriesState) {
        state.set_float(self.target);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn walk() -> RandomWalk {
        RandomWalk::new(
            &RandomWalkSpec { target: Some(0.0), elasticity: Some(0.5), step_size: Some(4.0), variation: Some(10.0) },
            GoDuration::ZERO,
        )
    }

    /// The README example's first two walk steps (Go stream draws for seed 123456789).
    #[test]
    fn readme_steps() {
        let w = walk();
        let x1 = w.step(0.0, 0.3254313202886424);
        assert_eq!(10.0 + x1, 8.603450562309138);
        let x2 = w.step(x1, 0.4613269184419787);
        assert_eq!(10.0 + x2, 8.9923406286904);
    }

    #[test]
    fn clamps_and_pins() {
        let w = RandomWalk { elasticity: 0.0, ..walk() };
        assert_eq!(w.step(9.9, 0.999_999), 10.0);
        assert_eq!(w.step(-9.9, 0.0), -10.0);
        assert_eq!(w.step(1.0, 0.75), 3.0);
        let pinned = RandomWalk { variation: 0.0, ..walk() };
        assert_eq!(pinned.step(0.0, 0.9), 0.0);
    }
}
