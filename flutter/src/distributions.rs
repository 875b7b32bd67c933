//! Sampling algorithms over a stream of random draws.
//!
//! One set of algorithms serves both random modes: they read 64-bit draws and
//! uniform draws from a [`RandomBits`], so with the Go-compatible stream the normal
//! draws are exactly Go's `NormFloat64`, and with ChaCha streams the values are
//! fixed by these algorithms rather than by a dependency's (golden tests lock
//! them).

use std::sync::OnceLock;

/// Where draws come from.
pub trait RandomBits {
    /// The next 64 random bits.
    fn next_u64(&mut self) -> u64;
    /// A uniform draw in [0, 1) (each stream has its own bit convention).
    fn uniform(&mut self) -> f64;
}

impl RandomBits for crate::rng::GoPcg {
    fn next_u64(&mut self) -> u64 {
        crate::rng::GoPcg::next_u64(self)
    }
    fn uniform(&mut self) -> f64 {
        crate::rng::GoPcg::uniform(self)
    }
}

impl RandomBits for crate::rng::ChaChaStream {
    fn next_u64(&mut self) -> u64 {
        crate::rng::ChaChaStream::next_u64(self)
    }
    fn uniform(&mut self) -> f64 {
        crate::rng::ChaChaStream::uniform(self)
    }
}

/// The tail start of the ziggurat (Marsaglia & Tsang 2000, 128 strips).
const ZIG_R: f64 = 3.442619855899;
/// The area of each strip.
const ZIG_V: f64 = 9.91256303526217e-3;

/// The ziggurat tables, built the way Marsaglia & Tsang's `zigset` builds them
/// and stored in the widths Go stores them (u32, f32, f32).
struct Ziggurat {
    kn: [u32; 128],
    wn: [f32; 128],
    fn_: [f32; 128],
}

fn ziggurat() -> &'static Ziggurat {
    static TABLES: OnceLock<Ziggurat> = OnceLock::new();
    TABLES.get_or_init(|| {
        let m1 = 2147483648.0f64;
        let mut kn = [0u32; 128];
        let mut wn = [0f32; 128];
        let mut fn_ = [0f32; 128];
        let mut dn = ZIG_R;
        let mut tn = dn;
        let q = ZIG_V / (-0.5 * dn * dn).exp();
        kn[0] = ((dn / q) * m1) as u32;
        kn[1] = 0;
        wn[0] = (q / m1) as f32;
        wn[127] = (dn / m1) as f32;
        fn_[0] = 1.0;
        fn_[127] = (-0.5 * dn * dn).exp() as f32;
        for i in (1..=126).rev() {
            dn = (-2.0 * (ZIG_V / dn + (-0.5 * dn * dn).exp()).ln()).sqrt();
            kn[i + 1] = ((dn / tn) * m1) as u32;
            tn = dn;
            fn_[i] = (-0.5 * dn * dn).exp() as f32;
            wn[i] = (dn / m1) as f32;
        }
        Ziggurat { kn, wn, fn_ }
    })
}

/// A standard normal draw: Go's `NormFloat64` algorithm.
pub fn standard_normal(src: &mut impl RandomBits) -> f64 {
    let z = ziggurat();
    loop {
        let u = src.next_u64();
        let j = u as u32 as i32;
        let i = ((u >> 32) & 0x7f) as usize;
        let x = f64::from(j) * f64::from(z.wn[i]);
        if j.unsigned_abs() < z.kn[i] {
            return x;
        }
        if i == 0 {
            // The base strip's tail.
            let mut x;
            loop {
                x = -src.uniform().ln() * (1.0 / ZIG_R);
                let y = -src.uniform().ln();
                if y + y >= x * x {
                    break;
                }
            }
            return if j > 0 { ZIG_R + x } else { -ZIG_R - x };
        }
        let threshold = z.fn_[i] + (src.uniform() as f32) * (z.fn_[i - 1] - z.fn_[i]);
        if threshold < (-0.5 * x * x).exp() as f32 {
            return x;
        }
    }
}

