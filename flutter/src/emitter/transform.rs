//! Transforms: they change the incoming value instead of adding to it.

use crate::scenario::ClampSpec;

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Clamp {
    pub min: Option<f64>,
    pub max: Option<f64>,
}

impl Clamp {
    pub fn reconfigure(&mut self, spec: &ClampSpec) {
        self.min = spec.min.or(self.min);
        self.max = spec.max.or(self.max);
    }

    #[inline]
    pub fn apply(&self, v: f64) -> f64 {
        let v = self.min.map_or(v, |m| v.max(m));
        self.max.map_or(v, |m| v.min(m))
    }
}

/// Rounds to the nearest multiple of `step`, halves away from zero.
#[inline]
pub(crate) fn round_to(v: f64, step: f64) -> f64 {
    (v / step).round() * step
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clamp_and_round() {
        let c = Clamp { min: Some(0.0), max: Some(10.0) };
        assert_eq!([-1.0, 5.5, 11.0].map(|v| c.apply(v)), [0.0, 5.5, 10.0]);
        let only_max = Clamp { min: None, max: Some(3.0) };
        assert_eq!(only_max.apply(-7.0), -7.0);
        assert_eq!([2.5, -2.5, 2.4, 7.0].map(|v| round_to(v, 1.0)), [3.0, -3.0, 2.0, 7.0]);
        assert_eq!([12.5, 17.4, -12.5].map(|v| round_to(v, 5.0)), [15.0, 15.0, -15.0]);
        assert_eq!(round_to(0.37, 0.25), 0.25);
    }
}
