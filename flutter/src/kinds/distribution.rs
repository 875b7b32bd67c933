//! How observations spread around a centre: the `distribution` of a histogram
//! (and, later, of a span's duration).

use crate::distributions::{
    RandomBits, exponential, extreme_tail, normal_cdf, normal_pdf, normal_quantile, normal_quantile_upper, normal_sf,
    standard_normal,
};
use crate::go::float::go_float;
use crate::scenario::read::Reader;
use crate::scenario::yaml::{Node, Value};

/// How observations spread around the chain's value (the centre).
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "bake", derive(serde::Serialize))]
pub enum Distribution {
    /// `centre + stdDev · z`.
    Normal {
        /// Standard deviation.
        std_dev: f64,
    },
    /// `centre · exp(sigma · z)`: the centre is the median.
    LogNormal {
        /// σ of the logarithm.
        sigma: f64,
    },
    /// Exponential with the centre as its mean.
    Exponential,
    /// Uniform over `centre ± width / 2`.
    Uniform {
        /// The interval's width.
        width: f64,
    },
}

/// `f((x − centre) / scale)`, or a step at the centre when the scale is 0.
fn standardised(x: f64, centre: f64, scale: f64, f: fn(f64) -> f64) -> f64 {
    if scale > 0.0 { f((x - centre) / scale) } else { f(if x >= centre { f64::INFINITY } else { f64::NEG_INFINITY }) }
}

/// Where `x` is in `centre ± width / 2`, as a fraction from 0 to 1.
fn uniform_fraction(x: f64, centre: f64, width: f64) -> f64 {
    if width > 0.0 { ((x - centre) / width + 0.5).clamp(0.0, 1.0) } else { f64::from(u8::from(x >= centre)) }
}

/// A distribution's name, its parameter's key (if any), and how to make it.
pub(crate) type DistributionType = (&'static str, Option<&'static str>, fn(f64) -> Distribution);

/// Every distribution.
pub(crate) const TYPES: &[DistributionType] = &[
    ("normal", Some("stdDev"), |std_dev| Distribution::Normal { std_dev }),
    ("lognormal", Some("sigma"), |sigma| Distribution::LogNormal { sigma }),
    ("exponential", None, |_| Distribution::Exponential),
    ("uniform", Some("width"), |width| Distribution::Uniform { width }),
];

impl Distribution {
    /// The default when a spec sets none (a definition must, so only internal).
    pub(crate) const DEFAULT: Distribution = Distribution::Normal { std_dev: 0.0 };

