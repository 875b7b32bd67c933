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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::ChaChaStream;
    use crate::scenario::{NormalNoiseSpec, PoissonNoiseSpec, SpikyNoiseSpec};

    const N: usize = 100_000;

    fn stream(name: &str) -> ChaChaStream {
        ChaChaStream::new(20261125, "noise-test", name, 0)
    }

    fn mean_sd(xs: &[f64]) -> (f64, f64) {
        let mean = xs.iter().sum::<f64>() / xs.len() as f64;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (xs.len() - 1) as f64;
        (mean, var.sqrt())
    }

    #[test]
    fn normal_noise_mean_and_standard_deviation() {
        // A wide variation so nothing is clamped.
        let spec = NormalNoiseSpec { target: Some(50.0), std_dev: Some(5.0), variation: Some(1e9), direction: None };
        let noise = NormalNoise::new(&spec);
        let mut s = stream("normal");
        let xs: Vec<f64> = (0..N).map(|_| noise.sample(&mut s)).collect();
        let (mean, sd) = mean_sd(&xs);
        assert!((mean / 50.0 - 1.0).abs() < 0.01, "mean {mean}");
        assert!((sd / 5.0 - 1.0).abs() < 0.01, "sd {sd}");
    }

    #[test]
    fn normal_noise_defaults_direction_and_clamp() {
        let only_variation = NormalNoise::new(&NormalNoiseSpec { variation: Some(6.0), ..Default::default() });
        assert_eq!(only_variation.params(), (2.0, 6.0));
        let only_sd = NormalNoise::new(&NormalNoiseSpec { std_dev: Some(2.0), ..Default::default() });
        assert_eq!(only_sd.params(), (2.0, 6.0));
        let positive = NormalNoise::new(&NormalNoiseSpec {
            std_dev: Some(1.0),
            variation: Some(1.5),
            direction: Some(Direction::Positive),
            ..Default::default()
        });
        let mut s = stream("clamped");
        let xs: Vec<f64> = (0..N).map(|_| positive.sample(&mut s)).collect();
        assert!(xs.iter().all(|x| (0.0..=1.5).contains(x)));
        // Beyond 1.5σ everything is pinned to the clamp: P(|z| > 1.5) ≈ 0.1336.
        let pinned = xs.iter().filter(|x| **x == 1.5).count() as f64 / N as f64;
        assert!((pinned - 0.1336).abs() < 0.005, "{pinned}");
    }

    #[test]
    fn poisson_noise_mean_and_variance() {
        for lambda in [4.0, 45.0] {
            let noise = PoissonNoise::new(&PoissonNoiseSpec { target: Some(lambda), ..Default::default() });
            let mut s = stream(&format!("poisson{lambda}"));
            let xs: Vec<f64> = (0..N).map(|_| noise.sample(&mut s)).collect();
            let (mean, sd) = mean_sd(&xs);
            assert!((mean / lambda - 1.0).abs() < 0.02, "λ={lambda} mean {mean}");
            assert!((sd * sd / lambda - 1.0).abs() < 0.02, "λ={lambda} variance {}", sd * sd);
        }
        let capped = PoissonNoise::new(&PoissonNoiseSpec {
            target: Some(10.0),
            max: Some(8.0),
            direction: Some(Direction::Negative),
        });
        let mut s = stream("capped");
        assert!((0..1000).map(|_| capped.sample(&mut s)).all(|x| (-8.0..=0.0).contains(&x)));
    }

    /// The fraction of samples taken while on is the chain's stationary value
    /// pStart / (pStart + pEnd − pStart·pEnd) for the order of steps used.
    #[test]
    fn spiky_noise_fraction_on() {
        for (p_start, p_end, samples) in [(0.3, 0.5, N), (0.02, 0.2, 10 * N)] {
            let spiky = SpikyNoise::new(&SpikyNoiseSpec {
                p_start: Some(p_start),
                p_end: Some(p_end),
                // So high that a spike is never 0: every non-zero sample was taken while on.
                peak_target: Some(1000.0),
                ..Default::default()
            });
            let mut s = stream(&format!("spiky{p_start}"));
            let mut on = false;
            let spikes = (0..samples).filter(|_| spiky.sample(&mut on, &mut s) != 0.0).count();
            let fraction = spikes as f64 / samples as f64;
            let want = p_start / (p_start + p_end - p_start * p_end);
            assert!((fraction / want - 1.0).abs() < 0.02, "{p_start}/{p_end}: {fraction} vs {want}");
        }
    }

    /// Locks the first draws: a dependency upgrade or a change to an algorithm
    /// that changes them fails here.
    #[test]
    fn golden_first_draws() {
        let normal =
            NormalNoise::new(&NormalNoiseSpec { std_dev: Some(1.0), variation: Some(100.0), ..Default::default() });
        let poisson = PoissonNoise::new(&PoissonNoiseSpec { target: Some(7.0), ..Default::default() });
        let big = PoissonNoise::new(&PoissonNoiseSpec { target: Some(300.0), ..Default::default() });
        let spiky = SpikyNoise::new(&SpikyNoiseSpec { p_start: Some(0.5), ..Default::default() });
        let mut s = ChaChaStream::new(1, "golden", "noise", 0);
        let mut on = false;
        let got: Vec<f64> = (0..3)
            .flat_map(|_| {
                [normal.sample(&mut s), poisson.sample(&mut s), big.sample(&mut s), spiky.sample(&mut on, &mut s)]
            })
            .collect();
        assert_eq!(got, GOLDEN);
    }

    const GOLDEN: [f64; 12] = [
        0.4854403488939818,
        8.0,
        325.0,
        0.0,
        -1.172614494766272,
        2.0,
        299.0,
        5.0,
        1.1023052660139587,
        10.0,
        298.0,
        13.0,
    ];
}
