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

impl<R: RandomBits + ?Sized> RandomBits for &mut R {
    fn next_u64(&mut self) -> u64 {
        (**self).next_u64()
    }
    fn uniform(&mut self) -> f64 {
        (**self).uniform()
    }
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

/// A binomial draw: successes in `n` trials of probability `p`. Exact: the
/// geometric method when `n·p` is small, Hörmann's transformed rejection
/// (BTRS) otherwise, so its cost does not grow with `n`.
pub fn binomial(src: &mut impl RandomBits, n: u64, p: f64) -> u64 {
    if n == 0 || p <= 0.0 {
        return 0;
    }
    if p >= 1.0 {
        return n;
    }
    if p > 0.5 {
        return n - binomial(src, n, 1.0 - p);
    }
    let nf = n as f64;
    if nf * p < 10.0 {
        // Waiting times between successes are geometric.
        let log_q = (-p).ln_1p();
        let (mut sum, mut successes) = (0.0, 0u64);
        loop {
            sum += ((1.0 - src.uniform()).ln() / log_q).ceil();
            if sum > nf {
                return successes;
            }
            successes += 1;
        }
    }
    let q = 1.0 - p;
    let spq = (nf * p * q).sqrt();
    let b = 1.15 + 2.53 * spq;
    let a = -0.0873 + 0.0248 * b + 0.01 * p;
    let c = nf * p + 0.5;
    let v_r = 0.92 - 4.2 / b;
    let r = p / q;
    let alpha = (2.83 + 5.1 / b) * spq;
    let m = ((nf + 1.0) * p).floor();
    loop {
        let u = src.uniform() - 0.5;
        let v = src.uniform();
        let us = 0.5 - u.abs();
        let k = ((2.0 * a / us + b) * u + c).floor();
        if k < 0.0 || k > nf {
            continue;
        }
        if us >= 0.07 && v <= v_r {
            return k as u64;
        }
        let v = (v * alpha / (a / (us * us) + b)).ln();
        let bound = (m + 0.5) * ((m + 1.0) / (r * (nf - m + 1.0))).ln()
            + (nf + 1.0) * ((nf - m + 1.0) / (nf - k + 1.0)).ln()
            + (k + 0.5) * (r * (nf - k + 1.0) / (k + 1.0)).ln()
            + stirling_tail(m)
            + stirling_tail(nf - m)
            - stirling_tail(k)
            - stirling_tail(nf - k);
        if v <= bound {
            return k as u64;
        }
    }
}

/// ln k! − [(k + ½)·ln(k + 1) − (k + 1) + ½·ln 2π]: the tail of Stirling's
/// series, small, so BTRS's acceptance test does not lose precision.
fn stirling_tail(k: f64) -> f64 {
    const SMALL: [f64; 10] = [
        0.0810614667953272,
        0.0413406959554092,
        0.0276779256849983,
        0.02079067210376509,
        0.0166446911898211,
        0.0138761288230707,
        0.0118967099458917,
        0.0104112652619720,
        0.00925546218271273,
        0.00833056343336287,
    ];
    if k < 10.0 {
        return SMALL[k as usize];
    }
    let kp1 = k + 1.0;
    let kp1sq = kp1 * kp1;
    (1.0 / 12.0 - (1.0 / 360.0 - 1.0 / 1260.0 / kp1sq) / kp1sq) / kp1
}

/// Φ(x), the standard normal's distribution function (full double precision).
pub fn normal_cdf(x: f64) -> f64 {
    0.5 * libm::erfc(-x / std::f64::consts::SQRT_2)
}

/// 1 − Φ(x), accurate far in the upper tail.
pub fn normal_sf(x: f64) -> f64 {
    0.5 * libm::erfc(x / std::f64::consts::SQRT_2)
}

/// φ(x), the standard normal's density.
pub fn normal_pdf(x: f64) -> f64 {
    (-0.5 * x * x).exp() / (2.0 * std::f64::consts::PI).sqrt()
}

/// Φ⁻¹(p) for p in (0, 1): Acklam's approximation refined by one Halley step,
/// so accurate to about the last bit; the tails are computed from `p` (or
/// `1 − p`) directly, never from a rounded complement.
pub fn normal_quantile(p: f64) -> f64 {
    if p <= 0.0 {
        return f64::NEG_INFINITY;
    }
    if p >= 1.0 {
        return f64::INFINITY;
    }
    if p > 0.5 {
        return -normal_quantile_lower(1.0 - p);
    }
    normal_quantile_lower(p)
}

/// The quantile whose upper-tail probability is `q` (Φ⁻¹(1 − q), computed from q).
pub fn normal_quantile_upper(q: f64) -> f64 {
    -normal_quantile(q)
}

/// Φ⁻¹(p) for p ≤ 0.5.
// Acklam's coefficients, as published.
#[allow(clippy::excessive_precision)]
fn normal_quantile_lower(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969683028665376e+01,
        2.209460984245205e+02,
        -2.759285104469687e+02,
        1.383577518672690e+02,
        -3.066479806614716e+01,
        2.506628277459239e+00,
    ];
    const B: [f64; 5] = [
        -5.447609879822406e+01,
        1.615858368580409e+02,
        -1.556989798598866e+02,
        6.680131188771972e+01,
        -1.328068155288572e+01,
    ];
    const C: [f64; 6] = [
        -7.784894002430293e-03,
        -3.223964580411365e-01,
        -2.400758277161838e+00,
        -2.549732539343734e+00,
        4.374664141464968e+00,
        2.938163982698783e+00,
    ];
    const D: [f64; 4] = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00];
    let x = if p < 0.02425 {
        let q = (-2.0 * p.ln()).sqrt();
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    };
    // Halley's step on Φ(x) − p, in the lower tail where Φ(x) is computed
    // exactly; u = e / φ(x), in logarithms so far tails do not overflow.
    let e = normal_cdf(x) - p;
    if e == 0.0 {
        return x;
    }
    let u = e.signum() * (e.abs().ln() + 0.5 * x * x + 0.5 * (2.0 * std::f64::consts::PI).ln()).exp();
    x - u / (1.0 + 0.5 * x * u)
}

