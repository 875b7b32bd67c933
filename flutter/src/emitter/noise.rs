//! `normalNoise`, `poissonNoise` and `spikyNoise`.

use crate::distributions::{Source, poisson, standard_normal};
use crate::scenario::{Direction, NormalNoiseSpec, PoissonNoiseSpec, SpikyNoiseSpec};

/// `normalNoise`: `target + z`, clamped to `target ± variation`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct NormalNoise {
    pub target: f64,
    /// As given: a missing one is derived from the other.
    pub std_dev: Option<f64>,
    pub variation: Option<f64>,
    pub direction: Direction,
}

impl NormalNoise {
    pub fn new(spec: &NormalNoiseSpec) -> Self {
        let mut n = NormalNoise { target: 0.0, std_dev: None, variation: None, direction: Direction::Both };
        n.reconfigure(spec);
        n
    }

    pub fn reconfigure(&mut self, spec: &NormalNoiseSpec) {
        let NormalNoiseSpec { target, std_dev, variation, direction } = spec;
        self.target = target.unwrap_or(self.target);
        self.std_dev = std_dev.or(self.std_dev);
        self.variation = variation.or(self.variation);
        self.direction = direction.unwrap_or(self.direction);
    }

    /// Standard deviation and clamp half-width in effect.
    pub fn params(&self) -> (f64, f64) {
        let sd = self.std_dev.unwrap_or_else(|| self.variation.unwrap_or(0.0) / 3.0);
        (sd, self.variation.unwrap_or(3.0 * sd))
    }

    #[inline]
    pub fn sample(&self, src: &mut impl Source) -> f64 {
        let (sd, variation) = self.params();
        let z = standard_normal(src) * sd;
        let z = match self.direction {
            Direction::Both => z,
            Direction::Positive => z.abs(),
            Direction::Negative => -z.abs(),
        };
        (self.target + z).clamp(self.target - variation, self.target + variation)
    }
}

/// `poissonNoise`: a Poisson count with mean `target`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct PoissonNoise {
    pub lambda: f64,
    pub max: Option<f64>,
    pub negative: bool,
}

impl PoissonNoise {
    pub fn new(spec: &PoissonNoiseSpec) -> Self {
        let mut p = PoissonNoise { lambda: 0.0, max: None, negative: false };
        p.reconfigure(spec);
        p
    }

    pub fn reconfigure(&mut self, spec: &PoissonNoiseSpec) {
        let PoissonNoiseSpec { target, max, direction } = spec;
        self.lambda = target.unwrap_or(self.lambda);
        self.max = max.or(self.max);
        if let Some(d) = direction {
            self.negative = *d == Direction::Negative;
        }
    }

    #[inline]
    pub fn sample(&self, src: &mut impl Source) -> f64 {
        let k = poisson(src, self.lambda) as f64;
        let k = self.max.map_or(k, |m| k.min(m));
        if self.negative { -k } else { k }
    }
}

/// `spikyNoise`: off, or on and emitting Poisson spikes.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct SpikyNoise {
    pub p_start: f64,
    pub p_end: f64,
    pub peak: f64,
    pub variation: f64,
    pub negative: bool,
}

impl SpikyNoise {
    pub fn new(spec: &SpikyNoiseSpec) -> Self {
        let mut s = SpikyNoise { p_start: 0.02, p_end: 0.2, peak: 10.0, variation: 3.0, negative: false };
        s.reconfigure(spec);
        s
    }

    pub fn reconfigure(&mut self, spec: &SpikyNoiseSpec) {
        let SpikyNoiseSpec { p_start, p_end, peak_target, variation, direction } = spec;
        self.p_start = p_start.unwrap_or(self.p_start);
        self.p_end = p_end.unwrap_or(self.p_end);
        self.peak = peak_target.unwrap_or(self.peak);
        self.variation = variation.unwrap_or(self.variation);
        if let Some(d) = direction {
            self.negative = *d == Direction::Negative;
        }
    }

    /// One sample; `on` is the series' state, kept across reconfigurations.
    #[inline]
    pub fn sample(&self, on: &mut bool, src: &mut impl Source) -> f64 {
        if !*on && src.uniform() < self.p_start {
            *on = true;
        }
        if !*on {
            return 0.0;
        }
        let n = (poisson(src, self.peak) as f64).clamp(0.0, self.peak + self.variation);
        if src.uniform() < self.p_end {
            *on = false;
        }
        if self.negative { -n } else { n }
    }
}
