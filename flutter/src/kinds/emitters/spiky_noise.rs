//! `spikyNoise`: off, or on and emitting Poisson spikes.

use super::{ChainValue, Direction, EmitterKind, SeriesState, ValueRange};
use crate::distributions::{RandomBits, poisson};
use crate::go::duration::GoDuration;
use crate::scenario::spec::{DefaultValue, Field, Rule};

/// `spikyNoise`: off/on bursts of Poisson spikes.
#[derive(Clone, Debug, Default, PartialEq)]
#[cfg_attr(feature = "bake", derive(serde::Serialize))]
pub struct SpikyNoiseSpec {
    /// Probability an off series turns on at a sample (default 0.02).
    pub p_start: Option<f64>,
    /// Probability an on series turns off after a sample (default 0.2).
    pub p_end: Option<f64>,
    /// Mean spike height (default 10).
    pub peak_target: Option<f64>,
    /// How far above `peakTarget` a spike may reach (default 3).
    pub variation: Option<f64>,
    /// `positive` (default) or `negative`.
    pub direction: Option<Direction>,
}

impl SpikyNoiseSpec {
    const DEFAULT_P_START: f64 = 0.02;
    const DEFAULT_P_END: f64 = 0.2;
    const DEFAULT_PEAK_TARGET: f64 = 10.0;
    const DEFAULT_VARIATION: f64 = 3.0;
}

type F = Field<SpikyNoiseSpec>;

/// `spikyNoise`'s current configuration.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct SpikyNoise {
    pub p_start: f64,
    pub p_end: f64,
    pub peak: f64,
    pub variation: f64,
    pub negative: bool,
}

impl SpikyNoise {
    /// One sample; `on` is the series' state, kept across reconfigurations.
    #[inline]
    pub fn sample(&self, on: &mut bool, rng: &mut impl RandomBits) -> f64 {
        if !*on && rng.uniform() < self.p_start {
            *on = true;
        }
        if !*on {
            return 0.0;
        }
        let n = (poisson(rng, self.peak) as f64).clamp(0.0, self.peak + self.variation);
        if rng.uniform() < self.p_end {
            *on = false;
        }
        if self.negative { -n } else { n }
    }
}

impl EmitterKind for SpikyNoise {
    type Spec = SpikyNoiseSpec;
    const NAME: &'static str = "spikyNoise";
    const DOC: &'static str = "0 while off; off turns on with probability `pStart` per sample; while on, \
                               `Poisson(peakTarget)` clamped to `[0, peakTarget + variation]`, then it turns off \
                               with probability `pEnd`; reconfiguring keeps on/off";
    const DRAWS: bool = true;
    const FIELDS: &'static [F] = &[
        F::number("pStart", Rule::Unit, |s, v| s.p_start = Some(v))
            .doc("the probability an off series turns on at a sample")
            .default(DefaultValue::Number(SpikyNoiseSpec::DEFAULT_P_START)),
        F::number("pEnd", Rule::Unit, |s, v| s.p_end = Some(v))
            .doc("the probability an on series turns off after a sample")
            .default(DefaultValue::Number(SpikyNoiseSpec::DEFAULT_P_END)),
        F::number("peakTarget", Rule::NonNegative, |s, v| s.peak_target = Some(v))
            .doc("the mean spike height (≥ 0)")
            .default(DefaultValue::Number(SpikyNoiseSpec::DEFAULT_PEAK_TARGET)),
        F::number("variation", Rule::NonNegative, |s, v| s.variation = Some(v))
            .doc("how far above `peakTarget` a spike may reach (≥ 0)")
            .default(DefaultValue::Number(SpikyNoiseSpec::DEFAULT_VARIATION)),
        F::choice("direction", Direction::ONE_WAY, |s, i| s.direction = Some(Direction::ALL[i + 1]))
            .doc("`positive` or `negative`")
            .default(DefaultValue::Word("positive")),
    ];

    fn new(spec: &SpikyNoiseSpec, at: GoDuration) -> Self {
        let mut s = SpikyNoise {
            p_start: SpikyNoiseSpec::DEFAULT_P_START,
            p_end: SpikyNoiseSpec::DEFAULT_P_END,
            peak: SpikyNoiseSpec::DEFAULT_PEAK_TARGET,
            variation: SpikyNoiseSpec::DEFAULT_VARIATION,
            negative: false,
        };
        s.reconfigure(spec, at);
        s
    }

    fn reconfigure(&mut self, spec: &SpikyNoiseSpec, _: GoDuration) {
        self.p_start = spec.p_start.unwrap_or(self.p_start);
        self.p_end = spec.p_end.unwrap_or(self.p_end);
        self.peak = spec.peak_target.unwrap_or(self.peak);
        self.variation = spec.variation.unwrap_or(self.variation);
        if let Some(d) = spec.direction {
            self.negative = d == Direction::Negative;
        }
    }

    #[inline(always)]
    fn apply(&self, v: &mut ChainValue, _: i64, state: &mut SeriesState, rng: &mut impl RandomBits) {
        let mut on = state.first() != 0;
        v.value += self.sample(&mut on, rng);
        state.set_first(u64::from(on));
    }

    fn range(&self, before: ValueRange) -> ValueRange {
        let most = self.peak + self.variation;
        before.plus(if self.negative { ValueRange { lo: -most, hi: 0.0 } } else { ValueRange { lo: 0.0, hi: most } })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::ChaChaStream;

    /// The fraction of samples taken while on is the chain's stationary value
    /// pStart / (pStart + pEnd − pStart·pEnd) for the order of steps used.
    #[test]
    fn fraction_on() {
        for (p_start, p_end, samples) in [(0.3, 0.5, 100_000), (0.02, 0.2, 1_000_000)] {
            let spiky = SpikyNoise::new(
                &SpikyNoiseSpec {
                    p_start: Some(p_start),
                    p_end: Some(p_end),
                    // So high that a spike is never 0: every non-zero sample was taken while on.
                    peak_target: Some(1000.0),
                    ..Default::default()
                },
                GoDuration::ZERO,
            );
            let mut s = ChaChaStream::new(20261125, "noise-test", &format!("spiky{p_start}"), 0);
            let mut on = false;
            let spikes = (0..samples).filter(|_| spiky.sample(&mut on, &mut s) != 0.0).count();
            let fraction = spikes as f64 / samples as f64;
            let want = p_start / (p_start + p_end - p_start * p_end);
            assert!((fraction / want - 1.0).abs() < 0.02, "{p_start}/{p_end}: {fraction} vs {want}");
        }
    }
}
