//! `randomWalk`: a mean-reverting walk, clamped to `target ± variation`.

use crate::scenario::RandomWalkSpec;

/// A random walk's current configuration (the walk's position is per series).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct RandomWalk {
    pub target: f64,
    pub elasticity: f64,
    pub step_size: f64,
    pub variation: f64,
}

impl RandomWalk {
    /// A new walk. The loader guarantees `stepSize` and `variation` on definition.
    pub fn new(spec: &RandomWalkSpec) -> Self {
        RandomWalk {
            target: spec.target.unwrap_or(0.0),
            elasticity: spec.elasticity.unwrap_or(0.0),
            step_size: spec.step_size.unwrap_or(1.0),
            variation: spec.variation.unwrap_or(0.0),
        }
    }

    pub fn reconfigure(&mut self, spec: &RandomWalkSpec) {
        let RandomWalkSpec { target, elasticity, step_size, variation } = spec;
        self.target = target.unwrap_or(self.target);
        self.elasticity = elasticity.unwrap_or(self.elasticity);
        self.step_size = step_size.unwrap_or(self.step_size);
        self.variation = variation.unwrap_or(self.variation);
    }

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

#[cfg(test)]
mod tests {
    use super::*;

    fn walk() -> RandomWalk {
        RandomWalk::new(&RandomWalkSpec {
            target: Some(0.0),
            elasticity: Some(0.5),
            step_size: Some(4.0),
            variation: Some(10.0),
        })
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