    /// Its name as written in scenario files.
    pub fn type_name(self) -> &'static str {
        match self {
            Distribution::Normal { .. } => "normal",
            Distribution::LogNormal { .. } => "lognormal",
            Distribution::Exponential => "exponential",
            Distribution::Uniform { .. } => "uniform",
        }
    }

    /// Whether observations can be centred on `centre` (lognormal and
    /// exponential need a positive one).
    pub(crate) fn accepts(self, centre: f64) -> bool {
        match self {
            Distribution::LogNormal { .. } | Distribution::Exponential => centre > 0.0,
            _ => true,
        }
    }

    /// One observation around `centre`.
    #[inline]
    pub(crate) fn observe(self, centre: f64, rng: &mut impl RandomBits) -> f64 {
        match self {
            Distribution::Normal { std_dev } => centre + std_dev * standard_normal(rng),
            Distribution::LogNormal { sigma } => centre * (sigma * standard_normal(rng)).exp(),
            Distribution::Exponential => exponential(rng, centre),
            Distribution::Uniform { width } => centre + (rng.uniform() - 0.5) * width,
        }
    }

    /// P(X ≤ x) for observations around `centre`.
    pub(crate) fn cdf(self, centre: f64, x: f64) -> f64 {
        match self {
            Distribution::Normal { std_dev } => standardised(x, centre, std_dev, normal_cdf),
            Distribution::LogNormal { sigma } if x > 0.0 => standardised(x.ln(), centre.ln(), sigma, normal_cdf),
            Distribution::LogNormal { .. } => 0.0,
            Distribution::Exponential if x > 0.0 => -(-x / centre).exp_m1(),
            Distribution::Exponential => 0.0,
            Distribution::Uniform { width } => uniform_fraction(x, centre, width),
        }
    }

    /// P(X > x), accurate where it is small.
    pub(crate) fn sf(self, centre: f64, x: f64) -> f64 {
        match self {
            Distribution::Normal { std_dev } => standardised(x, centre, std_dev, normal_sf),
            Distribution::LogNormal { sigma } if x > 0.0 => standardised(x.ln(), centre.ln(), sigma, normal_sf),
            Distribution::LogNormal { .. } => 1.0,
            Distribution::Exponential if x > 0.0 => (-x / centre).exp(),
            Distribution::Exponential => 1.0,
            Distribution::Uniform { width } => 1.0 - uniform_fraction(x, centre, width),
        }
    }

    /// The median, where `cdf` and `sf` trade places as the accurate one.
    fn median(self, centre: f64) -> f64 {
        match self {
            Distribution::Exponential => centre * std::f64::consts::LN_2,
            _ => centre,
        }
    }

    /// P(a < X ≤ b), from the side of the median where it does not cancel.
    pub(crate) fn mass(self, centre: f64, a: f64, b: f64) -> f64 {
        if b <= a {
            return 0.0;
        }
        let m = if a >= self.median(centre) {
            self.sf(centre, a) - self.sf(centre, b)
        } else {
            self.cdf(centre, b) - self.cdf(centre, a)
        };
        m.max(0.0)
    }

    /// The value with lower-tail probability `p`.
    pub(crate) fn quantile(self, centre: f64, p: f64) -> f64 {
        match self {
            Distribution::Normal { std_dev } => centre + std_dev * normal_quantile(p),
            Distribution::LogNormal { sigma } => centre * (sigma * normal_quantile(p)).exp(),
            Distribution::Exponential => -centre * (-p).ln_1p(),
            Distribution::Uniform { width } => centre + (p - 0.5) * width,
        }
    }

    /// The value with upper-tail probability `q`.
    pub(crate) fn quantile_upper(self, centre: f64, q: f64) -> f64 {
        match self {
            Distribution::Normal { std_dev } => centre + std_dev * normal_quantile_upper(q),
            Distribution::LogNormal { sigma } => centre * (sigma * normal_quantile_upper(q)).exp(),
            Distribution::Exponential => -centre * q.ln(),
            Distribution::Uniform { width } => centre + (0.5 - q) * width,
        }
    }

    /// The smallest and largest of `n ≥ 2` observations, drawn exactly: the
    /// largest from its own law (`F⁻¹(U^(1/n))`), then the smallest of the
    /// other `n − 1` below it.
    pub(crate) fn extremes(self, centre: f64, n: u64, rng: &mut impl RandomBits) -> (f64, f64) {
        let max = self.quantile_upper(centre, extreme_tail(rng, n));
        let below = self.cdf(centre, max);
        let min = self.quantile(centre, below * extreme_tail(rng, n - 1));
        (min.min(max), max)
    }

    /// The mean and variance of an observation known to lie in `(a, b]`
    /// (finite): for the sum of observations counted into a bucket at once.
    pub(crate) fn truncated_moments(self, centre: f64, a: f64, b: f64) -> (f64, f64) {
        let (mean, var) = match self {
            Distribution::Normal { std_dev } if std_dev > 0.0 => {
                let (alpha, beta) = ((a - centre) / std_dev, (b - centre) / std_dev);
                let z = self.mass(centre, a, b);
                if z <= 0.0 {
                    return ((a + b) / 2.0, 0.0);
                }
                let (pa, pb) = (normal_pdf(alpha), normal_pdf(beta));
                let shift = (pa - pb) / z;
                let ends = |t: f64, p: f64| if t.is_finite() { t * p } else { 0.0 };
                let var = std_dev * std_dev * (1.0 + (ends(alpha, pa) - ends(beta, pb)) / z - shift * shift);
                (centre + std_dev * shift, var)
            }
            Distribution::LogNormal { sigma } if sigma > 0.0 && b > 0.0 => {
                let mu = centre.ln();
                let (la, lb) = (if a > 0.0 { (a.ln() - mu) / sigma } else { f64::NEG_INFINITY }, (b.ln() - mu) / sigma);
                let between = |lo: f64, hi: f64| {
                    if lo >= 0.0 { normal_sf(lo) - normal_sf(hi) } else { normal_cdf(hi) - normal_cdf(lo) }
                };
                let z = between(la, lb);
                if z <= 0.0 {
                    return ((a + b) / 2.0, 0.0);
                }
                let m1 = centre * (0.5 * sigma * sigma).exp() * between(la - sigma, lb - sigma) / z;
                let m2 =
                    centre * centre * (2.0 * sigma * sigma).exp() * between(la - 2.0 * sigma, lb - 2.0 * sigma) / z;
                (m1, m2 - m1 * m1)
            }
            Distribution::Exponential if b > a => {
                // Memoryless: X − a is exponential truncated to [0, b − a].
                let (theta, w) = (centre, b - a);
                let tail = w / (w / theta).exp_m1();
                let (m1, m2) = (theta - tail, 2.0 * theta * theta - (w + 2.0 * theta) * tail);
                (a + m1, m2 - m1 * m1)
            }
            _ => ((a + b) / 2.0, (b - a) * (b - a) / 12.0),
        };
        // Rounding aside, the mean is inside the interval and the variance in [0, (b − a)²/4].
        (mean.clamp(a, b), var.clamp(0.0, (b - a) * (b - a) / 4.0))
    }

    /// Reads `{type: normal, stdDev: 5}` and the like.
    pub(crate) fn read(r: &mut Reader<'_>, n: &Node) -> Option<Distribution> {
        let Value::Map(entries) = &n.value else {
            r.error(
                n,
                format!("`distribution` must be a map such as `{{type: normal, stdDev: 5}}`, found {}", n.value.kind()),
            );
            return None;
        };
        let Some(type_node) = entries.iter().find(|(k, _)| k.value == Value::Str("type".into())).map(|(_, v)| v) else {
            let names: Vec<&str> = TYPES.iter().map(|(name, _, _)| *name).collect();
            r.error(n, format!("`distribution` needs a `type` ({})", crate::scenario::read::list(names)));
            return None;
        };
        let choices: Vec<(&str, usize)> = TYPES.iter().enumerate().map(|(i, (name, _, _))| (*name, i)).collect();
        let (ty, param, make) = TYPES[r.choice(type_node, "distribution type", &choices)?];
        let keys: Vec<(&str, &'static str)> = std::iter::once(("type", "type")).chain(param.map(|p| (p, p))).collect();
        let f = r.fields(n, &format!("a {ty} `distribution`"), &keys)?;
        let value = match param {
            None => 0.0,
            Some(p) => {
                let Some(node) = f.get(p) else {
                    r.error(n, format!("a {ty} `distribution` needs `{p}`"));
                    return None;
                };
                let v = r.float(node, &format!("`{p}`"))?;
                if v < 0.0 {
                    r.error(node, format!("`{p}` must be at least 0, found {}", go_float(v)));
                    return None;
                }
                v
            }
        };
        Some(make(value))
    }
}