/// A Poisson draw with mean `lambda`: Knuth's product method below 30, the
/// transformed rejection method (Hörmann's PTRS) from 30 on; both exact.
pub fn poisson(src: &mut impl RandomBits, lambda: f64) -> u64 {
    if lambda <= 0.0 || !lambda.is_finite() {
        return 0;
    }
    if lambda < 30.0 {
        let limit = (-lambda).exp();
        let mut k = 0u64;
        let mut p = 1.0;
        loop {
            p *= src.uniform();
            if p <= limit {
                return k;
            }
            k += 1;
        }
    }
    let slam = lambda.sqrt();
    let loglam = lambda.ln();
    let b = 0.931 + 2.53 * slam;
    let a = -0.059 + 0.02483 * b;
    let inv_alpha = 1.1239 + 1.1328 / (b - 3.4);
    let vr = 0.9277 - 3.6224 / (b - 2.0);
    loop {
        let u = src.uniform() - 0.5;
        let v = src.uniform();
        let us = 0.5 - u.abs();
        let k = ((2.0 * a / us + b) * u + lambda + 0.43).floor();
        if us >= 0.07 && v <= vr {
            return k as u64;
        }
        if k < 0.0 || (us < 0.013 && v > us) {
            continue;
        }
        if v.ln() + inv_alpha.ln() - (a / (us * us) + b).ln() <= -lambda + k * loglam - ln_factorial(k) {
            return k as u64;
        }
    }
}

/// ln(k!) for a whole number `k` ≥ 0: exact sums below 10, Stirling's series above.
fn ln_factorial(k: f64) -> f64 {
    if k < 10.0 {
        return (2..=k as u64).map(|i| (i as f64).ln()).sum();
    }
    let x = k + 1.0;
    // ln Γ(x) = (x − ½)·ln x − x + ½·ln 2π + 1/(12x) − 1/(360x³) + 1/(1260x⁵) − 1/(1680x⁷)
    let x2 = x * x;
    let series =
        1.0 / (12.0 * x) - 1.0 / (360.0 * x * x2) + 1.0 / (1260.0 * x * x2 * x2) - 1.0 / (1680.0 * x * x2 * x2 * x2);
    (x - 0.5) * x.ln() - x + 0.5 * (2.0 * std::f64::consts::PI).ln() + series
}

/// An exponential draw with mean `mean`.
pub fn exponential(src: &mut impl RandomBits, mean: f64) -> f64 {
    -mean * (1.0 - src.uniform()).ln()
}

/// Mean and sample standard deviation (for statistical tests).
#[cfg(test)]
pub(crate) fn mean_sd(xs: &[f64]) -> (f64, f64) {
    let mean = xs.iter().sum::<f64>() / xs.len() as f64;
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (xs.len() - 1) as f64;
    (mean, var.sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{ChaChaStream, GoPcg};

    /// Go's own test values for `NormFloat64` (math/rand/v2).
    #[test]
    fn normal_matches_go_norm_float64() {
        let mut p = GoPcg::new(1, 2);
        let want = [
            0.37944549835531083,
            0.07473804659119399,
            0.20006841200604142,
            -1.1253144115495104,
            -0.4005883316435388,
            -3.0853771402394736,
        ];
        for w in want {
            assert_eq!(standard_normal(&mut p), w);
        }
        let mut p = GoPcg::new(1, 1);
        for w in [0.9063577669680134, 0.4439636476587333, -0.7832387716160727] {
            assert_eq!(standard_normal(&mut p), w);
        }
    }

    #[test]
    fn ln_factorial_is_accurate() {
        let mut exact = 0.0f64;
        for k in 1..=200u64 {
            exact += (k as f64).ln();
            let got = ln_factorial(k as f64);
            assert!((got - exact).abs() <= 1e-10 * exact.max(1.0), "{k}: {got} vs {exact}");
        }
        assert_eq!(ln_factorial(0.0), 0.0);
    }

    /// Mean and variance of Poisson draws, on both sides of the method switch.
    #[test]
    fn poisson_moments() {
        for lambda in [0.5, 4.0, 29.0, 30.0, 75.0, 1000.0] {
            let mut s = ChaChaStream::new(9, "poisson", &lambda.to_string(), 0);
            let n = 100_000;
            let draws: Vec<f64> = (0..n).map(|_| poisson(&mut s, lambda) as f64).collect();
            let mean = draws.iter().sum::<f64>() / n as f64;
            let var = draws.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
            assert!((mean / lambda - 1.0).abs() < 0.02, "λ={lambda}: mean {mean}");
            assert!((var / lambda - 1.0).abs() < 0.03, "λ={lambda}: variance {var}");
        }
        let mut s = ChaChaStream::new(1, "a", "b", 0);
        assert_eq!(poisson(&mut s, 0.0), 0);
        assert_eq!(poisson(&mut s, -3.0), 0);
    }
}