/// How far beyond the most extreme of `n` uniform draws the end of (0, 1) is:
/// 1 − U^(1/n), computed without losing it to rounding when `n` is large,
/// and never exactly 0 or 1 (so quantiles of it stay finite).
pub fn extreme_tail(src: &mut impl RandomBits, n: u64) -> f64 {
    (-((1.0 - src.uniform()).ln() / n as f64).exp_m1()).clamp(f64::MIN_POSITIVE, 1.0 - f64::EPSILON)
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
    fn normal_quantile_inverts_the_cdf() {
        for p in [1e-300, 1e-100, 1e-20, 1e-8, 0.001, 0.02425, 0.1, 0.3, 0.5, 0.7, 0.97575, 0.999] {
            let x = normal_quantile(p);
            let back = if p < 0.5 { normal_cdf(x) } else { 1.0 - normal_sf(x) };
            assert!((back / p - 1.0).abs() < 1e-12, "{p}: {x} → {back}");
        }
        for q in [1e-300, 1e-50, 1e-9, 0.01] {
            let x = normal_quantile_upper(q);
            assert!((normal_sf(x) / q - 1.0).abs() < 1e-12, "upper {q}: {x}");
        }
        assert_eq!(normal_quantile(0.5), 0.0);
        assert!((normal_quantile(0.975) - 1.959963984540054).abs() < 1e-14);
    }

    /// Mean and variance of binomial draws, on both sides of the method switch
    /// and far beyond per-trial sampling.
    #[test]
    fn binomial_moments() {
        for (n, p) in [(20u64, 0.3), (1000, 0.004), (1000, 0.5), (1_000_000, 0.3), (10_000_000_000, 1e-3), (50, 0.9)] {
            let mut s = ChaChaStream::new(9, "binomial", &format!("{n}/{p}"), 0);
            let draws: Vec<f64> = (0..100_000).map(|_| binomial(&mut s, n, p) as f64).collect();
            assert!(draws.iter().all(|&k| k >= 0.0 && k <= n as f64));
            let (mean, sd) = mean_sd(&draws);
            let (want_mean, want_var) = (n as f64 * p, n as f64 * p * (1.0 - p));
            assert!((mean / want_mean - 1.0).abs() < 0.01, "{n}, {p}: mean {mean} vs {want_mean}");
            assert!((sd * sd / want_var - 1.0).abs() < 0.03, "{n}, {p}: variance {} vs {want_var}", sd * sd);
        }
        let mut s = ChaChaStream::new(1, "a", "b", 0);
        assert_eq!((binomial(&mut s, 0, 0.5), binomial(&mut s, 7, 0.0), binomial(&mut s, 7, 1.0)), (0, 0, 7));
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
